"""A SQLite cache that is there but cannot be read (another user's file with mode 000, a
directory in its place, a truncated copy, a file that is not SQLite) is one line saying
the store could not be read, and exit 10, from every read-only command that opens it:
no traceback, no "tampered" verdict from `audit verify`, not the exit 1 of an error in the
data. As on PostgreSQL when the database cannot be reached (`StoreUnreadable`).
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from tests.support.clirun import cx_here
from tests.support.osusers import OsUsers, cli_as, os_users
from tests.support.pgcluster import PgCluster

from cxinbox.store.db import Database

EXIT_UNCHECKED = 10
COMMANDS = [("list",), ("show", "1"), ("audit", "verify")]


def _config(directory: Path, cache: Path, staff: str) -> Path:
    config = directory / "config.toml"
    config.write_text(f'[clinic]\ntimezone = "UTC"\n\n[store]\npath = "{cache}"\n\n'
                      f'[server]\nsocket = "{directory / "cx.sock"}"\n\n[[staff]]\n'
                      f'os_user = "{staff}"\nname = "Desk"\nrole = "admin"\n')
    config.chmod(0o644)
    return config


def _cache(path: Path, events: int = 300) -> None:
    """A real cache with a trail long enough to span several pages."""
    db = Database(path)
    try:
        with db.writing() as tx:
            for _ in range(events):
                tx.append_event("maria", "conversation.view", "conversation:1",
                                {"note": "x" * 300})
    finally:
        db.close()


def _assert_could_not_read(code: int, out: str, err: str, cache: Path, command: tuple[str, ...],
                           why: str) -> None:
    assert code == EXIT_UNCHECKED, (command, code, out, err)
    assert "Traceback" not in err and "FAIL" not in out, (out, err)
    lines = [line for line in err.splitlines() if line.strip()]
    assert len(lines) == 1, err
    said = "could not check the audit trail" if command == ("audit", "verify") else \
        "could not read the store"
    assert lines[0].startswith(f"cxinbox: {said}: {cache}: "), lines
    assert why in lines[0], lines


BROKEN = {
    "a directory": ("not a file", lambda p: (p.unlink(), p.mkdir())),
    "truncated": ("database disk image is malformed",
                  lambda p: os.truncate(p, p.stat().st_size // 3)),
    "not SQLite": ("file is not a database", lambda p: p.write_bytes(os.urandom(9000))),
}


@pytest.mark.parametrize("kind", list(BROKEN))
def test_a_broken_cache_is_could_not_read_and_exit_10(tmp_path: Path, kind: str) -> None:
    cache = tmp_path / "data" / "cxinbox.db"
    _cache(cache)
    for suffix in ("-wal", "-shm"):
        Path(f"{cache}{suffix}").unlink(missing_ok=True)
    why, breaks = BROKEN[kind]
    breaks(cache)
    config = _config(tmp_path, cache, "root")
    for command in COMMANDS:
        proc = cx_here("--local", "-c", str(config), *command)
        _assert_could_not_read(proc.returncode, proc.stdout, proc.stderr, cache, command,
                               why)
    doctor = cx_here("-c", str(config), "doctor", "--json")
    assert "Traceback" not in doctor.stderr, doctor.stderr
    fails = [f["text"] for f in json.loads(doctor.stdout)["findings"] if f["level"] == "fail"]
    assert any(text.startswith(f"could not check the store ({cache}: ") and why in text
               for text in fails), fails


@pytest.fixture
def users() -> Iterator[OsUsers]:
    with os_users() as made:
        yield made


def test_another_users_cache_with_mode_000_is_could_not_read(users: OsUsers) -> None:
    """The directory is open to all (as a shared mount may be); the file is root's, 000."""
    top = Path(tempfile.mkdtemp(prefix="cxinbox-unreadable-"))
    try:
        top.chmod(0o755)
        (top / "data").mkdir(mode=0o755)
        cache = top / "data" / "cxinbox.db"
        _cache(cache)
        cache.chmod(0)
        (top / "data").chmod(0o755)
        config = _config(top, cache, users.agent.name)
        for command in COMMANDS:
            code, out, err = cli_as(users.agent, "--local", "-c", str(config), *command)
            _assert_could_not_read(code, out, err, cache, command, "permission denied")
            assert "it belongs to uid 0" in err, err
    finally:
        shutil.rmtree(top, ignore_errors=True)


def test_store_verify_of_an_unreadable_cache_is_could_not_read(
        tmp_path: Path, pg_cluster: PgCluster) -> None:
    name = f"unreadable_{os.getpid()}"
    pg_cluster.create_database(name)
    try:
        cache = tmp_path / "data" / "cxinbox.db"
        cache.parent.mkdir(mode=0o700)
        cache.write_bytes(os.urandom(9000))
        config = _config(tmp_path, cache, "root")
        proc = cx_here("-c", str(config), "store", "verify", "--to", pg_cluster.url(name))
        _assert_could_not_read(proc.returncode, proc.stdout, proc.stderr, cache,
                               ("store", "verify"), "file is not a database")
    finally:
        pg_cluster.psql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
