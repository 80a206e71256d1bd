"""`SocketAPI`: the `InboxAPI` spoken over `cxinbox serve`'s Unix socket.

One connection carries every request of a client; requests are multiplexed by id, so a
long-poll waiting for changes and a triage action travel side by side. The connection is
opened lazily on the event loop that first uses it (the TUI's loop is not running yet when
the launcher decides on the transport) and reopened when the server restarts. A request
already sent when the connection drops is not re-sent (the server may have done it); it
fails with `ServerUnavailable`, and the next request reconnects.

Every method of `InboxAPI` is forwarded by name: nothing here names a method.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
from collections.abc import Callable, Coroutine
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final

from cxinbox.api import wire
from cxinbox.api.interface import api_methods
from cxinbox.api.socket_probe import (
    CONNECT_TIMEOUT_S,
    MAX_FRAME,
    Hello,
    _hello_from,
    check_server,
    probe,
    trusted_server_uids,
)
from cxinbox.contract.errors import ApiError, ServerUnavailable, WrongServer
from cxinbox.domain.sanitize import clean_line

if TYPE_CHECKING:
    import socket

__all__ = ["MAX_FRAME", "Hello", "SocketAPI", "check_server", "probe", "trusted_server_uids"]

RECONNECT_S: Final = 5.0
"""How long a request waits for a restarting server before giving up."""


class _Connection:
    """One open socket on one event loop, with its reader task and pending requests."""

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter,
                 path: Path) -> None:
        self.reader = reader
        self.writer = writer
        self.path = path
        self.loop = asyncio.get_running_loop()
        self.pending: dict[int, asyncio.Future[Any]] = {}
        self.closed_why: str | None = None
        self.task = asyncio.create_task(self._read(), name="cxinbox-socket-reader")

    async def _read(self) -> None:
        why = "the cxinbox server closed the connection"
        try:
            while True:
                line = await self.reader.readline()
                if not line:
                    break
                frame = wire.loads(line, from_server=True)
                if "bye" in frame:
                    why = f"the cxinbox server closed the connection ({frame['bye']})" \
                        if isinstance(frame["bye"], str) else "the cxinbox server stopped"
                    why = clean_line(why, max_len=200)
                    continue
                future = self.pending.pop(frame.get("id"), None)  # type: ignore[arg-type]
                if future is None or future.done():
                    continue
                if "error" in frame:
                    future.set_exception(wire.decode_error(frame["error"]))
                else:
                    future.set_result(frame.get("result"))
        except (ConnectionError, OSError, ValueError, wire.WireError) as exc:
            why = f"lost the connection to the cxinbox server ({exc})"
        except asyncio.CancelledError:
            why = "the connection was closed"
            raise
        finally:
            self.closed_why = why
            for future in self.pending.values():
                if not future.done():
                    future.set_exception(ServerUnavailable(f"{why}; {self.path}"))
            self.pending.clear()
            self.writer.close()

    @property
    def alive(self) -> bool:
        return self.closed_why is None and not self.writer.is_closing()

    def close(self) -> None:
        self.task.cancel()
        self.writer.close()


class SocketAPI:
    """`InboxAPI` over the socket. Build it with the `Hello` (and socket) from `probe`."""

    def __init__(self, path: Path, hello: Hello, sock: socket.socket | None = None, *,
                 reconnect_s: float = RECONNECT_S,
                 trusted: frozenset[int] | None = None) -> None:
        self.path = path
        self._trusted = trusted
        self.hello = hello
        self.actor = hello.actor
        self.name = hello.name
        self.role = hello.role
        self._sock = sock
        self._reconnect_s = reconnect_s
        self._conn: _Connection | None = None
        self._connecting: asyncio.Lock | None = None
        self._connecting_loop: asyncio.AbstractEventLoop | None = None
        self._ids = itertools.count(1)
        self._methods = api_methods()
        self.connections = 0
        """Connections opened so far: one more each time a request found the server gone
        and reached it again (a restarted server may run another config: rotas, staff)."""

    def __getattr__(self, name: str) -> Callable[..., Coroutine[Any, Any, Any]]:
        if name.startswith("_") or name not in api_methods():
            raise AttributeError(name)

        async def call(*args: Any, **kwargs: Any) -> Any:
            return await self.request(name, *args, **kwargs)

        call.__name__ = name
        return call

    async def request(self, method: str, *args: Any, **kwargs: Any) -> Any:
        frame = {"method": method, "args": wire.encode(list(args)),
                 "kwargs": wire.encode(kwargs)}
        for attempt in (1, 2):
            conn = await self._connection()
            request_id = next(self._ids)
            future: asyncio.Future[Any] = conn.loop.create_future()
            conn.pending[request_id] = future
            try:
                conn.writer.write(wire.dumps({"id": request_id, **frame}))
                await conn.writer.drain()
            except (ConnectionError, OSError) as exc:
                # The server had closed before our request reached it (a restart we have
                # not read about yet): nothing was done, so sending it again is safe.
                conn.pending.pop(request_id, None)
                # The reader may have settled this future already. With a result, the
                # server did run the call: return it, never send it again (a call that
                # is not idempotent would run twice). With an error (the same lost
                # connection): read it here, or asyncio warns at exit that nobody did.
                if future.done() and not future.cancelled():
                    if future.exception() is None:
                        conn.close()
                        return future.result()
                else:
                    future.cancel()
                conn.close()
                if attempt == 2:
                    raise ServerUnavailable(f"lost the connection to the cxinbox server at"
                                            f" {self.path} ({exc})") from None
                continue
            try:
                return await future
            except asyncio.CancelledError:
                conn.pending.pop(request_id, None)
                if conn.alive:
                    with contextlib.suppress(Exception):
                        conn.writer.write(wire.dumps({"cancel": request_id}))
                raise
        raise AssertionError("unreachable")

    async def _connection(self) -> _Connection:
        conn = self._conn
        loop = asyncio.get_running_loop()
        if conn is not None and conn.alive and conn.loop is loop:
            return conn
        if self._connecting is None or self._connecting_loop is not loop:
            self._connecting = asyncio.Lock()
            self._connecting_loop = loop
        async with self._connecting:
            conn = self._conn
            if conn is not None and conn.alive and conn.loop is loop:
                return conn
            if conn is not None:
                with contextlib.suppress(Exception):
                    conn.close()
            self._conn = await self._open(loop)
            return self._conn

    async def _open(self, loop: asyncio.AbstractEventLoop) -> _Connection:
        sock, self._sock = self._sock, None
        if sock is not None:  # the probe's connection, hello already read
            reader, writer = await asyncio.open_unix_connection(sock=sock, limit=MAX_FRAME)
            self.connections += 1
            return _Connection(reader, writer, self.path)
        deadline = loop.time() + self._reconnect_s
        delay = 0.05
        last = "no server"
        while True:
            try:
                reader, writer = await asyncio.wait_for(
                    asyncio.open_unix_connection(str(self.path), limit=MAX_FRAME),
                    CONNECT_TIMEOUT_S)
                try:
                    check_server(writer.get_extra_info("socket"), self.path, self._trusted)
                except ApiError:
                    writer.close()
                    raise
                line = await asyncio.wait_for(reader.readline(), CONNECT_TIMEOUT_S)
                if not line:
                    writer.close()
                    raise ConnectionResetError("closed before saying hello")
                hello = _hello_from(wire.loads(line, from_server=True), self.path)
                if hello.actor != self.actor:
                    writer.close()
                    raise ServerUnavailable(f"{self.path}: the server now knows us as"
                                            f" {hello.actor}, not {self.actor}")
                if self.hello.store and hello.store and \
                        not set(self.hello.store) & set(hello.store):
                    writer.close()
                    raise WrongServer(f"{self.path}: the server now serves"
                                      f" {clean_line(hello.store[-1])}, not"
                                      f" {clean_line(self.hello.store[-1])}; not talking to it")
                self.hello = hello
                self.connections += 1
                return _Connection(reader, writer, self.path)
            except ApiError:
                raise
            except (OSError, TimeoutError, wire.WireError) as exc:
                last = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
            if loop.time() + delay > deadline:
                raise ServerUnavailable(f"the cxinbox server at {self.path} is not running"
                                        f" ({last or 'no answer'})")
            await asyncio.sleep(delay)
            delay = min(0.5, delay * 2)

    async def aclose(self) -> None:
        conn, self._conn = self._conn, None
        if conn is not None:
            conn.close()
            with contextlib.suppress(Exception, asyncio.CancelledError):
                await conn.task
        if self._sock is not None:
            self._sock.close()
            self._sock = None
