"""The kept report facts of migration 19 (store/schema_report_facts.py): bringing the stale
conversations up to date, and reading a window's intervals, pauses and staff counts.

Plain SQL that PostgreSQL reads the same way: no index hints, no JSON functions (a status
event's details are parsed here; the triggers copy what workload counts). A long list of
ids is one bound JSON array, read as the connection's dialect reads one (store/dialect.py).
"""

from __future__ import annotations

import json
import sqlite3
from collections import defaultdict
from collections.abc import Iterable, Sequence
from typing import Any

from cxinbox.domain.reports import (
    ChangeFact,
    KeptBusiness,
    MessageFact,
    Pause,
    RawInterval,
    WorkCount,
    pause_record,
    raw_intervals,
)
from cxinbox.store.dialect import dialect_of
from cxinbox.store.schema_received import clock_sql

_CHUNK = 500
_PROBE_MOST = 3000
"""Above this many conversations, read the small facts table whole instead of probing."""


def has_stale(conn: sqlite3.Connection) -> bool:
    return conn.execute("SELECT 1 FROM report_dirty LIMIT 1").fetchone() is not None


def refresh(conn: sqlite3.Connection, limit: int | None = None) -> int:
    """Recompute every stale conversation's intervals and pauses (inside the caller's write
    transaction), or the first `limit` of them (the server's background catch-up keeps
    each transaction short); returns how many."""
    sql = "SELECT conversation_id FROM report_dirty ORDER BY conversation_id"
    stale = [int(r[0]) for r in conn.execute(
        sql if limit is None else f"{sql} LIMIT ?", () if limit is None else (limit,))]
    for start in range(0, len(stale), _CHUNK):
        _recompute(conn, stale[start:start + _CHUNK])
    return len(stale)


def _marks(n: int) -> str:
    return ",".join("?" * n)


_CLOCK = clock_sql()
"""A message's time in the kept intervals: a patient's message from when it arrived
(migration 28, as the conversation's clock), so a response time is measured from when the
desk could see it; the desk's by its date."""


def _recompute(conn: sqlite3.Connection, ids: list[int]) -> None:
    marks = _marks(len(ids))
    messages: dict[int, list[MessageFact]] = defaultdict(list)
    for row in conn.execute(
            f"SELECT conversation_id, id, direction, {_CLOCK} FROM messages"
            f" WHERE conversation_id IN ({marks}) ORDER BY conversation_id, 4, id", ids):
        messages[int(row[0])].append(MessageFact(int(row[0]), int(row[1]), str(row[2]),
                                                 int(row[3])))
    skip = {int(r[0]) for r in conn.execute(
        "SELECT a.message_pk FROM csat_answers a JOIN messages m ON m.id = a.message_pk"
        f" WHERE a.rating_only = 1 AND m.conversation_id IN ({marks})", ids)}
    outbound = [m.id for ms in messages.values() for m in ms if m.direction == "out"]
    authors: dict[int, str] = {}
    for start in range(0, len(outbound), _CHUNK):
        part = outbound[start:start + _CHUNK]
        authors.update((int(a), str(b)) for a, b in conn.execute(
            f"SELECT message_pk, author FROM report_authors WHERE message_pk IN"
            f" ({_marks(len(part))})", part))
    changes: dict[int, list[ChangeFact]] = defaultdict(list)
    for change in status_changes(conn.execute(
            "SELECT seq, at, actor, target, details FROM events"
            f" WHERE target IN ({marks}) AND action = 'conversation.status' ORDER BY seq",
            [f"conversation:{i}" for i in ids])):
        changes[change.conversation_id].append(change)
    intervals: list[RawInterval] = []
    pauses: list[tuple[int, int, int | None, int | None]] = []
    for cid in ids:
        intervals.extend(raw_intervals(cid, messages.get(cid, ()), changes.get(cid, ()),
                                       authors, skip))
        pauses.extend((cid, *p) for p in pause_record(changes.get(cid, ())))
    conn.execute(f"DELETE FROM report_intervals WHERE conversation_id IN ({marks})", ids)
    conn.execute(f"DELETE FROM report_pauses WHERE conversation_id IN ({marks})", ids)
    conn.executemany("INSERT INTO report_intervals (conversation_id, kind, start_at, end_at,"
                     " staff, dropped) VALUES (?, ?, ?, ?, ?, ?)",
                     [(*i[:5], int(i.dropped)) for i in intervals])
    conn.executemany("INSERT INTO report_pauses (conversation_id, start_at, end_at, woke_at)"
                     " VALUES (?, ?, ?, ?)", pauses)
    conn.execute(f"DELETE FROM report_dirty WHERE conversation_id IN ({marks})", ids)


def status_changes(rows: Iterable[Any]) -> list[ChangeFact]:
    """(seq, at ms, actor, target, details JSON) rows of status events as ChangeFacts."""
    out = []
    for seq, at, actor, target, details in rows:
        number = str(target)[13:]
        if not number.isdigit():
            continue
        d = json.loads(details or "{}")
        before, after, until = d.get("from"), d.get("to"), d.get("from_until")
        out.append(ChangeFact(int(seq), int(at) // 1000, int(number), str(actor), "status",
                              None if before is None else str(before),
                              None if after is None else str(after),
                              until if isinstance(until, int) else None))
    return out


