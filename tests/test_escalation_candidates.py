"""The SLA monitor's candidates (store/escalations.py `candidates`) read the same columns
on SQLite and PostgreSQL: who the conversation is with (channel, name, address), whether
the patient's running target was started by a first sync's backlog (migration 27's
mark: every inbound message from the latest on), the arm and what was escalated last."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from typing import Any

from tests.test_backlog_mark import OWN, _fetched
from tests.test_rules import patient_mail

from cxinbox.store import escalations
from cxinbox.store.records import SmsRecord


def _mail(subject: str, message_id: str, sender: str, days: float, reply_to: str = ""
          ) -> bytes:
    extra = (f"In-Reply-To: <{reply_to}>\r\nReferences: <{reply_to}>\r\n"
             if reply_to else "")
    return patient_mail(f"Re: {subject}" if reply_to else subject, message_id=message_id,
                        sender=sender, extra=extra,
                        date=format_datetime(datetime.now(UTC) - timedelta(days=days)))


def _conv(tx: Any, message_id: str) -> int:
    return int(tx.conn.execute("SELECT conversation_id FROM messages WHERE message_id = ?",
                               (message_id,)).fetchone()[0])


def test_candidates_carry_who_and_the_backlog_mark_on_both_stores(any_store: Any) -> None:
    store = any_store
    now = int(time.time())
    before = now - 72 * 3600
    day = 86_400
    batch = [
        # Backlog alone: the target was started by mail received before the first sync.
        _fetched(1, _mail("Old refill", "a1@p.example", "Olga Ruiz <olga@patients.example>",
                          6), now - 6 * day),
        # Backlog, then the patient wrote again (received now): the target is live.
        _fetched(2, _mail("Knee brace", "b1@p.example", "Bram Dale <bram@patients.example>",
                          5), now - 5 * day),
        _fetched(3, _mail("Knee brace", "b2@p.example", "Bram Dale <bram@patients.example>",
                          0.05, reply_to="b1@p.example"), now - 3600),
        # Live.
        _fetched(4, _mail("Parking", "c1@p.example", "Nia Cole <nia@patients.example>",
                          0.1), now - 600),
        # Backlog whose message was expunged since: nothing left marks the target.
        _fetched(5, _mail("Lost form", "d1@p.example", "Dov Ash <dov@patients.example>",
                          6), now - 6 * day),
    ]
    with store.writing() as tx:
        state = tx.folder_state("appointments", "INBOX")
        tx.ingest_batch(state, batch, own_addresses=OWN, watermark=5, now=now,
                        backlog_before=before)
        tx.store_sms(SmsRecord("SMold", "+15550100000", "+15557770101", "in", "hello",
                               now - 5 * day), now=now, backlog_before=before)
    with store.writing() as tx:
        a, b, c, d = (_conv(tx, m) for m in ("a1@p.example", "b1@p.example",
                                             "c1@p.example", "d1@p.example"))
        s = _conv(tx, "SMold")
        assert b == _conv(tx, "b2@p.example")
        tx.conn.execute("UPDATE messages SET gone_at = ? WHERE message_id = 'd1@p.example'",
                        (now,))
        # Every one breached an hour-long first response; `a` already escalated as
        # breached for this same arm, `c` for an older one (a message since).
        tx.conn.execute("UPDATE conversations SET status = 'open', sla_policy = 'std',"
                        " sla_target = 'first_response', sla_due_at = ?,"
                        " sla_at_risk_at = ?", (now - 60, now - 120))
        last_in = dict(tx.conn.execute("SELECT id, last_inbound_at FROM conversations"
                                       ).fetchall())
        escalations.record(tx.conn, a, escalations.arm_of("first_response", last_in[a]),
                           2, now - 30)
        escalations.record(tx.conn, c, "first_response@1", 2, now - 30)
    with store.reading() as tx:
        found = {e.id: e for e in escalations.candidates(tx.conn, now)}
    assert set(found) == {b, c, d, s}  # `a`'s arm was escalated at this level
    assert {k: (e.channel, e.from_name, e.from_addr, e.backlog) for k, e in found.items()} == {
        b: ("email", "Bram Dale", "bram@patients.example", False),
        c: ("email", "Nia Cole", "nia@patients.example", False),
        d: ("email", "Dov Ash", "dov@patients.example", False),
        s: ("sms", found[s].from_name, "+15557770101", True),
    }
    for k, e in found.items():
        assert e.arm == escalations.arm_of("first_response", last_in[k])
        assert (e.sla_target, e.sla_policy, e.sla_due_at) == ("first_response", "std",
                                                               now - 60)
    assert (found[c].last_arm, found[c].last_level) == ("first_response@1", 2)
    assert (found[b].last_arm, found[b].last_level) == (None, None)

    # The backlog's own conversation, once its arm is new (a red flag raised on it), is
    # a candidate again and is marked as backlog.
    with store.writing() as tx:
        tx.conn.execute("UPDATE conversations SET red_flag = 'chest_pain', red_flag_at = ?"
                        " WHERE id = ?", (now - 10, a))
    with store.reading() as tx:
        again = {e.id: e for e in escalations.candidates(tx.conn, now)}
    assert again[a].backlog is True
    assert again[a].arm == escalations.arm_of("first_response", last_in[a], now - 10)
    assert (again[a].from_name, again[a].from_addr) == ("Olga Ruiz", "olga@patients.example")
