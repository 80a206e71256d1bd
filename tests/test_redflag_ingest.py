"""Detection at ingest on a real SQLite file: what is assessed, what never fails ingest, what
is logged (never the patient's words), and the one-alert-per-episode rule."""

from __future__ import annotations

import hashlib
import json
import logging
import time
from pathlib import Path
from typing import Any

import pytest

from cxinbox.config import Config, load_config_text
from cxinbox.domain import triage
from cxinbox.domain.mime import parse_message
from cxinbox.service import redflags
from cxinbox.service.inbox import InboxService
from cxinbox.store.db import Database
from cxinbox.store.ingest import FetchedMessage, folder_state, ingest_batch
from cxinbox.store.sqlite_tx import SqliteTx

OWN = frozenset({"desk@clinic.example"})
NOW = int(time.time())


def _raw(n: int, body: str, *, subject: str = "Question", headers: str = "",
         reply_to: int | None = None, sender: str = "pat@patient.example") -> bytes:
    thread = (f"In-Reply-To: <m{reply_to}@patient.example>\r\n"
              f"References: <m{reply_to}@patient.example>\r\n") if reply_to else ""
    return (f"From: Pat <{sender}>\r\nTo: desk@clinic.example\r\nSubject: {subject}\r\n"
            f"Message-ID: <m{n}@patient.example>\r\n{thread}{headers}\r\n{body}\r\n").encode()


def _arrive(db: Database, config: Config, uid: int, raw: bytes,
            at: int = NOW) -> list[redflags.Raised]:
    with db.write() as conn:
        state = folder_state(conn, "desk", "INBOX")
        fetched = FetchedMessage(uid, "", None, at, raw, hashlib.sha256(raw).digest(),
                                 parse_message(raw))
        ingest_batch(conn, state, [fetched], own_addresses=OWN, watermark=uid, now=NOW)
        # As the sync does: the arrival is the INTERNALDATE it fetched, by raw hash.
        return redflags.triage_arrivals(SqliteTx(conn), config, NOW,
                                        arrived=lambda c: at if c.sha256 == fetched.sha256
                                        else None)


def _row(db: Database, message_id: str) -> tuple[object, ...]:
    return tuple(db.conn.execute(
        "SELECT m.intent, m.red_flag, m.red_flag_matched, c.red_flag, c.priority, c.id"
        " FROM messages m JOIN conversations c ON c.id = m.conversation_id"
        " WHERE m.message_id = ?", (message_id,)).fetchone())


@pytest.fixture
def db(any_store: Database) -> Database:
    """Runs on SQLite and on PostgreSQL (conftest.any_store)."""
    return any_store


CONFIG = load_config_text('[[staff]]\nos_user = "drlee"\nname = "Dr Lee"\nclinical = true\n'
                          '[[staff]]\nos_user = "ann"\nname = "Ann"\n')


def test_one_alert_per_episode_and_again_after_clearing(db: Database) -> None:
    first = _arrive(db, CONFIG, 1, _raw(1, "I have crushing chest pain since last night."))
    assert [(r.category, r.message_pk) for r in first] == [("chest_pain", 1)]
    intent, flag, matched, open_flag, priority, conv = _row(db, "m1@patient.example")
    assert (flag, open_flag, priority) == ("chest_pain", "chest_pain", "urgent")
    assert matched == "crushing chest" and intent
    # the same symptom in a reply while the flag is open: recorded, nobody alerted again
    assert _arrive(db, CONFIG, 2, _raw(2, "The chest pain is crushing, still there.",
                                       reply_to=1)) == []
    assert _row(db, "m2@patient.example")[1] == "chest_pain"
    tags = {r[0] for r in db.conn.execute(
        "SELECT tag FROM conversation_tags WHERE conversation_id = ?", (conv,))}
    assert tags == {"red-flag", "red-flag:chest-pain"}
    raised = db.conn.execute("SELECT count(*) FROM events WHERE action = 'redflag.raised'")
    assert raised.fetchone()[0] == 1
    # an agent may not clear it; a clinician may, with a reason
    with pytest.raises(Exception, match=r"only a clinician \(Dr Lee\), a supervisor or an admin"):
        InboxService(db, CONFIG, "ann").clear_red_flag(int(str(conv)), "fine")
    assert db.conn.execute("SELECT count(*) FROM events WHERE action = 'access.denied'"
                           ).fetchone()[0] == 1
    InboxService(db, CONFIG, "drlee").clear_red_flag(int(str(conv)), "called, sent to ER")
    with db.reading() as tx:
        assert not redflags.red_flag_open(tx, int(str(conv)))
    details = json.loads(db.conn.execute(
        "SELECT details FROM events WHERE action = 'redflag.cleared'").fetchone()[0])
    assert details["reason"] == "called, sent to ER"
    # a NEW message with a red flag raises it again
    again = _arrive(db, CONFIG, 3, _raw(3, "Crushing chest pain again, came back.",
                                        reply_to=2))
    assert [r.conversation_id for r in again] == [conv]


