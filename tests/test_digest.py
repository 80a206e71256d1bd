"""`cxinbox report digest --mail-to ADDRESS`: the desk's figures mailed to staff through
the outbox, against a real SMTP server (aiosmtpd) and a real `cxinbox serve`."""

from __future__ import annotations

import hashlib
import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from tests.support.clirun import cx_here
from tests.support.smtpsink import SmtpSink, parsed
from tests.test_serve_support import ME, Server, cx, socket_dir, write_config

from cxinbox.config import load_config
from cxinbox.domain.models import Address, ParsedMessage
from cxinbox.service.inbox import InboxService
from cxinbox.service.outbox import CRASH_ENV
from cxinbox.store import ingest
from cxinbox.store.db import Database

OWN = "desk@clinic.example"
LOGIN = "desk-login@clinic.example"
BOSS = "boss@staff.example"
PATIENT_WORDS = ("Jane", "Doe", "Omar", "Haddad", "patients.example", "chest", "refill",
                 "Question", "prescription")

_WORKER = """
import sys
from cxinbox.config import load_config
from cxinbox.service.outbox import OutboxWorker
from cxinbox.store.db import Database
config = load_config(sys.argv[1])
db = Database(config.db_path)
print(OutboxWorker(db, config).process_due())
"""


@dataclass
class Desk:
    tmp: Path
    sink: SmtpSink
    cfg: Path
    sock: Path

    def db(self) -> Database:
        return Database(load_config(self.cfg).db_path)

    def outbox(self) -> list[tuple[Any, ...]]:
        db = self.db()
        try:
            return [tuple(r) for r in db.conn.execute(
                "SELECT id, channel, state, conversation_id, recipients, phase FROM outbox"
                " ORDER BY id")]
        finally:
            db.close()


@pytest.fixture
def sockdir() -> Iterator[Path]:
    with socket_dir() as path:
        yield path


def _config(tmp: Path, sock: Path, sink: SmtpSink, role: str) -> Path:
    cfg = write_config(tmp, sock, {ME: role, "jo": "agent", "kim": "agent"})
    secret = tmp / "desk.pass"
    secret.write_text(sink.password + "\n")
    secret.chmod(0o600)
    with cfg.open("a") as f:
        f.write(f'''
[[accounts]]
name = "desk"
host = "127.0.0.1"
port = 9
tls = "implicit"
ca_file = "{sink.ca_file}"
username = "{LOGIN}"
address = "{OWN}"
password_file = "{secret}"
smtp_host = "127.0.0.1"
smtp_port = {sink.port}
smtp_tls = "implicit"

[outbox]
undo_seconds = 0
max_attempts = 3

[reports]
digest_from = "desk"

[[staff]]
os_user = "doc"
name = "Dr Rivera"
role = "agent"
clinical = true
''')
    return cfg


def _message(uid: int, *, sender: Address, to: str, subject: str, body: str, at: datetime,
             parent: int | None = None) -> ingest.FetchedMessage:
    parsed_msg = ParsedMessage(
        message_id=f"m{uid}@x.example", in_reply_to=f"m{parent}@x.example" if parent else None,
        references=[f"m{parent}@x.example"] if parent else [], subject=subject,
        from_addr=sender, to=[Address("", to)], cc=[], reply_to=[], date=at, body_text=body)
    raw = f"message {uid}".encode()
    return ingest.FetchedMessage(uid, "", None, None, raw, hashlib.sha256(raw).digest(),
                                 parsed_msg)


