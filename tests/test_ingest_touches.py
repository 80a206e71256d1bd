"""SQLite ingest writes a batch's changes to a conversation it did not create once per
batch (store/ingest.py `_Touches`) and a new conversation's row as its first message
leaves it. What ends stored must be what message-by-message ingest stores: the same
conversation rows in every column, messages, threads, report facts and indexed senders,
through subject matches, a patient and subject rewritten by an earlier-dated message, and
conversations reopened by a reply in a batch that changed them before."""

from __future__ import annotations

import hashlib
import sqlite3
from pathlib import Path

from tests.support.mailgen import generate_corpus

from cxinbox.domain.mime import parse_message
from cxinbox.store.conversations import update_state
from cxinbox.store.db import Database
from cxinbox.store.ingest import FetchedMessage, folder_state, ingest_batch

OWN = frozenset({"appointments@riverside-clinic.example"})
NOW = 1_800_000_000  # 2027-01-15: every message here is dated before it


def _reply_first(n: int) -> list[bytes]:
    first = (b"From: Ann Lee <ann@patient.example>\r\nTo: appointments@riverside-clinic.example"
             b"\r\nSubject: Knee\r\nDate: Mon, 02 Nov 2026 09:00:00 +0000\r\n"
             b"Message-ID: <k%d@patient.example>\r\n\r\nMy knee hurts.\r\n" % n)
    reply = (b"From: Ann B. Lee <ann.b@patient.example>\r\n"
             b"To: appointments@riverside-clinic.example\r\nSubject: Re: Knee\r\n"
             b"Date: Tue, 03 Nov 2026 09:00:00 +0000\r\nMessage-ID: <r%d@patient.example>\r\n"
             b"In-Reply-To: <k%d@patient.example>\r\nReferences: <k%d@patient.example>\r\n"
             b"\r\nStill hurts.\r\n" % (n, n, n))
    return [reply, first]


def _store(path: Path, sizes: list[int], raws: list[bytes], close_after: int) -> None:
    """Ingest `raws` in batches of `sizes` (cycled); after `close_after` messages, staff
    close every conversation so far (the later replies reopen them)."""
    db = Database(path)
    uid, k = 1, 0
    closed = False
    while uid <= len(raws):
        size = sizes[k % len(sizes)]
        k += 1
        if not closed and uid > close_after:
            with db.write() as conn:
                for (conv,) in conn.execute("SELECT id FROM conversations").fetchall():
                    update_state(conn, conv, status="closed")
            closed = True
        size = min(size, close_after + 1 - uid) if not closed else size
        chunk = raws[uid - 1:uid - 1 + size]
        fetched = [FetchedMessage(uid + i, "\\Seen" if (uid + i) % 3 else "", None, None, raw,
                                  hashlib.sha256(raw).digest(), parse_message(raw))
                   for i, raw in enumerate(chunk)]
        with db.write() as conn:
            state = folder_state(conn, "appointments", "INBOX")
            ingest_batch(conn, state, fetched, own_addresses=OWN,
                         watermark=uid + len(chunk) - 1, now=NOW, index_text=False)
        uid += len(chunk)
    db.close()


def _everything(path: Path) -> dict[str, list[tuple[object, ...]]]:
    conn = sqlite3.connect(path)
    try:
        conn.execute("CREATE VIRTUAL TABLE temp.senders USING fts5vocab(main,"
                     " conversation_senders_fts, 'instance')")
        found = {table: sorted(conn.execute(f"SELECT * FROM {table}").fetchall(), key=repr)
                 for table in ("conversations", "messages", "thread_ids", "contacts",
                               "report_assignees", "report_dirty", "temp.senders")}
        # The spans' times are the clock's when staff closed them (each run's own), and
        # their ids follow the batches (a batch's new spans go in at its end, migration 26).
        found["report_spans"] = conn.execute(
            "SELECT conversation_id, end_at IS NULL, status, live FROM report_spans"
            " ORDER BY 1, 2, 3, 4").fetchall()
        return found
    finally:
        conn.close()


def test_a_batch_stores_what_message_by_message_ingest_stores(tmp_path: Path) -> None:
    raws = list(generate_corpus(500, seed=11))
    raws = raws[:200] + _reply_first(1) + raws[200:] + _reply_first(2)
    _store(tmp_path / "batched.db", [250, 120], raws, close_after=260)
    _store(tmp_path / "one.db", [1], raws, close_after=260)
    batched, one = _everything(tmp_path / "batched.db"), _everything(tmp_path / "one.db")
    assert batched == one
    conversations = batched["conversations"]
    assert len(conversations) < len(batched["messages"]) // 2  # threads, not one each
    statuses = {row[5] for row in conversations}  # the status column
    assert {"open", "closed"} <= statuses  # some were reopened by replies, some not


def _crowd(people: int) -> list[bytes]:
    """One thread that `people` different patients write into, each copying a neighbour:
    more addresses than a conversation keeps (50)."""
    raws = []
    for i in range(people):
        refs = b"" if i == 0 else b"In-Reply-To: <c0@patient.example>\r\nReferences: <c0@patient.example>\r\n"
        raws.append(b"From: P%d <p%d@patient.example>\r\nTo: appointments@riverside-clinic.example"
                    b"\r\nCc: p%d@patient.example\r\nSubject: Parking\r\n"
                    b"Date: Mon, 02 Nov 2026 09:%02d:00 +0000\r\nMessage-ID: <c%d@patient.example>\r\n"
                    b"%s\r\nWhere do we park?\r\n" % (i, i, (i * 7) % people, i % 60, i, refs))
    return raws


def test_participants_past_fifty_are_cut_as_message_by_message_ingest_cuts_them(
        tmp_path: Path) -> None:
    raws = _crowd(70)
    _store(tmp_path / "batched.db", [30, 40], raws, close_after=len(raws))
    _store(tmp_path / "one.db", [1], raws, close_after=len(raws))
    batched, one = _everything(tmp_path / "batched.db"), _everything(tmp_path / "one.db")
    assert batched == one
    conn = sqlite3.connect(tmp_path / "batched.db")
    try:
        (participants,), = conn.execute("SELECT participants FROM conversations").fetchall()
    finally:
        conn.close()
    people = participants.split()
    assert len(people) == 50 and len(set(people)) == 50
    assert people[0] == "p0@patient.example"
