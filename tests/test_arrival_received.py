"""When a message really arrived (messages.received_at, migration 28): the server's arrival
time, not the sender's Date:, starts the conversation's clock (created_at, last_inbound_at:
the list's Age and sort, the SLA start) and bounds the acknowledgement; the Date: stays what
the thread shows as sent. Mail (or a text) a later sync fetched longer than [triage]
backlog_hours after it arrived was passed over by the detectors, and says so in `show`,
`show --json`, the list and the thread (QA finding F9).

Real Dovecot, the real sync, the SMS test provider, the SLA monitor, on both stores; the
CLI as a child process; the migration on a copy of a version-27 database."""

from __future__ import annotations

import json
import shutil
import sqlite3
import time
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from pathlib import Path
from typing import Any

from tests.support.smsprovider import SmsProvider, write_sms_config
from tests.test_backlog_arrival import _desk
from tests.test_backlog_mark import _rows, _sync
from tests.test_rules import patient_mail, rig_factory  # noqa: F401 - the fixture
from tests.test_serve_support import cx

from cxinbox.channels.sms import SmsClient
from cxinbox.config import load_config
from cxinbox.domain.arrival import unscreened_line, unscreened_mark
from cxinbox.service.inbox import InboxService
from cxinbox.service.sla_monitor import SlaMonitor
from cxinbox.service.sms_sync import SmsPoller
from cxinbox.store.db import Database
from cxinbox.store.schema import MIGRATIONS
from cxinbox.tui.ascii import UNICODE_GLYPHS
from cxinbox.tui.rows import RowStyles, columns_for, render_row
from cxinbox.tui.timefmt import age_text
from cxinbox.tui.widgets.message_block import message_text
from cxinbox.tui.widgets.thread_view import header_text
from cxinbox.wiring import rules_engine

CHEST = "I have crushing chest pain right now and my left arm is numb."
CLINIC = "+15550100100"


def _ago(days: float) -> datetime:
    return datetime.now(UTC) - timedelta(days=days)


def _message(store: Any, message_id: str) -> dict[str, Any]:
    [row] = _rows(store, "SELECT m.date, m.received_at, m.unscreened_at, m.backlog_at,"
                  " m.intent, c.created_at, c.last_message_at, c.last_inbound_at, c.id"
                  " FROM messages m JOIN conversations c ON c.id = m.conversation_id"
                  " WHERE m.message_id = ?", message_id)
    return dict(zip(("date", "received", "unscreened", "backlog", "intent", "created",
                     "last", "inbound", "conv"), row, strict=True))


def test_a_year_old_date_arriving_now_is_new_and_not_breached(
        any_store: Any, dovecot: Any, tmp_path: Path) -> None:
    """An unflagged mail whose Date: is a year old, received now: its conversation starts
    now (Age "now", sorted first), its SLA runs from now (not breached after the monitor's
    round), while the thread still shows the Date: it was sent."""
    store = any_store
    config, rules = _desk(tmp_path, dovecot, store)
    year_ago = _ago(365)
    dovecot.deliver(patient_mail("Refill please", message_id="year@p.example",
                                 date=format_datetime(year_ago),
                                 sender="Yara <yara@patients.example>",
                                 body="Could you renew my lisinopril?"))
    dovecot.deliver(patient_mail("Form", message_id="week@p.example",
                                 date=format_datetime(_ago(2)),
                                 sender="Wes <wes@patients.example>", body="The form."),
                    internaldate=_ago(2 / 24))
    before = int(time.time())
    _sync(store, config, rules, dovecot)
    after = int(time.time())
    year = _message(store, "year@p.example")
    assert abs(year["date"] - int(year_ago.timestamp())) <= 1  # the Date: is kept as sent
    assert before - 5 <= year["received"] <= after + 1
    assert before - 5 <= year["created"] <= after + 1
    assert year["inbound"] == year["created"] == year["last"]
    assert year["unscreened"] is None and year["backlog"] is None
    week = _message(store, "week@p.example")
    assert abs(week["created"] - (before - 7200)) <= 60  # received two hours ago

    SlaMonitor(store, config, rules=rules).check(int(time.time()))
    breached = {t for (t,) in _rows(store, "SELECT target FROM events"
                                    " WHERE action = 'sla.breached'")}
    assert f"conversation:{year['conv']}" not in breached
    inbox = InboxService(store, config, "mgarcia", rules=rules)
    page = inbox.list_conversations("", 0, 10)
    assert [c.id for c in page.items][:2] == [year["conv"], week["conv"]]  # newest first
    first = page.items[0]
    assert age_text(first.last_message_at, datetime.now(UTC)) in ("now", "1m")
    assert first.sla_state not in ("breached", "at-risk")
    assert first.unscreened_received_at is None
    detail = inbox.get_conversation(year["conv"], record_view=False)
    assert detail.messages[0].date == year["date"]
    assert detail.messages[0].received_at == year["received"]
    # The thread shows it as sent a year ago, and received now.
    line = message_text(detail.messages[0], tz=UTC, now=datetime.now(UTC),
                        glyphs=UNICODE_GLYPHS, expanded=True).plain.splitlines()[0]
    assert "(received " in line and "not screened" not in line


