"""The big columns of a PostgreSQL store compressed by lz4 where the server has it (issue #16):
the raw mail, the bodies and the search vectors come back as they went in and are found
as before; a server built without lz4 keeps the columns as they were and stores and finds
the same."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from typing import Any

import psycopg
import pytest
from tests.support.pgcluster import PgCluster

from cxinbox.store.pg.migrate import migrate
from cxinbox.store.pg.schema import PG_TUNING

_OURS = next(i for i, sql in enumerate(PG_TUNING)
             if "raw_messages ALTER COLUMN data SET COMPRESSION lz4" in sql)
_COLUMNS = (("raw_messages", "data"), ("messages", "body_text"), ("message_search", "search"))


def _fresh(pg_cluster: PgCluster, name: str) -> str:
    pg_cluster.psql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    return pg_cluster.create_database(name)


@pytest.fixture
def store_db(pg_cluster: PgCluster) -> Iterator[psycopg.Connection[Any]]:
    with psycopg.connect(_fresh(pg_cluster, "compression"), autocommit=True) as conn:
        migrate(conn)
        yield conn


def _server_has_lz4(conn: psycopg.Connection[Any]) -> bool:
    return conn.execute("SELECT 1 FROM pg_settings WHERE name = 'default_toast_compression'"
                        " AND 'lz4' = ANY(enumvals)").fetchone() is not None


def _storage(conn: psycopg.Connection[Any]) -> dict[str, tuple[str, str]]:
    out = {}
    for table, column in _COLUMNS:
        row = conn.execute("SELECT attstorage, attcompression FROM pg_attribute"
                           " WHERE attrelid = %s::regclass AND attname = %s",
                           (table, column)).fetchone()
        assert row is not None
        out[f"{table}.{column}"] = (str(row[0]), str(row[1]))
    return out


_BODY = " ".join(f"Paciente {i}: dolor de pecho desde ayer, cita el martes con la Dra. Núñez"
                 f" (expediente h{i}x{i * 7}, orden r{i * 13})." for i in range(150))
"""~15 KB, with words of its own in every line: the body and its vector are over the row's
limit, so both are compressed."""


def _store_one(conn: psycopg.Connection[Any]) -> bytes:
    """One message with its raw bytes (~60 KB, as a mail with a part in base64 is) and a
    long body, its vector made with the row; returns the raw bytes."""
    raw = (b"Subject: resultados\r\nFrom: Ana <ana@example.org>\r\n\r\n"
           + b"".join(hashlib.sha256(bytes([i % 256, i // 256])).hexdigest().encode() + b"\r\n"
                      for i in range(900)))
    with conn.transaction():
        conn.execute("INSERT INTO conversations (id, from_addr, from_name, created_at,"
                     " last_message_at) VALUES (1, 'ana@example.org', 'Ana', 0, 0)")
        conn.execute("INSERT INTO raw_messages (id, sha256, size, data) VALUES (1, %s, %s, %s)",
                     (hashlib.sha256(raw).digest(), len(raw), raw))
        conn.execute("INSERT INTO messages (id, raw_id, conversation_id, subject, sender,"
                     " from_addr, from_name, date, body_text) VALUES (1, 1, 1, 'Resultados',"
                     " 'Ana', 'ana@example.org', 'Ana', 0, %s)", (_BODY,))
    return raw


def _round_trip(conn: psycopg.Connection[Any], raw: bytes) -> dict[str, str | None]:
    """The stored values read back unchanged and found by a search; how each is kept."""
    assert conn.execute("SELECT data FROM raw_messages WHERE id = 1").fetchone() == (raw,)
    assert conn.execute("SELECT body_text FROM messages WHERE id = 1").fetchone() == (_BODY,)
    assert conn.execute("SELECT s.search = cxinbox_message_search(m.subject, m.sender,"
                        " m.body_text) FROM message_search s JOIN messages m ON m.id ="
                        " s.message_id").fetchone() == (True,)
    for terms, found in ((["nunez"], 1), (["dolor de pecho"], 1), (["dra nunez"], 1),
                         (["martes", "ana"], 1), (["cardiologia"], 0)):
        assert conn.execute(
            "SELECT count(*) FROM message_search WHERE search @@ cxinbox_search(%s::text[],"
            " %s::boolean[], false)", (terms, [False] * len(terms))).fetchone() == (found,)
    row = conn.execute(
        "SELECT pg_column_compression(r.data), pg_column_compression(m.body_text),"
        " pg_column_compression(s.search) FROM raw_messages r JOIN messages m ON m.raw_id ="
        " r.id JOIN message_search s ON s.message_id = m.id").fetchone()
    assert row is not None
    return dict(zip(("raw", "body", "search"), row, strict=True))


def test_big_columns_use_lz4_and_read_back_the_same(store_db: psycopg.Connection[Any]) -> None:
    if not _server_has_lz4(store_db):
        pytest.skip("this PostgreSQL server was built without lz4")
    assert _storage(store_db) == {"raw_messages.data": ("x", "l"),
                                  "messages.body_text": ("x", "l"),
                                  "message_search.search": ("x", "l")}
    raw = _store_one(store_db)
    assert _round_trip(store_db, raw) == {"raw": "lz4", "body": "lz4", "search": "lz4"}
    # Smaller than the bytes that came in (they were kept as they came before).
    size = store_db.execute("SELECT pg_column_size(data) FROM raw_messages").fetchone()
    assert size is not None and size[0] < len(raw)


def test_a_server_without_lz4_keeps_the_columns_and_works(
        store_db: psycopg.Connection[Any]) -> None:
    # The store as it was before this change: raw bytes kept as they came, the rest pglz.
    store_db.execute("ALTER TABLE raw_messages ALTER COLUMN data SET STORAGE EXTERNAL;"
                     " ALTER TABLE raw_messages ALTER COLUMN data SET COMPRESSION DEFAULT;"
                     " ALTER TABLE messages ALTER COLUMN body_text SET COMPRESSION DEFAULT;"
                     " ALTER TABLE message_search ALTER COLUMN search SET COMPRESSION DEFAULT")
    before = _storage(store_db)
    # This session sees a server whose `default_toast_compression` offers pglz alone (a
    # temporary view is looked up before pg_catalog's), as a build without lz4 reports it.
    store_db.execute("CREATE TEMP VIEW pg_settings AS SELECT name, ARRAY['pglz']::text[]"
                     " AS enumvals FROM pg_catalog.pg_settings")
    store_db.execute(PG_TUNING[_OURS])  # type: ignore[arg-type]
    assert _storage(store_db) == before == {"raw_messages.data": ("e", ""),
                                            "messages.body_text": ("x", ""),
                                            "message_search.search": ("x", "")}
    raw = _store_one(store_db)
    kept = _round_trip(store_db, raw)
    assert kept["raw"] is None  # as it came
    assert kept["body"] == "pglz" and kept["search"] in ("pglz", None)  # pglz may give up
