"""In the demo, view 6 ("Mentions of me") is not empty: colleagues' notes mention the
person trying it (service/demo.py), so the view has rows from the first keypress."""

from __future__ import annotations

from pathlib import Path

from tests.test_tui_support import ME, make_app, make_inbox, screen_text, wait_for, wait_rows


async def test_view_6_lists_the_notes_that_mention_me(tmp_path: Path) -> None:
    inbox = make_inbox(tmp_path)
    mentioned = {m.conversation_id for m in inbox.service.mentions()}
    assert len(mentioned) >= 5
    app = make_app(inbox)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_rows(pilot, app)
        await pilot.press("6")
        await wait_for(pilot, lambda: "Mentions of me" in screen_text(app)
                       and app.conversation_list.loaded
                       and {s.id for s in app.conversation_list.loaded_summaries()}
                       == mentioned, what="the mentions view's rows")
        assert f"Mentions of me ({len(mentioned)})" in screen_text(app)
        await pilot.press("enter")
        await wait_for(pilot, lambda: app.thread.detail is not None
                       and f"@{ME}" in " ".join(n.body for n in app.thread.detail.notes),
                       what="a note naming me in the opened conversation")
