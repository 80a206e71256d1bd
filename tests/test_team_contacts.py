"""Contacts: linked from e-mail ingest (and SMS), one person across channels once staff link
the addresses, unlink and merge, the `contact:` query, and the migration backfill."""

from __future__ import annotations

import dataclasses
import sqlite3
from pathlib import Path

import pytest
from tests.teamhelp import DESK, T0, deliver, events, open_service, row

from cxinbox.config import SmsConfig, SmsNumber
from cxinbox.contract.errors import BadRequest, NotFound
from cxinbox.service.inbox import InboxService
from cxinbox.store import contacts
from cxinbox.store.db import Database
from cxinbox.store.schema import MIGRATION_1, MIGRATION_2
from cxinbox.store.sms import SmsRecord, insert_sms

PHONE = "+15559998888"


@pytest.fixture
def svc(tmp_path: Path, any_store: object) -> InboxService:
    """Runs on SQLite and on PostgreSQL (conftest.any_store)."""
    return open_service(tmp_path, store=any_store)[2]


def _sms(svc: InboxService, sid: str, body: str, at: int, name: str = "") -> int:
    with svc.store.write() as conn:
        _, conv = insert_sms(conn, SmsRecord(sid, "+15550001111", PHONE, "in", body, at,
                                             patient_name=name))
        assert conv is not None
        # What store/sms.py does for the patient side of every SMS conversation.
        contacts.link_conversation(conn, conv, PHONE, name)
    return conv


def test_email_ingest_links_the_patient(svc: InboxService) -> None:
    a = deliver(svc.store, sender="Ana@Patient.Example", name="Ana Lopez", at=T0 - 900,
                subject="Knee pain")
    b = deliver(svc.store, sender="ana@patient.example", at=T0 - 600, subject="Parking permit")
    started = deliver(svc.store, sender=DESK, to="cy@patient.example", at=T0 - 300,
                      subject="Your appointment tomorrow")
    assert row(svc.store, a)["contact_id"] == row(svc.store, b)["contact_id"] is not None
    assert row(svc.store, started)["contact_id"] is None  # nobody answered yet
    view = svc.contact_for(a)
    assert (view.names, view.emails, view.phones) == (("Ana Lopez",), ("ana@patient.example",),
                                                      ())
    assert [c.id for c in view.others] == [b]
    assert svc.contact_for(started).id is None
    assert svc.contact_for(started).emails == ("cy@patient.example",)
    # The patient answers the staff-started thread: now it has a contact.
    assert deliver(svc.store, sender="cy@patient.example", at=T0,
                   subject="Re: Your appointment tomorrow") == started
    assert svc.contact_for(started).id is not None
    svc.set_status(b, "closed")
    assert svc.contact_for(a).others == ()  # closed conversations are not listed


def test_email_and_sms_become_one_contact(svc: InboxService) -> None:
    mail = deliver(svc.store, sender="ana@patient.example", name="Ana Lopez", at=T0 - 900,
                   subject="Knee pain")
    text = _sms(svc, "SM1", "Is my x-ray ready?", T0 - 600)
    mail_contact = row(svc.store, mail)["contact_id"]
    sms_contact = row(svc.store, text)["contact_id"]
    assert mail_contact != sms_contact
    assert isinstance(sms_contact, int) and isinstance(mail_contact, int)

    svc.link_address(sms_contact, "ana@patient.example")
    assert row(svc.store, mail)["contact_id"] == sms_contact
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
    link_events = events(svc.store, "contact.link")
    assert [e["target"] for e in link_events] == [f"contact:{sms_contact}",
                                                  f"conversation:{mail}"]
    # Later mail from that address lands on the same person.
    later = deliver(svc.store, sender="ana@patient.example", at=T0, subject="Invoice")
    assert row(svc.store, later)["contact_id"] == sms_contact

    new = svc.unlink_address(sms_contact, "ANA@patient.example")
    assert row(svc.store, mail)["contact_id"] == row(svc.store, later)["contact_id"] == new
    assert row(svc.store, text)["contact_id"] == sms_contact
    assert svc.contact_for(text).others == ()
    with pytest.raises(BadRequest, match="only address"):
        svc.unlink_address(sms_contact, PHONE)

    svc.merge_contacts(sms_contact, new)
    assert {row(svc.store, c)["contact_id"] for c in (mail, text, later)} == {sms_contact}
    assert len(svc.contact_for(text).others) == 2
    with pytest.raises(BadRequest):
        svc.merge_contacts(sms_contact, sms_contact)


