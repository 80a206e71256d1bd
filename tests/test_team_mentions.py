"""@mentions in internal notes (stored, queried, counted, in the event for toasts) and taking
a note back within the undo window."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from tests.teamhelp import T0, Clock, deliver, events, open_service

from cxinbox.config import StaffMember
from cxinbox.contract.errors import BadQuery, BadRequest, Forbidden, NotFound
from cxinbox.service.inbox import InboxService
from cxinbox.service.mentions import mention_names, mentioned_users


@pytest.fixture
def people(tmp_path: Path, any_store: object) -> dict[str, InboxService]:
    """Runs on SQLite and on PostgreSQL (conftest.any_store)."""
    _, db, maria, clock = open_service(tmp_path, "maria", store=any_store)
    return {"maria": maria, "jsmith": InboxService(db, maria.config, "jsmith", clock=clock),
            "lead": InboxService(db, maria.config, "lead", clock=clock)}


def test_mention_parsing() -> None:
    staff = (StaffMember(os_user="maria", name="Maria Lopez"),
             StaffMember(os_user="jsmith", name="John Smith"),
             StaffMember(os_user="jdoe", name="John Doe"))
    assert mention_names("@Maria, can you call? cc @jsmith. mail ana@patient.example") == \
        ["maria", "jsmith"]
    assert mentioned_users("@JSMITH please", staff) == ["jsmith"]
    assert mentioned_users("@john: who is on?", staff) == ["jsmith", "jdoe"]  # both Johns
    assert mentioned_users("@maria self-reminder @nobody", staff, author="maria") == []
    assert mentioned_users("write to maria@clinic.example", staff) == []


def test_mentions_are_stored_queried_counted_and_announced(
        people: dict[str, InboxService]) -> None:
    maria, john = people["maria"], people["jsmith"]
    a = deliver(maria.store, sender="ana@patient.example", at=T0 - 600, subject="Knee")
    b = deliver(maria.store, sender="bo@patient.example", at=T0 - 300, subject="Parking permit")
    first = maria.add_note(a, "@john can you call her back? @Pat FYI")
    second = maria.add_note(b, "@jsmith the permit form is in the drawer")
    maria.add_note(b, "no mention here, ana@patient.example")

    assert [e["mentions"] for e in events(maria.store, "conversation.note")] == \
        [["jsmith", "lead"], ["jsmith"], []]
    assert john.unread_mention_count() == 2
    assert people["lead"].unread_mention_count() == 1
    assert maria.unread_mention_count() == 0
    listed = john.mentions()
    assert [(m.note_id, m.conversation_id, m.author, m.read) for m in listed] == \
        [(second, b, "maria", False), (first, a, "maria", False)]
    assert listed[0].subject == "Parking permit"

    assert [c.id for c in john.list_conversations("mentions:me").items] == [b, a]
    assert [c.id for c in maria.list_conversations("mentions:lead").items] == [a]
    assert [c.id for c in maria.list_conversations("mentions:JSMITH -mentions:lead").items] == \
        [b]
    assert maria.list_conversations("mentions:me").total == 0
    assert [c.id for c in maria.list_conversations("-mentions:none").items] == [b, a]

    assert john.mark_mentions_read(first) == 1
    assert john.unread_mention_count() == 1
    assert [m.note_id for m in john.mentions(unread_only=True)] == [second]
    assert john.mark_mentions_read(second) == 1
    assert john.mark_mentions_read(second) == 0
    assert john.unread_mention_count() == 0
    assert [e["count"] for e in events(maria.store, "mentions.read")] == [1, 1]


def test_unknown_query_values_for_new_terms(people: dict[str, InboxService]) -> None:
    with pytest.raises(BadQuery, match="contact"):
        people["maria"].list_conversations("contact:abc")
    with pytest.raises(BadQuery, match="did you mean 'mentions:'"):
        people["maria"].list_conversations("mention:me")


def test_retract_note(people: dict[str, InboxService]) -> None:
    maria, john = people["maria"], people["jsmith"]
    clock = maria._clock
    assert isinstance(clock, Clock)
    conv = deliver(maria.store, sender="ana@patient.example", at=T0 - 600, subject="Knee")
    note = maria.add_note(conv, "@jsmith wrong patient, sorry")
    assert john.unread_mention_count() == 1
    with pytest.raises(Forbidden):
        john.retract_note(note)
    with pytest.raises(NotFound):
        maria.retract_note(note + 100)
    clock.now += 119
    maria.retract_note(note)
    assert maria.get_conversation(conv, record_view=False).notes == ()
    assert john.unread_mention_count() == 0 and john.mentions() == []
    assert john.list_conversations("mentions:me").total == 0
    with pytest.raises(BadRequest, match="already"):
        maria.retract_note(note)
    # The note stays for the audit trail.
    assert maria.store.conn.execute("SELECT body FROM notes WHERE id = ?",
                                 (note,)).fetchone()[0] == "@jsmith wrong patient, sorry"
    (event,) = events(maria.store, "conversation.note.retract")
    # A retraction is the undo of adding the note, and says which event that was.
    (added,) = [seq for seq, details in maria.store.conn.execute(
        "SELECT seq, details FROM events WHERE action = 'conversation.note'")
        if json.loads(details).get("note") == note]
    assert event == {"actor": "maria", "target": f"conversation:{conv}", "note": note,
                     "undo_of": added}

    late = maria.add_note(conv, "keep me")
    clock.now += 121
    with pytest.raises(BadRequest, match="2 minutes"):
        maria.retract_note(late)
    assert [n.id for n in maria.get_conversation(conv, record_view=False).notes] == [late]
