"""`cxinbox serve` and the socket transport, against a real server process.

The server runs as a child (`python -m cxinbox serve`) on a temporary socket, config and
database; clients are the real CLI in subprocesses and `SocketAPI` in the test's loop.
"""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import signal
import stat
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from tests.support.clirun import cx_here
from tests.test_bulk_cli import fill
from tests.test_serve_support import ME, Server, answering, cx, socket_dir, write_config

from cxinbox.api.interface import MAX_WAIT_S
from cxinbox.api.socket_client import SocketAPI, probe
from cxinbox.config import load_config
from cxinbox.contract.errors import Forbidden, ServerUnavailable
from cxinbox.store.db import Database, verify_event_chain

# A change ends a client's wait at once; asked for MAX_WAIT_S, a wait that ends before
# HEARD_S was ended by the change, however busy the machine.
HEARD_S = MAX_WAIT_S * 3 / 4
IDS_1_10 = "id:" + ",".join(str(i) for i in range(1, 11))
IDS_3_30 = "id:" + ",".join(str(i) for i in range(3, 31))


@pytest.fixture
def sockdir() -> Iterator[Path]:
    with socket_dir() as path:
        yield path


def _make(tmp_path: Path, sock: Path, staff: dict[str, str], conversations: int = 40,
          bulk_limit: int | None = None) -> Path:
    cfg = write_config(tmp_path, sock, staff, bulk_limit)
    db = Database(load_config(cfg).db_path)
    fill(db, conversations)
    db.close()
    return cfg


async def _client(sock: Path, **kwargs: Any) -> SocketAPI:
    found = probe(sock)
    assert found is not None, "server not answering"
    return SocketAPI(sock, *found, **kwargs)


def _strip_times(value: Any) -> Any:
    """Event and note times differ between two runs of the same commands; nothing else may."""
    if isinstance(value, list):
        return [_strip_times(v) for v in value]
    if isinstance(value, dict):
        return {k: _strip_times(v) for k, v in value.items()
                if k not in ("at", "time", "created_at")}
    return value


# -- the CLI through the server ---------------------------------------------------------------


@pytest.mark.timeout(900)  # thirty CLI processes: each a Python start on a busy machine
def test_cli_through_the_server_matches_in_process(tmp_path: Path, sockdir: Path) -> None:
    served = tmp_path / "served"
    local = tmp_path / "local"
    served.mkdir()
    cfg_s = _make(served, sockdir / "s.sock", {ME: "admin", "jo": "agent"})
    local.mkdir()
    shutil.copytree(served / "data", local / "data")  # the very same conversations
    cfg_l = write_config(local, sockdir / "nobody-here.sock", {ME: "admin", "jo": "agent"})
    commands = [
        ["tag", "", "--add", "billing", "--add", "x", "--yes", "--json"],
        ["tag", IDS_1_10, "--remove", "x", "--dry-run", "--json"],
        ["tag", IDS_1_10, "--remove", "x", "--json"],
        ["assign", IDS_3_30, "--to", "jo", "--yes", "--json"],
        ["assign", "id:5", "--to", "me", "--json"],
        ["status", "tag:x", "pending", "--yes", "--json"],
        ["priority", "assignee:jo", "urgent", "--yes", "--json"],
        ["note", "7", "called back, voicemail", "--json"],
        ["list", "status:pending tag:billing", "--json", "--limit", "100"],
        ["show", "7", "--json"],
        ["list", "assignee:jo"],
        ["tag", "", "--add", "x"],  # more than the threshold, no terminal, no --yes
        ["show", "999"],
        ["list", "status:"],
        ["audit", "--json", "--limit", "0"],
    ]
    with Server(cfg_s, sockdir / "s.sock") as server:
        for args in commands:
            # A real child for the first and for the text outputs (the refusals among them:
            # exit status, one stderr line); the rest in this process (tests/support/clirun.py).
            real = args is commands[0] or "--json" not in args
            via_socket = (cx if real else cx_here)(*args, "--config", str(cfg_s))
            in_process = cx_here(*args, "--config", str(cfg_l))
            assert via_socket.returncode == in_process.returncode, (args, via_socket.stderr)
            assert via_socket.stderr.replace(str(cfg_s), "") == \
                in_process.stderr.replace(str(cfg_l), ""), args
            if "--json" in args:
                assert _strip_times(json.loads(via_socket.stdout)) == \
                    _strip_times(json.loads(in_process.stdout)), args
            else:
                assert via_socket.stdout == in_process.stdout, args
        assert server.connections() == len(commands)  # every command went through it
    db_s, db_l = Database(served / "data" / "cxinbox.db"), Database(local / "data" / "cxinbox.db")
    try:
        assert verify_event_chain(db_s.conn) == (True, None)
        query = "SELECT seq, actor, action, target, details FROM events ORDER BY seq"
        assert [tuple(r) for r in db_s.conn.execute(query)] == \
            [tuple(r) for r in db_l.conn.execute(query)]
    finally:
        db_s.close()
        db_l.close()