def test_traps_old_mail_and_machines_are_not_flagged(db: Database) -> None:
    assert _arrive(db, CONFIG, 1, _raw(1, "This bill is giving me a heart attack!")) == []
    assert _arrive(db, CONFIG, 2, _raw(2, "No chest pain anymore, thanks.",
                                       sender="b@patient.example")) == []
    old = _arrive(db, CONFIG, 3, _raw(3, "crushing chest pain", sender="c@patient.example"),
                  at=NOW - 30 * 86400)  # received a month ago, fetched only now
    assert old == [] and _row(db, "m3@patient.example")[0] is None  # not assessed
    auto = _arrive(db, CONFIG, 4, _raw(4, "crushing chest pain", sender="d@patient.example",
                                       headers="Auto-Submitted: auto-replied\r\n"))
    assert auto == [] and _row(db, "m4@patient.example")[0] is None
    assert db.conn.execute("SELECT count(*) FROM conversations WHERE red_flag IS NOT NULL"
                           ).fetchone()[0] == 0


def test_old_by_date_but_received_now_is_assessed(db: Database) -> None:
    """"Old" is when the server received it, never the Date: the sender's phone or mail
    client set: a text written offline a year ago (or a clock a year off), received now,
    raises its flag; one dated today that the server received a month ago does not."""
    year_ago = time.strftime("%a, %d %b %Y %H:%M:%S +0000", time.gmtime(NOW - 400 * 86400))
    raised = _arrive(db, CONFIG, 1, _raw(1, "I have crushing chest pain right now.",
                                         headers=f"Date: {year_ago}\r\n"))
    assert [r.category for r in raised] == ["chest_pain"]
    intent, flag, _matched, open_flag, priority, _conv = _row(db, "m1@patient.example")
    assert (flag, open_flag, priority) == ("chest_pain", "chest_pain", "urgent") and intent
    [(stored,)] = db.conn.execute("SELECT date FROM messages WHERE message_id ="
                                  " 'm1@patient.example'").fetchall()
    assert int(stored) < NOW - 399 * 86400  # the list still shows the date it was given
    today = time.strftime("%a, %d %b %Y %H:%M:%S +0000", time.gmtime(NOW))
    late = _arrive(db, CONFIG, 2, _raw(2, "crushing chest pain", sender="q@patient.example",
                                       headers=f"Date: {today}\r\n"),
                   at=NOW - 30 * 86400)
    assert late == [] and _row(db, "m2@patient.example")[0] is None


def test_a_detector_failure_stores_the_message_and_logs_no_text(
        db: Database, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture) -> None:
    def broken(body: str, **_kw: object) -> object:
        raise ValueError(f"cannot read {body!r}")  # a message that quotes the patient

    monkeypatch.setattr(triage, "inspect", broken)  # where the ingest reads it, when it runs
    with caplog.at_level(logging.DEBUG):
        assert _arrive(db, CONFIG, 1, _raw(1, "Zorblatt crushing chest pain")) == []
    assert db.conn.execute("SELECT count(*) FROM messages").fetchone()[0] == 1
    assert _row(db, "m1@patient.example")[0] is None
    assert "ValueError" in caplog.text
    assert "Zorblatt" not in caplog.text and "chest" not in caplog.text
    # the cursor moved on: the next batch is assessed normally
    monkeypatch.undo()
    assert [r.category for r in _arrive(
        db, CONFIG, 2, _raw(2, "crushing chest pain", sender="e@patient.example"))] == \
        ["chest_pain"]


