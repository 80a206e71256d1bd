"""Queries on PostgreSQL until its own compiler lands: the terms that need no full-text index.

`PgStore.select` uses `store/pg/query.py`'s `compile_query_pg(node, ctx)` when that module
exists (full-text with `tsvector`, `pg_trgm` for senders). Until then this module compiles
the structured terms (status, assignee, tag, dates, ids, sla ...) into PostgreSQL's SQL,
with the meaning the SQLite compiler (store/query_sql.py) gives them; words and phone
numbers, which need the full-text index, are refused with one clear `QueryError`.
"""

from __future__ import annotations

import math
from collections.abc import Callable

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
from cxinbox.store.query_sql import NO_HOURS, SlaSql

Sql = tuple[str, list[object]]

NOT_YET = "on PostgreSQL: not yet (it needs the full-text query compiler)"

_HAS_TAG = "c.id IN (SELECT t.conversation_id FROM conversation_tags t WHERE t.tag = ?)"
_UNASSIGNED = "c.assignee IS NULL"
_MENTIONED = (
    "c.id IN (SELECT n.conversation_id FROM mentions mn JOIN notes n ON n.id = mn.note_id"
    " WHERE n.retracted_at IS NULL{who})"
)
_LIKE = "ILIKE ? ESCAPE '\\'"
_FROM = (f"(c.from_addr {_LIKE} OR c.from_name {_LIKE} OR c.id IN (SELECT m.conversation_id"
         f" FROM messages m WHERE m.from_addr {_LIKE} OR m.from_name {_LIKE}))")
_TO = f"c.id IN (SELECT m.conversation_id FROM messages m WHERE m.to_addrs {_LIKE}" \
      f" OR m.cc_addrs {_LIKE})"

_FIXED: dict[tuple[str, str], str] = {
    ("is", "unread"): "c.unread_count > 0",
    ("is", "unassigned"): _UNASSIGNED,
    ("assignee", "none"): _UNASSIGNED,
    ("has", "attachment"): "c.has_attachment = 1",
    ("is", "red-flag"): "c.red_flag IS NOT NULL",
    ("red-flag", "any"): "c.red_flag IS NOT NULL",
    ("red-flag", "none"): "c.red_flag IS NULL",
}
_COLUMNS = {"status": "c.status", "priority": "c.priority", "channel": "c.channel"}
_ME = {"assignee": "me", "is": "mine"}


def _contains(value: str) -> str:
    escaped = value.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def compile_portable(node: Node, ctx: QueryContext, sla_sql: SlaSql | None) -> Sql:
    """The condition over `conversations c` and its parameters (`?` placeholders)."""

    def walk(n: Node) -> Sql:
        if isinstance(n, Everything):
            return "TRUE", []
        if isinstance(n, Text | Phone):
            what = "a phone number" if isinstance(n, Phone) else f"searching for '{n.value}'"
            raise QueryError(f"{what} {NOT_YET}", getattr(n, "position", 0),
                             getattr(n, "length", 1))
        if isinstance(n, Not):
            sql, params = walk(n.node)
            return f"NOT ({sql})", params
        if isinstance(n, And | Or):
            if not n.nodes:
                return ("TRUE" if isinstance(n, And) else "FALSE"), []
            parts = [walk(child) for child in n.nodes]
            op = " AND " if isinstance(n, And) else " OR "
            return ("(" + op.join(p for p, _ in parts) + ")",
                    [value for _, values in parts for value in values])
        return field(n)

    def field(n: Field) -> Sql:
        value = n.value.lower()
        if n.name not in FIELD_NAMES:
            raise QueryError(f"unknown field '{n.name}:'", n.position, n.length)
        if n.name == "sort":
            raise QueryError("'sort:' orders the list and selects nothing", n.position, n.length)
        if n.name == "sla":
            if sla_sql is None:
                raise QueryError("sla: is not available: no SLA policy is configured",
                                 n.position, n.length)
            sql, params = sla_sql(n.value)
            return f"coalesce(({'FALSE' if sql == '0' else sql}), FALSE)", list(params)
        if n.name == "hours":
            if ctx.clinic_open is None:
                raise QueryError(NO_HOURS, n.position, n.length)
            return ("TRUE" if ctx.clinic_open == (value == "open") else "FALSE"), []
        fixed = _FIXED.get((n.name, value))
        if fixed is not None:
            return fixed, []
        if n.name in _COLUMNS:
            return f"{_COLUMNS[n.name]} = ?", [value]
        if n.name in _ME and value == _ME[n.name]:
            return "c.assignee IS NOT DISTINCT FROM ?", [ctx.me]
        handler = _HANDLERS.get(n.name)
        if handler is None:
            raise QueryError(f"invalid value for '{n.name}:': {n.value}", n.position, n.length)
        return handler(n, ctx)

    return walk(node)


def _date(n: Field, ctx: QueryContext) -> Sql:
    seconds = math.floor(resolve_date(n, ctx).timestamp())
    return f"c.last_message_at {'<' if n.name == 'before' else '>='} ?", [seconds]


def _mentions(n: Field, ctx: QueryContext) -> Sql:
    if n.value == "none":
        return f"NOT {_MENTIONED.format(who='')}", []
    return (_MENTIONED.format(who=" AND lower(mn.os_user) = lower(?)"),
            [ctx.me if n.value == "me" else n.value])


def _ids(n: Field, _: QueryContext) -> Sql:
    ids = conversation_ids(n)
    return f"c.id IN ({', '.join('?' * len(ids))})", list(ids)


_HANDLERS: dict[str, Callable[[Field, QueryContext], Sql]] = {
    # `IS`, as in SQLite: no assignee is "not this person", also under NOT
    "assignee": lambda n, _: ("coalesce(lower(c.assignee) = lower(?), FALSE)", [n.value]),
    "before": _date,
    "after": _date,
    "tag": lambda n, _: (_HAS_TAG, [n.value.lower()]),
    "mailbox": lambda n, _: ("lower(c.mailbox) = lower(?)", [n.value]),
    "from": lambda n, _: (_FROM, [_contains(n.value)] * 4),
    "to": lambda n, _: (_TO, [_contains(n.value)] * 2),
    "id": _ids,
    "mentions": _mentions,
    "contact": lambda n, _: ("c.contact_id IS NOT DISTINCT FROM ?", [int(n.value)]),
    "intent": lambda n, _: ("c.intent IS NOT DISTINCT FROM ?", [n.value]),
    "red-flag": lambda n, _: ("c.red_flag IS NOT DISTINCT FROM ?", [n.value]),
}
