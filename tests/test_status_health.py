"""`cxinbox status` with no QUERY: the server's health, graded for monitoring.

Real components: `cxinbox serve` in a subprocess, a private Dovecot for the account, the
real CLI in subprocesses. The grading rules themselves are pure and pinned first.
"""

from __future__ import annotations

import asyncio
import json
import re
import time
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta
from datetime import time as dt_time
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from tests.support.clirun import cx_here
from tests.support.dovecot import DovecotServer
from tests.support.smsprovider import SmsProvider
from tests.synchelp import write_config as account_config
from tests.test_bulk_cli import fill
from tests.test_serve_support import ME, Server, cx, socket_dir, write_config

from cxinbox.api.socket_client import SocketAPI, probe
from cxinbox.domain import health_levels as grade
from cxinbox.service.status import last_backup_record
from cxinbox.store.db import Database

TOP_KEYS = {"schema", "level", "summary", "now", "server", "accounts", "outbox", "sms",
            "sla_monitor", "staff_online", "database", "disk", "backup", "checks",
            "exit_code"}
CLINIC = "+15550100100"
ACCOUNT_KEYS = {"name", "folders", "last_sync_at", "lag_s", "signin", "problem", "message",
                "level"}


@pytest.fixture
def sockdir() -> Iterator[Path]:
    with socket_dir() as path:
        yield path


def _until(what: Callable[[], Any], timeout: float = 30.0) -> Any:
    """The first truthy answer of `what` within `timeout` (the last answer otherwise)."""
    deadline = time.monotonic() + timeout
    while True:
        got = what()
        if got or time.monotonic() > deadline:
            return got
        time.sleep(0.2)


def _status(cfg: Path, *extra: str, real: bool = False) -> Any:
    """`cxinbox status`: in this process (tests/support/clirun.py), or with `real` in a
    child of its own, as a monitoring system runs it (its exit status is the verdict)."""
    return (cx if real else cx_here)("status", *extra, "--config", str(cfg))


def _with_server_section(cfg: Path, sock: Path, roster: dict[str, str] | None = None) -> Path:
    text = cfg.read_text() + f'\n[server]\nsocket = "{sock}"\n'
    for user, role in (roster or {}).items():
        text += f'\n[[staff]]\nos_user = "{user}"\nname = "{user}"\nrole = "{role}"\n'
    cfg.write_text(text)
    return cfg


def _with_sms(cfg: Path, provider: SmsProvider) -> Path:
    token = cfg.parent / "sms.token"
    token.write_text(provider.token + "\n")
    token.chmod(0o600)
    cfg.write_text(cfg.read_text() + f"""
[sms]
base_url = "{provider.base_url}"
account_sid = "{provider.account_sid}"
verify_tls = false
password_file = "{token}"
poll_seconds = 1

[[sms.numbers]]
number = "{CLINIC}"
name = "Desk"
""")
    return cfg


# -- the grading rules --------------------------------------------------------------------


def test_levels_and_their_boundaries() -> None:
    assert grade.worst(["ok", "unknown", "warning"]) == "warning"
    assert grade.worst(["ok", "critical", "warning"]) == "critical"
    assert grade.worst([]) == "ok"
    assert [grade.exit_code(x) for x in ("ok", "warning", "critical", "unknown")] == [0, 1, 2, 3]
    assert grade.sync_level(15 * 60) == "ok" and grade.sync_level(15 * 60 + 1) == "warning"
    assert grade.sync_level(60 * 60 + 1) == "critical"
    # Lag counts from when the next confirmation was due, not from the last one.
    assert grade.past_due(10_000, 10_000 - 1500, 1500, 0) == 0
    assert grade.past_due(10_000, None, 1500, 10_000 - 1600) == 100
    assert grade.disk_level(11, 100) == "ok" and grade.disk_level(9, 100) == "warning"
    assert grade.disk_level(4, 100) == "critical" and grade.disk_level(0, 0) == "unknown"
    assert grade.outbox_level(0, 0, None) == "ok"
    assert grade.outbox_level(1, 0, None) == "warning"
    assert grade.outbox_level(0, 0, 61 * 60) == "critical"
    assert grade.backup_level(None, None) == "ok"  # none on record: said in words
    assert grade.backup_level(3600, True) == "ok"
    assert grade.backup_level(3 * 86400, True) == "warning"
    assert grade.backup_level(3600, False) == "warning"
    assert grade.backup_level(None, False) == "critical"
    assert grade.sla_level(None) == "warning" and grade.sla_level(20) == "ok"


