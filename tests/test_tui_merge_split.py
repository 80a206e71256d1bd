"""M (merge), S (split) and u taking either back, by keyboard on the demo inbox (real store)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from tests.test_tui_support import make_app, make_inbox, screen_text, wait_for, wait_rows

from cxinbox.tui.screens.choice import ChoiceScreen
from cxinbox.tui.screens.prompt import PromptScreen


def _merged_into(inbox: Any, conv: int) -> Any:
    return inbox.db.conn.execute("SELECT merged_into FROM conversations WHERE id = ?",
                                 (conv,)).fetchone()[0]


def _count(inbox: Any, conv: int) -> int:
    return int(inbox.db.conn.execute("SELECT count(*) FROM messages WHERE conversation_id = ?",
                                     (conv,)).fetchone()[0])


async def test_merge_then_undo_puts_it_back(tmp_path: Path) -> None:
    inbox = make_inbox(tmp_path, conversations=40)
    app = make_app(inbox)
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        await wait_rows(pilot, app)
        first = app.conversation_list.selected
        assert first is not None
        await pilot.press("j")
        second = app.conversation_list.selected
        assert second is not None and second.id != first.id
        if second.channel != first.channel:  # merging needs one channel: pick a match
            for _ in range(30):
                await pilot.press("j")
                second = app.conversation_list.selected
                if second is not None and second.channel == first.channel:
                    break
        assert second is not None and second.channel == first.channel
        before = _count(inbox, second.id)
        await pilot.press("M")
        await wait_for(pilot, lambda: isinstance(app.screen, PromptScreen), what="prompt")
        await pilot.press(*f"#{first.id}", "enter")
        await wait_for(pilot, lambda: _merged_into(inbox, second.id) == first.id, what="merge")
        await wait_for(pilot, lambda: "(u to undo)" in screen_text(app), what="undo offer")
        await pilot.press("u")
        await wait_for(pilot, lambda: _merged_into(inbox, second.id) is None, what="unmerge")
        await wait_for(pilot, lambda: "(undone" in screen_text(app), what="undone line")
        assert _count(inbox, second.id) == before
        merge, unmerge = (json.loads(row[0]) | {"seq": row[1]} for row in inbox.db.conn.execute(
            "SELECT details, seq FROM events WHERE action IN ('conversation.merge',"
            " 'conversation.unmerge') ORDER BY seq"))
        assert unmerge["undo_of"] == merge["seq"]  # the audit trail says what was undone


async def test_split_then_undo_merges_it_back(tmp_path: Path) -> None:
    inbox = make_inbox(tmp_path, conversations=60)
    app = make_app(inbox)
    conv = int(inbox.db.conn.execute(
        "SELECT conversation_id FROM messages GROUP BY conversation_id HAVING count(*) >= 2"
        " ORDER BY conversation_id LIMIT 1").fetchone()[0])
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        await wait_rows(pilot, app)
        await pilot.press("5")  # Everything: the conversation may be closed
        await wait_for(pilot, lambda: "Everything (" in screen_text(app)
                       and app.conversation_list.loaded
                       and app.conversation_list.selected is not None, what="Everything")
        for _ in range(80):
            selected = app.conversation_list.selected
            if selected is not None and selected.id == conv:
                break
            await pilot.press("j")
        selected = app.conversation_list.selected
        assert selected is not None and selected.id == conv
        await pilot.press("enter")
        await wait_for(pilot, lambda: app.thread.detail is not None
                       and app.thread.detail.summary.id == conv, what="thread")
        total = _count(inbox, conv)
        await pilot.press("S")
        await wait_for(pilot, lambda: isinstance(app.screen, ChoiceScreen), what="choices")
        await pilot.press("1")  # the newest message
        await wait_for(pilot, lambda: _count(inbox, conv) < total, what="split")
        new_id = int(inbox.db.conn.execute("SELECT max(id) FROM conversations").fetchone()[0])
        assert new_id != conv and _count(inbox, new_id) == total - _count(inbox, conv)
        await wait_for(pilot, lambda: "(u to undo)" in screen_text(app), what="undo offer")
        await pilot.press("u")
        await wait_for(pilot, lambda: _count(inbox, conv) == total, what="merged back")
        assert _merged_into(inbox, new_id) == conv
