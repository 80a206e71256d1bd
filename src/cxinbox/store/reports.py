"""Reading what reports are computed from: conversations in scope, their messages, and the
staff and status events of the trail. SQL only; the arithmetic is domain/reports.py.

Each report reads only what it needs (`Needs`): volume the messages of the window, backlog
the status events since its start, response and SLA the whole history of the conversations
that have an interval in the window. A time window is a range of the indexes of migration
13 (store/schema_reports.py): `events_report` holds only the events reports count, keyed by
time, so the views and lists that fill most of a trail are neither read nor indexed, and
`messages_report` covers a message's date, conversation and direction. Every query here
names the partial index's own condition (`action IN REPORT_ACTIONS`) so SQLite may use it;
tests/test_reports_exact.py fails if a report query scans events or messages whole.
When many conversations are asked for, one range scan beats thousands of index probes.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Sequence
from typing import Any

from cxinbox.domain.reports import ChangeFact, ConvFacts, MessageFact
from cxinbox.store.records import Needs, ReportData
from cxinbox.store.schema_reports import (
    REPORT_ACTIONS,
    REPORT_ACTIONS_SQL,
    SENT_AUTHOR,
    SENT_MESSAGE,
)

ACTIONS = REPORT_ACTIONS
STATE_ACTIONS = ("conversation.status", "conversation.merged", "conversation.unmerged")
_CHUNK = 500
_PROBE_MOST = 3000
"""Above this many conversations, scan instead of probing an index per conversation."""
_PROBE_MESSAGES_MOST = 30_000
"""Messages and events sit in indexes by conversation: probing them stays cheaper longer."""


_EVENT_COLUMNS = (
    "seq, at, actor, action, target,"
    " CASE WHEN action IN ('conversation.status', 'conversation.assign')"
    " THEN json_extract(details, '$.from') END,"
    " CASE WHEN action IN ('conversation.status', 'conversation.assign')"
    " THEN json_extract(details, '$.to') END,"
    " CASE WHEN action = 'conversation.status' THEN json_extract(details, '$.from_until') END")
_STATUS = ("conversation.status",)


def _changes(rows: Iterable[Any], wanted: set[int] | None = None) -> list[ChangeFact]:
    out = []
    for seq, at, actor, action, target, before, after, before_until in rows:
        number = target[13:]  # after "conversation:"
        if not number.isdigit() or (wanted is not None and int(number) not in wanted):
            continue
        out.append(ChangeFact(seq, at // 1000, int(number), actor,
                              action.removeprefix("conversation."), before, after,
                              before_until))
    return out


def _events_since(conn: sqlite3.Connection, since: int,
                  actions: Sequence[str]) -> list[ChangeFact]:
    """Events of `actions` at or after `since` (seconds), by the partial time index."""
    marks = ", ".join("?" for _ in actions)
    return _changes(conn.execute(
        f"SELECT {_EVENT_COLUMNS} FROM events WHERE at >= ?"
        f" AND action IN {REPORT_ACTIONS_SQL} AND action IN ({marks})",
        (since * 1000, *actions)))


def read_report_data(conn: sqlite3.Connection, where: str, params: Sequence[object],
                     since: int, until: int, needs: Needs) -> ReportData:
    """The live conversations matching `where` (SQL over `c`, from the query compiler) that
    `needs` asks about, with their messages before `until` and their events."""
    if needs.tagged is not None:
        return _tagged(conn, where, params, until, needs.tagged)
    actions = (ACTIONS if needs.window_events else _STATUS if needs.intervals
               else (*STATE_ACTIONS, "conversation.assign") if needs.assignments
               else STATE_ACTIONS if needs.state_events else ())
    recent = _events_since(conn, since, actions) if actions else []
    window_msgs: list[MessageFact] = []
    if needs.window_messages or needs.intervals:
        window_msgs = [MessageFact._make(r) for r in conn.execute(
            "SELECT conversation_id, id, direction, date FROM messages"
            " INDEXED BY messages_report WHERE date >= ? AND date < ?", (since, until))]
    wanted = {m.conversation_id for m in window_msgs}
    wanted.update(c.conversation_id for c in recent)
    everyone_open = needs.state_events or needs.open_at_end
    active_since = None if needs.state_events else needs.open_active_since
    convs = _conversations(conn, where, params, until, wanted, everyone_open, None,
                           active_since)
    in_scope = {c.id for c in convs}
    if needs.intervals:
        messages = _messages_of(conn, in_scope, until)
        older = _status_before(conn, [c.id for c in convs if c.created_at < since], since)
    else:
        messages = [m for m in window_msgs if m.conversation_id in in_scope]
        older = []
    changes = [c for c in recent if c.conversation_id in in_scope]
    changes.extend(older)
    changes.sort(key=lambda c: c.seq)
    absorbed: tuple[ChangeFact, ...] = ()
    if needs.window_events:
        survivors = _survivors(conn)
        absorbed = tuple(c._replace(conversation_id=root) for c in recent
                         if (root := survivors.get(c.conversation_id)) is not None
                         and root in in_scope)
    sent_by = _authors(conn, messages) if needs.authors else {}
    return ReportData(tuple(convs), tuple(messages), tuple(changes), sent_by, absorbed)


def _tagged(conn: sqlite3.Connection, where: str, params: Sequence[object], until: int,
            tag: str) -> ReportData:
    """Conversations carrying `tag` (few: red flags), with all their messages and events."""
    convs = _conversations(conn, where, params, until, set(), False, tag)
    ids = [c.id for c in convs]
    changes: list[ChangeFact] = []
    for start in range(0, len(ids), _CHUNK):
        targets = [f"conversation:{i}" for i in ids[start:start + _CHUNK]]
        changes.extend(_changes(conn.execute(
            f"SELECT {_EVENT_COLUMNS} FROM events INDEXED BY events_target WHERE target IN"
            f" ({','.join('?' * len(targets))})", targets)))
    changes.sort(key=lambda c: c.seq)
    return ReportData(tuple(convs), tuple(_messages_of(conn, set(ids), until)),
                      tuple(changes), {})


def _conversations(conn: sqlite3.Connection, where: str, params: Sequence[object], until: int,
                   wanted: set[int], everyone_open: bool,
                   tagged: str | None, active_since: int | None = None) -> list[ConvFacts]:
    """Scope ∩ (wanted ∪ not closed now, when asked ∪ carrying `tagged`); `active_since`
    narrows "not closed now" to those with a message or a status change since then, or
    snoozed (a snooze ends by itself)."""
    terms: list[str] = []
    args: list[object] = []
    if wanted:
        terms.append("c.id IN (SELECT value FROM json_each(?))")
        args.append(_json_ids(wanted))
    if everyone_open and active_since is not None:
        terms.append(
            "c.status != 'closed' AND (c.status = 'snoozed' OR c.last_message_at >= ?"
            " OR c.id IN (SELECT CAST(substr(target, 14) AS INTEGER) FROM events"
            f" WHERE at >= ? AND action IN {REPORT_ACTIONS_SQL} AND action IN"
            " ('conversation.status', 'conversation.merge', 'conversation.merged',"
            " 'conversation.unmerged', 'conversation.split')))")
        args.extend((active_since, active_since * 1000))
    elif everyone_open:
        terms.append("c.status != 'closed'")
    if tagged is not None:
        terms.append("c.id IN (SELECT conversation_id FROM conversation_tags WHERE tag = ?)")
        args.append(tagged)
    if not terms:
        return []
    rows = conn.execute(
        "SELECT c.id, c.created_at, c.channel, c.mailbox, c.status, c.assignee, c.sla_policy"
        " FROM conversations c WHERE c.merged_into IS NULL AND c.created_at < ?"
        f" AND ({where}) AND ({' OR '.join(terms)})", [until, *params, *args]).fetchall()
    ids = [int(r[0]) for r in rows]
    tags = _tags(conn, ids)
    return [ConvFacts(int(r[0]), int(r[1]), str(r[2]), str(r[3]), str(r[4]),
                      None if r[5] is None else str(r[5]), None if r[6] is None else str(r[6]),
                      tuple(tags.get(int(r[0]), ()))) for r in rows]


def _json_ids(ids: Iterable[int]) -> str:
    return "[" + ",".join(str(i) for i in sorted(ids)) + "]"


def _tags(conn: sqlite3.Connection, ids: list[int]) -> dict[int, list[str]]:
    out: dict[int, list[str]] = {}
    if len(ids) > _PROBE_MOST:
        wanted = set(ids)
        for conv, tag in conn.execute("SELECT conversation_id, tag FROM conversation_tags"):
            if conv in wanted:
                out.setdefault(conv, []).append(tag)
    else:
        for conv, tag in conn.execute(
                "SELECT conversation_id, tag FROM conversation_tags WHERE conversation_id"
                " IN (SELECT value FROM json_each(?))", (_json_ids(ids),)):
            out.setdefault(conv, []).append(tag)
    for values in out.values():
        values.sort()
    return out


def _messages_of(conn: sqlite3.Connection, ids: set[int], until: int) -> list[MessageFact]:
    """Messages before `until` of these conversations, oldest first (ties in one second
    in no promised order: the arithmetic orders them by id itself)."""
    if len(ids) > _PROBE_MESSAGES_MOST:
        return [MessageFact._make(r) for r in conn.execute(
            "SELECT conversation_id, id, direction, date FROM messages"
            " INDEXED BY messages_report WHERE date < ? ORDER BY date, conversation_id",
            (until,)) if r[0] in ids]
    return [MessageFact._make(r) for r in conn.execute(
        "SELECT conversation_id, id, direction, date FROM messages"
        " WHERE conversation_id IN (SELECT value FROM json_each(?)) AND date < ?"
        " ORDER BY date, id", (_json_ids(ids), until))]


def _status_before(conn: sqlite3.Connection, ids: list[int], since: int) -> list[ChangeFact]:
    """Status events before `since` of these conversations: by the target index for a few,
    by one range of the partial time index for many."""
    if not ids:
        return []
    if len(ids) > _PROBE_MESSAGES_MOST:
        wanted = set(ids)
        return _changes(conn.execute(
            f"SELECT {_EVENT_COLUMNS} FROM events WHERE at < ?"
            f" AND action IN {REPORT_ACTIONS_SQL} AND action = 'conversation.status'",
            (since * 1000,)), wanted)
    out: list[ChangeFact] = []
    for start in range(0, len(ids), _CHUNK):
        targets = [f"conversation:{i}" for i in ids[start:start + _CHUNK]]
        out.extend(_changes(conn.execute(
            f"SELECT {_EVENT_COLUMNS} FROM events INDEXED BY events_target WHERE target IN"
            f" ({','.join('?' * len(targets))}) AND at < ?"
            " AND action = 'conversation.status'", [*targets, since * 1000])))
    return out


def _survivors(conn: sqlite3.Connection) -> dict[int, int]:
    """Merged-away conversation -> the live one it ended up in (following chains)."""
    parent = {int(a): int(b) for a, b in conn.execute(
        "SELECT id, merged_into FROM conversations WHERE merged_into IS NOT NULL")}
    out: dict[int, int] = {}
    for start in parent:
        root, seen = start, 0
        while root in parent and seen <= len(parent):
            root, seen = parent[root], seen + 1
        out[start] = root
    return out


def _authors(conn: sqlite3.Connection, messages: Sequence[MessageFact]) -> dict[int, str]:
    """Who wrote each reply we sent (the outbox records the message it stored); replies
    that came in through the Sent folder have no author here."""
    outbound = [m for m in messages if m.direction == "out"]
    if not outbound:
        return {}
    start = (min(m.at for m in outbound) - 86400) * 1000
    return {int(message): str(author) for message, author in conn.execute(
        f"SELECT {SENT_MESSAGE}, {SENT_AUTHOR} FROM events INDEXED BY events_sent"
        " WHERE at >= ? AND action = 'outbox.sent'", (start,))
        if message is not None and author is not None}
