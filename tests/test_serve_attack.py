"""The front-desk server attacked over its socket by other OS users, with raw frames.

Throwaway users (tests/support/osusers.py) play an outsider (not in the desk group), a
group member who is not on the roster, and two agents; root is the admin whose calls must
still be answered (the admin p95 printed is a figure, not a pass mark: a busy machine
moves it). Clients here are hand-written: they send what our own CLI never would.

The memory ceiling the server promises (README, "Security model"): whatever one person
does, the server's peak RSS stays under its idle RSS plus `CEILING_MB`.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import hashlib
import json
import os
import pty
import select
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from tests.support.osusers import OsUsers, cli_as, os_users, run_as
from tests.test_bulk_cli import fill
from tests.test_serve_support import ME, Server, env, write_config

import cxinbox.api.transport
import cxinbox.cli  # noqa: F401
from cxinbox.api.limits import MIB, Limits
from cxinbox.api.socket_client import probe
from cxinbox.api.socket_server import InboxServer
from cxinbox.config import load_config
from cxinbox.contract.errors import ServerUnavailable
from cxinbox.domain.mime import parse_message
from cxinbox.store import ingest
from cxinbox.store.db import Database

CEILING_MB = 256
"""Peak RSS above the idle server's, under any one person's flood (see the module doc)."""
ATTACHMENT_MB = 5

pytestmark = pytest.mark.skipif(os.geteuid() != 0, reason="needs root to create OS users")


@pytest.fixture(scope="module")
def users() -> Iterator[OsUsers]:
    with os_users() as made:
        yield made


@dataclass
class Desk:
    base: Path
    sock: Path
    config: Path
    db_path: Path
    users: OsUsers
    message_id: int = 0
    part: str = ""


@contextlib.contextmanager
def _desk_dir(users: OsUsers) -> Iterator[tuple[Path, Path]]:
    """A tree the desk group can reach: base 0755, run/ 2750 root:desk (so the socket is
    born in the desk group), data/ 0700 root."""
    base = Path(tempfile.mkdtemp(prefix="cxa-", dir="/tmp"))
    try:
        base.chmod(0o755)
        run = base / "run"
        run.mkdir()
        os.chown(run, 0, users.gid)
        run.chmod(0o2750)
        yield base, run / "s.sock"
    finally:
        shutil.rmtree(base, ignore_errors=True)


def _big_message(mb: int) -> bytes:
    blob = base64.encodebytes(os.urandom(mb * 1024 * 1024))
    return (b"From: Pat <pat@patient.example>\r\nTo: desk@clinic.example\r\n"
            b"Subject: My scan\r\nMessage-ID: <scan-1@patient.example>\r\n"
            b"MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=B\r\n\r\n"
            b"--B\r\nContent-Type: text/plain\r\n\r\nsee attached\r\n"
            b"--B\r\nContent-Type: application/octet-stream\r\n"
            b"Content-Disposition: attachment; filename=scan.bin\r\n"
            b"Content-Transfer-Encoding: base64\r\n\r\n" + blob.replace(b"\n", b"\r\n")
            + b"--B--\r\n")


def _store_big_message(db: Database) -> tuple[int, str]:
    raw = _big_message(ATTACHMENT_MB)
    parsed = parse_message(raw)
    fetched = ingest.FetchedMessage(90_000, "", None, None, raw, hashlib.sha256(raw).digest(),
                                    parsed)
    with db.write() as conn:
        state = ingest.folder_state(conn, "desk", "INBOX")
        ingest.ingest_batch(conn, state, [fetched],
                            own_addresses=frozenset({"desk@clinic.example"}),
                            watermark=90_000, now=int(time.time()), index_text=False)
    row = db.conn.execute("SELECT id FROM messages WHERE message_id = ?",
                          ("<scan-1@patient.example>",)).fetchone()
    if row is None:
        row = db.conn.execute("SELECT max(id) FROM messages").fetchone()
    return int(row[0]), parsed.attachments[0].part_path


@pytest.fixture
def desk(users: OsUsers) -> Iterator[Desk]:
    with _desk_dir(users) as (base, sock):
        cfg = write_config(base, sock, {ME: "admin", users.agent.name: "agent",
                                        users.other_agent.name: "agent"})
        cfg.chmod(0o644)
        db_path = load_config(cfg).db_path
        db = Database(db_path)
        try:
            fill(db, 20)
            message_id, part = _store_big_message(db)
        finally:
            db.close()
        yield Desk(base, sock, cfg, db_path, users, message_id, part)


# -- raw clients (they also run in the children, as other users) -------------------------------


def _connect(path: str, timeout: float = 10.0) -> tuple[socket.socket, Any, dict[str, Any]]:
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    sock.settimeout(timeout)
    sock.connect(path)
    reader = sock.makefile("rb")
    return sock, reader, json.loads(reader.readline())


def _frame(request_id: Any, method: str, *args: Any, **kwargs: Any) -> bytes:
    return json.dumps({"id": request_id, "method": method, "args": list(args),
                       "kwargs": kwargs}).encode() + b"\n"


def _session(path: str, frames: list[bytes]) -> list[dict[str, Any]]:
    """Send each frame and read its answer; the hello first."""
    sock, reader, hello = _connect(path)
    answers = [hello]
    with sock:
        for frame in frames:
            sock.sendall(frame)
            line = reader.readline()
            answers.append(json.loads(line) if line else {"closed": True})
    return answers


def _hello_only(path: str) -> dict[str, Any]:
    sock, _reader, hello = _connect(path)
    sock.close()
    return hello


def _connect_refused(path: str) -> str:
    try:
        socket.socket(socket.AF_UNIX, socket.SOCK_STREAM).connect(path)
    except OSError as exc:
        return type(exc).__name__
    return "connected"


def _wait_on(fd: int, timeout: float) -> None:
    """Hold on until the parent closes its end of the pipe (or the timeout)."""
    select.select([fd], [], [], timeout)


def _rss_peak_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    raise AssertionError("no VmHWM")


def _rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise AssertionError("no VmRSS")


def _victim_latencies(path: Path, calls: int, stop: Callable[[], bool] | None = None
                      ) -> list[float]:
    """The admin (root) working while someone else floods: list, open, tag."""
    sock, reader, hello = _connect(str(path), timeout=30.0)
    assert "hello" in hello, hello
    took: list[float] = []
    with sock:
        for n in range(calls):
            if stop is not None and stop():
                break
            method, args = [("list_conversations", ["", 0, 50]), ("get_conversation", [3]),
                            ("tag", [4, [f"v{n % 3}"], []])][n % 3]
            started = time.monotonic()
            sock.sendall(_frame(n, method, *args))
            answer = json.loads(reader.readline())
            took.append(time.monotonic() - started)
            assert "result" in answer, answer
    return took


def _p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]


def _events(db_path: Path, action: str) -> list[tuple[str, str]]:
    db = Database(db_path)
    try:
        return [(r[0], r[1]) for r in db.conn.execute(
            "SELECT actor, details FROM events WHERE action = ? ORDER BY seq", (action,))]
    finally:
        db.close()


def _idle_rss(server: Server) -> float:
    """The server's RSS once it has answered one call of each kind."""
    assert server.proc is not None
    _victim_latencies(server.sock, 3)
    return _rss_mb(server.proc.pid)


