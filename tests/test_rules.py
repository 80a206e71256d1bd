"""Rules: config checks, the RFC 3834 test, and the engine in-process on real Dovecot mail,
a real SMTP sink and SQLite on disk (the server-level tests are in test_rules_serve.py)."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from tests.support.smtpsink import SmtpSink, write_reply_config
from tests.support.smtpsink import patient_mail as dated_mail

from cxinbox.config import ConfigError, load_config, load_config_text
from cxinbox.domain.autoreply import refusal
from cxinbox.service import rules as rules_mod
from cxinbox.service.inbox import InboxService
from cxinbox.service.outbox import OutboxWorker
from cxinbox.service.sync import MailSync
from cxinbox.store.db import Database
from cxinbox.tui.ascii import ASCII_GLYPHS
from cxinbox.tui.widgets.thread_view import header_text

TZ = ZoneInfo("America/New_York")


def patient_mail(subject: str = "Reschedule", **kwargs: Any) -> bytes:
    """A patient's mail dated now (an acknowledgement answers only recent mail)."""
    kwargs.setdefault("date", format_datetime(datetime.now(UTC)))
    return dated_mail(subject, **kwargs)


def closed_now_hours() -> str:
    """[sla.calendars.clinic.hours] open only on a weekday three days away: closed now."""
    day = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")[
        (datetime.now(TZ).weekday() + 3) % 7]
    return f'{day} = ["09:00-17:00"]'


def automation(rules: str, *, hours: str | None = None, policies: bool = False) -> str:
    """[sla] calendar, [acknowledge] and `rules` for write_reply_config(extra=...)."""
    policy = ('\n[[sla.policies]]\nname = "front desk"\ncalendar = "clinic"\n'
              'first_response = "1h"\n' if policies else "")
    return f'''
[sla.calendars.clinic]
timezone = "America/New_York"

[sla.calendars.clinic.hours]
{hours if hours is not None else closed_now_hours()}
{policy}
[acknowledge]
calendar = "clinic"
email = "We received your message. We will answer by {{next_open}}. If this is an emergency, call 911."
sms = "{{clinic}}: got your text, we answer by {{next_open}}. Emergency? Call 911."

{rules}
'''


# -- config ----------------------------------------------------------------------------------


BASE = '''
[[staff]]
os_user = "mgarcia"
name = "Maria Garcia"

[[sla.policies]]
name = "front desk"
first_response = "1h"
'''


def _load(rule: str) -> Any:
    return load_config_text(BASE + rule, Path("c.toml"))


@pytest.mark.parametrize(("rule", "expected"), [
    ('[[rules]]\nname = "r"\non = "arrival"\nactions = { frobnicate = 1 }',
     'c.toml: rules[0] ("r").actions.frobnicate: unknown action; expected one of tag,'),
    ('[[rules]]\nname = "r"\non = "arrival"\nmatch = "status:nope"\nactions = { tag = "x" }',
     'c.toml: rules[0] ("r").match: bad query: '),
    ('[[rules]]\nname = "r"\non = "arrival"\nactions = { assign = "bob" }',
     "c.toml: rules[0] (\"r\").actions.assign: unknown user 'bob'; known users: mgarcia"),
    ('[[rules]]\nname = "r"\non = "arrival"\nactions = { status = "snoozed" }',
     "c.toml: rules[0] (\"r\").actions.status: unknown status 'snoozed'"),
    ('[[rules]]\nname = "r"\non = "arrival"\nactions = { priority = "asap" }',
     "c.toml: rules[0] (\"r\").actions.priority: unknown priority 'asap'"),
    ('[[rules]]\nname = "r"\non = "arrival"\nactions = { sla_policy = "gold" }',
     ("c.toml: rules[0] (\"r\").actions.sla_policy: unknown SLA policy 'gold'; expected one"
      " of front desk")),
    ('[[rules]]\nname = "r"\non = "arrival"\nactions = { assign = "team:results" }',
     'c.toml: rules[0] ("r").actions.assign: teams are not configured (no [[teams]])'),
    ('[[rules]]\nname = "r"\non = "arrive"\nactions = { tag = "x" }',
     'c.toml: rules[0] ("r").on: expected one of arrival, patient-reply, sla-at-risk,'),
    (('[[rules]]\nname = "r"\non = "arrival"\nactions = { tag = "x" }\n'
      '[[rules]]\nname = "r"\non = "closed"\nactions = { tag = "y" }'),
     'c.toml: rules[1] ("r").name: another rule has this name'),
    ('[[rules]]\nname = "r"\non = "arrival"\nactions = { acknowledge = true }',
     'c.toml: rules[0] ("r").actions.acknowledge: needs an [acknowledge] table'),
    ('[[rules]]\nname = "r"\non = "arrival"\nactions = { tag = "two words" }',
     'c.toml: rules[0] ("r").actions.tag: a tag is one word'),
    (('[[rules]]\nname = "r"\non = "arrival"\nmatch = "status:open -assignee:me"\n'
     'actions = { tag = "x" }'),
     'c.toml: rules[0] ("r").match: a rule acts for nobody in particular: assignee:me'),
    ('[[rules]]\nname = "r"\non = "arrival"\nactions = { tag = "x" }\nstopp = true',
     "c.toml: rules[0].stopp: unknown key; did you mean 'stop'?"),
])
def test_a_bad_rule_is_one_line_naming_the_rule_and_field(rule: str, expected: str) -> None:
    with pytest.raises(ConfigError) as caught:
        _load(rule)
    text = str(caught.value)
    assert text.startswith(expected), text
    assert "\n" not in text


