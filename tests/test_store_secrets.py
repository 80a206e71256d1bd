"""The store's text key (store/textkey.py) lives inside the database on SQLite as on
PostgreSQL (`store_secrets`, migration 25): a backup restored on a new host still
recognises canned text handed out before it; every process on one file agrees on the key,
however they race to make it; and the key shows in no event, command output or file but
the database itself."""

from __future__ import annotations

import getpass
import shutil
import subprocess
import sys
import threading
from pathlib import Path

import psycopg
import pytest
from tests.backuphelp import backup_section, new_identity
from tests.support.pgcluster import PgCluster
from tests.test_redflag_canned_send import CANNED, _config_text
from tests.test_redflag_state import arrive

from cxinbox.config import load_config
from cxinbox.contract.errors import StoreError
from cxinbox.service.inbox import InboxService
from cxinbox.service.replies import ReplyService
from cxinbox.store.db import Database
from cxinbox.store.pg.migrate import migrate
from cxinbox.store.pg.schema import PG_BASELINE, PG_MIGRATIONS
from cxinbox.store.schema import MIGRATIONS
from cxinbox.store.textkey import new_key_text


def _stored(path: Path) -> list[tuple[str, str]]:
    db = Database(path)
    try:
        return [(str(r[0]), str(r[1])) for r in db.conn.execute(
            "SELECT name, value FROM store_secrets ORDER BY name")]
    finally:
        db.close()


