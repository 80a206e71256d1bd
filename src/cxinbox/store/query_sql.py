"""Compile a parsed query (`cxinbox.domain.query`) into a SQL condition over conversations.

The result is a boolean expression over `conversations c` plus positional parameters; the
caller wraps it in its own SELECT, paging and ordering. Every user-typed value travels as a
bound parameter, and every text term is quoted for FTS5, so no input can change the shape of
the SQL or of the full-text query.

Negation must mean "does not match", including rows where a column is NULL: `-assignee:ana`
has to keep unassigned conversations. Predicates are therefore written to yield 0 or 1, never
NULL (`IS` instead of `=` on nullable columns, `IFNULL` around SQL we do not write ourselves).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import ClassVar, Final, assert_never

from cxinbox.domain.arrival import backlog_since
from cxinbox.domain.query import (
    FIELD_NAMES,
    And,
    Everything,
    Field,
    Node,
    Not,
    Or,
    Phone,
    QueryContext,
    QueryError,
    Text,
    conversation_ids,
    resolve_date,
)
from cxinbox.store import triage
from cxinbox.store.unscreened import marked_sql

__all__ = ["NARROWED", "NO_HOURS", "SQLITE", "Dialect", "SlaSql", "compile_query", "compile_with",
           "narrowed_by_subquery", "reads_ids_only", "reads_status_and_ids", "sla_condition"]

Sql = tuple[str, list[object]]

SlaSql = Callable[[str], Sql]
"""Given an `sla:` value (breached, at-risk, ok, paused), a condition over `c` and its params."""

# The narrow (id, conversation_id) index answers "which conversation" for each hit without
# reading the message row (schema_perf.py); SQLite would otherwise prefer the table.
_FTS_CONVERSATIONS = (
    "c.id {op} (SELECT m.conversation_id FROM messages_fts f"
    " JOIN messages m INDEXED BY messages_conversation_of ON m.id = f.rowid"
    " WHERE messages_fts MATCH ?)"
)
_LIKE = "LIKE ? ESCAPE '\\'"
_HAS_TAG = "c.id IN (SELECT t.conversation_id FROM conversation_tags t WHERE t.tag = ?)"
# Senders by substring. Three characters or more come out of the trigram indexes of
# store/schema_search.py as a quoted phrase (a substring, any case); shorter values cannot
# use trigrams and scan the narrow sender indexes with LIKE.
_FROM_SHORT = (
    f"(c.from_addr {_LIKE} OR c.from_name {_LIKE} OR c.id IN (SELECT m.conversation_id"
    f" FROM messages m INDEXED BY messages_sender"
    f" WHERE m.from_addr {_LIKE} OR m.from_name {_LIKE}))"
)
_SENDERS = (
    "c.id IN (SELECT s.rowid FROM conversation_senders_fts s"
    " WHERE conversation_senders_fts MATCH ?{cond}"
    " UNION ALL SELECT m.conversation_id FROM message_senders_fts s"
    " JOIN messages m INDEXED BY messages_conversation_of ON m.id = s.rowid"
    " WHERE message_senders_fts MATCH ?{cond})"
)
_FROM = _SENDERS.format(cond="")
# A number: its digits as a substring from the index, then the stored number must end
# with them (a typed national number is a suffix of the E.164 form).
_PHONE = _SENDERS.format(cond=" AND s.from_addr LIKE ?")
_TRIGRAM = 3
# A list rather than a correlated EXISTS: one sequential pass over messages instead of a
# lookup per conversation in whatever order the scanned index gives (random for most).
_TO = (
    "c.id IN (SELECT m.conversation_id FROM messages m"
    f" WHERE m.to_addrs {_LIKE} OR m.cc_addrs {_LIKE})"
)
_UNASSIGNED = "c.assignee IS NULL"
# Notes that mention a person, taken back ones excepted (see store/schema_team.py).
_MENTIONED = (
    "c.id IN (SELECT n.conversation_id FROM mentions mn JOIN notes n ON n.id = mn.note_id"
    " WHERE n.retracted_at IS NULL{who})"
)

_FIXED_SQL: dict[tuple[str, str], str] = {
    ("is", "unread"): "c.unread_count > 0",
    ("is", "unassigned"): _UNASSIGNED,
    ("assignee", "none"): _UNASSIGNED,
    ("has", "attachment"): "c.has_attachment = 1",
    # triage fields (store/schema_triage.py); an open red flag: store/triage.py
    ("is", "red-flag"): triage.OPEN_SQL,
    ("red-flag", "any"): triage.OPEN_SQL,
    ("red-flag", "none"): f"NOT ({triage.OPEN_SQL})",
}
# `+` keeps `channel:` off the partial SMS index (store/schema_sms.py), which is not
# covering: counting 25,000 SMS conversations through it read every row (17 ms against
# 10 ms from a covering index at 100,000 conversations).
_COLUMN_FIELDS = {"status": "c.status", "priority": "c.priority", "channel": "+c.channel"}
# Terms meaning "assigned to the person asking"; exact match so the assignee index is used.
_ME_FIELDS = {"assignee": "me", "is": "mine"}


NO_HOURS: Final = ("hours: needs the clinic's opening hours, and no [acknowledge] calendar"
                   " is configured")
"""Why an `hours:` term cannot be answered (the config refuses it in a rule up front)."""


NARROWED = "/* narrowed by a subquery */ "
"""Leads a compiled condition whose matches all come out of a subquery's list (a positive
text, from:, to:, tag: or mentions: term in the top-level AND). A SQL comment, so the
condition means exactly the same with or without it."""

_NARROWING_FIELDS = frozenset({"tag", "from", "to", "mentions"})

_IDS_ONLY = NARROWED + "/* ids only */ "
"""Leads a narrowed condition made of subquery terms alone, reading no column of `c` but
its id (a search box's words, from:, a number, tag:): the list can then find each match's
sort keys in a narrow index instead of the wide conversation row."""

_STATUS_AND_IDS = NARROWED + "/* status and ids */ "
"""Leads a narrowed condition of status terms ANDed with subquery terms (`status:open
tag:lab-results`): it reads `c.status` and `c.id` only, both in the status index, so the
list walks that index instead of looking up the wide row of every subquery match."""


def reads_ids_only(where: str) -> bool:
    """True when `where` (from `compile_query`) reads nothing of `c` but `c.id`."""
    return where.startswith(_IDS_ONLY)


def reads_status_and_ids(where: str) -> bool:
    """True when `where` (from `compile_query`) reads nothing of `c` but its status and id."""
    return where.startswith(_STATUS_AND_IDS)


def _status_and_ids(node: Node) -> bool:
    """Status terms and subquery terms ANDed, at least one of each."""
    if not isinstance(node, And):
        return False
    status = [child for child in node.nodes if _status_only(child)]
    others = [child for child in node.nodes if not _status_only(child)]
    return bool(status) and bool(others) and all(_ids_only(child) for child in others)


def _status_only(node: Node) -> bool:
    if isinstance(node, Field):
        return node.name == "status"
    if isinstance(node, Not):
        return _status_only(node.node)
    if isinstance(node, Or | And):
        return bool(node.nodes) and all(_status_only(child) for child in node.nodes)
    return False


def _ids_only(node: Node) -> bool:
    """Subquery terms ANDed: each is an `c.id IN` that SQLite can look up in an index by id.
    Not OR: SQLite would then scan the whole index to test each entry against both lists."""
    if isinstance(node, And):
        return bool(node.nodes) and all(_ids_only(child) for child in node.nodes)
    return not isinstance(node, Or) and _narrows(node)


def narrowed_by_subquery(where: str) -> bool:
    """True when `where` came from `compile_query` with a positive subquery term on top.

    Such a condition costs a pass over messages, tags or notes each time SQLite evaluates
    it, and its matches are usually few, so the list finds them once and sorts them rather
    than evaluating the condition for the count and again for the page; a negated one
    (`-tag:x`) matches nearly everything and is better walked in list order
    (store/conversations.py).
    """
    return where.startswith(NARROWED)


def _narrows(node: Node) -> bool:
    if isinstance(node, Text | Phone):
        return True
    if isinstance(node, Field):
        return node.name in _NARROWING_FIELDS and not (
            node.name == "mentions" and node.value == "none")
    if isinstance(node, And):
        return any(_narrows(child) for child in node.nodes)
    if isinstance(node, Or):
        return bool(node.nodes) and all(_narrows(child) for child in node.nodes)
    return False


def compile_query(node: Node, ctx: QueryContext, sla_sql: SlaSql | None = None, *,
                  unflagged: bool = False) -> Sql:
    """The SQL condition and parameters selecting the conversations `node` describes.

    `sla_sql` compiles `sla:` terms; SLA state lives with the SLA engine, so without it an
    `sla:` term raises `QueryError` instead of quietly matching nothing.

    `unflagged`: the condition as it reads on conversations with no open red flag, its
    red-flag terms decided (`is:red-flag` false, `red-flag:none` true) and folded away, so
    `(is:red-flag OR status:open sla:breached)` becomes the status term an index serves
    (`reads_red_flags` says whether a query has such terms; store/conversations.py
    `list_page` counts a view in two parts with it).
    """
    return compile_with(SQLITE, node, ctx, sla_sql, unflagged=unflagged)


def reads_red_flags(node: Node) -> bool:
    """Whether `node` has a term on the open red flag (`is:red-flag`, `red-flag:`)."""
    if isinstance(node, Field):
        return _red_flag_term(node)
    children = getattr(node, "nodes", None) or ((node.node,) if isinstance(node, Not) else ())
    return any(reads_red_flags(child) for child in children)


def _red_flag_term(node: Field) -> bool:
    return node.name == "red-flag" or (node.name == "is" and node.value.lower() == "red-flag")


def compile_with(dialect: Dialect, node: Node, ctx: QueryContext,
                 sla_sql: SlaSql | None = None, *, unflagged: bool = False) -> Sql:
    """`compile_query` for the engine `dialect` speaks (store/pg/query.py has PostgreSQL's).

    The structure (negation, grouping, folding of text terms, the NARROWED markers) is the
    same for every engine; only the SQL of each leaf term comes from the dialect.
    """
    sql, params = _Compiler(dialect, ctx, sla_sql, unflagged).compile(node)
    if _ids_only(node):
        return _IDS_ONLY + sql, params
    if _status_and_ids(node):
        return _STATUS_AND_IDS + sql, params
    return (NARROWED + sql if _narrows(node) else sql), params


class Dialect:
    """The SQL of each leaf term, as SQLite reads it; store/pg/query.py overrides what
    PostgreSQL spells differently. Every predicate yields true or false, never NULL (see
    the module docstring)."""

    true = "1"
    false = "0"
    fixed_sql: ClassVar[dict[tuple[str, str], str]] = _FIXED_SQL
    column_fields: ClassVar[dict[str, str]] = _COLUMN_FIELDS

    def text_match(self, texts: Sequence[Text], any_of: bool, op: str = "IN") -> Sql:
        """Conversations with a message matching all (or `any_of`) `texts` in full text;
        `op` is IN, or NOT IN for the negation."""
        return _text_match(texts, " OR " if any_of else " ", op)

    def sender(self, node: Field) -> Sql:
        return _from(node)

    def phone(self, node: Phone) -> Sql:
        return _phone(node)

    def recipient(self, node: Field) -> Sql:
        return _to(node)

    def has_tag(self, tag: str) -> Sql:
        return _HAS_TAG, [tag]

    def unscreened(self, since: int | None) -> Sql:
        """`is:unscreened` (store/unscreened.py; `since`: the backlog's window)."""
        return marked_sql(since)

    def either(self, parts: Sequence[str]) -> str:
        """Conditions joined by OR (their parameters stay in order)."""
        return "(" + " OR ".join(parts) + ")"

    def assignee(self, node: Field) -> Sql:
        return _assignee(node)

    def mailbox(self, node: Field) -> Sql:
        return _mailbox(node)

    def mentioned_by(self, who: str) -> Sql:
        return _MENTIONED.format(who=" AND mn.os_user = ? COLLATE NOCASE"), [who]

    def same(self, column: str, value: object) -> Sql:
        """`column` equals `value`, false (not NULL) where the column is NULL."""
        return f"{column} IS ?", [value]

    def sla(self, sql: str) -> str:
        return f"IFNULL(({sql}), 0)"

    def settled(self, holds: bool) -> Sql:
        """A condition that every conversation meets, or none, decided before the query
        runs (`hours:`). Bound, not a literal: SQLite folds a literal false and then
        refuses a list's INDEXED BY ("no query solution")."""
        return "? = 1", [1 if holds else 0]


class _Compiler:
    def __init__(self, dialect: Dialect, ctx: QueryContext, sla_sql: SlaSql | None,
                 unflagged: bool = False) -> None:
        self._dialect = dialect
        self._ctx = ctx
        self._sla_sql = sla_sql
        self._unflagged = unflagged
        """Decide the red-flag terms as on a conversation with no open flag and fold the
        constants they leave (`compile_query`)."""

    def compile(self, node: Node) -> Sql:
        if isinstance(node, Everything):
            return self._dialect.true, []
        if isinstance(node, Text):
            return self._dialect.text_match([node], any_of=False)
        if isinstance(node, Field):
            return self._field(node)
        if isinstance(node, Phone):
            return self._dialect.phone(node)
        if isinstance(node, Not):
            return self._not(node.node)
        if isinstance(node, And):
            return self._join(node.nodes, "AND")
        if isinstance(node, Or):
            return self._join(node.nodes, "OR")
        assert_never(node)

    def _not(self, inner: Node) -> Sql:
        if isinstance(inner, Text):
            return self._dialect.text_match([inner], any_of=False, op="NOT IN")
        sql, params = self.compile(inner)
        if self._unflagged and sql in (self._dialect.true, self._dialect.false):
            return (self._dialect.false if sql == self._dialect.true
                    else self._dialect.true), params
        return f"NOT ({sql})", params

    def _join(self, nodes: Sequence[Node], op: str) -> Sql:
        """Join children with `op`, folding their plain text terms into one FTS query.

        One MATCH with several phrases costs one index probe instead of one subquery per
        word. For AND this means all the words must occur in the same message (the usual
        reading of a search box); for OR the folding changes nothing.
        """
        if not nodes:
            return (self._dialect.true if op == "AND" else self._dialect.false), []
        if op == "OR":
            nodes = _alerting_merged(nodes)
        texts = [n for n in nodes if isinstance(n, Text)]
        parts: list[Sql] = []
        for child in nodes:
            if not isinstance(child, Text):
                parts.append(self.compile(child))
            elif texts:
                parts.append(self._dialect.text_match(texts, any_of=op == "OR"))
                texts = []
        if self._unflagged:
            parts = self._folded(parts, op)
            if len(parts) == 1:
                return parts[0]
        values = [param for _, part_params in parts for param in part_params]
        if op == "OR":
            return self._dialect.either([part_sql for part_sql, _ in parts]), values
        sql = f" {op} ".join(part_sql for part_sql, _ in parts)
        return f"({sql})", values

    def _folded(self, parts: list[Sql], op: str) -> list[Sql]:
        """`parts` joined by `op` with their constants folded (`unflagged`): one constant
        that decides the whole, or the parts that are not constants (at least one)."""
        true, false = self._dialect.true, self._dialect.false
        absorbing, neutral = (true, false) if op == "OR" else (false, true)
        if any(sql == absorbing for sql, _ in parts):
            return [(absorbing, [])]
        kept = [part for part in parts if part[0] != neutral]
        return kept or [(neutral, [])]

    def _field(self, node: Field) -> Sql:
        if node.name not in FIELD_NAMES:
            raise QueryError(f"unknown field '{node.name}:'", node.position, node.length)
        if self._unflagged and _red_flag_term(node):  # no open flag: decided
            none = node.name == "red-flag" and node.value.lower() == "none"
            return (self._dialect.true if none else self._dialect.false), []
        if node.name == "sla":
            return self._sla(node)
        if node.name == "sort":  # domain.query.parse takes it out of the filter
            raise QueryError("'sort:' orders the list and selects nothing",
                             node.position, node.length)
        if node.name == "hours":
            return self._hours(node)
        if node.name == "is" and node.value.lower() == "unscreened":
            # The list's "not screened" mark, by its one rule (store/unscreened.py).
            return self._dialect.unscreened(backlog_since(
                math.floor(self._ctx.now.timestamp()), self._ctx.backlog_mark_days))
        dialect = self._dialect
        fixed = dialect.fixed_sql.get((node.name, node.value.lower()))
        if fixed is not None:
            return fixed, []
        if node.name in dialect.column_fields:
            return f"{dialect.column_fields[node.name]} = ?", [node.value.lower()]
        if node.name in _ME_FIELDS and node.value.lower() == _ME_FIELDS[node.name]:
            return dialect.same("c.assignee", self._ctx.me)
        handler = _HANDLERS.get(node.name)
        if handler is None:
            raise QueryError(
                f"invalid value for '{node.name}:': {node.value}", node.position, node.length
            )
        return handler(dialect, node, self._ctx)

    def _hours(self, node: Field) -> Sql:
        """One constant for the whole query: the clinic is open or closed at `ctx.now`
        whatever the conversation (see domain/query.py)."""
        is_open = self._ctx.clinic_open
        if is_open is None:
            raise QueryError(NO_HOURS, node.position, node.length)
        return self._dialect.settled(is_open == (node.value.lower() == "open"))

    def _sla(self, node: Field) -> Sql:
        if self._sla_sql is None:
            raise QueryError(
                "sla: is not available: no SLA policy is configured", node.position, node.length
            )
        sql, params = self._sla_sql(node.value)
        return self._dialect.sla(sql), list(params)


def _alerting_merged(nodes: Sequence[Node]) -> Sequence[Node]:
    """`sla:at-risk OR sla:breached` (view 3's words) as one `sla:` term, ALERTING: one
    test of the due instants where the two were two, on every conversation a view counts."""
    terms = [n for n in nodes if isinstance(n, Field) and n.name == "sla"
             and n.value.lower() in ("at-risk", "breached")]
    if len({n.value.lower() for n in terms}) < 2:
        return nodes
    first = terms[0]
    merged = Field("sla", ALERTING, first.position, first.length)
    return [merged if n is first else n for n in nodes
            if not (isinstance(n, Field) and n in terms and n is not first)]


def _assignee(node: Field) -> Sql:
    return "c.assignee IS ? COLLATE NOCASE", [node.value]


def _date(_: Dialect, node: Field, ctx: QueryContext) -> Sql:
    seconds = math.floor(resolve_date(node, ctx).timestamp())
    op = "<" if node.name == "before" else ">="
    return f"c.last_message_at {op} ?", [seconds]


def _tag(dialect: Dialect, node: Field, __: QueryContext) -> Sql:
    return dialect.has_tag(node.value.lower())


def _mailbox(node: Field) -> Sql:
    return "c.mailbox = ? COLLATE NOCASE", [node.value]


def _from(node: Field) -> Sql:
    if len(node.value) < _TRIGRAM:
        return _FROM_SHORT, [_contains(node.value)] * 4
    return _FROM, [_fts_phrase(node.value)] * 2


def _phone(node: Phone) -> Sql:
    phrase, suffix = _fts_phrase(node.digits), "%" + node.digits
    return _PHONE, [phrase, suffix, phrase, suffix]


def _to(node: Field) -> Sql:
    return _TO, [_contains(node.value)] * 2


def _mentions(dialect: Dialect, node: Field, ctx: QueryContext) -> Sql:
    if node.value == "none":
        return f"NOT {_MENTIONED.format(who='')}", []
    return dialect.mentioned_by(ctx.me if node.value == "me" else node.value)


def _ids(_: Dialect, node: Field, __: QueryContext) -> Sql:
    ids = conversation_ids(node)
    return f"c.id IN ({', '.join('?' * len(ids))})", list(ids)


_HANDLERS: dict[str, Callable[[Dialect, Field, QueryContext], Sql]] = {
    "assignee": lambda dialect, node, _: dialect.assignee(node),
    "before": _date,
    "after": _date,
    "tag": _tag,
    "mailbox": lambda dialect, node, _: dialect.mailbox(node),
    "from": lambda dialect, node, _: dialect.sender(node),
    "to": lambda dialect, node, _: dialect.recipient(node),
    "id": _ids,
    "mentions": _mentions,
    "contact": lambda dialect, node, _: dialect.same("c.contact_id", int(node.value)),
    "intent": lambda dialect, node, _: dialect.same("c.intent", node.value),
    "red-flag": lambda dialect, node, _: dialect.same("c.red_flag", node.value),
}


def _contains(value: str) -> str:
    """A LIKE pattern for "contains `value`", with LIKE's wildcards taken literally."""
    escaped = value.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def _text_match(texts: Sequence[Text], fts_op: str, op: str) -> Sql:
    """Conversations with a message matching `texts` (joined by `fts_op`) in full text."""
    expression = fts_op.join(_fts_term(text) for text in texts)
    return _FTS_CONVERSATIONS.format(op=op), [expression]


def _fts_term(text: Text) -> str:
    """One FTS5 string: always quoted, so `NEAR(`, `AND`, `*` or `-x` are only words.

    A bare word becomes a prefix query (`"lab"*` finds "laboratory") so results follow
    the user while they type; a phrase must match exactly. FTS5 reads its query only up to
    a NUL, which would cut the closing quote off, so NUL becomes a space (it separates
    tokens either way).
    """
    quoted = _fts_phrase(text.value)
    return quoted if text.phrase else quoted + "*"


def _fts_phrase(value: str) -> str:
    """`value` as one quoted FTS5 string: every character literal (see `_fts_term`)."""
    return '"' + value.replace("\x00", " ").replace('"', '""') + '"'


ALERTING: Final = "at-risk|breached"
"""The `sla:` value `sla:at-risk OR sla:breached` compiles as (`_alerting_merged`); no one
can type it (the parser knows the four values alone)."""

_RUNNING = "c.status = 'open' AND c.sla_due_at IS NOT NULL"
"""A running SLA clock: not pending, snoozed or closed (open is the one status left: the
service sets no other), with a due time. One comparison, not a list: view 3 tests it twice
on every open conversation it counts (8.1 -> 4.3 ms CPU at 100,000, bench_tui)."""


def sla_condition(now: datetime, dialect: Dialect | None = None) -> SlaSql:
    """The `sla:` terms at `now`, over the due instants the SLA service stored (so a query
    needs no calendar maths): breached, at-risk, ok and paused. The SQL is the same for
    every engine but for the literal false (`dialect`, SQLite's by default)."""
    false = (dialect or SQLITE).false
    ts = int(now.timestamp())

    def compile_value(value: str) -> Sql:
        if value == ALERTING:  # at risk or breached: due, or past its at-risk instant
            return (f"({_RUNNING} AND (c.sla_due_at <= ? OR c.sla_at_risk_at <= ?))"
                    ), [ts, ts]
        if value == "breached":
            return f"({_RUNNING} AND c.sla_due_at <= ?)", [ts]
        if value == "at-risk":
            return (f"({_RUNNING} AND c.sla_due_at > ? AND c.sla_at_risk_at IS NOT NULL"
                    " AND c.sla_at_risk_at <= ?)"), [ts, ts]
        if value == "ok":
            return (f"({_RUNNING} AND c.sla_due_at > ? AND (c.sla_at_risk_at IS NULL"
                    " OR c.sla_at_risk_at > ?))"), [ts, ts]
        if value == "paused":
            return "(c.status IN ('pending', 'snoozed') AND c.sla_policy IS NOT NULL)", []
        return false, []

    return compile_value


SQLITE: Final = Dialect()
"""SQLite's spelling of every term."""