def _in_background(fn: Callable[..., Any], *args: Any) -> tuple[threading.Thread, list[Any]]:
    out: list[Any] = []

    def run() -> None:
        try:
            out.append(fn(*args))
        except BaseException as exc:  # noqa: BLE001 - reported by the test
            out.append(exc)

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    return thread, out


# -- outsiders and people off the roster --------------------------------------------------------


def test_an_outsider_gets_one_line_not_a_traceback(desk: Desk) -> None:
    with Server(desk.config, desk.sock):
        outsider = desk.users.outsider
        assert run_as(outsider, _connect_refused, str(desk.sock)) == "PermissionError"
        code, out, err = cli_as(outsider, "list", "--config", str(desk.config))
        assert code == 6 and out == "", err
        assert err.count("\n") == 1 and "Traceback" not in err, err
        assert "permission denied" in err and desk.users.group in err, err


def test_a_member_off_the_roster_is_refused_and_audited_once(desk: Desk) -> None:
    member = desk.users.member
    with Server(desk.config, desk.sock) as server:
        for _ in range(5):
            hello = run_as(member, _hello_only, str(desk.sock))
            error = hello["error"]
            assert error["type"].endswith(":Forbidden") and "roster" in error["message"]
        code, _out, err = cli_as(member, "list", "--config", str(desk.config))
        assert code == 6 and err.count("\n") == 1 and "roster" in err, err
        assert f"refused {member.name}" in server.log
    denied = [(actor, json.loads(details)) for actor, details in
              _events(desk.db_path, "access.denied")]
    # One event stands for the burst (the server folds repeats within a minute).
    assert [(a, d["what"], d["at"]) for a, d in denied] == \
        [(member.name, "not on the staff roster", "connect")]
    # --local without the rights to the database: one line, not a traceback.
    code, _out, err = cli_as(member, "--local", "list", "--config", str(desk.config))
    assert code == 6 and err.count("\n") == 1 and "Traceback" not in err, err
    assert "permission denied" in err, err


