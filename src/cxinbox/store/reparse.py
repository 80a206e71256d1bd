"""SQL for `cxinbox reindex`: re-deriving parsed fields from stored raw bytes."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Sequence

from cxinbox.domain.models import ParsedMessage
from cxinbox.store.dialect import dialect_of
from cxinbox.store.schema_search import SENDER_INDEXES


def raw_batch(conn: sqlite3.Connection, after_id: int, limit: int) -> list[tuple[int, bytes]]:
    return [(r[0], bytes(r[1])) for r in conn.execute(
        "SELECT m.id, r.data FROM messages m JOIN raw_messages r ON r.id = m.raw_id"
        " WHERE m.id > ? AND m.channel = 'email' ORDER BY m.id LIMIT ?", (after_id, limit))]


def update_parsed(conn: sqlite3.Connection, rows: Sequence[tuple[int, ParsedMessage]]) -> None:
    conn.executemany(
        "UPDATE messages SET subject = ?, from_name = ?, from_addr = ?, sender = ?, to_addrs = ?,"
        " cc_addrs = ?, body_text = ?, attachments = ?, has_attachment = ?, problems = ?"
        " WHERE id = ?",
        [(p.subject, p.from_addr.name if p.from_addr else "",
          p.from_addr.email if p.from_addr else "",
          f"{p.from_addr.name} {p.from_addr.email}".strip() if p.from_addr else "",
          json.dumps([[a.name, a.email] for a in p.to], ensure_ascii=False),
          json.dumps([[a.name, a.email] for a in p.cc], ensure_ascii=False),
          p.body_text,
          json.dumps([{"filename": a.filename, "content_type": a.content_type, "size": a.size,
                       "part_path": a.part_path, "inline": a.inline} for a in p.attachments],
                     ensure_ascii=False),
          int(bool(p.attachments)), "; ".join(p.problems), pk) for pk, p in rows])


def rebuild_fts(conn: sqlite3.Connection) -> None:
    """Rebuild SQLite's full-text tables from the messages. Nothing to do on PostgreSQL:
    its `search` column is made by the row's trigger when the text changes, so
    `update_parsed` already renewed it."""
    if not dialect_of(conn).fts_by_watermark:
        return
    conn.execute("INSERT INTO messages_fts (messages_fts) VALUES ('rebuild')")
    for table in SENDER_INDEXES:
        conn.execute(f"INSERT INTO {table} ({table}) VALUES ('rebuild')")
    conn.execute("UPDATE fts_progress SET upto = (SELECT coalesce(max(id), 0) FROM messages)")
