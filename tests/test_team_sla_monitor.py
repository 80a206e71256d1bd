"""SLA escalation: once per transition (also across restarts), re-armed by a new patient
message, with the event and the notify command's JSON. Injected clock throughout."""

from __future__ import annotations

import json
import logging
import sys
import threading
import time
from dataclasses import replace
from pathlib import Path

import pytest
from tests.support.waiting import wait_until
from tests.teamhelp import DESK, T0, deliver, events, open_service

from cxinbox.service.sla_monitor import SlaMonitor

HOUR = 3600


def _script(tmp_path: Path, body: str) -> list[str]:
    path = tmp_path / "notify.py"
    path.write_text(body)
    return [sys.executable, str(path)]


RECORDER = """
import json, os, sys
line = sys.stdin.readline()
env = {k: v for k, v in os.environ.items() if k.startswith("CXINBOX_")}
with open(os.environ["NOTIFY_LOG"], "a") as f:
    f.write(json.dumps({"stdin": json.loads(line), "env": env}) + "\\n")
"""


def test_escalates_once_per_transition_and_survives_restart(tmp_path: Path, any_store: object) -> None:
    config, db, svc, _ = open_service(tmp_path, store=any_store)
    conv = deliver(db, sender="ana@patient.example", at=T0, subject="Knee pain")
    svc.assign(conv, "jsmith")
    monitor = SlaMonitor(db, config)
    assert monitor.check(T0 + 600) == []
    (risk,) = monitor.check(T0 + 2700)  # 75% of the one-hour first response
    assert (risk.conversation_id, risk.state, risk.assignee, risk.policy, risk.target,
            risk.due_at) == (conv, "at-risk", "jsmith", "front desk", "first-response",
                             T0 + HOUR)
    assert monitor.check(T0 + 2760) == []
    assert SlaMonitor(db, config).check(T0 + 2800) == []  # a restarted server
    (breach,) = SlaMonitor(db, config).check(T0 + HOUR + 1)
    assert breach.state == "breached"
    assert monitor.check(T0 + HOUR + 60) == []
    assert [e["conversation"] for e in events(db, "sla.at_risk")] == [conv]
    (event,) = events(db, "sla.breached")
    assert event == {"actor": "system", "target": f"conversation:{conv}", "conversation": conv,
                     "subject": "Knee pain", "assignee": "jsmith", "policy": "front desk",
                     "sla_target": "first-response", "due": T0 + HOUR, "state": "breached"}

    # A staff reply answers it; a new patient message starts the next-response target
    # and re-arms the escalation.
    deliver(db, sender=DESK, to="ana@patient.example", at=T0 + HOUR + 300,
            subject="Re: Knee pain")
    assert monitor.check(T0 + HOUR + 400) == []
    deliver(db, sender="ana@patient.example", at=T0 + 2 * HOUR, subject="Re: Knee pain")
    assert monitor.check(T0 + 2 * HOUR + 60) == []
    (again,) = monitor.check(T0 + 2 * HOUR + 2700)
    assert (again.state, again.target, again.due_at) == ("at-risk", "next-response",
                                                         T0 + 3 * HOUR)
    assert len(events(db, "sla.at_risk")) == 2


def test_jumping_straight_to_breached_and_pauses(tmp_path: Path, any_store: object) -> None:
    config, db, svc, clock = open_service(tmp_path, store=any_store)
    a = deliver(db, sender="ana@patient.example", at=T0, subject="Knee pain")
    b = deliver(db, sender="bo@patient.example", at=T0, subject="Parking permit")
    clock.now = T0 + 600
    svc.set_status(b, "pending")
    monitor = SlaMonitor(db, config)
    # The server was down past the due time: one "breached", no stale "at risk".
    assert [(e.conversation_id, e.state) for e in monitor.check(T0 + 2 * HOUR)] == \
        [(a, "breached")]
    assert events(db, "sla.at_risk") == []
    # Pending stops the clock; back to open later, the same target is not re-escalated
    # at a level already announced, but a new level is.
    clock.now = T0 + 2 * HOUR
    svc.set_status(b, "open")
    assert monitor.check(T0 + 2 * HOUR + 60) == []
    (risk,) = monitor.check(T0 + 2 * HOUR + 2100)
    assert (risk.conversation_id, risk.state, risk.due_at) == (b, "at-risk",
                                                               T0 + 3 * HOUR - 600)


