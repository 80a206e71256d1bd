"""The server's own problems, told to every person who can act on them.

A mailbox whose sign-in expired, a worker that keeps failing, a client secret about to
run out: each is one line, kept in the store while it lasts (`alerts`), announced by a
`health.alert` event (every client's status line picks it up) and, once per new problem,
passed to `[sla] notify_command` with CXINBOX_STATE=alert so IT hears of it by mail or
pager too. `health.ok` ends it. Reports are idempotent: a worker may report the same
problem every retry; only a change writes anything.

Messages come from our code and name accounts and workers, never patient text.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Final

from cxinbox.config import Config
from cxinbox.contract.errors import DatabaseDown
from cxinbox.contract.health_types import PAGE_ALERT
from cxinbox.domain.sanitize import clean_line
from cxinbox.service.notify import run_notify
from cxinbox.store.fence import unfenced
from cxinbox.store.interface import Store, StoreTx
from cxinbox.store.records import AlertRecord

log = logging.getLogger("cxinbox.health")

ACTOR = "system"

KEPT_ACROSS_RESTARTS: Final = frozenset({PAGE_ALERT})
"""Alerts a restart does not end: red-flag cap pages given up (PAGE_ALERT) were never paged, and no worker would raise them again; the routing round
ends the alert once none of its flags still waits."""


class Health:
    """Thread-safe; one per server process (in-process TUIs get their own)."""

    def __init__(self, store: Store, config: Config) -> None:
        self.store = store
        self.config = config
        self._lock = threading.Lock()
        self._known: dict[str, tuple[str, str]] = {}
        self._clear: set[str] = set()  # keys known to have no row: ok() is then free

    def start_fresh(self) -> None:
        """Forget problems a previous server recorded: its workers are gone, ours will say.
        Kept: what no worker will say again (`KEPT_ACROSS_RESTARTS`), which ends by itself."""
        with self._lock, self._writing() as tx:
            for alert in tx.alerts():
                if alert.key not in KEPT_ACROSS_RESTARTS and tx.clear_alert(alert.key):
                    tx.append_event(ACTOR, "health.ok", alert.key,
                                    {"reason": "server restarted"})
            self._known.clear()
            self._clear.clear()

    @contextmanager
    def _writing(self) -> Iterator[StoreTx]:
        """A write of the desk's health: never fenced by a lease the calling worker holds
        (a worker that has just lost its lease still says what happened to it)."""
        with unfenced(), self.store.writing() as tx:
            yield tx

    def problem(self, key: str, message: str, *, severity: str = "error",
                again: bool = False, max_len: int = 300) -> None:
        """`again`: look at the store even when this process said the same already (another
        server's `start_fresh` may have cleared it). `max_len`: a message that names a
        file others act on (a hook's kept stderr) may need more than the usual 300
        characters, or the file's path would be cut."""
        line = clean_line(message, max_len=max_len)
        with self._lock:
            if not again and self._known.get(key) == (severity, line):
                return
            self._clear.discard(key)
            try:
                with self._writing() as tx:
                    before = tx.alert(key)
                    if before is not None and (before.severity, before.message) == (
                            severity, line):
                        self._known[key] = (severity, line)
                        return
                    tx.put_alert(key, severity, line, self.store.now_ms())
                    tx.append_event(ACTOR, "health.alert", key,
                                    {"severity": severity, "message": line})
            except DatabaseDown:
                # Not recorded (the store said the outage once); said here, and recorded
                # when the problem is raised again with the database back.
                log.warning("%s: %s", key, line)
                return
            self._known[key] = (severity, line)
        log.warning("%s: %s", key, line)
        if before is None:
            self._notify(key, severity, line)

    def still(self, key: str, message: str, *, severity: str = "error") -> None:
        """The problem lasts: raised again when it is no longer on record (another
        server's start cleared it), else nothing written (one read)."""
        line = clean_line(message, max_len=300)
        try:
            with self.store.reading() as tx:
                before = tx.alert(key)
        except DatabaseDown:
            return  # said again once the database answers
        if before is None or (before.severity, before.message) != (severity, line):
            self.problem(key, message, severity=severity, again=True)

    def ok(self, key: str) -> None:
        with self._lock:
            # Cleared in the store even when this process never saw it: a row a crashed
            # predecessor left must not stay on everyone's status line.
            if key in self._clear and key not in self._known:
                return
            try:
                with self._writing() as tx:
                    if not tx.clear_alert(key):
                        self._known.pop(key, None)
                        self._clear.add(key)
                        return
                    tx.append_event(ACTOR, "health.ok", key, {})
            except DatabaseDown:
                return  # cleared on a later success, with the database back
            self._known.pop(key, None)
            self._clear.add(key)
        log.info("%s: back to normal", key)

    def current(self) -> list[AlertRecord]:
        with self.store.reading() as tx:
            return tx.alerts()

    def _notify(self, key: str, severity: str, line: str) -> None:
        env = {"CXINBOX_STATE": "alert", "CXINBOX_TARGET": key, "CXINBOX_SEVERITY": severity,
               "CXINBOX_MESSAGE": line}
        run_notify(self.config.sla.notify_command, env=env,
                   details={"state": "alert", "key": key, "severity": severity,
                            "message": line},
                   log=log, what=f"notify_command for {key}")


def account_key(name: str) -> str:
    return f"account:{name}"


def worker_key(name: str) -> str:
    return f"worker:{name}"
