"""`cxinbox serve`'s socket: the one door between staff processes and the database.

Protocol (one JSON object per line, UTF-8, both ways; values encoded by `api.wire`):

    server -> client, first   {"hello": {"actor", "name", "role", "protocol", "pid"}}
                          or  {"id": null, "error": {...}} and the connection closes
    client -> server          {"id": 7, "method": "bulk_tag", "args": [...], "kwargs": {...}}
                              {"cancel": 7}          (the client stopped waiting for 7)
    server -> client          {"id": 7, "result": ...} | {"id": 7, "error": {...}}
                              {"bye": "why"}         (pushed when the server stops)

Requests on one connection run concurrently and are answered by id, so a client's
long-poll (`wait_events`) never holds up its actions. The caller is whoever the kernel
says is on the other end (SO_PEERCRED), mapped to the staff roster; nothing the client
sends can change who it is. Each connection gets its own `InProcessAPI` for that staff
member, sharing one `Database`, one change feed and one presence board.
"""

from __future__ import annotations

import asyncio
import contextlib
import fcntl
import functools
import inspect
import logging
import os
import pwd
import socket
import stat
import struct
import threading
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

from cxinbox.api import wire
from cxinbox.api.errors import ApiError, BadRequest, Forbidden
from cxinbox.api.interface import InProcessAPI, api_methods
from cxinbox.api.live import ChangeFeed, PresenceBoard
from cxinbox.config import Config
from cxinbox.domain.sanitize import clean_line
from cxinbox.service.health import Health
from cxinbox.service.inbox import InboxService, role_of
from cxinbox.service.runtime import Worker, background_workers, supervise
from cxinbox.store.db import Database

log = logging.getLogger(__name__)

PROTOCOL: Final = 1
MAX_FRAME: Final = 64 * 1024 * 1024
"""Longest request line accepted (bulk queries are short; this is a safety bound)."""
SOCKET_MODE: Final = 0o660
API_THREADS: Final = 8
WORKER_JOIN_S: Final = 10.0


class ServeError(Exception):
    """The server cannot start (socket in use, bad path): one line for the person."""


@dataclass(frozen=True, slots=True)
class Peer:
    pid: int
    uid: int
    os_user: str