def test_notify_command_gets_env_and_json(tmp_path: Path, any_store: object,
                                          monkeypatch: pytest.MonkeyPatch) -> None:
    log = tmp_path / "notify.log"
    monkeypatch.setenv("NOTIFY_LOG", str(log))
    config, db, _, _ = open_service(tmp_path, store=any_store, notify=_script(tmp_path, RECORDER))
    conv = deliver(db, sender="ana@patient.example", at=T0,
                   subject="Knee \x1b]52;c;aGk=\x07pain\u202e")
    SlaMonitor(db, config).check(T0 + 2700)
    (call,) = [json.loads(line) for line in log.read_text().splitlines()]
    # never the patient's words (the subject is theirs): the number to open instead
    assert call["stdin"] == {"conversation_id": conv, "state": "at-risk",
                             "assignee": "", "policy": "front desk",
                             "target": "first-response", "due_at": T0 + HOUR}
    assert "Knee" not in json.dumps(call)
    assert call["env"]["CXINBOX_CONVERSATION"] == str(conv)
    assert call["env"]["CXINBOX_STATE"] == "at-risk"
    assert call["env"]["CXINBOX_ASSIGNEE"] == ""
    assert call["env"]["CXINBOX_DUE"] == str(T0 + HOUR)
    assert events(db, "sla.at_risk")[0]["subject"] == "Knee pain"


def test_failing_or_missing_notify_command_is_logged_not_fatal(
        tmp_path: Path, any_store: object, caplog: pytest.LogCaptureFixture) -> None:
    config, db, _, _ = open_service(
        tmp_path, store=any_store, notify=_script(tmp_path, "import sys; sys.stderr.write('pager down'); "
                                           "sys.exit(3)"))
    deliver(db, sender="ana@patient.example", at=T0, subject="Knee pain")
    with caplog.at_level(logging.WARNING, logger="cxinbox.service.sla_monitor"):
        assert len(SlaMonitor(db, config).check(T0 + 2700)) == 1
    # The exit code is logged; the command's stderr is not (it is handed the subject).
    assert "exited 3" in caplog.text and "pager down" not in caplog.text
    assert len(events(db, "sla.at_risk")) == 1

    sleeper = (sys.executable, "-c", "import time; time.sleep(5)")
    slow = SlaMonitor(db, replace(config, sla=replace(config.sla, notify_command=sleeper)),
                      notify_timeout_s=0.5)
    caplog.clear()
    with caplog.at_level(logging.WARNING, logger="cxinbox.service.sla_monitor"):
        assert len(slow.check(T0 + HOUR)) == 1
    assert "timed out" in caplog.text
    missing = (str(tmp_path / "no-such-program"),)
    slow = SlaMonitor(db, replace(config, sla=replace(config.sla, notify_command=missing)))
    deliver(db, sender="cy@patient.example", at=T0, subject="Parking permit")
    caplog.clear()
    with caplog.at_level(logging.WARNING, logger="cxinbox.service.sla_monitor"):
        assert len(slow.check(T0 + 2750)) == 1
    assert "could not run" in caplog.text


def test_run_loop_escalates_and_wakes_snoozed(tmp_path: Path, any_store: object) -> None:
    config, db, svc, clock = open_service(tmp_path, store=any_store)
    a = deliver(db, sender="ana@patient.example", at=T0, subject="Knee pain")
    b = deliver(db, sender="bo@patient.example", at=T0, subject="Parking permit")
    svc.set_status(b, "snoozed", until=T0 + 60)
    clock.now = T0 + 2700
    stop = threading.Event()
    monitor = SlaMonitor(db, config, clock=clock)
    worker = threading.Thread(target=monitor.run, args=(stop, 0.05))
    worker.start()
    try:
        for _ in range(100):
            if events(db, "sla.at_risk") and db.conn.execute(
                    "SELECT status FROM conversations WHERE id = ?", (b,)).fetchone()[0] == "open":
                break
            stop.wait(0.05)
    finally:
        stop.set()
        worker.join(60)
    assert not worker.is_alive()
    assert [e["conversation"] for e in events(db, "sla.at_risk")] == [a]
    woke = [e for e in events(db, "conversation.status") if e["actor"] == "system"]
    assert [(e["target"], e["reason"]) for e in woke] == [(f"conversation:{b}", "snooze ended")]


