"""What makes the API live: the change feed's wake-up and who is looking at what.

Both are shared by every client of one process: the socket server has one `ChangeFeed`
and one `PresenceBoard` for all its connections; the in-process transport has its own,
holding just the person at this terminal. Both are thread-safe and work with any number of
event loops, because the in-process API is called from worker threads and, in the CLI,
from a fresh loop per command.
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
import time
from collections.abc import Callable, Hashable

from cxinbox.contract.types import Presence

POLL_S = 0.15
"""How often the feed re-reads the newest event sequence number when nobody pokes it.

Writes made through the API poke the feed at once; this catches the rest (mail sync and
other background threads, or another process on the same database) within ~150 ms for the
cost of one indexed `max(seq)` a tick.
"""


class ChangeFeed:
    """A generation counter that long-pollers sleep on; any change bumps it.

    The pattern for a waiter: read `generation`, check what it waits for, then
    `await wait(generation, timeout)`: a change that lands between the check and the wait
    has already moved the generation, so it is never slept through.
    """

    def __init__(self, head_of: Callable[[], int], *, poll_s: float = POLL_S) -> None:
        self._head_of = head_of
        self.poll_s = poll_s
        self.head = 0
        self.presence_version = 0
        self.polled_elsewhere = False
        """True when a server task keeps `head` fresh, so waiters need not read the DB."""
        self._generation = 0
        self._lock = threading.Lock()
        self._waiters: list[tuple[asyncio.AbstractEventLoop, asyncio.Future[None]]] = []

    @property
    def generation(self) -> int:
        return self._generation

    def read_head(self) -> int:
        """Re-read the newest sequence number (blocking: call it from a worker thread)."""
        self.advance(self._head_of())
        return self.head

    def advance(self, head: int) -> None:
        """The newest seq is at least `head` (from any thread)."""
        with self._lock:
            moved = head > self.head
            if moved:
                self.head = head
        if moved:
            self.notify()

    def bump_presence(self) -> None:
        with self._lock:
            self.presence_version += 1
        self.notify()

    def notify(self) -> None:
        """Something may have changed: wake every waiter (from any thread)."""
        with self._lock:
            self._generation += 1
            waiters, self._waiters = self._waiters, []
        for loop, future in waiters:
            with contextlib.suppress(RuntimeError):  # that loop has closed: nobody waits
                loop.call_soon_threadsafe(_resolve, future)

    async def wait(self, generation: int, timeout: float) -> None:
        """Until the generation moves past `generation`, or `timeout` seconds."""
        loop = asyncio.get_running_loop()
        future: asyncio.Future[None] = loop.create_future()
        entry = (loop, future)
        with self._lock:
            if self._generation != generation:
                return
            self._waiters.append(entry)
        try:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(future, max(0.0, timeout))
        finally:
            with self._lock, contextlib.suppress(ValueError):
                self._waiters.remove(entry)


def _resolve(future: asyncio.Future[None]) -> None:
    if not future.done():
        future.set_result(None)


class PresenceBoard:
    """Who is connected, which conversation each has open and whether they are typing.

    One entry per client session (a connection, or the in-process API itself); every real
    change bumps the feed's presence version, which wakes the long-pollers that asked to
    hear about presence.

    Where several servers share a store, `on_change` is told of every local change (the
    server copies its entries to the store) and `set_others` brings in the other servers'
    entries, which `snapshot` and `online` include.
    """

    def __init__(self, feed: ChangeFeed, clock: Callable[[], float] = time.time) -> None:
        self._feed = feed
        self._clock = clock
        self._lock = threading.Lock()
        self._entries: dict[Hashable, Presence] = {}
        self._others: list[Presence] = []
        self.on_change: Callable[[], None] | None = None

    def _changed(self) -> None:
        self._feed.bump_presence()
        if self.on_change is not None:
            self.on_change()

    def join(self, key: Hashable, os_user: str, name: str) -> None:
        with self._lock:
            self._entries[key] = Presence(os_user, name, None, False, int(self._clock()))
        self._changed()

    def set(self, key: Hashable, conv_id: int | None, composing: bool) -> None:
        composing = composing and conv_id is not None
        with self._lock:
            old = self._entries.get(key)
            if old is None or (old.conv_id, old.composing) == (conv_id, composing):
                return
            self._entries[key] = Presence(old.os_user, old.name, conv_id, composing,
                                          int(self._clock()))
        self._changed()

    def leave(self, key: Hashable) -> None:
        with self._lock:
            gone = self._entries.pop(key, None)
        if gone is not None:
            self._changed()

    def local(self) -> list[tuple[str, Presence]]:
        """This process's entries, each with a key for its session."""
        with self._lock:
            return [(str(id(key)), p) for key, p in self._entries.items()]

    def set_others(self, entries: list[Presence]) -> None:
        """The other servers' entries as last read; wakes presence waiters if they moved."""
        entries = sorted(entries, key=_order)
        with self._lock:
            if entries == self._others:
                return
            self._others = entries
        self._feed.bump_presence()

    def snapshot(self) -> list[Presence]:
        with self._lock:
            entries = [*self._entries.values(), *self._others]
        return sorted(entries, key=_order)

    def online(self) -> list[str]:
        """Display names of the distinct people connected."""
        return sorted({p.name for p in self.snapshot()})


def _order(p: Presence) -> tuple[str, str, int, int]:
    return (p.name, p.os_user, p.conv_id or 0, p.since)
