"""The store: file modes, migrations, append-only hash-chained events."""

from __future__ import annotations

import sqlite3
import stat
from pathlib import Path

import pytest

from cxinbox.store.db import (
    Database,
    StoreError,
    append_event,
    has_wal_reset_fix,
    verify_event_chain,
)


def test_files_are_private_and_wal(tmp_path: Path) -> None:
    db = Database(tmp_path / "data" / "cxinbox.db")
    with db.write() as conn:
        append_event(conn, "maria", "test.event")
    assert stat.S_IMODE((tmp_path / "data").stat().st_mode) == 0o700
    for p in (tmp_path / "data").iterdir():
        assert stat.S_IMODE(p.stat().st_mode) == 0o600, p
    assert db.conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert db.conn.execute("PRAGMA user_version").fetchone()[0] >= 1
    db.close()


def test_reopen_does_not_remigrate(tmp_path: Path) -> None:
    path = tmp_path / "cxinbox.db"
    Database(path).close()
    db = Database(path)
    assert db.integrity_check() == "ok"
    db.close()


def test_not_a_database_is_one_line_error(tmp_path: Path) -> None:
    path = tmp_path / "cxinbox.db"
    path.write_bytes(b"this is not sqlite" * 100)
    path.chmod(0o600)
    with pytest.raises(StoreError, match="not a readable cxinbox database"):
        Database(path)


def test_events_are_append_only(tmp_path: Path) -> None:
    db = Database(tmp_path / "cxinbox.db")
    with db.write() as conn:
        append_event(conn, "maria", "conversation.view", "conversation:1")
    with pytest.raises(sqlite3.IntegrityError, match="append-only"):
        db.conn.execute("UPDATE events SET actor = 'mallory'")
    with pytest.raises(sqlite3.IntegrityError, match="append-only"):
        db.conn.execute("DELETE FROM events")
    db.close()


def test_hash_chain_detects_tampering(tmp_path: Path) -> None:
    db = Database(tmp_path / "cxinbox.db")
    with db.write() as conn:
        for i in range(5):
            append_event(conn, "maria", "conversation.view", f"conversation:{i}")
    assert verify_event_chain(db.conn) == (True, None)
    # Someone with the file drops the triggers and edits history.
    db.conn.execute("DROP TRIGGER events_no_update")
    db.conn.execute("UPDATE events SET actor = 'mallory' WHERE seq = 3")
    assert verify_event_chain(db.conn) == (False, 3)
    db.close()


def test_wal_reset_fix_versions() -> None:
    assert not has_wal_reset_fix((3, 40, 1))
    assert has_wal_reset_fix((3, 44, 6))
    assert not has_wal_reset_fix((3, 44, 5))
    assert has_wal_reset_fix((3, 50, 7))
    assert has_wal_reset_fix((3, 51, 3))
    assert not has_wal_reset_fix((3, 51, 2))


def test_an_older_database_is_migrated_in_place(tmp_path: Path) -> None:
    from cxinbox.store.schema import MIGRATIONS

    path = tmp_path / "cxinbox.db"
    old = sqlite3.connect(path)
    old.executescript(MIGRATIONS[0] + "\nPRAGMA user_version=1;")
    old.execute("INSERT INTO conversations (subject, created_at, last_message_at)"
                " VALUES ('kept', 1, 1)")
    old.commit()
    old.close()
    path.chmod(0o600)
    db = Database(path)
    assert db.conn.execute("PRAGMA user_version").fetchone()[0] == len(MIGRATIONS)
    indexes = {r[0] for r in db.conn.execute("SELECT name FROM sqlite_master WHERE type='index'")}
    assert "messages_sender" in indexes
    assert db.conn.execute("SELECT subject FROM conversations").fetchone()[0] == "kept"
    db.close()


def test_two_processes_opening_a_new_database_migrate_it_once(tmp_path: Path) -> None:
    """A sync process and a second cxinbox opening a fresh cache at the same moment."""
    import subprocess
    import sys

    from cxinbox.store.schema import MIGRATIONS

    path = tmp_path / "data" / "cxinbox.db"
    code = ("import sys; from pathlib import Path; from cxinbox.store.db import Database; "
            "Database(Path(sys.argv[1])).close()")
    for _ in range(5):
        if path.exists():
            for leftover in path.parent.iterdir():
                leftover.unlink()
        procs = [subprocess.Popen([sys.executable, "-c", code, str(path)],
                                  stderr=subprocess.PIPE) for _ in range(4)]
        errors = [p.communicate(timeout=60)[1].decode() for p in procs]
        assert [p.returncode for p in procs] == [0, 0, 0, 0], errors
        db = Database(path)
        try:
            assert db.conn.execute("PRAGMA user_version").fetchone()[0] == len(MIGRATIONS)
        finally:
            db.close()


