"""`cxinbox serve`'s socket: the one door between staff processes and the database.

Protocol (one JSON object per line, UTF-8, both ways; values encoded by `api.wire`):

    server -> client, first   {"hello": {"actor", "name", "role", "protocol", "pid", "store"}}
                          or  {"id": null, "error": {...}} and the connection closes
    client -> server          {"id": 7, "method": "bulk_tag", "args": [...], "kwargs": {...}}
                              {"cancel": 7}          (the client stopped waiting for 7)
    server -> client          {"id": 7, "result": ...} | {"id": 7, "error": {...}}
                              {"bye": "why"}         (pushed when the server stops)

Requests on one connection run concurrently and are answered by id, so a client's
long-poll (`wait_events`) never holds up its actions. The caller is whoever the kernel
says is on the other end (SO_PEERCRED), mapped to the staff roster; nothing the client
sends can change who it is. Each connection gets its own `InProcessAPI` for that staff
member, sharing one store, one change feed and one presence board. On PostgreSQL
several servers may share the database: the store wakes the feed when another server
commits (`Store.watch_commits`) and carries presence between them (`share_presence`).

Every request's arguments are parsed and sanitised by `api.validate` before the service
sees them, and every caller is held to `api.limits` (sizes, queues, rates, idle and
connection caps). Refusals at the door are audited (`service.access`).
"""

from __future__ import annotations

import asyncio
import contextlib
import fcntl
import functools
import grp
import logging
import os
import pwd
import socket
import stat
import struct
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final

from cxinbox.api import wire
from cxinbox.api.identity import login_of
from cxinbox.api.interface import InProcessAPI
from cxinbox.api.limits import (
    HEAVY_METHODS,
    MIB,
    READ_BYTES,
    Budgets,
    FrameReader,
    FrameTimeout,
    FrameTooLarge,
    Idle,
    Limits,
    Permit,
    ReplyWriter,
    UserBudget,
)
from cxinbox.api.live import ChangeFeed, PresenceBoard
from cxinbox.api.role_door import MONITOR_ROLE, refusal
from cxinbox.api.socket_probe import store_names
from cxinbox.api.validate import Validator
from cxinbox.config import Config
from cxinbox.contract.errors import (
    ApiError,
    BadRequest,
    DatabaseDown,
    DatabaseUnavailable,
    Forbidden,
    StoreRefused,
    TooManyConnections,
)
from cxinbox.contract.test_hooks import hook_seconds
from cxinbox.domain.sanitize import clean_line
from cxinbox.service.access import RefusalLog
from cxinbox.service.health import Health
from cxinbox.service.inbox import InboxService, role_of
from cxinbox.service.logsafe import database_away, fields, log_failure
from cxinbox.service.notify import set_failure_sink, set_stderr_dir
from cxinbox.service.notify_check import HookWatch
from cxinbox.service.notify_record import NotifyRecorder
from cxinbox.service.rules import RuleEngine
from cxinbox.service.runtime import Worker, background_workers, supervise
from cxinbox.service.sla_monitor import hook_timeout_s
from cxinbox.service.watchdog import Watchdog
from cxinbox.store.db import Database
from cxinbox.store.interface import Store, Watch

if TYPE_CHECKING:
    from cxinbox.api.metrics import MetricsEndpoint
    from cxinbox.contract.health_types import HealthReport

log = logging.getLogger(__name__)

PROTOCOL: Final = 1
SOCKET_MODE: Final = 0o660
API_THREADS: Final = 8
WORKER_JOIN_S: Final = 10.0
TEST_JOIN_ENV: Final = "CXINBOX_TEST_WORKER_JOIN_S"
"""A test hook, not a setting: seconds (above 0, up to WORKER_JOIN_S) to use instead of
WORKER_JOIN_S, so a test that a stopping server waits longer than that for a hook in
flight need not wait the full 10 s to see it."""
DB_AWAY: Final = "the database is not answering (restarting or unreachable)"
"""What long-pollers hear while the feed's head cannot be read for an outage that is not
a `DatabaseDown` of the store's own (whose line they hear instead)."""
HOOK_STOP_MARGIN_S: Final = 10.0
"""How much longer than a notify hook may run a stopping server waits for its workers: the
red-flag router lets a page in flight end (its hook is bounded by the hook timeout) and
writes its told record after it, so the next start does not page it again."""


