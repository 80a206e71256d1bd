"""The csat report against a naive count over a generated history.

The history goes through the real paths: patient mail stored by ingest, staff assigning and
closing through the service, the CSAT scheduler asking (its `csat.asked` events are the
record of who was asked), and the patients' answers stored by ingest as sync would (with
some second answers that replace the first, some late ones past the answer window, and some
with comments that reopen). The naive side knows only what the generator did: which rating
each patient meant, when, and who the conversation belonged to at its close.
"""

from __future__ import annotations

import csv
import hashlib
import io
import itertools
import json
import random
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from email.utils import formatdate
from pathlib import Path
from typing import Any
from unittest import mock
from zoneinfo import ZoneInfo

import pytest

from cxinbox.config import load_config
from cxinbox.domain.mime import parse_message
from cxinbox.service.csat import CsatService
from cxinbox.service.inbox import InboxService
from cxinbox.service.reports import ReportService
from cxinbox.store import ingest
from cxinbox.store.db import Database

TZ = ZoneInfo("America/New_York")
START = int(datetime(2026, 3, 2, 9, 0, tzinfo=TZ).timestamp())  # a Monday
DAY = 86400
STAFF = ("maria", "jsmith")
MAILBOXES = {"desk": "desk@clinic.example", "billing": "billing@clinic.example"}
ANSWERS = [("5", 5), ("4", 4), ("3", 3), ("2", 2), ("1", 1), ("5 stars", 5), ("good", 4),
           ("excelente", 5), ("😡", 1), ("4, but the wait was long", 4), ("meh", 3)]
ANSWER_DAYS = 7

CONFIG = """
[clinic]
timezone = "America/New_York"

[store]
path = "{db}"

[csat]
enabled = true
delay_minutes = 0
answer_days = {answer_days}
frequency_days = 30

[[staff]]
os_user = "maria"
name = "Maria Lopez"
role = "agent"

[[staff]]
os_user = "jsmith"
name = "John Smith"
role = "agent"

[[staff]]
os_user = "lead"
name = "Pat Lead"
role = "supervisor"
{accounts}
"""


class Clock:
    def __init__(self, now: int) -> None:
        self.now = now

    def __call__(self) -> float:
        return float(self.now)


@dataclass
class History:
    db: Database
    reports: ReportService
    config_path: Path
    meant: dict[int, tuple[int, int]] = field(default_factory=dict)  # conv -> (rating, at)
    owner: dict[int, tuple[str, str]] = field(default_factory=dict)  # conv -> (staff, mailbox)
    asked_at: dict[int, int] = field(default_factory=dict)


_uids = itertools.count(1)


def _mail(db: Database, mailbox: str, sender: str, at: int, body: str,
          in_reply_to: str | None = None) -> tuple[int, str]:
    uid = next(_uids)
    mid = f"m{uid}@patients.example"
    head = (f"From: Patient <{sender}>\r\nTo: <{MAILBOXES[mailbox]}>\r\nSubject: Question {uid}"
            f"\r\nMessage-ID: <{mid}>\r\nDate: {formatdate(at)}\r\n")
    if in_reply_to:
        head += f"In-Reply-To: <{in_reply_to}>\r\nReferences: <{in_reply_to}>\r\n"
    raw = (head + "MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n"
           + body + "\r\n").encode()
    with db.write() as conn:
        state = ingest.folder_state(conn, mailbox, "INBOX")
        (conv,) = ingest.ingest_batch(
            conn, state, [ingest.FetchedMessage(uid, "", None, None, raw,
                                                hashlib.sha256(raw).digest(),
                                                parse_message(raw))],
            own_addresses=frozenset(MAILBOXES.values()), watermark=uid, now=at + 60)
    return conv, mid