def test_a_long_sla_check_interval_raises_the_idle_thresholds() -> None:
    """With `[sla] check_interval = 1800` a round half an hour ago is on time: warning
    after 3 missed rounds, critical after 6; the defaults hold for short intervals."""
    half_hour = 1800
    assert grade.sla_level(16 * 60, interval_s=half_hour) == "ok"
    assert grade.sla_level(half_hour + 60, interval_s=half_hour) == "ok"
    assert grade.sla_level(3 * half_hour + 1, interval_s=half_hour) == "warning"
    assert grade.sla_level(6 * half_hour + 1, interval_s=half_hour) == "critical"
    # 15 s (the default): 5 and 15 minutes, as before.
    assert grade.sla_level(5 * 60 + 1, interval_s=15) == "warning"
    assert grade.sla_level(15 * 60 + 1, interval_s=15) == "critical"
    assert grade.sla_level(16 * 60) == "critical"


def test_the_backup_record_is_read_defensively(tmp_path: Path) -> None:
    db_path = tmp_path / "cxinbox.db"
    now = 1_800_000_000
    none = last_backup_record(db_path, now)
    assert (none.on_record, none.summary, none.level) == (False, "no backup on record", "ok")
    record = tmp_path / "backup-last.json"
    record.write_text(json.dumps({"at": (now - 3600) * 1000, "ok": True, "by": "schedule",
                                  "file": "/b/x.age", "summary": "integrity ok, chain ok",
                                  "last_ok_at": (now - 3600) * 1000}))
    good = last_backup_record(db_path, now)
    assert (good.last_ok, good.last_ok_at, good.level) == (True, now - 3600, "ok")
    assert "verified 1h00m ago: integrity ok" in good.summary
    record.write_text(json.dumps({"at": (now - 60) * 1000, "ok": False, "summary": "disk full",
                                  "last_ok_at": (now - 3 * 86400) * 1000}))
    failed = last_backup_record(db_path, now)
    assert failed.level == "warning" and "failed" in failed.summary
    assert "last verified 3d00h ago" in failed.summary
    record.write_text("{not json")
    assert last_backup_record(db_path, now).level == "warning"


# -- a real server --------------------------------------------------------------------------


def test_all_well_is_ok_and_exit_0_with_a_stable_json_shape(
        tmp_path: Path, sockdir: Path, dovecot: DovecotServer) -> None:
    sock = sockdir / "s.sock"
    cfg = _with_server_section(account_config(tmp_path, dovecot), sock)
    with SmsProvider(numbers=[CLINIC]) as provider, Server(_with_sms(cfg, provider), sock):
        polled = _until(lambda: json.loads(_status(cfg, "--json").stdout)["sms"][0]
                        ["last_poll_at"])
        assert polled, "the SMS number was never polled"
        done = _until(lambda: (r := _status(cfg)).returncode == 0 and r)
        assert done, _status(cfg).stdout
        first = done.stdout.splitlines()[0]
        assert first.startswith("CXINBOX OK - ") and " | sync_lag=0s;900;3600;0" in first
        assert "  OK       appointments: in sync" in done.stdout and done.stderr == ""
        as_json = _status(cfg, "--json", real=True)
        assert as_json.returncode == 0
        data = json.loads(as_json.stdout)
        assert set(data) == TOP_KEYS and data["schema"] == 1 and data["exit_code"] == 0
        assert data["level"] == "ok" and data["server"]["reachable"] is True
        [account] = data["accounts"]
        assert set(account) == ACCOUNT_KEYS
        assert (account["name"], account["signin"], account["level"]) == \
            ("appointments", "ok", "ok")
        assert account["folders"] == 1 and account["last_sync_at"] is not None
        assert data["outbox"]["failed"] == 0 and data["database"]["bytes"] > 0
        [sms] = data["sms"]
        # a poll a second late on a busy machine is past due by that second: still ok
        assert (sms["number"], sms["level"]) == (CLINIC, "ok") and sms["lag_s"] >= 0
        assert data["backup"]["summary"] == "no backup on record"
        assert data["disk"]["total_bytes"] > data["disk"]["free_bytes"] > 0
        assert {c["name"] for c in data["checks"]} >= {"account:appointments", "outbox",
                                                       "sla monitor", "disk", "backup"}
        # Connected staff: not the connection asking, but someone with a TUI open.
        assert _until(lambda: json.loads(_status(cfg, "--json").stdout)["staff_online"] == [])
        held = probe(sock)
        assert held is not None
        try:
            assert json.loads(_status(cfg, "--json").stdout)["staff_online"] == [ME]
            assert f"staff connected: {ME}" in _status(cfg).stdout
        finally:
            held[1].close()