def worker_join_s() -> float:
    """WORKER_JOIN_S, or the tests' TEST_JOIN_ENV."""
    return hook_seconds(TEST_JOIN_ENV, WORKER_JOIN_S, high=WORKER_JOIN_S, log=log)


def stop_wait_s() -> float:
    """Seconds a stopping server waits for all its workers together: WORKER_JOIN_S, or a
    hook's timeout and HOOK_STOP_MARGIN_S when that is longer (20 s with the 10 s hooks;
    the systemd unit's TimeoutStopSec is 60 s)."""
    return max(worker_join_s(), hook_timeout_s() + HOOK_STOP_MARGIN_S)


class ServeError(Exception):
    """The server cannot start (socket in use, bad path): one line for the person."""


@dataclass(frozen=True, slots=True)
class Peer:
    pid: int
    uid: int
    os_user: str


def peer_of(sock: socket.socket, login: Callable[[int], str] = login_of) -> Peer:
    """Who is on the other end, as the kernel says (not as the client claims)."""
    fmt = "3i"
    creds = sock.getsockopt(socket.SOL_SOCKET, socket.SO_PEERCRED, struct.calcsize(fmt))
    pid, uid, _gid = struct.unpack(fmt, creds)
    return Peer(pid, uid, login(uid))


# -- the socket file -------------------------------------------------------------------------


def _answers(path: Path, timeout: float = 1.0) -> bool:
    probe = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    probe.settimeout(timeout)
    try:
        probe.connect(str(path))
    except OSError:
        return False
    finally:
        probe.close()
    return True