def test_the_issue_rule_loads_with_actions_in_their_fixed_order() -> None:
    config = _load('''
[[rules]]
name = "lab results"
on = "arrival"
match = 'mailbox:results -tag:red-flag'
actions = { note = "from the lab", tag = ["lab", "LAB"], assign = "mgarcia", priority = "normal" }
stop = true
''')
    (rule,) = config.rules
    assert rule.actor == "rule:lab results" and rule.stop
    assert [a.kind for a in rule.actions] == ["tag", "priority", "assign", "note"]
    assert rule.actions[0].value == ("lab",)


def test_acknowledge_texts_are_checked() -> None:
    with pytest.raises(ConfigError) as caught:
        load_config_text('[sla.calendars.c]\n[sla.calendars.c.hours]\nmon = ["09:00-17:00"]\n'
                         '[acknowledge]\ncalendar = "c"\nemail = "by {opening}"\n',
                         Path("c.toml"))
    assert str(caught.value) == ("c.toml: acknowledge.email: unknown placeholder {opening};"
                                 " use {next_open}, {clinic}")


# -- RFC 3834 --------------------------------------------------------------------------------


@pytest.mark.parametrize(("extra", "sender", "why"), [
    ("", "Jane <jane@patients.example>", None),
    ("Auto-Submitted: no\r\n", "Jane <jane@patients.example>", None),
    ("Auto-Submitted: auto-replied\r\n", "Jane <jane@patients.example>", "auto-submitted"),
    ("Auto-Submitted: auto-generated; owner-email=x@y\r\n", "a@b.example", "auto-submitted"),
    ("Precedence: bulk\r\n", "news@pharma.example", "mailing list"),
    ("Precedence: junk\r\n", "Jane <jane@patients.example>", "mailing list"),
    ("List-Id: <patients.lists.example>\r\n", "Jane <jane@patients.example>", "mailing list"),
    ("List-Unsubscribe: <mailto:u@l.example>\r\n", "j@p.example", "mailing list"),
    ("X-Autoreply: yes\r\n", "Jane <jane@patients.example>", "auto-submitted"),
    ("", "MAILER-DAEMON@mx.example", "no-reply sender"),
    ("", "No Reply <no-reply@portal.example>", "no-reply sender"),
    ("", "noreply@portal.example", "no-reply sender"),
    ("Return-Path: <>\r\n", "Jane <jane@patients.example>", "delivery report"),
])
def test_rfc3834_refusals(extra: str, sender: str, why: str | None) -> None:
    raw = patient_mail(sender=sender, extra=extra)
    assert refusal(raw) == why


# -- the engine on real mail -----------------------------------------------------------------