def test_unknown_os_user_is_refused(tmp_path: Path, sockdir: Path) -> None:
    sock = sockdir / "s.sock"
    cfg = _make(tmp_path, sock, {"someone-else": "admin"}, conversations=3)
    with Server(cfg, sock) as server:
        proc = cx("list", "--config", str(cfg))
        assert proc.returncode == 6, proc.stderr
        assert proc.stdout == ""
        lines = proc.stderr.strip().splitlines()
        assert len(lines) == 1 and ME in lines[0] and "roster" in lines[0], proc.stderr
        assert "Traceback" not in proc.stderr
        with pytest.raises(Forbidden):
            probe(sock)
        # The tests run as the server's own user: its knock (doctor's, README) is logged at
        # info, not as an intrusion; a stranger's refusal is a warning and an audit event
        # (tests/test_serve_attack.py, as another OS user).
        assert server.wait_log(f"answered the server's own user {ME}"), server.log
        assert f"refused {ME}" not in server.log
        # --local cannot be used to dodge the refusal by a user who cannot read the file
        # either; here (root) it opens the database directly, as an admin would.
        assert cx_here("--local", "list", "--config", str(cfg)).returncode == 0


def test_role_and_bulk_limit_come_from_the_roster(tmp_path: Path, sockdir: Path) -> None:
    sock = sockdir / "s.sock"
    cfg = _make(tmp_path, sock, {ME: "agent"}, conversations=12, bulk_limit=10)
    with Server(cfg, sock):
        small = cx_here("tag", IDS_1_10, "--add", "ok", "--yes", "--config", str(cfg))
        assert small.returncode == 0, small.stderr
        big = cx("tag", "", "--add", "x", "--yes", "--config", str(cfg))
        assert big.returncode == 6 and "more than 10" in big.stderr, big.stderr
        audit = cx_here("audit", "--config", str(cfg))
        assert audit.returncode == 6 and len(audit.stderr.strip().splitlines()) == 1


def test_socket_file_lifecycle(tmp_path: Path, sockdir: Path) -> None:
    sock = sockdir / "run" / "s.sock"
    cfg = _make(tmp_path, sock, {ME: "admin"}, conversations=1)
    server = Server(cfg, sock).start()
    assert stat.S_IMODE(sock.stat().st_mode) == 0o660
    second = cx("serve", "--config", str(cfg))
    assert second.returncode == 5 and "another cxinbox server" in second.stderr
    assert answering(sock)  # the refused second server did not take the socket away
    assert server.stop(signal.SIGTERM) == 0
    assert not sock.exists() and "stopped" in server.log
    crashed = Server(cfg, sock).start()
    crashed.stop(signal.SIGKILL)
    assert sock.exists() and not answering(sock)  # a stale socket from a crash
    # Nothing answers: commands work in-process and say nothing about it.
    quiet = cx("list", "--config", str(cfg))
    assert quiet.returncode == 0 and quiet.stdout.startswith("*#1 ")
    assert quiet.stderr == "1-1 of 1 conversation(s)\n"
    with Server(cfg, sock) as again:  # the stale socket is replaced
        assert answering(sock)
        again.stop()


