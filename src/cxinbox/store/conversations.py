"""Reading conversations and writing staff state on them. SQL only; no policy."""

from __future__ import annotations

import sqlite3
from bisect import bisect_left, bisect_right
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from cxinbox.store import records
from cxinbox.store.db import append_event
from cxinbox.store.dialect import dialect_of, inserted_id
from cxinbox.store.query_sql import narrowed_by_subquery, reads_ids_only, reads_status_and_ids
from cxinbox.store.schema_flag_order import FLAGGED_INDEXES
from cxinbox.store.schema_received import clock_sql
from cxinbox.store.schema_search import DUE_KEY, PRIORITY_RANK
from cxinbox.store.triage import OPEN_SQL
from cxinbox.store.unscreened import marks_of_rows, page_sql

if TYPE_CHECKING:
    from cxinbox.store.records import (
        ConversationRecord,
        EventRecord,
        FolderRecord,
        MentionRecord,
        MessageRecord,
        NoteRecord,
        PauseRecord,
        SlaFactsRecord,
        StaffState,
        UnscreenedMark,
    )

PAUSING = ("pending", "snoozed")

_LIST_COLUMNS = (
    "c.id, c.subject, c.channel, c.mailbox, c.status, c.snoozed_until, c.assignee, c.priority,"
    " c.from_name, c.from_addr, c.created_at, c.last_message_at, c.last_inbound_at,"
    " c.first_response_at, c.last_response_at, c.message_count, c.unread_count, c.has_attachment,"
    " c.sla_paused_s, c.sla_paused_since, c.sla_policy, c.sla_target, c.sla_due_at,"
    " c.sla_at_risk_at, c.sla_pause_end, c.contact_id, c.intent, c.intent_confidence,"
    " c.red_flag,"
    " coalesce(c.red_flag_matched, '') AS red_flag_matched, c.language"
)
LIST_COLUMNS = _LIST_COLUMNS
"""The columns of a ConversationRecord over `conversations c`, in its order."""


@dataclass(frozen=True, slots=True)
class _Order:
    """One list order, spelled three ways: over the table (`c`), over the `hits` of a
    narrowed search (which keep only the sort keys they need, `hit_columns`: every extra
    column read per hit showed in a search's time), and as a key for the page's rows."""

    table: str
    hits: str
    key: Callable[[ConversationRecord], tuple[int, ...]]
    reverse: bool
    hit_columns: str = "c.id AS id, c.last_message_at AS at"


_NO_DUE = 9223372036854775807


def _rank(priority: str) -> int:
    return {"urgent": 3, "high": 2, "normal": 1}.get(priority, 0)


ORDERS: dict[str, _Order] = {
    # The indexes of store/schema_perf.py hold this order read backwards, so SQLite walks
    # one of them and stops after a page instead of sorting; `oldest` walks them forwards.
    "newest": _Order("c.last_message_at DESC, c.id DESC", "at DESC, id DESC",
                     lambda r: (int(r.last_message_at), r.id), True),
    "oldest": _Order("c.last_message_at, c.id", "at, id",
                     lambda r: (int(r.last_message_at), r.id), False),
    # Most overdue first; no clock running last (store/schema_search.py's indexes).
    "due": _Order(f"{DUE_KEY}, c.id", "due, id",
                  lambda r: (_NO_DUE if r.sla_due_at is None else int(r.sla_due_at), r.id),
                  False, f"c.id AS id, {DUE_KEY} AS due"),
    "priority": _Order(f"{PRIORITY_RANK} DESC, c.last_message_at DESC, c.id DESC",
                       "rank DESC, at DESC, id DESC",
                       lambda r: (_rank(str(r.priority)), int(r.last_message_at), r.id), True,
                       f"c.id AS id, c.last_message_at AS at, {PRIORITY_RANK} AS rank"),
}
"""The `sort:` values of the query language (domain/query.py) and how to list them."""

PORTABLE_ORDERS: dict[str, _Order] = {
    name: _Order(o.table.replace("ifnull(", "coalesce("), o.hits, o.key, o.reverse,
                 o.hit_columns.replace("ifnull(", "coalesce("))
    for name, o in ORDERS.items()}
"""ORDERS for engines without SQLite's `ifnull` (SQLite's expression indexes are written
with it, so SQLite keeps the spelling its indexes match)."""


FEW_FLAGS = 256
"""Up to this many flagged matches, the rest of a flags-first page is found among the
plain page's rows by the flags' sort keys (`_between_flags`); past it, by the flags' ids
(`_unflagged`). Both read a page's worth of rows; the first tests no entry it skips."""


