"""A conversation keeps the request it is filed under when the patient follows up with
nothing to ask ("Thank you, I will wait for Monday."), and takes a new request: the rule
itself, then live on Dovecot mail, through the CLI's `intent:` query and `rules test`."""

from __future__ import annotations

import json
import time
from typing import Any

import pytest
from tests.test_rules import patient_mail, rig_factory  # noqa: F401 - the fixture
from tests.test_serve_support import cx

from cxinbox.domain.intent_kept import FOLLOW_UP_FLOOR, conversation_intent
from cxinbox.service.rules_preview import preview
from cxinbox.wiring import rules_engine


@pytest.mark.parametrize(("current", "new", "kept"), [
    (None, ("other", 0.79), ("other", 0.79)),
    (("other", 0.35), ("billing_insurance", 0.4), ("billing_insurance", 0.4)),
    (("billing_insurance", 0.82), ("other", 0.79), ("billing_insurance", 0.82)),
    (("appointment_change_cancel", 0.7), ("spam_marketing", 0.9),
     ("appointment_change_cancel", 0.7)),
    (("billing_insurance", 0.82), ("prescription_refill", 0.83), ("prescription_refill", 0.83)),
    (("billing_insurance", 0.82), ("clinical_question", 0.6), ("clinical_question", 0.6)),
    (("billing_insurance", 0.82), ("prescription_refill", FOLLOW_UP_FLOOR - 0.01),
     ("billing_insurance", 0.82)),
    (("spam_marketing", 0.9), ("referral", 0.3), ("referral", 0.3)),
    (("billing_insurance", 0.6), ("billing_insurance", 0.5), ("billing_insurance", 0.6)),
])
def test_a_follow_up_replaces_the_request_only_with_a_request(
        current: tuple[str, float] | None, new: tuple[str, float],
        kept: tuple[str, float]) -> None:
    assert conversation_intent(current, new) == kept


BILL_TEXT = ("I was charged twice for my chest x-ray, my insurance already paid."
             " Please refund it.")
REFILL_TEXT = ("Also, could you send a refill of my lisinopril to the pharmacy?"
               " I am almost out.")

RULES = '''
[[rules]]
name = "billing replies"
on = "patient-reply"
match = "intent:billing_insurance"
actions = { tag = ["billing-reply"] }
'''


def _thread() -> str:
    return "In-Reply-To: <b1@patients.example>\r\nReferences: <b1@patients.example>\r\n"


def test_thanks_keeps_the_conversation_under_its_request(rig_factory: Any) -> None:  # noqa: F811
    rig = rig_factory(RULES)
    rig.dovecot.deliver(patient_mail(
        "Charge for chest x-ray", message_id="b1@patients.example",
        body="I was charged twice for my chest x-ray, my insurance already paid."
             " Please refund it."))
    rig.sync()
    conv = rig.conv("b1@patients.example")
    rig.dovecot.deliver(patient_mail("Re: Charge for chest x-ray", message_id="b2@patients.example",
                                     extra=_thread(),
                                     body="Thank you, I will wait for Monday."))
    rig.sync()
    assert rig.conv("b2@patients.example") == conv
    intents = [tuple(r) for r in rig.db.conn.execute(
        "SELECT message_id, intent FROM messages WHERE conversation_id = ? ORDER BY id",
        (conv,))]
    # each message keeps what was read in it; the conversation keeps the request
    assert intents == [("b1@patients.example", "billing_insurance"),
                       ("b2@patients.example", "other")]
    listed = cx("list", "--json", "intent:billing_insurance", "--config", str(rig.path))
    assert listed.returncode == 0, listed.stderr
    rows = json.loads(listed.stdout)["conversations"]
    assert [(r["id"], r["intent"]) for r in rows] == [(conv, "billing_insurance")]
    # the thanks asked nothing: an intent: rule of the reply does not fire on it (the
    # conversation stays filed under the request, as listed above), and its replay agrees
    applied = [a for a, _ in rig.db.conn.execute(
        "SELECT actor, target FROM events WHERE action = 'rule.applied'")]
    assert applied == []
    engine = rules_engine(rig.db, rig.config, replaying="billing replies")
    assert engine is not None
    replay = preview(rig.desk(), engine, "billing replies", int(time.time()) - 86400)
    assert replay.triggered == 1 and replay.rows == ()

    # A new request on the thread replaces it.
    rig.dovecot.deliver(patient_mail(
        "Re: Charge for chest x-ray", message_id="b3@patients.example", extra=_thread(),
        body="Also, could you send a refill of my lisinopril to the pharmacy? I am almost out."))
    rig.sync()
    assert tuple(rig.db.conn.execute("SELECT intent FROM conversations WHERE id = ?",
                                     (conv,)).fetchone()) == ("prescription_refill",)
    gone = json.loads(cx("list", "--json", "intent:billing_insurance", "--config",
                         str(rig.path)).stdout)["conversations"]
    assert gone == []