@pytest.fixture(scope="module")
def history(tmp_path_factory: pytest.TempPathFactory) -> Iterator[History]:
    tmp = tmp_path_factory.mktemp("csat")
    (tmp / "data").mkdir(mode=0o700)
    accounts = "".join(
        f'\n[[accounts]]\nname = "{name}"\nhost = "127.0.0.1"\nusername = "u"\n'
        f'address = "{addr}"\nsmtp_host = "127.0.0.1"\npassword_file = "{tmp / "pw"}"\n'
        for name, addr in MAILBOXES.items())
    (tmp / "pw").write_text("x\n")
    (tmp / "pw").chmod(0o600)
    path = tmp / "config.toml"
    path.write_text(CONFIG.format(db=tmp / "data" / "cx.db", answer_days=ANSWER_DAYS,
                                  accounts=accounts))
    config = load_config(path)
    db = Database(config.db_path, synchronous="OFF")
    clock = Clock(START)
    with mock.patch("cxinbox.store.db.now_ms", lambda: clock.now * 1000):
        svc = {a: InboxService(db, config, a, clock=clock) for a in (*STAFF, "lead")}
        h = History(db, ReportService(svc["lead"]), path)
        _generate(random.Random(18), h, svc, CsatService(db, config, clock=clock), clock)
    yield h
    db.close()


def _generate(rng: random.Random, h: History, svc: dict[str, InboxService],
              asker: CsatService, clock: Clock) -> None:
    threads: list[tuple[int, str, str, str]] = []  # conv, mailbox, patient, message id
    for i in range(70):
        clock.now += rng.randint(600, 9 * 3600)
        mailbox = rng.choice(list(MAILBOXES))
        patient = f"p{rng.randint(1, 50)}@patients.example"
        conv, mid = _mail(h.db, mailbox, patient, clock.now, f"Hello, question number {i}")
        assignee = rng.choice([*STAFF, None])
        if assignee:
            svc["lead"].assign(conv, assignee)
        closer = rng.choice([*STAFF, "lead"])
        clock.now += rng.randint(60, 3600)
        svc[closer].set_status(conv, "closed")
        h.owner[conv] = (assignee or closer, mailbox)
        asker.round(clock.now)
        threads.append((conv, mailbox, patient, mid))
    for row in h.db.conn.execute("SELECT at, details FROM events WHERE action = 'csat.asked'"):
        h.asked_at[int(json.loads(row[1])["conversation"])] = int(row[0]) // 1000
    assert 20 < len(h.asked_at) < 70  # some patients were asked recently already
    for conv, mailbox, patient, mid in threads:
        if conv not in h.asked_at or rng.random() < 0.2:
            continue
        for _ in range(rng.choice([1, 1, 1, 2])):
            late = rng.random() < 0.1
            at = h.asked_at[conv] + (ANSWER_DAYS * DAY + rng.randint(60, DAY) if late
                                     else rng.randint(60, ANSWER_DAYS * DAY - 60))
            if conv in h.meant and at < h.meant[conv][1]:
                continue  # keep each conversation's answers in time order
            text, rating = rng.choice(ANSWERS)
            _mail(h.db, mailbox, patient, at, text, in_reply_to=mid)
            if not late:
                h.meant[conv] = (rating, at)
    assert len(h.meant) > 15, len(h.meant)
    assert len({r for r, _ in h.meant.values()}) == 5  # every rating given


END = START + 70 * 10 * 3600 + 10 * DAY
WINDOWS = [(START, END), (START, START + 12 * DAY), (START + 12 * DAY, END)]


def _naive(h: History, since: int, until: int, by: str | None) -> dict[str, list[int]]:
    groups: dict[str, list[int]] = defaultdict(list)
    groups["all"] = []
    for conv, (rating, at) in h.meant.items():
        if not since <= at < until:
            continue
        groups["all"].append(rating)
        staff, mailbox = h.owner[conv]
        if by == "staff":
            groups[staff].append(rating)
        elif by == "mailbox":
            groups[mailbox].append(rating)
        elif by == "week":
            year, week, _ = datetime.fromtimestamp(at, TZ).isocalendar()
            groups[f"{year}-W{week:02d}"].append(rating)
    return groups


