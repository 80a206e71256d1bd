"""Red flags and the idle lock, at 80x24 against the real store: a red flag's toast on
screen when the lock comes up is held for the unlock (the bell rang for it); the lock's
line counts distinct flags, not toasts; and at unlock each held flag is told as it is
now: one cleared while locked is told as cleared, one taken by a colleague as taken, not
as still waiting (tui/heldtoasts.py)."""

from __future__ import annotations

from typing import Any

import pytest
from tests.test_tui_escalations import Recorder
from tests.test_tui_redflag import clinical
from tests.test_tui_support import ME, Inbox, make_app, make_inbox, screen_text, wait_for, wait_rows

from cxinbox.service.inbox import InboxService
from cxinbox.store.db import append_event
from cxinbox.tui.heldtoasts import (
    COUNT,
    RAISED,
    WAITING,
    YOURS,
    FlagState,
    FlagToast,
    HeldToasts,
    lock_line,
)
from cxinbox.tui.screens.lock import LockScreen


class Verifier:
    prompt = "Password"
    secret = True
    interim = False

    def __call__(self, user: str, answer: str) -> bool:
        return answer == "right horse"


@pytest.fixture
def inbox(tmp_path: Any) -> Inbox:
    made = make_inbox(tmp_path, conversations=40)
    made.db.conn.execute("UPDATE triage_cursor SET upto = (SELECT max(id) FROM messages)")
    return made


def _waiting(inbox: Inbox, conv: int) -> None:
    """The server's word that a flag waits unassigned, everyone at the cap (service/teams)."""
    with inbox.db.write() as conn:
        append_event(conn, "system", "redflag.waiting", f"conversation:{conv}",
                     {"conversation": conv, "team": "nurses", "reason": "at cap", "cap": 1})


async def test_a_red_flag_toast_on_screen_when_the_lock_comes_up_is_held(
        inbox: Inbox) -> None:
    config = clinical(inbox.demo.config)
    app = make_app(inbox, config=config, verifier=Verifier())
    app.NOTIFICATION_TIMEOUT = 120  # still up when f12 is pressed on a starved machine
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        seen = Recorder(app)
        await wait_rows(pilot, app)
        await wait_for(pilot, lambda: app._last_seq is not None, what="change feed followed")
        conv = next(s for s in app.conversation_list.loaded_summaries()
                    if not s.red_flag_open and not s.assignee)
        InboxService(inbox.db, config, "maria").tag(conv.id, add=["red-flag"])
        line = f"RED FLAG tagged by staff: #{conv.id}"
        await wait_for(pilot, lambda: any(t.startswith(line) for t in seen.toasts),
                       what="the toast")
        await wait_for(pilot, lambda: line in screen_text(app), what="the toast on screen")
        await pilot.press("f12")  # locked while it is still up
        await wait_for(pilot, lambda: isinstance(app.screen, LockScreen), what="locked")
        await wait_for(pilot, lambda: "RED FLAG waiting: unlock to see it" in screen_text(app),
                       what="the lock's line for the toast it holds")
        assert f"#{conv.id}" not in screen_text(app)
        assert not list(app.screen.query("Toast"))
        await pilot.press(*"right horse", "enter")
        await wait_for(pilot, lambda: not app.locked, what="unlocked")
        await wait_for(pilot, lambda: sum(t.startswith(line) for t in seen.toasts) == 2,
                       what="the held toast said again at unlock")
        await wait_for(pilot, lambda: line in screen_text(app), what="on screen again")