def test_an_account_that_cannot_sign_in_is_critical_and_named(
        tmp_path: Path, sockdir: Path, dovecot: DovecotServer) -> None:
    sock = sockdir / "s.sock"
    cfg = _with_server_section(account_config(tmp_path, dovecot), sock)
    (tmp_path / "appointments.pass").write_text("not-the-password\n")
    with Server(cfg, sock):
        done = _until(lambda: (r := _status(cfg)).returncode == 2 and r)
        assert done, _status(cfg).stdout
        first = done.stdout.splitlines()[0]
        assert first.startswith("CXINBOX CRITICAL - appointments: mail server refused the"
                                " sign-in")
        data = json.loads(_status(cfg, "--json").stdout)
        [account] = data["accounts"]
        assert (account["signin"], account["problem"], account["level"]) == \
            ("failing", "sign-in", "critical")
        assert data["exit_code"] == 2 and set(data) == TOP_KEYS


def test_a_mail_server_that_went_away_is_a_warning_naming_the_account(
        tmp_path: Path, sockdir: Path, dovecot: DovecotServer) -> None:
    sock = sockdir / "s.sock"
    ca_file = tmp_path / "ca.pem"  # Dovecot takes its own files away when it stops
    ca_file.write_bytes(Path(dovecot.ca_file).read_bytes())
    cfg = _with_server_section(account_config(tmp_path, dovecot, ca_file=ca_file), sock)
    with Server(cfg, sock) as server:
        assert _until(lambda: _status(cfg).returncode == 0), _status(cfg).stdout
        dovecot.stop()
        done = _until(lambda: (r := _status(cfg)).returncode == 1 and r)
        assert done, _status(cfg).stdout + server.log
        # the folder's watch or a new sign-in meets the stopped server first: the warning
        # names the account either way (with the folder when its watch found it)
        assert re.match(r"CXINBOX WARNING - appointments(/INBOX)?: mail server unreachable"
                        r" since ", done.stdout), done.stdout
        # the clinic's clock (New York here), not the host's, whatever zone the host runs in
        since = done.stdout.split("unreachable since ", 1)[1][:5]
        ny = ZoneInfo("America/New_York")
        stamp = datetime.combine(datetime.now(ny).date(), dt_time.fromisoformat(since), ny)
        gap = min(abs((datetime.now(ny) - (stamp + timedelta(days=d))).total_seconds())
                  for d in (-1, 0, 1))
        assert gap < 1800, (since, datetime.now(ny).strftime("%H:%M"))
        [account] = json.loads(_status(cfg, "--json").stdout)["accounts"]
        assert (account["problem"], account["signin"], account["level"]) == \
            ("unreachable", "ok", "warning")


def test_failed_and_unconfirmed_replies_are_a_warning(tmp_path: Path, sockdir: Path) -> None:
    from cxinbox.store import outbox

    sock = sockdir / "s.sock"
    cfg = write_config(tmp_path, sock, {ME: "admin"})
    db = Database(tmp_path / "data" / "cxinbox.db")
    try:
        with db.write() as conn:
            for state in ("failed", "unconfirmed"):
                item = outbox.insert_item(
                    conn, conversation_id=None, author=ME, channel="sms",
                    account="+15550100100", sender="+15550100100",
                    recipients=["+15557770000"], subject="", message_id=None, raw=None,
                    body="see you at 9", draft={}, now_ms=1_000, send_after_ms=1_000)
                conn.execute("UPDATE outbox SET state = ? WHERE id = ?", (state, item))
    finally:
        db.close()
    with Server(cfg, sock):
        proc = _status(cfg, real=True)
        data = json.loads(_status(cfg, "--json").stdout)
    assert proc.returncode == 1, proc.stdout
    assert proc.stdout.startswith("CXINBOX WARNING - outbox: 0 queued, 0 sending, 1 failed (a"
                                  " person must retry or cancel), 1 unconfirmed")
    assert (data["outbox"]["failed"], data["outbox"]["unconfirmed"]) == (1, 1)
    assert "see you" not in proc.stdout  # counts, never what the reply said


