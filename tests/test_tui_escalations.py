"""SLA escalations reach the person at the desk: the demo's own SLA monitor (the server's)
runs on a clock the test moves, and the TUI toasts each conversation that turns at risk
or breached, by number and patient name, and rings the bell.

The same scenario runs over the Unix socket in tests/test_serve_tui.py.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from tests.test_tui_support import (
    ME,
    Inbox,
    make_app,
    make_inbox,
    screen_text,
    wait_for,
    wait_rows,
)
from textual.pilot import Pilot

from cxinbox.contract.types import ConversationSummary, Event
from cxinbox.service.demo import start_background
from cxinbox.tui.app import CxInboxApp
from cxinbox.tui.escalations import Escalated, escalation_lines, escalations_for


class Recorder:
    """Counts the app's bells and keeps what it toasted (wrapping its own methods)."""

    def __init__(self, app: CxInboxApp) -> None:
        self.bells = 0
        self.toasts: list[str] = []
        bell, notify = app.bell, app.notify

        def counting_bell() -> None:
            self.bells += 1
            bell()

        def recording_notify(message: str, **kwargs: Any) -> None:
            self.toasts.append(message)
            notify(message, **kwargs)

        app.bell = counting_bell  # type: ignore[method-assign]
        app.notify = recording_notify  # type: ignore[method-assign]

    def sla(self) -> list[str]:
        return [t for t in self.toasts if t.startswith("SLA ")]


@contextmanager
def running_monitor(inbox: Inbox) -> Iterator[None]:
    """The demo's background work (SLA monitor, snooze waker, outbox) on the test's clock."""
    stop = threading.Event()
    threads = start_background(inbox.demo, stop, clock=lambda: inbox.clock().timestamp(),
                               sla_interval_s=0.05)
    try:
        yield
    finally:
        stop.set()
        for thread in threads:
            thread.join(timeout=5)


def red_flag(inbox: Inbox) -> ConversationSummary:
    (red,) = inbox.service.list_conversations('"chest pain" is:red-flag', 0, 5).items
    return red


async def watch_the_red_flag_escalate(pilot: Pilot[Any], app: CxInboxApp, inbox: Inbox,
                                      red: ConversationSummary) -> Recorder:
    """The scenario for both transports: at risk 90 s on, breached 6 minutes on."""
    seen = Recorder(app)
    await wait_rows(pilot, app)
    name = red.from_name
    assert name
    with running_monitor(inbox):
        inbox.clock.advance(90)  # 11½ of the red-flag policy's 15 minutes: at risk
        await wait_for(pilot, lambda: bool(seen.sla()), what="the at-risk toast")
        assert seen.sla() == [f"SLA at risk: #{red.id} {name} (yours)"]
        assert seen.bells == 1
        await wait_for(pilot, lambda: f"#{red.id} {name}" in screen_text(app),
                       what="the toast on screen")

        inbox.clock.advance(215)  # 15 minutes 5 seconds: breached
        await wait_for(pilot, lambda: any("BREACHED" in t and f"#{red.id} " in t
                                          for t in seen.sla()), what="the breach toast")
    breach = [t for t in seen.sla() if f"#{red.id} " in t]
    assert breach == [f"SLA at risk: #{red.id} {name} (yours)",
                      f"SLA BREACHED: #{red.id} {name} (yours)"]
    assert seen.bells >= 2
    return seen


async def test_the_demo_monitor_toasts_and_rings_when_the_red_flag_escalates(
        tmp_path: Path) -> None:
    inbox = make_inbox(tmp_path, conversations=120)
    app = make_app(inbox)
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        await watch_the_red_flag_escalate(pilot, app, inbox, red_flag(inbox))


async def test_no_toast_or_bell_for_a_colleagues_escalation(tmp_path: Path) -> None:
    inbox = make_inbox(tmp_path, conversations=120)
    red = red_flag(inbox)
    inbox.service.assign(red.id, "priya")
    app = make_app(inbox)
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        seen = Recorder(app)
        await wait_rows(pilot, app)
        seq = inbox.service.last_event_seq()
        with running_monitor(inbox):
            inbox.clock.advance(90)
            await wait_for(pilot, lambda: any(
                e.action == "sla.at_risk" for e in inbox.service.events_since(seq)),
                what="the escalation event")
            await wait_for(pilot, lambda: (app._last_seq or 0) >= max(
                e.seq for e in inbox.service.events_since(seq)), what="the TUI to read it")
        assert seen.sla() == [] and seen.bells == 0


def _event(seq: int, action: str, conv: int, assignee: str = "") -> Event:
    return Event(seq, 0, "system", action, f"conversation:{conv}",
                 {"conversation": conv, "assignee": assignee, "state": "x"})


def test_escalations_are_mine_or_nobodys_one_per_conversation_breaches_first() -> None:
    events = [_event(1, "sla.at_risk", 5, "me"), _event(2, "sla.at_risk", 6, "maria"),
              _event(3, "sla.breached", 5, "me"), _event(4, "sla.at_risk", 7),
              _event(5, "conversation.tag", 8), _event(6, "sla.breached", 9)]
    events.append(_event(7, "sla.breached", 10, "me"))
    events.append(_event(8, "sla.breached", 4))
    assert escalations_for(events, "me") == [
        Escalated(5, True, True), Escalated(10, True, True), Escalated(4, True, False),
        Escalated(9, True, False), Escalated(7, False, False)]