def test_the_servers_monitor_runs_a_round_every_check_interval(tmp_path: Path) -> None:
    """[sla] check_interval is the server's time between rounds (runtime.SlaWatch): with 1,
    a conversation that turns at risk after a round is escalated a second or so later,
    not at the next of the 15 s rounds the monitor had before the setting."""
    from cxinbox.service import heartbeat
    from cxinbox.service.runtime import SlaWatch
    from cxinbox.service.sla_monitor import HEARTBEAT

    config, db, _, clock = open_service(tmp_path)
    config = replace(config, sla=replace(config.sla, check_interval_s=1))
    a = deliver(db, sender="ana@patient.example", at=T0, subject="Knee pain")
    clock.now = T0 + 60  # not at risk yet
    watch = SlaWatch(db, config, clock=clock)
    assert watch.interval_s == 1.0
    began = time.time()
    stop = threading.Event()
    worker = threading.Thread(target=watch.run, args=(stop,))
    worker.start()
    try:
        wait_until(lambda: (heartbeat.last(HEARTBEAT) or 0) >= began, "the first round",
                   timeout=60)
        assert events(db, "sla.at_risk") == []
        clock.now = T0 + 2700  # at risk from now on
        turned = time.monotonic()
        wait_until(lambda: bool(events(db, "sla.at_risk")), "the next round's escalation",
                   timeout=60)
        # the next round, not one 15 s on (a busy machine's second round is late, not that)
        assert time.monotonic() - turned < 10, time.monotonic() - turned
    finally:
        stop.set()
        worker.join(60)
    assert not worker.is_alive()
    assert [e["conversation"] for e in events(db, "sla.at_risk")] == [a]


def test_every_raise_of_a_red_flag_by_a_tag_escalates_once(
        tmp_path: Path, any_store: object, monkeypatch: pytest.MonkeyPatch) -> None:
    """A red flag a person raises with the `red-flag` tag runs the red-flag SLA from the
    raise, and its escalation comes once per level for EACH raise: on a conversation whose
    same target (first response, the same patient message) was escalated before under the
    desk's policy, and again after a clinician cleared it and someone tagged it again (no new
    message, so the old arm was the same and the second raise was silent). The raise itself
    is a `redflag.raised` event and runs the notify hook once."""
    from cxinbox.config import SlaPolicyConfig, TriageConfig

    log = tmp_path / "notify.log"
    monkeypatch.setenv("NOTIFY_LOG", str(log))
    config, db, maria, clock = open_service(tmp_path, store=any_store)
    config = replace(config, sla=replace(config.sla, policies=(
        *config.sla.policies, SlaPolicyConfig(name="red flags", match="tag:never-used",
                                              first_response_s=900))),
        triage=TriageConfig(red_flag_policy="red flags",
                            notify_command=tuple(_script(tmp_path, RECORDER))))
    from cxinbox.service.inbox import InboxService

    maria = InboxService(db, config, "maria", clock=clock)
    lead = InboxService(db, config, "lead", clock=clock)
    monitor = SlaMonitor(db, config)
    conv = deliver(db, sender="ana@patient.example", at=T0, subject="Dizzy")
    (desk_breach,) = monitor.check(T0 + 2 * HOUR)  # the desk's hour ran out unanswered
    assert (desk_breach.policy, desk_breach.target, desk_breach.state) == (
        "front desk", "first-response", "breached")

    def raise_and_escalate(at: int) -> list[tuple[str, str, int]]:
        clock.now = at
        maria.tag(conv, add=["red-flag"])
        found = []
        for later in (at + 60, at + 700, at + 720, at + 901, at + 1000, at + 3000):
            found += [(e.policy, e.state, e.due_at) for e in monitor.check(later)]
        return found

    first = T0 + 3 * HOUR
    assert raise_and_escalate(first) == [("red flags", "at-risk", first + 900),
                                         ("red flags", "breached", first + 900)]
    clock.now = first + 4000
    lead.clear_red_flag(conv, "called the patient")
    assert monitor.check(first + 4100) == []  # back on the desk's breach: told already
    again = T0 + 5 * HOUR
    assert raise_and_escalate(again) == [("red flags", "at-risk", again + 900),
                                         ("red flags", "breached", again + 900)]
    assert monitor.check(again + 5000) == [] and SlaMonitor(db, config).check(again + 6000) == []
    raised = events(db, "redflag.raised")
    assert [(e["actor"], e["category"], e["raised_by"]) for e in raised] == [
        ("maria", "", "tag"), ("maria", "", "tag")]
    wait_until(lambda: log.exists() and sum(
        '"red_flag"' in line for line in log.read_text().splitlines()) == 2,
        what="the notify hook run once per raise")
    calls = [json.loads(line) for line in log.read_text().splitlines()]
    hooks = [c["stdin"] for c in calls if c["stdin"].get("event") == "red_flag"]
    assert hooks == [{"event": "red_flag", "category": "", "conversation": conv,
                      "raised_by": "tag"}] * 2
