"""`cxinbox serve` the way contrib/systemd/cxinbox.service runs it: as its own unprivileged
user whose group is the front desk's, UMask=0077, no new privileges, no writable-and-
executable memory, in the directories the unit makes (RuntimeDirectory 0750,
StateDirectory 0700, the config root's and world-readable). A staff member in the group
connects; someone outside it is stopped by the kernel at connect().

The server is a forked child of this test that drops to the service user before it
starts the real command line (`cxinbox serve`): the interpreter lives under /root here,
which other users cannot exec (tests/support/osusers.py says more).
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import pwd
import shutil
import signal
import socket
import stat
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from tests.support.osusers import OsUser, OsUsers, cli_as, os_users, run_as
from tests.test_bulk_cli import fill

from cxinbox.store.db import Database

pytestmark = pytest.mark.skipif(os.geteuid() != 0, reason="needs root to create OS users")

PR_SET_NO_NEW_PRIVS = 38
PR_SET_MDWE = 65
PR_MDWE_REFUSE_EXEC_GAIN = 1


@dataclass(frozen=True)
class Layout:
    base: Path
    run: Path  # RuntimeDirectory=cxinbox
    state: Path  # StateDirectory=cxinbox
    config: Path
    sock: Path
    log: Path


@contextlib.contextmanager
def service_user(users: OsUsers) -> Iterator[OsUser]:
    """The unit's User=cxinbox with Group=frontdesk (sysusers makes the user; the unit
    makes the group its primary one)."""
    name = f"cxs{os.getpid()}"
    # Left behind by a killed run whose pid this process now has: removed first.
    subprocess.run(["userdel", name], capture_output=True, timeout=30, check=False)
    subprocess.run(["useradd", "-M", "-N", "-g", users.group, "-s", "/usr/sbin/nologin", name],
                   check=True, capture_output=True, timeout=30)
    try:
        entry = pwd.getpwnam(name)
        yield OsUser(name, entry.pw_uid, users.gid, ())
    finally:
        subprocess.run(["userdel", name], capture_output=True, timeout=30, check=False)


@contextlib.contextmanager
def layout(users: OsUsers, svc: OsUser) -> Iterator[Layout]:
    base = Path(tempfile.mkdtemp(prefix="cxu-", dir="/tmp"))
    try:
        base.chmod(0o755)
        dirs = {"run": 0o750, "state": 0o700, "state-audit": 0o700, "log": 0o700}
        for name, mode in dirs.items():
            (base / name).mkdir()
            os.chown(base / name, svc.uid, users.gid)
            (base / name).chmod(mode)
        config = base / "config.toml"  # root's, readable by all, as in /etc/cxinbox
        sock = base / "run" / "serve.sock"
        config.write_text(
            f'[clinic]\ntimezone = "UTC"\n\n[store]\npath = "{base / "state" / "cxinbox.db"}"\n\n'
            f'[server]\nsocket = "{sock}"\n\n'
            f'[audit]\nkey_file = "{base / "state-audit" / "audit-signing.key"}"\n'
            f'checkpoint_log = "{base / "log" / "audit-checkpoints.jsonl"}"\n\n'
            f'[[staff]]\nos_user = "{users.agent.name}"\nname = "Agent Desk"\nrole = "agent"\n')
        config.chmod(0o644)
        db = Database(base / "state" / "cxinbox.db")
        try:
            fill(db, 3)
        finally:
            db.close()
        for made in (base / "state").iterdir():
            os.chown(made, svc.uid, users.gid)
        yield Layout(base, base / "run", base / "state", config, sock, base / "serve.log")
    finally:
        shutil.rmtree(base, ignore_errors=True)


REPO_SRC = Path(__file__).resolve().parent.parent / "src"


def _service_env() -> dict[str, str]:
    import site

    path = [str(REPO_SRC), *(p for p in site.getsitepackages() if Path(p).is_dir())]
    return {"PATH": "/usr/bin:/bin", "PYTHONPATH": os.pathsep.join(path), "LANG": "C.UTF-8"}


def _interpreter_for(svc: OsUser) -> str:
    """A Python the service user may run: this one, or the system's when this one lives
    where other users cannot go (pyenv under /root)."""
    for candidate in (os.path.realpath(sys.executable), "/usr/bin/python3"):
        try:
            done = subprocess.run([candidate, "-c", "import cxinbox.api.socket_server"],
                                  user=svc.uid, group=svc.gid, extra_groups=[],
                                  env=_service_env(), cwd="/", capture_output=True,
                                  timeout=60, check=False)
        except OSError:
            continue
        if done.returncode == 0:
            return candidate
    pytest.skip("no Python interpreter the service user may run")
    raise AssertionError


def _lock_down() -> None:
    """What the unit's NoNewPrivileges= and MemoryDenyWriteExecute= do (after the
    switch to the service user, before exec)."""
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0:
        raise OSError(ctypes.get_errno(), "PR_SET_NO_NEW_PRIVS")
    if libc.prctl(PR_SET_MDWE, PR_MDWE_REFUSE_EXEC_GAIN, 0, 0, 0) == 0:
        os.write(2, b"mdwe: on\n")


def _as_the_unit_runs_it(svc: OsUser, config: Path, log: Path) -> subprocess.Popen[bytes]:
    """`cxinbox serve` as User=, Group= (no other groups), UMask=0077."""
    python = _interpreter_for(svc)
    with open(log, "wb") as out:
        return subprocess.Popen(
            [python, "-m", "cxinbox", "serve", "--config", str(config)],
            user=svc.uid, group=svc.gid, extra_groups=[], umask=0o077,
            preexec_fn=_lock_down,  # noqa: PLW1509 - nothing else runs threads here
            env={**_service_env(), "USER": svc.name, "HOME": "/nonexistent"},
            cwd="/", stdout=out, stderr=out)


def _wait_for(path: Path, proc: subprocess.Popen[bytes], log: Path,
              timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while not path.exists():
        assert proc.poll() is None, f"serve exited: {log.read_text(errors='replace')}"
        assert time.monotonic() < deadline, log.read_text(errors="replace")
        time.sleep(0.05)


def _connect(path: str) -> str:
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        sock.connect(path)
    except PermissionError:
        return "PermissionError"
    finally:
        sock.close()
    return "connected"


@pytest.fixture(scope="module")
def users() -> Iterator[OsUsers]:
    with os_users() as made:
        yield made


def test_the_service_user_serves_the_desk_group_only(users: OsUsers) -> None:
    with service_user(users) as svc, layout(users, svc) as where:
        proc = _as_the_unit_runs_it(svc, where.config, where.log)
        try:
            _wait_for(where.sock, proc, where.log)
            deadline = time.monotonic() + 60
            while "listening on" not in where.log.read_text(errors="replace"):
                assert time.monotonic() < deadline, where.log.read_text()
                time.sleep(0.05)
            # What the unit's modes and the server make of them.
            info = where.sock.stat()
            assert stat.S_IMODE(info.st_mode) == 0o660
            assert (info.st_uid, info.st_gid) == (svc.uid, users.gid)
            run = where.run.stat()
            assert (stat.S_IMODE(run.st_mode), run.st_uid, run.st_gid) == (0o750, svc.uid,
                                                                           users.gid)
            db = (where.state / "cxinbox.db").stat()
            assert (stat.S_IMODE(db.st_mode), db.st_uid) == (0o600, svc.uid)
            key = (where.base / "state-audit" / "audit-signing.key")
            deadline = time.monotonic() + 60
            while not key.exists():  # the audit anchor worker writes where the unit lets it
                assert time.monotonic() < deadline, where.log.read_text()
                time.sleep(0.05)
            assert stat.S_IMODE(key.stat().st_mode) == 0o600

            # Someone outside the group: the kernel refuses at connect().
            assert run_as(users.outsider, _connect, str(where.sock)) == "PermissionError"
            code, out, err = cli_as(users.outsider, "list", "--config", str(where.config))
            assert code == 6 and out == "" and "permission denied" in err, err
            # A staff member in the group: connects and works through the server.
            assert run_as(users.agent, _connect, str(where.sock)) == "connected"
            code, out, err = cli_as(users.agent, "list", "--config", str(where.config))
            assert code == 0, err
            assert len(out.strip().splitlines()) >= 3, out
            log = where.log.read_text(errors="replace")
            assert "Traceback" not in log, log
            assert "mdwe: on" in log or _kernel_lacks_mdwe(), log
        finally:
            proc.send_signal(signal.SIGTERM)
            code = proc.wait(30)
        assert code == 0, where.log.read_text()
        assert not where.sock.exists()


def test_doctor_as_root_says_the_servers_hook_fail_and_no_ok_of_its_own(
        users: OsUsers) -> None:
    """qa26 F7: a bare hook name on root's PATH but not on the server's. Root's doctor may
    not open the service user's store, so it asks the server on its socket: the server's
    FAIL for that hook, and no `ok` line of doctor's own contradicting it."""
    from tests.test_serve_support import cx

    with service_user(users) as svc, layout(users, svc) as where:
        bin_dir = where.base / "rootbin"
        bin_dir.mkdir(mode=0o755)
        hook = bin_dir / "cxp27-page"
        hook.write_text("#!/bin/sh\nexit 0\n")
        hook.chmod(0o755)
        text = where.config.read_text().replace(
            "[[staff]]", '[sla]\nnotify_command = ["cxp27-page"]\n\n[[staff]]', 1)
        where.config.write_text(text + '\n[[staff]]\nos_user = "root"\nname = "Admin"\n'
                                'role = "admin"\n')
        proc = _as_the_unit_runs_it(svc, where.config, where.log)
        try:
            _wait_for(where.sock, proc, where.log)
            deadline = time.monotonic() + 60
            while "listening on" not in where.log.read_text(errors="replace"):
                assert time.monotonic() < deadline, where.log.read_text()
                time.sleep(0.05)
            done = cx("doctor", "--config", str(where.config),
                      extra_env={"PATH": f"{bin_dir}:/usr/bin:/bin"})
        finally:
            proc.send_signal(signal.SIGTERM)
            proc.wait(30)
    lines = " ".join(done.stdout.split())
    assert done.returncode == 1 and "Traceback" not in done.stderr, done
    assert "FAIL server reports: [sla] notify_command: cxp27-page is not on the server's" \
        " PATH" in lines, done.stdout
    assert "ok [sla] notify_command" not in lines, done.stdout