def _assign(seq: int, conv: int, to: str | None) -> Event:
    return Event(seq, 0, "nora", "conversation.assign", f"conversation:{conv}",
                 {"to": to, "team": "nurses"})


def test_an_escalation_handed_back_to_nobody_in_its_batch_is_the_desks() -> None:
    """Nora's conversation breaches and, in the same batch (a TUI catching up), she goes
    away and it goes back to nobody: the desk hears of it, and so does she (not as
    hers); one given to a colleague is theirs alone."""
    events = [_event(1, "sla.breached", 7, "nora"), _assign(2, 7, None),
              _event(3, "sla.at_risk", 8), _assign(4, 8, "bo"),
              _event(5, "sla.at_risk", 9, "nora"), _assign(6, 9, "me")]
    assert escalations_for(events, "me") == [Escalated(7, True, False),
                                             Escalated(9, False, True)]
    assert escalations_for(events, "nora") == [Escalated(7, True, False)]
    assert escalations_for(events, "bo") == [Escalated(7, True, False),
                                             Escalated(8, False, True)]


def test_a_flood_gives_three_toasts_and_a_count() -> None:
    found = [Escalated(i, i % 2 == 0, False) for i in range(1, 9)]
    lines = escalation_lines(found, {1: "Ana Silva"})
    assert len(lines) == 4
    assert lines[0] == ("SLA at risk: #1 Ana Silva (unassigned)", "warning")
    assert lines[1] == ("SLA BREACHED: #2 (unassigned)", "error")
    assert lines[3] == ("...and 5 more at risk or breached (view 3 lists them)", "warning")


async def test_the_toast_names_a_patient_the_list_does_not_hold(tmp_path: Path) -> None:
    """With the red flag outside the view on screen, its name is fetched for the toast."""
    inbox = make_inbox(tmp_path, conversations=120)
    red = red_flag(inbox)
    app = make_app(inbox, ascii_only=True)
    async with app.run_test(size=(120, 40), notifications=True) as pilot:
        seen = Recorder(app)
        await wait_rows(pilot, app)
        await pilot.press("/")
        await pilot.press("ctrl+u", *"tag:billing", "enter")
        await wait_for(pilot, lambda: "Search: tag:billing" in screen_text(app)
                       and app.conversation_list.loaded, what="the billing search")
        assert app.conversation_list.summary_for(red.id) is None
        with running_monitor(inbox):
            inbox.clock.advance(90)
            await wait_for(pilot, lambda: bool(seen.sla()), what="the at-risk toast")
        assert seen.sla() == [f"SLA at risk: #{red.id} {red.from_name} (yours)"]
        assert seen.bells == 1


async def test_a_flag_given_to_me_is_not_also_toasted_as_the_desks(tmp_path: Path) -> None:
    """A red flag waited unassigned and turned at risk; in the same batch of the feed the
    server gave it to me (my shift started). The toasts say it is mine: the red flag's
    first, and no "SLA at risk ... (unassigned)" that is already untrue."""
    from cxinbox.store.db import append_event
    from cxinbox.store.sqlite_tx import SqliteTx

    inbox = make_inbox(tmp_path, conversations=120)
    red = red_flag(inbox)
    inbox.service.assign(red.id, None)
    app = make_app(inbox)
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        seen = Recorder(app)
        await wait_rows(pilot, app)
        await wait_for(pilot, lambda: app._last_seq is not None, what="change feed followed")
        with inbox.db.write() as conn:  # one commit: the monitor's event, then the give
            append_event(conn, "system", "sla.at_risk", f"conversation:{red.id}", {
                "conversation": red.id, "subject": "", "assignee": None,
                "policy": "red-flag", "sla_target": "first-response", "due": 0,
                "state": "at-risk"})
            tx = SqliteTx(conn)
            tx.update_state(red.id, assignee=ME)
            tx.append_event("rule:red flags to the nurses", "conversation.assign",
                            f"conversation:{red.id}", {"from": None, "to": ME,
                                                       "team": "nurses", "waited": True})
        await wait_for(pilot, lambda: f"RED FLAG #{red.id} is yours now: it waited"
                       " unassigned" in seen.toasts, what="the red flag's toast")
        await wait_for(pilot, lambda: bool(seen.sla()), what="the SLA toast")
        assert seen.sla() == [f"SLA at risk: #{red.id} {red.from_name} (yours)"], seen.toasts
        mine = [t for t in seen.toasts if f"#{red.id}" in t]
        assert mine[0].startswith("RED FLAG"), mine


def test_an_escalation_read_again_before_its_toast_is_told_as_it_stands(
        tmp_path: Path) -> None:
    import dataclasses

    from cxinbox.tui.escalations import still_true

    red = red_flag(make_inbox(tmp_path, conversations=40))
    found = [Escalated(red.id, False, False), Escalated(red.id + 1000, True, False)]
    now = {red.id: dataclasses.replace(red, assignee="priya", sla_state="at-risk")}
    assert still_true(found, now, "me") == [Escalated(red.id + 1000, True, False)]
    now = {red.id: dataclasses.replace(red, assignee="me", sla_state="at-risk")}
    assert still_true(found, now, "me")[0] == Escalated(red.id, False, True)
    now = {red.id: dataclasses.replace(red, assignee=None, sla_state="ok")}  # answered
    assert [e.conv_id for e in still_true(found, now, "me")] == [red.id + 1000]
