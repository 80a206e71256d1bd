"""The background work `cxinbox serve` runs next to its socket: one place to list it.

A worker is anything with `name` and `run(stop)`: it runs on a thread of its own until
`stop` is set, then returns promptly. It should catch and log its own errors and keep
going (a broken mailbox must not take the front desk down). One that dies anyway, by an
exception or by returning early, is restarted by `supervise` with backoff, and while it
is down every staff member's status line, `doctor` and `notify_command` say so (`Health`):
a worker that is down is never silent.

Workers write through the shared `Database` like everyone else; the server notices their
events within a poll tick and pushes them to connected clients.
"""

from __future__ import annotations

import logging
import random
import threading
import time
from collections.abc import Callable
from typing import Protocol

from cxinbox.config import Config
from cxinbox.service.health import Health, worker_key
from cxinbox.service.liveness import beat
from cxinbox.service.logsafe import fields, log_failure
from cxinbox.service.rules import RuleEngine
from cxinbox.store.db import Database
from cxinbox.store.interface import Store

log = logging.getLogger(__name__)
_sync_log = logging.getLogger("cxinbox.service.sync")


class Worker(Protocol):
    name: str

    def run(self, stop: threading.Event) -> None: ...


class MailWatch:
    """Every configured IMAP folder kept in sync (a first sync, then IDLE), as `cxinbox
    sync` does in the foreground."""

    name = "mail sync"

    def __init__(self, db: Database, config: Config, health: Health | None = None,
                 rules: RuleEngine | None = None) -> None:
        self.db = db
        self.config = config
        self.health = health
        self.rules = rules

    def run(self, stop: threading.Event) -> None:
        from cxinbox.channels.signin import credential_for
        from cxinbox.service.sync import MailSync

        db_path = self.config.db_path
        engine = MailSync(self.db, self.config, lambda a: credential_for(a, db_path),
                          _Progress(stop), health=self.health,
                          force_token=lambda a: credential_for(a, db_path, force=True),
                          rules=self.rules)
        try:
            engine.watch(stop, on_change=lambda r: log.info(
                "mail synced", extra=fields(account=r.account, folder=r.folder, new=r.new,
                                            flag_changes=r.flag_changes,
                                            removed=r.removed)))
        finally:
            engine.close()


class _Progress:
    """Each batch a long first sync stores counts as progress for the watchdog."""

    def __init__(self, stop: threading.Event) -> None:
        self.stop = stop

    def folder_started(self, account: str, folder: str, new: int) -> None:
        beat(self.stop)

    def advanced(self, count: int) -> None:
        beat(self.stop)

    def warn(self, message: str) -> None:
        _sync_log.warning("%s", message)  # where the sync engine's own warnings go


class Outbox:
    """Replies leave from here: the undo window, retries with backoff, Sent copies."""

    name = "outbox"

    def __init__(self, db: Store, config: Config) -> None:
        from cxinbox.service.outbox import OutboxWorker

        self.worker = OutboxWorker(db, config)

    def run(self, stop: threading.Event) -> None:
        self.worker.run(stop)


class SmsPoll:
    """Texts in and delivery receipts from the SMS provider, every `poll_seconds`."""

    name = "sms poll"

    def __init__(self, db: Store, config: Config, rules: RuleEngine | None = None) -> None:
        self.db = db
        self.config = config
        self.rules = rules

    def run(self, stop: threading.Event) -> None:
        from cxinbox.service.sms_sync import SmsPoller

        poller = SmsPoller(self.db, self.config, rules=self.rules)
        try:
            poller.run(stop)
        finally:
            poller.close()