def test_doctor_as_a_staff_member_says_what_it_cannot_read_and_asks_the_server(
        users: OsUsers) -> None:
    """qa28 F1: the data directory is the service user's (0700). A clinician's doctor
    could not even look at the database's mode and ended in a PermissionError traceback
    before it asked the server. Now: a FAIL line naming what this user cannot read, and
    the server's checks still follow."""
    with service_user(users) as svc, layout(users, svc) as where:
        proc = _as_the_unit_runs_it(svc, where.config, where.log)
        try:
            _wait_for(where.sock, proc, where.log)
            deadline = time.monotonic() + 60
            while "listening on" not in where.log.read_text(errors="replace"):
                assert time.monotonic() < deadline, where.log.read_text()
                time.sleep(0.05)
            # What the child needs imported before it drops to a user who cannot read
            # this interpreter's own library (tests/support/osusers.py).
            import email.policy  # noqa: F401

            import cxinbox.api.socket_server
            import cxinbox.service.doctor  # noqa: F401

            code, out, err = cli_as(users.agent, "doctor", "--config", str(where.config))
        finally:
            proc.send_signal(signal.SIGTERM)
            proc.wait(30)
    lines = " ".join(out.split())
    assert "Traceback" not in err and "Traceback" not in out, err
    assert code == 1, (code, out, err)
    assert f"FAIL {users.agent.name} cannot read {where.state / 'cxinbox.db'}" in lines, out
    assert f"cxinbox server answering on {where.sock}" in lines, out


