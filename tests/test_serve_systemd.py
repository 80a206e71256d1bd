"""`cxinbox serve` under systemd's notify protocol, with a real datagram socket in the role
of systemd's $NOTIFY_SOCKET and a real server process.

READY=1 must mean "the socket answers"; WATCHDOG=1 must come at the interval systemd asked
for, and stop when a worker hangs (here: the IMAP server stops answering in the middle of
a command, with a socket timeout longer than the stall limit), so systemd restarts us.
"""

from __future__ import annotations

import itertools
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from tests.test_serve_support import ME, env, socket_dir, write_config

from cxinbox.api.socket_client import SocketAPI, probe


class NotifySocket:
    """systemd's end: every datagram the service sends, parsed, with its arrival time."""

    def __init__(self, address: str) -> None:
        self.address = address
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        self.sock.bind("\0" + address[1:] if address.startswith("@") else address)
        self.seen: list[tuple[float, dict[str, str]]] = []

    def next(self, timeout: float) -> dict[str, str] | None:
        self.sock.settimeout(timeout)
        try:
            data = self.sock.recv(4096)
        except TimeoutError:
            return None
        fields = dict(line.split("=", 1) for line in data.decode().splitlines() if line)
        self.seen.append((time.monotonic(), fields))
        return fields

    def wait_for(self, key: str, timeout: float) -> tuple[float, dict[str, str]]:
        deadline = time.monotonic() + timeout
        while (left := deadline - time.monotonic()) > 0:
            fields = self.next(left)
            if fields is not None and key in fields:
                return self.seen[-1]
        raise AssertionError(f"no {key} within {timeout}s; got {self.seen}")

    def pings_after(self, since: float) -> list[float]:
        return [t for t, f in self.seen if f.get("WATCHDOG") == "1" and t >= since]

    def close(self) -> None:
        self.sock.close()


@contextmanager
def serving(config: Path, notify: NotifySocket, watchdog_usec: int) -> Iterator[
        subprocess.Popen[bytes]]:
    log = config.parent / "serve.log"
    with open(log, "wb") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "cxinbox", "serve", "--config", str(config)],
            stdout=out, stderr=out,
            env={**env(), "NOTIFY_SOCKET": notify.address, "WATCHDOG_USEC": str(watchdog_usec)})
    try:
        yield proc
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(20)


def _log(config: Path) -> str:
    return (config.parent / "serve.log").read_text(errors="replace")


@pytest.fixture
def sockdir() -> Iterator[Path]:
    with socket_dir() as path:
        yield path


def test_ready_once_the_socket_answers_then_pings_then_stopping(tmp_path: Path,
                                                                 sockdir: Path) -> None:
    sock = sockdir / "s.sock"
    cfg = write_config(tmp_path, sock, {ME: "admin"})
    notify = NotifySocket(str(sockdir / "notify"))
    try:
        # 6 s, pinged every 3 s: wide enough that a busy machine, delaying a ping or our
        # reading of it by a second or more, cannot make the gaps look wrong.
        with serving(cfg, notify, watchdog_usec=6_000_000) as proc:
            _at, ready = notify.wait_for("READY", 60)
            # At the moment systemd hears READY, a client can already connect.
            probe_result = probe(sock, timeout=2.0)
            assert probe_result is not None, _log(cfg)
            probe_result[1].close()
            assert "serving on" in ready.get("STATUS", ""), ready
            assert not any("WATCHDOG" in f for _t, f in notify.seen[:-1])  # none before READY
            ready_at = notify.seen[-1][0]
            while len(notify.pings_after(ready_at)) < 4:
                notify.wait_for("WATCHDOG", 30)
            pings = notify.pings_after(ready_at)
            gaps = [b - a for a, b in itertools.pairwise(pings)]
            # Every 3 s (half of WATCHDOG_USEC): never late enough for systemd to restart us,
            # never a flood.
            assert all(1.5 < gap < 6.0 for gap in gaps), gaps
            proc.send_signal(signal.SIGTERM)
            _t, stopping = notify.wait_for("STOPPING", 60)
            assert stopping["STOPPING"] == "1"
            assert proc.wait(60) == 0, _log(cfg)
    finally:
        notify.close()


def test_no_notify_socket_no_trouble(tmp_path: Path, sockdir: Path) -> None:
    """In a terminal (no systemd) the same server starts and stops as before."""
    from cxinbox.service.sdnotify import Notifier

    quiet = Notifier.from_environment({})
    assert not quiet.enabled and quiet.watchdog_interval_s is None
    assert not quiet.send(READY="1")
    wrong_pid = Notifier.from_environment({"NOTIFY_SOCKET": "@x", "WATCHDOG_USEC": "1000000",
                                           "WATCHDOG_PID": str(os.getpid() + 1)})
    assert wrong_pid.watchdog_interval_s is None  # the watchdog is another process's


