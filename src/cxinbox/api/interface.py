"""The typed service interface every client uses, and its in-process transport.

The TUI and CLI depend only on `InboxAPI`. `InProcessAPI` runs the service in worker
threads so an event loop is never blocked by SQLite; the socket transport
(`cxinbox serve` + `SocketAPI`) carries exactly the coroutine methods declared on
`InboxAPI`, so a new method is one declaration here and one implementation on
`InProcessAPI`: the server dispatches it and the socket client forwards it by name.
"""

from __future__ import annotations

import asyncio
import dataclasses
import functools
import inspect
from collections.abc import Callable, Hashable
from datetime import UTC, datetime
from functools import cache
from typing import TYPE_CHECKING, Protocol, TypeVar

from cxinbox.api.live import ChangeFeed, PresenceBoard
from cxinbox.contract.backup_types import BackupReport
from cxinbox.contract.errors import DatabaseDown
from cxinbox.contract.health_types import HealthReport
from cxinbox.contract.kb_types import KbArticle, KbHit, KbInsertion, KbRevision, KbSyncReport
from cxinbox.contract.reply_types import CannedView, DraftView, OutboxItemView, RenderedCanned
from cxinbox.contract.retention_types import RetentionReport
from cxinbox.contract.routing_types import AwayResult, TeamAssignment, TeamView
from cxinbox.contract.team_types import ContactView, MentionView, StaffView, TagView
from cxinbox.contract.types import (
    Alert,
    Changes,
    ConversationDetail,
    Event,
    FolderStatus,
    Page,
    Presence,
)
from cxinbox.domain.sanitize import clean_line
from cxinbox.domain.teams import member_on_shift, team_available

if TYPE_CHECKING:
    # Annotations only: the socket client imports this module for `api_methods`, and the
    # service layer behind InProcessAPI would cost a CLI call through the server ~60 ms.
    from cxinbox.contract.report_types import DigestResult, Report
    from cxinbox.service.inbox import BulkResult, InboxService
    from cxinbox.service.kb import KbService
    from cxinbox.service.replies import ReplyService
    from cxinbox.service.teams import TeamService

T = TypeVar("T")

MAX_WAIT_S = 60.0
"""Longest a `wait_events` call may block; clients simply ask again."""
FEED_PAGE = 500
"""Changes one `wait_events` answer carries at most (`InboxService.feed_since`'s page)."""


