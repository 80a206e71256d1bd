"""Every field a client sends, parsed into its type at the API boundary: one place.

The socket server (and the in-process transport, so both behave the same) passes every
call through `Validator.check` before the service sees it. Each argument is

1. bound to the `InboxAPI` method's signature (unknown or missing arguments refused),
2. checked against the parameter's annotation (`int`, `str | None`, `list[str]`, ...: a
   string is never an epoch, a bool is never an id), and
3. parsed by the rule for its name below: ranges for ids and times, enums for statuses and
   modes, the roster for assignees, length caps for everything, and the same sanitiser as
   patient text for every string that can reach someone else's screen.

A parameter without a rule is refused (fail closed): a new API method cannot skip this by
accident, and a test walks every method to prove each parameter has one. Refusals are
`BadRequest` with one line naming the method and the field, never the value sent (it may
be hostile, or patient text).
"""

from __future__ import annotations

import inspect
import math
import re
import time
import types
import typing
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from typing import TYPE_CHECKING, Any, Final, Union

from cxinbox.contract.errors import BadRequest
from cxinbox.domain import kb
from cxinbox.domain.compose import MAX_ATTACHMENT_BYTES
from cxinbox.domain.sanitize import clean_line, clean_text
from cxinbox.domain.when import MAX_SNOOZE_S

if TYPE_CHECKING:
    from cxinbox.config import Config

MAX_ID: Final = 2**53
"""Ids are SQLite integers shown to people; anything larger is not one of ours."""
EARLIEST: Final = 946_684_800
"""2000-01-01 UTC: no time a client sends may be older."""
MAX_QUERY_CHARS: Final = 4000
MAX_NOTE_CHARS: Final = 20_000
MAX_DRAFT_CHARS: Final = 200_000
MAX_LINE_CHARS: Final = 998
"""A subject or an address: the longest line a mail header may carry."""
MAX_NAME_CHARS: Final = 200
MAX_REASON_CHARS: Final = 500
MAX_TAG_CHARS: Final = 64
MAX_TAGS: Final = 50
MAX_RECIPIENTS: Final = 100
MAX_FILLS: Final = 50
MAX_FILL_CHARS: Final = 2000
MAX_LIMIT: Final = 100_000

STATUSES: Final = ("open", "pending", "snoozed", "closed")
PRIORITIES: Final = ("urgent", "high", "normal", "low")
DRAFT_MODES: Final = ("reply", "reply_all", "new", "sms")
OUTBOX_STATES: Final = ("queued", "sending", "sent", "failed", "cancelled", "unconfirmed")
EXPORT_FORMATS: Final = ("json", "csv", "table")
KB_AUDIENCES: Final = kb.AUDIENCES
MAX_KB_BODY: Final = kb.MAX_BODY
REPORT_BY: Final = ("staff", "mailbox", "tag", "channel", "intent", "day", "week",
                     "heatmap")
REPORT_NAMES: Final = ("volume", "response", "sla", "backlog", "workload", "red-flags",
                        "csat")

_LOGIN = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.@$-]{0,63}")
_ACTOR = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.@$:-]{0,127}")
_PART = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}")
_CONTENT_TYPE = re.compile(r"[A-Za-z0-9][A-Za-z0-9!#$&^_.+-]*/[A-Za-z0-9][A-Za-z0-9!#$&^_.+-]*")


class Invalid(Exception):
    """Raised inside a rule; becomes `BadRequest("method: field: why")`."""


@dataclass(frozen=True, slots=True)
class Context:
    """What a rule may look at besides the value."""

    method: str
    roster: frozenset[str]
    now: float
    teams: frozenset[str] = frozenset()


Rule = Callable[[Any, Context], Any]


# -- step 2: the annotation ----------------------------------------------------------------


_TYPE_WORDS: Final = {int: "an integer", float: "a number", bool: "true or false",
                      str: "a string", bytes: "bytes", datetime: "a date and time",
                      type(None): "nothing (null)"}


