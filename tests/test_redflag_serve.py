"""Red flags end to end through `cxinbox serve`: mail delivered into Dovecot and texts from
the local SMS provider, detected at ingest, alerted, queried, blocked and cleared."""

from __future__ import annotations

import asyncio
import json
import os
import sqlite3
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from tests.support.osusers import cli_as, run_as
from tests.support.smsprovider import SmsProvider
from tests.synchelp import write_config as sync_config
from tests.test_serve_attack import Desk, _frame, _session, desk, users  # noqa: F401
from tests.test_serve_support import ME, Server, cx, socket_dir

from cxinbox.api.socket_client import SocketAPI, probe
from cxinbox.config import load_config
from cxinbox.contract.errors import ApiError, BadQuery, BadRequest, CannedRefused, NotFound

CLINIC = "+15550100100"
PATIENT = "+15557654321"
CALM = "+15557650000"
BILLING_EMERGENCY = (
    b"From: Pat Doe <pat@patient.example>\r\nTo: appointments@riverside-clinic.example\r\n"
    b"Subject: Question about my bill\r\nMessage-ID: <bill-1@patient.example>\r\n\r\n"
    b"Hi, I was charged twice for my visit on Oct 3, can you check the statement?\r\n"
    b"Also I have had crushing chest pain since last night and my left arm feels numb.\r\n")
IDIOM = (
    b"From: Sam Roe <sam@patient.example>\r\nTo: appointments@riverside-clinic.example\r\n"
    b"Subject: My statement\r\nMessage-ID: <bill-2@patient.example>\r\n\r\n"
    b"This bill is giving me a heart attack! Why is my copay so high?\r\n")
REPEAT = (
    b"From: Pat Doe <pat@patient.example>\r\nTo: appointments@riverside-clinic.example\r\n"
    b"Subject: Re: Question about my bill\r\nMessage-ID: <bill-3@patient.example>\r\n"
    b"In-Reply-To: <bill-1@patient.example>\r\nReferences: <bill-1@patient.example>\r\n\r\n"
    b"The chest pain is still there, crushing, worse now.\r\n")
AGAIN = (
    b"From: Pat Doe <pat@patient.example>\r\nTo: appointments@riverside-clinic.example\r\n"
    b"Subject: Re: Question about my bill\r\nMessage-ID: <bill-4@patient.example>\r\n"
    b"In-Reply-To: <bill-3@patient.example>\r\nReferences: <bill-1@patient.example>"
    b" <bill-3@patient.example>\r\n\r\nCrushing chest pain again, it came back.\r\n")
SECRET_WORDS = ("crushing", "numb", "heart attack", "breathe", "lips")


@pytest.fixture
def sockdir() -> Iterator[Path]:
    with socket_dir() as path:
        yield path


def _config(tmp: Path, dovecot: Any, provider: SmsProvider, sock: Path,
            flag_target: str = "15m") -> Path:
    cfg = sync_config(tmp, dovecot)
    token = tmp / "sms.token"
    token.write_text(provider.token + "\n")
    token.chmod(0o600)
    hook = tmp / "hook.py"
    hook.write_text("import os, sys\n"
                    f"with open({str(tmp / 'notified.txt')!r}, 'a') as out:\n"
                    "    out.write(sys.stdin.read().strip() + ' ' + os.environ['CXINBOX_CATEGORY']"
                    " + ' ' + os.environ['CXINBOX_CONVERSATION'] + '\\n')\n")
    cfg.write_text(cfg.read_text() + f"""
[server]
socket = "{sock}"

[[staff]]
os_user = "{ME}"
name = "Dr Desk"
role = "supervisor"
clinical = true

[sms]
base_url = "{provider.base_url}"
account_sid = "{provider.account_sid}"
verify_tls = false
password_file = "{token}"
poll_seconds = 1

[[sms.numbers]]
number = "{CLINIC}"
name = "Front desk"

[sla]
check_interval = 1

[[sla.policies]]
name = "front desk"
first_response = "8h"

[[sla.policies]]
name = "red flags"
match = "tag:never-used"
first_response = "{flag_target}"

[[compose.canned]]
name = "thanks"
body = "Thank you {{patient_name}}, we received your message."

[triage]
red_flag_policy = "red flags"
notify_command = ["{sys.executable}", "{hook}"]
""")
    return cfg


