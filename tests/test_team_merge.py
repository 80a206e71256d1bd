"""Merging conversations and splitting messages out, on the real store, including where
mail that arrives afterwards threads to."""

from __future__ import annotations

from pathlib import Path

import pytest
from tests.teamhelp import DESK, T0, deliver, events, open_service, row

from cxinbox.contract.errors import BadRequest, NotFound
from cxinbox.service.inbox import InboxService
from cxinbox.store import conversations as convs
from cxinbox.store.db import verify_event_chain
from cxinbox.store.sms import SmsRecord, insert_sms


@pytest.fixture
def svc(tmp_path: Path, any_store: object) -> InboxService:
    """Runs on SQLite and on PostgreSQL (conftest.any_store)."""
    return open_service(tmp_path, store=any_store)[2]


def _ids(svc: InboxService, query: str = "") -> list[int]:
    return [c.id for c in svc.list_conversations(query).items]


def test_merge_moves_everything_and_forwards(svc: InboxService) -> None:
    a = deliver(svc.store, sender="ana@patient.example", at=T0 - 7200, subject="Lab results",
                message_id="a1@p", seen=True)
    b = deliver(svc.store, sender="ana.l@work.example", at=T0 - 600, subject="Fasting question",
                message_id="b1@p", name="Ana L")
    assert a != b
    svc.tag(a, add=["lab"])
    svc.tag(b, add=["fasting", "lab"])
    svc.assign(a, "jsmith")
    svc.add_note(b, "she asked twice")
    svc.merge(a, b)

    assert _ids(svc) == [a]
    with pytest.raises(NotFound, match=f"merged into #{a}"):
        svc.get_conversation(b)
    for action in (lambda: svc.tag(b, add=["x"]), lambda: svc.set_status(b, "closed"),
                   lambda: svc.add_note(b, "x"), lambda: svc.merge(a, b)):
        with pytest.raises(NotFound, match="merged into"):
            action()
    detail = svc.get_conversation(a, record_view=False)
    s = detail.summary
    assert [m.subject for m in detail.messages] == ["Lab results", "Fasting question"]
    assert [n.body for n in detail.notes] == ["she asked twice"]
    assert s.tags == ("fasting", "lab") and s.assignee == "jsmith"
    assert (s.message_count, s.unread_count, s.last_message_at) == (2, 1, T0 - 600)
    assert (s.from_addr, s.subject) == ("ana@patient.example", "Lab results")
    assert set(str(row(svc.store, a)["participants"]).split()) == {"ana@patient.example",
                                                                "ana.l@work.example"}
    assert convs.tags_for(svc.store.conn, [b])[b] == []
    (into_event,) = events(svc.store, "conversation.merge")
    assert set(into_event.pop("undo")) >= {"messages", "notes", "tags", "gained"}  # type: ignore[arg-type]
    assert into_event == {"actor": "maria", "target": f"conversation:{a}", "other": b,
                          "messages": 1, "notes": 1, "tags": ["fasting"]}
    (other_event,) = events(svc.store, "conversation.merged")
    assert other_event["target"] == f"conversation:{b}" and other_event["into"] == a
    assert verify_event_chain(svc.store.conn) == (True, None)

    # A later reply to the merged conversation's message lands in the merge target,
    # and (being from the patient) reopens it if it was closed.
    svc.set_status(a, "closed")
    later = deliver(svc.store, sender="ana.l@work.example", at=T0, subject="Re: Fasting question",
                    message_id="b2@p", in_reply_to="b1@p", references=("b1@p",))
    assert later == a
    assert row(svc.store, a)["status"] == "open" and row(svc.store, a)["message_count"] == 3


