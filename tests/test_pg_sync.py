"""The mail sync into PostgreSQL, from the real Dovecot: the cache equals the server (UIDs,
bytes, \\Seen, message count), a second sync changes nothing, and the server's later flag
changes and expunges arrive as they do on SQLite."""

from __future__ import annotations

import itertools
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from tests.support.mailgen import generate_corpus
from tests.support.pgcluster import PgCluster
from tests.support.waiting import wait_until
from tests.synchelp import server_digests, store_digests, write_config

from cxinbox.channels.credentials import resolve_password
from cxinbox.config import load_config
from cxinbox.service.sync import MailSync
from cxinbox.store import ingest
from cxinbox.store.db import Database
from cxinbox.store.pg.store import PgStore

pytestmark = pytest.mark.dovecot

_names = itertools.count(1)


@pytest.fixture
def pg_store(pg_cluster: PgCluster) -> Iterator[PgStore]:
    name = f"pgsync_{os.getpid()}_{next(_names)}"
    pg_cluster.create_migrated_database(name)
    store = PgStore(pg_cluster.url(name), max_size=4)
    yield store
    store.close()
    pg_cluster.psql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _server_seen(server: Any) -> dict[int, bool]:
    client = server.imap_client()
    try:
        client.select_folder("INBOX", readonly=True)
        return {int(uid): b"\\Seen" in data[b"FLAGS"]
                for uid, data in client.fetch(client.search("ALL"), ["FLAGS"]).items()}
    finally:
        client.logout()


def _stored_seen(store: PgStore) -> dict[int, bool]:
    rows = store.conn.execute(
        "SELECT l.uid, l.flags, m.seen FROM locations l JOIN folders f ON f.id = l.folder_id"
        " JOIN messages m ON m.id = l.message_pk WHERE f.account = ? AND f.name = ?",
        ("appointments", "INBOX")).fetchall()
    out: dict[int, bool] = {}
    for uid, flags, seen in rows:
        assert ("\\Seen" in str(flags).split()) == bool(seen), uid  # location and message agree
        out[int(uid)] = bool(seen)
    return out


def _live(store: PgStore) -> int:
    return int(store.conn.execute("SELECT count(*) FROM messages WHERE gone_at IS NULL"
                                  " AND channel = 'email'").fetchone()[0])


def _last_seq(store: PgStore) -> int:
    return int(store.conn.execute("SELECT coalesce(max(seq), 0) FROM events").fetchone()[0])


def test_sync_into_postgresql_equals_the_server(dovecot: Any, tmp_path: Path,
                                                pg_store: PgStore) -> None:
    dovecot.deliver_many(generate_corpus(400, seed=7), "INBOX")  # the parse-pool path
    client = dovecot.imap_client()
    client.select_folder("INBOX")
    client.add_flags(sorted(client.search("ALL"))[:40], [b"\\Seen"])
    client.logout()
    config = load_config(write_config(tmp_path, dovecot))
    engine = MailSync(pg_store, config, lambda a: resolve_password(a.name, a.credentials))
    try:
        (first,) = engine.sync_once()
        expected = server_digests(dovecot)
        assert first.new == len(expected) == 400
        assert store_digests(pg_store) == expected
        assert _stored_seen(pg_store) == _server_seen(dovecot)
        assert sum(_server_seen(dovecot).values()) >= 40
        assert _live(pg_store) == 400
        assert int(pg_store.conn.execute("SELECT sum(message_count) FROM conversations"
                                         ).fetchone()[0]) == 400
        # triage ran at arrival, as on SQLite: its cursor is past every message stored
        assert tuple(pg_store.conn.execute(
            "SELECT (SELECT upto FROM triage_cursor), (SELECT max(id) FROM messages)"
            ).fetchone()) == (400, 400)

        # A second sync is a no-op: nothing fetched, nothing changed, no event.
        before = _last_seq(pg_store)
        (again,) = engine.sync_once()
        assert (again.new, again.flag_changes, again.removed) == (0, 0, 0)
        assert store_digests(pg_store) == expected
        assert _last_seq(pg_store) == before

        # The server changes: flags, expunges and new mail all arrive.
        client = dovecot.imap_client()
        client.select_folder("INBOX")
        uids = sorted(client.search("ALL"))
        client.add_flags(uids[100:110], [b"\\Seen"])
        client.remove_flags(uids[:5], [b"\\Seen"])
        client.delete_messages(uids[-7:])
        client.expunge()
        client.logout()
        dovecot.deliver_many(generate_corpus(12, seed=8), "INBOX")
        (third,) = engine.sync_once()
        assert third.new == 12
        assert third.removed == 7
        expected = server_digests(dovecot)
        assert store_digests(pg_store) == expected
        assert _stored_seen(pg_store) == _server_seen(dovecot)
        assert _live(pg_store) == len(expected) == 405
    finally:
        engine.close()