def test_a_year_old_date_arriving_out_of_hours_is_acknowledged(rig_factory: Any) -> None:  # noqa: F811
    """acknowledge's age limit reads the arrival: mail dated a year ago that the server
    received now is answered; mail the server received 13 hours ago is not."""
    rig = rig_factory('''
[[rules]]
name = "after hours"
on = "arrival"
actions = { acknowledge = true }
''')
    rig.dovecot.deliver(patient_mail("Refill", message_id="year@p.example",
                                     date=format_datetime(_ago(365))))
    rig.dovecot.deliver(patient_mail("Old", message_id="late@p.example",
                                     sender="Lee <lee@patients.example>",
                                     date=format_datetime(_ago(13 / 24))),
                        internaldate=_ago(13 / 24))
    rig.sync()
    applied = {t: d for _, t, d in rig.events("rule.applied")}
    year, late = rig.conv("year@p.example"), rig.conv("late@p.example")
    assert applied[f"conversation:{year}"]["skipped"] == []
    assert applied[f"conversation:{late}"]["skipped"] == ["acknowledge: old message"]
    assert rig.worker.process_due() == 1
    assert rig.sink.wait_for(1)
    (got,) = rig.sink.messages
    assert got.rcpt_tos == ["jane.doe@patients.example"]


def test_mail_fetched_days_after_it_arrived_says_it_was_not_screened(
        any_store: Any, dovecot: Any, tmp_path: Path) -> None:
    """F9: after a first sync, mail the server received five days ago (an outage) is
    stored live (routed) but unscreened: no intent, no flag, and the conversation's
    summary carries when it arrived; its clock starts at that arrival. Mail received now
    by the same later sync is screened as always."""
    store = any_store
    config, rules = _desk(tmp_path, dovecot, store)
    dovecot.deliver(patient_mail("hello", message_id="first@p.example"))
    _sync(store, config, rules, dovecot)
    dovecot.deliver(patient_mail("help", message_id="outage@p.example",
                                 date=format_datetime(_ago(5)),
                                 sender="Omar <omar@patients.example>", body=CHEST),
                    internaldate=_ago(5))
    dovecot.deliver(patient_mail("help", message_id="fresh@p.example",
                                 sender="Fay <fay@patients.example>", body=CHEST))
    stored = int(time.time())
    _sync(store, config, rules, dovecot)
    outage, fresh = _message(store, "outage@p.example"), _message(store, "fresh@p.example")
    assert outage["backlog"] is None and outage["intent"] is None
    assert stored - 5 <= outage["unscreened"] <= int(time.time()) + 1
    assert abs(outage["received"] - (stored - 5 * 86400)) <= 60
    assert abs(outage["created"] - outage["received"]) <= 1
    assert fresh["unscreened"] is None and fresh["intent"]

    inbox = InboxService(store, config, "mgarcia", rules=rules)
    items = {c.id: c for c in inbox.list_conversations("", 0, 10).items}
    assert items[outage["conv"]].unscreened_received_at == outage["received"]
    assert items[fresh["conv"]].unscreened_received_at is None
    assert not items[outage["conv"]].red_flag_open and items[fresh["conv"]].red_flag_open
    detail = inbox.get_conversation(outage["conv"], record_view=False)
    assert detail.summary.unscreened_received_at == outage["received"]
    assert [m.unscreened for m in detail.messages] == [True]
    now = int(time.time())
    assert unscreened_line(outage["received"], now) == "NOT CHECKED FOR RED FLAGS: 5 d old"

    # The thread's header says it first; the list's row at 80 columns says it short.
    header = header_text(detail.summary, ("", "none"), "mgarcia", UNICODE_GLYPHS)
    assert header.plain.startswith("NOT CHECKED FOR RED FLAGS: 5 d old")
    block = message_text(detail.messages[0], tz=UTC, now=datetime.now(UTC),
                         glyphs=UNICODE_GLYPHS, expanded=True).plain.splitlines()
    assert block[1] == "! NOT CHECKED FOR RED FLAGS: 5 d old"
    assert "(received " not in block[0]  # its Date: and its arrival agree
    fresh_block = message_text(inbox.get_conversation(fresh["conv"], record_view=False)
                               .messages[0], tz=UTC, now=datetime.now(UTC),
                               glyphs=UNICODE_GLYPHS, expanded=True).plain
    assert "NOT CHECKED" not in fresh_block
    row = _row_text(items[outage["conv"]], 80)
    assert len(row) == 80 and unscreened_mark(outage["received"], now) in row
    assert "!unchecked 5d" in row
    assert "!unchecked" not in _row_text(items[fresh["conv"]], 80)


