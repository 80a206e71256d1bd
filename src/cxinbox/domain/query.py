"""The cxinbox query language: one grammar for the TUI's `/` and the command line.

This module is pure (no SQL, no I/O) so the TUI can validate a query on every keystroke and
the CLI can reject a bad one before anything touches the database. `store.query_sql` turns the
tree built here into SQL.

Grammar (NOT binds tighter than AND, and AND tighter than OR)::

    query    := or_expr?
    or_expr  := and_expr ("OR" and_expr)*
    and_expr := unary+                      terms side by side are ANDed
    unary    := "-"* primary                "-" must touch its term: "-tag:x", "-(a OR b)"
    primary  := "(" or_expr ")" | word | "quoted phrase" | phone | name:value | name:"quoted value"

`sort:` (newest, oldest, due, priority) is a field in the grammar but not a filter: it orders
the whole list, so it may only stand among the top-level ANDed terms, at most once.

`hours:open` / `hours:closed` asks whether the clinic is open by its opening-hours calendar
at the query's instant (`QueryContext.now`), not at any conversation's own time: in a rule,
the instant the rule runs (an arrival, a reply, an escalation; `rules test` replays each at
its own instant); in a list or a view, now, so there it selects everything or nothing.

Lexical choices, each made for how front-desk staff actually type:

* Whitespace, "(" and ")" end a word; everything else belongs to it. A '"' opens a quoted phrase
  only where a term (or a field value) starts; inside a word it is literal, so `5'10"` searches
  for a height instead of failing as an unterminated quote.
* "OR" is a keyword only in upper case and only as a whole word; "or" is ordinary text.
* A word shaped like `letters:` is a field. Unknown names are reported (with a suggestion)
  rather than silently searched as text, because a mistyped filter that quietly matches
  nothing looks exactly like "no such conversations"; quoting searches the text instead.
* Field names and enumerated values are case-insensitive and stored canonical (lower case),
  so `Status:OPEN` and `status:open` build equal trees.
* A phone number typed the way people write one (`555-350-4006`, `(555) 350-4006`,
  `555 350 4006`, `+1 555 350 4006`) is one term even across its spaces and parentheses
  (domain/phonematch.py decides the shapes). As bare text it searches the text as before OR
  matches senders whose number ends with its digits (the text half keeps an invoice or
  record number findable); after `from:` it is that number match alone.
"""

from __future__ import annotations

import difflib
import re
import unicodedata
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, tzinfo
from enum import Enum
from typing import TypeAlias

from cxinbox.domain.intent_words import INTENT_CODES
from cxinbox.domain.phonematch import phone_end, search_digits
from cxinbox.domain.sanitize import clean_line
from cxinbox.domain.when import amount_seconds

__all__ = [
    "ENUMERATED_VALUES",
    "FIELD_NAMES",
    "And",
    "Everything",
    "Field",
    "Node",
    "Not",
    "Or",
    "ParsedQuery",
    "Phone",
    "QueryContext",
    "QueryError",
    "Text",
    "conversation_ids",
    "find_field",
    "parse",
    "parse_query",
    "resolve_date",
]

# Limits keep every accepted query inside what Python recursion and SQLite (expression depth,
# bound-parameter count) can take, so a pasted or generated monster fails with a clear error.
MAX_QUERY_CHARS = 16_384
MAX_TERMS = 256
MAX_DEPTH = 32
_MAX_AGO_SECONDS = 100 * 366 * 86_400
_MAX_ID_DIGITS = 18  # stays inside SQLite's signed 64-bit INTEGER

FIELD_NAMES: tuple[str, ...] = (
    "status",
    "assignee",
    "tag",
    "priority",
    "from",
    "to",
    "mailbox",
    "channel",
    "sla",
    "is",
    "has",
    "before",
    "after",
    "id",
    "mentions",
    "contact",
    "intent",
    "red-flag",
    "hours",
    "sort",
)

