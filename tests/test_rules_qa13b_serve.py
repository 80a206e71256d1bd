"""A clinic's tester's findings on rules, SMS keywords, notify and the first sync, end to
end: `cxinbox serve` with mail delivered into Dovecot, texts from the SMS test provider,
the notify hook a real executable, and the real CLI (`rules test`, `assign`, `show`,
`audit`, `doctor`)."""

from __future__ import annotations

import json
import socket
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from pathlib import Path
from typing import Any

import pytest
from tests.support.mailgen import generate_corpus
from tests.support.smsprovider import SmsProvider
from tests.support.smtpsink import SmtpSink
from tests.test_rules import patient_mail
from tests.test_rules_serve import CLINIC, _config, _rows, _wait
from tests.test_serve_support import Server, cx, socket_dir

from cxinbox.domain.sanitize import clean_line

TEAM = '''
[[staff]]
os_user = "amy"
name = "Amy Ames"
role = "agent"

[[staff]]
os_user = "bo"
name = "Bo Berg"
role = "agent"

[[teams]]
name = "front"
members = ["amy", "bo"]
cap = 1
'''

ROUTE = '''
[[rules]]
name = "front route"
on = "arrival"
actions = { assign = "team:front" }
'''


@pytest.fixture
def sockdir() -> Iterator[Path]:
    with socket_dir() as path:
        yield path


@pytest.fixture
def desk(dovecot: Any, tmp_path: Path) -> Iterator[tuple[SmtpSink, SmsProvider]]:
    sink = SmtpSink(tmp_path, user=dovecot.user, password=dovecot.password,
                    tls_dir=dovecot.root / "tls").start()
    provider = SmsProvider(numbers=[CLINIC]).start()
    try:
        yield sink, provider
    finally:
        sink.stop()
        provider.stop()


def _events(db: Path, action: str, actor: str | None = None) -> list[tuple[str, dict[str, Any]]]:
    sql = "SELECT target, details FROM events WHERE action = ?"
    args: tuple[Any, ...] = (action,)
    if actor is not None:
        sql += " AND actor = ?"
        args += (actor,)
    return [(t, json.loads(d or "{}")) for t, d in _rows(db, sql + " ORDER BY seq", args)]


def _conv_of(db: Path, message_id: str) -> int:
    return int(_rows(db, "SELECT conversation_id FROM messages WHERE message_id = ?",
                     (message_id,))[0][0])


def test_a_team_pick_that_changes_nothing_is_skipped_not_done(
        dovecot: Any, tmp_path: Path, sockdir: Path,
        desk: tuple[SmtpSink, SmsProvider]) -> None:
    """N10: nobody available for a conversation nobody holds writes no conversation.assign
    and is listed under skipped, with the team's reason."""
    sink, provider = desk
    sock, db = sockdir / "s.sock", tmp_path / "data" / "cxinbox.db"
    cfg = _config(tmp_path, dovecot, sink, provider, sock, ROUTE)
    cfg.write_text(cfg.read_text() + TEAM)
    for n in (1, 2, 3):
        dovecot.deliver(patient_mail(f"Question {n}", message_id=f"t{n}@patients.example",
                                     sender=f"P{n} <p{n}@patients.example>"))
    with Server(cfg, sock) as server:
        _wait("the route ran on all three", lambda: len(
            _events(db, "rule.applied", "rule:front route")) == 3, server)
        applied = {t: d for t, d in _events(db, "rule.applied", "rule:front route")}
        third = f"conversation:{_conv_of(db, 't3@patients.example')}"
        assert applied[third]["done"] == []
        [skip] = applied[third]["skipped"]
        assert skip.startswith("assign team:front: round-robin: nobody available")
        assigned = [(t, d["to"]) for t, d in _events(db, "conversation.assign")]
        assert sorted(to for _, to in assigned) == ["amy", "bo"]
        assert third not in [t for t, _ in assigned]


