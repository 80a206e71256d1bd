"""The outbox worker: sends queued replies exactly once, or tells a person it could not.

The order of commits is the whole design (DESIGN.md: "written before the network call"):

1. the reply is already in the outbox, committed, by `ReplyService.send` (state queued);
2. after the undo window the worker claims it: state sending (commit);
3. SMTP MAIL FROM / RCPT TO; then phase "data-started" (commit); then DATA;
4. state sent (commit), in the same transaction our message joins its conversation
   (the SLA sees the response) and the audit "send" event is written;
5. the copy for the IMAP Sent folder is appended afterwards and retried on its own: a
   failed append never causes a resend.

A crash between 2 and 3 leaves "sending" without the marker: the server never got the
final "." of DATA, so it discarded the transaction and sending again is safe. A crash after
the marker leaves "sending" + "data-started": the message may have gone out, so it becomes
"unconfirmed" and waits for a person (`cxinbox outbox confirm ID` if the patient got it,
`cxinbox outbox retry ID` to send it again). It is never re-sent on its own.

One worker per process; a worker leaves alone items another live process is sending.

Several servers on one database (PostgreSQL) each run a worker, and any of them may send
any item: the claim (step 2) is one statement that picks the next due item and makes it
this worker's, its row locked with SKIP LOCKED, so each worker takes an item no other
holds and none spends a transaction on items the others took. A worker sleeps until a
reply is queued somewhere (the store's outbox notification, `Store.watch_outbox`) or its
next item is due: staff actions on other servers do not wake it. A process id means nothing on
another host, so there a worker is known by a random sender token instead, held as a
lease (`Store.try_lease("outbox-sender:TOKEN")`) for as long as its process lives: an
item in "sending" whose token's lease can be taken belongs to a dead worker, and any
surviving worker settles it as above (requeued before the marker, unconfirmed after).
The marker itself is only written while the writer's claim stands, so a worker that lost
its lease and had its item settled by another never sends that item's DATA.
"""

from __future__ import annotations

import logging
import os
import secrets
import signal
import threading
import time
import weakref
from collections.abc import Callable
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, Final

from cxinbox.channels.credentials import CredentialError, resolve_password
from cxinbox.channels.imap import ImapError, ImapSession
from cxinbox.channels.oauth import Credential
from cxinbox.channels.signin import credential_for
from cxinbox.channels.smtp import (
    SmtpEndpoint,
    SmtpError,
    SmtpPermanent,
    SmtpSession,
    SmtpTemporary,
    SmtpUncertain,
)
from cxinbox.config import AccountConfig, Config
from cxinbox.contract.errors import BadRequest, StoreError
from cxinbox.domain.mime import parse_message
from cxinbox.domain.sanitize import clean_line
from cxinbox.service.logsafe import database_away, error_class, fields, log_failure
from cxinbox.service.redflags import canned_left, library_handouts, red_flag_open
from cxinbox.store import records
from cxinbox.store.interface import Store, StoreTx, SyncLease

if TYPE_CHECKING:
    from cxinbox.store.records import (
        OutboxItem,
    )

log = logging.getLogger("cxinbox.outbox")

ACTOR: Final = "outbox"
"""Actor of the events the worker writes itself (the author is in their details)."""

CRASH_ENV: Final = "CXINBOX_TEST_CRASH_AT"
"""Test hook: "before-network" or "after-data" kills the process (SIGKILL) at that point
(and "retention-batch", service/retention.py: after a purge batch commits)."""

BASE_BACKOFF_S: Final = 15.0
SENT_COPY_BACKOFF_S: Final = 60.0
SENT_COPY_MAX_BACKOFF_S: Final = 3600.0

STAFF_CHANNEL: Final = "staff"
"""Channel of mail to staff addresses (the weekly digest, service/digest.py)."""

UNCONFIRMED_HINT: Final = ("the connection ended after the message was handed to the server;"
                           " it may have been delivered. Check with the patient or the mail"
                           " server log, then `cxinbox outbox confirm ID` or `retry ID`")


def crash_point(name: str) -> None:
    """Die here, at once and without cleanup, when the crash tests ask for it."""
    if os.environ.get(CRASH_ENV) == name:
        os.kill(os.getpid(), signal.SIGKILL)


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OverflowError):
        # OverflowError: no process id at all but a shared store's sender token, whose
        # owner this process cannot judge: taken as alive, its item is never stolen.
        return True
    return True


def smtp_endpoint(account: AccountConfig, config: Config) -> SmtpEndpoint:
    if account.smtp_host is None:
        raise ValueError(f"account {account.name} has no smtp_host")
    return SmtpEndpoint(host=account.smtp_host, port=account.smtp_port, tls=account.smtp_tls,
                        verify_tls=account.smtp_verify_tls, ca_file=account.ca_file,
                        connect_timeout_s=config.sync.connect_timeout_s,
                        timeout_s=config.sync.socket_timeout_s)


def backoff_s(attempts: int, cap: float) -> float:
    """Seconds to wait after `attempts` failed tries: 15 s, 30 s, 60 s ... up to `cap`."""
    return float(min(cap, BASE_BACKOFF_S * 2 ** max(0, attempts - 1)))


PASS_ITEMS: Final = 200
"""Most items one pass of a worker on a shared store claims (then it looks again)."""
PASS_GAP_S: Final = 0.25
"""Shortest time between two passes of a worker that other servers' commits wake."""
RECOVER_EVERY_S: Final = 5.0
"""On a shared store, how often a worker looks for items a dead peer left in "sending"
(a read of those rows and a lease probe per owner): not every pass, which other servers'
queued replies make as often as every PASS_GAP_S. A dead server's item waits this much
longer, on top of the lease's own release (at once for a killed process)."""
SENDER_CHECK_S: Final = 5.0
"""How long a worker takes its own sender lease for held without asking the database again,
except right before a message's data goes out (the marker always asks)."""
NO_SUCH_TEXT_AGAIN_S: Final = 10.0
"""A text whose outcome is unknown is sent again only once the provider has said "no such
text" twice, at least this far apart: a provider lists a text it accepted a moment late,
and another server that asks meanwhile and finds it records it sent (before, the first
"no such text" requeued it, and the other server's proof was refused: sent twice)."""
DUPLICATE_TEXT_KEY: Final = "outbox:duplicate-text"
"""The health alert of a text that went to the provider twice (two provider ids)."""
SENDER_LEASE: Final = "outbox-sender:"
"""Lease name prefix of a worker's sender token (several servers on one store)."""
_TOKEN_FLOOR: Final = 1 << 40
"""Sender tokens are at least this: never mistaken for a process id."""


