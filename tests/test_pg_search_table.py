"""The messages' search vectors in their own table on PostgreSQL (issue #16): a database
made before it keeps every message and every vector when it is migrated (the unmade ones
stay marked and are still found by a search), and the table follows the messages (a
changed text makes its vector again, a moved message is found in its new conversation,
a deleted message takes its rows along)."""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime
from typing import Any

import psycopg
import pytest
from tests.support.pgcluster import PgCluster

from cxinbox.domain.query import QueryContext, parse_query
from cxinbox.store import fts
from cxinbox.store.pg import migrate as pg_migrate
from cxinbox.store.pg.conn import PgConnection
from cxinbox.store.pg.query import compile_per_row_pg, compile_query_pg, sla_condition_pg
from cxinbox.store.pg.schema import PG_TUNING

NOW = datetime(2026, 12, 6, 12, 0, tzinfo=UTC)
_OURS = next(i for i, sql in enumerate(PG_TUNING) if "CREATE TABLE message_search" in sql)


def _fresh(pg_cluster: PgCluster, name: str) -> str:
    pg_cluster.psql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    pg_cluster.psql(f'CREATE DATABASE "{name}" TEMPLATE template0 ENCODING \'UTF8\''
                    " LC_COLLATE 'C.UTF-8' LC_CTYPE 'C.UTF-8'")
    return pg_cluster.dsn(name)


def _add(conn: psycopg.Connection[Any], n: int, body: str, deferred: bool) -> None:
    """Message `n` (its conversation and raw row too), its vector deferred or not."""
    with conn.transaction():
        if deferred:
            conn.execute("SELECT set_config('cxinbox.defer_search', 'on', true)")
        conn.execute("INSERT INTO conversations (id, from_addr, from_name, created_at,"
                     " last_message_at) VALUES (%s, %s, 'P', 0, 0)", (n, f"p{n}@example.org"))
        conn.execute("INSERT INTO raw_messages (id, sha256, size, data) VALUES"
                     " (%s, %s, 1, '\\x00')", (n, bytes([n])))
        conn.execute("INSERT INTO messages (id, raw_id, conversation_id, subject, sender,"
                     " from_addr, date, body_text) VALUES (%s, %s, %s, %s, 'P', %s, 0, %s)",
                     (n, n, n, f"visit {n}", f"p{n}@example.org", body))


def _found(conn: psycopg.Connection[Any], query: str) -> tuple[set[int], set[int]]:
    """The conversations `query` selects, in its two forms (the indexes', per row)."""
    pg = PgConnection(conn)
    ctx = QueryContext(me="maria", now=NOW, tz=UTC)
    listed, params = compile_query_pg(parse_query(query), ctx, sla_condition_pg(NOW))
    walked, wparams = compile_per_row_pg(parse_query(query), ctx, sla_condition_pg(NOW))
    return ({int(r[0]) for r in pg.execute(f"SELECT c.id FROM conversations c WHERE {listed}",
                                           params)},
            {int(r[0]) for r in pg.execute(f"SELECT c.id FROM conversations c WHERE {walked}",
                                           wparams)})