def test_making_the_wal_durable_keeps_this_process_locks(tmp_path: Path) -> None:
    """Closing a descriptor of a SQLite file drops the process's POSIX locks on it; another
    process would then checkpoint and delete the WAL under open connections."""
    import subprocess
    import sys

    from cxinbox.store.db import append_event

    path = tmp_path / "cx.db"
    db = Database(path)
    try:
        for n in range(50):
            with db.write() as conn:
                append_event(conn, "t", "x", str(n))
        db.make_durable()
        other = ("import sys; from pathlib import Path; from cxinbox.store.db import Database; "
                 "d = Database(Path(sys.argv[1])); d.conn.execute('SELECT 1'); d.close()")
        subprocess.run([sys.executable, "-c", other, str(path)], check=True, timeout=60)
        assert Path(f"{path}-wal").exists(), "our connections still hold the WAL"
        with db.write() as conn:
            append_event(conn, "t", "x", "after")
        assert db.conn.execute("SELECT count(*) FROM events").fetchone()[0] == 51
        assert db.integrity_check() == "ok"
    finally:
        db.close()


def test_migrating_leaves_the_connection_at_its_own_durability(tmp_path: Path,
                                                               monkeypatch: pytest.MonkeyPatch
                                                               ) -> None:
    """The migration steps commit at synchronous=NORMAL (no fsync each); afterwards, and
    after a step that fails, the connection is back at the level it was opened with, and
    every step that committed stays, to be resumed from by the next open."""
    import cxinbox.store.db as store_db
    from cxinbox.store.schema import MIGRATIONS

    full = Database(tmp_path / "new.db")
    assert full.conn.execute("PRAGMA synchronous").fetchone()[0] == 2  # FULL
    assert full.conn.execute("PRAGMA user_version").fetchone()[0] == len(MIGRATIONS)
    assert full.conn.execute("PRAGMA auto_vacuum").fetchone()[0] == 2  # INCREMENTAL
    full.close()
    normal = Database(tmp_path / "normal.db", synchronous="NORMAL")
    assert normal.conn.execute("PRAGMA synchronous").fetchone()[0] == 1
    normal.close()

    path = tmp_path / "broken.db"
    seen: list[tuple[sqlite3.Connection, int]] = []
    steps = Database._migrate_steps

    def watched(self: Database, conn: sqlite3.Connection, version: int) -> None:
        seen.append((conn, conn.execute("PRAGMA synchronous").fetchone()[0]))
        steps(self, conn, version)

    monkeypatch.setattr(Database, "_migrate_steps", watched)
    monkeypatch.setattr(store_db, "MIGRATIONS", [*MIGRATIONS, "CREATE TABLE broken (;"])
    with pytest.raises(sqlite3.OperationalError):
        Database(path)
    monkeypatch.setattr(store_db, "MIGRATIONS", MIGRATIONS)
    [(failed, during)] = seen
    assert during == 1, "the steps ran at NORMAL (the file is in WAL mode)"
    assert failed.execute("PRAGMA synchronous").fetchone()[0] == 2, \
        "the connection the failed step ran on is back at FULL"
    assert not failed.in_transaction
    failed.close()
    conn = sqlite3.connect(path)
    assert conn.execute("PRAGMA user_version").fetchone()[0] == len(MIGRATIONS)
    conn.close()
    again = Database(path)
    assert again.conn.execute("PRAGMA synchronous").fetchone()[0] == 2
    assert again.integrity_check() == "ok"
    again.close()


def test_migrating_stays_at_full_when_the_journal_is_not_wal(tmp_path: Path,
                                                             monkeypatch: pytest.MonkeyPatch
                                                             ) -> None:
    """A file whose journal could not become WAL (here: the switch is left out, as on a
    file system without shared memory) keeps the rollback journal, where synchronous=NORMAL
    risks the file on a power cut: the migration steps then commit at FULL."""
    import cxinbox.store.db as store_db

    seen: list[tuple[str, int]] = []
    steps = Database._migrate_steps

    def watched(self: Database, conn: sqlite3.Connection, version: int) -> None:
        seen.append((conn.execute("PRAGMA journal_mode").fetchone()[0],
                     conn.execute("PRAGMA synchronous").fetchone()[0]))
        steps(self, conn, version)

    monkeypatch.setattr(Database, "_migrate_steps", watched)
    monkeypatch.setattr(store_db, "_enter_wal", lambda conn, wait_s=30.0: None)
    db = Database(tmp_path / "rollback.db")
    try:
        assert seen == [("delete", 2)], seen
        assert db.conn.execute("PRAGMA synchronous").fetchone()[0] == 2
        assert db.integrity_check() == "ok"
    finally:
        db.close()
