"""Use cases for reading the inbox and writing staff state (the in-process service)."""

from __future__ import annotations

import dataclasses
import json
import re
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, Final
from zoneinfo import ZoneInfo

from cxinbox.config import Config, Role
from cxinbox.contract.errors import BadQuery, BadRequest, Forbidden, NotFound
from cxinbox.contract.team_types import ContactConversation, ContactView, MentionView, TagView
from cxinbox.contract.types import (
    Alert,
    AttachmentView,
    ConversationDetail,
    ConversationSummary,
    Event,
    FolderStatus,
    MessageView,
    NoteView,
    Page,
    RedFlagCleared,
)
from cxinbox.domain.addresses import AddressError, normalize_address, stored_address
from cxinbox.domain.arrival import backlog_since
from cxinbox.domain.query import ParsedQuery, QueryContext, QueryError, parse
from cxinbox.domain.sanitize import clean_line, clean_text
from cxinbox.domain.sla import PAUSING_STATUSES
from cxinbox.domain.sms import keyword_word
from cxinbox.domain.threading import normalize_subject
from cxinbox.service import undo
from cxinbox.service.hours import clinic_open, opening_hours, reads_hours
from cxinbox.service.mentions import mentioned_users
from cxinbox.service.sla import SlaService
from cxinbox.store.interface import ListView, Selection, Store, StoreTx
from cxinbox.store.records import (
    ContactRecord,
    ConversationRecord,
    EventRecord,
    EventSpec,
    MessageRecord,
    StaffState,
    UnscreenedMark,
)

if TYPE_CHECKING:
    from cxinbox.service.rules import Firing, RuleEngine

MAX_PAGE = 1000
MAX_FEED_PAGE = 10_000
"""Most change-feed events handed out at once; the client continues from the cursor."""

BULK_LIMIT: Final = 500
"""A bulk action matching more conversations than this needs a supervisor or admin.

A module constant until the config grows a setting for it: an agent retagging a handful of
threads is routine, one reassigning the whole inbox is a supervisor's decision.
"""

PRIVILEGED_ROLES: Final = frozenset({"supervisor", "admin"})

CHANGE_WINDOW_S: Final = 600
"""An agent changes at most `server.bulk_limit` distinct conversations in this many seconds,
however the changes are split (single calls, bulk calls, `id:` lists): the bulk limit is a
limit on a person, not on one call."""

BUDGETED_ACTIONS: Final = ("conversation.tag", "conversation.status", "conversation.assign",
                           "conversation.priority", "conversation.merge",
                           "conversation.merged", "conversation.unmerge",
                           "conversation.unmerged", "conversation.split")
"""The staff changes that count against that limit (notes and marking read do not)."""

RETRACT_WINDOW_S: Final = 120
"""A note can be taken back by its author this long after writing it (the TUI's undo)."""

SYSTEM_ACTOR: Final = "system"


def role_of(config: Config, os_user: str) -> Role:
    """The role an OS user acts with (`Config.role_of`: the roster's, else an agent; with
    no roster, the single user is the admin)."""
    return config.role_of(os_user)


@dataclass(frozen=True, slots=True)
class BulkChange:
    """One conversation a bulk action changes, with the value before and after."""

    id: int
    subject: str
    before: Any
    after: Any

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.id, "subject": self.subject, "from": self.before, "to": self.after}


@dataclass(frozen=True, slots=True)
class BulkResult:
    """What a bulk action did (or, with dry_run, would do) to every match of its query."""

    action: str
    query: str
    dry_run: bool
    changed: tuple[BulkChange, ...]
    unchanged: tuple[int, ...]
    skipped: tuple[int, ...] = ()
    """Matches left as they were because their open red flag protects them from this
    change and the actor may not clear it (an agent lowering a flagged conversation's
    priority or taking its `red-flag` tags off): the rest of the change is done."""
    moved_by_rules: tuple[tuple[int, str, str], ...] = ()
    """(id, rule, status) of changed conversations a `closed` rule then moved on in the same
    transaction (a reopen-on-close rule): closed, yet open again, and the person is told."""

    @property
    def matched(self) -> int:
        return len(self.changed) + len(self.unchanged) + len(self.skipped)

    @property
    def changed_ids(self) -> list[int]:
        return [c.id for c in self.changed]

    def to_dict(self) -> dict[str, Any]:
        return {"action": self.action, "query": self.query, "dry_run": self.dry_run,
                "matched": self.matched, "changed": [c.to_dict() for c in self.changed],
                "unchanged": list(self.unchanged), "skipped": list(self.skipped),
                "moved_by_rules": [{"id": i, "rule": r, "status": st}
                                   for i, r, st in self.moved_by_rules]}


@dataclass(slots=True)
class _Plan:
    """A bulk action worked out against current state, before anything is written."""

    changes: list[BulkChange]
    unchanged: list[int]
    events: list[EventSpec]
    apply: Callable[[StoreTx], None]
    skipped: list[int] = dataclasses.field(default_factory=list)
    """Matches an open red flag kept out of the change (`BulkResult.skipped`)."""


class _OverBudget(Exception):
    """Raised inside a write transaction (so it rolls back) when an agent's change would
    pass the per-person limit; the public method turns it into an audited Forbidden."""

    def __init__(self, asked: int, recent: int, limit: int) -> None:
        super().__init__(asked, recent, limit)
        self.asked, self.recent, self.limit = asked, recent, limit


class _FlagHidden(Exception):
    """Raised inside a write transaction (so it rolls back) when someone who may not clear
    a red flag would pend, snooze or close a conversation whose flag is open; the public
    method turns it into an audited Forbidden naming the conversation."""

    def __init__(self, conv_id: int, category: str | None, others: int) -> None:
        super().__init__(conv_id, category, others)
        self.conv_id, self.category, self.others = conv_id, category, others


HIDING_STATUSES: Final = ("pending", "snoozed", "closed")
"""Statuses that take a conversation out of the open lists and stop its SLA clock: an open
red flag is not put there by anyone who may not clear it (service/redflags.py)."""

SKIPPED_LISTED: Final = 200
"""Conversations named in the `access.denied` event of a bulk change done in part."""

PRIORITY_RANK: Final = {"urgent": 0, "high": 1, "normal": 2, "low": 3}


def lowers_priority(before: str, after: str) -> bool:
    """Whether setting `after` on a conversation at `before` lowers its priority: on an
    open red flag only those who may clear it do that (a person through the service, a
    rule never: service/rules.py `hides_red_flag`). Raising it is anyone's to do."""
    return PRIORITY_RANK.get(after, len(PRIORITY_RANK)) > \
        PRIORITY_RANK.get(before, len(PRIORITY_RANK))


def flag_tags(tags: Sequence[str]) -> list[str]:
    """The tags among `tags` that mark a red flag (`red-flag`, `red-flag:CATEGORY`): taking
    them off an open flag is kept for those who may clear it, like the flag itself."""
    return [t for t in tags if t == RED_FLAG_TAG or t.startswith(RED_FLAG_TAG + ":")]


SINGLE_WHAT: Final = {"status": "a status change", "tag": "a tag change",
                      "assign": "a change of assignee", "priority": "a change of priority"}
"""What a bulk action on one conversation named by its id (`cxinbox status 3 closed`) is
called in its audit events: the same as the single change it is, not "a bulk status"."""


def moved_by_rules(firing: Firing | None) -> tuple[tuple[int, str, str], ...]:
    """(id, rule, status) for each conversation whose status a rule of `firing` set last,
    as that rule left it (`service/rules.py` says `status open` or `snooze 30m`)."""
    last: dict[int, tuple[str, str]] = {}
    for applied in firing.applied if firing is not None else ():
        for done in applied.done:
            word, _, value = done.partition(" ")
            if word == "status" and value:
                last[applied.conversation_id] = (applied.rule, value)
            elif word == "snooze":
                last[applied.conversation_id] = (applied.rule, "snoozed")
    return tuple((conv, rule, status) for conv, (rule, status) in sorted(last.items()))


def _single_id(query: str) -> int | None:
    """The conversation `query` names when it is exactly one id (`id:3`, what the CLI sends
    for a bare number): such a change is audited as a single change, with no `bulk`."""
    found = re.fullmatch(r"id:([1-9][0-9]*)", query.strip())
    return int(found.group(1)) if found else None


def flag_hidden_line(conv_id: int, category: str | None) -> str:
    """The one line a refused pend, snooze, close, lowered priority or untagging of a
    red-flagged conversation shows."""
    what = f" ({category.replace('_', ' ')})" if category else ""
    return (f"#{conv_id} has an open red flag{what}: a clinician clears it first:"
            f" cxinbox flag clear {conv_id} --reason ...")