INTENT_NAMES: tuple[str, ...] = (
    "appointment_book", "appointment_change_cancel", "prescription_refill", "test_results",
    "billing_insurance", "records_forms", "referral", "clinical_question", "other",
    "spam_marketing",
)
"""The intents of domain/triage.py (a test holds the two lists equal; importing the
detectors here would load them in every CLI start)."""
RED_FLAG_NAMES: tuple[str, ...] = (
    "chest_pain", "breathing", "stroke", "suicide_self_harm", "severe_bleeding",
    "anaphylaxis", "pregnancy_emergency", "overdose_poisoning", "infant_fever", "head_injury",
)
"""The red-flag categories of domain/triage.py (held equal by the same test)."""

ENUMERATED_VALUES: dict[str, tuple[str, ...]] = {
    "status": ("open", "pending", "snoozed", "closed"),
    "priority": ("urgent", "high", "normal", "low"),
    "channel": ("email", "sms"),
    "sla": ("breached", "at-risk", "ok", "paused"),
    "is": ("unread", "unassigned", "mine", "red-flag", "unscreened"),
    "intent": INTENT_NAMES,
    "red-flag": (*RED_FLAG_NAMES, "any", "none"),
    "has": ("attachment",),
    "hours": ("open", "closed"),
    "sort": ("newest", "oldest", "due", "priority"),
}

DEFAULT_SORT = "newest"
"""Newest activity first: the inbox's order when a query names none (after open red flags:
`ParsedQuery.red_flags_first`)."""

URGENCY_SORTS = frozenset({"due", "priority"})
"""The `sort:` values that rank by urgency, and so always put open red flags first."""

# Words people reach for that string similarity alone would not map well.
_FIELD_HINTS: dict[str, str] = {
    "since": "after",
    "until": "before",
    "label": "tag",
    "labels": "tag",
    "ids": "id",
    "mention": "mentions",
    "mentioned": "mentions",
    "patient": "contact",
    "order": "sort",
    "orderby": "sort",
    "hour": "hours",
}

_DATE_HELP = "use YYYY-MM-DD, today, yesterday, or an age such as 7d, 12h, 30m, 40s"
_ID_HELP = "use 1024, #1024 or 1024,1025"
_CONTACT_HELP = "use the contact's number, e.g. contact:42"


class QueryError(Exception):
    """A query the user must fix, pointing at the characters that are wrong.

    `position` is the 0-based offset of the offending text in the query and `length` how many
    characters it spans, so the TUI can underline it and the CLI can print a caret line.
    """

    def __init__(self, message: str, position: int = 0, length: int = 1) -> None:
        super().__init__(message)
        self.message = message
        self.position = max(0, position)
        self.length = max(1, length)

    def __str__(self) -> str:
        return f"query error at column {self.position + 1}: {self.message}"

    def render(self, query: str) -> str:
        """One line for a status bar or stderr; the column is 1-based, as editors count."""
        column = min(self.position, len(query)) + 1
        return f"query error at column {column}: {self.message}"

    def caret_line(self, query: str) -> str:
        """The query and, under it, `^^^` beneath the offending term (two lines).

        Control characters are shown as one replacement glyph and wide (CJK) characters are
        counted as two cells, so the carets land under the right text on a terminal.
        """
        shown = "".join(_visible_char(ch) for ch in query)
        start = min(self.position, len(query))
        end = min(start + self.length, len(query))
        indent = _cells(shown[:start])
        width = max(1, _cells(shown[start:end]))
        return f"{shown}\n{' ' * indent}{'^' * width}"


def _visible_char(ch: str) -> str:
    """One printable stand-in per character, keeping offsets aligned with the query."""
    if ch.isspace():
        return " "
    if unicodedata.category(ch).startswith("C"):
        return "\ufffd"
    return ch


def _cells(text: str) -> int:
    """Terminal cells taken by already-visible text."""
    total = 0
    for ch in text:
        if unicodedata.combining(ch):
            continue
        total += 2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1
    return total


def _quoted(term: str) -> str:
    """A user-typed term made safe to echo inside an error message."""
    return "'" + clean_line(term, max_len=40) + "'"


# --------------------------------------------------------------------------- syntax tree


