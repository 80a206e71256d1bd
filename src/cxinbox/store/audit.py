"""The event table read as an audit trail, and many events appended at once. SQL only.

`append_events` exists for bulk staff actions: one event per conversation is the audit
contract, and calling `append_event` 50,000 times would pay a SELECT for the chain head and
a separate INSERT each time. It reads the head once, hashes in Python with the very same
function as `append_event` (so `verify_event_chain` cannot tell the two apart) and inserts
with one `executemany`.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

from cxinbox.store import records
from cxinbox.store.db import encode_event_details, event_hash, now_ms
from cxinbox.store.dialect import dialect_of
from cxinbox.store.records import EventSpec

if TYPE_CHECKING:
    from cxinbox.store.records import (
        EventRecord,
    )


def append_events(conn: sqlite3.Connection, actor: str, events: Sequence[EventSpec], *,
                  at: Callable[[], int] | None = None) -> list[int]:
    """Append hash-chained events in order inside the caller's write transaction.

    Must run inside `Database.write()`: the chain head read here stays the head only while
    the write lock and transaction are held. Returns the new sequence numbers.

    The time is read once the chain is locked, as `append_event` reads it, so `at` never
    goes back as `seq` grows. `at` is a clock (epoch ms) for a caller that keeps its own
    (retention's schedule); it is called then too, never before the lock: a time read
    before it can be older than an event another server appends while this one waits.
    """
    if not events:
        return []
    seq, prev_hash = dialect_of(conn).chain_head(conn)  # see db.append_event
    stamp = now_ms() if at is None else at()
    rows: list[tuple[int, int, str, str, str, str, str, str]] = []
    for action, target, details in events:
        seq += 1
        details_json = encode_event_details(details)
        digest = event_hash(prev_hash, seq, stamp, actor, action, target, details_json)
        rows.append((seq, stamp, actor, action, target, details_json, prev_hash, digest))
        prev_hash = digest
    # On PostgreSQL one statement over one array per column (store/pg/conn.py): a bulk
    # action's thousands of events are one insert, not thousands under the chain's lock.
    conn.executemany(
        "INSERT INTO events (seq, at, actor, action, target, details, prev_hash, hash)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?)", rows)
    dialect_of(conn).announce(conn, seq)
    return [r[0] for r in rows]


def find_events(conn: sqlite3.Connection, *, since_ms: int | None = None,
                actor: str | None = None, target: str | None = None,
                conversations_where: tuple[str, Sequence[object]] | None = None,
                limit: int | None = None, until_ms: int | None = None) -> list[EventRecord]:
    """Events matching every given filter, oldest first; with `limit`, the newest `limit`.
    `since_ms` is inclusive, `until_ms` exclusive: [since, until).

    `conversations_where` is a compiled conversation query (alias `c`): only events whose
    target is one of the matching conversations are returned.
    """
    clauses: list[str] = []
    params: list[object] = []
    if since_ms is not None:
        clauses.append("e.at >= ?")
        params.append(since_ms)
    if until_ms is not None:
        clauses.append("e.at < ?")
        params.append(until_ms)
    if actor is not None:
        clauses.append("e.actor = ?")
        params.append(actor)
    if target is not None:
        clauses.append("e.target = ?")
        params.append(target)
    if conversations_where is not None:
        where, where_params = conversations_where
        clauses.append("e.target IN (SELECT 'conversation:' || c.id FROM conversations c"
                       f" WHERE ({where}))")
        params.extend(where_params)
    sql = ("SELECT e.seq, e.at, e.actor, e.action, e.target, e.details FROM events e"
           + (" WHERE " + " AND ".join(clauses) if clauses else "") + " ORDER BY e.seq DESC")
    if limit is not None:
        sql += " LIMIT ?"
        params.append(limit)
    rows = [records.EventRecord(*r) for r in conn.execute(sql, params)]
    rows.reverse()
    return rows