class Rig:
    """A config with rules, Dovecot's mail synced in-process, the outbox into a sink."""

    def __init__(self, tmp: Path, dovecot: Any, rules: str, **kwargs: Any) -> None:
        self.dovecot = dovecot
        self.sink = SmtpSink(tmp, user=dovecot.user, password=dovecot.password,
                             tls_dir=dovecot.root / "tls").start()
        path = write_reply_config(tmp, dovecot, self.sink, extra=automation(rules, **kwargs))
        self.config = load_config(path)
        self.db = Database(self.config.db_path)
        self.worker = OutboxWorker(self.db, self.config)

    def sync(self) -> None:
        engine = MailSync(self.db, self.config, lambda a: self.dovecot.password)
        try:
            engine.sync_once()
        finally:
            engine.close()

    def events(self, action: str) -> list[tuple[str, str, dict[str, Any]]]:
        return [(r[0], r[1], json.loads(r[2])) for r in self.db.conn.execute(
            "SELECT actor, target, details FROM events WHERE action = ? ORDER BY seq",
            (action,))]

    def conv(self, message_id: str) -> int:
        return int(self.db.conn.execute("SELECT conversation_id FROM messages WHERE"
                                        " message_id = ?", (message_id,)).fetchone()[0])

    def close(self) -> None:
        self.sink.stop()
        self.db.close()


@pytest.fixture
def rig_factory(tmp_path: Path, dovecot: Any) -> Iterator[Any]:
    made: list[Rig] = []

    def make(rules: str, **kwargs: Any) -> Rig:
        rig = Rig(tmp_path, dovecot, rules, **kwargs)
        made.append(rig)
        return rig

    yield make
    for rig in made:
        rig.close()


def test_rules_act_in_order_with_stop_and_audit_actor(rig_factory: Any) -> None:
    rig = rig_factory('''
[[rules]]
name = "billing"
on = "arrival"
match = 'invoice'
actions = { tag = ["billing"], priority = "low", assign = "tnguyen" }
stop = true

[[rules]]
name = "everything else"
on = "arrival"
actions = { tag = ["triage"], priority = "high" }

[[rules]]
name = "second letter"
on = "patient-reply"
actions = { tag = ["followed-up"] }
''')
    rig.dovecot.deliver(patient_mail("Question about my invoice", message_id="b1@p.example",
                                     body="Why is my invoice so high?"))
    rig.dovecot.deliver(patient_mail("Flu shot", message_id="f1@p.example",
                                     sender="Ann <ann@patients.example>", body="When?"))
    rig.sync()
    billing, flu = rig.conv("b1@p.example"), rig.conv("f1@p.example")
    tags = {c: {r[0] for r in rig.db.conn.execute(
        "SELECT tag FROM conversation_tags WHERE conversation_id = ?", (c,))} for c in (billing, flu)}
    assert tags == {billing: {"billing"}, flu: {"triage"}}  # stop kept rule 2 off billing
    state = rig.db.conn.execute("SELECT priority, assignee FROM conversations WHERE id = ?",
                                (billing,)).fetchone()
    assert tuple(state) == ("low", "tnguyen")
    assigned = rig.events("conversation.assign")
    assert assigned == [("rule:billing", f"conversation:{billing}",
                         {"from": None, "to": "tnguyen"})]
    # The thread header says who assigned it, until a person reassigns.
    desk = InboxService(rig.db, rig.config, "mgarcia")
    detail = desk.get_conversation(billing)
    assert detail.assigned_by == "billing"
    header = header_text(detail.summary, ("", ""), "mgarcia", ASCII_GLYPHS,
                         assigned_by=detail.assigned_by).plain
    assert "tnguyen, assigned by rule: billing" in header
    desk.assign(billing, "mgarcia")
    assert desk.get_conversation(billing).assigned_by == ""
    applied = rig.events("rule.applied")
    assert [(a, t) for a, t, _ in applied] == [("rule:billing", f"conversation:{billing}"),
                                               ("rule:everything else", f"conversation:{flu}")]
    # A second letter from the patient is a patient-reply, not an arrival.
    rig.dovecot.deliver(patient_mail("Re: Flu shot", message_id="f2@p.example",
                                     sender="Ann <ann@patients.example>", body="Any news?",
                                     extra="In-Reply-To: <f1@p.example>\r\n"))
    rig.sync()
    assert [a for a, _, _ in rig.events("rule.applied")][-1] == "rule:second letter"
    assert len(rig.events("rule.applied")) == 3


