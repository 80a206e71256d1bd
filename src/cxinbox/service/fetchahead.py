"""A bulk sync's recent mail, fetched ahead and assessed while the rest of the folder comes.

A first sync fetches oldest first, and the mail the detectors read (what came within
`[triage] backlog_hours`) is the newest: fetched in order, all of it reaches the parse pool
in the last batch, and the sync's end waits for the detectors (~3 ms a message against
~0.2 ms to parse one). So after its first batch a bulk fetch also fetches the newest mail
that arrived in that window (by INTERNALDATE, with a day's margin, at most one batch's
worth) and hands it to the pool in small tasks, each given only while the pool has no
batch to parse (`IdleFeeder`): the detectors run in the time the worker would wait for
the next batch. The messages stay in memory and join their own batch when the fetch
reaches their UIDs (`Ahead.join`), so each batch still stores exactly its UIDs, in order,
with its watermark, in one transaction: what the ingest commits, and what a crash leaves,
is as before. Which messages are fetched ahead only moves work earlier: the pool task
assesses those the ingest will (received within the window by INTERNALDATE, the same test:
service/parsepool.py `arrived_too_early`; never by Date:), a message the search misses is
assessed in its batch as before, and the ingest (service/redflags.py) still decides.
"""

from __future__ import annotations

import threading
from collections import deque
from collections.abc import Callable, Sequence
from concurrent.futures import Executor, Future
from concurrent.futures.process import BrokenProcessPool
from typing import Any, Final, Protocol

from cxinbox.channels.imap import FetchedRaw
from cxinbox.domain.searchvector import WordMap
from cxinbox.service.parsepool import Parsed, parse_and_assess

_TASK: Final = 20
"""Messages one task assesses: what a batch that becomes ready meanwhile can wait for
(~60 ms), against the cost of a pool task (a millisecond)."""

_BESIDE: Final = 1
"""Batch tasks in flight beside which a task of `IdleFeeder.later` may still go to the
pool. The sync stores a batch only after fetching the two after it (`MailSync._fetch_loop`'s
depth), so the newest batch's parsing can wait for one such task; waiting for no batch in
flight at all found too few moments on a busy machine, and the rest went at the end."""


class Parsing(Protocol):
    """A batch's parse-pool result to come (a Future, or `Joined`)."""

    def result(self) -> Parsed: ...


class IdleFeeder:
    """Runs a bulk sync's pool tasks: a batch's parsing at once (`now`), the rest (`later`)
    one task at a time and only while at most `_BESIDE` batch tasks are in flight, in the
    order given;
    `force` hands everything still waiting to the pool. Nothing is given before the first
    batch (the pool's first work is the first batch, which the ingest waits for) unless
    `start` says so: readying the detectors, in parts, may begin while the first batch is
    fetched.

    `pool` is called for the pool at each hand-over (the sync replaces a broken one).
    After `close` the tasks still waiting fail with BrokenProcessPool (their batches are
    parsed on the ingest thread) and no pool callback hands anything over: shutting the
    pool down runs those callbacks, and one that asked for the pool would wait on the sync
    shutting it down."""

    def __init__(self, pool: Callable[[], Executor]) -> None:
        self._pool = pool
        self._lock = threading.Lock()
        self._batches = 0  # batch tasks in flight
        self._running = False  # a task of `later` in flight
        self._started = False
        self._closed = False
        self._waiting: deque[tuple[Future[Any], Callable[..., Any], tuple[Any, ...]]] = deque()

    def now(self, fn: Callable[..., Parsed], *args: Any) -> Future[Parsed]:
        with self._lock:
            self._batches += 1
            self._started = True
        try:
            future = self._pool().submit(fn, *args)
        except RuntimeError as exc:  # a worker died, or the pool is being shut down (by
            # the ingest after a worker's death): the batch is parsed in-process
            self._batch_done(None)
            failed: Future[Parsed] = Future()
            failed.set_exception(exc if isinstance(exc, BrokenProcessPool) else _shut())
            return failed
        except BaseException:
            self._batch_done(None)
            raise
        future.add_done_callback(self._batch_done)
        self._kick()
        return future

    def start(self) -> None:
        """Let what waits go to the pool now, before the first batch (which then waits for
        one task at most: one is handed over at a time)."""
        with self._lock:
            self._started = True
        self._kick()

    def later(self, fn: Callable[..., Any], *args: Any) -> Future[Any]:
        """A future for `fn(*args)` run on the pool when it is idle (or forced)."""
        mine: Future[Any] = Future()
        with self._lock:
            closed = self._closed
            if not closed:
                self._waiting.append((mine, fn, args))
        if closed:
            mine.set_exception(_shut())
            return mine
        self._kick()
        return mine

    def close(self) -> None:
        """Hand nothing more to the pool from `later`: what still waits fails with
        BrokenProcessPool. Returns once no hand-over is under way (one is made holding
        the lock), so a pool taken away after this gets no new task from here. `now`
        still submits: after a worker's death the sync goes on with a new pool."""
        with self._lock:
            self._closed = True
            waiting = list(self._waiting)
            self._waiting.clear()
        for mine, _fn, _args in waiting:
            if mine.set_running_or_notify_cancel():
                mine.set_exception(_shut())

    def force(self) -> None:
        """Give the pool every task still waiting, now."""
        while True:
            with self._lock:
                if not self._waiting:
                    return
                item = self._waiting.popleft()
            self._start(item, idle=False)

    def _batch_done(self, _future: Future[Parsed] | None) -> None:
        with self._lock:
            self._batches -= 1
        self._kick()

    def _kick(self) -> None:
        with self._lock:
            if (self._closed or not self._started or self._batches > _BESIDE
                    or self._running or not self._waiting):
                return
            item = self._waiting.popleft()
            self._running = True
        self._start(item, idle=True)

    def _start(self, item: tuple[Future[Any], Callable[..., Any], tuple[Any, ...]],
               *, idle: bool) -> None:
        mine, fn, args = item
        if not mine.set_running_or_notify_cancel():
            self._done(idle)
            return
        try:
            # Under the lock: `close` waits for a hand-over under way. Nothing here waits
            # for the pool's callbacks (they run on its manager thread, without its lock).
            with self._lock:
                if self._closed:
                    raise _shut()
                theirs = self._pool().submit(fn, *args)
        except RuntimeError:  # closed or shut down (see `_relay`)
            mine.set_exception(_shut())
            self._done(idle)
            return
        except Exception as exc:  # noqa: BLE001 - the waiting caller gets it
            mine.set_exception(exc)
            self._done(idle)
            return
        except BaseException:  # Ctrl-C in the thread handing over: the sync's to stop,
            mine.set_exception(_shut())  # not the task's (a task nobody reads, such as
            self._done(idle)  # readying the detectors, would have swallowed it)
            raise
        theirs.add_done_callback(lambda f: self._relay(f, mine, idle))

    def _relay(self, theirs: Future[Any], mine: Future[Any], idle: bool) -> None:
        if theirs.cancelled():  # the sync shut a broken pool down before the task ran:
            # its batch is parsed on the ingest thread, as after a worker's death
            mine.set_exception(_shut())
        elif (exc := theirs.exception()) is not None:
            mine.set_exception(exc)
        else:
            mine.set_result(theirs.result())
        self._done(idle)

    def _done(self, idle: bool) -> None:
        if idle:
            with self._lock:
                self._running = False
        self._kick()