async def _wait_raised(api: SocketAPI, head: int, want: int,
                       timeout: float = 60.0) -> tuple[list[dict[str, Any]], int]:
    raised: list[dict[str, Any]] = []
    deadline = time.monotonic() + timeout
    while len(raised) < want and time.monotonic() < deadline:
        changes = await api.wait_events(head, 5.0)
        head = changes.head
        raised += [dict(e.details) for e in changes.events if e.action == "redflag.raised"]
    return raised, head


async def _wait_until(check: Any, timeout: float = 60.0) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = await check()
        if found:
            return found
        await asyncio.sleep(0.1)
    raise AssertionError("condition not reached in time")


def _db(cfg: Path) -> sqlite3.Connection:
    return sqlite3.connect(f"file:{load_config(cfg).db_path}?mode=ro", uri=True)


async def test_an_emergency_at_the_end_of_a_billing_email_reaches_clinicians(
        dovecot: Any, tmp_path: Path, sockdir: Path) -> None:
    sock = sockdir / "s.sock"
    with SmsProvider(numbers=[CLINIC]) as provider:
        cfg = _config(tmp_path, dovecot, provider, sock)
        with Server(cfg, sock) as server:
            found = probe(sock)
            assert found is not None, server.log
            api = SocketAPI(sock, *found)
            try:
                head = await api.last_event_seq()
                dovecot.deliver(BILLING_EMERGENCY)
                dovecot.deliver(IDIOM)
                provider.inject_inbound(CALM, CLINIC, "no chest pain anymore, thanks. can i"
                                        " pay my bill online?")
                provider.inject_inbound(PATIENT, CLINIC, "cant breathe, lips turning blue")
                raised, head = await _wait_raised(api, head, 2)
                assert sorted(r["category"] for r in raised) == ["breathing", "chest_pain"], \
                    server.log

                async def both_arrived() -> bool:
                    page = await api.list_conversations("")
                    return page.total >= 4

                await _wait_until(both_arrived)
                bill = (await api.list_conversations('"charged twice"')).items[0]
                assert bill.red_flag == "chest_pain"
                assert {"red-flag", "red-flag:chest-pain"} <= set(bill.tags)
                assert bill.priority == "urgent"
                assert bill.red_flag_matched == "crushing chest"
                assert bill.intent == "billing_insurance"
                idiom = (await api.list_conversations('"heart attack"')).items[0]
                assert idiom.red_flag is None and idiom.priority == "normal"
                assert "red-flag" not in idiom.tags
                calm = (await api.list_conversations(f"from:{CALM}")).items[0]
                assert calm.red_flag is None and "red-flag" not in calm.tags

                # the query language
                flagged = await api.list_conversations("is:red-flag")
                assert {c.id for c in flagged.items} == {c.id for c in (await api.list_conversations(
                    "red-flag:any")).items}
                assert len(flagged.items) == 2
                assert [c.id for c in (await api.list_conversations(
                    "red-flag:chest-pain")).items] == [bill.id]
                unflagged = {c.id for c in (await api.list_conversations("red-flag:none")).items}
                assert idiom.id in unflagged and bill.id not in unflagged
                billing = {c.id for c in (await api.list_conversations(
                    "intent:billing_insurance")).items}
                assert {bill.id, idiom.id} <= billing
                with pytest.raises(BadQuery, match="did you mean .billing_insurance."):
                    await api.list_conversations("intent:biling")

                # `cxinbox list` for people marks the open flag and the intent in words
                # (nothing rests on colour), as the TUI's RED! and intent word do
                rows = _list_rows(cfg)
                assert rows[bill.id].split()[1] == "RED!", rows[bill.id]
                assert "Billing: " in rows[bill.id]
                assert rows[idiom.id].split()[1] != "RED!", rows[idiom.id]
                assert rows[calm.id].split()[1] != "RED!", rows[calm.id]

                # the red-flag SLA policy covers it (the SLA refresh runs with a list)
                conn = _db(cfg)
                try:
                    policy = conn.execute("SELECT sla_policy FROM conversations WHERE id = ?",
                                          (bill.id,)).fetchone()[0]
                    other = conn.execute("SELECT sla_policy FROM conversations WHERE id = ?",
                                         (idiom.id,)).fetchone()[0]
                finally:
                    conn.close()
                assert (policy, other) == ("red flags", "front desk")

                # the notify hook (a Python process: slow to start on a busy machine):
                # category and number, never the patient's words
                notified = tmp_path / "notified.txt"
                deadline = time.monotonic() + 60
                while time.monotonic() < deadline and (
                        not notified.exists() or len(notified.read_text().splitlines()) < 2):
                    await asyncio.sleep(0.05)
                lines = notified.read_text().splitlines()
                assert any(f"chest_pain {bill.id}" in line for line in lines), lines
                assert all(json.loads(line.rsplit("}", 1)[0] + "}")["event"] == "red_flag"
                           for line in lines)
                assert not any(w in notified.read_text().lower() for w in SECRET_WORDS)

                # canned replies refused while the flag is open
                with pytest.raises(CannedRefused, match="open red flag"):
                    await api.render_canned("thanks", bill.id, {})

                # a reply repeating the symptom does not alert twice
                dovecot.deliver(REPEAT)

                async def repeat_in() -> bool:
                    detail = await api.get_conversation(bill.id)
                    return len(detail.messages) == 2

                await _wait_until(repeat_in)
                # detection commits with the message, so every event it wrote is already in
                # the log: drain it to its head instead of watching a window of time
                again: list[dict[str, Any]] = []
                before = head
                while True:
                    changes = await api.wait_events(head, 0.0)
                    if changes.head == head:
                        break
                    head = changes.head
                    again += [dict(e.details) for e in changes.events
                              if e.action == "redflag.raised"]
                assert head > before, "the drain saw the repeat's own events"
                assert again == []

                # bad calls: one line each, nothing changed
                for args, error in (((0, "x"), BadRequest), ((bill.id, " "), BadRequest),
                                    ((999_999, "called"), NotFound)):
                    with pytest.raises(error) as caught:
                        await api.clear_red_flag(*args)
                    assert "\n" not in str(caught.value)
                cli = cx("flag", "clear", str(bill.id), "--config", str(cfg))
                assert cli.returncode == 2 and "--reason" in cli.stderr
                assert "Traceback" not in cli.stderr

                # a clinician clears it: audited with the reason; templates allowed again
                cli = cx("flag", "clear", str(bill.id), "--reason", "called patient, sent to ER",
                         "--config", str(cfg))
                assert cli.returncode == 0, cli.stderr
                rendered = await api.render_canned("thanks", bill.id, {})
                assert "Thank you" in rendered.body
                audit = await api.audit("", conversation=bill.id)
                cleared = [e for e in audit if e.action == "redflag.cleared"]
                assert cleared and cleared[0].details["reason"] == "called patient, sent to ER"
                assert cleared[0].actor == ME
                with pytest.raises(BadRequest, match="no open red flag"):
                    await api.clear_red_flag(bill.id, "again")
                # cleared already: the command says there is nothing to clear, exit 0
                again = cx("flag", "clear", str(bill.id), "--reason", "again", "--config",
                           str(cfg))
                assert again.returncode == 0 and again.stderr == "", again.stderr
                assert again.stdout == f"#{bill.id} has no open red flag: nothing to clear\n"
                shown = await api.get_conversation(bill.id)
                assert shown.summary.red_flag is None
                # cleared: the tags stay for the reports, the list's mark goes calm, and who
                # cleared it, when and why is where staff look
                assert shown.summary.red_flag_cleared and not shown.summary.red_flag_open
                done = shown.red_flag_cleared
                assert done is not None
                assert (done.by, done.reason, done.category) == (
                    ME, "called patient, sent to ER", "chest_pain")
                assert abs(done.at - time.time()) < 120
                assert _list_rows(cfg)[bill.id].split()[1] == "RFok"
                text = cx("show", str(bill.id), "--config", str(cfg))
                assert text.returncode == 0, text.stderr
                said = [line for line in text.stdout.splitlines() if "cleared by" in line]
                assert len(said) == 1 and said[0].startswith(
                    f"red flag (chest pain) cleared by {ME} ")
                assert said[0].endswith(': "called patient, sent to ER"')
                assert "RED FLAG open" not in text.stdout
                as_json = cx("show", str(bill.id), "--json", "--config", str(cfg))
                assert as_json.returncode == 0, as_json.stderr
                data = json.loads(as_json.stdout)
                assert data["red_flag_cleared"] == {
                    "by": ME, "at": done.at, "reason": "called patient, sent to ER",
                    "category": "chest_pain"}
                assert data["conversation"]["red_flag_cleared"] is True

                # a NEW message with a red flag raises it again
                dovecot.deliver(AGAIN)
                again, head = await _wait_raised(api, head, 1)
                assert [r["conversation"] for r in again] == [bill.id]
                with pytest.raises(ApiError):
                    await api.render_canned("thanks", bill.id, {})
                # open again: the old clear is history, the flag shouts again
                reopened = await api.get_conversation(bill.id)
                assert reopened.red_flag_cleared is None
                assert reopened.summary.red_flag_open and not reopened.summary.red_flag_cleared
                assert _list_rows(cfg)[bill.id].split()[1] == "RED!"
                text = cx("show", str(bill.id), "--config", str(cfg))
                assert "cleared by" not in text.stdout and "RED FLAG open" in text.stdout
            finally:
                await api.aclose()
        log = server.log.lower()
        assert not any(w in log for w in SECRET_WORDS), server.log