def test_an_older_database_keeps_its_messages_and_vectors(
        pg_cluster: PgCluster, monkeypatch: pytest.MonkeyPatch) -> None:
    dsn = _fresh(pg_cluster, "search_table_migrate")
    with psycopg.connect(dsn, autocommit=True) as conn:
        monkeypatch.setattr(pg_migrate, "PG_TUNING", PG_TUNING[:_OURS])
        pg_migrate.migrate(conn)
        assert conn.execute("SELECT to_regclass('message_search')").fetchone() == (None,)
        _add(conn, 1, "Análisis de sangre en ayuno", deferred=False)
        _add(conn, 2, "ayuno prolongado", deferred=True)  # a bulk sync's, not made yet
        _add(conn, 3, "billing question", deferred=False)
        before = {int(r[0]): r[1] for r in conn.execute("SELECT id, search FROM messages")}
        assert before[2] is None and before[1] is not None

        monkeypatch.setattr(pg_migrate, "PG_TUNING", PG_TUNING)
        pg_migrate.migrate(conn)
        assert conn.execute("SELECT count(*) FROM messages").fetchone() == (3,)
        columns = {r[0] for r in conn.execute(
            "SELECT column_name FROM information_schema.columns WHERE table_name = 'messages'")}
        assert "search" not in columns
        after = {int(r[0]): r[1] for r in conn.execute(
            "SELECT message_id, search FROM message_search")}
        assert after == {1: before[1], 3: before[3]}  # moved as they were
        assert [r[0] for r in conn.execute("SELECT message_id FROM message_unindexed")] == [2]
        # The unmade one is found on its text meanwhile, in both forms of the query.
        assert _found(conn, "ayuno") == ({1, 2}, {1, 2})
        assert _found(conn, "billing") == ({3}, {3})
        assert fts.index_pending(PgConnection(conn), 10) == 1
        assert conn.execute("SELECT count(*) FROM message_unindexed").fetchone() == (0,)
        assert _found(conn, "ayuno") == ({1, 2}, {1, 2})
        wrong = conn.execute(
            "SELECT count(*) FROM messages m LEFT JOIN message_search s ON s.message_id = m.id"
            " WHERE s.search IS DISTINCT FROM"
            " cxinbox_message_search(m.subject, m.sender, m.body_text)").fetchone()
        assert wrong == (0,)
        pg_migrate.migrate(conn)  # a second server starting: nothing applied twice
        assert conn.execute("SELECT count(*) FROM message_search").fetchone() == (3,)


def test_the_vectors_follow_their_messages(pg_cluster: PgCluster) -> None:
    dsn = _fresh(pg_cluster, "search_table_follow")
    with psycopg.connect(dsn, autocommit=True) as conn:
        pg_migrate.migrate(conn)
        _add(conn, 1, "glucose", deferred=False)
        _add(conn, 2, "glucose later", deferred=True)
        assert _found(conn, "glucose") == ({1, 2}, {1, 2})
        # A changed text: the vector made again (a deferred one made now, its mark gone).
        conn.execute("UPDATE messages SET body_text = 'cholesterol' WHERE id IN (1, 2)")
        assert _found(conn, "glucose") == (set(), set())
        assert _found(conn, "cholesterol") == ({1, 2}, {1, 2})
        assert conn.execute("SELECT count(*) FROM message_unindexed").fetchone() == (0,)
        # Other columns written: the vector is left alone.
        conn.execute("UPDATE messages SET seen = 1")
        assert _found(conn, "cholesterol") == ({1, 2}, {1, 2})
        _add(conn, 3, "aspirin", deferred=True)
        conn.execute("DELETE FROM messages WHERE id IN (1, 3)")
        assert conn.execute("SELECT count(*) FROM message_search").fetchone() == (1,)
        assert conn.execute("SELECT count(*) FROM message_unindexed").fetchone() == (0,)
        assert _found(conn, "cholesterol") == ({2}, {2})
        # A message moved to another conversation (a merge): found there.
        conn.execute("UPDATE messages SET conversation_id = 1 WHERE id = 2")
        assert _found(conn, "cholesterol") == ({1}, {1})


def _blocked_or_done(watch: psycopg.Connection[Any], pid: int,
                     worker: threading.Thread) -> bool:
    """Waits until `pid`'s statement waits on a lock (True) or `worker` has finished
    (False)."""
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if not worker.is_alive():
            return False
        row = watch.execute("SELECT wait_event_type FROM pg_stat_activity WHERE pid = %s",
                            (pid,)).fetchone()
        if row is not None and row[0] == "Lock":
            return True
        time.sleep(0.01)
    raise AssertionError("the writer neither finished nor waited on a lock")


def _writer(dsn: str, sql: str) -> tuple[psycopg.Connection[Any], threading.Thread,
                                         list[BaseException]]:
    other = psycopg.connect(dsn, autocommit=True)
    errors: list[BaseException] = []

    def run() -> None:
        try:
            other.execute(sql)
        except BaseException as exc:  # noqa: BLE001 - handed to the test
            errors.append(exc)
    return other, threading.Thread(target=run), errors