@contextlib.contextmanager
def claimed_socket_path(path: Path) -> Iterator[None]:
    """Hold the right to serve on `path`: refuse if a live server has it; clear a stale
    socket left by a crash. A lock file next to it keeps two starting servers apart."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o750)
        lock_fd = os.open(f"{path}.lock", os.O_RDWR | os.O_CREAT, 0o600)
    except OSError as exc:
        raise ServeError(f"{path}: cannot create the socket: {exc.strerror}") from None
    try:
        try:
            fcntl.flock(lock_fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise ServeError(f"{path}: another cxinbox server is running on it") from None
        if path.exists() or path.is_symlink():
            if not stat.S_ISSOCK(path.lstat().st_mode):
                raise ServeError(f"{path}: exists and is not a socket; not replacing it")
            if _answers(path):
                raise ServeError(f"{path}: another cxinbox server is answering on it")
            path.unlink()  # a stale socket from a server that died
        try:
            yield
        finally:
            with contextlib.suppress(OSError):
                path.unlink()
    finally:
        os.close(lock_fd)


# -- the server ------------------------------------------------------------------------------


class InboxServer:
    """Answers clients on a Unix socket until `stop()`; owns nothing it did not open."""

    def __init__(self, db: Store, config: Config, path: Path,
                 limits: Limits | None = None, rules: RuleEngine | None = None) -> None:
        self.db = db
        self.config = config
        self.rules = rules
        self._store_names = store_names(config.store_identity)
        """The database this server serves, in every hello: a client whose config names
        another refuses to talk (api/socket_probe.py `check_store`)."""
        self._store_id = db.store_id() or ""
        """The database's own id where it keeps one (PostgreSQL), shown in a refusal."""
        self.path = path
        self.limits = limits or Limits()
        self.feed = ChangeFeed(self._head)
        self.feed.polled_elsewhere = True
        self.board = PresenceBoard(self.feed)
        self.validator = Validator(config)
        self.refusals = RefusalLog(db)
        self._budgets: Budgets | None = None
        self._server: asyncio.Server | None = None
        self._stopping: asyncio.Event | None = None
        self._connections: set[asyncio.StreamWriter] = set()
        self._my_uid = os.getuid()
        self._roster_uids = _roster_uids(config)

    def _head(self) -> tuple[int, str]:
        with self.db.reading() as tx:
            return tx.feed_head()

    def _watch_commits(self) -> Watch | None:
        """Other servers on the same database commit without poking our feed: where the
        store signals commits (PostgreSQL), take the head each signal names (or re-read it
        when one names none) and slow the poll to a fallback; elsewhere the poll alone
        keeps the feed fresh."""
        watch = self.db.watch_commits(self.feed.read_head, self.feed.advance,
                                      self.feed.heard, self.feed.forget_heard)
        if watch is not None:
            from cxinbox.store.pg.listen import FALLBACK_S

            self.feed.poll_s = FALLBACK_S
        return watch

    async def run(self, ready: Callable[[], None] | None = None) -> None:
        loop = asyncio.get_running_loop()
        loop.set_default_executor(ThreadPoolExecutor(API_THREADS, "cxinbox-serve"))
        self._stopping = asyncio.Event()
        self._budgets = Budgets(self.limits)
        old_umask = os.umask(0o117)  # the socket file is born 0660, never briefly wider
        try:
            self._server = await asyncio.start_unix_server(
                self._client, path=str(self.path), limit=READ_BYTES,
                backlog=min(self.limits.connections_total, 1024))
        finally:
            os.umask(old_umask)
        os.chmod(self.path, SOCKET_MODE)
        give_socket_group(self.path, self.config.server.group)
        watch = await asyncio.to_thread(self._watch_commits)
        share = self.db.share_presence(self.board.local, self.board.set_others)
        if share is not None:
            self.board.on_change = share.changed
        poller = asyncio.create_task(self._poll_head(watched=watch is not None),
                                     name="change-feed")
        if ready is not None:
            ready()
        try:
            await self._stopping.wait()
        finally:
            poller.cancel()
            if watch is not None:
                await asyncio.to_thread(watch.close)
            if share is not None:
                self.board.on_change = None
                await asyncio.to_thread(share.close)
            self._server.close()
            for writer in list(self._connections):
                with contextlib.suppress(Exception):
                    writer.write(wire.dumps({"bye": "the cxinbox server is stopping"}))
                    writer.close()
            with contextlib.suppress(Exception):
                await asyncio.wait_for(self._server.wait_closed(), 2.0)
            await asyncio.to_thread(self.feed.close)  # a read running is waited for

    def stop(self) -> None:
        """Ask `run` to finish (from the loop's thread, e.g. a signal handler)."""
        if self._stopping is not None:
            self._stopping.set()

    async def _poll_head(self, *, watched: bool = False) -> None:
        """Keep the feed's head fresh: at once after a request, else every tick (mail sync
        and other background threads write without telling anyone).

        `watched`: the store signals every commit that appends events, this server's
        own included, and the watch moves the head on each (`_watch_commits`); this
        loop is then only the fallback poll, and a request's poke (every call, reads
        too) costs no read of its own: under load that was one head read per request
        and per commit on every server."""
        feed = self.feed
        while True:
            generation = feed.generation
            try:
                await asyncio.to_thread(feed.read_head)
            except Exception as exc:
                if database_away(exc):  # an outage is the store's to log, once
                    feed.set_away(str(exc) if isinstance(exc, DatabaseDown) else DB_AWAY)
                else:
                    log.exception("reading the newest event failed")
            else:
                feed.set_away(None)
            if watched:
                await asyncio.sleep(feed.poll_s)
            else:
                await feed.wait(generation, feed.poll_s)

    def _login(self, uid: int) -> str:
        """Roster members were looked up once at start; a connect needs no NSS lookup
        (and so no file descriptor) for them."""
        return self._roster_uids.get(uid) or login_of(uid)

    # -- the door ---------------------------------------------------------------------------

    async def _client(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        budgets = self._budgets
        assert budgets is not None
        budgets.connections += 1
        user: UserBudget | None = None
        try:
            try:
                peer = peer_of(writer.get_extra_info("socket"), self._login)
            except OSError as exc:
                log.warning("could not identify a client: %s", exc)
                return
            if budgets.connections > self.limits.connections_total:
                await self._refuse(writer, peer, "too many connections to the server",
                                   TooManyConnections(
                                       "the cxinbox server has too many connections"
                                       f" ({self.limits.connections_total}); try again shortly"))
                return
            user = budgets.user(peer.uid)
            user.connections += 1
            if user.connections > self.limits.connections_per_user:
                await self._refuse(writer, peer, "too many connections",
                                   TooManyConnections(
                                       f"{peer.os_user} already has"
                                       f" {self.limits.connections_per_user} connections to"
                                       " the cxinbox server; close some (or try again"
                                       " shortly)"))
                return
            member = self.config.staff_member(peer.os_user)
            if member is None and (self.config.staff or peer.uid != self._my_uid):
                await self._refuse(writer, peer, "not on the staff roster", Forbidden(
                    f"{peer.os_user} is not on this cxinbox server's staff roster;"
                    " ask an admin to add you"), own=peer.uid == self._my_uid)
                return
            await self._serve(reader, writer, peer, member.name if member else peer.os_user,
                              user, budgets)
        finally:
            budgets.connections -= 1
            if user is not None:
                user.connections -= 1
            writer.close()

    async def _refuse(self, writer: asyncio.StreamWriter, peer: Peer, reason: str,
                      error: ApiError, *, own: bool = False) -> None:
        """Say why in one frame, close, and put it in the audit trail (one event per
        person and reason a minute, however often they knock).

        `own`: the server's own user, on no roster (README: the `cxinbox` service user),
        knocking as `cxinbox doctor` does to see that the server answers. That user can
        read the store itself, so its refusal guards nothing: an info line, not a warning
        and an `access.denied` event that read as an intrusion in the journal. Its
        refusal also names the store served (`store`, `store_id`, `pid`, as the hello
        does), so that doctor run as this user can tell whether the server on the socket
        serves its config's store; nobody else's refusal carries them."""
        frame: dict[str, Any] = {"id": None, "error": wire.encode_error(error)}
        if own:
            frame.update(store=list(self._store_names), store_id=self._store_id,
                         pid=os.getpid())
        writer.write(wire.dumps(frame))
        with contextlib.suppress(ConnectionError, TimeoutError):
            async with asyncio.timeout(1.0):
                await writer.drain()
        writer.close()
        if own:
            log.info("answered the server's own user %s (uid %d, pid %d), %s: a probe such"
                     " as cxinbox doctor's", peer.os_user, peer.uid, peer.pid, reason)
            return
        try:
            written = await asyncio.to_thread(
                self.refusals.record, peer.os_user, reason, {"uid": peer.uid, "pid": peer.pid})
        except Exception:
            log.exception("could not record a refused connection")
            written = True
        if written:
            log.warning("refused %s (uid %d, pid %d): %s", peer.os_user, peer.uid, peer.pid,
                        reason)

    # -- one connection ---------------------------------------------------------------------

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter,
                     peer: Peer, name: str, user: UserBudget, budgets: Budgets) -> None:
        limits = self.limits
        role = role_of(self.config, peer.os_user)
        key = object()
        api = InProcessAPI(InboxService(self.db, self.config, peer.os_user, rules=self.rules),
                           feed=self.feed,
                           board=self.board, session=key, display_name=name)
        conn = _Connection(ReplyWriter(writer, limits), limits)
        frames = FrameReader(reader, limits, lambda: budgets.heavy_permit(user),
                             lambda: bool(conn.tasks))
        if role != MONITOR_ROLE:  # a monitoring check is not someone at the desk
            self.board.join(key, peer.os_user, name)
        self._connections.add(writer)
        log.info("client connected", extra=fields(user=peer.os_user, pid=peer.pid))
        why = "disconnected"
        try:
            await conn.reply.send(wire.dumps({"hello": {
                "actor": peer.os_user, "name": name, "role": role, "protocol": PROTOCOL,
                "pid": os.getpid(), "store": list(self._store_names),
                "store_id": self._store_id}}))
            while True:
                try:
                    got = await frames.next()
                except FrameTooLarge:
                    mb = limits.max_request_bytes // MIB
                    await conn.error(None, BadRequest(f"a request may be at most {mb} MB"))
                    why = "sent a request over the size limit"
                    break
                except FrameTimeout:
                    await conn.error(None, BadRequest(
                        f"a request must arrive within {limits.frame_s:.0f} s"))
                    why = "took too long sending a request"
                    break
                except Idle:
                    await conn.reply.send(wire.dumps(
                        {"bye": f"idle for {limits.idle_s:.0f} s"}))
                    why = "idle"
                    break
                if got is None:
                    break
                line, permit = got
                try:
                    await self._take(api, line, permit, conn, user)
                finally:
                    del line
        except (ConnectionError, OSError):
            why = "connection lost"
        finally:
            for task in list(conn.tasks.values()):
                task.cancel()
            self.board.leave(key)
            self._connections.discard(writer)
            log.info("client %s", why, extra=fields(user=peer.os_user, pid=peer.pid))

    async def _take(self, api: InProcessAPI, line: bytes, permit: Permit | None,
                    conn: _Connection, user: UserBudget) -> None:
        """Parse, check and start one request; waits (so stops reading) while the caller
        is over its rate or has too many requests in progress."""
        try:
            delay = user.bucket.delay()
            if delay:
                await asyncio.sleep(delay)
            try:
                frame = wire.loads(line)
            except wire.WireError as exc:
                await conn.error(None, BadRequest(clean_line(str(exc), max_len=200)))
                return
            if "cancel" in frame:
                task = conn.tasks.get(frame["cancel"]) if _usable_id(frame["cancel"]) else None
                if task is not None:
                    task.cancel()
                return
            request_id = frame.get("id")
            if not _usable_id(request_id):
                await conn.error(None, BadRequest("a request id must be an integer or a"
                                                  " short string"))
                return
            try:
                method, args, kwargs = self._checked(frame)
                refused = refusal(role_of(self.config, api.actor), method)
                if refused is not None:
                    await asyncio.to_thread(self.refusals.record, api.actor,
                                            "method not allowed for the role",
                                            {"method": method})
                    raise refused
                if request_id in conn.tasks:
                    raise BadRequest(f"request id {request_id} is already in progress")
                if method == "wait_events" and conn.waits >= conn.limits.per_connection_waits:
                    raise BadRequest(f"at most {conn.limits.per_connection_waits} wait_events"
                                     " at once on one connection")
            except ApiError as exc:
                await conn.error(request_id, exc)
                return
            await conn.requests.acquire()
            try:
                await user.requests.acquire()
            except BaseException:
                conn.requests.release()
                raise
            if method == "wait_events":
                conn.waits += 1
            task = asyncio.create_task(self._answer(api, request_id, method, args, kwargs,
                                                    conn, user, permit))
            permit = None  # the task releases it
            conn.tasks[request_id] = task
            task.add_done_callback(functools.partial(_finished, conn, user, request_id,
                                                     method))
        finally:
            if permit is not None:
                permit.release()

    def _checked(self, frame: dict[str, Any]) -> tuple[str, tuple[Any, ...], dict[str, Any]]:
        method = frame.get("method")
        if not isinstance(method, str):
            raise BadRequest("a request needs a method name")
        args, kwargs = frame.get("args", []), frame.get("kwargs", {})
        if not isinstance(args, list) or not isinstance(kwargs, dict):
            raise BadRequest("args must be a list and kwargs an object")
        checked_args, checked_kwargs = self.validator.check(method, args, kwargs)
        return method, checked_args, checked_kwargs

    async def _answer(self, api: InProcessAPI, request_id: Any, method: str,
                      args: tuple[Any, ...], kwargs: dict[str, Any], conn: _Connection,
                      user: UserBudget, permit: Permit | None) -> None:
        heavy = method in HEAVY_METHODS
        budgets = self._budgets
        assert budgets is not None
        try:
            if heavy and permit is None:
                permit = await budgets.heavy_permit(user)
            line = await self._reply_line(api, request_id, method, args, kwargs, user, heavy)
            del args, kwargs
            if len(line) > self.limits.max_reply_bytes:
                size = len(line) / MIB
                line = _error_line(request_id, BadRequest(
                    f"{method}: the answer would be {size:.0f} MB, more than the"
                    f" {self.limits.max_reply_bytes // MIB} MB one answer may carry;"
                    " ask for less (a narrower query, a smaller limit)"))
            await conn.reply.send(line)
        except (ConnectionError, OSError):
            pass
        finally:
            if permit is not None:
                permit.release()

    async def _reply_line(self, api: InProcessAPI, request_id: Any, method: str,
                          args: tuple[Any, ...], kwargs: dict[str, Any], user: UserBudget,
                          heavy: bool) -> bytes:
        """The encoded answer (or error) for one call; heavy answers are encoded in a
        worker thread so a 20 MB attachment never stalls the event loop."""
        bound = getattr(api, method)
        started = time.monotonic()
        outcome = "ok"
        try:
            if method == "wait_events":  # a long-poll mostly sleeps: it takes no thread slot
                result = await bound(*args, **kwargs)
            else:
                async with user.running:
                    result = await bound(*args, **kwargs)
        except ApiError as exc:
            outcome = type(exc).__name__
            return _error_line(request_id, exc)
        except asyncio.CancelledError:
            outcome = "cancelled"
            raise
        except DatabaseDown as exc:  # the store logs the outage once, when it begins
            outcome = "database down"
            return _error_line(request_id, DatabaseUnavailable(str(exc)))
        except StoreRefused as exc:  # a grant taken away: the fix in one line, both sides
            outcome = "store refused"
            log.warning("request %s: %s", method, clean_line(str(exc), max_len=400))
            return _error_line(request_id, DatabaseUnavailable(str(exc)))
        except NotImplementedError as exc:  # a store operation this backend lacks so far
            outcome = "not available"
            log.warning("request %s: %s", method, clean_line(str(exc), max_len=200))
            return _error_line(request_id, ApiError(
                f"{method} is not available on this server yet"
                f" ({clean_line(str(exc), max_len=200)})"))
        except Exception as exc:  # noqa: BLE001 - logged safely, answered as a server error
            outcome = type(exc).__name__
            log_failure(log, f"request {method} failed", exc)
            return _error_line(request_id, ApiError(
                f"server error: {clean_line(str(exc)) or type(exc).__name__}"))
        finally:
            log.debug("request", extra=fields(
                user=api.actor, method=method, outcome=outcome,
                duration_ms=round((time.monotonic() - started) * 1000, 1)))
        if heavy:
            return await asyncio.to_thread(_result_line, request_id, result)
        return _result_line(request_id, result)