@dataclass(frozen=True, slots=True)
class Text:
    """Free text to find in subjects, senders and bodies.

    A bare word matches as a prefix (handy while typing); a quoted phrase matches exactly.
    """

    value: str
    phrase: bool = False


@dataclass(frozen=True, slots=True)
class Field:
    """A `name:value` filter. `value` is canonical (see `parse_query`).

    `position` and `length` locate the term in the query so that errors found later (for
    instance `sla:` with no SLA policy) can still point at it; they take no part in equality.
    """

    name: str
    value: str
    position: int = field(default=0, compare=False, repr=False)
    length: int = field(default=1, compare=False, repr=False)


@dataclass(frozen=True, slots=True)
class Phone:
    """Conversations with a sender whose number ends with `digits` (see domain/phonematch)."""

    digits: str


@dataclass(frozen=True, slots=True)
class Not:
    """Conversations that do not match `node`."""

    node: Node


@dataclass(frozen=True, slots=True)
class And:
    """Conversations matching every one of `nodes`."""

    nodes: tuple[Node, ...]


@dataclass(frozen=True, slots=True)
class Or:
    """Conversations matching at least one of `nodes`."""

    nodes: tuple[Node, ...]


@dataclass(frozen=True, slots=True)
class Everything:
    """The empty query: every conversation (the unfiltered inbox)."""


Node: TypeAlias = Text | Field | Phone | Not | And | Or | Everything


@dataclass(frozen=True, slots=True)
class ParsedQuery:
    """What to select (`where`) and in which order to list it (`sort`, a `sort:` value)."""

    where: Node
    sort: str = DEFAULT_SORT
    sort_given: bool = False

    @property
    def red_flags_first(self) -> bool:
        """Whether the list shows conversations with an open red flag before all others
        (each part in `sort` order).

        A list a receptionist triages from must not let a patient with chest pain slide
        under newer mail or under breached billing questions: so the inbox's own order (no
        `sort:` typed) and the urgency orders (`sort:due`, `sort:priority`) put open red
        flags first. `sort:newest` and `sort:oldest` typed out are plain time orders, for
        someone who asked to read a history in time order."""
        return not self.sort_given or self.sort in URGENCY_SORTS


@dataclass(frozen=True, slots=True)
class QueryContext:
    """Who is asking and when: what `me`, `today`, `7d` and `hours:` mean for this query.

    `clinic_open`: whether the clinic's opening-hours calendar (`[acknowledge] calendar`)
    is open at `now`; None when no such calendar is configured, and then `hours:` is
    refused rather than quietly matching nothing (or everything)."""

    me: str
    now: datetime
    tz: tzinfo
    clinic_open: bool | None = None
    backlog_mark_days: int = 14
    """`[triage] backlog_mark_days`: how recent a first sync's backlog must be for
    `is:unscreened` to select it (store/unscreened.py); 0: never."""

    def __post_init__(self) -> None:
        if self.now.tzinfo is None or self.now.utcoffset() is None:
            raise ValueError("QueryContext.now must be timezone-aware")


# --------------------------------------------------------------------------- lexer


class _Kind(Enum):
    LPAREN = "("
    RPAREN = ")"
    NOT = "-"
    OR = "OR"
    WORD = "word"
    PHRASE = "phrase"
    FIELD = "field"
    PHONE = "phone number"
    END = "end of query"


@dataclass(frozen=True, slots=True)
class _Token:
    kind: _Kind
    position: int
    length: int
    text: str = ""  # word, phrase content or field value
    name: str = ""  # field name, lower case
    value_position: int = 0
    value_length: int = 0


_FIELD_START = re.compile(r"[Rr][Ee][Dd]-[Ff][Ll][Aa][Gg]:|[A-Za-z]+:")
_TERM_STARTS = frozenset(
    {_Kind.NOT, _Kind.LPAREN, _Kind.WORD, _Kind.PHRASE, _Kind.FIELD, _Kind.PHONE})
_PRIMARY_STARTS = _TERM_STARTS - {_Kind.NOT}