def _fill(cfg_path: Path) -> None:
    """Patients write (with names, subjects and words that must stay out of the digest),
    staff answer, assign, close, note, and one case is a red flag."""
    config = load_config(cfg_path)
    db = Database(config.db_path)
    base = datetime.now(UTC) - timedelta(hours=20)
    patients = [Address("Jane Doe", "jane.doe@patients.example"),
                Address("Omar Haddad", "omar@patients.example")]
    batch = []
    for i in range(1, 9):
        who = patients[i % 2]
        batch.append(_message(i, sender=who, to=OWN, subject=f"Question {i}: prescription refill",
                              body="I have chest pain since this morning", at=base))
    batch.append(_message(20, sender=Address("Clinic", OWN), to="jane.doe@patients.example",
                          subject="Re: Question 1", body="We will call you, Jane.",
                          at=base + timedelta(minutes=40), parent=1))
    batch.append(_message(21, sender=Address("Clinic", OWN), to="omar@patients.example",
                          subject="Re: Question 2", body="Refill sent, Omar.",
                          at=base + timedelta(hours=3), parent=2))
    with db.write() as conn:
        state = ingest.folder_state(conn, "desk", "INBOX")
        ingest.ingest_batch(conn, state, batch, own_addresses=frozenset({OWN}),
                            watermark=batch[-1].uid, now=int(time.time()), index_text=False)
    convs = [int(r[0]) for r in db.conn.execute("SELECT id FROM conversations ORDER BY id")]
    me = InboxService(db, config, ME)
    jo = InboxService(db, config, "jo")
    me.assign(convs[0], "jo")
    me.assign(convs[1], "kim")
    jo.set_status(convs[0], "closed")
    jo.add_note(convs[2], "called back, left a message")
    me.tag(convs[3], ["red-flag"], [])
    InboxService(db, config, "doc").add_note(convs[3], "spoke to the patient")
    db.close()


def _desk(tmp: Path, sock: Path, role: str = "supervisor") -> Desk:
    sink = SmtpSink(tmp, user=LOGIN).start()
    cfg = _config(tmp, sock, sink, role)
    _fill(cfg)
    return Desk(tmp, sink, cfg, sock)


@pytest.fixture
def desk(tmp_path: Path, sockdir: Path) -> Iterator[Desk]:
    d = _desk(tmp_path, sockdir / "none.sock")
    yield d
    d.sink.stop()