def test_a_failing_rule_is_rolled_back_logged_and_skipped(rig_factory: Any,
                                                        monkeypatch: pytest.MonkeyPatch,
                                                        caplog: pytest.LogCaptureFixture) -> None:
    rig = rig_factory('''
[[rules]]
name = "breaks"
on = "arrival"
actions = { tag = ["half-done"], note = "never written" }

[[rules]]
name = "works"
on = "arrival"
actions = { tag = ["seen-by-rules"] }
''')

    def broken_note(step: rules_mod.Step) -> str | None:
        raise RuntimeError("Jane Doe's secret words")  # text a log must never show

    monkeypatch.setitem(rules_mod.ACTION_HANDLERS, "note", broken_note)
    rig.dovecot.deliver(patient_mail("Reschedule", message_id="x1@p.example"))
    rig.sync()
    conv = rig.conv("x1@p.example")  # the message is stored: the failure did not block it
    tags = {r[0] for r in rig.db.conn.execute("SELECT tag FROM conversation_tags WHERE conversation_id = ?",
                                              (conv,))}
    assert tags == {"seen-by-rules"}  # "half-done" was undone with the failing rule
    assert rig.events("rule.failed") == [
        ("rule:breaks", f"conversation:{conv}",
         {"rule": "breaks", "trigger": "arrival", "error": "RuntimeError"})]
    assert "rule 'breaks' failed on conversation" in caplog.text
    assert "secret" not in caplog.text and "Jane" not in caplog.text


def test_rule_actions_never_trigger_rules(rig_factory: Any) -> None:
    """Closing fires `closed`; a rule reopening it and another closing it again would loop
    for ever if a rule's close fired `closed` too."""
    rig = rig_factory('''
[[rules]]
name = "bounce open"
on = "closed"
match = "-tag:done"
actions = { status = "open", tag = ["bounced"] }

[[rules]]
name = "close again"
on = "closed"
match = "status:open"
actions = { status = "closed" }
''')
    rig.dovecot.deliver(patient_mail("Loop me", message_id="l1@p.example"))
    rig.sync()
    conv = rig.conv("l1@p.example")
    InboxService(rig.db, rig.config, "mgarcia").set_status(conv, "closed")
    applied = [a for a, t, _ in rig.events("rule.applied") if t == f"conversation:{conv}"]
    assert applied == ["rule:bounce open", "rule:close again"]  # each once, then quiet
    statuses = [(a, d["to"]) for a, _, d in rig.events("conversation.status")]
    assert statuses == [("mgarcia", "closed"), ("rule:bounce open", "open"),
                        ("rule:close again", "closed")]
    # A bulk close by a person fires too (once per conversation, in its transaction).
    InboxService(rig.db, rig.config, "mgarcia").set_status(conv, "open")
    InboxService(rig.db, rig.config, "mgarcia").bulk_status(f"id:{conv}", "closed")
    assert len(rig.events("rule.applied")) == 4


