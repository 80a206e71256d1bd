"""SQL for the rules engine: what arrived in a batch, the acknowledgement ledger, pinned SLA
policies, and the past triggers `cxinbox rules test` replays.

Every function runs inside the caller's transaction (the ingest's, for the arrival ones).
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Sequence

from cxinbox.store.records import ArrivalRecord


def max_message_pk(conn: sqlite3.Connection) -> int:
    return int(conn.execute("SELECT coalesce(max(id), 0) FROM messages").fetchone()[0])


def arrivals_after(conn: sqlite3.Connection, message_pk: int) -> list[ArrivalRecord]:
    """Per conversation, the inbound messages stored after `message_pk`: the newest one, and
    whether the conversation itself is new (none of its messages is older)."""
    rows = conn.execute(
        "SELECT m.conversation_id, max(m.id), min(m.channel),"
        " (SELECT min(x.id) FROM messages x WHERE x.conversation_id = m.conversation_id)"
        " FROM messages m WHERE m.id > ? AND m.direction = 'in' AND m.gone_at IS NULL"
        " GROUP BY m.conversation_id ORDER BY m.conversation_id", (message_pk,)).fetchall()
    return [ArrivalRecord(int(r[0]), int(r[1]), str(r[2]), int(r[3]) > message_pk)
            for r in rows]


def ack_refusal(conn: sqlite3.Connection, conv_id: int, sender: str, day: str) -> str | None:
    """Why no acknowledgement may go (one already went to this conversation, or to this
    sender today), or None."""
    if conn.execute("SELECT 1 FROM rule_acks WHERE conversation_id = ?", (conv_id,)).fetchone():
        return "already acknowledged"
    if conn.execute("SELECT 1 FROM rule_acks WHERE sender = ? AND day = ?",
                    (sender, day)).fetchone():
        return "sender acknowledged today"
    return None


def record_ack(conn: sqlite3.Connection, conv_id: int, sender: str, day: str, rule: str,
               outbox_id: int, at: int) -> None:
    conn.execute("INSERT INTO rule_acks (conversation_id, sender, day, rule, outbox_id, at)"
                 " VALUES (?, ?, ?, ?, ?, ?)", (conv_id, sender, day, rule, outbox_id, at))


def is_acknowledgement(conn: sqlite3.Connection, conv_id: int, outbox_id: int) -> bool:
    """Whether the ledger's acknowledgement of `conv_id` is outbox item `outbox_id`."""
    row = conn.execute("SELECT outbox_id FROM rule_acks WHERE conversation_id = ?",
                       (conv_id,)).fetchone()
    return row is not None and row[0] == outbox_id


def pin_sla_policy(conn: sqlite3.Connection, conv_id: int, policy: str, rule: str,
                   at: int) -> None:
    conn.execute("INSERT INTO rule_sla_pins (conversation_id, policy, rule, at)"
                 " VALUES (?, ?, ?, ?) ON CONFLICT (conversation_id) DO UPDATE SET"
                 " policy = excluded.policy, rule = excluded.rule, at = excluded.at",
                 (conv_id, policy, rule, at))
    conn.execute("UPDATE conversations SET sla_dirty = 1 WHERE id = ?", (conv_id,))


def sla_pins(conn: sqlite3.Connection, ids: Sequence[int]) -> dict[int, str]:
    out: dict[int, str] = {}
    for start in range(0, len(ids), 500):
        chunk = list(ids[start:start + 500])
        marks = ",".join("?" * len(chunk))
        for conv, policy in conn.execute(
                f"SELECT conversation_id, policy FROM rule_sla_pins"
                f" WHERE conversation_id IN ({marks})", chunk):
            out[int(conv)] = str(policy)
    return out


_EVENT_TRIGGERS = {"closed": ("conversation.status", "closed"),
                   "sla-at-risk": ("sla.at_risk", None), "sla-breached": ("sla.breached", None)}


def past_triggers(conn: sqlite3.Connection, trigger: str, since_s: int) -> list[int]:
    """Live conversations `trigger` happened to at or after `since_s`, oldest first."""
    if trigger == "arrival":
        sql = ("SELECT id FROM conversations WHERE created_at >= ? AND merged_into IS NULL"
               " AND EXISTS (SELECT 1 FROM messages m WHERE m.conversation_id = conversations.id"
               " AND m.direction = 'in') ORDER BY created_at, id")
        return [int(r[0]) for r in conn.execute(sql, (since_s,))]
    if trigger == "patient-reply":
        sql = ("SELECT DISTINCT m.conversation_id FROM messages m JOIN conversations c"
               " ON c.id = m.conversation_id WHERE m.direction = 'in' AND m.date >= ?"
               " AND c.merged_into IS NULL AND EXISTS (SELECT 1 FROM messages o"
               " WHERE o.conversation_id = m.conversation_id AND o.id < m.id)"
               " ORDER BY m.conversation_id")
        return [int(r[0]) for r in conn.execute(sql, (since_s,))]
    action, to = _EVENT_TRIGGERS[trigger]
    found: list[int] = []
    for target, details in conn.execute(
            "SELECT target, details FROM events WHERE action = ? AND at >= ? ORDER BY seq",
            (action, since_s * 1000)):
        if to is not None and json.loads(details or "{}").get("to") != to:
            continue
        conv = int(str(target).partition(":")[2] or 0)
        if conv and conv not in found:
            found.append(conv)
    return found
