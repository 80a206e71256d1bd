"""Mail that arrived just inside `[triage] backlog_hours` is screened or marked, never
neither: the sync's ingest marks late mail (`messages.unscreened_at`) by the cut-off it
took before its parse pool answered, and the detectors must pass over mail by that same
cut-off, not by one taken later (a busy pool can take many seconds)."""

from __future__ import annotations

import hashlib
import time
from pathlib import Path

from tests.test_redflag_state import CONFIG, OWN, _raw

from cxinbox.domain.mime import parse_message
from cxinbox.service import redflags
from cxinbox.store.db import Database
from cxinbox.store.ingest import folder_state, ingest_batch
from cxinbox.store.records import FetchedMessage
from cxinbox.store.sqlite_tx import SqliteTx

CHEST = "I have crushing chest pain right now and my left arm is numb."


def _store(db: Database, uid: int, body: str, arrived: int, *, now: int,
           oldest: int | None) -> None:
    raw = _raw(uid, body, sender=f"p{uid}@patient.example")
    with db.write() as conn:
        state = folder_state(conn, "desk", "INBOX")
        ingest_batch(conn, state, [FetchedMessage(uid, "", None, arrived, raw,
                     hashlib.sha256(raw).digest(), parse_message(raw))],
                     own_addresses=OWN, watermark=uid, now=now, backlog_before=oldest)


def test_mail_arrived_between_two_cutoffs_is_screened(tmp_path: Path) -> None:
    db = Database(tmp_path / "d" / "c.db", synchronous="OFF")
    try:
        took = int(time.time())  # when the sync took its cut-off, before the pool
        oldest = took - CONFIG.triage.backlog_hours * 3600
        _store(db, 1, "hello, just a question about parking", took - 60, now=took,
               oldest=None)  # an earlier pass: what follows is not a first sync
        with db.write() as conn:
            redflags.triage_arrivals(SqliteTx(conn), CONFIG, took)
        now = took + 20  # the store, 20 s later: the pool was busy
        arrived = oldest + 5  # after the ingest's cut-off, before one taken now
        _store(db, 2, CHEST, arrived, now=now, oldest=oldest)
        with db.write() as conn:
            raised = redflags.triage_arrivals(SqliteTx(conn), CONFIG, now,
                                              arrived=lambda cand: arrived, oldest=oldest)
            unscreened, intent = conn.execute(
                "SELECT unscreened_at, intent FROM messages WHERE raw_id ="
                " (SELECT max(id) FROM raw_messages)").fetchone()
        assert unscreened is None  # not late by the ingest's cut-off ...
        assert [r.category for r in raised] == ["chest_pain"]  # ... so it is screened
        assert intent is not None
    finally:
        db.close()