def list_page(conn: sqlite3.Connection, where: str, params: Sequence[object], offset: int,
              limit: int, order: str = "newest", count_up_to: int | None = None, *,
              red_flags_first: bool = False,
              unflagged: tuple[str, Sequence[object]] | None = None,
              ) -> tuple[list[ConversationRecord], int]:
    """One page of live conversations matching `where`, in `order` (a key of ORDERS), and
    how many match. With `red_flags_first`, those with an open red flag come before all
    others, each part in `order` (domain/query.py says which lists do).

    The flagged part is read a page at a time, however many flags are open: it walks its
    partial index in `order` (store/schema_flag_order.py: open flags only) and stops after
    the page. The rest keeps walking the index the plain order has (store/schema_search.py),
    with no sort of every match, from `offset` minus the number of flagged matches (known
    from the flagged page when the page reaches into the rest; counted only for a page
    wholly past the flags). The total is the plain count (index-only for every view). A
    narrowed search sorts its matches anyway, so it puts the flagged ones first in that
    one statement (`_plain_page`).

    `unflagged`: `where` as it reads with no open red flag (SQLite, for a query with
    red-flag terms: store/query_sql.py `compile_query`). The count is then the flagged
    matches (their partial index) plus the unflagged ones by that condition: view 3's
    `(is:red-flag OR status:open (...))` has no index of its own, and counted whole it
    walked every live conversation, where `status:open (...)` walks the open ones.
    """
    if not red_flags_first:
        return _plain_page(conn, where, params, offset, limit, order, count_up_to=count_up_to)
    if narrowed_by_subquery(where):
        return _plain_page(conn, where, params, offset, limit, order, red_flags_first=True,
                           count_up_to=count_up_to)
    dialect = dialect_of(conn)
    sort = (ORDERS if dialect.index_hints else PORTABLE_ORDERS)[order]
    flagged_from = (f"FROM conversations c{dialect.indexed_by(FLAGGED_INDEXES[order])}"
                    f" WHERE {OPEN_SQL} AND c.merged_into IS NULL AND ({where})")
    # The flagged page, the count and, for a first page where reads are pipelined
    # (`pipelined_reads`: PostgreSQL), the plain rows the rest is taken from are all sent
    # before any is read: one round trip. A first page's rest is always the plain page
    # itself less its flagged rows (`_between_flags` from 0: want + F = limit rows), wasted
    # only when the flags fill the page; SQLite, with no round trips to save, reads it
    # only when needed.
    head_rows = conn.execute(_page_sql(flagged_from, sort), [*params, limit, offset])
    # The count as `_plain_page` makes it: stopped at `count_up_to` on PostgreSQL, exact
    # then capped on SQLite (whose count reads a covering index either way).
    counted = (_count_up_to_sent(conn, _live_where(where), params, count_up_to)
               if dialect.bounded_counts or (count_up_to is None and unflagged is None) else
               _count_sent(conn, _live_where(where), params) if unflagged is None else
               _Counted(_count(conn, flagged_from, params) + _count(
                   conn, f"FROM conversations c WHERE c.merged_into IS NULL"
                         f" AND NOT ({OPEN_SQL}) AND ({unflagged[0]})", unflagged[1])))
    first_rest = (conn.execute(_page_sql(_live_where(where), sort), [*params, limit, 0])
                  if not offset and dialect.pipelined_reads else None)
    head = _in_order([records.ConversationRecord(*r) for r in head_rows], sort)
    total = int(counted.fetchone()[0])
    if count_up_to is not None:
        total = min(total, count_up_to)
    want = limit - len(head)
    if not want:
        return head, total
    # Every flagged match when there are few (the flagged part ends on this page, or a
    # short walk of their index finds them all), else how many there are.
    few: list[ConversationRecord] | None = head if not offset else None
    flags = offset + len(head)
    if offset and (flags <= FEW_FLAGS or not head):
        found = _ordered(conn, flagged_from, params, 0, FEW_FLAGS + 1, sort)
        few = found if len(found) <= FEW_FLAGS else None
    if few is not None:
        flags = len(few)
    elif not head:  # a page wholly past many flags
        flags = _count(conn, f"FROM conversations c"
                             f"{dialect.indexed_by('conversations_red_flag')}"
                             f" WHERE {OPEN_SQL} AND c.merged_into IS NULL AND ({where})",
                       params)
    start = max(0, offset - flags)
    known = start + 1 if count_up_to is not None and total >= count_up_to else total
    if few is not None and flags <= FEW_FLAGS:
        keys = sorted(sort.key(r) for r in few)
        window = None
        if first_rest is not None and start == 0 and want + len(keys) == limit:
            window = (_in_order([records.ConversationRecord(*r) for r in first_rest], sort)
                      if known > 0 else [])
        rest = _between_flags(conn, where, params, start, want, sort, keys, known, window)
    else:
        # The open flags' ids, read once from their partial index (ids only), and each entry
        # of the list's index tested against them by its id: testing `red_flag` itself
        # would read the wide row of every entry walked, `offset` of them on a deep page.
        not_flagged = (f"c.id NOT IN (SELECT f.id FROM conversations f"
                       f"{dialect.indexed_by('conversations_red_flag')}"
                       f" WHERE {OPEN_SQL.replace('c.', 'f.')})")
        rest = _page(conn, _live_where(f"({where}) AND {not_flagged}"), params, start, want,
                     sort, known)
    return head + rest, total


class _Counted:
    """A count already read, answering as the cursor of a count statement would."""

    __slots__ = ("_total",)

    def __init__(self, total: int) -> None:
        self._total = total

    def fetchone(self) -> tuple[int]:
        return (self._total,)


