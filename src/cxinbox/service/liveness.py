"""Is every background thread still making progress? The question systemd's watchdog asks.

A worker that raises is restarted by `supervise`; a worker that hangs (a read that never
returns, a lock never released) raises nothing and would go unnoticed. Every worker loop
already asks its stop event often (`stop.is_set()` between steps, `stop.wait(t)` between
rounds), so the stop event itself is the heartbeat: `Pulse` is a `threading.Event` that
notes, per thread, when it last asked. A thread that is inside `wait()` is idle, not hung.
A thread that has not asked for longer than the stall limit, and is not waiting, is hung:
the server then stops pinging the watchdog and systemd restarts it.

Long steps that do not ask the event (a big first sync) call `beat(stop)` as they advance;
threads that only join their children mark that with `join_all`, so the children are the
ones watched.
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Iterable
from dataclasses import dataclass


@dataclass
class _Seen:
    thread: threading.Thread
    last: float
    waiting_until: float | None = None


@dataclass(frozen=True)
class Stall:
    thread: str
    seconds: float


class Pulse(threading.Event):
    """The stop event every worker gets, noting who last asked it and when."""

    def __init__(self) -> None:
        super().__init__()
        self._seen: dict[int, _Seen] = {}
        self._seen_lock = threading.Lock()

    def beat(self) -> None:
        now = time.monotonic()
        me = threading.current_thread()
        with self._seen_lock:
            seen = self._seen.get(me.ident or 0)
            if seen is None or seen.thread is not me:
                self._seen[me.ident or 0] = _Seen(me, now)
            else:
                seen.last = now

    def _waiting(self, until: float | None) -> None:
        me = threading.current_thread()
        with self._seen_lock:
            seen = self._seen.get(me.ident or 0)
            if seen is None or seen.thread is not me:
                seen = self._seen[me.ident or 0] = _Seen(me, time.monotonic())
            seen.waiting_until = until

    def is_set(self) -> bool:
        self.beat()
        return super().is_set()

    def wait(self, timeout: float | None = None) -> bool:
        self._waiting(math.inf if timeout is None else time.monotonic() + timeout)
        try:
            return super().wait(timeout)
        finally:
            self._waiting(None)
            self.beat()

    def stalled(self, limit_s: float) -> list[Stall]:
        """Threads alive, not waiting, and silent for longer than `limit_s`; the oldest
        first. Threads that ended are forgotten here."""
        now = time.monotonic()
        found: list[Stall] = []
        with self._seen_lock:
            for ident, seen in list(self._seen.items()):
                if not seen.thread.is_alive():
                    del self._seen[ident]
                    continue
                if seen.waiting_until is not None and now < seen.waiting_until + limit_s:
                    continue  # idle in wait(); a wait that overran by the limit is a hang
                silent = now - seen.last
                if silent > limit_s:
                    found.append(Stall(seen.thread.name, silent))
        return sorted(found, key=lambda s: -s.seconds)


def beat(stop: threading.Event) -> None:
    """Say "still making progress" during a long step (a no-op for a plain Event)."""
    if isinstance(stop, Pulse):
        stop.beat()


def join_all(threads: Iterable[threading.Thread], stop: threading.Event,
             slice_s: float = 0.5) -> None:
    """Wait for `threads` to end; the caller counts as waiting, not hung (its children
    are watched themselves). Joins in slices so Ctrl-C is noticed."""
    pulse = stop if isinstance(stop, Pulse) else None
    if pulse is not None:
        pulse._waiting(math.inf)
    try:
        for thread in threads:
            while thread.is_alive():
                thread.join(slice_s)
    finally:
        if pulse is not None:
            pulse._waiting(None)
            pulse.beat()
