"""What the PostgreSQL store does to spend fewer round trips and less server work (issue #16
performance), against a real server: `IN (?, ...)` lists bound as one array select what
they selected before, the PostgreSQL-only tuning is applied once, and a sync batch sent
through the pipeline stores what the one-statement-at-a-time path stored."""

from __future__ import annotations

import hashlib
import time
from collections.abc import Iterator

import psycopg
import pytest
from tests.support.mailgen import generate_corpus
from tests.support.pgcluster import PgCluster

from cxinbox.domain.mime import parse_message
from cxinbox.store import ingest
from cxinbox.store.pg.conn import PgConnection, _bind, in_lists
from cxinbox.store.pg.migrate import migrate
from cxinbox.store.pg.schema import PG_TUNING
from cxinbox.store.pg.store import PgStore

OWN = frozenset({"appointments@clinic.example"})


@pytest.fixture
def pg(pg_cluster: PgCluster) -> Iterator[PgConnection]:
    pg_cluster.psql('DROP DATABASE IF EXISTS "speed_check"')
    dsn = pg_cluster.create_database("speed_check")
    with psycopg.connect(dsn, autocommit=True) as raw:
        migrate(raw)
        yield PgConnection(raw)


def test_in_lists_become_one_array_outside_literals_only() -> None:
    assert in_lists("SELECT a FROM t WHERE b IN (?, ?,?) AND c NOT IN (?) AND d = 'x IN (?)'"
                    ) == ("SELECT a FROM t WHERE b = ANY(?) AND c <> ALL(?) AND d = 'x IN (?)'",
                          ((0, 3), (3, 1)))
    assert in_lists("SELECT min(?) FROM t JOIN u ON u.a IN (SELECT 1)") is None


def test_in_lists_select_the_same_rows(pg: PgConnection) -> None:
    values = "SELECT x FROM unnest(ARRAY[1, 2, 3, 4]) AS x WHERE x {op} (?, ?, ?) ORDER BY x"
    assert [r[0] for r in pg.execute(values.format(op="IN"), (1, 3, 9))] == [1, 3]
    assert [r[0] for r in pg.execute(values.format(op="NOT IN"), (1, 3, 9))] == [2, 4]
    words = "SELECT w FROM unnest(ARRAY['a', 'b', 'c']) AS w WHERE w IN (?, ?) ORDER BY w"
    assert [r[0] for r in pg.execute(words, ("c", "a"))] == ["a", "c"]
    # Values of different types keep the list as it was written.
    assert _bind("SELECT 1 WHERE c IN (?, ?)", ("a", 1)) == \
        ("SELECT 1 WHERE c IN (%s, %s)", ("a", 1))
    both = "SELECT x FROM unnest(ARRAY[5, 6]) AS x WHERE x IN (?, ?) AND ? = 'k' ORDER BY x"
    assert [r[0] for r in pg.execute(both, (6, 7, "k"))] == [6]


def test_tuning_applied_once_and_counted(pg: PgConnection, pg_cluster: PgCluster) -> None:
    stored = pg.execute("SELECT value FROM cxinbox_meta WHERE key = 'pg_tuning'").fetchone()
    assert int(stored[0]) == len(PG_TUNING)
    lz4 = pg.execute("SELECT 1 FROM pg_settings WHERE name = 'default_toast_compression'"
                     " AND 'lz4' = ANY(enumvals)").fetchone()
    storage = pg.execute("SELECT attstorage, attcompression FROM pg_attribute WHERE attrelid ="
                         " 'raw_messages'::regclass AND attname = 'data'").fetchone()
    # compressed by lz4 where the server has it, else stored as received (never pglz)
    assert tuple(storage) == (("x", "l") if lz4 else ("e", ""))
    kb = pg.execute("SELECT attstorage, attcompression FROM pg_attribute WHERE attrelid ="
                    " 'kb_articles'::regclass AND attname = 'search'").fetchone()
    assert kb[0] == "m"  # the articles' search vectors stay in their rows
    assert kb[1] == ("l" if lz4 else "")
    names = {r[0] for r in pg.execute("SELECT indexname FROM pg_indexes"
                                      " WHERE tablename = 'conversations'")}
    assert {"conversations_by_status_assignee", "conversations_by_id"} <= names
    with psycopg.connect(pg_cluster.dsn("speed_check")) as fresh:
        assert fresh.execute("SHOW jit").fetchone() == ("off",)  # for the store's sessions
    migrate(pg.raw)  # a second server starting: nothing is applied twice
    assert int(pg.execute("SELECT value FROM cxinbox_meta WHERE key = 'pg_tuning'"
                          ).fetchone()[0]) == len(PG_TUNING)


def test_a_pipelined_batch_stores_each_message_once(pg_cluster: PgCluster) -> None:
    pg_cluster.psql('DROP DATABASE IF EXISTS "speed_ingest" WITH (FORCE)')
    pg_cluster.create_database("speed_ingest")
    store = PgStore(pg_cluster.url("speed_ingest"), max_size=2)
    try:
        raws = generate_corpus(60, seed=3)
        fetched = [ingest.FetchedMessage(uid, "\\Seen" if uid % 2 else "", None, None, raw,
                                         hashlib.sha256(raw).digest(), parse_message(raw))
                   for uid, raw in enumerate(raws, 1)]
        # The same bytes twice in one batch (a copy under a second UID), then again in a
        # later batch: one raw row and one message, a location for each UID.
        twin = fetched[4]
        fetched.append(ingest.FetchedMessage(61, twin.flags, None, None, twin.raw,
                                             twin.sha256, twin.parsed))
        later = ingest.FetchedMessage(62, twin.flags, None, None, twin.raw, twin.sha256,
                                      twin.parsed)
        for batch in (fetched, [later]):
            with store.write() as conn:
                state = ingest.folder_state(conn, "appointments", "INBOX")
                touched = ingest.ingest_batch(conn, state, batch, own_addresses=OWN,
                                              watermark=batch[-1].uid, now=int(time.time()))
                assert touched or batch == [later]
        conn = store.conn
        assert conn.execute("SELECT count(*) FROM raw_messages").fetchone()[0] == 60
        assert conn.execute("SELECT count(*) FROM messages").fetchone()[0] == 60
        assert conn.execute("SELECT count(*) FROM locations").fetchone()[0] == 62
        assert conn.execute("SELECT last_uid FROM folders").fetchone()[0] == 62
        twins = conn.execute("SELECT count(DISTINCT message_pk) FROM locations"
                             " WHERE uid IN (5, 61, 62)").fetchone()[0]
        assert twins == 1
        # Every conversation counts its messages, as the statement-at-a-time path did.
        off = conn.execute("SELECT count(*) FROM conversations c WHERE message_count <>"
                           " (SELECT count(*) FROM messages m WHERE m.conversation_id = c.id)"
                           ).fetchone()[0]
        assert off == 0
    finally:
        store.close()
        pg_cluster.psql('DROP DATABASE IF EXISTS "speed_ingest" WITH (FORCE)')
