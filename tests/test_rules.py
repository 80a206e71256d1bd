"""Rules: config checks, the RFC 3834 test, and the engine in-process on real Dovecot mail,
a real SMTP sink and SQLite on disk (the server-level tests are in test_rules_serve.py)."""

from __future__ import annotations

import email
import json
import time
from collections.abc import Iterator
from datetime import UTC, datetime
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
from cxinbox.wiring import rules_engine

TZ = ZoneInfo("America/New_York")


def patient_mail(subject: str = "Reschedule", **kwargs: Any) -> bytes:
    """A patient's mail dated now (an acknowledgement answers only recent mail)."""
    kwargs.setdefault("date", format_datetime(datetime.now(UTC)))
    return dated_mail(subject, **kwargs)


OPEN_DAY = (datetime.now(TZ).weekday() + 3) % 7
"""The one weekday the clinic of `closed_now_hours` opens (0 = Monday), read once: three days
from the day this module was imported, so it is not today, nor tomorrow after a midnight
passes during the run, and an acknowledgement names it whenever it is sent."""
OPEN_DAY_NAME = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday",
                 "Sunday")[OPEN_DAY]


def closed_now_hours() -> str:
    """[sla.calendars.clinic.hours] open only on OPEN_DAY, 09:00-17:00: closed now."""
    day = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")[OPEN_DAY]
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
    ('[[rules]]\nname = "r"\non = "arrival"\nactions = { snooze = "99999w" }',
     "c.toml: rules[0] (\"r\").actions.snooze: '99999w' is more than two years; a snooze"),
    ('[[rules]]\nname = "r"\non = "arrival"\nactions = { snooze = "105w" }',
     "c.toml: rules[0] (\"r\").actions.snooze: '105w' is more than two years"),
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
    ('[[rules]]\nname = "r"\non = "arrival"\nactions = { tag = "x" }\nenabled = "no"',
     'c.toml: rules[0].enabled: expected true or false, got "no"'),
])
def test_a_bad_rule_is_one_line_naming_the_rule_and_field(rule: str, expected: str) -> None:
    with pytest.raises(ConfigError) as caught:
        _load(rule)
    text = str(caught.value)
    assert text.startswith(expected), text
    assert "\n" not in text


def test_an_sla_term_without_sla_policies_is_refused_when_the_config_loads() -> None:
    """Without [[sla.policies]] an `sla:` term can never be evaluated: one line at load,
    not a rule that fails on every arrival."""
    rule = ('[[rules]]\nname = "late"\non = "arrival"\nmatch = "tag:vip -sla:breached"\n'
            'actions = { tag = "x" }')
    with pytest.raises(ConfigError) as caught:
        load_config_text('[[staff]]\nos_user = "mgarcia"\nname = "Maria Garcia"\n' + rule,
                         Path("c.toml"))
    assert str(caught.value) == ('c.toml: rules[0] ("late").match: sla:breached needs an SLA'
                                 ' policy, and no [[sla.policies]] is configured')
    assert _load(rule).rules[0].match == "tag:vip -sla:breached"  # with a policy it loads


def test_a_switched_off_rule_with_an_sla_term_loads_without_policies(rig_factory: Any) -> None:
    """Only a rule that runs is refused: one kept with `enabled = false` does not stop the
    whole config (and the rules beside it) from loading; `rules test` of it says in one
    line why it cannot replay, and the enabled rules still run."""
    from tests.test_serve_support import cx

    rig = rig_factory('''
[[rules]]
name = "late"
on = "arrival"
match = "tag:vip -sla:breached"
actions = { tag = ["x"] }
enabled = false

[[rules]]
name = "everything"
on = "arrival"
actions = { tag = ["seen"] }
''')
    assert [(r.name, r.enabled) for r in rig.config.rules] == [("late", False),
                                                               ("everything", True)]
    rig.dovecot.deliver(patient_mail("Flu shot", message_id="f1@p.example", body="When?"))
    rig.sync()
    conv = rig.conv("f1@p.example")
    assert [r[0] for r in rig.db.conn.execute(
        "SELECT tag FROM conversation_tags WHERE conversation_id = ?", (conv,))] == ["seen"]
    tested = cx("rules", "test", "late", "--since", "1d", "--config", str(rig.path))
    assert tested.returncode != 0
    assert "Traceback" not in tested.stderr
    assert tested.stderr.strip().splitlines() == [
        tested.stderr.strip().splitlines()[0]]
    assert ("rule 'late' cannot be replayed: sla:breached needs an SLA policy, and no"
            " [[sla.policies]] is configured") in tested.stderr


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
        self.path = path
        self.config = load_config(path)
        self.db = Database(self.config.db_path)
        self.worker = OutboxWorker(self.db, self.config)
        self.rules = rules_engine(self.db, self.config)

    def desk(self, actor: str = "mgarcia") -> InboxService:
        """A person's service as the composition root builds it: closing fires rules."""
        return InboxService(self.db, self.config, actor, rules=self.rules)

    def sync(self) -> None:
        engine = MailSync(self.db, self.config, lambda a: self.dovecot.password,
                          rules=self.rules)
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


