"""The ingest's list of messages to assess (store/triage.py `pending`): passing over old mail
by date and mail already assessed by hash gives the same messages, cursor and text as
reading everything and skipping those in Python (what ingest did before)."""

from __future__ import annotations

import time
from pathlib import Path

from cxinbox.config import load_config_text
from cxinbox.service.parsepool import parse_batch
from cxinbox.store.db import Database
from cxinbox.store.records import FetchedMessage
from support.mailgen import generate_corpus

OWN = frozenset({"appointments@riverside-clinic.example"})


def _store(tmp_path: Path, count: int) -> Database:
    config = load_config_text(f'[clinic]\ntimezone = "UTC"\n\n[store]\npath = '
                              f'"{tmp_path / "cxinbox.db"}"\n')
    db = Database(config.db_path)
    raws = list(generate_corpus(count, seed=7))
    messages = [FetchedMessage(uid=i + 1, flags="", modseq=None, internal_date=None, raw=raw,
                               sha256=sha, parsed=parsed)
                for i, (raw, (sha, parsed)) in enumerate(zip(raws, parse_batch(raws),
                                                             strict=True))]
    with db.writing() as tx:
        state = tx.folder_state("a", "INBOX")
        tx.ingest_batch(state, messages, own_addresses=OWN, watermark=count,
                        now=int(time.time()), index_text=False, outbound=False)
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


def test_old_and_known_mail_is_passed_over_with_the_same_result(tmp_path: Path) -> None:
    db = _store(tmp_path, 120)
    try:
        everything, upto_all = _walk(db, 1000)
        assert len(everything) > 60
        dates = sorted(c[3] for c in everything)
        since = dates[len(dates) // 2]  # half the mail is older than this
        known = {c[7] for c in everything[::3]}
        for limit in (1000, 7):
            filtered, upto = _walk(db, limit, since=since, known=known)
            assert upto == upto_all
            expected = [c for c in everything if c[3] >= since]
            assert [c[0] for c in filtered] == [c[0] for c in expected]
            for got, want in zip(filtered, expected, strict=True):
                assert got[:4] == want[:4] and got[7] == want[7]
                if want[7] in known:
                    assert got[4:7] == ("", "", b"")  # not read: the caller has it
                else:
                    assert got[4:7] == want[4:7]
                    assert want[5]  # a real body was read
    finally:
        db.close()