def test_rules_test_judges_a_cap_with_the_open_counts_of_then(
        dovecot: Any, tmp_path: Path, sockdir: Path,
        desk: tuple[SmtpSink, SmsProvider]) -> None:
    """N2: after the members' conversations were taken off them, `rules test` of a
    round-robin team with a cap says what live said then (nobody available), not whom
    today's counts would pick; and it says what it cannot know."""
    sink, provider = desk
    sock, db = sockdir / "s.sock", tmp_path / "data" / "cxinbox.db"
    cfg = _config(tmp_path, dovecot, sink, provider, sock, ROUTE)
    cfg.write_text(cfg.read_text() + TEAM)
    for n in (1, 2):
        dovecot.deliver(patient_mail(f"Question {n}", message_id=f"t{n}@patients.example",
                                     sender=f"P{n} <p{n}@patients.example>"))
    with Server(cfg, sock) as server:
        _wait("the route ran on the first two", lambda: len(
            _events(db, "rule.applied", "rule:front route")) == 2, server)
        # The third comes in an ingest of its own: its replay is a moment of its own.
        dovecot.deliver(patient_mail("Question 3", message_id="t3@patients.example",
                                     sender="P3 <p3@patients.example>"))
        _wait("the route ran on the third", lambda: len(
            _events(db, "rule.applied", "rule:front route")) == 3, server)
        held = [c for (c,) in _rows(db, "SELECT id FROM conversations"
                                        " WHERE assignee IS NOT NULL")]
        assert len(held) == 2
        for conv in held:  # today nobody holds anything: both are under their cap
            done = cx("assign", str(conv), "--unassign", "--yes", "--config", str(cfg))
            assert done.returncode == 0, done.stderr
        tested = cx("rules", "test", "front route", "--since", "1d", "--json",
                    "--config", str(cfg))
        assert tested.returncode == 0, tested.stderr
        report = json.loads(tested.stdout)
        would = {r["conversation"]: r["would"] for r in report["conversations"]}
        third = _conv_of(db, "t3@patients.example")
        assert len(would) == 3
        [line] = would[third]
        assert line.startswith("skip assign team:front: round-robin: nobody available"), line
        assert sorted(w[0].rsplit(" ", 1)[-1] for c, w in would.items() if c != third) \
            == ["amy", "bo"]
        assert any("today's members, caps and rotas" in n for n in report["notes"])
        plain = cx("rules", "test", "front route", "--since", "1d", "--config", str(cfg))
        assert "note: teams are judged with today's members" in plain.stdout


def test_rules_test_since_selects_by_arrival_not_by_date_header(
        dovecot: Any, tmp_path: Path, sockdir: Path,
        desk: tuple[SmtpSink, SmsProvider]) -> None:
    """N3: mail dated 60 hours ago that arrived today (a late or mis-dated mail) is in
    `rules test --since 1d`, at its arrival, as the live rules ran on it then."""
    sink, provider = desk
    sock, db = sockdir / "s.sock", tmp_path / "data" / "cxinbox.db"
    cfg = _config(tmp_path, dovecot, sink, provider, sock, '''
[[rules]]
name = "tag all"
on = "arrival"
actions = { tag = ["seen-by-rule"] }
''')
    old = format_datetime(datetime.now(UTC) - timedelta(hours=60))  # inside backlog_hours
    dovecot.deliver(patient_mail("Old date", message_id="old@patients.example", date=old,
                                 sender="Olga <olga@patients.example>"))
    dovecot.deliver(patient_mail("New date", message_id="new@patients.example",
                                 sender="Nina <nina@patients.example>"))
    with Server(cfg, sock) as server:
        _wait("the rule ran on both", lambda: len(
            _events(db, "rule.applied", "rule:tag all")) == 2, server)
        tested = cx("rules", "test", "tag all", "--since", "1d", "--json", "--config", str(cfg))
        assert tested.returncode == 0, tested.stderr
        report = json.loads(tested.stdout)
        shown = sorted(r["conversation"] for r in report["conversations"])
        assert shown == sorted([_conv_of(db, "old@patients.example"),
                                _conv_of(db, "new@patients.example")])
        assert report["triggered"] == 2
        ingest_at = max(a for (a,) in _rows(db, "SELECT at FROM events"
                                                " WHERE action = 'mail.received'")) // 1000
        for row in report["conversations"]:  # at its arrival, not at its Date:
            assert abs(row["at"] - ingest_at) < 120, row