def test_a_rule_whose_query_cannot_run_names_the_conversations_it_skipped(
        rig_factory: Any, caplog: pytest.LogCaptureFixture) -> None:
    """A query the store cannot run (here `sla:` in a rule handed to an engine whose config
    has no SLA policy, which the config check refuses) skips the rule for the batch: the
    log line and the audit event name the conversations, the next rule runs, ingest goes
    on, and no patient text is logged."""
    from cxinbox.domain.rules import Rule, Vocabulary, parse_actions
    from cxinbox.service.rules import RuleEngine

    rig = rig_factory("")
    vocab = Vocabulary(users=None, policies=frozenset(), acknowledge=False, teams=None)
    rig.rules = RuleEngine(rig.db, rig.config, rules=[
        Rule("late", "arrival", "sla:breached", parse_actions({"tag": ["late"]}, vocab)),
        Rule("still runs", "arrival", "", parse_actions({"tag": ["seen"]}, vocab))])
    rig.dovecot.deliver(patient_mail("Reschedule", message_id="q1@p.example",
                                     body="Brunhilde here, please move my visit."))
    rig.dovecot.deliver(patient_mail("Refill", message_id="q2@p.example",
                                     sender="Ann <ann@patients.example>"))
    with caplog.at_level("WARNING", logger="cxinbox.rules"):
        rig.sync()
    first, second = sorted((rig.conv("q1@p.example"), rig.conv("q2@p.example")))
    assert rig.events("rule.failed") == [
        ("rule:late", "", {"rule": "late", "trigger": "arrival", "error": "QueryError",
                           "conversations": 2, "ids": [first, second]})]
    assert (f"rule 'late' could not match conversations #{first}, #{second}: QueryError"
            in caplog.text)
    assert "Brunhilde" not in caplog.text
    assert {r[0] for r in rig.db.conn.execute("SELECT tag FROM conversation_tags")} == {"seen"}


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
    rig.desk().set_status(conv, "closed")
    applied = [a for a, t, _ in rig.events("rule.applied") if t == f"conversation:{conv}"]
    assert applied == ["rule:bounce open", "rule:close again"]  # each once, then quiet
    statuses = [(a, d["to"]) for a, _, d in rig.events("conversation.status")]
    assert statuses == [("mgarcia", "closed"), ("rule:bounce open", "open"),
                        ("rule:close again", "closed")]
    # A bulk close by a person fires too (once per conversation, in its transaction).
    rig.desk().set_status(conv, "open")
    rig.desk().bulk_status(f"id:{conv}", "closed")
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
    # One Auto-Submitted header, and it says auto-replied: a second "no" would tell the
    # patient's auto-responder this is a person's mail and invite a reply loop.
    assert email.message_from_string(text).get_all("Auto-Submitted") == ["auto-replied"]
    assert f"We will answer by {OPEN_DAY_NAME} 9:00." in text
    skipped = [d["skipped"] for _, _, d in rig.events("rule.applied")]
    assert sorted(s for entry in skipped for s in entry) == [
        "acknowledge: mailing list", "acknowledge: sender acknowledged today"]
    rig.sync()  # nothing new: nothing more
    assert rig.worker.process_due() == 0
    # Mail the server received 13 hours ago (a long outage) is not answered: live, it runs
    # its rules, and the acknowledgement skips it as old. Mail dated last year that the
    # server received now (sent late from an outbox) arrived now, and is answered. Only a
    # first sync's backlog runs no rule (tests/test_backlog_mark.py).
    from datetime import timedelta
    thirteen_h = datetime.now(UTC) - timedelta(hours=13)
    rig.dovecot.deliver(patient_mail("Old", message_id="old@p.example",
                                     sender="Old <old@patients.example>",
                                     date=format_datetime(thirteen_h)),
                        internaldate=thirteen_h)
    rig.sync()
    assert rig.events("rule.applied")[-1][2]["skipped"] == ["acknowledge: old message"]
    applied = len(rig.events("rule.applied"))
    rig.dovecot.deliver(patient_mail("Older", message_id="older@p.example",
                                     sender="Older <older@patients.example>",
                                     date="Mon, 06 Jan 2025 09:15:00 -0500"))
    rig.sync()
    older = rig.conv("older@p.example")
    [(actor, target, details)] = rig.events("rule.applied")[applied:]
    assert (actor, target, details["skipped"]) == (
        "rule:after hours", f"conversation:{older}", [])
    assert rig.worker.process_due() == 1
    assert rig.sink.wait_for(2)
    assert rig.sink.messages[1].rcpt_tos == ["older@patients.example"]


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


def test_an_acknowledgement_queued_before_a_red_flag_is_withheld_and_audited(
        rig_factory: Any) -> None:
    """The acknowledgement is queued with the calm message; a person flags the
    conversation before the outbox sends it (the mail server was down, say): the outbox
    cancels it instead of sending, with an audited reason, and never sends it later."""
    rig = rig_factory('''
[[rules]]
name = "after hours"
on = "arrival"
actions = { acknowledge = true }
''')
    rig.dovecot.deliver(patient_mail("Refill", message_id="q1@p.example"))
    rig.sync()
    conv = rig.conv("q1@p.example")
    ((actor, _, queued),) = rig.events("rule.acknowledged")
    assert actor == "rule:after hours"
    rig.desk().tag(conv, ["red-flag"])
    assert rig.desk().get_conversation(conv, record_view=False).summary.red_flag_open
    assert rig.worker.process_due() == 0
    state = rig.db.conn.execute("SELECT state FROM outbox WHERE id = ?",
                                (queued["outbox"],)).fetchone()[0]
    assert state == "cancelled"
    assert rig.events("outbox.cancelled") == [
        ("outbox", f"conversation:{conv}", {"outbox": queued["outbox"],
                                            "author": "rule:after hours", "draft": None,
                                            "reason": "red flag"})]
    assert rig.events("outbox.sending") != [] and rig.events("outbox.sent") == []
    assert rig.worker.process_due() == 0  # and not later either
    assert rig.sink.messages == []


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