def _row_text(summary: Any, width: int) -> str:
    from rich.style import Style

    plain = Style()
    styles = RowStyles(*([plain] * 10))
    segments = render_row(summary, columns_for(width), styles, UNICODE_GLYPHS,
                          ("", "none", "now"), "mgarcia")
    return "".join(s.text for s in segments)


def test_show_list_and_json_say_not_screened(rig_factory: Any) -> None:  # noqa: F811
    """The CLI, as a clinic would run it: `show` names it on the conversation and on the
    message (with the arrival beside the Date:), `show --json` carries it, `list` marks
    the row."""
    rig = rig_factory("")
    rig.dovecot.deliver(patient_mail("hello", message_id="first@p.example",
                                     sender="Ann <ann@patients.example>"))
    rig.sync()
    rig.dovecot.deliver(patient_mail("help", message_id="outage@p.example",
                                     date=format_datetime(_ago(5.2)), body=CHEST),
                        internaldate=_ago(5))
    rig.sync()
    conv = rig.conv("outage@p.example")
    shown = cx("show", str(conv), "--config", str(rig.path))
    assert shown.returncode == 0, shown.stderr
    lines = shown.stdout.splitlines()
    assert lines[2] == ("NOT CHECKED FOR RED FLAGS: 5 d old"
                        " (read it now; if urgent, ask a clinician)")
    [arrow] = [ln for ln in lines if ln.startswith("<- ")]
    assert "(received " in arrow
    assert arrow.endswith("[NOT CHECKED FOR RED FLAGS: 5 d old]")
    as_json = cx("show", str(conv), "--json", "--config", str(rig.path))
    assert as_json.returncode == 0, as_json.stderr
    detail = json.loads(as_json.stdout)
    received = detail["conversation"]["unscreened_received_at"]
    assert abs(received - int(_ago(5).timestamp())) <= 120
    assert detail["messages"][0]["unscreened"] is True
    assert detail["messages"][0]["received_at"] == received
    listed = cx("list", "--config", str(rig.path))
    assert listed.returncode == 0, listed.stderr
    rows = {ln.split()[0].lstrip("*"): ln for ln in listed.stdout.splitlines()}
    assert "!unchecked 5d: " in rows[f"#{conv}"]
    assert "!unchecked" not in rows[f"#{rig.conv('first@p.example')}"]


def test_a_text_polled_days_after_it_arrived_is_not_screened(
        any_store: Any, tmp_path: Path) -> None:
    """SMS: after the number's first poll, a text the provider received five days ago
    that a later poll lists (the provider indexed it late) is stored unscreened; its
    received_at is the provider's time (its date too)."""
    with SmsProvider(numbers=[CLINIC]) as provider:
        config = load_config(write_sms_config(tmp_path, provider, [CLINIC],
                                              overlap_seconds=7 * 86400))
        rules = rules_engine(any_store, config)
        provider.inject_inbound("+15557650002", CLINIC, "hello")
        late = provider.inject_inbound("+15557650001", CLINIC, CHEST, at=_ago(5),
                                       hidden=True)
        poller = SmsPoller(any_store, config, rules=rules,
                           client_factory=lambda c, t: SmsClient(c, t, sleep=lambda s: None))
        try:
            assert poller.poll_once().new == 1
            provider.reveal(late)
            assert poller.poll_once().new == 1
        finally:
            poller.close()
    rows = {str(n): (received, date, unscreened, backlog, intent, conv)
            for n, received, date, unscreened, backlog, intent, conv in _rows(
                any_store, "SELECT c.from_addr, m.received_at, m.date, m.unscreened_at,"
                " m.backlog_at, m.intent, c.id FROM messages m"
                " JOIN conversations c ON c.id = m.conversation_id")}
    old, now_ = rows["+15557650001"], rows["+15557650002"]
    assert old[0] == old[1] and abs(old[0] - int(_ago(5).timestamp())) <= 60
    assert old[2] is not None and old[3] is None and old[4] is None
    assert now_[2] is None and now_[3] is None and now_[4]
    with any_store.reading() as tx:
        marks = tx.unscreened_of([old[5], now_[5]], None)
    assert list(marks) == [old[5]]
    assert (marks[old[5]].received_at, marks[old[5]].reason) == (old[0], "late")