def test_doctor_as_the_servers_own_user_is_no_intrusion_a_stranger_still_is(
        desk: Desk) -> None:
    """qa27 F7: each `cxinbox doctor` run as the service user (on no roster) left
    `warning ... refused ...: not on the staff roster` in the server's log. The server's
    own user knocking is a probe: no warning, no access.denied; a member off the roster
    still gets both."""
    member = desk.users.member
    cfg = write_config(desk.base, desk.sock, {desk.users.agent.name: "admin"},
                       name="no-root.toml")
    cfg.chmod(0o644)
    with Server(cfg, desk.sock) as server:
        doctor = subprocess.run([sys.executable, "-m", "cxinbox", "doctor", "--json",
                                 "--config", str(cfg)], capture_output=True, text=True,
                                env=env(), timeout=180, check=False)
        findings = json.loads(doctor.stdout)["findings"]
        assert {"level": "ok", "text": f"cxinbox server answering on {desk.sock}"} \
            in findings, findings
        hello = run_as(member, _hello_only, str(desk.sock))
        assert hello["error"]["type"].endswith(":Forbidden"), hello
        # Only the server's own user learns which store it serves (polish29 #1).
        assert not {"store", "store_id", "pid"} & set(hello), hello
        own = _hello_only(str(desk.sock))
        assert own["error"]["type"].endswith(":Forbidden"), own
        assert str(desk.db_path) in own["store"], own
        deadline = time.monotonic() + 30
        while f"refused {member.name}" not in server.log:
            assert time.monotonic() < deadline, server.log
            time.sleep(0.05)
        warnings = [line for line in server.log.splitlines() if "level=warning" in line]
    assert not [line for line in warnings if f"refused {ME}" in line], warnings
    assert [line for line in warnings if f"refused {member.name}" in line], warnings
    denied = [actor for actor, _ in _events(desk.db_path, "access.denied")]
    assert denied == [member.name], denied


# -- staff input -------------------------------------------------------------------------------

BAD_FIELDS: list[tuple[str, list[Any], dict[str, Any], str]] = [
    ("assign", [1, "maria\x1b]52;c;ZXZpbA==\x07"], {}, "user"),
    ("assign", [1, "mallory"], {}, "user"),
    ("bulk_assign", ["id:1", "root\x1b[5m"], {}, "user"),
    ("set_status", [1, "snoozed", "tomorrow"], {}, "until"),
    ("set_status", [1, "snoozed", 10**12], {}, "until"),
    ("set_status", [1, "gone"], {}, "status"),
    ("set_priority", [1, "\x1b]2;x\x07"], {}, "priority"),
    ("tag", [1, ["\x1b[5mblink"], []], {}, "add"),
    ("tag", [1, "urgent", []], {}, "add"),
    ("get_conversation", [True], {}, "conv_id"),
    ("get_conversation", ["1"], {}, "conv_id"),
    ("list_conversations", ["", 0, 10**9], {}, "limit"),
    ("list_conversations", ["a\x1b]8;;http://x\x07"], {}, "query"),
    ("add_note", [1, "x" * 20_001], {}, "body"),
    ("attachment", [1, "../../etc/passwd"], {}, "part_path"),
    ("wait_events", [0, 1e9], {}, "timeout_s"),
    ("tag", [1, [], []], {"everything": True}, "everything"),
]


