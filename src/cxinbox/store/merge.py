"""Merging two conversations and splitting messages out of one. SQL only; no policy.

Both move rows (messages, notes, tags, thread ids) and then recompute the columns a
conversation derives from its messages, exactly as ingest would have set them had the
messages arrived in their new home: counts, first/last times, who it is from, the
participants used by subject threading, and a dirty SLA mark.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from cxinbox.store import records
from cxinbox.store.dialect import inserted_id
from cxinbox.store.schema_received import clock_sql

if TYPE_CHECKING:
    from cxinbox.store.records import (
        MergeCounts,
        SplitPlan,
    )

_CLOCK = clock_sql("m")  # a message's time on its conversation's clock (migration 28)

def _addresses_of(rows: Iterable[Sequence[Any]]) -> set[str]:
    """Every address the rows (from_addr, to_addrs, cc_addrs, ...) mention, lowercased."""
    found: set[str] = set()
    for from_addr, to_addrs, cc_addrs, *_ in rows:
        if from_addr:
            found.add(str(from_addr).lower())
        for raw in (to_addrs, cc_addrs):
            try:
                pairs = json.loads(raw or "[]")
            except ValueError:
                continue
            found.update(str(p[1]).lower() for p in pairs if len(p) > 1 and p[1])
    return found


def _participants(conn: sqlite3.Connection, conv_id: int) -> list[str]:
    row = conn.execute("SELECT participants FROM conversations WHERE id = ?",
                       (conv_id,)).fetchone()
    return str(row[0]).split() if row else []


def recompute(conn: sqlite3.Connection, conv_id: int,
              candidates: Iterable[str] | Callable[[], Iterable[str]]) -> None:
    """Recompute a conversation's derived columns from the messages it now holds.

    `candidates` are the participant addresses it may keep (the old lists, which already
    leave out the clinic's own addresses); those that no message mentions any more drop out.
    Given as a function, they are asked for after the messages' read is sent (a read of
    the caller's own then travels with it: on PostgreSQL one round trip for both).

    The messages are read once, oldest first (their addresses, the first patient's
    sender, the first subject): three reads were three round trips on PostgreSQL, and a
    rehearsal (`rules test`) recomputes every conversation whose later mail it hides.
    """
    cursor = conn.execute("SELECT from_addr, to_addrs, cc_addrs, direction, from_name,"
                          " subject FROM messages WHERE conversation_id = ?"
                          " ORDER BY date, id", (conv_id,))
    if callable(candidates):
        candidates = candidates()
    rows = cursor.fetchall()
    present = _addresses_of(rows)
    people: list[str] = []
    for address in candidates:
        if address in present and address not in people:
            people.append(address)
    conn.execute(
        "UPDATE conversations SET"
        " message_count = (SELECT count(*) FROM messages m WHERE m.conversation_id = :id"
        "   AND m.gone_at IS NULL),"
        " unread_count = (SELECT count(*) FROM messages m WHERE m.conversation_id = :id"
        "   AND m.gone_at IS NULL AND m.seen = 0 AND m.direction = 'in'),"
        " has_attachment = coalesce((SELECT max(m.has_attachment) FROM messages m"
        "   WHERE m.conversation_id = :id AND m.gone_at IS NULL), 0),"
        f" created_at = coalesce((SELECT min({_CLOCK}) FROM messages m"
        "   WHERE m.conversation_id = :id), created_at),"
        f" last_message_at = coalesce((SELECT max({_CLOCK}) FROM messages m"
        "   WHERE m.conversation_id = :id), last_message_at),"
        f" last_inbound_at = (SELECT max({_CLOCK}) FROM messages m"
        "   WHERE m.conversation_id = :id AND m.direction = 'in'),"
        " first_response_at = (SELECT min(m.date) FROM messages m"
        "   WHERE m.conversation_id = :id AND m.direction = 'out'),"
        " last_response_at = (SELECT max(m.date) FROM messages m"
        "   WHERE m.conversation_id = :id AND m.direction = 'out'),"
        " participants = :people, sla_dirty = 1 WHERE id = :id",
        {"id": conv_id, "people": " ".join(people[:50])})
    first_in = next((r for r in rows if r[3] == "in"), None)
    if first_in is not None:
        name, addr = first_in[4], first_in[0]
    else:
        pairs = json.loads(rows[0][1] or "[]") if rows else []
        name, addr = (pairs[0][0], pairs[0][1]) if pairs else (None, None)
    if addr is not None:
        conn.execute("UPDATE conversations SET from_name = ?, from_addr = ? WHERE id = ?",
                     (name, addr, conv_id))
    if rows and rows[0][5]:
        conn.execute("UPDATE conversations SET subject = ? WHERE id = ?", (rows[0][5], conv_id))


def merge(conn: sqlite3.Connection, into_id: int, other_id: int) -> MergeCounts:
    """Move everything of `other_id` into `into_id` (caller's transaction).

    `other_id` stays as a forwarding row (merged_into), so its number still resolves and
    later mail that names one of its messages threads into `into_id` (thread ids move too).
    """
    candidates = _participants(conn, into_id) + _participants(conn, other_id)
    # Every list in order, so the record (kept in the audit trail) is the same bytes
    # whichever backend and plan produced it.
    undo: dict[str, Any] = {
        "messages": _ids(conn, "SELECT id FROM messages WHERE conversation_id = ? ORDER BY id",
                         other_id),
        "notes": _ids(conn, "SELECT id FROM notes WHERE conversation_id = ? ORDER BY id", other_id),
        # Sorted here, not by the database: text collation differs between backends.
        "thread_ids": sorted(str(r[0]) for r in conn.execute(
            "SELECT message_id FROM thread_ids WHERE conversation_id = ?", (other_id,))),
        "forwarded": _ids(conn, "SELECT id FROM conversations WHERE merged_into = ? ORDER BY id",
                          other_id),
        "participants": _participants(conn, other_id),
        # The contact `into` takes from `other` when it had none (None: nothing copied).
        "contact_copied": conn.execute(
            "SELECT o.contact_id FROM conversations i, conversations o"
            " WHERE i.id = ? AND o.id = ? AND i.contact_id IS NULL",
            (into_id, other_id)).fetchone(),
    }
    if undo["contact_copied"] is not None:
        undo["contact_copied"] = undo["contact_copied"][0]
    messages = conn.execute("UPDATE messages SET conversation_id = ? WHERE conversation_id = ?",
                            (into_id, other_id)).rowcount
    notes = conn.execute("UPDATE notes SET conversation_id = ? WHERE conversation_id = ?",
                         (into_id, other_id)).rowcount
    had = {r[0] for r in conn.execute("SELECT tag FROM conversation_tags"
                                      " WHERE conversation_id = ?", (into_id,))}
    theirs = [r[0] for r in conn.execute("SELECT tag FROM conversation_tags"
                                         " WHERE conversation_id = ? ORDER BY tag", (other_id,))]
    conn.executemany("INSERT INTO conversation_tags (conversation_id, tag)"
                     " VALUES (?, ?) ON CONFLICT DO NOTHING", [(into_id, t) for t in theirs])
    conn.execute("DELETE FROM conversation_tags WHERE conversation_id = ?", (other_id,))
    conn.execute("UPDATE thread_ids SET conversation_id = ? WHERE conversation_id = ?",
                 (into_id, other_id))
    conn.execute("UPDATE conversations SET contact_id = (SELECT contact_id FROM conversations"
                 " WHERE id = ?) WHERE id = ? AND contact_id IS NULL", (other_id, into_id))
    # An open red flag comes along (store/triage.py): the patient's words now live in
    # `into`, and no merge may lift a block only a clinician's clear lifts. An unmerge
    # leaves it: both are then flagged until cleared.
    conn.execute("UPDATE conversations SET (red_flag, red_flag_matched, red_flag_message,"
                 " red_flag_at, sla_dirty) = (SELECT o.red_flag, o.red_flag_matched,"
                 " o.red_flag_message, o.red_flag_at, 1 FROM conversations o WHERE o.id = ?)"
                 " WHERE id = ? AND red_flag IS NULL AND EXISTS (SELECT 1 FROM conversations o"
                 " WHERE o.id = ? AND o.red_flag IS NOT NULL)", (other_id, into_id, other_id))
    conn.execute("UPDATE conversations SET merged_into = ? WHERE id = ? OR merged_into = ?",
                 (into_id, other_id, other_id))
    conn.execute("UPDATE conversations SET message_count = 0, unread_count = 0,"
                 " sla_due_at = NULL, sla_at_risk_at = NULL, sla_dirty = 0 WHERE id = ?",
                 (other_id,))
    conn.execute("DELETE FROM sla_escalations WHERE conversation_id = ?", (other_id,))
    recompute(conn, into_id, candidates)
    gained = tuple(t for t in theirs if t not in had)
    undo["tags"] = theirs
    undo["gained"] = list(gained)
    return records.MergeCounts(messages, notes, gained, undo)


def last_merge_record(conn: sqlite3.Connection, into_id: int,
                      other_id: int) -> dict[str, Any] | None:
    """The undo record of the latest merge of `other_id` into `into_id` (from its event)."""
    for (details,) in conn.execute(
            "SELECT details FROM events WHERE target = ? AND action = 'conversation.merge'"
            " ORDER BY seq DESC LIMIT 50", (f"conversation:{into_id}",)):
        try:
            found = json.loads(details)
        except ValueError:
            continue
        if found.get("other") == other_id:
            undo = found.get("undo")
            return undo if isinstance(undo, dict) else None
    return None


def _ids(conn: sqlite3.Connection, sql: str, value: int) -> list[int]:
    return [int(r[0]) for r in conn.execute(sql, (value,))]


def unmerge(conn: sqlite3.Connection, into_id: int, other_id: int,
            undo: Mapping[str, Any]) -> int:
    """Put back what `merge` moved, from the record it returned; returns messages moved.

    What arrived or was written after the merge stays where it is now: new mail and notes
    belong to the conversation staff saw them in.
    """
    def marks(values: Sequence[Any]) -> str:
        return ",".join("?" * len(values))

    moved = 0
    message_ids = [int(i) for i in undo.get("messages", [])]
    for start in range(0, len(message_ids), 500):
        chunk = message_ids[start:start + 500]
        moved += conn.execute(f"UPDATE messages SET conversation_id = ? WHERE conversation_id = ?"
                              f" AND id IN ({marks(chunk)})", [other_id, into_id, *chunk]).rowcount
    note_ids = [int(i) for i in undo.get("notes", [])]
    for start in range(0, len(note_ids), 500):
        chunk = note_ids[start:start + 500]
        conn.execute(f"UPDATE notes SET conversation_id = ? WHERE conversation_id = ?"
                     f" AND id IN ({marks(chunk)})", [other_id, into_id, *chunk])
    thread = [str(t) for t in undo.get("thread_ids", [])]
    for start in range(0, len(thread), 500):
        names = thread[start:start + 500]
        conn.execute(f"UPDATE thread_ids SET conversation_id = ? WHERE conversation_id = ?"
                     f" AND message_id IN ({marks(names)})", [other_id, into_id, *names])
    conn.executemany("INSERT INTO conversation_tags (conversation_id, tag) VALUES (?, ?)"
                     " ON CONFLICT DO NOTHING", [(other_id, str(t)) for t in undo.get("tags", [])])
    conn.executemany("DELETE FROM conversation_tags WHERE conversation_id = ? AND tag = ?",
                     [(into_id, str(t)) for t in undo.get("gained", [])])
    conn.execute("UPDATE conversations SET merged_into = NULL WHERE id = ?", (other_id,))
    forwarded = [int(i) for i in undo.get("forwarded", [])]
    if forwarded:
        conn.execute(f"UPDATE conversations SET merged_into = ? WHERE merged_into = ?"
                     f" AND id IN ({marks(forwarded)})", [other_id, into_id, *forwarded])
    copied = undo.get("contact_copied")
    if isinstance(copied, int) and not isinstance(copied, bool):
        # Only if it is still the copied one: a contact made or linked since stays.
        conn.execute("UPDATE conversations SET contact_id = NULL WHERE id = ? AND contact_id = ?",
                     (into_id, copied))
    into_people = _participants(conn, into_id)
    recompute(conn, into_id, into_people)
    recompute(conn, other_id, [str(p) for p in undo.get("participants", [])] + into_people)
    return moved


def live_conversation(conn: sqlite3.Connection, conv_id: int) -> int:
    """Follow merged_into forwarding (flattened by `merge`, so at most a hop or two)."""
    for _ in range(16):
        row = conn.execute("SELECT merged_into FROM conversations WHERE id = ?",
                           (conv_id,)).fetchone()
        if row is None or row[0] is None:
            return conv_id
        conv_id = int(row[0])
    return conv_id




_LINKS_MAX = 64
"""Conversations one hand-out can reach through merges, at most (a bound, not a rule:
real chains are a hop or two)."""


def _reach(conv_id: int, step: Any) -> list[int]:
    seen = [conv_id]
    todo = [conv_id]
    while todo and len(seen) < _LINKS_MAX:
        for other in step(todo.pop()):
            if other not in seen:
                seen.append(other)
                todo.append(other)
    return seen


def handout_sources(conn: sqlite3.Connection, conv_id: int) -> list[int]:
    """The conversations whose canned-text hand-outs count for a reply on `conv_id`: itself
    and every conversation merged into it (their messages, and the drafts written from
    them, are now here). A split child and an unmerged conversation need no link: each
    holds a copy of what it read (service/redflags.py `carry_at_split`)."""
    def step(cid: int) -> list[int]:
        return [int(r[0]) for r in conn.execute(
            "SELECT id FROM conversations WHERE merged_into = ? ORDER BY id", (cid,))]
    return _reach(conv_id, step)


def handout_readers(conn: sqlite3.Connection, conv_id: int) -> list[int]:
    """The converse of `handout_sources`: `conv_id` itself and the conversation it is
    merged into."""
    def step(cid: int) -> list[int]:
        row = conn.execute("SELECT merged_into FROM conversations WHERE id = ?",
                           (cid,)).fetchone()
        return [int(row[0])] if row is not None and row[0] is not None else []
    return _reach(conv_id, step)


def plan_split(conn: sqlite3.Connection, message_pk: int) -> SplitPlan | None:
    """The message and every later message that replies to it, directly or down the
    In-Reply-To/References chain; None if there is no such message."""
    start = conn.execute("SELECT id, conversation_id, message_id, date, subject FROM messages"
                         " WHERE id = ?", (message_pk,)).fetchone()
    if start is None:
        return None
    conv = conn.execute("SELECT channel, mailbox, subject FROM conversations WHERE id = ?",
                        (start[1],)).fetchone()
    rows = conn.execute("SELECT id, message_id, in_reply_to, refs, date FROM messages"
                        " WHERE conversation_id = ? ORDER BY date, id", (start[1],)).fetchall()
    moved = {int(start[0])}
    ids = {start[2]} if start[2] else set()
    changed = True
    while changed and ids:
        changed = False
        for pk, mid, parent, refs, date in rows:
            if pk in moved or date < start[3]:
                continue
            named = ({parent} if parent else set()) | set(str(refs or "").split())
            if named & ids:
                moved.add(int(pk))
                if mid:
                    ids.add(mid)
                changed = True
    ordered = tuple(int(r[0]) for r in rows if int(r[0]) in moved)
    return records.SplitPlan(int(start[1]), ordered, str(start[4] or conv[2]), str(conv[0]),
                     str(conv[1]), len(ordered) == len(rows))


def split(conn: sqlite3.Connection, plan: SplitPlan, norm_subject: str) -> int:
    """Carry out `plan`: a new conversation with fresh staff state; returns its id."""
    src = conn.execute("SELECT participants, created_at FROM conversations WHERE id = ?",
                       (plan.source,)).fetchone()
    new_id = inserted_id(conn.execute(
        "INSERT INTO conversations (subject, norm_subject, channel, mailbox, participants,"
        " created_at, last_message_at) VALUES (?, ?, ?, ?, '', ?, ?) RETURNING id",
        (plan.subject, norm_subject, plan.channel, plan.mailbox, src[1], src[1])))
    marks = ",".join("?" * len(plan.message_ids))
    conn.execute(f"UPDATE messages SET conversation_id = ? WHERE id IN ({marks})",
                 [new_id, *plan.message_ids])
    conn.execute(
        "UPDATE thread_ids SET conversation_id = ? WHERE message_id IN"
        f" (SELECT message_id FROM messages WHERE id IN ({marks}) AND message_id IS NOT NULL)",
        [new_id, *plan.message_ids])
    candidates = str(src[0]).split()
    recompute(conn, plan.source, candidates)
    recompute(conn, new_id, candidates)
    return new_id


def message_conversations(conn: sqlite3.Connection, ids: Sequence[int]) -> dict[int, int]:
    marks = ",".join("?" * len(ids))
    return {int(r[0]): int(r[1]) for r in conn.execute(
        f"SELECT id, conversation_id FROM messages WHERE id IN ({marks})", list(ids))}