def _undoing(details: dict[str, Any], undo_of: int | None) -> dict[str, Any]:
    """An event's details, saying which earlier event it undoes (when it does)."""
    return details if undo_of is None else {**details, "undo_of": undo_of}


def _addr_list(raw: str) -> tuple[str, ...]:
    try:
        pairs = json.loads(raw)
    except ValueError:
        return ()
    out = []
    for name, addr in pairs:
        out.append(clean_line(f"{name} <{addr}>" if name else addr))
    return tuple(out)


TRIAGE_ACTOR = "triage"
"""The actor of what an open red flag itself changes (service/redflags.py ACTOR)."""

RED_FLAG_TAG = "red-flag"
"""Adding it raises a red flag (service/redflags.py, imported only then: it loads the
detectors)."""


def _raise_by_tag(tx: StoreTx, conv_ids: list[int], now: int, actor: str) -> list[int]:
    from cxinbox.service import redflags

    return redflags.tagged(tx, conv_ids, now, actor)


def _flag_open(tx: StoreTx, conv_id: int) -> bool:
    from cxinbox.service import redflags

    return redflags.red_flag_open(tx, conv_id)


def _last_clears(tx: StoreTx, rows: Sequence[ConversationRecord],
                 tags: Mapping[int, list[str]]) -> dict[int, RedFlagCleared]:
    """Who cleared the last red flag of each of `rows` whose flag is cleared, when and why
    (its newest `redflag.cleared` event), read with the rows; a row is left out when
    retention released that event."""
    from cxinbox.service import redflags

    wanted = [r.id for r in rows if not r.red_flag_open and RED_FLAG_TAG in tags[r.id]]
    if not wanted:
        return {}
    found = tx.newest_on_targets([f"conversation:{i}" for i in wanted], redflags.CLEARED)
    clears: dict[int, RedFlagCleared] = {}
    for conv_id in wanted:
        got = found.get(f"conversation:{conv_id}")
        if got is None:
            continue
        event, at_ms = got
        clears[conv_id] = RedFlagCleared(
            by=clean_line(event.actor), at=at_ms // 1000,
            reason=clean_line(str(event.details.get("reason") or ""),
                              max_len=redflags.MAX_REASON_CHARS),
            category=clean_line(str(event.details.get("category") or "")))
    return clears


def keyword_intent_why(row: ConversationRecord, messages: Sequence[MessageView],
                       keywords: Mapping[int, str]) -> str:
    """Why a text conversation is filed under intent `other`: the patient texted only SMS
    keywords (STOP, BAJA, HELP...), which the detectors do not read as requests.
    `keywords` are those the poller stored (`StoreTx.sms_keywords`): a YES is one only
    where it was an opt-in, which a re-reading of the words cannot tell."""
    if row.intent != "other" or row.channel != "sms":
        return ""
    said = [m for m in messages if m.direction == "in"]
    if not said or any(m.id not in keywords for m in said):
        return ""
    words = ", ".join(dict.fromkeys(keyword_word(m.body) for m in said))
    return (f"the patient texted only SMS keywords ({words}): opt-out, opt-in and help words"
            " are not requests, so they get no intent, rules, SLA clock or reopening")


def summary_from_row(row: ConversationRecord, tags: list[str],
                     now: datetime | None = None,
                     clear: RedFlagCleared | None = None,
                     unscreened: UnscreenedMark | None = None) -> ConversationSummary:
    sla = SlaService.status_of(row, now or datetime.now(UTC))
    return ConversationSummary(
        id=row.id, subject=clean_line(row.subject) or "(no subject)",
        from_name=clean_line(row.from_name), from_addr=clean_line(row.from_addr),
        channel=row.channel, mailbox=clean_line(row.mailbox), status=row.status,
        assignee=row.assignee, priority=row.priority,
        tags=tuple(clean_line(t) for t in tags), created_at=row.created_at,
        last_message_at=row.last_message_at, last_inbound_at=row.last_inbound_at,
        first_response_at=row.first_response_at, snoozed_until=row.snoozed_until,
        message_count=row.message_count, unread_count=row.unread_count,
        has_attachment=bool(row.has_attachment), last_response_at=row.last_response_at,
        sla_target=sla.target, sla_state=sla.state,
        sla_due_at=int(sla.due_at.timestamp()) if sla.due_at else None,
        sla_at_risk_at=int(sla.at_risk_at.timestamp()) if sla.at_risk_at else None,
        intent=row.intent, red_flag=row.red_flag_category,
        red_flag_matched=clean_line(row.red_flag_matched, max_len=200), language=row.language,
        red_flag_open=row.red_flag_open,
        red_flag_cleared=not row.red_flag_open and RED_FLAG_TAG in tags,
        intent_confidence=(None if row.intent_confidence is None
                           else round(float(row.intent_confidence), 2)),
        red_flag_clear=clear,
        unscreened_received_at=unscreened.received_at if unscreened else None,
        unscreened_reason=unscreened.reason if unscreened else None,
    )


def _message_view(row: MessageRecord, backlog_since: int | None = None) -> MessageView:
    """`backlog_since`: a first sync's backlog that arrived since then says "not screened"
    on its own line in the thread, whatever the conversation's mark (read or answered:
    still never read by the detectors); a late one always does; older history does not."""
    backlog = (row.backlog_at is not None and row.direction == "in"
               and backlog_since is not None and row.arrived >= backlog_since)
    attachments = tuple(
        AttachmentView(clean_line(a.get("filename", "")), clean_line(a.get("content_type", "")),
                       int(a.get("size", 0)), clean_line(str(a.get("part_path", ""))))
        for a in json.loads(row.attachments or "[]")
    )
    return MessageView(
        id=row.id, channel=row.channel, direction=row.direction,
        subject=clean_line(row.subject), from_name=clean_line(row.from_name),
        from_addr=clean_line(row.from_addr), to=_addr_list(row.to_addrs),
        cc=_addr_list(row.cc_addrs), date=row.date, body=clean_text(row.body_text),
        attachments=attachments, problems=clean_line(row.problems), seen=bool(row.seen),
        received_at=row.received_at,
        unscreened=row.unscreened_at is not None or backlog,
    )


def _with_delivery(tx: StoreTx,
                   messages: tuple[MessageView, ...]) -> tuple[MessageView, ...]:
    """Texts carry their delivery status, so staff see one that never arrived."""
    texts = [m.id for m in messages if m.channel == "sms" and m.direction != "in"]
    if not texts:
        return messages
    found = tx.delivery_statuses(texts)
    out = []
    for m in messages:
        status = found.get(m.id)
        if status is not None:
            error = clean_line(status.error_message)
            if status.error_code is not None:
                error = f"{status.error_code}: {error}" if error else str(status.error_code)
            m = dataclasses.replace(m, delivery=clean_line(status.status), delivery_error=error)
        out.append(m)
    return tuple(out)


