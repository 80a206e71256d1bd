"""A narrowed search's page on PostgreSQL when its count may stop early (`count_up_to`):
walked in the list's order, or found whole through the indexes, whichever costs less.

A search narrowed by a subquery (text, from:, a number, to:, tag:; see
`narrowed_by_subquery`) is listed by conversations.list_page as SQLite lists it: every
match found through its index, counted and sorted. At a million conversations a common
term matches a hundred thousand of them, and finding them all is the cost: "refill" took
2 s, `from:garcia` 4.7 s, for a page of 100 and a count shown as "at least". Walking the
list's order instead and testing each conversation in turn (the condition's per-row form,
store/pg/query.py PerRowDialect) finds the first few hundred matches of such a term after
a few thousand conversations, and stops there; but a rare term would be walked through the
whole inbox. So the walk is taken only when the planner's estimate of the matches says it
ends soon (`_WALK_AT_MOST` conversations for `count_up_to` matches), and even then it
stops after a window of the list; a walk that does not reach `count_up_to` matches in its
window leaves the search to the indexes, counted exactly (and capped).

A search that requires one status as a whole term (`status:open tag:billing`, the TUI's
tag view; `status_term` reads it from the parsed query) walks only the conversations of
that status, by the status index in the list's order, and its estimate divides by them:
at a million conversations, 200
open matches of a tag on 7.5% of the inbox lie within 2,700 open conversations, where
divided by all conversations the estimate said 13,000 and the walk was refused (every
one of the tag's 15,000 open matches found and counted, 210 ms).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any, Final

from cxinbox.domain.query import And, Field, Node
from cxinbox.store import conversations as convs
from cxinbox.store.query_sql import narrowed_by_subquery
from cxinbox.store.records import ConversationRecord
from cxinbox.store.triage import OPEN_SQL

_WALK_AT_MOST: Final = 10_000
"""Conversations a walk is expected to test at most (from the estimate), or the indexes
find the matches instead. A test is a few microseconds to a few tens under load."""

_WINDOW: Final = 3
"""A walk stops after this many times the conversations it was expected to test (the
estimate may be off), and at most after `_WINDOW * _WALK_AT_MOST`."""

_WALKED_ORDERS: Final = frozenset({"newest", "oldest", "due"})
"""Orders with an index over all live conversations to walk (conversations_by_last,
conversations_by_due); `priority` has one only under a status."""


def status_term(node: Node) -> str | None:
    """The status a parsed query requires as one of its top-level terms (`status:X` joined
    by AND to the rest, within nested groups of AND too), or None: the value its compiled
    `c.status = ?` is bound to (store/query_sql.py), read from the query, not its SQL."""
    if isinstance(node, Field):
        return node.value.lower() if node.name == "status" else None
    if isinstance(node, And):
        for child in node.nodes:
            found = status_term(child)
            if found is not None:
                return found
    return None


def estimated_matches(conn: Any, where: str, params: Sequence[object],
                      status: object | None = None) -> tuple[float, float]:
    """The planner's estimate of the live conversations `where` selects, and of all live
    conversations (of `status` only, when given: those a walk by status tests). A word typed bare is a prefix, whose matches PostgreSQL estimates at a
    flat 2%; the word itself it estimates from the column's statistics, and the prefix
    matches at least what the word does, so the estimate reads each text term as a whole
    word (its prefix flag, the only boolean parameter the compiler writes, false)."""
    words = [False if value is True else value for value in params]
    # Both sent before either is read: in the service's pipelined reads, one round trip.
    planned = conn.execute(
        "EXPLAIN (FORMAT JSON) SELECT 1 FROM conversations c WHERE c.merged_into IS NULL"
        f" AND ({where})", words, prepare=False)
    if status is None:
        counted = conn.execute("SELECT reltuples FROM pg_class"
                               " WHERE oid = 'conversations'::regclass")
    else:
        counted = conn.execute("EXPLAIN (FORMAT JSON) SELECT 1 FROM conversations c"
                               " WHERE c.merged_into IS NULL AND c.status = ?", [status],
                               prepare=False)
    return _planned_rows(planned.fetchone()[0]), (
        float(counted.fetchone()[0]) if status is None
        else _planned_rows(counted.fetchone()[0]))


def _planned_rows(plan: Any) -> float:
    plan = json.loads(plan) if isinstance(plan, str) else plan
    return float(plan[0]["Plan"]["Plan Rows"])


def list_page(conn: Any, where: str, params: Sequence[object], per_row: str | None,
              per_row_params: Sequence[object], offset: int, limit: int, order: str,
              count_up_to: int | None, *, red_flags_first: bool = False,
              status: str | None = None) -> tuple[list[ConversationRecord], int]:
    """conversations.list_page for PostgreSQL, with the walk above for a narrowed search
    whose count stops at `count_up_to` and whose page lies within it (`status`: the one
    the query requires as a whole term, `status_term`, walked alone)."""
    walkable = (per_row is not None and count_up_to is not None
                and order in _WALKED_ORDERS and offset + limit <= count_up_to
                and narrowed_by_subquery(where))
    if not walkable:
        return convs.list_page(conn, where, params, offset, limit, order, count_up_to,
                               red_flags_first=red_flags_first)
    assert per_row is not None and count_up_to is not None
    # The open flags' matches (few, from their own index) go out with the estimate's
    # statements: one round trip for both in the service's pipelined reads.
    flagged = _flagged_sent(conn, per_row, per_row_params) if red_flags_first else None
    matches, everything = estimated_matches(conn, where, params, status)
    expected = count_up_to * max(everything, 1.0) / max(matches, 1.0)
    if expected <= _WALK_AT_MOST:
        window = int(min(_WINDOW * expected, _WINDOW * _WALK_AT_MOST)) + count_up_to
        found = (_walk(conn, per_row, per_row_params, offset, limit, order, count_up_to, window,
                       status)
                 if flagged is None else
                 _walk_flags_first(conn, flagged, per_row, per_row_params, offset, limit,
                                   order, count_up_to, window, status))
        if found is not None:
            return found
    # Few matches (or a walk that found fewer than count_up_to): all of them, sorted.
    rows, total = convs.list_page(conn, where, params, offset, limit, order,
                                  red_flags_first=red_flags_first)
    return rows, min(total, count_up_to)


def _flagged_sent(conn: Any, per_row: str, params: Sequence[object]) -> Any:
    """The statement reading the matches with an open red flag, sent; the cursor."""
    return conn.execute(f"SELECT {convs.LIST_COLUMNS} FROM conversations c WHERE {OPEN_SQL}"
                        f" AND c.merged_into IS NULL AND ({per_row})", list(params))


def _walk_flags_first(conn: Any, sent: Any, per_row: str, params: Sequence[object],
                      offset: int, limit: int, order: str, count_up_to: int, window: int,
                      status: object | None = None,
                      ) -> tuple[list[ConversationRecord], int] | None:
    """`_walk` with the matches that have an open red flag first (each part in `order`):
    the few open flags of the inbox, tested per row from their own index (`sent`, the
    cursor of `_flagged_sent`), then the walk over the others."""
    sort = convs.PORTABLE_ORDERS[order]
    flagged = [ConversationRecord(*r) for r in sent.fetchall()]
    flagged.sort(key=sort.key, reverse=sort.reverse)
    if len(flagged) >= count_up_to:
        return None  # a rare inbox: left to the indexes
    head = flagged[offset:offset + limit]
    rest = _walk(conn, f"NOT ({OPEN_SQL}) AND ({per_row})", params,
                 max(0, offset - len(flagged)), limit - len(head), order,
                 count_up_to - len(flagged), window, status)
    if rest is None:
        return None
    return head + rest[0], count_up_to


def _walk(conn: Any, per_row: str, params: Sequence[object], offset: int, limit: int,
          order: str, count_up_to: int, window: int, status: object | None = None,
          ) -> tuple[list[ConversationRecord], int] | None:
    """The first `count_up_to` matches in list order among the first `window` live
    conversations (of `status` only, when given), and the page's rows, in one statement;
    None when fewer matched there (the count could then not say "at least count_up_to")."""
    sort = convs.PORTABLE_ORDERS[order]
    by_status = "" if status is None else " AND c.status = ?"
    rows, found = convs.counted_records(conn.execute(
        f"WITH hits AS MATERIALIZED (SELECT {sort.hit_columns}"
        f" FROM (SELECT * FROM conversations c WHERE c.merged_into IS NULL{by_status}"
        f" ORDER BY {sort.table} LIMIT ?) AS c"
        f" WHERE ({per_row}) ORDER BY {sort.table} LIMIT ?) "
        + convs.with_count("SELECT count(*) FROM hits",
                           f"SELECT {convs.LIST_COLUMNS} FROM (SELECT id FROM hits"
                           f" ORDER BY {sort.hits} LIMIT ? OFFSET ?) AS p"
                           " JOIN conversations c ON c.id = p.id"),
        [*([] if status is None else [status]), window, *params, count_up_to, limit, offset],
    ).fetchall())
    if found < count_up_to:
        return None
    rows.sort(key=sort.key, reverse=sort.reverse)
    return rows, count_up_to
