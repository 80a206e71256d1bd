"""The PostgreSQL store (store/pg/store.py) against the real cluster the tests start: the
event chain with several writing processes, `[store] url`, the operations that are not
ported yet, queries, `doctor`. The core operations themselves run on both backends in
the modules that use the `any_store` fixture (test_threading, test_team_merge,
test_team_contacts, test_team_reopen, test_pg_store's own service test)."""

from __future__ import annotations

import hashlib
import logging
import os
import subprocess
import sys
import threading
from collections.abc import Iterator
from datetime import UTC, datetime
from itertools import pairwise
from pathlib import Path
from typing import Any

import pytest
from tests.support.pgcluster import PgCluster
from tests.teamhelp import DESK, T0, deliver, open_service
from tests.test_bulk_cli import cx
from tests.test_store_interface import _implements

from cxinbox.config import ConfigError, load_config
from cxinbox.contract.errors import BadQuery, BadRequest, StoreError
from cxinbox.domain.query import QueryContext, QueryError, parse_query
from cxinbox.store.db import walk_event_chain
from cxinbox.store.interface import Store, StoreTx
from cxinbox.store.pg.select import compile_portable
from cxinbox.store.pg.store import _IDLE, NOT_YET, PgStore, PgTx, _not_yet

_names = iter(range(1, 1_000_000))


@pytest.fixture
def pg_url(pg_cluster: PgCluster) -> Iterator[str]:
    name = f"pgstore_{os.getpid()}_{next(_names)}"
    pg_cluster.create_database(name)
    yield pg_cluster.url(name)
    pg_cluster.psql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
def pg(pg_url: str) -> Iterator[PgStore]:
    store = PgStore(pg_url, max_size=4)
    yield store
    store.close()


def test_the_postgresql_store_and_handle_offer_the_whole_interface() -> None:
    assert _implements(PgStore, Store) == []
    assert _implements(PgTx, StoreTx) == []


# -- the event chain with several writers ------------------------------------------------

_WRITER = """
import sys
import threading
from cxinbox.store.pg.store import PgStore

url, name, count = sys.argv[1], sys.argv[2], int(sys.argv[3])
store = PgStore(url, max_size=3)  # two writers at once, a connection for the reads
wrong = []

def write(me):
    for i in range(count):
        with store.writing() as tx:
            if i % 4 == 3:  # a batch, as bulk actions append them
                tx.append_events(me, [("test.batch", f"{me}:{i}", {"n": i}),
                                      ("test.batch", f"{me}:{i}b", {"n": i})])
            elif i % 4 == 1:  # a staff action's event, sent with the COMMIT
                seq = tx.append_event_at_commit(me, "test.append", f"{me}:{i}", {"n": i})
            else:
                tx.append_event(me, "test.append", f"{me}:{i}", {"n": i})
        if i % 4 == 1:
            with store.reading() as tx:
                event = tx.event_at(seq())
            if event is None or event.target != f"{me}:{i}":
                wrong.append((me, i))

sys.stdout.write("ready\\n")
sys.stdout.flush()
sys.stdin.readline()  # every writer starts appending at the same moment
# two threads of one process write at once too, as a server's staff actions do
threads = [threading.Thread(target=write, args=(f"{name}t{j}",)) for j in range(2)]
for thread in threads:
    thread.start()
for thread in threads:
    thread.join()
store.close()
sys.exit(f"at-commit seqs that named another event: {wrong}" if wrong else 0)
"""