class InboxAPI(Protocol):
    actor: str

    async def list_conversations(self, query: str = "", offset: int = 0, limit: int = 50,
                                 count_up_to: int | None = None) -> Page: ...

    async def get_conversation(self, conv_id: int) -> ConversationDetail: ...

    async def sync_status(self) -> list[FolderStatus]: ...

    async def alerts(self) -> list[Alert]: ...

    async def health_report(self) -> HealthReport:
        """The server's health (`cxinbox status`): admins and the monitor role only."""
        ...

    async def attachment(self, message_id: int, part_path: str) -> tuple[str, str, bytes]: ...

    async def events_since(self, seq: int, limit: int = 500) -> list[Event]:
        """The change feed after `seq` as the caller may see it: kinds and ids of changes,
        never the audit trail (reads, refusals, recipients); `audit` is for that."""
        ...

    async def last_event_seq(self) -> int: ...

    async def wait_events(self, seq: int, timeout_s: float = 25.0,
                          presence_version: int | None = None,
                          epoch: str | None = None) -> Changes:
        """Changes after `seq` the caller may see (as `events_since`), as soon as there is
        one (or `presence_version` is no longer the current one), else an empty `Changes`
        after `timeout_s`. Continue from `Changes.head`: audit records the caller does not
        see are skipped, so it can be past the last event returned. `epoch`: the
        `Changes.epoch` the caller's `seq` was read under; another one now is answered at
        once (the caller starts over)."""
        ...

    async def tag(self, conv_id: int, add: list[str], remove: list[str],
                  undo_of: int | None = None) -> int:
        """Returns the seq of the change's event; `undo_of` names the event of an earlier
        change of the caller's that this one takes back (refused if someone moved the
        conversation on since). The same holds for set_status, assign and set_priority."""
        ...

    async def add_note(self, conv_id: int, body: str) -> int: ...

    async def clear_red_flag(self, conv_id: int, reason: str) -> int:
        """Clear the open red flag (clinical staff, supervisors, admins); `reason` is
        audited. Returns the seq of the clearing's event."""
        ...

    async def mark_read(self, conv_id: int) -> int: ...

    async def set_status(self, conv_id: int, status: str, until: int | None = None,
                         undo_of: int | None = None) -> int: ...

    async def assign(self, conv_id: int, user: str | None, undo_of: int | None = None
                     ) -> int: ...

    async def set_priority(self, conv_id: int, priority: str, undo_of: int | None = None
                           ) -> int: ...

    async def bulk_tag(self, query: str, add: list[str], remove: list[str],
                       dry_run: bool = False) -> BulkResult: ...

    async def bulk_assign(self, query: str, user: str | None,
                          dry_run: bool = False) -> BulkResult: ...

    async def bulk_status(self, query: str, status: str, until: int | None = None,
                          dry_run: bool = False) -> BulkResult: ...

    async def bulk_priority(self, query: str, priority: str,
                            dry_run: bool = False) -> BulkResult: ...

    async def audit(self, query: str = "", since: datetime | None = None,
                    actor: str | None = None, conversation: int | None = None,
                    limit: int | None = 200, until: datetime | None = None) -> list[Event]:
        """The audit trail with every detail: supervisors and admins only, and audited;
        from `since` on, before `until`."""
        ...

    async def report(self, report: str, query: str = "", start: int | None = None,
                     end: int | None = None, by: list[str] | None = None) -> Report:
        """A report over [start, end) (epoch seconds; default the last 30 days) on the
        conversations `query` matches; audited, and per-person figures are the caller's own
        unless a supervisor or admin asks."""
        ...

    async def send_digest(self, mail_to: list[str], query: str = "", start: int | None = None,
                          end: int | None = None, dry_run: bool = False,
                          again: bool = False) -> DigestResult:
        """The desk's figures over [start, end) (default: the last 7 whole days) and the
        period before, mailed to staff through the outbox (`dry_run`: only built), once
        per period and recipient unless `again`. Supervisors and admins only; audited as
        `report.digest`."""
        ...

    async def set_presence(self, conv_id: int | None, composing: bool = False) -> None:
        """What this client has open (None: the list) and whether it is typing there."""
        ...

    async def presence(self) -> list[Presence]: ...

    async def online(self) -> list[str]:
        """Display names of the staff connected right now."""
        ...

    async def roster(self) -> list[StaffView]:
        """Everyone on the config roster, in roster order, with whether each is connected
        now: who a conversation can be assigned to and who an @mention can reach; and,
        by the server's config and clock, who is a clinician and on shift now, and in
        which of the teams red flags are routed to each can take one now."""
        ...

    async def known_tags(self, limit: int = 1000) -> list[TagView]:
        """Tags in use, the most used first: completion, and a check before a new one."""
        ...

    # -- team workflow ---------------------------------------------------------------------

    async def merge(self, into_id: int, other_id: int) -> int:
        """Move `other_id`'s messages, notes and tags into `into_id`; returns the event's seq."""
        ...

    async def unmerge(self, into_id: int, other_id: int, undo_of: int | None = None) -> None:
        """Undo a merge: `other_id` comes back as it was (later mail stays in `into_id`);
        `undo_of` is the merge's event seq when the TUI's undo asks."""
        ...

    async def split(self, message_id: int) -> int:
        """The message (and replies to it) into a new conversation; returns its id."""
        ...

    async def retract_note(self, note_id: int) -> None:
        """The author takes a note back within two minutes (kept in the audit trail)."""
        ...

    async def mentions(self, unread_only: bool = False, limit: int = 100
                       ) -> list[MentionView]: ...

    async def mark_mentions_read(self, up_to_note_id: int) -> int: ...

    async def unread_mention_count(self) -> int: ...

    async def contact_for(self, conv_id: int) -> ContactView:
        """The person behind a conversation (`id` None: staff started it, nobody answered).
        Audited as `contact.view` when there is a contact."""
        ...

    async def contact(self, contact_id: int) -> ContactView:
        """A contact by number, following merges to the live one; audited as `contact.view`."""
        ...

    async def contact_by_address(self, address: str) -> ContactView:
        """The contact an e-mail address or phone number (any punctuation) is linked to, even
        if it never wrote; NotFound when none. Audited as `contact.view`."""
        ...

    async def ensure_contact(self, conv_id: int) -> ContactView:
        """The conversation's contact, created from its patient address if it has none."""
        ...

    async def link_address(self, contact_id: int, address: str, name: str = "") -> str:
        """Give the address to the contact; returns it as stored (lower-case, E.164)."""
        ...

    async def unlink_address(self, contact_id: int, address: str) -> int: ...

    async def merge_contacts(self, into_id: int, other_id: int) -> None: ...

    # -- answering patients (service/replies.py) ----------------------------------------

    async def start_draft(self, conv_id: int | None, mode: str = "reply",
                          to: str | None = None) -> DraftView:
        """The caller's draft for a conversation (made if missing): reply, reply_all, new,
        sms. Drafts are shared: colleagues see them in `drafts_for`."""
        ...

    async def save_draft(self, draft_id: int, body: str, subject: str | None = None,
                         to: list[str] | None = None, cc: list[str] | None = None
                         ) -> DraftView: ...

    async def attach_file(self, draft_id: int, filename: str, data: bytes,
                          content_type: str = "") -> DraftView:
        """Keep a file's bytes with the draft; the caller reads the file (see api/upload.py)."""
        ...

    async def detach_file(self, draft_id: int, file_id: int) -> DraftView: ...

    async def discard_draft(self, draft_id: int) -> None: ...

    async def rebase_draft(self, draft_id: int) -> DraftView:
        """ "I have read what arrived": the send guard counts from now."""
        ...

    async def drafts_for(self, conv_id: int) -> list[DraftView]: ...

    async def my_drafts(self) -> list[DraftView]: ...

    async def canned_replies(self) -> list[CannedView]: ...

    async def render_canned(self, name: str, conv_id: int | None,
                            fills: dict[str, str] | None = None) -> RenderedCanned: ...

    async def send_draft(self, draft_id: int, force: bool = False) -> OutboxItemView:
        """Queue the draft; raises SendGuardTripped when the conversation moved on."""
        ...

    async def outbox(self, states: list[str] | None = None, limit: int = 100,
                     conversation_id: int | None = None) -> list[OutboxItemView]: ...

    async def outbox_item(self, outbox_id: int) -> OutboxItemView: ...

    async def cancel_outbox(self, outbox_id: int) -> OutboxItemView: ...

    async def requeue_outbox(self, outbox_id: int) -> OutboxItemView:
        """Undo a cancel: back in the queue with a fresh undo window (its draft removed)."""
        ...

    async def retry_outbox(self, outbox_id: int) -> OutboxItemView: ...

    async def confirm_outbox(self, outbox_id: int) -> OutboxItemView: ...

    async def backup(self, directory: str | None = None) -> BackupReport:
        """An encrypted, verified backup now (into `directory` instead of [backup] dir):
        admins only, and audited. The server writes it; the caller gets its report."""
    # -- operations ------------------------------------------------------------------------

    async def run_retention(self, dry_run: bool = False) -> RetentionReport:
        """Apply `[retention]` now (admins only; `dry_run` counts and changes nothing)."""
        ...

    # -- teams and away (service/teams.py) ----------------------------------------------

    async def assign_team(self, conv_id: int, team: str) -> TeamAssignment:
        """Give the conversation to the next member of `team` by its strategy (nobody
        available: left unassigned, and the result says why); audited with the reason."""
        ...

    async def bulk_assign_team(self, query: str, team: str,
                               dry_run: bool = False) -> BulkResult:
        """Every match to `team`, one pick after another (round-robin spreads them)."""
        ...

    async def set_away(self, away: bool, user: str | None = None) -> AwayResult:
        """Mark the caller away or back (`user`: a colleague; supervisors and admins
        only). Going away hands open conversations back to `return_on_away` teams."""
        ...

    async def teams(self) -> list[TeamView]:
        """The configured teams and who of each the next pick could land on now."""
    # -- the knowledge base (service/kb.py) --------------------------------------------------

    async def kb_list(self, tag: str | None = None, audience: str | None = None
                      ) -> list[KbArticle]:
        """Every article by title, bodies left out (`kb_show` has them)."""
        ...

    async def kb_search(self, text: str, limit: int = 20) -> list[KbHit]:
        """Articles matching every word of `text` (a word is a prefix), best first."""
        ...

    async def kb_show(self, slug: str, revision: int | None = None) -> KbArticle: ...

    async def kb_history(self, slug: str) -> list[KbRevision]: ...

    async def kb_add(self, title: str, body: str, audience: str, slug: str | None = None,
                     tags: list[str] | None = None, link: str = "", note: str = ""
                     ) -> KbArticle:
        """A new article (roles in `[kb] editors`; audited as `kb.add`)."""
        ...

    async def kb_edit(self, slug: str, title: str | None = None, body: str | None = None,
                      audience: str | None = None, tags: list[str] | None = None,
                      link: str | None = None, note: str = "") -> KbArticle:
        """A new revision of an article added through the API (not a folder file's)."""
        ...

    async def kb_sync(self) -> KbSyncReport:
        """Re-read `[kb] folder` now; files that do not parse are listed, the rest load."""
        ...

    async def kb_insertion(self, slug: str, link_only: bool = False,
                           conversation_id: int | None = None) -> KbInsertion:
        """A patient-facing article as text for a reply (or only its link); a staff-only
        article is refused. Audited as `kb.insert` / `kb.refused`."""
        ...


