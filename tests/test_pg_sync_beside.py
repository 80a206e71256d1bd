"""A bulk sync into PostgreSQL stores its messages without their search vectors, and the
pass that makes them (service/sync.py `_Indexer`, store/fts.py `index_pending`) runs
beside the sync, on a connection of its own, not only after it: the vectors of the
batches already committed are made while the sync is still writing. A sync killed with
that pass in the middle of a transaction leaves every message either with its vector or
marked for the next pass, never both and never neither, and the next sync's pass makes
the rest exactly as a message's trigger makes it with the row.

The test holds the sync (or the pass) in the database itself: a statement trigger takes
a shared advisory lock that the test holds, so what is held stays held however starved
the test is, and nothing here waits a fixed time.
"""

from __future__ import annotations

import itertools
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import psycopg
import pytest
from tests.support.mailgen import generate_corpus
from tests.support.pgcluster import PgCluster
from tests.support.pgsyncworker import SYNC_AND_INDEX
from tests.support.scriptproc import ScriptProcess
from tests.support.waiting import poll_until, wait_until
from tests.synchelp import write_config

from cxinbox.store.pg.store import PgStore

pytestmark = [pytest.mark.dovecot, pytest.mark.slow]

_names = itertools.count(1)

# One sync pass, then its search-vector pass to the end; says when the sync returned
# ("synced") and when both are done ("done").
WORKER = """
import sys
from cxinbox.channels.credentials import resolve_password
from cxinbox.config import load_config
from cxinbox.service import sync
from cxinbox.store.pg.store import PgStore

""" + SYNC_AND_INDEX

TOTAL = 1200
BATCH = 40
HOLD = 0x5EA5C4  # the test's advisory lock key
APP = "cxbeside"  # the workers' application_name: their backends, found and waited for


@pytest.fixture
def db(pg_cluster: PgCluster) -> Iterator[tuple[str, str]]:
    """(the store URL the workers use, a libpq string for the test's own connection)."""
    name = f"pgbeside_{os.getpid()}_{next(_names)}"
    pg_cluster.create_database(name)
    PgStore(pg_cluster.url(name)).close()
    yield f"{pg_cluster.url(name)}&application_name={APP}", pg_cluster.dsn(name)
    pg_cluster.psql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _one(conn: psycopg.Connection[Any], sql: str) -> int:
    row = conn.execute(sql).fetchone()  # type: ignore[arg-type]
    assert row is not None
    return int(row[0])


def _held(conn: psycopg.Connection[Any]) -> bool:
    """A transaction waits for the test's lock (the trigger holds it there)."""
    return bool(_one(conn, "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory'"
                           f" AND NOT granted AND objid = {HOLD}"))


def _hold_inserts_into(conn: psycopg.Connection[Any], table: str, from_messages: int) -> None:
    """Once `from_messages` messages are stored, a statement inserting into `table` waits
    (in its transaction) for the test's lock, which the test takes here."""
    conn.execute(f"SELECT pg_advisory_lock({HOLD})")  # type: ignore[arg-type]
    conn.execute(f"""
CREATE FUNCTION test_hold() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF (SELECT count(*) FROM messages) >= {from_messages} THEN
        PERFORM pg_advisory_xact_lock_shared({HOLD});
    END IF;
    RETURN NULL;
END $$;
CREATE TRIGGER test_hold BEFORE INSERT ON {table}
    FOR EACH STATEMENT EXECUTE FUNCTION test_hold();
""")  # type: ignore[arg-type]


def _release(conn: psycopg.Connection[Any], table: str) -> None:
    """Let the held statement go, then drop the trigger (in this order: the drop waits
    for the held transaction, which would wait for the lock)."""
    conn.execute(f"SELECT pg_advisory_unlock({HOLD})")  # type: ignore[arg-type]
    conn.execute(f"DROP TRIGGER test_hold ON {table}")  # type: ignore[arg-type]


def _index_state(conn: psycopg.Connection[Any]) -> dict[str, int]:
    """How the messages stand: with a vector, marked, with both or neither, and the
    vectors that differ from what the row's trigger makes (or name another conversation)."""
    return {
        "messages": _one(conn, "SELECT count(*) FROM messages"),
        "vectors": _one(conn, "SELECT count(*) FROM message_search"),
        "marked": _one(conn, "SELECT count(*) FROM message_unindexed"),
        "both or neither": _one(conn, "SELECT count(*) FROM messages m"
                                      " WHERE EXISTS (SELECT 1 FROM message_search s"
                                      "  WHERE s.message_id = m.id)"
                                      " = EXISTS (SELECT 1 FROM message_unindexed u"
                                      "  WHERE u.message_id = m.id)"),
        "orphans": _one(conn, "SELECT (SELECT count(*) FROM message_search s WHERE NOT"
                              " EXISTS (SELECT 1 FROM messages m WHERE m.id = s.message_id))"
                              " + (SELECT count(*) FROM message_unindexed u WHERE NOT"
                              " EXISTS (SELECT 1 FROM messages m WHERE m.id = u.message_id))"),
        "different": _one(conn, "SELECT count(*) FROM message_search s JOIN messages m"
                                " ON m.id = s.message_id WHERE s.search IS DISTINCT FROM"
                                " cxinbox_message_search(m.subject, m.sender, m.body_text)"
                                " OR s.conversation_id <> m.conversation_id"),
    }