ALWAYS = "\n".join(f'{d} = ["00:00-24:00"]' for d in ("mon", "tue", "wed", "thu", "fri", "sat",
                                                        "sun"))
GRACIELA = "Hola soy Graciela Paredes, me duele la muela desde ayer"


def test_an_sms_escalation_is_audited_without_the_patients_text(
        dovecot: Any, tmp_path: Path, sockdir: Path,
        desk: tuple[SmtpSink, SmsProvider]) -> None:
    """N9: a text's conversation is titled by the patient's first text; the SLA events
    (read by supervisors in `cxinbox audit`) and the notify hook call it "SMS from ..."."""
    sink, provider = desk
    sock, db = sockdir / "s.sock", tmp_path / "data" / "cxinbox.db"
    cfg = _config(tmp_path, dovecot, sink, provider, sock, "", hours=ALWAYS, policies=True)
    provider.inject_inbound("+15557770211", CLINIC, GRACIELA,
                            at=datetime.now(UTC) - timedelta(hours=2))
    with Server(cfg, sock) as server:
        _wait("the late text was escalated", lambda: bool(_events(db, "sla.breached")),
              server)
        [(_, details)] = _events(db, "sla.breached")
        assert details["subject"] == "SMS from +15557770211"
        audit = cx("audit", "--since", "1d", "--json", "--config", str(cfg))
        assert audit.returncode == 0, audit.stderr
        assert "sla.breached" in audit.stdout
        for word in ("Graciela", "Paredes", "muela"):
            assert word not in audit.stdout
        notified = tmp_path / "notified.jsonl"
        _wait("the hook heard of it", lambda: notified.exists()
              and "breached" in notified.read_text(), server)
        assert "Graciela" not in notified.read_text()


NOTIFY_RULE = '''
[[rules]]
name = "tell the desk"
on = "arrival"
actions = { tag = ["told"], notify = "new message" }
'''


def _doctor(cfg: Path) -> list[str]:
    """`cxinbox doctor --json`'s findings as "LEVEL text" lines (unwrapped)."""
    done = cx("doctor", "--json", "--config", str(cfg))
    return [f"{f['level'].upper() if f['level'] == 'fail' else f['level']} {f['text']}"
            for f in json.loads(done.stdout)["findings"]]