def test_bad_addresses(svc: InboxService) -> None:
    conv = deliver(svc.store, sender="ana@patient.example", at=T0, subject="Knee pain")
    contact = row(svc.store, conv)["contact_id"]
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


# -- finding a contact, making one on demand, what staff are shown, the audit ----------------


def _event_count(svc: InboxService) -> int:
    return int(svc.store.conn.execute("SELECT count(*) FROM events").fetchone()[0])


def test_find_a_contact_by_number_or_by_any_linked_address(svc: InboxService) -> None:
    mail = deliver(svc.store, sender="ana@patient.example", name="Ana Lopez", at=T0 - 900,
                   subject="Knee pain")
    ana = row(svc.store, mail)["contact_id"]
    assert isinstance(ana, int)
    # Linked but never wrote: found by its number in any punctuation, stored form shown.
    assert svc.link_address(ana, "+1 (555) 010-4455") == "+15550104455"
    assert svc.link_address(ana, "0044 20 7946 0958") == "+442079460958"
    assert svc.link_address(ana, "+15550104455") == "+15550104455"  # already: no event
    assert len(events(svc.store, "contact.link", f"contact:{ana}")) == 2
    for typed in ("+1 555.010.4455", "ANA@Patient.Example ", "00442079460958"):
        view = svc.contact_by_address(typed)
        assert view.id == ana and view.names == ("Ana Lopez",), typed
        assert view.phones == ("+15550104455", "+442079460958")
        assert [c.id for c in view.others] == [mail]  # by address: every open conversation
    assert svc.contact(ana) == svc.contact_by_address("ana@patient.example")

    with pytest.raises(NotFound, match=r"^no contact has the address nobody@x\.example$"):
        svc.contact_by_address("Nobody@X.example")
    with pytest.raises(NotFound, match="^no contact 999$"):
        svc.contact(999)
    for bad in ("call her at home", "12345", ""):
        with pytest.raises(BadRequest):
            svc.contact_by_address(bad)

    # A contact with no conversation at all is still found (unlink leaves one behind).
    lonely = svc.unlink_address(ana, "+442079460958")
    assert svc.contact(lonely).others == () and svc.contact(lonely).phones == ("+442079460958",)
    assert svc.contact_by_address("+44 20 7946 0958").id == lonely
    # Merged contacts forward to the live one, by number and by address.
    svc.merge_contacts(ana, lonely)
    assert svc.contact(lonely).id == ana
    assert svc.contact_by_address("+442079460958").id == ana


def test_national_numbers_use_the_clinic_country(tmp_path: Path) -> None:
    config, db, _, clock = open_service(tmp_path)
    london = dataclasses.replace(config, sms=SmsConfig(
        base_url="https://sms.example", numbers=(SmsNumber(number="+442079460000"),)))
    svc = InboxService(db, london, "maria", clock=clock)
    conv = deliver(db, sender="ana@patient.example", at=T0, subject="Knee pain")
    ana = row(db, conv)["contact_id"]
    assert isinstance(ana, int)
    assert svc.link_address(ana, "020 7946 0958") == "+442079460958"
    assert svc.contact_by_address("(020) 7946-0958").id == ana
    assert svc.canonical_address("tel:+1 (555) 010-4455") == "+15550104455"
    with pytest.raises(BadRequest, match="neither an e-mail address nor a phone number"):
        svc.link_address(ana, "call her at home")
    with pytest.raises(BadRequest, match="phone number"):
        svc.link_address(ana, "12")
    # Without an SMS number only international forms are numbers (no country to assume).
    plain = InboxService(db, config, "maria", clock=clock)
    with pytest.raises(BadRequest, match="has no country code"):
        plain.contact_by_address("020 7946 0958")
    assert plain.contact_by_address("+44 20 7946 0958").id == ana


