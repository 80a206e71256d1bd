"""Every report figure against a deliberately naive re-computation over a generated history.

The history (a seeded random fortnight around the 2026 spring-forward night in New York) is
made through the real service and ingest: patients write, the desk replies, staff assign,
note, tag, change status (pending and snoozed pauses, closing, reopening by a patient's
reply, snoozes waking), and merge and unmerge conversations. The naive side reads the
events and messages back and walks them minute by minute: business time is counted by
asking, for each minute, whether the clinic's clock shows an open hour and whether the
conversation was pending or snoozed then; days are whatever local date each instant has.
Nothing of domain/reports.py is used on that side.
"""

from __future__ import annotations

import bisect
import json
import random
import sqlite3
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time
from pathlib import Path
from typing import Any
from unittest import mock
from zoneinfo import ZoneInfo

import pytest

from cxinbox.config import load_config
from cxinbox.contract.errors import Forbidden
from cxinbox.contract.report_types import Report
from cxinbox.service.inbox import InboxService
from cxinbox.service.reports import ReportService
from cxinbox.store.db import Database
from teamhelp import DESK, deliver

TZ = ZoneInfo("America/New_York")
START = int(datetime(2026, 3, 2, 0, 0, tzinfo=TZ).timestamp())  # a Monday
END = int(datetime(2026, 3, 16, 0, 0, tzinfo=TZ).timestamp())
HOLIDAY = date(2026, 3, 10)
# mon-fri two shifts, saturday morning, and a sunday night line across 02:00 (DST)
HOURS = {0: [(8, 12), (13, 18)], 1: [(8, 12), (13, 18)], 2: [(8, 12), (13, 18)],
         3: [(8, 12), (13, 18)], 4: [(8, 12), (13, 18)], 5: [(9, 13)], 6: [(0, 4)]}
TARGETS = {"red desk": {"first-response": 15 * 60},
           "front desk": {"first-response": 4 * 3600, "next-response": 8 * 3600,
                          "resolution": 3 * 86400}}
STAFF = ("maria", "jsmith", "lead")
CLINICIANS = ("jsmith",)

CONFIG = """
[clinic]
timezone = "America/New_York"

[store]
path = "{db}"

[[staff]]
os_user = "maria"
name = "Maria Lopez"
role = "agent"

[[staff]]
os_user = "jsmith"
name = "John Smith"
role = "agent"
clinical = true

[[staff]]
os_user = "lead"
name = "Pat Lead"
role = "supervisor"

[sla.calendars.clinic]
timezone = "America/New_York"
holidays = ["2026-03-10"]

[sla.calendars.clinic.hours]
mon = ["08:00-12:00", "13:00-18:00"]
tue = ["08:00-12:00", "13:00-18:00"]
wed = ["08:00-12:00", "13:00-18:00"]
thu = ["08:00-12:00", "13:00-18:00"]
fri = ["08:00-12:00", "13:00-18:00"]
sat = ["09:00-13:00"]
sun = ["00:00-04:00"]

[sla.calendars.always]
timezone = "America/New_York"

[sla.calendars.always.hours]
mon = ["00:00-24:00"]
tue = ["00:00-24:00"]
wed = ["00:00-24:00"]
thu = ["00:00-24:00"]
fri = ["00:00-24:00"]
sat = ["00:00-24:00"]
sun = ["00:00-24:00"]

[[sla.policies]]
name = "red desk"
match = "tag:red-flag"
calendar = "always"
first_response = "15m"

[[sla.policies]]
name = "front desk"
calendar = "clinic"
first_response = "4h"
next_response = "8h"
resolution = "3d"
"""


class Clock:
    def __init__(self, now: int) -> None:
        self.now = now

    def __call__(self) -> float:
        return float(self.now)


# --------------------------------------------------------------------------- the history


@dataclass
class History:
    db: Database
    services: dict[str, InboxService]
    clock: Clock
    path: Path


@pytest.fixture(scope="module")
def history(tmp_path_factory: pytest.TempPathFactory) -> Iterator[History]:
    tmp = tmp_path_factory.mktemp("reports")
    (tmp / "data").mkdir(mode=0o700)
    cfg_path = tmp / "config.toml"
    cfg_path.write_text(CONFIG.format(db=tmp / "data" / "cx.db"))
    config = load_config(cfg_path)
    db = Database(config.db_path, synchronous="OFF")
    clock = Clock(START)
    with mock.patch("cxinbox.store.db.now_ms", lambda: clock.now * 1000):
        services = {a: InboxService(db, config, a, clock=clock)
                    for a in (*STAFF, "rule:triage", "triage")}
        _generate(random.Random(14), db, services, clock)
        services["lead"].refresh_sla()  # which policy covers each conversation, as stored
        yield History(db, services, clock, cfg_path)
    db.close()


def _generate(rng: random.Random, db: Database, svc: dict[str, InboxService],
              clock: Clock) -> None:
    threads: dict[int, str] = {}  # conversation -> a Message-ID to reply to
    mailbox_of: dict[int, str] = {}
    n = 0
    while clock.now < END - 6 * 3600:
        clock.now += 60 * rng.choice((1, 3, 7, 15, 30, 45, 60, 90, 180))
        svc["lead"].wake_snoozed(clock.now)
        live = [c for c in threads if _live(db, c)]
        roll = rng.random()
        actor = rng.choice(STAFF)
        n += 1
        if roll < 0.22 or len(live) < 3:
            mailbox = rng.choice(("desk", "billing"))
            mid = f"p{n}@patient.example"
            conv = deliver(db, sender=f"patient{n % 40}@example.org", at=clock.now,
                           message_id=mid, subject=f"Question {n}", mailbox=mailbox)
            threads[conv], mailbox_of[conv] = mid, mailbox
            if rng.random() < 0.15:
                svc["triage" if n % 2 else "rule:triage"].tag(conv, add=["red-flag"])
            elif rng.random() < 0.3:
                svc["rule:triage"].tag(conv, add=[rng.choice(("billing", "results"))])
            continue
        conv = rng.choice(live)
        if roll < 0.36:  # the patient writes again (reopens what was set aside)
            mid = f"p{n}@patient.example"
            deliver(db, sender=f"patient{conv % 40}@example.org", at=clock.now,
                    message_id=mid, in_reply_to=threads[conv], subject="Re: more",
                    mailbox=mailbox_of[conv])
            threads[conv] = mid
        elif roll < 0.56:  # the desk answers (from a mail client: the Sent folder copy)
            mid = f"d{n}@clinic.example"
            deliver(db, sender=DESK, at=clock.now, message_id=mid,
                    in_reply_to=threads[conv], subject="Re: your question",
                    mailbox=mailbox_of[conv], folder="Sent")
            threads[conv] = mid
        elif roll < 0.63:
            svc[actor].add_note(conv, f"called the patient ({n})")
        elif roll < 0.70:
            svc[actor].assign(conv, rng.choice((*STAFF, None)))
        elif roll < 0.90:
            status = rng.choice(("pending", "closed", "closed", "snoozed", "open"))
            until = clock.now + 3600 * rng.choice((1, 5, 20, 50)) if status == "snoozed" \
                else None
            try:
                svc[actor].set_status(conv, status, until)
            except Forbidden:  # an agent may not put an open red flag away: the lead does
                svc["lead"].set_status(conv, status, until)
        elif roll < 0.95:
            svc[actor].tag(conv, add=[rng.choice(("billing", "results", "red-flag"))])
        elif roll < 0.975:
            priority = rng.choice(("urgent", "high", "normal"))
            try:
                svc[actor].set_priority(conv, priority)
            except Forbidden:  # nor lower an open red flag's priority: the lead does
                svc["lead"].set_priority(conv, priority)
        else:
            others = [c for c in live if c != conv]
            other = rng.choice(others)
            svc[actor].merge(conv, other)
            if rng.random() < 0.3:
                clock.now += 600
                svc[actor].unmerge(conv, other)


