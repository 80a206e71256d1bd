"""The heartbeat the watchdog reads (`cxinbox.service.liveness`), with real threads: one
that waits on the stop event is idle, one stuck anywhere else is hung, one that only joins
its children is neither, and a thread that ended is forgotten."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

from cxinbox.service.liveness import Pulse, beat, join_all

# Silent this long counts as hung. Threads that should not count beat many times within
# it: a busy machine that delays one of them by a second still leaves room.
LIMIT_S = 2.0


def _until(condition: Callable[[], bool], timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "condition never held"
        time.sleep(0.01)


def _names(pulse: Pulse) -> list[str]:
    return [s.thread for s in pulse.stalled(LIMIT_S)]


def test_waiting_is_idle_and_stuck_elsewhere_is_hung() -> None:
    pulse = Pulse()
    release = threading.Event()  # not the pulse: what a hung read looks like to it
    started = threading.Event()

    def idle() -> None:
        while not pulse.wait(5.0):
            pass

    def stuck() -> None:
        pulse.is_set()
        started.set()
        release.wait()

    threads = [threading.Thread(target=idle, name="idle-worker"),
               threading.Thread(target=stuck, name="stuck-worker")]
    for t in threads:
        t.start()
    try:
        started.wait(60)
        _until(lambda: "stuck-worker" in _names(pulse))
        assert _names(pulse) == ["stuck-worker"]
        release.set()
        _until(lambda: not threads[1].is_alive())
        assert _names(pulse) == []  # ended: forgotten
    finally:
        release.set()
        pulse.set()
        for t in threads:
            t.join(5)


def test_progress_beats_keep_a_long_step_alive() -> None:
    pulse = Pulse()
    done = threading.Event()
    stalled_seen: list[list[str]] = []

    def long_step() -> None:
        pulse.is_set()
        for _ in range(20):  # twice the limit in all
            time.sleep(LIMIT_S / 10)
            beat(pulse)  # a batch stored
            stalled_seen.append(_names(pulse))
        done.set()

    t = threading.Thread(target=long_step, name="big-sync")
    t.start()
    done.wait(60)
    t.join(5)
    assert stalled_seen and all("big-sync" not in names for names in stalled_seen)


def test_a_joiner_is_not_hung_but_its_stuck_child_is() -> None:
    pulse = Pulse()
    release = threading.Event()

    def child() -> None:
        pulse.is_set()
        release.wait()

    def parent() -> None:
        pulse.is_set()
        kids = [threading.Thread(target=child, name="folder-thread")]
        for k in kids:
            k.start()
        join_all(kids, pulse, slice_s=0.05)

    p = threading.Thread(target=parent, name="account-thread")
    p.start()
    try:
        _until(lambda: _names(pulse) != [])
        assert _names(pulse) == ["folder-thread"]
    finally:
        release.set()
        p.join(5)


def test_beat_on_a_plain_event_is_harmless() -> None:
    """`cxinbox sync` in the foreground hands the engine a plain Event."""
    stop = threading.Event()
    beat(stop)
    join_all([], stop)
    assert not stop.is_set()