def _when(column: str) -> str:
    return (f"CASE WHEN {column} IS NULL THEN 'open' WHEN {column} = 0 THEN 'start'"
            " ELSE 'a time' END")


_SAME_ROWS = (
    # The raw bytes by their hash: a conflict on insert spends a sequence value on
    # PostgreSQL (the batch's repeated bytes), so raw ids part after the first sync.
    ("SELECT id, (SELECT sha256 FROM raw_messages r WHERE r.id = raw_id), conversation_id, direction, coalesce(message_id, ''),"
    " coalesce(in_reply_to, ''), refs, subject, from_name, from_addr, sender, to_addrs,"
    " cc_addrs, date, body_text, attachments, has_attachment, problems, seen FROM messages"
    " ORDER BY id"),
    ("SELECT id, subject, norm_subject, from_name, from_addr, participants, created_at,"
    " last_message_at, coalesce(last_inbound_at, 0), coalesce(first_response_at, 0),"
    " coalesce(last_response_at, 0), message_count, unread_count, has_attachment, status,"
    " coalesce(contact_id, 0), sla_dirty FROM conversations ORDER BY id"),
    "SELECT id, name FROM contacts ORDER BY id",
    "SELECT conversation_id, state, rating, rating_message FROM csat_requests ORDER BY id",
    "SELECT message_pk, request_id, rating, rating_only FROM csat_answers ORDER BY message_pk",
    "SELECT message_id, conversation_id FROM thread_ids ORDER BY message_id",
    "SELECT uid, message_pk, flags FROM locations ORDER BY uid",
    "SELECT address, contact_id, kind, name FROM contact_addresses ORDER BY address",
    # The reports' marks and first spans: PostgreSQL writes them once an INSERT statement
    # (PG_TUNING), SQLite's ingest once a batch (migration 26).
    "SELECT conversation_id FROM report_dirty ORDER BY conversation_id",
    # A span a reply reopens starts at the clock's second, which the two syncs, run one
    # after the other, may read differently: the times are compared as "from the start"
    # (0), "open" (NULL) or "a time".
    (f"SELECT id, conversation_id, {_when('start_at')}, {_when('end_at')}, status, live"
     " FROM report_spans ORDER BY id"),
    (f"SELECT id, conversation_id, {_when('start_at')}, {_when('end_at')}, assignee"
     " FROM report_assignees ORDER BY id"),
)


def _mail(message_id: str, subject: str, sender: str, reply_to: str = "", *,
          to: str = "appointments@clinic.example", hour: int = 9, body: str = "Hello"
          ) -> bytes:
    thread = f"In-Reply-To: <{reply_to}>\r\nReferences: <{reply_to}>\r\n" if reply_to else ""
    return (f"From: {sender}\r\nTo: {to}\r\nSubject: {subject}\r\n"
            f"Date: Tue, 01 Dec 2026 {hour:02}:00:00 +0000\r\nMessage-ID: <{message_id}>\r\n"
            f"{thread}\r\n{body}\r\n").encode()