def test_four_processes_appending_at_once_keep_one_unbroken_chain(pg: PgStore,
                                                                    pg_url: str) -> None:
    writers, count = 4, 100  # each process: two threads of `count` transactions
    procs = [subprocess.Popen([sys.executable, "-c", _WRITER, pg_url, f"w{k}", str(count)],
                              stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True) for k in range(writers)]
    try:
        for proc in procs:
            assert proc.stdout is not None and proc.stdout.readline() == "ready\n"
        for proc in procs:
            assert proc.stdin is not None
            proc.stdin.write("go\n")
            proc.stdin.flush()
        results = [proc.communicate(timeout=240) for proc in procs]
    finally:
        for proc in procs:
            if proc.poll() is None:
                proc.kill()
    assert [p.returncode for p in procs] == [0] * writers, [err for _, err in results]

    per_writer = count + count // 4  # every fourth transaction appends two events
    names = [f"w{k}t{j}" for k in range(writers) for j in range(2)]
    with pg.read() as conn:
        walk = walk_event_chain(conn)
        rows = conn.execute("SELECT seq, at, actor, target FROM events ORDER BY seq").fetchall()
    assert walk.bad_seq is None, walk.problem
    assert walk.count == len(names) * per_writer
    assert [r[0] for r in rows] == list(range(1, len(names) * per_writer + 1))  # dense
    assert all(a[1] <= b[1] for a, b in pairwise(rows))  # time never back
    for name in names:
        # each writer's own events keep the order it appended them in
        mine = [r[3] for r in rows if r[2] == name]
        assert len(mine) == per_writer
        numbers = [int(t.split(":")[1].rstrip("b")) for t in mine]
        assert numbers == sorted(numbers)
    # the writers really interleaved: the chain switches writer many times
    switches = sum(1 for a, b in pairwise(rows) if a[2] != b[2])
    assert switches >= writers


def test_a_rolled_back_append_leaves_no_hole(pg: PgStore) -> None:
    with pg.writing() as tx:
        tx.append_event("maria", "test.one")
    with pytest.raises(RuntimeError), pg.writing() as tx:
        tx.append_event("maria", "test.lost")
        raise RuntimeError("abandon")
    with pg.writing() as tx:
        assert tx.append_event("maria", "test.two") == 2
    with pytest.raises(RuntimeError), pg.writing() as tx:
        tx.append_event_at_commit("maria", "test.lost")
        raise RuntimeError("abandon")
    with pg.writing() as tx:
        third = tx.append_event_at_commit("maria", "test.three")
    assert third() == 3
    with pg.reading() as tx:
        assert tx.chain_head().count == 3
    with pg.read() as conn:
        assert walk_event_chain(conn).bad_seq is None


def test_recorded_reads_and_durable_marks(pg: PgStore) -> None:
    with pg.recording() as tx:
        tx.append_event("maria", "conversation.view", "conversation:1")
    pg.make_durable()
    pg.make_durable()
    with pg.reading() as tx:
        assert tx.chain_head().seq == 1
        assert tx.event_at(1) is not None
    assert pg.conn.execute("SELECT value FROM cxinbox_meta WHERE key = 'durable_mark'"
                           ).fetchone()[0] == "2"


def test_events_recorded_by_the_server_hash_as_the_chain_walk_expects(pg: PgStore) -> None:
    """record_event appends through the server's cxinbox_record_event, which hashes the
    event itself: its JSON text must be the one store/db.py event_hash hashes, for any
    text (quotes, backslashes, control characters, non-ASCII), or the walk breaks."""
    awkward = ['plain', 'quote " and \\ backslash', "tab\tnew\nline\rcr\bbs\ffeed",
               "\x01\x1f\x7f controls", "é ü ñ 中文 😀 \u2028 \u2029", "</script>", ""]
    with pg.writing() as tx:
        tx.append_event("maria", "test.before", "conversation:1", {"k": "v"})
    for i, text in enumerate(awkward):
        pg.record_event(text or "maria", "conversation.view", f"conversation:{text}",
                        {"query": text, "n": i, "shown": [1, 2], "é": None})
        with pg.writing() as tx:  # the client's appends go on from the server's
            tx.append_event("maria", "test.between", "", {"i": i})
        with pg.writing() as tx:  # and the server's append sent with the COMMIT
            tx.append_event_at_commit(text or "maria", "test.at_commit", text,
                                      {"query": text, "é": [text]})
    with pg.writing() as tx:  # and one joined to the transaction this thread has open
        tx.append_event("maria", "test.joined")
        pg.record_event("maria", "conversation.view", "conversation:2")
    with pg.read() as conn:
        walk = walk_event_chain(conn)
        assert walk.bad_seq is None and walk.count == 3 + 3 * len(awkward)
        rows = conn.execute("SELECT seq, at, actor, details FROM events ORDER BY seq").fetchall()
    assert [r[0] for r in rows] == list(range(1, len(rows) + 1))
    assert all(a[1] <= b[1] for a, b in pairwise(rows))
    assert rows[1][2] == "plain" and '"query":"quote' in rows[4][3]