def peer_of(sock: socket.socket) -> Peer:
    """Who is on the other end, as the kernel says (not as the client claims)."""
    fmt = "3i"
    creds = sock.getsockopt(socket.SOL_SOCKET, socket.SO_PEERCRED, struct.calcsize(fmt))
    pid, uid, _gid = struct.unpack(fmt, creds)
    try:
        name = pwd.getpwuid(uid).pw_name
    except KeyError:
        name = f"uid{uid}"
    return Peer(pid, uid, name)


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

    def __init__(self, db: Database, config: Config, path: Path) -> None:
        self.db = db
        self.config = config
        self.path = path
        self.feed = ChangeFeed(self._head)
        self.feed.polled_elsewhere = True
        self.board = PresenceBoard(self.feed)
        self._server: asyncio.Server | None = None
        self._stopping: asyncio.Event | None = None
        self._connections: set[asyncio.StreamWriter] = set()
        self._methods = api_methods()
        self._my_uid = os.getuid()

    def _head(self) -> int:
        from cxinbox.store.conversations import last_event_seq

        return last_event_seq(self.db.conn)

    async def run(self, ready: Callable[[], None] | None = None) -> None:
        loop = asyncio.get_running_loop()
        loop.set_default_executor(ThreadPoolExecutor(API_THREADS, "cxinbox-serve"))
        self._stopping = asyncio.Event()
        old_umask = os.umask(0o117)  # the socket file is born 0660, never briefly wider
        try:
            self._server = await asyncio.start_unix_server(self._client, path=str(self.path),
                                                           limit=MAX_FRAME)
        finally:
            os.umask(old_umask)
        os.chmod(self.path, SOCKET_MODE)
        poller = asyncio.create_task(self._poll_head(), name="change-feed")
        if ready is not None:
            ready()
        try:
            await self._stopping.wait()
        finally:
            poller.cancel()
            self._server.close()
            for writer in list(self._connections):
                with contextlib.suppress(Exception):
                    writer.write(wire.dumps({"bye": "the cxinbox server is stopping"}))
                    writer.close()
            with contextlib.suppress(Exception):
                await asyncio.wait_for(self._server.wait_closed(), 2.0)

    def stop(self) -> None:
        """Ask `run` to finish (from the loop's thread, e.g. a signal handler)."""
        if self._stopping is not None:
            self._stopping.set()

    async def _poll_head(self) -> None:
        """Keep the feed's head fresh: at once after a request, else every tick (mail sync
        and other background threads write without telling anyone)."""
        feed = self.feed
        while True:
            generation = feed.generation
            try:
                await asyncio.to_thread(feed.read_head)
            except Exception:
                log.exception("reading the newest event failed")
            await feed.wait(generation, feed.poll_s)

    # -- one connection ---------------------------------------------------------------------

    async def _client(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        sock = writer.get_extra_info("socket")
        try:
            peer = peer_of(sock)
        except OSError as exc:
            log.warning("could not identify a client: %s", exc)
            writer.close()
            return
        member = self.config.staff_member(peer.os_user)
        if member is None and (self.config.staff or peer.uid != self._my_uid):
            log.warning("refused %s (uid %d, pid %d): not on the staff roster",
                        peer.os_user, peer.uid, peer.pid)
            refusal = Forbidden(f"{peer.os_user} is not on this cxinbox server's staff roster;"
                                " ask an admin to add you")
            writer.write(wire.dumps({"id": None, "error": wire.encode_error(refusal)}))
            with contextlib.suppress(ConnectionError):
                await writer.drain()
            writer.close()
            return
        name = member.name if member is not None else peer.os_user
        role = role_of(self.config, peer.os_user)
        key = object()
        api = InProcessAPI(InboxService(self.db, self.config, peer.os_user), feed=self.feed,
                           board=self.board, session=key, display_name=name)
        self.board.join(key, peer.os_user, name)
        self._connections.add(writer)
        tasks: dict[Any, asyncio.Task[None]] = {}
        log.info("%s connected (pid %d)", peer.os_user, peer.pid)
        try:
            writer.write(wire.dumps({"hello": {"actor": peer.os_user, "name": name,
                                               "role": role, "protocol": PROTOCOL,
                                               "pid": os.getpid()}}))
            while True:
                try:
                    line = await reader.readline()
                except (ConnectionError, asyncio.LimitOverrunError, ValueError):
                    break
                if not line:
                    break
                try:
                    frame = wire.loads(line)
                except wire.WireError as exc:
                    self._send(writer, {"id": None, "error": wire.encode_error(
                        BadRequest(str(exc)))})
                    continue
                if "cancel" in frame:
                    task = tasks.pop(frame["cancel"], None)
                    if task is not None:
                        task.cancel()
                    continue
                request_id = frame.get("id")
                task = asyncio.create_task(self._answer(api, frame, writer))
                tasks[request_id] = task
                task.add_done_callback(functools.partial(_forget, tasks, request_id))
        finally:
            for task in list(tasks.values()):
                task.cancel()
            self.board.leave(key)
            self._connections.discard(writer)
            writer.close()
            log.info("%s disconnected", peer.os_user)

    async def _answer(self, api: InProcessAPI, frame: dict[str, Any],
                      writer: asyncio.StreamWriter) -> None:
        request_id = frame.get("id")
        try:
            result = await self._dispatch(api, frame)
            reply = {"id": request_id, "result": wire.encode(result)}
        except ApiError as exc:
            reply = {"id": request_id, "error": wire.encode_error(exc)}
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            log.exception("request %s failed", frame.get("method"))
            reply = {"id": request_id, "error": wire.encode_error(
                ApiError(f"server error: {clean_line(str(exc)) or type(exc).__name__}"))}
        self._send(writer, reply)
        with contextlib.suppress(ConnectionError):
            await writer.drain()

    async def _dispatch(self, api: InProcessAPI, frame: dict[str, Any]) -> Any:
        method = frame.get("method")
        if not isinstance(method, str) or method not in self._methods:
            raise BadRequest(f"no such method: {clean_line(str(method))}")
        args, kwargs = frame.get("args", []), frame.get("kwargs", {})
        if not isinstance(args, list) or not isinstance(kwargs, dict):
            raise BadRequest("args must be a list and kwargs an object")
        bound = getattr(api, method)
        try:
            inspect.signature(bound).bind(*args, **kwargs)
        except TypeError as exc:
            raise BadRequest(f"{method}: {exc}") from None
        return await bound(*args, **kwargs)

    @staticmethod
    def _send(writer: asyncio.StreamWriter, frame: dict[str, Any]) -> None:
        if not writer.is_closing():
            writer.write(wire.dumps(frame))


def _forget(tasks: dict[Any, asyncio.Task[None]], request_id: Any,
            task: asyncio.Task[None]) -> None:
    if tasks.get(request_id) is task:
        del tasks[request_id]


# -- the whole process -------------------------------------------------------------------------


def serve(config: Config, *, on_ready: Callable[[Path], None] | None = None,
          workers: Sequence[Worker] | None = None) -> None:
    """Run the front-desk server until SIGTERM or SIGINT; the socket is removed on the way out.

    Raises ServeError when it cannot start (another server is live on the socket).
    """
    import signal

    path = config.socket_path
    with claimed_socket_path(path):
        db = Database(config.db_path)
        stop = threading.Event()
        threads: list[threading.Thread] = []
        server = InboxServer(db, config, path)
        health = Health(db, config)
        health.start_fresh()
        try:
            async def main() -> None:
                loop = asyncio.get_running_loop()
                for sig in (signal.SIGTERM, signal.SIGINT):
                    loop.add_signal_handler(sig, server.stop)

                def started() -> None:
                    # Workers start once the socket exists (its umask must not be theirs).
                    for worker in (background_workers(db, config, health) if workers is None
                                   else workers):
                        thread = threading.Thread(target=supervise,
                                                  args=(worker, stop, health),
                                                  name=f"worker-{worker.name}", daemon=True)
                        thread.start()
                        threads.append(thread)
                    if on_ready is not None:
                        on_ready(path)

                await server.run(started)

            asyncio.run(main())
        finally:
            stop.set()
            for thread in threads:
                thread.join(WORKER_JOIN_S)
                if thread.is_alive():
                    log.warning("%s did not stop within %.0f s", thread.name, WORKER_JOIN_S)
            db.close()
