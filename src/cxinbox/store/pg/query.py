"""The query language (`cxinbox.domain.query`) compiled to a PostgreSQL condition over
`conversations c`, for the PostgreSQL store.

The structure is SQLite's compiler (store/query_sql.py: negation, grouping, the folding of
the words of a search box into one full-text query, the NARROWED markers); this module only
spells the terms PostgreSQL writes differently, and must select exactly the conversations
SQLite selects (tests/test_pg_query.py compares the two over one copied inbox):

- full text: the messages' `tsvector` in `message_search` (GIN), built from words cut as
  FTS5's unicode61 cuts them, accents folded and case ignored, so "medico" finds "médico". `cxinbox_search`
  (store/pg/schema.py) turns the typed terms into a `tsquery` on the server, where
  `unaccent` lives: a bare word is a prefix, a phrase's words must follow each other, and a
  term with no word in it is left out (as FTS5 leaves it out; alone it matches nothing);
- `from:` and `to:` are substrings, any case: a `pg_trgm` GIN index on the senders (on the
  recipients for `to:`) narrows the rows, then the exact test keeps those whose address or
  name contains the value as typed (SQLite's trigram index folds case but not accents, and
  so does this);
- names compared without case (`assignee:`, `mailbox:`, `mentions:`) use `lower()`, and
  `= ?` on a nullable column is guarded so that it is false, not NULL, where the column is
  NULL (negation must keep such rows);
- `1`/`0` are TRUE/FALSE, `IFNULL` is COALESCE, and `+c.channel` (an SQLite planner hint)
  is plain `c.channel`.

Values are bound parameters (`?`, which store/pg/conn.py turns into psycopg's); `%` in a
LIKE pattern is data there, never SQL.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import ClassVar, Final

from cxinbox.domain.query import Field, Node, Phone, QueryContext, Text
from cxinbox.store.query_sql import (
    Dialect,
    SlaSql,
    compile_with,
    sla_condition,
)
from cxinbox.store.unscreened import marked_sql_per_row, marked_sql_pg

__all__ = ["PER_ROW", "POSTGRESQL", "compile_per_row_pg", "compile_query_pg",
           "sla_condition_pg"]

Sql = tuple[str, list[object]]

_TRIGRAM = 3

_QUERY = "cxinbox_search(ARRAY[{terms}]::text[], ARRAY[{prefixes}]::boolean[], {any_of})"
# The vectors live in `message_search` (store/pg/schema.py PG_TUNING), one row a message
# (`s`, with the message's conversation); a message whose vector is not made yet (a bulk sync's, marked in
# `message_unindexed` until the pass after the sync) is tested on its text, as its vector
# will be made. Such rows are few, and their marks are their index.
_SEARCH_TEST = "s.search @@ " + _QUERY
_UNINDEXED_TEST = "cxinbox_message_search(m.subject, m.sender, m.body_text) @@ " + _QUERY
_UNINDEXED_MESSAGES = "message_unindexed u JOIN messages m ON m.id = u.message_id"

# Senders: the trigram index expression (store/pg/schema.py spells it the same, or the
# planner would not use it), then the exact test (a substring of one column, not of both).
_SENDERS_LOWER = "lower({t}.from_addr || ' ' || {t}.from_name)"
_SENDER_MATCH = (f"{_SENDERS_LOWER} LIKE lower(?) ESCAPE '\\'"
                 " AND ({t}.from_addr ILIKE ? ESCAPE '\\' OR {t}.from_name ILIKE ? ESCAPE '\\')")
_FROM = ("c.id IN (SELECT s.id FROM conversations s WHERE " + _SENDER_MATCH.format(t="s")
         + " UNION ALL SELECT m.conversation_id FROM messages m WHERE "
         + _SENDER_MATCH.format(t="m") + ")")
# Fewer than three characters: no trigram to look up; SQLite scans for these too.
_SHORT_MATCH = "({t}.from_addr ILIKE ? ESCAPE '\\' OR {t}.from_name ILIKE ? ESCAPE '\\')"
_FROM_SHORT = (f"({_SHORT_MATCH.format(t='c')} OR c.id IN (SELECT m.conversation_id"
               f" FROM messages m WHERE {_SHORT_MATCH.format(t='m')}))")
# A number: its digits somewhere in the senders (the index), then the address must
# end with them.
_PHONE_MATCH = (f"{_SENDERS_LOWER} LIKE ? AND {{t}}.from_addr LIKE ?")
_PHONE = ("c.id IN (SELECT s.id FROM conversations s WHERE " + _PHONE_MATCH.format(t="s")
          + " UNION ALL SELECT m.conversation_id FROM messages m WHERE "
          + _PHONE_MATCH.format(t="m") + ")")
_TO = ("c.id IN (SELECT m.conversation_id FROM messages m"
       " WHERE lower(m.to_addrs || ' ' || m.cc_addrs) LIKE lower(?) ESCAPE '\\'"
       " AND (m.to_addrs ILIKE ? ESCAPE '\\' OR m.cc_addrs ILIKE ? ESCAPE '\\'))")
_MENTIONED_BY = (
    "c.id IN (SELECT n.conversation_id FROM mentions mn JOIN notes n ON n.id = mn.note_id"
    " WHERE n.retracted_at IS NULL AND lower(mn.os_user) = lower(?))"
)


_IN_SELECT = "c.id IN (SELECT "


class PostgresDialect(Dialect):
    """PostgreSQL's spelling of the terms SQLite's dialect writes its own way."""

    true = "TRUE"
    false = "FALSE"
    column_fields: ClassVar[dict[str, str]] = {
        "status": "c.status", "priority": "c.priority", "channel": "c.channel"}

    def text_match(self, texts: Sequence[Text], any_of: bool, op: str = "IN") -> Sql:
        test, params = _search_test(texts, any_of)
        # The indexed messages through the vectors' GIN, the others (if any) through their
        # own index: two lists, each found by its index (an OR of both would be one).
        later, _ = _search_test(texts, any_of, _UNINDEXED_TEST)
        both = (f"c.id {op} (SELECT s.conversation_id FROM message_search s WHERE {test}"
                f" UNION ALL SELECT m.conversation_id FROM {_UNINDEXED_MESSAGES}"
                f" WHERE {later})")
        return both, [*params, *params]

    def sender(self, node: Field) -> Sql:
        pattern = _contains(node.value)
        if len(node.value) < _TRIGRAM:
            return _FROM_SHORT, [pattern] * 4
        return _FROM, [pattern] * 6

    def phone(self, node: Phone) -> Sql:
        inside, suffix = f"%{node.digits}%", f"%{node.digits}"
        return _PHONE, [inside, suffix, inside, suffix]

    def recipient(self, node: Field) -> Sql:
        return _TO, [_contains(node.value)] * 3

    def assignee(self, node: Field) -> Sql:
        return "(c.assignee IS NOT NULL AND lower(c.assignee) = lower(?))", [node.value]

    def mailbox(self, node: Field) -> Sql:
        return "lower(c.mailbox) = lower(?)", [node.value]

    def mentioned_by(self, who: str) -> Sql:
        return _MENTIONED_BY, [who]

    def same(self, column: str, value: object) -> Sql:
        if value is None:
            return f"{column} IS NULL", []
        return f"({column} IS NOT NULL AND {column} = ?)", [value]

    def sla(self, sql: str) -> str:
        if sql.startswith(_NEVER_NULL):  # sla_condition_pg's sargable forms
            return sql
        return f"COALESCE(({sql}), FALSE)"

    def settled(self, holds: bool) -> Sql:
        return ("TRUE" if holds else "FALSE"), []

    def unscreened(self, since: int | None) -> Sql:
        return marked_sql_pg(since)

    def either(self, parts: Sequence[str]) -> str:
        """Terms that are each `c.id IN (SELECT ...)` as one list of their union: the
        planner tests an OR of lists against every conversation of the inbox (a number,
        which is its words OR its senders, read a million index entries to find none),
        where it joins one list's few rows by id."""
        if len(parts) > 1 and all(p.startswith(_IN_SELECT) and p.endswith(")") for p in parts):
            return "c.id IN (" + " UNION ALL ".join(
                p[len(_IN_SELECT) - len("SELECT "):-1] for p in parts) + ")"
        return super().either(parts)