def _between_flags(conn: sqlite3.Connection, where: str, params: Sequence[object],
                   start: int, want: int, sort: _Order, keys: list[tuple[int, ...]],
                   known: int, window: list[ConversationRecord] | None = None,
                   ) -> list[ConversationRecord]:
    """Rows `start` .. `start + want` of the unflagged matches, with few flags (their sort
    `keys`, F of them): row `u` of the rest is plain row `u + b`, where `b` is how many
    flagged rows the plain order puts before it (0 <= b <= F), so the plain rows from `u`
    on, `want + F` of them, hold the page, and each one's place in the rest is found by
    counting the flagged keys before its own. The plain page walks its index and skips
    without reading a row."""
    if window is None:  # else: those plain rows, already read
        window = _page(conn, _live_where(where), params, start, want + len(keys), sort, known)
    rest: list[ConversationRecord] = []
    for place, row in enumerate(window, start=start):
        if row.red_flag is not None:  # a live match with an open flag: the flagged part's
            continue
        key = sort.key(row)
        before = len(keys) - bisect_right(keys, key) if sort.reverse else bisect_left(keys, key)
        if start <= place - before < start + want:
            rest.append(row)
    return rest


def _ordered(conn: sqlite3.Connection, base: str, params: Sequence[object], offset: int,
             limit: int, sort: _Order) -> list[ConversationRecord]:
    """The rows at `offset` of `base` in `sort` order, `limit` of them at most: the ids
    walked on an index in list order, then their full rows."""
    return _in_order([records.ConversationRecord(*r) for r in conn.execute(
        _page_sql(base, sort), [*params, limit, offset])], sort)


def _in_order(rows: list[ConversationRecord], sort: _Order) -> list[ConversationRecord]:
    """A page's rows (read back by id) put in list order (a page, not the matches)."""
    rows.sort(key=sort.key, reverse=sort.reverse)
    return rows


def _plain_page(conn: sqlite3.Connection, where: str, params: Sequence[object], offset: int,
                limit: int, order: str, *, red_flags_first: bool = False,
                count_up_to: int | None = None) -> tuple[list[ConversationRecord], int]:
    """`list_page` without red flags first (a narrowed search takes them first here too:
    its matches are sorted anyway, and a second statement would search a second time).

    With `count_up_to`, the count stops there: a count of `count_up_to` means "at least
    that many", on both engines. On PostgreSQL a view's count then stops reading its index
    after `count_up_to` entries: an exact count is a visit to every match, 70 ms for the
    200,000 open conversations of a million and 250 ms for all of them, where the page
    itself takes under a millisecond; a full-text search walks the list order the same
    way (`_FULL_TEXT_PG`). Elsewhere (SQLite, and other narrowed searches, whose matches
    are all found to sort them anyway) the count is made as below, then capped.

    Two shapes, chosen by what the condition reads:

    - Narrowed by a term that reads another table (text, from:, to:, tag:, mentions:; see
      `narrowed_by_subquery`): the matches are found once, kept with their sort keys,
      counted and sorted, and only the page's rows are read. Evaluating such a condition
      twice (count, then page) was most of the cost of a search.
    - Anything else (every standard view, negated searches): the count reads a covering
      index and never touches table rows; the page walks an index already in the list's
      order, skips `offset` entries there, and only then reads the full rows of the page.
    """
    dialect = dialect_of(conn)
    sort = (ORDERS if dialect.index_hints else PORTABLE_ORDERS)[order]
    base = _live_where(where)
    if count_up_to is not None:
        if dialect.bounded_counts and not red_flags_first and (
                not narrowed_by_subquery(where) or _FULL_TEXT_PG in where):
            return _counted_page_pg(conn, base, params, offset, limit, sort, count_up_to)
        rows, total = _plain_page(conn, where, params, offset, limit, order,
                                  red_flags_first=red_flags_first)
        return rows, min(total, count_up_to)
    if narrowed_by_subquery(where):
        # Each match's sort keys from the narrow index when nothing else of the row is read
        # (store/schema_search.py); SQLite would seek the wide rows by rowid instead.
        narrow = "" if not dialect.index_hints else (
            " INDEXED BY conversations_by_id" if reads_ids_only(where) else (
                " INDEXED BY conversations_by_status" if reads_status_and_ids(where) else ""))
        hits = f"FROM conversations c{narrow}"
        # Open flags first: the few open flags of the whole inbox, read once from their
        # partial index, probed per match (the narrow index has no flag column).
        first = (f"id IN (SELECT c.id FROM conversations c"
                 f"{dialect.indexed_by('conversations_red_flag')}"
                 f" WHERE {OPEN_SQL}) DESC, ") if red_flags_first else ""
        found = conn.execute(
            f"WITH hits AS MATERIALIZED (SELECT {sort.hit_columns} {hits}"
            f" WHERE c.merged_into IS NULL AND ({where}))"
            f" SELECT {_LIST_COLUMNS}, (SELECT count(*) FROM hits) AS total_matches"
            f" FROM (SELECT id FROM hits ORDER BY {first}{sort.hits} LIMIT ? OFFSET ?) p"
            " JOIN conversations c ON c.id = p.id", [*params, limit, offset]).fetchall()
        if found:
            # The count rides along as the last column of every row.
            rows = [records.ConversationRecord(*r[:-1]) for r in found]
            rows.sort(key=sort.key, reverse=sort.reverse)
            if red_flags_first:  # stable: each part keeps its order
                rows.sort(key=lambda r: r.red_flag is None)
            return rows, int(found[0][-1])
        if offset == 0:
            return [], 0
        return [], _count(conn, base, params)
    total = _count(conn, base, params)
    return _page(conn, base, params, offset, limit, sort, total), total


