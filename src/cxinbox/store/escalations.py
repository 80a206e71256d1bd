"""What the SLA monitor has escalated, per conversation. SQL only.

The row is written in the same transaction as the escalation's event, so an escalation
happens once per transition even across restarts of the server.
"""

from __future__ import annotations

import sqlite3

from cxinbox.store.dialect import dialect_of
from cxinbox.store.records import EscalationCandidate


def candidates(conn: sqlite3.Connection, now: int) -> list[EscalationCandidate]:
    """Running SLAs that are at risk or breached at `now`, with what was last escalated.

    Due times are stored (see service/sla.py), so this is a scan of the running ones only.
    """
    return [EscalationCandidate(
        r[0], r[1], r[2], r[3], r[4], r[5], r[6], r[7], r[8], r[9], arm_of(r[4], r[7])) for r in conn.execute(
        "SELECT c.id, c.subject, c.assignee, c.sla_policy, c.sla_target, c.sla_due_at,"
        " c.sla_at_risk_at, c.last_inbound_at, e.arm AS last_arm, e.level AS last_level"
        f" FROM conversations c{dialect_of(conn).indexed_by('conversations_sla_due')}"
        " LEFT JOIN sla_escalations e ON e.conversation_id = c.id"
        " WHERE c.sla_due_at IS NOT NULL AND c.merged_into IS NULL"
        " AND c.status NOT IN ('pending', 'snoozed', 'closed')"
        " AND (c.sla_due_at <= ? OR (c.sla_at_risk_at IS NOT NULL AND c.sla_at_risk_at <= ?))"
        # Leave out what was already escalated at this level for this same arm (see arm_of).
        " AND NOT (e.arm IS NOT NULL AND e.arm = (coalesce(c.sla_target, '') || '@'"
        "   || coalesce(c.last_inbound_at, 0))"
        "   AND e.level >= CASE WHEN c.sla_due_at <= ? THEN 2 ELSE 1 END)"
        " ORDER BY c.sla_due_at, c.id", (now, now, now))]


def arm_of(target: str | None, last_inbound_at: int | None) -> str:
    """The running target's identity: its name and the patient message that started it.
    Must match the expression in `candidates`."""
    return f"{target or ''}@{last_inbound_at or 0}"


def record(conn: sqlite3.Connection, conv_id: int, arm: str, level: int, at: int) -> None:
    conn.execute("INSERT INTO sla_escalations (conversation_id, arm, level, at)"
                 " VALUES (?, ?, ?, ?) ON CONFLICT (conversation_id) DO UPDATE SET"
                 " arm = excluded.arm, level = excluded.level, at = excluded.at",
                 (conv_id, arm, level, at))
