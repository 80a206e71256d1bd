"""Mail sync: server state -> local cache, safely.

Rules this file keeps (see DESIGN.md, FACTS.md):
- each fetched batch commits together with the folder watermark (crash-safe, replay-safe);
- a UIDVALIDITY change, or UIDNEXT/HIGHESTMODSEQ going backwards under the same
  UIDVALIDITY, means the server's UIDs lost their meaning: locations are dropped and
  messages re-linked by their bytes and Message-ID; staff state lives on conversations;
- a mass disappearance quarantines the folder instead of deleting anything;
- \\Seen is never taken as "already imported".

MIME parsing runs in a process pool for large fetches: fetching is CPU-bound in the IMAP
response parser, so parsing wants the other core rather than another thread.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from collections import deque
from collections.abc import Callable, Iterator
from concurrent.futures import CancelledError, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Protocol

from cxinbox.channels.credentials import CredentialError
from cxinbox.channels.imap import (
    Endpoint,
    FetchedRaw,
    ImapAuthError,
    ImapError,
    ImapNoFolder,
    ImapSession,
    SelectInfo,
)
from cxinbox.channels.oauth import Credential, OAuthError
from cxinbox.config import AccountConfig, Config
from cxinbox.contract.errors import LeaseLost
from cxinbox.domain.models import ParsedMessage
from cxinbox.domain.searchvector import WordMap
from cxinbox.service import redflags, signals
from cxinbox.service.fetchahead import Ahead, IdleFeeder, Parsing
from cxinbox.service.liveness import join_all
from cxinbox.service.logsafe import fields, log_failure
from cxinbox.service.parsepool import (
    READY_TASKS,
    FramedResults,
    PoolContext,
    mark_worker,
    parse_and_assess,
    prepare_step,
)
from cxinbox.store.fence import current_fence, fenced
from cxinbox.store.interface import Store, SyncLease
from cxinbox.store.records import FetchedMessage, FolderState

if TYPE_CHECKING:  # the rules engine only when a rule is enabled (wiring.rules_engine)
    from cxinbox.domain.triage import Assessment
    from cxinbox.service.health import Health
    from cxinbox.service.rules import RuleEngine

log = logging.getLogger("cxinbox.sync")

_POOL_THRESHOLD = 300  # fewer new messages than this are parsed in-process
_BATCH_BYTES = 32 * 1024 * 1024
_CHECKPOINT_BYTES = 64 * 1024 * 1024
# A folder that keeps changing while it syncs gets this many syncs in a row before IDLE.
_RESYNC_ROUNDS = 5
# The first IDLE after a change is renewed after this long: a Maildir delivery that
# landed between the last NOOP and IDLE is announced by neither (see idle_wait).
_SETTLE_IDLE_S = 10.0
SECRET_WARN_DAYS = 30
_FAILURES_BEFORE_ALERT = 3  # connection failures in a row before the desk is told
# A folder another server syncs is tried again this often (a dead holder's lease frees
# when its database session ends; the takeover must come within 30 s of that).
_LEASE_RETRY_S = 5.0


def lease_name(account: str, folder: str) -> str:
    """What a folder's sync lease is called in the store."""
    return f"mail:{account}/{folder}"


class SyncReporter(Protocol):
    def folder_started(self, account: str, folder: str, new: int) -> None: ...
    def advanced(self, count: int) -> None: ...
    def warn(self, message: str) -> None: ...


class _SilentReporter:
    def folder_started(self, account: str, folder: str, new: int) -> None:
        pass

    def advanced(self, count: int) -> None:
        pass

    def warn(self, message: str) -> None:
        log.warning("%s", message)


@dataclass(slots=True)
class FolderResult:
    account: str
    folder: str
    new: int = 0
    flag_changes: int = 0
    removed: int = 0
    identity_reset: bool = False
    quarantine: str | None = None
    conversations: set[int] = field(default_factory=set)


def endpoint_for(account: AccountConfig, config: Config) -> Endpoint:
    return Endpoint(host=account.host, port=account.port, tls=account.tls,
                    verify_tls=account.verify_tls, ca_file=account.ca_file,
                    connect_timeout_s=config.sync.connect_timeout_s,
                    socket_timeout_s=config.sync.socket_timeout_s,
                    max_connections=account.max_connections)


def signin_problem(account: AccountConfig, exc: CredentialError) -> str:
    """The status-line text for an account that cannot sign in: who must do what."""
    detail = str(exc).removeprefix(f'account "{account.name}": ')
    cfg = account.oauth2
    if cfg is None:
        return f"{account.name}: mail password unavailable - IT: cxinbox doctor ({detail})"
    who = {"microsoft": "Microsoft", "google": "Google"}.get(cfg.provider, "OAuth2")
    # The action comes first: on an 80-column status line the detail is what gets cut.
    if cfg.interactive:
        return (f"{account.name}: {who} sign-in expired - IT: cxinbox auth login "
                f"{account.name} ({detail})")
    return f"{account.name}: {who} sign-in failed - IT: cxinbox doctor ({detail})"


