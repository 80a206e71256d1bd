"""Three `cxinbox serve` on one PostgreSQL sending replies: the server in the middle of a
send is paused (SIGSTOP) before the message data, as a frozen VM would be.

Its sender lease is freed by the database once it stops beating (store/pg/lease.py), a
surviving server settles its reply and sends it, and when the paused server resumes
(SIGCONT) it does not send that reply's data again: the marker before the data is written
only while its claim stands. Each Message-ID reaches the sink once.
"""

from __future__ import annotations

import contextlib
import os
import signal
import time
from pathlib import Path
from typing import Any

import pytest
from tests.support.smtpsink import SmtpSink, patient_mail
from tests.test_pg_outbox import (  # noqa: F401 - the fixtures are used by name
    _chain_ok,
    _owner_of_port,
    _queue_reply,
    _scalar,
    _sent_once,
    _start_sites,
    _states,
    _wait,
    sink,
)
from tests.test_serve_support import socket_dir

from cxinbox.store.pg.lease import TEST_IDLE_ENV
from cxinbox.store.pg.store import PgStore

pytestmark = pytest.mark.dovecot


IDLE_S = 5
"""The servers' lease idle limit (the store's test hook, CXINBOX_TEST_LEASE_IDLE_S, for
IDLE_LIMIT_S, 15 s; the beat keeps its ratio to it): the paused sender's lease is freed
the same way, 10 s sooner."""


@pytest.mark.timeout(600)
def test_a_sender_paused_before_the_data_is_taken_over_and_sends_nothing_after(
        tmp_path: Path, dovecot: Any, sink: SmtpSink, pg_url: str,  # noqa: F811
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(TEST_IDLE_ENV, str(IDLE_S))
    for i in range(3):
        dovecot.deliver(patient_mail(f"Question {i}", message_id=f"p{i}@patients.example",
                                     sender=f"Pat {i} <pat{i}@patients.example>"), "INBOX")
    store = PgStore(pg_url, max_size=1)
    body = tmp_path / "reply.txt"
    body.write_text("Thank you, we will call you back today.\n")
    paused: Any = None
    with socket_dir() as sockdir:
        sites = _start_sites(tmp_path, dovecot, sink, pg_url, sockdir, undo_seconds=1)
        try:
            _wait("the first sync", lambda: _scalar(
                store, "SELECT count(*) FROM conversations") == 3, 120)
            conv = int(_scalar(store, "SELECT min(id) FROM conversations"))
            sink.hold("rcpt")
            item = _queue_reply(sites[0], conv, body)
            assert sink.holding.wait(60), "no server began the send"
            assert sink.held_peer is not None
            paused = _owner_of_port(sites, sink.held_peer[1])
            assert _states(store)[item] == "sending"
            os.kill(paused.server.proc.pid, signal.SIGSTOP)
            at = time.monotonic()
            # A survivor settles the paused server's reply (requeued: its data had not
            # started) and sends it.
            _wait("another server to send the reply", lambda: _states(store)[item] == "sent",
                  120)
            took = time.monotonic() - at
            print(f"reply sent by another server {took:.1f} s after the sender was paused")
            assert _scalar(store, "SELECT attempts FROM outbox WHERE id = ?", (item,)) == 2

            os.kill(paused.server.proc.pid, signal.SIGCONT)
            sink.release.set()  # the paused server's session goes on where it stopped
            # Its session ends without the data: the marker is refused.
            assert paused.server.wait_log('msg="reply left to another worker"', 90), \
                paused.server.log[-3000:]
            assert paused.server.wait_log("outbox sender lease lost", 1)
            assert paused.alive()
            ids = _sent_once(store, sink)
            assert set(ids) == {item}
            _chain_ok(store)
            for site in sites:
                assert "Traceback" not in site.server.log, site.server.log[-3000:]
        finally:
            if paused is not None and paused.server.proc is not None:
                with contextlib.suppress(ProcessLookupError):
                    os.kill(paused.server.proc.pid, signal.SIGCONT)
            sink.release.set()
            for site in sites:
                site.server.__exit__()
            store.close()
