"""The demo clinic: deterministic, realistic, built through the real ingest and service
paths, and kept alive by a trickle of new patient messages."""

from __future__ import annotations

import json
import sqlite3
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from tests.support.waiting import wait_until

from cxinbox.config import Config
from cxinbox.service.demo import (
    NURSE_REASON,
    RED_FLAG_AGE_S,
    RED_FLAG_RESPONSE_S,
    STAFF,
    DemoArrivals,
    build_demo,
    demo_config,
    start_background,
)
from cxinbox.service.inbox import InboxService
from cxinbox.service.sla_monitor import SlaMonitor
from cxinbox.store.db import Database

NOW = 1_741_100_400.0  # Tue 4 Mar 2025 15:00 UTC


_built: dict[int, tuple[Path, Config]] = {}
"""seed -> a demo clinic built once in this module (at NOW, for "frontdesk") and its config."""
_built_dir: list[Path] = []


@pytest.fixture(scope="module", autouse=True)
def _demo_templates(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    _built.clear()
    _built_dir.append(tmp_path_factory.mktemp("demo-templates"))
    yield
    _built.clear()
    _built_dir.clear()


def _build(tmp_path: Path, name: str, seed: int = 7,
           fresh: bool = False) -> tuple[Database, InboxService]:
    """The demo clinic in a database of the test's own. Building one takes seconds, so
    the module builds each seed once and every test gets a copy (SQLite's backup) of it;
    `fresh` builds it anew."""
    if fresh or seed not in _built:
        path = _built_dir[0] / f"seed{seed}.db" if not fresh else tmp_path / name
        db = Database(path, synchronous="OFF")
        demo = build_demo(db, seed=seed, me="frontdesk", now=NOW, timezone="UTC")
        if fresh:
            return db, InboxService(db, demo.config, "frontdesk")
        db.close()
        _built[seed] = (path, demo.config)
    template, config = _built[seed]
    source = sqlite3.connect(template)
    target = sqlite3.connect(tmp_path / name)
    try:
        source.backup(target)
    finally:
        source.close()
        target.close()
    db = Database(tmp_path / name, synchronous="OFF")
    return db, InboxService(db, config, "frontdesk")


def _all(service: InboxService, query: str = "") -> list:  # type: ignore[type-arg]
    page = service.list_conversations(query, 0, 1000)
    return list(page.items)


def test_same_seed_same_clinic(tmp_path: Path) -> None:
    _, a = _build(tmp_path, "a.db")  # the module's build
    _, b = _build(tmp_path, "b.db", fresh=True)
    _, c = _build(tmp_path, "c.db", seed=8, fresh=True)

    def shape(service: InboxService) -> list[tuple[object, ...]]:
        return [(s.id, s.subject, s.from_name, s.status, s.assignee, s.priority, s.tags,
                 s.last_message_at) for s in _all(service)]

    assert shape(a) == shape(b)
    assert shape(a) != shape(c)


def test_a_realistic_spread(tmp_path: Path) -> None:
    _, service = _build(tmp_path, "demo.db")
    items = _all(service)
    assert 280 <= len(items) <= 320
    channels = Counter(s.channel for s in items)
    assert channels["email"] > 150 and channels["sms"] > 40
    statuses = Counter(s.status for s in items)
    assert {"open", "pending", "snoozed", "closed"} <= set(statuses)
    assert Counter(s.priority for s in items).keys() >= {"urgent", "high", "normal", "low"}
    assigned = {s.assignee for s in items if s.assignee}
    assert set(STAFF) <= assigned and "frontdesk" in assigned
    assert service.list_conversations("status:open assignee:none", 0, 1).total > 5
    assert service.list_conversations("status:open assignee:me", 0, 1).total > 5
    mailboxes = {s.mailbox for s in items if s.channel == "email"}
    assert mailboxes == {"appointments", "billing", "results", "referrals"}
    tags = {t for s in items for t in s.tags}
    assert {"lab-results", "billing", "refill", "referral", "insurance"} <= tags
    assert any(s.has_attachment for s in items)
    assert max(s.message_count for s in items) > 20  # a long thread


def test_red_flag_and_notes_with_mentions(tmp_path: Path) -> None:
    _, service = _build(tmp_path, "demo.db")
    red = _all(service, '"chest pain" is:red-flag')
    assert len(red) == 1
    detail = service.get_conversation(red[0].id)
    assert detail.summary.priority == "urgent" and "red-flag" in detail.summary.tags
    assert any("@priya" in note.body for note in detail.notes)
    noted = [s for s in _all(service) if s.status != "closed"]
    mentions = sum("@" in n.body for s in noted[:120]
                   for n in service.get_conversation(s.id, record_view=False).notes)
    assert mentions >= 3


def test_sla_inputs_spread_over_ok_at_risk_breached_paused(tmp_path: Path) -> None:
    """Created/response times give a 1-business-hour first response every state."""
    _, service = _build(tmp_path, "demo.db")
    waiting = [s for s in _all(service, "status:open") if s.first_response_at is None]
    ages = [NOW - s.created_at for s in waiting]
    assert any(a < 45 * 60 for a in ages)  # ok
    assert any(45 * 60 <= a < 60 * 60 for a in ages)  # at risk (last quarter)
    assert any(a >= 60 * 60 for a in ages)  # breached
    assert service.list_conversations("status:pending", 0, 1).total > 10  # paused


@pytest.mark.parametrize("zone", ["UTC", "America/Chicago", "Asia/Tokyo"])
def test_every_sla_state_at_any_hour(tmp_path: Path, zone: str) -> None:
    """Built at the real time of the run (night, weekend or not), through the service's own
    SLA engine and `sla:` queries, every state is there to see."""
    db = Database(tmp_path / "now.db", synchronous="OFF")
    demo = build_demo(db, seed=7, me="frontdesk", timezone=zone)
    service = InboxService(db, demo.config, "frontdesk")
    for state in ("ok", "at-risk", "breached", "paused"):
        assert service.list_conversations(f"sla:{state}", 0, 1).total > 0, state


def test_staff_actions_went_through_the_service(tmp_path: Path) -> None:
    _, service = _build(tmp_path, "demo.db")
    events = service.events_since(0, 5000)
    actions = Counter(e.action for e in events)
    for action in ("conversation.assign", "conversation.tag", "conversation.status",
                   "conversation.priority", "conversation.note", "mail.received"):
        assert actions[action] > 0, action
    assert {e.actor for e in events if e.action == "conversation.assign"} >= set(STAFF)


def test_arrival_adds_a_message_and_an_event(tmp_path: Path) -> None:
    db = Database(tmp_path / "demo.db", synchronous="OFF")
    demo = build_demo(db, seed=7, me="frontdesk", now=NOW, timezone="UTC")
    service = InboxService(db, demo.config, "frontdesk")
    seq = service.last_event_seq()
    before = service.list_conversations("", 0, 1).total
    messages_before = sum(s.message_count for s in _all(service))
    conversations = {demo.arrive(now=NOW + 25 * i) for i in range(6)}
    assert all(conversations)
    events = service.events_since(seq)
    ingests = [e for e in events if e.action in ("mail.received", "sms.received")]
    assert len(ingests) == 6
    # the rest is what the demo's rules did with them, as in the server
    assert all(e.actor.startswith("rule:") for e in events if e not in ingests)
    assert sum(s.message_count for s in _all(service)) == messages_before + 6
    assert service.list_conversations("", 0, 1).total >= before


def test_arrivals_thread_trickles_and_stops(tmp_path: Path) -> None:
    db = Database(tmp_path / "demo.db", synchronous="OFF")
    demo = build_demo(db, seed=7, me="frontdesk", now=NOW, conversations=20, timezone="UTC")
    arrivals = DemoArrivals(demo, low_s=0.01, high_s=0.02)
    arrivals.start()
    deadline = time.monotonic() + 60
    while demo.arrived < 3 and time.monotonic() < deadline:
        time.sleep(0.01)
    arrivals.stop()
    count = demo.arrived
    assert count >= 3 and arrivals.last_error is None
    time.sleep(0.1)
    assert demo.arrived == count


def test_open_demo_never_touches_the_real_db_and_cleans_up(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import tempfile

    from cxinbox.tui import launch

    seen: dict[str, object] = {}

    def fake_run(api: object, config: object, **kwargs: object) -> None:
        seen["db"] = api.service.store.path  # type: ignore[attr-defined]
        seen["threads"] = {t.name for t in threading.enumerate() if t.is_alive()}
        seen["total"] = api.service.list_conversations("", 0, 1).total  # type: ignore[attr-defined]

    monkeypatch.setattr(launch, "_run", fake_run)
    monkeypatch.setattr(launch, "need_terminal", lambda: None)  # pytest's stdin is no tty
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "real-data"))
    launch.open_demo()
    db_path = Path(str(seen["db"]))
    assert db_path.is_relative_to(tmp_path) and "cxinbox-demo-" in str(db_path)
    assert not db_path.parent.exists()
    assert not (tmp_path / "real-data").exists()
    assert int(str(seen["total"])) >= 290
    # the server's background work runs in the demo too, and stops with it
    assert {"demo sla monitor", "demo outbox"} <= seen["threads"]  # type: ignore[operator]
    alive = {t.name for t in threading.enumerate() if t.is_alive()}
    assert not alive & {"demo sla monitor", "demo outbox"}


