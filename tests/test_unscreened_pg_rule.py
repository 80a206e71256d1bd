"""`is:unscreened` on PostgreSQL is found from its candidate messages (store/unscreened.py
`marked_sql_pg`, through the PG_TUNING index `messages_backlog_unread`), where SQLite
runs the read-time rule from the conversations (`marked_sql`). The two must select the
same conversations, and both what the rule says.

Random sequences of arrivals (live, late, a first sync's backlog inside and outside the
window, with and without the server's arrival time), reads, staff replies, closes,
reopens, snoozes, pends and messages gone from the server are written as the same rows
to a migrated SQLite cache and a migrated PostgreSQL database; after each step the
PostgreSQL condition, its per-row form (the test a walked search makes of each
conversation, store/pg/search.py) and that walk's answer, SQLite's condition run on
PostgreSQL, SQLite's own compiler and the rule as written in the module's docstring (in
Python) give one set, and `NOT is:unscreened` (both forms) its complement. A PostgreSQL database from before the index gains it on
migration with its rows kept (and the mailbox and at-risk views' indexes), and its
answers do not change.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import psycopg
import pytest
from tests.support.pgcluster import PgCluster

from cxinbox.domain.arrival import backlog_since
from cxinbox.domain.query import QueryContext, parse
from cxinbox.store.db import Database
from cxinbox.store.pg import migrate as pg_migrate
from cxinbox.store.pg import search as pg_search
from cxinbox.store.pg.query import compile_per_row_pg, compile_query_pg, sla_condition_pg
from cxinbox.store.pg.schema import PG_TUNING
from cxinbox.store.pg.store import PgStore
from cxinbox.store.query_sql import compile_query, sla_condition
from cxinbox.store.unscreened import marked_sql

NOW = 1_790_000_000
DAY = 86_400
MARK_DAYS = 14
CTX = QueryContext(me="maria", now=datetime.fromtimestamp(NOW, UTC), tz=UTC,
                   backlog_mark_days=MARK_DAYS)
SINCE = backlog_since(NOW, MARK_DAYS)


@dataclass
class Msg:
    id: int
    conv: int
    direction: str
    date: int
    received_at: int | None
    backlog_at: int | None = None
    unscreened_at: int | None = None
    seen: int = 0
    gone_at: int | None = None

    @property
    def clock(self) -> int:
        if self.direction == "in" and self.received_at is not None:
            return self.received_at
        return self.date


@dataclass
class Conv:
    id: int
    status: str = "open"
    last_response_at: int | None = None
    last_message_at: int = 0


@dataclass
class Inbox:
    """The model both stores are written from, and the rule in Python."""

    convs: dict[int, Conv] = field(default_factory=dict)
    msgs: dict[int, Msg] = field(default_factory=dict)

    def marked(self, since: int | None) -> set[int]:
        out = set()
        for m in self.msgs.values():
            c = self.convs[m.conv]
            kind = m.unscreened_at is not None or (
                m.backlog_at is not None and since is not None and m.clock >= since)
            if (m.direction == "in" and m.gone_at is None and m.seen == 0 and kind
                    and c.status in ("open", "pending")
                    and (c.last_response_at is None or c.last_response_at < m.clock)):
                out.add(c.id)
        return out


def _write(stores: list[Any], sql: str, params: tuple[object, ...]) -> None:
    for store in stores:
        with store.write() as conn:
            conn.execute(sql, params)


def _arrive(inbox: Inbox, stores: list[Any], rng: random.Random, mid: int) -> None:
    kind = rng.choice(["live", "late", "backlog-recent", "backlog-old", "backlog-edge"])
    if inbox.convs and rng.random() < 0.5:
        conv = rng.choice(list(inbox.convs.values()))
    else:
        conv = Conv(len(inbox.convs) + 1)
        inbox.convs[conv.id] = conv
        _write(stores, "INSERT INTO conversations (id, status, norm_subject, created_at,"
               " last_message_at, last_inbound_at, message_count) VALUES (?, 'open', ?, ?,"
               " ?, ?, 1)", (conv.id, f"q{conv.id}", NOW - 400 * DAY, NOW - 400 * DAY,
                             NOW - 400 * DAY))
    ago = {"live": rng.randint(0, 3 * DAY), "late": rng.randint(4 * DAY, 40 * DAY),
           "backlog-recent": rng.randint(4 * DAY, 13 * DAY),
           "backlog-old": rng.randint(15 * DAY, 900 * DAY),
           "backlog-edge": MARK_DAYS * DAY + rng.choice([-1, 0, 1])}[kind]
    at = NOW - ago
    # The server's arrival time is missing on older rows (the clock is then the date) or
    # differs from the Date: header.
    received = None if rng.random() < 0.3 else at
    date = at if received is None else at - rng.randint(-3600, 5 * DAY)
    msg = Msg(mid, conv.id, "in", date, received,
              backlog_at=NOW - DAY if kind.startswith("backlog") else None,
              unscreened_at=NOW - DAY if kind == "late" else None)
    inbox.msgs[mid] = msg
    conv.last_message_at = max(conv.last_message_at, msg.clock)
    _write(stores, "INSERT INTO raw_messages (id, sha256, size, data) VALUES (?, ?, 1, ?)",
           (mid, mid.to_bytes(8, "big"), b"x"))
    _write(stores, "INSERT INTO messages (id, raw_id, conversation_id, direction, date,"
           " received_at, seen, backlog_at, unscreened_at) VALUES (?, ?, ?, 'in', ?, ?, 0,"
           " ?, ?)", (mid, mid, conv.id, msg.date, msg.received_at, msg.backlog_at,
                      msg.unscreened_at))
    _write(stores, "UPDATE conversations SET last_message_at = ?, last_inbound_at = ?"
           " WHERE id = ?", (conv.last_message_at, conv.last_message_at, conv.id))


def _step(inbox: Inbox, stores: list[Any], rng: random.Random, mid: int) -> None:
    op = rng.choice(["arrive", "arrive", "arrive", "read", "reply", "close", "reopen",
                     "snooze", "pend", "gone"])
    if op == "arrive" or not inbox.convs:
        _arrive(inbox, stores, rng, mid)
        return
    conv = rng.choice(list(inbox.convs.values()))
    if op == "read":
        for m in inbox.msgs.values():
            if m.conv == conv.id:
                m.seen = 1
        _write(stores, "UPDATE messages SET seen = 1 WHERE conversation_id = ?", (conv.id,))
    elif op == "reply":
        at = NOW - rng.randint(0, 30 * DAY)
        inbox.msgs[mid] = Msg(mid, conv.id, "out", at, None, seen=1)
        conv.last_response_at = max(conv.last_response_at or 0, at)
        _write(stores, "INSERT INTO raw_messages (id, sha256, size, data) VALUES (?, ?, 1, ?)",
               (mid, mid.to_bytes(8, "big"), b"x"))
        _write(stores, "INSERT INTO messages (id, raw_id, conversation_id, direction, date,"
               " seen) VALUES (?, ?, ?, 'out', ?, 1)", (mid, mid, conv.id, at))
        _write(stores, "UPDATE conversations SET last_response_at = ? WHERE id = ?",
               (conv.last_response_at, conv.id))
    elif op == "gone":
        mine = [m for m in inbox.msgs.values() if m.conv == conv.id and m.gone_at is None]
        if mine:
            m = rng.choice(mine)
            m.gone_at = NOW
            _write(stores, "UPDATE messages SET gone_at = ? WHERE id = ?", (NOW, m.id))
    else:
        conv.status = {"close": "closed", "reopen": "open", "snooze": "snoozed",
                       "pend": "pending"}[op]
        _write(stores, "UPDATE conversations SET status = ? WHERE id = ?",
               (conv.status, conv.id))


def _ids(store: Any, where: str, params: list[object]) -> set[int]:
    with store.read() as conn:
        return {int(r[0]) for r in conn.execute(
            f"SELECT c.id FROM conversations c WHERE {where}", params).fetchall()}


@pytest.fixture
def both(pg_url: str, tmp_path: Path) -> Iterator[tuple[Database, PgStore]]:
    db = Database(tmp_path / "cache.db", synchronous="OFF")
    pg = PgStore(pg_url, max_size=2)
    try:
        yield db, pg
    finally:
        pg.close()
        db.close()


@pytest.mark.parametrize("seed", range(6))
def test_postgresql_selects_what_the_rule_says_after_every_step(
        both: tuple[Database, PgStore], seed: int) -> None:
    db, pg = both
    rng = random.Random(seed)
    inbox = Inbox()
    query = parse("is:unscreened").where
    negated = parse("-is:unscreened").where
    pg_where, pg_params = compile_query_pg(query, CTX)
    assert "messages_backlog" not in pg_where  # a condition, not an index hint
    sqlite_where, sqlite_params = compile_query(query, CTX)
    rule_where, rule_params = marked_sql(SINCE)  # SQLite's form, run on PostgreSQL
    not_where, not_params = compile_query_pg(negated, CTX)
    per_row, per_row_params = compile_per_row_pg(query, CTX)
    not_per_row, not_per_row_params = compile_per_row_pg(negated, CTX)
    seen_marked, window_mattered, unmarked = 0, False, False
    before: set[int] = set()
    for mid in range(1, 121):
        _step(inbox, [db, pg], rng, mid)
        expected = inbox.marked(SINCE)
        assert _ids(pg, pg_where, pg_params) == expected, (seed, mid)
        assert _ids(pg, rule_where, rule_params) == expected, (seed, mid)
        assert _ids(db, sqlite_where, sqlite_params) == expected, (seed, mid)
        assert _ids(pg, not_where, not_params) == set(inbox.convs) - expected, (seed, mid)
        assert _ids(pg, per_row, per_row_params) == expected, (seed, mid)
        assert _ids(pg, not_per_row, not_per_row_params) == set(inbox.convs) - expected, \
            (seed, mid)
        assert _walked(pg, per_row, per_row_params, len(expected)) == expected, (seed, mid)
        seen_marked = max(seen_marked, len(expected))
        window_mattered |= expected != inbox.marked(None)
        unmarked |= bool(before - expected)
        before = expected
    # The sequence marked conversations and unmarked some, and the backlog's window
    # decided some of them: the sets compared were not all empty or all alike.
    assert seen_marked > 0 and unmarked and window_mattered
    # The per-row form tests each conversation the walk reads: no list of every marked
    # conversation of the inbox made before the walk starts (an InitPlan).
    with pg.read() as conn:
        plan = "\n".join(str(r[0]) for r in conn.execute(
            f"EXPLAIN SELECT c.id FROM conversations c WHERE {per_row}",
            per_row_params).fetchall())
    assert "InitPlan" not in plan and "SubPlan" in plan, plan


def _walked(pg: PgStore, per_row: str, params: list[object], marked: int) -> set[int]:
    """The conversations a walked search lists for the per-row condition, every one of
    the inbox in the window: its page of them all, its count stopped at `marked`."""
    with pg.read() as conn:
        found = pg_search._walk(conn, per_row, params, 0, 1000, "newest", marked, 1000)
    assert found is not None and found[1] == marked
    return {row.id for row in found[0]}


def test_without_a_window_only_late_mail_is_marked_on_both(
        both: tuple[Database, PgStore]) -> None:
    db, pg = both
    rng = random.Random(99)
    inbox = Inbox()
    for mid in range(1, 80):
        _step(inbox, [db, pg], rng, mid)
    ctx = QueryContext(me="maria", now=CTX.now, tz=UTC, backlog_mark_days=0)
    query = parse("is:unscreened").where
    expected = inbox.marked(None)
    assert _ids(pg, *compile_query_pg(query, ctx)) == expected
    assert _ids(db, *compile_query(query, ctx)) == expected
    assert expected != inbox.marked(SINCE)  # the window did matter on this inbox


def test_an_older_postgresql_database_gains_the_index_and_keeps_its_rows(
        pg_cluster: PgCluster, monkeypatch: pytest.MonkeyPatch) -> None:
    pg_cluster.psql('DROP DATABASE IF EXISTS "unscreened_upgrade" WITH (FORCE)')
    url = pg_cluster.url("unscreened_upgrade")
    dsn = pg_cluster.create_database("unscreened_upgrade")
    ours = next(i for i, sql in enumerate(PG_TUNING) if "messages_backlog_unread" in sql)
    monkeypatch.setattr(pg_migrate, "PG_TUNING", PG_TUNING[:ours])  # as before this change
    older = PgStore(url, max_size=1)
    inbox = Inbox()
    try:
        rng = random.Random(5)
        for mid in range(1, 60):
            _step(inbox, [older], rng, mid)
        names = {r[0] for r in older.conn.execute(
            "SELECT indexname FROM pg_indexes WHERE tablename = 'messages'").fetchall()}
        assert "messages_backlog_unread" not in names
    finally:
        older.close()
    monkeypatch.undo()
    store = PgStore(url, max_size=1)  # the newer code opens it: migrates
    try:
        with psycopg.connect(dsn) as raw:
            assert raw.execute("SELECT value FROM cxinbox_meta WHERE key = 'pg_tuning'"
                               ).fetchone() == (str(len(PG_TUNING)),)
            assert raw.execute("SELECT count(*) FROM messages").fetchone() == (
                len(inbox.msgs),)
            assert raw.execute("SELECT count(*) FROM conversations").fetchone() == (
                len(inbox.convs),)
            made = {r[0] for r in raw.execute(
                "SELECT indexname FROM pg_indexes WHERE indexname = ANY(%s)",
                (["messages_backlog_unread", "messages_late_unread",
                  "conversations_by_mailbox_status", "conversations_urgent_by_due"],)
            ).fetchall()}
            assert made == {"messages_backlog_unread", "messages_late_unread",
                            "conversations_by_mailbox_status", "conversations_urgent_by_due"}
        assert _ids(store, *compile_query_pg(parse("is:unscreened").where, CTX)) == \
            inbox.marked(SINCE)
    finally:
        store.close()


@pytest.mark.parametrize("seed", range(3))
def test_sla_terms_written_for_the_status_index_select_what_sqlite_selects(
        both: tuple[Database, PgStore], seed: int) -> None:
    """`sla:at-risk` and `sla:ok` on PostgreSQL (store/pg/query.py `sla_condition_pg`: a
    range of the status index's due key, no COALESCE around it) select what SQLite's
    form selects, negated too, whatever is NULL: due times and at-risk instants missing,
    past or ahead, on every status."""
    db, pg = both
    rng = random.Random(seed)
    for cid in range(1, 161):
        due = rng.choice([None, NOW - DAY, NOW - 60, NOW, NOW + 60, NOW + DAY])
        risk = rng.choice([None, NOW - DAY, NOW, NOW + 30, NOW + DAY])
        _write([db, pg], "INSERT INTO conversations (id, status, norm_subject, created_at,"
               " last_message_at, sla_policy, sla_due_at, sla_at_risk_at) VALUES"
               " (?, ?, ?, ?, ?, ?, ?, ?)",
               (cid, rng.choice(["open", "open", "pending", "snoozed", "closed"]), f"s{cid}",
                NOW - 400 * DAY, NOW - rng.randint(0, 40 * DAY),
                rng.choice([None, "front desk"]), due, risk))
    seen = set()
    for text in ("sla:at-risk", "sla:ok", "-sla:at-risk", "-sla:ok",
                 "status:open sla:at-risk", "status:open -sla:ok",
                 "sla:at-risk OR sla:ok", "sla:breached", "-(sla:at-risk OR sla:breached)"):
        node = parse(text).where
        on_pg = _ids(pg, *compile_query_pg(node, CTX, sla_condition_pg(CTX.now)))
        on_sqlite = _ids(db, *compile_query(node, CTX, sla_condition(CTX.now)))
        assert on_pg == on_sqlite, text
        seen.add(len(on_pg))
    assert len(seen) > 3  # the terms told the conversations apart