def test_migration_28_keeps_every_row_of_a_version_27_database(tmp_path: Path) -> None:
    """A copy of a version-27 cache migrates with every row kept; the rows from before
    have no arrival (NULL: they read as their Date:) and are not marked unscreened."""
    path = tmp_path / "v27.db"
    old = sqlite3.connect(path)
    old.executescript("\n".join(MIGRATIONS[:27]) + "\nPRAGMA user_version=27;")
    old.executescript("""
INSERT INTO raw_messages (id, sha256, size, data) VALUES (1, x'01', 1, x'00'),
    (2, x'02', 1, x'00');
INSERT INTO conversations (id, subject, channel, mailbox, status, priority, created_at,
    last_message_at) VALUES (1, 'a', 'email', 'desk', 'open', 'normal', 100, 200);
INSERT INTO messages (id, raw_id, conversation_id, direction, date, backlog_at)
    VALUES (1, 1, 1, 'in', 100, NULL), (2, 2, 1, 'out', 200, 150);
""")
    old.commit()
    old.close()
    copy = tmp_path / "copy.db"
    shutil.copy(path, copy)
    db = Database(copy)
    try:
        with db.reading() as tx:
            version = tx.conn.execute("PRAGMA user_version").fetchone()[0]
            rows = tx.conn.execute("SELECT id, raw_id, conversation_id, direction, date,"
                                   " backlog_at, received_at, unscreened_at FROM messages"
                                   " ORDER BY id").fetchall()
            convs = tx.conn.execute("SELECT id, created_at, last_message_at"
                                    " FROM conversations").fetchall()
            assert tx.unscreened_of([1], 0) == {}
            assert [m.arrived for m in tx.messages_of(1)] == [100, 200]
    finally:
        db.close()
    assert version == len(MIGRATIONS) == 28
    assert [tuple(r) for r in rows] == [(1, 1, 1, "in", 100, None, None, None),
                                        (2, 2, 1, "out", 200, 150, None, None)]
    assert [tuple(r) for r in convs] == [(1, 100, 200)]


def test_store_copy_carries_the_arrival_and_the_mark(
        dovecot: Any, tmp_path: Path, pg_cluster: Any) -> None:
    """`cxinbox store copy` (copy_to_postgres) moves received_at and unscreened_at with
    every message, and what PostgreSQL then shows is what SQLite showed."""
    import psycopg
    from tests.test_pg_query import fresh_database

    from cxinbox.store.pg.copy import copy_to_postgres

    store = Database(tmp_path / "site.db")
    try:
        config, rules = _desk(tmp_path, dovecot, store)
        dovecot.deliver(patient_mail("hello", message_id="first@p.example",
                                     date=format_datetime(_ago(365))))
        _sync(store, config, rules, dovecot)
        dovecot.deliver(patient_mail("help", message_id="outage@p.example", body=CHEST,
                                     sender="Omar <omar@patients.example>"),
                        internaldate=_ago(5))
        _sync(store, config, rules, dovecot)
        query = ("SELECT message_id, date, received_at, unscreened_at FROM messages"
                 " ORDER BY message_id")
        before = _rows(store, query)
        assert [r[3] is not None for r in before] == [False, True]
        assert all(r[2] is not None for r in before)
        conn = psycopg.connect(pg_cluster.dsn(fresh_database(pg_cluster)), autocommit=True)
        try:
            with store.read() as lite:
                copy_to_postgres(lite, conn)
            after = [tuple(r) for r in conn.execute(query).fetchall()]
        finally:
            conn.close()
    finally:
        store.close()
    assert after == before