def _one_line_error(proc: subprocess.CompletedProcess[str]) -> str:
    assert proc.returncode != 0, proc.stdout
    assert "Traceback" not in proc.stderr
    lines = [line for line in proc.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, proc.stderr
    return lines[0]


def _days() -> tuple[str, str, str]:
    """A window from 8 days ago to tomorrow (UTC, the config's clock) and its last day.

    Eight, not seven: the window ends at the moment the report runs, so a window opened seven
    days back would be a week long (a "weekly digest") within an hour after midnight."""
    today = datetime.now(UTC).date()
    return (f"{today - timedelta(days=8)}", f"{today + timedelta(days=1)}", f"{today}")


def _report(cfg: Path, name: str, since: str, until: str) -> dict[str, Any]:
    out = cx_here("report", name, "--json", "--since", since, "--until", until,
             "--config", str(cfg))
    assert out.returncode == 0, out.stderr
    tables: dict[str, Any] = json.loads(out.stdout)["tables"]
    return tables


def _mail_text(data: bytes) -> tuple[str, str]:
    msg = parsed(data)
    plain = msg.get_body(("plain",))
    html = msg.get_body(("html",))
    assert plain is not None and html is not None
    return str(plain.get_content()), str(html.get_content())


def test_digest_is_mailed_once_with_the_reports_figures_and_no_patient_text(desk: Desk) -> None:
    since, until, last = _days()
    db = desk.db()
    conversations = db.conn.execute("SELECT count(*) FROM conversations").fetchone()[0]
    firsts = db.conn.execute("SELECT id, first_response_at FROM conversations ORDER BY id"
                             ).fetchall()
    db.close()
    run = cx("report", "digest", "--mail-to", BOSS, "--mail-to", "a@staff.example, b@staff.example",
             "--since", since, "--until", until, "--json", "--config", str(desk.cfg))
    assert run.returncode == 0, run.stderr
    result = json.loads(run.stdout)
    assert result["state"] == "sent" and result["dry_run"] is False

    assert len(desk.sink.messages) == 1
    mail = desk.sink.messages[0]
    assert mail.mail_from == OWN and mail.login == LOGIN
    assert mail.rcpt_tos == [BOSS, "a@staff.example", "b@staff.example"]
    msg = parsed(mail.data)
    # The window ends when the report ran: its last day is today, or tomorrow if a midnight
    # passed between reading the date and the run.
    assert msg["Subject"] in {f"cxinbox digest: {since} to {day}"
                              for day in (last, f"{datetime.now(UTC).date()}")}
    assert msg["Auto-Submitted"] == "auto-generated"
    assert msg.get_content_type() == "multipart/alternative"
    text, html = _mail_text(mail.data)

    # No patient text anywhere in the mail: not in the headers, the text or the HTML.
    for word in PATIENT_WORDS:
        assert word.lower() not in mail.data.decode("utf-8", "replace").lower(), word
        assert word.lower() not in text.lower() and word.lower() not in html.lower(), word
    assert all(len(line) <= 78 for line in text.splitlines()), text

    # The figures are `cxinbox report NAME --json` for the same window...
    figures = result["figures"]
    volume = _report(desk.cfg, "volume", since, until)["volume"]
    assert figures["messages_in"]["value"] == sum(r["in"] for r in volume) == 8
    assert figures["messages_out"]["value"] == sum(r["out"] for r in volume) == 2
    response = _report(desk.cfg, "response", since, until)["response"]
    first = next(r for r in response if r["group"] == "all" and r["metric"] == "first-response")
    assert figures["first_response_count"]["value"] == first["count"] == 2
    for column in ("business_median_s", "business_p90_s", "wall_median_s", "wall_p90_s"):
        assert figures[f"first_response_{column}"]["value"] == first[column], column
    assert first["wall_median_s"] == 40 * 60 and first["wall_p90_s"] == 3 * 3600
    backlog = _report(desk.cfg, "backlog", since, until)
    end = [r for r in backlog["backlog"] if r["group"] == "all"][-1]
    assert figures["backlog_total"]["value"] == end["total"] == 7
    age = next(r for r in backlog["age"] if r["group"] == "all")
    buckets = {k: v for k, v in age.items() if k != "group"}
    assert {k: figures[f"backlog_age:{k}"]["value"] for k in buckets} == buckets
    assert sum(buckets.values()) == 7
    flags = _report(desk.cfg, "red-flags", since, until)["red-flags-summary"][0]
    assert figures["red_flag_cases"]["value"] == flags["cases"] == 1
    assert figures["red_flag_first_action_median_s"]["value"] == flags["wall_median_s"]
    # The first clinician's action (Dr Rivera's note, ~20 h after the patient wrote) is
    # later than the first staff action (the supervisor's tag, just before it).
    assert figures["red_flag_no_clinician"]["value"] == 0
    clinician = figures["red_flag_clinician_median_s"]["value"]
    assert 20 * 3600 - 120 <= flags["wall_median_s"] <= clinician <= 20 * 3600 + 600
    sla = [r for r in _report(desk.cfg, "sla", since, until)["sla"] if r["group"] == "all"]
    assert figures["sla_judged"]["value"] == sum(r["count"] for r in sla)
    csat = _report(desk.cfg, "csat", since, until)["csat-summary"][0]
    assert figures["csat_responses"]["value"] == csat["responses"]
    assert figures["csat_average"]["value"] == csat["average"]
    work = {r["staff"]: r for r in _report(desk.cfg, "workload", since, until)["workload"]
            if r["period"] == "all"}
    staff = {s["login"]: s for s in result["staff"]}
    assert staff["jo"]["closed"] == work["jo"]["closed"] == 1
    assert staff["jo"]["assigned"] == work["jo"]["assigned"] == 1
    assert staff["jo"]["notes"] == work["jo"]["notes"] == 1
    # ... compared with the window of the same length before it (nothing happened then).
    assert figures["messages_in"]["previous"] == 0
    assert figures["first_response_wall_median_s"]["previous"] is None

    # ... and the mail says them, in aligned columns, with staff names and not logins.
    lines = {line.strip().split("  ")[0]: line for line in text.splitlines()}
    assert lines["messages in"].split() == ["messages", "in", "8", "0", "+8"]
    assert lines["median, wall time"].split()[3:] == ["40m", "-"]
    assert lines["p90, wall time"].split()[3] == "3h00m"
    assert any(line.strip().startswith("Jo Desk") for line in text.splitlines()), text
    assert "Jo Desk" in html and '<td align="right">8</td>' in html

    # An outbox item of its own kind: sent, in no conversation; no conversation was
    # made or answered, no SLA clock moved, no "send" was recorded.
    items = desk.outbox()
    assert [(i[1], i[2], i[3]) for i in items] == [("staff", "sent", None)]
    db = desk.db()
    try:
        assert db.conn.execute("SELECT count(*) FROM conversations").fetchone()[0] == conversations
        assert db.conn.execute("SELECT id, first_response_at FROM conversations ORDER BY id"
                               ).fetchall() == firsts
        actions = [r[0] for r in db.conn.execute(
            "SELECT action FROM events WHERE seq > (SELECT max(seq) FROM events"
            " WHERE action = 'conversation.tag') AND seq < (SELECT min(seq) FROM events"
            " WHERE action = 'report.run')")]
        audited = [json.loads(r[0]) for r in db.conn.execute(
            "SELECT details FROM events WHERE action = 'report.digest'")]
    finally:
        db.close()
    assert "send" not in actions and "report.run" not in actions
    assert actions.count("report.digest") == 1 and actions.count("outbox.sent") == 1
    assert audited[0]["to"] == [BOSS, "a@staff.example", "b@staff.example"]
    assert audited[0]["outbox"] == items[0][0] and audited[0]["filtered"] is False

    listing = cx_here("outbox", "--config", str(desk.cfg))
    assert listing.returncode == 0, listing.stderr
    assert "sent" in listing.stdout and " staff " in listing.stdout
    assert BOSS in listing.stdout


def test_dry_run_prints_the_weekly_message_and_queues_nothing(desk: Desk) -> None:
    before = datetime.now(UTC).date()
    run = cx_here("report", "digest", "--mail-to", BOSS, "--dry-run", "--config", str(desk.cfg))
    assert run.returncode == 0, run.stderr
    # The seven whole days before the day it ran (either side of a midnight passing by).
    lines = run.stdout.splitlines()
    assert lines[:2] == [f"From: {OWN}", f"To: {BOSS}"]
    assert lines[2] in {f"Subject: cxinbox weekly digest: {today - timedelta(days=7)} to "
                        f"{today - timedelta(days=1)}"
                        for today in (before, datetime.now(UTC).date())}
    assert "messages in" in run.stdout and "Top staff" in run.stdout
    assert desk.outbox() == [] and desk.sink.messages == []
    db = desk.db()
    try:
        audited = [json.loads(r[0]) for r in db.conn.execute(
            "SELECT details FROM events WHERE action = 'report.digest'")]
    finally:
        db.close()
    assert len(audited) == 1 and audited[0]["dry_run"] is True


def test_a_query_narrows_the_digest_and_is_not_written_down(desk: Desk) -> None:
    since, until, _last = _days()
    figures = {}
    for query in ("", "tag:red-flag"):
        run = cx_here("report", "digest", *([query] if query else []), "--mail-to", BOSS,
                 "--dry-run", "--json", "--since", since, "--until", until,
                 "--config", str(desk.cfg))
        assert run.returncode == 0, run.stderr
        data = json.loads(run.stdout)
        figures[query] = data["figures"]
        assert ("those matching the filter given" in data["text"]) == bool(query)
    assert figures[""]["messages_in"]["value"] == 8
    assert figures["tag:red-flag"]["messages_in"]["value"] == 1
    assert figures["tag:red-flag"]["red_flag_cases"]["value"] == 1
    db = desk.db()
    try:
        details = [r[0] for r in db.conn.execute(
            "SELECT details FROM events WHERE action = 'report.digest' ORDER BY seq")]
    finally:
        db.close()
    assert [json.loads(d)["filtered"] for d in details] == [False, True]
    assert not any("red-flag" in d for d in details)


@pytest.mark.parametrize(("args", "expected"), [
    (["--mail-to", "not-an-address"], "not an email address: 'not-an-address'"),
    (["--mail-to", f"{BOSS}, x@@y"], "not an email address: 'x@@y'"),
    (["--mail-to", "boss@staff.example\r\nBcc: x@evil.example"], "not an email address"),
    (["--mail-to", OWN], "is a mailbox cxinbox syncs"),
    ([], "needs --mail-to"),
    (["--mail-to", BOSS, "--by", "staff"], "report digest takes no --by"),
    (["--mail-to", BOSS, "--since", "2d", "--until", "3d"], "--since must be before --until"),
])
def test_bad_input_is_one_line_and_nothing_is_sent(desk: Desk, args: list[str],
                                                   expected: str) -> None:
    run = cx_here("report", "digest", *args, "--config", str(desk.cfg))
    assert expected in _one_line_error(run)
    assert desk.outbox() == [] and desk.sink.messages == []


def test_mail_to_is_for_the_digest_only(desk: Desk) -> None:
    run = cx("report", "volume", "--mail-to", BOSS, "--config", str(desk.cfg))
    assert "--mail-to is for report digest" in _one_line_error(run)


def test_an_agent_may_not_send_the_digest(tmp_path: Path, sockdir: Path) -> None:
    d = _desk(tmp_path, sockdir / "none.sock", role="agent")
    try:
        run = cx_here("report", "digest", "--mail-to", BOSS, "--config", str(d.cfg))
        line = _one_line_error(run)
        assert "sending the digest needs role admin or supervisor" in line
        assert d.outbox() == [] and d.sink.messages == []
        db = d.db()
        try:
            denied = db.conn.execute(
                "SELECT count(*) FROM events WHERE action = 'access.denied'").fetchone()[0]
        finally:
            db.close()
        assert denied == 1
    finally:
        d.sink.stop()


def _worker(cfg: Path) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != CRASH_ENV}
    env["PYTHONPATH"] = str(Path(__file__).resolve().parent.parent / "src")
    return subprocess.run([sys.executable, "-c", _WORKER, str(cfg)], env=env,
                          capture_output=True, text=True, timeout=60, check=False)


