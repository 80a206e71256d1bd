"""Contacts: linked from e-mail ingest (and SMS), one person across channels once staff link
the addresses, unlink and merge, the `contact:` query, and the migration backfill."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from tests.teamhelp import DESK, T0, deliver, events, open_service, row

from cxinbox.api.errors import BadRequest, NotFound
from cxinbox.service.inbox import InboxService
from cxinbox.store import contacts
from cxinbox.store.db import Database
from cxinbox.store.schema import MIGRATION_1, MIGRATION_2
from cxinbox.store.sms import SmsRecord, insert_sms

PHONE = "+15559998888"


@pytest.fixture
def svc(tmp_path: Path) -> InboxService:
    return open_service(tmp_path)[2]


def _sms(svc: InboxService, sid: str, body: str, at: int, name: str = "") -> int:
    with svc.db.write() as conn:
        _, conv = insert_sms(conn, SmsRecord(sid, "+15550001111", PHONE, "in", body, at,
                                             patient_name=name))
        assert conv is not None
        # What store/sms.py does for the patient side of every SMS conversation.
        contacts.link_conversation(conn, conv, PHONE, name)
    return conv


def test_email_ingest_links_the_patient(svc: InboxService) -> None:
    a = deliver(svc.db, sender="Ana@Patient.Example", name="Ana Lopez", at=T0 - 900,
                subject="Knee pain")
    b = deliver(svc.db, sender="ana@patient.example", at=T0 - 600, subject="Parking permit")
    started = deliver(svc.db, sender=DESK, to="cy@patient.example", at=T0 - 300,
                      subject="Your appointment tomorrow")
    assert row(svc.db, a)["contact_id"] == row(svc.db, b)["contact_id"] is not None
    assert row(svc.db, started)["contact_id"] is None  # nobody answered yet
    view = svc.contact_for(a)
    assert (view.names, view.emails, view.phones) == (("Ana Lopez",), ("ana@patient.example",),
                                                      ())
    assert [c.id for c in view.others] == [b]
    assert svc.contact_for(started).id is None
    assert svc.contact_for(started).emails == ("cy@patient.example",)
    # The patient answers the staff-started thread: now it has a contact.
    assert deliver(svc.db, sender="cy@patient.example", at=T0,
                   subject="Re: Your appointment tomorrow") == started
    assert svc.contact_for(started).id is not None
    svc.set_status(b, "closed")
    assert svc.contact_for(a).others == ()  # closed conversations are not listed


def test_email_and_sms_become_one_contact(svc: InboxService) -> None:
    mail = deliver(svc.db, sender="ana@patient.example", name="Ana Lopez", at=T0 - 900,
                   subject="Knee pain")
    text = _sms(svc, "SM1", "Is my x-ray ready?", T0 - 600)
    mail_contact = row(svc.db, mail)["contact_id"]
    sms_contact = row(svc.db, text)["contact_id"]
    assert mail_contact != sms_contact
    assert isinstance(sms_contact, int) and isinstance(mail_contact, int)

    svc.link_address(sms_contact, "ana@patient.example")
    assert row(svc.db, mail)["contact_id"] == sms_contact
    view = svc.contact_for(text)
    assert (view.id, view.emails, view.phones) == (sms_contact, ("ana@patient.example",),
                                                   (PHONE,))
    assert "Ana Lopez" in view.names
    assert [(c.id, c.channel) for c in view.others] == [(mail, "email")]
    assert [(c.id, c.channel) for c in svc.contact_for(mail).others] == [(text, "sms")]
    with pytest.raises(NotFound, match="merged into"):
        svc.link_address(mail_contact, "+15550002222")  # the emptied contact forwards
    assert [c.id for c in svc.list_conversations(f"contact:{sms_contact}").items] == \
        [text, mail]
    link_events = events(svc.db, "contact.link")
    assert [e["target"] for e in link_events] == [f"contact:{sms_contact}",
                                                  f"conversation:{mail}"]
    # Later mail from that address lands on the same person.
    later = deliver(svc.db, sender="ana@patient.example", at=T0, subject="Invoice")
    assert row(svc.db, later)["contact_id"] == sms_contact

    new = svc.unlink_address(sms_contact, "ANA@patient.example")
    assert row(svc.db, mail)["contact_id"] == row(svc.db, later)["contact_id"] == new
    assert row(svc.db, text)["contact_id"] == sms_contact
    assert svc.contact_for(text).others == ()
    with pytest.raises(BadRequest, match="only address"):
        svc.unlink_address(sms_contact, PHONE)

    svc.merge_contacts(sms_contact, new)
    assert {row(svc.db, c)["contact_id"] for c in (mail, text, later)} == {sms_contact}
    assert len(svc.contact_for(text).others) == 2
    with pytest.raises(BadRequest):
        svc.merge_contacts(sms_contact, sms_contact)


def test_bad_addresses(svc: InboxService) -> None:
    conv = deliver(svc.db, sender="ana@patient.example", at=T0, subject="Knee pain")
    contact = row(svc.db, conv)["contact_id"]
    assert isinstance(contact, int)
    for bad in ("not an address", "12345", "+0123", "a b@c.example"):
        with pytest.raises(BadRequest):
            svc.link_address(contact, bad)
    svc.link_address(contact, "(555) 000-1234".replace("(", "+1 ("))
    assert svc.contact_for(conv).phones == ("+15550001234",)
    with pytest.raises(NotFound):
        svc.link_address(9999, "x@y.example")


def test_migration_backfills_contacts(tmp_path: Path) -> None:
    path = tmp_path / "old.db"
    conn = sqlite3.connect(path)
    conn.executescript(MIGRATION_1 + MIGRATION_2 + "PRAGMA user_version = 2;")
    conn.executemany(
        "INSERT INTO conversations (id, from_name, from_addr, channel, created_at,"
        " last_message_at) VALUES (?, ?, ?, ?, 0, 0)",
        [(1, "Ana", "ana@patient.example", "email"), (2, "", "ANA@patient.example", "email"),
         (3, "", PHONE, "sms"), (4, "", "", "email")])
    conn.commit()
    conn.close()
    db = Database(path)
    got = {r[0]: r[1] for r in db.conn.execute("SELECT id, contact_id FROM conversations")}
    assert got[1] == got[2] is not None and got[3] not in (None, got[1]) and got[4] is None
    kinds = dict(db.conn.execute("SELECT address, kind FROM contact_addresses").fetchall())
    assert kinds == {"ana@patient.example": "email", PHONE: "phone"}
    db.close()
