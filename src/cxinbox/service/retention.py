"""Retention: closed conversations past `[retention] closed_after` are purged, audit events
past `audit_keep` are released from the start of the trail, and the file shrinks.

Why it works this way:
- Never an open, pending or snoozed conversation, nor one with a reply still in the outbox
  (queued, sending, failed, unconfirmed): those need a person. "Untouched" means no message
  and no change (reads do not count) for the whole period.
- Small batches, each its own write transaction sized to stay near `BATCH_TARGET_MS`, with
  a pause between them: staff actions and mail sync share the write lock and wait at most
  one batch. Each batch is re-checked inside its transaction (a conversation reopened a
  moment ago stays) and writes its own `retention.purge` event with counts, never text.
- The audit trail keeps its own period. Releasing its oldest events is recorded first, in
  the chain (`audit.truncate`: the new first event and the hash it links to; in the same
  transaction the keyed hashes of canned text handed out for a conversation whose red
  flag is open or whose draft waits are repeated in a `canned.carried` event, so the
  guard on sending canned text never loses them), then signed
  by the server's checkpoint worker, and only then are the rows deleted; `cxinbox audit
  verify` accepts missing old events only under such a signed start (service/anchor.py,
  service/audit_verify.py). Until the signature comes they stay, and the next run deletes
  them. On a shared store (PostgreSQL) the same transaction repeats, inside the kept
  trail, the registration of each signing key whose `audit.key` event it releases, and
  once the rows are gone the database's copy of the checkpoints loses the lines that
  signed only them (store/audit_keys.py).
- Afterwards the full-text indexes merge away their deleted entries and the file gives
  free pages back (`PRAGMA incremental_vacuum`), both in bounded steps.
- `dry_run` counts with the very selections the purge deletes by, in read transactions,
  and writes nothing at all.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from contextlib import AbstractContextManager
from datetime import UTC, datetime, timedelta
from typing import Any, Protocol
from zoneinfo import ZoneInfo

from cxinbox.config import Config
from cxinbox.contract.errors import BadRequest, StoreError
from cxinbox.contract.retention_types import RetentionReport
from cxinbox.domain.retention import cutoff
from cxinbox.service.feed import AUDIT_ONLY_ACTIONS
from cxinbox.service.outbox import crash_point
from cxinbox.service.redflags import CARRIED, HANDED_OUT
from cxinbox.store import retention as store
from cxinbox.store.audit import append_events
from cxinbox.store.audit_keys import carry_registrations, prune_checkpoints
from cxinbox.store.db import Database
from cxinbox.store.interface import Store

log = logging.getLogger(__name__)

ACTOR = "system:retention"
"""Who the scheduled run acts as in the audit trail."""
ADMIN_ONLY = frozenset({"admin"})
BATCH_TARGET_MS = 30.0
"""Aim for write transactions this long: others wait at most about one batch."""
PAUSE_S = 0.01
"""Between two batches, so waiting writers get the lock."""
FIRST_BATCH = 20
MAX_BATCH = 200
EVENT_BATCH = 5000
FTS_PAGES = 64
VACUUM_PAGES = 200
SIGN_WAIT_S = 20.0
"""Longest a run waits for the server's checkpoint worker to sign a new trail start."""


class RetentionStore(Store, Protocol):
    """A store whose own connection retention's SQL runs on, in bounded transactions:
    the SQLite file (`Database`) or a PostgreSQL database (`PgStore`)."""

    def read(self) -> AbstractContextManager[Any]: ...

    def write(self) -> AbstractContextManager[Any]: ...


def retention_store(store: Store) -> RetentionStore:
    if not (callable(getattr(store, "read", None)) and callable(getattr(store, "write", None))):
        raise StoreError("retention does not run on this store")
    return store  # type: ignore[return-value]