# -- change feed and presence -----------------------------------------------------------------


async def test_change_by_one_client_reaches_another(tmp_path: Path, sockdir: Path) -> None:
    sock = sockdir / "s.sock"
    cfg = _make(tmp_path, sock, {ME: "admin"}, conversations=5)
    with Server(cfg, sock):
        a, b = await _client(sock), await _client(sock)
        try:
            head = await b.last_event_seq()
            quiet = await b.wait_events(head, 0.3)
            assert quiet.events == () and quiet.head == head
            for round_ in range(5):
                # b asks for the longest wait the server grants: only the change can end
                # it before HEARD_S (a busy machine makes it slower, never flaky)
                waiting = asyncio.create_task(b.wait_events(head, MAX_WAIT_S))
                await asyncio.sleep(0.05)
                await a.tag(2, [f"seen-{round_}"], [])
                changes = await asyncio.wait_for(waiting, HEARD_S)
                assert [(e.action, e.target, e.details["add"]) for e in changes.events] == \
                    [("conversation.tag", "conversation:2", [f"seen-{round_}"])]
                head = changes.head
            # The whole bulk result travels intact; the other client hears every event.
            result = await a.bulk_status("", "closed", None, True)
            assert result.dry_run and result.matched == 5 and len(result.changed) == 5
            result = await a.bulk_status("", "closed")
            changes = await b.wait_events(head, 60.0)
            assert len(changes.events) == 5
        finally:
            await a.aclose()
            await b.aclose()


async def test_presence_is_seen_and_dropped_on_disconnect(tmp_path: Path, sockdir: Path) -> None:
    sock = sockdir / "s.sock"
    cfg = _make(tmp_path, sock, {ME: "admin"}, conversations=5)
    with Server(cfg, sock):
        a, b = await _client(sock), await _client(sock)
        try:
            first = await b.wait_events(await b.last_event_seq(), 0.0)
            version = first.presence_version
            await a.set_presence(3, composing=True)
            changes = await asyncio.wait_for(b.wait_events(first.head, MAX_WAIT_S, version),
                                             HEARD_S)
            assert changes.presence_version != version
            present = await b.presence()
            assert [(p.os_user, p.name, p.conv_id, p.composing) for p in present
                    if p.conv_id is not None] == [(ME, f"{ME.title()} Desk", 3, True)]
            assert len(present) == 2 and await b.online() == [f"{ME.title()} Desk"]
            version = changes.presence_version
            await a.aclose()
            changes = await asyncio.wait_for(b.wait_events(changes.head, MAX_WAIT_S, version),
                                             HEARD_S)
            assert [p.conv_id for p in await b.presence()] == [None]  # only b is left
        finally:
            await a.aclose()
            await b.aclose()


# -- the server going away ----------------------------------------------------------------------


async def test_server_killed_gives_one_clear_error(tmp_path: Path, sockdir: Path) -> None:
    sock = sockdir / "s.sock"
    cfg = _make(tmp_path, sock, {ME: "admin"}, conversations=3)
    server = Server(cfg, sock).start()
    try:
        api = await _client(sock, reconnect_s=0.5)
        head = await api.last_event_seq()
        in_flight = asyncio.create_task(api.wait_events(head, 30.0))
        await asyncio.sleep(0.2)
        server.stop(signal.SIGKILL)
        with pytest.raises(ServerUnavailable) as lost:
            await asyncio.wait_for(in_flight, 60.0)
        with pytest.raises(ServerUnavailable) as gone:
            await api.list_conversations()
        for exc in (lost.value, gone.value):
            assert exc.exit_code == 5 and "\n" not in str(exc) and str(sock) in str(exc)
        assert "not running" in str(gone.value)
        await api.aclose()
    finally:
        server.stop(signal.SIGKILL)