_CLINIC = "Front Desk <appointments@riverside-clinic.example>"


def _second_round() -> list[bytes]:
    """Mail into conversations the first sync stored and staff closed since, in one
    batch: a reply that reopens, a rating that answers a satisfaction question (and leaves
    the conversation closed), the clinic's own reply, a reply found by its subject alone
    after another message of the batch moved that conversation on, and a patient's
    message dated before the staff-started thread it answers (it becomes the start)."""
    return [
        _mail("r5@pg.example", "Re: Knee", "Ann Lee <ann@patient.example>", "p1@pg.example",
              hour=11),
        _mail("r6@pg.example", "Re: Prescription", "Cy Dunn <cy@patient.example>",
              "p3@pg.example", hour=11, body="4"),
        _mail("s1@pg.example", "Re: Also the forms", _CLINIC, "r2@pg.example",
              to="Bo Kim <bo@patient.example>", hour=12),
        _mail("r7@pg.example", "Re: Knee", "Ann Lee <ann@patient.example>", hour=13),
        _mail("s2@pg.example", "Your results", _CLINIC, to="Dee Fox <dee@patient.example>",
              hour=14),
        _mail("d1@pg.example", "Question about results", "Dee Fox <dee@patient.example>",
              "s2@pg.example", hour=10),
        _mail("d2@pg.example", "Re: Your results", "Dee Fox <dee@patient.example>",
              "s2@pg.example", hour=15),
    ]


def _threads_by_reference() -> list[bytes]:
    """Replies whose subjects share nothing with their parents' (only the references
    thread them) and a reply that comes before its parent, all in one batch."""
    return [
        _mail("p1@pg.example", "Knee", "Ann Lee <ann@patient.example>"),
        _mail("r1@pg.example", "Tuesday instead", "Ann Lee <ann@patient.example>",
              "p1@pg.example"),
        _mail("r2@pg.example", "Also the forms", "Bo Kim <bo@patient.example>",
              "r1@pg.example"),
        _mail("r3@pg.example", "Late answer", "Cy Dunn <cy@patient.example>",
              "p3@pg.example"),
        _mail("p3@pg.example", "Prescription", "Cy Dunn <cy@patient.example>"),
        _mail("r4@pg.example", "Thanks", "Cy Dunn <cy@patient.example>", "p3@pg.example"),
    ]


