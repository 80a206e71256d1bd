"""Phone numbers, sender search and list orders against a real SQLite file, through the
service that the TUI and the CLI call (store/query_sql.py, store/conversations.py), and
migration 11 on a database made by the previous schema."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from cxinbox.service.inbox import InboxService
from cxinbox.store.db import Database
from cxinbox.store.schema import MIGRATIONS
from cxinbox.store.sms import SmsRecord, insert_sms
from cxinbox.tui.views import standard_view
from teamhelp import T0, deliver, open_service

CLINIC = "+15550100100"


def sms(db: Database, number: str, at: int, name: str = "", body: str = "Hello") -> int:
    with db.write() as conn:
        _, conv = insert_sms(conn, SmsRecord(
            provider_id=f"SM{number}{at}", clinic_number=CLINIC, patient_number=number,
            direction="in", body=body, at=at, patient_name=name))
    assert conv is not None
    return conv


def found(service: InboxService, query: str) -> set[int]:
    page = service.list_conversations(query, 0, 200)
    assert page.total == len(page.items)
    return {item.id for item in page.items}


@pytest.fixture
def desk(tmp_path: Path) -> tuple[InboxService, dict[str, int]]:
    _, db, service, _ = open_service(tmp_path, sla=False)
    ids = {
        "target": sms(db, "+15553504006", T0 - 500, name="Ana Diaz"),
        "next door": sms(db, "+15553504007", T0 - 400),
        # The digits inside a longer number, not at its end: another line altogether.
        "inside": sms(db, "+4455535040069", T0 - 300),
        "other": sms(db, "+15557770000", T0 - 200, body="call me at 555-350-4999"),
        "email": deliver(db, sender="ana.garcia@example.org", name="Ana Garcia", at=T0 - 100),
    }
    return service, ids


@pytest.mark.parametrize("typed", [
    "555-350-4006", "5553504006", "555 350 4006", "(555) 350-4006", "(555)350-4006",
    "555.350.4006", "+15553504006", "+1 555 350 4006", "1-555-350-4006",
    "from:555-350-4006", "from:5553504006", "from:555 350 4006", "from:(555) 350-4006",
    "from:+15553504006", "from:+1 (555) 350-4006",
])
def test_a_phone_number_in_any_format_finds_that_patient_only(
    desk: tuple[InboxService, dict[str, int]], typed: str
) -> None:
    service, ids = desk
    assert found(service, typed) == {ids["target"]}
    assert found(service, f"channel:sms {typed}") == {ids["target"]}
    assert ids["target"] not in found(service, f"-{typed}" if "(" not in typed
                                      else f"-({typed})")


def test_a_number_in_a_message_body_is_still_found_as_text(
    desk: tuple[InboxService, dict[str, int]]
) -> None:
    service, ids = desk
    assert found(service, "555-350-4999") == {ids["other"]}
    assert found(service, "from:555-350-4999") == set()


def test_another_number_and_a_wrong_country_find_nothing_of_it(
    desk: tuple[InboxService, dict[str, int]]
) -> None:
    service, ids = desk
    assert found(service, "555-350-4007") == {ids["next door"]}
    assert found(service, "+44 555 350 4006") == set()
    assert found(service, "555-350-400") == set()  # a digit short of any stored number


def test_from_finds_senders_by_any_part_of_address_or_name(
    desk: tuple[InboxService, dict[str, int]]
) -> None:
    service, ids = desk
    assert found(service, "from:garcia") == {ids["email"]}
    assert found(service, "from:GARCIA@EXAMPLE") == {ids["email"]}
    assert found(service, "from:ana") == {ids["target"], ids["email"]}
    assert found(service, "from:na") == {ids["target"], ids["email"]}  # short: no trigrams
    assert found(service, "from:+1555") == {ids["target"], ids["next door"], ids["other"]}
    assert ids["email"] not in found(service, "-from:garcia")


def test_a_changed_sender_is_searched_by_its_new_value(tmp_path: Path) -> None:
    _, db, service, _ = open_service(tmp_path, sla=False)
    conv = sms(db, "+15553504006", T0)
    with db.write() as conn:
        conn.execute("UPDATE conversations SET from_name = 'Renamed Patient' WHERE id = ?",
                     (conv,))
    assert found(service, "from:renamed") == {conv}
    assert found(service, "555-350-4006") == {conv}


# --------------------------------------------------------------------------- orders


def test_the_at_risk_view_lists_the_deepest_breach_first(tmp_path: Path) -> None:
    _, db, service, _ = open_service(tmp_path)
    # First reply is due an hour after each message, so the earliest is the most overdue.
    oldest = deliver(db, sender="a@example.org", at=T0 - 5 * 3600)
    middle = deliver(db, sender="b@example.org", at=T0 - 3 * 3600)
    newest = deliver(db, sender="c@example.org", at=T0 - 2 * 3600)
    closed = deliver(db, sender="d@example.org", at=T0 - 6 * 3600)
    service.set_status(closed, "closed")
    view = standard_view("at-risk").query
    assert "sort:due" in view
    page = service.list_conversations(view, 0, 50)
    assert [item.id for item in page.items] == [oldest, middle, newest]
    assert [item.id for item in service.list_conversations(view, 1, 1).items] == [middle]
    newest_first = service.list_conversations("status:open", 0, 50)
    assert [item.id for item in newest_first.items] == [newest, middle, oldest]


def test_every_order_through_the_service(tmp_path: Path) -> None:
    _, db, service, _ = open_service(tmp_path)
    first = deliver(db, sender="a@example.org", at=T0 - 5 * 3600)
    second = deliver(db, sender="b@example.org", at=T0 - 3 * 3600)
    third = deliver(db, sender="c@example.org", at=T0 - 2 * 3600)
    service.set_priority(second, "urgent")
    service.set_status(third, "pending")  # no clock running: last in due order

    def ids(query: str) -> list[int]:
        return [item.id for item in service.list_conversations(query, 0, 50).items]

    assert ids("") == ids("sort:newest") == [third, second, first]
    assert ids("sort:oldest") == [first, second, third]
    assert ids("sort:due") == [first, second, third]
    assert ids("sort:priority") == [second, third, first]
    assert ids("from:example sort:oldest") == [first, second, third]  # a narrowed search
    assert ids("from:example sort:priority") == [second, third, first]


# --------------------------------------------------------------------------- migration 11


def test_migration_11_indexes_senders_of_a_version_10_database(tmp_path: Path) -> None:
    path = tmp_path / "cxinbox.db"
    old = sqlite3.connect(path)
    old.executescript("\n".join(MIGRATIONS[:10]) + "\nPRAGMA user_version=10;")
    old.execute("INSERT INTO conversations (id, channel, from_name, from_addr, created_at,"
                " last_message_at) VALUES (7, 'sms', 'Old Patient', '+15553504006', 1, 1)")
    old.execute("INSERT INTO raw_messages (id, sha256, size, data) VALUES (1, x'01', 1, x'00')")
    old.execute("INSERT INTO messages (id, raw_id, conversation_id, from_name, from_addr, date)"
                " VALUES (1, 1, 7, 'Old Patient', '+15553504006', 1)")
    # A reply from the desk, already in the body index: its sender only a message has.
    old.execute("INSERT INTO raw_messages (id, sha256, size, data) VALUES (2, x'02', 1, x'00')")
    old.execute("INSERT INTO messages (id, raw_id, conversation_id, direction, from_name,"
                " from_addr, date) VALUES (2, 2, 7, 'out', 'Front Desk', '+15550100100', 2)")
    old.execute("UPDATE fts_progress SET upto = 2")
    old.execute("INSERT INTO conversations (id, from_name, from_addr, created_at,"
                " last_message_at) VALUES (8, 'Other Person', 'other@example.org', 2, 2)")
    old.commit()
    old.close()
    path.chmod(0o600)

    db = Database(path)
    assert db.conn.execute("PRAGMA user_version").fetchone()[0] == len(MIGRATIONS) >= 11
    tables = {r[0] for r in db.conn.execute("SELECT name FROM sqlite_master")}
    assert "messages_senders_insert" not in tables  # that index trails ingest (store/fts.py)
    assert {"conversation_senders_fts", "message_senders_fts", "conversations_by_due",
            "conversations_by_status_due", "conversations_by_status_priority",
            "conversations_senders_update"} <= tables
    config_db = tmp_path / "cxinbox.db"
    from cxinbox.config import Config, StoreConfig

    service = InboxService(db, Config(store=StoreConfig(path=config_db)), "maria")
    assert found(service, 'from:"old pat"') == {7}
    assert found(service, "(555) 350-4006") == {7}
    assert found(service, "from:other@") == {8}
    assert found(service, 'from:"front desk"') == {7}
    # The triggers keep the index from here on.
    with db.write() as conn:
        conn.execute("UPDATE conversations SET from_addr = 'moved@example.org' WHERE id = 8")
    assert found(service, "from:other@") == set()
    assert found(service, "from:moved@") == {8}
    for table in ("conversation_senders_fts", "message_senders_fts"):
        # Raises "database disk image is malformed" if the index is out of step with its rows.
        db.conn.execute(f"INSERT INTO {table} ({table}, rank) VALUES ('integrity-check', 1)")
    db.close()


def test_migration_11_on_an_analyzed_file_keeps_views_in_index_order(tmp_path: Path) -> None:
    """Old statistics next to new indexes without any sent `status:open` to a sort."""
    path = tmp_path / "cxinbox.db"
    old = sqlite3.connect(path)
    old.executescript("\n".join(MIGRATIONS[:10]) + "\nPRAGMA user_version=10;")
    old.executemany(
        "INSERT INTO conversations (id, status, priority, created_at, last_message_at,"
        " sla_due_at) VALUES (?, ?, ?, 0, ?, ?)",
        [(i, ("open", "closed", "closed", "pending")[i % 4], ("normal", "urgent")[i % 7 == 0],
          i * 60, i * 60 + 3600 if i % 4 == 0 else None) for i in range(1, 3001)])
    old.execute("ANALYZE")
    old.commit()
    old.close()
    path.chmod(0o600)

    db = Database(path)
    analyzed = {r[0] for r in db.conn.execute("SELECT idx FROM sqlite_stat1")}
    assert {"conversations_by_status_due", "conversations_by_status_priority",
            "conversations_by_id"} <= analyzed
    plan = [r[3] for r in db.conn.execute(
        "EXPLAIN QUERY PLAN SELECT c.id FROM conversations c WHERE c.merged_into IS NULL"
        " AND (c.status = 'open') ORDER BY c.last_message_at DESC, c.id DESC LIMIT 100")]
    assert not any("TEMP B-TREE" in step for step in plan), plan
    db.close()


def test_a_file_never_analyzed_stays_so(tmp_path: Path) -> None:
    db = Database(tmp_path / "cxinbox.db")
    assert db.conn.execute(
        "SELECT 1 FROM sqlite_master WHERE name = 'sqlite_stat1'").fetchone() is None
    db.close()


def test_reindex_keeps_the_sender_indexes_in_step(tmp_path: Path) -> None:
    """Reindex rewrites message senders (triggers follow) and then rebuilds both indexes."""
    from cxinbox.service.reindex import reindex

    _, db, service, _ = open_service(tmp_path, sla=False)
    conv = deliver(db, sender="ana.garcia@example.org", name="Ana Garcia", at=T0)
    number = sms(db, "+15553504006", T0 + 1)
    reindex(db, "admin")
    for table in ("conversation_senders_fts", "message_senders_fts"):
        db.conn.execute(f"INSERT INTO {table} ({table}, rank) VALUES ('integrity-check', 1)")
    assert found(service, "from:garcia") == {conv}
    assert found(service, "555-350-4006") == {number}


def test_message_senders_are_searchable_once_indexed_like_the_text(tmp_path: Path) -> None:
    """A reply's sender is only in its message; it is found as soon as a sync batch's
    text indexing has run, exactly like words in its body."""
    from cxinbox.store import fts

    _, db, service, _ = open_service(tmp_path, sla=False)
    conv = deliver(db, sender="ana.garcia@example.org", name="Ana Garcia", at=T0,
                   message_id="ana-1@example.org")
    reply = deliver(db, sender="other.person@example.net", at=T0 + 1,
                    subject="Re: Blood test results", in_reply_to="ana-1@example.org")
    assert reply == conv
    with db.write() as conn:
        fts.index_pending(conn)
    assert found(service, "from:other.person") == {conv}
    for table in ("conversation_senders_fts", "message_senders_fts"):
        db.conn.execute(f"INSERT INTO {table} ({table}, rank) VALUES ('integrity-check', 1)")
