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
from tests.synchelp import server_digests, store_digests, write_config

from cxinbox.channels.credentials import resolve_password
from cxinbox.config import load_config
from cxinbox.service.sync import MailSync
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