def test_a_notify_hook_that_cannot_run_is_audited_alerted_and_doctored(
        dovecot: Any, tmp_path: Path, sockdir: Path,
        desk: tuple[SmtpSink, SmsProvider]) -> None:
    """N5: the pager hook is missing. A rule's notify is audited as rule.failed (action
    notify, the error class), a red flag's as notify.failed, everyone's status line gets
    one alert counting them, and `cxinbox doctor` fails on the hook itself."""
    sink, provider = desk
    sock, db = sockdir / "s.sock", tmp_path / "data" / "cxinbox.db"
    cfg = _config(tmp_path, dovecot, sink, provider, sock, NOTIFY_RULE)
    missing = tmp_path / "missing-notify"
    cfg.write_text(cfg.read_text().replace(str(tmp_path / "hook.sh"), str(missing)))
    dovecot.deliver(patient_mail("Refill", message_id="n1@patients.example"))
    provider.inject_inbound("+15557770212", CLINIC,
                            "I have crushing chest pain and I can't breathe")
    with Server(cfg, sock) as server:
        _wait("both failures were audited", lambda: bool(_events(db, "notify.failed"))
              and bool(_events(db, "rule.failed")), server)
        rule_failed = [d for _, d in _events(db, "rule.failed")]
        assert {"rule": "tell the desk", "trigger": "arrival", "action": "notify",
                "error": "notify: FileNotFoundError"} in rule_failed
        flagged = [d for _, d in _events(db, "notify.failed")]
        assert any(d["state"] == "red_flag" and d["error"] == "FileNotFoundError"
                   for d in flagged), flagged
        _wait("the desk is told", lambda: bool(_rows(
            db, f"SELECT message FROM alerts WHERE key = 'notify:{missing}'")), server)
        [(message,)] = _rows(db, f"SELECT message FROM alerts WHERE key = 'notify:{missing}'")
        assert "notify_command failed" in message and "FileNotFoundError" in message
        assert "chest" not in message
        doctor = _doctor(cfg)
        assert f"FAIL [sla] notify_command: {missing} does not exist: SLA escalations and" \
            " rules' notify and red flags page nobody" in doctor
        assert any(line.startswith("FAIL server reports: notify_command failed")
                   for line in doctor)
    # Not executable, then writable by anyone: each its own FAIL line.
    missing.write_text("#!/bin/sh\nexit 0\n")
    missing.chmod(0o600)
    assert any(f"{missing} is not executable" in line for line in _doctor(cfg))
    missing.chmod(0o777)
    assert any(f"{missing} is writable by anyone" in line for line in _doctor(cfg))
    missing.chmod(0o700)
    # The stopped server's alert about its failed runs stands until a run succeeds: the
    # file's `ok` is said of its setup, next to that FAIL (qa27 F7).
    mended = _doctor(cfg)
    assert any(line.startswith("FAIL server reports: notify_command failed") for line in mended)
    assert any(line.startswith(f"ok [sla] notify_command setup only: {missing} is an"
                               " executable file") for line in mended), mended



def test_the_server_judges_its_hooks_as_itself_at_start(
        dovecot: Any, tmp_path: Path, sockdir: Path,
        desk: tuple[SmtpSink, SmsProvider]) -> None:
    """A pager hook its group can rewrite: the server, starting, says so to everyone (an
    alert doctor and the status line show) before any page is due; mended and restarted,
    the alert is gone."""
    sink, provider = desk
    sock, db = sockdir / "s.sock", tmp_path / "data" / "cxinbox.db"
    cfg = _config(tmp_path, dovecot, sink, provider, sock, NOTIFY_RULE)
    hook = tmp_path / "hook.sh"
    hook.chmod(0o770)
    with Server(cfg, sock) as server:
        _wait("the setup alert", lambda: bool(_rows(
            db, "SELECT message FROM alerts WHERE key = ?", (_setup_key(sock),))), server)
        [(message,)] = _rows(db, "SELECT message FROM alerts WHERE key = ?", (_setup_key(sock),))
        # (an alert is one line of at most 300 characters: a long temp path is cut)
        assert message == clean_line(
            f"[sla] notify_command: {hook} is writable by its group (chmod g-w {hook}): others"
            " can change it to silence SLA escalations and rules' notify and red flags",
            max_len=300)
        assert f"FAIL server reports: {message}" in _doctor(cfg)
    hook.chmod(0o700)
    with Server(cfg, sock) as server:
        _wait("the server is up", lambda: bool(_rows(
            db, "SELECT 1 FROM events WHERE action = 'health.ok'"
            " AND target = ?", (_setup_key(sock),))), server)
        assert _rows(db, "SELECT message FROM alerts WHERE key LIKE 'notify-setup:%'") == []


def _setup_key(sock: Path) -> str:
    """Each server's own verdict: its host and socket, the verdict first."""
    return f"notify-setup:unsafe:[sla]@{socket.gethostname()}:{sock}"

KEYWORD_RULES = '''
[[rules]]
name = "spam"
on = "arrival"
match = "intent:spam_marketing"
actions = { tag = ["spam"], status = "closed" }
stop = true

[[rules]]
name = "front route"
on = "arrival"
actions = { tag = ["routed"] }

[[rules]]
name = "replied"
on = "patient-reply"
actions = { tag = ["replied"] }
'''