def test_an_open_red_flag_is_never_put_away_by_a_rule_or_an_agent(rig_factory: Any) -> None:
    """A rule's actions that would pend, snooze, close or lower the priority of an open red
    flag are skipped, its other actions run (the skip and why in `rule.applied`, and in
    `rules test`), on arrival and on a patient's reply alike."""
    from cxinbox.service.rules_preview import preview

    rig = rig_factory('''
[[rules]]
name = "billing"
on = "arrival"
match = 'insurance'
actions = { tag = ["billing"], priority = "low", status = "pending" }

[[rules]]
name = "follow up"
on = "patient-reply"
actions = { priority = "high" }

[[rules]]
name = "quiet"
on = "patient-reply"
actions = { snooze = "2h" }
enabled = false

[[rules]]
name = "tidy"
on = "patient-reply"
actions = { untag = ["red-flag", "lab"] }
enabled = false
''', policies=True)
    rig.dovecot.deliver(patient_mail("insurance claim", message_id="h1@p.example",
                                     body="My insurance claim was denied. Also I have crushing"
                                          " chest pain right now."))
    rig.dovecot.deliver(patient_mail("insurance card", message_id="h2@p.example",
                                     sender="Ann <ann@patients.example>",
                                     body="Do you have my new insurance card?"))
    rig.sync()
    flagged, calm = rig.conv("h1@p.example"), rig.conv("h2@p.example")

    def state(conv: int) -> tuple[str, str]:
        row = rig.db.conn.execute("SELECT status, priority FROM conversations WHERE id = ?",
                                  (conv,)).fetchone()
        return str(row[0]), str(row[1])

    assert state(flagged) == ("open", "urgent")
    assert state(calm) == ("pending", "low")  # the rule itself works
    applied = {t: d for _, t, d in rig.events("rule.applied")}
    assert applied[f"conversation:{flagged}"]["done"] == ["tag +billing"]
    assert applied[f"conversation:{flagged}"]["skipped"] == [
        "priority low: open red flag", "status pending: open red flag"]
    assert applied[f"conversation:{calm}"]["skipped"] == []
    # The patient writes again: the reply rule's downgrade is skipped too.
    rig.dovecot.deliver(patient_mail("Re: insurance claim", message_id="h3@p.example",
                                     body="It is getting worse.",
                                     extra="In-Reply-To: <h1@p.example>\r\n"))
    rig.sync()
    assert state(flagged) == ("open", "urgent")
    assert rig.events("rule.applied")[-1][2]["skipped"] == ["priority high: open red flag"]
    # `rules test` says so of the switched-off snooze rule.
    engine = rules_engine(rig.db, rig.config, replaying="quiet")
    assert engine is not None
    result = preview(rig.desk(), engine, "quiet", int(time.time()) - 3600)
    assert [(r.conversation_id, r.would) for r in result.rows] == [
        (flagged, ("snooze 2h would be skipped: open red flag",))]
    # and of the reply rule's downgrade, and of a rule taking the red-flag tag off
    for name, would in (("follow up", "priority high would be skipped: open red flag"),
                        ("tidy", "tag -red-flag -lab would be skipped: open red flag")):
        engine = rules_engine(rig.db, rig.config, replaying=name)
        assert engine is not None
        result = preview(rig.desk(), engine, name, int(time.time()) - 3600)
        assert [(r.conversation_id, r.would) for r in result.rows] == [(flagged, (would,))]
    assert "red-flag" in rig.desk().get_conversation(flagged).summary.tags


def test_an_agent_cannot_put_an_open_red_flag_away(rig_factory: Any) -> None:
    """An agent pending, snoozing or closing an open red flag is refused in one line by the
    service, whoever asks (the CLI exits 6; a bare number in `status` is that id, not a
    search), and a supervisor may: the flag then stays in view 3 and the RedF count."""
    from tests.test_serve_support import cx

    from cxinbox.contract.errors import Forbidden
    from cxinbox.tui.views import standard_view
    from cxinbox.tui.widgets.header_bar import COUNTS

    rig = rig_factory("", policies=True)
    rig.dovecot.deliver(patient_mail("swelling", message_id="a1@p.example",
                                     body="My throat is closing up after the peanut."))
    rig.dovecot.deliver(patient_mail("insurance card", message_id="a2@p.example",
                                     sender="Ann <ann@patients.example>",
                                     body="Do you have my new insurance card?"))
    rig.sync()
    flagged, calm = rig.conv("a1@p.example"), rig.conv("a2@p.example")

    def state(conv: int) -> tuple[str, str]:
        row = rig.db.conn.execute("SELECT status, priority FROM conversations WHERE id = ?",
                                  (conv,)).fetchone()
        return str(row[0]), str(row[1])

    assert state(flagged) == ("open", "urgent")
    # An agent may not put it away: one line, nothing changed, the refusal audited.
    line = (f"#{flagged} has an open red flag (anaphylaxis): a clinician clears it first:"
            f" cxinbox flag clear {flagged} --reason ...")
    agent = InboxService(rig.db, rig.config, "tnguyen")
    for status, until in (("closed", None), ("pending", None),
                          ("snoozed", int(time.time()) + 7200)):
        with pytest.raises(Forbidden) as refused:
            agent.set_status(flagged, status, until)
        assert str(refused.value) == line
    with pytest.raises(Forbidden) as refused:
        agent.bulk_status(f"id:{flagged} OR id:{calm}", "closed", dry_run=True)
    assert str(refused.value) == line
    assert state(flagged) == ("open", "urgent") and state(calm) == ("open", "normal")
    assert [d["reason"] for a, _, d in rig.events("access.denied") if a == "tnguyen"] == [
        "open red flag"] * 4
    agent.set_status(calm, "closed")  # no flag: as before
    with pytest.raises(Forbidden) as refused:  # nor lower its priority below urgent
        agent.set_priority(flagged, "high")
    assert str(refused.value) == line
    with pytest.raises(Forbidden) as refused:  # nor take its red-flag tag off
        agent.tag(flagged, remove=["red-flag"])
    assert str(refused.value) == line
    agent.set_priority(calm, "high")  # no flag: as before
    # The command line, as an agent (the test's login is not on the roster): a bare number
    # is that conversation, not a search for the digits.
    shown = cx("status", f"#{flagged}", "closed", "--yes", "--config", str(rig.path))
    assert shown.returncode == 6, shown.stderr
    assert shown.stderr.strip().splitlines() == [f"cxinbox: {line}"]
    assert state(calm)[0] == "closed"
    assert state(flagged) == ("open", "urgent")
    assert "red-flag" in rig.desk().get_conversation(flagged).summary.tags
    # A supervisor may; the flag stays in view 3 and in the RedF count.
    rig.desk().set_priority(flagged, "high")
    rig.desk().set_status(flagged, "pending")
    red_count = next(c.query for c in COUNTS if c.key == "red-flag")
    for query in (standard_view("at-risk").query, red_count):
        assert rig.desk().matching_ids(query) == [flagged], query


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

