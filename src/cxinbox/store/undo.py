"""The events an undo refers to, read back. SQL only.

An undo names the event it takes back (`undo_of`); the service reads that event to check
it is the caller's own change of that conversation, and the later changes of the same kind
to see whether someone else has moved the conversation on since.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from cxinbox.store import records

if TYPE_CHECKING:
    from cxinbox.store.records import (
        StoredEvent,
    )


def _event(row: sqlite3.Row | tuple[Any, ...]) -> StoredEvent:
    details = json.loads(row[4] or "{}")
    return records.StoredEvent(int(row[0]), str(row[1]), str(row[2]), str(row[3]),
                       details if isinstance(details, dict) else {})


def event_at(conn: sqlite3.Connection, seq: int) -> StoredEvent | None:
    row = conn.execute("SELECT seq, actor, action, target, details FROM events WHERE seq = ?",
                       (seq,)).fetchone()
    return None if row is None else _event(row)


def later_on_target(conn: sqlite3.Connection, target: str, after: int,
                    actions: Sequence[str]) -> list[StoredEvent]:
    """Events on `target` after `after` whose action is one of `actions`, oldest first."""
    marks = ", ".join("?" for _ in actions)
    rows = conn.execute("SELECT seq, actor, action, target, details FROM events"
                        f" WHERE target = ? AND seq > ? AND action IN ({marks}) ORDER BY seq",
                        (target, after, *actions)).fetchall()
    return [_event(r) for r in rows]


def newest_on_targets(conn: sqlite3.Connection, targets: Sequence[str],
                      action: str) -> dict[str, tuple[StoredEvent, int]]:
    """The newest `action` event on each of `targets` that has one, with its time (epoch
    ms): one read for a page of conversations."""
    found: dict[str, tuple[StoredEvent, int]] = {}
    for at in range(0, len(targets), 500):
        chunk = targets[at:at + 500]
        marks = ", ".join("?" for _ in chunk)
        rows = conn.execute("SELECT seq, actor, action, target, details, at FROM events"
                            f" WHERE target IN ({marks}) AND action = ? ORDER BY seq",
                            (*chunk, action)).fetchall()
        for row in rows:  # oldest first: the newest of each target is kept
            found[str(row[3])] = (_event(row), int(row[5]))
    return found


def note_event_seq(conn: sqlite3.Connection, target: str, note_id: int) -> int | None:
    """The seq of the event that added note `note_id` to the conversation `target`."""
    rows = conn.execute("SELECT seq, details FROM events WHERE target = ?"
                        " AND action = 'conversation.note' ORDER BY seq DESC LIMIT 200",
                        (target,)).fetchall()
    for seq, details in rows:
        parsed = json.loads(details or "{}")
        if isinstance(parsed, dict) and parsed.get("note") == note_id:
            return int(seq)
    return None