STOPPER, BAJA_PHONE, ASKER = "+15557770220", "+15557770210", "+15557770230"
YES_PHONE = "+15557770240"
INSULIN = "Hola, necesito resurtir mi receta de insulina, soy Anselmo Ibarra"


def _sms_conv(db: Path, phone: str) -> tuple[Any, ...]:
    rows = _rows(db, "SELECT id, status, subject, intent, sla_due_at, created_at"
                     " FROM conversations WHERE channel = 'sms' AND from_addr = ?", (phone,))
    return rows[0] if rows else ()


def test_sms_keywords_are_not_patient_requests(
        dovecot: Any, tmp_path: Path, sockdir: Path,
        desk: tuple[SmtpSink, SmsProvider]) -> None:
    """N1: STOP / BAJA / HELP get intent `other` (show says why), fire no arrival or
    patient-reply rule, start no SLA clock, reopen nothing, and a conversation a keyword
    opens is no work; the opt-out is in the thread and the audit; the patient's next real
    text is that conversation's arrival, triaged and routed as any."""
    sink, provider = desk
    sock, db = sockdir / "s.sock", tmp_path / "data" / "cxinbox.db"
    cfg = _config(tmp_path, dovecot, sink, provider, sock, KEYWORD_RULES, hours=ALWAYS,
                  policies=True)
    provider.inject_inbound(STOPPER, CLINIC, "STOP")
    provider.inject_inbound(BAJA_PHONE, CLINIC, "Baja.")
    provider.inject_inbound(ASKER, CLINIC, "Can I move my appointment to Friday?")
    with Server(cfg, sock) as server:
        _wait("the three texts are stored", lambda: all(
            _sms_conv(db, p) for p in (STOPPER, BAJA_PHONE, ASKER)), server)
        _wait("the request was routed", lambda: len(_events(db, "rule.applied")) >= 1, server)
        _wait("both opt-outs recorded", lambda: len(_events(db, "sms.opt_out")) == 2, server)
        for phone in (STOPPER, BAJA_PHONE):
            conv_id, status, subject, intent, due, _ = _sms_conv(db, phone)
            assert (status, subject, intent, due) == ("closed", f"SMS {phone}", "other", None)
            assert not [t for t, _ in _events(db, "rule.applied")
                        if t == f"conversation:{conv_id}"]
            shown = json.loads(cx("show", str(conv_id), "--json", "--config", str(cfg)).stdout)
            assert "only SMS keywords" in shown["intent_why"]
            assert any("opted out" in n["body"] for n in shown["notes"]), shown["notes"]
        baja = _sms_conv(db, BAJA_PHONE)[0]
        assert _rows(db, "SELECT tag FROM conversation_tags WHERE conversation_id = ?",
                     (baja,)) == []
        asker = _sms_conv(db, ASKER)[0]
        assert [t for t, _ in _events(db, "rule.applied")] == [f"conversation:{asker}"]

        # The desk closes the request; the patient then texts STOP and HELP: it stays
        # closed, keeps its intent, fires no patient-reply rule.
        done = cx("status", str(asker), "closed", "--yes", "--config", str(cfg))
        assert done.returncode == 0, done.stderr
        intent_before = _sms_conv(db, ASKER)[3]
        inbound_before = _rows(db, "SELECT last_inbound_at FROM conversations WHERE id = ?",
                               (asker,))
        provider.inject_inbound(ASKER, CLINIC, "STOP")
        provider.inject_inbound(ASKER, CLINIC, "help")
        _wait("the asker's opt-out recorded", lambda: len(_events(db, "sms.opt_out")) == 3,
              server)
        _wait("the help recorded", lambda: bool(_events(db, "sms.help")), server)
        _, status, _, intent, _, _ = _sms_conv(db, ASKER)
        assert (status, intent) == ("closed", intent_before)
        # No response clock: the keywords are not the patient's latest message to answer.
        assert _rows(db, "SELECT last_inbound_at FROM conversations WHERE id = ?",
                     (asker,)) == inbound_before
        assert not _events(db, "rule.applied", "rule:replied")

        # BAJA's patient now asks for a refill: the conversation opens, is triaged (not
        # spam) and is this patient's arrival; its SLA runs from the request.
        provider.inject_inbound(BAJA_PHONE, CLINIC, INSULIN)
        _wait("the refill was routed", lambda: (f"conversation:{baja}", ) in [
            (t,) for t, _ in _events(db, "rule.applied", "rule:front route")], server)
        _wait("its SLA runs", lambda: _sms_conv(db, BAJA_PHONE)[4] is not None, server)
        _, status, subject, intent, due, created = _sms_conv(db, BAJA_PHONE)
        assert status == "open" and intent not in ("other", "spam_marketing", None)
        assert subject.startswith("Hola, necesito resurtir")
        assert due >= created + 3600  # an hour's first response from the request
        stop_at = _rows(db, "SELECT min(date) FROM messages WHERE conversation_id = ?",
                        (baja,))[0][0]
        assert created > stop_at
        assert not _events(db, "rule.applied", "rule:spam")
        assert not _events(db, "rule.applied", "rule:replied")

        # YES is a keyword only where it is an opt-in: from the opted-out number it opts
        # back in and asks nothing; to the desk's question (the asker opted out, so use a
        # patient who did not) it is a reply that reopens and fires patient-reply.
        stopper = _sms_conv(db, STOPPER)[0]
        provider.inject_inbound(STOPPER, CLINIC, "YES")
        _wait("the opt-in recorded", lambda: bool(_events(db, "sms.opt_in")), server)
        assert _sms_conv(db, STOPPER)[1] == "closed"
        provider.inject_inbound(YES_PHONE, CLINIC, "Could you call me back about Friday?")
        _wait("the question was routed", lambda: len(
            _events(db, "rule.applied", "rule:front route")) == 3, server)
        answered = _sms_conv(db, YES_PHONE)[0]
        done = cx("status", str(answered), "closed", "--yes", "--config", str(cfg))
        assert done.returncode == 0, done.stderr
        provider.inject_inbound(YES_PHONE, CLINIC, "Yes")
        _wait("the yes fired patient-reply", lambda: [t for t, _ in _events(
            db, "rule.applied", "rule:replied")] == [f"conversation:{answered}"], server)
        assert _sms_conv(db, YES_PHONE)[1] == "open"
        assert [t for t, _ in _events(db, "rule.applied")
                if t == f"conversation:{stopper}"] == []


