"""Rules end to end: `cxinbox serve` with mail delivered into Dovecot, texts from the SMS
test provider, replies into the SMTP sink, and the real CLI for `rules test` and closing."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from tests.support.smsprovider import SmsProvider
from tests.support.smtpsink import SmtpSink, write_reply_config
from tests.support.waiting import wait_until
from tests.test_rules import automation, patient_mail
from tests.test_serve_support import ME, Server, cx, socket_dir

CLINIC = "+15550100100"
PATIENT_PHONE = "+15558675309"
STOPPED_PHONE = "+15558675310"
SECRET_WORDS = ("Zolvexa", "Quackenbush", "8675309")

RULES = '''
[[rules]]
name = "lab results"
on = "arrival"
match = '"lab results"'
actions = { tag = ["lab"], assign = "tnguyen" }

[[rules]]
name = "after hours"
on = "arrival"
actions = { tag = ["after-hours"], acknowledge = true, notify = "new after hours" }

[[rules]]
name = "bounce open"
on = "closed"
match = "-tag:lab"
actions = { status = "open" }

[[rules]]
name = "close again"
on = "closed"
match = "status:open"
actions = { status = "closed", note = "closed again by the rules" }
'''


@pytest.fixture
def sockdir() -> Iterator[Path]:
    with socket_dir() as path:
        yield path


def _rows(db: Path, sql: str, args: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    try:
        conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    except sqlite3.Error:
        return []
    try:
        return conn.execute(sql, args).fetchall()
    except sqlite3.Error:
        return []
    finally:
        conn.close()


def _wait(what: str, check: Callable[[], bool], server: Server, timeout: float = 60) -> None:
    wait_until(check, what, timeout=timeout, interval=0.1, detail=lambda: server.log[-3000:])


SLA_ROUND_S = 1
"""[sla] check_interval of these servers."""


def _config(tmp: Path, dovecot: Any, sink: SmtpSink, provider: SmsProvider, sock: Path,
            rules: str, **automation_args: Any) -> Path:
    token = tmp / "sms.token"
    token.write_text(provider.token + "\n")
    token.chmod(0o600)
    notified = tmp / "notified.jsonl"
    hook = tmp / "hook.sh"
    hook.write_text(f"#!/bin/sh\ncat >> {notified}\n")
    hook.chmod(0o700)
    extra = automation(rules, **automation_args) + f'''
[server]
socket = "{sock}"

[sms]
base_url = "{provider.base_url}"
account_sid = "{provider.account_sid}"
verify_tls = false
password_file = "{token}"
poll_seconds = 1

[[sms.numbers]]
number = "{CLINIC}"
name = "Front desk"

[[staff]]
os_user = "{ME}"
name = "Desk Admin"
role = "admin"
'''
    path = write_reply_config(tmp, dovecot, sink, extra=extra)
    # notify_command belongs to [sla], which automation() opened first. A round every
    # second: the tests wait for escalations, not for the 15 s between rounds.
    text = path.read_text().replace("[sla.calendars.clinic]\n",
                                    f'[sla]\nnotify_command = ["{hook}"]\n'
                                    f"check_interval = {SLA_ROUND_S}\n\n"
                                    "[sla.calendars.clinic]\n", 1)
    path.write_text(text)
    return path


def test_rules_through_serve(dovecot: Any, tmp_path: Path, sockdir: Path) -> None:
    sock = sockdir / "s.sock"
    db = tmp_path / "data" / "cxinbox.db"
    sink = SmtpSink(tmp_path, user=dovecot.user, password=dovecot.password,
                    tls_dir=dovecot.root / "tls").start()
    provider = SmsProvider(numbers=[CLINIC]).start()
    try:
        cfg = _config(tmp_path, dovecot, sink, provider, sock, RULES)
        dovecot.deliver(patient_mail("Zolvexa refill", message_id="p1@patients.example",
                                     body="Brunhilde Quackenbush here, Zolvexa ran out."))
        dovecot.deliver(patient_mail("And another thing", message_id="p2@patients.example",
                                     body="Also my lab results please"))
        dovecot.deliver(patient_mail("Clinic newsletter", message_id="n1@lists.example",
                                     sender="News <news@lists.example>",
                                     extra="List-Id: <news.lists.example>\r\n"))
        dovecot.deliver(patient_mail("Out of office", message_id="o1@away.example",
                                     sender="Bob <bob@away.example>",
                                     extra="Auto-Submitted: auto-replied\r\n"))
        provider.inject_inbound(STOPPED_PHONE, CLINIC, "STOP")
        provider.inject_inbound(PATIENT_PHONE, CLINIC, "Quackenbush: can I come at 8675309?")
        with Server(cfg, sock) as server:
            # 4 mails + 1 text arrive; "after hours" applies to each, once. The STOP is no
            # arrival: an opt-out asks nothing of the desk (it is recorded, not routed).
            _wait("the rules ran on every arrival", lambda: len(_rows(
                db, "SELECT 1 FROM events WHERE action = 'rule.applied'"
                    " AND actor = 'rule:after hours'")) == 5, server)
            _wait("the opt-out was recorded", lambda: len(_rows(
                db, "SELECT 1 FROM events WHERE action = 'sms.opt_out'")) == 1, server)
            _wait("the outbox settled", lambda: _rows(
                db, "SELECT count(*) FROM outbox WHERE state NOT IN ('sent')") == [(0,)]
                and len(_rows(db, "SELECT 1 FROM outbox")) == 2, server)
            assert sink.wait_for(1)
            # Exactly one mail: to the patient, not to the list, not to the auto-reply, and
            # not again to the patient's second conversation on the same day.
            assert [m.rcpt_tos for m in sink.messages] == [["jane.doe@patients.example"]]
            assert b"Auto-Submitted: auto-replied" in sink.messages[0].data
            texts = [m for m in provider.outbound() if m.to == PATIENT_PHONE]
            assert len(texts) == 1 and "Emergency? Call 911" in texts[0].body
            assert not [m for m in provider.outbound() if m.to == STOPPED_PHONE]
            # Both acknowledgements are in their conversations, and neither is an answer.
            assert _rows(db, "SELECT count(*) FROM messages WHERE direction = 'out'") == [(2,)]
            assert _rows(db, "SELECT count(*) FROM conversations"
                             " WHERE first_response_at IS NOT NULL") == [(0,)]
            skipped = sorted(s for (d,) in _rows(
                db, "SELECT details FROM events WHERE action = 'rule.applied'"
                    " AND actor = 'rule:after hours'") for s in json.loads(d)["skipped"])
            assert skipped == ["acknowledge: auto-submitted", "acknowledge: mailing list",
                               "acknowledge: sender acknowledged today"]
            # The text-matching rule saw the lab mail (indexed before the rules ran).
            lab = _rows(db, "SELECT conversation_id FROM messages"
                            " WHERE message_id = 'p2@patients.example'")[0][0]
            assert [(a, json.loads(d)) for a, d in _rows(
                db, "SELECT actor, details FROM events WHERE action = 'conversation.assign'")] \
                == [("rule:lab results", {"from": None, "to": "tnguyen"})]
            # No rule failed (a rule whose query cannot run: tests/test_rules.py; an `sla:`
            # term without SLA policies, which was one, is refused when the config loads).
            assert _rows(db, "SELECT 1 FROM events WHERE action = 'rule.failed'") == []
            # notify ran after the commit, with ids and the rule's words only.
            notified = tmp_path / "notified.jsonl"
            _wait("notify ran", lambda: notified.exists()
                  and len(notified.read_text().splitlines()) == 5, server)
            first = json.loads(notified.read_text().splitlines()[0])
            assert first["rule"] == "after hours" and first["message"] == "new after hours"
            assert not any(w in notified.read_text() for w in SECRET_WORDS)

            # A person closes through the server: `closed` rules run once each, no loop.
            refill = _rows(db, "SELECT conversation_id FROM messages"
                               " WHERE message_id = 'p1@patients.example'")[0][0]
            done = cx("status", f"id:{refill}", "closed", "--yes", "--config", str(cfg))
            assert done.returncode == 0, done.stderr
            statuses = _rows(db, "SELECT actor, json_extract(details, '$.to') FROM events"
                                 " WHERE action = 'conversation.status' AND target = ?",
                             (f"conversation:{refill}",))
            assert statuses == [(ME, "closed"), ("rule:bounce open", "open"),
                                ("rule:close again", "closed")]
            assert _rows(db, "SELECT author FROM notes WHERE conversation_id = ?",
                         (refill,)) == [("rule:close again",)]

            # `rules test` replays the arrival rule over the past month, changing nothing.
            before = _rows(db, "SELECT max(seq) FROM events")[0][0]
            tested = cx("rules", "test", "lab results", "--since", "30d", "--json",
                        "--config", str(cfg))
            assert tested.returncode == 0, tested.stderr
            report = json.loads(tested.stdout)
            assert report["triggered"] == 5 and report["matched"] == 1
            assert report["conversations"][0]["conversation"] == lab
            # Judged as at its arrival, before the rule's own changes: it would tag and assign.
            assert report["conversations"][0]["would"] == ["tag +lab", "assign tnguyen"]
            ack = json.loads(cx("rules", "test", "after hours", "--json", "--config",
                                str(cfg)).stdout)
            verdicts = sorted(w for c in ack["conversations"] for w in c["would"]
                              if "acknowledg" in w)
            # Each judged as at its arrival, with its batch: what really happened.
            assert verdicts == ["acknowledge by email", "acknowledge by sms",
                                "no acknowledgement (auto-submitted)",
                                "no acknowledgement (mailing list)",
                                "no acknowledgement (sender acknowledged today)"]
            after = _rows(db, "SELECT actor, action FROM events WHERE seq > ?"
                              " AND actor NOT IN ('sync', 'system')", (before,))
            assert after == [(ME, "rules.test"), (ME, "rules.test")]  # the audited reads only
            log = server.log
    finally:
        sink.stop()
        provider.stop()
    assert not [w for w in SECRET_WORDS if w in log]


def test_no_acknowledgement_in_open_hours_through_serve(dovecot: Any, tmp_path: Path,
                                                        sockdir: Path) -> None:
    sock = sockdir / "s.sock"
    db = tmp_path / "data" / "cxinbox.db"
    sink = SmtpSink(tmp_path, user=dovecot.user, password=dovecot.password,
                    tls_dir=dovecot.root / "tls").start()
    provider = SmsProvider(numbers=[CLINIC]).start()
    always = "\n".join(f'{d} = ["00:00-24:00"]'
                       for d in ("mon", "tue", "wed", "thu", "fri", "sat", "sun"))
    try:
        cfg = _config(tmp_path, dovecot, sink, provider, sock, '''
[[rules]]
name = "after hours"
on = "arrival"
actions = { acknowledge = true }
''', hours=always)
        dovecot.deliver(patient_mail("Refill", message_id="q1@patients.example"))
        provider.inject_inbound(PATIENT_PHONE, CLINIC, "see you at 9")
        with Server(cfg, sock) as server:
            _wait("the rule ran", lambda: len(_rows(
                db, "SELECT 1 FROM events WHERE action = 'rule.applied'")) == 2, server)
            skipped = [json.loads(d)["skipped"] for (d,) in _rows(
                db, "SELECT details FROM events WHERE action = 'rule.applied'")]
            assert skipped == [["acknowledge: open hours"]] * 2
            assert _rows(db, "SELECT count(*) FROM outbox") == [(0,)]
    finally:
        sink.stop()
        provider.stop()
    assert sink.messages == []
    assert [m for m in provider.outbound() if m.to == PATIENT_PHONE] == []