def test_the_red_flag_is_urgent_and_runs_on_the_red_flag_policy(tmp_path: Path) -> None:
    """Chest pain: urgent, tagged red-flag, mine, and due 15 minutes after it came in
    (around the clock), not the ordinary hour; it turns at risk and breaches within the
    first minutes of the demo, escalated by the red-flag policy."""
    db, service = _build(tmp_path, "demo.db")
    (red,) = _all(service, '"chest pain" is:red-flag')
    assert red.priority == "urgent" and "red-flag" in red.tags
    assert red.assignee == "frontdesk" and red.status == "open"
    assert red.last_inbound_at == NOW - RED_FLAG_AGE_S
    assert red.sla_due_at == red.last_inbound_at + RED_FLAG_RESPONSE_S
    config = service.config
    assert config.sla.policies[0].name == "red flag"
    assert config.sla.policies[0].match == "is:red-flag" and config.sla.policies[0].calendar == ""

    monitor = SlaMonitor(db, config)
    assert monitor.check(int(NOW)) == []  # what was late already was escalated at build
    risk = monitor.check(int(NOW) + 90)
    assert [(e.conversation_id, e.state, e.policy) for e in risk] == [
        (red.id, "at-risk", "red flag")]
    breach = [e for e in monitor.check(int(NOW) + 6 * 60) if e.conversation_id == red.id]
    assert [(e.state, e.policy) for e in breach] == [("breached", "red flag")]


