"""The server's checkpoint worker: it signs the audit chain's head, off the write path.

Writers never wait for it. It looks at the head once a second (one indexed read) and signs
a checkpoint when `checkpoint_events` events arrived since the last one, when events
arrived and `checkpoint_seconds` passed, when it starts and when the server stops. Before
signing it fsyncs the database's WAL, so a checkpoint never vouches for an event a power
cut could still take back (that would look like tampering later).

On a PostgreSQL primary with standbys it signs only what every attached standby has
replayed: under asynchronous replication a failover loses the commits the promoted standby
had not received, and a checkpoint that vouched for them would later read as tampering.
It waits for the standbys a bounded time (`STANDBY_WAIT_S`); past it, it signs the newest
head they all hold (or nothing new), says so in one log line and a warning on every
screen, and catches up once they do. A standby that is gone drops out of
pg_stat_replication (at the latest after the primary's `wal_sender_timeout`) and no longer
holds checkpoints back.

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
import time
from collections.abc import Callable
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from cxinbox.config import Config
from cxinbox.domain.retention import cutoff
from cxinbox.service import heartbeat
from cxinbox.service.checkpoints import (
    AnchorError,
    Checkpoint,
    CheckpointLog,
    choose_log,
    foreign_log_line,
    foreign_store,
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
from cxinbox.store.records import ChainHeadRecord

log = logging.getLogger(__name__)

TICK_S = 1.0
RETRY_S = 60.0
REASSERT_S = 5.0
"""While the worker cannot sign, how often it looks whether its alert is still on record
(another server's start clears every alert) and raises it again if not."""
ROUND = "audit checkpoints"
"""The worker's round as `cxinbox status` reads it on every server (`Store.note_round`,
service/heartbeat.py): noted while checkpoints are current, whichever server signs."""
ROUND_NOTE_S = 10.0
"""How often a healthy worker notes its round."""
ALERT_KEY = "audit:checkpoints"
CHAIN_ALERT_KEY = "audit:chain"
SYSLOG_ALERT_KEY = "audit:syslog"
STANDBY_ALERT_KEY = "audit:standby"
STANDBY_WAIT_S = 5.0
"""How long a checkpoint waits for the standbys to replay the head (normally they take
milliseconds) before it signs what they all hold."""
STANDBY_POLL_S = 0.05
PENDING_HEADS = 256
"""Heads read while a standby lagged, kept to sign once it holds them (one per try).
When the list is full it is thinned rather than cut: every other head goes, the oldest
stays, so a standby further behind than the list is long (a delayed standby,
`recovery_min_apply_delay`) still reaches a kept head, and the heads kept grow sparser
the longer it lags."""
KEY_ACTOR = "system"
"""Who the trail names for a key's registration (`audit.key`): the server itself."""


def _thinned(pending: list[tuple[int, ChainHeadRecord]]
             ) -> list[tuple[int, ChainHeadRecord]]:
    """Every other head of `pending` (oldest first), the oldest and the newest kept.

    Cutting the oldest off instead would leave a standby that lags by more than the list
    covers with no kept head at or below its replay position, ever: nothing would be
    signed again while it lags. The oldest lies just past what the standby held at the
    last try, so it is the next it reaches."""
    kept = pending[:-1:2]
    kept.append(pending[-1])
    return kept


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
        self._store = ""
        """The id of the database signed (PostgreSQL's), named in every checkpoint."""
        self.standby_wait_s = STANDBY_WAIT_S
        self.standby_problem: str | None = None
        """Why checkpoints sign less than the head (a standby behind, or its position
        hidden from this role); None when they sign the head."""
        self._pending: list[tuple[int, ChainHeadRecord]] = []
        """(WAL position, head) of heads read while a standby lagged, oldest first."""
        self.pause: Callable[[float], object] = time.sleep
        """How the standby wait sleeps; a true answer ends the wait (the worker's stop
        event: a stopping server does not wait, and signs what the standbys hold)."""

    def open(self) -> str | None:
        """Open the log and the key and pick up where the log ends.

        Returns a problem with the chain to alert about (the database no longer holds
        what the last checkpoint signed), or None. Raises AnchorError when checkpoints
        cannot be written at all.
        """
        audit = self.config.audit
        key_path = self.config.audit_key_path
        self._store = self.db.store_id() or ""
        own_key = _own_key_id(key_path)
        choice = choose_log(self.config, self._store or None, own_key,
                            kept=self._kept_lines)
        log_path = choice.path
        if choice.moved:
            log.warning("audit: %s", choice.move_hint())
        fresh_log = not log_path.exists()
        self._log = CheckpointLog(log_path)  # first, so a key never exists without a log
        try:
            lines, torn = self._log.tail()
            theirs = foreign_store(lines, self._store or None)
            if theirs is not None:  # an explicit checkpoint_log naming another's log
                raise AnchorError(foreign_log_line(log_path, theirs, self._store or None,
                                                   self.config.store_identity))
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
        if fresh_log and not self._made_key and self._signed_here_before(own_key):
            return (f"{log_path} was missing although the audit signing key exists; a new"
                    " checkpoint log begins now - IT must find out where the old one went")
        return self._continuity_problem()

    def _kept_lines(self) -> list[str]:
        """The checkpoint lines the database keeps (PostgreSQL's; none on SQLite)."""
        if not self.shared:
            return []
        with self.db.reading() as tx:
            return tx.kept_checkpoints()

    def _signed_here_before(self, own_key: str | None) -> bool:
        """Whether a log missing while the key exists is news: always on SQLite (the log
        and the file are one site's); on PostgreSQL only when the database keeps a
        checkpoint this key signed. One key may sign several databases, and a `store copy`
        target, or a database this server never signed, starts its log from nothing."""
        if not self.shared:
            return True
        for text in self._kept_lines():
            try:
                if parse_line(text).key == own_key:
                    return True
            except ValueError:
                continue
        return False

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
        self.db.make_durable()
        held = self._on_every_standby(head)
        if held is None:
            return None  # nothing beyond the last checkpoint is on every standby yet
        if held != head:  # a standby lags: its start waits for the head with it
            start, start_prev = (last.start, last.start_prev) if last is not None else (1, "")
        else:
            start, start_prev = self.start_to_sign()
        head = held
        checkpoint = sign(self._key, seq=head.seq, hash=head.hash, count=head.count,
                          at=self.clock(), prev=self._prev, start=start,
                          start_prev=start_prev, store=self._store)
        line = checkpoint.line()
        self._log.append(line)
        if self.shared:
            with self.db.writing() as tx:
                tx.keep_checkpoint(checkpoint.key, checkpoint.seq, checkpoint.at, line)
        self.last, self._prev = checkpoint, line_digest(line)
        if self._syslog is not None:
            self.syslog_problem = self._syslog.send(line)
        return checkpoint

    def _on_every_standby(self, head: ChainHeadRecord) -> ChainHeadRecord | None:
        """The newest head every standby has replayed (attached, or away but kept by a
        physical replication slot, at the position its slot holds): `head` itself on a
        store without standbys, or once they replay it within `standby_wait_s`; past
        that, the newest head read before that they all hold, or None when that is no
        newer than the last checkpoint.

        Replayed rather than flushed: a standby promoted replays what it flushed, but
        one whose replay is held (paused, a recovery target, a long query on a hot
        standby) may be promoted where it stands, and readers of a hot standby (an
        `audit verify` there) see only what it replayed. Normally replay follows
        within milliseconds."""
        state = self.db.standby_replay()
        if state is None or state.mark == 0 or (state.standbys == 0 and state.hidden == 0):
            self._pending.clear()
            self._standbys_fine()
            return head
        if state.hidden:
            # Without pg_read_all_stats the standbys' positions read as NULL: the head is
            # signed as before, and IT is told how to let the server see them.
            self._pending.clear()
            self._standby_trouble(
                f"audit checkpoints cannot see how far {state.hidden} PostgreSQL"
                " standby(s) got (GRANT pg_read_all_stats TO the store's role): a failover"
                " may lose events a checkpoint signed")
            return head
        mark = state.mark  # read after the head: every commit it saw lies before it
        self._pending.append((mark, head))
        if len(self._pending) > PENDING_HEADS:
            self._pending = _thinned(self._pending)
        deadline = time.monotonic() + self.standby_wait_s
        while state.standbys and state.replayed < mark and time.monotonic() < deadline:
            if self.pause(STANDBY_POLL_S):
                break  # the server is stopping: no waiting
            state = self.db.standby_replay()
            if state is None or state.hidden:
                break
        if state is None or state.hidden or state.standbys == 0 or state.replayed >= mark:
            self._pending.clear()
            self._standbys_fine()
            return head
        replayed = state.replayed
        held = [h for m, h in self._pending if m <= replayed]
        self._pending = [(m, h) for m, h in self._pending if m > replayed]
        last = self.last
        newest = held[-1] if held else None
        signed_seq = last.seq if last is not None else 0
        message = (
            "a PostgreSQL standby lags: audit checkpoints sign only the events every"
            " standby has replayed until it catches up (see pg_stat_replication on the"
            " primary)")
        if state.away:
            message = (
                f"{state.away} PostgreSQL standby(s) with a replication slot are not"
                " connected: audit checkpoints sign only the events the slot holds until"
                " the standby is back, or an admin drops its slot (see"
                " pg_replication_slots on the primary)")
        self._standby_trouble(
            message,
            f"; it has not replayed the events after"
            f" #{newest.seq if newest is not None else signed_seq} within"
            f" {self.standby_wait_s:g} s")
        if newest is None or newest.seq <= signed_seq:
            return None
        return newest

    def _standby_trouble(self, message: str, detail: str = "") -> None:
        """`message`: the alert, the same while the trouble lasts; logged once, with
        `detail`."""
        if self.standby_problem is None:
            log.warning("%s%s", message, detail)
        self.standby_problem = message

    def _standbys_fine(self) -> None:
        if self.standby_problem is not None:
            log.info("audit checkpoints sign the head again: every PostgreSQL standby"
                     " holds it")
        self.standby_problem = None

    def close(self) -> None:
        if self._log is not None:
            self._log.close()
            self._log = None
        if self._syslog is not None:
            self._syslog.close()
            self._syslog = None


def _own_key_id(key_path: Path) -> str | None:
    """The id of the signing key at `key_path`; None when there is none (or it cannot be
    used: opening it again says why)."""
    try:
        return key_id(load_signing_key(key_path, create=False).public_key())
    except AnchorError:
        return None


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
                self._stopped(f"audit checkpoints stopped: {exc}", stop)
                continue
            try:
                if problem is not None:
                    self._problem(CHAIN_ALERT_KEY, problem)
                self._loop(anchor, stop)
                return
            except (AnchorError, OSError) as exc:
                anchor.close()
                self._stopped(f"audit checkpoints stopped: {exc}", stop)
            finally:
                anchor.close()

    def _stopped(self, message: str, stop: threading.Event) -> None:
        """Say that checkpoints stopped, and keep saying it until the next try: the alert
        is on record for every screen and `cxinbox status` on every server, also after
        another server's start cleared the alerts (on a shared store this server holds
        the job, so no other would say it)."""
        self._problem(ALERT_KEY, message)
        retry_at = time.monotonic() + RETRY_S
        while not stop.wait(max(0.0, min(REASSERT_S, retry_at - time.monotonic()))):
            if time.monotonic() >= retry_at:
                return
            if self.health is not None:
                self.health.still(ALERT_KEY, message)

    def _loop(self, anchor: Anchor, stop: threading.Event) -> None:
        anchor.pause = stop.wait
        anchor.checkpoint(force=True)  # whatever happened while no server ran
        if self.health is not None:
            self.health.ok(ALERT_KEY)
        self._standby_state(anchor)
        self._round()
        noted = time.monotonic()
        tick = min(TICK_S, float(self.config.audit.checkpoint_seconds))
        while not stop.wait(tick):
            if anchor.due(anchor.head_seq(), anchor.clock()) or anchor.start_moved():
                anchor.checkpoint()
                self._syslog_state(anchor)
                self._standby_state(anchor)
            if time.monotonic() - noted >= ROUND_NOTE_S:
                self._round()
                noted = time.monotonic()
        anchor.checkpoint(force=True)  # the server is stopping: anchor its last events

    def _round(self) -> None:
        """Checkpoints are current (the head signed, or not due yet): said here and, on a
        shared store, where every server's `status` reads it."""
        heartbeat.note(ROUND)
        self.db.note_round(ROUND)

    def _standby_state(self, anchor: Anchor) -> None:
        if self.health is None:
            return
        if anchor.standby_problem is None:
            self.health.ok(STANDBY_ALERT_KEY)
        else:
            self.health.problem(STANDBY_ALERT_KEY, anchor.standby_problem,
                                severity="warning")

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


