"""Keep Python's cyclic garbage collector from stopping the screen while someone types.

A full (generation 2) collection walks every container object the process holds, with
the GIL held: with Textual, Rich, the service and 100,000 conversations' worth of caches
loaded, each one took 65-150 ms, and one came every few seconds of use. Full collections
are started by allocation, and a query's results allocate more than anything else, so
they landed inside queries and keypresses: the slowest samples of the TUI bench (the SQL
thread's Python waits for them too).

Two things keep them out of the way:

- What exists once the app has started (modules, classes, the widget tree, its styles)
  lives as long as the app. `gc.freeze()` moves it out of the collector's sight, so a
  full collection walks only what was made since.
- Full collections are no longer started by allocation while the app runs; the app
  asks for one when nobody has pressed a key for a moment (`HeapKeeper.idle`), at most
  every FULL_GAP_S. Young collections (generations 0 and 1, around a millisecond) run as
  usual and free almost all garbage: most of it dies young. Anything not in a cycle is
  freed by reference counting at once, whatever the collector does.

Both are undone when the app ends, so a process that goes on (the test suite starts
hundreds of apps) collects what the app left behind as usual.
"""

from __future__ import annotations

import gc
import time
from collections.abc import Callable

IDLE_S = 2.0  # no key for this long: a full collection will not be felt
FULL_GAP_S = 30.0  # at most one full collection this often, however idle
_DEFERRED = 1_000_000  # generation-1 collections before Python starts a full one itself
_PYTHON_FULL = 10  # Python's default for that threshold


class HeapKeeper:
    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._saved: tuple[int, int, int] | None = None
        self._last_full = clock()

    def start(self) -> None:
        """Freeze what exists now and leave full collections to `idle` (called as the app
        is made, and again once the first rows are on screen: the app's own caches)."""
        gc.freeze()
        if self._saved is None:
            young, middle, full = gc.get_threshold()
            # Another app in this process (a test's) may have deferred them already and
            # never ended: give back Python's own schedule, not that one.
            self._saved = (young, middle, _PYTHON_FULL if full == _DEFERRED else full)
            gc.set_threshold(young, middle, _DEFERRED)

    def idle(self, idle_for_s: float) -> bool:
        """Collect everything if nobody has typed for IDLE_S and none ran for FULL_GAP_S;
        True when it did."""
        now = self._clock()
        if self._saved is None or idle_for_s < IDLE_S or now - self._last_full < FULL_GAP_S:
            return False
        self._last_full = now
        gc.collect()
        return True

    def stop(self) -> None:
        """The app has ended: the collector as it was, every object visible to it."""
        if self._saved is not None:
            gc.set_threshold(*self._saved)
            self._saved = None
        gc.unfreeze()