def _list_rows(cfg: Path) -> dict[int, str]:
    """`cxinbox list` as a person reads it (no colour), each row by its conversation id."""
    proc = cx("list", "--config", str(cfg), extra_env={"NO_COLOR": "1"})
    assert proc.returncode == 0, proc.stderr
    assert "\x1b" not in proc.stdout
    return {int(line.split()[0].lstrip("*#")): line for line in proc.stdout.splitlines()}


# -- as another OS user: the server decides who may clear, whatever a client sends -----------

@pytest.mark.skipif(os.geteuid() != 0, reason="needs root to create OS users")
def test_an_agent_cannot_clear_and_bad_calls_get_one_line(desk: Desk) -> None:  # noqa: F811
    from cxinbox.store.db import Database

    db = Database(desk.db_path)
    try:
        with db.writing() as tx:
            tx.open_red_flag(1, "chest_pain", "chest pain", 1, int(time.time()))
            tx.add_tags([1], ["red-flag", "red-flag:chest-pain"])
    finally:
        db.close()
    agent = desk.users.agent
    cfg = str(desk.config)
    with Server(desk.config, desk.sock):
        code, out, err = cli_as(agent, "flag", "clear", "1", "--reason", "fine", "--config", cfg)
        assert code != 0 and out == "" and err.count("\n") == 1, err
        assert "only clinical staff" in err and "Traceback" not in err, err
        for args in (("abc", "--reason", "x"), ("1",), ("1", "--reason", "  ")):
            code, out, err = cli_as(agent, "flag", "clear", *args, "--config", cfg)
            assert code == 2 and err.count("\n") == 1 and "Traceback" not in err, (args, err)
        frames = [_frame(1, "clear_red_flag", 1, ""), _frame(2, "clear_red_flag", -5, "x"),
                  _frame(3, "clear_red_flag", "1", "x"), _frame(4, "clear_red_flag", 1)]
        answers = run_as(agent, _session, str(desk.sock), frames)
        for field, answer in zip(("reason", "conv_id", "conv_id", "reason"), answers[1:],
                                 strict=True):
            message = answer["error"]["message"]
            assert "\n" not in message and field in message, message
    db = Database(desk.db_path)
    try:
        assert db.conn.execute("SELECT red_flag FROM conversations WHERE id = 1"
                               ).fetchone()[0] == "chest_pain"
        assert db.conn.execute("SELECT count(*) FROM events WHERE action = 'redflag.cleared'"
                               ).fetchone()[0] == 0
        denied = db.conn.execute("SELECT count(*) FROM events WHERE action = 'access.denied'"
                                 " AND target = 'conversation:1'").fetchone()[0]
        assert denied == 1
    finally:
        db.close()