def test_an_event_recorded_after_a_read_is_appended_once_it_commits(pg: PgStore) -> None:
    """record_after: the audit event of a read goes in its own transaction right after the
    read's COMMIT (in the same round trip), in a read or a write block alike, and not at
    all when the block fails."""
    import psycopg

    with pg.reading() as tx:
        tx.record_after("maria", "conversation.list", "", {"count": 3, "shown": [1, 2]})
        assert tx.chain_head().count == 0
    with pytest.raises(psycopg.errors.UndefinedTable), pg.reading() as tx:
        tx.record_after("maria", "conversation.list", "", {"lost": True})
        pg.conn.execute("SELECT * FROM no_such_table").fetchall()
    with pg.writing() as tx:
        tx.append_event("maria", "test.write")
        tx.record_after("maria", "conversation.view", "conversation:1")
    with pg.read() as conn:
        assert walk_event_chain(conn).bad_seq is None
        got = [tuple(r) for r in conn.execute(
            "SELECT seq, action, details FROM events ORDER BY seq").fetchall()]
    assert got == [(1, "conversation.list", '{"count":3,"shown":[1,2]}'),
                   (2, "test.write", "{}"), (3, "conversation.view", "{}")]


def _append(store: PgStore, action: str) -> None:
    with store.writing() as tx:
        tx.append_event("maria", action)


def test_a_pipelined_transaction_that_fails_is_rolled_back_and_its_connection_reused(
        pg: PgStore, pg_url: str, caplog: pytest.LogCaptureFixture) -> None:
    """reading() and recording() send their BEGIN and COMMIT in the pipeline themselves: a
    failed statement, or an exception in the block, leaves nothing written and the pooled
    connection idle for the next transaction.

    Idle by our own rollback, seen from outside: the server shows the connection's session
    idle with no transaction open, the pool neither had to roll it back (it warns when it
    must) nor threw it away, and the next transaction runs on that same session. The
    event appended before the failure is in no table another session can read."""
    import psycopg

    caplog.set_level(logging.WARNING, logger="psycopg.pool")
    observer = psycopg.connect(pg_url, autocommit=True)

    def session(raw: psycopg.Connection[Any]) -> tuple[object, ...]:
        row = observer.execute("SELECT state, xact_start, backend_xid FROM pg_stat_activity"
                               " WHERE pid = %s", (raw.info.backend_pid,)).fetchone()
        assert row is not None, "the pooled connection's session is gone"
        return tuple(row)

    def left_clean(raw: psycopg.Connection[Any]) -> None:
        assert not raw.closed and raw.info.transaction_status == _IDLE
        assert session(raw) == ("idle", None, None)
        stuck = observer.execute(
            "SELECT pid, state FROM pg_stat_activity WHERE datname = current_database()"
            " AND pid <> pg_backend_pid() AND backend_type = 'client backend'"
            " AND (state <> 'idle' OR xact_start IS NOT NULL)").fetchall()
        assert stuck == [], "a session of the database is left in a transaction"
        lost = observer.execute("SELECT count(*) FROM events WHERE action = 'test.lost'"
                                ).fetchone()
        assert lost is not None and lost[0] == 0
        assert [r.getMessage() for r in caplog.records if r.name.startswith("psycopg")] == []

    used: list[psycopg.Connection[Any]] = []
    try:
        with pytest.raises(psycopg.errors.UndefinedTable), pg.recording() as tx:
            tx.append_event("maria", "test.lost")
            used.append(pg.conn.raw)
            pg.conn.execute("SELECT * FROM no_such_table").fetchall()
        left_clean(used[-1])
        with pytest.raises(RuntimeError), pg.recording() as tx:
            tx.append_event("maria", "test.lost")
            used.append(pg.conn.raw)
            raise RuntimeError("abandon")
        left_clean(used[-1])
        with pytest.raises(psycopg.errors.UndefinedTable), pg.reading():
            used.append(pg.conn.raw)
            pg.conn.execute("SELECT * FROM no_such_table").fetchall()
        left_clean(used[-1])
        with pg.recording() as tx:
            assert pg.conn.raw is used[0]  # the same pooled connection, not a new one
            assert tx.append_event("maria", "test.kept") == 1
        assert {raw.info.backend_pid for raw in used} == {used[0].info.backend_pid}
        left_clean(used[0])
    finally:
        observer.close()
    with pg.reading() as tx:
        head = tx.chain_head()
        # One snapshot for the whole read: a commit made meanwhile (by another thread,
        # on a connection of its own) is not seen in it.
        writer = threading.Thread(target=lambda: _append(pg, "test.meanwhile"))
        writer.start()
        writer.join(timeout=60)
        assert not writer.is_alive()
        assert tx.chain_head() == head and head.count == 1
    with pg.read() as conn:
        assert walk_event_chain(conn).count == 2
        assert conn.raw.info.transaction_status == 2  # INTRANS: this block's own