class ClaimLost(Exception):
    """Another worker settled the item this one was about to send: do not send it."""


class _ProcessSender:
    """Who sends, on a store one server uses: this process, by its id."""

    def __init__(self) -> None:
        self.pid = os.getpid()

    def me(self, *, fresh: bool = False) -> int:
        return self.pid

    def alive(self, owner: int) -> bool:
        return owner == self.pid or _pid_alive(owner)

    def guards_marker(self) -> bool:
        return False


class _LeasedSender:
    """Who sends, on a store several servers share: a random token whose lease this
    process holds while it lives (the database frees it when the process dies)."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self.token = 0
        self.lease: SyncLease | None = None
        self._checked = -SENDER_CHECK_S  # monotonic time the lease was last seen held

    def me(self, *, fresh: bool = False) -> int:
        """This worker's token, taken afresh if its lease was lost. The lease is asked
        after at most every SENDER_CHECK_S, and always with `fresh`."""
        if self.lease is not None and not fresh and \
                time.monotonic() - self._checked < SENDER_CHECK_S:
            return self.token
        if self.lease is not None and self.lease.held():
            self._checked = time.monotonic()
            return self.token
        if self.lease is not None:
            self.lease.release()
            log.warning("outbox sender lease lost; taking a new one")
        self.lease = None
        for _ in range(3):
            token = _TOKEN_FLOOR + secrets.randbelow((1 << 62) - _TOKEN_FLOOR)
            self.lease = self.store.try_lease(SENDER_LEASE + str(token))
            if self.lease is not None:
                self.token = token
                self._checked = time.monotonic()
                # Which server sends an item: its owner column holds this token.
                log.info("outbox sender lease taken",
                         extra=fields(worker=f"{SENDER_LEASE}{token}"))
                return token
            time.sleep(0.2)  # taken already (a collision), or the store is away
        raise ClaimLost("no sender lease: the store does not answer")

    def alive(self, owner: int) -> bool:
        if owner == self.token and self.lease is not None:
            return True
        if owner < _TOKEN_FLOOR:  # a process id, from a store copied over from SQLite
            return _pid_alive(owner)
        probe = self.store.try_lease(SENDER_LEASE + str(owner))
        if probe is None:
            return True  # its worker still holds it
        probe.release()
        return False

    def guards_marker(self) -> bool:
        return True

    def close(self) -> None:
        if self.lease is not None:
            self.lease.release()
            self.lease = None


_RUNNING: weakref.WeakSet[OutboxWorker] = weakref.WeakSet()


def wake_running() -> None:
    """Wake every worker looping in this process (a reply was queued, cancelled, retried)."""
    for worker in list(_RUNNING):
        worker.wake()


class OutboxWorker:
    """Sends due outbox items. `process_due` is one pass; `run` loops until stopped."""

    def __init__(self, store: Store, config: Config, *,
                 password_for: Callable[[AccountConfig], Credential] | None = None,
                 sms_client: Any = None, clock: Callable[[], float] = time.time,
                 session_factory: Callable[[AccountConfig], Any] | None = None,
                 copy_to_sent_folder: bool = True, shared: bool | None = None) -> None:
        """`shared`: other servers run workers on the same store (PostgreSQL); senders
        are then known by leased tokens and dead peers' items are settled every
        RECOVER_EVERY_S.
        By default it is whether the config names a PostgreSQL store: a command that
        sends from its own process (`sync`, `reply`, `report digest`) is then one of them."""
        if shared is None:
            shared = config.store.url is not None
        self.store = store
        self.session_factory = session_factory  # the demo's: replies that go nowhere
        self.copy_to_sent_folder = copy_to_sent_folder
        self.config = config
        db_path = config.db_path
        self.password_for = password_for or (lambda a: credential_for(a, db_path))
        self.sms_client = sms_client
        self.clock = clock
        self._recovered = False
        self._recovery_at = 0.0  # monotonic: a shared store's last look for dead peers' items
        self.recover_every_s = RECOVER_EVERY_S
        self._wake = threading.Event()
        self._sender: _ProcessSender | _LeasedSender = (
            _LeasedSender(store) if shared else _ProcessSender())
        self.shared = shared
        self._unrecorded: dict[int, bytes] = {}
        """Replies the mail server accepted while the database was away, by item id, with
        their message (`_record_unrecorded`)."""
        self._unsent: dict[int, tuple[int, int]] = {}
        """Replies whose send stopped before their data went out because the database went
        away at the marker (which may have committed, so the recovery may call them
        "unconfirmed"), by item id, with that claim's attempt count and due time: what a
        later claim (a retry resets both) would not have (`_requeue_unsent`)."""
        self._unrecorded_sms: dict[int, tuple[str, str, bytes]] = {}
        """Texts the SMS provider accepted while the database was away (or while the item
        was settled by another worker), by item id: the provider's id, status and answer."""
        self.no_such_text_again_s = NO_SUCH_TEXT_AGAIN_S
        self._no_such_text: dict[int, float] = {}
        """Texts the provider had no record of when first asked: monotonic time of that
        answer, by item id (`_resolve_sms`)."""

    # -- crash recovery --------------------------------------------------------------------

    def recover(self) -> list[int]:
        """Settle items a dead process left in "sending"; returns their ids."""
        settled: list[int] = []
        me = self._sender.me()
        dead: list[int] | None = None  # on a shared store: the owners found dead
        if self.shared:
            # Find dead owners from a plain read first, then lock only their rows: rows a
            # live worker is sending stay unlocked (its next update never waits on us).
            with self.store.reading() as tx:
                owners = {r.owner_pid for r in tx.outbox_in_state("sending", 1000)}
            dead = sorted(o for o in owners - {me} if o and not self._sender.alive(o))
            if not dead:
                self._recovered = True
                return settled
        with self.store.writing() as tx:
            for row in tx.stuck_outbox_items(dead):
                owner = row.owner_pid
                if owner == me and self.shared:
                    continue  # this worker's own send in progress (another thread's pass)
                if owner and owner != me and self._sender.alive(owner):
                    continue  # another live process is sending it right now
                target = _target(row)
                if row.channel == "sms":
                    settled.append(row.id)
                    self._recover_sms(tx, row)
                    continue
                if row.phase == "data-started":
                    tx.set_outbox_state(row.id, "unconfirmed", error=UNCONFIRMED_HINT)
                    tx.append_event(ACTOR, "outbox.unconfirmed", target,
                                    {"outbox": row.id, "author": row.author,
                                     "reason": "restart after data-started"})
                else:
                    tx.set_outbox_state(row.id, "queued", clear_phase=True,
                                        next_attempt_ms=int(self.clock() * 1000))
                    tx.append_event(ACTOR, "outbox.requeued", target,
                                    {"outbox": row.id, "author": row.author,
                                     "reason": "restart before the message data was sent"})
                settled.append(row.id)
        self._recovered = True
        return settled

    def _recover_sms(self, tx: StoreTx, row: OutboxItem) -> None:
        """An SMS request may have reached the provider: mark it unconfirmed with the marker
        kept; `check_unconfirmed_sms` (every pass) asks the provider before any resend."""
        target = _target(row)
        if row.phase != "data-started":
            tx.set_outbox_state(row.id, "queued", clear_phase=True,
                                next_attempt_ms=int(self.clock() * 1000))
            tx.append_event(ACTOR, "outbox.requeued", target,
                            {"outbox": row.id, "author": row.author})
            return
        tx.set_outbox_state(row.id, "unconfirmed",
                            error="cxinbox stopped while the text was being handed to the provider;"
                            " checking with the provider")
        tx.append_event(ACTOR, "outbox.unconfirmed", target,
                        {"outbox": row.id, "author": row.author, "channel": "sms"})

    # -- one pass --------------------------------------------------------------------------

    def process_due(self, now: float | None = None) -> int:
        """Send everything due at `now` (epoch seconds); returns how many were sent."""
        if not self._recovered or (
                self.shared and time.monotonic() - self._recovery_at >= self.recover_every_s):
            self._recovery_at = time.monotonic()
            self.recover()
        if self._unrecorded or self._unrecorded_sms:
            self._record_unrecorded()
        if self._unsent:
            self._requeue_unsent()
        now_ms = int((self.clock() if now is None else now) * 1000)
        try:
            # the red-flag check on every reply needs it: fetched before anything is
            # claimed, so a store that cannot give it leaves every item queued
            self.store.text_key()
        except StoreError as exc:
            log.error("outbox pass skipped, replies stay queued: %s", clean_line(str(exc)))
            return 0
        sent = 0
        sessions: dict[str, SmtpSession] = {}
        try:
            if self.shared:
                # Take the next due item in one statement, send it, take the next: each
                # worker claims only what it sends, never walks items others have.
                for _ in range(PASS_ITEMS):
                    row = self._claim(None, now_ms)
                    if row is None:
                        break
                    sent += self._send_claimed(row, now_ms, sessions)
            else:
                with self.store.reading() as tx:
                    ids = tx.outbox_due_ids(now_ms)
                for item_id in ids:
                    sent += self._send_one(item_id, now_ms, sessions)
        finally:
            for session in sessions.values():
                session.close()
        if self.config.sms.configured:
            sent += self.check_unconfirmed_sms()
        if self.copy_to_sent_folder:
            self.copy_to_sent(max(now_ms, int(self.clock() * 1000)))
        return sent

    def _send_one(self, item_id: int, now_ms: int, sessions: dict[str, SmtpSession]) -> int:
        row = self._claim(item_id, now_ms)
        return 0 if row is None else self._send_claimed(row, now_ms, sessions)

    def _claim(self, item_id: int | None, now_ms: int) -> OutboxItem | None:
        """Claim `item_id`, or (None) the next due item; the claimed row, or None when
        someone else has it (or nothing is due)."""
        with self.store.writing() as tx:
            if item_id is None:
                item_id = tx.claim_next_outbox_item(now_ms, self._sender.me())
                if item_id is None:
                    return None
            elif not tx.claim_outbox_item(item_id, now_ms, self._sender.me()):
                return None
            row = tx.outbox_item(item_id)
            assert row is not None
            tx.append_event(ACTOR, "outbox.sending", _target(row),
                            {"outbox": item_id, "author": row.author, "attempt": row.attempts})
        return row

    def _send_claimed(self, row: OutboxItem, now_ms: int,
                      sessions: dict[str, SmtpSession]) -> int:
        item_id = row.id
        if self._withheld(row):
            return 0
        crash_point("before-network")
        if row.channel == "sms":
            return self._send_sms(row, now_ms)
        try:
            account = self.config.account(row.account)
            endpoint = smtp_endpoint(account, self.config)
        except (KeyError, ValueError):
            self._fail(row, f"mailbox {row.account} has no SMTP server configured any more")
            return 0
        raw = self._raw(item_id)
        data_next = False  # the marker committed: DATA is the next thing said

        def before_data() -> None:
            nonlocal data_next
            self._mark_data_started(item_id)
            data_next = True

        try:
            session = sessions.get(account.name)
            if session is None or session.broken:
                if session is not None:
                    session.close()
                session = (self.session_factory(account) if self.session_factory else
                           SmtpSession(endpoint, account.smtp_username or account.username,
                                       self.password_for(account)))
                sessions[account.name] = session
            session.send(row.sender, row.to, raw, before_data=before_data)
        except ClaimLost:
            lost = sessions.pop(account.name, None)  # mid-transaction: no DATA follows
            if lost is not None:
                lost.close()
            log.warning("reply left to another worker", extra=fields(outbox=item_id))
            return 0
        except SmtpUncertain as exc:
            sessions.pop(account.name, None)
            self._unconfirmed(row, str(exc))
            return 0
        except SmtpPermanent as exc:
            self._fail(row, str(exc))
            return 0
        except (SmtpTemporary, SmtpError, CredentialError) as exc:
            broken = sessions.get(account.name)
            if broken is not None and broken.broken:
                sessions.pop(account.name).close()
            self._retry_later(row, clean_line(str(exc), max_len=400), now_ms)
            return 0
        except Exception as exc:  # noqa: BLE001 - a bug or a database problem mid-send: settle by phase
            stopped = sessions.pop(account.name, None)  # mid-transaction: no DATA follows
            if stopped is not None:
                stopped.close()
            if not data_next and database_away(exc):
                # Nothing went out, but the marker may have committed before the answer
                # was lost: the recovery would call it "unconfirmed" and leave it to a
                # person. Kept, and queued again from here once the database is back.
                self._unsent[item_id] = (int(row.attempts), int(row.next_attempt_ms))
                log.warning("reply not sent: the database went away before its data;"
                            " queued again once it is back", extra=fields(outbox=item_id))
                return 0
            log_failure(log, f"outbox item {item_id}: unexpected error", exc)
            self._settle_unknown(row, f"internal error: {exc.__class__.__name__}", now_ms)
            return 0
        crash_point("after-data")
        try:
            self._record_sent(row, raw)
        except Exception as exc:
            if not database_away(exc):
                raise
            # The mail server has it; the database, failing over or restarting, did not
            # take the record. Settled as "unconfirmed" when its sender lease is seen gone,
            # then recorded as sent from here (`_record_unrecorded`), not left to a person.
            self._unrecorded[item_id] = raw
            log.warning("reply sent, but the database went away before it was recorded;"
                        " recorded once it is back", extra=fields(outbox=item_id))
            return 0
        return 1

    def _record_unrecorded(self) -> None:
        """Record as sent the replies the mail server (or the SMS provider) accepted while
        the database was away. Such an item is either "unconfirmed" (the recovery's
        verdict on a send whose worker's sender lease went with the database session: a
        failover, a restart), after which nothing sends it again on its own; or still
        "sending" under this worker's own claim (the session ended but the database
        answers, and the lease stands): both are recorded now. "sending" under another
        claim waits for the recovery to settle it. In any other state it is left as it
        is: "sent" (the record did commit before the connection broke, a person
        confirmed it, or another worker found the text at the provider), or "queued" or
        sending anew (a person retried it, or the database lost the send's marker too: a
        standby promoted without the last commits under asynchronous replication, README).

        The record is taken only if the item is still in the state it was read in
        (`_record_sent`'s and `record_sms`'s `only_from`): a person's confirm or retry
        committed in between wins, and the reply is neither recorded twice nor recorded
        over a retry."""
        for item_id, raw in list(self._unrecorded.items()):
            def mail(row: OutboxItem, state: str, owner: int | None,
                     raw: bytes = raw) -> bool:
                return self._record_sent(row, raw, only_from=state, owner=owner)

            self._record_kept(item_id, self._unrecorded, "reply", mail)
        for item_id, (sid, status, answer) in list(self._unrecorded_sms.items()):
            def text(row: OutboxItem, state: str, owner: int | None,
                     kept: tuple[str, str, bytes] = (sid, status, answer)) -> bool:
                return self.record_sms(row, *kept, only_from=state, owner=owner)

            self._record_kept(item_id, self._unrecorded_sms, "text", text)

    def _requeue_unsent(self) -> None:
        """Queue again the replies whose send stopped before their data went out because
        the database went away (`_unsent`): one the recovery settled "unconfirmed" (the
        marker had committed; its worker's lease went with the database session), or one
        still "sending" under this worker's own claim. Only the same claim's item is: an
        item claimed since (its marker not yet set, or another attempt count or due time),
        sent, retried or confirmed by a person, or requeued by the recovery itself (the
        marker never committed), is left as it is, and one "sending" under another claim
        waits for the recovery."""
        for item_id, claim in list(self._unsent.items()):
            with self.store.reading() as tx:
                current = tx.outbox_item(item_id)
            if current is None or current.state not in ("unconfirmed", "sending") or \
                    current.phase != "data-started" or \
                    (int(current.attempts), int(current.next_attempt_ms)) != claim:
                del self._unsent[item_id]
                continue
            owner: int | None = None
            if current.state == "sending":
                owner = self._sender.me(fresh=True)
                if current.owner_pid != owner:
                    continue  # our lost lease's claim: the recovery settles it first
            with self.store.writing() as tx:
                if tx.hold_outbox_item(item_id, current.state, owner) and tx.set_outbox_state(
                        item_id, "queued", clear_phase=True, only_from=current.state,
                        next_attempt_ms=int(self.clock() * 1000)):
                    tx.append_event(ACTOR, "outbox.requeued", _target(current),
                                    {"outbox": item_id, "author": current.author,
                                     "reason": "the database went away before the message"
                                               " data was sent"})
            del self._unsent[item_id]
            log.info("reply not sent while the database was away queued again",
                     extra=fields(outbox=item_id))

    def _record_kept(self, item_id: int, kept: dict[int, Any], what: str,
                     record: Callable[[OutboxItem, str, int | None], bool]) -> None:
        """One kept send of `_record_unrecorded`: recorded, left for the recovery, or
        dropped (someone settled it otherwise)."""
        with self.store.reading() as tx:
            current = tx.outbox_item(item_id)
        owner: int | None = None
        if current is not None and current.state == "sending" and \
                current.phase == "data-started":
            owner = self._sender.me(fresh=True)
            if current.owner_pid != owner:
                return  # another claim (or our lost lease's): the recovery settles it
        ours = current is not None and (current.state == "unconfirmed" or owner is not None)
        # The database away again: the record raises, and the send stays kept.
        if current is not None and ours and record(current, current.state, owner):
            del kept[item_id]
            log.info("%s sent while the database was away now recorded as sent", what,
                     extra=fields(outbox=item_id))
            return
        if ours:
            with self.store.reading() as tx:  # changed since it was read: by whom, why
                current = tx.outbox_item(item_id)
        ours_sent = kept.pop(item_id)
        state = current.state if current else "gone"
        if state == "sent" and what == "text" and current is not None and \
                current.provider_id and current.provider_id != ours_sent[0]:
            self._text_twice(item_id, current.provider_id, ours_sent[0])
        elif state == "sent":
            log.info("a %s sent while the database was away is recorded as sent already",
                     what, extra=fields(outbox=item_id))
        else:
            log.warning("a %s sent while the database was away is %s there now; left as"
                        " it is", what, state, extra=fields(outbox=item_id))

    def _text_twice(self, item_id: int, recorded: str, other: str) -> None:
        """The provider took the text of `item_id` twice: `recorded` is the send on record,
        `other` one this worker knows of besides. Said in the log and on every screen
        (provider ids only, never the text), for a person to tell the patient."""
        recorded, other = clean_line(recorded, max_len=64), clean_line(other, max_len=64)
        message = (f"outbox #{item_id}: the text went to the SMS provider twice (recorded"
                   f" {recorded}, also {other}); the patient may have it twice")
        log.warning("a text went to the SMS provider twice (recorded %s, also %s)",
                    recorded, other, extra=fields(outbox=item_id))
        try:
            from cxinbox.service.health import Health

            Health(self.store, self.config).problem(DUPLICATE_TEXT_KEY, message,
                                                     severity="warning")
        except StoreError:  # the database away again: the log line stands
            log.warning("could not raise the duplicate-text alert",
                        extra=fields(outbox=item_id))

    def _withheld(self, row: OutboxItem) -> bool:
        """A reply that must not go out now that its conversation is red-flagged (a flag
        raised by a later message or by a person in the undo window, or while the mail
        server was down and the item waited for a retry): cancelled, not sent, audited.
        A patient describing an emergency gets a clinician, never the automatic answer
        nor a canned one.

        Two kinds: an acknowledgement the rules queued, and a person's reply still holding
        canned or knowledge-base text (what `ReplyService.send` would refuse now; its
        draft is given back to its author)."""
        conv = row.conversation_id
        if conv is None:
            return False
        if row.author.startswith("rule:"):
            def due(tx: StoreTx) -> bool:
                return tx.is_acknowledgement(conv, row.id) and red_flag_open(tx, conv)
            return self._cancel_withheld(row, due, give_back=False,
                                         what="acknowledgement withheld: red flag")
        body = str(row.snapshot.get("body") or "")
        if not body:
            return False
        key = self.store.text_key()

        def holds(tx: StoreTx) -> bool:
            return canned_left(tx, key, conv, body, outbox_id=row.id,
                               library=lambda: library_handouts(self.config, key)) is not None
        return self._cancel_withheld(row, holds, give_back=True,
                                     what="reply withheld: canned text on a red flag")

    def _cancel_withheld(self, row: OutboxItem, due: Callable[[StoreTx], bool], *,
                         give_back: bool, what: str) -> bool:
        """Cancel `row` when `due` holds: asked first in a read (the common answer is
        no, and costs no write lock), then again inside the write that cancels it. With
        `give_back` its draft returns to its author (else its files are released)."""
        with self.store.reading() as tx:
            if not due(tx):
                return False
        from cxinbox.service.replies import restore_draft

        with self.store.writing() as tx:
            if not due(tx):
                return False
            tx.set_outbox_state(row.id, "cancelled", clear_phase=True)
            restored = restore_draft(tx, row, self.store.now_ms()) if give_back else None
            if restored is None:
                tx.release_outbox_files(row.id)
            tx.append_event(ACTOR, "outbox.cancelled", _target(row),
                            {"outbox": row.id, "author": row.author, "draft": restored,
                             "reason": "red flag"})
        log.info(what, extra=fields(outbox=row.id))
        return True

    def _raw(self, item_id: int) -> bytes:
        with self.store.reading() as tx:
            return tx.outbox_raw(item_id)

    def _mark_data_started(self, item_id: int) -> None:
        """The marker before the data goes out; raises ClaimLost (shared stores) when
        this worker's claim no longer stands."""
        owner = self._sender.me(fresh=True) if self._sender.guards_marker() else None
        with self.store.writing() as tx:
            if not tx.set_outbox_phase(item_id, "data-started", owner) and owner is not None:
                raise ClaimLost(str(item_id))

    def record_confirmed(self, row: OutboxItem, actor: str) -> None:
        """A person confirmed an unconfirmed item reached the patient: record it as sent.

        A text is recorded under the provider's own message id: asked for now if it is not
        known yet. When the provider cannot say (unreachable, or it lists the text late) the
        text is kept under a local placeholder (`local-N`, never sent to the provider) that
        SMS sync replaces with the real id when the provider lists the text: a made-up id
        must neither break polling nor let the real text arrive as a second copy.
        """
        if row.channel == "sms":
            found = self._ask_provider(row) if not row.provider_id else None
            if row.provider_id:
                recorded = self.record_sms(row, row.provider_id, "sent", b"", actor=actor,
                                           only_from="unconfirmed")
            elif found is not None:
                recorded = self.record_sms(row, found.sid, found.status, found.raw,
                                           actor=actor, only_from="unconfirmed")
            else:
                from cxinbox.domain.sms import placeholder_sid

                recorded = self.record_sms(row, placeholder_sid(row.id), "delivered", b"",
                                           actor=actor, only_from="unconfirmed")
        else:
            recorded = self._record_sent(row, self._raw(row.id), actor=actor,
                                         only_from="unconfirmed")
        if not recorded:
            raise BadRequest(f"outbox item {row.id} is no longer unconfirmed (recorded as"
                             " sent or retried meanwhile); nothing was recorded")

    def _ask_provider(self, row: OutboxItem) -> Any:
        """The provider's record of this outbox text, or None when it has none or cannot
        be asked right now."""
        from cxinbox.channels.sms import SmsError

        if not self.config.sms.configured:
            return None
        to = row.to[0]
        with self.store.reading() as tx:
            exclude = tx.outbox_provider_ids(row.sender, to)
        try:
            return self._sms().find_sent(
                row.sender, to, row.body, _utc(row.created_ms / 1000),
                exclude=exclude,
                messaging_service_sid=self.config.sms.service_for(row.sender) or None)
        except (SmsError, CredentialError) as exc:
            log.warning("could not ask the SMS provider about a reply",
                        extra=fields(outbox=row.id, error=error_class(exc)))
            return None

    def _record_sent(self, row: OutboxItem, raw: bytes, actor: str = ACTOR, *,
                     only_from: str | None = None, owner: int | None = None) -> bool:
        """sent + our message in its conversation + the audit "send", in one transaction.

        `only_from`: only if the item is still in that state (claimed by `owner`, if
        given), its row held from that check to the commit; False, and nothing written,
        when it is not."""
        if row.channel == STAFF_CHANNEL:
            return self._record_staff_sent(row, actor, only_from=only_from, owner=owner)
        item_id = row.id
        account = self._account_or_none(row.account)
        own = frozenset({a for a in ((account.address.lower(),) if account else ()) if a}
                        | {row.sender.lower()})
        parsed = parse_message(raw)
        now = self.clock()
        with self.store.writing() as tx:
            if only_from is not None and not tx.hold_outbox_item(item_id, only_from, owner):
                return False
            msg_pk, conv = tx.record_outbound_email(
                item_id=item_id, account=row.account,
                conversation_id=row.conversation_id, raw=raw, parsed=parsed,
                own_addresses=own, now_s=int(now),
                counts_as_response=_counts_as_response(tx, row))
            tx.mark_outbox_sent(item_id, int(now * 1000), message_pk=msg_pk,
                                sent_copy="pending")
            target = f"conversation:{conv}"
            tx.append_event(actor, "outbox.sent", target,
                            {"outbox": item_id, "author": row.author, "message": msg_pk})
            tx.append_event(row.author, "send", target,
                            {"outbox": item_id, "channel": "email", "to": row.to,
                             "message_id": row.message_id})
        log.info("reply sent", extra=fields(outbox=item_id, channel="email",
                                            account=row.account, conversation=conv))
        return True

    def _record_staff_sent(self, row: OutboxItem, actor: str, *, only_from: str | None = None,
                           owner: int | None = None) -> bool:
        """Mail to staff (the digest) is only marked sent: it joins no conversation (no
        SLA clock, no report counts it) and gets no Sent-folder copy, which sync would
        bring back as a conversation. No "send" event: nobody answered a patient."""
        now = self.clock()
        with self.store.writing() as tx:
            if only_from is not None and not tx.hold_outbox_item(row.id, only_from, owner):
                return False
            tx.mark_outbox_sent(row.id, int(now * 1000))
            tx.append_event(actor, "outbox.sent", _target(row),
                            {"outbox": row.id, "author": row.author,
                             "channel": STAFF_CHANNEL})
        log.info("staff mail sent", extra=fields(outbox=row.id, channel=STAFF_CHANNEL,
                                                 account=row.account))
        return True

    def _account_or_none(self, name: str) -> AccountConfig | None:
        try:
            return self.config.account(name)
        except KeyError:
            return None

    # -- failures --------------------------------------------------------------------------

    def _fail(self, row: OutboxItem, reason: str) -> None:
        log.warning("reply failed", extra=fields(outbox=row.id, channel=row.channel,
                                                 account=row.account, attempts=int(row.attempts)))
        with self.store.writing() as tx:
            tx.set_outbox_state(row.id, "failed", error=clean_line(reason, max_len=400),
                                clear_phase=True)
            tx.append_event(ACTOR, "outbox.failed", _target(row),
                            {"outbox": row.id, "author": row.author,
                             "reason": clean_line(reason, max_len=400)})

    def _unconfirmed(self, row: OutboxItem, reason: str, *,
                     only_from: str | None = None, owner: int | None = None) -> None:
        """`only_from`: only an item still in that state (a person's confirm or retry,
        committed since it was read, stands), and with `owner` still claimed by that
        worker (another worker's newer claim stands)."""
        with self.store.writing() as tx:
            if only_from is not None and not tx.hold_outbox_item(row.id, only_from, owner):
                return
            if not tx.set_outbox_state(row.id, "unconfirmed", only_from=only_from,
                                       error=clean_line(f"{reason}; {UNCONFIRMED_HINT}",
                                                        max_len=400)):
                return
            tx.append_event(ACTOR, "outbox.unconfirmed", _target(row),
                            {"outbox": row.id, "author": row.author,
                             "reason": clean_line(reason, max_len=400)})

    def _retry_later(self, row: OutboxItem, reason: str, now_ms: int, at_least_s: float = 0.0) -> None:
        attempts = int(row.attempts)  # already counts this attempt
        if attempts >= self.config.outbox.max_attempts:
            self._fail(row, f"gave up after {attempts} attempts: {reason}")
            return
        delay = max(at_least_s, backoff_s(attempts, float(self.config.outbox.max_backoff_seconds)))
        log.info("reply retry scheduled", extra=fields(outbox=row.id, channel=row.channel,
                                                       account=row.account,
                                                       attempt=attempts, wait_s=delay))
        with self.store.writing() as tx:
            tx.set_outbox_state(row.id, "queued", error=reason, clear_phase=True,
                                next_attempt_ms=now_ms + int(delay * 1000))
            tx.append_event(ACTOR, "outbox.retry_scheduled", _target(row),
                            {"outbox": row.id, "author": row.author, "attempt": attempts,
                             "in_s": delay, "reason": reason})

    def _settle_unknown(self, row: OutboxItem, reason: str, now_ms: int) -> None:
        with self.store.reading() as tx:
            fresh = tx.outbox_item(row.id)
        if fresh is not None and fresh.phase == "data-started":
            self._unconfirmed(row, reason)
        else:
            self._retry_later(row, reason, now_ms)

    # -- SMS -------------------------------------------------------------------------------
    #
    # The provider call is one HTTPS request: "data-started" is committed right before it.
    # When its outcome is unknown (a timeout after sending, a dropped connection, a crash)
    # the provider is asked with `find_sent` whether it holds our text; only a clear "no"
    # sends it again, so a text is never sent twice and never lost.

    def _sms(self) -> Any:
        if self.sms_client is None:
            from cxinbox.channels.sms import SmsClient

            self.sms_client = SmsClient(self.config.sms,
                                        resolve_password(self.config.sms.name,
                                                         self.config.sms.credentials))
        return self.sms_client

    def _send_sms(self, row: OutboxItem, now_ms: int) -> int:
        from cxinbox.channels.sms import (
            SmsAuthError,
            SmsError,
            SmsRateLimited,
            SmsRejected,
            SmsServerError,
        )
        to = row.to[0]
        with self.store.reading() as tx:
            opted_out = tx.is_opted_out(to)
        if opted_out:
            self._fail(row, f"{to} has opted out of texts (STOP); not sent")
            return 0
        sms = self.config.sms
        try:
            client = self._sms()
            media_urls = self._publish_media(row)
            try:
                self._mark_data_started(row.id)
            except ClaimLost:
                log.warning("text left to another worker", extra=fields(outbox=row.id))
                return 0
            result = client.send(row.sender, to, row.body,
                                 messaging_service_sid=sms.service_for(row.sender),
                                 status_callback=sms.status_callback, media_urls=media_urls)
        except OSError as exc:
            self._retry_later(row, clean_line(f"cannot publish the attached file for the "
                                              f"provider: {exc.strerror or exc}", max_len=400),
                              now_ms)
            return 0
        except SmsRejected as exc:
            self._fail(row, str(exc))
            return 0
        except SmsRateLimited as exc:  # no Retry-After: the outbox's own backoff applies
            self._retry_later(row, str(exc), now_ms, at_least_s=exc.retry_after or 0.0)
            return 0
        except SmsServerError as exc:
            if exc.maybe_sent:
                return self._resolve_sms(row, str(exc))
            self._retry_later(row, str(exc), now_ms)
            return 0
        except (SmsAuthError, SmsError, CredentialError) as exc:
            self._retry_later(row, clean_line(str(exc), max_len=400), now_ms)
            return 0
        crash_point("after-data")
        kept = (result.sid, result.status, result.message.raw)
        try:
            recorded = self.record_sms(row, *kept, only_from="sending",
                                       owner=row.owner_pid)  # as claimed
        except Exception as exc:
            if not database_away(exc):
                raise
            # The provider has it; the database, failing over or restarting, did not take
            # the record: kept, and recorded once it is back (`_record_unrecorded`), under
            # the provider's id, instead of asking the provider for it again.
            self._unrecorded_sms[row.id] = kept
            log.warning("text sent, but the database went away before it was recorded;"
                        " recorded once it is back", extra=fields(outbox=row.id))
            return 0
        if not recorded:
            # Settled meanwhile by another worker that took this one for dead (its lease
            # lapsed): recorded if it is still unconfirmed on the next pass.
            self._unrecorded_sms[row.id] = kept
            log.warning("text sent after another worker settled it; recorded on the next"
                        " pass if nobody has", extra=fields(outbox=row.id))
            return 0
        return 1

    def _publish_media(self, row: OutboxItem) -> list[str]:
        """Write a text's attached files where the clinic's web server serves them
        ([sms] media_dir, under a random unguessable folder) and return their public
        addresses for the provider to fetch. Nothing to do for a text without files."""
        import secrets
        from pathlib import Path
        from urllib.parse import quote

        with self.store.reading() as tx:
            files = tx.outbox_files(row.id)
        sms = self.config.sms
        if not files:
            return []
        if not sms.can_send_media or sms.media_dir is None:
            raise OSError("MMS sending is not configured ([sms] media_dir, media_base_url)")
        folder = Path(sms.media_dir) / secrets.token_urlsafe(24)
        folder.mkdir(mode=0o755, parents=True)
        urls = []
        for name, data in files:
            safe = Path(name).name or "attachment"
            (folder / safe).write_bytes(data)
            urls.append(f"{sms.media_base_url.rstrip('/')}/{folder.name}/{quote(safe)}")
        return urls

    def _resolve_sms(self, row: OutboxItem, reason: str) -> int:
        """Ask the provider whether our text went out; sent, requeued or left unconfirmed."""
        from cxinbox.channels.sms import SmsError

        to = row.to[0]
        since = _utc(row.created_ms / 1000)
        # Each write below only if the item is as it was read: a person may have confirmed
        # it (the provider listing it late: requeued now, the patient would get it twice)
        # or retried it while the provider was asked; a text read "sending" only while
        # still this worker's claim (another worker's recovery may have settled it and a
        # new claim taken it: requeued under that claim, it would go out twice).
        owner = row.owner_pid if row.state == "sending" else None  # as claimed
        with self.store.reading() as tx:
            exclude = tx.outbox_provider_ids(row.sender, to)
        try:
            found = self._sms().find_sent(
                row.sender, to, row.body, since, exclude=exclude,
                messaging_service_sid=self.config.sms.service_for(row.sender) or None)
        except (SmsError, CredentialError) as exc:
            self._unconfirmed(row, f"{reason}; could not ask the provider: {exc}",
                              only_from=row.state, owner=owner)
            return 0
        if found is not None:
            self._no_such_text.pop(row.id, None)
            if self.record_sms(row, found.sid, found.status, found.raw, only_from=row.state,
                               owner=owner):
                return 1
            with self.store.reading() as tx:
                now = tx.outbox_item(row.id)
            if now is not None and now.provider_id and now.provider_id != found.sid:
                self._text_twice(row.id, now.provider_id, found.sid)
            elif now is not None and now.state in ("queued", "sending"):
                # Requeued while this worker asked (a person's retry, or a worker that
                # heard "no such text" twice): it stands, but may go out again.
                log.warning("a text found at the provider was requeued meanwhile; it may"
                            " go out again", extra=fields(outbox=row.id, state=now.state))
            else:
                log.info("a text found at the provider was settled meanwhile; left as it"
                         " is", extra=fields(outbox=row.id))
            return 0
        first = self._no_such_text.get(row.id)
        if first is None or time.monotonic() - first < self.no_such_text_again_s:
            # Asked again on a later pass: the provider may list it late, and another
            # server may find it meanwhile.
            if first is None:
                self._no_such_text[row.id] = time.monotonic()
            if row.state == "sending":
                self._unconfirmed(row, f"{reason}; the provider has no such text yet, asking"
                                  " again", only_from=row.state, owner=owner)
            return 0
        del self._no_such_text[row.id]
        with self.store.writing() as tx:
            held = tx.hold_outbox_item(row.id, row.state, owner)
            if not held or not tx.set_outbox_state(
                    row.id, "queued", clear_phase=True,
                    error=clean_line(f"{reason}; the provider has no such text, sending"
                                     " again", max_len=400),
                    next_attempt_ms=int(self.clock() * 1000), only_from=row.state):
                log.info("a text the provider has no record of was settled meanwhile; left"
                         " as it is", extra=fields(outbox=row.id))
                return 0
            tx.append_event(ACTOR, "outbox.requeued", _target(row),
                            {"outbox": row.id, "author": row.author,
                             "reason": "provider has no record of the text"})
        return 0

    def check_unconfirmed_sms(self) -> int:
        """Unconfirmed texts are settled by asking the provider (each pass)."""
        with self.store.reading() as tx:
            rows = [r for r in tx.outbox_in_state("unconfirmed", 200)
                    if r.channel == "sms" and r.phase == "data-started"]
        asking = {r.id for r in rows}
        for gone in [i for i in self._no_such_text if i not in asking]:
            del self._no_such_text[gone]  # settled otherwise
        return sum(self._resolve_sms(r, "outcome unknown") for r in rows)

    def record_sms(self, row: OutboxItem, sid: str, status: str, raw: bytes,
                   actor: str = ACTOR, *, only_from: str | None = None,
                   owner: int | None = None) -> bool:
        """sent + the text in its conversation + the audit "send", in one transaction.

        `only_from`: only if the item is still in that state (claimed by `owner`, if
        given), its row held from that check to the commit; False, and nothing written,
        when it is not (as `_record_sent`)."""
        to = row.to[0]
        now = self.clock()
        rec = records.SmsRecord(provider_id=sid, clinic_number=row.sender, patient_number=to,
                        direction="out", body=row.body, at=int(now), raw=raw,
                        status=status or "queued")
        with self.store.writing() as tx:
            if only_from is not None and not tx.hold_outbox_item(row.id, only_from, owner):
                return False
            stored = tx.record_outbound_sms(rec,
                                            counts_as_response=_counts_as_response(tx, row))
            message_pk = stored.message_pk if stored is not None else tx.message_of_sms_id(sid)
            tx.mark_outbox_sent(row.id, int(now * 1000), provider_id=sid,
                                message_pk=message_pk)
            conv = stored.conversation_id if stored is not None else row.conversation_id
            target = f"conversation:{conv}" if conv is not None else _target(row)
            tx.append_event(actor, "outbox.sent", target,
                            {"outbox": row.id, "author": row.author, "sid": sid})
            tx.append_event(row.author, "send", target,
                            {"outbox": row.id, "channel": "sms", "to": [to], "sid": sid})
        return True

    # -- the Sent folder -------------------------------------------------------------------

    def copy_to_sent(self, now_ms: int | None = None) -> int:
        """Append sent mail to each mailbox's Sent folder; failures wait and retry.

        Before a second try the folder is searched for our Message-ID, so a crash between
        APPEND and its commit does not leave two copies. Each try is claimed first
        (`claim_sent_copy`): of several servers' workers one makes it.
        """
        now_ms = int(self.clock() * 1000) if now_ms is None else now_ms
        with self.store.reading() as tx:
            due = tx.sent_copy_due(now_ms)
        if self.shared and due:  # take this round's tries first: no IMAP login for
            due = self._claim_copies(due, now_ms)  # copies another server is making
        done = 0
        by_account: dict[str, list[OutboxItem]] = {}
        for row in due:
            by_account.setdefault(row.account, []).append(row)
        for name, rows in by_account.items():
            account = self._account_or_none(name)
            if account is None:
                continue
            done += self._copy_account(account, rows, now_ms, claimed=self.shared)
        return done

    def _claim_copies(self, rows: list[OutboxItem], now_ms: int) -> list[OutboxItem]:
        with self.store.writing() as tx:
            return [row for row in rows
                    if tx.claim_sent_copy(row.id, now_ms, now_ms + self._copy_backoff_ms(row))]

    def _copy_account(self, account: AccountConfig, rows: list[OutboxItem], now_ms: int,
                      *, claimed: bool = False) -> int:
        """`claimed`: the rows' tries are this worker's already (`_claim_copies`)."""
        from cxinbox.service.sync import endpoint_for

        done = 0
        counted = {row.id for row in rows} if claimed else set()  # tries already counted
        session: ImapSession | None = None
        try:
            session = ImapSession(endpoint_for(account, self.config), account.username,
                                  self.password_for(account))
            files_itself = account.append_sent == "never" or (
                account.append_sent == "auto" and "X-GM-EXT-1" in session.capabilities)
            folder = session.find_sent_folder(account.sent_folder, create=not files_itself) \
                if not files_itself else (account.sent_folder or "")
            for row in rows:
                if files_itself:
                    # Gmail's SMTP files the sent copy itself; an APPEND would double it.
                    with self.store.writing() as tx:
                        if not claimed and not tx.claim_sent_copy(row.id, now_ms, now_ms):
                            continue  # another server's worker has it
                        tx.set_sent_copy(row.id, "done", count_try=False)
                        tx.append_event(ACTOR, "outbox.sent_copy", _target(row),
                                        {"outbox": row.id, "folder": "",
                                         "filed_by": "provider" if account.append_sent == "auto"
                                         else "nobody (append_sent = never)"})
                    done += 1
                    continue
                first_try = row.sent_copy_attempts == 0
                if not claimed:
                    with self.store.writing() as tx:  # count the try before it can happen
                        if not tx.claim_sent_copy(row.id, now_ms,
                                                  now_ms + self._copy_backoff_ms(row)):
                            continue  # another server's worker took this try
                    counted.add(row.id)
                if first_try or not session.has_message_id(folder, row.message_id or ""):
                    session.append_sent(folder, self._raw(row.id))
                with self.store.writing() as tx:
                    tx.set_sent_copy(row.id, "done", count_try=False)
                    tx.append_event(ACTOR, "outbox.sent_copy", _target(row),
                                    {"outbox": row.id, "folder": clean_line(folder)})
                done += 1
        except (ImapError, CredentialError) as exc:
            reason = clean_line(str(exc), max_len=300)
            log.warning("copy to Sent failed", extra=fields(account=account.name,
                                                            error=error_class(exc)))
            with self.store.writing() as tx:
                for row in rows:
                    fresh = tx.outbox_item(row.id)
                    if fresh is None or fresh.sent_copy != "pending":
                        continue
                    if row.id in counted:  # its claim set the next try: keep it
                        tx.set_sent_copy(row.id, "pending", error=reason,
                                         next_ms=fresh.sent_copy_next_ms, count_try=False)
                    else:  # failed before its try was counted (the login): count it now
                        tx.set_sent_copy(row.id, "pending", error=reason,
                                         next_ms=now_ms + self._copy_backoff_ms(fresh))
        finally:
            if session is not None:
                session.close()
        return done

    @staticmethod
    def _copy_backoff_ms(row: OutboxItem) -> int:
        tries = int(row.sent_copy_attempts)
        return int(min(SENT_COPY_MAX_BACKOFF_S, SENT_COPY_BACKOFF_S * 2 ** tries) * 1000)

    # -- the loop --------------------------------------------------------------------------

    def wake(self) -> None:
        """Look at the outbox now (a reply was queued, cancelled or retried)."""
        self._wake.set()

    def run(self, stop: threading.Event, *, max_wait_s: float = 5.0) -> None:
        """Process due items until `stop` is set; sleeps until the next one is due."""
        _RUNNING.add(self)
        # Other servers queue and retry replies too: a reply queued anywhere wakes this
        # worker (a LISTEN on the outbox's own channel where the store has one), at most
        # every PASS_GAP_S; staff actions and sends do not.
        watch = self.store.watch_outbox(self.wake) if self.shared else None
        try:
            self._loop(stop, max_wait_s)
        finally:
            if watch is not None:
                watch.close()
            if isinstance(self._sender, _LeasedSender):
                self._sender.close()

    def _loop(self, stop: threading.Event, max_wait_s: float) -> None:
        while not stop.is_set():
            if self.shared:  # woken by other servers' queued replies: not more often
                stop.wait(PASS_GAP_S)
            try:
                self.process_due()
            except Exception as exc:  # noqa: BLE001 - logged safely; the next pass retries
                log_failure(log, "outbox pass failed", exc)
            with self.store.reading() as tx:
                next_ms = tx.outbox_next_due_ms()
            wait = max_wait_s
            if next_ms is not None:
                wait = min(max_wait_s, max(0.02, next_ms / 1000 - self.clock()))
            deadline = time.monotonic() + wait
            while not stop.is_set() and not self._wake.is_set():
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    break
                self._wake.wait(min(0.2, remaining))
            self._wake.clear()


def store_recipients(row: OutboxItem) -> list[str]:
    return row.to


def _utc(epoch: float) -> datetime:
    return datetime.fromtimestamp(epoch, UTC)


def _target(row: OutboxItem) -> str:
    conv = row.conversation_id
    return f"conversation:{conv}" if conv is not None else f"outbox:{row.id}"


def _counts_as_response(tx: StoreTx, row: OutboxItem) -> bool:
    """Whether sending `row` answers the patient (stops the SLA clock, counts in the
    reports): every reply a person wrote does; the rules' acknowledgement, which the
    acknowledgement ledger names by its outbox id, does not."""
    return row.conversation_id is None or not tx.is_acknowledgement(row.conversation_id,
                                                                      row.id)