@pytest.mark.skipif(os.geteuid() != 0, reason="needs root to create OS users")
def test_an_agent_cannot_lower_an_open_flags_priority_or_untag_it(
        desk: Desk) -> None:  # noqa: F811
    """Through the server, as another OS user on the roster as an agent: lowering a
    red-flagged conversation's priority (`cxinbox priority`, a raw set_priority call) or
    taking its red-flag tag off is refused in one line, exit 6; a bulk priority changes the
    others, skips the flagged ones, says how many and exits 9. An admin may."""
    from cxinbox.store.db import Database

    db = Database(desk.db_path)
    try:
        with db.writing() as tx:
            for conv in (1, 2):
                tx.open_red_flag(conv, "chest_pain", "chest pain", conv, int(time.time()))
                tx.add_tags([conv], ["red-flag", "red-flag:chest-pain"])
                tx.update_state(conv, priority="urgent")
    finally:
        db.close()
    agent = desk.users.agent
    cfg = str(desk.config)
    line = ("#1 has an open red flag (chest pain): a clinician clears it first:"
            " cxinbox flag clear 1 --reason ...")

    def priorities() -> dict[int, str]:
        conn = sqlite3.connect(f"file:{desk.db_path}?mode=ro", uri=True)
        try:
            return dict(conn.execute("SELECT id, priority FROM conversations WHERE id <= 6"))
        finally:
            conn.close()

    with Server(desk.config, desk.sock):
        for args in (("priority", "1", "low"), ("priority", "#1", "high", "--yes"),
                     ("tag", "1", "--remove", "red-flag", "--yes"), ("status", "1", "closed")):
            code, out, err = cli_as(agent, *args, "--config", cfg)
            assert (code, out, err) == (6, "", f"cxinbox: {line}\n"), args
        answers = run_as(agent, _session, str(desk.sock),
                         [_frame(1, "set_priority", 1, "normal")])
        error = answers[1]["error"]
        assert error["exit_code"] == 6 and error["message"] == line, error
        assert priorities()[1] == "urgent"
        before = priorities()
        # A bulk priority over six: the four without a flag change, the two are skipped.
        code, out, err = cli_as(agent, "priority", "id:1,2,3,4,5,6", "low", "--yes", "--config", cfg)
        assert code == 9, (out, err)
        assert out == "changed 4 of 6 matching conversation(s); 0 already so\n"
        assert err == ("cxinbox: skipped 2 with an open red flag (#1, #2): only a clinician,"
                       " supervisor or admin changes that there; cxinbox flag clear ID"
                       " --reason ...\n")
        after = priorities()
        assert after == {**before, 3: "low", 4: "low", 5: "low", 6: "low"}
        # --json says the same, skipped ids included, with the same exit code
        code, out, err = cli_as(agent, "priority", "id:1,2,3,4,5,6", "high", "--yes", "--json",
                                "--config", cfg)
        assert code == 9 and json.loads(out)["skipped"] == [1, 2], (out, err)
        # a dry run tells without refusing or changing
        code, out, err = cli_as(agent, "priority", "id:1,2,3,4,5,6", "normal", "--dry-run",
                                "--config", cfg)
        assert code == 0 and out.startswith("would change 4 of 6"), (out, err)
        assert "would skip 2 with an open red flag (#1, #2)" in err
        # an admin (this process's user) may lower it
        done = cx("priority", "1", "normal", "--yes", "--config", cfg)
        assert done.returncode == 0, done.stderr
    assert priorities()[1] == "normal" and priorities()[2] == "urgent"
    db = Database(desk.db_path)
    try:
        denied = [json.loads(d) for (d,) in db.conn.execute(
            "SELECT details FROM events WHERE action = 'access.denied'"
            " AND details LIKE '%open red flag%' ORDER BY seq")]
        # one conversation named by its id is audited as the single change it is
        assert [d["what"] for d in denied] == [
            "a change of priority", "a change of priority", "a tag change", "a status change",
            "a change of priority", "a bulk priority", "a bulk priority"], denied
        assert denied[-1]["skipped"] == [1, 2]
        changed = [json.loads(d) for (d,) in db.conn.execute(
            "SELECT details FROM events WHERE action = 'conversation.priority'"
            " AND actor != 'triage' ORDER BY seq")]
        # the bulk ones say their query; the admin's `priority 1 normal` is a single change
        assert [d.get("bulk") for d in changed] == ["id:1,2,3,4,5,6"] * 8 + [None], changed
        assert changed[-1] == {"from": "urgent", "to": "normal"}, changed
        tags = {t for (t,) in db.conn.execute(
            "SELECT tag FROM conversation_tags WHERE conversation_id = 1")}
        assert {"red-flag", "red-flag:chest-pain"} <= tags
    finally:
        db.close()