class _Lexer:
    """Tokens on demand, so errors surface in reading order rather than all up front."""

    def __init__(self, text: str) -> None:
        self._text = text
        self._pos = 0
        self._peeked: _Token | None = None

    def peek(self) -> _Token:
        if self._peeked is None:
            self._peeked = self._scan()
        return self._peeked

    def take(self) -> _Token:
        token = self.peek()
        self._peeked = None
        return token

    def _scan(self) -> _Token:
        text = self._text
        while self._pos < len(text) and text[self._pos].isspace():
            self._pos += 1
        start = self._pos
        if start >= len(text):
            return _Token(_Kind.END, start, 1)
        ch = text[start]
        if ch in "+(" or ch.isdigit():
            end = phone_end(text, start)
            if end is not None and search_digits(text[start:end]) is not None:
                self._pos = end
                return _Token(_Kind.PHONE, start, end - start, text=text[start:end])
        if ch in "()":
            self._pos += 1
            return _Token(_Kind.LPAREN if ch == "(" else _Kind.RPAREN, start, 1)
        if ch == "-":
            return self._negation(start)
        if ch == '"':
            return self._phrase(start)
        match = _FIELD_START.match(text, start)
        if match:
            return self._field(start, match.end())
        return self._word(start)

    def _negation(self, start: int) -> _Token:
        after = start + 1
        if after >= len(self._text) or self._text[after].isspace():
            raise _dangling_minus(start)
        self._pos = after
        return _Token(_Kind.NOT, start, 1)

    def _phrase(self, start: int) -> _Token:
        content, end = self._quoted_run(start)
        if not content.strip():
            raise QueryError("empty quoted phrase", start, end - start)
        self._pos = end
        return _Token(_Kind.PHRASE, start, end - start, text=content)

    def _field(self, start: int, value_start: int) -> _Token:
        name = self._text[start : value_start - 1].lower()
        if name not in FIELD_NAMES:
            raise _unknown_field(self._text[start:value_start], start)
        if value_start < len(self._text) and self._text[value_start] == '"':
            value, end = self._quoted_run(value_start)
            value_position = value_start + 1
        elif name == "from" and (phone := self._phone_value(value_start)) is not None:
            end, value, value_position = phone, self._text[value_start:phone], value_start
        else:
            end = self._bare_run_end(value_start)
            value, value_position = self._text[value_start:end], value_start
        self._pos = end
        if not value.strip():
            raise QueryError(f"missing value after '{name}:'", start, end - start)
        return _Token(
            _Kind.FIELD,
            start,
            end - start,
            text=value.strip(),
            name=name,
            value_position=value_position,
            value_length=max(1, len(value)),
        )

    def _phone_value(self, start: int) -> int | None:
        """The end of a phone number typed right after `from:`, spaces and all, or None."""
        end = phone_end(self._text, start)
        if end is None or search_digits(self._text[start:end]) is None:
            return None
        return end

    def _word(self, start: int) -> _Token:
        end = self._bare_run_end(start)
        self._pos = end
        word = self._text[start:end]
        kind = _Kind.OR if word == "OR" else _Kind.WORD
        return _Token(kind, start, end - start, text=word)

    def _bare_run_end(self, start: int) -> int:
        end = start
        text = self._text
        while end < len(text) and not text[end].isspace() and text[end] not in "()":
            end += 1
        return end

    def _quoted_run(self, quote: int) -> tuple[str, int]:
        """Content between the quote at `quote` and the next '"', and the index after it."""
        closing = self._text.find('"', quote + 1)
        if closing < 0:
            raise QueryError(
                "unterminated quote: add a closing '\"'", quote, len(self._text) - quote
            )
        return self._text[quote + 1 : closing], closing + 1


def _dangling_minus(position: int) -> QueryError:
    return QueryError(
        "'-' must be directly followed by the term to exclude, as in -tag:billing", position, 1
    )


def _unknown_field(term: str, position: int) -> QueryError:
    name = term[:-1].lower()
    suggestion = _FIELD_HINTS.get(name) or next(
        iter(difflib.get_close_matches(name, FIELD_NAMES, n=1, cutoff=0.65)), None
    )
    if suggestion:
        hint = f"did you mean '{suggestion}:'?"
    else:
        hint = "to search for it as text, put it in quotes"
    return QueryError(f"unknown field {_quoted(term)} ({hint})", position, len(term))