# -- the service on PostgreSQL -------------------------------------------------------------


def test_list_show_and_staff_actions_through_the_service(tmp_path: Path, any_store: object
                                                          ) -> None:
    """Runs on both backends: what the desk does all day, and its audit trail."""
    _, db, svc, _ = open_service(tmp_path, store=any_store)
    first = deliver(db, sender="ana@patient.example", at=T0 - 3600, subject="Lab results",
                    message_id="a1@p")
    assert deliver(db, sender=DESK, to="ana@patient.example", at=T0 - 1800,
                   subject="Re: Lab results", message_id="a2@c", in_reply_to="a1@p",
                   references=("a1@p",)) == first
    second = deliver(db, sender="ben@patient.example", at=T0 - 600, subject="Refill")
    svc.tag(first, add=["lab", "urgent-ish"])
    svc.assign(first, "jsmith")
    raised = svc.set_priority(second, "high")
    svc.set_status(second, "pending")
    note = svc.add_note(first, "called the lab")
    assert [c.id for c in svc.list_conversations("").items] == [second, first]
    assert [c.id for c in svc.list_conversations("tag:lab assignee:jsmith").items] == [first]
    assert [c.id for c in svc.list_conversations("status:pending priority:high").items] == \
        [second]
    assert [c.id for c in svc.list_conversations("sort:oldest").items] == [first, second]
    shown = svc.get_conversation(first)
    assert [m.direction for m in shown.messages] == ["in", "out"]
    assert [n.body for n in shown.notes] == ["called the lab"]
    assert set(shown.summary.tags) == {"lab", "urgent-ish"}
    assert shown.summary.assignee == "jsmith"
    # undo: the step is taken back once, and only once
    svc.set_priority(second, "normal", undo_of=raised)
    assert svc.get_conversation(second).summary.priority == "normal"
    with pytest.raises(BadRequest, match="already undone"):
        svc.set_priority(second, "normal", undo_of=raised)
    svc.retract_note(note)
    assert svc.get_conversation(first).notes == ()
    with db.read() as conn:
        walk = walk_event_chain(conn)
    assert walk.bad_seq is None and walk.count >= 6


