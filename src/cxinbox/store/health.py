"""What is wrong with the server's background work right now: one row per problem.

A worker that is down, or a mailbox whose sign-in expired, must never be silent
(issue: accounts and workers). The row is the current state, read by every client's
status line and by `doctor`; the `health.alert` / `health.ok` events are its history and
what wakes clients. Messages are written by our own code (never patient text).
"""

from __future__ import annotations

import sqlite3

from cxinbox.store.records import AlertRecord

MIGRATION_HEALTH = """
CREATE TABLE alerts (
    key      TEXT PRIMARY KEY,         -- "account:billing", "worker:sms poll"
    severity TEXT NOT NULL,            -- "error" (stopped) | "warning" (still working)
    message  TEXT NOT NULL,            -- one line for staff, naming who must do what
    since    INTEGER NOT NULL          -- epoch ms of the first report
) WITHOUT ROWID;
"""


AlertRow = AlertRecord


def current(conn: sqlite3.Connection) -> list[AlertRow]:
    return [AlertRow(r[0], r[1], r[2], r[3]) for r in conn.execute(
        "SELECT key, severity, message, since FROM alerts ORDER BY severity, since, key")]


def get(conn: sqlite3.Connection, key: str) -> AlertRow | None:
    r = conn.execute("SELECT key, severity, message, since FROM alerts WHERE key = ?",
                     (key,)).fetchone()
    return AlertRow(r[0], r[1], r[2], r[3]) if r else None


def put(conn: sqlite3.Connection, key: str, severity: str, message: str, since: int) -> None:
    conn.execute("INSERT INTO alerts (key, severity, message, since) VALUES (?, ?, ?, ?)"
                 " ON CONFLICT (key) DO UPDATE SET severity = excluded.severity,"
                 " message = excluded.message", (key, severity, message, since))


def clear(conn: sqlite3.Connection, key: str) -> bool:
    return conn.execute("DELETE FROM alerts WHERE key = ?", (key,)).rowcount > 0


def clear_all(conn: sqlite3.Connection) -> list[str]:
    """A server starting up forgets its predecessor's problems; its workers re-report."""
    keys = [r[0] for r in conn.execute("SELECT key FROM alerts")]
    conn.execute("DELETE FROM alerts")
    return keys