def test_killed_between_claim_and_send_then_restarted_sends_exactly_once(desk: Desk) -> None:
    run = cx("report", "digest", "--mail-to", BOSS, "--config", str(desk.cfg),
             extra_env={CRASH_ENV: "before-network"})
    assert run.returncode == -signal.SIGKILL, run.stderr
    assert [(i[1], i[2]) for i in desk.outbox()] == [("staff", "sending")]
    assert desk.sink.messages == []

    again = _worker(desk.cfg)
    assert again.returncode == 0 and again.stdout.strip() == "1", again.stderr
    assert len(desk.sink.messages) == 1
    assert [(i[1], i[2]) for i in desk.outbox()] == [("staff", "sent")]
    assert _worker(desk.cfg).stdout.strip() == "0"
    assert len(desk.sink.messages) == 1


def test_killed_after_the_data_is_not_sent_again(desk: Desk) -> None:
    run = cx("report", "digest", "--mail-to", BOSS, "--config", str(desk.cfg),
             extra_env={CRASH_ENV: "after-data"})
    assert run.returncode == -signal.SIGKILL, run.stderr
    assert len(desk.sink.messages) == 1
    assert _worker(desk.cfg).returncode == 0
    assert [(i[1], i[2]) for i in desk.outbox()] == [("staff", "unconfirmed")]
    assert len(desk.sink.messages) == 1
    confirm = cx_here("outbox", "confirm", str(desk.outbox()[0][0]), "--config", str(desk.cfg))
    assert confirm.returncode == 0, confirm.stderr
    assert [(i[1], i[2], i[3]) for i in desk.outbox()] == [("staff", "sent", None)]
    assert len(desk.sink.messages) == 1


