"""The TUI's answering and team features, driven by keys (Textual Pilot) on the demo inbox.

Real store, real service, real outbox rows; only the terminal is simulated. The demo's
mailboxes carry an SMTP host, so a reply is queued exactly as in production (the sending
itself is covered against a real SMTP server in test_outbox_*).
"""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

from tests.test_tui_support import ME, make_app, make_inbox, screen_text, wait_for, wait_rows
from textual.widgets import Input, TextArea

from cxinbox.api.interface import InProcessAPI
from cxinbox.service.inbox import InboxService
from cxinbox.tui.screens.choice import ChoiceScreen
from cxinbox.tui.screens.compose import CannedPicker, ComposeScreen, sms_meter
from cxinbox.tui.screens.prompt import PromptScreen


async def _open_first_email(pilot: Any, app: Any) -> int:
    """The first email without a red flag (the demo's flag is listed first; on it canned
    replies are refused and the composer starts with the emergency guidance)."""
    await wait_rows(pilot, app)
    for _ in range(40):
        summary = app.conversation_list.selected
        if summary is not None and summary.channel == "email" and not summary.red_flag_open:
            break
        await pilot.press("j")
    summary = app.conversation_list.selected
    assert summary is not None and summary.channel == "email" and not summary.red_flag_open
    await pilot.press("enter")
    await wait_for(pilot, lambda: app.thread.detail is not None
                   and app.thread.detail.summary.id == summary.id, what="thread")
    return int(summary.id)


async def _composer(pilot: Any, app: Any, key: str = "r") -> ComposeScreen:
    await pilot.press(key)
    await wait_for(pilot, lambda: isinstance(app.screen, ComposeScreen), what="composer")
    screen = app.screen
    assert isinstance(screen, ComposeScreen)
    return screen


async def test_draft_saved_time_is_the_clinics(tmp_path: Path) -> None:
    """The clinic is in Kolkata (+05:30) and the app's clock says 15:00 UTC: the composer's
    "Draft saved" reads 20:30:00, whatever the zone or the time of the machine running it."""
    inbox = make_inbox(tmp_path)
    config = inbox.demo.config
    config = dataclasses.replace(config, clinic=dataclasses.replace(
        config.clinic, timezone="Asia/Kolkata"))
    app = make_app(inbox, config=config)
    async with app.run_test(size=(80, 24)) as pilot:
        await _open_first_email(pilot, app)
        await _composer(pilot, app)
        await pilot.press(*"See you Friday.")
        await wait_for(pilot, lambda: "Draft saved" in screen_text(app), what="autosave")
        assert "Draft saved 20:30:00" in screen_text(app)


async def test_reply_is_queued_and_u_takes_it_back(tmp_path: Path) -> None:
    inbox = make_inbox(tmp_path)
    app = make_app(inbox)
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        conv = await _open_first_email(pilot, app)
        await _composer(pilot, app)
        assert "Reply to" in screen_text(app) and f"#{conv}" in screen_text(app)
        await pilot.press(*"Thanks, see you Monday.")
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: not isinstance(app.screen, ComposeScreen), what="sent")
        items = await inbox.api.outbox(conversation_id=conv)
        assert [i.state for i in items] == ["queued"]
        await wait_for(pilot, lambda: "Reply queued" in screen_text(app), what="queued toast")
        await pilot.press("u")
        await wait_for(pilot, lambda: "taken back" in screen_text(app), what="undo toast")
        items = await inbox.api.outbox(conversation_id=conv)
        assert [i.state for i in items] == ["cancelled"]
        # the text is not lost: it is the author's draft again
        drafts = await inbox.api.drafts_for(conv)
        assert any("see you Monday" in d.body for d in drafts if d.author == ME)