_FULL_TEXT_PG = "s.search @@ "
"""A full-text term as store/pg/query.py writes it. With a count cap, PostgreSQL lists such
a search by walking the list's order and testing each conversation's messages through
their index (`messages_conversation`), stopping after the page: "fasting", 125,000
matches of a million, took 3.5 s found, joined and sorted in full, and its page 1 ms
walked. A sender or recipient term is not tested per row that way (its trigram index
answers only in bulk), so it keeps the narrowed shape below: walked, it was evaluated
twice in full (count and page) and took longer."""


def _page(conn: sqlite3.Connection, base: str, params: Sequence[object], offset: int,
          limit: int, sort: _Order, total: int) -> list[ConversationRecord]:
    """The page walked in list order on an index, then its full rows (none when
    `offset` is past the `total` matches)."""
    if offset >= total:
        return []
    return _ordered(conn, base, params, offset, limit, sort)


def _page_sql(base: str, sort: _Order) -> str:
    return (f"SELECT {_LIST_COLUMNS} FROM conversations c WHERE c.id IN"
            f" (SELECT c.id {base} ORDER BY {sort.table} LIMIT ? OFFSET ?)")


def _counted_page_pg(conn: sqlite3.Connection, base: str, params: Sequence[object],
                     offset: int, limit: int, sort: _Order, count_up_to: int,
                     ) -> tuple[list[ConversationRecord], int]:
    """PostgreSQL: the count stopped at `count_up_to` and the page walked in list order,
    in one statement (one round trip to the server instead of two). The page is read
    even when `offset` lies past the matches; it is then empty."""
    rows, total = counted_records(conn.execute(
        with_count(f"SELECT count(*) FROM (SELECT 1 {base} LIMIT ?) AS n", _page_sql(base, sort)),
        [*params, count_up_to, *params, limit, offset]).fetchall())
    rows.sort(key=sort.key, reverse=sort.reverse)
    return rows, total


def with_count(count_sql: str, page_sql: str) -> str:
    """A count and a page of list rows in one statement (PostgreSQL): each row is the
    count, then the page's columns; an empty page gives one row, the count beside NULLs.
    Read its rows with `counted_records`."""
    return (f"SELECT n.total, page.* FROM ({count_sql}) AS n (total)"
            f" LEFT JOIN ({page_sql}) AS page ON true")


def counted_records(found: Sequence[Sequence[Any]]) -> tuple[list[ConversationRecord], int]:
    """The page's records (in the statement's order) and the count of a `with_count` read."""
    return ([records.ConversationRecord(*r[1:]) for r in found if r[1] is not None],
            int(found[0][0]))


def _live_where(where: str) -> str:
    return f"FROM conversations c WHERE c.merged_into IS NULL AND ({where})"


def _count(conn: sqlite3.Connection, base: str, params: Sequence[object]) -> int:
    return int(conn.execute(f"SELECT count(*) {base}", list(params)).fetchone()[0])


def _count_sent(conn: sqlite3.Connection, base: str, params: Sequence[object]) -> Any:
    """`_count`'s statement sent, its one row read later from the cursor returned."""
    return conn.execute(f"SELECT count(*) {base}", list(params))


def _count_up_to_sent(conn: sqlite3.Connection, base: str, params: Sequence[object],
                      count_up_to: int | None) -> Any:
    """`_count_up_to`'s statement sent, its one row read later from the cursor returned."""
    if count_up_to is None:
        return _count_sent(conn, base, params)
    return conn.execute(f"SELECT count(*) FROM (SELECT 1 {base} LIMIT ?) AS n",
                        [*params, count_up_to])


def _count_up_to(conn: sqlite3.Connection, base: str, params: Sequence[object],
                 count_up_to: int | None) -> int:
    """The count, or, with `count_up_to`, the count stopped there ("at least that many")."""
    if count_up_to is None:
        return _count(conn, base, params)
    return int(conn.execute(f"SELECT count(*) FROM (SELECT 1 {base} LIMIT ?) AS n",
                            [*params, count_up_to]).fetchone()[0])


def matching_ids(conn: sqlite3.Connection, where: str, params: Sequence[object]) -> list[int]:
    return [r[0] for r in conn.execute(
        f"SELECT c.id FROM conversations c WHERE c.merged_into IS NULL AND ({where})"
        " ORDER BY c.id", list(params))]


def tags_for(conn: sqlite3.Connection, ids: Sequence[int]) -> dict[int, list[str]]:
    out: dict[int, list[str]] = {i: [] for i in ids}
    for start in range(0, len(ids), 500):
        chunk = list(ids[start:start + 500])
        if not chunk:
            continue
        marks = ",".join("?" * len(chunk))
        for conv, tag in conn.execute(
            f"SELECT conversation_id, tag FROM conversation_tags WHERE conversation_id IN ({marks})"
            " ORDER BY tag", chunk):
            out[conv].append(tag)
    return out