def test_acknowledgement_once_per_conversation_and_sender_day(rig_factory: Any) -> None:
    rig = rig_factory('''
[[rules]]
name = "after hours"
on = "arrival"
actions = { acknowledge = true }
''')
    rig.dovecot.deliver(patient_mail("Refill", message_id="a1@p.example"))
    rig.dovecot.deliver(patient_mail("Another thing", message_id="a2@p.example",
                                     body="Also, my address changed."))
    rig.dovecot.deliver(patient_mail("Clinic news", message_id="n1@p.example",
                                     sender="News <news@lists.example>",
                                     extra="List-Id: <news.lists.example>\r\n"))
    rig.sync()
    assert rig.worker.process_due() == 1
    assert rig.sink.wait_for(1)
    # The acknowledgement joined the conversation but is not the desk's answer.
    refill = rig.conv("a1@p.example")
    assert rig.db.conn.execute("SELECT count(*), max(c.first_response_at) FROM messages m"
                               " JOIN conversations c ON c.id = m.conversation_id"
                               " WHERE m.conversation_id = ? AND m.direction = 'out'",
                               (refill,)).fetchone()[:] == (1, None)
    (got,) = rig.sink.messages
    assert got.rcpt_tos == ["jane.doe@patients.example"]
    text = got.data.decode()
    assert "Auto-Submitted: auto-replied" in text
    opens = (datetime.now(TZ) + timedelta(days=3)).strftime("%A")
    assert f"We will answer by {opens} 9:00." in text
    skipped = [d["skipped"] for _, _, d in rig.events("rule.applied")]
    assert sorted(s for entry in skipped for s in entry) == [
        "acknowledge: mailing list", "acknowledge: sender acknowledged today"]
    rig.sync()  # nothing new: nothing more
    assert rig.worker.process_due() == 0
    # Last week's mail (a first sync, a long outage) is not answered.
    rig.dovecot.deliver(patient_mail("Old", message_id="old@p.example",
                                     sender="Old <old@patients.example>",
                                     date="Mon, 06 Jan 2025 09:15:00 -0500"))
    rig.sync()
    assert rig.events("rule.applied")[-1][2]["skipped"] == ["acknowledge: old message"]
    assert rig.worker.process_due() == 0


def test_no_acknowledgement_in_open_hours_or_on_a_red_flag(rig_factory: Any) -> None:
    rig = rig_factory('''
[[rules]]
name = "after hours"
on = "arrival"
actions = { acknowledge = true }
''', hours="\n".join(f'{d} = ["00:00-24:00"]' for d in
                     ("mon", "tue", "wed", "thu", "fri", "sat", "sun")))
    rig.dovecot.deliver(patient_mail("Refill", message_id="o1@p.example"))
    rig.sync()
    assert rig.worker.process_due() == 0
    assert [d["skipped"] for _, _, d in rig.events("rule.applied")] == [
        ["acknowledge: open hours"]]


def test_red_flag_mail_gets_no_acknowledgement(rig_factory: Any) -> None:
    rig = rig_factory('''
[[rules]]
name = "after hours"
on = "arrival"
actions = { acknowledge = true }
''')
    rig.dovecot.deliver(patient_mail("billing question", message_id="r1@p.example",
                                     body="About my bill. Also I have crushing chest pain"
                                          " since last night."))
    rig.sync()
    assert rig.worker.process_due() == 0
    # Detection runs before the rules in the same ingest transaction, so the rule already
    # sees the conversation flagged (the message backstop stays for a flag-less store).
    assert [d["skipped"] for _, _, d in rig.events("rule.applied")] == [
        ["acknowledge: red flag"]]
    tags = {r[0] for r in rig.db.conn.execute(
        "SELECT tag FROM conversation_tags WHERE conversation_id = ?",
        (rig.conv("r1@p.example"),))}
    assert "red-flag" in tags


def test_a_rules_red_flag_tag_blocks_the_acknowledgement_until_cleared(
        rig_factory: Any) -> None:
    """A rule's `red-flag` tag raises the same flag a person's does: the acknowledgement
    after it is refused, `is:red-flag` rules see it, and once a clinician cleared it the
    rule's tag on a newer message raises it again."""
    rig = rig_factory('''
[[rules]]
name = "pharmacy emergency line"
on = "arrival"
match = '"wrong medication"'
actions = { tag = ["red-flag"] }

[[rules]]
name = "pharmacy emergency line again"
on = "patient-reply"
match = '"wrong medication"'
actions = { tag = ["red-flag"] }

[[rules]]
name = "flagged to the nurse"
on = "arrival"
match = "is:red-flag"
actions = { tag = ["nurse"] }

[[rules]]
name = "after hours"
on = "arrival"
actions = { acknowledge = true }
''')
    rig.dovecot.deliver(patient_mail("pharmacy", message_id="w1@p.example",
                                     body="The pharmacy gave me the wrong medication."))
    rig.sync()
    conv = rig.conv("w1@p.example")
    assert rig.worker.process_due() == 0
    applied = {a: d for a, _, d in rig.events("rule.applied")}
    assert applied["rule:after hours"]["skipped"] == ["acknowledge: red flag"]
    assert "rule:flagged to the nurse" in applied
    desk = InboxService(rig.db, rig.config, "mgarcia")
    assert desk.get_conversation(conv).summary.red_flag_open
    with rig.db.writing() as tx:  # a clinician's clear, as `flag clear` writes it
        tx.clear_red_flag(conv, int(time.time()))
    assert not desk.get_conversation(conv).summary.red_flag_open
    rig.dovecot.deliver(patient_mail("Re: pharmacy", message_id="w2@p.example",
                                     body="They gave me the wrong medication again.",
                                     extra="In-Reply-To: <w1@p.example>\r\n"))
    rig.sync()
    assert rig.conv("w2@p.example") == conv
    assert desk.get_conversation(conv).summary.red_flag_open
    assert "rule:pharmacy emergency line again" in [a for a, _, _ in rig.events("rule.applied")]