async def test_send_guard_stops_when_a_colleague_wrote_meanwhile(tmp_path: Path) -> None:
    inbox = make_inbox(tmp_path)
    app = make_app(inbox)
    async with app.run_test(size=(80, 24)) as pilot:
        conv = await _open_first_email(pilot, app)
        screen = await _composer(pilot, app)
        await pilot.press(*"We have booked you in.")
        await wait_for(pilot, lambda: "We have booked you in." in
                       screen.query_one(TextArea).text, what="the reply typed")
        InboxService(inbox.db, inbox.demo.config, "maria").add_note(
            conv, "I already called her back and booked Tuesday")
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: isinstance(app.screen, ChoiceScreen), what="guard")
        await wait_for(pilot, lambda: "note by maria" in screen_text(app).lower(),
                       what="guard drawn")
        assert await inbox.api.outbox(conversation_id=conv) == []
        await pilot.press("s")  # send anyway
        await wait_for(pilot, lambda: not isinstance(app.screen, (ChoiceScreen, ComposeScreen)),
                       what="sent anyway")
        items = await inbox.api.outbox(conversation_id=conv)
        assert [i.state for i in items] == ["queued"]


async def test_canned_reply_asks_for_its_blanks(tmp_path: Path) -> None:
    inbox = make_inbox(tmp_path)
    app = make_app(inbox)
    async with app.run_test(size=(80, 24)) as pilot:
        await _open_first_email(pilot, app)
        screen = await _composer(pilot, app)
        await pilot.press("ctrl+t")
        await wait_for(pilot, lambda: isinstance(app.screen, CannedPicker)
                       and isinstance(app.focused, Input), what="the canned picker")
        await pilot.press(*"confirmed")
        await pilot.press("enter")
        # {day} and {time} are not known: the composer asks for each, in turn
        for blank, answer in (("day", "Monday"), ("time", "9:30")):
            await wait_for(pilot, lambda blank=blank: isinstance(app.screen, PromptScreen)
                           and f"Fill in: {blank}" in screen_text(app),
                           what=f"the prompt for {{{blank}}}")
            await pilot.press(*answer)
            await pilot.press("enter")
        body = screen.query_one(TextArea)
        await wait_for(pilot, lambda: "Monday at 9:30" in body.text, what="filled template")
        assert "{" not in body.text


async def test_a_colleague_composing_shows_on_the_list_and_thread(tmp_path: Path) -> None:
    inbox = make_inbox(tmp_path)
    app = make_app(inbox)
    async with app.run_test(size=(120, 40)) as pilot:
        conv = await _open_first_email(pilot, app)
        own: InProcessAPI = inbox.api.inner
        maria = InProcessAPI(InboxService(inbox.db, inbox.demo.config, "maria"),
                             feed=own._feed, board=own._board, session="maria-tui",
                             display_name="Maria Lopez")
        own._board.join("maria-tui", "maria", "Maria Lopez")
        await maria.set_presence(conv, composing=True)
        await wait_for(pilot, lambda: "[\u270eMaria]" in screen_text(app), what="list marker")
        text = screen_text(app)
        assert "Maria Lopez is writing a reply" in text
        assert "Maria" in text.splitlines()[-2]  # status line: online
        await maria.set_presence(None)
        await wait_for(pilot, lambda: "\u270eMaria" not in screen_text(app), what="gone")


async def test_a_mention_rings_and_toasts_for_the_mentioned_person(tmp_path: Path) -> None:
    inbox = make_inbox(tmp_path)
    app = make_app(inbox)
    bells: list[int] = []
    app.bell = lambda: bells.append(1)  # type: ignore[method-assign]
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        conv = await _open_first_email(pilot, app)
        InboxService(inbox.db, inbox.demo.config, "maria").add_note(
            conv, f"@{ME} can you call this patient back?")
        await wait_for(pilot, lambda: "mentioned you" in screen_text(app), what="toast")
        assert bells
        await pilot.press("escape", "6")
        await wait_for(pilot, lambda: app.conversation_list.loaded
                       and app.conversation_list.total >= 1, what="mentions view")
        assert app.conversation_list.summary_for(conv) is not None