async def test_the_lock_counts_flags_and_unlock_tells_them_as_they_are_now(
        inbox: Inbox) -> None:
    config = clinical(inbox.demo.config)
    app = make_app(inbox, config=config, verifier=Verifier())
    async with app.run_test(size=(80, 24)) as pilot:
        seen = Recorder(app)
        await wait_rows(pilot, app)
        await wait_for(pilot, lambda: app._last_seq is not None, what="change feed followed")
        calm = [s for s in app.conversation_list.loaded_summaries()
                if not s.red_flag_open and not s.assignee]
        cleared, taken, still = calm[0], calm[1], calm[2]
        await pilot.press("f12")
        await wait_for(pilot, lambda: isinstance(app.screen, LockScreen), what="locked")
        colleague = InboxService(inbox.db, config, "maria")
        colleague.tag(cleared.id, add=["red-flag"])  # raised: toasted to a clinician
        _waiting(inbox, cleared.id)  # and told waiting: the same flag, twice
        await wait_for(pilot, lambda: seen.bells >= 1, what="the bell over the lock")
        await wait_for(pilot, lambda: "RED FLAG waiting: unlock to see it" in screen_text(app),
                       what="one flag, though two toasts are held")
        await pilot.pause()
        assert app._held.red_flags() == 1, app._held
        for conv in (taken.id, still.id):
            colleague.tag(conv, add=["red-flag"])
            _waiting(inbox, conv)
        await wait_for(pilot, lambda: "3 RED FLAGS waiting: unlock to see them"
                       in screen_text(app), what="three distinct flags")
        for phi in (f"#{cleared.id}", f"#{taken.id}", cleared.from_name):
            assert phi and phi not in screen_text(app), phi
        # while locked: one flag cleared (the lock stops counting it), one taken
        InboxService(inbox.db, config, ME).clear_red_flag(cleared.id, "called the patient")
        await wait_for(pilot, lambda: "2 RED FLAGS waiting: unlock to see them"
                       in screen_text(app), what="the cleared flag no longer counted")
        colleague.assign(taken.id, "maria")
        await pilot.press(*"right horse", "enter")
        await wait_for(pilot, lambda: not app.locked, what="unlocked")
        await wait_for(pilot, lambda: f"RED FLAG #{still.id} UNASSIGNED: team nurses all at"
                       " cap 1" in seen.toasts, what="the one still waiting, as it was")
        assert f"RED FLAG #{cleared.id} was cleared while the screen was locked" in \
            seen.toasts, seen.toasts
        assert f"RED FLAG #{taken.id} no longer waits: maria has it" in seen.toasts, \
            seen.toasts
        for stale in (f"RED FLAG #{cleared.id} UNASSIGNED", f"RED FLAG #{taken.id} UNASSIGNED",
                      f"RED FLAG tagged by staff: #{cleared.id}"):
            assert not any(t.startswith(stale) for t in seen.toasts), (stale, seen.toasts)
        assert sum("was cleared" in t for t in seen.toasts) == 1, seen.toasts


def test_held_flags_counted_once_and_replayed_as_they_are() -> None:
    held = HeldToasts()
    held.hold_flag(FlagToast("RED FLAG chest pain: #5 Pat", 5, RAISED))
    held.hold_flag(FlagToast("RED FLAG #5 UNASSIGNED: team n all at cap 1", 5, WAITING))
    held.hold_flag(FlagToast("RED FLAG #5 is yours now: it waited unassigned", 5, YOURS))
    assert held.red_flags() == 1
    assert lock_line(held.red_flags()) == "RED FLAG waiting: unlock to see it"
    held.expect([6, None])
    assert held.red_flags() == 2
    held.hold_flag(FlagToast("3 red flags wait", None, COUNT, count=3))
    assert held.red_flags() == 3
    held.hold("a note", "information")
    shown = held.release({5: FlagState(True, "nurse")}, "nurse")
    assert shown == [("RED FLAG chest pain: #5 Pat", "error"),
                     ("RED FLAG #5 no longer waits: it is yours now", "error"),
                     ("RED FLAG #5 is yours now: it waited unassigned", "error"),
                     ("3 red flags wait", "error"), ("a note", "information")]
    assert held.red_flags() == 0 and not held.release()
    held.hold_flag(FlagToast("RED FLAG #7 is yours now: it waited unassigned", 7, YOURS))
    assert held.release({7: FlagState(True, None)}, "nurse") == [
        ("RED FLAG #7 was given to you, now unassigned again", "warning")]
    held.hold_flag(FlagToast("RED FLAG chest pain: #8 Pat", 8, RAISED))
    held.rang()
    held.cleared([8])
    assert held.red_flags() == 0 and lock_line(0) == ""
    assert held.release({}, "nurse") == [("RED FLAG chest pain: #8 Pat", "error")]
