"""At unlock the header's counts come with the rows, in the same frame (qa28 F13: for about
5 s after the password, `RedF 1` sat over three `RED!` rows): what changed while the
screen was locked is read at unlock as after a quiet spell, not at the storm's pace."""

from __future__ import annotations

import time
from typing import Any

import pytest
from tests.test_tui_support import ME, Inbox, make_app, make_inbox, wait_for, wait_rows

from cxinbox.service.inbox import InboxService
from cxinbox.tui.screens.lock import LockScreen


class Verifier:
    prompt = "Password"
    secret = True
    interim = False

    def __call__(self, user: str, answer: str) -> bool:
        return answer == "right horse"


@pytest.fixture
def inbox(tmp_path: Any) -> Inbox:
    return make_inbox(tmp_path, conversations=40)


async def test_rows_and_counts_change_in_one_frame_at_unlock(inbox: Inbox) -> None:
    app = make_app(inbox, verifier=Verifier())
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_rows(pilot, app)
        await wait_for(pilot, lambda: app._last_seq is not None, what="change feed followed")
        await wait_for(pilot, lambda: app.header_bar._counts.get("mine") is not None,
                       what="the counts")
        rows = app.conversation_list.loaded_summaries()
        targets = [s.id for s in rows if s.status == "open" and not s.assignee][:3]
        assert len(targets) == 3
        base = app.header_bar._counts["mine"]
        assert isinstance(base, int)
        # A storm just before the lock spends the pace's burst (as a busy desk would).
        colleague = InboxService(inbox.db, inbox.demo.config, "maria")
        for _ in range(3):
            app._count_pace.take(time.monotonic())
        await pilot.press("f12")
        await wait_for(pilot, lambda: isinstance(app.screen, LockScreen), what="locked")
        for conv in targets:
            colleague.assign(conv, ME)
        await wait_for(pilot, lambda: app._counts_dirty, what="the change seen while locked")

        def mine_rows() -> int:
            return sum(1 for s in app.conversation_list.loaded_summaries()
                       if s.id in targets and s.assignee == ME)

        shown_before = mine_rows()
        assert shown_before == 0
        await pilot.press(*"right horse", "enter")
        await wait_for(pilot, lambda: not app.locked, what="unlocked")
        frames = 0
        while not (mine_rows() == 3 and app.header_bar._counts.get("mine") == base + 3):
            mine = app.header_bar._counts.get("mine")
            assert mine == base + mine_rows(), (mine, base, mine_rows(), frames)
            frames += 1
            assert frames < 3000, "the rows and the count never both showed it"
            await pilot.pause(0.01)
