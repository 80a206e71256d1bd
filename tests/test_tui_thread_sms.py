"""A text the clinic sent, in the thread: it names the clinic's number as staff know it.

The composer already said "Front desk · Maple Street Clinic"; the thread showed the same
text as sent by a raw +1555... number nobody at the desk recognises (issue 12, point 17).
"""

from __future__ import annotations

from pathlib import Path

from tests.test_tui_support import make_app, make_inbox, screen_text, wait_for, wait_rows

from cxinbox.service.demo import CLINIC_SMS


async def test_a_text_the_clinic_sent_names_the_clinic_not_its_number(tmp_path: Path) -> None:
    inbox = make_inbox(tmp_path)
    texts = inbox.service.list_conversations("channel:sms", 0, 500).items
    conv = next(s.id for s in texts if any(
        m.direction == "out" and m.from_addr == CLINIC_SMS
        for m in inbox.service.get_conversation(s.id, record_view=False).messages))
    app = make_app(inbox)
    async with app.run_test(size=(100, 40)) as pilot:
        await wait_rows(pilot, app)
        await pilot.press("slash", "ctrl+u", *f"id:{conv}", "enter")
        await wait_for(pilot, lambda: app.conversation_list.selected is not None
                       and app.conversation_list.selected.id == conv, what="search result")
        await pilot.press("enter")
        await wait_for(pilot, lambda: app.thread.detail is not None
                       and app.thread.detail.summary.id == conv, what="thread")
        sent = [line for line in screen_text(app).splitlines() if "SENT" in line]
        assert sent, screen_text(app)
        for line in sent:
            assert "Front desk" in line
            assert CLINIC_SMS not in line


async def test_the_thread_header_names_the_sms_line_at_80x24(tmp_path: Path) -> None:
    """The header's facts said `SMS · +15550100100`: the line staff know as "Front desk"."""
    inbox = make_inbox(tmp_path)
    conv = inbox.service.list_conversations("channel:sms", 0, 1).items[0]
    assert conv.mailbox == CLINIC_SMS  # what is stored: the number
    app = make_app(inbox)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_rows(pilot, app)
        await pilot.press("slash", "ctrl+u", *f"id:{conv.id}", "enter")
        await wait_for(pilot, lambda: app.conversation_list.selected is not None
                       and app.conversation_list.selected.id == conv.id, what="search result")
        await pilot.press("enter")
        await wait_for(pilot, lambda: app.thread.detail is not None
                       and app.thread.detail.summary.id == conv.id, what="thread")
        await wait_for(pilot, lambda: "SMS · Front desk" in " ".join(screen_text(app).split()),
                       what="the line's name in the header")
        header = " ".join(screen_text(app).split())
        assert f"SMS · {CLINIC_SMS}" not in header, header
