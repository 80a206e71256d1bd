"""Marking messages read on PostgreSQL stays an in-place (HOT) update: no index of
messages names `seen` or `gone_at` (the "not screened" candidate indexes test them on the
row instead), so a read/unread change writes no index entry; `is:unscreened` still
follows the change. A database migrated before keeps its rows and gets the new indexes."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import psycopg
import pytest
from tests.support.pgcluster import PgCluster

from cxinbox.domain.query import QueryContext, parse
from cxinbox.store.pg import migrate as pg_migrate
from cxinbox.store.pg.conn import PgConnection
from cxinbox.store.pg.query import compile_query_pg
from cxinbox.store.pg.schema import PG_TUNING

NOW = datetime(2026, 12, 6, 12, 0, tzinfo=UTC)
DAY = 86400
_OURS = next(i for i, sql in enumerate(PG_TUNING)
             if "DROP INDEX messages_backlog_unread" in sql)


def _inbox(conn: psycopg.Connection[Any]) -> None:
    """Conversation 1: an unanswered backlog message within the window; 2: one fetched
    late; 3: an ordinary message (never a candidate)."""
    now = int(NOW.timestamp())
    with conn.transaction():
        for n, backlog, late in ((1, now - DAY, None), (2, None, now - DAY), (3, None, None)):
            at = now - 3 * DAY
            conn.execute("INSERT INTO conversations (id, from_addr, from_name, created_at,"
                         " last_message_at, last_inbound_at) VALUES (%s, %s, 'P', %s, %s, %s)",
                         (n, f"p{n}@example.org", at, at, at))
            conn.execute("INSERT INTO raw_messages (id, sha256, size, data) VALUES"
                         " (%s, %s, 1, '\\x00')", (n, bytes([n])))
            conn.execute("INSERT INTO messages (id, raw_id, conversation_id, direction, subject,"
                         " sender, from_addr, date, received_at, body_text, seen, backlog_at,"
                         " unscreened_at) VALUES (%s, %s, %s, 'in', 'visit', 'P', %s, %s, %s,"
                         " 'hello', 0, %s, %s)",
                         (n, n, n, f"p{n}@example.org", at, at, backlog, late))


def _unscreened(conn: psycopg.Connection[Any]) -> set[int]:
    ctx = QueryContext(me="maria", now=NOW, tz=UTC, backlog_mark_days=14)
    where, params = compile_query_pg(parse("is:unscreened").where, ctx)
    return {int(r[0]) for r in PgConnection(conn).execute(
        f"SELECT c.id FROM conversations c WHERE {where}", params).fetchall()}


def _mark(conn: psycopg.Connection[Any], seen: int) -> tuple[int, int]:
    """Every message marked read (1) or unread (0) in one transaction: (updated, HOT)."""
    stats = ("SELECT n_tup_upd, n_tup_hot_upd FROM pg_stat_xact_user_tables"
             " WHERE relname = 'messages'")
    with conn.transaction():
        before = conn.execute(stats).fetchone()
        conn.execute("UPDATE messages SET seen = %s", (seen,))
        after = conn.execute(stats).fetchone()
    assert before is not None and after is not None
    return int(after[0] - before[0]), int(after[1] - before[1])


def _fresh(pg_cluster: PgCluster, name: str) -> str:
    pg_cluster.psql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    pg_cluster.psql(f'CREATE DATABASE "{name}" TEMPLATE template0 ENCODING \'UTF8\''
                    " LC_COLLATE 'C.UTF-8' LC_CTYPE 'C.UTF-8'")
    return pg_cluster.dsn(name)


@pytest.mark.parametrize("older", [False, True], ids=["new", "migrated"])
def test_marking_read_is_a_hot_update_and_unscreened_follows(
        pg_cluster: PgCluster, monkeypatch: pytest.MonkeyPatch, older: bool) -> None:
    dsn = _fresh(pg_cluster, f"seen_hot_{older}")
    with psycopg.connect(dsn, autocommit=True) as conn:
        if older:  # made with the indexes that named `seen`, then migrated
            monkeypatch.setattr(pg_migrate, "PG_TUNING", PG_TUNING[:_OURS])
            pg_migrate.migrate(conn)
            _inbox(conn)
            assert _mark(conn, 1) == (3, 0)  # as it was: no HOT update
            assert _mark(conn, 0) == (3, 0)
            monkeypatch.setattr(pg_migrate, "PG_TUNING", PG_TUNING)
        pg_migrate.migrate(conn)
        if not older:
            _inbox(conn)
        named = [r[0] for r in conn.execute(
            "SELECT indexdef FROM pg_indexes WHERE tablename = 'messages'"
            " AND (indexdef ~ '\\mseen\\M' OR indexdef ~ '\\mgone_at\\M')")]
        assert named == []
        assert conn.execute("SELECT count(*) FROM messages").fetchone() == (3,)
        assert _unscreened(conn) == {1, 2}
        assert _mark(conn, 1) == (3, 3)
        assert _unscreened(conn) == set()
        assert _mark(conn, 0) == (3, 3)
        assert _unscreened(conn) == {1, 2}
        conn.execute("UPDATE messages SET gone_at = 1 WHERE id = 2")  # expunged
        assert _unscreened(conn) == {1}
        conn.execute("SET enable_seqscan = off")  # three rows: make the indexes' use visible
        where, params = compile_query_pg(parse("is:unscreened").where,
                                         QueryContext(me="m", now=NOW, tz=UTC))
        plan = "\n".join(r[0] for r in PgConnection(conn).execute(
            f"EXPLAIN SELECT c.id FROM conversations c WHERE {where}", params).fetchall())
        assert "messages_late_unread" in plan and "messages_backlog_unread" in plan