def test_the_detectors_ran_over_the_demo_as_at_live_ingest(tmp_path: Path) -> None:
    """The chest pain is the detector's open red flag (category and quoted words); the
    infant-fever text was flagged and then cleared by the nurse; the traps beside them
    (an idiom, a family history, "no chest pain anymore") are not flagged; recent
    messages carry intents; a live arrival is assessed too."""
    db, service = _build(tmp_path, "demo.db")
    flagged = _all(service, "is:red-flag")
    assert [(s.red_flag, s.red_flag_matched) for s in flagged] == [("chest_pain", "Chest pain")]
    (fever,) = _all(service, "tag:red-flag:infant-fever")
    assert not fever.red_flag_open and fever.assignee == "priya"
    cleared = db.conn.execute("SELECT actor, details FROM events"
                              " WHERE action = 'redflag.cleared'").fetchall()
    assert [(actor, json.loads(details)["reason"]) for actor, details in cleared] == [
        ("priya", NURSE_REASON)]
    for words in ('"heart attack"', '"had a stroke"', '"no chest pain"'):
        (trap,) = _all(service, words)
        assert not trap.red_flag_open and "red-flag" not in trap.tags, words
        assert trap.intent is not None, words
    assert {s.intent for s in _all(service, "intent:billing_insurance")}
    recent = [s for s in _all(service) if s.last_inbound_at and s.last_inbound_at > NOW - 86400]
    assert recent and all(s.intent for s in recent)
    assert service.list_conversations("-red-flag:none", 0, 1).total == 1
    demo = build_demo(Database(tmp_path / "live.db", synchronous="OFF"), seed=7,
                      me="frontdesk", now=NOW, timezone="UTC")
    conv = demo.arrive(now=NOW + 30)
    live = InboxService(demo.db, demo.config, "frontdesk").get_conversation(conv)
    assert live.summary.intent is not None