@dataclass(eq=False)
class _Connection:
    reply: ReplyWriter
    limits: Limits
    tasks: dict[Any, asyncio.Task[None]] = field(default_factory=dict)
    waits: int = 0
    requests: asyncio.Semaphore = field(init=False)

    def __post_init__(self) -> None:
        self.requests = asyncio.Semaphore(self.limits.per_connection_requests)

    async def error(self, request_id: Any, exc: ApiError) -> None:
        await self.reply.send(_error_line(request_id, exc))


def _usable_id(value: Any) -> bool:
    return value is None or type(value) is int or (type(value) is str and len(value) <= 64)


def _result_line(request_id: Any, result: Any) -> bytes:
    return wire.dumps({"id": request_id, "result": wire.encode(result)})


def _error_line(request_id: Any, exc: ApiError) -> bytes:
    return wire.dumps({"id": request_id, "error": wire.encode_error(exc)})


def _finished(conn: _Connection, user: UserBudget, request_id: Any, method: str,
              task: asyncio.Task[None]) -> None:
    conn.requests.release()
    user.requests.release()
    if method == "wait_events":
        conn.waits -= 1
    if conn.tasks.get(request_id) is task:
        del conn.tasks[request_id]


def _roster_uids(config: Config) -> dict[int, str]:
    found: dict[int, str] = {}
    for member in config.staff:
        try:
            found[pwd.getpwnam(member.os_user).pw_uid] = member.os_user
        except KeyError:
            continue
    return found