def _run_to_the_end(config: Path, url: str) -> None:
    worker = ScriptProcess(WORKER, str(config), url)
    try:
        assert poll_until(lambda: worker.said("done") or worker.proc.poll() is not None,
                          timeout=600)
        assert worker.said("done"), "the sync did not finish"
    finally:
        worker.kill()


@pytest.mark.timeout(900)
def test_the_pass_makes_vectors_while_the_sync_still_writes(
        dovecot: Any, tmp_path: Path, db: tuple[str, str]) -> None:
    url, dsn = db
    dovecot.deliver_many(generate_corpus(TOTAL, seed=31), "INBOX")
    config = write_config(tmp_path, dovecot, batch_size=BATCH)
    with psycopg.connect(dsn, autocommit=True) as conn:
        # The sync's last batch waits before its messages go in (and so cannot commit).
        _hold_inserts_into(conn, "messages", TOTAL - BATCH)
        worker = ScriptProcess(WORKER, str(config), url)
        try:
            wait_until(lambda: worker.said("started") or worker.proc.poll() is not None,
                       "the sync to start", timeout=120)
            assert int(worker.said("started")[0][1].split()[1]) == TOTAL

            def indexed_beside() -> bool:
                if worker.proc.poll() is not None:
                    return True
                # Nine in ten at least: a message the held batch moved to another
                # conversation keeps its mark locked, and the pass skips it.
                return _held(conn) and _one(conn, "SELECT count(*) FROM message_search"
                                            ) >= (TOTAL - BATCH) * 9 // 10

            wait_until(indexed_beside, "vectors made while the last batch is held",
                       timeout=300, interval=0.05)
            assert worker.proc.poll() is None, "the sync ended with its last batch held"
            state = _index_state(conn)
            # The last batch has not committed: no vector can be the sync's own.
            assert state["messages"] == TOTAL - BATCH
            assert not worker.said("synced")
            assert state["vectors"] >= (TOTAL - BATCH) * 9 // 10
            assert state["both or neither"] == state["orphans"] == state["different"] == 0
            _release(conn, "messages")
            assert poll_until(lambda: worker.said("done") or worker.proc.poll() is not None,
                              timeout=600)
            assert worker.said("done"), "the sync did not finish"
        finally:
            worker.kill()
        assert _index_state(conn) == {"messages": TOTAL, "vectors": TOTAL, "marked": 0,
                                      "both or neither": 0, "orphans": 0, "different": 0}


@pytest.mark.timeout(900)
def test_a_sync_killed_with_the_pass_mid_transaction_leaves_each_row_indexed_or_marked(
        dovecot: Any, tmp_path: Path, db: tuple[str, str]) -> None:
    url, dsn = db
    dovecot.deliver_many(generate_corpus(TOTAL, seed=37), "INBOX")
    config = write_config(tmp_path, dovecot, batch_size=BATCH)
    with psycopg.connect(dsn, autocommit=True) as conn:
        # Once a quarter of the mail is stored, the pass's next transaction waits before
        # its vectors go in (its marks taken, not committed) while the sync goes on.
        _hold_inserts_into(conn, "message_search", TOTAL // 4)
        worker = ScriptProcess(WORKER, str(config), url)
        try:
            def pass_held() -> bool:
                if worker.proc.poll() is not None:
                    return True
                if not _held(conn):
                    return False
                worker.freeze()  # stopped where it is, then killed below
                return True

            wait_until(pass_held, "the pass held in its transaction", timeout=300,
                       interval=0.02)
            assert worker.proc.poll() is None, "the sync ended before it could be killed"
            worker.kill()
            worker.read_all()
            # Held beside the sync, not after it.
            assert worker.said("started") and not worker.said("synced")
        finally:
            worker.kill()
        # The killed pass's backend, let go, finds its client gone and rolls back; so do
        # the others.
        _release(conn, "message_search")
        wait_until(lambda: _one(conn, "SELECT count(*) FROM pg_stat_activity"
                                      f" WHERE application_name = '{APP}'") == 0,
                   "the killed sync's connections to end", timeout=60)
        state = _index_state(conn)
        assert TOTAL // 4 <= state["messages"] < TOTAL
        assert state["vectors"] > 0 and state["marked"] > 0
        assert state["vectors"] + state["marked"] == state["messages"]
        assert state["both or neither"] == state["orphans"] == state["different"] == 0

        _run_to_the_end(config, url)
        assert _index_state(conn) == {"messages": TOTAL, "vectors": TOTAL, "marked": 0,
                                      "both or neither": 0, "orphans": 0, "different": 0}