def test_a_server_that_is_down_is_critical_in_one_line(tmp_path: Path, sockdir: Path) -> None:
    sock = sockdir / "nobody.sock"
    cfg = write_config(tmp_path, sock, {ME: "admin"})
    proc = _status(cfg, real=True)
    assert proc.returncode == 2
    assert proc.stdout == ("CXINBOX CRITICAL - the cxinbox server is not running (nothing"
                           f" answers on {sock})\n")
    assert proc.stderr == ""
    data = json.loads(_status(cfg, "--json").stdout)
    assert set(data) == TOP_KEYS and data["server"]["reachable"] is False
    assert (data["level"], data["exit_code"]) == ("critical", 2)


def test_the_monitor_role_reads_health_and_nothing_else(tmp_path: Path, sockdir: Path) -> None:
    sock = sockdir / "s.sock"
    cfg = write_config(tmp_path, sock, {ME: "monitor", "jo": "agent"})
    with Server(cfg, sock):
        proc = _status(cfg, "--json")
        assert proc.returncode == 0, proc.stdout
        data = json.loads(proc.stdout)
        assert data["staff_online"] == []  # a monitoring check is not someone at the desk
        listed = cx("list", "--config", str(cfg))
        assert listed.returncode == 6 and listed.stdout == ""
        assert "the monitor role may only read the health report" in listed.stderr
        assert len(listed.stderr.strip().splitlines()) == 1
    db = Database(tmp_path / "data" / "cxinbox.db")
    try:
        denied = db.conn.execute("SELECT actor, details FROM events WHERE action ="
                                 " 'access.denied'").fetchall()
    finally:
        db.close()
    assert [(a, json.loads(d)["method"]) for a, d in denied] == [(ME, "list_conversations")]


def test_a_monitoring_login_is_nobody_to_assign(tmp_path: Path, sockdir: Path) -> None:
    sock = sockdir / "s.sock"
    cfg = write_config(tmp_path, sock, {ME: "admin", "nagios": "monitor", "jo": "agent"})
    db = Database(tmp_path / "data" / "cxinbox.db")
    fill(db, 2)
    db.close()
    with Server(cfg, sock):
        refused = cx("assign", "id:1", "--to", "nagios", "--config", str(cfg))
        assert refused.returncode == 2 and "unknown user 'nagios'" in refused.stderr
        assert cx_here("assign", "id:1", "--to", "jo", "--config", str(cfg)).returncode == 0

        async def roster() -> list[str]:
            found = probe(sock)
            assert found is not None
            api = SocketAPI(sock, *found)
            try:
                return [s.os_user for s in await api.roster()]
            finally:
                await api.aclose()

        assert asyncio.run(roster()) == [ME, "jo"]


def test_an_agent_may_not_read_the_report_exit_3(tmp_path: Path, sockdir: Path) -> None:
    sock = sockdir / "s.sock"
    cfg = write_config(tmp_path, sock, {ME: "agent"})
    with Server(cfg, sock):
        proc = _status(cfg)
    assert proc.returncode == 3
    assert proc.stdout.startswith("CXINBOX UNKNOWN - the health report needs role admin or"
                                  " monitor")
    assert len(proc.stdout.splitlines()) == 1


def test_status_with_arguments_keeps_its_meaning(tmp_path: Path, sockdir: Path) -> None:
    sock = sockdir / "nobody.sock"
    cfg = write_config(tmp_path, sock, {ME: "admin"})
    half = _status(cfg, "tag:x")
    assert half.returncode == 2 and "give QUERY and a status" in half.stderr
    mixed = _status(cfg, "--dry-run")
    assert mixed.returncode == 2 and "go with QUERY STATE" in mixed.stderr
    from cxinbox.config import load_config
    from cxinbox.store.db import Database

    Database(load_config(cfg).db_path).close()  # the cache a sync made (none is made here)
    done = _status(cfg, "", "closed", "--yes", "--json")  # in-process: no server here
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["matched"] == 0


# -- the metrics endpoint ----------------------------------------------------------------------


def _free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _scrape(url: str) -> str:
    import urllib.request

    with urllib.request.urlopen(url, timeout=10) as answer:
        assert answer.status == 200
        return str(answer.read().decode())