# --------------------------------------------------------------------------- parser


def parse_query(text: str) -> Node:
    """The filter of `text` (its `sort:` term, if any, checked and left out); see `parse`."""
    return parse(text).where


def parse(text: str) -> ParsedQuery:
    """Parse `text` into a filter tree and a list order, or raise `QueryError` pointing at
    the first problem.

    Everything the grammar accepts is validated here, dates and ids included, so a query that
    parses can only fail later for reasons outside the user's text (such as no SLA policy).
    """
    if len(text) > MAX_QUERY_CHARS:
        raise QueryError(
            f"query is too long (at most {MAX_QUERY_CHARS} characters)",
            MAX_QUERY_CHARS,
            len(text) - MAX_QUERY_CHARS,
        )
    for index, ch in enumerate(text):
        if unicodedata.category(ch) == "Cs":
            raise QueryError("query contains bytes that are not valid text", index, 1)
    return _split_sort(_Parser(text).parse())


def _is_sort(node: Node) -> bool:
    return isinstance(node, Field) and node.name == "sort"


def _split_sort(tree: Node) -> ParsedQuery:
    """Take the `sort:` term out of the top-level AND; refuse one anywhere else."""
    top = tree.nodes if isinstance(tree, And) else (tree,)
    sorts: list[Field] = []
    for node in top:
        if isinstance(node, Field) and node.name == "sort":
            sorts.append(node)
    if len(sorts) > 1:
        extra = sorts[1]
        raise QueryError("only one 'sort:' per query", extra.position, extra.length)
    rest = tuple(node for node in top if not _is_sort(node))
    for node in rest:
        misplaced = _find_sort(node)
        if misplaced is not None:
            raise QueryError("'sort:' orders the whole list: put it outside parentheses,"
                             " OR and '-'", misplaced.position, misplaced.length)
    where: Node = Everything() if not rest else rest[0] if len(rest) == 1 else And(rest)
    if sorts:
        return ParsedQuery(where, sorts[0].value, sort_given=True)
    return ParsedQuery(where)


def _find_sort(node: Node) -> Field | None:
    return find_field(node, "sort")


def find_field(node: Node, name: str, value: str | None = None) -> Field | None:
    """The first `name:` term (`name:value` when `value` is given) anywhere in `node`
    (negated or grouped too), or None."""
    if isinstance(node, Field):
        return node if node.name == name and value in (None, node.value) else None
    if isinstance(node, Not):
        return find_field(node.node, name, value)
    if isinstance(node, And | Or):
        for child in node.nodes:
            found = find_field(child, name, value)
            if found is not None:
                return found
    return None


