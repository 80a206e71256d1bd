"""Teams and away: the facts the team chooser reads and the marks it leaves. SQL only."""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from typing import TYPE_CHECKING

from cxinbox.store import records
from cxinbox.store.dialect import dialect_of

if TYPE_CHECKING:
    from cxinbox.store.records import (
        AwayRecord,
    )


def away(conn: sqlite3.Connection) -> list[AwayRecord]:
    """Everyone marked away, oldest first."""
    return [records.AwayRecord(*r) for r in conn.execute(
        "SELECT os_user, since, set_by FROM staff_away ORDER BY since, os_user")]


def set_away(conn: sqlite3.Connection, os_user: str, is_away: bool, at: int,
             set_by: str) -> bool:
    """Mark or clear; True when that changed anything (away twice is one change)."""
    if is_away:
        cur = conn.execute("INSERT INTO staff_away (os_user, since, set_by) VALUES (?, ?, ?)"
                           " ON CONFLICT (os_user) DO NOTHING", (os_user, at, set_by))
    else:
        cur = conn.execute("DELETE FROM staff_away WHERE os_user = ?", (os_user,))
    return cur.rowcount > 0


def open_counts(conn: sqlite3.Connection, users: Sequence[str]) -> dict[str, int]:
    """Open (status open) live conversations held by each of `users`; absent means none."""
    if not users:
        return {}
    marks = ", ".join("?" for _ in users)
    return {r[0]: r[1] for r in conn.execute(
        "SELECT assignee, count(*) FROM conversations"
        f"{dialect_of(conn).indexed_by('conversations_by_assignee')}"
        f" WHERE assignee IN ({marks}) AND status = 'open' AND merged_into IS NULL"
        " GROUP BY assignee", list(users))}


def cursor(conn: sqlite3.Connection, team: str) -> str | None:
    row = conn.execute("SELECT last_member FROM team_cursors WHERE team = ?",
                       (team,)).fetchone()
    return None if row is None else str(row[0])


def set_cursor(conn: sqlite3.Connection, team: str, member: str, at: int) -> None:
    conn.execute("INSERT INTO team_cursors (team, last_member, at) VALUES (?, ?, ?)"
                 " ON CONFLICT (team) DO UPDATE SET last_member = excluded.last_member,"
                 " at = excluded.at", (team, member, at))


def set_conversation_team(conn: sqlite3.Connection, conv_id: int, team: str | None,
                          at: int) -> None:
    if team is None:
        conn.execute("DELETE FROM conversation_teams WHERE conversation_id = ?", (conv_id,))
        return
    conn.execute("INSERT INTO conversation_teams (conversation_id, team, at) VALUES (?, ?, ?)"
                 " ON CONFLICT (conversation_id) DO UPDATE SET team = excluded.team,"
                 " at = excluded.at", (conv_id, team, at))


def teams_of(conn: sqlite3.Connection, conv_ids: Sequence[int]) -> dict[int, str]:
    """The team each of `conv_ids` was last given to (those given to none are left out)."""
    found: dict[int, str] = {}
    for at in range(0, len(conv_ids), 500):
        chunk = list(conv_ids[at:at + 500])
        marks = ", ".join("?" for _ in chunk)
        found.update((int(r[0]), str(r[1])) for r in conn.execute(
            "SELECT conversation_id, team FROM conversation_teams"
            f" WHERE conversation_id IN ({marks})", chunk))
    return found


def red_flags_unheld(conn: sqlite3.Connection) -> list[int]:
    """The conversations with an open red flag (store/triage.py's OPEN_SQL) that nobody
    holds and that are not closed: what the red-flag round (service/redflag_routing.py)
    looks at every few seconds. Read in the order of the open flags' partial index
    (store/schema_flag_order.py), which both planners then walk alone: a few rows, where
    the query language's `is:red-flag assignee:none` walked every unassigned conversation."""
    return [int(r[0]) for r in conn.execute(
        "SELECT id, assignee, status FROM conversations"
        " WHERE red_flag IS NOT NULL AND merged_into IS NULL"
        " ORDER BY last_message_at, id") if r[1] is None and r[2] != "closed"]


def open_held_by(conn: sqlite3.Connection, os_user: str) -> list[tuple[int, str | None]]:
    """(conversation, the team it came through or None) for each open conversation the
    person holds, oldest first: what going away hands back."""
    return [(int(r[0]), r[1]) for r in conn.execute(
        "SELECT c.id, t.team FROM conversations c"
        " LEFT JOIN conversation_teams t ON t.conversation_id = c.id"
        " WHERE c.assignee = ? AND c.status = 'open' AND c.merged_into IS NULL"
        " ORDER BY c.id", (os_user,))]