def test_unmerge_puts_everything_back_and_keeps_what_came_later(svc: InboxService) -> None:
    a = deliver(svc.store, sender="ana@patient.example", at=T0 - 7200, subject="Lab results",
                message_id="a1@p", seen=True)
    b = deliver(svc.store, sender="ben@patient.example", at=T0 - 600, subject="Parking question",
                message_id="b1@p", name="Ben K")
    svc.tag(a, add=["lab"])
    svc.tag(b, add=["parking", "lab"])
    svc.assign(b, "jsmith")
    svc.set_priority(b, "high")
    svc.add_note(b, "asked about the garage")
    before_a, before_b = row(svc.store, a), row(svc.store, b)
    svc.merge(a, b)
    # Staff work on the merged conversation before noticing the mistake.
    svc.add_note(a, "written after the merge")
    later = deliver(svc.store, sender="ana@patient.example", at=T0, subject="Re: Lab results",
                    message_id="a2@p", in_reply_to="a1@p")
    assert later == a
    svc.unmerge(a, b)

    assert sorted(_ids(svc)) == sorted([a, b])
    da = svc.get_conversation(a, record_view=False)
    db_ = svc.get_conversation(b, record_view=False)
    assert [m.subject for m in da.messages] == ["Lab results", "Re: Lab results"]
    assert [m.subject for m in db_.messages] == ["Parking question"]
    assert [n.body for n in db_.notes] == ["asked about the garage"]
    assert [n.body for n in da.notes] == ["written after the merge"]
    assert da.summary.tags == ("lab",) and db_.summary.tags == ("lab", "parking")
    assert (db_.summary.assignee, db_.summary.priority) == ("jsmith", "high")
    assert db_.summary.from_addr == "ben@patient.example"
    for key in ("message_count", "unread_count", "participants", "subject", "from_addr"):
        assert row(svc.store, b)[key] == before_b[key], key
    assert row(svc.store, a)["participants"] == before_a["participants"]
    # Mail in b's thread threads to b again.
    assert deliver(svc.store, sender="ben@patient.example", at=T0 + 60,
                   subject="Re: Parking question", message_id="b2@p", in_reply_to="b1@p") == b
    (undo_event,) = events(svc.store, "conversation.unmerge")
    assert undo_event["other"] == b and undo_event["messages"] == 1
    assert verify_event_chain(svc.store.conn) == (True, None)
    with pytest.raises(BadRequest, match="not merged"):
        svc.unmerge(a, b)


def test_unmerge_keeps_a_contact_made_after_the_merge(svc: InboxService) -> None:
    a = deliver(svc.store, sender="ana@patient.example", at=T0 - 600, subject="Form",
                message_id="f1@p")
    b = deliver(svc.store, sender="ana@patient.example", at=T0 - 300, subject="Other form",
                message_id="f2@p")
    with svc.store.write() as conn:  # as for conversations the desk started: no contact yet
        conn.execute("UPDATE conversations SET contact_id = NULL WHERE id IN (?, ?)", (a, b))
    svc.merge(a, b)
    made = svc.ensure_contact(a)
    assert made.id is not None
    svc.unmerge(a, b)
    assert row(svc.store, a)["contact_id"] == made.id


def test_unmerge_takes_back_a_copied_contact(svc: InboxService) -> None:
    a = deliver(svc.store, sender="ana@patient.example", at=T0 - 600, subject="Form",
                message_id="g1@p")
    b = deliver(svc.store, sender="ben@patient.example", at=T0 - 300, subject="Parking",
                message_id="g2@p")
    ben = row(svc.store, b)["contact_id"]
    with svc.store.write() as conn:
        conn.execute("UPDATE conversations SET contact_id = NULL WHERE id = ?", (a,))
    svc.merge(a, b)
    assert row(svc.store, a)["contact_id"] == ben  # copied from the merged conversation
    svc.unmerge(a, b)
    assert row(svc.store, a)["contact_id"] is None and row(svc.store, b)["contact_id"] == ben


def test_merge_chain_forwards_to_the_last_target(svc: InboxService) -> None:
    a = deliver(svc.store, sender="p1@x.example", at=T0 - 300, subject="Alpha thing", message_id="a@x")
    b = deliver(svc.store, sender="p2@x.example", at=T0 - 200, subject="Beta thing", message_id="b@x")
    c = deliver(svc.store, sender="p3@x.example", at=T0 - 100, subject="Gamma thing", message_id="c@x")
    svc.merge(b, a)
    svc.merge(c, b)
    with pytest.raises(NotFound, match=f"merged into #{c}"):
        svc.get_conversation(a)
    assert deliver(svc.store, sender="p1@x.example", at=T0, subject="Re: Alpha thing",
                   message_id="a2@x", in_reply_to="a@x") == c
    assert row(svc.store, c)["message_count"] == 4


def test_merge_refusals(svc: InboxService) -> None:
    a = deliver(svc.store, sender="p1@x.example", at=T0, subject="Alpha thing")
    with pytest.raises(BadRequest):
        svc.merge(a, a)
    with pytest.raises(NotFound):
        svc.merge(a, 999)
    with svc.store.write() as conn:
        _, sms = insert_sms(conn, SmsRecord("SM1", "+15550001111", "+15559998888", "in",
                                            "hi", T0))
    assert sms is not None
    with pytest.raises(BadRequest, match="link their contact"):
        svc.merge(a, sms)


