"""CSAT through `cxinbox serve`: a close made over the socket, the question texted by the
server's own loops, the patient's "5" synced back, stored, and the conversation left closed."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from tests.support.smsprovider import SmsProvider
from tests.support.waiting import wait_until
from tests.test_serve_support import ME, Server, socket_dir

from cxinbox.api.socket_client import SocketAPI, probe

CLINIC = "+15550100100"
PATIENT = "+15557650142"


@pytest.fixture
def sockdir() -> Iterator[Path]:
    with socket_dir() as path:
        yield path


def _rows(db_path: Path, sql: str) -> list[tuple[Any, ...]]:
    try:
        conn = sqlite3.connect(f"file:{db_path}?mode=ro", uri=True)
    except sqlite3.Error:
        return []
    try:
        return conn.execute(sql).fetchall()
    except sqlite3.Error:
        return []
    finally:
        conn.close()


def _wait(what: str, check: Callable[[], bool], server: Server, timeout: float = 60) -> None:
    wait_until(check, what, timeout=timeout, interval=0.1, detail=lambda: server.log[-3000:])


async def test_close_ask_and_answer_through_the_server(tmp_path: Path, sockdir: Path,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    sock = sockdir / "s.sock"
    db_path = tmp_path / "data" / "cxinbox.db"
    with SmsProvider(numbers=[CLINIC]) as provider:
        token = tmp_path / "sms.token"
        token.write_text(provider.token + "\n")
        token.chmod(0o600)
        cfg = tmp_path / "config.toml"
        cfg.write_text(f"""
[clinic]
timezone = "UTC"

[store]
path = "{db_path}"

[server]
socket = "{sock}"

[outbox]
undo_seconds = 0

[csat]
enabled = true
delay_minutes = 0

[sla]
check_interval = 1

[sms]
base_url = "{provider.base_url}"
account_sid = "{provider.account_sid}"
verify_tls = false
password_file = "{token}"
poll_seconds = 1

[[sms.numbers]]
number = "{CLINIC}"
name = "Front desk"

[[staff]]
os_user = "{ME}"
name = "Desk Admin"
role = "admin"
""")
        provider.inject_inbound(PATIENT, CLINIC, "Zephyrine here, is my refill ready?")
        monkeypatch.setenv("CXINBOX_LOG_LEVEL", "debug")
        with Server(cfg, sock) as server:
            _wait("the text stored", lambda: bool(_rows(
                db_path, "SELECT id FROM conversations WHERE channel = 'sms'")), server)
            conv = int(_rows(db_path, "SELECT id FROM conversations")[0][0])
            found = probe(sock)
            assert found is not None
            api = SocketAPI(sock, *found)
            try:
                await api.set_status(conv, "closed")
            finally:
                await api.aclose()
            # The SLA monitor's next round (every second here) asks; the outbox texts it once.
            _wait("the question texted", lambda: len(provider.outbound()) == 1, server, 45)
            assert provider.outbound()[0].body.startswith("How did we do? Reply 1-5")
            provider.inject_inbound(PATIENT, CLINIC, "5")
            _wait("the rating stored", lambda: _rows(
                db_path, "SELECT rating FROM csat_requests")[0][0] == 5, server)
            assert _rows(db_path, f"SELECT status FROM conversations WHERE id = {conv}"
                         ) == [("closed",)]
            assert _rows(db_path, "SELECT body, author FROM notes") == [
                ("Patient rated 5/5", "csat")]
            actors = _rows(db_path, "SELECT actor, action FROM events WHERE action LIKE"
                                    " 'csat.%' ORDER BY seq")
            assert actors == [("csat", "csat.asked"), ("csat", "csat.rated")]
            # More rounds later: still one question.
            assert len(provider.outbound()) == 1
            log = server.log
    assert "sla round" in log and "csat question queued" in log
    for secret in ("Zephyrine", "refill", PATIENT, "7650142", "How did we do"):
        assert secret not in log, secret