class MailSync:
    """Synchronises the configured IMAP folders into the store."""

    def __init__(self, db: Store, config: Config,
                 password_for: Callable[[AccountConfig], Credential],
                 reporter: SyncReporter | None = None, *,
                 health: Health | None = None,
                 force_token: Callable[[AccountConfig], Credential] | None = None,
                 rules: RuleEngine | None = None) -> None:
        self.db = db
        self.config = config
        self.rules = rules
        self.password_for = password_for
        self.force_token = force_token
        self.reporter: SyncReporter = reporter or _SilentReporter()
        self.health = health
        self._sent_folders: dict[str, str | None] = {}
        self._secret_checked: dict[str, float] = {}
        self._pool: ProcessPoolExecutor | None = None
        self._pool_lock = threading.Lock()
        self._feeders: set[IdleFeeder] = set()  # the bulk syncs' under way (`close`)
        self._indexer = _Indexer(db)

    # -- lifecycle -------------------------------------------------------------------------


    def _clinic_hhmm(self) -> str:
        """Now as HH:MM on the clinic's clock (the health line staff read), not the host's."""
        return datetime.now(self.config.clinic.tzinfo).strftime("%H:%M")

    def open_session(self, account: AccountConfig) -> ImapSession:
        """A logged-in session. A token the server refuses is renewed once and tried again
        (it may have been revoked and reissued, or the clock may be off)."""
        endpoint = endpoint_for(account, self.config)
        credential = self.password_for(account)
        try:
            return ImapSession(endpoint, account.username, credential)
        except ImapAuthError:
            if account.auth != "oauth2" or self.force_token is None:
                raise
            return ImapSession(endpoint, account.username, self.force_token(account))

    def folders_for(self, account: AccountConfig, session: ImapSession | None = None
                    ) -> list[tuple[str, bool]]:
        """(folder, is the Sent folder) for every folder to follow: the configured ones and,
        for an account that can send, its Sent folder, so replies staff send from Outlook
        or Gmail join their conversations as the clinic's answer."""
        folders = [(f, False) for f in account.folders]
        sent = self._sent_folder(account, session)
        if sent is not None:
            folders = [(f, f == sent) for f, _ in folders]
            if sent not in account.folders:
                folders.append((sent, True))
        return folders

    def _sent_folder(self, account: AccountConfig, session: ImapSession | None) -> str | None:
        if not account.follow_sent or not account.smtp_host:
            return account.sent_folder if account.sent_folder in account.folders else None
        if account.name in self._sent_folders:
            return self._sent_folders[account.name]
        if account.sent_folder:
            self._sent_folders[account.name] = account.sent_folder
            return account.sent_folder
        own = session is None
        try:
            if session is None:
                session = self.open_session(account)
            found: str | None = session.find_sent_folder(None, create=False)
        except ImapError as exc:
            self.reporter.warn(f"{account.name}: cannot look up the Sent folder ({exc});"
                               " following the configured folders only for now")
            return None
        except LookupError:
            found = None
        finally:
            if own and session is not None:
                session.close()
        self._sent_folders[account.name] = found
        return found

    def wait_for_search_index(self) -> None:
        """Return once the messages the syncs stored are all in the full-text index (on
        PostgreSQL a pass beside a bulk sync and after it makes it, see `_Indexer`; a
        search finds them before as after)."""
        self._indexer.wait()

    def close(self) -> None:
        """Stop the indexer and shut the parse pool down (a later pass makes a new one).

        The pool's shutdown runs its futures' callbacks (a batch done, a task cancelled) on
        its manager thread, and joins that thread: the fetch-ahead feeders are closed first,
        so no callback asks for the pool again, and the pool is taken out under the lock
        but shut down outside it (`_get_pool` takes that lock)."""
        self._indexer.stop()
        self._shut_pool()

    def _shut_pool(self) -> None:
        with self._pool_lock:
            feeders = list(self._feeders)
        for feeder in feeders:
            feeder.close()
        with self._pool_lock:
            pool, self._pool = self._pool, None
        if pool is not None:
            results = pool._result_queue
            pool.shutdown(wait=True, cancel_futures=True)
            if isinstance(results, FramedResults):
                results.forget()  # a dead worker's unfinished result

    def _drop_broken_pool(self) -> None:
        """After a worker's death: shut the pool down if it is the broken one. The other
        batches and tasks handed to a broken (or shut) pool fail too, and must not take
        down the new pool, with the batches it parses."""
        with self._pool_lock:
            if self._pool is None or not self._pool._broken:
                return
        self._shut_pool()

    def _workers(self) -> int:
        configured = self.config.sync.parse_workers
        return configured if configured > 0 else max(1, (os.cpu_count() or 2) - 1)

    def _get_pool(self) -> ProcessPoolExecutor:
        with self._pool_lock:
            if self._pool is None:
                self._pool = ProcessPoolExecutor(max_workers=self._workers(),
                                                 mp_context=PoolContext(),
                                                 initializer=mark_worker)
            return self._pool

    # -- one pass --------------------------------------------------------------------------

    def sync_once(self) -> list[FolderResult]:
        """Sync every configured folder once. Raises ImapError for the first failing account."""
        results: list[FolderResult] = []
        for account in self.config.accounts:
            session = self.open_session(account)
            try:
                for folder, sent in self.folders_for(account, session):
                    lease = self.db.try_lease(lease_name(account.name, folder))
                    if lease is None:
                        self.reporter.warn(f"{account.name}/{folder}: another server is"
                                           " syncing this folder; skipped")
                        continue
                    try:
                        with lease.fencing():
                            results.append(self.sync_folder(session, account, folder,
                                                            sent=sent))
                    finally:
                        lease.release()
            finally:
                session.close()
        return results

    def sync_folder(self, session: ImapSession, account: AccountConfig, folder: str, *,
                    sent: bool = False) -> FolderResult:
        result = FolderResult(account.name, folder)
        self.db.relax_durability_for_this_thread()
        self._indexer.catch_up()
        info = session.select(folder)
        now = utc_now()
        with self.db.writing() as tx:
            state = tx.folder_state(account.name, folder)
            if state.uidvalidity is None:
                tx.set_uidvalidity(state.id, info.uidvalidity)
            elif self._identity_lost(state, info):
                dropped = tx.reset_folder_identity(state.id, info.uidvalidity)
                tx.append_event("sync", "sync.identity_reset", f"{account.name}/{folder}",
                                {"old_uidvalidity": state.uidvalidity,
                                 "new_uidvalidity": info.uidvalidity,
                                 "locations_dropped": dropped})
                result.identity_reset = True
                self.reporter.warn(f"{account.name}/{folder}: the server renumbered its messages"
                                   " (UIDVALIDITY changed); re-linking by Message-ID")
            state = tx.folder_state(account.name, folder)

        if not result.identity_reset and state.last_uid and not self._same_identity(session,
                                                                                  state.id):
            with self.db.writing() as tx:
                dropped = tx.reset_folder_identity(state.id, info.uidvalidity)
                tx.append_event("sync", "sync.identity_reset", f"{account.name}/{folder}",
                                {"reason": "stored UIDs name other messages",
                                 "locations_dropped": dropped})
                state = tx.folder_state(account.name, folder)
            result.identity_reset = True
            self.reporter.warn(f"{account.name}/{folder}: the server renumbered its messages"
                               " under the same UIDVALIDITY; re-linking by content")

        if (not result.identity_reset and not state.sweep_needed and not state.quarantine
                and not state.release_once and state.highestmodseq is not None and info.highestmodseq == state.highestmodseq
                and info.uidnext == state.uidnext):
            with self.db.writing() as tx:
                tx.mark_synced(state.id, now)
            result.quarantine = state.quarantine
            return result

        old_last_uid = state.last_uid
        count_before = self._local_count(state.id)
        if info.uidnext is not None and info.uidnext <= state.last_uid + 1:
            new_uids: list[int] = []
        else:
            new_uids = session.uids_above(state.last_uid)
        self.reporter.folder_started(account.name, folder, len(new_uids))
        if new_uids:
            own = frozenset(a for a in (account.address.lower(),) if a)
            self._fetch_and_store(session, account, folder, state, new_uids, own, result,
                                  sent=sent)

        if old_last_uid > 0 and not result.identity_reset:
            changes = session.fetch_flags(old_last_uid, state.highestmodseq)
            if changes and not session.condstore:
                with self.db.reading() as tx:
                    changes = tx.changed_flags(state.id, changes)
            if changes:
                with self.db.writing() as tx:
                    result.conversations |= tx.apply_flags(state.id, changes)
                result.flag_changes = len(changes)
            if (count_before + len(new_uids) != info.exists or not session.condstore
                    or state.quarantine or state.release_once):
                self._reconcile_expunges(session, account, folder, state.id, result)

        self._sweep(account, folder, state.id, result)
        with self.db.writing() as tx:
            tx.set_folder_marks(state.id, uidnext=info.uidnext,
                                highestmodseq=info.highestmodseq, synced_at=now)
            tx.consume_release(state.id)
            fresh = tx.folder_state(account.name, folder)
        result.quarantine = fresh.quarantine
        if fresh.quarantine:
            self.reporter.warn(f"{account.name}/{folder} is quarantined: {fresh.quarantine}")
        return result

    @staticmethod
    def _identity_lost(state: FolderState, info: SelectInfo) -> bool:
        uidvalidity = info.uidvalidity
        uidnext = info.uidnext
        highest = info.highestmodseq
        if uidvalidity != state.uidvalidity:
            return True
        if uidnext is not None and state.last_uid and uidnext <= state.last_uid:
            return True  # renumbered under the same UIDVALIDITY
        return bool(highest is not None and state.highestmodseq is not None
                    and highest < state.highestmodseq)

    def _same_identity(self, session: ImapSession, folder_id: int) -> bool:
        """Spot-check that stored UIDs still name the messages we stored under them.

        A rebuilt server index can renumber messages and keep UIDVALIDITY; HIGHESTMODSEQ
        going backwards reveals that only until later changes push it forward again.
        Comparing size and Message-ID for a spread of UIDs catches it either way.
        """
        with self.db.reading() as tx:
            sample = tx.sample_uids(folder_id)
            ours = tx.fingerprints(folder_id, sample) if sample else {}
        if not sample:
            return True
        theirs = session.fetch_fingerprints(sample)
        for uid, (size, mid) in ours.items():
            if uid not in theirs:
                continue  # expunged: handled by the expunge reconciliation
            their_size, their_mid = theirs[uid]
            if their_size != size or (mid and their_mid and their_mid != mid):
                return False
        return True

    def _local_count(self, folder_id: int) -> int:
        with self.db.reading() as tx:
            return tx.local_count(folder_id)

    # -- new mail --------------------------------------------------------------------------

    def _fetch_and_store(self, session: ImapSession, account: AccountConfig, folder: str,
                         state: FolderState, uids: list[int], own: frozenset[str],
                         result: FolderResult, *, sent: bool = False) -> None:
        batch = self.config.sync.batch_size
        use_pool = len(uids) >= _POOL_THRESHOLD
        depth = self._workers() + 1
        pending: deque[_Batch] = deque()
        with self._feeding() if use_pool else nullcontext() as feeder:
            if feeder is not None and not sent:
                # The pool's worker readies the detectors a part at a time when it has
                # no batch to parse (service/fetchahead.py), before the recent mail is
                # assessed: a batch waits for one part at most. It starts now, with the
                # pool, while the first batch is fetched.
                for _ in range(READY_TASKS):
                    feeder.later(prepare_step)
                feeder.start()
            # Bulk mode: the engine defers its housekeeping (the indexer thread does it off
            # the critical path, see _Indexer) and caches more.
            with self.db.bulk_writes() if use_pool else nullcontext():
                if use_pool:
                    self._indexer.bulk = True
                try:
                    if use_pool and self.db.writes_beside_fetch():
                        self._fetch_beside_writer(session, account, folder, state, uids,
                                                  own, result, pending, batch, depth, sent,
                                                  feeder)
                    else:
                        self._fetch_loop(session, account, folder, state, uids, own, result,
                                         pending, batch, depth, sent, feeder=feeder)
                finally:
                    self._indexer.bulk = False
        self._indexer.finish()

    @contextmanager
    def _feeding(self) -> Iterator[IdleFeeder]:
        """A bulk fetch's pool feeder, which `close` closes while it lasts. At its end every
        batch is stored (or the pass failed): what still waits is needed by nobody and
        must not go to the pool."""
        feeder = IdleFeeder(self._get_pool)
        with self._pool_lock:
            self._feeders.add(feeder)
        try:
            yield feeder
        finally:
            feeder.close()
            with self._pool_lock:
                self._feeders.discard(feeder)

    def _fetch_beside_writer(self, session: ImapSession, account: AccountConfig,
                             folder: str, state: FolderState, uids: list[int],
                             own: frozenset[str], result: FolderResult,
                             pending: deque[_Batch], batch: int, depth: int, sent: bool,
                             feeder: IdleFeeder | None) -> None:
        """`_fetch_loop` with the batches stored by a thread of their own (`_BatchWriter`):
        while the database writes one batch, this thread fetches the next. The writer
        stores them one at a time, in order, each with its watermark, exactly as the loop
        would; it is done (or stopped) before this returns."""
        def store(item: _Batch) -> None:
            self._store_batch(account, folder, state, own, *item, result=result, sent=sent)

        writer = _BatchWriter(store, f"sync-writer-{account.name}-{folder}")
        try:
            self._fetch_loop(session, account, folder, state, uids, own, result, pending,
                             batch, depth, sent, feeder=feeder, store=writer.put)
        except BaseException as exc:
            writer.abandon(exc)  # the batch being written commits or not; the rest waits
            raise
        writer.finish()

    def _fetch_loop(self, session: ImapSession, account: AccountConfig, folder: str,
                    state: FolderState, uids: list[int], own: frozenset[str],
                    result: FolderResult, pending: deque[_Batch], batch: int, depth: int,
                    sent: bool = False, *, feeder: IdleFeeder | None = None,
                    store: Callable[[_Batch], None] | None = None) -> None:
        """Fetch `uids` in batches and store each (`store`, or here in turn). With a pool
        (`feeder`), each batch is parsed there while the next is fetched, and for inbound
        mail the recent mail is fetched after the first batch (service/fetchahead.py)."""
        def inline(item: _Batch) -> None:
            self._store_batch(account, folder, state, own, *item, result=result, sent=sent)

        put = inline if store is None else store
        ahead: Ahead | None = None
        words = self.db.search_vectors()  # the workers make the search vectors they can
        for start in range(0, len(uids), batch):
            chunk = uids[start:start + batch]
            oldest = int(time.time()) - self.config.triage.backlog_hours * 3600
            wanted = chunk if ahead is None else [u for u in chunk if u not in ahead]
            fetched = session.fetch_bodies(wanted) if wanted else []
            watermark = chunk[-1]
            future = feeder.now(parse_and_assess, [f.raw for f in fetched], own, oldest,
                                sent, [f.internal_date for f in fetched], words
                                ) if feeder is not None and fetched else None
            parsing: Parsing | None = future
            if ahead is not None:
                fetched, parsing = ahead.join(chunk, fetched, future)
            pending.append((watermark, fetched, parsing))
            if start == 0 and feeder is not None and not sent:
                ahead = self._fetch_ahead(session, state, uids[batch:], own, oldest, feeder,
                                          batch, words)
            while len(pending) > (depth if feeder is not None else 0):
                put(pending.popleft())
        while pending:
            put(pending.popleft())

    def _fetch_ahead(self, session: ImapSession, state: FolderState, later: list[int],
                     own: frozenset[str], oldest: int, feeder: IdleFeeder,
                     most: int, words: WordMap | None = None) -> Ahead | None:
        """The recent mail among `later` (at most `most` messages, the newest), fetched
        now and given to the pool to assess while it would wait (service/fetchahead.py).
        A day's margin below `oldest`: SEARCH SINCE counts whole days in the server's zone,
        and what the search misses is only assessed later, in its batch."""
        if not later:
            return None
        since = datetime.fromtimestamp(oldest - 86_400, UTC).date()
        wanted = set(later)
        recent = [u for u in session.uids_arrived_since(state.last_uid, since)
                  if u in wanted][-most:]
        if not recent:
            return None
        return Ahead(session.fetch_bodies(recent), feeder, own, oldest, words)

    def _store_batch(self, account: AccountConfig, folder: str, state: FolderState,
                     own: frozenset[str], watermark: int, fetched: list[FetchedRaw],
                     future: Parsing | None,
                     *, result: FolderResult, sent: bool = False) -> None:
        parsed: list[tuple[bytes, ParsedMessage]]
        ready: dict[bytes, Assessment | None]
        vectors: dict[bytes, str]
        # The detectors run here, before the write transaction, when there is no pool
        # batch: a steady-state batch must not keep staff writes waiting on them.
        oldest = int(time.time()) - self.config.triage.backlog_hours * 3600
        arrivals = [f.internal_date for f in fetched]
        if future is None:
            parsed, ready, vectors = parse_and_assess([f.raw for f in fetched], own, oldest,
                                                      sent, arrivals, self.db.search_vectors())
        else:
            try:
                parsed, ready, vectors = future.result()
            except (BrokenProcessPool, CancelledError):  # a worker died (or a task's pool
                self._drop_broken_pool()  # was shut down): parsed here, a new pool after
                parsed, ready, vectors = parse_and_assess(
                    [f.raw for f in fetched], own, oldest, sent, arrivals,
                    self.db.search_vectors())
        messages = [
            FetchedMessage(uid=f.uid, flags=f.flags, modseq=f.modseq,
                           internal_date=f.internal_date, raw=f.raw, sha256=sha, parsed=p,
                           search=vectors.get(sha))
            for f, (sha, p) in zip(fetched, parsed, strict=True)
        ]
        received = {m.sha256: m.internal_date for m in messages if m.internal_date}
        now = utc_now()
        rules = None if sent or not messages else self.rules
        firing = None
        with self.db.writing() as tx:
            tx.hold_intake()
            before = tx.max_message_pk() if messages and not sent else 0
            touched = tx.ingest_batch(state, messages, own_addresses=own,
                                      watermark=watermark, now=now,
                                      index_text=future is None or (
                                          rules is not None and rules.reads_text),
                                      outbound=sent, backlog_before=oldest)
            # Red flags and intent: the one place mail is assessed (service/redflags.py),
            # old or not by when the server received it, never by its Date:.
            raised = redflags.triage_arrivals(
                tx, self.config, now, ready,
                arrived=lambda cand: received.get(cand.sha256), oldest=oldest)
            if messages:
                # The message ids this inbound ingest stored between: a replay (`rules
                # test`, also of a rule not enabled yet) hides what came later.
                bounds = {} if sent else {"after": before, "upto": tx.max_message_pk()}
                tx.append_event("sync", "mail.received", f"{account.name}/{folder}",
                                {"count": len(messages),
                                 "conversations": sorted(touched)[:500], **bounds})
            # Rules run last, after anything the ingest derives (red-flag tags included),
            # in this same transaction: see service/rules.py.
            if rules is not None:
                firing = rules.fire_arrivals(tx, before, now=now)
        redflags.notify_raised(self.config, raised)
        if rules is not None and firing is not None:
            rules.after_commit(firing)
        if future is not None:
            self._indexer.wake()
        result.new += len(messages)
        result.conversations |= touched
        self.reporter.advanced(len(messages))

    # -- removals --------------------------------------------------------------------------

    def _too_many(self, vanished: int, total: int) -> bool:
        cfg = self.config.sync
        return vanished >= cfg.mass_delete_min and vanished > cfg.mass_delete_fraction * total

    def _reconcile_expunges(self, session: ImapSession, account: AccountConfig, folder: str,
                            folder_id: int, result: FolderResult) -> None:
        server = session.all_uids()
        with self.db.reading() as tx:
            local = tx.local_uids(folder_id)
        vanished = [u for u in local if u not in server]
        if not vanished:
            return
        with self.db.writing() as tx:
            if self._too_many(len(vanished), len(local)) and not tx.release_pending(folder_id):
                reason = (f"{len(vanished)} of {len(local)} messages vanished from the server at"
                          f" once; nothing was deleted locally. If that was intended, run"
                          f" `cxinbox sync --release {account.name}/{folder}`")
                tx.set_quarantine(folder_id, reason)
                tx.append_event("sync", "sync.quarantine", f"{account.name}/{folder}",
                                {"vanished": len(vanished), "local": len(local)})
                return
            tx.drop_locations(folder_id, vanished)
            tx.set_quarantine(folder_id, None)
        result.removed += len(vanished)

    def _sweep(self, account: AccountConfig, folder: str, folder_id: int,
               result: FolderResult) -> None:
        with self.db.writing() as tx:
            if not tx.sweep_pending(folder_id):
                return
            orphans = tx.orphan_count()
            live = tx.live_email_count()
            if orphans and self._too_many(orphans, live) and not tx.release_pending(folder_id):
                reason = (f"{orphans} of {live} messages are no longer on the server after it"
                          f" renumbered {folder}; nothing was deleted locally. If that was"
                          f" intended, run `cxinbox sync --release {account.name}/{folder}`")
                tx.set_quarantine(folder_id, reason)
                tx.clear_sweep(folder_id)
                return
            touched = tx.sweep_gone(utc_now())
            if orphans:
                tx.append_event("sync", "mail.gone", f"{account.name}/{folder}",
                                {"count": orphans, "conversations": sorted(touched)[:500]})
        result.conversations |= touched

    # -- continuous ------------------------------------------------------------------------

    def watch(self, stop: threading.Event,
              on_change: Callable[[FolderResult], None] | None = None) -> None:
        """Keep every folder in sync with IDLE until `stop` is set; reconnects with backoff.

        Each account's folders run on threads of their own, so a mailbox that cannot sign
        in stops alone (and says so through `health`) while the others go on.
        """
        accounts = [threading.Thread(target=self._watch_account, args=(a, stop, on_change),
                                     name=f"sync-{a.name}", daemon=True)
                    for a in self.config.accounts]
        for t in accounts:
            t.start()
        join_all(accounts, stop)

    def _watch_account(self, account: AccountConfig, stop: threading.Event,
                       on_change: Callable[[FolderResult], None] | None) -> None:
        folders: list[tuple[str, bool]] | None = None
        backoff = 1.0
        failures = 0
        down_since = ""
        key = f"folder:{account.name}"
        while folders is None and not stop.is_set():
            try:
                session = self.open_session(account)
            except (ImapError, CredentialError) as exc:
                self._trouble(account, "", exc, backoff)
                failures += 1
                down_since = down_since or self._clinic_hhmm()
                if (failures >= _FAILURES_BEFORE_ALERT and self.health is not None
                        and type(exc) is ImapError):
                    self.health.problem(key, f"{account.name}: mail server unreachable since "
                                        f"{down_since} - retrying ({exc})", severity="warning")
                self._pause(account, stop, backoff)
                backoff = min(float(self.config.sync.reconnect_max_s), backoff * 2)
                continue
            try:
                folders = self.folders_for(account, session)
            finally:
                session.close()
        if failures and self.health is not None:
            self.health.ok(key)
        if folders and len(folders) >= account.max_connections and self.health is not None:
            # Each followed folder keeps one connection in IDLE; sending needs one more.
            self.health.problem(
                f"config:{account.name}",
                f"{account.name}: follows {len(folders)} folders but max_connections is "
                f"{account.max_connections}; raise it to {len(folders) + 1} or more",
                severity="warning")
        threads = [threading.Thread(target=self._watch_folder,
                                    args=(account, folder, sent, stop, on_change),
                                    name=f"sync-{account.name}-{folder}", daemon=True)
                   for folder, sent in folders or []]
        for t in threads:
            t.start()
        join_all(threads, stop)

    def _trouble(self, account: AccountConfig, folder: str, exc: Exception,
                 backoff: float) -> None:
        """Say what went wrong, to the log and, for what a person must fix, to everyone."""
        where = f"{account.name}/{folder}" if folder else account.name
        if isinstance(exc, CredentialError):
            permanent = not isinstance(exc, OAuthError) or exc.permanent
            if permanent and self.health is not None:
                from cxinbox.service.health import account_key

                self.health.problem(account_key(account.name), signin_problem(account, exc))
            self.reporter.warn(f"{where}: {exc}")
        elif isinstance(exc, ImapAuthError):
            if self.health is not None:
                from cxinbox.service.health import account_key

                self.health.problem(account_key(account.name),
                                    f"{account.name}: mail server refused the sign-in - IT: "
                                    f"cxinbox doctor ({exc})")
            self.reporter.warn(str(exc))
        else:
            self.reporter.warn(f"{where}: {exc}; retrying in {backoff:.0f}s")

    def _watch_folder(self, account: AccountConfig, folder: str, sent: bool,
                      stop: threading.Event,
                      on_change: Callable[[FolderResult], None] | None) -> None:
        backoff = 1.0
        lease: SyncLease | None = None
        try:
            while not stop.is_set():
                lease = self._lease_folder(account, folder, lease)
                if lease is None:
                    stop.wait(_LEASE_RETRY_S)  # another server syncs it: try again soon
                    continue
                with lease.fencing():
                    backoff = self._watch_leased(account, folder, sent, stop, on_change,
                                                 lease, backoff)
        finally:
            if lease is not None:
                lease.release()

    def _lease_folder(self, account: AccountConfig, folder: str,
                      lease: SyncLease | None) -> SyncLease | None:
        """This server's lease on the folder (kept while it holds), or None while another
        server has it. Several servers on one store sync each folder one at a time; the
        watermark in the store is where a new holder resumes."""
        if lease is not None:
            if lease.held():
                return lease
            lease.release()
            self.reporter.warn(f"{account.name}/{folder}: lost the sync lease; syncing"
                               " again once it is ours")
        taken = self.db.try_lease(lease_name(account.name, folder))
        if taken is not None:
            log.info("sync lease taken", extra=fields(account=account.name, folder=folder))
        return taken

    def _watch_leased(self, account: AccountConfig, folder: str, sent: bool,
                      stop: threading.Event,
                      on_change: Callable[[FolderResult], None] | None, lease: SyncLease,
                      backoff: float) -> float:
        """Watch the folder while the lease holds (reconnecting with backoff); returns
        the backoff to start from when the lease is taken again."""
        cap = float(self.config.sync.reconnect_max_s)
        failures = 0
        down_since = ""
        key = f"folder:{account.name}/{folder}"
        while not stop.is_set() and lease.held():
            session: ImapSession | None = None
            renew = False
            try:
                session = self.open_session(account)
                settle = True
                first = True
                seen_gen = signals.seen_generation()
                while not stop.is_set():
                    for _round in range(_RESYNC_ROUNDS):
                        if not lease.held():
                            return backoff  # another server may sync it now: stop here
                        result = self.sync_folder(session, account, folder, sent=sent)
                        backoff = 1.0
                        if failures:
                            failures, down_since = 0, ""
                            if self.health is not None:
                                self.health.ok(key)
                        self._healthy(account)
                        if on_change and (result.new or result.flag_changes or result.removed):
                            on_change(result)
                        # Mail that arrived during the sync: fetch it now, not after IDLE.
                        if stop.is_set() or not session.changed_since_select():
                            break
                    else:  # still changing after every round: come back soon, not in 25 min
                        settle = True
                    if seen_gen != signals.seen_generation() or first:
                        seen_gen = signals.seen_generation()
                        first = False
                        if self.push_seen(session, account, folder):
                            continue  # the folder was reselected: sync again before IDLE
                    left = self._token_left(session)
                    if left is not None and left <= 0:
                        renew = True  # reconnect with a fresh token before this one dies
                        break
                    # The first IDLE after a change is renewed soon: a message that landed
                    # between that NOOP and IDLE is announced by neither (see
                    # ImapSession.changed_since_select) and is fetched on renewal.
                    cap_s = _SETTLE_IDLE_S if settle else None
                    if left is not None:
                        cap_s = left if cap_s is None else min(cap_s, left)
                    settle = self._idle(session, stop, cap_s, _moved_from(seen_gen))
            except LeaseLost:
                # This server was paused or cut off long enough for another to take the
                # folder: what it fetched meanwhile was not committed; the new holder has it.
                self.reporter.warn(f"{account.name}/{folder}: another server took over the"
                                   " sync while this one was not answering")
                return backoff
            except ImapAuthError as exc:
                self._trouble(account, folder, exc, backoff)
                backoff = cap
            except CredentialError as exc:
                self._trouble(account, folder, exc, backoff)
                if not isinstance(exc, OAuthError) or exc.permanent:
                    backoff = cap
            except ImapNoFolder as exc:
                # The server answered: the name is wrong (or the folder was removed). Said
                # at once, not as "unreachable"; the other folders sync on their threads,
                # and this one is looked for again at the longest pause.
                self.reporter.warn(f"{account.name}: {exc} (check folders in the config)")
                failures += 1
                if self.health is not None:
                    self.health.problem(key, f"{account.name}: {exc} (check folders in the"
                                        " config; the other folders sync)", severity="warning")
                backoff = cap
            except ImapError as exc:
                self._trouble(account, folder, exc, backoff)
                failures += 1
                down_since = down_since or self._clinic_hhmm()
                if failures >= _FAILURES_BEFORE_ALERT and self.health is not None:
                    # A mailbox that cannot be reached for a while must not be silent.
                    self.health.problem(key, f"{account.name}/{folder}: mail server unreachable "
                                        f"since {down_since} - retrying ({exc})",
                                        severity="warning")
            except Exception as exc:  # noqa: BLE001 - logged (safely), shown, retried
                if not lease.held():
                    # The database ended this server's sessions (it was paused, cut off):
                    # another server may hold the folder now (said by _lease_folder).
                    log.debug("sync of %s/%s ended with its lease (%s)", account.name,
                              folder, type(exc).__name__)
                    return backoff
                # The traceback goes to the server log; screens get the kind of error only
                # (an exception's text can carry a patient's words).
                log_failure(log, f"sync of {account.name}/{folder} failed", exc)
                failures += 1
                self.reporter.warn(f"{account.name}/{folder}: unexpected error "
                                   f"({type(exc).__name__}); retrying")
                if self.health is not None:
                    self.health.problem(key, f"{account.name}/{folder}: sync failed "
                                        f"({type(exc).__name__}) - retrying; IT: see the "
                                        "server log")
            finally:
                if session is not None:
                    session.close()
            if renew:
                continue
            self._pause(account, stop, backoff)
            backoff = min(cap, backoff * 2)
        return backoff

    def _pause(self, account: AccountConfig, stop: threading.Event, seconds: float) -> None:
        """Wait before reconnecting; an account signed in by a person waits less when
        someone signs it in again meanwhile (`cxinbox auth login` stores a new refresh
        token, which the next try uses)."""
        if account.oauth2 is None or not account.oauth2.interactive:
            stop.wait(seconds)
            return
        from cxinbox.channels.oauth import OAuthError
        from cxinbox.channels.oauth_store import TokenStore, token_dir

        store = TokenStore(token_dir(self.config.db_path))
        keyring = account.oauth2.token_store == "keyring"

        def signed_in_as() -> str:
            try:
                return store.load(account.name, keyring).refresh
            except OAuthError:
                return ""

        before = signed_in_as()
        deadline = time.monotonic() + seconds
        while not stop.wait(min(2.0, max(0.0, deadline - time.monotonic()))):
            if time.monotonic() >= deadline or signed_in_as() != before:
                return

    def push_seen(self, session: ImapSession, account: AccountConfig, folder: str) -> int:
        """Write \\Seen to the server for what the desk read (the folder is selected)."""
        if not account.mark_seen_on_server:
            return 0
        with self.db.writing() as tx:  # the folder row is made on first use
            state = tx.folder_state(account.name, folder)
        pushed = 0
        while True:
            with self.db.reading() as tx:
                uids = tx.seen_to_push(state.id)
            if not uids:
                return pushed
            session.add_seen(folder, uids)
            with self.db.writing() as tx:
                tx.mark_pushed_seen(state.id, uids)
            pushed += len(uids)

    def _healthy(self, account: AccountConfig) -> None:
        if self.health is not None:
            from cxinbox.service.health import account_key

            self.health.ok(account_key(account.name))
            self._check_secret(account)

    def _check_secret(self, account: AccountConfig) -> None:
        """A client secret or certificate that runs out soon is on everyone's status line
        for the last 30 days (checked at most hourly), so IT renews it before mail stops."""
        if account.oauth2 is None or self.health is None:
            return
        now = time.monotonic()
        if now < self._secret_checked.get(account.name, 0.0):
            return
        self._secret_checked[account.name] = now + 3600
        from datetime import UTC, datetime

        from cxinbox.channels.oauth_providers import secret_expiry

        expires = secret_expiry(account)
        key = f"secret:{account.name}"
        if expires is None:
            return
        days = (expires - datetime.now(UTC).date()).days
        what = "certificate" if account.oauth2.credential == "certificate" else "client secret"
        if days <= SECRET_WARN_DAYS:
            when = f"in {days} days" if days >= 0 else "already"
            self.health.problem(key, f"{account.name}: the {what} expires {expires} ({when}) "
                                f"- IT: make a new one", severity="warning")
        else:
            self.health.ok(key)

    @staticmethod
    def _token_left(session: ImapSession) -> float | None:
        """Seconds this session may still IDLE before its token needs renewing, or None.

        Exchange Online ends a session when its token expires; reconnecting a little
        before, with a renewed token, loses nothing: the sync that follows the login
        fetches whatever arrived (the watermark is in the store)."""
        if session.expires_at is None:
            return None
        lifetime = max(1.0, session.expires_at - session.opened_at)
        return session.expires_at - min(120.0, lifetime / 10) - time.time()

    def _idle(self, session: ImapSession, stop: threading.Event,
              cap_s: float | None = None,
              wake: Callable[[], bool] = lambda: False) -> bool:
        """Wait for the server to announce a change; True when it did (not a timeout)."""
        timeout = float(self.config.sync.idle_timeout_s)
        if cap_s is not None:
            timeout = min(timeout, cap_s)
        if "IDLE" not in session.capabilities:
            stop.wait(min(30.0, timeout))
            return False
        return session.idle_wait(timeout, lambda: stop.is_set() or wake())