def get_row(conn: sqlite3.Connection, conv_id: int) -> sqlite3.Row | None:
    row: sqlite3.Row | None = conn.execute(
        f"SELECT {_LIST_COLUMNS}, c.merged_into FROM conversations c WHERE c.id = ?",
        (conv_id,)).fetchone()
    return row


def conversation(conn: sqlite3.Connection, conv_id: int) -> ConversationRecord | None:
    """The conversation, merged away or not (its `merged_into` says)."""
    row = conn.execute(
        f"SELECT {_LIST_COLUMNS}, c.merged_into FROM conversations c WHERE c.id = ?",
        (conv_id,)).fetchone()
    return None if row is None else records.ConversationRecord(*row)


def messages_of(conn: sqlite3.Connection, conv_id: int) -> list[MessageRecord]:
    return [records.MessageRecord(*r) for r in conn.execute(
        "SELECT id, channel, direction, message_id, subject, from_name, from_addr, to_addrs,"
        " cc_addrs, date, body_text, attachments, problems, seen, received_at,"
        " unscreened_at, backlog_at FROM messages"
        " WHERE conversation_id = ? AND gone_at IS NULL ORDER BY date, id", (conv_id,))]


def unscreened_of(conn: sqlite3.Connection, conv_ids: Sequence[int],
                  backlog_since: int | None) -> dict[int, UnscreenedMark]:
    """Of `conv_ids`, those marked "not screened" (store/unscreened.py: a patient message
    the detectors never read, late or a first sync's backlog arrived at or after
    `backlog_since`, still unread and unanswered): when the earliest arrived, and why."""
    if not conv_ids:
        return {}
    sql, params = page_sql(conv_ids, backlog_since)
    return marks_of_rows(conn.execute(sql, params).fetchall())


def notes_of(conn: sqlite3.Connection, conv_id: int) -> list[NoteRecord]:
    """Notes shown on a conversation: retracted ones stay in the table, not in the list."""
    return [records.NoteRecord(*r) for r in conn.execute(
        "SELECT id, conversation_id, author, body, created_at, retracted_at FROM notes"
        " WHERE conversation_id = ? AND retracted_at IS NULL ORDER BY created_at, id",
        (conv_id,))]


def conversation_of_message(conn: sqlite3.Connection, message_pk: int) -> int | None:
    row = conn.execute("SELECT conversation_id FROM messages WHERE id = ?",
                       (message_pk,)).fetchone()
    return int(row[0]) if row else None


def raw_of_message(conn: sqlite3.Connection, message_pk: int) -> bytes | None:
    row = conn.execute("SELECT r.data FROM messages m JOIN raw_messages r ON r.id = m.raw_id"
                       " WHERE m.id = ?", (message_pk,)).fetchone()
    return bytes(row[0]) if row else None


def add_tags(conn: sqlite3.Connection, ids: Iterable[int], tags: Sequence[str]) -> int:
    cur = conn.executemany("INSERT INTO conversation_tags (conversation_id, tag)"
                           " VALUES (?, ?) ON CONFLICT DO NOTHING",
                           [(i, t) for i in ids for t in tags])
    return cur.rowcount


def remove_tags(conn: sqlite3.Connection, ids: Iterable[int], tags: Sequence[str]) -> int:
    cur = conn.executemany("DELETE FROM conversation_tags WHERE conversation_id = ? AND tag = ?",
                           [(i, t) for i in ids for t in tags])
    return cur.rowcount


def tag_counts(conn: sqlite3.Connection, limit: int) -> list[tuple[str, int]]:
    """Tags in use, the most used first.

    Read from the tag index alone (no join): a merge moves the merged conversation's tags
    into the surviving one, so no tag row belongs to a merged conversation. At 100k
    conversations with two tags each this is ~10x faster than joining to check."""
    return [(str(r[0]), int(r[1])) for r in conn.execute(
        "SELECT tag, count(*) AS n FROM conversation_tags"
        " GROUP BY tag ORDER BY n DESC, tag LIMIT ?", (limit,))]


def mark_read(conn: sqlite3.Connection, conv_id: int) -> int:
    cur = conn.execute("UPDATE messages SET seen = 1 WHERE conversation_id = ? AND seen = 0"
                       " AND direction = 'in' AND gone_at IS NULL", (conv_id,))
    conn.execute("UPDATE conversations SET unread_count = 0 WHERE id = ?", (conv_id,))
    return cur.rowcount


def insert_note(conn: sqlite3.Connection, conv_id: int, author: str, body: str, at: int) -> int:
    return inserted_id(conn.execute("INSERT INTO notes (conversation_id, author, body, created_at)"
                                    " VALUES (?, ?, ?, ?) RETURNING id",
                                    (conv_id, author, body, at)))


_STATE_COLUMNS = frozenset({"status", "snoozed_until", "assignee", "priority", "sla_paused_s",
                            "sla_paused_since", "sla_pause_end", "sla_dirty"})