def test_the_person_trying_the_demo_is_mentioned(tmp_path: Path) -> None:
    """View 6 ("Mentions of me") is not empty: colleagues' notes name the demo's `me`."""
    _, service = _build(tmp_path, "demo.db")
    mentions = service.mentions()
    assert len(mentions) >= 5
    assert all("@frontdesk" in m.body for m in mentions)
    assert service.list_conversations("mentions:me", 0, 1).total >= 5
    authors = {m.author for m in mentions}
    assert authors and "frontdesk" not in authors


def test_the_demo_me_may_be_a_roster_member(tmp_path: Path) -> None:
    db = Database(tmp_path / "maria.db", synchronous="OFF")
    demo = build_demo(db, seed=7, me="maria", now=NOW, timezone="UTC")
    service = InboxService(db, demo.config, "maria")
    assert len(service.mentions()) >= 5
    (red,) = _all(service, '"chest pain" is:red-flag')
    assert red.assignee == "maria"


def _wait(condition: Callable[[], bool], what: str, timeout: float = 60.0) -> None:
    wait_until(condition, what, timeout=timeout, interval=0.02)


def test_the_demo_background_wakes_snoozes_and_escalates(tmp_path: Path) -> None:
    """The demo runs the server's SLA monitor: when the clock passes their wake-up times,
    snoozed conversations reopen, and conversations turning late are escalated, each
    transition once."""
    db = Database(tmp_path / "demo.db", synchronous="OFF")
    demo = build_demo(db, seed=7, me="frontdesk", now=NOW, timezone="UTC")
    service = InboxService(db, demo.config, "frontdesk")
    snoozed = {s.id: s.snoozed_until for s in _all(service, "status:snoozed")}
    assert len(snoozed) >= 5 and all(until and until > NOW for until in snoozed.values())
    seq = service.last_event_seq()
    clock = {"now": NOW + 90.0}
    stop = threading.Event()
    threads = start_background(demo, stop, clock=lambda: clock["now"], sla_interval_s=0.05)
    try:
        _wait(lambda: any(e.action == "sla.at_risk" for e in service.events_since(seq)),
              "the red flag turning at risk")
        assert service.list_conversations("status:snoozed", 0, 1).total == len(snoozed)
        clock["now"] = max(u for u in snoozed.values() if u is not None) + 1.0
        _wait(lambda: service.list_conversations("status:snoozed", 0, 1).total == 0,
              "every snooze to wake")
    finally:
        stop.set()
        for thread in threads:
            thread.join(timeout=60)
    assert not any(t.is_alive() for t in threads)
    events = service.events_since(seq, 5000)
    woken = [e for e in events if e.action == "conversation.status"
             and e.details.get("from") == "snoozed" and e.details.get("to") == "open"]
    assert sorted(int(e.target.split(":")[1]) for e in woken) == sorted(snoozed)
    assert {e.actor for e in woken} == {"system"}
    escalations = [(e.target, e.action) for e in events
                   if e.action in ("sla.at_risk", "sla.breached")]
    assert len(escalations) == len(set(escalations)) >= 2