def _chain(svc: InboxService) -> tuple[int, list[int]]:
    """A -> B -> C -> D, each replying to the previous (References carry the chain)."""
    conv = deliver(svc.store, sender="ana@patient.example", at=T0 - 4000, subject="Knee pain",
                   message_id="A@p")
    refs: tuple[str, ...] = ("A@p",)
    steps = [("B@c", DESK), ("C@p", "ana@patient.example"), ("D@c", DESK)]
    for n, (mid, sender) in enumerate(steps, 1):
        to = "ana@patient.example" if sender == DESK else DESK
        assert deliver(svc.store, sender=sender, to=to, at=T0 - 4000 + n * 600,
                       subject="Re: Knee pain", message_id=mid, in_reply_to=refs[-1],
                       references=refs) == conv
        refs = (*refs, mid)
    pks = [r[0] for r in svc.store.conn.execute(
        "SELECT id FROM messages WHERE conversation_id = ? ORDER BY date", (conv,))]
    return conv, pks


def test_split_moves_the_reply_chain_with_fresh_state(svc: InboxService) -> None:
    conv, (a, b, c, d) = _chain(svc)
    svc.assign(conv, "jsmith")
    svc.tag(conv, add=["ortho"])
    svc.set_status(conv, "pending")
    svc.add_note(conv, "booked x-ray")
    new = svc.split(c)
    old = svc.get_conversation(conv, record_view=False)
    fresh = svc.get_conversation(new, record_view=False)
    assert [m.id for m in old.messages] == [a, b]
    assert [m.id for m in fresh.messages] == [c, d]
    assert (old.summary.assignee, old.summary.tags, old.summary.status) == \
        ("jsmith", ("ortho",), "pending")
    assert len(old.notes) == 1 and fresh.notes == ()
    s = fresh.summary
    assert (s.status, s.assignee, s.priority, s.tags) == ("open", None, "normal", ())
    assert (s.message_count, s.created_at, s.last_message_at) == (2, T0 - 2800, T0 - 2200)
    assert (s.from_addr, s.subject, s.first_response_at) == \
        ("ana@patient.example", "Re: Knee pain", T0 - 2200)
    assert (old.summary.message_count, old.summary.last_message_at) == (2, T0 - 3400)
    assert old.summary.first_response_at == T0 - 3400
    assert old.summary.last_inbound_at == T0 - 4000
    assert row(svc.store, new)["contact_id"] == row(svc.store, conv)["contact_id"] is not None
    (split_event,) = events(svc.store, "conversation.split")
    assert split_event["target"] == f"conversation:{conv}" and split_event["new"] == new
    assert split_event["messages"] == [c, d]
    (from_event,) = events(svc.store, "conversation.split_from")
    assert from_event["target"] == f"conversation:{new}" and from_event["from"] == conv

    # Mail that replies to a moved message follows it; mail replying to A stays.
    assert deliver(svc.store, sender="ana@patient.example", at=T0, subject="Re: Knee pain",
                   message_id="E@p", in_reply_to="D@c", references=("A@p", "C@p", "D@c")) == new
    assert deliver(svc.store, sender="ana@patient.example", at=T0 + 10, subject="Re: Knee pain",
                   message_id="F@p", in_reply_to="B@c", references=("A@p", "B@c")) == conv

    # Round trip: merging back restores one conversation holding every message.
    svc.merge(conv, new)
    assert [m.id for m in svc.get_conversation(conv, record_view=False).messages][:4] == \
        [a, b, c, d]
    assert row(svc.store, conv)["message_count"] == 6


def test_split_refusals(svc: InboxService) -> None:
    conv, (a, *_rest) = _chain(svc)
    with pytest.raises(BadRequest, match="nothing would be left"):
        svc.split(a)
    with pytest.raises(NotFound):
        svc.split(123456)
    assert row(svc.store, conv)["message_count"] == 4


def test_an_open_red_flag_comes_along_into_the_merged_conversation(svc: InboxService) -> None:
    a = deliver(svc.store, sender="ana@patient.example", at=T0 - 7200, subject="Refill",
                message_id="rf-a@p")
    b = deliver(svc.store, sender="ana.l@work.example", at=T0 - 600, subject="Chest",
                message_id="rf-b@p")
    svc.tag(b, add=["red-flag"])  # a person's flag: open until a clinician clears it
    svc.merge(a, b)
    assert svc.get_conversation(a).summary.red_flag_open
    assert _ids(svc, "is:red-flag") == [a]
