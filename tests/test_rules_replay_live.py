"""`rules test` judges each trigger as live did: a message live ingest read and stored no
intent for is not assessed by the replay (only a first sync's backlog, received longer
than backlog_hours before it was stored, is), and a STOP texted after an acknowledgement does not turn it into "opted
out". Real Dovecot mail in-process; real `cxinbox serve` with the SMS test provider."""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from pathlib import Path
from typing import Any

from tests.support.smsprovider import SmsProvider
from tests.support.smtpsink import SmtpSink
from tests.test_rules import patient_mail, rig_factory  # noqa: F401 - the fixture
from tests.test_rules_serve import CLINIC, PATIENT_PHONE, _config, _rows, _wait, sockdir  # noqa: F401
from tests.test_serve_support import Server, cx

from cxinbox.service.rules_preview import preview
from cxinbox.wiring import rules_engine

BILL = "I was charged twice on my bill, my insurance already paid the copay. Please refund it."


def test_the_replay_leaves_unassessed_what_live_left_unassessed(
        rig_factory: Any) -> None:  # noqa: F811
    rig = rig_factory('''
[[rules]]
name = "billing desk"
on = "arrival"
match = "intent:billing_insurance"
actions = { tag = ["billing-desk"] }
''')
    # A bounce quoting a patient's words, two minutes old: live read it as automatic mail.
    rig.dovecot.deliver(patient_mail("Undelivered Mail Returned to Sender",
                                     message_id="bounce@mx.example",
                                     sender="Mail Delivery System <MAILER-DAEMON@mx.example>",
                                     body=f"This message could not be delivered.\n\n{BILL}"))
    # Five days old when first stored: never assessed live, so the replay assesses it.
    old = format_datetime(datetime.now(UTC) - timedelta(days=5))
    rig.dovecot.deliver(patient_mail("my bill", message_id="old@p.example", date=old,
                                     sender="Ann <ann@patients.example>", body=BILL),
                        internaldate=datetime.now(UTC) - timedelta(days=5))
    rig.sync()
    bounce, bill = rig.conv("bounce@mx.example"), rig.conv("old@p.example")
    assert rig.db.conn.execute("SELECT count(*) FROM messages WHERE intent IS NOT NULL"
                               ).fetchone()[0] == 0
    live = [t for a, t, _ in rig.events("rule.applied") if a == "rule:billing desk"]
    assert live == []  # live, the rule fired on neither
    engine = rules_engine(rig.db, rig.config, replaying="billing desk")
    assert engine is not None
    result = preview(rig.desk(), engine, "billing desk", int(time.time()) - 7 * 86400)
    assert (result.triggered, result.assessed, result.stored_unassessed) == (2, 1, 1)
    assert [r.conversation_id for r in result.rows] == [bill]
    assert bounce not in [r.conversation_id for r in result.rows]
    shown = cx("rules", "test", "billing desk", "--since", "7d", "--config", str(rig.path))
    assert shown.returncode == 0, shown.stderr
    lines = shown.stdout.splitlines()
    # The five-day-old mail was backlog when stored: live ran no rule on it, and it says so.
    assert lines[-1].startswith("1 of them came with a first sync's backlog")
    assert lines[-3].startswith("1 of them came with a first sync's backlog, never assessed")
    assert lines[-2] == (
        "1 of them came with a message live ingest read and stored no intent for (an automatic"
        " reply, a bounce, mail a later sync stored longer than [triage] backlog_hours after"
        " the server received it, or a detector failure, logged then): replayed as live saw"
        " it, so intent: and red-flag: did not match it live and do not here")


def test_a_stop_texted_after_the_acknowledgement_is_not_replayed_before_it(
        dovecot: Any, tmp_path: Path, sockdir: Path) -> None:  # noqa: F811
    sock = sockdir / "s.sock"
    db = tmp_path / "data" / "cxinbox.db"
    sink = SmtpSink(tmp_path, user=dovecot.user, password=dovecot.password,
                    tls_dir=dovecot.root / "tls").start()
    provider = SmsProvider(numbers=[CLINIC]).start()
    try:
        cfg = _config(tmp_path, dovecot, sink, provider, sock, '''
[[rules]]
name = "after hours"
on = "arrival"
actions = { acknowledge = true }
''')
        provider.inject_inbound(PATIENT_PHONE, CLINIC, "Can I move my visit to the afternoon?")
        with Server(cfg, sock) as server:
            _wait("the acknowledgement went", lambda: any(
                m.to == PATIENT_PHONE for m in provider.outbound()), server)
            provider.inject_inbound(PATIENT_PHONE, CLINIC, "STOP")
            _wait("the opt-out was stored", lambda: _rows(
                db, "SELECT state FROM sms_opt_outs") == [("out",)], server)
            conv = _rows(db, "SELECT id FROM conversations")[0][0]
            tested = cx("rules", "test", "after hours", "--since", "1d", "--json",
                        "--config", str(cfg))
            assert tested.returncode == 0, tested.stderr
            report = json.loads(tested.stdout)
            assert [(c["conversation"], c["would"]) for c in report["conversations"]] == [
                (conv, ["acknowledge by sms"])]
            # the rehearsal put nothing back for real: the patient is still opted out
            assert _rows(db, "SELECT state FROM sms_opt_outs") == [("out",)]
    finally:
        sink.stop()
        provider.stop()
