"""Reading what reports are computed from: conversations in scope, their messages, and the
staff and status events of the trail. SQL only; the arithmetic is domain/reports.py.

Events are appended with the time of appending, so `at` grows with `seq` and a time window
is a range of seq found by one backward walk (as `conversations.changed_by` does), never
an index on `at` that every append would pay for.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass, replace

from cxinbox.domain.reports import ChangeFact, ConvFacts, MessageFact

_ACTIONS = ("conversation.status", "conversation.assign", "conversation.note",
            "conversation.tag", "conversation.priority", "conversation.merge",
            "conversation.merged", "conversation.unmerged", "conversation.split", "send")
_MARKS = ", ".join("?" for _ in _ACTIONS)
_CHUNK = 500


@dataclass(frozen=True, slots=True)
class ReportData:
    """Everything one report run reads, in one snapshot."""

    conversations: tuple[ConvFacts, ...]
    messages: tuple[MessageFact, ...]
    changes: tuple[ChangeFact, ...]
    sent_by: dict[int, str]
    absorbed: tuple[ChangeFact, ...] = ()
    """Events on conversations since merged away, under the id of the one that took them
    in: work done (notes, assignments, closing), but not part of that one's own timeline."""


def _seq_before(conn: sqlite3.Connection, at_ms: int) -> int:
    row = conn.execute("SELECT seq FROM events WHERE at < ? ORDER BY seq DESC LIMIT 1",
                       (at_ms,)).fetchone()
    return int(row[0]) if row else 0


def _change(row: tuple[object, ...]) -> ChangeFact | None:
    seq, at, actor, action, target, before, after, before_until = row
    number = str(target).removeprefix("conversation:")
    if not number.isdigit():
        return None
    return ChangeFact(int(str(seq)), int(str(at)) // 1000, int(number), str(actor),
                      str(action).removeprefix("conversation."),
                      None if before is None else str(before),
                      None if after is None else str(after),
                      None if before_until is None else int(str(before_until)))


_EVENT_COLUMNS = ("seq, at, actor, action, target, json_extract(details, '$.from'),"
                  " json_extract(details, '$.to'), json_extract(details, '$.from_until')")


def read_report_data(conn: sqlite3.Connection, where: str, params: Sequence[object],
                     since: int, until: int) -> ReportData:
    """The live conversations matching `where` (SQL over `c`, from the query compiler) that
    matter for [since, until): created before `until` and either not closed now, or with a
    message or a staff/status event since `since`. With their messages before `until`,
    every staff/status event from `since` on, and the status events before it of those that
    already existed (pauses that reach into the window)."""
    floor = _seq_before(conn, since * 1000)
    recent = [c for row in conn.execute(
        f"SELECT {_EVENT_COLUMNS} FROM events WHERE seq > ? AND action IN ({_MARKS})",
        (floor, *_ACTIONS)) if (c := _change(row)) is not None]
    touched = {c.conversation_id for c in recent}
    rows = conn.execute(
        "SELECT c.id, c.created_at, c.channel, c.mailbox, c.status, c.assignee, c.sla_policy,"
        " c.last_message_at FROM conversations c"
        f" WHERE c.merged_into IS NULL AND c.created_at < ? AND ({where})",
        [until, *params]).fetchall()
    keep = [r for r in rows if r[4] != "closed" or r[7] >= since or r[0] in touched]
    ids = [int(r[0]) for r in keep]
    tags = _tags(conn, ids)
    convs = tuple(ConvFacts(int(r[0]), int(r[1]), str(r[2]), str(r[3]), str(r[4]),
                            None if r[5] is None else str(r[5]),
                            None if r[6] is None else str(r[6]), tuple(tags.get(int(r[0]), ())))
                  for r in keep)
    in_scope = set(ids)
    messages = tuple(m for m in _messages(conn, ids, until) if m.conversation_id in in_scope)
    older = [c.id for c in convs if c.created_at < since]
    changes = [c for c in recent if c.conversation_id in in_scope]
    changes.extend(_older_status(conn, older, floor))
    changes.sort(key=lambda c: c.seq)
    survivors = _survivors(conn)
    absorbed = tuple(replace(c, conversation_id=root) for c in recent
                     if (root := survivors.get(c.conversation_id)) is not None
                     and root in in_scope)
    return ReportData(convs, messages, tuple(changes), _authors(conn, floor, messages),
                      absorbed)


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


def _tags(conn: sqlite3.Connection, ids: list[int]) -> dict[int, list[str]]:
    out: dict[int, list[str]] = {}
    if len(ids) > 20_000:  # most of the table: one scan beats many probes
        wanted = set(ids)
        for conv, tag in conn.execute("SELECT conversation_id, tag FROM conversation_tags"):
            if conv in wanted:
                out.setdefault(conv, []).append(tag)
    else:
        for start in range(0, len(ids), _CHUNK):
            chunk = ids[start:start + _CHUNK]
            for conv, tag in conn.execute(
                    "SELECT conversation_id, tag FROM conversation_tags WHERE conversation_id"
                    f" IN ({','.join('?' * len(chunk))})", chunk):
                out.setdefault(conv, []).append(tag)
    for values in out.values():
        values.sort()
    return out


def _messages(conn: sqlite3.Connection, ids: list[int], until: int) -> list[MessageFact]:
    if len(ids) > 20_000:
        return [MessageFact(r[0], r[1], r[2], r[3]) for r in conn.execute(
            "SELECT conversation_id, id, direction, date FROM messages WHERE date < ?",
            (until,))]
    out: list[MessageFact] = []
    for start in range(0, len(ids), _CHUNK):
        chunk = ids[start:start + _CHUNK]
        out.extend(MessageFact(r[0], r[1], r[2], r[3]) for r in conn.execute(
            "SELECT conversation_id, id, direction, date FROM messages"
            f" WHERE conversation_id IN ({','.join('?' * len(chunk))}) AND date < ?",
            [*chunk, until]))
    return out


def _older_status(conn: sqlite3.Connection, ids: list[int], floor: int) -> list[ChangeFact]:
    """Status events up to `floor` of these conversations, by the target index."""
    out: list[ChangeFact] = []
    for start in range(0, len(ids), _CHUNK):
        targets = [f"conversation:{i}" for i in ids[start:start + _CHUNK]]
        for row in conn.execute(
                f"SELECT {_EVENT_COLUMNS} FROM events WHERE target IN"
                f" ({','.join('?' * len(targets))}) AND seq <= ?"
                " AND action = 'conversation.status'", [*targets, floor]):
            change = _change(row)
            if change is not None:
                out.append(change)
    return out


def _authors(conn: sqlite3.Connection, floor: int,
             messages: Sequence[MessageFact]) -> dict[int, str]:
    """Who wrote each reply we sent (the outbox records the message it stored); replies
    that came in through the Sent folder have no author here."""
    if not any(m.direction == "out" for m in messages):
        return {}
    first_out = min(m.at for m in messages if m.direction == "out")
    start = min(floor, _seq_before(conn, first_out * 1000))
    return {int(message): str(author) for message, author in conn.execute(
        "SELECT json_extract(details, '$.message'), json_extract(details, '$.author')"
        " FROM events WHERE seq > ? AND action = 'outbox.sent'", (start,))
        if message is not None and author is not None}