BACKLOG_RULES = '''
[[rules]]
name = "route"
on = "arrival"
actions = { tag = ["routed"], notify = "new mail" }

[[rules]]
name = "reply"
on = "patient-reply"
actions = { tag = ["replied"], notify = "patient wrote again" }

[[rules]]
name = "late"
on = "sla-breached"
actions = { tag = ["late"], notify = "breached" }
'''


def _backlog_desk(dovecot: Any, tmp_path: Path, sock: Path, sink: SmtpSink,
                  provider: SmsProvider) -> Path:
    """A month of a clinic's mail (mailgen, all of it older than [triage] backlog_hours)
    waiting in the mailbox before the first sync, and one patient's mail of today."""
    cfg = _config(tmp_path, dovecot, sink, provider, sock, BACKLOG_RULES, hours=ALWAYS,
                  policies=True)
    end = datetime.now(UTC) - timedelta(days=4)
    assert dovecot.deliver_many(generate_corpus(30, seed=13, end=end), "INBOX") == 30
    dovecot.deliver(patient_mail("Today's question", message_id="today@patients.example",
                                 sender="Tia <tia@patients.example>"))
    return cfg


def _notified(tmp_path: Path) -> list[dict[str, Any]]:
    path = tmp_path / "notified.jsonl"
    return [json.loads(line) for line in path.read_text().splitlines()] \
        if path.exists() else []