[[rules]]
name = "park"
on = "arrival"
actions = { snooze = "10080m" }

[[rules]]
name = "nap"
on = "arrival"
actions = { snooze = "90m" }
''')
    listed = cx("rules", "list", "--config", str(cfg))
    assert listed.returncode == 0, listed.stderr
    assert listed.stdout.startswith(
        " 1. lab results  on arrival  (stop)\n 2. late  on sla-breached  (notify pages"
        " nobody: no [sla] notify_command is set)\n")
    # qa28 F12: a week's snooze reads as one, in the grammar the config takes
    assert cx("rules", "show", "park", "--config", str(cfg)).stdout.splitlines()[-1] == \
        "action:  snooze 1w"
    assert cx("rules", "show", "nap", "--config", str(cfg)).stdout.splitlines()[-1] == \
        "action:  snooze 1h30m"
    shown = cx("rules", "show", "lab results", "--json", "--config", str(cfg))
    assert json.loads(shown.stdout) == {"name": "lab results", "on": "arrival",
                                        "match": "mailbox:results", "stop": True,
                                        "enabled": True,
                                        "actions": ["tag +lab", "assign mgarcia"]}
    late = cx("rules", "show", "late", "--config", str(cfg))
    assert late.stdout.splitlines()[-2:] == [  # its words, and that nothing runs them
        "action:  priority urgent",
        'action:  notify "breached"  (pages nobody: no [sla] notify_command is set)']
    assert json.loads(cx("rules", "show", "late", "--json", "--config", str(cfg)).stdout)[
        "notify_command"] is None
    # an unknown rule name is bad usage (the exit table's 2), not "no such conversation"
    for verb in ("show", "test"):
        missing = cx("rules", verb, "nope", "--config", str(cfg))
        assert missing.returncode == 2, (verb, missing.stderr)
        assert missing.stderr == ("cxinbox: no rule named 'nope'; rules: 'lab results', 'late',"
                                  " 'park', 'nap'\n"), verb
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
    engine's TeamAssign, in the rule's transaction and savepoint, at the trigger's time."""
    import dataclasses

    from cxinbox.domain.rules import Rule, RuleAction

    rig = rig_factory("")
    rule = Rule("route", "arrival", "", (RuleAction("assign_team", "results"),))
    config = dataclasses.replace(rig.config, rules=(rule,))
    calls: list[tuple[int, str, str, int]] = []

    def pick(tx: Any, conv: int, team: str, actor: str, now: int) -> str:
        calls.append((conv, team, actor, now))
        tx.update_state(conv, assignee="tnguyen")
        tx.append_event(actor, "conversation.assign", f"conversation:{conv}",
                        {"from": None, "to": "tnguyen", "why": "round-robin: first"})
        return "assign tnguyen (team results)"

    rig.config = config
    rig.rules = rules_mod.RuleEngine(rig.db, config, team_assign=pick)
    rig.dovecot.deliver(patient_mail("Results?", message_id="t1@p.example"))
    rig.sync()
    conv = rig.conv("t1@p.example")
    mail_received = rig.db.conn.execute("SELECT max(at) FROM events WHERE action ="
                                        " 'mail.received'").fetchone()[0] // 1000
    assert len(calls) == 1 and calls[0][:3] == (conv, "results", "rule:route")
    assert abs(calls[0][3] - mail_received) <= 1  # the ingest's time
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
    monitor = SlaMonitor(rig.db, rig.config, rules=rig.rules)
    assert [e.state for e in monitor.check(created + 2800)] == ["at-risk"]
    assert rig.db.conn.execute("SELECT priority FROM conversations WHERE id = ?",
                               (conv,)).fetchone()[0] == "high"
    assert [e.state for e in monitor.check(created + 3700)] == ["breached"]
    assert monitor.check(created + 3800) == []  # escalated once: the rules ran once
    row = rig.db.conn.execute("SELECT priority, assignee FROM conversations WHERE id = ?",
                              (conv,)).fetchone()
    assert tuple(row) == ("urgent", "mgarcia")
    assert [a for a, _, _ in rig.events("rule.applied")] == ["rule:at risk", "rule:breached"]


def test_the_red_flag_clock_runs_from_the_raise(rig_factory: Any) -> None:
    """A red flag raised by a patient's reply starts the red-flag policy's clock then: due at
    the raise plus its 15 minutes, on a conversation waiting half an hour (not breached at
    once) and on one already answered (not without a clock), and it escalates."""
    from datetime import timedelta

    from cxinbox.service.replies import ReplyService
    from cxinbox.service.sla_monitor import SlaMonitor

    rig = rig_factory('''
[[sla.policies]]
name = "red flags"
first_response = "15m"