def _describe(annotation: Any) -> str:
    origin = typing.get_origin(annotation)
    if origin in (Union, types.UnionType):
        return " or ".join(_describe(a) for a in typing.get_args(annotation))
    if origin is list:
        return f"a list of {_describe(typing.get_args(annotation)[0]).split(' ', 1)[-1]}s"
    if origin is dict:
        return "an object"
    return _TYPE_WORDS.get(annotation, getattr(annotation, "__name__", str(annotation)))


def _conforms(value: Any, annotation: Any) -> bool:
    """Whether `value` is exactly of the annotated type (a bool is not an int here)."""
    origin = typing.get_origin(annotation)
    if origin in (Union, types.UnionType):
        return any(_conforms(value, a) for a in typing.get_args(annotation))
    if origin is list:
        (item,) = typing.get_args(annotation)
        return type(value) is list and all(_conforms(v, item) for v in value)
    if origin is dict:
        key, item = typing.get_args(annotation)
        return type(value) is dict and all(_conforms(k, key) and _conforms(v, item)
                                           for k, v in value.items())
    if annotation is type(None) or annotation is None:
        return value is None
    if annotation is float:
        return type(value) in (int, float)
    if annotation is datetime:
        return type(value) is datetime
    return type(value) is annotation


# -- step 3: the rules, by parameter name ----------------------------------------------------


def _int_range(low: int, high: int) -> Rule:
    def rule(value: Any, _ctx: Context) -> Any:
        if value is not None and not low <= value <= high:
            raise Invalid(f"must be between {low} and {high}")
        return value

    return rule


_ID = _int_range(1, MAX_ID)
_COUNT = _int_range(0, MAX_ID)


def _limit(value: Any, ctx: Context) -> Any:
    if value is not None and not 0 <= value <= MAX_LIMIT:
        raise Invalid(f"must be between 0 and {MAX_LIMIT}")
    return value


def _one_of(choices: tuple[str, ...]) -> Rule:
    def rule(value: Any, _ctx: Context) -> Any:
        if value is not None and value not in choices:
            raise Invalid(f"must be one of {', '.join(choices)}")
        return value

    return rule


def _each(rule: Rule, most: int) -> Rule:
    """`rule` for every item of a list (or the one value, when it is not a list)."""
    def each(value: Any, ctx: Context) -> Any:
        if value is None:
            return None
        if isinstance(value, list):
            if len(value) > most:
                raise Invalid(f"at most {most} items")
            return [rule(v, ctx) for v in value]
        return rule(value, ctx)

    return each


def _unsafe(text: str) -> bool:
    """True when the sanitiser would take anything out beyond folding whitespace."""
    return clean_line(text) != " ".join(text.split())


def _plain(most: int, *, empty: bool = True) -> Rule:
    """A structured one-line string (a query, an address): refused if it holds escapes,
    control or invisible characters, since cleaning would change what it means."""
    def rule(value: Any, _ctx: Context) -> Any:
        if value is None:
            return None
        if len(value) > most:
            raise Invalid(f"longer than {most} characters")
        if _unsafe(value):
            raise Invalid("contains control, escape or invisible characters")
        if not empty and not value.strip():
            raise Invalid("is empty")
        return value

    return rule


def _line(most: int) -> Rule:
    """Free one-line text someone else will see (a subject, a name): sanitised like patient
    text before it is stored."""
    def rule(value: Any, _ctx: Context) -> Any:
        if value is None:
            return None
        if len(value) > most:
            raise Invalid(f"longer than {most} characters")
        return clean_line(value)

    return rule


def _required_line(most: int) -> Rule:
    """Like `_line`, and not blank (a clearing's reason: the audit trail needs one)."""
    def rule(value: Any, _ctx: Context) -> Any:
        if len(value) > most:
            raise Invalid(f"longer than {most} characters")
        cleaned = clean_line(value)
        if not cleaned.strip():
            raise Invalid("is empty")
        return cleaned

    return rule


def _text(most: int) -> Rule:
    """Free multi-line text someone else will see (a note, a draft): sanitised on the way in."""
    def rule(value: Any, _ctx: Context) -> Any:
        if len(value) > most:
            raise Invalid(f"longer than {most} characters")
        return clean_text(value)

    return rule