# -- the whole process -------------------------------------------------------------------------


def socket_group_gid(name: str) -> int:
    """The gid of `[server] group`; ServeError (one line) when there is no such group."""
    try:
        return grp.getgrnam(name).gr_gid
    except KeyError:
        raise ServeError(f"[server] group: no such group {name!r}; create it (groupadd"
                         f" {name}) and add the staff to it, or set the group that exists"
                         ) from None


def give_socket_group(path: Path, name: str) -> None:
    """Hand the socket to `[server] group` (nothing when unset). The server may do that
    as root, or as a member of the group; otherwise it says so and does not serve."""
    if not name:
        return
    gid = socket_group_gid(name)
    try:
        os.chown(path, -1, gid)
    except PermissionError:
        raise ServeError(f"[server] group: cannot give {path} to group {name!r}: the"
                         " server runs as a user outside it; run it as root or as a member"
                         ) from None


def socket_access_line(path: Path) -> str:
    """Who may connect, for the startup line: the socket's group, by name."""
    try:
        gid = os.stat(path).st_gid
    except OSError:
        return ""
    try:
        name = grp.getgrgid(gid).gr_name
    except KeyError:
        name = str(gid)
    return f"members of group {name} may connect"


def refuse_open_data_dir(directory: Path) -> None:
    """The database's directory must be the server user's alone (0700): with group or
    other access anyone can list, and where writable replace, the database's files."""
    try:
        mode = stat.S_IMODE(directory.stat().st_mode)
    except FileNotFoundError:
        return  # created 0700 when the database is opened
    except OSError as exc:
        raise ServeError(f"{directory}: cannot check the data directory: {exc.strerror}"
                         ) from None
    if mode & 0o077:
        raise ServeError(f"{directory}: mode {mode:04o} lets other users into the database's"
                         f" directory; not serving it: chmod 700 {directory}")


