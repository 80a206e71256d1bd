"""The report facts kept per conversation (migration 19), volume by intent, and a patient's
bare satisfaction rating, which asks the desk for nothing.

The kept facts are checked against themselves recomputed from scratch after a history in
which reports ran every few steps (so every fact was brought up to date piecemeal, by the
triggers' marks); tests/test_reports_exact.py checks the from-scratch figures against a
naive walk of the log.
"""

from __future__ import annotations

import random
import time
from collections import Counter
from collections.abc import Iterator
from email.utils import formatdate
from pathlib import Path
from typing import Any
from unittest import mock

import pytest
from tests.support.smtpsink import Desk, make_desk, parsed, patient_mail
from tests.support.waiting import wait_until

from cxinbox.config import load_config
from cxinbox.service.csat import CsatService
from cxinbox.service.inbox import InboxService
from cxinbox.service.reports import ReportService
from cxinbox.store.db import Database
from test_reports_exact import CONFIG, END, STAFF, START, Clock, _generate

FACTS = (("SELECT conversation_id, kind, start_at, end_at, staff, dropped"
          " FROM report_intervals ORDER BY 1, 2, 3"),
         "SELECT conversation_id, start_at, end_at, woke_at FROM report_pauses ORDER BY 1, 2")


def _kept(db: Database) -> tuple[list[Any], list[Any]]:
    return tuple(db.conn.execute(sql).fetchall() for sql in FACTS)  # type: ignore[return-value]


class Refreshing(InboxService):
    """The lead's service, which also brings the kept facts up to date every few steps of
    the generated history (where the generator wakes snoozes)."""

    steps = 0

    def wake_snoozed(self, now: float) -> int:  # type: ignore[override]
        woken = super().wake_snoozed(now)
        Refreshing.steps += 1
        if Refreshing.steps % 7 == 0:
            ReportService(self).refresh_facts()
        return woken


@pytest.fixture(scope="module")
def piecemeal(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Database, Clock,
                                                                         InboxService]]:
    tmp = tmp_path_factory.mktemp("facts")
    (tmp / "data").mkdir(mode=0o700)
    cfg = tmp / "config.toml"
    cfg.write_text(CONFIG.format(db=tmp / "data" / "cx.db"))
    config = load_config(cfg)
    db = Database(config.db_path, synchronous="OFF")
    clock = Clock(START)
    with mock.patch("cxinbox.store.db.now_ms", lambda: clock.now * 1000):
        services: dict[str, InboxService] = {
            a: (Refreshing if a == "lead" else InboxService)(db, config, a, clock=clock)
            for a in (*STAFF, "rule:triage", "triage")}
        _generate(random.Random(19), db, services, clock)
    yield db, clock, services["lead"]
    db.close()


def test_facts_kept_piecemeal_equal_the_facts_recomputed_from_scratch(
        piecemeal: tuple[Database, Clock, InboxService]) -> None:
    db, _clock, lead = piecemeal
    assert Refreshing.steps > 100
    ReportService(lead).refresh_facts()
    kept = _kept(db)
    assert len(kept[0]) > 100 and len(kept[1]) > 10
    with db.write() as conn:
        conn.execute("INSERT OR IGNORE INTO report_dirty SELECT id FROM conversations")
    assert ReportService(lead).refresh_facts() > 0
    assert _kept(db) == kept