def intervals_in(conn: sqlite3.Connection, since: int, until: int, *, running: bool,
                 quiet_floor: int | None = None, answered: bool = False,
                 leave_out: str | None = None) -> list[RawInterval]:
    """The intervals that end in [since, until); with `running`, also those begun before
    `until` and still running then, except (given `quiet_floor`) the ones begun before the
    floor in a conversation not paused since it: those were over every target before the
    window began (domain/report_tables.py `quiet_floor`). With `answered`, only response
    intervals someone's reply ended (what workload times). `leave_out`: SQL over
    `report_intervals` true for ended intervals not wanted (SLA judged them in SQL)."""
    cols = ("conversation_id, kind, start_at, end_at, staff, dropped, business_s, calendar,"
            " settled_at")
    sql = (f"SELECT {cols} FROM report_intervals WHERE end_at >= ? AND end_at < ?"
           " AND dropped = 0")
    if answered:
        sql += " AND kind != 'resolution' AND staff IS NOT NULL"
    if leave_out is not None:
        sql += f" AND NOT ({leave_out})"
    args: list[object] = [since, until]
    if running:
        still = "(end_at IS NULL OR end_at >= ?) AND start_at < ?"
        if quiet_floor is None:
            sql += f" UNION ALL SELECT {cols} FROM report_intervals WHERE {still}"
            args += [until, until]
        else:
            sql += (f" UNION ALL SELECT {cols} FROM report_intervals WHERE {still}"
                    " AND start_at >= ?"
                    f" UNION ALL SELECT {cols} FROM report_intervals WHERE {still}"
                    " AND start_at < ? AND conversation_id IN (SELECT conversation_id"
                    " FROM report_pauses WHERE end_at IS NULL OR end_at > ? OR woke_at > ?)")
            args += [until, until, quiet_floor, until, until, quiet_floor, quiet_floor,
                     quiet_floor]
    return list(map(RawInterval._make, conn.execute(sql, args)))


def keep_business(conn: sqlite3.Connection, kept: Iterable[KeptBusiness]) -> None:
    """Keep the business times a report measured (domain/reports.py `intervals_until`) on
    their intervals' rows, unless the conversation went stale since: its recompute will
    replace the rows, and the next report measures them again."""
    conn.executemany(
        "UPDATE report_intervals SET business_s = ?, calendar = ?, settled_at = ?"
        " WHERE conversation_id = ? AND kind = ? AND start_at = ? AND end_at = ?"
        " AND dropped = 0 AND NOT EXISTS (SELECT 1 FROM report_dirty d"
        " WHERE d.conversation_id = report_intervals.conversation_id)", list(kept))


def pauses_of(conn: sqlite3.Connection, ids: set[int], since: int) -> dict[int, list[Pause]]:
    """The pauses of these conversations that may overlap anything from `since` on (a
    pause over and recorded before then cannot)."""
    out: dict[int, list[Pause]] = defaultdict(list)
    sql = ("SELECT conversation_id, start_at, end_at, woke_at FROM report_pauses"
           " WHERE (end_at IS NULL OR end_at > ? OR woke_at > ?)")
    rows: list[Any] = []
    if len(ids) > _PROBE_MOST:
        rows = conn.execute(sql, (since, since)).fetchall()
    else:
        wanted = sorted(ids)
        for start in range(0, len(wanted), _CHUNK):
            part = wanted[start:start + _CHUNK]
            rows.extend(conn.execute(f"{sql} AND conversation_id IN ({_marks(len(part))})",
                                     (since, since, *part)).fetchall())
    for cid, s, e, w in rows:
        if cid in ids:
            out[cid].append(Pause(s, e, w))
    for spells in out.values():
        spells.sort(key=lambda p: p.start)
    return out


def work_counts(conn: sqlite3.Connection, since: int, until: int,
                spans: Sequence[tuple[int, int, int]] | None,
                scope: tuple[set[int], bool] | None) -> list[WorkCount]:
    """Staff events of the window (`report_work`) counted per local day (with `spans`,
    from domain/reports.py `offset_spans`; else over the whole window), actor, action and
    new value; with `scope` (ids, leave_out), only those on the ids, or (leave_out) on
    any conversation but them. Grouped in the order of the table's index, so SQLite walks
    it instead of sorting a year of rows (1.0 s -> 0.1 s)."""
    where = ""
    extra: list[object] = []
    if scope is not None:
        ids, negate = scope
        if ids or not negate:
            where = (f" AND conversation_id {'NOT ' if negate else ''}IN"
                     f" ({dialect_of(conn).json_ids})")
            extra.append("[" + ",".join(str(i) for i in sorted(ids)) + "]")
    out: list[WorkCount] = []
    for lo, hi, offset in spans or ((since, until, 0),):
        day = "(at + ?) / 86400" if spans else "NULL"
        day_args: list[object] = [offset] if spans else []
        out.extend(WorkCount(None if row[0] is None else int(row[0]), str(row[1]), str(row[2]),
                             None if row[3] is None else str(row[3]), int(row[4]))
                   for row in conn.execute(
                       f"SELECT {day}, actor, action, after, count(*) FROM report_work"
                       f" WHERE at >= ? AND at < ?{where} GROUP BY action, actor, after, 1",
                       [*day_args, lo, hi, *extra]))
    return out


def survivors(conn: sqlite3.Connection) -> dict[int, int]:
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

