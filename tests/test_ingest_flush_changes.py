"""SQLite ingest writes a kept conversation row (store/ingest.py `_Touches.flush`) as the
columns the batch changed: SQLite rewrites a row's entry in every index holding a column
an UPDATE sets, even to the value it has, so the SLA's dirty mark is set only on a row
the SLA monitor had cleaned, and a row already marked (every row of a first sync) leaves
`conversations_sla_dirty` alone. What is stored must not change: a cleaned row is marked
again, and the counts, times and participants are written."""

from __future__ import annotations

import hashlib
import sqlite3
from pathlib import Path

from cxinbox.domain.mime import parse_message
from cxinbox.store.db import Database
from cxinbox.store.ingest import FetchedMessage, folder_state, ingest_batch

OWN = frozenset({"appointments@riverside-clinic.example"})
NOW = 1_800_000_000


def _message(n: int, reply: bool) -> bytes:
    head = (b"From: Pat %d <pat%d@patient.example>\r\n"
            b"To: appointments@riverside-clinic.example\r\n" % (n, n))
    if reply:
        return head + (b"Cc: carer%d@family.example\r\nSubject: Re: Visit %d\r\n"
                       b"Date: Tue, 03 Nov 2026 09:00:00 +0000\r\n"
                       b"Message-ID: <r%d@patient.example>\r\nIn-Reply-To: <q%d@patient.example>"
                       b"\r\n\r\nAny news?\r\n" % (n, n, n, n))
    return head + (b"Subject: Visit %d\r\nDate: Mon, 02 Nov 2026 09:00:00 +0000\r\n"
                   b"Message-ID: <q%d@patient.example>\r\n\r\nCan I come in?\r\n" % (n, n))


def _ingest(db: Database, first_uid: int, raws: list[bytes],
            statements: list[str] | None = None) -> None:
    fetched = [FetchedMessage(first_uid + i, "", None, None, raw, hashlib.sha256(raw).digest(),
                              parse_message(raw)) for i, raw in enumerate(raws)]
    with db.write() as conn:
        state = folder_state(conn, "appointments", "INBOX")
        if statements is not None:
            conn.set_trace_callback(statements.append)
        try:
            ingest_batch(conn, state, fetched, own_addresses=OWN,
                         watermark=first_uid + len(raws) - 1, now=NOW, index_text=False)
        finally:
            conn.set_trace_callback(None)


def test_a_reply_marks_a_cleaned_row_dirty_and_leaves_a_marked_row_index_alone(
        tmp_path: Path) -> None:
    db = Database(tmp_path / "c.db")
    try:
        _ingest(db, 1, [_message(n, reply=False) for n in range(6)])
        with db.write() as conn:
            # The SLA monitor has recomputed half of them (conversations.py writes 0).
            conn.execute("UPDATE conversations SET sla_dirty = 0 WHERE id % 2 = 0")
            before = dict(conn.execute("SELECT id, message_count FROM conversations"))
        statements: list[str] = []
        _ingest(db, 7, [_message(n, reply=True) for n in range(6)], statements)
        updates = [s for s in statements if s.startswith("UPDATE conversations SET")]
        assert len(updates) == 6, updates
        marked = [s for s in updates if "sla_dirty" in s]
        # Only the three rows the monitor had cleaned are marked again.
        assert len(marked) == 3, updates
        assert all("message_count" in s and "last_message_at" in s for s in updates)
        conn2 = sqlite3.connect(tmp_path / "c.db")
        try:
            rows = conn2.execute("SELECT id, sla_dirty, message_count, participants,"
                                 " last_message_at FROM conversations ORDER BY id").fetchall()
            dirty = conn2.execute("SELECT count(*) FROM conversations INDEXED BY"
                                  " conversations_sla_dirty WHERE sla_dirty = 1").fetchone()[0]
        finally:
            conn2.close()
        assert [r[1] for r in rows] == [1] * 6
        assert dirty == 6
        assert all(r[2] == before[r[0]] + 1 for r in rows)
        assert all("carer" in r[3] for r in rows), rows
        assert len({r[4] for r in rows}) == 1 and rows[0][4] > 0
    finally:
        db.close()
