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
import logging
import threading
import time
from collections.abc import Callable, Hashable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from concurrent.futures import wait as futures_wait
from typing import Any, Protocol, TypeVar

from cxinbox.contract.types import Presence

T = TypeVar("T")
log = logging.getLogger(__name__)

POLL_S = 0.15
"""How often the feed re-reads the newest event sequence number when nobody pokes it.

Writes made through the API poke the feed at once; this catches the rest (mail sync and
other background threads, or another process on the same database) within ~150 ms for the
cost of one indexed `max(seq)` a tick.
"""


class Numbered(Protocol):
    """An event as the store hands it up (its record), known here by its seq alone."""

    @property
    def seq(self) -> int: ...


FEED_THREADS = 2
"""Threads of a feed's own for the long-pollers' reads (`ChangeFeed.run`)."""
CLOSE_WAIT_S = 5.0
"""How long `ChangeFeed.close` waits for a read already running (one indexed read)."""
HEARD_KEPT = 2000
"""Events heard from the store's commit signal that a feed keeps (`ChangeFeed.heard`)."""


class ChangeFeed:
    """A generation counter that long-pollers sleep on; any change bumps it.

    The pattern for a waiter: read `generation`, check what it waits for, then
    `await wait(generation, timeout)`: a change that lands between the check and the wait
    has already moved the generation, so it is never slept through.

    The waiters' reads of what changed run on threads of the feed's own (`run`), not in
    the loop's default executor beside the staff actions: on a busy server every one of
    those threads can be taken by a write waiting its turn, and a change made through
    another server then reached this server's clients only after a write here ended.

    Where the store's commit signal carries the events themselves (a staff action's on
    PostgreSQL), the feed keeps the latest (`heard`) and a waiter whose every missing
    event is among them is answered from them (`heard_between`), without a read: the
    hops between threads and to the database that a read costs are each a wait for a
    busy machine to schedule someone again.
    """

    def __init__(self, head_of: Callable[[], int | tuple[int, str]], *,
                 poll_s: float = POLL_S) -> None:
        self._head_of = head_of
        self.poll_s = poll_s
        self.head = 0
        self.epoch: str | None = None
        """The database's timeline as last read (`StoreTx.feed_head`); None before the
        first read, or where `head_of` gives the seq alone."""
        self.presence_version = 0
        self.polled_elsewhere = False
        """True when a server task keeps `head` fresh, so waiters need not read the DB."""
        self.rewinds = 0
        """How often the database was found behind this feed (`read_head`)."""
        self.away: str | None = None
        """Why the database cannot be read now, as the task keeping `head` fresh last
        found it (`set_away`); None while it answers. A long-poller answered from `head`
        alone would otherwise tell its client all is well through a whole outage."""
        self._generation = 0
        self._lock = threading.Lock()
        self._waiters: list[tuple[asyncio.AbstractEventLoop, asyncio.Future[None]]] = []
        self._readers: ThreadPoolExecutor | None = None
        self._running: set[Future[Any]] = set()
        self._heard: dict[int, Any] = {}

    def heard(self, events: Sequence[Numbered]) -> None:
        """Events as committed, from the store's commit signal (before it advances the
        head past them)."""
        with self._lock:
            for event in events:
                self._heard[event.seq] = event
            while len(self._heard) > HEARD_KEPT:
                del self._heard[next(iter(self._heard))]

    def heard_between(self, after: int, upto: int, most: int) -> list[Any] | None:
        """Every event after `after` up to `upto` if all were heard and they are at most
        `most`, else None."""
        if upto - after > min(most, HEARD_KEPT):
            return None
        with self._lock:
            found = [self._heard.get(seq) for seq in range(after + 1, upto + 1)]
        return None if None in found else found

    async def run(self, fn: Callable[..., T], *args: object) -> T:
        """`fn(*args)` on the feed's own threads (blocking reads of the store)."""
        with self._lock:
            if self._readers is None:
                self._readers = ThreadPoolExecutor(FEED_THREADS, "cxinbox-feed")
            future = self._readers.submit(fn, *args)
            self._running.add(future)
        future.add_done_callback(self._ran)
        return await asyncio.wrap_future(future)

    def _ran(self, future: Future[Any]) -> None:
        with self._lock:
            self._running.discard(future)

    def close(self, wait_s: float = CLOSE_WAIT_S) -> bool:
        """Let the feed's threads go (the server or the TUI stopping): reads still queued
        are dropped, and those running are waited for up to `wait_s`, so that the store
        can be closed after. True when none is left running; a later `run` starts the
        threads again."""
        with self._lock:
            readers, self._readers = self._readers, None
            running = list(self._running)
        if readers is not None:
            readers.shutdown(wait=False, cancel_futures=True)
        if not running:
            return True
        _, left = futures_wait(running, timeout=wait_s)
        return not left

    @property
    def generation(self) -> int:
        return self._generation

    def read_head(self) -> int:
        """Re-read the newest sequence number (blocking: call it from a worker thread).

        The database's head behind one this feed already had before the read began means
        the database lost its newest events: a PostgreSQL standby promoted without the
        primary's last commits (asynchronous replication). Every seq is known here only
        once committed and the head never moves back within one database, so a read
        begun after the head was known cannot honestly be behind it. The feed then takes
        the database's truth (`_rewind`); left as it was, it would ignore every new event
        until the sequence passed the lost ones again, and hand out lost events heard
        before under the seqs of new ones.

        The head alone misses a loss once the new database has committed more events
        than were lost (their seqs are handed out again): where `head_of` also gives the
        database's timeline, a new one (a promotion) starts the feed over too
        (`_new_timeline`), whatever the head."""
        known, epoch = self.head, self.epoch
        got = self._head_of()
        head, now = got if isinstance(got, tuple) else (got, epoch)
        if now != epoch and self._new_timeline(head, now, epoch):
            return self.head
        if head >= known or not self._rewind(head, known):
            self.advance(head)
        return self.head

    def _new_timeline(self, head: int, epoch: str | None, was: str | None) -> bool:
        """The database's history is `epoch` now, not `was`: take its head whatever it
        is, forget every event heard (any may be a lost one under a seq now reused) and
        wake every waiter (each client told the new epoch starts over). The first read
        only learns the epoch. Nothing when another read took the new one first."""
        with self._lock:
            if self.epoch != was:
                return False
            self.epoch = epoch
            if was is None:
                return False
            before, self.head = self.head, head
            self.rewinds += 1
            self._heard.clear()
        log.warning("the database is on another timeline (%s, was %s: a standby promoted):"
                    " the change feed starts over from its newest event #%d (#%d was seen"
                    " here)", epoch, was, head, before)
        self.notify()
        return True

    def set_away(self, why: str | None) -> None:
        """The database is away (`why`, a line for staff) or answers again (None): every
        waiter is woken to say so."""
        with self._lock:
            moved = why != self.away
            self.away = why
        if moved:
            self.notify()

    def forget_heard(self) -> None:
        """Drop every event heard (the commit signal's session was made anew: the
        database may be another host's, without some of them)."""
        with self._lock:
            self._heard.clear()

    def _rewind(self, head: int, known: int) -> bool:
        """The database's newest seq is `head`, below the `known` this feed held: forget
        the events heard beyond it and wake every waiter (each of whose clients is then
        told to start over: `wait_events`). Nothing when the head moved meanwhile:
        another read rewound it already, or the new database's own events moved it."""
        with self._lock:
            if self.head != known:
                return False
            was, self.head = self.head, head
            self.rewinds += 1
            for seq in [s for s in self._heard if s > head]:
                del self._heard[seq]
        log.warning("the database's newest event is #%d, behind #%d already seen here (a"
                    " standby promoted without the last commits?): the change feed starts"
                    " over from the database", head, was)
        self.notify()
        return True

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