def _tag(value: Any, _ctx: Context) -> Any:
    norm = value.strip().lower()
    if len(norm) > MAX_TAG_CHARS:
        raise Invalid(f"a tag is at most {MAX_TAG_CHARS} characters")
    if _unsafe(norm) or any(ch.isspace() for ch in norm):
        raise Invalid("a tag has spaces, control or invisible characters")
    return norm


def _assignee(value: Any, ctx: Context) -> Any:
    """None (unassign) or a login: on the roster when there is one."""
    if value is None:
        return None
    name = value.strip()
    if name in ctx.roster:  # roster logins were vetted with the config
        return name
    if not _LOGIN.fullmatch(name):
        raise Invalid("is not a user name")
    if ctx.roster:
        raise Invalid(f"unknown user {name!r}; known users: {', '.join(sorted(ctx.roster))}")
    return name


def _team(value: Any, ctx: Context) -> Any:
    """A configured team's name (`team:` in front is allowed, as people type it)."""
    name = value.strip().removeprefix("team:")
    if name in ctx.teams:
        return name
    if _unsafe(value) or len(value) > MAX_NAME_CHARS:
        raise Invalid("is not a team name")
    known = ", ".join(sorted(ctx.teams)) or "none configured ([[teams]])"
    raise Invalid(f"unknown team {clean_line(name, max_len=64)!r}; known teams: {known}")


def _actor(value: Any, ctx: Context) -> Any:
    """An audit filter: a login, `rule:NAME`, or anyone on the roster."""
    if value is not None and value not in ctx.roster and not _ACTOR.fullmatch(value):
        raise Invalid("is not a user name")
    return value


def _until(value: Any, ctx: Context) -> Any:
    """An epoch second: not before 2000, not more than two years ahead."""
    if value is None:
        return None
    if not EARLIEST <= value <= ctx.now + MAX_SNOOZE_S:
        raise Invalid("must be a time (epoch seconds) within the next two years")
    return value


def _since(value: Any, ctx: Context) -> Any:
    if value is None:
        return None
    try:
        epoch = value.timestamp()
    except (OverflowError, ValueError, OSError):
        raise Invalid("is not a usable time") from None
    if value.tzinfo is None or not EARLIEST <= epoch <= ctx.now + 86400:
        raise Invalid("must be a time zone-aware time between 2000 and now")
    return value


def _audit_until(value: Any, ctx: Context) -> Any:
    """The audit trail's upper bound: an aware time from 2000 on; ahead of now is fine
    (all so far), up to two years."""
    if value is None:
        return None
    try:
        epoch = value.timestamp()
    except (OverflowError, ValueError, OSError):
        raise Invalid("is not a usable time") from None
    if value.tzinfo is None or not EARLIEST <= epoch <= ctx.now + MAX_SNOOZE_S:
        raise Invalid("must be a time zone-aware time between 2000 and two years ahead")
    return value


def _instant(value: Any, ctx: Context) -> Any:
    """A report's bound: an epoch second from 2000 to a day ahead."""
    if value is not None and not EARLIEST <= value <= ctx.now + 86400:
        raise Invalid("must be a time (epoch seconds) between 2000 and now")
    return value


def _timeout(value: Any, _ctx: Context) -> Any:
    if not math.isfinite(value) or not 0 <= value <= 3600:
        raise Invalid("must be between 0 and 3600 seconds")
    return float(value)


def _part(value: Any, _ctx: Context) -> Any:
    if not _PART.fullmatch(value):
        raise Invalid("is not a part number")
    return value


def _content_type(value: Any, _ctx: Context) -> Any:
    if value and (len(value) > 127 or not _CONTENT_TYPE.fullmatch(value)):
        raise Invalid("is not a content type (type/subtype)")
    return value


def _data(value: Any, _ctx: Context) -> Any:
    if len(value) > MAX_ATTACHMENT_BYTES:
        raise Invalid(f"larger than {MAX_ATTACHMENT_BYTES // (1024 * 1024)} MB")
    return value


