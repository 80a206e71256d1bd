"""Migration 26: a SQLite ingest batch writes the report facts and the sender-search
index of its new rows once per batch (store/schema_ingest_hold.py). What it writes must
be what the per-row triggers write: the same spans (ids included), the same stale
marks, the same indexed senders, and no hold left behind."""

from __future__ import annotations

import hashlib
import sqlite3
from pathlib import Path
from types import SimpleNamespace

import pytest
from tests.support.mailgen import generate_corpus

from cxinbox.domain.mime import parse_message
from cxinbox.store import ingest
from cxinbox.store.db import Database
from cxinbox.store.ingest import FetchedMessage, folder_state, ingest_batch

OWN = frozenset({"appointments@riverside-clinic.example"})
NOW = 1_800_000_000  # 2027-01-15: every message here is dated before it


def _fetched(raws: list[bytes], first_uid: int) -> list[FetchedMessage]:
    return [FetchedMessage(first_uid + i, "\\Seen" if i % 3 else "", None, None, raw,
                           hashlib.sha256(raw).digest(), parse_message(raw))
            for i, raw in enumerate(raws)]


def _reply_first(n: int) -> list[bytes]:
    """A patient's reply stored before the message it answers (so the thread's patient
    and subject are rewritten by a later, earlier-dated message of the same batch), and
    the same bytes twice."""
    first = (b"From: Ann Lee <ann@patient.example>\r\nTo: appointments@riverside-clinic.example"
             b"\r\nSubject: Knee\r\nDate: Mon, 02 Nov 2026 09:00:00 +0000\r\n"
             b"Message-ID: <k%d@patient.example>\r\n\r\nMy knee hurts.\r\n" % n)
    reply = (b"From: Ann B. Lee <ann.b@patient.example>\r\n"
             b"To: appointments@riverside-clinic.example\r\nSubject: Re: Knee\r\n"
             b"Date: Tue, 03 Nov 2026 09:00:00 +0000\r\nMessage-ID: <r%d@patient.example>\r\n"
             b"In-Reply-To: <k%d@patient.example>\r\nReferences: <k%d@patient.example>\r\n"
             b"\r\nStill hurts.\r\n" % (n, n, n))
    return [reply, first, first]


def _store(path: Path, per_row: bool, monkeypatch: pytest.MonkeyPatch) -> sqlite3.Connection:
    with monkeypatch.context() as patch:
        if per_row:  # the batch never holds: every trigger runs per row, as before
            patch.setattr(ingest, "ingest_hold", SimpleNamespace(HOLD="SELECT 1", RELEASE=()))
        db = Database(path)
        raws = list(generate_corpus(400, seed=7))
        batches = [raws[:150], _reply_first(1) + raws[150:300], raws[300:] + _reply_first(2),
                   raws[100:200]]  # the last: bytes already stored
        uid = 1
        for batch in batches:
            with db.write() as conn:
                state = folder_state(conn, "appointments", "INBOX")
                ingest_batch(conn, state, _fetched(batch, uid), own_addresses=OWN,
                             watermark=uid + len(batch) - 1, now=NOW, index_text=False)
            uid += len(batch)
        db.close()
    return sqlite3.connect(path)


def _facts(conn: sqlite3.Connection) -> dict[str, list[tuple[object, ...]]]:
    conn.execute("CREATE VIRTUAL TABLE temp.senders USING fts5vocab(main,"
                 " conversation_senders_fts, 'instance')")
    conn.execute("INSERT INTO conversation_senders_fts (conversation_senders_fts, rank)"
                 " VALUES ('integrity-check', 1)")
    return {
        "spans": conn.execute("SELECT * FROM report_spans ORDER BY id").fetchall(),
        "assignees": conn.execute("SELECT * FROM report_assignees ORDER BY id").fetchall(),
        "dirty": conn.execute("SELECT * FROM report_dirty ORDER BY 1").fetchall(),
        "senders": conn.execute("SELECT * FROM temp.senders ORDER BY 1, 2, 3, 4").fetchall(),
        "found": [conn.execute("SELECT rowid FROM conversation_senders_fts WHERE"
                               f" conversation_senders_fts MATCH '\"{who}\"'").fetchall()
                  for who in ("ann@pat", "ann.b")],
        "conversations": conn.execute("SELECT id, from_addr, from_name, subject, status"
                                      " FROM conversations ORDER BY id").fetchall(),
    }