POSTGRESQL: Final = PostgresDialect()


def _some_message(condition: str) -> str:
    """True when one of the conversation's own messages meets `condition` (over `m`):
    a lookup in its messages by `messages_conversation` that stops at the first. A scalar
    subquery with LIMIT, so that the planner keeps it a test per row: an `IN` or `EXISTS`
    it turns into a hash of every match in the inbox first (a million messages read for
    `from:garcia`), whatever few rows the list then needs."""
    return (f"COALESCE((SELECT TRUE FROM messages m WHERE m.conversation_id = c.id"
            f" AND ({condition}) LIMIT 1), FALSE)")


_TAGGED = ("COALESCE((SELECT TRUE FROM conversation_tags t WHERE t.conversation_id = c.id"
           " AND t.tag = ? LIMIT 1), FALSE)")


class PerRowDialect(PostgresDialect):
    """The narrowing terms (text, from:, a number, to:, tag:) and `is:unscreened` as
    tests of one conversation at a time, for a list walked in its order that stops after
    a few hundred matches (store/pg/search.py): meaning the same as POSTGRESQL's, whose
    subqueries (and array) find every match in the inbox through their indexes."""

    def text_match(self, texts: Sequence[Text], any_of: bool, op: str = "IN") -> Sql:
        test, params = _search_test(texts, any_of)
        later, _ = _search_test(texts, any_of, _UNINDEXED_TEST)
        found = _some_message(
            f"EXISTS (SELECT 1 FROM message_search s WHERE s.message_id = m.id AND {test})"
            f" OR (EXISTS (SELECT 1 FROM message_unindexed u WHERE u.message_id = m.id)"
            f" AND {later})")
        return (found if op == "IN" else f"NOT {found}"), [*params, *params]

    def sender(self, node: Field) -> Sql:
        return (f"({_SHORT_MATCH.format(t='c')} OR {_some_message(_SHORT_MATCH.format(t='m'))})",
                [_contains(node.value)] * 4)

    def phone(self, node: Phone) -> Sql:
        suffix = f"%{node.digits}"
        return f"(c.from_addr LIKE ? OR {_some_message('m.from_addr LIKE ?')})", [suffix] * 2

    def recipient(self, node: Field) -> Sql:
        return (_some_message("m.to_addrs ILIKE ? ESCAPE '\\' OR m.cc_addrs ILIKE ? ESCAPE '\\'"),
                [_contains(node.value)] * 2)

    def has_tag(self, tag: str) -> Sql:
        return _TAGGED, [tag]

    def unscreened(self, since: int | None) -> Sql:
        return marked_sql_per_row(since)


