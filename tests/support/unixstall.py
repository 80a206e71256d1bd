"""A relay between two Unix sockets that can hold back what one side sends, for
replication tests: a standby streaming from a primary through it stays connected (its
status replies still reach the primary) while the WAL the primary sends waits here; when
the primary then dies, what was held is dropped, as a network that had not delivered it
would. PostgreSQL's test clusters listen on Unix sockets only, which the TCP proxy of
tests/support/tcpproxy.py cannot stand in front of.
"""

from __future__ import annotations

import contextlib
import os
import socket
import threading
from pathlib import Path

_CHUNK = 65536


class UnixStall:
    """Listen at `listen` (a socket file) and relay each connection to `target`.

    `stall()`: data from the target to the client is read and kept back, not forwarded;
    `held` says how many bytes. `cut()`: every connection closed, what was held dropped.
    Data from the client to the target always flows."""

    def __init__(self, listen: Path, target: Path) -> None:
        self.listen = listen
        self.target = target
        self._lock = threading.Lock()
        self._stalled = threading.Event()
        self._closing = threading.Event()
        self._links: list[tuple[socket.socket, socket.socket]] = []
        self.held = 0
        self._server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self._server.bind(str(listen))
        os.chmod(listen, 0o777)  # the server's own user connects to it
        self._server.listen(8)
        self._thread = threading.Thread(target=self._accept, daemon=True)
        self._thread.start()

    def _accept(self) -> None:
        while not self._closing.is_set():
            try:
                client, _ = self._server.accept()
            except OSError:
                return
            upstream = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            try:
                upstream.connect(str(self.target))
            except OSError:
                client.close()
                upstream.close()
                continue
            with self._lock:
                self._links.append((client, upstream))
            threading.Thread(target=self._pump, args=(client, upstream, False),
                             daemon=True).start()
            threading.Thread(target=self._pump, args=(upstream, client, True),
                             daemon=True).start()

    def _pump(self, source: socket.socket, sink: socket.socket, holdable: bool) -> None:
        while True:
            try:
                data = source.recv(_CHUNK)
            except OSError:
                data = b""
            if not data:
                break
            if holdable and self._stalled.is_set():
                with self._lock:
                    self.held += len(data)
                continue  # kept back: never delivered
            try:
                sink.sendall(data)
            except OSError:
                break
        for sock in (source, sink):
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)

    def stall(self) -> None:
        self._stalled.set()

    def cut(self) -> None:
        with self._lock:
            links, self._links = self._links, []
        for pair in links:
            for sock in pair:
                with contextlib.suppress(OSError):
                    sock.shutdown(socket.SHUT_RDWR)
                sock.close()

    def close(self) -> None:
        self._closing.set()
        self.cut()
        with contextlib.suppress(OSError):
            self._server.shutdown(socket.SHUT_RDWR)
        self._server.close()
        self._thread.join(timeout=5)
        with contextlib.suppress(FileNotFoundError):
            self.listen.unlink()
