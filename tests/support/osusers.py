"""Throwaway OS users for attacking the server as someone else (tests run as root).

`OsUsers` creates a group and users with `groupadd`/`useradd` (names carry the test
process's pid, so parallel runs do not collide) and deletes them afterwards. `run_as` forks
this process, drops to a user in the child (setgroups, setgid, setuid: the kernel then
reports that user through SO_PEERCRED) and runs a function there, returning its result
through a pipe. Forking instead of starting a new interpreter matters: the interpreter's
own files live under /root, which other users cannot read, so everything the child needs
must already be imported in the parent.
"""

from __future__ import annotations

import contextlib
import io
import os
import pickle
import pwd
import select
import subprocess
import sys
import threading
import time
import traceback
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any, TypeVar

T = TypeVar("T")


@dataclass(frozen=True)
class OsUser:
    name: str
    uid: int
    gid: int
    groups: tuple[int, ...]


@dataclass(frozen=True)
class OsUsers:
    group: str
    gid: int
    outsider: OsUser  # not in the desk group
    member: OsUser  # in the desk group, not on the roster
    agent: OsUser  # in the desk group, on the roster as an agent
    other_agent: OsUser  # a second agent: the colleague whose screen must stay clean


def _run(*argv: str) -> None:
    subprocess.run(argv, check=True, capture_output=True, timeout=30)


@contextlib.contextmanager
def os_users() -> Iterator[OsUsers]:
    # The whole pid: names are unique among live processes. Users and a group left with
    # these names by a run that was killed (its process gone, the pid reused) are removed
    # first, or useradd would refuse them.
    tag = f"cxt{os.getpid()}"
    group = f"{tag}desk"
    names = {role: f"{tag}{role[0]}" for role in ("outsider", "member", "agent", "xagent")}
    for name in names.values():
        subprocess.run(["userdel", name], capture_output=True, timeout=30, check=False)
    subprocess.run(["groupdel", group], capture_output=True, timeout=30, check=False)
    made: list[str] = []
    try:
        _run("groupadd", group)
        import grp

        gid = grp.getgrnam(group).gr_gid
        for role, name in names.items():
            extra = [] if role == "outsider" else ["-G", group]
            _run("useradd", "-M", "-N", "-s", "/usr/sbin/nologin", *extra, name)
            made.append(name)
        users = {}
        for role, name in names.items():
            entry = pwd.getpwnam(name)
            groups = (entry.pw_gid,) if role == "outsider" else (entry.pw_gid, gid)
            users[role] = OsUser(name, entry.pw_uid, entry.pw_gid, groups)
        yield OsUsers(group, gid, users["outsider"], users["member"], users["agent"],
                      users["xagent"])
    finally:
        for name in made:
            subprocess.run(["userdel", name], capture_output=True, timeout=30, check=False)
        subprocess.run(["groupdel", group], capture_output=True, timeout=30, check=False)


_FORK_LOCK = threading.Lock()


def run_as(user: OsUser, fn: Callable[..., T], *args: Any, timeout: float = 60.0) -> T:
    """`fn(*args)` in a forked child running as `user`; its exception is re-raised here
    as a RuntimeError carrying the child's traceback."""
    # The pipe and the fork under one lock, and the parent's write end closed before it is
    # released: a child forked at the same moment by another thread would otherwise inherit
    # this write end and keep it open (the reader here then waits for its EOF until that
    # other child exits: a 60 s hang seen about one run in five).
    with _FORK_LOCK:
        read_end, write_end = os.pipe()
        pid = os.fork()
        if pid != 0:
            os.close(write_end)
    if pid == 0:  # the child: never returns into pytest
        status = 0
        try:
            os.close(read_end)
            os.setgroups(list(user.groups))
            os.setgid(user.gid)
            os.setuid(user.uid)
            os.environ.update(USER=user.name, LOGNAME=user.name, HOME="/tmp")
            payload = pickle.dumps(("ok", fn(*args)))
        except BaseException:  # noqa: BLE001 - everything goes back to the parent
            payload = pickle.dumps(("error", traceback.format_exc()))
            status = 1
        try:
            view = memoryview(payload)
            while view:
                view = view[os.write(write_end, view):]
        finally:
            os._exit(status)
    chunks: list[bytes] = []
    poller = select.poll()
    poller.register(read_end, select.POLLIN)
    deadline = time.monotonic() + timeout
    try:
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                os.kill(pid, 9)
                raise TimeoutError(f"the child running as {user.name} took over {timeout} s")
            # poll, not select: a long test process may hold more than 1,024 descriptors
            ready = poller.poll(left * 1000)
            if not ready:
                continue
            chunk = os.read(read_end, 1 << 16)
            if not chunk:
                break
            chunks.append(chunk)
    finally:
        os.close(read_end)
        os.waitpid(pid, 0)
    kind, value = pickle.loads(b"".join(chunks))
    if kind == "error":
        raise RuntimeError(f"as {user.name}: {value}")
    return value  # type: ignore[no-any-return]


def cli_as(user: OsUser, *args: str) -> tuple[int, str, str]:
    """The real `cxinbox` command line run as `user`: (exit code, stdout, stderr)."""
    return run_as(user, _cli, list(args))


def _cli(args: list[str]) -> tuple[int, str, str]:
    from cxinbox.cli import main

    out, err = io.StringIO(), io.StringIO()
    code = 0
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            main(args)
        except SystemExit as exc:
            code = exc.code if isinstance(exc.code, int) else 1
        except BaseException:  # noqa: BLE001 - a traceback is what the test looks for
            traceback.print_exc(file=sys.stderr)
            code = 99
    return code, out.getvalue(), err.getvalue()
