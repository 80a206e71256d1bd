"""The PostgreSQL schema against a real server (issue #16, item 2): it is SQLite's schema
column for column, migrations run once however many servers start together, the audit
trail is append-only, and accent-folded full-text and trigram sender search work."""

from __future__ import annotations

import sqlite3
import threading
from pathlib import Path

import psycopg
import pytest
from tests.support.pgcluster import PgCluster

from cxinbox.contract.errors import StoreError
from cxinbox.store.db import Database
from cxinbox.store.pg.migrate import migrate, schema_version
from cxinbox.store.pg.schema import (
    PG_BASELINE,
    PG_MIGRATIONS,
    PG_ONLY_TABLES,
    RUNTIME_TABLES,
    SQLITE_ONLY_TABLES,
)
from cxinbox.store.schema import MIGRATIONS

_FTS_SUFFIXES = ("_fts", "_fts_data", "_fts_idx", "_fts_docsize", "_fts_config")


def _fresh(pg_cluster: PgCluster, name: str) -> str:
    pg_cluster.psql(f'DROP DATABASE IF EXISTS "{name}"')
    pg_cluster.psql(f'CREATE DATABASE "{name}" TEMPLATE template0 ENCODING \'UTF8\''
                    " LC_COLLATE 'C.UTF-8' LC_CTYPE 'C.UTF-8'")
    return pg_cluster.dsn(name)


def test_every_sqlite_migration_has_its_postgresql_twin() -> None:
    assert PG_BASELINE + len(PG_MIGRATIONS) - 1 == len(MIGRATIONS), (
        "a SQLite migration landed without its twin in store/pg/schema.py")


def test_tables_and_columns_match_sqlite(pg_cluster: PgCluster, tmp_path: Path) -> None:
    db = Database(tmp_path / "c.db")
    db.close()
    lite = sqlite3.connect(tmp_path / "c.db")
    sqlite_tables: dict[str, set[str]] = {}
    for (name,) in lite.execute("SELECT name FROM sqlite_master WHERE type = 'table'"):
        if name in SQLITE_ONLY_TABLES or name.endswith(_FTS_SUFFIXES):
            continue
        sqlite_tables[name] = {r[1] for r in lite.execute(f"PRAGMA table_info('{name}')")}
    lite.close()
    with psycopg.connect(_fresh(pg_cluster, "schema_cols"), autocommit=True) as conn:
        assert migrate(conn) == len(MIGRATIONS)
        pg_tables: dict[str, set[str]] = {}
        for table, column in conn.execute(
                "SELECT table_name, column_name FROM information_schema.columns"
                " WHERE table_schema = 'public'"):
            if table not in PG_ONLY_TABLES | RUNTIME_TABLES:
                pg_tables.setdefault(table, set()).add(column)
    for columns in pg_tables.values():
        columns.discard("search")  # a generated full-text column: PostgreSQL's FTS5
    assert set(pg_tables) == set(sqlite_tables)
    for table, columns in sqlite_tables.items():
        assert pg_tables[table] == columns, table


