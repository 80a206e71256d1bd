"""What the SLA monitor has escalated, per conversation. SQL only.

The row is written in the same transaction as the escalation's event, so an escalation
happens once per transition even across restarts of the server.
"""

from __future__ import annotations

import sqlite3
from typing import TYPE_CHECKING

from cxinbox.store import records
from cxinbox.store.dialect import dialect_of
from cxinbox.store.records import OUTBOUND_FOLDER
from cxinbox.store.schema_received import clock_sql

if TYPE_CHECKING:
    from cxinbox.store.records import (
        EscalationCandidate,
    )


def candidates(conn: sqlite3.Connection, now: int) -> list[EscalationCandidate]:
    """Running SLAs that are at risk or breached at `now`, with what was last escalated.

    Due times are stored (see service/sla.py), so this is a scan of the running ones only.
    """
    return [records.EscalationCandidate(
        r[0], r[1], r[2], r[3], r[4], r[5], r[6], r[7], r[8], r[9],
        arm_of(r[4], r[7], (r[10] or 0) if r[11] else None), str(r[12] or "email"),
        str(r[13] or ""), str(r[14] or ""), bool(r[15])) for r in conn.execute(
        "SELECT c.id, c.subject, c.assignee, c.sla_policy, c.sla_target, c.sla_due_at,"
        " c.sla_at_risk_at, c.last_inbound_at, e.arm AS last_arm, e.level AS last_level,"
        " c.red_flag_at, c.red_flag IS NOT NULL AS flag_open, c.channel, c.from_name,"
        " c.from_addr,"
        # Backlog: every inbound message from the patient's latest on (the one that
        # started the target) was stored as a first sync's backlog (migration 27), and
        # no staff reply came after it was stored: once the desk has answered, a later
        # target (resolution) is today's work, never the first sync's.
        " (SELECT CASE WHEN min(CASE WHEN b.backlog_at IS NULL THEN 0 ELSE 1 END) = 1"
        "  AND coalesce(c.last_response_at, 0) < max(b.backlog_at) THEN 1 ELSE 0 END"
        "  FROM messages b"
        "  WHERE b.conversation_id = c.id AND b.direction = 'in' AND b.gone_at IS NULL"
        f"  AND {clock_sql('b')} >= coalesce(c.last_inbound_at, 0))"
        f" FROM conversations c{dialect_of(conn).indexed_by('conversations_sla_due')}"
        " LEFT JOIN sla_escalations e ON e.conversation_id = c.id"
        " WHERE c.sla_due_at IS NOT NULL AND c.merged_into IS NULL"
        " AND c.status NOT IN ('pending', 'snoozed', 'closed')"
        " AND (c.sla_due_at <= ? OR (c.sla_at_risk_at IS NOT NULL AND c.sla_at_risk_at <= ?))"
        # Leave out what was already escalated at this level for this same arm (see arm_of).
        f" AND NOT (e.arm IS NOT NULL AND (e.arm = {ARM_SQL} OR (c.red_flag IS NULL"
        f"   AND substr(e.arm, 1, length({_BASE_SQL}) + 1) = {_BASE_SQL} || '!'))"
        "   AND e.level >= CASE WHEN c.sla_due_at <= ? THEN 2 ELSE 1 END)"
        " ORDER BY c.sla_due_at, c.id", (now, now, now))]


_BASE_SQL = "(coalesce(c.sla_target, '') || '@' || coalesce(c.last_inbound_at, 0))"
ARM_SQL = (f"({_BASE_SQL} || CASE WHEN c.red_flag IS NOT NULL"
           " THEN '!' || coalesce(c.red_flag_at, 0) ELSE '' END)")
"""`arm_of` in SQL, on `conversations c`."""


def arm_of(target: str | None, last_inbound_at: int | None,
           flag_raised_at: int | None = None) -> str:
    """The running target's identity: its name, the patient message that started it and,
    while a red flag is open, when that flag was raised. A raise is an arm of its own: a
    flag cleared and raised again (by a person's tag: no new message), or raised by a tag on
    a conversation whose same target was escalated before, escalates afresh, once per
    level. Must match ARM_SQL."""
    flag = f"!{flag_raised_at or 0}" if flag_raised_at is not None else ""
    return f"{target or ''}@{last_inbound_at or 0}{flag}"


def record(conn: sqlite3.Connection, conv_id: int, arm: str, level: int, at: int) -> None:
    conn.execute("INSERT INTO sla_escalations (conversation_id, arm, level, at)"
                 " VALUES (?, ?, ?, ?) ON CONFLICT (conversation_id) DO UPDATE SET"
                 " arm = excluded.arm, level = excluded.level, at = excluded.at",
                 (conv_id, arm, level, at))


BACKLOG_STALLED_S = 600
"""A first sync whose newest backlog was stored longer ago than this no longer holds the
summary page (a pass that stopped for good, its account removed, must not hold it)."""


def backlog_storing(conn: sqlite3.Connection, now: int) -> bool:
    """Whether a first sync may still be storing backlog (`messages.backlog_at`,
    migration 27), which the summary page waits for: backlog was stored within
    BACKLOG_STALLED_S, and a mailbox folder's first pass has stored mail and not finished
    (`last_sync_at` is set when a pass ends), or a clinic number's first poll has stored
    backlog and not finished (its cursor is written when the poll ends)."""
    recent = now - BACKLOG_STALLED_S
    row = conn.execute("SELECT max(backlog_at) FROM messages"
                       " WHERE backlog_at IS NOT NULL").fetchone()
    if row is None or row[0] is None or int(row[0]) <= recent:
        return False
    # The outbox's own folder (the replies cxinbox sent) is no mailbox folder: no pass of
    # it ever ends.
    if conn.execute("SELECT 1 FROM folders WHERE last_sync_at IS NULL AND last_uid > 0"
                    " AND name <> ? LIMIT 1", (OUTBOUND_FOLDER,)).fetchone() is not None:
        return True
    return conn.execute(
        "SELECT 1 FROM messages m JOIN sms_messages s ON s.message_pk = m.id"
        " WHERE m.backlog_at > ? AND NOT EXISTS (SELECT 1 FROM sms_cursors c"
        "  WHERE c.clinic_number = s.clinic_number AND c.last_poll_at IS NOT NULL)"
        " LIMIT 1", (recent,)).fetchone() is not None