def _live(db: Database, conv: int) -> bool:
    row = db.conn.execute("SELECT merged_into FROM conversations WHERE id = ?",
                          (conv,)).fetchone()
    return row is not None and row[0] is None


def test_the_history_has_what_the_reports_must_handle(history: History) -> None:
    actions = {r[0]: r[1] for r in history.db.conn.execute(
        "SELECT action, count(*) FROM events GROUP BY action")}
    statuses = [json.loads(r[0]) for r in history.db.conn.execute(
        "SELECT details FROM events WHERE action = 'conversation.status'")]
    assert actions.get("conversation.merge", 0) >= 2
    assert actions.get("conversation.unmerge", 0) >= 1
    assert actions["conversation.note"] >= 20 and actions["conversation.assign"] >= 20
    assert any(s.get("reason") == "patient replied" for s in statuses)  # reopenings
    assert any(s.get("reason") == "snooze ended" for s in statuses)
    assert sum(s["to"] == "pending" for s in statuses) >= 10
    assert sum(s["to"] == "closed" for s in statuses) >= 30
    spring = int(datetime(2026, 3, 8, 3, 0, tzinfo=TZ).timestamp())
    count = history.db.conn.execute(
        "SELECT count(*) FROM messages WHERE date BETWEEN ? AND ?",
        (spring - 86400, spring + 86400)).fetchone()[0]
    assert count > 5  # traffic on both sides of the DST change


# --------------------------------------------------------------------------- the naive side


def _open_minute(at: int) -> bool:
    local = datetime.fromtimestamp(at, UTC).astimezone(TZ)
    if local.date() == HOLIDAY:
        return False
    return any(time(a) <= local.time() < (time(b) if b < 24 else time.max)
               for a, b in HOURS[local.weekday()])


@dataclass
class Naive:
    """Everything recomputed from the raw events and messages, minute by minute."""

    db: sqlite3.Connection
    convs: dict[int, dict[str, Any]] = field(default_factory=dict)
    messages: dict[int, list[tuple[int, int, str]]] = field(default_factory=dict)
    events: list[dict[str, Any]] = field(default_factory=list)
    minutes: dict[int, bool] = field(default_factory=dict)

    @classmethod
    def load(cls, db: Database, scope: str) -> Naive:
        conn = db.conn
        self = cls(conn)
        for row in conn.execute("SELECT id, created_at, channel, mailbox, status, sla_policy"
                                " FROM conversations WHERE merged_into IS NULL"):
            if scope == "mailbox:billing" and row[3] != "billing":
                continue
            self.convs[row[0]] = {"created": row[1], "channel": row[2], "mailbox": row[3],
                                  "policy": row[5], "tags": []}
        for conv, tag in conn.execute("SELECT conversation_id, tag FROM conversation_tags"):
            if conv in self.convs:
                self.convs[conv]["tags"].append(tag)
        for conv, mid, direction, at in conn.execute(
                "SELECT conversation_id, id, direction, date FROM messages ORDER BY date, id"):
            if conv in self.convs:
                self.messages.setdefault(conv, []).append((at, mid, direction))
        for seq, at, actor, action, target, details in conn.execute(
                "SELECT seq, at, actor, action, target, details FROM events ORDER BY seq"):
            if not str(target).startswith("conversation:"):
                continue
            self.events.append({"seq": seq, "at": at // 1000, "actor": actor,
                                "action": action, "conv": int(target.split(":")[1]),
                                **json.loads(details)})
        return self

    def is_open(self, minute: int) -> bool:
        if minute not in self.minutes:
            self.minutes[minute] = _open_minute(minute)
        return self.minutes[minute]

    def conv_events(self, conv: int) -> list[dict[str, Any]]:
        return [e for e in self.events if e["conv"] == conv]

    def paused_at(self, conv: int, minute: int) -> bool:
        status, until = "open", None
        for e in self.conv_events(conv):
            if e["at"] > minute:
                break
            if e["action"] == "conversation.status":
                status, until = e["to"], e.get("until")
        return status == "pending" or (status == "snoozed" and (until is None
                                                                 or minute < until))

    def business(self, conv: int, start: int, end: int, policy: str | None) -> int:
        always = policy == "red desk" or policy is None
        status_changes = [(e["at"], e["to"], e.get("until")) for e in self.conv_events(conv)
                          if e["action"] == "conversation.status"]
        times = [c[0] for c in status_changes]
        total = 0
        for minute in range(start, end, 60):
            if not (always or self.is_open(minute)):
                continue
            i = bisect.bisect_right(times, minute) - 1
            status, until = ("open", None) if i < 0 else status_changes[i][1:]
            if status == "pending" or (status == "snoozed" and (until is None
                                                                 or minute < until)):
                continue
            total += 60
        return total

    def intervals(self, until: int) -> list[dict[str, Any]]:
        out = []
        for conv, info in self.convs.items():
            timeline = [(at, 0, mid, "in" if d == "in" else "out")
                        for at, mid, d in self.messages.get(conv, []) if at < until]
            timeline += [(e["at"], 1, e["seq"], "close:" + e["actor"])
                         for e in self.conv_events(conv)
                         if e["action"] == "conversation.status" and e["to"] == "closed"
                         and e["at"] < until]
            timeline.sort()
            waiting = unresolved = None
            replied = False
            for at, _, _, what in timeline:
                if what == "in":
                    waiting = at if waiting is None else waiting
                    unresolved = at if unresolved is None else unresolved
                elif what == "out":
                    if waiting is not None:
                        out.append(self._interval(conv, info, "next-response" if replied
                                                  else "first-response", waiting, at))
                    waiting, replied = None, True
                else:
                    if unresolved is not None:
                        iv = self._interval(conv, info, "resolution", unresolved, at)
                        iv["staff"] = what.removeprefix("close:")
                        out.append(iv)
                    waiting = unresolved = None
            for kind, start in (("next-response" if replied else "first-response", waiting),
                                ("resolution", unresolved)):
                if start is not None:
                    iv = self._interval(conv, info, kind, start, until)
                    iv["end"] = None
                    out.append(iv)
        return out

    def _interval(self, conv: int, info: dict[str, Any], kind: str, start: int,
                  end: int) -> dict[str, Any]:
        return {"conv": conv, "kind": kind, "start": start, "end": end,
                "business": self.business(conv, start, end, info["policy"]),
                "wall": end - start, "info": info, "staff": "-"}