def test_a_temporary_smtp_failure_is_retried(desk: Desk) -> None:
    desk.sink.script_rcpt.append("450 4.2.0 mailbox busy, try later")
    run = cx("report", "digest", "--mail-to", BOSS, "--config", str(desk.cfg))
    assert run.returncode == 8
    assert "digest not sent (outbox 1 is queued" in _one_line_error(run)
    assert desk.sink.messages == [] and desk.outbox()[0][2] == "queued"
    config = load_config(desk.cfg)
    db = Database(config.db_path)
    try:
        from cxinbox.service.outbox import OutboxWorker

        assert OutboxWorker(db, config).process_due(now=time.time() + 120) == 1
    finally:
        db.close()
    assert len(desk.sink.messages) == 1 and desk.outbox()[0][2] == "sent"


def test_through_the_server_the_server_sends_it(tmp_path: Path, sockdir: Path) -> None:
    d = _desk(tmp_path, sockdir / "s.sock")
    try:
        with Server(d.cfg, d.sock) as server:
            run = cx("report", "digest", "--mail-to", BOSS, "--config", str(d.cfg))
            assert run.returncode == 0, run.stderr
            assert "queued as outbox 1; the front-desk server sends it" in run.stderr
            assert d.sink.wait_for(1, timeout=60), server.log
            deadline = time.monotonic() + 60
            while d.outbox()[0][2] != "sent" and time.monotonic() < deadline:
                time.sleep(0.05)
            assert [(i[1], i[2]) for i in d.outbox()] == [("staff", "sent")]
            since, until, _last = _days()
            dry = cx_here("report", "digest", "--mail-to", BOSS, "--dry-run", "--json",
                     "--since", since, "--until", until, "--config", str(d.cfg))
            assert dry.returncode == 0, dry.stderr
            assert json.loads(dry.stdout)["figures"]["messages_in"]["value"] == 8
        assert len(d.sink.messages) == 1
    finally:
        d.sink.stop()