[triage]
red_flag_policy = "red flags"
''', hours="\n".join(f'{d} = ["00:00-24:00"]' for d in
                     ("mon", "tue", "wed", "thu", "fri", "sat", "sun")), policies=True)
    earlier = format_datetime(datetime.now(UTC) - timedelta(minutes=30))
    rig.dovecot.deliver(patient_mail("Refill", message_id="c1@p.example", date=earlier))
    rig.dovecot.deliver(patient_mail("Parking", message_id="c2@p.example", date=earlier,
                                     sender="Ann <ann@patients.example>"))
    rig.sync()
    answered, waiting = rig.conv("c1@p.example"), rig.conv("c2@p.example")
    replies = ReplyService(rig.desk(), worker=rig.worker)
    draft = replies.start_draft(answered)
    replies.save_draft(draft.id, "Your refill is ready.")
    replies.send(draft.id)
    assert rig.worker.process_due() == 1
    for conv, mid, sender in ((answered, "c1", "Jane Doe <jane.doe@patients.example>"),
                              (waiting, "c2", "Ann <ann@patients.example>")):
        rig.dovecot.deliver(patient_mail("Re: it", message_id=f"{mid}r@p.example",
                                         sender=sender, extra=f"In-Reply-To: <{mid}@p.example>\r\n",
                                         body="I have crushing chest pain right now."))
    rig.sync()
    monitor = SlaMonitor(rig.db, rig.config)

    def clock(conv: int) -> tuple[Any, ...]:
        return tuple(rig.db.conn.execute(
            "SELECT sla_policy, sla_target, sla_due_at - red_flag_at, red_flag_at FROM"
            " conversations WHERE id = ?", (conv,)).fetchone())

    raised = max(clock(c)[3] for c in (answered, waiting))
    assert monitor.check(raised) == []  # neither is late the moment it is raised
    assert [clock(c)[:3] for c in (answered, waiting)] == [
        ("red flags", "first-response", 900)] * 2
    assert sorted((e.conversation_id, e.state) for e in monitor.check(raised + 700)) == [
        (answered, "at-risk"), (waiting, "at-risk")]
    assert sorted((e.conversation_id, e.state) for e in monitor.check(raised + 901)) == [
        (answered, "breached"), (waiting, "breached")]


def test_team_rule_judges_shifts_at_the_triggers_time(rig_factory: Any) -> None:
    """A shift-aware team picks by who works at the moment of the trigger (here a person's
    close at a fixed time), never by the wall clock: the same rule gives the morning close
    to the morning shift and the evening close to the evening shift, whenever the test runs."""
    rig = rig_factory('''
[sla.calendars.mornings]
timezone = "America/New_York"
[sla.calendars.mornings.hours]
tue = ["08:00-12:00"]

[sla.calendars.evenings]
timezone = "America/New_York"
[sla.calendars.evenings.hours]
tue = ["17:00-21:00"]

[[teams]]
name = "desk"
members = ["mgarcia", "tnguyen"]
strategy = "shift-aware"
shifts = { mgarcia = "mornings", tnguyen = "evenings" }

[[rules]]
name = "closed to the desk"
on = "closed"
actions = { assign = "team:desk" }
''')
    rig.dovecot.deliver(patient_mail("Morning", message_id="m1@p.example"))
    rig.dovecot.deliver(patient_mail("Evening", message_id="e1@p.example",
                                     sender="Ann <ann@patients.example>"))
    rig.sync()
    morning, evening = rig.conv("m1@p.example"), rig.conv("e1@p.example")
    tuesday_9am = datetime(2026, 12, 1, 9, 0, tzinfo=TZ).timestamp()
    tuesday_6pm = datetime(2026, 12, 1, 18, 0, tzinfo=TZ).timestamp()
    for conv, at in ((morning, tuesday_9am), (evening, tuesday_6pm)):
        InboxService(rig.db, rig.config, "mgarcia", clock=lambda at=at: at,
                     rules=rig.rules).set_status(conv, "closed")
    owners = dict(rig.db.conn.execute("SELECT id, assignee FROM conversations WHERE id IN"
                                      " (?, ?)", (morning, evening)).fetchall())
    assert owners == {morning: "mgarcia", evening: "tnguyen"}
    done = [d["done"] for _, _, d in rig.events("rule.applied")]
    assert len(done) == 2 and "mgarcia" in done[0][0] and "tnguyen" in done[1][0]


def test_an_acknowledgement_is_no_answer_but_the_desks_reply_is(rig_factory: Any) -> None:
    """Whether a sent message stops the response clock is decided by what it is (the
    acknowledgement ledger names the automatic one), passed to the store explicitly."""
    from cxinbox.service.replies import ReplyService

    rig = rig_factory('''
