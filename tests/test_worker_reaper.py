"""A `cxinbox serve` killed outright (SIGKILL) leaves none of its mail-parsing processes
behind: the forkserver, its pool workers and multiprocessing's resource tracker all end
once the server has gone (service/reaper.py). A real server syncs a real Dovecot folder
big enough for the parse pool; the test then kills the server and waits for every
process it had started to be gone."""

from __future__ import annotations

import os
import signal
from pathlib import Path
from typing import Any

import pytest
from tests.support.mailgen import generate_corpus
from tests.support.waiting import wait_until
from tests.synchelp import write_config as sync_config
from tests.test_serve_support import ME, Server, socket_dir

pytestmark = pytest.mark.dovecot


def _children(pid: int) -> list[int]:
    found: list[int] = []
    try:
        tasks = os.listdir(f"/proc/{pid}/task")
    except OSError:
        return found
    for task in tasks:
        try:
            text = Path(f"/proc/{pid}/task/{task}/children").read_text()
        except OSError:
            continue
        found += [int(p) for p in text.split()]
    return found


def _descendants(pid: int) -> list[int]:
    out: list[int] = []
    todo = [pid]
    while todo:
        for child in _children(todo.pop()):
            out.append(child)
            todo.append(child)
    return out


def _cmdline(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
    except OSError:
        return ""


def _running(pid: int) -> bool:
    """Alive and not a zombie (an orphan's zombie waits for whoever reaps orphans here)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] != "Z"


def _parent(pid: int) -> int:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return 0
    return int(stat.rsplit(")", 1)[1].split()[1])


def _forkserver(pid: int) -> bool:
    return "multiprocessing.forkserver" in _cmdline(pid)


def test_a_killed_server_leaves_no_parse_workers(dovecot: Any, tmp_path: Path) -> None:
    dovecot.deliver_many(generate_corpus(320, seed=16), "INBOX")  # over the pool's threshold
    with socket_dir() as sockdir:
        sock = sockdir / "s.sock"
        cfg = sync_config(tmp_path, dovecot)
        cfg.write_text(cfg.read_text() + f'\n[server]\nsocket = "{sock}"\n\n[[staff]]\n'
                       f'os_user = "{ME}"\nname = "Desk"\nrole = "admin"\n')
        with Server(cfg, sock) as server:
            assert server.proc is not None
            serve_pid = server.proc.pid
            # the forkserver (the server's child) and a pool worker (the forkserver's)
            wait_until(lambda: any(_forkserver(p) and _forkserver(_parent(p))
                                   for p in _descendants(serve_pid)),
                       "the parse pool", timeout=120, interval=0.1,
                       detail=lambda: server.log[-2000:])
            spawned = [p for p in _descendants(serve_pid) if "multiprocessing" in _cmdline(p)]
            assert any("resource_tracker" in _cmdline(p) for p in spawned), spawned
            server.proc.send_signal(signal.SIGKILL)
            server.proc.wait(timeout=30)
            wait_until(lambda: not any(_running(p) for p in spawned),
                       "the parse workers to end with the server", timeout=30, interval=0.1,
                       detail=lambda: str([(p, _cmdline(p)[:80]) for p in spawned
                                           if _running(p)]))
