"""Old means received long ago, never dated long ago (issue #13): the red-flag and intent
detectors, the parse pool beside them, the rules and their replay all judge a message's
age by when the server (IMAP INTERNALDATE) or the SMS provider received it. A patient's
phone or mail client sets the Date: header, and may set it to anything: a text written
offline and sent today, a clock a year off.

Real Dovecot, the real sync (in-process), the SMS test provider, the rules engine and the
SLA monitor, on both stores."""

from __future__ import annotations

import hashlib
import time
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from pathlib import Path
from typing import Any

from tests.support.smsprovider import SmsProvider, write_sms_config
from tests.support.smtpsink import SmtpSink, write_reply_config
from tests.test_backlog_mark import _conv, _rows, _sync
from tests.test_rules import automation, patient_mail

from cxinbox.channels.sms import SmsClient
from cxinbox.config import load_config, load_config_text
from cxinbox.domain.mime import parse_message
from cxinbox.service import redflags
from cxinbox.service.inbox import InboxService
from cxinbox.service.parsepool import parse_and_assess
from cxinbox.service.rules_preview import preview
from cxinbox.service.sla_monitor import SlaMonitor
from cxinbox.service.sms_sync import SmsPoller
from cxinbox.store.records import FetchedMessage
from cxinbox.wiring import rules_engine

ALL_DAY = "\n".join(f'{d} = ["00:00-24:00"]' for d in
                    ("mon", "tue", "wed", "thu", "fri", "sat", "sun"))
CHEST = "I have crushing chest pain right now and my left arm is numb."

RULES = '''
[[rules]]
name = "route"
on = "arrival"
actions = { tag = ["routed"] }

[[rules]]
name = "to clinician"
on = "arrival"
match = "is:red-flag"
actions = { tag = ["clinician"] }

[[sla.policies]]
name = "red flags"
calendar = "clinic"
first_response = "15m"

[triage]
red_flag_policy = "red flags"
'''


def _ago(days: float) -> datetime:
    return datetime.now(UTC) - timedelta(days=days)


def _desk(tmp: Path, dovecot: Any, store: Any) -> tuple[Any, Any]:
    sink = SmtpSink(tmp, user=dovecot.user, password=dovecot.password,
                    tls_dir=dovecot.root / "tls")
    path = write_reply_config(tmp, dovecot, sink, smtp=False,
                              extra=automation(RULES, hours=ALL_DAY, policies=True))
    config = load_config(path)
    return config, rules_engine(store, config)


def _state(store: Any, message_id: str) -> dict[str, Any]:
    [row] = _rows(store, "SELECT m.backlog_at, m.intent, m.red_flag, c.red_flag, c.priority,"
                  " c.sla_policy, c.sla_due_at, c.id FROM messages m JOIN conversations c"
                  " ON c.id = m.conversation_id WHERE m.message_id = ?", message_id)
    tags = {t for (t,) in _rows(store, "SELECT tag FROM conversation_tags"
                                " WHERE conversation_id = ?", row[7])}
    return {"backlog": row[0] is not None, "intent": row[1], "message_flag": row[2],
            "flag": row[3], "priority": row[4], "policy": row[5], "due": row[6],
            "tags": tags}


def _raised(store: Any) -> set[str]:
    return {t for (t,) in _rows(store, "SELECT target FROM events"
                                " WHERE action = 'redflag.raised'")}


