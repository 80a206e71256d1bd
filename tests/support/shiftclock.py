"""A rota shift that starts soon by the wall clock, for tests of servers acting at a
shift's start.

A rota's times may give their seconds ("HH:MM:SS-HH:MM", domain/sla.py), so a test that
needs its servers up *before* a shift starts writes the whole second a lead away, where
whole minutes cost it up to a minute more (thirty seconds on average) of waiting past the
lead. The servers read their rotas when they start, so such a test lets the night pass
under servers running an earlier rota, then restarts them with the day's: the lead has to
cover only their restart, and it is measured, not guessed, by what their starts took
moments before. A quiet moment measured is no promise for the seconds after it, so a
restart that is not ready in time is killed before the start (`up_before`) and tried again
with a longer lead: a slow machine costs a retry, never a server that ran on shift too
early (one up after the start would prove only that a flag is given at start-up, not when
a shift begins under a running server).
"""

from __future__ import annotations

import signal
from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta

from tests.support.waiting import poll_until
from tests.test_serve_support import Server


def next_second(after: datetime) -> datetime:
    """The first whole second at or after `after`."""
    whole = after.replace(microsecond=0)
    return whole if whole == after else whole + timedelta(seconds=1)


def starting_in(lead_s: float) -> datetime:
    """The next whole second (UTC) at least `lead_s` from now: a rota's start written
    "HH:MM:SS"."""
    return next_second(datetime.now(UTC) + timedelta(seconds=lead_s))


def up_before(servers: Sequence[Server], deadline: datetime,
              ready: Callable[[], bool]) -> bool:
    """Start `servers` in turn and wait for `ready()`, all before `deadline` (UTC): True
    then. Otherwise every server of the try is killed as the deadline passes, and False:
    a caller that keeps the deadline a margin before its shift's start knows that none of
    them ran on shift, and restarts them with a later start. A server that exits by
    itself still fails the test."""

    def left() -> float:
        return (deadline - datetime.now(UTC)).total_seconds()

    for server in servers:
        try:
            server.start(timeout=max(left(), 0.0))
        except AssertionError:
            # `Server.start` kills one not listening in time (SIGKILL); another end is real
            if server.proc is None or server.proc.returncode != -signal.SIGKILL:
                raise
            break
    else:
        if poll_until(lambda: ready() or left() <= 0, timeout=max(left(), 0.0) + 1.0) \
                and left() > 0:
            return True
    for server in servers:
        if server.proc is not None and server.proc.poll() is None:
            server.stop(signal.SIGKILL)
    return False