WorkersFor = Callable[[Store, Health, RuleEngine | None], Sequence[Worker]]
"""Builds the background workers once the store is open (the composition root's)."""


def _tame_malloc() -> None:
    """glibc keeps freed large buffers (a 27 MB request) in the heap and gives each worker
    thread an arena of its own; both make RSS grow past what is in use. Fixed mmap
    threshold: big buffers go back to the OS when freed; two arenas: threads share."""
    import ctypes

    try:
        libc = ctypes.CDLL("libc.so.6")
        libc.mallopt(-3, 128 * 1024)  # M_MMAP_THRESHOLD
        libc.mallopt(-8, 2)  # M_ARENA_MAX
    except (OSError, AttributeError):
        return


def serve(config: Config, open_store: Callable[[], Store], *,
          on_ready: Callable[[Path], None] | None = None,
          workers: Sequence[Worker] | WorkersFor | None = None,
          rules: Callable[[Store], RuleEngine | None] | None = None) -> None:
    """Run the front-desk server until SIGTERM or SIGINT; the socket is removed on the way out.

    `rules` builds the one rules engine of the opened store (the composition root's
    `wiring.rules_engine`); every connection's service and the workers share it.

    Raises ServeError when it cannot start (another server is live on the socket).
    """
    import signal

    path = config.socket_path
    if config.server.group:  # before anything is opened: a typo is one line, not a crash
        socket_group_gid(config.server.group)
    if config.store.url is None:  # the SQLite file's directory (PostgreSQL keeps its own)
        refuse_open_data_dir(config.db_path.parent)
    _tame_malloc()
    with claimed_socket_path(path):
        db = open_store()  # chosen by the composition root (cxinbox/wiring.py)
        watchdog = Watchdog(config.server.stall_seconds)
        stop = watchdog.pulse  # the workers' stop event doubles as their heartbeat
        threads: list[threading.Thread] = []
        engine = rules(db) if rules is not None else None
        server = InboxServer(db, config, path, rules=engine)
        health = Health(db, config)
        health.start_fresh()
        hooks = HookWatch(config, health)  # judged as this server's user, on its PATH
        hooks.check()
        hooks_stop = threading.Event()
        threading.Thread(target=hooks.run, args=(hooks_stop,), name="notify-hook-check",
                         daemon=True).start()
        set_failure_sink(NotifyRecorder(db, health))  # a hook that fails: audited, alerted
        set_stderr_dir(config.db_path.parent)  # and its stderr kept for doctor, not logged
        metrics = _start_metrics(db, config, server) if config.server.metrics_listen else None
        try:
            async def main() -> None:
                loop = asyncio.get_running_loop()
                for sig in (signal.SIGTERM, signal.SIGINT):
                    loop.add_signal_handler(sig, server.stop)

                def started() -> None:
                    # Workers start once the socket exists (its umask must not be theirs).
                    if workers is None:
                        assert isinstance(db, Database), "pass the workers for this store"
                        chosen: Sequence[Worker] = background_workers(db, config, health,
                                                                      engine)
                    elif callable(workers):  # built by the composition root for this store
                        chosen = workers(db, health, engine)
                    else:
                        chosen = workers
                    for worker in chosen:
                        thread = threading.Thread(target=supervise,
                                                  args=(worker, stop, health),
                                                  name=f"worker-{worker.name}", daemon=True)
                        thread.start()
                        threads.append(thread)
                    watchdog.ready(path, len(threads))
                    if on_ready is not None:
                        on_ready(path)

                await server.run(started)
                watchdog.stopping()

            asyncio.run(main())
        finally:
            if metrics is not None:
                metrics.close()
            stop.set()
            hooks_stop.set()
            set_failure_sink(None)
            set_stderr_dir(None)
            wait_s = stop_wait_s()
            deadline = time.monotonic() + wait_s
            for thread in threads:
                thread.join(max(0.0, deadline - time.monotonic()))
                if thread.is_alive():
                    log.warning("%s did not stop within %.0f s", thread.name, wait_s)
            db.close()


def _start_metrics(db: Store, config: Config, server: InboxServer) -> MetricsEndpoint:
    from cxinbox.api.metrics import start_metrics
    from cxinbox.service.status import build_report

    def report() -> HealthReport:
        return build_report(db, config, [p.os_user for p in server.board.snapshot()])

    try:
        endpoint = start_metrics(report, config)
    except OSError as exc:
        db.close()
        raise ServeError(f"[server] metrics_listen {config.server.metrics_listen}: cannot"
                         f" listen: {exc.strerror or exc}") from None
    log.info("metrics on http://%s:%d/metrics", *endpoint.address)
    return endpoint