def _fills(value: Any, ctx: Context) -> Any:
    if value is None:
        return None
    if len(value) > MAX_FILLS:
        raise Invalid(f"at most {MAX_FILLS} blanks")
    key_rule, value_rule = _plain(64, empty=False), _line(MAX_FILL_CHARS)
    return {key_rule(k, ctx): value_rule(v, ctx) for k, v in value.items()}


def _directory(value: Any, _ctx: Context) -> Any:
    """A directory on the server's machine: absolute, one plain line, no `..` steps."""
    if value is None:
        return None
    if len(value) > 4096 or _unsafe(value) or value != value.strip():
        raise Invalid("is not a usable path")
    if not value.startswith("/") or "/../" in f"{value}/":
        raise Invalid("must be an absolute path without '..'")
    return value


def _kb_slug(value: Any, _ctx: Context) -> Any:
    """A knowledge-base article's name: lower-case letters, digits and dashes."""
    if value is not None and not kb.is_slug(value):
        raise Invalid("is not an article slug (lower-case letters, digits and dashes)")
    return value


def _optional(rule: Rule) -> Rule:
    def rule_or_none(value: Any, ctx: Context) -> Any:
        return None if value is None else rule(value, ctx)

    return rule_or_none


def _any(value: Any, _ctx: Context) -> Any:
    """For fields whose annotation already says everything (booleans)."""
    return value


RULES: Final[dict[str, Rule]] = {
    # ids people say aloud, and the cursors that follow them
    **dict.fromkeys(("conv_id", "into_id", "other_id", "message_id", "note_id", "draft_id",
                     "file_id", "outbox_id", "contact_id", "conversation_id",
                     "conversation"), _ID),
    "up_to_note_id": _COUNT,
    "undo_of": _ID,  # the seq of the caller's own event an undo takes back
    "seq": _COUNT,
    "presence_version": _int_range(-MAX_ID, MAX_ID),  # only compared; clients start at -1
    "epoch": _plain(64),  # only compared: the database's timeline a client last heard
    "count": _COUNT,
    "offset": _int_range(0, 10_000_000),
    "count_up_to": _int_range(1, 10_000_000),
    "limit": _limit,
    "timeout_s": _timeout,
    # enums
    "status": _one_of(STATUSES),
    "priority": _one_of(PRIORITIES),
    "mode": _one_of(DRAFT_MODES),
    "states": _each(_one_of(OUTBOX_STATES), len(OUTBOX_STATES)),
    "fmt": _one_of(EXPORT_FORMATS),
    "report": _one_of(REPORT_NAMES),
    "by": _each(_one_of(REPORT_BY), 2),
    # times
    "until": _until,
    "since": _since,
    "start": _instant,
    "end": _instant,
    # people
    "user": _assignee,
    "team": _team,
    "actor": _actor,
    # structured strings
    "query": _plain(MAX_QUERY_CHARS),
    "add": _each(_tag, MAX_TAGS),
    "remove": _each(_tag, MAX_TAGS),
    "address": _plain(MAX_LINE_CHARS, empty=False),
    "part_path": _part,
    "content_type": _content_type,
    "directory": _directory,
    # free text others will read, sanitised before it is stored
    "subject": _line(MAX_LINE_CHARS),
    "to": _each(_line(MAX_LINE_CHARS), MAX_RECIPIENTS),
    "cc": _each(_line(MAX_LINE_CHARS), MAX_RECIPIENTS),
    "mail_to": _each(_plain(MAX_LINE_CHARS, empty=False), MAX_RECIPIENTS),
    "filename": _line(255),
    "name": _line(MAX_NAME_CHARS),
    "reason": _required_line(MAX_REASON_CHARS),
    "fills": _fills,
    "data": _data,
    # the knowledge base (service/kb.py checks each field's form again)
    "slug": _kb_slug,
    "revision": _ID,
    "audience": _one_of(KB_AUDIENCES),
    "tag": _optional(_tag),
    "tags": _each(_tag, MAX_TAGS),
    "title": _line(MAX_NAME_CHARS),
    "link": _plain(MAX_LINE_CHARS),
    "note": _line(300),
    "text": _plain(500),
    # flags
    **dict.fromkeys(("dry_run", "force", "composing", "unread_only", "away", "link_only",
                     "again"),
                    _any),
}

