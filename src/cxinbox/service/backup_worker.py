"""The server's own backups, every `[backup] every`.

When the next one is due is read from the record of the last success (so a restart does
not reset the clock, and a server that was down for days backs up soon after it starts),
never sooner than `first_delay_s` after start (start-up stays quick). A failure is
audited and recorded by `make_backup`; the next try comes after `retry_s`, not at once.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable

from cxinbox.config import Config
from cxinbox.contract.backup_types import BackupFailed
from cxinbox.service.backup import SCHEDULE, make_backup
from cxinbox.service.backup_record import read_last_backup
from cxinbox.store.backup import BackupAborted
from cxinbox.store.db import Database

log = logging.getLogger(__name__)

FIRST_DELAY_S = 60.0
RETRY_S = 900.0
LONGEST_NAP_S = 600.0
"""Look at the clock at least this often (a suspended machine's wait can overshoot)."""


class BackupWorker:
    name = "backup"

    def __init__(self, db: Database, config: Config, *, first_delay_s: float = FIRST_DELAY_S,
                 retry_s: float = RETRY_S, clock: Callable[[], float] = time.time) -> None:
        self.db = db
        self.config = config
        self.first_delay_s = first_delay_s
        self.retry_s = retry_s
        self.clock = clock
        self._started = clock()
        self._failed_at: float | None = None

    def due_in(self) -> float:
        """Seconds until the next backup (<= 0: now)."""
        every = self.config.backup.every
        assert every is not None
        last = read_last_backup(self.db.path)
        due = self._started + self.first_delay_s
        if last is not None and last.last_ok_at:
            due = max(due, last.last_ok_at / 1000 + every)
        if self._failed_at is not None:
            due = max(due, self._failed_at + self.retry_s)
        return due - self.clock()

    def run(self, stop: threading.Event) -> None:
        while not stop.is_set():
            wait = self.due_in()
            if wait > 0:
                stop.wait(min(wait, LONGEST_NAP_S))
                continue
            try:
                make_backup(self.db, self.config, actor="system", by=SCHEDULE,
                            stop=stop.is_set)
                self._failed_at = None
            except BackupFailed:
                self._failed_at = self.clock()  # audited, recorded and logged already
            except BackupAborted:
                return