class _Parser:
    """Recursive descent over `_Lexer`; one method per grammar rule."""

    def __init__(self, text: str) -> None:
        self._lexer = _Lexer(text)
        self._terms = 0
        self._depth = 0

    def parse(self) -> Node:
        if self._lexer.peek().kind is _Kind.END:
            return Everything()
        node = self._or_expr(opening=None)
        extra = self._lexer.peek()
        if extra.kind is _Kind.RPAREN:
            raise QueryError("')' has no matching '('", extra.position, 1)
        return node

    def _or_expr(self, opening: _Token | None) -> Node:
        first = self._and_expr()
        if first is None:
            raise self._missing_term(opening)
        parts = [first]
        while self._lexer.peek().kind is _Kind.OR:
            keyword = self._lexer.take()
            right = self._and_expr()
            if right is None:
                raise QueryError("'OR' needs a term after it", keyword.position, keyword.length)
            parts.append(right)
        return _combine(Or, parts)

    def _and_expr(self) -> Node | None:
        parts: list[Node] = []
        while self._lexer.peek().kind in _TERM_STARTS:
            parts.append(self._unary())
        return _combine(And, parts) if parts else None

    def _unary(self) -> Node:
        minuses: list[_Token] = []
        while self._lexer.peek().kind is _Kind.NOT:
            minuses.append(self._lexer.take())
        if minuses and self._lexer.peek().kind not in _PRIMARY_STARTS:
            raise _dangling_minus(minuses[-1].position)
        node = self._primary()
        return Not(node) if len(minuses) % 2 else node

    def _primary(self) -> Node:
        token = self._lexer.take()
        if token.kind is _Kind.LPAREN:
            return self._group(token)
        self._count_term(token)
        if token.kind is _Kind.FIELD:
            return _field_node(token)
        if token.kind is _Kind.PHONE:
            return _phone_node(token)
        return Text(token.text, phrase=token.kind is _Kind.PHRASE)

    def _group(self, opening: _Token) -> Node:
        if self._depth >= MAX_DEPTH:
            raise QueryError(
                f"parentheses nested too deeply (at most {MAX_DEPTH} levels)", opening.position
            )
        self._depth += 1
        node = self._or_expr(opening)
        if self._lexer.peek().kind is not _Kind.RPAREN:
            raise QueryError("'(' is never closed", opening.position, 1)
        self._lexer.take()
        self._depth -= 1
        return node

    def _count_term(self, token: _Token) -> None:
        self._terms += 1
        if self._terms > MAX_TERMS:
            raise QueryError(f"too many terms (at most {MAX_TERMS})", token.position, token.length)

    def _missing_term(self, opening: _Token | None) -> QueryError:
        """Explain why a term was expected but not found (after '(' or at the start)."""
        found = self._lexer.peek()
        if found.kind is _Kind.OR:
            return QueryError("'OR' needs a term before it", found.position, found.length)
        if opening is None:
            return QueryError("')' has no matching '('", found.position, 1)
        if found.kind is _Kind.RPAREN:
            span = found.position + 1 - opening.position
            return QueryError("empty parentheses", opening.position, span)
        return QueryError("'(' is never closed", opening.position, 1)


def _combine(kind: type[And | Or], parts: list[Node]) -> Node:
    """One node for `parts`, flattening same-kind children: `a (b c)` is And(a, b, c)."""
    if len(parts) == 1:
        return parts[0]
    flat: list[Node] = []
    for part in parts:
        flat.extend(part.nodes if isinstance(part, kind) else (part,))
    return kind(tuple(flat))


def _field_node(token: _Token) -> Node:
    """Validate a field term and build its node with a canonical value."""
    name, raw = token.name, token.text
    if name in ENUMERATED_VALUES:
        value = _enumerated_value(token)
    elif name in ("before", "after"):
        value = raw.lower()
        if _parse_when(value) is None:
            raise _value_error(token, f"invalid date {_quoted(raw)} for '{name}:' ({_DATE_HELP})")
    elif name == "id":
        ids = _parse_ids(raw)
        if ids is None:
            raise _value_error(token, f"invalid conversation id {_quoted(raw)} ({_ID_HELP})")
        value = ",".join(str(number) for number in ids)
    elif name == "contact":
        digits = raw.strip().removeprefix("#")
        if not digits.isascii() or not digits.isdigit() or len(digits) > _MAX_ID_DIGITS:
            raise _value_error(token, f"invalid contact {_quoted(raw)} ({_CONTACT_HELP})")
        value = str(int(digits))
    elif name == "tag" or (name in ("assignee", "mentions") and raw.lower() in ("me", "none")):
        value = raw.lower()
    else:
        value = raw
    number = search_digits(raw) if name == "from" else None
    if number:  # a sender's number, not any text that contains these digits
        return Phone(number)
    return Field(name, value, position=token.position, length=token.length)


def _phone_node(token: _Token) -> Node:
    """A typed phone number: its text as before, or a sender with that number."""
    digits = search_digits(token.text)
    text = Text(token.text, phrase=any(ch in token.text for ch in " ()"))
    return Or((text, Phone(digits))) if digits else text