def test_a_held_batch_writes_what_the_per_row_triggers_write(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    held = _store(tmp_path / "held.db", False, monkeypatch)
    per_row = _store(tmp_path / "per-row.db", True, monkeypatch)
    ours, theirs = _facts(held), _facts(per_row)
    assert len(ours["conversations"]) > 100
    assert len(ours["spans"]) == len(ours["conversations"]) == len(ours["assignees"])
    # the patient's earlier message, stored after the reply, rewrote who the thread is from
    now_from, before = ours["found"]
    assert now_from and not before
    assert ours == theirs
    assert held.execute("SELECT count(*) FROM ingest_held").fetchone()[0] == 0


def test_other_writers_still_meet_the_per_row_triggers(tmp_path: Path) -> None:
    db = Database(tmp_path / "c.db")
    with db.write() as conn:
        conn.execute("INSERT INTO conversations (subject, norm_subject, channel, mailbox,"
                     " from_name, from_addr, participants, created_at, last_message_at)"
                     " VALUES ('Hi', 'hi', 'sms', 'sms', 'Bo', '+15550001', '', 1, 1)")
        conv = conn.execute("SELECT max(id) FROM conversations").fetchone()[0]
        spans = conn.execute("SELECT count(*) FROM report_spans WHERE conversation_id = ?",
                             (conv,)).fetchone()[0]
        found = [tuple(r) for r in conn.execute(
            "SELECT rowid FROM conversation_senders_fts WHERE"
            " conversation_senders_fts MATCH '\"5550001\"'")]
    db.close()
    assert spans == 1
    assert found == [(conv,)]


def test_a_batch_that_fails_leaves_no_hold(tmp_path: Path) -> None:
    db = Database(tmp_path / "c.db")
    raws = list(generate_corpus(20, seed=3))
    broken = _fetched(raws, 1)
    broken[5] = FetchedMessage(6, "", None, None, b"x", b"\x00" * 32, None)  # type: ignore[arg-type]
    with pytest.raises(AttributeError), db.write() as conn:  # rolled back
        ingest_batch(conn, folder_state(conn, "appointments", "INBOX"), broken,
                     own_addresses=OWN, watermark=20, now=NOW, index_text=False)
    # a caller that keeps what was stored before the failure (the error caught inside)
    with db.write() as conn, pytest.raises(AttributeError):
        ingest_batch(conn, folder_state(conn, "appointments", "INBOX"), broken,
                     own_addresses=OWN, watermark=20, now=NOW, index_text=False)
    conn = db.conn
    assert conn.execute("SELECT count(*) FROM ingest_held").fetchone()[0] == 0
    stored = conn.execute("SELECT count(*) FROM conversations").fetchone()[0]
    assert stored > 0
    assert conn.execute("SELECT count(*) FROM report_spans").fetchone()[0] == stored
    assert conn.execute("SELECT count(*) FROM report_dirty").fetchone()[0] == stored
    with db.write() as conn:  # and the next batch holds and lets go as usual
        ingest_batch(conn, folder_state(conn, "appointments", "INBOX"), _fetched(raws, 21),
                     own_addresses=OWN, watermark=40, now=NOW, index_text=False)
    after = conn.execute("SELECT count(*) FROM conversations").fetchone()[0]
    assert after > stored
    assert conn.execute("SELECT count(*) FROM report_assignees").fetchone()[0] == after
    db.close()