def update_state(conn: sqlite3.Connection, conv_id: int, **columns: object) -> None:
    """Set staff-state columns (names come from the service, never from users)."""
    if not columns or not set(columns) <= _STATE_COLUMNS:
        raise ValueError(f"not staff-state columns: {sorted(set(columns) - _STATE_COLUMNS)}")
    sets = ", ".join(f"{name} = ?" for name in columns)
    conn.execute(f"UPDATE conversations SET {sets} WHERE id = ?", [*columns.values(), conv_id])


def update_state_unheld(conn: sqlite3.Connection, conv_id: int, **columns: object) -> bool:
    """`update_state` only while nobody holds the conversation (`assignee IS NULL`): false,
    and nothing written, when someone does. On PostgreSQL the UPDATE waits for a
    concurrent writer's row lock and checks the committed row again, so an assign another
    server committed meanwhile is not overwritten."""
    if not columns or not set(columns) <= _STATE_COLUMNS:
        raise ValueError(f"not staff-state columns: {sorted(set(columns) - _STATE_COLUMNS)}")
    sets = ", ".join(f"{name} = ?" for name in columns)
    cur = conn.execute(f"UPDATE conversations SET {sets} WHERE id = ? AND assignee IS NULL",
                       [*columns.values(), conv_id])
    return cur.rowcount == 1


def folder_rows(conn: sqlite3.Connection) -> list[FolderRecord]:
    return [records.FolderRecord(*r) for r in conn.execute(
        "SELECT f.account, f.name, f.uidvalidity, f.last_uid, f.highestmodseq, f.quarantine,"
        " f.last_sync_at, (SELECT count(*) FROM locations l WHERE l.folder_id = f.id) AS messages"
        " FROM folders f ORDER BY f.account, f.name")]


def events_after(conn: sqlite3.Connection, seq: int, limit: int) -> list[EventRecord]:
    return [records.EventRecord(*r) for r in conn.execute(
        "SELECT seq, at, actor, action, target, details FROM events"
        " WHERE seq > ? ORDER BY seq LIMIT ?", (seq, limit))]


def events_of_kinds(conn: sqlite3.Connection, after: int, upto: int, actions: Sequence[str],
                    limit: int) -> list[EventRecord]:
    """Events after `after` and up to `upto` whose action is one of `actions`, oldest first.
    Others (the audit records every read leaves) are skipped inside SQLite, without being
    handed to Python, so a feed reader behind many reads pays little for them."""
    marks = ", ".join("?" for _ in actions)
    return [records.EventRecord(*r) for r in conn.execute(
        "SELECT seq, at, actor, action, target, details FROM events"
        f" WHERE seq > ? AND seq <= ? AND action IN ({marks})"
        " ORDER BY seq LIMIT ?", (after, upto, *actions, limit))]


def changed_by(conn: sqlite3.Connection, actor: str, since_ms: int,
               actions: Sequence[str]) -> set[int]:
    """Conversations `actor` changed (one of `actions`) at or after `since_ms`.

    Events are appended under the write lock with the time of appending, so `at` grows with
    `seq`: the window starts after the newest event older than it, found by walking back
    from the newest event. That costs the events inside the window, without an index on
    `at` or `actor` that every append would have to maintain.
    """
    row = conn.execute("SELECT seq FROM events WHERE at < ? ORDER BY seq DESC LIMIT 1",
                       (since_ms,)).fetchone()
    marks = ", ".join("?" for _ in actions)
    # No DISTINCT: it would send SQLite through the whole target index instead of the
    # rowid range; the set below does the de-duplication.
    rows = conn.execute(
        "SELECT target FROM events WHERE seq > ? AND actor = ? AND at >= ?"
        f" AND action IN ({marks})",
        (int(row[0]) if row else 0, actor, since_ms, *actions)).fetchall()
    out: set[int] = set()
    for (target,) in rows:
        number = str(target).removeprefix("conversation:")
        if number.isdigit():
            out.add(int(number))
    return out


def last_event_seq(conn: sqlite3.Connection) -> int:
    return int(conn.execute("SELECT coalesce(max(seq), 0) FROM events").fetchone()[0])


def counts(conn: sqlite3.Connection) -> dict[str, int]:
    row = conn.execute(
        "SELECT (SELECT count(*) FROM conversations WHERE merged_into IS NULL),"
        " (SELECT count(*) FROM messages WHERE gone_at IS NULL),"
        " (SELECT count(*) FROM raw_messages),"
        " (SELECT count(*) FROM messages WHERE problems != '')").fetchone()
    return {"conversations": row[0], "messages": row[1], "raw_messages": row[2],
            "flagged_messages": row[3]}


SLA_DIRTY_SQL = "SELECT 1 FROM conversations WHERE sla_dirty = 1 LIMIT 1"


def has_sla_dirty(conn: sqlite3.Connection) -> bool:
    return conn.execute(SLA_DIRTY_SQL).fetchone() is not None


def sla_dirty_rows(conn: sqlite3.Connection, limit: int) -> list[SlaFactsRecord]:
    return [records.SlaFactsRecord(*r) for r in conn.execute(
        "SELECT id, status, created_at, last_inbound_at, first_response_at, last_response_at,"
        " sla_paused_s, sla_paused_since FROM conversations WHERE sla_dirty = 1 LIMIT ?",
        (limit,))]