async def test_note_undo_retracts_it(tmp_path: Path) -> None:
    inbox = make_inbox(tmp_path)
    app = make_app(inbox)
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        conv = await _open_first_email(pilot, app)
        await pilot.press("n")
        await wait_for(pilot, lambda: isinstance(app.focused, Input), what="the note prompt")
        await pilot.press(*"wrong patient, sorry")
        await pilot.press("enter")
        await wait_for(pilot, lambda: "note added" in screen_text(app), what="note")
        await pilot.press("u")
        await wait_for(pilot, lambda: "retracted" in screen_text(app), what="retract")
        detail = await inbox.api.get_conversation(conv)
        assert all("wrong patient" not in n.body for n in detail.notes)


def test_sms_meter_counts_segments() -> None:
    assert sms_meter("hello") == "1 text · 155 left (GSM-7)"
    assert "UCS-2" in sms_meter("héllo ✓")
    assert sms_meter("x" * 161) == "2 texts · 145 left (GSM-7)"
    # An empty text is no "0 SMSes": it says it is empty and what one text holds.
    assert sms_meter("") == "empty · 160 characters per text (GSM-7)"
    assert "SMSes" not in sms_meter("x" * 400)


def test_ucs2_line_names_the_characters_by_code_point() -> None:
    from cxinbox.tui.screens.compose import ucs2_line

    assert ucs2_line("plain text {ok}") == ""
    assert ucs2_line("It\u2019s") == (
        "\u2019 (U+2019) forces UCS-2: 70 chars/text. ^R replaces it with \"'\"")
    # A 7-bit terminal draws U+2019 as ', so only the code point names it there.
    assert ucs2_line("It\u2019s \u2013 ok\u2019", ascii_only=True) == (
        "U+2019 x2, U+2013 force UCS-2: 70 chars/text. ^R fixes 2")
    assert ucs2_line("Ok \U0001f44d", ascii_only=True) == "U+1F44D forces UCS-2: 70 chars/text."
    many = ucs2_line("\u2018\u2019\u201c\u201d\u2026", ascii_only=True)
    assert many.startswith("U+2018, U+2019, U+201C +2 more force UCS-2") and len(many) <= 78


async def test_attach_and_remove_a_file_from_the_composer(tmp_path: Path) -> None:
    from cxinbox.tui.screens.prompt import PromptScreen

    form = tmp_path / "referral [urgent].pdf"
    form.write_bytes(b"%PDF-1.4 referral " * 100)
    inbox = make_inbox(tmp_path)
    app = make_app(inbox)
    async with app.run_test(size=(80, 24)) as pilot:
        conv = await _open_first_email(pilot, app)
        await _composer(pilot, app)
        await pilot.press(*"Referral attached.")
        await pilot.press("ctrl+o")
        await wait_for(pilot, lambda: isinstance(app.screen, PromptScreen), what="path prompt")
        await pilot.press(*str(tmp_path / "missing.pdf"), "enter")
        await wait_for(pilot, lambda: "No such file" in screen_text(app), what="refusal")
        assert isinstance(app.screen, PromptScreen)
        await pilot.press("ctrl+u")  # clear the field
        await pilot.press(*str(form), "enter")
        await wait_for(pilot, lambda: "Attached: referral [urgent].pdf (2 KB)"
                       in screen_text(app), what="attached status")
        (draft,) = [d for d in await inbox.api.drafts_for(conv) if d.author == ME]
        assert [(f.filename, f.size) for f in draft.attachments] == [
            ("referral [urgent].pdf", 1800)]
        # Typing more saves the text and keeps the file.
        await pilot.press(*" Thanks.")
        await wait_for(pilot, lambda: "Draft saved" in screen_text(app), what="autosave")
        (draft,) = [d for d in await inbox.api.drafts_for(conv) if d.author == ME]
        assert draft.body.endswith("Thanks.") and len(draft.attachments) == 1
        # Ctrl+O again offers to remove it.
        await pilot.press("ctrl+o")
        await wait_for(pilot, lambda: "Remove referral [urgent].pdf" in screen_text(app),
                       what="choices")
        await pilot.press("1")
        await wait_for(pilot, lambda: "Attachment removed" in screen_text(app), what="removed")
        (draft,) = [d for d in await inbox.api.drafts_for(conv) if d.author == ME]
        assert draft.attachments == ()