class SlaWatch:
    """Wakes snoozes that ran out and escalates conversations turning at risk or breached
    (an event every client sees, plus the optional notify_command), once per transition."""

    name = "sla monitor"

    def __init__(self, db: Store, config: Config, *,
                 clock: Callable[[], float] = time.time, interval_s: float | None = None,
                 rules: RuleEngine | None = None) -> None:
        from cxinbox.service.sla_monitor import SlaMonitor

        self.monitor = SlaMonitor(db, config, clock=clock, rules=rules)
        # [sla] check_interval unless the caller (the demo) sets its own.
        self.interval_s = (float(config.sla.check_interval_s) if interval_s is None
                           else interval_s)

    def run(self, stop: threading.Event) -> None:
        self.monitor.run(stop, self.interval_s)


class ReportFacts:
    """Keeps the reports' stored facts (migration 19) up to date in the background, a few
    thousand conversations per write transaction, so a report finds little or nothing stale:
    after the upgrade that marks every conversation stale, the server catches up in its
    first minute (100,000 conversations: ~10 s of work in ~50 short transactions) instead of
    the first report paying for it; later it takes in each minute's changes."""

    name = "report facts"

    def __init__(self, db: Store, *, chunk: int = 2000, interval_s: float = 60.0) -> None:
        self.db = db
        self.chunk = chunk
        self.interval_s = interval_s

    def catch_up(self, stop: threading.Event) -> int:
        """Recompute every stale conversation, a chunk per transaction; how many."""
        done = 0
        while not stop.is_set():
            with self.db.reading() as tx:
                if not tx.report_facts_stale():
                    break
            with self.db.writing() as tx:
                done += tx.refresh_report_facts(self.chunk)
            beat(stop)
        return done

    def run(self, stop: threading.Event) -> None:
        while not stop.is_set():
            try:
                started = time.monotonic()
                done = self.catch_up(stop)
                if done:
                    log.info("report facts brought up to date", extra=fields(
                        conversations=done,
                        duration_ms=round((time.monotonic() - started) * 1000, 1)))
            except Exception as exc:  # noqa: BLE001 - a report recomputes what is left
                log_failure(log, "report facts refresh failed", exc)
            stop.wait(self.interval_s)


def red_flag_router(store: Store, config: Config, health: Health | None = None) -> Worker:
    """Red flags that wait unassigned: given to their team when a shift starts or a place
    under the cap frees up, told once when caps hold them (service/redflag_routing.py),
    every `[triage] check_interval`; a roster it cannot read is a health alert."""
    from cxinbox.service.redflag_routing import RedFlagRouter

    return RedFlagRouter(store, config, health=health,
                         interval_s=float(config.triage.check_interval))


def background_workers(db: Database, config: Config, health: Health | None = None,
                       rules: RuleEngine | None = None) -> list[Worker]:
    """Everything the server runs besides answering clients; `rules` is the server's one
    engine (wiring.py), fired by the mail sync, the SMS poll and the SLA monitor."""
    workers: list[Worker] = []
    if config.accounts:
        workers.append(MailWatch(db, config, health, rules))
    if config.sms.configured:
        workers.append(SmsPoll(db, config, rules))
    workers.append(Outbox(db, config))
    workers.append(SlaWatch(db, config, rules=rules))
    workers.append(red_flag_router(db, config, health))
    workers.append(ReportFacts(db))
    if config.audit.checkpoints:
        from cxinbox.service.anchor import AuditAnchor

        workers.append(AuditAnchor(db, config, health))
    if config.backup.every is not None:
        from cxinbox.service.backup_worker import BackupWorker

        workers.append(BackupWorker(db, config))
    if config.retention.configured:
        from cxinbox.service.retention import RetentionSchedule

        workers.append(RetentionSchedule(db, config))
    return workers


SHARED_FACTS_CHUNK = 200
"""Conversations per background transaction of the report facts on a shared store. Each
transaction holds its server's write turn (store/pg/store.py): at 2,000 (the SQLite
server's chunk, ~0.5 s there) the leader's staff actions and change feed waited behind
every chunk while a 100,000-conversation inbox caught up (action p95 0.66 s, the quiet
propagation p95 0.7 s); at 200 a chunk is ~50 ms."""