def _enumerated_value(token: _Token) -> str:
    allowed = ENUMERATED_VALUES[token.name]
    value = token.text.lower()
    if token.name in _UNDERSCORED:
        value = value.replace("-", "_")  # red-flag:chest-pain, as the category tag spells it
    if value in allowed:
        return value
    close = difflib.get_close_matches(value, allowed, n=1, cutoff=0.6)
    if not close and token.name == "intent":
        # The word the list shows before a subject ("Rx:", "Resched:") names its intent.
        shown = {word.lower(): name for name, word in INTENT_CODES.items()}
        close = [shown[value]] if value in shown else []
    if not close and token.name in _UNDERSCORED:
        # Long compound names: "biling" is a typo of a word in billing_insurance.
        words = {word: name for name in allowed for word in name.split("_")}
        close = [words[w] for w in difflib.get_close_matches(value, list(words), n=1,
                                                             cutoff=0.7)]
    guess = f" (did you mean '{close[0]}'?)" if close else ""
    message = (
        f"invalid value {_quoted(token.text)} for '{token.name}:'{guess};"
        f" expected one of: {', '.join(allowed)}"
    )
    raise _value_error(token, message)


_UNDERSCORED = frozenset({"intent", "red-flag"})


def _value_error(token: _Token, message: str) -> QueryError:
    """An error underlining the value, the part of the term the user has to change."""
    return QueryError(message, token.value_position, token.value_length)


# --------------------------------------------------------------------------- values


@dataclass(frozen=True, slots=True)
class _CalendarDay:
    """Midnight (clinic time) of a given day, or of `days_back` days before today."""

    day: date | None
    days_back: int = 0


@dataclass(frozen=True, slots=True)
class _Ago:
    """An instant `seconds` before now."""

    seconds: int


_ISO_DAY = re.compile(r"(\d{4})-(\d{2})-(\d{2})")


def _parse_when(value: str) -> _CalendarDay | _Ago | None:
    """The meaning of a before:/after: value, or None if it is not one we accept."""
    value = value.lower()
    if value in ("today", "yesterday"):
        return _CalendarDay(None, days_back=0 if value == "today" else 1)
    iso = _ISO_DAY.fullmatch(value)
    if iso:
        try:
            return _CalendarDay(date(int(iso[1]), int(iso[2]), int(iso[3])))
        except ValueError:
            return None
    seconds = amount_seconds(value)
    if seconds is not None:
        return _Ago(seconds) if seconds <= _MAX_AGO_SECONDS else None
    return None


def resolve_date(node: Field, ctx: QueryContext) -> datetime:
    """The instant a before:/after: term refers to, as an aware datetime.

    Days start at midnight in the clinic's time zone, not UTC: "today" at a desk in New York
    must not include last night's 9 pm messages. `after:D` means on or after the start of D and
    `before:D` means before the start of D, so the two split time without overlap.
    """
    when = _parse_when(node.value)
    if when is None:
        raise QueryError(
            f"invalid date {_quoted(node.value)} for '{node.name}:' ({_DATE_HELP})",
            node.position,
            node.length,
        )
    if isinstance(when, _Ago):
        return ctx.now - timedelta(seconds=when.seconds)
    day = when.day
    if day is None:
        day = ctx.now.astimezone(ctx.tz).date() - timedelta(days=when.days_back)
    return datetime.combine(day, time(), tzinfo=ctx.tz)


def _parse_ids(value: str) -> tuple[int, ...] | None:
    """Conversation ids from `1024`, `#1024` or `1024,#1025`; None if any item is not one."""
    ids: list[int] = []
    for item in value.split(","):
        digits = item.strip().removeprefix("#")
        if not digits.isascii() or not digits.isdigit() or len(digits) > _MAX_ID_DIGITS:
            return None
        number = int(digits)
        if number not in ids:
            ids.append(number)
    return tuple(ids)


def conversation_ids(node: Field) -> tuple[int, ...]:
    """The ids an `id:` term names, in the order given, without repeats."""
    ids = _parse_ids(node.value)
    if ids is None:
        raise QueryError(
            f"invalid conversation id {_quoted(node.value)} ({_ID_HELP})",
            node.position,
            node.length,
        )
    return ids