def test_without_the_full_compiler_word_searches_are_refused_in_one_line() -> None:
    """store/pg/select.py, used until store/pg/query.py is there."""
    ctx = QueryContext(me="maria", now=datetime.now(UTC), tz=UTC)
    with pytest.raises(QueryError, match="on PostgreSQL: not yet"):
        compile_portable(parse_query("status:open lab results"), ctx, None)
    with pytest.raises(QueryError, match="on PostgreSQL: not yet"):
        compile_portable(parse_query("555-350-4006"), ctx, None)
    with pytest.raises(QueryError, match="sla: is not available"):
        compile_portable(parse_query("sla:breached"), ctx, None)


def test_structured_queries_select_the_same_on_both_backends(tmp_path: Path,
                                                              any_store: object) -> None:
    _, db, svc, _ = open_service(tmp_path, store=any_store)
    a = deliver(db, sender="ana@patient.example", at=T0 - 900, subject="Knee", mailbox="Desk")
    b = deliver(db, sender="ben@patient.example", at=T0 - 600, subject="Refill")
    c = deliver(db, sender="cy@patient.example", at=T0 - 300, subject="Parking")
    svc.tag(a, add=["lab"])
    svc.assign(b, "JSmith")
    svc.set_status(c, "closed")
    svc.add_note(c, "@jsmith see this")

    def ids(query: str) -> set[int]:
        return {item.id for item in svc.list_conversations(query).items}

    assert ids("tag:lab") == {a} and ids("-tag:lab") == {b, c}
    assert ids("assignee:jsmith") == {b} and ids("-assignee:jsmith") == {a, c}
    assert ids("is:unassigned") == {a, c} and ids("mailbox:desk") == {a, b, c}
    assert ids("status:closed OR tag:lab") == {a, c}
    assert ids("from:ben") == {b} and ids("to:desk@clinic") == {a, b, c}
    assert ids("mentions:jsmith") == {c} and ids(f"id:{a},{b}") == {a, b}
    assert ids("sla:breached") == {a, b}  # the one-hour first response ran out
    assert ids("sla:breached -is:unassigned") == {b}


def test_service_reports_a_refused_query_as_a_bad_query(tmp_path: Path, pg: PgStore) -> None:
    _, _, svc, _ = open_service(tmp_path, sla=False, store=pg)
    with pytest.raises(BadQuery, match="sla: is not available"):
        svc.list_conversations("sla:breached")


def test_operations_not_ported_yet_say_so(pg: PgStore) -> None:
    assert not NOT_YET  # every operation is ported (tests/test_pg_ops.py, test_pg_outbox.py)
    refuse = _not_yet("outbox_item")  # what a newly listed operation would do
    with pg.reading() as tx:
        with pytest.raises(NotImplementedError, match="^outbox_item on PostgreSQL: not yet$"):
            refuse(tx, 1)
        assert tx.csat_due(0) == []
        assert tx.sla_pins([1, 2]) == {}  # ported: the SLA engine reads it


# -- configuration, the CLI and doctor ---------------------------------------------------


def _config(tmp_path: Path, store_lines: str) -> Path:
    path = tmp_path / "config.toml"
    path.write_text(f'[clinic]\ntimezone = "UTC"\n\n[store]\n{store_lines}\n')
    return path


def test_store_url_is_read_and_checked(tmp_path: Path) -> None:
    url = "postgresql://cxinbox@db.clinic.example/cxinbox"
    assert load_config(_config(tmp_path, f'url = "{url}"')).store.url == url
    assert load_config(_config(tmp_path, 'path = "x.db"')).store.url is None
    with pytest.raises(ConfigError, match="expected a postgresql:// URL") as bad:
        load_config(_config(tmp_path, 'url = "mysql://secret@db/x"'))
    assert "secret" not in str(bad.value)
    with pytest.raises(ConfigError, match="not both"):
        load_config(_config(tmp_path, f'path = "x.db"\nurl = "{url}"'))


