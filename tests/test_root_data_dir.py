"""An admin running a command as root against the server user's data directory is told to
run it as that user, and nothing is made there: root-owned files (a new database, its -wal
and -shm) would lock the server out of its own store (a clinic tester met exactly that)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from tests.test_serve_support import cx

SERVER_UID = 54321  # owns the data directory; no such user on this machine


@pytest.mark.parametrize("command", [["teams"], ["list"]])
def test_root_is_sent_to_the_servers_user_and_nothing_is_made(tmp_path: Path,
                                                               command: list[str]) -> None:
    if os.geteuid() != 0:
        pytest.skip("only root can give a directory to another user")
    data = tmp_path / "data"
    data.mkdir(mode=0o700)
    os.chown(data, SERVER_UID, SERVER_UID)
    cfg = tmp_path / "config.toml"
    cfg.write_text(f'[clinic]\ntimezone = "UTC"\n\n[store]\npath = "{data}/cxinbox.db"\n')
    done = cx("--local", *command, "--config", str(cfg))
    assert done.returncode != 0
    assert "Traceback" not in done.stderr
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1, done.stderr
    assert f"{data} belongs to #{SERVER_UID}, the cxinbox server's user" in lines[0]
    assert f"sudo -u #{SERVER_UID} cxinbox" in lines[0]
    assert list(data.iterdir()) == []


def test_root_keeps_its_own_store(tmp_path: Path) -> None:
    """Root's own data directory (an admin's test install) opens as before, once a sync
    or a server made the cache there (a command that only reads makes none)."""
    from cxinbox.store.db import Database

    cfg = tmp_path / "config.toml"
    cfg.write_text(f'[clinic]\ntimezone = "UTC"\n\n[store]\npath = "{tmp_path}/own/cx.db"\n')
    done = cx("--local", "list", "--config", str(cfg))
    assert done.returncode == 1 and "no cache at" in done.stderr, done.stderr
    assert not (tmp_path / "own").exists()
    (tmp_path / "own").mkdir(mode=0o700)
    Database(tmp_path / "own" / "cx.db").close()  # as `sync` makes it
    done = cx("--local", "list", "--config", str(cfg))
    assert done.returncode == 0, done.stderr