def test_a_restore_on_a_new_host_still_refuses_canned_text_handed_out_before(
        tmp_path: Path) -> None:
    me = getpass.getuser()
    identity, key_file = new_identity(tmp_path)
    old_host, new_host = tmp_path / "old", tmp_path / "new"
    old_host.mkdir(mode=0o700)
    new_host.mkdir(mode=0o700)
    (old_host / "data").mkdir(mode=0o700)
    backups = tmp_path / "backups"
    old_cfg = old_host / "c.toml"
    old_cfg.write_text(_config_text(old_host, old_host / "data" / "c.db", me)
                       + backup_section(backups, str(identity.to_public())))
    new_cfg = new_host / "c.toml"
    new_cfg.write_text(_config_text(new_host, new_host / "data" / "c.db", me))
    db = Database(old_host / "data" / "c.db")
    try:  # handed out on the old host (rendered into a draft, not sent)
        conv, _ = arrive(db, 1, "Can I move my appointment to Friday?")
        replies = ReplyService(InboxService(db, load_config(old_cfg), me))
        assert CANNED in replies.render_canned("callback", conv, {}).body
    finally:
        db.close()
    said: list[str] = []

    def cx(cfg: Path, *args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
        done = subprocess.run([sys.executable, "-m", "cxinbox", *args, "--config", str(cfg)],
                              capture_output=True, text=True, timeout=120, input=stdin,
                              check=False)
        said.extend((done.stdout, done.stderr))
        return done

    made = cx(old_cfg, "backup")
    assert made.returncode == 0, made.stderr
    (backup,) = sorted(backups.glob("*.age"))
    # the old host is gone: only the backup and its identity reach the new one
    shutil.rmtree(old_host)
    restored = cx(new_cfg, "restore", str(backup), "--identity", str(key_file))
    assert restored.returncode == 0, restored.stderr
    db = Database(new_host / "data" / "c.db")
    try:
        InboxService(db, load_config(new_cfg), me).tag(conv, ["red-flag"], [])
    finally:
        db.close()
    refused = cx(new_cfg, "reply", str(conv), "--body-file", "-", "--send", "--no-wait",
                 stdin=f"Hi Pat,\n\n{CANNED}\n")
    assert refused.returncode != 0 and "Traceback" not in refused.stderr, refused.stderr
    lines = [line for line in refused.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and "open red flag" in lines[0], lines
    trail = cx(new_cfg, "audit", "read", "--json", "--limit", "0")
    assert trail.returncode == 0, trail.stderr
    assert '"canned.refused"' in trail.stdout and '"canned.render"' in trail.stdout
    db = Database(new_host / "data" / "c.db")
    try:
        assert int(db.conn.execute("SELECT count(*) FROM outbox").fetchone()[0]) == 0
        key = db.text_key().hex()
        events = "".join(str(r[0]) for r in db.conn.execute("SELECT details FROM events"))
    finally:
        db.close()
    # the key is in the database and nowhere else: no event, output, log or file beside it
    assert key not in events
    assert all(key not in text for text in said)
    for path in tmp_path.rglob("*"):
        if path.is_file() and not path.name.startswith("c.db"):
            assert key.encode() not in path.read_bytes(), path


def test_stores_on_one_file_agree_on_the_key_however_they_race(tmp_path: Path) -> None:
    path = tmp_path / "c.db"
    Database(path).close()
    stores = [Database(path) for _ in range(4)]
    start = threading.Barrier(len(stores))
    keys: list[bytes] = []
    errors: list[BaseException] = []

    def first_use(db: Database) -> None:
        try:
            start.wait(60)
            keys.append(db.text_key())
        except BaseException as exc:  # noqa: BLE001 - reported by the assertion below
            errors.append(exc)

    threads = [threading.Thread(target=first_use, args=(db,)) for db in stores]
    try:
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(120)
    finally:
        for db in stores:
            db.close()
    assert not errors, errors
    assert len(keys) == 4 and len(set(keys)) == 1
    assert _stored(path) == [("text_key", keys[0].hex())]
    # another process, later, reads the same
    script = ("import sys, pathlib; from cxinbox.store.db import Database;"
              " print(Database(pathlib.Path(sys.argv[1])).text_key().hex())")
    other = subprocess.run([sys.executable, "-c", script, str(path)],
                           capture_output=True, text=True, timeout=120, check=False)
    assert other.returncode == 0, other.stderr
    assert other.stdout.strip() == keys[0].hex()


def test_postgresql_keeps_its_key_in_store_secrets_too(pg_cluster: PgCluster) -> None:
    """Migration 25's twin moves a key kept in cxinbox_meta (the build before it) into
    store_secrets, so both backends keep it by one rule."""
    name = "store_secrets_move"
    pg_cluster.psql(f'DROP DATABASE IF EXISTS "{name}"')
    pg_cluster.psql(f'CREATE DATABASE "{name}" TEMPLATE template0 ENCODING \'UTF8\''
                    " LC_COLLATE 'C.UTF-8' LC_CTYPE 'C.UTF-8'")
    old = new_key_text()
    with psycopg.connect(pg_cluster.dsn(name), autocommit=True) as conn:
        migrate(conn)
        # back to the schema before 25 (and 26, 27, 28), holding its key where that build kept it
        conn.execute("DROP TABLE store_secrets")
        conn.execute("DROP TABLE ingest_held")
        conn.execute("DROP INDEX messages_backlog")  # and 27's backlog mark
        conn.execute("ALTER TABLE messages DROP COLUMN backlog_at")
        conn.execute("DROP INDEX messages_unscreened")  # and 28's arrival columns
        conn.execute("ALTER TABLE messages DROP COLUMN received_at")
        conn.execute("ALTER TABLE messages DROP COLUMN unscreened_at")
        conn.execute("INSERT INTO cxinbox_meta (key, value) VALUES ('text_key', %s)", (old,))
        before = 24
        conn.execute("UPDATE cxinbox_meta SET value = %s WHERE key = 'schema_version'",
                     (str(before),))
        assert migrate(conn) == len(MIGRATIONS)
        assert conn.execute("SELECT name, value FROM store_secrets").fetchall() == [
            ("text_key", old)]
        assert conn.execute("SELECT count(*) FROM cxinbox_meta WHERE key = 'text_key'"
                            ).fetchone() == (0,)
    from cxinbox.store.pg.store import PgStore

    store = PgStore(pg_cluster.dsn(name), max_size=1)
    try:
        assert store.text_key().hex() == old
        said = [d.text for d in store.diagnose()]
        assert "PostgreSQL role may read and write the store" in said
        assert all(old not in line for line in said)
    finally:
        store.close()


def test_store_secrets_is_migration_25_on_both_backends_with_no_placeholder() -> None:
    """Nothing past 24 shipped before it: the table is 25 on either backend, and no
    migration is a statement that does nothing."""
    from cxinbox.store.schema_secrets import (
        MIGRATION_STORE_SECRETS,
        PG_MIGRATION_STORE_SECRETS,
    )

    assert MIGRATIONS[24] == MIGRATION_STORE_SECRETS  # the 25th
    assert PG_BASELINE + len(PG_MIGRATIONS) - 1 == len(MIGRATIONS)
    assert PG_MIGRATIONS[25 - PG_BASELINE] == PG_MIGRATION_STORE_SECRETS
    for statement in (*MIGRATIONS, *PG_MIGRATIONS):
        assert statement.strip().rstrip(";").strip().upper() != "SELECT 1"


def test_a_role_that_cannot_make_the_key_gets_one_line(pg_cluster: PgCluster) -> None:
    """A PostgreSQL role without INSERT on store_secrets, on a database with no key yet:
    the store says so in one StoreError line, not a database error."""
    from cxinbox.store.pg.store import PgStore

    name = "store_secrets_no_insert"
    pg_cluster.psql(f'DROP DATABASE IF EXISTS "{name}"')
    pg_cluster.psql(f'CREATE DATABASE "{name}" TEMPLATE template0 ENCODING \'UTF8\''
                    " LC_COLLATE 'C.UTF-8' LC_CTYPE 'C.UTF-8'")
    with psycopg.connect(pg_cluster.dsn(name), autocommit=True) as conn:
        migrate(conn)
    pg_cluster.psql("DO $$ BEGIN IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname ="
                    " 'keyless') THEN CREATE ROLE keyless LOGIN; END IF; END $$")
    pg_cluster.psql("GRANT USAGE ON SCHEMA public TO keyless;"
                    " GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public"
                    " TO keyless; GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public"
                    " TO keyless; REVOKE INSERT ON store_secrets FROM keyless", name)
    dsn = pg_cluster.dsn(name).replace(" user=", " user=keyless ignored=")
    dsn = " ".join(p for p in dsn.split() if not p.startswith("ignored="))
    store = PgStore(dsn, max_size=1)
    try:
        with pytest.raises(StoreError) as said:
            store.text_key()
        line = str(said.value)
        assert "\n" not in line and "text key" in line and "store_secrets" in line, line
    finally:
        store.close()