BODY_LIMITS: Final = {"add_note": MAX_NOTE_CHARS, "save_draft": MAX_DRAFT_CHARS,
                      "kb_add": MAX_KB_BODY, "kb_edit": MAX_KB_BODY}
"""`body` is a note or a draft; each has its own cap."""


def rule_for(method: str, name: str) -> Rule | None:
    if name == "body":
        most = BODY_LIMITS.get(method)
        return None if most is None else _optional(_text(most))
    if method == "audit" and name == "until":  # a time, not a snooze's epoch second
        return _audit_until
    return RULES.get(name)


# -- the check -----------------------------------------------------------------------------


@cache
def _signature(method: str) -> tuple[inspect.Signature, dict[str, Any]]:
    from cxinbox.api.interface import InboxAPI, annotation_names

    fn = getattr(InboxAPI, method)
    signature = inspect.signature(fn)
    params = list(signature.parameters.values())[1:]  # without self
    return signature.replace(parameters=params), typing.get_type_hints(
        fn, localns=annotation_names())


class Validator:
    """Checks one call's arguments; built once per server (or in-process API) from the config."""

    def __init__(self, config: Config | None) -> None:
        # People work conversations; a monitoring login (role "monitor") is not assignable.
        self.roster = frozenset(m.os_user for m in config.staff if m.role != "monitor") \
            if config is not None else frozenset()
        self.teams = frozenset(t.name for t in config.teams) if config is not None \
            else frozenset()

    def check(self, method: str, args: list[Any] | tuple[Any, ...],
              kwargs: dict[str, Any]) -> tuple[tuple[Any, ...], dict[str, Any]]:
        """The arguments parsed and sanitised, or BadRequest with one line."""
        from cxinbox.api.interface import api_methods

        if method not in api_methods():
            raise BadRequest(f"no such method: {clean_line(method, max_len=60)}")
        signature, hints = _signature(method)
        try:
            bound = signature.bind(*args, **kwargs)
        except TypeError as exc:
            raise BadRequest(f"{method}: {clean_line(str(exc), max_len=200)}") from None
        ctx = Context(method, self.roster, time.time(), self.teams)
        for name, value in list(bound.arguments.items()):
            annotation = hints.get(name, Any)
            if not _conforms(value, annotation):
                raise BadRequest(f"{method}: {name}: expected {_describe(annotation)},"
                                 f" got {_json_type(value)}")
            rule = rule_for(method, name)
            if rule is None:
                raise BadRequest(f"{method}: {name}: this field is not accepted")
            try:
                bound.arguments[name] = rule(value, ctx)
            except Invalid as exc:
                raise BadRequest(f"{method}: {name}: {exc}") from None
        return bound.args, bound.kwargs


def _json_type(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true/false"
    if isinstance(value, int):
        return "an integer"
    if isinstance(value, float):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "an object"
    return f"a {type(value).__name__}"


def unvalidated(method: str) -> list[str]:
    """Parameters of `method` without a rule (a test asserts there are none)."""
    signature, _ = _signature(method)
    return [name for name in signature.parameters if rule_for(method, name) is None]


class ValidatingAPI:
    """An `InboxAPI` whose every call is checked first: the in-process transport wears
    this so it refuses exactly what the server refuses."""

    def __init__(self, api: Any, validator: Validator) -> None:
        self._api = api
        self._validator = validator
        self.actor: str = api.actor

    def __getattr__(self, name: str) -> Any:
        from cxinbox.api.interface import api_methods

        target = getattr(self._api, name)
        if name not in api_methods():
            return target
        validator = self._validator

        async def call(*args: Any, **kwargs: Any) -> Any:
            checked_args, checked_kwargs = validator.check(name, args, kwargs)
            return await target(*checked_args, **checked_kwargs)

        call.__name__ = name
        return call