[[rules]]
name = "after hours"
on = "arrival"
actions = { acknowledge = true }
''')
    rig.dovecot.deliver(patient_mail("Refill", message_id="q1@p.example"))
    rig.sync()
    conv = rig.conv("q1@p.example")
    assert rig.worker.process_due() == 1

    def response_times() -> tuple[Any, Any]:
        row = rig.db.conn.execute("SELECT first_response_at, last_response_at FROM"
                                  " conversations WHERE id = ?", (conv,)).fetchone()
        return row[0], row[1]

    assert response_times() == (None, None)
    replies = ReplyService(rig.desk(), worker=rig.worker)
    draft = replies.start_draft(conv)
    replies.save_draft(draft.id, "Your refill is ready.")
    replies.send(draft.id)
    assert rig.worker.process_due() == 1  # no undo window in this config
    sent_at = rig.db.conn.execute("SELECT max(date) FROM messages WHERE conversation_id = ?"
                                  " AND direction = 'out'", (conv,)).fetchone()[0]
    assert response_times() == (sent_at, sent_at)


def test_outbound_texts_count_as_a_response_only_when_the_caller_says_so(
        tmp_path: Path) -> None:
    from cxinbox.store.records import SmsRecord

    db = Database(tmp_path / "c.db")
    clinic, patient = "+15550100", "+15550123"
    try:
        with db.writing() as tx:
            stored = tx.store_sms(SmsRecord("SMin1", clinic, patient, "in", "Refill?", 1000))
            assert stored is not None
            ack = tx.record_outbound_sms(SmsRecord("SMout1", clinic, patient, "out",
                                                   "Got it, we answer Monday.", 1010),
                                         counts_as_response=False)
            assert ack is not None and ack.conversation_id == stored.conversation_id
            conv = tx.conversation(stored.conversation_id)
            assert conv is not None
            assert (conv.first_response_at, conv.last_response_at) == (None, None)
            tx.record_outbound_sms(SmsRecord("SMout2", clinic, patient, "out",
                                             "Your refill is ready.", 1500),
                                   counts_as_response=True)
            conv = tx.conversation(stored.conversation_id)
            assert conv is not None
            assert (conv.first_response_at, conv.last_response_at) == (1500, 1500)
    finally:
        db.close()


def test_rules_test_judges_each_arrival_by_the_state_it_arrived_in(rig_factory: Any) -> None:
    """A rule written switched off is replayed as the conversations were when they arrived:
    a tag staff added the next day does not hide a conversation from `-tag:vip`, a priority
    staff raised later is still a change, and nothing is written but the audited read."""
    from tests.test_serve_support import cx

    from cxinbox.service.rules_preview import preview

    rig = rig_factory('''
[[rules]]
name = "triage new mail"
on = "arrival"
match = "-tag:vip"
actions = { tag = ["triage"], priority = "high" }
enabled = false
''', hours="\n".join(f'{d} = ["00:00-24:00"]' for d in
                     ("mon", "tue", "wed", "thu", "fri", "sat", "sun")))
    assert rig.rules is None  # nothing enabled: nothing runs at ingest
    rig.dovecot.deliver(patient_mail("Refill", message_id="v1@p.example"))
    rig.dovecot.deliver(patient_mail("Parking", message_id="v2@p.example",
                                     sender="Ann <ann@patients.example>"))
    rig.sync()
    vip, other = rig.conv("v1@p.example"), rig.conv("v2@p.example")
    desk = rig.desk()
    desk.tag(vip, add=["vip"])
    desk.set_priority(other, "high")
    assert rig.events("rule.applied") == []

    def snapshot() -> list[Any]:
        return [tuple(r) for r in rig.db.conn.execute(
            "SELECT c.id, c.status, c.priority, c.assignee,"
            " (SELECT group_concat(tag) FROM conversation_tags t WHERE t.conversation_id = c.id)"
            " FROM conversations c ORDER BY c.id")]

    before, last_seq = snapshot(), rig.db.conn.execute("SELECT max(seq) FROM events").fetchone()[0]
    engine = rules_engine(rig.db, rig.config, replaying="triage new mail")
    assert engine is not None
    result = preview(desk, engine, "triage new mail", int(datetime.now(UTC).timestamp()) - 3600)
    # Each row is dated by when the server received its message (INTERNALDATE), not by
    # the ingest: the two deliveries may straddle a second.
    def arrived(conv: int) -> int:
        return int(rig.db.conn.execute(
            "SELECT min(received_at) FROM messages WHERE conversation_id = ?",
            (conv,)).fetchone()[0])

    assert (result.triggered, result.matched) == (2, 2)
    assert [(r.conversation_id, r.at, r.would) for r in result.rows] == [
        (vip, arrived(vip), ("tag +triage", "priority high")),
        (other, arrived(other), ("tag +triage", "priority high"))]
    # Nothing changed: the same state, and one new event, the audited read.
    assert snapshot() == before
    assert [tuple(r) for r in rig.db.conn.execute(
        "SELECT actor, action FROM events WHERE seq > ?", (last_seq,))] == [
        ("mgarcia", "rules.test")]
    # The command line: one line per firing, then the summary; --json the same.
    shown = cx("rules", "test", "triage new mail", "--since", "1d", "--config", str(rig.path))
    assert shown.returncode == 0, shown.stderr
    lines = shown.stdout.splitlines()
    assert len(lines) == 3
    assert lines[0].startswith(f"#{vip:<6} ") and lines[0].endswith("  tag +triage; priority high")
    assert lines[2].startswith("rule 'triage new mail' (enabled = false: not running) on"
                               " arrival since ")
    assert lines[2].endswith(": 2 trigger(s), would have fired 2 time(s); nothing was changed")
    as_json = json.loads(cx("rules", "test", "triage new mail", "--json", "--config",
                            str(rig.path)).stdout)
    assert [c["would"] for c in as_json["conversations"]] == [["tag +triage", "priority high"]] * 2
    assert snapshot() == before


def test_rules_test_assesses_old_mail_the_ingest_never_did(
        rig_factory: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    """A first sync's backlog (received longer than [triage] backlog_hours before it was
    stored) has no intent and no red flag;
    `rules test` of a rule reading them assesses its messages for the replay (nothing
    stored) and says how many it did, and how many it left past its limit."""
    from datetime import timedelta

    from tests.test_serve_support import cx

    from cxinbox.service.rules_preview import preview

    rig = rig_factory('''