def test_a_present_emergency_dated_a_year_ago_is_flagged_routed_and_timed(
        any_store: Any, dovecot: Any, tmp_path: Path) -> None:
    """On a first sync and after it: mail whose Date: is 400 days old but which the server
    received now raises its red flag, fires the arrival rules (those reading the flag
    too) and starts the red-flag SLA; mail the server received 400 days ago is a first
    sync's backlog, never flagged, no rule run."""
    store = any_store
    config, rules = _desk(tmp_path, dovecot, store)
    year_ago = format_datetime(_ago(400))
    dovecot.deliver(patient_mail("help", message_id="now@p.example", date=year_ago,
                                 sender="Nia <nia@patients.example>", body=CHEST))
    dovecot.deliver(patient_mail("help", message_id="year@p.example", date=year_ago,
                                 sender="Yan <yan@patients.example>", body=CHEST),
                    internaldate=_ago(400))
    synced = int(time.time())
    _sync(store, config, rules, dovecot)
    SlaMonitor(store, config, rules=rules).check(int(time.time()))

    live = _state(store, "now@p.example")
    assert not live["backlog"] and live["intent"]
    assert (live["message_flag"], live["flag"], live["priority"]) == (
        "chest_pain", "chest_pain", "urgent")
    assert {"routed", "clinician", "red-flag", "red-flag:chest-pain"} <= live["tags"]
    # The red flag's clock runs from its raise, now: due in 15 minutes, not a year ago.
    assert live["policy"] == "red flags"
    assert synced + 15 * 60 - 5 <= live["due"] <= int(time.time()) + 15 * 60
    old = _state(store, "year@p.example")
    assert old["backlog"] and old["intent"] is None
    assert old["message_flag"] is None and old["flag"] is None
    assert not {"routed", "clinician", "red-flag"} & old["tags"]
    assert old["policy"] != "red flags"
    assert _raised(store) == {f"conversation:{_conv(store, 'now@p.example')}"}

    # A later sync (the folder's first pass is over): the same again.
    dovecot.deliver(patient_mail("help", message_id="later@p.example", date=year_ago,
                                 sender="Lu <lu@patients.example>", body=CHEST))
    _sync(store, config, rules, dovecot)
    SlaMonitor(store, config, rules=rules).check(int(time.time()))
    later = _state(store, "later@p.example")
    assert not later["backlog"] and later["flag"] == "chest_pain"
    assert {"routed", "clinician"} <= later["tags"]
    assert later["policy"] == "red flags" and later["due"] > time.time()
    assert len(_raised(store)) == 2


OWN = frozenset({"appointments@riverside-clinic.example"})


def _mail(n: int, body: str, *, sender: str = "", headers: str = "",
          date: datetime | None = None) -> bytes:
    who = f"From: P{n} <{sender or f'p{n}@patients.example'}>\r\n" if sender != "-" else ""
    when = f"Date: {format_datetime(date)}\r\n" if date is not None else ""
    return (f"{who}To: appointments@riverside-clinic.example\r\nSubject: note {n}\r\n"
            f"{when}Message-ID: <d{n}@patients.example>\r\n{headers}\r\n{body}\r\n").encode()


def test_the_pool_and_the_ingest_assess_the_same_messages(any_store: Any) -> None:
    """A message assessed beside parsing (the sync's pool, fetch-ahead) and one the ingest
    assesses itself get the same decision: by arrival (a year-old Date: received now is
    read; a fresh Date: received a month ago is not; an unknown arrival counts as now),
    and the same machines left alone (a bounce from a daemon's mailbox quoting a
    patient, an auto-reply, no sender), a mailing read as one."""
    now = int(time.time())
    cases = [
        (_mail(1, CHEST, date=_ago(400)), now),
        (_mail(2, CHEST, date=_ago(0)), now - 30 * 86400),
        (_mail(3, f"Delivery failed.\n\n> {CHEST}", sender="MAILER-DAEMON@mx.example"), now),
        (_mail(4, CHEST, headers="Auto-Submitted: auto-replied\r\n"), now),
        (_mail(5, CHEST, sender="-"), now),
        (_mail(6, "Warning signs to watch: crushing chest pain. Unsubscribe here.",
               headers="List-Id: <news.clinic.example>\r\n"), now),
        (_mail(7, "Can I get a refill of my lisinopril?"), None),
    ]
    raws = [raw for raw, _ in cases]
    arrivals = [at for _, at in cases]
    fetched = [FetchedMessage(i + 1, "", None, at, raw, hashlib.sha256(raw).digest(),
                              parse_message(raw)) for i, (raw, at) in enumerate(cases)]
    config = load_config_text('[clinic]\ntimezone = "UTC"\n')
    with any_store.writing() as tx:
        state = tx.folder_state("appointments", "INBOX")
        tx.ingest_batch(state, fetched, own_addresses=OWN, watermark=len(cases), now=now)
    received = {f.sha256: f.internal_date for f in fetched if f.internal_date}
    _parsed, ready, _vectors = parse_and_assess(raws, OWN, now - 72 * 3600, False, arrivals)

    def findings(with_pool: bool) -> dict[str, tuple[Any, ...]]:
        class Undo(Exception):
            pass

        got: dict[str, tuple[Any, ...]] = {}
        try:
            with any_store.writing() as tx:
                redflags.triage_arrivals(tx, config, now, ready if with_pool else {},
                                         arrived=lambda c: received.get(c.sha256))
                got = {str(mid): (intent, flag) for mid, intent, flag in tx.conn.execute(
                    "SELECT message_id, intent, red_flag FROM messages").fetchall()}
                raise Undo
        except Undo:
            pass
        return got

    pooled, alone = findings(True), findings(False)
    assert pooled == alone
    assert pooled["d1@patients.example"][1] == "chest_pain"
    assert pooled["d2@patients.example"] == (None, None)  # received a month ago
    for automatic in ("d3", "d4", "d5"):
        assert pooled[f"{automatic}@patients.example"] == (None, None)
    assert pooled["d6@patients.example"][0] and pooled["d6@patients.example"][1] is None
    assert pooled["d7@patients.example"][0] == "prescription_refill"
    # The pool read exactly the messages the ingest reads (and the machines as None).
    assert {hashlib.sha256(r).digest() for r in raws[:1] + raws[5:]} == {
        k for k, v in ready.items() if v is not None}
    assert hashlib.sha256(raws[1]).digest() not in ready