def test_a_period_goes_to_each_address_once_unless_again(desk: Desk) -> None:
    """A retried cron job (or a second admin) sends nobody the same week twice: the second
    run leaves out whoever had it, says so in one line and exits 0; a new address still
    gets it; `--again` sends it anyway; a failed send does not count as sent."""
    first = cx_here("report", "digest", "--mail-to", BOSS, "--config", str(desk.cfg))
    assert first.returncode == 0, first.stderr
    assert len(desk.sink.messages) == 1

    second = cx_here("report", "digest", "--mail-to", BOSS, "--config", str(desk.cfg))
    assert second.returncode == 0, second.stderr
    assert second.stderr.strip() == (f"digest for this period already sent to {BOSS}"
                                     " (outbox 1); --again sends it again")
    assert len(desk.sink.messages) == 1 and len(desk.outbox()) == 1

    both = cx_here("report", "digest", "--mail-to", f"{BOSS.upper()}, new@staff.example", "--json",
              "--config", str(desk.cfg))
    assert both.returncode == 0, both.stderr
    result = json.loads(both.stdout)
    assert result["to"] == ["new@staff.example"] and result["state"] == "sent"
    assert result["already_sent"] == [{"to": BOSS.upper(), "outbox": 1}]
    assert [m.rcpt_tos for m in desk.sink.messages] == [[BOSS], ["new@staff.example"]]

    nothing = cx_here("report", "digest", "--mail-to", BOSS, "--json", "--config", str(desk.cfg))
    assert nothing.returncode == 0 and json.loads(nothing.stdout)["state"] == "already-sent"
    again = cx_here("report", "digest", "--mail-to", BOSS, "--again", "--config", str(desk.cfg))
    assert again.returncode == 0, again.stderr
    assert len(desk.sink.messages) == 3 and desk.sink.messages[2].rcpt_tos == [BOSS]

    # another period is another digest
    since, until, _last = _days()
    other = cx_here("report", "digest", "--mail-to", BOSS, "--since", since, "--until", until,
               "--config", str(desk.cfg))
    assert other.returncode == 0, other.stderr
    assert len(desk.sink.messages) == 4

    db = desk.db()
    try:
        audited = [json.loads(r[0]) for r in db.conn.execute(
            "SELECT details FROM events WHERE action = 'report.digest' ORDER BY seq")]
    finally:
        db.close()
    assert [(a["outbox"], a.get("already_sent")) for a in audited] == [
        (1, None), (None, [1]), (2, [1]), (None, [1]), (3, None), (4, None)]
    misused = cx_here("report", "volume", "--again", "--config", str(desk.cfg))
    assert misused.returncode == 2 and "--again is for report digest" in _one_line_error(misused)