def test_the_store_files_follow_ups_alike_on_sqlite_and_postgresql(any_store: Any) -> None:
    """The same rule where ingest applies it (store/triage.py), on both backends."""
    from tests.test_redflag_ingest import CONFIG, _arrive, _raw

    _arrive(any_store, CONFIG, 1, _raw(1, BILL_TEXT, subject="Charge for chest x-ray"))
    _arrive(any_store, CONFIG, 2, _raw(2, "Thank you, I will wait for Monday.",
                                        subject="Re: Charge for chest x-ray", reply_to=1))
    rows = any_store.conn.execute(
        "SELECT c.intent, c.intent_confidence, m.intent FROM messages m"
        " JOIN conversations c ON c.id = m.conversation_id ORDER BY m.id").fetchall()
    assert [(r[0], r[2]) for r in rows] == [("billing_insurance", "billing_insurance"),
                                           ("billing_insurance", "other")]
    assert rows[0][1] >= FOLLOW_UP_FLOOR
    _arrive(any_store, CONFIG, 3, _raw(3, REFILL_TEXT, subject="Re: Charge for chest x-ray",
                                       reply_to=1))
    assert tuple(any_store.conn.execute("SELECT intent FROM conversations").fetchone()) == (
        "prescription_refill",)


REFILL_RULE = '''
[[rules]]
name = "refills to the nurse"
on = "patient-reply"
match = "intent:prescription_refill"
actions = { assign = "tnguyen" }
'''


def test_ok_thx_does_not_take_a_refill_back_from_whom_a_person_gave_it(
        rig_factory: Any) -> None:  # noqa: F811
    """An assign rule on intent: fires when the patient asks for the refill, and not again
    on every content-free reply after a person handed the conversation on; a request
    asked again fires it again. `rules test` says the same."""
    rig = rig_factory(REFILL_RULE)
    rig.dovecot.deliver(patient_mail(
        "Charge for chest x-ray", message_id="b1@patients.example", body=BILL_TEXT))
    rig.sync()
    conv = rig.conv("b1@patients.example")
    rig.dovecot.deliver(patient_mail("Re: Charge for chest x-ray",
                                     message_id="b2@patients.example", extra=_thread(),
                                     body=REFILL_TEXT))
    rig.sync()

    def assignee() -> str | None:
        row = rig.db.conn.execute("SELECT assignee, intent FROM conversations WHERE id = ?",
                                  (conv,)).fetchone()
        assert row[1] == "prescription_refill"
        return row[0]  # type: ignore[no-any-return]

    assert assignee() == "tnguyen"
    rig.desk().assign(conv, "mgarcia")  # a person hands it on
    rig.dovecot.deliver(patient_mail("Re: Charge for chest x-ray",
                                     message_id="b3@patients.example", extra=_thread(),
                                     body="ok thx"))
    rig.sync()
    assert rig.conv("b3@patients.example") == conv
    assert assignee() == "mgarcia"
    assigned = [(a, d["to"]) for a, _, d in rig.events("conversation.assign")]
    assert assigned == [("rule:refills to the nurse", "tnguyen"), ("mgarcia", "mgarcia")]
    engine = rules_engine(rig.db, rig.config, replaying="refills to the nurse")
    assert engine is not None
    replay = preview(rig.desk(), engine, "refills to the nurse", int(time.time()) - 86400)
    assert replay.triggered == 2
    assert [(r.conversation_id, r.would) for r in replay.rows] == [(conv, ("assign tnguyen",))]

    # The patient asks for the refill again: that message brought it, the rule fires.
    rig.dovecot.deliver(patient_mail(
        "Re: Charge for chest x-ray", message_id="b4@patients.example", extra=_thread(),
        body="Could you please send the refill of my lisinopril to the pharmacy? I am out."))
    rig.sync()
    assert assignee() == "tnguyen"