@pytest.mark.parametrize("typed", ["555-350-4006", "(555) 350-4006", "555 350 4006",
                                   "5553504006", "+1 555 350 4006", "1-555-350-4006"])
def test_clinic_country_code_reads_national_numbers_without_sms(tmp_path: Path,
                                                                 typed: str) -> None:
    config, db, _, clock = open_service(tmp_path)
    us = dataclasses.replace(config, clinic=dataclasses.replace(config.clinic,
                                                                country_code="1"))
    assert not us.sms.numbers
    svc = InboxService(db, us, "maria", clock=clock)
    conv = deliver(db, sender="ana@patient.example", at=T0, subject="Knee pain")
    ana = row(db, conv)["contact_id"]
    assert isinstance(ana, int)
    assert svc.link_address(ana, typed) == "+15553504006"
    assert svc.contact_by_address(typed).id == ana
    assert svc.contact_for(conv).phones == ("+15553504006",)


def test_ensure_contact_for_a_conversation_staff_started(svc: InboxService) -> None:
    started = deliver(svc.store, sender=DESK, to="Cy@Patient.Example", at=T0 - 900,
                      subject="Your appointment tomorrow")
    second = deliver(svc.store, sender=DESK, to="cy@patient.example", at=T0 - 600,
                     subject="Parking at the clinic")
    assert started != second
    assert svc.contact_for(started).id is None
    with pytest.raises(NotFound):
        svc.contact_by_address("cy@patient.example")
    before = _event_count(svc)

    view = svc.ensure_contact(started)
    assert view.id is not None and view.emails == ("cy@patient.example",)
    assert [c.id for c in view.others] == [second]  # its other unanswered thread came along
    assert row(svc.store, started)["contact_id"] == row(svc.store, second)["contact_id"] == view.id
    created = events(svc.store, "contact.create")
    assert [(e["target"], e["actor"]) for e in created] == [
        (f"contact:{view.id}", "maria"), (f"conversation:{started}", "maria"),
        (f"conversation:{second}", "maria")]
    assert created[0]["conversations"] == [started, second]
    assert created[0]["address"] == "cy@patient.example"
    assert _event_count(svc) == before + 3  # one transaction: the contact and its events
    # Now it can be linked and found; asking again makes nothing new.
    assert svc.link_address(view.id, "+15550107777") == "+15550107777"
    again = svc.ensure_contact(started)
    assert again.id == view.id and len(events(svc.store, "contact.create")) == 3
    assert svc.contact_by_address("+1 555 010 7777").id == view.id

    # Staff write to a patient who already has a contact: the thread joins that contact.
    ana_conv = deliver(svc.store, sender="ana@patient.example", at=T0 - 300, subject="Knee")
    ana = row(svc.store, ana_conv)["contact_id"]
    to_ana = deliver(svc.store, sender=DESK, to="ana@patient.example", at=T0,
                     subject="Your x-ray is ready")
    assert row(svc.store, to_ana)["contact_id"] is None
    assert svc.ensure_contact(to_ana).id == ana
    assert [e["target"] for e in events(svc.store, "contact.attach")] == [
        f"contact:{ana}", f"conversation:{to_ana}"]


def test_ensure_contact_refusals(svc: InboxService) -> None:
    with pytest.raises(NotFound, match="no conversation #404"):
        svc.ensure_contact(404)
    with svc.store.write() as conn:  # a conversation with no patient address at all
        conn.execute("INSERT INTO conversations (id, created_at, last_message_at)"
                     " VALUES (77, 0, 0)")
    with pytest.raises(BadRequest, match="#77 has no patient address"):
        svc.ensure_contact(77)
    assert events(svc.store, "contact.create") == []