class InboxService:
    """Reads and staff actions for one acting staff member."""

    def __init__(self, store: Store, config: Config, actor: str, *,
                 clock: Callable[[], float] | None = None,
                 rules: RuleEngine | None = None) -> None:
        self.store = store
        self.config = config
        self.actor = actor
        self.rules = rules
        """The engine a person's close fires `closed` rules on (the composition root builds it
        once); None fires none. A rule's own actions go through a service without one, which
        is what makes loops impossible (service/rules.py)."""
        self.tz = ZoneInfo(config.clinic.timezone)
        self.sla = SlaService(config, store)
        self._clock = clock

    def _now(self) -> int:
        """Epoch seconds: the injected clock (tests, the SLA monitor) or the store's."""
        return int(self._clock()) if self._clock is not None else self.store.now_ms() // 1000

    @property
    def role(self) -> Role:
        return role_of(self.config, self.actor)

    def require_role(self, what: str, roles: frozenset[str] = PRIVILEGED_ROLES) -> None:
        """Refuse (and audit the refusal) unless the actor's role is one of `roles`."""
        role = self.role
        if role in roles:
            return
        with self.store.writing() as tx:
            tx.append_event(self.actor, "access.denied", "", {"what": what, "role": role})
        raise Forbidden(f"{what} needs role {' or '.join(sorted(roles))};"
                        f" {self.actor} is {role}")

    def record_read(self, action: str, target: str, details: dict[str, Any]) -> None:
        """Audit one call that returned patient data: one row per call, whatever it showed.

        The server writes these itself with the caller as actor; no client can add or skip
        one. They are audit records, not changes: the change feed never carries them
        (service/feed.py).
        """
        self.store.record_event(self.actor, action, target, details)

    # -- the per-person change limit ---------------------------------------------------------

    def _spend(self, tx: StoreTx, conv_ids: list[int]) -> None:
        """Inside the write transaction that changes `conv_ids`: raise _OverBudget when an
        agent would pass `bulk_limit` distinct conversations changed in CHANGE_WINDOW_S.
        Supervisors and admins are not limited (as for a single bulk call)."""
        if not conv_ids or self.role in PRIVILEGED_ROLES:
            return
        limit = self.config.server.bulk_limit
        since_ms = self.store.now_ms() - CHANGE_WINDOW_S * 1000  # events' clock
        recent = tx.changed_by(self.actor, since_ms, BUDGETED_ACTIONS)
        fresh = set(conv_ids) - recent
        if fresh and len(recent) + len(fresh) > limit:
            raise _OverBudget(len(fresh), len(recent), limit)

    def _refuse_over_budget(self, over: _OverBudget, what: str) -> Forbidden:
        """Audit the refusal (outside the rolled-back transaction) and say it in one line."""
        minutes = CHANGE_WINDOW_S // 60
        with self.store.writing() as tx:
            tx.append_event(self.actor, "access.denied", "", {
                "what": what, "role": self.role, "limit": over.limit,
                "window_s": CHANGE_WINDOW_S, "recent": over.recent, "asked": over.asked})
        return Forbidden(f"{what} refused: an agent changes at most {over.limit} conversations"
                         f" in {minutes} minutes and {self.actor} has changed {over.recent}"
                         f" (this would add {over.asked}); wait, or ask a supervisor")

    @contextmanager
    def _budgeted(self, what: str) -> Iterator[None]:
        """Around a change's write transaction: an _OverBudget or _FlagHidden raised inside
        rolls it back and comes out as an audited Forbidden."""
        try:
            yield
        except _OverBudget as over:
            raise self._refuse_over_budget(over, what) from None
        except _FlagHidden as hidden:
            with self.store.writing() as tx:
                tx.append_event(self.actor, "access.denied", f"conversation:{hidden.conv_id}",
                                {"what": what, "role": self.role, "reason": "open red flag",
                                 "conversations": 1 + hidden.others})
            line = flag_hidden_line(hidden.conv_id, hidden.category)
            if hidden.others:
                line += f" (and {hidden.others} more matching conversation(s) with one)"
            raise Forbidden(line) from None

    def _guard_red_flags(self, tx: StoreTx, conv_ids: list[int]) -> None:
        """Inside the write (or dry-run) transaction that would pend, snooze or close
        `conv_ids` (or lower the priority of one, or take its `red-flag` tags off): raise
        _FlagHidden when one has an open red flag and the actor may not clear it (an
        agent; a rule's actions are skipped before they get here, service/rules.py).
        Clinical staff, supervisors and admins may."""
        if not conv_ids or self.config.may_clear_red_flag(self.actor, self.role):
            return
        flagged = [(c, state) for c in conv_ids
                   if (state := tx.red_flag_state(c)) is not None and state.is_open]
        if flagged:
            conv_id, state = flagged[0]
            raise _FlagHidden(conv_id, state.category, len(flagged) - 1)

    def _flag_protected(self, tx: StoreTx, conv_ids: list[int]) -> list[int]:
        """Those of `conv_ids` (candidates for a lowered priority or an untagged flag in a
        bulk change) whose open red flag keeps them as they are for this actor, in one
        query per 500: none for those who may clear a flag."""
        if not conv_ids or self.config.may_clear_red_flag(self.actor, self.role):
            return []
        found = tx.ids_matching(conv_ids, self.selection("is:red-flag"))
        return [c for c in conv_ids if c in found]

    # -- queries ---------------------------------------------------------------------------

    def _selection(self, query: str) -> tuple[Selection, ParsedQuery]:
        """`query` prepared by the store for this caller now, and the parsed query (its list
        order). Raises BadQuery (one line and a caret) before anything is read or written."""
        now = datetime.now(UTC)
        try:
            parsed = parse(query)
            # hours: is the clinic open now (a list reads the present, see domain/query.py)
            hours = clinic_open(opening_hours(self.config), now) \
                if reads_hours(parsed.where) else None
            ctx = QueryContext(me=self.actor, now=now, tz=self.tz, clinic_open=hours,
                               backlog_mark_days=self.config.triage.backlog_mark_days)
            selection = self.store.select(parsed.where, ctx, sla=self.sla.enabled)
        except QueryError as exc:
            raise BadQuery(exc.render(query), exc.caret_line(query)) from None
        return selection, parsed

    def selection(self, query: str) -> Selection:
        """`query` as the store's selection of conversations; raises BadQuery."""
        return self._selection(query)[0]

    def refresh_sla(self) -> int:
        """Bring stored due times up to date with changed facts; cheap when nothing changed."""
        if not self.sla.enabled:
            return 0
        with self.store.reading() as tx:
            if not tx.has_sla_dirty():
                return 0
        with self.store.writing() as tx:
            return self.sla.refresh_dirty(tx, datetime.now(UTC))

    def list_conversations(self, query: str = "", offset: int = 0, limit: int = 50,
                           count_up_to: int | None = None) -> Page:
        """A page of the conversations `query` selects and how many it selects; with
        `count_up_to`, counting stops there (a total of `count_up_to` is "at least that
        many": what a list shows as "10,000+", which at a million conversations is quick
        where an exact count is not)."""
        if offset < 0 or not 0 < limit <= MAX_PAGE:
            raise BadRequest(f"offset must be >= 0 and limit 1..{MAX_PAGE}")
        if count_up_to is not None and not 1 <= count_up_to <= 10_000_000:
            raise BadRequest("count_up_to must be 1..10000000")
        selection, parsed = self._selection(query)

        # The SLA check is the first read of the list's own transaction: when no due time
        # is stale in its snapshot, the list reads that snapshot as refresh_sla would have
        # left it, with no transaction of its own for the check (on PostgreSQL the check,
        # the page and its count go out together, and the tags come with the COMMIT).
        # The audited read is appended right after the read commits, before anything is
        # returned (on PostgreSQL in the same round trip as the COMMIT and the tags).
        unscreened: dict[int, UnscreenedMark] = {}
        since = self._backlog_since()

        def audited(tx: StoreTx, got: ListView | None) -> ListView | None:
            if got is not None:
                tx.record_after(self.actor, "conversation.list", "", {
                    "query": query, "offset": offset, "limit": limit, "count": got[1],
                    "shown": [r.id for r in got[0]]})
                # Rows holding a message nobody screened, read with the page.
                unscreened.update(tx.unscreened_of([r.id for r in got[0]], since))
            return got

        with self.store.reading() as tx:
            got = audited(tx, tx.list_view(selection, offset, limit, parsed.sort, count_up_to,
                                           red_flags_first=parsed.red_flags_first,
                                           unless_sla_dirty=self.sla.enabled))
        if got is None:
            self.refresh_sla()
            with self.store.reading() as tx:
                got = audited(tx, tx.list_view(selection, offset, limit, parsed.sort,
                                               count_up_to,
                                               red_flags_first=parsed.red_flags_first))
        assert got is not None
        rows, total, tags_of = got
        tags = tags_of()
        clears: dict[int, RedFlagCleared] = {}
        if any(not r.red_flag_open and RED_FLAG_TAG in tags[r.id] for r in rows):
            with self.store.reading() as tx:  # only a page that shows a cleared flag
                clears = _last_clears(tx, rows, tags)
        items = tuple(summary_from_row(r, tags[r.id], clear=clears.get(r.id),
                                       unscreened=unscreened.get(r.id)) for r in rows)
        return Page(items=items, total=total, offset=offset, limit=limit)

    def _backlog_since(self) -> int | None:
        """From when a first sync's backlog is marked "not screened" (store/unscreened.py)."""
        return backlog_since(int(time.time()), self.config.triage.backlog_mark_days)

    def matching_ids(self, query: str) -> list[int]:
        selection = self.selection(query)
        self.refresh_sla()
        with self.store.reading() as tx:
            return tx.matching_ids(selection)

    def get_conversation(self, conv_id: int, *, record_view: bool = True) -> ConversationDetail:
        self.refresh_sla()
        with self.store.reading() as tx:
            row = tx.conversation(conv_id)
            if row is None:
                raise NotFound(f"no conversation #{conv_id}")
            if row.merged_into:
                raise NotFound(f"conversation #{conv_id} was merged into #{row.merged_into}")
            tags = tx.tags_for([conv_id])[conv_id]
            since = self._backlog_since()
            unscreened = tx.unscreened_of([conv_id], since).get(conv_id)
            messages = _with_delivery(tx, tuple(_message_view(m, since)
                                                for m in tx.messages_of(conv_id)))
            notes = tuple(NoteView(n.id, clean_line(n.author), clean_text(n.body),
                                   n.created_at) for n in tx.notes_of(conv_id))
            assigns = tx.later_on_target(f"conversation:{conv_id}", 0, ["conversation.assign"])
            cleared = _last_clears(tx, [row], {conv_id: tags}).get(conv_id)
            keywords = tx.sms_keywords([m.id for m in messages if m.direction == "in"]) \
                if row.channel == "sms" and row.intent == "other" else {}
        by = assigns[-1].actor if assigns and row.assignee else ""
        if record_view:
            self.record_read("conversation.view", f"conversation:{conv_id}", {})
        return ConversationDetail(summary_from_row(row, tags, clear=cleared,
                                                   unscreened=unscreened), messages, notes,
                                  clean_line(by[5:]) if by.startswith("rule:") else "",
                                  keyword_intent_why(row, messages, keywords))

    def attachment(self, message_pk: int, part_path: str) -> tuple[str, str, bytes]:
        """An attachment's bytes, audited as an export.

        Mail attachments are recovered from the stored raw message. MMS pictures were only
        listed by SMS sync, so they are fetched from the SMS provider now (service/sms_media)
        and never kept here.
        """
        from cxinbox.domain.mime import extract_part
        from cxinbox.service.sms_media import SmsMediaFetcher  # network client: load on use

        with self.store.reading() as tx:
            sms_media = tx.sms_message_media(message_pk)
            raw = None if sms_media is not None else tx.raw_of_message(message_pk)
            conv_id = tx.conversation_of_message(message_pk)
        if sms_media is not None and conv_id is not None:
            got = SmsMediaFetcher(self.config.sms).fetch(sms_media, part_path)
            filename, content_type, data = got.filename, got.content_type, got.data
        elif raw is None or conv_id is None:
            raise NotFound(f"no message {message_pk}")
        else:
            try:
                filename, content_type, data = extract_part(raw, part_path)
            except KeyError:
                raise NotFound(f"message {message_pk} has no part {part_path}") from None
        self.record_read("attachment.export", f"conversation:{conv_id}",
                         {"message": message_pk, "part": part_path, "bytes": len(data)})
        return clean_line(filename), clean_line(content_type), data

    def sync_status(self) -> list[FolderStatus]:
        with self.store.reading() as tx:
            folders = tx.folders()
        return [FolderStatus(clean_line(r.account), clean_line(r.name), r.uidvalidity,
                             r.last_uid, r.messages, r.last_sync_at, r.quarantine)
                for r in folders]

    def known_tags(self, limit: int = 1000) -> list[TagView]:
        """Tags already in use, for completion and for asking before a new one is made."""
        with self.store.reading() as tx:
            counts = tx.tag_counts(limit)
        return [TagView(clean_line(name), count) for name, count in counts]

    def alerts(self) -> list[Alert]:
        """What the server says is wrong with its own work; shown to every staff member."""
        with self.store.reading() as tx:
            found = tx.alerts()
        return [Alert(clean_line(a.key), a.severity, clean_line(a.message, max_len=300),
                      a.since) for a in found]

    def events_since(self, seq: int, limit: int = 500) -> list[Event]:
        """The change feed after `seq` as this caller may see it (service/feed.py)."""
        return self.feed_since(seq, limit)[0]

    def feed_since(self, seq: int, limit: int = 500, *,
                   upto: int | None = None) -> tuple[list[Event], int]:
        """Up to `limit` visible changes after `seq`, and the sequence number read up to.

        Reads and other audit-only events are skipped in the query, so a client is never
        handed an empty page while changes wait behind a run of audit records. The second
        value is where the client continues from: every event up to it was either returned
        or is not for this caller.

        `upto`: a head the caller already knows to be committed, with every event before
        it (a change feed's, from the commit's notification): read up to it, without a
        read of the head of its own first (a round trip fewer between a commit on another
        server and this server's clients).
        """
        from cxinbox.service.feed import change_actions, for_client

        if limit <= 0:
            raise BadRequest("limit must be at least 1")
        limit = min(limit, MAX_FEED_PAGE)
        with self.store.reading() as tx:
            head = tx.last_event_seq() if upto is None else upto
            rows = tx.events_of_kinds(seq, head, sorted(change_actions()), limit)
        visible = [seen for r in rows
                   if (seen := for_client(Event(r.seq, r.at, r.actor, r.action,
                                                r.target, json.loads(r.details)),
                                          self.actor)) is not None]
        # A full page may stop short of the head; otherwise everything up to it was seen.
        return visible, (rows[-1].seq if len(rows) == limit else max(seq, head))

    def feed_of(self, events: Sequence[EventRecord], seq: int, head: int
                ) -> tuple[list[Event], int]:
        """`feed_since` over events the caller holds already (every one after `seq` up to
        `head`, as stored): no read."""
        from cxinbox.service.feed import change_actions, for_client

        kinds = change_actions()
        visible = [seen for r in events if r.action in kinds
                   if (seen := for_client(Event(r.seq, r.at, r.actor, r.action, r.target,
                                                json.loads(r.details)),
                                          self.actor)) is not None]
        return visible, max(seq, head)

    def last_event_seq(self) -> int:
        with self.store.reading() as tx:
            return tx.last_event_seq()

    def feed_head(self) -> tuple[int, str]:
        """The newest event's seq and the database's timeline (`StoreTx.feed_head`)."""
        with self.store.reading() as tx:
            return tx.feed_head()

    # -- staff state -----------------------------------------------------------------------

    def _require(self, tx: StoreTx, conv_id: int) -> None:
        self._live_row(tx, conv_id)

    @staticmethod
    def _live_row(tx: StoreTx, conv_id: int) -> ConversationRecord:
        """The conversation's row; NotFound if it does not exist or was merged away."""
        row = tx.conversation(conv_id)
        if row is None:
            raise NotFound(f"no conversation #{conv_id}")
        if row.merged_into:
            raise NotFound(f"conversation #{conv_id} was merged into #{row.merged_into}")
        return row

    def tag(self, conv_id: int, add: list[str] = [], remove: list[str] = [],  # noqa: B006
            undo_of: int | None = None) -> int:
        """Returns the event's seq (what a later undo names as `undo_of`)."""
        add_n = [t.strip().lower() for t in add if t.strip()]
        remove_n = [t.strip().lower() for t in remove if t.strip()]
        with self._budgeted("a tag change"), self.store.writing() as tx:
            row = self._live_row(tx, conv_id)
            if undo_of is not None:
                undo.check(tx, self.actor, undo_of, conv_id, "conversation.tag", row,
                           tx.tags_for([conv_id]).get(conv_id, []))
            self._spend(tx, [conv_id])
            if flag_tags(remove_n):
                self._guard_red_flags(tx, [conv_id])
            tx.pipeline_to_commit()  # the writes need no answer before the COMMIT
            tx.add_tag_pairs([(conv_id, t) for t in add_n])
            tx.remove_tag_pairs([(conv_id, t) for t in remove_n])
            raised: list[int] = []
            if RED_FLAG_TAG in add_n:
                raised = _raise_by_tag(tx, [conv_id], self._now(), self.actor)
            if self.sla.enabled:  # a tag can select another SLA policy (red-flag: 15 min)
                tx.update_state(conv_id, sla_dirty=1)
            seq = tx.append_event_at_commit(
                self.actor, "conversation.tag", f"conversation:{conv_id}",
                _undoing({"add": add_n, "remove": remove_n}, undo_of))
        self._flags_raised(raised)
        return seq()

    def _flags_raised(self, conv_ids: list[int]) -> None:
        """After the commit that raised red flags by a tag: the notify hook, once each (a
        rule's raises wait for the commit of what triggered it: service/rules.py)."""
        if conv_ids:
            from cxinbox.service import redflags

            redflags.notify_tagged(self.config, conv_ids)

    STATUSES = ("open", "pending", "snoozed", "closed")
    PRIORITIES = ("urgent", "high", "normal", "low")

    def set_status(self, conv_id: int, status: str, until: int | None = None,
                   undo_of: int | None = None) -> int:
        """Change status; pending and snoozed stop the SLA clock, anything else restarts it.
        Returns the event's seq."""
        if status not in self.STATUSES:
            raise BadRequest(f"status must be one of {', '.join(self.STATUSES)}")
        if status == "snoozed" and until is None:
            raise BadRequest("snoozed needs a time to wake up (--until)")
        now = self._now()
        with self._budgeted("a status change"), self.store.writing() as tx:
            row = self._live_row(tx, conv_id)
            if undo_of is not None:
                undo.check(tx, self.actor, undo_of, conv_id, "conversation.status", row)
            self._spend(tx, [conv_id])
            if status in HIDING_STATUSES:
                self._guard_red_flags(tx, [conv_id])
            paused_s, paused_since = self._sla_pause(row, status, now)
            tx.pipeline_to_commit()
            tx.update_state(conv_id, status=status,
                            snoozed_until=until if status == "snoozed" else None,
                            sla_paused_s=paused_s, sla_paused_since=paused_since,
                            sla_pause_end=None, sla_dirty=1)
            # from_until lets an undo put a snooze back exactly as it was.
            seq = tx.append_event_at_commit(
                self.actor, "conversation.status", f"conversation:{conv_id}",
                _undoing({"from": row.status, "to": status, "until": until,
                          "from_until": row.snoozed_until}, undo_of))
            closing = status == "closed" and row.status != "closed"
            firing = self._fire_closed(tx, [conv_id] if closing else [], now)
        self._after_rules(firing)
        return seq()

    def _fire_closed(self, tx: StoreTx, closed: list[int], now: int) -> Firing | None:
        """Run the `closed` rules in the transaction that closed `closed`, at its `now`."""
        if not closed or self.rules is None:
            return None
        return self.rules.fire(tx, "closed", closed, now=now)

    def _after_rules(self, firing: Firing | None) -> None:
        if self.rules is not None and firing is not None:
            self.rules.after_commit(firing)

    def _sla_pause(self, row: ConversationRecord | StaffState, status: str,
                   now: int) -> tuple[int, int | None]:
        """(paused business seconds, paused since) after moving a conversation to `status`:
        pending and snoozed stop the SLA clock, any other status restarts it."""
        paused_s, paused_since = int(row.sla_paused_s), row.sla_paused_since
        if paused_since is not None and row.status not in PAUSING_STATUSES:
            # A pause ended outside the service (a patient reply during sync) and is not
            # counted yet: count it up to when it ended, not up to now.
            paused_s, paused_since = self.sla.settled_pause(row, now), None
        if status in ("pending", "snoozed"):
            return paused_s, paused_since if paused_since is not None else now
        if paused_since is not None:
            paused_s += self._paused_business_s(row.sla_policy, paused_since, now)
        return paused_s, None

    def _paused_business_s(self, policy: str | None, since: int, until: int) -> int:
        """Paused time counts in the policy's business calendar, like the targets do."""
        return self.sla.paused_business_s(policy, since, until)

    def assign(self, conv_id: int, user: str | None, undo_of: int | None = None) -> int:
        return self._set_column(conv_id, "assignee", user, "conversation.assign", undo_of)

    def set_priority(self, conv_id: int, priority: str, undo_of: int | None = None) -> int:
        """An open red flag keeps its priority against anyone who may not clear it: lowering
        it is refused like a close (`_guard_red_flags`); raising it is not."""
        if priority not in self.PRIORITIES:
            raise BadRequest(f"priority must be one of {', '.join(self.PRIORITIES)}")
        return self._set_column(conv_id, "priority", priority, "conversation.priority",
                                undo_of)

    def _set_column(self, conv_id: int, column: str, value: str | None, action: str,
                    undo_of: int | None = None) -> int:
        """One staff-state change: the new value and its event in one transaction.
        Returns the event's seq (what a later undo names as `undo_of`)."""
        with self._budgeted(f"a change of {column}"), self.store.writing() as tx:
            row = self._live_row(tx, conv_id)
            if undo_of is not None:
                undo.check(tx, self.actor, undo_of, conv_id, action, row)
            self._spend(tx, [conv_id])
            if column == "priority" and value is not None and \
                    lowers_priority(row.priority, value):
                self._guard_red_flags(tx, [conv_id])
            changes: dict[str, object] = {column: value}
            if self.sla.enabled:  # policies may select by priority or assignee too
                changes["sla_dirty"] = 1
            tx.pipeline_to_commit()
            tx.update_state(conv_id, **changes)
            seq = tx.append_event_at_commit(
                self.actor, action, f"conversation:{conv_id}",
                _undoing({"from": getattr(row, column), "to": value}, undo_of))
        return seq()

    def mark_read(self, conv_id: int) -> int:
        """Mark the patient's messages read for the whole desk (a shared inbox has one
        unread state). The mail threads write \\Seen back to the server (accounts with
        `mark_seen_on_server`), so colleagues in Outlook or Gmail see it read too."""
        with self.store.writing() as tx:
            self._live_row(tx, conv_id)
            changed = tx.mark_read(conv_id)
            if changed:
                tx.append_event(self.actor, "conversation.read", f"conversation:{conv_id}",
                                {"messages": changed})
        if changed:
            from cxinbox.service import signals

            signals.seen_changed()
        return changed

    def add_note(self, conv_id: int, body: str) -> int:
        """An internal note; @name mentions of roster members are stored with it, and the
        event names them so every TUI following the change feed can toast the person."""
        if not body.strip():
            raise BadRequest("a note needs some text")
        at = self._now()
        mentioned = mentioned_users(body, self.config.staff, self.actor)
        with self.store.writing() as tx:
            self._require(tx, conv_id)
            note_id = tx.insert_note(conv_id, self.actor, body, at)
            tx.pipeline_to_commit()
            tx.insert_mentions(note_id, mentioned)
            tx.append_event_at_commit(self.actor, "conversation.note",
                                      f"conversation:{conv_id}",
                                      {"note": note_id, "mentions": mentioned})
        return note_id

    def clear_red_flag(self, conv_id: int, reason: str) -> int:
        """A clinician (or a supervisor or admin) clears the open red flag, with a reason for
        the audit trail; canned replies are allowed again. Rules: service/redflags.py."""
        from cxinbox.service import redflags

        if not self.config.may_clear_red_flag(self.actor, self.role):
            with self.store.writing() as tx:
                tx.append_event(self.actor, "access.denied", f"conversation:{conv_id}",
                                {"what": "flag clear", "role": self.role})
        with self.store.writing() as tx:
            seq = redflags.clear(tx, self.config, self.actor, self.role, conv_id, reason,
                                 self._now())
            self._own_after_clear(tx, conv_id)
            return seq

    def _own_after_clear(self, tx: StoreTx, conv_id: int) -> None:
        """Who owns the follow-up of a red flag cleared on a conversation nobody holds
        (one that waited at the cap, or for a shift): the person who cleared it, as a
        shared inbox gives a conversation to whoever answers it (Front's and Help
        Scout's "assign on reply"). They spoke to the patient or judged the words, so
        the call-back and the notes are theirs; left unassigned, nobody's list showed it.
        A conversation someone holds stays theirs."""
        row = tx.conversation(conv_id)
        if row is None or row.assignee:
            return
        changes: dict[str, object] = {"assignee": self.actor}
        if self.sla.enabled:
            changes["sla_dirty"] = 1
        tx.update_state(conv_id, **changes)
        tx.append_event(self.actor, "conversation.assign", f"conversation:{conv_id}",
                        {"from": None, "to": self.actor,
                         "why": "cleared the red flag: the follow-up is theirs"})

    # -- bulk staff state --------------------------------------------------------------------
    #
    # Every bulk action works on all matches of a query, not a page, and runs in one write
    # transaction: state and one event per changed conversation commit together or not at
    # all. A dry run plans the same way inside a read snapshot and writes nothing.

    def _bulk(self, action: str, query: str, dry_run: bool,
              plan: Callable[[list[StaffState], StoreTx, Selection], _Plan]) -> BulkResult:
        selection = self.selection(query)
        if dry_run:
            self.refresh_sla()
        worked: _Plan | None = None
        firing: Firing | None = None
        single = _single_id(query)
        what = SINGLE_WHAT[action.split(" ")[0]] if single else f"a bulk {action}"
        with self._budgeted(what), \
                self.store.reading() if dry_run else self.store.writing() as tx:
            if not dry_run and self.sla.enabled:
                self.sla.refresh_dirty(tx, datetime.now(UTC))
            rows = tx.matching_states(selection)
            if len(rows) <= self.config.server.bulk_limit or self.role in PRIVILEGED_ROLES:
                worked = plan(rows, tx, selection)
                if worked.skipped and not worked.changes:  # nothing left to do: refused
                    self._refuse_flagged(tx, worked.skipped)
                if not dry_run:
                    self._spend(tx, [c.id for c in worked.changes])
                    worked.apply(tx)
                    tx.append_events(self.actor, worked.events if not single else [
                        (name, target, {k: v for k, v in details.items() if k != "bulk"})
                        for name, target, details in worked.events])
                    if worked.skipped:  # the rest is done; what was kept out is audited
                        tx.append_event(self.actor, "access.denied", "", {
                            "what": what, "role": self.role,
                            "reason": "open red flag", "conversations": len(worked.skipped),
                            "skipped": worked.skipped[:SKIPPED_LISTED]})
                    if action == "status":
                        firing = self._fire_closed(tx, [c.id for c in worked.changes
                                                        if c.after == "closed"], self._now())
        self._after_rules(firing)
        if worked is None:  # refused outside the transaction so the refusal itself is kept
            self.require_role(f"a bulk {action} of {len(rows)} conversations"
                              f" (more than {self.config.server.bulk_limit})")
            raise AssertionError("require_role let an unprivileged actor through")
        if dry_run:  # the subjects of every match went back to the caller
            self.record_read("bulk.preview", "", {
                "action": action, "query": query, "count": len(rows),
                "shown": [c.id for c in worked.changes]})
        return BulkResult(action, query, dry_run, tuple(worked.changes),
                          tuple(worked.unchanged), tuple(worked.skipped),
                          moved_by_rules(firing))

    @staticmethod
    def _refuse_flagged(tx: StoreTx, skipped: list[int]) -> None:
        """Every change a bulk call asked for is kept out by an open red flag: refuse it as
        a single change would be (_FlagHidden, an audited Forbidden naming the first)."""
        state = tx.red_flag_state(skipped[0])
        raise _FlagHidden(skipped[0], state.category if state else None, len(skipped) - 1)

    @staticmethod
    def _normal_tags(tags: list[str]) -> list[str]:
        out: list[str] = []
        for tag in tags:
            norm = tag.strip().lower()
            if not norm:
                continue
            if clean_line(norm) != norm or any(ch.isspace() for ch in norm):
                raise BadRequest(f"tag {clean_line(tag)!r} has spaces or control characters")
            if norm not in out:
                out.append(norm)
        return out

    def bulk_tag(self, query: str, add: list[str] | None = None,
                 remove: list[str] | None = None, *, dry_run: bool = False) -> BulkResult:
        """Add and remove tags on every conversation matching `query`."""
        add_n = self._normal_tags(add or [])
        remove_n = self._normal_tags(remove or [])
        if not add_n and not remove_n:
            raise BadRequest("nothing to do: give --add and/or --remove")
        both = sorted(set(add_n) & set(remove_n))
        if both:
            raise BadRequest(f"tag {both[0]!r} is both added and removed")

        def plan(rows: list[StaffState], tx: StoreTx, selection: Selection) -> _Plan:
            current = tx.matching_tags(selection)
            changes: list[BulkChange] = []
            unchanged: list[int] = []
            events: list[EventSpec] = []
            to_add: list[tuple[int, str]] = []
            to_remove: list[tuple[int, str]] = []
            reflag = RED_FLAG_TAG in add_n
            unflagging = flag_tags(remove_n)
            protected = set(self._flag_protected(tx, [
                r.id for r in rows if any(t in current.get(r.id, ()) for t in unflagging)]))
            skipped: list[int] = []
            for row in rows:
                conv_id = row.id
                before = current.get(conv_id, set())
                # the tag kept after a clear, added again: that raises the flag again
                added = [t for t in add_n if t not in before or (
                    reflag and t == RED_FLAG_TAG and not _flag_open(tx, conv_id))]
                removed = [t for t in remove_n if t in before]
                if conv_id in protected:
                    skipped.append(conv_id)  # all or nothing per conversation, as asked
                    continue
                if not added and not removed:
                    unchanged.append(conv_id)
                    continue
                after = (before | set(added)) - set(removed)
                changes.append(BulkChange(conv_id, clean_line(row.subject),
                                          sorted(before), sorted(after)))
                to_add.extend((conv_id, t) for t in added)
                to_remove.extend((conv_id, t) for t in removed)
                events.append(("conversation.tag", f"conversation:{conv_id}",
                               {"add": added, "remove": removed, "from": sorted(before),
                                "to": sorted(after), "bulk": query}))

            def apply(w: StoreTx) -> None:
                w.add_tag_pairs(to_add)
                w.remove_tag_pairs(to_remove)
                flagged = [conv for conv, tag in to_add if tag == RED_FLAG_TAG]
                if flagged:
                    raised.extend(_raise_by_tag(w, flagged, self._now(), self.actor))
                if self.sla.enabled:  # tags can select a different SLA policy
                    w.update_state_many(["sla_dirty"], [(1, c.id) for c in changes])

            return _Plan(changes, unchanged, events, apply, skipped)

        raised: list[int] = []
        result = self._bulk("tag", query, dry_run, plan)
        self._flags_raised(raised)  # committed by now (a dry run raises none)
        return result

    def known_users(self) -> list[str]:
        return sorted(m.os_user for m in self.config.staff)

    def check_assignee(self, user: str) -> str:
        """An assignee must be on the roster when there is one; always a plain login name."""
        name = user.strip()
        if not name or clean_line(name) != name or any(ch.isspace() for ch in name):
            raise BadRequest(f"{clean_line(user)!r} is not a user name")
        if self.config.staff and name not in self.known_users():
            raise BadRequest(f"unknown user {name!r}; known users: {', '.join(self.known_users())}")
        return name

    def bulk_assign(self, query: str, user: str | None, *, dry_run: bool = False) -> BulkResult:
        """Assign every match to `user` (an OS login on the roster), or unassign with None."""
        target = None if user is None else self.check_assignee(user)
        return self._simple_bulk("assign", "assignee", query, target, dry_run)

    def bulk_priority(self, query: str, priority: str, *, dry_run: bool = False) -> BulkResult:
        if priority not in self.PRIORITIES:
            raise BadRequest(f"priority must be one of {', '.join(self.PRIORITIES)}")
        return self._simple_bulk("priority", "priority", query, priority, dry_run)

    def _simple_bulk(self, action: str, column: str, query: str, value: str | None,
                     dry_run: bool) -> BulkResult:
        """A bulk action that sets one plain column to one value."""

        def plan(rows: list[StaffState], tx: StoreTx, selection: Selection) -> _Plan:
            changes: list[BulkChange] = []
            unchanged: list[int] = []
            events: list[EventSpec] = []
            protected: set[int] = set()
            if column == "priority" and value is not None:  # an open flag stays urgent
                protected = set(self._flag_protected(tx, [
                    r.id for r in rows if lowers_priority(r.priority, value)]))
            skipped: list[int] = []
            for row in rows:
                if row.id in protected:
                    skipped.append(row.id)
                    continue
                if getattr(row, column) == value:
                    unchanged.append(row.id)
                    continue
                changes.append(BulkChange(row.id, clean_line(row.subject),
                                          getattr(row, column), value))
                events.append((f"conversation.{action}", f"conversation:{row.id}",
                               {"from": getattr(row, column), "to": value, "bulk": query}))

            def apply(w: StoreTx) -> None:
                w.update_state_many([column], [(value, c.id) for c in changes])
                if self.sla.enabled:  # policies may select by priority or assignee too
                    w.update_state_many(["sla_dirty"], [(1, c.id) for c in changes])

            return _Plan(changes, unchanged, events, apply, skipped)

        return self._bulk(action, query, dry_run, plan)

    def bulk_status(self, query: str, status: str, until: int | None = None, *,
                    dry_run: bool = False) -> BulkResult:
        """Set the status of every match; the SLA clock pauses and resumes as in set_status."""
        if status not in self.STATUSES:
            raise BadRequest(f"status must be one of {', '.join(self.STATUSES)}")
        now = self._now()
        if status == "snoozed":
            if until is None:
                raise BadRequest("snoozed needs a time to wake up (--until)")
            if until <= now:
                raise BadRequest("--until must be in the future")
        elif until is not None:
            raise BadRequest("--until only applies to status snoozed")

        def plan(rows: list[StaffState], tx: StoreTx, selection: Selection) -> _Plan:
            changes: list[BulkChange] = []
            unchanged: list[int] = []
            events: list[EventSpec] = []
            updates: list[tuple[object, ...]] = []
            for row in rows:
                conv_id = row.id
                if row.status == status and row.snoozed_until == until:
                    unchanged.append(conv_id)
                    continue
                paused_s, paused_since = self._sla_pause(row, status, now)
                changes.append(BulkChange(conv_id, clean_line(row.subject),
                                          row.status, status))
                updates.append((status, until, paused_s, paused_since, None, 1, conv_id))
                events.append(("conversation.status", f"conversation:{conv_id}",
                               {"from": row.status, "to": status, "until": until,
                                "from_until": row.snoozed_until, "bulk": query}))
            if status in HIDING_STATUSES:  # a dry run refuses as the change would
                self._guard_red_flags(tx, [c.id for c in changes])

            def apply(w: StoreTx) -> None:
                w.update_state_many(["status", "snoozed_until", "sla_paused_s",
                                     "sla_paused_since", "sla_pause_end", "sla_dirty"],
                                    updates)

            return _Plan(changes, unchanged, events, apply)

        return self._bulk("status", query, dry_run, plan)

    # -- reopening ---------------------------------------------------------------------------

    def wake_snoozed(self, now: int | None = None) -> int:
        """Reopen every snoozed conversation whose time has come; the server calls this
        periodically. Each one gets a status event by "system". Returns how many woke."""
        at = self._now() if now is None else now
        with self.store.writing() as tx:
            rows = tx.snoozed_due(at)
            for row in rows:
                until = int(row.snoozed_until or 0)  # never None: snoozed_due has it
                paused_s, _ = self._sla_pause(row, "open", min(until, at))
                tx.update_state(row.id, status="open", snoozed_until=None,
                                sla_paused_s=paused_s, sla_paused_since=None,
                                sla_pause_end=None, sla_dirty=1)
                tx.append_event(SYSTEM_ACTOR, "conversation.status",
                                f"conversation:{row.id}",
                                {"from": "snoozed", "to": "open", "until": None,
                                 "from_until": until, "reason": "snooze ended"})
        return len(rows)

    # -- merge and split ---------------------------------------------------------------------

    def merge(self, into_id: int, other_id: int) -> int:
        """Move `other_id`'s messages, notes and tags into `into_id`, which keeps its own
        status, assignee and priority. `other_id` disappears from lists; opening it says
        where it went, and later mail in its thread lands in `into_id`."""
        if into_id == other_id:
            raise BadRequest("cannot merge a conversation into itself")
        with self._budgeted("a merge"), self.store.writing() as tx:
            into = self._live_row(tx, into_id)
            other = self._live_row(tx, other_id)
            self._spend(tx, [into_id, other_id])
            if into.channel != other.channel:
                raise BadRequest(f"#{other_id} is {other.channel} and #{into_id} is"
                                 f" {into.channel}: link their contact instead of merging")
            flag_moves = _flag_open(tx, other_id) and not _flag_open(tx, into_id)
            moved = tx.merge(into_id, other_id)
            seq = tx.append_event(self.actor, "conversation.merge", f"conversation:{into_id}",
                                  {"other": other_id, "messages": moved.messages,
                                   "notes": moved.notes, "tags": list(moved.tags),
                                   "undo": moved.undo})
            tx.append_event(self.actor, "conversation.merged", f"conversation:{other_id}",
                            {"into": into_id})
            if flag_moves:
                self._flag_merged_in(tx, into)
        return seq

    def _flag_merged_in(self, tx: StoreTx, into: ConversationRecord) -> None:
        """An open red flag came in with a merge: the conversation it is now on is open and
        urgent, as at a raise (by `triage`, audited), whatever it was before. A merge into
        a pending, snoozed or low conversation must not put the flag away, which a person
        who may not do that directly could otherwise do in two steps."""
        target = f"conversation:{into.id}"
        if into.priority != "urgent":
            tx.update_state(into.id, priority="urgent")
            tx.append_event(TRIAGE_ACTOR, "conversation.priority", target,
                            {"from": into.priority, "to": "urgent"})
        if into.status != "open":
            paused_s, _ = self._sla_pause(into, "open", self._now())
            tx.update_state(into.id, status="open", snoozed_until=None, sla_paused_s=paused_s,
                            sla_paused_since=None, sla_pause_end=None, sla_dirty=1)
            tx.append_event(TRIAGE_ACTOR, "conversation.status", target,
                            {"from": into.status, "to": "open", "until": None,
                             "reason": "open red flag merged in"})

    def unmerge(self, into_id: int, other_id: int, undo_of: int | None = None) -> None:
        """Undo `merge(into_id, other_id)`: `other_id` comes back with the messages, notes,
        tags and thread it had. Mail and notes added after the merge stay in `into_id`."""
        with self._budgeted("an unmerge"), self.store.writing() as tx:
            self._live_row(tx, into_id)
            if undo_of is not None:
                undo.check_merge(tx, self.actor, undo_of, into_id, other_id)
            self._spend(tx, [into_id, other_id])
            other = tx.conversation(other_id)
            if other is None:
                raise NotFound(f"no conversation #{other_id}")
            if other.merged_into != into_id:
                raise BadRequest(f"#{other_id} is not merged into #{into_id}")
            record = tx.last_merge_record(into_id, other_id)
            if record is None:
                raise BadRequest(f"the merge of #{other_id} into #{into_id} kept no undo record;"
                                 " split its messages out instead")
            from cxinbox.service import redflags

            sources = tx.handout_sources(into_id)
            moved = tx.unmerge(into_id, other_id, record)
            redflags.carry_at_unmerge(tx, self.actor, into_id, other_id, sources)
            tx.append_event(self.actor, "conversation.unmerge", f"conversation:{into_id}",
                            _undoing({"other": other_id, "messages": moved}, undo_of))
            tx.append_event(self.actor, "conversation.unmerged", f"conversation:{other_id}",
                            {"from": into_id, "messages": moved})

    def split(self, message_id: int) -> int:
        """Move a message, and every later message replying to it down the
        In-Reply-To/References chain, into a new conversation with fresh staff state
        (open, unassigned, normal priority, no tags or notes). Returns its id."""
        with self._budgeted("a split"), self.store.writing() as tx:
            plan = tx.plan_split(message_id)
            if plan is None:
                raise NotFound(f"no message {message_id}")
            self._live_row(tx, plan.source)
            self._spend(tx, [plan.source])
            if plan.whole:
                raise BadRequest(f"message {message_id} and its replies are all of"
                                 f" #{plan.source}; nothing would be left to split from")
            new_id = tx.split(plan, normalize_subject(plan.subject))
            row = tx.conversation(new_id)
            if row is not None and row.from_addr:
                tx.link_conversation(new_id, row.from_addr,
                                                row.from_name)
            tx.append_event(self.actor, "conversation.split", f"conversation:{plan.source}",
                            {"message": message_id, "new": new_id,
                             "messages": list(plan.message_ids)})
            tx.append_event(self.actor, "conversation.split_from", f"conversation:{new_id}",
                            {"from": plan.source, "message": message_id,
                             "messages": list(plan.message_ids)})
            from cxinbox.service import redflags

            redflags.carry_at_split(tx, self.actor, plan.source, new_id)
        return new_id

    # -- notes: mentions and retraction ------------------------------------------------------

    def mentions(self, unread_only: bool = False, limit: int = 100) -> list[MentionView]:
        """Notes that mention the acting staff member, newest first."""
        if not 0 < limit <= MAX_PAGE:
            raise BadRequest(f"limit must be 1..{MAX_PAGE}")
        with self.store.reading() as tx:
            rows = tx.mentions_of(self.actor, unread_only, limit)
        self.record_read("mentions.view", f"user:{self.actor}", {
            "notes": [r.note_id for r in rows],
            "conversations": sorted({r.conversation_id for r in rows})})
        return [MentionView(r.note_id, r.conversation_id,
                            clean_line(r.subject) or "(no subject)", clean_line(r.author),
                            clean_text(r.body), r.created_at, r.read_at is not None)
                for r in rows]

    def mark_mentions_read(self, up_to_note_id: int) -> int:
        """Mark the actor's mentions in notes up to this id read; returns how many."""
        with self.store.writing() as tx:
            changed = tx.mark_mentions_read(self.actor, up_to_note_id, self._now())
            if changed:
                tx.append_event(self.actor, "mentions.read", f"user:{self.actor}",
                                {"up_to": up_to_note_id, "count": changed})
        return changed

    def unread_mention_count(self) -> int:
        with self.store.reading() as tx:
            return tx.unread_mention_count(self.actor)

    def retract_note(self, note_id: int) -> None:
        """Take a note back (the TUI's undo): only its author, within RETRACT_WINDOW_S.
        The note stays in the table and the audit trail; lists no longer show it."""
        now = self._now()
        with self.store.writing() as tx:
            note = tx.get_note(note_id)
            if note is None:
                raise NotFound(f"no note {note_id}")
            if note.author != self.actor:
                raise Forbidden(f"only {clean_line(note.author)} can take back note {note_id}")
            if note.retracted_at is not None:
                raise BadRequest(f"note {note_id} was already taken back")
            if now - int(note.created_at) > RETRACT_WINDOW_S:
                raise BadRequest(f"note {note_id} is older than {RETRACT_WINDOW_S // 60}"
                                 " minutes and can no longer be taken back")
            tx.retract_note(note_id, now)
            # A retraction is always the undo of adding the note: the trail says which.
            tx.append_event(self.actor, "conversation.note.retract",
                            f"conversation:{note.conversation_id}",
                            _undoing({"note": note_id},
                                     undo.note_event(tx, note.conversation_id, note_id)))

    # -- contacts ----------------------------------------------------------------------------

    def contact_for(self, conv_id: int, *, record_view: bool = True) -> ContactView:
        """The person behind a conversation and their other conversations that are not
        closed, across channels (what the thread view shows next to the messages).

        A conversation staff started that nobody answered has no contact yet: its view has
        `id` None and shows the address it was sent to (see `ensure_contact`). Showing a
        contact is recorded as `contact.view` (it lists the patient's other conversations);
        internal callers that show nothing to a person pass record_view=False.
        """
        with self.store.reading() as tx:
            row = self._live_row(tx, conv_id)
            live = tx.live_contact_id(row.contact_id) \
                if row.contact_id is not None else None
            contact = tx.get_contact(live) if live is not None else None
            if contact is None:
                name, addr = clean_line(row.from_name), clean_line(row.from_addr)
                view = ContactView(None, (name,) if name else (), (addr,) if addr else (),
                                   (), ())
            else:
                view = self._contact_view(tx, contact, exclude=conv_id)
        if record_view:
            self._record_contact_view(view, {"conversation": conv_id})
        return view

    def contact(self, contact_id: int, *, record_view: bool = True) -> ContactView:
        """One contact by number, with its conversations that are not closed. A contact
        merged away is followed to the one it was merged into (the view's `id` says which)."""
        with self.store.reading() as tx:
            live = tx.live_contact_id(contact_id)
            contact = tx.get_contact(live) if live is not None else None
            if contact is None:
                raise NotFound(f"no contact {contact_id}")
            view = self._contact_view(tx, contact)
        if record_view:
            self._record_contact_view(view, {"asked": f"contact {contact_id}"})
        return view

    def contact_by_address(self, address: str, *, record_view: bool = True) -> ContactView:
        """The contact an e-mail address or phone number is linked to, whether or not it
        ever wrote. The text is put in stored form first, exactly as `link_address` does."""
        canon = self.canonical_address(address)
        with self.store.reading() as tx:
            found = tx.contact_of_address(canon)
            live = tx.live_contact_id(found) if found is not None else None
            contact = tx.get_contact(live) if live is not None else None
            if contact is None:
                raise NotFound(f"no contact has the address {clean_line(canon)}")
            view = self._contact_view(tx, contact)
        if record_view:
            self._record_contact_view(view, {"asked": canon})
        return view

    def ensure_contact(self, conv_id: int) -> ContactView:
        """The conversation's contact, made now from its patient address if it has none (a
        conversation staff started, nobody answered yet), so it can be linked and merged.

        Creating is one transaction with a `contact.create` event (or `contact.attach` when
        another conversation had already made a contact for that address). A conversation
        that has a contact already is simply shown, as `contact_for` does.
        """
        with self.store.writing() as tx:
            row = self._live_row(tx, conv_id)
            if row.contact_id is None:
                address = str(row.from_addr).strip()
                if not address:
                    raise BadRequest(f"#{conv_id} has no patient address to make a contact"
                                     " from")
                contact_id, created, linked = tx.attach_conversation(
                    conv_id, address, str(row.from_name).strip())
                self._contact_events(tx, "contact.create" if created else "contact.attach",
                                     contact_id, linked,
                                     {"address": stored_address(address),
                                      "from_conversation": conv_id})
                contact = self._live_contact(tx, contact_id)
                return self._contact_view(tx, contact, exclude=conv_id)
        return self.contact_for(conv_id)

    def _contact_view(self, tx: StoreTx, contact: ContactRecord, *,
                      exclude: int | None = None) -> ContactView:
        """A contact as clients see it: every outside string sanitised; `others` are its
        conversations that are not closed, except `exclude` (the one being looked at)."""
        others = [r for r in tx.conversations_of_contact(contact.id)
                  if r.id != exclude and r.status != "closed"]
        names: list[str] = []
        for name in [contact.name, *(a[2] for a in contact.addresses)]:
            shown = clean_line(name)
            if shown and shown not in names:
                names.append(shown)
        return ContactView(
            contact.id, tuple(names),
            tuple(clean_line(a[0]) for a in contact.addresses if a[1] == "email"),
            tuple(clean_line(a[0]) for a in contact.addresses if a[1] == "phone"),
            tuple(ContactConversation(r.id, clean_line(r.subject) or "(no subject)",
                                      r.channel, clean_line(r.mailbox), r.status,
                                      clean_line(r.from_addr), r.last_message_at)
                  for r in others))

    def _record_contact_view(self, view: ContactView, details: dict[str, Any]) -> None:
        """Audit who saw a contact and which conversations were listed to them (HIPAA's
        "who saw what" covers a patient's cross-channel history, not only single threads).
        A conversation with no contact yet still showed its patient's name and address."""
        target = f"contact:{view.id}" if view.id is not None \
            else f"conversation:{details.get('conversation', '')}"
        self.record_read("contact.view", target,
                         {**details, "shown": [c.id for c in view.others]})

    def _live_contact(self, tx: StoreTx, contact_id: int) -> ContactRecord:
        contact = tx.get_contact(contact_id)
        if contact is None:
            raise NotFound(f"no contact {contact_id}")
        if contact.merged_into is not None:
            raise NotFound(f"contact {contact_id} was merged into {contact.merged_into}")
        return contact

    def canonical_address(self, address: str) -> str:
        """An e-mail address or phone number in the form contacts store it; BadRequest (one
        line) if it is neither.

        E-mail is compared lower-case. A number becomes E.164: typed with its country code in
        any punctuation, or in national form such as "(555) 010-4455" with the clinic's
        country (`Config.phone_country`), exactly as the new-message dialog reads it.
        An address is checked only as loosely as ingest stored it, so an unusual one that
        arrived in a message can still be looked up and unlinked.
        """
        if "@" in address:
            return self._stored_form(address)
        from cxinbox.domain.recipient import RecipientError, parse_recipient

        try:
            found = parse_recipient(address, self.config.phone_country)
        except RecipientError as exc:
            raise BadRequest(clean_line(str(exc))) from None
        return found.value

    @staticmethod
    def _stored_form(address: str) -> str:
        try:
            return normalize_address(address)[0]
        except AddressError as exc:
            raise BadRequest(clean_line(str(exc))) from None

    def _contact_events(self, tx: StoreTx, action: str, contact_id: int,
                        moved: list[int], details: dict[str, Any]) -> None:
        """One event for the contact, and one per conversation whose contact changed (the
        change feed is followed per conversation)."""
        tx.append_event(self.actor, action, f"contact:{contact_id}",
                        {**details, "conversations": moved})
        for conv_id in moved:
            tx.append_event(self.actor, action, f"conversation:{conv_id}",
                            {**details, "contact": contact_id})

    def link_address(self, contact_id: int, address: str, name: str = "") -> str:
        """Give `address` to a contact; returns it in stored form (lower-case e-mail, E.164),
        which is what staff should be shown. If another contact had it, the conversations
        from that address come along (a contact left with nothing forwards to this one), and
        so do conversations from it that had no contact at all."""
        canon = self.canonical_address(address)
        with self.store.writing() as tx:
            self._live_contact(tx, contact_id)
            previous = tx.contact_of_address(canon)
            if previous == contact_id:
                return canon
            tx.add_address(contact_id, canon, name.strip())
            moved = tx.move_conversations_by_address(previous, contact_id,
                                                                canon)
            if previous is not None:
                tx.mark_merged_if_empty(previous, contact_id)
            self._contact_events(tx, "contact.link", contact_id, moved,
                                 {"address": canon, "from_contact": previous})
        return canon

    def unlink_address(self, contact_id: int, address: str) -> int:
        """Take `address` (and its conversations) off a contact onto a new contact of its
        own; returns the new contact's id."""
        canon = self.canonical_address(address)
        with self.store.writing() as tx:
            contact = self._live_contact(tx, contact_id)
            mine = {a[0]: a[2] for a in contact.addresses}
            if canon not in mine:
                raise BadRequest(f"contact {contact_id} has no address {clean_line(canon)}")
            if len(mine) == 1:
                raise BadRequest(f"{clean_line(canon)} is the only address of contact"
                                 f" {contact_id}")
            new_id = tx.create_contact(mine[canon], canon)
            tx.add_address(new_id, canon, mine[canon])
            moved = tx.move_conversations_by_address(contact_id, new_id, canon)
            self._contact_events(tx, "contact.unlink", contact_id, moved,
                                 {"address": canon, "new_contact": new_id})
        return new_id

    def merge_contacts(self, into_id: int, other_id: int) -> None:
        """One person: every address and conversation of `other_id` moves to `into_id`."""
        if into_id == other_id:
            raise BadRequest("cannot merge a contact into itself")
        with self.store.writing() as tx:
            self._live_contact(tx, into_id)
            self._live_contact(tx, other_id)
            moved = tx.merge_contacts(into_id, other_id)
            self._contact_events(tx, "contact.merge", into_id, moved, {"other": other_id})