def test_doctor_as_the_service_user_fails_on_a_server_of_another_store(
        users: OsUsers) -> None:
    """polish29 #1: the service user is on no roster, so the server refuses it before any
    hello; doctor took that refusal as "answering" whatever store the server served. Now
    the refusal to the server's own user names its store: with the server's config, ok;
    with another config naming the same socket but another store, a FAIL naming both."""
    with service_user(users) as svc, layout(users, svc) as where:
        other = where.base / "other.toml"
        other_db = where.state / "other.db"
        other.write_text(where.config.read_text().replace(
            str(where.state / "cxinbox.db"), str(other_db)))
        other.chmod(0o644)
        proc = _as_the_unit_runs_it(svc, where.config, where.log)
        try:
            _wait_for(where.sock, proc, where.log)
            deadline = time.monotonic() + 60
            while "listening on" not in where.log.read_text(errors="replace"):
                assert time.monotonic() < deadline, where.log.read_text()
                time.sleep(0.05)
            import email.policy  # noqa: F401

            import cxinbox.api.socket_server
            import cxinbox.service.doctor  # noqa: F401

            mine = cli_as(svc, "doctor", "--config", str(where.config))
            theirs = cli_as(svc, "doctor", "--config", str(other))
        finally:
            proc.send_signal(signal.SIGTERM)
            proc.wait(30)
        log = where.log.read_text(errors="replace")
    for code, out, err in (mine, theirs):
        assert "Traceback" not in out + err, (code, out, err)
    lines = " ".join(mine[1].split())
    assert f"ok cxinbox server answering on {where.sock}" in lines, mine
    lines = " ".join(theirs[1].split())
    assert theirs[0] == 1, theirs
    assert f"ok cxinbox server answering on {where.sock}" not in lines, theirs
    assert f"FAIL cxinbox server on {where.sock}: {where.sock}: the server there" in lines, theirs
    assert f"serves {where.state / 'cxinbox.db'}, but the config names {other_db}" in lines, \
        theirs
    # The server's own user is answered at info both times, never as an intrusion.
    assert "refused" not in log, log


def _kernel_lacks_mdwe() -> bool:
    return tuple(int(x) for x in os.uname().release.split(".")[:2]) < (6, 3)


def test_mdwe_is_what_the_kernel_enforces_here() -> None:
    """The check above means something only if the kernel really refuses W+X memory."""
    libc = ctypes.CDLL(None, use_errno=True)
    pid = os.fork()
    if pid == 0:
        ok = libc.prctl(PR_SET_MDWE, PR_MDWE_REFUSE_EXEC_GAIN, 0, 0, 0) == 0
        import mmap

        try:
            mmap.mmap(-1, 4096, prot=mmap.PROT_READ | mmap.PROT_WRITE | mmap.PROT_EXEC)
        except OSError:
            os._exit(0 if ok else 3)
        os._exit(1 if ok else 3)
    _pid, status = os.waitpid(pid, 0)
    code = os.waitstatus_to_exitcode(status)
    if code == 3:
        pytest.skip("this kernel has no PR_SET_MDWE (Linux < 6.3)")
    assert code == 0, "a W+X mapping was allowed under PR_SET_MDWE"