def utc_now() -> int:
    """Epoch seconds, as folders and messages are stamped."""
    return int(time.time())


def _moved_from(generation: int) -> Callable[[], bool]:
    """True once someone read something after `generation` (IDLE then ends early)."""
    return lambda: signals.seen_generation() != generation


_Batch = tuple[int, list[FetchedRaw], "Parsing | None"]


class _BatchWriter:
    """Stores a bulk sync's batches on a thread of its own, one at a time and in the order
    given, while the caller fetches the next: the two halves of a sync into a store whose
    writes wait on a server (`Store.writes_beside_fetch`) run at once instead of in turn.

    One batch waits at most beside the one being written (`put` blocks until the writer
    takes the last one): memory stays bounded and the fetch never runs far ahead. Each
    batch commits with its own watermark in its own transaction (`MailSync._store_batch`),
    so whatever the writer committed before a crash is exactly what the next sync skips.
    A failure in the writer stops it and is raised to the caller by its next `put` or by
    `finish`; nothing after the failed batch is written."""

    def __init__(self, store: Callable[[_Batch], None], name: str) -> None:
        self._store = store
        # The lease the caller's writes are fenced by (store/fence.py is per thread): the
        # writer's batches are the lease's work too, so a server that lost the lease while
        # paused commits none of them.
        self._fence = current_fence()
        self._cond = threading.Condition()
        self._waiting: _Batch | None = None
        self._closed = False
        self._failed: BaseException | None = None
        self._thread = threading.Thread(target=self._run, name=name, daemon=True)
        self._thread.start()

    def put(self, item: _Batch) -> None:
        """Hand over the next batch (after the writer took the one before)."""
        with self._cond:
            self._cond.wait_for(lambda: self._waiting is None or self._failed is not None)
            if self._failed is not None:
                raise self._failed
            self._waiting = item
            self._cond.notify_all()

    def _run(self) -> None:
        if self._fence is None:
            self._write_all()
        else:
            with fenced(*self._fence):
                self._write_all()

    def _write_all(self) -> None:
        while True:
            with self._cond:
                self._cond.wait_for(lambda: self._waiting is not None or self._closed)
                item = self._waiting
                if item is None:
                    return
                self._waiting = None
                self._cond.notify_all()
            try:
                self._store(item)
            except BaseException as exc:  # noqa: BLE001 - handed to the fetching thread
                with self._cond:
                    self._failed = exc
                    self._cond.notify_all()
                return

    def finish(self) -> None:
        """Write what was handed over, wait for it, and raise the writer's failure."""
        with self._cond:
            self._closed = True
            self._cond.notify_all()
        self._thread.join()
        if self._failed is not None:
            raise self._failed

    def abandon(self, cause: BaseException) -> None:
        """The caller failed (`cause`): drop the batch waiting, let the one being written
        end (commit or roll back on its own), and wait for the writer to stop. A failure
        of the writer's own that is not `cause` goes to the log."""
        with self._cond:
            self._waiting = None
            self._closed = True
            self._cond.notify_all()
        self._thread.join()
        if self._failed is not None and self._failed is not cause:
            log_failure(log, "sync batch write failed beside a failed fetch", self._failed)