class PoolShutDown(BrokenProcessPool):
    """A task not run because the sync shut its pool down (or closed the feeder): its
    batch is parsed on the ingest thread, and the pool in use now is not broken."""


def _shut() -> PoolShutDown:
    return PoolShutDown("the parse pool was shut down")


class Ahead:
    """Messages fetched ahead of their batch, and their pool tasks (parse and assess)."""

    def __init__(self, fetched: Sequence[FetchedRaw], feeder: IdleFeeder,
                 own: frozenset[str], oldest: int, words: WordMap | None = None) -> None:
        self._held = {f.uid: f for f in fetched}
        self._where: dict[int, tuple[Future[Parsed], int]] = {}
        self._feeder = feeder
        for start in range(0, len(fetched), _TASK):
            part = fetched[start:start + _TASK]
            task: Future[Parsed] = feeder.later(parse_and_assess, [f.raw for f in part], own,
                                                oldest, False,
                                                [f.internal_date for f in part], words)
            for i, f in enumerate(part):
                self._where[f.uid] = (task, i)

    def __contains__(self, uid: int) -> bool:
        return uid in self._held

    def join(self, uids: Sequence[int], fetched: list[FetchedRaw],
             parsing: Future[Parsed] | None) -> tuple[list[FetchedRaw], Parsing | None]:
        """The batch `uids`: what was fetched with it and what was fetched ahead of it, in
        UID order, and what gives their parsing; the held messages are let go."""
        held = [self._held.pop(u) for u in uids if u in self._held]
        if not held:
            return fetched, parsing
        self._feeder.force()  # this batch is next to be stored: its tasks cannot wait
        where = {f.uid: self._where.pop(f.uid) for f in held}
        both = sorted(fetched + held, key=lambda f: f.uid)
        return both, Joined(fetched, parsing, both, where)


class Joined:
    """A batch's parsing when some of its messages were fetched ahead: the batch's own
    pool task and those of `Ahead`, read back in the batch's order. A pool failure
    (BrokenProcessPool) is raised as the batch's own task would raise it."""

    def __init__(self, fetched: list[FetchedRaw], parsing: Future[Parsed] | None,
                 both: list[FetchedRaw], where: dict[int, tuple[Future[Parsed], int]]) -> None:
        self._fetched = fetched
        self._parsing = parsing
        self._both = both
        self._where = where

    def result(self) -> Parsed:
        own, ready, vectors = (self._parsing.result() if self._parsing is not None
                               else ([], {}, {}))
        ready = dict(ready)
        vectors = dict(vectors)
        by_uid = {f.uid: item for f, item in zip(self._fetched, own, strict=True)}
        for uid, (task, i) in self._where.items():
            parsed, found, made = task.result()
            sha = parsed[i][0]
            by_uid[uid] = parsed[i]
            if sha in found:
                ready[sha] = found[sha]
            if sha in made:
                vectors[sha] = made[sha]
        return [by_uid[f.uid] for f in self._both], ready, vectors