def test_each_invalid_field_gets_one_line_and_changes_nothing(desk: Desk) -> None:
    agent = desk.users.agent
    with Server(desk.config, desk.sock):
        before = _events(desk.db_path, "conversation.assign")
        frames = [_frame(n, m, *a, **k) for n, (m, a, k, _f) in enumerate(BAD_FIELDS)]
        answers = run_as(agent, _session, str(desk.sock), frames)
    assert "hello" in answers[0]
    for (method, _a, _k, field), answer in zip(BAD_FIELDS, answers[1:], strict=True):
        error = answer.get("error")
        assert error is not None, (method, answer)
        message = error["message"]
        assert "\n" not in message and "\x1b" not in message, message
        assert field in message and error["exit_code"] == 2, (method, message)
    assert _events(desk.db_path, "conversation.assign") == before
    db = Database(desk.db_path)
    try:
        assert db.conn.execute("SELECT count(*) FROM conversations WHERE snoozed_until IS NOT"
                               " NULL OR assignee IS NOT NULL").fetchone()[0] == 0
    finally:
        db.close()


HOSTILE = ("call the patient \x1b]52;c;ZXZpbA==\x07\x1b]2;owned\x07\x1b[5mnow\x1b[0m"
           "\x9d0;x\x9c\u202egnp.exe\U000e0041\U000e0042")


def _pty_run(args: list[str]) -> bytes:
    """`cxinbox ARGS` with a terminal for stdout: the bytes a colleague's terminal gets."""
    main_fd, child_fd = pty.openpty()
    proc = subprocess.Popen([sys.executable, "-m", "cxinbox", *args], stdout=child_fd,
                            stderr=child_fd, stdin=subprocess.DEVNULL, env=env())
    os.close(child_fd)
    chunks: list[bytes] = []
    with contextlib.suppress(OSError):  # EIO once the child has closed the terminal
        while True:
            chunk = os.read(main_fd, 65536)
            if not chunk:
                break
            chunks.append(chunk)
    os.close(main_fd)
    assert proc.wait(timeout=60) == 0, b"".join(chunks)
    return b"".join(chunks)


def test_escape_sequences_from_staff_never_reach_a_colleagues_terminal(desk: Desk) -> None:
    agent = desk.users.agent
    with Server(desk.config, desk.sock):
        answers = run_as(agent, _session, str(desk.sock), [
            _frame(1, "add_note", 5, HOSTILE),
            _frame(2, "start_draft", 5, "reply"),
        ])
        assert "result" in answers[1], answers[1]
        draft = answers[2]["result"]
        draft_id = draft["f"]["id"] if isinstance(draft, dict) and "f" in draft else None
        assert draft_id is not None, answers[2]
        answers = run_as(agent, _session, str(desk.sock), [
            _frame(3, "save_draft", draft_id, HOSTILE, HOSTILE, None, None)])
        assert "result" in answers[1], answers[1]
        shown = _pty_run(["show", "5", "--config", str(desk.config)])
        shown_json = _pty_run(["show", "5", "--json", "--config", str(desk.config)])
    for screen in (shown, shown_json):
        assert b"call the patient" in screen
        for needle in (b"\x1b]", b"\x1b[5m", "\x9d".encode(), "\u202e".encode(),
                       "\U000e0041".encode(), b"ZXZpbA=="):
            assert needle not in screen, (needle, screen[-400:])
    db = Database(desk.db_path)
    try:
        stored = [r[0] for r in db.conn.execute("SELECT body FROM notes")]
        drafts = [r[0] for r in db.conn.execute("SELECT body FROM drafts")]
    finally:
        db.close()
    assert stored and all("\x1b" not in s and "\x9d" not in s for s in stored + drafts)


# -- floods ------------------------------------------------------------------------------------


def _pipeline_attachments(path: str, message_id: int, part: str, count: int,
                          hold_fd: int, close_fd: int) -> int:
    """Ask for the same attachment `count` times without reading a byte; hold on."""
    os.close(close_fd)
    sock, _reader, hello = _connect(path)
    assert "hello" in hello
    sock.setblocking(False)
    payload = b"".join(_frame(n, "attachment", message_id, part) for n in range(count))
    sent = 0
    deadline = time.monotonic() + 20
    while sent < len(payload) and time.monotonic() < deadline:
        try:
            sent += sock.send(payload[sent:])
        except BlockingIOError:  # the server stopped reading us: backpressure
            select.select([], [sock], [], 0.2)
    _wait_on(hold_fd, 60)
    sock.close()
    return sent