def shared_workers(store: Store, config: Config, health: Health | None = None,
                   rules: RuleEngine | None = None) -> tuple[list[Worker], list[str]]:
    """What a server on a store several servers share (PostgreSQL) runs besides answering
    clients, and one line for each piece of the SQLite server's work it does not run.

    Every server: the mail sync (one server per folder at a time, by the folder's lease),
    the SMS poll (one server per clinic number, by the number's lease) and the outbox (any
    server sends any reply; the claim makes it once). One server at a time, under a leader
    lease (service/leader.py): the SLA monitor (with snooze wake-ups and the satisfaction
    questions), the reports' stored facts, the audit checkpoints and the daily retention
    run, and the red flags' late routing. A worker whose store
    operations are not there yet says so once and idles (`NotYetHere`)."""
    from cxinbox.service.leader import Leader, NotYetHere

    workers: list[Worker] = []
    skipped: list[str] = []
    if config.accounts:
        workers.append(NotYetHere(MailWatch(store, config, health, rules)))  # type: ignore[arg-type]
    if config.sms.configured:  # one server per clinic number, by the number's lease
        workers.append(NotYetHere(SmsPoll(store, config, rules)))
    workers.append(NotYetHere(Outbox(store, config)))
    workers.append(Leader(NotYetHere(SlaWatch(store, config, rules=rules)), store))
    workers.append(Leader(NotYetHere(red_flag_router(store, config, health)), store))
    workers.append(Leader(NotYetHere(ReportFacts(store, chunk=SHARED_FACTS_CHUNK)), store))
    if config.audit.checkpoints:
        from cxinbox.service.anchor import AuditAnchor

        workers.append(Leader(NotYetHere(AuditAnchor(store, config, health)), store))
    if config.backup.every is not None:
        skipped.append("[backup] every: scheduled backups are the SQLite file's; back up"
                       " PostgreSQL with its own tools (pg_dump, pg_basebackup)")
    if config.retention.configured:  # once per period, whichever server runs it
        from cxinbox.service.retention import RetentionSchedule, retention_store

        workers.append(Leader(NotYetHere(RetentionSchedule(retention_store(store), config)),
                              store))
    return workers, skipped


RESTART_MIN_S = 1.0
RESTART_MAX_S = 300.0
STEADY_S = 60.0
"""A restarted worker that has run this long is taken to be healthy again."""


def supervise(worker: Worker, stop: threading.Event, health: Health | None,
              *, min_s: float = RESTART_MIN_S, max_s: float = RESTART_MAX_S,
              steady_s: float = STEADY_S) -> None:
    """Run `worker` until `stop`; restart it with exponential backoff and jitter whenever
    it dies, and keep its trouble on everyone's status line until it has run steadily.

    The alert names the worker and the kind of error only: an exception's text can carry
    a patient's words, so it goes to the server log with the traceback, not to screens.
    """
    delay = min_s
    key = worker_key(worker.name)
    down = False
    while not stop.is_set():
        started = time.monotonic()
        steady: threading.Timer | None = None
        if down and health is not None:
            steady = threading.Timer(steady_s, health.ok, args=(key,))
            steady.daemon = True
            steady.start()
        try:
            worker.run(stop)
            if stop.is_set():
                return
            log.error("background worker %r returned while the server runs", worker.name)
            what = "stopped"
        except Exception as exc:  # noqa: BLE001 - logged (safely), shown, restarted
            log_failure(log, f"background worker {worker.name!r} stopped with an error", exc)
            what = f"failed ({type(exc).__name__})"
        finally:
            if steady is not None:
                steady.cancel()
        if time.monotonic() - started >= steady_s:
            delay = min_s
        wait = min(max_s, delay) * random.uniform(0.8, 1.2)
        down = True
        if health is not None:
            health.problem(key, f"{worker.name} {what}; restarting in {wait:.0f}s - if this "
                           "stays, IT must check the server log")
        stop.wait(wait)
        delay = min(max_s, delay * 2)