@pytest.mark.parametrize("change", ["move", "text", "read"])
def test_a_change_during_the_indexing_pass_waits_for_it(
        pg_cluster: PgCluster, change: str) -> None:
    """The pass after a bulk sync holds its messages' marks: a merge moving one of them,
    or its text changed, waits for the pass to commit, and then corrects the vector the
    pass made (the right conversation, the new words); no deadlock, nothing left marked.
    A message marked read meanwhile does not wait."""
    dsn = _fresh(pg_cluster, f"search_table_pass_{change}")
    with psycopg.connect(dsn, autocommit=True) as conn, \
            psycopg.connect(dsn, autocommit=True) as watch:
        pg_migrate.migrate(conn)
        _add(conn, 1, "glucose", deferred=False)
        _add(conn, 2, "zebra crossing", deferred=True)
        sql = {"move": "UPDATE messages SET conversation_id = 1 WHERE id = 2",
               "text": "UPDATE messages SET body_text = 'yak butter' WHERE id = 2",
               "read": "UPDATE messages SET seen = 1 WHERE id = 2"}[change]
        other, worker, errors = _writer(dsn, sql)
        with other:
            with conn.transaction():
                assert fts.index_pending(PgConnection(conn), 10) == 1
                worker.start()
                assert _blocked_or_done(watch, other.info.backend_pid, worker) == (
                    change != "read")
            worker.join(30)
            assert not worker.is_alive() and errors == []
        assert conn.execute("SELECT count(*) FROM message_unindexed").fetchone() == (0,)
        if change == "move":
            assert conn.execute("SELECT conversation_id FROM message_search"
                                " WHERE message_id = 2").fetchone() == (1,)
            assert _found(conn, "zebra") == ({1}, {1})
        elif change == "text":
            assert _found(conn, "zebra") == (set(), set())
            assert _found(conn, "yak") == ({2}, {2})
        else:
            assert conn.execute("SELECT seen FROM messages WHERE id = 2").fetchone() == (1,)
            assert _found(conn, "zebra") == ({2}, {2})


@pytest.mark.parametrize("change", ["move", "text"])
def test_the_indexing_pass_leaves_a_message_being_changed(
        pg_cluster: PgCluster, change: str) -> None:
    """A message a merge or an edit holds (not committed yet) is skipped by the pass, which
    does not wait for it; the change commits and the message is found where it is."""
    dsn = _fresh(pg_cluster, f"search_table_skip_{change}")
    with psycopg.connect(dsn, autocommit=True) as conn, \
            psycopg.connect(dsn, autocommit=True) as other:
        pg_migrate.migrate(conn)
        _add(conn, 1, "glucose", deferred=False)
        _add(conn, 2, "zebra crossing", deferred=True)
        _add(conn, 3, "quokka", deferred=True)
        with other.transaction():
            other.execute("UPDATE messages SET conversation_id = 1 WHERE id = 2"
                          if change == "move"
                          else "UPDATE messages SET body_text = 'yak butter' WHERE id = 2")
            with conn.transaction():
                conn.execute("SET LOCAL lock_timeout = '10s'")  # a wait would fail here
                assert fts.index_pending(PgConnection(conn), 10) == 1  # message 3 only
        left = [r[0] for r in conn.execute("SELECT message_id FROM message_unindexed")]
        assert left == ([2] if change == "move" else [])
        assert fts.index_pending(PgConnection(conn), 10) == len(left)
        assert _found(conn, "quokka") == ({3}, {3})
        if change == "move":
            assert _found(conn, "zebra") == ({1}, {1})
        else:
            assert _found(conn, "yak") == ({2}, {2})
        wrong = conn.execute(
            "SELECT count(*) FROM messages m JOIN message_search s ON s.message_id = m.id"
            " WHERE s.conversation_id <> m.conversation_id OR s.search IS DISTINCT FROM"
            " cxinbox_message_search(m.subject, m.sender, m.body_text)").fetchone()
        assert wrong == (0,)
