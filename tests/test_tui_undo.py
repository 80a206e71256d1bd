"""Multi-step undo, toasts that name the patient, and the lock and redraw keys (Pilot).

The demo clinic on a real SQLite file; toasts are switched on (`notifications=True`) since
they are what is being tested. Every step waits for what it asserts.
"""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

import pytest
from tests.test_tui_support import (
    ME,
    Inbox,
    ManualTimer,
    make_app,
    make_inbox,
    screen_text,
    wait_for,
    wait_rows,
)

from cxinbox.service.inbox import InboxService
from cxinbox.tui.screens.choice import ChoiceScreen
from cxinbox.tui.screens.lock import LockScreen
from cxinbox.tui.screens.picker import CompletingPrompt
from cxinbox.tui.screens.prompt import PromptScreen

SIZES = [(80, 24), (120, 40)]


@pytest.fixture
def inbox(tmp_path: Path) -> Inbox:
    return make_inbox(tmp_path, conversations=60)


def _events(inbox: Inbox, conv: int, after: int) -> list[tuple[int, str, str, dict[str, Any]]]:
    rows = inbox.db.conn.execute(
        "SELECT seq, actor, action, details FROM events WHERE target = ? AND seq > ?"
        " AND action IN ('conversation.assign', 'conversation.priority', 'conversation.tag')"
        " ORDER BY seq", (f"conversation:{conv}", after)).fetchall()
    return [(int(r[0]), str(r[1]), str(r[2]), dict(json.loads(r[3]))) for r in rows]


def _head(inbox: Inbox) -> int:
    return int(inbox.db.conn.execute("SELECT max(seq) FROM events").fetchone()[0])


async def _open_first(pilot: Any, app: Any) -> Any:
    """Open the first unassigned row: triage keys then act on the open conversation."""
    await wait_rows(pilot, app)
    await pilot.press("2")
    await wait_for(pilot, lambda: app.conversation_list.loaded
                   and "Unassigned" in screen_text(app), what="view 2")
    await wait_rows(pilot, app)
    target = app.conversation_list.selected
    assert target is not None
    await pilot.press("enter")
    await wait_for(pilot, lambda: app.thread.detail is not None
                   and app.thread.detail.summary.id == target.id, what="thread open")
    return target


@pytest.mark.parametrize("size", SIZES)
async def test_u_walks_back_three_steps_in_order_and_each_undo_is_audited(
        inbox: Inbox, size: tuple[int, int]) -> None:
    app = make_app(inbox)
    async with app.run_test(size=size, notifications=True) as pilot:
        target = await _open_first(pilot, app)
        conv, name = target.id, target.from_name or target.from_addr
        who = f"#{conv} {name}"

        def current() -> Any:
            return inbox.service.get_conversation(conv, record_view=False).summary

        head = _head(inbox)
        await pilot.press("m")
        await wait_for(pilot, lambda: f"{who}: assigned to you" in screen_text(app),
                       what="assign toast naming the patient")
        await pilot.press("p")
        await wait_for(pilot, lambda: isinstance(app.screen, ChoiceScreen), what="priority")
        new_priority = "low" if target.priority != "low" else "urgent"
        await pilot.press(new_priority[0])
        await wait_for(pilot, lambda: f"{who}: priority {new_priority}" in screen_text(app),
                       what="priority toast")
        await pilot.press("t")
        await wait_for(pilot, lambda: isinstance(app.screen, (PromptScreen, CompletingPrompt)),
                       what="tag prompt")
        await pilot.press(*"callback", "enter", "enter")  # a new tag: Enter again keeps it
        await wait_for(pilot, lambda: f"{who}: tags +callback" in screen_text(app),
                       what="tag toast")
        assert (current().assignee, current().priority, "callback" in current().tags) == \
            (ME, new_priority, True)
        assert len(app.undo_history) == 3
        # Toasts sit clear of the status line and of the notes' border.
        toasts = list(app.query("Toast"))
        assert toasts
        for toast in toasts:
            assert not toast.region.overlaps(app.status_line.region)
            assert not toast.region.overlaps(app.notes.region)
        # The status line does not repeat what the toast said.
        assert "assigned to you" not in app.status_line.render().plain

        await pilot.press("u")
        await wait_for(pilot, lambda: "callback" not in current().tags, what="tag undone")
        assert (current().assignee, current().priority) == (ME, new_priority)
        await pilot.press("u")
        await wait_for(pilot, lambda: current().priority == target.priority,
                       what="priority undone")
        assert current().assignee == ME
        await pilot.press("u")
        await wait_for(pilot, lambda: current().assignee == target.assignee,
                       what="assignment undone")
        await wait_for(pilot, lambda: f"{who}:" in screen_text(app)
                       and "(undone)" in screen_text(app), what="last undo toast")
        await pilot.press("u")
        await wait_for(pilot, lambda: "Nothing more to undo" in screen_text(app),
                       what="history empty")

    events = _events(inbox, conv, head)
    assert [(a, e.get("undo_of") is not None) for _s, _w, a, e in events] == [
        ("conversation.assign", False), ("conversation.priority", False),
        ("conversation.tag", False), ("conversation.tag", True),
        ("conversation.priority", True), ("conversation.assign", True)]
    assign, prio, tag = (seq for seq, *_ in events[:3])
    assert [e["undo_of"] for *_x, e in events[3:]] == [tag, prio, assign]
    assert {actor for _s, actor, *_x in events} == {ME}