def _day(at: int) -> str:
    return datetime.fromtimestamp(at, UTC).astimezone(TZ).date().isoformat()


def _week(at: int) -> str:
    year, week, _ = datetime.fromtimestamp(at, UTC).astimezone(TZ).date().isocalendar()
    return f"{year}-W{week:02d}"


def _rank(values: list[int], p: int) -> int | None:
    """The smallest value with at least p% of the values at or below it."""
    for v in sorted(values):
        if sum(x <= v for x in values) * 100 >= p * len(values):
            return v
    return None


def _bucket(seconds: int) -> str:
    for label, bound in (("<15m", 900), ("15m-1h", 3600), ("1h-4h", 14400),
                         ("4h-1d", 86400), ("1d-3d", 259200)):
        if seconds < bound:
            return label
    return ">=3d"


def _groups(by: str | None, info: dict[str, Any], at: int, staff: str = "-") -> list[str]:
    if by is None:
        return ["all"]
    if by == "day":
        return ["all", _day(at)]
    if by == "week":
        return ["all", _week(at)]
    if by == "mailbox":
        return ["all", info["mailbox"]]
    if by == "channel":
        return ["all", info["channel"]]
    if by == "tag":
        return ["all", *(info["tags"] or ["-"])]
    return ["all", staff]  # replies here come from a mail client: "-"; closing: who closed


def _rows(report: Report, table: str) -> list[dict[str, Any]]:
    t = report.table(table)
    return [dict(zip(t.columns, row, strict=True)) for row in t.rows]


# --------------------------------------------------------------------------- the checks

WINDOWS = [(START, END),
           (START + 3 * 86400, START + 9 * 86400),  # around the DST change
           (START + 5 * 86400 + 13 * 3600 + 37 * 60, END - 2 * 86400 - 7 * 60)]


def _run(history: History, name: str, scope: str, since: int, until: int,
         by: list[str] | None = None, actor: str = "lead") -> Report:
    with mock.patch("cxinbox.store.db.now_ms", lambda: history.clock.now * 1000):
        return ReportService(history.services[actor]).run(name, scope, since, until, by)


@pytest.mark.parametrize("scope", ["", "mailbox:billing"])
@pytest.mark.parametrize("window", WINDOWS)
@pytest.mark.parametrize("by", [None, "day", "week", "mailbox", "tag", "staff", "channel"])
def test_volume_and_response_match_the_naive_walk(history: History, scope: str,
                                                  window: tuple[int, int],
                                                  by: str | None) -> None:
    since, until = window
    naive = Naive.load(history.db, scope)
    # volume: --by day/week is the period; anything else is a breakdown by day
    unit = "week" if by == "week" else "day"
    got = _run(history, "volume", scope, since, until, [by] if by else None)
    expected: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for conv, msgs in naive.messages.items():
        info = naive.convs[conv]
        for at, _mid, direction in msgs:
            if not since <= at < until:
                continue
            period = _week(at) if unit == "week" else _day(at)
            expected[period][direction] += 1
            if by in ("mailbox", "channel"):
                expected[period][f"{direction}:{info[by]}"] += 1
            elif by == "tag":
                for tag in info["tags"] or ["-"]:
                    expected[period][f"{direction}:{tag}"] += 1
            elif by == "staff" and direction == "out":
                expected[period]["out:-"] += 1
    rows = _rows(got, "volume")
    assert [r["period"] for r in rows] == sorted({r["period"] for r in rows})
    for r in rows:
        want = expected.get(str(r["period"]), {})
        assert {k: v for k, v in r.items() if k != "period" and v} == \
            {k: v for k, v in want.items() if v}, r["period"]
    assert sum(sum(v.values()) for v in expected.values()) == \
        sum(sum(int(x) for k, x in r.items() if k != "period") for r in rows)

    # response: intervals ending in the window, per group and metric
    got = _run(history, "response", scope, since, until, [by] if by else None)
    ivs = [i for i in naive.intervals(until) if i["end"] is not None
           and since <= i["end"] < until]
    by_group: dict[tuple[str, str], list[dict[str, Any]]] = defaultdict(list)
    for i in ivs:
        for g in _groups(by, i["info"], i["end"], i["staff"]):
            by_group[(g, i["kind"])].append(i)
    summary = {(r["group"], r["metric"]): r for r in _rows(got, "response")}
    assert {k for k, r in summary.items() if r["count"]} == set(by_group)
    for key, items in by_group.items():
        r = summary[key]
        business = [i["business"] for i in items]
        wall = [i["wall"] for i in items]
        assert (r["count"], r["business_median_s"], r["business_p90_s"], r["wall_median_s"],
                r["wall_p90_s"]) == (len(items), _rank(business, 50), _rank(business, 90),
                                     _rank(wall, 50), _rank(wall, 90)), key
    dist = defaultdict(int)
    for (g, kind), items in by_group.items():
        for i in items:
            dist[(g, kind, _bucket(i["business"]), "business")] += 1
            dist[(g, kind, _bucket(i["wall"]), "wall")] += 1
    for r in _rows(got, "distribution"):
        for measure in ("business", "wall"):
            assert r[measure] == dist.get((r["group"], r["metric"], r["bucket"], measure), 0)


