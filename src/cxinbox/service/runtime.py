"""The background work `cxinbox serve` runs next to its socket: one place to list it.

A worker is anything with `name` and `run(stop)`: it runs on a thread of its own until
`stop` is set, then returns promptly. It must catch and log its own errors and keep
going (a broken mailbox must not take the front desk down); an exception that escapes is
logged by the server and ends only that worker.

Workers write through the shared `Database` like everyone else; the server notices their
events within a poll tick and pushes them to connected clients.
"""

from __future__ import annotations

import logging
import threading
from typing import Protocol

from cxinbox.config import Config
from cxinbox.store.db import Database

log = logging.getLogger(__name__)


class Worker(Protocol):
    name: str

    def run(self, stop: threading.Event) -> None: ...


class MailWatch:
    """Every configured IMAP folder kept in sync (a first sync, then IDLE), as `cxinbox
    sync` does in the foreground."""

    name = "mail sync"

    def __init__(self, db: Database, config: Config) -> None:
        self.db = db
        self.config = config

    def run(self, stop: threading.Event) -> None:
        from cxinbox.channels.credentials import resolve_password
        from cxinbox.service.sync import MailSync

        engine = MailSync(self.db, self.config,
                          lambda account: resolve_password(account.name, account.credentials))
        try:
            engine.watch(stop, on_change=lambda r: log.info(
                "%s/%s: +%d new, %d flag change(s), %d removed",
                r.account, r.folder, r.new, r.flag_changes, r.removed))
        finally:
            engine.close()


class Outbox:
    """Replies leave from here: the undo window, retries with backoff, Sent copies."""

    name = "outbox"

    def __init__(self, db: Database, config: Config) -> None:
        from cxinbox.service.outbox import OutboxWorker

        self.worker = OutboxWorker(db, config)

    def run(self, stop: threading.Event) -> None:
        self.worker.run(stop)


class SmsPoll:
    """Texts in and delivery receipts from the SMS provider, every `poll_seconds`."""

    name = "sms poll"

    def __init__(self, db: Database, config: Config) -> None:
        self.db = db
        self.config = config

    def run(self, stop: threading.Event) -> None:
        from cxinbox.service.sms_sync import SmsPoller

        poller = SmsPoller(self.db, self.config)
        try:
            poller.run(stop)
        finally:
            poller.close()


class SlaWatch:
    """Wakes snoozes that ran out and escalates conversations turning at risk or breached
    (an event every client sees, plus the optional notify_command), once per transition."""

    name = "sla monitor"

    def __init__(self, db: Database, config: Config) -> None:
        from cxinbox.service.sla_monitor import SlaMonitor

        self.monitor = SlaMonitor(db, config)

    def run(self, stop: threading.Event) -> None:
        self.monitor.run(stop)


def background_workers(db: Database, config: Config) -> list[Worker]:
    """Everything the server runs besides answering clients."""
    workers: list[Worker] = []
    if config.accounts:
        workers.append(MailWatch(db, config))
    if config.sms.configured:
        workers.append(SmsPoll(db, config))
    workers.append(Outbox(db, config))
    workers.append(SlaWatch(db, config))
    return workers
