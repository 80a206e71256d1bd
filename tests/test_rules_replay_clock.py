"""`rules test` reads the clock the live rules read (migration 28): a patient's message by
when the server received it (IMAP INTERNALDATE), its Date: only when the server said
nothing. Real Dovecot mail synced in-process into SQLite on disk; the messages' Date: and
INTERNALDATE differ by months."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from typing import Any

from tests.test_rules import patient_mail, rig_factory  # noqa: F401 - the fixture
from tests.test_serve_support import cx

BILL = "I was charged twice on my bill, my insurance already paid the copay. Please refund it."
RULES = '''
[[rules]]
name = "billing desk"
on = "arrival"
match = "intent:billing_insurance"
actions = { tag = ["billing-desk"] }

[[rules]]
name = "billing again"
on = "patient-reply"
match = "intent:billing_insurance"
actions = { tag = ["billing-again"] }
'''


def _replayed(rig: Any, rule: str) -> list[tuple[int, list[str]]]:
    shown = cx("rules", "test", rule, "--since", "30d", "--json", "--config", str(rig.path))
    assert shown.returncode == 0, shown.stderr
    return sorted((c["conversation"], c["would"])
                  for c in json.loads(shown.stdout)["conversations"])


def _live(rig: Any, rule: str) -> list[int]:
    return sorted(int(t.partition(":")[2]) for a, t, _ in rig.events("rule.applied")
                  if a == f"rule:{rule}")


def test_the_replay_reads_arrival_not_the_date_a_sender_wrote(
        rig_factory: Any) -> None:  # noqa: F811
    rig = rig_factory(RULES)
    now = datetime.now(UTC)
    # Dated a year ago, received now (a mail stuck in an outbox): in a 30-day replay.
    rig.dovecot.deliver(patient_mail("my bill", message_id="old@p.example", body=BILL,
                                     date=format_datetime(now - timedelta(days=365)),
                                     sender="Ann <ann@patients.example>"), internaldate=now)
    # Dated 20 hours ahead (a wrong clock; ingest believes up to a day ahead), received
    # now: it was there at its arrival, not "later".
    rig.dovecot.deliver(patient_mail("refund", message_id="ahead@p.example", body=BILL,
                                     date=format_datetime(now + timedelta(hours=20)),
                                     sender="Bo <bo@patients.example>"), internaldate=now)
    # Cy asks about parking, then writes again about the bill with a Date: 20 hours ahead.
    rig.dovecot.deliver(patient_mail("parking", message_id="cy1@p.example",
                                     body="Where do I park for my visit on Tuesday?",
                                     sender="Cy <cy@patients.example>"), internaldate=now)
    rig.sync()
    rig.dovecot.deliver(patient_mail("Re: parking", message_id="cy2@p.example", body=BILL,
                                     date=format_datetime(now + timedelta(hours=20)),
                                     extra="In-Reply-To: <cy1@p.example>\r\n",
                                     sender="Cy <cy@patients.example>"), internaldate=now)
    rig.sync()
    ann, bo, cy = rig.conv("old@p.example"), rig.conv("ahead@p.example"), rig.conv(
        "cy2@p.example")
    assert rig.conv("cy1@p.example") == cy
    received = dict(rig.db.conn.execute(
        "SELECT message_id, received_at - date FROM messages").fetchall())
    assert received["old@p.example"] > 300 * 86400  # the Date: and the arrival differ
    assert received["ahead@p.example"] < -15 * 3600
    assert received["cy2@p.example"] < -15 * 3600

    assert _live(rig, "billing desk") == sorted([ann, bo])
    assert _live(rig, "billing again") == [cy]
    assert _replayed(rig, "billing desk") == sorted(
        [(ann, ["tag +billing-desk"]), (bo, ["tag +billing-desk"])])
    assert _replayed(rig, "billing again") == [(cy, ["tag +billing-again"])]


def test_without_ingest_ids_a_moment_keeps_what_was_received_by_then(
        rig_factory: Any) -> None:  # noqa: F811
    """An older cxinbox's ingest named no message ids: the replay then takes out what
    arrived after the moment by the same clock (not by Date:), in a rehearsal that leaves
    the store as it was."""
    rig = rig_factory(RULES)
    now = datetime.now(UTC)
    thread = "In-Reply-To: <first@p.example>\r\n"
    mails = (  # (message id, Date:, received)
        ("first@p.example", now - timedelta(days=365), now - timedelta(hours=2)),
        ("ahead@p.example", now + timedelta(hours=20), now - timedelta(minutes=30)),
        ("stuck@p.example", now - timedelta(days=365), now))
    for n, (mid, date, received) in enumerate(mails):
        rig.dovecot.deliver(patient_mail("my bill" if n == 0 else "Re: my bill",
                                         message_id=mid, body=BILL,
                                         date=format_datetime(date),
                                         extra=thread if n else "",
                                         sender="Ann <ann@patients.example>"),
                            internaldate=received)
    rig.sync()
    conv = rig.conv("first@p.example")
    ids = dict(rig.db.conn.execute("SELECT message_id, id FROM messages").fetchall())
    assert {rig.conv(m) for m, _, _ in mails} == {conv}
    moment = int((now - timedelta(minutes=10)).timestamp())
    with rig.db.rehearsing() as tx:
        assert tx.latest_inbound(conv, None, moment) == (ids["ahead@p.example"], False)
        assert tx.hide_later_messages(conv, None, moment) == 1
        kept = {m.message_id for m in tx.messages_of(conv)}
    assert kept == {"first@p.example", "ahead@p.example"}
    assert rig.db.conn.execute("SELECT count(*) FROM messages WHERE conversation_id = ?",
                               (conv,)).fetchone()[0] == 3  # rolled back