def test_migrate_is_idempotent_and_safe_from_several_servers(pg_cluster: PgCluster) -> None:
    dsn = _fresh(pg_cluster, "schema_race")
    results: list[int] = []
    errors: list[BaseException] = []

    def start_server() -> None:
        try:
            with psycopg.connect(dsn, autocommit=True) as conn:
                results.append(migrate(conn))
        except BaseException as exc:  # noqa: BLE001 - reported by the assertion below
            errors.append(exc)

    threads = [threading.Thread(target=start_server) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert not errors, errors
    assert results == [len(MIGRATIONS)] * 4
    with psycopg.connect(dsn, autocommit=True) as conn:
        assert schema_version(conn) == len(MIGRATIONS)
        assert migrate(conn) == len(MIGRATIONS)  # nothing left to do


def test_a_newer_database_is_refused_in_one_line(pg_cluster: PgCluster) -> None:
    with psycopg.connect(_fresh(pg_cluster, "schema_newer"), autocommit=True) as conn:
        migrate(conn)
        conn.execute("UPDATE cxinbox_meta SET value = '999' WHERE key = 'schema_version'")
        with pytest.raises(StoreError) as caught:
            migrate(conn)
    assert "newer than this cxinbox knows" in str(caught.value)
    assert "\n" not in str(caught.value)


def test_events_are_append_only(pg_cluster: PgCluster) -> None:
    with psycopg.connect(_fresh(pg_cluster, "schema_events"), autocommit=True) as conn:
        migrate(conn)
        conn.execute("INSERT INTO events (seq, at, actor, action) VALUES (1, 0, 'a', 'x')")
        for statement in ("UPDATE events SET actor = 'b'", "DELETE FROM events",
                          "TRUNCATE events"):
            with pytest.raises(psycopg.errors.IntegrityConstraintViolation,
                               match="append-only"):
                conn.execute(statement)
        assert conn.execute("SELECT actor FROM events").fetchall() == [("a",)]


def test_accent_folded_text_and_trigram_sender_search(pg_cluster: PgCluster) -> None:
    with psycopg.connect(_fresh(pg_cluster, "schema_search"), autocommit=True) as conn:
        migrate(conn)
        conn.execute("INSERT INTO conversations (id, from_addr, from_name, created_at,"
                     " last_message_at) VALUES (1, 'jose.nunez@example.org', 'José Núñez',"
                     " 0, 0)")
        conn.execute("INSERT INTO raw_messages (id, sha256, size, data) VALUES"
                     " (1, '\\x00', 1, '\\x00')")
        conn.execute("INSERT INTO messages (raw_id, conversation_id, subject, sender,"
                     " from_addr, from_name, date, body_text) VALUES (1, 1, 'Análisis de"
                     " sangre', 'José Núñez jose.nunez@example.org', 'jose.nunez@example.org',"
                     " 'José Núñez', 0, 'Necesito el resultado del ayuno, por favor')")
        text = conn.execute("SELECT count(*) FROM message_search WHERE search @@"
                            " plainto_tsquery('simple', cxinbox_unaccent('analisis ayuno'))"
                            ).fetchone()
        assert text == (1,)
        sender = conn.execute(
            "SELECT id FROM conversations WHERE lower(cxinbox_unaccent(from_addr || ' ' ||"
            " from_name)) LIKE '%%' || lower(cxinbox_unaccent(%s)) || '%%'", ("nuñ",)
        ).fetchall()
        assert sender == [(1,)]
        none = conn.execute("SELECT count(*) FROM message_search WHERE search @@"
                            " plainto_tsquery('simple', 'billing')").fetchone()
        assert none == (0,)


def test_new_rows_mark_the_reports_once_a_statement_and_no_row_trigger_does_it_again(
        pg_cluster: PgCluster) -> None:
    """PG_TUNING replaced the per-row report triggers of new messages and conversations
    with statement triggers: a later migration that recreated a row trigger by its old name
    would mark every new row twice (two first spans). The set is checked by name."""
    with psycopg.connect(_fresh(pg_cluster, "schema_report_triggers"), autocommit=True) as conn:
        migrate(conn)
        names = {(table, name, level) for table, name, level in conn.execute(
            "SELECT c.relname, t.tgname, CASE WHEN t.tgtype & 1 = 1 THEN 'row' ELSE 'statement' END"
            " FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid"
            " WHERE NOT t.tgisinternal AND c.relname IN ('messages', 'conversations')"
            " AND t.tgname LIKE 'report%'")}
    inserts = {(t, n, lvl) for t, n, lvl in names if n.endswith(("added", "born"))}
    assert inserts == {("messages", "report_messages_added", "statement"),
                       ("conversations", "report_conversations_born", "statement")}, names