PER_ROW: Final = PerRowDialect()


def compile_query_pg(node: Node, ctx: QueryContext, sla_sql: SlaSql | None = None) -> Sql:
    """The PostgreSQL condition over `conversations c` and its parameters selecting the
    conversations `node` describes: the same ones `compile_query` selects on SQLite.
    `sla_sql` as there (`sla_condition_pg` makes it)."""
    return compile_with(POSTGRESQL, node, ctx, sla_sql)


def compile_per_row_pg(node: Node, ctx: QueryContext, sla_sql: SlaSql | None = None) -> Sql:
    """`compile_query_pg`'s condition with each narrowing term tested per conversation
    (PerRowDialect): the same conversations, for a list that walks its order."""
    return compile_with(PER_ROW, node, ctx, sla_sql)


_NEVER_NULL: Final = "/* never null */ "
"""Leads an `sla:` condition that is true or false on every row (each nullable column is
tested for NULL before it is compared), so `PostgresDialect.sla` need not wrap it in a
COALESCE that hides its comparisons from the planner."""

_DUE_KEY = "COALESCE(c.sla_due_at, 9223372036854775807)"
"""The due time as `conversations_by_status_due` keys it (store/pg/schema.py)."""


def sla_condition_pg(now: datetime) -> SlaSql:
    """`sla:` terms at `now`, for `compile_query_pg`: SQLite's (`sla_condition`), but
    `sla:at-risk` and `sla:ok` (due later than now) also say so as a range of the status
    index's due key, with no COALESCE around them: their count read every open
    conversation's index entry (200,000 at a million, 20-45 ms) for the few not yet due."""
    shared = sla_condition(now, POSTGRESQL)
    ts = int(now.timestamp())

    def compile_value(value: str) -> Sql:
        sql, params = shared(value)
        if value not in ("at-risk", "ok"):
            return sql, params
        # The shared form guards each column (`c.sla_due_at IS NOT NULL` before `>`, the
        # at-risk instant IS NULL / IS NOT NULL before `<=` / `>`): never NULL. The due
        # key is the due time where there is one, and then the same test.
        return f"{_NEVER_NULL}({_DUE_KEY} > ? AND {sql})", [ts, *params]

    return compile_value


def _search_test(texts: Sequence[Text], any_of: bool, form: str = _SEARCH_TEST) -> Sql:
    """The full-text test of one message `m` and its parameters (`form`: of an indexed
    message, or `_UNINDEXED_TEST` of one not indexed yet)."""
    test = form.format(terms=", ".join("?" * len(texts)),
                               prefixes=", ".join("?" * len(texts)),
                               any_of="TRUE" if any_of else "FALSE")
    values: list[object] = [_nul_free(text.value) for text in texts]
    return test, [*values, *(not text.phrase for text in texts)]


def _contains(value: str) -> str:
    """A LIKE pattern for "contains `value`", wildcards literal (PostgreSQL text holds no
    NUL, so none can be bound)."""
    escaped = _nul_free(value).replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def _nul_free(value: str) -> str:
    """NUL as a space: PostgreSQL refuses it in text, and FTS5 reads it as a separator."""
    return value.replace("\x00", " ")