async def test_request_while_the_server_restarts(tmp_path: Path, sockdir: Path) -> None:
    sock = sockdir / "s.sock"
    cfg = _make(tmp_path, sock, {ME: "admin"}, conversations=3)
    server = Server(cfg, sock).start()
    # the request waits for the restart: longer than a loaded machine takes to start a server
    api = await _client(sock, reconnect_s=120.0)
    try:
        assert (await api.list_conversations()).total == 3
        assert server.stop() == 0
        # Sent while no server is there: it waits for the restart and then succeeds.
        request = asyncio.create_task(api.tag(1, ["after-restart"], []))
        await asyncio.sleep(0.3)
        assert not request.done()
        server = Server(cfg, sock).start()
        await asyncio.wait_for(request, 60.0)
        detail = await api.get_conversation(1)
        assert "after-restart" in detail.summary.tags
    finally:
        await api.aclose()
        server.stop()


def test_sigint_stops_the_server_cleanly(tmp_path: Path, sockdir: Path) -> None:
    sock = sockdir / "s.sock"
    cfg = _make(tmp_path, sock, {ME: "admin"}, conversations=1)
    server = Server(cfg, sock).start()
    assert server.stop(signal.SIGINT) == 0
    assert not sock.exists()
    assert os.path.exists(f"{sock}.lock")  # harmless; the next server reuses it


# -- sync inside the server ----------------------------------------------------------------------


def _wait_for_first_sync(db_path: Path, timeout: float = 60.0) -> None:
    """Until the server's watcher has synced INBOX once (its NOOP and IDLE follow).

    Mail dropped in the instant between its last NOOP and IDLE is fetched only when the
    IDLE is renewed, 10 s later (test_sync.py covers that window and that IDLE announces
    mail): the waits for mail after this cover a renewal on a busy machine.
    """
    import sqlite3

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if db_path.exists():
            conn = sqlite3.connect(f"file:{db_path}?mode=ro", uri=True)
            try:
                row = conn.execute("SELECT max(last_sync_at) FROM folders").fetchone()
            except sqlite3.OperationalError:
                row = None
            finally:
                conn.close()
            if row and row[0]:
                return
        time.sleep(0.05)
    raise AssertionError("the server never finished its first sync")


async def test_mail_synced_by_the_server_reaches_clients(dovecot: Any, tmp_path: Path,
                                                         sockdir: Path) -> None:
    from tests.synchelp import write_config as sync_config

    sock = sockdir / "s.sock"
    cfg = sync_config(tmp_path, dovecot)
    cfg.write_text(cfg.read_text() + f'\n[server]\nsocket = "{sock}"\n\n[[staff]]\n'
                   f'os_user = "{ME}"\nname = "Desk"\nrole = "admin"\n')
    with Server(cfg, sock) as server:
        api = await _client(sock)
        try:
            head = await api.last_event_seq()
            _wait_for_first_sync(load_config(cfg).db_path)
            started = time.monotonic()
            dovecot.deliver(b"From: Pat <pat@example.com>\r\nTo: appointments@x\r\n"
                            b"Subject: Arrived while serving\r\nMessage-ID: <srv-1@x>\r\n"
                            b"\r\nHello\r\n")
            received: list[str] = []
            while "mail.received" not in received and time.monotonic() - started < 60:
                changes = await api.wait_events(head, 10.0)
                head = changes.head
                received += [e.action for e in changes.events]
            assert "mail.received" in received, server.log
            page = await api.list_conversations('"Arrived while serving"')
            assert [c.subject for c in page.items] == ["Arrived while serving"]
        finally:
            await api.aclose()