def test_an_unreachable_database_is_one_line(tmp_path: Path) -> None:
    url = f"postgresql://cxinbox@/none?host={tmp_path}&connect_timeout=2"
    with pytest.raises(StoreError, match="^PostgreSQL store: ") as exc:
        PgStore(url, timeout_s=3.0)
    assert "\n" not in str(exc.value)


def test_commands_without_a_server_run_on_postgresql(tmp_path: Path, pg_url: str) -> None:
    cfg = _config(tmp_path, f'url = "{pg_url}"')
    proc = cx("list", "--config", str(cfg))
    assert proc.returncode == 0 and "Traceback" not in proc.stderr, proc.stderr
    assert not (tmp_path / "data").exists()  # nothing quietly opened a SQLite file instead


def test_doctor_checks_the_postgresql_store(tmp_path: Path, pg: PgStore, pg_url: str) -> None:
    with pg.writing() as tx:
        tx.append_event("maria", "test.one")
    cfg = _config(tmp_path, f'url = "{pg_url}"')
    proc = cx("--config", str(cfg), "doctor")
    out = proc.stdout
    assert "Traceback" not in proc.stderr, proc.stderr
    assert "PostgreSQL 1" in out  # the server's version
    assert "PostgreSQL extensions: pg_trgm, unaccent" in out
    assert "PostgreSQL role may read and write the store" in out
    assert "event chain intact (1 events)" in out
    assert pg_url not in out + proc.stderr


def test_real_mail_ingested_into_both_stores_gives_the_same_rows(tmp_path: Path,
                                                                 pg: PgStore) -> None:
    """Generated mail (threads, replies, attachments, odd headers), parsed by the real MIME
    parser and stored through ingest, in two batches per folder: every conversation,
    message, thread id and contact comes out the same on both engines."""
    from tests.support.mailgen import generate_corpus

    from cxinbox.domain.mime import parse_message
    from cxinbox.store import ingest
    from cxinbox.store.db import Database

    own = frozenset({"appointments@clinic.example", "billing@clinic.example",
                     "results@clinic.example"})
    fetched = [ingest.FetchedMessage(uid, "\\Seen" if uid % 3 == 0 else "", None, None, raw,
                                     hashlib.sha256(raw).digest(), parse_message(raw))
               for uid, raw in enumerate(generate_corpus(300, seed=11), 1)]
    lite = Database(tmp_path / "data" / "cxinbox.db", synchronous="OFF")
    tables = {
        "conversations": "SELECT * FROM conversations ORDER BY id",
        "messages": "SELECT id, raw_id, conversation_id, direction, message_id, subject,"
                    " from_addr, to_addrs, date, body_text, attachments, has_attachment,"
                    " seen FROM messages ORDER BY id",
        "thread_ids": "SELECT message_id, conversation_id FROM thread_ids ORDER BY message_id",
        "contacts": "SELECT a.address, a.contact_id, c.name FROM contact_addresses a"
                    " JOIN contacts c ON c.id = a.contact_id ORDER BY a.address",
        "folders": "SELECT account, name, last_uid FROM folders ORDER BY id",
    }
    found: list[dict[str, list[tuple[object, ...]]]] = []
    for store in (lite, pg):
        for first in (0, 150):
            batch = fetched[first:first + 150]
            with store.write() as conn:
                state = ingest.folder_state(conn, "appointments", "INBOX")
                ingest.ingest_batch(conn, state, batch, own_addresses=own,
                                    watermark=batch[-1].uid, now=1_800_000_000)
        with store.read() as conn:
            found.append({name: [tuple(r) for r in conn.execute(sql)]
                          for name, sql in tables.items()})
    lite.close()
    sqlite_rows, pg_rows = found
    assert len(sqlite_rows["messages"]) == 300
    assert len(sqlite_rows["conversations"]) < 300  # replies joined their threads
    for name in tables:
        assert pg_rows[name] == sqlite_rows[name], name