def ids_matching(conn: sqlite3.Connection, ids: Sequence[int], where: str,
                 params: Sequence[object]) -> set[int]:
    found: set[int] = set()
    for start in range(0, len(ids), 500):
        chunk = list(ids[start:start + 500])
        marks = ",".join("?" * len(chunk))
        found.update(r[0] for r in conn.execute(
            f"SELECT c.id FROM conversations c WHERE c.id IN ({marks}) AND ({where})",
            [*chunk, *params]))
    return found


def ids_matching_each(conn: sqlite3.Connection, ids: Sequence[int],
                      wheres: Sequence[tuple[str, Sequence[object]]]) -> list[set[int]]:
    """`ids_matching` of each (where, params) in `wheres`, in one statement per 500 ids
    (a UNION ALL, each part tagged with its place): on PostgreSQL one round trip for
    every rule of a trigger instead of one per rule."""
    found: list[set[int]] = [set() for _ in wheres]
    for start in range(0, len(ids), 500):
        chunk = list(ids[start:start + 500])
        marks = ",".join("?" * len(chunk))
        params: list[object] = []
        for where_params in wheres:
            params += [*chunk, *where_params[1]]
        sql = " UNION ALL ".join(
            f"SELECT {place}, c.id FROM conversations c WHERE c.id IN ({marks}) AND ({where})"
            for place, (where, _) in enumerate(wheres))
        for place, conv_id in conn.execute(sql, params):
            found[int(place)].add(int(conv_id))
    return found


def store_sla(conn: sqlite3.Connection,
              rows: Sequence[tuple[str | None, str | None, int | None, int | None, int]]) -> None:
    """(policy, target, due_at, at_risk_at, id) per conversation; clears the dirty mark."""
    conn.executemany("UPDATE conversations SET sla_policy = ?, sla_target = ?, sla_due_at = ?,"
                     " sla_at_risk_at = ?, sla_dirty = 0 WHERE id = ?", rows)


def matching_states(conn: sqlite3.Connection, where: str,
                    params: Sequence[object]) -> list[StaffState]:
    """Staff state of every conversation a query matches, in one statement (bulk actions)."""
    return [records.StaffState(*r) for r in conn.execute(
        "SELECT c.id, c.subject, c.status, c.snoozed_until, c.assignee, c.priority,"
        " c.sla_policy, c.sla_paused_s, c.sla_paused_since, c.sla_pause_end"
        " FROM conversations c"
        f" WHERE c.merged_into IS NULL AND ({where}) ORDER BY c.id", list(params))]


def matching_tags(conn: sqlite3.Connection, where: str,
                  params: Sequence[object]) -> dict[int, set[str]]:
    """Tags of every conversation a query matches (those without tags are absent)."""
    out: dict[int, set[str]] = {}
    for conv, tag in conn.execute(
            "SELECT t.conversation_id, t.tag FROM conversation_tags t"
            " JOIN conversations c ON c.id = t.conversation_id"
            f" WHERE c.merged_into IS NULL AND ({where})", list(params)):
        out.setdefault(conv, set()).add(tag)
    return out


def add_tag_pairs(conn: sqlite3.Connection, pairs: Sequence[tuple[int, str]]) -> None:
    # On PostgreSQL one statement over two arrays (store/pg/conn.py), as is the removal.
    conn.executemany("INSERT INTO conversation_tags (conversation_id, tag)"
                     " VALUES (?, ?) ON CONFLICT DO NOTHING", pairs)


def remove_tag_pairs(conn: sqlite3.Connection, pairs: Sequence[tuple[int, str]]) -> None:
    conn.executemany("DELETE FROM conversation_tags WHERE conversation_id = ? AND tag = ?", pairs)


def update_state_many(conn: sqlite3.Connection, columns: Sequence[str],
                      rows: Sequence[Sequence[object]]) -> None:
    """Set the same staff-state columns on many conversations; each row is (*values, id)."""
    if not columns or not set(columns) <= _STATE_COLUMNS:
        raise ValueError(f"not staff-state columns: {sorted(set(columns) - _STATE_COLUMNS)}")
    sets = ", ".join(f"{name} = ?" for name in columns)
    conn.executemany(f"UPDATE conversations SET {sets} WHERE id = ?", rows)


# -- reopening ------------------------------------------------------------------------------


def reopen(conn: sqlite3.Connection, conv_id: int, at: int, reason: str,
           actor: str = "system") -> bool:
    """Make a pending, snoozed or closed conversation open again, with its event.

    Runs in the caller's transaction. The snooze is cleared and a running SLA pause is
    ended at `at` (or when the snooze ran out, if that was earlier); the business seconds
    of that spell are added later by the SLA service, which knows the calendar
    (`sla_pause_end`). Returns False when the conversation was already open (or is gone).
    """
    row = conn.execute("SELECT status, snoozed_until, sla_paused_since, sla_pause_end"
                       " FROM conversations WHERE id = ? AND merged_into IS NULL",
                       (conv_id,)).fetchone()
    if row is None or row[0] == "open":
        return False
    status, snoozed_until, since, pause_end = row[0], row[1], row[2], row[3]
    if since is not None and status in PAUSING:
        end = at if snoozed_until is None else min(at, int(snoozed_until))
        pause_end = max(int(since), end)
    conn.execute("UPDATE conversations SET status = 'open', snoozed_until = NULL,"
                 " sla_pause_end = ?, sla_dirty = 1 WHERE id = ?", (pause_end, conv_id))
    append_event(conn, actor, "conversation.status", f"conversation:{conv_id}",
                 {"from": status, "to": "open", "until": None, "from_until": snoozed_until,
                  "reason": reason})
    return True


