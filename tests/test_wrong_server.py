"""A command reaches the server on the config's socket, but acts only if that server serves
the database the config names: a stray `cxinbox serve` on another database (left running on
a shared or default socket) is refused in one line naming both, and nothing changes."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest
from tests.support.clirun import cx_here
from tests.test_bulk_cli import fill
from tests.test_serve_support import ME, Server, cx, socket_dir, write_config

from cxinbox.api.socket_probe import store_names
from cxinbox.config import load_config
from cxinbox.store.db import Database


@pytest.fixture
def sockdir() -> Iterator[Path]:
    with socket_dir() as path:
        yield path


def _desk(directory: Path, sock: Path) -> Path:
    directory.mkdir()
    cfg = write_config(directory, sock, {ME: "admin"})
    db = Database(load_config(cfg).db_path)
    fill(db, 3)
    db.close()
    return cfg


def _status(cfg: Path, conv: int) -> str:
    conn = sqlite3.connect(f"file:{load_config(cfg).db_path}?mode=ro", uri=True)
    try:
        return str(conn.execute("SELECT status FROM conversations WHERE id = ?",
                                (conv,)).fetchone()[0])
    finally:
        conn.close()


def _refused(proc: object, ours: Path, theirs: Path, sock: Path) -> None:
    code, out, err = proc.returncode, proc.stdout, proc.stderr  # type: ignore[attr-defined]
    assert code == 5 and out == "" and "Traceback" not in err, (code, out, err)
    lines = err.splitlines()
    assert len(lines) == 1, err
    assert str(sock) in lines[0] and str(theirs) in lines[0] and str(ours) in lines[0], err
    assert "not talking to it" in lines[0]


def test_a_server_on_another_database_is_refused(tmp_path: Path, sockdir: Path) -> None:
    sock = sockdir / "s.sock"
    stray = _desk(tmp_path / "stray", sock)
    mine = _desk(tmp_path / "mine", sock)  # same socket, another database
    stray_db = load_config(stray).db_path
    my_db = load_config(mine).db_path
    with Server(stray, sock) as server:
        assert _status(stray, 1) == "open"
        # a change, a read through the fast path, and a read through the full CLI
        _refused(cx("status", "id:1", "closed", "-y", "-c", str(mine)), my_db, stray_db, sock)
        # the first in a child (exit status, stderr), the others in this process
        _refused(cx_here("list", "-c", str(mine)), my_db, stray_db, sock)
        _refused(cx_here("list", "--json", "-c", str(mine)), my_db, stray_db, sock)
        _refused(cx_here("tag", "id:1", "--add", "x", "-y", "-c", str(mine)), my_db, stray_db,
                 sock)
        assert _status(stray, 1) == "open" and _status(mine, 1) == "open"
        # the config that names the stray server's own database works
        done = cx("status", "id:1", "closed", "-y", "-c", str(stray))
        assert done.returncode == 0, done.stderr
        assert _status(stray, 1) == "closed"
        assert "not talking" not in server.log


def test_the_same_database_by_a_symlinked_path_is_the_same(tmp_path: Path,
                                                          sockdir: Path) -> None:
    sock = sockdir / "s.sock"
    cfg = _desk(tmp_path / "desk", sock)
    db_path = load_config(cfg).db_path
    link = tmp_path / "link"
    link.symlink_to(db_path.parent, target_is_directory=True)
    other = cfg.with_name("via-link.toml")
    other.write_text(cfg.read_text().replace(str(db_path), str(link / db_path.name)))
    assert store_names(link / db_path.name)[-1] == str(db_path.resolve())
    with Server(cfg, sock):
        done = cx("status", "id:1", "closed", "-y", "-c", str(other))
        assert done.returncode == 0, done.stderr
    assert _status(cfg, 1) == "closed"
