"""The ingest's list of messages to assess (store/triage.py `pending`): passing over a first
sync's backlog (by its stored mark, never by the Date: header) and mail already assessed by
hash gives the same messages, cursor and text as reading everything and skipping those in
Python."""

from __future__ import annotations

import time
from pathlib import Path

from cxinbox.config import load_config_text
from cxinbox.service.parsepool import parse_batch
from cxinbox.store.db import Database
from cxinbox.store.records import FetchedMessage
from support.mailgen import generate_corpus

OWN = frozenset({"appointments@riverside-clinic.example"})


NOW = int(time.time())
BACKLOG_BEFORE = NOW - 72 * 3600


def _received(i: int) -> int:
    """Every other message reached the server five days ago; the rest an hour ago."""
    return NOW - (5 * 86400 if i % 2 else 3600)


def _store(tmp_path: Path, count: int) -> Database:
    config = load_config_text(f'[clinic]\ntimezone = "UTC"\n\n[store]\npath = '
                              f'"{tmp_path / "cxinbox.db"}"\n')
    db = Database(config.db_path)
    raws = list(generate_corpus(count, seed=7))
    messages = [FetchedMessage(uid=i + 1, flags="", modseq=None, internal_date=_received(i),
                               raw=raw, sha256=sha, parsed=parsed)
                for i, (raw, (sha, parsed)) in enumerate(zip(raws, parse_batch(raws),
                                                             strict=True))]
    with db.writing() as tx:
        state = tx.folder_state("a", "INBOX")
        tx.ingest_batch(state, messages, own_addresses=OWN, watermark=count,
                        now=NOW, index_text=False, outbound=False,
                        backlog_before=BACKLOG_BEFORE)  # a first sync: it marks the backlog
    return db


def _walk(db: Database, limit: int, **kw: object) -> tuple[list[tuple], int]:
    """Every candidate from the cursor on, `limit` at a time, as the ingest reads them
    (the cursor is not moved: each page starts after the last one's `upto`)."""
    from cxinbox.store import triage

    found: list[tuple] = []
    with db.writing() as tx:
        conn = tx.conn  # type: ignore[attr-defined]
        start = int(conn.execute("SELECT upto FROM triage_cursor WHERE id = 1").fetchone()[0])
        upto = start
        while True:
            conn.execute("UPDATE triage_cursor SET upto = ? WHERE id = 1", (upto,))
            page, upto = triage.pending(conn, limit, **kw)  # type: ignore[arg-type]
            found += [(c.id, c.conversation_id, c.channel, c.date, c.subject, c.body_text,
                       c.head, c.sha256) for c in page]
            if len(page) < limit:
                break
        conn.execute("UPDATE triage_cursor SET upto = ? WHERE id = 1", (start,))
    return found, upto


def test_the_backlog_and_known_mail_are_passed_over_with_the_same_result(
        tmp_path: Path) -> None:
    db = _store(tmp_path, 120)
    try:
        with db.reading() as tx:
            rows = tx.conn.execute(  # type: ignore[attr-defined]
                "SELECT m.id, m.backlog_at IS NOT NULL, r.sha256 FROM messages m"
                " JOIN raw_messages r ON r.id = m.raw_id WHERE m.direction = 'in'"
                " ORDER BY m.id").fetchall()
        marked = {int(r[0]) for r in rows if r[1]}
        assert 20 < len(marked) < len(rows) - 20  # about half of it is backlog
        live = [int(r[0]) for r in rows if not r[1]]
        known = {bytes(r[2]) for r in rows[::3]}
        upto_all = int(max(r[0] for r in rows))
        for limit in (1000, 7):
            found, upto = _walk(db, limit, known=known)
            assert upto >= upto_all
            assert [c[0] for c in found] == live
            for got in found:
                if got[7] in known:
                    assert got[4:7] == ("", "", b"")  # not read: the caller has it
                else:
                    assert got[5]  # a real body was read
    finally:
        db.close()