def test_pipelined_attachment_flood_stays_under_the_ceiling(desk: Desk) -> None:
    agent = desk.users.agent
    with Server(desk.config, desk.sock) as server:
        assert server.proc is not None
        idle = _idle_rss(server)
        hold_r, hold_w = os.pipe()
        thread, out = _in_background(run_as, agent, _pipeline_attachments, str(desk.sock),
                                     desk.message_id, desk.part, 150, hold_r, hold_w)
        try:
            # Wait until the server has started on the flood, then work as the admin.
            deadline = time.monotonic() + 30
            while not _events(desk.db_path, "attachment.export"):
                assert time.monotonic() < deadline, server.log
                time.sleep(0.05)
            took = _victim_latencies(desk.sock, 60)
            served_while_held = len(_events(desk.db_path, "attachment.export"))
        finally:
            os.close(hold_w)
            thread.join(60)
            os.close(hold_r)  # only now: its number must not be reused while the child starts
        peak = _rss_peak_mb(server.proc.pid)
        assert not isinstance(out[0], BaseException), out[0]
        print(f"\nattachment flood: idle {idle:.0f} MB, peak {peak:.0f} MB,"
              f" admin p95 {_p95(took) * 1000:.0f} ms, answered while unread"
              f" {served_while_held}")
        assert peak < idle + CEILING_MB, (idle, peak)
        assert len(took) == 60, took  # every call answered while the flood is held
        # Backpressure, not buffering: a client that reads nothing gets a few answers.
        assert served_while_held <= 12, served_while_held
        assert _victim_latencies(desk.sock, 3)  # still serving


