"""The red-flag report counts people, not the detector: first staff action, first clinician
action, and the cases still waiting with their age, over real ingest and detection."""

from __future__ import annotations

import hashlib
from unittest import mock

import pytest

from cxinbox.config import Config, load_config_text
from cxinbox.domain.mime import parse_message
from cxinbox.service import redflags
from cxinbox.service.inbox import InboxService
from cxinbox.service.reports import ReportService
from cxinbox.store.db import Database
from cxinbox.store.ingest import FetchedMessage, folder_state, ingest_batch
from cxinbox.store.sqlite_tx import SqliteTx

T0 = 1_796_000_000  # a Thursday in November 2026
OWN = frozenset({"desk@clinic.example"})
CONFIG = load_config_text(
    '[clinic]\ntimezone = "America/New_York"\n'
    '[[staff]]\nos_user = "drlee"\nname = "Dr Lee"\nclinical = true\n'
    '[[staff]]\nos_user = "ann"\nname = "Ann"\n'
    '[[staff]]\nos_user = "lead"\nname = "Lead"\nrole = "supervisor"\n')


class Clock:
    def __init__(self) -> None:
        self.now = T0

    def __call__(self) -> float:
        return float(self.now)


def _arrive(db: Database, config: Config, n: int, at: int) -> int:
    raw = (f"From: Pat <pat{n}@patient.example>\r\nTo: desk@clinic.example\r\n"
           f"Subject: Help {n}\r\nMessage-ID: <m{n}@patient.example>\r\n\r\n"
           "I have crushing chest pain since last night.\r\n").encode()
    with db.write() as conn:
        state = folder_state(conn, "desk", "INBOX")
        fetched = FetchedMessage(n, "", None, at, raw, hashlib.sha256(raw).digest(),
                                 parse_message(raw))
        ingest_batch(conn, state, [fetched], own_addresses=OWN, watermark=n, now=at)
        raised = redflags.triage_arrivals(SqliteTx(conn), config, at)
    assert len(raised) == 1
    return raised[0].conversation_id


@pytest.fixture
def db(any_store: Database) -> Database:
    """Runs on SQLite and on PostgreSQL (conftest.any_store)."""
    return any_store


def test_only_people_act_on_a_red_flag_and_clinicians_are_shown_apart(db: Database) -> None:
    clock = Clock()
    with mock.patch("cxinbox.store.db.now_ms", lambda: clock.now * 1000):
        untouched = _arrive(db, CONFIG, 1, T0)
        clock.now = T0 + 60
        by_rule = _arrive(db, CONFIG, 2, T0 + 60)
        clock.now = T0 + 90
        rule = InboxService(db, CONFIG, "rule:escalate", clock=clock)
        rule.tag(by_rule, add=["escalated"])
        rule.assign(by_rule, "ann")  # (lowering its priority is for clinicians alone)
        clock.now = T0 + 120
        handled = _arrive(db, CONFIG, 3, T0 + 120)
        clock.now = T0 + 120 + 300
        InboxService(db, CONFIG, "ann", clock=clock).add_note(handled, "called, no answer")
        clock.now = T0 + 120 + 900
        InboxService(db, CONFIG, "drlee", clock=clock).set_status(handled, "pending")
        clock.now = T0 + 3600
        # the detector's own events are there, at arrival: they are not anyone acting
        actors = {r[0] for r in db.conn.execute(
            "SELECT actor FROM events WHERE target = ?", (f"conversation:{untouched}",))}
        assert "triage" in actors
        report = ReportService(InboxService(db, CONFIG, "lead", clock=clock)).run(
            "red-flags", "", T0 - 3600, T0 + 7200)
    tables = {t.name: [dict(zip(t.columns, r, strict=True)) for r in t.rows]
              for t in report.tables}
    rows = {r["conversation"]: r for r in tables["red-flags"]}
    assert set(rows) == {untouched, by_rule, handled}
    for conv, arrival in ((untouched, T0), (by_rule, T0 + 60)):
        row = rows[conv]
        assert (row["first_action_at"], row["actor"], row["wall_s"]) == (None, None, None)
        assert (row["clinician_at"], row["clinician"], row["clinician_wall_s"]) == (
            None, None, None)
        assert row["waiting_s"] == T0 + 3600 - arrival  # its age now, not the window's end
    row = rows[handled]
    assert (row["actor"], row["action"], row["wall_s"]) == ("ann", "note", 300)
    assert (row["clinician"], row["clinician_wall_s"]) == ("drlee", 900)
    assert row["waiting_s"] is None
    (summary,) = tables["red-flags-summary"]
    assert (summary["cases"], summary["acted"], summary["waiting"]) == (3, 1, 2)
    assert (summary["clinician_acted"], summary["clinician_waiting"]) == (1, 2)
    assert (summary["wall_median_s"], summary["clinician_median_s"]) == (300, 900)