def test_a_uidvalidity_reset_marks_nothing_the_cache_holds(
        any_store: Any, dovecot: Any, tmp_path: Path) -> None:
    """After a UIDVALIDITY reset the server offers the whole folder again, old arrival
    times and all: what the cache holds is re-linked, not stored again, so none of it is
    marked unscreened (nor paged); only mail the cache never had would be."""
    store = any_store
    config, rules = _desk(tmp_path, dovecot, store)
    dovecot.deliver(patient_mail("old", message_id="old@p.example",
                                 date=format_datetime(_ago(30))), internaldate=_ago(30))
    dovecot.deliver(patient_mail("new", message_id="new@p.example",
                                 sender="Ned <ned@patients.example>"))
    _sync(store, config, rules, dovecot)
    before = _rows(store, "SELECT id, message_id, backlog_at, unscreened_at FROM messages"
                   " ORDER BY id")
    dovecot.reset_uidvalidity()
    dovecot.deliver(patient_mail("moved", message_id="moved@p.example", body=CHEST,
                                 sender="Mo <mo@patients.example>"), internaldate=_ago(9))
    _sync(store, config, rules, dovecot)
    after = _rows(store, "SELECT id, message_id, backlog_at, unscreened_at FROM messages"
                  " ORDER BY id")
    assert after[:len(before)] == before
    assert [r[3] is None for r in before] == [True, True]
    [(_, moved, backlog, unscreened)] = after[len(before):]
    assert moved == "moved@p.example" and backlog is None and unscreened is not None
    assert _rows(store, "SELECT count(*) FROM events WHERE action = 'redflag.raised'") == [(0,)]


def test_postgresql_migration_28_keeps_every_row(pg_cluster: Any) -> None:
    """The PostgreSQL twin on a database at version 27 that holds mail: every row kept,
    the old rows with no arrival and no mark."""
    import psycopg
    from tests.test_pg_query import fresh_database

    from cxinbox.store.pg.migrate import migrate, schema_version

    with psycopg.connect(pg_cluster.dsn(fresh_database(pg_cluster)), autocommit=True) as conn:
        assert migrate(conn) == 28
        conn.execute("DROP INDEX messages_unscreened")  # back to what 27 left
        conn.execute("ALTER TABLE messages DROP COLUMN received_at, DROP COLUMN unscreened_at")
        conn.execute("UPDATE cxinbox_meta SET value = '27' WHERE key = 'schema_version'")
        assert schema_version(conn) == 27
        conn.execute("INSERT INTO raw_messages (id, sha256, size, data) VALUES"
                     " (1, '\\x01', 1, '\\x00'), (2, '\\x02', 1, '\\x00')")
        conn.execute("INSERT INTO conversations (id, subject, channel, mailbox, status,"
                     " priority, created_at, last_message_at) VALUES"
                     " (1, 'a', 'email', 'desk', 'open', 'normal', 100, 200)")
        conn.execute("INSERT INTO messages (id, raw_id, conversation_id, direction, date,"
                     " backlog_at) VALUES (1, 1, 1, 'in', 100, NULL), (2, 2, 1, 'out', 200, 150)")
        assert migrate(conn) == 28
        rows = conn.execute("SELECT id, raw_id, conversation_id, direction, date, backlog_at,"
                            " received_at, unscreened_at FROM messages ORDER BY id").fetchall()
        convs = conn.execute("SELECT id, created_at, last_message_at FROM conversations"
                             ).fetchall()
    assert rows == [(1, 1, 1, "in", 100, None, None, None),
                    (2, 2, 1, "out", 200, 150, None, None)]
    assert convs == [(1, 100, 200)]


def test_backlog_sent_minutes_before_it_arrived_still_pages_once(
        any_store: Any, dovecot: Any, tmp_path: Path) -> None:
    """A first sync's backlog as real mail has it: sent (Date:) minutes before the server
    received it. Its late SLA is a backlog escalation (the one summary page), not a page
    of its own: the monitor compares the patient's messages with the conversation's clock
    by their arrival, as the clock was set."""
    from tests.test_backlog_mark import _desk as paging_desk
    from tests.test_backlog_mark import _heard

    store = any_store
    config, rules, notified = paging_desk(tmp_path, dovecot, store)
    dovecot.deliver(patient_mail("Old refill", message_id="old@p.example",
                                 sender="Olga <olga@patients.example>",
                                 date=format_datetime(_ago(5 + 20 / 1440))),
                    internaldate=_ago(5))
    _sync(store, config, rules, dovecot)
    [(conv, backlog)] = _rows(store, "SELECT conversation_id, backlog_at FROM messages")
    assert backlog is not None
    SlaMonitor(store, config, rules=rules).check(int(time.time()))
    [(target, details)] = _rows(store, "SELECT target, details FROM events"
                                " WHERE action = 'sla.breached'")
    assert target == f"conversation:{conv}"
    assert json.loads(details).get("backlog") is True
    assert [h for h in _heard(notified) if h["state"] == "breached"] == []