@pytest.mark.parametrize("scope", ["", "mailbox:billing"])
@pytest.mark.parametrize("window", WINDOWS)
@pytest.mark.parametrize("by", [None, "week", "tag"])
def test_sla_matches_the_naive_walk(history: History, scope: str, window: tuple[int, int],
                                    by: str | None) -> None:
    since, until = window
    naive = Naive.load(history.db, scope)
    got = _run(history, "sla", scope, since, until, [by] if by else None)
    tally: dict[tuple[str, str, str], list[int]] = defaultdict(lambda: [0, 0])
    breaches = set()
    for i in naive.intervals(until):
        policy = i["info"]["policy"]
        target = TARGETS.get(policy or "", {}).get(i["kind"])
        if target is None:
            continue
        if i["end"] is None:
            if i["business"] <= target:
                continue
            if i["start"] < since and naive.business(i["conv"], i["start"], since,
                                                     policy) > target:
                continue  # late before the window: a breach of an earlier period
            state, at = "open", until
        elif since <= i["end"] < until:
            state, at = ("met" if i["business"] <= target else "late"), i["end"]
        else:
            continue
        for g in _groups(by, i["info"], at, i["staff"]):
            tally[(g, policy, i["kind"])][0 if state == "met" else 1] += 1
        if state != "met":
            breaches.add((i["conv"], policy, i["kind"], state, i["start"], i["end"],
                          i["business"], target))
    rows = {(r["group"], r["policy"], r["target"]): r for r in _rows(got, "sla")}
    assert set(rows) == set(tally)
    for key, (met, missed) in tally.items():
        r = rows[key]
        assert (r["count"], r["met"], r["breached"]) == (met + missed, met, missed), key
        assert r["pct_met"] == round(100 * met / (met + missed), 1)
    listed = {(r["conversation"], r["policy"], r["target"], r["state"], r["start"], r["end"],
               r["business_s"], r["target_s"]) for r in _rows(got, "breaches")}
    assert listed == breaches
    assert breaches, "the history should have breaches to list"


def _assignee_at(naive: Naive, conv: int, instant: int) -> str:
    """Forward replay of the assignment events: who had it just before `instant`."""
    who = None
    for e in naive.conv_events(conv):
        if e["at"] < instant and e["action"] == "conversation.assign":
            who = e.get("to")
    return who or "-"


def _state_at(naive: Naive, conv: int, instant: int) -> str | None:
    """Forward replay: the status just before `instant`, None if not live then."""
    info = naive.convs[conv]
    if info["created"] >= instant:
        return None
    status, live = "open", True
    for e in naive.conv_events(conv):
        if e["at"] >= instant:
            break
        if e["action"] == "conversation.status":
            status = e["to"]
        elif e["action"] == "conversation.merged":
            live = False
        elif e["action"] == "conversation.unmerged":
            live = True
    return status if live else None


@pytest.mark.parametrize("scope", ["", "mailbox:billing"])
@pytest.mark.parametrize("window", WINDOWS)
@pytest.mark.parametrize("by", [None, "week", "mailbox", "tag", "staff"])
def test_backlog_matches_a_forward_replay(history: History, scope: str,
                                          window: tuple[int, int], by: str | None) -> None:
    since, until = window
    naive = Naive.load(history.db, scope)
    got = _run(history, "backlog", scope, since, until, [by] if by else None)
    rows = _rows(got, "backlog")
    label = _week if by == "week" else _day
    ends: dict[str, int] = {}
    for minute in range(since, until, 60):  # each period ends where the next one starts
        ends[label(minute)] = minute + 60
    assert [r["period"] for r in rows if r["group"] == "all"] == list(ends)
    expected: dict[tuple[str, str], dict[str, int]] = defaultdict(
        lambda: {"open": 0, "pending": 0, "snoozed": 0})
    for period, end in ends.items():
        expected[(period, "all")]
        for conv, info in naive.convs.items():
            state = _state_at(naive, conv, end)
            if state in (None, "closed"):
                continue
            for g in _groups(None if by == "week" else by, info, end,
                             _assignee_at(naive, conv, end)):
                expected[(period, g)][str(state)] += 1
    assert {(r["period"], r["group"]): {"open": r["open"], "pending": r["pending"],
                                        "snoozed": r["snoozed"]} for r in rows} == \
        dict(expected)
    ages: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for conv, info in naive.convs.items():
        if _state_at(naive, conv, until) in (None, "closed"):
            continue
        age = until - info["created"]
        bucket = next(lbl for lbl, bound in (("<1d", 1), ("1d-3d", 3), ("3d-7d", 7),
                                             ("7d-30d", 30), (">=30d", 10**9))
                      if age < bound * 86400)
        for g in _groups(None if by == "week" else by, info, until,
                         _assignee_at(naive, conv, until)):
            ages[g][bucket] += 1
    assert {r["group"]: {k: v for k, v in r.items() if k != "group" and v}
            for r in _rows(got, "age")} == {g: dict(v) for g, v in ages.items()}


@pytest.mark.parametrize("window", WINDOWS)
@pytest.mark.parametrize("by", [None, "day"])
def test_workload_matches_the_events(history: History, window: tuple[int, int],
                                     by: str | None) -> None:
    since, until = window
    naive = Naive.load(history.db, "")
    got = _run(history, "workload", "", since, until, [by] if by else None)
    expected: dict[tuple[str, str], dict[str, int]] = defaultdict(
        lambda: {"assigned": 0, "replied": 0, "closed": 0, "notes": 0})
    for person in STAFF:
        expected[("all", person)]
    for e in naive.events:
        if not since <= e["at"] < until:
            continue
        period = "all" if by is None else _day(e["at"])
        if e["action"] == "conversation.assign" and e["to"] in STAFF:
            expected[(period, e["to"])]["assigned"] += 1
        if e["actor"] not in STAFF:
            continue
        if e["action"] == "conversation.status" and e["to"] == "closed":
            expected[(period, e["actor"])]["closed"] += 1
        elif e["action"] == "conversation.note":
            expected[(period, e["actor"])]["notes"] += 1
    rows = {(r["period"], r["staff"]): r for r in _rows(got, "workload")}
    assert {k for k in rows if k[1] != "total"} == set(expected)
    for key, want in expected.items():
        assert {k: rows[key][k] for k in want} == want, key
    for period in {p for p, _ in expected}:
        total = rows[(period, "total")]
        for k in ("assigned", "closed", "notes"):
            assert total[k] == sum(w[k] for (p, _), w in expected.items() if p == period)
    assert sum(r["notes"] for r in rows.values() if r["staff"] != "total") > 0