def test_the_demo_sla_rounds_follow_the_configs_check_interval(tmp_path: Path) -> None:
    """`[sla] check_interval` of the demo's config sets how often its SLA rounds come
    (not a fixed 15 s): with 1 s, snoozes wake within seconds of their time."""
    import dataclasses

    db = Database(tmp_path / "demo.db", synchronous="OFF")
    demo = build_demo(db, seed=7, me="frontdesk", now=NOW, timezone="UTC")
    sla = dataclasses.replace(demo.config.sla, check_interval_s=1)
    demo = dataclasses.replace(demo, config=dataclasses.replace(demo.config, sla=sla))
    service = InboxService(db, demo.config, "frontdesk")
    snoozed = {s.id: s.snoozed_until for s in _all(service, "status:snoozed")}
    assert snoozed
    clock = {"now": float(NOW), "reads": 0}

    def now() -> float:
        clock["reads"] += 1
        return clock["now"]

    stop = threading.Event()
    threads = start_background(demo, stop, clock=now)
    try:
        wait_until(lambda: clock["reads"] >= 1, "the first SLA round", timeout=30,
                   interval=0.02)
        clock["now"] = max(u for u in snoozed.values() if u is not None) + 1.0
        # A round every second: well inside 8 s (a fixed 15 s would not be).
        wait_until(lambda: service.list_conversations("status:snoozed", 0, 1).total == 0,
                   "every snooze to wake at the next round", timeout=8, interval=0.05)
    finally:
        stop.set()
        for thread in threads:
            thread.join(timeout=60)


def test_the_demo_runs_its_rules_and_rules_test_replays_what_they_did(tmp_path: Path) -> None:
    """The demo's rules ran at its ingest as in the server (the red flags to the nurse, lab
    results to a team, "assigned by rule" in the thread), and `rules test` on the demo's
    database finds each arrival in the state it arrived in: the chest pain that came ten
    minutes before opening is replayed with its red flag, and fires the red-flag rule."""
    from tests.test_serve_support import cx

    from cxinbox.service.demo import demo_config_toml

    db, service = _build(tmp_path, "demo.db")
    (red,) = _all(service, '"chest pain" is:red-flag')
    applied = [json.loads(d) for (d,) in db.conn.execute(
        "SELECT details FROM events WHERE action = 'rule.applied' AND target = ?",
        (f"conversation:{red.id}",))]
    assert [a["rule"] for a in applied] == ["red flags to the nurses"]
    assert "nurses-told" in red.tags
    lab = [c for c in _all(service, "mailbox:results tag:lab")
           if service.get_conversation(c.id).assigned_by == "lab results"]
    assert lab and {c.assignee for c in lab} <= {"dev", "sam"}
    db.close()

    config = tmp_path / "config.toml"
    config.write_text(demo_config_toml(service.config, tmp_path / "demo.db") + '''
[[rules]]
name = "billing tag"
on = "arrival"
match = "mailbox:billing"
actions = { tag = ["billing"], notify = "billing mail" }
enabled = false

[[rules]]
name = "nobody has it"
on = "arrival"
match = "is:unassigned"
actions = { tag = ["unheld"] }
enabled = false
''')
    # (the window is by when mail came in: this demo's clinic day is NOW, in 2025)
    since = "2025-02-01"
    replay = cx("rules", "test", "red flags to the nurses", "--since", since,
                "--config", str(config))
    assert replay.returncode == 0, replay.stderr
    rows = [line for line in replay.stdout.splitlines() if line.startswith("#")]
    assert any(line.startswith(f"#{red.id} ") and "tag +nurses-told" in line
               and "-> priya" in line for line in rows), replay.stdout
    assert "would have fired 2 time(s)" in replay.stdout  # the chest pain and the infant fever
    assert "note: teams are judged" in replay.stdout  # it assigns a team
    billing = cx("rules", "test", "billing tag", "--since", since, "--config", str(config))
    assert billing.returncode == 0, billing.stderr
    assert "tag +billing" in billing.stdout
    # its notify would page nobody (the demo sets no notify_command), and it says so
    assert 'skip notify "billing mail": pages nobody: no [sla] notify_command is set' \
        in billing.stdout
    assert billing.stdout.rstrip().endswith(
        "note: notify pages nobody: no [sla] notify_command is set; set it for the pages to"
        " go out")
    assert "teams are judged" not in billing.stdout  # no team picks in it: no note
    # a rule that reads who holds it sees the team picks of the rules before it
    unheld = cx("rules", "test", "nobody has it", "--since", since, "--config", str(config))
    assert unheld.returncode == 0 and "note: teams are judged" in unheld.stdout, unheld.stderr