def test_viewing_a_contact_is_audited(svc: InboxService) -> None:
    knee = deliver(svc.store, sender="ana@patient.example", at=T0 - 900, subject="Knee pain")
    parking = deliver(svc.store, sender="ana@patient.example", at=T0 - 600, subject="Parking")
    ana = row(svc.store, knee)["contact_id"]
    started = deliver(svc.store, sender=DESK, to="cy@patient.example", at=T0,
                      subject="Your appointment")

    svc.contact_for(knee)
    svc.contact(ana)  # type: ignore[arg-type]
    svc.contact_by_address("ANA@patient.example")
    views = events(svc.store, "contact.view")
    assert [(v["actor"], v["target"]) for v in views] == [("maria", f"contact:{ana}")] * 3
    assert [v["shown"] for v in views] == [[parking], [parking, knee], [parking, knee]]
    assert (views[0]["conversation"], views[1]["asked"], views[2]["asked"]) == (
        knee, f"contact {ana}", "ana@patient.example")
    # Internal callers that show nothing to a person, and a failed look-up, record nothing.
    before = _event_count(svc)
    svc.contact_for(knee, record_view=False)
    svc.contact(ana, record_view=False)  # type: ignore[arg-type]
    svc.contact_by_address("ana@patient.example", record_view=False)
    with pytest.raises(NotFound):
        svc.contact(12345)
    assert _event_count(svc) == before
    # A conversation with no contact yet still shows its patient's address: recorded.
    assert svc.contact_for(started).id is None
    assert _event_count(svc) == before + 1
    assert events(svc.store, "contact.view")[-1]["target"] == f"conversation:{started}"
    # The audit log (supervisors) lists them like any other event.
    lead = InboxService(svc.store, svc.config, "lead")
    from cxinbox.service.audit import AuditService

    listed = [e for e in AuditService(lead).read() if e.action == "contact.view"]
    assert len(listed) == 4 and {e.actor for e in listed} == {"maria"}


async def test_contact_calls_over_the_socket(tmp_path: Path) -> None:
    """The real server and socket client: new calls are carried by name, values and errors
    come back as the same types, and the view is audited under the caller's name."""
    from tests.test_bulk_cli import fill
    from tests.test_serve_support import ME, Server, socket_dir, write_config

    from cxinbox.api.socket_client import SocketAPI, probe
    from cxinbox.config import load_config
    from cxinbox.contract.team_types import ContactView

    with socket_dir() as sockdir:
        sock = sockdir / "s.sock"
        cfg = write_config(tmp_path, sock, {ME: "admin"})
        db = Database(load_config(cfg).db_path)
        first, second = fill(db, 2)
        db.close()
        with Server(cfg, sock):
            found = probe(sock)
            assert found is not None
            api = SocketAPI(sock, *found)
            try:
                view = await api.contact_by_address("P1.Desk@Patient.Example")
                assert isinstance(view, ContactView) and view.id is not None
                assert view.emails == ("p1.desk@patient.example",)
                assert await api.link_address(view.id, "+1 (555) 010-4455") == "+15550104455"
                again = await api.contact(view.id)
                assert again.phones == ("+15550104455",) and again.others == view.others
                assert (await api.contact_by_address("+15550104455")).id == view.id
                other = await api.ensure_contact(second)  # it has one: simply shown
                assert other.id not in (None, view.id)
                with pytest.raises(NotFound, match="no contact has the address"):
                    await api.contact_by_address("nobody@x.example")
                with pytest.raises(BadRequest, match="neither"):
                    await api.contact_by_address("call her")
                audit = await api.audit()
                assert [(e.actor, e.target) for e in audit if e.action == "contact.view"] == \
                    [(ME, f"contact:{view.id}")] * 3 + [(ME, f"contact:{other.id}")]
            finally:
                await api.aclose()
    assert first != second