async def test_every_raise_by_a_tag_reaches_a_colleagues_feed_and_escalates(
        dovecot: Any, tmp_path: Path, sockdir: Path) -> None:
    """A staff member tags a conversation `red-flag` from the command line; a second staff
    client, watching the server's change feed, sees the raise (no category: a person's) and,
    when the red-flag SLA runs out, its escalation. A clinician clears it and someone tags
    it again with no new message: the new raise reaches the feed and escalates again, once
    (it used to be silent: the same target and message were escalated before). The notify
    hook runs once per raise, with no patient words."""
    sock = sockdir / "s.sock"
    with SmsProvider(numbers=[CLINIC]) as provider:
        cfg = _config(tmp_path, dovecot, provider, sock, flag_target="2s")
        with Server(cfg, sock) as server:
            found = probe(sock)
            assert found is not None, server.log
            watcher = SocketAPI(sock, *found)
            try:
                dovecot.deliver(IDIOM)  # no red flag of its own

                async def arrived() -> int:
                    page = await watcher.list_conversations('"heart attack"')
                    return page.items[0].id if page.items else 0

                conv = await _wait_until(arrived)
                assert not (await watcher.get_conversation(conv)).summary.red_flag_open

                async def raise_and_escalate(head: int) -> list[Any]:
                    tagged = cx("tag", str(conv), "--add", "red-flag", "--yes",
                                "--config", str(cfg))
                    assert tagged.returncode == 0, tagged.stderr
                    seen: list[Any] = []
                    deadline = time.monotonic() + 90  # the SLA monitor's rounds: 1 s, on a busy machine
                    while time.monotonic() < deadline and not any(
                            e.action == "sla.breached" for e in seen):
                        changes = await watcher.wait_events(head, 5.0)
                        head = changes.head
                        seen += [e for e in changes.events
                                 if e.target == f"conversation:{conv}"
                                 and e.action in ("redflag.raised", "sla.at_risk",
                                                  "sla.breached")]
                    return seen

                for round_ in (1, 2):
                    seen = await raise_and_escalate(await watcher.last_event_seq())
                    raised = [e for e in seen if e.action == "redflag.raised"]
                    assert [(e.actor, e.details) for e in raised] == [
                        (ME, {"conversation": conv, "category": ""})], (round_, server.log)
                    states = [e.details["state"] for e in seen if e.action != "redflag.raised"]
                    assert states in (["breached"], ["at-risk", "breached"]), (round_, states)
                    assert (await watcher.get_conversation(conv)).summary.red_flag_open
                    if round_ == 1:
                        cleared = cx("flag", "clear", str(conv), "--reason", "called her",
                                     "--config", str(cfg))
                        assert cleared.returncode == 0, cleared.stderr
                notified = tmp_path / "notified.txt"
                deadline = time.monotonic() + 60
                while time.monotonic() < deadline and (
                        not notified.exists() or len(notified.read_text().splitlines()) < 2):
                    await asyncio.sleep(0.05)
                lines = notified.read_text().splitlines()
                assert [json.loads(line.rsplit("}", 1)[0] + "}") for line in lines] == [
                    {"event": "red_flag", "category": "", "conversation": conv,
                     "raised_by": "tag"}] * 2, lines
                assert not any(w in notified.read_text().lower() for w in SECRET_WORDS)
            finally:
                await watcher.aclose()