def annotation_names() -> dict[str, object]:
    """The names `InboxAPI`'s annotations use that are imported for type checking only,
    for `typing.get_type_hints` (the validator resolves parameter types at run time)."""
    from cxinbox.contract.report_types import DigestResult, Report
    from cxinbox.service.inbox import BulkResult, InboxService

    return {"BulkResult": BulkResult, "InboxService": InboxService, "Report": Report,
            "DigestResult": DigestResult}


@cache
def api_methods() -> frozenset[str]:
    """The methods a transport carries: every coroutine declared on `InboxAPI`."""
    return frozenset(name for name, value in vars(InboxAPI).items()
                     if not name.startswith("_") and inspect.iscoroutinefunction(value))


class InProcessAPI:
    """The service objects themselves, called from worker threads.

    `feed` and `board` are shared when a server runs one InProcessAPI per connection; on
    their own they cover just this process and this person.
    """

    def __init__(self, service: InboxService, *, feed: ChangeFeed | None = None,
                 board: PresenceBoard | None = None, session: Hashable | None = None,
                 display_name: str | None = None) -> None:
        self.service = service
        self.actor = service.actor
        self._own_feed = feed is None
        self._feed = feed or ChangeFeed(service.feed_head)
        self._session: Hashable = session if session is not None else id(self)
        if board is None:
            board = PresenceBoard(self._feed)
            member = service.config.staff_member(service.actor)
            board.join(self._session, service.actor,
                       display_name or (member.name if member else service.actor))
        self._board = board

    def close_feed(self) -> bool:
        """Stop the change feed's reader threads this API made (waiting for a read still
        running), before its store is closed; a feed shared with a server is the server's
        to stop. True when no read is left running."""
        return self._feed.close() if self._own_feed else True

    async def _call(self, fn: Callable[..., T], *args: object, **kwargs: object) -> T:
        """Run one service call off the loop, then wake anyone waiting for changes."""
        try:
            return await asyncio.to_thread(fn, *args, **kwargs)
        finally:
            self._feed.notify()

    async def list_conversations(self, query: str = "", offset: int = 0, limit: int = 50,
                                 count_up_to: int | None = None) -> Page:
        return await self._call(self.service.list_conversations, query, offset, limit,
                                count_up_to)

    async def get_conversation(self, conv_id: int) -> ConversationDetail:
        return await self._call(self.service.get_conversation, conv_id)

    async def sync_status(self) -> list[FolderStatus]:
        return await asyncio.to_thread(self.service.sync_status)

    async def alerts(self) -> list[Alert]:
        return await asyncio.to_thread(self.service.alerts)

    async def health_report(self) -> HealthReport:
        from cxinbox.service.status import health_report

        online = [p.os_user for p in self._board.snapshot()]
        if self.actor in online:
            online.remove(self.actor)  # the connection asking is not someone at the desk
        return await asyncio.to_thread(health_report, self.service, online)

    async def events_since(self, seq: int, limit: int = 500) -> list[Event]:
        return await asyncio.to_thread(self.service.events_since, seq, limit)

    async def last_event_seq(self) -> int:
        return await asyncio.to_thread(self.service.last_event_seq)

    async def wait_events(self, seq: int, timeout_s: float = 25.0,
                          presence_version: int | None = None,
                          epoch: str | None = None) -> Changes:
        feed = self._feed
        loop = asyncio.get_running_loop()
        deadline = loop.time() + min(max(0.0, timeout_s), MAX_WAIT_S)
        while True:
            generation = feed.generation
            if feed.polled_elsewhere and feed.away is not None:
                # the head kept here is the last one read before the outage: answering
                # from it would tell the client all is well until the database is back
                raise DatabaseDown(feed.away)
            head = feed.head if feed.polled_elsewhere else await feed.run(feed.read_head)
            if (head < seq or _other(epoch, feed.epoch)) and feed.polled_elsewhere:
                head = await feed.run(feed.read_head)  # the server's feed may lag a moment
            now_epoch = feed.epoch or ""
            if head < seq or _other(epoch, feed.epoch):
                # The caller has seen events the database no longer has (a standby promoted
                # without the last commits): answered at once with the database's head (and
                # timeline), and the caller starts over from it (reloads what it shows).
                # Waiting instead would skip every new event until the sequence passed the
                # caller's again; the timeline tells it also once the sequence has.
                return Changes((), head, feed.presence_version, more=False, epoch=now_epoch)
            moved = head > seq
            seen = feed.presence_version
            now = loop.time()
            events: list[Event] = []
            if moved:  # audit records alone (someone read something) wake nobody
                heard = feed.heard_between(seq, head, FEED_PAGE)
                if heard is not None:
                    events, seq = self.service.feed_of(heard, seq, head)
                else:
                    events, seq = await feed.run(functools.partial(
                        self.service.feed_since, seq, upto=head))
            if events or (presence_version is not None and presence_version != seen) \
                    or now >= deadline:
                return Changes(tuple(events), seq, seen, more=seq < head, epoch=now_epoch)
            pause = deadline - now if feed.polled_elsewhere else min(deadline - now,
                                                                      feed.poll_s)
            await feed.wait(generation, pause)

    async def tag(self, conv_id: int, add: list[str], remove: list[str],
                  undo_of: int | None = None) -> int:
        return await self._call(self.service.tag, conv_id, add, remove, undo_of)

    async def add_note(self, conv_id: int, body: str) -> int:
        return await self._call(self.service.add_note, conv_id, body)

    async def clear_red_flag(self, conv_id: int, reason: str) -> int:
        return await self._call(self.service.clear_red_flag, conv_id, reason)

    async def set_status(self, conv_id: int, status: str, until: int | None = None,
                         undo_of: int | None = None) -> int:
        return await self._call(self.service.set_status, conv_id, status, until, undo_of)

    async def assign(self, conv_id: int, user: str | None, undo_of: int | None = None
                     ) -> int:
        return await self._call(self.service.assign, conv_id, user, undo_of)

    async def set_priority(self, conv_id: int, priority: str, undo_of: int | None = None
                           ) -> int:
        return await self._call(self.service.set_priority, conv_id, priority, undo_of)

    async def attachment(self, message_id: int, part_path: str) -> tuple[str, str, bytes]:
        return await self._call(self.service.attachment, message_id, part_path)

    async def mark_read(self, conv_id: int) -> int:
        return await self._call(self.service.mark_read, conv_id)

    async def bulk_tag(self, query: str, add: list[str], remove: list[str],
                       dry_run: bool = False) -> BulkResult:
        return await self._call(self.service.bulk_tag, query, add, remove, dry_run=dry_run)

    async def bulk_assign(self, query: str, user: str | None,
                          dry_run: bool = False) -> BulkResult:
        return await self._call(self.service.bulk_assign, query, user, dry_run=dry_run)

    async def bulk_status(self, query: str, status: str, until: int | None = None,
                          dry_run: bool = False) -> BulkResult:
        return await self._call(self.service.bulk_status, query, status, until,
                                dry_run=dry_run)

    async def bulk_priority(self, query: str, priority: str,
                            dry_run: bool = False) -> BulkResult:
        return await self._call(self.service.bulk_priority, query, priority, dry_run=dry_run)

    async def audit(self, query: str = "", since: datetime | None = None,
                    actor: str | None = None, conversation: int | None = None,
                    limit: int | None = 200, until: datetime | None = None) -> list[Event]:
        from cxinbox.service.audit import AuditService

        return await self._call(AuditService(self.service).read, query, since=since,
                                actor=actor, conversation=conversation, limit=limit,
                                until=until)

    async def report(self, report: str, query: str = "", start: int | None = None,
                     end: int | None = None, by: list[str] | None = None) -> Report:
        from cxinbox.service.reports import ReportService

        return await self._call(ReportService(self.service).run, report, query, start, end, by)

    async def deliver_outbox(self) -> int:
        """Send what the outbox has due now, from this process: for a command that runs
        where no server sends it (`report digest` in-process). Not on `InboxAPI`, so no
        client can ask a server for it. Returns how many were sent (any due item, not
        only the one just queued, as `reply --send` in-process does)."""
        from cxinbox.service.outbox import OutboxWorker

        service = self.service
        return await asyncio.to_thread(
            lambda: OutboxWorker(service.store, service.config).process_due())

    async def send_digest(self, mail_to: list[str], query: str = "", start: int | None = None,
                          end: int | None = None, dry_run: bool = False,
                          again: bool = False) -> DigestResult:
        from cxinbox.service.digest import DigestService

        return await self._call(DigestService(self.service).run, mail_to, query, start, end,
                                dry_run, again)

    async def set_presence(self, conv_id: int | None, composing: bool = False) -> None:
        self._board.set(self._session, conv_id, composing)

    async def presence(self) -> list[Presence]:
        entries = self._board.snapshot()
        if not entries:
            return entries
        away = set(await asyncio.to_thread(self.routing.away_users))
        return [dataclasses.replace(p, away=True) if p.os_user in away else p
                for p in entries]

    async def online(self) -> list[str]:
        return self._board.online()

    async def roster(self) -> list[StaffView]:
        here = {p.os_user for p in self._board.snapshot()}
        away = set(await asyncio.to_thread(self.routing.away_users))
        config, now = self.service.config, datetime.now(UTC)
        red = config.red_flag_teams()
        available = {t.name: set(team_available(t, away, now)) for t in red}
        full = await asyncio.to_thread(self.routing.red_flag_full, available)
        return [StaffView(m.os_user, clean_line(m.name) or m.os_user, m.role,
                          m.os_user in here, m.os_user in away, clinical=m.clinical,
                          on_shift=member_on_shift(m.os_user, config.teams, now),
                          red_flag_teams=tuple(t.name for t in red if m.os_user in t.members),
                          red_flag_available=tuple(t.name for t in red
                                                   if m.os_user in available[t.name]),
                          red_flag_full=tuple(t.name for t in red
                                              if m.os_user in full.get(t.name, ())))
                for m in config.staff
                if m.role != "monitor"]  # a monitoring login is nobody to assign or mention

    async def known_tags(self, limit: int = 1000) -> list[TagView]:
        return await asyncio.to_thread(self.service.known_tags, limit)

    # -- team workflow -----------------------------------------------------------------------

    async def merge(self, into_id: int, other_id: int) -> int:
        return await self._call(self.service.merge, into_id, other_id)

    async def unmerge(self, into_id: int, other_id: int, undo_of: int | None = None) -> None:
        await self._call(self.service.unmerge, into_id, other_id, undo_of)

    async def split(self, message_id: int) -> int:
        return await self._call(self.service.split, message_id)

    async def retract_note(self, note_id: int) -> None:
        await self._call(self.service.retract_note, note_id)

    async def mentions(self, unread_only: bool = False, limit: int = 100
                       ) -> list[MentionView]:
        return await asyncio.to_thread(self.service.mentions, unread_only, limit)

    async def mark_mentions_read(self, up_to_note_id: int) -> int:
        return await self._call(self.service.mark_mentions_read, up_to_note_id)

    async def unread_mention_count(self) -> int:
        return await asyncio.to_thread(self.service.unread_mention_count)

    async def contact_for(self, conv_id: int) -> ContactView:
        return await self._call(self.service.contact_for, conv_id)

    async def contact(self, contact_id: int) -> ContactView:
        return await self._call(self.service.contact, contact_id)

    async def contact_by_address(self, address: str) -> ContactView:
        return await self._call(self.service.contact_by_address, address)

    async def ensure_contact(self, conv_id: int) -> ContactView:
        return await self._call(self.service.ensure_contact, conv_id)

    async def link_address(self, contact_id: int, address: str, name: str = "") -> str:
        return await self._call(self.service.link_address, contact_id, address, name)

    async def unlink_address(self, contact_id: int, address: str) -> int:
        return await self._call(self.service.unlink_address, contact_id, address)

    async def merge_contacts(self, into_id: int, other_id: int) -> None:
        await self._call(self.service.merge_contacts, into_id, other_id)

    # -- answering patients ----------------------------------------------------------------

    @property
    def replies(self) -> ReplyService:
        found: ReplyService | None = getattr(self, "_replies", None)
        if found is None:
            from cxinbox.service.replies import ReplyService

            found = ReplyService(self.service)
            self._replies = found
        return found

    async def start_draft(self, conv_id: int | None, mode: str = "reply",
                          to: str | None = None) -> DraftView:
        return await self._call(self.replies.start_draft, conv_id, mode, to)

    async def save_draft(self, draft_id: int, body: str, subject: str | None = None,
                         to: list[str] | None = None, cc: list[str] | None = None
                         ) -> DraftView:
        return await self._call(self.replies.save_draft, draft_id, body, subject, to, cc)

    async def attach_file(self, draft_id: int, filename: str, data: bytes,
                          content_type: str = "") -> DraftView:
        return await self._call(self.replies.attach_file, draft_id, filename, data,
                                content_type)

    async def detach_file(self, draft_id: int, file_id: int) -> DraftView:
        return await self._call(self.replies.detach_file, draft_id, file_id)

    async def discard_draft(self, draft_id: int) -> None:
        await self._call(self.replies.discard_draft, draft_id)

    async def rebase_draft(self, draft_id: int) -> DraftView:
        return await self._call(self.replies.rebase_draft, draft_id)

    async def drafts_for(self, conv_id: int) -> list[DraftView]:
        return await asyncio.to_thread(self.replies.drafts_for, conv_id)

    async def my_drafts(self) -> list[DraftView]:
        return await asyncio.to_thread(self.replies.my_drafts)

    async def canned_replies(self) -> list[CannedView]:
        return await asyncio.to_thread(self.replies.canned_replies)

    async def render_canned(self, name: str, conv_id: int | None,
                            fills: dict[str, str] | None = None) -> RenderedCanned:
        return await asyncio.to_thread(self.replies.render_canned, name, conv_id, fills)

    async def send_draft(self, draft_id: int, force: bool = False) -> OutboxItemView:
        return await self._call(self.replies.send, draft_id, force)

    async def outbox(self, states: list[str] | None = None, limit: int = 100,
                     conversation_id: int | None = None) -> list[OutboxItemView]:
        return await asyncio.to_thread(self.replies.outbox, states, limit,
                                       conversation_id=conversation_id)

    async def outbox_item(self, outbox_id: int) -> OutboxItemView:
        return await asyncio.to_thread(self.replies.outbox_item, outbox_id)

    async def cancel_outbox(self, outbox_id: int) -> OutboxItemView:
        return await self._call(self.replies.cancel, outbox_id)

    async def requeue_outbox(self, outbox_id: int) -> OutboxItemView:
        return await self._call(self.replies.requeue, outbox_id)

    async def retry_outbox(self, outbox_id: int) -> OutboxItemView:
        return await self._call(self.replies.retry, outbox_id)

    async def confirm_outbox(self, outbox_id: int) -> OutboxItemView:
        return await self._call(self.replies.confirm_sent, outbox_id)

    async def backup(self, directory: str | None = None) -> BackupReport:
        from pathlib import Path

        from cxinbox.service.backup import make_backup

        def run() -> BackupReport:
            self.service.require_role("backup", frozenset({"admin"}))
            return make_backup(self.service.store, self.service.config, actor=self.actor,
                               directory=Path(directory) if directory else None)

        return await asyncio.to_thread(run)
    async def run_retention(self, dry_run: bool = False) -> RetentionReport:
        from cxinbox.service.retention import run_for

        return await self._call(run_for, self.service, dry_run)

    # -- teams and away ----------------------------------------------------------------------

    @property
    def routing(self) -> TeamService:
        from cxinbox.service.teams import TeamService

        return TeamService(self.service)

    async def assign_team(self, conv_id: int, team: str) -> TeamAssignment:
        return await self._call(self.routing.assign, conv_id, team)

    async def bulk_assign_team(self, query: str, team: str,
                               dry_run: bool = False) -> BulkResult:
        return await self._call(self.routing.bulk_assign, query, team, dry_run=dry_run)

    async def set_away(self, away: bool, user: str | None = None) -> AwayResult:
        try:
            return await self._call(self.routing.set_away, away, user)
        finally:
            self._feed.bump_presence()  # colleagues' rosters and status lines show it

    async def teams(self) -> list[TeamView]:
        return await asyncio.to_thread(self.routing.teams)
    # -- the knowledge base ----------------------------------------------------------------

    @property
    def kb(self) -> KbService:
        found: KbService | None = getattr(self, "_kb", None)
        if found is None:
            from cxinbox.service.kb import KbService

            found = KbService(self.service)
            self._kb = found
        return found

    async def kb_list(self, tag: str | None = None, audience: str | None = None
                      ) -> list[KbArticle]:
        from dataclasses import replace

        found = await asyncio.to_thread(self.kb.list, tag, audience)
        return [replace(a, body="") for a in found]

    async def kb_search(self, text: str, limit: int = 20) -> list[KbHit]:
        return await asyncio.to_thread(self.kb.search, text, limit)

    async def kb_show(self, slug: str, revision: int | None = None) -> KbArticle:
        return await asyncio.to_thread(self.kb.show, slug, revision)

    async def kb_history(self, slug: str) -> list[KbRevision]:
        return await asyncio.to_thread(self.kb.history, slug)

    async def kb_add(self, title: str, body: str, audience: str, slug: str | None = None,
                     tags: list[str] | None = None, link: str = "", note: str = ""
                     ) -> KbArticle:
        return await self._call(self.kb.add, title, body, audience, slug, tags, link, note)

    async def kb_edit(self, slug: str, title: str | None = None, body: str | None = None,
                      audience: str | None = None, tags: list[str] | None = None,
                      link: str | None = None, note: str = "") -> KbArticle:
        return await self._call(self.kb.edit, slug, title, body, audience, tags, link, note)

    async def kb_sync(self) -> KbSyncReport:
        return await self._call(self.kb.sync)

    async def kb_insertion(self, slug: str, link_only: bool = False,
                           conversation_id: int | None = None) -> KbInsertion:
        return await asyncio.to_thread(self.kb.insertion, slug,
                                       "link" if link_only else "text", conversation_id)


def _other(epoch: str | None, now: str | None) -> bool:
    """The caller's `epoch` is not the database's timeline `now` (both known)."""
    return epoch is not None and now is not None and epoch != now