@pytest.mark.parametrize("window", WINDOWS)
@pytest.mark.parametrize("by", [None, "staff", "mailbox", "week"])
def test_csat_report_matches_the_naive_count(history: History, window: tuple[int, int],
                                             by: str | None) -> None:
    since, until = window
    report = history.reports.run("csat", "", since, until, [by] if by else None)
    rows: dict[Any, dict[str, Any]] = {
        r["group"]: r for r in report.to_dict()["tables"]["csat"]}
    expected = _naive(history, since, until, by)
    assert set(rows) == set(expected)
    for group, ratings in expected.items():
        row = rows[group]
        assert row["responses"] == len(ratings)
        assert row["average"] == (round(sum(ratings) / len(ratings), 2) if ratings else None)
        happy = sum(1 for r in ratings if r >= 4)
        assert row["pct_satisfied"] == (round(100 * happy / len(ratings), 1) if ratings
                                        else None)
        assert [row[f"r{n}"] for n in range(1, 6)] == [ratings.count(n) for n in range(1, 6)]
    asked = sum(1 for at in history.asked_at.values() if since <= at < until)
    summary = report.to_dict()["tables"]["csat-summary"][0]
    assert summary["asked"] == asked and summary["responses"] == len(expected["all"])


def test_agents_see_their_own_row_and_the_total(history: History) -> None:
    agent = ReportService(InboxService(history.db, history.reports.inbox.config, "maria"))
    report = agent.run("csat", "", *WINDOWS[0], ["staff"])
    groups = {r["group"] for r in report.to_dict()["tables"]["csat"]}
    assert groups <= {"all", "maria"} and "all" in groups


def test_csat_report_refuses_what_it_cannot_break_down(history: History) -> None:
    from cxinbox.contract.errors import BadRequest

    with pytest.raises(BadRequest, match="cannot be broken down --by tag"):
        history.reports.run("csat", "", *WINDOWS[0], ["tag"])


def test_csat_report_from_the_command_line(history: History) -> None:
    """CSV and JSON like the other reports; a breakdown it cannot do is one clear line."""
    from tests.test_serve_support import cx

    since = datetime.fromtimestamp(WINDOWS[0][0], TZ).strftime("%Y-%m-%d %H:%M")
    until = datetime.fromtimestamp(WINDOWS[0][1], TZ).strftime("%Y-%m-%d %H:%M")
    out = cx("report", "csat", "--csv", "--by", "mailbox", "--since", since, "--until", until,
             "--config", str(history.config_path))
    assert out.returncode == 0, out.stderr
    rows = list(csv.reader(io.StringIO(out.stdout)))
    assert rows[0] == ["group", "responses", "average", "pct_satisfied", "r1", "r2", "r3",
                       "r4", "r5"]
    assert [r[0] for r in rows[1:]] == ["all", "billing", "desk"]
    assert int(rows[1][1]) == len(history.meant)
    data = json.loads(cx("report", "csat", "--json", "--since", since, "--until", until,
                         "--config", str(history.config_path)).stdout)
    assert set(data["tables"]) == {"csat", "csat-summary"}
    bad = cx("report", "csat", "--by", "tag", "--config", str(history.config_path))
    assert bad.returncode != 0 and "Traceback" not in bad.stderr
    assert len([line for line in bad.stderr.splitlines() if line.strip()]) == 1


def test_the_server_checks_the_csat_report_call(history: History) -> None:
    """The socket's validator knows the new report name and still refuses what is not one."""
    from tests.test_serve_validate import refusal

    from cxinbox.api.validate import Validator

    check = Validator(load_config(history.config_path)).check
    check("report", ["csat", "", None, None, ["week"]], {})
    assert "must be one of" in refusal(check, "report", "csat2")
    assert "by: must be one of" in refusal(check, "report", "csat", "", None, None,
                                           ["rating"])