@pytest.mark.parametrize("common_subjects", [False, True])
def test_batched_postgresql_ingest_stores_the_rows_sqlite_stores(
        dovecot: Any, tmp_path: Path, pg_store: PgStore, common_subjects: bool,
        monkeypatch: pytest.MonkeyPatch) -> None:
    """A batch's messages go into PostgreSQL together (ids drawn ahead, thread ids read
    once, rows sent as arrays); what lands is row for row what SQLite's one-at-a-time
    ingest stores from the same mailbox: threads, replies whose parent comes later in the
    batch, conversations' counts and participants, contacts. With `common_subjects`
    every subject that has a row around the batch counts as common (as a clinic's
    "lab results" does at 100,000 messages): its matches take the candidates of their
    own windows, all read with the batch's first such match, and still store SQLite's
    rows."""
    windows: list[bool] = []
    if common_subjects:
        monkeypatch.setattr(ingest, "_SUBJECT_ROWS", 0)
        window = ingest._PgBatch._window

        def counted(self: Any, *args: Any) -> Any:
            got = window(self, *args)
            windows.append(got is not None)
            return got

        monkeypatch.setattr(ingest._PgBatch, "_window", counted)
    dovecot.deliver_many(generate_corpus(600, seed=11), "INBOX")
    dovecot.deliver_many(_threads_by_reference(), "INBOX")
    client = dovecot.imap_client()
    client.select_folder("INBOX")
    uids = sorted(client.search("ALL"))
    client.add_flags(uids[::3], [b"\\Seen"])
    # The same bytes twice (one message, two locations) and a reply delivered before
    # the message it answers are in the corpus's nature; a copy makes the first certain.
    client.copy(uids[10:20], "INBOX")
    client.logout()
    config = load_config(write_config(tmp_path, dovecot))
    sqlite = Database(config.db_path)
    engines = [MailSync(store, config, lambda a: resolve_password(a.name, a.credentials))
               for store in (pg_store, sqlite)]
    try:
        for engine in engines:
            (first,) = engine.sync_once()
            assert first.new == 616
        _assert_same_rows(pg_store, sqlite)

        # Staff close everything and one question goes out; then the second round.
        for conn in (pg_store.conn, sqlite.conn):
            conn.execute("UPDATE conversations SET status = 'closed'")
            conn.execute(
                "INSERT INTO csat_requests (conversation_id, state, closed_at, due_at, lang,"
                " asked_at, answer_until) SELECT conversation_id, 'sent', 0, 0, 'en', 0,"
                " 1900000000 FROM thread_ids WHERE message_id = 'p3@pg.example'")
        sqlite.conn.commit()
        dovecot.deliver_many(_second_round(), "INBOX")
        for engine in engines:
            (second,) = engine.sync_once()
            assert second.new == 7
        _assert_same_rows(pg_store, sqlite)
        rows = {r[0]: (r[1], r[2]) for r in pg_store.conn.execute(
            "SELECT t.message_id, c.status, c.from_addr FROM thread_ids t JOIN conversations c"
            " ON c.id = t.conversation_id WHERE t.message_id IN ('r5@pg.example',"
            " 'r6@pg.example', 'r7@pg.example', 'd1@pg.example')")}
        assert rows == {"r5@pg.example": ("open", "ann@patient.example"),
                        "r6@pg.example": ("closed", "cy@patient.example"),
                        "r7@pg.example": ("open", "ann@patient.example"),
                        "d1@pg.example": ("open", "dee@patient.example")}
        if common_subjects:  # the matches took their windows from the batch's read
            assert windows.count(True) >= 10, windows
    finally:
        for engine in engines:
            engine.close()
        sqlite.close()


def _assert_same_rows(pg_store: PgStore, sqlite: Database) -> None:
    for sql in _SAME_ROWS:
        pg_rows = [tuple(r) for r in pg_store.conn.execute(sql).fetchall()]
        sqlite_rows = [tuple(r) for r in sqlite.conn.execute(sql).fetchall()]
        assert pg_rows == sqlite_rows, sql


def _made_in_one_batch() -> list[bytes]:
    """Conversations and contacts a batch makes and changes again before its rows go out:
    a staff-started thread its patient answers (first unnamed, so the contact is made then
    and named by a later message), a new patient's two threads, the same bytes twice (the
    batch writes what it made halfway, then goes on) and a reply to a thread made before
    that point."""
    return [
        _mail("s3@pg.example", "Your referral", _CLINIC, to="Eve Ng <eve@patient.example>",
              hour=8),
        _mail("e1@pg.example", "Re: Your referral", "eve@patient.example", "s3@pg.example",
              hour=9),
        _mail("f1@pg.example", "Refill", "Fay Orr <fay@patient.example>", hour=9),
        _mail("e2@pg.example", "Parking", "Eve Ng <eve@patient.example>", hour=10),
        _mail("f2@pg.example", "Invoice", "Fay Orr <fay@patient.example>", hour=11),
        _mail("f1@pg.example", "Refill", "Fay Orr <fay@patient.example>", hour=9),
        _mail("g1@pg.example", "Re: Invoice", "Fay Orr <fay@patient.example>", "f2@pg.example",
              hour=12),
        _mail("h1@pg.example", "New here", "Gus Pak <gus@patient.example>", hour=13),
    ]