def test_a_first_sync_of_a_months_mail_does_not_page(
        dovecot: Any, tmp_path: Path, sockdir: Path,
        desk: tuple[SmtpSink, SmsProvider]) -> None:
    """N7: the backlog fires no arrival / patient-reply rule and pages nobody one by one;
    its conversations already past their SLA show breached, fire no sla-breached rule, and
    the hook hears one summary with their count. Today's mail is routed as ever."""
    sink, provider = desk
    sock, db = sockdir / "s.sock", tmp_path / "data" / "cxinbox.db"
    cfg = _backlog_desk(dovecot, tmp_path, sock, sink, provider)
    with Server(cfg, sock) as server:
        _wait("today's mail was routed", lambda: bool(
            _events(db, "rule.applied", "rule:route")), server)
        _wait("the backlog's escalations were summed up", lambda: bool(
            _events(db, "sla.backlog")), server)
        today = f"conversation:{_conv_of(db, 'today@patients.example')}"
        assert [t for t, _ in _events(db, "rule.applied")] == [today]
        breached = [(t, d) for t, d in _events(db, "sla.breached")]
        assert breached and all(d.get("backlog") is True for _, d in breached)
        [(_, summary)] = _events(db, "sla.backlog")
        assert summary["breached"] == len(breached)
        listed = json.loads(cx("list", "sla:breached", "--json", "--config", str(cfg)).stdout)
        assert {f"conversation:{c['id']}" for c in listed["conversations"]} \
            == {t for t, _ in breached}
        _wait("the hook ran for today's mail and the summary", lambda: len(
            _notified(tmp_path)) >= 2, server)
        heard = _notified(tmp_path)
        assert sorted(h["state"] for h in heard) == ["backlog", "rule"]
        [backlog] = [h for h in heard if h["state"] == "backlog"]
        assert backlog["breached"] == len(breached)
        assert f"{len(breached)} conversation(s) arrived already past their SLA" \
            in backlog["message"]
        assert not _events(db, "rule.applied", "rule:late")
        assert not _events(db, "conversation.assign")


SPAMMY = '''
[[rules]]
name = "spammy"
on = "arrival"
match = "intent:spam_marketing"
actions = { tag = ["spam"] }
'''


def test_rules_test_over_a_backlog_says_live_did_not_fire(
        dovecot: Any, tmp_path: Path, sockdir: Path,
        desk: tuple[SmtpSink, SmsProvider]) -> None:
    """N8: replayed over a first sync's backlog, each firing live never made is marked so,
    with a count under the summary; the "assessed for this replay" note comes only for a
    rule whose trigger's rules (it or those before it) read intent: or red-flag:."""
    sink, provider = desk
    sock, db = sockdir / "s.sock", tmp_path / "data" / "cxinbox.db"
    cfg = _backlog_desk(dovecot, tmp_path, sock, sink, provider)
    cfg.write_text(cfg.read_text() + SPAMMY)
    with Server(cfg, sock) as server:
        _wait("the backlog's escalations were summed up", lambda: bool(
            _events(db, "sla.backlog")), server)
        today = _conv_of(db, "today@patients.example")

        def test(name: str, *json_flag: str) -> Any:
            done = cx("rules", "test", name, "--since", "30d", *json_flag,
                      "--config", str(cfg))
            assert done.returncode == 0, done.stderr
            return json.loads(done.stdout) if json_flag else done.stdout

        route = test("route", "--json")
        lives = {r["conversation"]: r["live"] for r in route["conversations"]}
        assert lives[today] is None
        marked = [c for c, live in lives.items() if live]
        assert marked and all(lives[c].startswith("backlog: live ran no rules") for c in marked)
        assert route["backlog"] == len(marked) == route["matched"] - 1
        assert route["assessed"] == 0  # "route" reads no intent, and runs first
        plain = test("late")
        assert "[backlog: live ran no rules on it" in plain
        assert "assessed for this replay" not in plain
        assert "live ran no rules on those, so what is listed for them did not happen" \
            in " ".join(plain.split())
        spammy = test("spammy", "--json")
        assert spammy["assessed"] > 0  # it reads intent: the backlog is assessed for it
