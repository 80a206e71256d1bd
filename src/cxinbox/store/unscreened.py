"""Which conversations say "not screened": one rule, in SQL, for both kinds of patient
message the red-flag and intent detectors never read, so that `cxinbox show`, `list`,
the TUI and the query language's `is:unscreened` give the same answer on both stores.

The two kinds (domain/arrival.py words them):

- late (`messages.unscreened_at`, migration 28): a later sync stored it longer than
  `[triage] backlog_hours` after the server received it (an outage, mail moved in);
- backlog (`messages.backlog_at`, migration 27): a first sync (a new folder, a number's
  first poll) stored it, and it had arrived longer than `backlog_hours` before. Such a row
  is marked only while it arrived within `[triage] backlog_mark_days` (0: never): a clinic
  importing years of mail must not drown in marks nobody can act on, while last week's
  "crushing chest pain right now" in a newly added folder must not look screened.

The rule. A conversation is marked while it is open or pending and it holds such a
message (inbound, not gone) that is still unread and that no person has answered:

- read: its `seen` flag (a person opened the conversation in the TUI, or read it in
  another mail client: the IMAP \\Seen flag) ends it;
- a staff reply at or after its arrival (`conversations.last_response_at`: the desk's
  answers only, an automatic acknowledgement does not count) ends it;
- while closed it is not marked (a person closed it, or old history); snoozed hides it
  until it wakes (reopened or awake, the mark is back: it is worked out when read, never
  stored).

A newer patient message does NOT end it, screened or not: the detectors read only the
newer text, so "I hit my head, now vomiting" stays marked under a later "can someone
call me about my prescription" until a person reads or answers it.

The mark gives the earliest such message's arrival ("received 5 d ago") and its kind.
Computed when read from the columns ingest already writes: no migration, no write at
ingest (PostgreSQL keeps two partial indexes of the candidate messages, PG_TUNING). The
page's read looks up the shown conversations' messages by `messages_conversation`;
`is:unscreened` tests open and pending conversations only, on SQLite from them
(`marked_sql`), on PostgreSQL from the candidate messages (`marked_sql_pg`): the same
conversations (tests/test_unscreened_pg_rule.py).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from cxinbox.store.records import UnscreenedMark
from cxinbox.store.schema_received import clock_sql

__all__ = ["marked_sql", "marked_sql_per_row", "marked_sql_pg", "marks_of_rows", "page_sql"]

MARKED_STATUSES = ("open", "pending")
"""Statuses whose conversations carry the mark (see the module's rule)."""

_STATUSES = ", ".join(f"'{s}'" for s in MARKED_STATUSES)

LATE = "late"
BACKLOG = "backlog"


def _candidates(since: int | None) -> tuple[str, list[object]]:
    """The condition over `u` (a message) and `c` (its conversation) and its parameters:
    `u` is an unscreened message that still marks `c`."""
    clock_u = clock_sql("u")
    kinds = "u.unscreened_at IS NOT NULL"
    params: list[object] = []
    if since is not None:
        kinds = f"({kinds} OR (u.backlog_at IS NOT NULL AND {clock_u} >= ?))"
        params.append(since)
    cond = (f"u.direction = 'in' AND u.gone_at IS NULL AND u.seen = 0 AND {kinds}"
            f" AND c.status IN ({_STATUSES})"
            f" AND (c.last_response_at IS NULL OR c.last_response_at < {clock_u})")
    return cond, params


def page_sql(conv_ids: Sequence[int], since: int | None) -> tuple[str, list[object]]:
    """The marked messages of `conv_ids`: rows of (conversation id, arrival, kind,
    message id)."""
    cond, params = _candidates(since)
    marks = ", ".join("?" * len(conv_ids))
    sql = (f"SELECT u.conversation_id, {clock_sql('u')},"
           f" CASE WHEN u.unscreened_at IS NULL THEN '{BACKLOG}' ELSE '{LATE}' END, u.id"
           " FROM messages u JOIN conversations c ON c.id = u.conversation_id"
           f" WHERE u.conversation_id IN ({marks}) AND {cond}")
    return sql, [*conv_ids, *params]


def marks_of_rows(rows: Sequence[Sequence[Any]]) -> dict[int, UnscreenedMark]:
    """`page_sql`'s rows as one mark per conversation: the earliest arrival and its
    kind (a late one first when two arrived at the same second)."""
    out: dict[int, UnscreenedMark] = {}
    for conv, at, reason, _ in sorted(rows, key=lambda r: (int(r[1]), r[2] != LATE, int(r[3]))):
        out.setdefault(int(conv), UnscreenedMark(int(at), str(reason)))
    return out


def marked_sql(since: int | None) -> tuple[str, list[object]]:
    """`is:unscreened`: a condition over `conversations c` and its parameters.

    Narrowed before the rule is tested on a conversation's messages: a late message is in
    the partial index `messages_unscreened` (few), and a conversation holding a recent
    backlog message had its last message at or after `since` (its clock is at least that
    message's; a merged one holds no messages), which the status index
    (`conversations_by_status`, merged ones left out) ranges over: the inbox is never
    scanned."""
    cond, params = _candidates(since)
    late = "SELECT l.conversation_id FROM messages l WHERE l.unscreened_at IS NOT NULL"
    recent = (f"SELECT s.id FROM conversations s WHERE s.status IN ({_STATUSES})"
              " AND s.last_message_at >= ? AND s.merged_into IS NULL UNION ALL ")
    narrow = f"c.id IN ({'' if since is None else recent}{late})"
    sql = (f"(c.status IN ({_STATUSES}) AND {narrow} AND EXISTS (SELECT 1 FROM messages u"
           f" WHERE u.conversation_id = c.id AND {cond}))")
    return sql, ([] if since is None else [since]) + params


_ARRIVAL = "coalesce(u.received_at, u.date)"
"""An inbound message's clock (`clock_sql`'s inbound branch), spelled as PostgreSQL's
index `messages_backlog_unread` (store/pg/schema.py PG_TUNING) is, so the planner uses it."""


def marked_sql_pg(since: int | None) -> tuple[str, list[object]]:
    """`marked_sql` as PostgreSQL runs it fast: the same rule, found from the messages
    that can mark a conversation rather than from the conversations that might hold one.

    The unread late messages through `messages_late_unread`, and the unread backlog ones
    arrived within the window through `messages_backlog_unread` (by arrival: a range as
    wide as the window, however many years a first sync imported); each candidate's
    conversation is then tested by its key, the rule on the pair. That test is a scalar
    subquery so that it stays one lookup per candidate: as a join the planner hashed
    every open conversation of the inbox first. The list is an array made once per
    statement (`= ANY(ARRAY(...))`), its conversations looked up by their key: as
    `IN (...)` a prepared statement's generic plan walked the 300,000 open conversations
    of a million against it (100-500 ms). `marked_sql` instead looks up every open
    conversation of the window and each one's messages."""
    unanswered = (f"(SELECT TRUE FROM conversations k WHERE k.id = u.conversation_id"
                  f" AND k.status IN ({_STATUSES}) AND (k.last_response_at IS NULL"
                  f" OR k.last_response_at < {_ARRIVAL}))")
    test = f"u.direction = 'in' AND u.gone_at IS NULL AND u.seen = 0 AND {unanswered}"
    found = f"SELECT u.conversation_id FROM messages u WHERE u.unscreened_at IS NOT NULL AND {test}"
    params: list[object] = []
    if since is not None:
        found += (" UNION ALL SELECT u.conversation_id FROM messages u"
                  f" WHERE u.backlog_at IS NOT NULL AND u.direction = 'in'"
                  f" AND {_ARRIVAL} >= ? AND {test}")
        params.append(since)
    return f"(c.status IN ({_STATUSES}) AND c.id = ANY(ARRAY({found})))", params


def marked_sql_per_row(since: int | None) -> tuple[str, list[object]]:
    """`marked_sql` as a test of one conversation at a time, for a list walked in its
    order that stops after a few hundred matches (store/pg/search.py): the conversation's
    own messages looked up by `messages_conversation`, stopping at the first that marks
    it. A scalar subquery with LIMIT, so that the planner keeps it a test per row where
    `marked_sql_pg`'s array is every marked conversation of the inbox, made before the
    walk reads its first row."""
    cond, params = _candidates(since)
    return (f"(c.status IN ({_STATUSES}) AND COALESCE((SELECT TRUE FROM messages u"
            f" WHERE u.conversation_id = c.id AND {cond} LIMIT 1), FALSE))"), params
