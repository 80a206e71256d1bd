"""A request whose answer came before its write failed is not sent again (review29 #11).

The server can answer a request before the client has finished writing it (it read
enough) and then go away: the write then fails, but the call was done. Sending it again
would run a call that is not idempotent twice.
"""

from __future__ import annotations

import asyncio
import json
import os
import socket
import threading
from pathlib import Path

from cxinbox.api.socket_client import SocketAPI
from cxinbox.api.socket_probe import Hello


def test_a_request_answered_before_its_write_failed_returns_the_answer(
        tmp_path: Path) -> None:
    ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
    got = bytearray()

    def server() -> None:
        # Read the start of the request, answer it, and close with the rest unread.
        while b'"id"' not in got:
            chunk = theirs.recv(65536)
            if not chunk:
                return
            got.extend(chunk)
        request_id = 1  # the first request of this client
        theirs.sendall(json.dumps({"id": request_id, "result": "done"}).encode() + b"\n")
        theirs.close()

    peer = threading.Thread(target=server, daemon=True)
    peer.start()
    hello = Hello(actor="desk", name="Desk", role="admin", protocol=1, pid=os.getpid())
    # Nothing listens at the path: a second send could only fail.
    api = SocketAPI(tmp_path / "none.sock", hello, ours, reconnect_s=0.2)

    async def call() -> object:
        try:
            # Larger than the socket's buffers: the write is still going on when the
            # answer comes and the server closes.
            return await api.request("add_note", 1, "x" * (8 << 20))
        finally:
            await api.aclose()

    assert asyncio.run(call()) == "done"
    peer.join(timeout=30)
    assert api.connections == 1  # the one connection: it was not sent again