def _imap_processes(master_pid: int) -> list[int]:
    """Dovecot's `imap` processes (one per client session) under this test's master."""
    children: dict[int, list[int]] = {}
    names: dict[int, str] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        name = stat[stat.index("(") + 1:stat.rindex(")")]
        ppid = int(stat[stat.rindex(")") + 2:].split()[1])
        children.setdefault(ppid, []).append(int(entry.name))
        names[int(entry.name)] = name
    found: list[int] = []
    todo = [master_pid]
    while todo:
        pid = todo.pop()
        for child in children.get(pid, []):
            todo.append(child)
            if names.get(child) == "imap":
                found.append(child)
    return found


async def test_a_hung_worker_stops_the_watchdog_pings(dovecot: Any, tmp_path: Path,
                                                      sockdir: Path) -> None:
    from tests.synchelp import write_config as sync_config

    dovecot.deliver(b"From: Pat <pat@example.com>\r\nTo: appointments@x\r\n"
                    b"Subject: Before the hang\r\nMessage-ID: <hang-1@x>\r\n\r\nHello\r\n")
    sock = sockdir / "s.sock"
    cfg = sync_config(tmp_path, dovecot)
    # The link stalls for longer than the stall limit: nothing but the watchdog notices.
    text = cfg.read_text().replace("socket_timeout_s = 10", "socket_timeout_s = 600")
    cfg.write_text(text + f'\n[server]\nsocket = "{sock}"\nstall_seconds = 3\n\n[[staff]]\n'
                   f'os_user = "{ME}"\nname = "Desk"\nrole = "admin"\n')
    notify = NotifySocket(f"@cxinbox-test-notify-{os.getpid()}")  # the abstract namespace
    stopped: list[int] = []
    try:
        with serving(cfg, notify, watchdog_usec=1_000_000):
            notify.wait_for("READY", 60)
            api = await _client(sock)
            try:
                deadline = time.monotonic() + 60
                while (await api.list_conversations()).total < 1:
                    assert time.monotonic() < deadline, _log(cfg)
                    notify.next(0.2)
                healthy_from = time.monotonic()
                while len(notify.pings_after(healthy_from)) < 3:
                    notify.wait_for("WATCHDOG", 30)
                assert _imap_processes(dovecot.pid)
                # The mail server stops answering; a reader marks the conversation read, so
                # the mail thread leaves IDLE and waits for an answer that never comes.
                for pid in _imap_processes(dovecot.pid):
                    os.kill(pid, signal.SIGSTOP)
                    stopped.append(pid)
                hung_at = time.monotonic()
                conv = (await api.list_conversations()).items[0].id
                assert await api.mark_read(conv) == 1
                _t, status = _wait_status(notify, "no progress", 60)
                assert "sync-appointments-INBOX" in status["STATUS"], status
                # A ping already in flight may still land; after that, three seconds (six
                # intervals) without one.
                silent_from = time.monotonic() + 0.6
                window_end = silent_from + 3.0
                while (left := window_end - time.monotonic()) > 0:
                    notify.next(left)
                assert not notify.pings_after(silent_from), notify.seen[-5:]
                assert time.monotonic() - hung_at >= 3.0  # not before the stall limit
                assert "no progress" in _log(cfg)
                # The server answers meanwhile: only the watchdog knows.
                assert (await api.list_conversations()).total == 1
                # The link comes back: the worker moves again and so do the pings.
                for pid in stopped:
                    os.kill(pid, signal.SIGCONT)
                stopped.clear()
                back = time.monotonic()
                notify.wait_for("WATCHDOG", 60)
                assert notify.pings_after(back)
            finally:
                await api.aclose()
    finally:
        for pid in stopped:
            os.kill(pid, signal.SIGCONT)
        notify.close()


def _wait_status(notify: NotifySocket, text: str, timeout: float) -> tuple[float, dict[str, str]]:
    deadline = time.monotonic() + timeout
    while (left := deadline - time.monotonic()) > 0:
        fields = notify.next(left)
        if fields is not None and text in fields.get("STATUS", ""):
            return notify.seen[-1]
    raise AssertionError(f"no STATUS with {text!r}; got {notify.seen[-5:]}")


async def _client(sock: Path) -> SocketAPI:
    found = probe(sock)
    assert found is not None, "server not answering"
    return SocketAPI(sock, *found)