def test_sla_policy_action_pins_the_policy(rig_factory: Any) -> None:
    rig = rig_factory('''
[[rules]]
name = "vip"
on = "arrival"
actions = { sla_policy = "front desk" }
''', policies=True)
    rig.dovecot.deliver(patient_mail("Hi", message_id="s1@p.example"))
    rig.sync()
    conv = rig.conv("s1@p.example")
    InboxService(rig.db, rig.config, "mgarcia").refresh_sla()
    policy = rig.db.conn.execute("SELECT sla_policy FROM conversations WHERE id = ?",
                                 (conv,)).fetchone()[0]
    assert policy == "front desk"
    assert rig.events("conversation.sla_policy")[0][0] == "rule:vip"


def test_rules_list_and_show_read_the_config(tmp_path: Path) -> None:
    from tests.test_serve_support import cx

    cfg = tmp_path / "config.toml"
    cfg.write_text(BASE + '''
[[rules]]
name = "lab results"
on = "arrival"
match = "mailbox:results"
actions = { tag = ["lab"], assign = "mgarcia" }
stop = true

[[rules]]
name = "late"
on = "sla-breached"
actions = { priority = "urgent", notify = "breached" }
''')
    listed = cx("rules", "list", "--config", str(cfg))
    assert listed.returncode == 0, listed.stderr
    assert listed.stdout == " 1. lab results  on arrival  (stop)\n 2. late  on sla-breached\n"
    shown = cx("rules", "show", "lab results", "--json", "--config", str(cfg))
    assert json.loads(shown.stdout) == {"name": "lab results", "on": "arrival",
                                        "match": "mailbox:results", "stop": True,
                                        "actions": ["tag +lab", "assign mgarcia"]}
    missing = cx("rules", "show", "nope", "--config", str(cfg))
    assert missing.returncode == 3
    assert missing.stderr == ("cxinbox: no rule named 'nope'; rules: 'lab results', 'late'\n")
    bad = tmp_path / "bad.toml"
    bad.write_text(BASE + '[[rules]]\nname = "x"\non = "arrival"\nactions = { assign = "zed" }\n')
    refused = cx("rules", "list", "--config", str(bad))
    assert refused.returncode != 0 and "Traceback" not in refused.stderr
    assert refused.stderr.count("\n") == 1 and "rules[0] (\"x\").actions.assign" in refused.stderr


def test_a_rule_cannot_give_work_to_a_monitoring_login() -> None:
    with pytest.raises(ConfigError) as caught:
        load_config_text(BASE + '[[staff]]\nos_user = "nagios"\nname = "Nagios"\n'
                         'role = "monitor"\n\n[[rules]]\nname = "r"\non = "arrival"\n'
                         'actions = { assign = "nagios" }', Path("c.toml"))
    assert "unknown user 'nagios'" in str(caught.value)


