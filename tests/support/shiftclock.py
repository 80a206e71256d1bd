"""A rota shift that starts soon by the wall clock, for tests of a server acting at a
shift's start.

A rota's times may give their seconds ("HH:MM:SS-HH:MM", domain/sla.py), so a test that
needs its servers up and its mail synced *before* a shift starts writes the whole second a
lead away, where whole minutes cost it up to a minute more (thirty seconds on average) of
waiting past the lead. The lead is measured, not guessed: this machine's time, now, to
start an interpreter that imports what `cxinbox serve` imports, times the number of such
starts (servers, CLI calls, a sync) the test makes before the shift, plus a floor for the
waits that do not scale with it. A quiet machine then waits tens of seconds for the shift
instead of the two minutes a fixed lead needed; a busy one gets a longer lead by itself.
"""

from __future__ import annotations

import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta

from tests.test_serve_support import env

_SERVE_IMPORTS = ("import cxinbox.cli, cxinbox.service.runtime, cxinbox.api.socket_server,"
                  " cxinbox.service.redflag_routing, cxinbox.service.sync")


def startup_s() -> float:
    """Seconds an interpreter takes to start and import the server's modules, now."""
    began = time.monotonic()
    subprocess.run([sys.executable, "-c", _SERVE_IMPORTS], env=env(), check=True,
                   capture_output=True, timeout=120)
    return time.monotonic() - began


def lead_s(starts: float, floor_s: float = 10.0, most_s: float | None = None) -> float:
    """The lead a shift start needs: `starts` interpreter starts as measured now, plus
    `floor_s`; no more than `most_s` (the fixed lead a test had before: on a machine so
    busy that the measured lead would pass it, the wait is no longer than it was)."""
    lead = floor_s + starts * startup_s()
    if most_s is None:
        return lead
    # A quiet moment measured is no promise for the minutes after it: never less than half
    # the fixed lead (a load burst after the measurement must still leave room).
    return min(max(lead, most_s / 2), most_s)


def next_second(after: datetime) -> datetime:
    """The first whole second at or after `after`."""
    whole = after.replace(microsecond=0)
    return whole if whole == after else whole + timedelta(seconds=1)


def shift_start(starts: float, floor_s: float = 10.0,
                most_s: float | None = None) -> datetime:
    """The next whole second (UTC) at least `lead_s(starts, floor_s, most_s)` from now: a
    rota's start written "HH:MM:SS"."""
    lead = lead_s(starts, floor_s, most_s)
    return next_second(datetime.now(UTC) + timedelta(seconds=lead))
