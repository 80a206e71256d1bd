"""A TCP proxy that can cut or stall connections on demand.

Clinic links drop in the middle of a 10,000-message backfill; cxinbox must resume without
losing or duplicating mail. Killing Dovecot is too coarse for that (it also loses the
server's in-flight state), so tests put this proxy between cxinbox and Dovecot and cut
the connection after an exact number of server→client bytes, e.g. in the middle of a
FETCH literal. The proxy works below TLS, so certificate checks are unaffected.
"""

from __future__ import annotations

import socket
import struct
import threading
from dataclasses import dataclass, field
from typing import Self

__all__ = ["CuttingProxy"]

_CHUNK = 65536


@dataclass(eq=False)
class _Link:
    """One proxied connection: the client's socket and ours to the target."""

    client: socket.socket
    server: socket.socket
    closed: bool = False
    threads: list[threading.Thread] = field(default_factory=list)


class CuttingProxy:
    """Forward 127.0.0.1:`port` to `target`, and cut or stall connections when told to.

    All methods are thread-safe. Counters: `connections` (accepted so far), `cuts`
    (connections closed by `cut_after_bytes` or `cut_now`), `bytes_to_client`.
    """

    def __init__(
        self,
        target: tuple[str, int],
        *,
        host: str = "127.0.0.1",
        source_address: tuple[str, int] | None = None,
    ) -> None:
        """`source_address` binds our side of the connection to the target, e.g.
        ("127.0.0.2", 0): Dovecot treats a client whose IP equals the server's as
        already secure, so only a different source IP shows real-server behaviour
        (LOGINDISABLED before STARTTLS).
        """
        self.target = target
        self.host = host
        self.source_address = source_address
        self.port = 0
        self._lock = threading.Lock()
        self._flowing = threading.Event()
        self._flowing.set()
        self._stopping = threading.Event()
        self._listener: socket.socket | None = None
        self._accept_thread: threading.Thread | None = None
        self._links: set[_Link] = set()
        self._budget: int | None = None
        self._reset_on_cut = False
        self._cuts = 0
        self._connections = 0
        self._bytes_to_client = 0

    # ----------------------------------------------------------------- lifecycle

    def __enter__(self) -> Self:
        self.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    @property
    def address(self) -> tuple[str, int]:
        return self.host, self.port

    def start(self) -> None:
        """Bind a free port and start accepting; returns once the port is listening."""
        if self._listener is not None:
            raise RuntimeError("proxy already started")
        listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind((self.host, 0))
        listener.listen(64)
        # A timeout lets the accept loop notice stop() without relying on close() waking it.
        listener.settimeout(0.1)
        self._listener = listener
        self.port = int(listener.getsockname()[1])
        self._accept_thread = threading.Thread(
            target=self._accept_loop, name=f"cutting-proxy-{self.port}", daemon=True
        )
        self._accept_thread.start()

    def stop(self) -> None:
        """Stop accepting, close every connection and wait for the worker threads."""
        self._stopping.set()
        self._flowing.set()
        if self._accept_thread is not None:
            self._accept_thread.join(timeout=5)
            self._accept_thread = None
        if self._listener is not None:
            self._listener.close()
            self._listener = None
        with self._lock:
            links = list(self._links)
        for link in links:
            self._close(link, reset=False)
        for link in links:
            for thread in link.threads:
                if thread is not threading.current_thread():
                    thread.join(timeout=5)

    # ---------------------------------------------------------------- controls

    def cut_after_bytes(self, n: int, *, reset: bool = False) -> None:
        """Arm a cut: after `n` more server→client bytes, close that connection both ways.

        Exactly `n` bytes reach the client (counted across all connections since arming),
        then the connection that carried byte `n` is closed and the cut disarms itself.
        `reset=True` sends a TCP RST instead of a FIN, like a NAT box timing out.
        """
        if n < 0:
            raise ValueError("n must be >= 0")
        with self._lock:
            self._budget = n
            self._reset_on_cut = reset
        if n == 0:
            self.cut_now(reset=reset)

    def disarm(self) -> None:
        with self._lock:
            self._budget = None

    def cut_now(self, *, reset: bool = False) -> int:
        """Close every open connection at once; returns how many were cut."""
        with self._lock:
            links = [link for link in self._links if not link.closed]
            self._budget = None
            self._cuts += len(links)
        for link in links:
            self._close(link, reset=reset)
        return len(links)

    def stall(self) -> None:
        """Stop forwarding in both directions but keep sockets open (a dead link).

        A stalled TCP connection never errors by itself, so this proves the client's
        socket timeouts work.
        """
        self._flowing.clear()

    def resume(self) -> None:
        self._flowing.set()

    @property
    def cuts(self) -> int:
        with self._lock:
            return self._cuts

    @property
    def connections(self) -> int:
        with self._lock:
            return self._connections

    @property
    def open_connections(self) -> int:
        with self._lock:
            return sum(1 for link in self._links if not link.closed)

    @property
    def bytes_to_client(self) -> int:
        with self._lock:
            return self._bytes_to_client

    # --------------------------------------------------------------- internals

    def _accept_loop(self) -> None:
        listener = self._listener
        assert listener is not None
        while not self._stopping.is_set():
            try:
                client, _addr = listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            client.settimeout(None)
            try:
                server = socket.create_connection(
                    self.target, timeout=10, source_address=self.source_address
                )
                server.settimeout(None)
            except OSError:
                client.close()
                continue
            for sock in (client, server):
                sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            link = _Link(client=client, server=server)
            with self._lock:
                if self._stopping.is_set():
                    client.close()
                    server.close()
                    return
                self._links.add(link)
                self._connections += 1
            upstream = threading.Thread(
                target=self._pump, args=(link, client, server, False), daemon=True
            )
            downstream = threading.Thread(
                target=self._pump, args=(link, server, client, True), daemon=True
            )
            link.threads = [upstream, downstream]
            upstream.start()
            downstream.start()

    def _pump(
        self, link: _Link, source: socket.socket, sink: socket.socket, to_client: bool
    ) -> None:
        try:
            while True:
                data = source.recv(_CHUNK)
                if not data:
                    break
                self._flowing.wait()
                if self._stopping.is_set():
                    break
                cut_here = False
                reset = False
                if to_client:
                    with self._lock:
                        if link.closed:
                            break
                        if self._budget is not None and len(data) >= self._budget:
                            data = data[: self._budget]
                            self._budget = None
                            self._cuts += 1
                            cut_here = True
                            reset = self._reset_on_cut
                        elif self._budget is not None:
                            self._budget -= len(data)
                        self._bytes_to_client += len(data)
                if data:
                    sink.sendall(data)
                if cut_here:
                    self._close(link, reset=reset)
                    return
        except OSError:
            pass
        self._close(link, reset=False)

    def _close(self, link: _Link, *, reset: bool) -> None:
        with self._lock:
            if link.closed:
                return
            link.closed = True
            self._links.discard(link)
        for sock in (link.client, link.server):
            try:
                if reset:
                    # Linger 0 turns close() into an RST; SHUT_RD sends nothing on the wire
                    # but wakes the other pump thread blocked in recv() on this socket.
                    sock.setsockopt(
                        socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0)
                    )
                    sock.shutdown(socket.SHUT_RD)
                else:
                    sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            sock.close()