def test_team_assignment_dispatches_to_the_team_strategy(rig_factory: Any) -> None:
    """`assign = "team:NAME"` (refused by the config until teams exist) reaches the
    TeamAssign the composition root installs, in the rule's transaction and savepoint."""
    import dataclasses

    from cxinbox.domain.rules import Rule, RuleAction

    rig = rig_factory("")
    rule = Rule("route", "arrival", "", (RuleAction("assign_team", "results"),))
    config = dataclasses.replace(rig.config, rules=(rule,))
    calls: list[tuple[int, str, str]] = []

    def pick(tx: Any, conv: int, team: str, actor: str) -> str:
        calls.append((conv, team, actor))
        tx.update_state(conv, assignee="tnguyen")
        tx.append_event(actor, "conversation.assign", f"conversation:{conv}",
                        {"from": None, "to": "tnguyen", "why": "round-robin: first"})
        return "assign tnguyen (team results)"

    rules_mod.use_teams(lambda store, cfg: pick)
    try:
        rig.config = config
        rig.dovecot.deliver(patient_mail("Results?", message_id="t1@p.example"))
        rig.sync()
    finally:
        rules_mod.use_teams(None)
    conv = rig.conv("t1@p.example")
    assert calls == [(conv, "results", "rule:route")]
    assert rig.events("rule.applied")[0][2]["done"] == ["assign tnguyen (team results)"]
    assert InboxService(rig.db, config, "mgarcia").get_conversation(conv).assigned_by == "route"


def test_team_rule_assigns_by_the_teams_own_strategy(rig_factory: Any) -> None:
    """With [[teams]] configured, `assign = "team:NAME"` needs no installed factory: the
    team's strategy chooses (round-robin here), audited with its explanation."""
    rig = rig_factory('''
[[teams]]
name = "results"
members = ["mgarcia", "tnguyen"]
strategy = "round-robin"

[[rules]]
name = "route"
on = "arrival"
actions = { assign = "team:results" }
''')
    rig.dovecot.deliver(patient_mail("Lab results?", message_id="r1@p.example"))
    rig.dovecot.deliver(patient_mail("My results", message_id="r2@p.example",
                                     sender="Ann <ann@patients.example>"))
    rig.sync()
    first, second = rig.conv("r1@p.example"), rig.conv("r2@p.example")
    service = InboxService(rig.db, rig.config, "mgarcia")
    owners = {c: service.get_conversation(c).summary.assignee
              for c in (first, second)}
    assert sorted(owners.values()) == ["mgarcia", "tnguyen"]  # round-robin: one each
    applied = rig.events("rule.applied")
    assert len(applied) == 2 and all("round-robin" in e[2]["done"][0] for e in applied)


def test_sla_escalations_fire_their_rules_once(rig_factory: Any) -> None:
    from cxinbox.service.sla_monitor import SlaMonitor

    rig = rig_factory('''
[[rules]]
name = "at risk"
on = "sla-at-risk"
actions = { priority = "high" }

[[rules]]
name = "breached"
on = "sla-breached"
actions = { priority = "urgent", assign = "mgarcia", tag = ["breached"] }
''', hours="\n".join(f'{d} = ["00:00-24:00"]' for d in
                     ("mon", "tue", "wed", "thu", "fri", "sat", "sun")), policies=True)
    rig.dovecot.deliver(patient_mail("Hello", message_id="e1@p.example"))
    rig.sync()
    conv = rig.conv("e1@p.example")
    created = int(rig.db.conn.execute("SELECT created_at FROM conversations WHERE id = ?",
                                      (conv,)).fetchone()[0])
    monitor = SlaMonitor(rig.db, rig.config)
    assert [e.state for e in monitor.check(created + 2800)] == ["at-risk"]
    assert rig.db.conn.execute("SELECT priority FROM conversations WHERE id = ?",
                               (conv,)).fetchone()[0] == "high"
    assert [e.state for e in monitor.check(created + 3700)] == ["breached"]
    assert monitor.check(created + 3800) == []  # escalated once: the rules ran once
    row = rig.db.conn.execute("SELECT priority, assignee FROM conversations WHERE id = ?",
                              (conv,)).fetchone()
    assert tuple(row) == ("urgent", "mgarcia")
    assert [a for a, _, _ in rig.events("rule.applied")] == ["rule:at risk", "rule:breached"]
