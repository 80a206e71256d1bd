"""`[server] group`: a server started by hand (as root) hands its socket to the staff's
group, so they can connect; without it the socket keeps the server's own group and the
startup line says which group that is. A group that does not exist is one line at start."""

from __future__ import annotations

import grp
import os
import shutil
import stat
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from tests.support.osusers import OsUsers, os_users, run_as
from tests.test_serve_attack import _session
from tests.test_serve_support import ME, Server, cx, write_config

from cxinbox.api.socket_probe import probe

pytestmark = pytest.mark.skipif(os.geteuid() != 0, reason="needs root to create OS users")


@pytest.fixture(scope="module")
def users() -> Iterator[OsUsers]:
    with os_users() as made:
        yield made


@pytest.fixture
def base() -> Iterator[Path]:
    """A plain 0755 directory for the socket: nothing here gives it the desk group."""
    path = Path(tempfile.mkdtemp(prefix="cxg-", dir="/tmp"))
    try:
        path.chmod(0o755)
        yield path
    finally:
        shutil.rmtree(path, ignore_errors=True)


def _desk(base: Path, users: OsUsers, group: str | None) -> tuple[Path, Path]:
    sock = base / "s.sock"
    cfg = write_config(base, sock, {ME: "admin", users.agent.name: "agent"})
    if group is not None:
        cfg.write_text(cfg.read_text().replace("[server]\n", f'[server]\ngroup = "{group}"\n'))
    cfg.chmod(0o644)
    return cfg, sock


def _whoami(path: str) -> object:
    """As another user: who the server's hello says we are, or how the connect failed."""
    try:
        hello = _session(path, [])[0]
    except OSError as exc:
        return type(exc).__name__
    return hello


def _refusal(path: str) -> str:
    """As the agent, what the CLI's own probe says when the kernel refuses the connect."""
    try:
        probe(Path(path))
    except Exception as exc:  # noqa: BLE001 - the line is what is checked
        return str(exc)
    return "connected"


def test_the_socket_goes_to_the_configured_group(base: Path, users: OsUsers) -> None:
    cfg, sock = _desk(base, users, users.group)
    with Server(cfg, sock) as server:
        mode = os.stat(sock)
        assert grp.getgrgid(mode.st_gid).gr_name == users.group
        assert stat.S_IMODE(mode.st_mode) == 0o660
        assert f"listening on {sock} (pid {server.proc.pid}); members of group" \
               f" {users.group} may connect; Ctrl-C" in server.log  # type: ignore[union-attr]
        answer = run_as(users.agent, _whoami, str(sock))
        assert isinstance(answer, dict) and answer["hello"]["actor"] == users.agent.name, answer
        # someone outside the group is still stopped by the kernel
        assert run_as(users.outsider, _whoami, str(sock)) == "PermissionError"


def test_without_it_the_startup_line_names_the_servers_own_group(base: Path,
                                                                 users: OsUsers) -> None:
    cfg, sock = _desk(base, users, None)
    own = grp.getgrgid(os.getgid()).gr_name
    with Server(cfg, sock) as server:
        assert grp.getgrgid(os.stat(sock).st_gid).gr_name == own
        assert f"members of group {own} may connect (the server's own group: [server] group" \
               " names the staff's); Ctrl-C" in server.log
        line = run_as(users.agent, _refusal, str(sock))
        assert line == (f"{sock}: permission denied: {users.agent.name} may not use this"
                        f" cxinbox server (only members of {own} may); ask an admin"), line


def test_a_group_that_does_not_exist_is_one_line(base: Path, users: OsUsers) -> None:
    cfg, sock = _desk(base, users, "nosuchgroup-cx")
    started = cx("serve", "--config", str(cfg))
    assert started.returncode != 0 and "Traceback" not in started.stderr, started.stderr
    assert started.stderr.strip().splitlines()[-1] == (
        "cxinbox: [server] group: no such group 'nosuchgroup-cx'; create it (groupadd"
        " nosuchgroup-cx) and add the staff to it, or set the group that exists")
    assert not sock.exists()
    cfg.write_text(cfg.read_text().replace('"nosuchgroup-cx"', '"no spaces allowed"'))
    refused = cx("serve", "--config", str(cfg))
    assert refused.returncode == 2 and "Traceback" not in refused.stderr, refused.stderr
    assert refused.stderr == (f"cxinbox: {cfg}: server.group: \"no spaces allowed\" is not"
                              " a group name\n")
