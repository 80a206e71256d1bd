"""The psycopg adapter that lets one SQL module serve both backends (store/pg/conn.py):
placeholders and rows as sqlite3 gives them, proved by running a store SQL module as it is
against a real PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator

import psycopg
import pytest

from cxinbox.store import health
from cxinbox.store.pg.conn import PgConnection, translate
from cxinbox.store.pg.migrate import migrate
from tests.support.pgcluster import PgCluster


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