CLINIC = "+15550100100"


def test_texts_follow_the_providers_time(any_store: Any, tmp_path: Path) -> None:
    """SMS: the provider's received time is the arrival. On the number's first poll a
    text it received five days ago is backlog, never flagged, no rule; one received now
    raises its flag and fires the rules."""
    with SmsProvider(numbers=[CLINIC]) as provider:
        path = write_sms_config(tmp_path, provider, [CLINIC])
        path.write_text(path.read_text() + '''
[[rules]]
name = "route"
on = "arrival"
actions = { tag = ["routed"] }
''')
        config = load_config(path)
        rules = rules_engine(any_store, config)
        provider.inject_inbound("+15557650001", CLINIC, CHEST, at=_ago(5))
        provider.inject_inbound("+15557650002", CLINIC, CHEST)
        poller = SmsPoller(any_store, config, rules=rules,
                           client_factory=lambda c, t: SmsClient(c, t, sleep=lambda s: None))
        try:
            assert poller.poll_once().new == 2
        finally:
            poller.close()
    rows = {str(number): (backlog, intent, flag, conv) for number, backlog, intent, flag, conv
            in _rows(any_store, "SELECT c.from_addr, m.backlog_at, m.intent, c.red_flag, c.id"
                     " FROM messages m JOIN conversations c ON c.id = m.conversation_id")}
    old, live = rows["+15557650001"], rows["+15557650002"]
    assert old[0] is not None and old[1:3] == (None, None)
    assert live[0] is None and live[1] and live[2] == "chest_pain"
    routed = {t for (t,) in _rows(any_store, "SELECT target FROM events"
                                  " WHERE action = 'rule.applied'")}
    assert routed == {f"conversation:{live[3]}"}


def test_rules_test_says_what_live_did_by_the_mark_not_the_date(
        any_store: Any, dovecot: Any, tmp_path: Path) -> None:
    """`rules test` marks a firing "live ran no rules" only where live did not: mail dated
    five days ago but received now was live on the first sync (the rule fired), so its
    replay row is not marked; mail received five days ago was backlog, and is."""
    store = any_store
    config, rules = _desk(tmp_path, dovecot, store)
    five = _ago(5)
    dovecot.deliver(patient_mail("Sent from my outbox", message_id="outbox@p.example",
                                 date=format_datetime(five),
                                 sender="Ola <ola@patients.example>"))
    dovecot.deliver(patient_mail("Old refill", message_id="old@p.example",
                                 date=format_datetime(five),
                                 sender="Oz <oz@patients.example>"), internaldate=five)
    _sync(store, config, rules, dovecot)
    outbox, old = _conv(store, "outbox@p.example"), _conv(store, "old@p.example")
    assert {t for (t,) in _rows(store, "SELECT target FROM events WHERE action ="
                                " 'rule.applied' AND actor = 'rule:route'")} == {
        f"conversation:{outbox}"}
    engine = rules_engine(store, config, replaying="route")
    assert engine is not None
    result = preview(InboxService(store, config, "mgarcia", rules=rules), engine, "route",
                     int(time.time()) - 7 * 86400)
    lives = {r.conversation_id: r.live for r in result.rows}
    assert set(lives) == {outbox, old}
    assert lives[outbox] == ""
    assert lives[old].startswith("backlog: live ran no rules")
    assert result.backlog == 1

