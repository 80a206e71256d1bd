"""The server's checkpoint worker: it signs the audit chain's head, off the write path.

Writers never wait for it. It looks at the head once a second (one indexed read) and signs
a checkpoint when `checkpoint_events` events arrived since the last one, when events
arrived and `checkpoint_seconds` passed, when it starts and when the server stops. Before
signing it fsyncs the database's WAL, so a checkpoint never vouches for an event a power
cut could still take back (that would look like tampering later).

Only `cxinbox serve` runs it. In-process use (`--local`, single-user setups, `cxinbox
demo`) writes events that stay unanchored until the next server checkpoint covers them.
Checkpoints are not events: signing one changes nothing in the database.

At start it checks that the database still holds the event the last checkpoint signed and
raises an alert on every screen if not; `cxinbox audit verify` says what exactly differs.
"""

from __future__ import annotations

import logging
import logging.handlers
import socket
import threading
from collections.abc import Callable
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from cxinbox.config import Config
from cxinbox.domain.retention import cutoff
from cxinbox.service.checkpoints import (
    AnchorError,
    Checkpoint,
    CheckpointLog,
    key_id,
    line_digest,
    load_signing_key,
    parse_line,
    parse_public_key,
    public_key_text,
    sign,
    signature_ok,
)
from cxinbox.service.health import Health
from cxinbox.store.interface import Store

log = logging.getLogger(__name__)

TICK_S = 1.0
RETRY_S = 60.0
ALERT_KEY = "audit:checkpoints"
CHAIN_ALERT_KEY = "audit:chain"
SYSLOG_ALERT_KEY = "audit:syslog"
KEY_ACTOR = "system"
"""Who the trail names for a key's registration (`audit.key`): the server itself."""