[[rules]]
name = "billing desk"
on = "arrival"
match = "intent:billing_insurance OR is:red-flag"
actions = { tag = ["billing-desk"] }
enabled = false
''')
    received = datetime.now(UTC) - timedelta(days=5)
    old = format_datetime(received)
    rig.dovecot.deliver(patient_mail("my bill", message_id="o1@p.example", date=old,
                                     body="I was charged twice on my bill, my insurance"
                                          " already paid the copay. Please refund it."),
                        internaldate=received)
    rig.dovecot.deliver(patient_mail("hello", message_id="o2@p.example", date=old,
                                     sender="Ann <ann@patients.example>",
                                     body="I have crushing chest pain."),
                        internaldate=received)
    rig.dovecot.deliver(patient_mail("parking", message_id="o3@p.example", date=old,
                                     sender="Bo <bo@patients.example>",
                                     body="Where do I park for my appointment?"),
                        internaldate=received)
    rig.sync()
    bill, chest = rig.conv("o1@p.example"), rig.conv("o2@p.example")
    assert rig.db.conn.execute("SELECT count(*) FROM conversations WHERE intent IS NOT NULL"
                               " OR red_flag IS NOT NULL").fetchone()[0] == 0
    engine = rules_engine(rig.db, rig.config, replaying="billing desk")
    assert engine is not None
    result = preview(rig.desk(), engine, "billing desk", int(time.time()) - 7 * 86400)
    assert (result.triggered, result.matched, result.assessed) == (3, 2, 3)
    assert sorted(r.conversation_id for r in result.rows) == sorted([bill, chest])
    assert rig.db.conn.execute("SELECT count(*) FROM conversations WHERE intent IS NOT NULL"
                               " OR red_flag IS NOT NULL").fetchone()[0] == 0  # none stored
    from cxinbox.service import rules_preview

    monkeypatch.setattr(rules_preview, "MAX_ASSESSED", 1)
    capped = preview(rig.desk(), engine, "billing desk", int(time.time()) - 7 * 86400)
    assert (capped.triggered, capped.assessed, capped.unassessed) == (3, 1, 2)
    assert capped.matched == 1
    shown = cx("rules", "test", "billing desk", "--since", "7d", "--config", str(rig.path))
    assert shown.returncode == 0, shown.stderr
    lines = shown.stdout.splitlines()
    assert lines[-2] == (
        "3 of them came with a first sync's backlog, never assessed at ingest: assessed for"
        " this replay (nothing stored), so intent: and red-flag: could match")
    # Live, that backlog fired no rule at all: the two firings listed did not happen.
    assert lines[-1].startswith("2 of them came with a first sync's backlog")


def test_rules_test_reads_only_the_text_it_assesses(
        rig_factory: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    """Finding each moment's latest patient message reads its id and date, not the
    conversation's messages and their bodies: with room to assess one old message of a
    long thread and three moments, one message's text is read."""
    from datetime import timedelta

    from cxinbox.service import rules_preview
    from cxinbox.service.rules_preview import preview

    rig = rig_factory('''
[[rules]]
name = "billing desk"
on = "arrival"
match = "intent:billing_insurance"
actions = { tag = ["billing-desk"] }
enabled = false
''')
    received = datetime.now(UTC) - timedelta(days=5)
    old = format_datetime(received)
    for n, sender in enumerate(("Jo <jo@patients.example>", "Ann <ann@patients.example>",
                                "Bo <bo@patients.example>")):
        rig.dovecot.deliver(patient_mail(f"my bill {n}", message_id=f"o{n}@p.example",
                                         date=old, sender=sender,
                                         body="I was charged twice on my bill, my insurance"
                                              " already paid the copay. Please refund it."),
                            internaldate=received)
    rig.sync()
    monkeypatch.setattr(rules_preview, "MAX_ASSESSED", 1)
    engine = rules_engine(rig.db, rig.config, replaying="billing desk")
    assert engine is not None
    statements: list[str] = []
    rig.db.conn.set_trace_callback(statements.append)
    try:
        result = preview(rig.desk(), engine, "billing desk", int(time.time()) - 7 * 86400)
    finally:
        rig.db.conn.set_trace_callback(None)
    assert (result.triggered, result.matched, result.assessed, result.unassessed) == (
        3, 1, 1, 2)
    texts = [s for s in statements if "body_text" in s and "FROM messages" in s]
    assert len(texts) == 1, texts


def test_state_before_undoes_recorded_changes_newest_first() -> None:
    from cxinbox.service.rules_preview import state_before
    from cxinbox.store.records import StoredEvent

    conv = _conversation_now()
    later = [
        StoredEvent(10, "rule:x", "conversation.tag", "conversation:7",
                    {"add": ["lab"], "remove": []}),
        StoredEvent(11, "mgarcia", "conversation.status", "conversation:7",
                    {"from": "open", "to": "snoozed", "until": 99, "from_until": None}),
        StoredEvent(12, "mgarcia", "conversation.assign", "conversation:7",
                    {"from": None, "to": "mgarcia"}),
        StoredEvent(13, "triage", "conversation.priority", "conversation:7",
                    {"from": "normal", "to": "urgent"}),
        StoredEvent(14, "triage", "redflag.raised", "conversation:7",
                    {"conversation": 7, "category": "chest-pain", "message": 3}),
        StoredEvent(15, "drlee", "redflag.cleared", "conversation:7",
                    {"conversation": 7, "category": "chest-pain", "reason": "seen"}),
        StoredEvent(16, "mgarcia", "conversation.tag", "conversation:7",
                    {"add": ["vip"], "remove": ["red-flag"]}),
    ]
    state = state_before(conv, frozenset({"lab", "vip"}), "refill", later)
    assert (state.status, state.snoozed_until, state.assignee, state.priority,
            state.red_flag, state.intent, state.tags) == (
        "open", None, None, "normal", None, "refill", frozenset({"red-flag"}))
    # Undoing only the last two: the flag was open and tagged then.
    state = state_before(conv, frozenset({"lab", "vip"}), None, later[5:])
    assert (state.red_flag, state.tags) == ("chest-pain", frozenset({"lab", "red-flag"}))


def _conversation_now() -> Any:
    """A conversation record as it is now: snoozed, assigned, urgent, flag cleared."""
    import dataclasses

    from cxinbox.store.records import ConversationRecord

    values: dict[str, Any] = {}
    for f in dataclasses.fields(ConversationRecord):
        if f.default is not dataclasses.MISSING or f.default_factory is not dataclasses.MISSING:
            continue
        values[f.name] = 0 if "int" in str(f.type) else ""
    values.update(id=7, status="snoozed", snoozed_until=99, assignee="mgarcia",
                  priority="urgent")
    return dataclasses.replace(ConversationRecord(**values), red_flag=None)


def test_rules_test_replays_patient_replies_and_closes_as_they_were(rig_factory: Any) -> None:
    from cxinbox.service.rules_preview import preview

    rig = rig_factory('''
