"""A server stopped (SIGTERM) while its notify hook pages a red flag held by caps waits for
the hook, longer than the time it used to give its workers (WORKER_JOIN_S, 10 s; shortened
here by its test hook), and records the page gone: the next start does not page it again.
A real `cxinbox serve` on SQLite, mail from Dovecot, a hook the test holds on a fifo past
the old limit and then lets go."""

from __future__ import annotations

import os
import signal
import time
from pathlib import Path
from typing import Any

import pytest
from tests.support.waiting import wait_until
from tests.test_redflag_routing_page_crash import (  # noqa: F401 - the fixture
    _mail,
    desk_config,
    events,
    hold_first_page,
    listed,
    pages,
    routed_at_cap,
    sockdir,
)
from tests.test_serve_support import Server

from cxinbox.api.socket_server import TEST_JOIN_ENV
from cxinbox.service.redflag_routing import PAGING, TOLD, WAITING
from cxinbox.service.sla_monitor import TEST_TIMEOUT_ENV

JOIN_S = 2.0
"""The servers' worker join limit here (WORKER_JOIN_S, 10 s, by default)."""


def test_a_server_stopped_while_paging_waits_for_the_hook_and_pages_once(
        dovecot: Any, tmp_path: Path, sockdir: Path,  # noqa: F811
        monkeypatch: pytest.MonkeyPatch) -> None:
    # Hooks get 30 s here, so the stop may wait 40 s; the test lets the hook go 2 s past
    # the time a stopping server used to give its workers before closing its store (10 s;
    # JOIN_S here, which is what a server that still waited only that long would wait:
    # the same proof, 8 s sooner).
    monkeypatch.setenv(TEST_TIMEOUT_ENV, "30")
    monkeypatch.setenv(TEST_JOIN_ENV, str(JOIN_S))
    sock = sockdir / "s.sock"
    db = tmp_path / "data" / "cxinbox.db"
    hook, held = hold_first_page(tmp_path)
    paged, fifo = tmp_path / "paged.jsonl", tmp_path / "gate.fifo"
    cfg = desk_config(tmp_path, dovecot, sock, hook, db)
    held_pid: int | None = None
    server = Server(cfg, sock).start()
    try:
        flag = routed_at_cap(cfg, dovecot, server)
        wait_until(lambda: (held / "pid").exists() and bool((held / "pid").read_text().strip()),
                   "the cap page is being paged", timeout=60.0,
                   detail=lambda: server.log[-3000:])
        held_pid = int((held / "pid").read_text())
        assert events(db, TOLD) == []
        assert server.proc is not None
        asked = time.monotonic()
        server.proc.send_signal(signal.SIGTERM)
        proc = server.proc
        wait_until(lambda: proc.poll() is not None
                   or time.monotonic() - asked > JOIN_S + 2.0,
                   "the old stop limit passed", timeout=60.0)
        assert proc.poll() is None, "the server stopped before its hook ended"
        with open(fifo, "w") as gate:  # the hook's page goes now
            gate.write("go\n")
        held_pid = None
        assert proc.wait(timeout=60) == 0, server.log[-3000:]
        assert len(pages(paged)) == 1
        [(_, told)] = events(db, TOLD)
        assert told["conversation"] == flag and told["sent"] is True
    finally:
        if held_pid is not None:
            try:
                os.kill(held_pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        if server.proc is not None and server.proc.poll() is None:
            server.stop(signal.SIGKILL)
    # The next start pages the first flag no more. What shows its rounds ran: a second
    # flag at the cap, paged by them (each round looks for pages owed after its own work).
    with Server(cfg, sock) as server:
        dovecot.deliver(_mail(3, "Again", "Crushing chest pain again since this morning."))
        wait_until(lambda: len(pages(paged)) == 2, "the second flag's page", timeout=120.0,
                   detail=lambda: server.log[-3000:])
        wait_until(lambda: len(events(db, TOLD)) == 2, "recorded gone", timeout=30.0,
                   detail=lambda: server.log[-3000:])
        second = max(listed(cfg, "is:red-flag"))
        assert second != flag
        assert sorted(p["conversation"] for p in pages(paged)) == [flag, second]
        assert events(db, PAGING) == [] and len(events(db, WAITING)) == 2
