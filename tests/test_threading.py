"""Threading decisions (pure) and how the store applies them."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from cxinbox.domain.models import Address, ParsedMessage
from cxinbox.domain.threading import (
    SubjectCandidate,
    normalize_subject,
    pick_by_references,
    pick_by_subject,
    reference_chain,
)
from cxinbox.store import ingest
from cxinbox.store.db import Database


@pytest.mark.parametrize(
    ("subject", "expected"),
    [
        ("Re: Appointment on Friday", "appointment on friday"),
        ("RE: re: Fwd: Appointment on Friday", "appointment on friday"),
        ("AW: WG: Rezept", "rezept"),
        ("Re[2]: Lab results", "lab results"),
        ("[Riverside] Re: Bill  #445", "bill #445"),
        ("SV: Tid", "tid"),
        ("Réponse", "réponse"),
        ("", ""),
    ],
)
def test_normalize_subject(subject: str, expected: str) -> None:
    assert normalize_subject(subject) == expected


def test_reference_chain_is_nearest_first_without_self() -> None:
    chain = reference_chain("c@x", "b@x", ["a@x", "b@x", "c@x"])
    assert chain == ["b@x", "a@x"]


def test_pick_by_references_uses_nearest_known() -> None:
    assert pick_by_references(["b", "a"], {"a": 1, "b": 2}) == 2
    assert pick_by_references(["z", "a"], {"a": 1}) == 1
    assert pick_by_references(["z"], {}) is None


def test_subject_fallback_needs_shared_participant_and_window() -> None:
    cands = [SubjectCandidate(5, 1_000_000, frozenset({"pat@example.org"}))]
    assert pick_by_subject("refill for lisinopril", 1_000_100, ["pat@example.org"], cands) == 5
    assert pick_by_subject("refill for lisinopril", 1_000_100, ["other@example.org"], cands) is None
    far = 1_000_000 + 30 * 86400
    assert pick_by_subject("refill for lisinopril", far, ["pat@example.org"], cands) is None
    assert pick_by_subject("question", 1_000_100, ["pat@example.org"], cands) is None


def _msg(mid: str | None, subject: str, sender: str, *, irt: str | None = None,
         refs: list[str] | None = None, day: int = 1) -> ParsedMessage:
    return ParsedMessage(
        message_id=mid, in_reply_to=irt, references=refs or [], subject=subject,
        from_addr=Address("", sender), to=[Address("", "appointments@clinic.example")], cc=[],
        reply_to=[], date=datetime(2026, 11, day, 9, 0, tzinfo=UTC), body_text="hello",
    )


def _ingest(db: Database, uid: int, parsed: ParsedMessage) -> set[int]:
    raw = f"{uid}-{parsed.message_id}-{parsed.subject}".encode()
    import hashlib

    fm = ingest.FetchedMessage(uid=uid, flags="", modseq=None, internal_date=None, raw=raw,
                               sha256=hashlib.sha256(raw).digest(), parsed=parsed)
    with db.write() as conn:
        state = ingest.folder_state(conn, "appointments", "INBOX")
        return ingest.ingest_batch(conn, state, [fm], own_addresses=frozenset(
            {"appointments@clinic.example"}), watermark=uid, now=1_800_000_000)


@pytest.fixture
def db(any_store: Database) -> Database:
    """Runs on SQLite and on PostgreSQL (conftest.any_store)."""
    return any_store


def test_reply_joins_parent_and_child_first_is_linked(db: Database) -> None:
    (c1,) = _ingest(db, 1, _msg("a@p", "Refill please", "pat@example.org"))
    (c2,) = _ingest(db, 2, _msg("b@c", "Re: Refill please", "appointments@clinic.example",
                                irt="a@p", refs=["a@p"], day=2))
    assert c1 == c2
    # The grandchild arrives before its parent: both land together once the parent comes.
    (c3,) = _ingest(db, 3, _msg("d@p", "Re: Re: X-ray", "pat2@example.org", irt="c@c",
                                refs=["c@c"], day=3))
    (c4,) = _ingest(db, 4, _msg("c@c", "Re: X-ray", "appointments@clinic.example", day=3))
    assert c3 == c4 != c1


def test_dropped_headers_thread_by_subject_and_participant(db: Database) -> None:
    (c1,) = _ingest(db, 1, _msg("a@p", "Insurance card update", "pat@example.org"))
    (c2,) = _ingest(db, 2, _msg(None, "RE: Insurance card update", "pat@example.org", day=2))
    (c3,) = _ingest(db, 3, _msg(None, "RE: Insurance card update", "stranger@example.org", day=2))
    assert c1 == c2
    assert c3 != c1


def test_duplicate_message_id_does_not_merge_strangers(db: Database) -> None:
    (c1,) = _ingest(db, 1, _msg("same@id", "Billing question about March", "a@example.org"))
    (c2,) = _ingest(db, 2, _msg("same@id", "Lab results for Tom", "b@example.org"))
    assert c1 != c2


def test_replayed_batch_inserts_nothing(db: Database) -> None:
    m = _msg("a@p", "Refill please", "pat@example.org")
    _ingest(db, 1, m)
    _ingest(db, 1, m)
    conn = db.conn
    assert conn.execute("SELECT count(*) FROM messages").fetchone()[0] == 1
    assert conn.execute("SELECT count(*) FROM locations").fetchone()[0] == 1
    assert conn.execute("SELECT message_count FROM conversations").fetchone()[0] == 1