def test_what_a_batch_makes_is_written_as_sqlite_writes_it(
        dovecot: Any, tmp_path: Path, pg_store: PgStore) -> None:
    """A batch's new conversations and contacts wait in the batch and go in together (ids
    drawn in one statement): the ids, the rows as later messages of the batch left them
    (a contact linked and named after its conversation was made) and the thread ids are
    what SQLite's message-by-message ingest stores."""
    dovecot.deliver_many(_made_in_one_batch(), "INBOX")
    config = load_config(write_config(tmp_path, dovecot))
    sqlite = Database(config.db_path)
    engines = [MailSync(store, config, lambda a: resolve_password(a.name, a.credentials))
               for store in (pg_store, sqlite)]
    try:
        for engine in engines:
            (first,) = engine.sync_once()
            assert first.new == 8
        _assert_same_rows(pg_store, sqlite)
        rows = {r[0]: (r[1], r[2], r[3]) for r in pg_store.conn.execute(
            "SELECT t.message_id, c.message_count, k.name, c.from_addr FROM thread_ids t"
            " JOIN conversations c ON c.id = t.conversation_id"
            " LEFT JOIN contacts k ON k.id = c.contact_id")}
        assert rows["s3@pg.example"] == (2, "Eve Ng", "eve@patient.example")
        assert rows["e2@pg.example"] == (1, "Eve Ng", "eve@patient.example")
        assert rows["f2@pg.example"] == (2, "Fay Orr", "fay@patient.example")
        assert rows["h1@pg.example"] == (1, "Gus Pak", "gus@patient.example")
        assert pg_store.conn.execute("SELECT count(*) FROM contacts").fetchone()[0] == 3
        assert pg_store.conn.execute("SELECT count(*), count(DISTINCT raw_id) FROM messages"
                                     ).fetchone() == (7, 7)
    finally:
        for engine in engines:
            engine.close()
        sqlite.close()


def test_a_first_sync_finds_each_rows_key_by_index(
        dovecot: Any, tmp_path: Path, pg_store: PgStore) -> None:
    """A first sync into a new store checks each message row's conversation and bytes
    (its foreign keys) and reads its thread ids by index, as the tables grow from a few
    pages: a check whose plan the connection cached while the first batch's tables were
    tiny read every conversation for each message (a sequential scan, 14.8 million rows
    at 10,000 messages), until autovacuum's statistics replaced the plan."""
    dovecot.deliver_many(generate_corpus(600, seed=5), "INBOX")
    config = load_config(write_config(tmp_path, dovecot))  # batches of 100
    engine = MailSync(pg_store, config, lambda a: resolve_password(a.name, a.credentials))
    try:
        (first,) = engine.sync_once()
        assert first.new == 600
    finally:
        engine.close()
    conversations = int(pg_store.conn.execute("SELECT count(*) FROM conversations"
                                              ).fetchone()[0])
    assert conversations > 100

    def reads() -> dict[str, tuple[int, int]] | None:
        # The writer's counts reach the statistics once it idles (within seconds).
        rows = {str(r[0]): (int(r[1]), int(r[2])) for r in pg_store.conn.execute(
            "SELECT relname, n_tup_ins, coalesce(seq_tup_read, 0) FROM pg_stat_user_tables"
            " WHERE relname IN ('messages', 'conversations', 'thread_ids', 'raw_messages')")}
        done = rows.get("messages", (0, 0))[0] == 600 and rows.get(
            "conversations", (0, 0))[0] == conversations
        return rows if done else None

    found: list[dict[str, tuple[int, int]]] = []
    wait_until(lambda: found.append(reads() or {}) or found[-1],
               "the sync's table statistics")
    counted = found[-1]
    # Each message's checks and lookups by index: no table is read whole per message.
    # One whole read of a table still small when its statistics are taken is the planner's
    # fair choice (the search pass beside the sync may read the new conversations so); the
    # fault read it once per message, hundreds of times over.
    for table in ("conversations", "thread_ids", "raw_messages"):
        assert counted[table][1] <= 2 * counted[table][0], (table, counted)