def _giant_frames(path: str, count: int, mb: int) -> list[str]:
    """`count` connections, each sending one `mb` MB line at once; what each was told."""
    results: list[str] = [""] * count

    def one(k: int) -> None:
        try:
            sock, reader, _hello = _connect(path, timeout=60)
            with sock:
                try:
                    sock.sendall(b'{"id": 1, "method": "tag", "args": ["' + b"a" * (mb * MIB))
                except OSError as exc:
                    results[k] = f"send: {type(exc).__name__}"
                line = reader.readline()
                results[k] = json.loads(line)["error"]["message"] if line else "closed"
        except OSError as exc:
            results[k] = f"{type(exc).__name__}"

    threads = [threading.Thread(target=one, args=(k,)) for k in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    return results


def test_giant_frames_are_refused_without_the_memory(desk: Desk) -> None:
    agent = desk.users.agent
    with Server(desk.config, desk.sock) as server:
        assert server.proc is not None
        idle = _idle_rss(server)
        thread, out = _in_background(run_as, agent, _giant_frames, str(desk.sock), 4, 40)
        took = _victim_latencies(desk.sock, 30, stop=lambda: not thread.is_alive())
        thread.join(120)
        peak = _rss_peak_mb(server.proc.pid)
        told = out[0]
        assert not isinstance(told, BaseException), told
        print(f"\n4 x 40 MB frames: idle {idle:.0f} MB, peak {peak:.0f} MB,"
              f" admin p95 {_p95(took) * 1000:.0f} ms; told {told}")
        assert all("at most 32 MB" in t or t.startswith("send:") for t in told), told
        assert sum("at most 32 MB" in t for t in told) >= 1, told
        assert peak < idle + CEILING_MB, (idle, peak)
        assert took, took  # the admin was answered while the frames came in


def _request_flood(path: str, connections: int, per_connection: int) -> int:
    """Many connections, each pipelining full-text searches and reading every answer."""
    answered = [0] * connections

    def one(k: int) -> None:
        sock, reader, _hello = _connect(path, timeout=60)
        with sock:
            sock.sendall(b"".join(_frame(n, "list_conversations", "question visit", 0, 50)
                                  for n in range(per_connection)))
            for _ in range(per_connection):
                if "result" in json.loads(reader.readline()):
                    answered[k] += 1

    threads = [threading.Thread(target=one, args=(k,)) for k in range(connections)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    return sum(answered)


def test_a_request_flood_leaves_others_a_fair_share(desk: Desk) -> None:
    agent = desk.users.agent
    with Server(desk.config, desk.sock) as server:
        assert server.proc is not None
        idle = _idle_rss(server)
        thread, out = _in_background(run_as, agent, _request_flood, str(desk.sock), 16, 150)
        took = _victim_latencies(desk.sock, 60, stop=lambda: not thread.is_alive())
        thread.join(120)
        peak = _rss_peak_mb(server.proc.pid)
    assert out == [16 * 150], out  # the flood is slowed down, not refused
    print(f"\nrequest flood: idle {idle:.0f} MB, peak {peak:.0f} MB,"
          f" admin p95 {_p95(took) * 1000:.0f} ms over {len(took)} calls")
    # A fair share: the admin's calls are answered between the flood's, not after it
    # (however slow the machine, the flood's 2,400 searches outlast ten of them).
    assert len(took) >= 10, took
    assert peak < idle + CEILING_MB


def _many_connections(path: str, count: int, hold_fd: int, close_fd: int,
                      ready_fd: int = -1) -> list[str]:
    os.close(close_fd)
    held: list[socket.socket] = []
    told: list[str] = []
    for _ in range(count):
        sock, _reader, hello = _connect(path)
        held.append(sock)
        told.append("hello" if "hello" in hello else
                    f"{hello['error']['type']}: {hello['error']['message']}")
    if ready_fd >= 0:  # every connection is in (or was refused): the parent may probe now
        os.write(ready_fd, b"r")
    _wait_on(hold_fd, 60)
    for sock in held:
        sock.close()
    return told


def test_too_many_connections_is_said_so_and_others_still_get_in(desk: Desk) -> None:
    agent = desk.users.agent
    limit = Limits().connections_per_user
    with Server(desk.config, desk.sock) as server:
        hold_r, hold_w = os.pipe()
        thread, out = _in_background(run_as, agent, _many_connections, str(desk.sock),
                                     limit + 8, hold_r, hold_w)
        try:
            deadline = time.monotonic() + 30
            while "too many connections" not in server.log:
                assert time.monotonic() < deadline and thread.is_alive(), (out, server.log)
                time.sleep(0.05)
            took = _victim_latencies(desk.sock, 9)  # another person is not affected
        finally:
            os.close(hold_w)
            thread.join(60)
            os.close(hold_r)  # only now: its number must not be reused while the child starts
    told = out[0]
    assert not isinstance(told, BaseException), told
    assert told[:limit] == ["hello"] * limit
    refused = told[limit:]
    assert all(t.endswith(f"already has {limit} connections to the cxinbox server; close some"
                          " (or try again shortly)") and ":TooManyConnections:" in t
               for t in refused), refused
    assert not any("roster" in t for t in told)
    assert len(took) == 9, took  # another person is served
    assert [a for a, _d in _events(desk.db_path, "access.denied")] == [agent.name]


# -- time limits and the server-wide cap, on a server with small limits --------------------------


@contextlib.contextmanager
def _small_server(desk: Desk, limits: Limits) -> Iterator[Path]:
    config = load_config(desk.config)
    db = Database(config.db_path)
    server = InboxServer(db, config, desk.sock, limits)
    ready = threading.Event()
    loops: list[asyncio.AbstractEventLoop] = []

    async def main() -> None:
        loops.append(asyncio.get_running_loop())
        await server.run(ready.set)

    thread = threading.Thread(target=asyncio.run, args=(main(),), daemon=True)
    thread.start()
    assert ready.wait(60)
    try:
        yield desk.sock
    finally:
        loops[0].call_soon_threadsafe(server.stop)
        thread.join(60)
        db.close()
        with contextlib.suppress(FileNotFoundError):
            desk.sock.unlink()


def _slowloris(path: str, gap_s: float) -> tuple[float, str]:
    """Dribble one request a byte at a time; how long until the server gave up, and why."""
    sock, reader, _hello = _connect(path, timeout=30)
    started = time.monotonic()
    payload = _frame(1, "online")
    with sock:
        for byte in payload[:-1]:
            try:
                sock.sendall(bytes([byte]))
            except OSError:
                break
            readable, _, _ = select.select([sock], [], [], gap_s)
            if readable:
                break
        line = reader.readline()
    return time.monotonic() - started, json.loads(line)["error"]["message"] if line else ""


def _idle(path: str) -> tuple[float, dict[str, Any]]:
    sock, reader, _hello = _connect(path, timeout=30)
    started = time.monotonic()
    with sock:
        line = reader.readline()
    return time.monotonic() - started, json.loads(line) if line else {}


def test_slowloris_and_idle_connections_are_closed(desk: Desk) -> None:
    agent = desk.users.agent
    with _small_server(desk, Limits(frame_s=1.0, idle_s=1.0)) as sock:
        held, why = run_as(agent, _slowloris, str(sock), 0.2)
        assert 0.9 < held < 10 and "must arrive within 1 s" in why, (held, why)
        waited, bye = run_as(agent, _idle, str(sock))
        assert 0.9 < waited < 10 and bye == {"bye": "idle for 1 s"}, (waited, bye)
        # A client waiting on a long poll is not idle.
        answers = run_as(agent, _session, str(sock), [_frame(1, "wait_events", 0, 2.5)])
        assert "result" in answers[1], answers


def test_the_server_wide_connection_cap(desk: Desk) -> None:
    agent, other = desk.users.agent, desk.users.other_agent
    with _small_server(desk, Limits(connections_total=4)) as sock:
        hold_r, hold_w = os.pipe()
        ready_r, ready_w = os.pipe()
        thread, out = _in_background(run_as, agent, _many_connections, str(sock), 4,
                                     hold_r, hold_w, ready_w)
        try:
            # Probe only once the agent holds its four: a probe racing the agent's last
            # connect would take that place itself, and the agent would hold three.
            ready, _, _ = select.select([ready_r], [], [], 120)
            assert ready, "the agent never finished connecting"
            hello = run_as(other, _hello_only, str(sock))
            assert "error" in hello, hello
            assert hello["error"]["type"].endswith(":TooManyConnections")
            assert "too many connections (4)" in hello["error"]["message"]
        finally:
            os.close(hold_w)
            thread.join(30)
            os.close(hold_r)  # only now: its number must not be reused while the child starts
            os.close(ready_r)
            os.close(ready_w)
        assert out[0] == ["hello"] * 4
        # Room again, once the server has seen the agent's connections close.
        deadline = time.monotonic() + 60
        while "hello" not in run_as(other, _hello_only, str(sock)):
            assert time.monotonic() < deadline, "no room after the agent left"


# -- who the client talks to --------------------------------------------------------------------


def _imposter(path: str) -> str:
    """Listen where a server should be and answer with a convincing hello."""
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    listener.bind(path)
    listener.listen(1)
    listener.settimeout(20)
    try:
        conn, _ = listener.accept()
    except TimeoutError:
        return "nobody came"
    with conn:
        with contextlib.suppress(OSError):  # the client may already have hung up
            conn.sendall(json.dumps({"hello": {"actor": ME, "name": "x", "role": "admin",
                                               "protocol": 1, "pid": 1}}).encode() + b"\n")
        conn.settimeout(2)
        try:
            got = conn.recv(100)
        except (TimeoutError, OSError):
            got = b""
    return "got a request" if got else "nothing sent"


def test_the_client_refuses_a_server_run_by_someone_else(users: OsUsers, tmp_path: Path) -> None:
    shared = Path(tempfile.mkdtemp(prefix="cxi-", dir="/tmp"))
    try:
        shared.chmod(0o1777)  # like /tmp: anyone may create a socket here
        path = shared / "s.sock"
        thread, out = _in_background(run_as, users.agent, _imposter, str(path))
        deadline = time.monotonic() + 60
        while not path.exists():
            assert time.monotonic() < deadline
            time.sleep(0.02)
        with pytest.raises(ServerUnavailable) as refused:
            probe(path)
        thread.join(30)
        assert f"runs as {users.agent.name}" in str(refused.value)
        assert "not talking to it" in str(refused.value)
        assert out == ["nothing sent"]
        # A socket file that belongs to someone other than the process behind it.
        path.unlink()
        listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        listener.bind(str(path))
        listener.listen(1)
        os.chown(path, users.agent.uid, users.agent.gid)
        with listener, pytest.raises(ServerUnavailable, match="belongs to"):
            probe(path)
    finally:
        shutil.rmtree(shared, ignore_errors=True)


def test_a_data_directory_open_to_others_is_not_served(tmp_path: Path) -> None:
    from tests.test_serve_support import cx

    cfg = write_config(tmp_path, tmp_path / "s.sock", {ME: "admin"})
    data = load_config(cfg).db_path.parent
    data.mkdir(mode=0o755)
    data.chmod(0o755)
    proc = cx("serve", "--config", str(cfg))
    assert proc.returncode == 5, proc.stderr
    assert proc.stderr.count("\n") == 1 and "mode 0755" in proc.stderr
    assert "chmod 700" in proc.stderr and not (tmp_path / "s.sock").exists()