def test_a_broken_store_call_never_fails_ingest(
        db: Database, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture) -> None:
    def boom(self: SqliteTx, limit: int) -> object:
        raise RuntimeError("boom")

    monkeypatch.setattr(SqliteTx, "triage_pending", boom)
    with caplog.at_level(logging.ERROR):
        assert _arrive(db, CONFIG, 1, _raw(1, "crushing chest pain")) == []
    assert db.conn.execute("SELECT count(*) FROM messages").fetchone()[0] == 1
    assert "triage at ingest failed" in caplog.text


def test_config_checks_the_policy_name_and_the_texts() -> None:
    from cxinbox.config import ConfigError

    with pytest.raises(ConfigError, match="no \\[\\[sla.policies\\]\\] entry is named"):
        load_config_text('[triage]\nred_flag_policy = "nope"\n')
    with pytest.raises(ConfigError, match="must not be empty"):
        load_config_text('[triage]\nemergency_text = " "\n')
    ok = load_config_text('[[sla.policies]]\nname = "red flags"\nfirst_response = "15m"\n'
                          '[triage]\nred_flag_policy = "red flags"\n')
    assert ok.triage.red_flag_policy == "red flags"


def test_query_names_match_the_detectors() -> None:
    from cxinbox.domain import query, triage

    assert query.INTENT_NAMES == tuple(triage.INTENTS)
    assert query.RED_FLAG_NAMES == tuple(triage.CATEGORIES)


def test_bulk_sync_assesses_in_the_parse_pool_exactly_as_one_by_one(
        dovecot: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A bulk fetch (>= 300 messages) runs the detectors beside MIME parsing in the parse
    pool; a small one runs them on the ingest thread. Both must store the same findings."""
    from tests.support.mailgen import generate_corpus
    from tests.synchelp import make_sync, write_config

    from cxinbox.service import sync

    dovecot.deliver_many(generate_corpus(400, seed=3), "INBOX")
    found = []
    for name, threshold in (("pool", 300), ("inline", 10**9)):
        monkeypatch.setattr(sync, "_POOL_THRESHOLD", threshold)
        (tmp_path / name).mkdir()
        _config, db, engine = make_sync(write_config(tmp_path / name, dovecot))
        try:
            engine.sync_once()
            found.append(db.conn.execute(
                "SELECT message_id, intent, intent_confidence, red_flag, red_flag_matched"
                " FROM messages ORDER BY message_id").fetchall())
        finally:
            engine.close()
            db.close()
    pool, inline = found
    assert pool == inline
    assessed = [row for row in pool if row[1] is not None]
    assert assessed and len(assessed) < len(pool)  # the recent inbound ones only
    assert [row[3] for row in pool if row[3]] == ["chest_pain"]  # the corpus's one red flag


def test_a_header_block_past_the_stored_head_gets_the_pools_answer(db: Database) -> None:
    """The ingest keeps the first HEAD_BYTES of an email (its header block, as a rule);
    the parse pool has the whole message. With 20 KiB of Received: lines before an
    Auto-Submitted header, both read the same bytes and give the same answer: the
    message is assessed (a header past the cut counts for neither)."""
    from cxinbox.service.parsepool import HEAD_BYTES, assess_parsed

    hops = "".join(f"Received: from relay{n}.example by mx.clinic.example; hop {n:04d}\r\n"
                   for n in range(400))
    assert len(hops) > HEAD_BYTES
    raw = _raw(1, "I have crushing chest pain since last night.",
               headers=hops + "Auto-Submitted: auto-replied\r\n")
    parsed = parse_message(raw)
    assert parsed.auto_submitted  # the whole message says so, past the stored head
    pooled = assess_parsed(raw, parsed, own=OWN)
    raised = _arrive(db, CONFIG, 1, raw)
    assert pooled is not None and pooled.red_flag is not None
    assert [r.category for r in raised] == [pooled.red_flag] == ["chest_pain"]
    short = _raw(2, "I have crushing chest pain since last night.",
                 sender="q@patient.example", headers="Auto-Submitted: auto-replied\r\n")
    assert assess_parsed(short, parse_message(short), own=OWN) is None
    assert _arrive(db, CONFIG, 2, short) == []
