"""The first sync's one summary page survives the server dying while it pages: a real
`cxinbox serve` is killed with SIGKILL while its notify hook runs (the hook waits on a fifo
the test holds), the hook dies with it, and the restarted server pages again; a restart
after the page went does not page again. Dovecot holds a month of mail before the first
sync; the hook is a real executable. On both stores (SQLite, PostgreSQL)."""

from __future__ import annotations

import json
import os
import signal
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from tests.support.mailgen import generate_corpus
from tests.support.smsprovider import SmsProvider
from tests.support.smtpsink import SmtpSink
from tests.test_rules import patient_mail
from tests.test_rules_serve import CLINIC, _config, _rows, _wait
from tests.test_serve_support import Server, cx, socket_dir

from cxinbox.service.sla_monitor import TEST_TIMEOUT_ENV

ALWAYS = "\n".join(f'{d} = ["00:00-24:00"]' for d in
                   ("mon", "tue", "wed", "thu", "fri", "sat", "sun"))
ROUTE = '''
[[rules]]
name = "route"
on = "arrival"
actions = { tag = ["routed"] }
'''


@pytest.fixture
def sockdir() -> Iterator[Path]:
    with socket_dir() as path:
        yield path


def _events(db: Path | str, action: str) -> list[tuple[int, dict[str, Any]]]:
    """The audit events `action`, oldest first, from the SQLite file or the PostgreSQL
    database (`db` its URL) the server writes."""
    if isinstance(db, Path):
        rows = _rows(db, "SELECT seq, details FROM events WHERE action = ? ORDER BY seq",
                     (action,))
    else:
        import psycopg

        with psycopg.connect(db) as conn:
            rows = conn.execute("SELECT seq, details FROM events WHERE action = %s"
                                " ORDER BY seq", (action,)).fetchall()
    return [(int(seq), d if isinstance(d, dict) else json.loads(d or "{}"))
            for seq, d in rows]


def _pages(notified: Path) -> list[dict[str, Any]]:
    if not notified.exists():
        return []
    return [h for h in (json.loads(line) for line in notified.read_text().splitlines()
                        if line.strip()) if h.get("state") == "backlog"]


def _hook(tmp: Path) -> tuple[Path, Path, Path]:
    """The SLA notify hook: it reads the page, and the FIRST backlog page waits on a fifo
    (its pid in held/pid) before it counts as gone (a line in notified.jsonl); every other
    run counts at once."""
    notified, fifo, held = tmp / "notified.jsonl", tmp / "gate.fifo", tmp / "held"
    os.mkfifo(fifo)
    (tmp / "hook.sh").write_text(
        "#!/bin/sh\n"
        "line=$(cat)\n"
        f'if [ "$CXINBOX_STATE" = backlog ] && mkdir "{held}" 2>/dev/null; then\n'
        f'  echo $$ > "{held}/pid"\n'
        f'  read gate < "{fifo}"\n'
        "fi\n"
        f"printf '%s\\n' \"$line\" >> \"{notified}\"\n")
    return notified, fifo, held


def _monitor_ran_since(cfg: Path, since: float) -> bool:
    done = cx("status", "--json", "--config", str(cfg))
    if not done.stdout.strip().startswith("{"):
        return False
    last = json.loads(done.stdout).get("sla_monitor", {}).get("last_run_at")
    return isinstance(last, int | float) and last >= since


def test_a_server_killed_while_paging_pages_again_and_only_then(
        dovecot: Any, tmp_path: Path, sockdir: Path, store_backend: str,
        request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> None:
    # The held hook must still be running when the test kills its server, however busy
    # the machine: the servers' hooks get 10 minutes instead of NOTIFY_TIMEOUT_S. The
    # restarted server does not wait for that: the paging names a process that is gone.
    monkeypatch.setenv(TEST_TIMEOUT_ENV, "600")
    sink = SmtpSink(tmp_path, user=dovecot.user, password=dovecot.password,
                    tls_dir=dovecot.root / "tls").start()
    provider = SmsProvider(numbers=[CLINIC]).start()
    sock = sockdir / "s.sock"
    db: Path | str = tmp_path / "data" / "cxinbox.db"
    held_pid: int | None = None
    try:
        cfg = _config(tmp_path, dovecot, sink, provider, sock, ROUTE, hours=ALWAYS,
                      policies=True)
        notified, _fifo, held = _hook(tmp_path)  # replaces _config's hook.sh, same path
        if store_backend == "postgresql":
            db = str(request.getfixturevalue("pg_url"))
            text = cfg.read_text()
            assert text.count(f'path = "{tmp_path / "data" / "cxinbox.db"}"') == 1
            cfg.write_text(text.replace(f'path = "{tmp_path / "data" / "cxinbox.db"}"',
                                        f'url = "{db}"'))
        end = datetime.now(UTC) - timedelta(days=4)
        assert dovecot.deliver_many(generate_corpus(30, seed=13, end=end), "INBOX") == 30
        dovecot.deliver(patient_mail("Today's question", message_id="today@p.example",
                                     sender="Tia <tia@patients.example>"))

        server = Server(cfg, sock).start()
        try:
            _wait("the backlog page is being paged", lambda: (held / "pid").exists()
                  and bool((held / "pid").read_text().strip()), server)
            held_pid = int((held / "pid").read_text())
            [(paging_seq, paging)] = _events(db, "sla.backlog_paging")
            assert paging["breached"] > 0
            assert _events(db, "sla.backlog_told") == []
            server.stop(signal.SIGKILL)  # the server dies while its hook runs...
        finally:
            if server.proc is not None and server.proc.poll() is None:
                server.stop(signal.SIGKILL)
        os.kill(held_pid, signal.SIGKILL)  # ...and its hook with it: the page never went
        held_pid = None
        assert _pages(notified) == []

        started = time.time()
        with Server(cfg, sock) as server:
            _wait("the restarted server paged again", lambda: len(_pages(notified)) == 1,
                  server)
            _wait("and recorded it told", lambda: bool(_events(db, "sla.backlog_told")),
                  server)
            [page] = _pages(notified)
            assert (page["breached"], page["at_risk"]) == (paging["breached"],
                                                           paging["at_risk"])
            [(_, told)] = _events(db, "sla.backlog_told")
            # the same page, resumed under a paging of its own
            [_, (resumed_seq, resumed)] = _events(db, "sla.backlog_paging")
            assert resumed["resumed"] == paging_seq and resumed["pid"] != paging["pid"]
            assert told["paging"] == resumed_seq and told["sent"] is True
            assert told["breached"] == paging["breached"] == resumed["breached"]
            _wait("a monitor round after it", lambda: _monitor_ran_since(cfg, started + 1),
                  server)
        # Normal life: a restart after the page went does not page again.
        again = time.time()
        with Server(cfg, sock) as server:
            _wait("the monitor ran after the restart",
                  lambda: _monitor_ran_since(cfg, again), server)
            assert len(_pages(notified)) == 1
            assert len(_events(db, "sla.backlog_told")) == 1
            assert len(_events(db, "sla.backlog_paging")) == 2
    finally:
        if held_pid is not None:
            try:
                os.kill(held_pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        sink.stop()
        provider.stop()