def test_demo_keep_leaves_the_database_and_a_config_that_reads_it(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    from tests.test_serve_support import cx

    from cxinbox.config import load_config
    from cxinbox.tui import launch

    seen: dict[str, object] = {}

    def fake_run(api: object, config: object, **kwargs: object) -> None:
        seen["db"] = api.service.store.path  # type: ignore[attr-defined]
        seen["rules"] = config.rules  # type: ignore[attr-defined]

    monkeypatch.setattr(launch, "_run", fake_run)
    monkeypatch.setattr(launch, "need_terminal", lambda: None)  # pytest's stdin is no tty
    kept = tmp_path / "kept"
    launch.open_demo(keep=launch.kept_demo_dir(kept))
    assert Path(str(seen["db"])) == kept.resolve() / "demo.db"
    assert (kept / "demo.db").stat().st_size > 0
    loaded = load_config(kept / "config.toml")
    assert loaded.db_path == kept.resolve() / "demo.db"
    assert loaded.rules == seen["rules"] and len(loaded.rules) == 2
    from cxinbox.tui.unlock import current_user

    keeper = loaded.staff_member(current_user())  # theirs to administer (store copy ...)
    assert keeper is not None and keeper.role == "admin"
    assert f"the demo is kept in {kept.resolve()}" in capsys.readouterr().out
    listed = cx("--local", "--config", str(kept / "config.toml"), "list", "is:red-flag")
    assert listed.returncode == 0 and "Chest pain since this morning" in listed.stdout, \
        listed.stderr
    # the demo's canned replies, and their refusal on an open red flag, are there to try
    kept_cfg = str(kept / "config.toml")
    templates = cx("--local", "--config", kept_cfg, "templates")
    assert templates.returncode == 0, templates.stderr
    assert "4 template(s)" in templates.stderr + templates.stdout
    assert loaded.compose.canned == demo_config().compose.canned
    red = json.loads(cx("--local", "--config", kept_cfg, "list", "--json",
                        "is:red-flag").stdout)["conversations"]
    canned = cx("--local", "--config", kept_cfg, "reply", str(red[0]["id"]), "--template",
                "results-ready")
    assert canned.returncode != 0 and "no canned replies while it is open" in canned.stderr
    # `rules test` shows each conversation at its arrival, as `list` does (the demo's
    # mail was all stored when the demo was built)
    every = json.loads(cx("--local", "--config", kept_cfg, "list", "--json", "--limit",
                          "500").stdout)["conversations"]
    shown = {c["id"]: c["created_at"] for c in every}
    replay = cx("--local", "--config", kept_cfg, "rules", "test",
                "red flags to the nurses", "--since", "30d")
    assert replay.returncode == 0, replay.stderr
    rows = [line.split() for line in replay.stdout.splitlines() if line.startswith("#")]
    assert len(rows) == 2, replay.stdout
    tz = ZoneInfo(loaded.clinic.timezone)
    for conv, day, minute, *_ in rows:
        arrived = datetime.fromtimestamp(shown[int(conv[1:])], UTC).astimezone(tz)
        assert f"{day} {minute}" == f"{arrived:%Y-%m-%d %H:%M}", (replay.stdout, arrived)
    assert rows[0][1:3] != rows[1][1:3], replay.stdout  # not both at the demo's build
    # a directory that is not empty is refused in one line, before any screen
    refused = cx("demo", "--keep", str(kept))
    assert refused.returncode == 2 and refused.stderr.count("\n") == 1
    assert "is not empty" in refused.stderr and "Traceback" not in refused.stderr