class Anchor:
    """Signs and appends checkpoints; one per server, on the worker's thread."""

    def __init__(self, db: Store, config: Config, *,
                 clock: Callable[[], int] | None = None) -> None:
        self.db = db
        self.config = config
        self.clock: Callable[[], int] = clock if clock is not None else db.now_ms
        self._log: CheckpointLog | None = None
        self._key: Ed25519PrivateKey | None = None
        self._syslog: SyslogCopy | None = None
        self.syslog_problem: str | None = None
        self.last: Checkpoint | None = None
        self._prev = ""
        self._made_key = False
        self._refused_start = 0

    def open(self) -> str | None:
        """Open the log and the key and pick up where the log ends.

        Returns a problem with the chain to alert about (the database no longer holds
        what the last checkpoint signed), or None. Raises AnchorError when checkpoints
        cannot be written at all.
        """
        audit = self.config.audit
        log_path = self.config.audit_log_path
        key_path = self.config.audit_key_path
        fresh_log = not log_path.exists()
        self._log = CheckpointLog(log_path)  # first, so a key never exists without a log
        try:
            lines, torn = self._log.tail()
            good = _last_good(lines)
            if good is not None and not key_path.exists():
                raise AnchorError(f"{key_path}: the audit signing key is missing while"
                                  f" {log_path} holds checkpoints; put the key back, or move"
                                  " the log aside to start a new one")
            self._made_key = not key_path.exists()
            self._key = load_signing_key(key_path, create=True)
            if audit.public_key and public_key_text(self._key.public_key()) != \
                    public_key_text(parse_public_key(audit.public_key)):
                raise AnchorError(f"{key_path}: not the key pinned in [audit] public_key")
            if good is not None:
                text, checkpoint = good
                if checkpoint.key != key_id(self._key.public_key()) or \
                        not signature_ok(checkpoint, self._key.public_key()):
                    raise AnchorError(f"{log_path}: its last checkpoint was not signed by"
                                      f" {key_path}; move the log aside or put the key back")
                self.last, self._prev = checkpoint, line_digest(text)
            if torn or (lines and good is not None and lines[-1] != good[0]):
                log.warning("%s: a damaged line at the end (a crash while writing?)", log_path)
                if torn:
                    self._log.end_torn_line()
            if audit.syslog_socket is not None:
                self._syslog = SyslogCopy(audit.syslog_socket, audit.syslog_facility)
            if self.shared:
                self._register(good[0] if good is not None else None)
        except BaseException:
            self.close()
            raise
        if fresh_log and not self._made_key:
            return (f"{log_path} was missing although the audit signing key exists; a new"
                    " checkpoint log begins now - IT must find out where the old one went")
        return self._continuity_problem()

    @property
    def shared(self) -> bool:
        """Several servers may sign this trail in turn (a PostgreSQL store): each key is
        registered in the store and each checkpoint kept there too, so any host can verify
        the whole trail (store/audit_keys.py)."""
        return self.config.store.url is not None

    def _register(self, last_line: str | None) -> None:
        """Register this server's key (with its host and an `audit.key` event, once), and
        keep its log's last checkpoint in the store in case a crash came between the two
        writes of it."""
        assert self._key is not None
        public = self._key.public_key()
        with self.db.writing() as tx:
            tx.register_audit_key(KEY_ACTOR, key_id(public), public_key_text(public),
                                  socket.gethostname(), self.clock())
            if last_line is not None and self.last is not None:
                tx.keep_checkpoint(self.last.key, self.last.seq, self.last.at, last_line)

    def _continuity_problem(self) -> str | None:
        last = self.last
        if last is None or last.seq == 0:
            return None
        with self.db.reading() as tx:
            stored = tx.event_hash_at(last.seq)
        if stored == last.hash:
            return None
        what = "is gone" if stored is None else "is not the one it signed"
        return (f"the audit trail does not match its last checkpoint (event #{last.seq} {what});"
                " IT must run cxinbox audit verify")

    def head_seq(self) -> int:
        with self.db.reading() as tx:
            return tx.last_event_seq()

    def due(self, seq: int, now: int) -> bool:
        """Whether the head at `seq` needs a checkpoint now."""
        last = self.last
        if last is None:
            return True
        if seq == last.seq:
            return False
        audit = self.config.audit
        return (abs(seq - last.seq) >= audit.checkpoint_events
                or now - last.at >= audit.checkpoint_seconds * 1000)

    def start_moved(self) -> bool:
        """Whether the database records a trail start the last checkpoint did not sign
        (retention released old events and waits for a signature before deleting them)."""
        with self.db.reading() as tx:
            recorded = tx.trail_start()
        signed = self.last.start if self.last is not None else 1
        return recorded.seq > signed and recorded.seq != self._refused_start

    def start_to_sign(self) -> tuple[int, str]:
        """The trail's start, as recorded in the database, if retention could have made it.

        A new start is signed only when the event before it is still there with the hash
        the record names and is older than `[retention] audit_keep`: a database writer who
        forges a record to drop recent events gets no signature, and `cxinbox audit
        verify` then reports the missing events as tampering.
        """
        last = self.last
        signed = (last.start, last.start_prev) if last is not None else (1, "")
        with self.db.reading() as tx:
            recorded = tx.trail_start()
            if recorded.seq <= signed[0]:
                return signed
            before = tx.event_stamp(recorded.seq - 1)
        if before is None:
            if last is None:  # no signed history to hold the record against
                return recorded.seq, recorded.prev_hash
        else:
            old_enough = cutoff(self.clock() / 1000, self.config.retention.audit_keep) * 1000
            if before.hash == recorded.prev_hash and before.at < old_enough:
                return recorded.seq, recorded.prev_hash
        if recorded.seq != self._refused_start:
            log.warning("audit: the trail start recorded at event #%d does not hold (not"
                        " signed)", recorded.recorded_by)
        self._refused_start = recorded.seq
        return signed

    def checkpoint(self, *, force: bool = False) -> Checkpoint | None:
        """Sign the current head if it is due (or changed, with `force`); returns it."""
        assert self._log is not None and self._key is not None, "open() first"
        with self.db.reading() as tx:
            head = tx.chain_head()
        last = self.last
        moved = self.start_moved()
        if last is not None and (head.seq, head.hash) == (last.seq, last.hash) and not moved:
            return None
        if not force and not moved and not self.due(head.seq, self.clock()):
            return None
        start, start_prev = self.start_to_sign()
        self.db.make_durable()
        checkpoint = sign(self._key, seq=head.seq, hash=head.hash, count=head.count,
                          at=self.clock(), prev=self._prev, start=start,
                          start_prev=start_prev)
        line = checkpoint.line()
        self._log.append(line)
        if self.shared:
            with self.db.writing() as tx:
                tx.keep_checkpoint(checkpoint.key, checkpoint.seq, checkpoint.at, line)
        self.last, self._prev = checkpoint, line_digest(line)
        if self._syslog is not None:
            self.syslog_problem = self._syslog.send(line)
        return checkpoint

    def close(self) -> None:
        if self._log is not None:
            self._log.close()
            self._log = None
        if self._syslog is not None:
            self._syslog.close()
            self._syslog = None