def test_the_server_catches_up_in_short_transactions_and_a_report_finds_nothing_stale(
        piecemeal: tuple[Database, Clock, InboxService]) -> None:
    """After an upgrade marks every conversation stale, `cxinbox serve`'s report-facts
    worker recomputes them a chunk per transaction (the desk's writes go between), to the
    same facts as one recompute; the report that follows has nothing left to do."""
    import threading

    from cxinbox.service.runtime import ReportFacts

    db, _clock, lead = piecemeal
    ReportService(lead).refresh_facts()
    kept = _kept(db)
    with db.write() as conn:
        conn.execute("INSERT OR IGNORE INTO report_dirty SELECT id FROM conversations")
    stale = int(db.conn.execute("SELECT count(*) FROM report_dirty").fetchone()[0])
    transactions: list[int] = []
    writing = lead.store.writing

    def counted() -> Any:
        transactions.append(1)
        return writing()

    stop = threading.Event()
    worker = ReportFacts(lead.store, chunk=7, interval_s=3600)
    with mock.patch.object(lead.store, "writing", counted):
        thread = threading.Thread(target=worker.run, args=(stop,), daemon=True)
        thread.start()
        wait_until(lambda: db.conn.execute("SELECT 1 FROM report_dirty LIMIT 1").fetchone()
                   is None, "every stale conversation refreshed", timeout=60, interval=0.02)
        stop.set()
        thread.join(timeout=30)
    assert not thread.is_alive()
    assert len(transactions) == -(-stale // 7)  # a chunk each
    assert _kept(db) == kept
    assert ReportService(lead).refresh_facts() == 0


def test_a_report_finds_nothing_stale_after_the_last_change_is_counted(
        piecemeal: tuple[Database, Clock, InboxService]) -> None:
    db, clock, lead = piecemeal
    reports = ReportService(lead)
    reports.refresh_facts()
    assert reports.refresh_facts() == 0
    conv = int(db.conn.execute("SELECT max(id) FROM conversations WHERE merged_into IS NULL"
                               " AND status != 'closed'").fetchone()[0])
    with mock.patch("cxinbox.store.db.now_ms", lambda: clock.now * 1000):
        lead.set_status(conv, "closed")
        assert reports.refresh_facts() == 1
        got = reports.run("response", "", START, END + 86400)
    assert got.table("response").rows


def test_volume_by_intent_counts_each_message_under_its_own_intent(
        piecemeal: tuple[Database, Clock, InboxService]) -> None:
    """A patient's message counts under what triage read in it (a conversation's requests
    change: the appointment today, the bill next month), a reply under the patient's latest
    assessed message at or before it (the request it answered); nothing assessed: "-".
    The conversation's own intent (its latest message's) decides nothing."""
    db, clock, lead = piecemeal
    rng = random.Random(21)
    inbound = [(int(m), int(c)) for m, c in db.conn.execute(
        "SELECT id, conversation_id FROM messages WHERE direction = 'in' ORDER BY id")]
    read = {m: rng.choice(("appointment", "billing", "prescription"))
            for m, _c in inbound if rng.random() < 0.7}
    with lead.store.writing() as tx:  # where triage at ingest stores them
        for message, intent in read.items():
            tx.record_triage(message, intent, 0.9, None, "")
        for conv in {c for _m, c in inbound}:
            tx.set_conversation_intent(conv, "general", 0.9, "en")
    with mock.patch("cxinbox.store.db.now_ms", lambda: clock.now * 1000):
        got = ReportService(lead).run("volume", "", START, END, ["intent"])
        by_week = ReportService(lead).run("volume", "", START, END, ["intent", "week"])
    expected: Counter[str] = Counter()
    latest: dict[int, str] = {}
    for conv, message, direction, at, live in db.conn.execute(
            "SELECT m.conversation_id, m.id, m.direction, m.date, c.merged_into IS NULL"
            " FROM messages m JOIN conversations c ON c.id = m.conversation_id"
            " ORDER BY m.conversation_id, m.date, m.direction = 'out', m.id"):
        if direction == "in" and message in read:
            latest[conv] = read[message]
        if not (live and START <= at < END):
            continue
        intent = read.get(message, "-") if direction == "in" else latest.get(conv, "-")
        expected[f"{direction}:{intent}"] += 1
    for report in (got, by_week):
        table = report.table("volume")
        totals = {col: sum(int(str(row[i])) for row in table.rows)
                  for i, col in enumerate(table.columns) if ":" in col}
        assert totals == dict(expected)
        assert sum(int(str(row[1])) for row in table.rows) == sum(
            n for k, n in expected.items() if k.startswith("in:"))
    assert {"in:appointment", "in:billing", "out:prescription", "in:-"} <= set(expected)
    assert "in:general" not in expected


def test_intent_is_a_breakdown_of_volume_only(
        piecemeal: tuple[Database, Clock, InboxService]) -> None:
    from cxinbox.contract.errors import BadRequest

    _db, _clock, lead = piecemeal
    with pytest.raises(BadRequest, match="cannot be broken down --by intent"):
        ReportService(lead).run("response", "", START, END, ["intent"])


# --------------------------------------------------------------------------- ratings


@pytest.fixture
def desk(tmp_path: Path, dovecot: Any) -> Iterator[Desk]:
    d = make_desk(tmp_path, dovecot)
    with d.config_path.open("a") as handle:
        handle.write("\n[csat]\nenabled = true\ndelay_minutes = 0\n")
    d.config = load_config(d.config_path)
    yield d
    d.sink.stop()
    d.db.close()


def _answered(desk: Desk, body: str) -> tuple[int, int]:
    """A patient writes, the desk closes, the question goes, the patient answers `body`
    a minute later: (conversation, the answer's date)."""
    desk.server.deliver(patient_mail(date=formatdate(time.time() - 3600)))
    desk.sync()
    conv = desk.conv_id()
    desk.inbox.set_status(conv, "closed")
    assert CsatService(desk.db, desk.config).round(int(time.time())) == 1
    assert desk.worker.process_due() == 1
    ours = parsed(desk.sink.messages[0].data)["Message-ID"]
    at = int(time.time()) + 60
    desk.server.deliver(patient_mail(
        "Re: Reschedule my appointment", message_id="p2@patients.example", body=body,
        extra=f"In-Reply-To: {ours}\r\nReferences: <p1@patients.example> {ours}\r\n",
        date=formatdate(at)), internaldate=at)  # a wait runs from the arrival
    desk.sync()
    assert desk.db.conn.execute("SELECT rating FROM csat_requests WHERE conversation_id = ?",
                                (conv,)).fetchone()[0] is not None
    return conv, at


def _waits(desk: Desk, conv: int) -> set[tuple[str, int, int | None]]:
    ReportService(desk.inbox).refresh_facts()
    return {(str(r[0]), int(r[1]), r[2]) for r in desk.db.conn.execute(
        "SELECT kind, start_at, end_at FROM report_intervals WHERE conversation_id = ?"
        " AND dropped = 0", (conv,))}


def test_a_bare_rating_starts_no_wait_for_a_reply(desk: Desk) -> None:
    conv, at = _answered(desk, "5 stars!")
    assert desk.db.conn.execute("SELECT rating_only FROM csat_answers").fetchone()[0] == 1
    assert not {w for w in _waits(desk, conv) if w[1] == at}
    assert all(end is not None for _kind, _start, end in _waits(desk, conv))


def test_a_rating_with_words_still_asks_for_a_reply(desk: Desk) -> None:
    conv, at = _answered(desk, "4, but the wait was long and nobody called back")
    assert desk.db.conn.execute("SELECT rating_only FROM csat_answers").fetchone()[0] == 0
    assert {w for w in _waits(desk, conv) if w[1] == at} == {
        ("next-response", at, None), ("resolution", at, None)}


def test_the_command_line_breaks_volume_down_by_intent(tmp_path: Path) -> None:
    from tests.test_reports_cli import _make, _one_line_error
    from tests.test_serve_support import cx, socket_dir

    with socket_dir() as sockdir:
        cfg = _make(tmp_path, sockdir / "none.sock")
        out = cx("report", "volume", "--csv", "--by", "intent", "--since", "2d",
                 "--config", str(cfg))
        refused = cx("report", "response", "--by", "intent", "--config", str(cfg))
    header = out.stdout.splitlines()[0].split(",")
    assert out.returncode == 0 and header[:3] == ["period", "in", "out"]
    assert "in:-" in header  # nothing triaged in this inbox: every message under "-"
    line = _one_line_error(refused)
    assert "cannot be broken down --by intent" in line, line