class RetentionRunner:
    """One run of the policy against one database."""

    def __init__(self, db: RetentionStore, config: Config, actor: str = ACTOR, *,
                 clock: Callable[[], float] = time.time) -> None:
        if config.retention.closed_after is None:
            raise BadRequest("retention is not configured: add [retention] with closed_after"
                             ' (e.g. "7y") to the config')
        self.db = db
        self.config = config
        self.actor = actor
        self.clock = clock
        self._batch = FIRST_BATCH
        self._batches = 0
        self._longest_ms = 0.0
        self._notes: list[str] = []
        self._pruned = 0

    def _clock_ms(self) -> int:
        return int(self.clock() * 1000)

    def run(self, *, dry_run: bool = False) -> RetentionReport:
        started = time.monotonic()
        policy = self.config.retention
        assert policy.closed_after is not None
        now = self.clock()
        closed_before = cutoff(now, policy.closed_after)
        audit_before = cutoff(now, policy.audit_keep)
        with self.db.read() as conn:
            before = store.file_size(conn)
            candidates = store.due_conversations(
                conn, before_s=closed_before, after_id=0, limit=2**62,
                quiet_actions=sorted(AUDIT_ONLY_ACTIONS))
        phases: dict[str, float] = {}
        mark = time.monotonic()

        def phase(name: str) -> None:
            nonlocal mark
            phases[name] = round(time.monotonic() - mark, 2)
            mark = time.monotonic()

        counts = self._conversations(candidates, closed_before, dry_run)
        phase("purge_s")
        released, pending, start = self._audit(audit_before, dry_run)
        phase("audit_s")
        if not dry_run and (counts["conversations"] or released):
            self._merge_indexes()
            phase("index_s")
            self._shrink(before.auto_vacuum)
            phase("vacuum_s")
        with self.db.read() as conn:
            after = store.file_size(conn)
        report = RetentionReport(
            dry_run=dry_run, closed_before=closed_before, audit_before=audit_before, counts=counts,
            audit_released=released, audit_pending=pending, trail_starts_at=start,
            pages_before=before.page_count, pages_after=after.page_count,
            page_size=after.page_size, seconds=round(time.monotonic() - started, 3),
            batches=self._batches, longest_batch_ms=round(self._longest_ms, 1),
            notes=tuple(self._notes))
        if not dry_run:
            summary = {k: v for k, v in counts.items() if v}
            with self.db.write() as conn:
                pruned = {"checkpoints_pruned": self._pruned} if self._pruned else {}
                append_events(conn, self.actor, [("retention.run", "server", {
                    **summary, **pruned, "audit_released": released, "pages_freed":
                    max(0, before.page_count - after.page_count),
                    "seconds": report.seconds})], at=self._clock_ms)
        log.info("retention %s: conversations=%d messages=%d audit_released=%d"
                 " pages %d->%d batches=%d longest_batch_ms=%.0f duration_s=%.1f %s",
                 "dry run" if dry_run else "run", counts["conversations"], counts["messages"],
                 released, before.page_count, after.page_count, self._batches,
                 self._longest_ms, report.seconds,
                 " ".join(f"{k}={v}" for k, v in phases.items()))
        return report

    # -- conversations ---------------------------------------------------------------------

    def _conversations(self, candidates: list[int], closed_before: int,
                       dry_run: bool) -> dict[str, int]:
        totals = dict.fromkeys(store.KINDS, 0)
        quiet = sorted(AUDIT_ONLY_ACTIONS)
        position = 0
        while position < len(candidates):
            chunk = candidates[position:position + self._batch]
            position += len(chunk)
            t0 = time.perf_counter()
            if dry_run:
                with self.db.read() as conn:
                    counts = store.purge(conn, chunk, apply=False)
            else:
                with self.db.write() as conn:
                    due = store.due_conversations(conn, before_s=closed_before, after_id=0,
                                                  limit=len(chunk), quiet_actions=quiet,
                                                  among=chunk)
                    counts = store.purge(conn, due, apply=True) if due else {}
                    if due:
                        append_events(conn, self.actor, [("retention.purge", "server", {
                            k: v for k, v in counts.items() if v})])
                crash_point("retention-batch")  # the tests' runner dying mid-run
            self._timed(t0)
            for kind, n in counts.items():
                totals[kind] += n
            if not dry_run:
                time.sleep(PAUSE_S)
        return totals

    def _timed(self, t0: float) -> None:
        ms = (time.perf_counter() - t0) * 1000
        self._batches += 1
        self._longest_ms = max(self._longest_ms, ms)
        if ms > BATCH_TARGET_MS * 1.6 and self._batch > 1:
            self._batch = max(1, self._batch // 2)
        elif ms < BATCH_TARGET_MS / 2:
            self._batch = min(MAX_BATCH, self._batch * 2)

    # -- the audit trail -------------------------------------------------------------------

    def _audit(self, before_s: int, dry_run: bool) -> tuple[int, int, int]:
        """(events released by this run, released events still in the table, trail start)."""
        before_ms = before_s * 1000
        with self.db.read() as conn:
            start = store.trail_start(conn)
            release = store.events_to_release(conn, before_ms, start)
            left = store.released_left(conn, start)
        if dry_run:
            count = release.count if release is not None else 0
            return count, left + count, release.first_seq if release else start.seq
        released = 0
        if release is not None:
            with self.db.write() as conn:
                start = store.trail_start(conn)
                release = store.events_to_release(conn, before_ms, start)
                if release is not None:
                    append_events(conn, self.actor, [(store.TRUNCATE_ACTION, store.TRAIL_TARGET, {
                        "first_seq": release.first_seq, "prev_hash": release.prev_hash,
                        "released": release.count, "older_than_ms": before_ms})])
                    # what the canned-text guard still needs of the released events
                    store.carry_handed_out(conn, self.actor, start.seq, release.first_seq,
                                           (*HANDED_OUT, CARRIED), CARRIED)
                    if self.config.store.url is not None:  # the shared store's key registry
                        carry_registrations(conn, self.actor, release.first_seq)
                    released = release.count
                    start = store.trail_start(conn)
        with self.db.read() as conn:
            left = store.released_left(conn, start)
        if left and self._signed(start.seq):
            while True:
                t0 = time.perf_counter()
                with self.db.write() as conn:
                    gone = store.delete_released(conn, start, EVENT_BATCH)
                self._timed(t0)
                if gone == 0:
                    break
                left -= gone
                time.sleep(PAUSE_S)
            left = 0
        elif left:
            self._notes.append(f"{left} released audit event(s) wait for a signed checkpoint"
                               " of the new trail start; the next run deletes them")
        if not left and start.seq > 1 and self.config.store.url is not None:
            with self.db.write() as conn:  # the shared store's copy of the checkpoints
                self._pruned = prune_checkpoints(conn, start.seq)
        return released, left, start.seq

    def _signed(self, start_seq: int) -> bool:
        """Whether a signed checkpoint vouches for the trail starting at `start_seq` (or
        no checkpoints are kept, so nothing else can).

        On a shared store (PostgreSQL) the signature may come from whichever server holds
        the checkpoint job, on any host: it is looked for in the store's copy of the
        checkpoints, and nobody signs only when no key was ever registered there."""
        from cxinbox.service.anchor import checkpoint_now
        from cxinbox.service.checkpoints import AnchorError, parse_line, read_log

        audit = self.config.audit
        shared = self.config.store.url is not None
        have_key = self.config.audit_key_path.exists()
        if not audit.checkpoints:
            return True
        if shared and not have_key:
            with self.db.reading() as tx:
                if not tx.audit_keys():
                    return True
        elif not have_key:
            return True
        if have_key:
            try:  # no server holds the log: sign here, as the server would
                made = checkpoint_now(self.db, self.config)
                if made is not None and made.start >= start_seq:
                    return True
            except AnchorError:
                pass  # the server's checkpoint worker holds the log: wait for its signature
        deadline = time.monotonic() + min(SIGN_WAIT_S, audit.checkpoint_seconds + 10.0)
        while True:
            lines: list[str]
            if shared:
                with self.db.reading() as tx:
                    lines = tx.kept_checkpoints()
            else:
                try:
                    lines = read_log(self.config.audit_log_path) or []
                except AnchorError:
                    lines = []
            for text in reversed(lines):
                try:
                    if parse_line(text).start >= start_seq:
                        return True
                    if not shared:
                        break  # the log's newest line speaks for the file
                except ValueError:
                    continue
            if time.monotonic() > deadline:
                return False
            time.sleep(0.2)

    # -- the file --------------------------------------------------------------------------

    def _merge_indexes(self) -> None:
        for table in store.FTS_TABLES:
            more = True
            while more:
                t0 = time.perf_counter()
                with self.db.write() as conn:
                    more = store.fts_merge_step(conn, table, FTS_PAGES)
                self._timed_step(t0)
                time.sleep(PAUSE_S / 2)

    def _shrink(self, auto_vacuum: int) -> None:
        if auto_vacuum < 0:
            return  # PostgreSQL: its autovacuum gives the space back to the tables
        if auto_vacuum != 2:
            self._notes.append("the database file is not in incremental auto-vacuum mode yet"
                               " (it converts at the next server start when the disk has"
                               " room); freed pages stay inside the file until then")
            return
        while True:
            t0 = time.perf_counter()
            with self.db.write() as conn:
                left = store.vacuum_step(conn, VACUUM_PAGES)
            self._timed_step(t0)
            if left == 0:
                break
            time.sleep(PAUSE_S / 2)
        if isinstance(self.db, Database):
            self.db.checkpoint_passive()

    def _timed_step(self, t0: float) -> None:
        self._longest_ms = max(self._longest_ms, (time.perf_counter() - t0) * 1000)


def run_for(inbox: object, dry_run: bool) -> RetentionReport:
    """The API call: admins only (the refusal is audited), as the caller."""
    from cxinbox.service.inbox import InboxService

    assert isinstance(inbox, InboxService)
    inbox.require_role("retention", ADMIN_ONLY)
    return RetentionRunner(retention_store(inbox.store), inbox.config,
                           inbox.actor).run(dry_run=dry_run)


class RetentionSchedule:
    """The server's daily run at `[retention] daily_at`, clinic time: the same schedule on
    one SQLite server and on a store several servers share (PostgreSQL, where it runs under
    the leader lease `job:retention`, service/leader.py).

    It keeps no state of its own: everything it goes by is in the store, so it does not
    matter which server holds the job or since when. A period (from one `daily_at` to the
    next) is due once its `daily_at` has passed, and done when a `retention.run` event of
    the scheduled actor is at or after that time. So a server that takes the job over
    after `daily_at` (a leader change right at the hour) or after a period's run was
    missed (every server down at the hour, its runner died mid-run) runs that period at
    once, and a period with its event never again; a run cut short resumes from scratch,
    which purges only what is still due.

    Before the first run, periods are owed from when the schedule was first taken up, on
    any server: the first server to hold the job with no run on record writes a
    `retention.scheduled` event, and only a `daily_at` after it is due. So the first run,
    which works through years of backlog and releases most of the audit trail, is at a
    `daily_at`, never the moment retention was configured and a server started in the
    clinic's day (`cxinbox retention run` does one by hand)."""

    name = "retention"

    def __init__(self, db: RetentionStore, config: Config, *,
                 clock: Callable[[], float] = time.time) -> None:
        self.db = db
        self.config = config
        self.clock = clock

    def _at(self, local: datetime) -> datetime:
        """The day's `daily_at` in the clinic's zone. fold=0 always: on the autumn day a
        `daily_at` inside the repeated hour is its first instance, never both (the fold of
        `local` would give two due times that day, and the run twice)."""
        hour, minute = (int(x) for x in self.config.retention.daily_at.split(":"))
        return local.replace(hour=hour, minute=minute, second=0, microsecond=0, fold=0)

    def next_run(self, now: float) -> float:
        local = datetime.fromtimestamp(now, ZoneInfo(self.config.clinic.timezone))
        at = self._at(local)
        if at.timestamp() <= now:
            at = self._at(local + timedelta(days=1))
        return at.timestamp()

    def last_due(self, now: float) -> float:
        """The latest due time at or before `now`: the period `now` falls in."""
        local = datetime.fromtimestamp(now, ZoneInfo(self.config.clinic.timezone))
        at = self._at(local)
        if at.timestamp() > now:
            at = self._at(local - timedelta(days=1))
        return at.timestamp()

    def run(self, stop: threading.Event) -> None:
        done_due = 0.0  # the newest due time known done (asked of the store once a period)
        while not stop.is_set():
            now = self.clock()
            due = self.last_due(now)
            if due > done_due:
                with self.db.read() as conn:
                    last_ms = store.last_run_ms(conn, ACTOR)
                    # With no run on record yet: when the schedule was first taken up.
                    mark_ms = last_ms if last_ms is not None else (
                        store.schedule_start_ms(conn, ACTOR))
                if mark_ms is None:
                    mark_ms = self._take_up()
                # Owed once a daily_at has passed since then, whichever server holds the
                # job now and whenever it took it.
                owed = mark_ms < due * 1000
                if owed:
                    log.info("retention: the run due %s starts now", _utc(due))
                    RetentionRunner(self.db, self.config, clock=self.clock).run()
                    continue  # read back its own event: a run never repeats in one period
                done_due = due
                if last_ms is None:
                    log.info("retention: no scheduled run on record; the first is due %s",
                             _utc(self.next_run(now)))
                else:
                    log.info("retention: the run due %s is done; the next is due %s",
                             _utc(due), _utc(self.next_run(now)))
            stop.wait(min(300.0, max(1.0, self.next_run(now) - now)))

    def _take_up(self) -> int:
        """Record that the schedule starts now; when it was first taken up, epoch ms (the
        first such event counts, should two servers ever both write one)."""
        with self.db.write() as conn:
            append_events(conn, ACTOR, [(store.SCHEDULE_ACTION, store.SCHEDULE_TARGET, {
                "daily_at": self.config.retention.daily_at})],
                at=lambda: int(self.clock() * 1000))
            since = store.schedule_start_ms(conn, ACTOR)
        assert since is not None
        return since


def _utc(at: float) -> str:
    return datetime.fromtimestamp(at, UTC).strftime("%Y-%m-%dT%H:%MZ")