def test_metrics_are_served_on_loopback_and_scraped_over_http(
        tmp_path: Path, sockdir: Path, dovecot: DovecotServer) -> None:
    sock = sockdir / "s.sock"
    cfg = _with_server_section(account_config(tmp_path, dovecot), sock)
    port = _free_port()
    cfg.write_text(cfg.read_text().replace("[server]\n", f'[server]\nmetrics_listen ='
                                           f' "127.0.0.1:{port}"\n'))
    url = f"http://127.0.0.1:{port}/metrics"
    with Server(cfg, sock) as server:
        assert server.wait_log(f"metrics on http://127.0.0.1:{port}/metrics")
        text = _until(lambda: (t := _scrape(url)) and
                      'cxinbox_account_signin_ok{account="appointments"} 1.0' in t and
                      "cxinbox_account_last_sync_timestamp_seconds{" in t and t)
        assert text, _scrape(url)
        lines = set(text.splitlines())
        assert "cxinbox_up 1.0" in lines
        assert 'cxinbox_outbox_items{state="failed"} 0.0' in lines
        assert 'cxinbox_build_info{version="' in text
        assert any(line.startswith("process_resident_memory_bytes ") for line in lines)
        assert any(line.startswith("process_open_fds ") for line in lines)
        assert 'cxinbox_check_level{check="account:appointments"} 0.0' in lines
        # The same verdict as the command's exit code.
        level = next(line for line in lines if line.startswith("cxinbox_health_level "))
        assert level == f"cxinbox_health_level {_status(cfg).returncode:.1f}"
        assert server.stop() == 0  # SIGTERM closes the listener with the rest
    with pytest.raises(OSError):
        _scrape(url)  # gone with the server


def test_a_metrics_address_off_loopback_is_refused_in_one_line(
        tmp_path: Path, sockdir: Path) -> None:
    cfg = write_config(tmp_path, sockdir / "s.sock", {ME: "admin"})
    cfg.write_text(cfg.read_text().replace("[server]\n",
                                           '[server]\nmetrics_listen = "0.0.0.0:9464"\n'))
    proc = cx("serve", "--config", str(cfg))
    assert proc.returncode == 2
    assert proc.stderr.strip().splitlines() == [
        (f"cxinbox: {cfg}: server.metrics_listen: '0.0.0.0:9464' is not a loopback address;"
         " the metrics endpoint listens on 127.0.0.1 or [::1] only")]


def test_a_configured_folder_the_server_lacks_is_named_not_called_unreachable(
        tmp_path: Path, sockdir: Path, dovecot: DovecotServer) -> None:
    """qa28 F4: `folders = ["INBOX", "Old"]` on a server without `Old` read "mail server
    unreachable ... retrying" in status, doctor and the status line. The server answered:
    the name is wrong. INBOX syncs meanwhile."""
    sock = sockdir / "s.sock"
    missing = f"Gone{time.time_ns() % 100000}"
    cfg = _with_server_section(account_config(tmp_path, dovecot, folders=("INBOX", missing)),
                               sock)
    dovecot.deliver(b"From: Pat <pat28@patient.example>\r\nTo: desk@clinic.example\r\n"
                    b"Subject: Folder test 28\r\nMessage-ID: <f28@patient.example>\r\n\r\n"
                    b"hello\r\n")
    with Server(cfg, sock) as server:
        said = f'appointments: no folder "{missing}" on the server (check folders in the config'
        done = _until(lambda: (r := _status(cfg)).returncode == 1 and said in r.stdout and r)
        assert done, _status(cfg).stdout + server.log[-3000:]
        assert "unreachable" not in done.stdout, done.stdout
        [account] = json.loads(_status(cfg, "--json").stdout)["accounts"]
        assert (account["problem"], account["level"]) == ("folder", "warning"), account
        listed = _until(lambda: "Folder test 28" in cx_here(
            "list", "--config", str(cfg)).stdout)
        assert listed, cx_here("list", "--config", str(cfg)).stdout
        doctor = cx_here("doctor", "--config", str(cfg))
        lines = " ".join(doctor.stdout.split())
        assert f'FAIL appointments: no folder "{missing}" on the server; check folders in' \
            " the config" in lines, doctor.stdout
        assert "appointments/INBOX:" in lines and "unreachable" not in lines, doctor.stdout