REOPEN_SLACK_S = 3600
"""A patient message does not reopen its conversation when another message there is newer
than it by more than this: a backfilled old message (a folder added to the config, a restored
archive) is history, not a reply, while a reply from a patient whose clock runs a little slow
still counts."""


_CLOCK = clock_sql()


def reopen_on_inbound(conn: sqlite3.Connection, conv_id: int, at: int) -> bool:
    """A patient message (e-mail or SMS, direction in) that arrived at `at` (the
    conversation's clock: migration 28) landed in `conv_id`; reopen the conversation if it
    was pending, snoozed or closed. Returns True if it did.

    Call it for inbound messages only, before or after storing the message: our own
    replies (the Sent folder, outbound SMS) and auto-replies must not reopen anything.
    """
    newer = conn.execute(f"SELECT 1 FROM messages WHERE conversation_id = ? AND {_CLOCK} > ?"
                         " LIMIT 1", (conv_id, at + REOPEN_SLACK_S)).fetchone()
    if newer is not None:
        return False
    return reopen(conn, conv_id, at, "patient replied")


def snoozed_due(conn: sqlite3.Connection, now: int) -> list[ConversationRecord]:
    """Snoozed conversations whose wake-up time has come."""
    return [records.ConversationRecord(*r) for r in conn.execute(
        f"SELECT {_LIST_COLUMNS} FROM conversations c WHERE c.status = 'snoozed'"
        " AND c.snoozed_until IS NOT NULL AND c.snoozed_until <= ? AND c.merged_into IS NULL"
        " ORDER BY c.snoozed_until, c.id", (now,))]


def unsettled_pauses(conn: sqlite3.Connection) -> list[PauseRecord]:
    """Conversations no longer paused whose last pause has not been added up yet."""
    return [records.PauseRecord(*r) for r in conn.execute(
        "SELECT id, sla_policy, sla_paused_s, sla_paused_since, sla_pause_end FROM conversations"
        " WHERE sla_dirty = 1 AND sla_paused_since IS NOT NULL"
        " AND status NOT IN ('pending', 'snoozed')")]


def settle_pauses(conn: sqlite3.Connection, rows: Sequence[tuple[int, int]]) -> None:
    """(total paused business seconds, id): the pause is over and counted."""
    conn.executemany("UPDATE conversations SET sla_paused_s = ?, sla_paused_since = NULL,"
                     " sla_pause_end = NULL WHERE id = ?", rows)


# -- notes and mentions ---------------------------------------------------------------------


def get_note(conn: sqlite3.Connection, note_id: int) -> NoteRecord | None:
    row = conn.execute(
        "SELECT id, conversation_id, author, body, created_at, retracted_at FROM notes"
        " WHERE id = ?", (note_id,)).fetchone()
    return None if row is None else records.NoteRecord(*row)


def retract_note(conn: sqlite3.Connection, note_id: int, at: int) -> None:
    conn.execute("UPDATE notes SET retracted_at = ? WHERE id = ? AND retracted_at IS NULL",
                 (at, note_id))


def insert_mentions(conn: sqlite3.Connection, note_id: int, users: Iterable[str]) -> None:
    conn.executemany("INSERT INTO mentions (note_id, os_user) VALUES (?, ?)"
                     " ON CONFLICT DO NOTHING", [(note_id, u) for u in users])


def mentions_of(conn: sqlite3.Connection, user: str, unread_only: bool,
                limit: int) -> list[MentionRecord]:
    """Notes mentioning `user`, newest first, with their conversation's subject."""
    unread = " AND mn.read_at IS NULL" if unread_only else ""
    return [records.MentionRecord(*r) for r in conn.execute(
        "SELECT n.id AS note_id, n.conversation_id, n.author, n.body, n.created_at,"
        " mn.read_at, c.subject FROM mentions mn JOIN notes n ON n.id = mn.note_id"
        " JOIN conversations c ON c.id = n.conversation_id"
        f" WHERE mn.os_user = ? AND n.retracted_at IS NULL{unread}"
        " ORDER BY n.id DESC LIMIT ?", (user, limit))]


def mark_mentions_read(conn: sqlite3.Connection, user: str, up_to_note_id: int,
                       at: int) -> int:
    cur = conn.execute("UPDATE mentions SET read_at = ? WHERE os_user = ? AND note_id <= ?"
                       " AND read_at IS NULL", (at, user, up_to_note_id))
    return cur.rowcount


def unread_mention_count(conn: sqlite3.Connection, user: str) -> int:
    return int(conn.execute(
        "SELECT count(*) FROM mentions mn JOIN notes n ON n.id = mn.note_id"
        " WHERE mn.os_user = ? AND mn.read_at IS NULL AND n.retracted_at IS NULL",
        (user,)).fetchone()[0])