[[rules]]
name = "chase"
on = "patient-reply"
match = "-tag:answered"
actions = { priority = "high" }
enabled = false

[[rules]]
name = "unbilled"
on = "closed"
match = "-tag:billed"
actions = { tag = ["check-billing"] }
enabled = false
''')
    rig.dovecot.deliver(patient_mail("Refill", message_id="c1@p.example"))
    rig.sync()
    conv = rig.conv("c1@p.example")
    rig.dovecot.deliver(patient_mail("Re: Refill", message_id="c2@p.example",
                                     extra="In-Reply-To: <c1@p.example>\r\n"))
    rig.sync()
    desk = rig.desk()
    desk.tag(conv, add=["answered"])  # after the patient wrote again
    desk.set_status(conv, "closed")
    desk.tag(conv, add=["billed"])  # after the close
    since = int(datetime.now(UTC).timestamp()) - 3600
    # The reply's row is dated by when the server received it (INTERNALDATE), not by its
    # ingest's event: the two may straddle a second.
    replied = int(rig.db.conn.execute("SELECT received_at FROM messages WHERE message_id = ?",
                                      ("c2@p.example",)).fetchone()[0])
    closed_at = rig.db.conn.execute("SELECT at FROM events WHERE action ="
                                    " 'conversation.status'").fetchone()[0] // 1000

    def replay(name: str) -> Any:
        engine = rules_engine(rig.db, rig.config, replaying=name)
        assert engine is not None
        return preview(desk, engine, name, since)

    chase = replay("chase")
    assert (chase.triggered, chase.matched) == (1, 1)  # the first mail is an arrival
    assert [(r.conversation_id, r.at, r.would) for r in chase.rows] == [
        (conv, replied, ("priority high",))]
    unbilled = replay("unbilled")
    assert [(r.conversation_id, r.at, r.would) for r in unbilled.rows] == [
        (conv, closed_at, ("tag +check-billing",))]
    tags = {r[0] for r in rig.db.conn.execute(
        "SELECT tag FROM conversation_tags WHERE conversation_id = ?", (conv,))}
    assert tags == {"answered", "billed"}  # replays leave no trace


def test_a_rule_snooze_up_to_two_years_loads() -> None:
    """qa28 F5: the bound is the API's two years, not less."""
    config = _load('[[rules]]\nname = "r"\non = "arrival"\nactions = { snooze = "104w" }')
    assert config.rules[0].actions[0].value == 104 * 7 * 86400


def _hook_script(tmp: Path, name: str) -> tuple[Path, Path]:
    """An executable notify hook that appends the event or rule it was run for."""
    out = tmp / f"{name}.out"
    hook = tmp / f"{name}.sh"
    hook.write_text('#!/bin/sh\necho "${CXINBOX_RULE:-$CXINBOX_EVENT}" >> ' + f'"{out}"\n')
    hook.chmod(0o755)
    return hook, out


def _lines_soon(path: Path, count: int, timeout: float = 30.0) -> list[str]:
    """The hook's lines once there are `count` (it runs on a thread after the commit)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        lines = path.read_text().splitlines() if path.exists() else []
        if len(lines) >= count:
            return lines
        time.sleep(0.05)
    raise AssertionError(f"the hook ran {len(lines)} of {count} time(s)")


def test_a_rules_notify_runs_the_hook_it_names_or_is_audited_as_paging_nobody(
        rig_factory: Any, tmp_path: Path) -> None:
    """A red-flag rule pages whoever the red flag pages ([triage] notify_command when set);
    any other rule's notify needs [sla] notify_command, and without it is listed as
    skipped ("pages nobody"), never as done."""
    hook, out = _hook_script(tmp_path, "clinician")
    rig = rig_factory(f'''
[triage]
notify_command = ["{hook}"]

[[rules]]
name = "red flags to the nurses"
on = "arrival"
match = "is:red-flag"
actions = {{ tag = ["nurses-told"], notify = "red flag" }}

[[rules]]
name = "desk notice"
on = "arrival"
match = "-is:red-flag"
actions = {{ tag = ["seen-by-rule"], notify = "new mail" }}
''')
    rig.dovecot.deliver(patient_mail("Help", message_id="r1@p.example",
                                     body="I have crushing chest pain right now."))
    rig.dovecot.deliver(patient_mail("Flu shot", message_id="f1@p.example",
                                     sender="Ann <ann@patients.example>", body="When?"))
    rig.sync()
    red, flu = rig.conv("r1@p.example"), rig.conv("f1@p.example")
    applied = {t: d for _, t, d in rig.events("rule.applied")}
    assert applied[f"conversation:{red}"]["done"] == [
        "tag +nurses-told", "notify by [triage] notify_command"]
    assert applied[f"conversation:{flu}"]["done"] == ["tag +seen-by-rule"]
    assert applied[f"conversation:{flu}"]["skipped"] == [
        'notify "new mail": pages nobody: no [sla] notify_command is set']
    # the detector's own page and the red-flag rule's, by the clinician's hook
    assert sorted(_lines_soon(out, 2)) == ["red flags to the nurses", "red_flag"]

