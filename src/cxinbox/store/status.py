"""The stored facts the health report grades: sync checkpoints, the outbox queue, SMS
cursors and the database's size. Cheap reads (indexes and small tables only), since a
monitoring system may ask every minute of every day on a 100k-conversation cache.
"""

from __future__ import annotations

import sqlite3
from typing import TYPE_CHECKING

from cxinbox.store import records

if TYPE_CHECKING:
    from cxinbox.store.records import (
        FolderCheckpoint,
        OutboxCounts,
        SmsCursor,
    )


def folder_checkpoints(conn: sqlite3.Connection) -> list[FolderCheckpoint]:
    return [records.FolderCheckpoint(r[0], r[1], r[2], r[3] is not None) for r in conn.execute(
        "SELECT account, name, last_sync_at, quarantine FROM folders ORDER BY account, name")]


def outbox_counts(conn: sqlite3.Connection, now_ms: int) -> OutboxCounts:
    counts = dict.fromkeys(("queued", "sending", "failed", "unconfirmed"), 0)
    for state, n in conn.execute(
            "SELECT state, count(*) FROM outbox WHERE state IN"
            " ('queued', 'sending', 'failed', 'unconfirmed') GROUP BY state"):
        counts[str(state)] = int(n)
    row = conn.execute("SELECT min(send_after_ms) FROM outbox WHERE state = 'queued'"
                       " AND send_after_ms <= ?", (now_ms,)).fetchone()
    return records.OutboxCounts(counts["queued"], counts["sending"], counts["failed"],
                        counts["unconfirmed"], None if row[0] is None else int(row[0]))


def sms_cursors(conn: sqlite3.Connection) -> list[SmsCursor]:
    return [records.SmsCursor(r[0], r[1]) for r in conn.execute(
        "SELECT clinic_number, last_poll_at FROM sms_cursors ORDER BY clinic_number")]