@pytest.mark.parametrize("window", WINDOWS)
def test_red_flags_lists_every_case_with_its_first_staff_action(
        history: History, window: tuple[int, int]) -> None:
    since, until = window
    naive = Naive.load(history.db, "")
    got = _run(history, "red-flags", "", since, until)
    expected = {}
    for conv, info in naive.convs.items():
        if "red-flag" not in info["tags"]:
            continue
        inbound = [at for at, _, d in naive.messages.get(conv, []) if d == "in"]
        arrival = min(inbound) if inbound else info["created"]
        if not since <= arrival < until:
            continue
        # a person's action: the detector's and the rules' own tags are not one
        acts = [e for e in naive.conv_events(conv)
                if arrival <= e["at"] < until and e["actor"] in STAFF
                and e["action"] not in ("conversation.read", "conversation.view")]
        doctor = next((e for e in acts if e["actor"] in CLINICIANS), None)
        clinician = ((None, None, None) if doctor is None
                     else (doctor["at"], doctor["actor"], doctor["at"] - arrival))
        if not acts:
            expected[conv] = (arrival, None, None, None, None, *clinician,
                              min(until, history.clock.now) - arrival)
        else:
            first = acts[0]
            expected[conv] = (arrival, first["at"], first["actor"], first["at"] - arrival,
                              naive.business(conv, arrival, first["at"], info["policy"]),
                              *clinician, None)
    rows = {r["conversation"]: (r["arrival"], r["first_action_at"], r["actor"], r["wall_s"],
                                r["business_s"], r["clinician_at"], r["clinician"],
                                r["clinician_wall_s"], r["waiting_s"])
            for r in _rows(got, "red-flags")}
    assert rows == expected
    (summary,) = _rows(got, "red-flags-summary")
    acted = sorted(v[3] for v in expected.values() if v[3] is not None)
    seen = sorted(v[7] for v in expected.values() if v[7] is not None)
    assert (summary["cases"], summary["acted"], summary["waiting"]) == (
        len(expected), len(acted), len(expected) - len(acted))
    assert (summary["clinician_acted"], summary["clinician_waiting"]) == (
        len(seen), len(expected) - len(seen))
    assert summary["wall_median_s"] == (acted[(len(acted) + 1) // 2 - 1] if acted else None)
    assert summary["clinician_median_s"] == (seen[(len(seen) + 1) // 2 - 1] if seen else None)


def test_an_agent_sees_their_own_figures_and_the_totals(history: History) -> None:
    got = _run(history, "workload", "", START, END, actor="maria")
    assert {r["staff"] for r in _rows(got, "workload")} == {"maria", "total"}
    lead = _run(history, "workload", "", START, END)
    assert {r["staff"] for r in _rows(lead, "workload")} == {*STAFF, "total"}
    totals = [r for r in _rows(lead, "workload") if r["staff"] == "total"]
    assert totals == [r for r in _rows(got, "workload") if r["staff"] == "total"]


def test_each_run_is_audited_with_counts_and_listed_ids_only(history: History) -> None:
    got = _run(history, "sla", "mailbox:billing", START, END)
    row = history.db.conn.execute(
        "SELECT actor, target, details FROM events WHERE action = 'report.run'"
        " ORDER BY seq DESC LIMIT 1").fetchone()
    details = json.loads(row[2])
    assert (row[0], row[1]) == ("lead", "report:sla")
    assert details["conversations"] == sorted({r["conversation"]
                                               for r in _rows(got, "breaches")})
    assert details["rows"]["breaches"] == len(got.table("breaches").rows)
    assert details["filtered"] is True and "billing" not in row[2]


_REPORT_BY = {"volume": ["mailbox"], "response": ["staff"], "sla": None, "backlog": ["day"],
              "workload": None, "red-flags": None}


@pytest.mark.parametrize("name", list(_REPORT_BY))
def test_report_queries_read_a_window_by_index_not_the_whole_log(history: History,
                                                                 name: str) -> None:
    """Every statement a report runs, planned by SQLite: none may read the events or
    messages table whole (at a year of a busy desk that is a million rows a run). Response,
    SLA and workload read the intervals kept per conversation (migration 19) instead."""
    statements: list[str] = []
    conn = history.db.conn
    conn.set_trace_callback(statements.append)
    try:
        _run(history, name, "", START + 3 * 86400, START + 9 * 86400, _REPORT_BY[name])
    finally:
        conn.set_trace_callback(None)
    reads = [s for s in statements if s.lstrip().upper().startswith("SELECT")
             and (" events" in s or " messages" in s or " report_intervals" in s
                  or " report_spans" in s)
             and "ORDER BY seq DESC LIMIT 1" not in s]  # the audit append: the last row
    assert reads, "the trace should show the report's reads"
    for sql in reads:
        plan = [str(row[3]) for row in conn.execute(f"EXPLAIN QUERY PLAN {sql}")]
        whole = [step for step in plan
                 if step.startswith(("SCAN events", "SCAN messages"))]
        assert not whole, f"{name}: {sql[:160]} -> {plan}"


@pytest.mark.parametrize("scope", ["", "mailbox:billing"])
@pytest.mark.parametrize("window", WINDOWS)
def test_heatmap_counts_patients_messages_by_local_weekday_and_hour(
        history: History, scope: str, window: tuple[int, int]) -> None:
    since, until = window
    naive = Naive.load(history.db, scope)
    got = _run(history, "volume", scope, since, until, ["heatmap"])
    expected: dict[tuple[str, str], int] = defaultdict(int)
    for msgs in naive.messages.values():
        for at, _mid, direction in msgs:
            if direction == "in" and since <= at < until:
                local = datetime.fromtimestamp(at, UTC).astimezone(TZ)
                expected[(local.strftime("%a"), f"{local.hour:02d}")] += 1
    rows = _rows(got, "heatmap")
    assert [r["day"] for r in rows] == ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]
    assert {(r["day"], h): r[h] for r in rows for h in r if h != "day" and r[h]} == \
        dict(expected)
    assert sum(expected.values()) == sum(r["in"] for r in _rows(got, "volume"))


@pytest.mark.parametrize("window", [WINDOWS[0], WINDOWS[2]])
@pytest.mark.parametrize("unit", ["day", "week"])
@pytest.mark.parametrize("dimension", ["mailbox", "staff", "tag"])
def test_response_and_sla_by_a_period_and_one_other(history: History, window: tuple[int, int],
                                                    unit: str, dimension: str) -> None:
    """Each (period, group) cell is the one-breakdown report's figure: the period's "all"
    rows are `--by unit`'s, the window's rows per group `--by dimension`'s, and each cell
    holds what the one-breakdown report over that period alone counts."""
    since, until = window

    def keyed(report: Report, table: str, cols: tuple[str, ...]) -> dict[tuple[Any, ...],
                                                                         dict[str, Any]]:
        return {tuple(r[c] for c in cols): {k: v for k, v in r.items() if k not in cols}
                for r in _rows(report, table)}

    both = _run(history, "response", "", since, until, [unit, dimension])
    assert both.table("response").columns[:3] == ("period", "group", "metric")
    cells = keyed(both, "response", ("period", "group", "metric"))
    by_unit = keyed(_run(history, "response", "", since, until, [unit]), "response",
                    ("group", "metric"))
    by_dim = keyed(_run(history, "response", "", since, until, [dimension]), "response",
                   ("group", "metric"))
    assert {k[1:]: v for k, v in cells.items() if k[0] == "all"} == by_dim
    assert {(k[0], k[2]): v for k, v in cells.items() if k[1] == "all"} == by_unit
    labels = sorted({k[0] for k in cells} - {"all"})
    assert len(labels) >= (2 if unit == "day" else 1)
    for label in labels:
        lo, hi = _period_bounds(label, since, until)
        alone = keyed(_run(history, "response", "", lo, hi, [dimension]), "response",
                      ("group", "metric"))
        mine = {k[1:]: v["count"] for k, v in cells.items() if k[0] == label}
        assert mine == {k: v["count"] for k, v in alone.items() if v["count"] or k in mine}
    sla_both = _run(history, "sla", "", since, until, [unit, dimension])
    rows = keyed(sla_both, "sla", ("period", "group", "policy", "target"))
    sla_unit = keyed(_run(history, "sla", "", since, until, [unit]), "sla",
                     ("group", "policy", "target"))
    sla_dim = keyed(_run(history, "sla", "", since, until, [dimension]), "sla",
                    ("group", "policy", "target"))
    assert {k[1:]: v for k, v in rows.items() if k[0] == "all"} == sla_dim
    assert {(k[0], *k[2:]): v for k, v in rows.items() if k[1] == "all"} == sla_unit
    for key, whole in sla_dim.items():
        parts = [v for k, v in rows.items() if k[0] != "all" and k[1:] == key]
        assert sum(p["count"] for p in parts) == whole["count"]
        assert sum(p["met"] for p in parts) == whole["met"]


def _period_bounds(label: str, since: int, until: int) -> tuple[int, int]:
    """[start, end) of a day or ISO-week label in the clinic's zone, clipped to the window."""
    if "-W" in label:
        year, week = label.split("-W")
        first = date.fromisocalendar(int(year), int(week), 1)
        last = date.fromordinal(first.toordinal() + 7)
    else:
        first = date.fromisoformat(label)
        last = date.fromordinal(first.toordinal() + 1)

    def midnight(day: date) -> int:
        return int(datetime(day.year, day.month, day.day, tzinfo=TZ).timestamp())

    return max(since, midnight(first)), min(until, midnight(last))


def _figures(history: History) -> list[tuple[str, tuple[int, int], object]]:
    return [(name, window, [(t.name, t.rows) for t in
                            _run(history, name, "", *window, ["staff"]).tables])
            for name in ("response", "sla") for window in WINDOWS]


def test_kept_business_times_are_read_back_and_change_nothing(history: History) -> None:
    """A report keeps the business time of each settled interval it measured (migration
    21); the next reads it instead of measuring. The figures stay those measured afresh,
    the kept numbers are really the ones read, and a calendar other than the one they
    were measured with ignores them."""
    conn = history.db.conn
    forget = "UPDATE report_intervals SET business_s = NULL, calendar = NULL, settled_at = NULL"
    conn.execute(forget)
    fresh = _figures(history)
    kept, total = conn.execute("SELECT count(business_s), count(*) FROM report_intervals"
                               " WHERE end_at IS NOT NULL AND dropped = 0").fetchone()
    assert kept > total // 2, (kept, total)
    late = conn.execute("SELECT count(*) FROM report_intervals r WHERE business_s IS NOT NULL"
                        " AND settled_at > end_at").fetchone()[0]
    assert late, "some kept interval should have been settled by a pause's end after it"
    assert _figures(history) == fresh
    try:
        conn.execute("UPDATE report_intervals SET business_s = business_s + 7"
                     " WHERE business_s IS NOT NULL")
        assert _figures(history) != fresh, "the kept numbers should be the ones read"
        conn.execute("UPDATE report_intervals SET calendar = 'another'"
                     " WHERE business_s IS NOT NULL")
        assert _figures(history) == fresh
    finally:
        conn.execute(forget)


# --------------------------------------------------------------------------- status spans


def _replayed_spans(conn: sqlite3.Connection) -> dict[int, list[tuple[Any, ...]]]:
    """Every conversation's (start, end, status, live) spans, replayed forward from its
    status, merged and unmerged events (a status event without a `to` keeps the status)."""
    out: dict[int, list[tuple[Any, ...]]] = {}
    state: dict[int, list[Any]] = {}
    for cid, status in conn.execute("SELECT id, status FROM conversations ORDER BY id"):
        first = conn.execute(
            "SELECT details FROM events WHERE target = ? AND action = 'conversation.status'"
            " ORDER BY seq LIMIT 1", (f"conversation:{cid}",)).fetchone()
        initial = json.loads(first[0]).get("from") if first else None
        out[cid] = []
        state[cid] = [0, initial or status, 1]
    for at, action, target, details in conn.execute(
            "SELECT at, action, target, details FROM events WHERE action IN"
            " ('conversation.status', 'conversation.merged', 'conversation.unmerged')"
            " ORDER BY seq"):
        cid = int(str(target).split(":")[1])
        if cid not in state:
            continue
        start, status, live = state[cid]
        out[cid].append((start, at // 1000, status, live))
        if action == "conversation.status":
            status = json.loads(details).get("to") or status
        else:
            live = int(action == "conversation.unmerged")
        state[cid] = [at // 1000, status, live]
    for cid, (start, status, live) in state.items():
        out[cid].append((start, None, status, live))
    return out


def _kept_spans(conn: sqlite3.Connection) -> dict[int, list[tuple[Any, ...]]]:
    out: dict[int, list[tuple[Any, ...]]] = defaultdict(list)
    for cid, *span in conn.execute("SELECT conversation_id, start_at, end_at, status, live"
                                   " FROM report_spans ORDER BY conversation_id, id"):
        out[cid].append(tuple(span))
    return dict(out)


def test_kept_status_spans_are_the_events_replayed(history: History) -> None:
    """Migration 22's spans, kept by the trigger as each event was recorded, are exactly
    a forward replay of the trail: reopenings by a patient's reply, snoozes waking,
    changes by a rule, merges and unmerges (a merged-away conversation is not live)."""
    conn = history.db.conn
    kept = _kept_spans(conn)
    assert kept == _replayed_spans(conn)
    reasons = {json.loads(d[0]).get("reason") for d in conn.execute(
        "SELECT details FROM events WHERE action = 'conversation.status'")}
    assert {"patient replied", "snooze ended"} <= reasons
    assert any(not live for spans in kept.values() for *_, live in spans), \
        "some span should be a merged-away spell"
    assert any(spans[-1][3] == 1 and any(not s[3] for s in spans)
               for spans in kept.values()), "some conversation should be unmerged"


def test_the_migration_backfill_rebuilds_the_spans_the_trigger_kept(
        history: History, tmp_path: Path) -> None:
    """The backfill of migration 22 (for a store upgraded with a trail already written)
    makes the same spans, in a copy of the history's store."""
    from cxinbox.store.schema_report_spans import MIGRATION_REPORT_SPANS

    copy = sqlite3.connect(tmp_path / "copy.db")
    history.db.conn.backup(copy)
    before = _kept_spans(copy)
    backfill = MIGRATION_REPORT_SPANS[MIGRATION_REPORT_SPANS.index(
        "INSERT INTO report_spans (conversation_id, start_at, end_at, status, live)\nWITH"):]
    with copy:
        copy.execute("DELETE FROM report_spans")
        copy.execute(backfill)
    try:
        assert _kept_spans(copy) == before
    finally:
        copy.close()


def test_spans_follow_changes_made_after_the_report_ran(history: History,
                                                        tmp_path: Path) -> None:
    """A status change by a person and by a rule, a snooze waking, a merge and an unmerge
    recorded after a backlog report are in the next one (the spans are kept by the change
    itself, not by the report)."""
    from cxinbox.store.db import Database as Db

    copy_path = tmp_path / "later.db"
    target = sqlite3.connect(copy_path)
    history.db.conn.backup(target)
    target.close()
    config = load_config(history.path)
    db = Db(copy_path)
    try:
        clock = Clock(END - 3600)
        lead = InboxService(db, config, "lead", clock=clock)
        reports = ReportService(lead)
        live = [r[0] for r in db.conn.execute(
            "SELECT id FROM conversations WHERE merged_into IS NULL AND status = 'closed'"
            " ORDER BY id LIMIT 2")]
        assert len(live) == 2
        rule = InboxService(db, config, "rule:triage", clock=clock)
        with mock.patch("cxinbox.store.db.now_ms", lambda: clock.now * 1000):
            first = reports.run("backlog", "", END - 86400, END)
            lead.set_status(live[0], "pending", None)
            clock.now += 60
            rule.set_status(live[1], "snoozed", clock.now + 600)  # an automation's change
            clock.now += 60
            lead.wake_snoozed(clock.now + 3600)  # its snooze ends
            clock.now += 60
            lead.merge(live[0], live[1])
            clock.now += 60
            lead.unmerge(live[0], live[1])
            clock.now += 60
            second = reports.run("backlog", "", END - 86400, END)
        rows = {t.name: t.rows for t in first.tables}
        after = {t.name: t.rows for t in second.tables}
        assert rows["backlog"][-1][3] + 1 == after["backlog"][-1][3]  # one more pending
        assert rows["backlog"][-1][2] + 1 == after["backlog"][-1][2]  # one more open
        assert _kept_spans(db.conn) == _replayed_spans(db.conn)
        actors = [r[0] for r in db.conn.execute(
            "SELECT actor FROM events WHERE action = 'conversation.status' AND target = ?"
            " ORDER BY seq DESC LIMIT 2", (f"conversation:{live[1]}",))]
        assert actors == ["system", "rule:triage"]
    finally:
        db.close()


# --------------------------------------------------------------------------- assignee spans


def _replayed_holders(conn: sqlite3.Connection) -> dict[int, list[tuple[Any, ...]]]:
    """Every conversation's (start, end, assignee) spans, replayed forward from its
    assignment events (the first span's holder is the first event's `from`)."""
    out: dict[int, list[tuple[Any, ...]]] = {}
    state: dict[int, list[Any]] = {}
    for cid, assignee in conn.execute("SELECT id, assignee FROM conversations ORDER BY id"):
        first = conn.execute(
            "SELECT details FROM events WHERE target = ? AND action = 'conversation.assign'"
            " ORDER BY seq LIMIT 1", (f"conversation:{cid}",)).fetchone()
        out[cid] = []
        state[cid] = [0, json.loads(first[0])["from"] if first else assignee]
    for at, target, details in conn.execute(
            "SELECT at, target, details FROM events WHERE action = 'conversation.assign'"
            " ORDER BY seq"):
        cid = int(str(target).split(":")[1])
        if cid not in state:
            continue
        start, who = state[cid]
        out[cid].append((start, at // 1000, who))
        state[cid] = [at // 1000, json.loads(details)["to"]]
    for cid, (start, who) in state.items():
        out[cid].append((start, None, who))
    return out


def _kept_holders(conn: sqlite3.Connection) -> dict[int, list[tuple[Any, ...]]]:
    out: dict[int, list[tuple[Any, ...]]] = defaultdict(list)
    for cid, *span in conn.execute("SELECT conversation_id, start_at, end_at, assignee"
                                   " FROM report_assignees ORDER BY conversation_id, id"):
        out[cid].append(tuple(span))
    return dict(out)


def test_kept_assignee_spans_are_the_assignments_replayed(history: History,
                                                          tmp_path: Path) -> None:
    """Migration 24's spans, kept by the trigger as each assignment was recorded, are a
    forward replay of the trail (assigning, reassigning and unassigning), and its backfill
    (a store upgraded with a trail already written) makes the same spans."""
    from cxinbox.store.schema_report_assignees import MIGRATION_REPORT_ASSIGNEES

    conn = history.db.conn
    kept = _kept_holders(conn)
    assert kept == _replayed_holders(conn)
    assert any(len(spans) > 2 for spans in kept.values()), "some should change hands twice"
    assert any(s[2] is None for spans in kept.values() for s in spans[1:]), \
        "some conversation should be unassigned"
    copy = sqlite3.connect(tmp_path / "copy.db")
    conn.backup(copy)
    backfill = MIGRATION_REPORT_ASSIGNEES[MIGRATION_REPORT_ASSIGNEES.index(
        "INSERT INTO report_assignees (conversation_id, start_at, end_at, assignee)\nWITH"):]
    try:
        with copy:
            copy.execute("DELETE FROM report_assignees")
            copy.execute(backfill)
        assert _kept_holders(copy) == kept
    finally:
        copy.close()


def test_backlog_by_staff_is_counted_from_spans_not_events(history: History) -> None:
    """`report backlog --by staff` reads no event: it is the kept spans counted in SQL."""
    statements: list[str] = []
    conn = history.db.conn
    conn.set_trace_callback(statements.append)
    try:
        got = _run(history, "backlog", "", *WINDOWS[0], ["staff"])
    finally:
        conn.set_trace_callback(None)
    reads = [s for s in statements if "report_assignees" in s]
    assert reads, "the backlog by staff should read the assignee spans"
    assert not [s for s in statements if " FROM events" in s and "conversation.assign" in s]
    assert {r["group"] for r in _rows(got, "backlog")} - {"all", "-"} <= set(STAFF)


# --------------------------------------------------------------------------- retention


def _from_log(conn: sqlite3.Connection, naive: Naive, conv: int, instant: int
              ) -> tuple[str | None, str]:
    """Forward replay of what is left of the log: (the status just before `instant`, None
    if not live then; who held it then, "-" for nobody). Before its first remaining event
    a conversation had what that event changed it from, else what it has now."""
    info = naive.convs[conv]
    status, assignee = conn.execute("SELECT status, assignee FROM conversations WHERE id = ?",
                                    (conv,)).fetchone()
    events = naive.conv_events(conv)
    first = {e["action"]: e for e in reversed(events)}  # each action's earliest
    if "conversation.status" in first:
        status = first["conversation.status"]["from"]
    if "conversation.assign" in first:
        assignee = first["conversation.assign"]["from"]
    merging = [e for e in events if e["action"] in ("conversation.merged",
                                                    "conversation.unmerged")]
    live = not merging or merging[0]["action"] == "conversation.merged"
    for e in events:
        if e["at"] >= instant:
            break
        if e["action"] == "conversation.status":
            status = e.get("to") or status
        elif e["action"] == "conversation.assign":
            assignee = e["to"]
        elif e["action"] in ("conversation.merged", "conversation.unmerged"):
            live = e["action"] == "conversation.unmerged"
    held = assignee or "-"
    return (status if live and info["created"] < instant else None), held


def _backlog_from_log(conn: sqlite3.Connection, naive: Naive, by: str | None, since: int,
                      until: int) -> tuple[dict[Any, Any], dict[Any, Any]]:
    ends: dict[str, int] = {}
    for minute in range(since, until, 60):
        ends[_day(minute)] = minute + 60
    rows: dict[tuple[str, str], dict[str, int]] = defaultdict(
        lambda: {"open": 0, "pending": 0, "snoozed": 0})
    ages: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for period, end in ends.items():
        rows[(period, "all")]
        for conv, info in naive.convs.items():
            state, held = _from_log(conn, naive, conv, end)
            if state not in (None, "closed"):
                for g in _groups(by, info, end, held):
                    rows[(period, g)][str(state)] += 1
    for conv, info in naive.convs.items():
        state, held = _from_log(conn, naive, conv, until)
        if state in (None, "closed"):
            continue
        age = until - info["created"]
        bucket = next(lbl for lbl, bound in (("<1d", 1), ("1d-3d", 3), ("3d-7d", 7),
                                             ("7d-30d", 30), (">=30d", 10**9))
                      if age < bound * 86400)
        for g in _groups(by, info, until, held):
            ages[g][bucket] += 1
    return dict(rows), {g: dict(v) for g, v in ages.items()}


def _backlog_got(report: Report) -> tuple[dict[Any, Any], dict[Any, Any]]:
    return ({(r["period"], r["group"]): {"open": r["open"], "pending": r["pending"],
                                         "snoozed": r["snoozed"]}
             for r in _rows(report, "backlog")},
            {r["group"]: {k: v for k, v in r.items() if k != "group" and v}
             for r in _rows(report, "age")})


def test_after_retention_the_backlog_is_what_the_remaining_log_says(
        history: History, tmp_path: Path) -> None:
    """Retention purges old closed conversations (their status and assignee spans go with
    them; here those closed before the fortnight's last three days) and releases the audit
    events before its cutoff (here its second Sunday morning). From the trail's new start on,
    the backlog by every breakdown is a forward replay of the events that are left, and
    the spans rebuilt from them (an upgrade's backfill, `store copy`) give the same
    figures; a window before the trail's start is refused in one line (volume, which
    counts messages, still answers)."""
    from cxinbox.contract.errors import BadRequest
    from cxinbox.service.retention import RetentionRunner
    from cxinbox.store.db import Database as Db
    from cxinbox.store.schema_report_assignees import MIGRATION_REPORT_ASSIGNEES
    from cxinbox.store.schema_report_spans import MIGRATION_REPORT_SPANS

    copy_path = tmp_path / "kept.db"
    target = sqlite3.connect(copy_path)
    history.db.conn.backup(target)
    target.close()
    cfg = tmp_path / "config.toml"
    cfg.write_text(CONFIG.format(db=copy_path)
                   + '\n[retention]\nclosed_after = "360d"\naudit_keep = "365d"\n')
    config = load_config(cfg)
    middle = START + 6 * 86400 + 5 * 3600 + 17 * 60
    db = Db(copy_path)
    try:
        conn = db.conn
        convs_before = conn.execute("SELECT count(*) FROM conversations").fetchone()[0]
        events_before = conn.execute("SELECT count(*) FROM events").fetchone()[0]
        done = RetentionRunner(db, config, "admin", clock=lambda: middle + 365 * 86400).run()
        assert done.counts["conversations"] > 0 and done.audit_released > 0
        assert conn.execute("SELECT count(*) FROM conversations").fetchone()[0] < convs_before
        assert conn.execute("SELECT count(*) FROM events").fetchone()[0] < events_before
        for table in ("report_spans", "report_assignees"):
            assert conn.execute(
                f"SELECT count(*) FROM {table} WHERE conversation_id NOT IN"
                " (SELECT id FROM conversations)").fetchone()[0] == 0, table
        first_at = conn.execute("SELECT min(at) FROM events").fetchone()[0]
        assert first_at >= middle * 1000
        trail = -(-first_at // 1000)
        clock = Clock(END)
        lead = InboxService(db, config, "lead", clock=clock)
        windows = [(trail, END), (trail + 86400 - trail % 3600, END - 7 * 60)]

        def run(since: int, until: int, by: str | None, name: str = "backlog") -> Report:
            with mock.patch("cxinbox.store.db.now_ms", lambda: clock.now * 1000):
                return ReportService(lead).run(name, "", since, until, [by] if by else None)

        naive = Naive.load(db, "")
        kept: dict[tuple[int, int, str | None], Any] = {}
        for since, until in windows:
            for by in (None, "staff", "mailbox", "tag", "channel"):
                got = _backlog_got(run(since, until, by))
                assert got == _backlog_from_log(conn, naive, by, since, until), (since, by)
                kept[(since, until, by)] = got
        assert any(g not in ("all", "-") for (_p, g) in kept[(trail, END, "staff")][0])
        with conn:  # the spans as a store rebuilt from this log would have them
            conn.execute("DELETE FROM report_spans")
            conn.execute(MIGRATION_REPORT_SPANS[MIGRATION_REPORT_SPANS.index(
                "INSERT INTO report_spans (conversation_id, start_at, end_at, status, live)"
                "\nWITH"):])
            conn.execute("DELETE FROM report_assignees")
            conn.execute(MIGRATION_REPORT_ASSIGNEES[MIGRATION_REPORT_ASSIGNEES.index(
                "INSERT INTO report_assignees (conversation_id, start_at, end_at, assignee)"
                "\nWITH"):])
        for (since, until, by), got in kept.items():
            assert _backlog_got(run(since, until, by)) == got, (since, by)
        for name in ("backlog", "workload", "response", "sla", "red-flags"):
            with pytest.raises(BadRequest) as refused:
                run(trail - 3600, END, None, name)
            message = str(refused.value)
            assert "released by retention" in message and "\n" not in message, message
        assert run(trail - 3600, END, None, "volume").table("volume").rows
    finally:
        db.close()