class _Indexer:
    """Full-text indexing on its own thread.

    SQLite: during bulk fetches. It tokenises without holding the GIL, so this overlaps
    with parsing IMAP replies on the main thread; `finish()` drains and stops it, so the
    sync ends indexed. PostgreSQL (`Store.indexes_text_after_sync`): a bulk sync stores
    with its messages the vectors its parse workers made (`Store.search_vectors`), the
    others without theirs (the server's work on the sync's own backend), and a pass on a
    connection of its own makes those (store/fts.py `index_pending`). The pass starts with the sync: woken after each committed batch,
    it makes what is marked in small transactions on another backend, which runs on the
    core the sync and its backend leave idle while they take turns; `finish()` has it
    look again once the sync's writes are done and returns, and it ends when nothing is
    marked. A search finds the messages meanwhile all the same (store/pg/query.py).
    Either way the store's marker (SQLite's watermark, PostgreSQL's marks, each
    committed with what it marks) makes a crash at any point harmless: what is left is
    indexed by the next pass.
    """

    _AFTER_CHUNK = 500
    """Messages a transaction of the pass after the sync indexes (their rows locked
    meanwhile: a staff change to one waits for at most that transaction)."""

    _BESIDE_CHUNK = 250
    """The same during the sync: a message the sync's writer moves (a thread merged into
    another conversation) waits for the pass's transaction holding its mark, so the
    pass holds fewer at once while the writer runs."""

    def __init__(self, db: Store) -> None:
        self.db = db
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.bulk = False
        self.after = db.indexes_text_after_sync()
        self._lock = threading.Lock()
        self._again = False
        self._after_thread: threading.Thread | None = None
        self._looked = False

    def wake(self) -> None:
        """A bulk batch has committed: index what it marked (SQLite: up to the watermark)."""
        if self.after:
            self._start_after()  # beside the sync's writes, on a backend of its own
            return
        if self._thread is None:
            self._stop.clear()
            self._thread = threading.Thread(target=self._run, name="fts-indexer", daemon=True)
            self._thread.start()
        self._wake.set()

    def _run(self) -> None:
        with self.db.background_writes():
            while True:
                self._wake.wait()
                self._wake.clear()
                self.catch_up(limit=250)
                self.db.checkpoint_if_over(_CHECKPOINT_BYTES)
                if self._stop.is_set():
                    return

    def catch_up(self, limit: int = 5000) -> None:
        if self.after:
            if not self._looked:  # what a stopped or killed pass left, without a wait
                self._looked = True
                self._start_after()
            return
        self._drain(limit)

    def _drain(self, limit: int) -> None:
        while True:
            with self.db.writing() as tx:
                if tx.index_pending(limit) == 0:
                    return

    def finish(self) -> None:
        if self.after:
            self._start_after()
            return
        thread = self._thread
        if thread is not None:
            self._stop.set()
            self._wake.set()
            thread.join()
            self._thread = None
        self.catch_up()

    def _start_after(self) -> None:
        """Start the pass (PostgreSQL), or have the running one look again when it is
        done: rows committed after its last look are not left behind."""
        with self._lock:
            if self._stop.is_set():
                return
            self._again = True
            if self._after_thread is None:
                self._after_thread = threading.Thread(target=self._run_after,
                                                      name="search-indexer", daemon=True)
                self._after_thread.start()

    def _run_after(self) -> None:
        try:
            with self.db.background_writes():
                while not self._stop.is_set():
                    with self._lock:
                        if not self._again:
                            self._after_thread = None
                            return
                        self._again = False
                    while not self._stop.is_set():
                        chunk = self._BESIDE_CHUNK if self.bulk else self._AFTER_CHUNK
                        # Its commits need not wait for the disk (`recording`): one lost
                        # to a crash of the server leaves its marks, for the next pass.
                        with self.db.recording() as tx:
                            if tx.index_pending(chunk) == 0:
                                break
        except Exception as exc:  # noqa: BLE001 - logged; the rows stay marked for the next pass
            log_failure(log, "search indexing of a bulk sync failed", exc)
        with self._lock:
            if self._after_thread is threading.current_thread():
                self._after_thread = None

    def wait(self) -> None:
        """Wait for the pass to end (PostgreSQL; nothing on SQLite)."""
        while True:
            with self._lock:
                thread = self._after_thread
            if thread is None:
                return
            thread.join()

    def stop(self) -> None:
        """Stop every indexing thread (at the end of the current transaction): SQLite's
        drains first, PostgreSQL's pass leaves the rest marked for the next one."""
        if not self.after:
            self.finish()
            return
        with self._lock:
            self._stop.set()
            thread = self._after_thread
        if thread is not None:
            thread.join()