def _last_good(lines: list[str]) -> tuple[str, Checkpoint] | None:
    for text in reversed(lines):
        try:
            return text, parse_line(text)
        except ValueError:
            continue
    return None


class SyslogCopy:
    """Each checkpoint line also goes to syslog/journald, as `cxinbox-audit: {json}`.

    A datagram per line on the local socket, written by hand rather than through
    `logging` so a syslog that is down is one alert, not a traceback per checkpoint.
    `journalctl -t cxinbox-audit -o cat` (or the remote host's file, cut after the tag)
    gives back a log `cxinbox audit verify --checkpoints FILE` can check.
    """

    def __init__(self, path: Path, facility: str) -> None:
        self.path = str(path)
        code = logging.handlers.SysLogHandler.facility_names[facility]
        self.priority = code * 8 + logging.handlers.SysLogHandler.LOG_INFO
        self._sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)

    def send(self, line: str) -> str | None:
        """None when sent, else why not (one line)."""
        try:
            self._sock.sendto(f"<{self.priority}>cxinbox-audit: {line}".encode(), self.path)
        except OSError as exc:
            return f"{self.path}: syslog did not take the checkpoint ({exc.strerror})"
        return None

    def close(self) -> None:
        self._sock.close()


class AuditAnchor:
    """The worker `cxinbox serve` runs (see service/runtime.py)."""

    name = "audit checkpoints"

    def __init__(self, db: Store, config: Config, health: Health | None = None) -> None:
        self.db = db
        self.config = config
        self.health = health

    def run(self, stop: threading.Event) -> None:
        while not stop.is_set():
            anchor = Anchor(self.db, self.config)
            try:
                problem = anchor.open()
            except AnchorError as exc:
                self._problem(ALERT_KEY, f"audit checkpoints stopped: {exc}")
                stop.wait(RETRY_S)
                continue
            try:
                if problem is not None:
                    self._problem(CHAIN_ALERT_KEY, problem)
                self._loop(anchor, stop)
                return
            except (AnchorError, OSError) as exc:
                self._problem(ALERT_KEY, f"audit checkpoints stopped: {exc}")
                stop.wait(RETRY_S)
            finally:
                anchor.close()

    def _loop(self, anchor: Anchor, stop: threading.Event) -> None:
        anchor.checkpoint(force=True)  # whatever happened while no server ran
        if self.health is not None:
            self.health.ok(ALERT_KEY)
        tick = min(TICK_S, float(self.config.audit.checkpoint_seconds))
        while not stop.wait(tick):
            if anchor.due(anchor.head_seq(), anchor.clock()) or anchor.start_moved():
                anchor.checkpoint()
                self._syslog_state(anchor)
        anchor.checkpoint(force=True)  # the server is stopping: anchor its last events

    def _syslog_state(self, anchor: Anchor) -> None:
        if self.health is None or self.config.audit.syslog_socket is None:
            return
        if anchor.syslog_problem is None:
            self.health.ok(SYSLOG_ALERT_KEY)
        else:
            self.health.problem(SYSLOG_ALERT_KEY, anchor.syslog_problem, severity="warning")

    def _problem(self, key: str, message: str) -> None:
        log.error("%s", message)
        if self.health is not None:
            self.health.problem(key, message)


def checkpoint_now(db: Store, config: Config) -> Checkpoint | None:
    """One checkpoint from outside the worker (tests, a maintenance command)."""
    anchor = Anchor(db, config)
    anchor.open()
    try:
        return anchor.checkpoint(force=True)
    finally:
        anchor.close()