def test_differently_filtered_digests_of_one_period_are_two_and_every_item_counts(
        desk: Desk) -> None:
    """Two digests of one period narrowed by different filters are two digests (each goes
    once), and the once-per-period check reads every staff item however many came after
    (not only the newest few hundred). The filter's words are kept nowhere readable."""
    today = datetime.now(UTC).date()  # whole past days: the same bounds every run
    window = ("--since", f"{today - timedelta(days=9)}", "--until",
              f"{today - timedelta(days=3)}", "--config", str(desk.cfg))
    red = cx_here("report", "digest", "tag:red-flag", "--mail-to", BOSS, *window)
    assert red.returncode == 0, red.stderr
    billing = cx_here("report", "digest", "mailbox:billing", "--mail-to", BOSS, *window)
    assert billing.returncode == 0, billing.stderr
    assert len(desk.sink.messages) == 2
    db = desk.db()
    try:
        assert not any("red-flag" in str(r[0]) or "billing" in str(r[0]) for r in
                       db.conn.execute("SELECT draft FROM outbox"))
        with db.writing() as tx:  # 600 later digests of other periods, already sent
            for n in range(600):
                tx.insert_outbox_item(
                    conversation_id=None, author="lead", channel="staff", account="desk",
                    sender=OWN, recipients=[BOSS], subject=f"digest {n}", message_id=None,
                    raw=b"x", body="", draft={"digest": {"since": n, "until": n + 1,
                                                         "filtered": False, "filter": None}},
                    now_ms=0, send_after_ms=2**40)
        db.conn.execute("UPDATE outbox SET state = 'sent' WHERE id > 2")
    finally:
        db.close()
    again = cx_here("report", "digest", "tag:red-flag", "--mail-to", BOSS, "--json", *window)
    assert again.returncode == 0, again.stderr
    assert json.loads(again.stdout)["state"] == "already-sent"
    assert json.loads(again.stdout)["already_sent"] == [{"to": BOSS, "outbox": 1}]
    assert len(desk.sink.messages) == 2


def test_a_failed_digest_is_sent_again_without_asking(desk: Desk) -> None:
    desk.sink.script_rcpt.append("550 5.1.1 no such user")
    run = cx_here("report", "digest", "--mail-to", BOSS, "--config", str(desk.cfg))
    assert run.returncode == 8 and desk.outbox()[0][2] == "failed"
    retry = cx_here("report", "digest", "--mail-to", BOSS, "--config", str(desk.cfg))
    assert retry.returncode == 0, retry.stderr
    assert len(desk.sink.messages) == 1 and [i[2] for i in desk.outbox()] == ["failed", "sent"]
