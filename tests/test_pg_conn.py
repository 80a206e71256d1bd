"""The psycopg adapter that lets one SQL module serve both backends (store/pg/conn.py):
placeholders and rows as sqlite3 gives them, proved by running a store SQL module as it is
against a real PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator

import psycopg
import pytest
from tests.support.pgcluster import PgCluster

from cxinbox.store import health
from cxinbox.store.pg.conn import PgConnection, set_based, translate
from cxinbox.store.pg.migrate import migrate


def test_placeholders_outside_literals_only_and_percent_doubled() -> None:
    assert translate("SELECT a FROM t WHERE b = ? AND c = ?") == \
        "SELECT a FROM t WHERE b = %s AND c = %s"
    assert translate("SELECT '?' || ? FROM t") == "SELECT '?' || %s FROM t"
    assert translate("SELECT \"odd?name\" FROM t WHERE x LIKE '%' || ? || '%'") == \
        "SELECT \"odd?name\" FROM t WHERE x LIKE '%%' || %s || '%%'"
    assert translate("SELECT 'it''s ?', ?") == "SELECT 'it''s ?', %s"


@pytest.fixture
def pg(pg_cluster: PgCluster) -> Iterator[PgConnection]:
    pg_cluster.psql('DROP DATABASE IF EXISTS "conn_check"')
    dsn = pg_cluster.create_database("conn_check")
    with psycopg.connect(dsn, autocommit=True) as raw:  # closed even when a test fails
        migrate(raw)
        yield PgConnection(raw)


def test_rows_answer_by_position_and_by_name(pg: PgConnection) -> None:
    row = pg.execute("SELECT 1 AS one, 'x' AS letter, ? AS echoed", ("50%",)).fetchone()
    assert row[0] == 1 and row["letter"] == "x" and row["echoed"] == "50%"
    assert row.keys() == ["one", "letter", "echoed"]
    assert tuple(row) == (1, "x", "50%")
    with pytest.raises(IndexError):
        row["missing"]


def test_a_store_sql_module_runs_unchanged_on_postgresql(pg: PgConnection) -> None:
    health.put(pg, "account:billing", "error", "sign-in expired", 1000)  # type: ignore[arg-type]
    health.put(pg, "worker:sms poll", "warning", "retrying", 2000)  # type: ignore[arg-type]
    health.put(pg, "account:billing", "error", "still expired", 3000)  # type: ignore[arg-type]
    alerts = health.current(pg)  # type: ignore[arg-type]
    assert [(a.key, a.message, a.since) for a in alerts] == [
        ("account:billing", "still expired", 1000), ("worker:sms poll", "retrying", 2000)]
    assert health.get(pg, "worker:sms poll") is not None  # type: ignore[arg-type]
    assert health.clear(pg, "worker:sms poll") is True  # type: ignore[arg-type]
    assert health.clear(pg, "worker:sms poll") is False  # type: ignore[arg-type]
    assert health.clear_all(pg) == ["account:billing"]  # type: ignore[arg-type]


def test_set_based_shapes() -> None:
    insert = set_based("INSERT INTO conversation_tags (conversation_id, tag) VALUES (?, ?)"
                       " ON CONFLICT DO NOTHING")
    assert insert is not None and insert.columns == ("conversation_id", "tag")
    assert "unnest(" in insert.text and insert.text.endswith(" ON CONFLICT DO NOTHING")
    delete = set_based("DELETE FROM conversation_tags WHERE conversation_id = ? AND tag = ?")
    assert delete is not None and delete.table == "conversation_tags"
    update = set_based("UPDATE conversations SET status = ?, sla_dirty = ? WHERE id = ?")
    assert update is not None and update.columns == ("status", "sla_dirty", "id")
    assert update.key == 2
    # row by row: an upsert (one statement may not update a row twice), an update by an
    # expression or by more than a key, a value that is not a placeholder, a literal
    for sql in ("INSERT INTO t (a) VALUES (?) ON CONFLICT (a) DO UPDATE SET a = excluded.a",
                "UPDATE t SET a = trim(a || ?) WHERE id = ?",
                "UPDATE t SET a = ? WHERE id = ? AND b = ?",
                "INSERT INTO t (a, b) VALUES (?, 1)",
                "INSERT INTO t (a, b) VALUES (?, ?) ON CONFLICT DO NOTHING -- '?'",
                "DELETE FROM t WHERE a = ? OR b = ?"):
        assert set_based(sql) is None, sql


def test_many_rows_as_one_statement_agree_with_row_by_row(pg: PgConnection) -> None:
    pg.execute("CREATE TABLE many_check (a BIGINT PRIMARY KEY, b TEXT, c INTEGER,"
               " d DOUBLE PRECISION, e BYTEA, f TEXT)")
    inserted = pg.executemany(
        "INSERT INTO many_check (a, b, c, d, e, f) VALUES (?, ?, ?, ?, ?, ?)"
        " ON CONFLICT DO NOTHING",
        [(1, "50% {off}", None, 0.5, b"\x00\x01", None), (2, None, 3, None, None, None),
         (2, "a repeat is skipped", 3, None, None, None), (10**12, "ü", 1, 1.0, b"", None)])
    assert inserted.rowcount == 3
    assert pg.execute("SELECT * FROM many_check ORDER BY a").fetchall() == [
        (1, "50% {off}", None, 0.5, b"\x00\x01", None), (2, None, 3, None, None, None),
        (10**12, "ü", 1, 1.0, b"", None)]
    deleted = pg.executemany("DELETE FROM many_check WHERE a = ? AND c = ?",
                             [(2, 3), (2, 3), (1, 5), (10**12, 1)])
    assert deleted.rowcount == 2
    assert [tuple(r) for r in pg.execute("SELECT a FROM many_check")] == [(1,)]
    pg.executemany("INSERT INTO many_check (a) VALUES (?)", [(7,), (8,)])
    updated = pg.executemany("UPDATE many_check SET b = ?, c = ? WHERE a = ?",
                             [("seven", 7, 7), (None, 1, 1), ("none", 0, 99)])
    assert updated.rowcount == 2
    # a key twice: row by row, so the last row's values stand, as on SQLite
    pg.executemany("UPDATE many_check SET b = ?, c = ? WHERE a = ?",
                   [("first", 1, 8), ("last", 2, 8)])
    assert pg.execute("SELECT a, b, c FROM many_check ORDER BY a").fetchall() == [
        (1, None, 1), (7, "seven", 7), (8, "last", 2)]
    # values of mixed types in a column: row by row, each cast where it goes
    pg.executemany("UPDATE many_check SET b = ? WHERE a = ?", [(7, 7), ("eight", 8)])
    assert pg.execute("SELECT b FROM many_check WHERE a > 1 ORDER BY a").fetchall() == [
        ("7",), ("eight",)]


def test_rows_copied_in_or_inserted_in_a_pipeline_arrive_whole(pg: PgConnection) -> None:
    """`copy_rows`: a binary COPY outside a pipeline; inside one (where COPY is refused),
    INSERTs. Either way every value arrives as given, bytes of every value included."""
    pg.execute("CREATE TABLE copy_check (a BIGINT PRIMARY KEY, b BYTEA, c TEXT)")
    every_byte = bytes(range(256)) * 300
    pg.copy_rows("copy_check", ("a", "b", "c"), ("int8", "bytea", "text"),
                 [(1, every_byte, "ü 50% {x}"), (2, b"", None)])
    with pg.pipeline():
        pg.copy_rows("copy_check", ("a", "b", "c"), ("int8", "bytea", "text"),
                     [(3, every_byte[::-1], "tab\there")])
    pg.copy_rows("copy_check", ("a", "b", "c"), ("int8", "bytea", "text"), [])
    assert [tuple(r) for r in pg.execute("SELECT a, b, c FROM copy_check ORDER BY a")] == [
        (1, every_byte, "ü 50% {x}"), (2, b"", None), (3, every_byte[::-1], "tab\there")]
    with pytest.raises(psycopg.errors.UniqueViolation):  # no ON CONFLICT: the caller knows
        pg.copy_rows("copy_check", ("a", "b", "c"), ("int8", "bytea", "text"), [(1, b"", "")])