async def test_a_stale_step_is_refused_in_one_line_naming_the_patient(inbox: Inbox) -> None:
    app = make_app(inbox)
    maria = InboxService(inbox.db, inbox.demo.config, "maria")
    async with app.run_test(size=(120, 40), notifications=True) as pilot:
        target = await _open_first(pilot, app)
        conv, name = target.id, target.from_name or target.from_addr
        await pilot.press("t")
        await wait_for(pilot, lambda: isinstance(app.screen, (PromptScreen, CompletingPrompt)),
                       what="tag prompt")
        await pilot.press(*"callback", "enter", "enter")  # a new tag: Enter again keeps it
        await wait_for(pilot, lambda: "tags +callback" in screen_text(app), what="tagged")
        await pilot.press("m")
        await wait_for(pilot, lambda: "assigned to you" in screen_text(app), what="assigned")
        maria.assign(conv, "maria")  # a colleague takes it meanwhile
        head = _head(inbox)

        await pilot.press("u")
        refusal = f"#{conv} {name}: cannot undo, maria changed the assignee since"
        await wait_for(pilot, lambda: refusal in screen_text(app), what="refusal")
        line = next(ln for ln in screen_text(app).splitlines() if "cannot undo" in ln)
        assert line.count(f"#{conv}") == 1  # the number once, not "#12 Name: #12: ..."
        assert inbox.service.get_conversation(conv, record_view=False).summary.assignee \
            == "maria"
        assert not _events(inbox, conv, head)  # refused: nothing applied, nothing written
        # The refused step is gone; the next u goes on to the step before it.
        await pilot.press("u")
        await wait_for(pilot, lambda: "callback" not in inbox.service.get_conversation(
            conv, record_view=False).summary.tags, what="older step undone")
        assert _events(inbox, conv, head)[-1][3]["undo_of"] < head


async def test_ctrl_l_redraws_and_the_lock_key_says_who_locked(inbox: Inbox) -> None:
    from cxinbox.tui.unlock import UserNameVerifier

    app = make_app(inbox, verifier=UserNameVerifier())
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        target = await _open_first(pilot, app)
        name = target.from_name or target.from_addr
        await pilot.press("m")
        await wait_for(pilot, lambda: f"#{target.id} {name}: assigned" in screen_text(app),
                       what="toast naming the patient")
        before = screen_text(app)
        await pilot.press("ctrl+l")
        await pilot.pause()
        assert not app.locked and not isinstance(app.screen, LockScreen)
        assert screen_text(app) == before

        await pilot.press("f12")
        await wait_for(pilot, lambda: isinstance(app.screen, LockScreen), what="locked")
        await pilot.pause()
        text = screen_text(app)
        assert f"Locked by {ME}." in text and "without input" not in text
        # The toast named a patient: it must not outlive the lock.
        assert not list(app.query("Toast")) and name not in text
        await pilot.press("ctrl+l")  # redraws the lock screen; unlocks nothing
        await pilot.pause()
        assert app.locked and f"Locked by {ME}." in screen_text(app)
        await pilot.press(*ME, "enter")
        await wait_for(pilot, lambda: not app.locked, what="unlocked")


async def test_the_idle_lock_says_it_was_idle(inbox: Inbox) -> None:
    timer = ManualTimer()
    app = make_app(inbox, idle_clock=timer, idle_lock_s=120)
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        await wait_rows(pilot, app)
        app.notify("#1 Someone: assigned to you", markup=False)
        timer.value += 121
        await wait_for(pilot, lambda: isinstance(app.screen, LockScreen), what="idle lock")
        await pilot.pause()
        assert "Locked after 2 minute(s) without input." in screen_text(app)
        assert not list(app.query("Toast"))


async def test_u_typed_right_after_a_key_undoes_that_key_not_an_older_step(
        inbox: Inbox) -> None:
    app = make_app(inbox)
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        target = await _open_first(pilot, app)
        conv = target.id
        await pilot.press("t")
        await wait_for(pilot, lambda: isinstance(app.screen, (PromptScreen, CompletingPrompt)),
                       what="tag prompt")
        await pilot.press(*"callback", "enter", "enter")  # a new tag: Enter again keeps it
        await wait_for(pilot, lambda: len(app.undo_history) == 1, what="tag step kept")
        head = _head(inbox)
        # A slow server: the assignment is still on its way when u arrives.
        gate = asyncio.Event()
        real_assign = inbox.api.inner.assign

        async def slow_assign(*args: Any, **kwargs: Any) -> Any:
            await gate.wait()
            return await real_assign(*args, **kwargs)

        inbox.api.assign = slow_assign  # type: ignore[attr-defined]
        await pilot.press("m", "u")
        await pilot.pause()
        gate.set()
        await wait_for(pilot, lambda: len(_events(inbox, conv, head)) == 2, what="both steps")
        summary = inbox.service.get_conversation(conv, record_view=False).summary
        assert summary.assignee == target.assignee and "callback" in summary.tags
        (assign, _me, _a, first), (_undo, _me2, action, second) = _events(inbox, conv, head)
        assert action == "conversation.assign" and second["undo_of"] == assign
        assert "undo_of" not in first
