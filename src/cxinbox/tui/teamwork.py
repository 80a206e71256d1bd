"""The TUI's team side: replies, presence, mentions, escalations, merge and split.

Kept out of app.py so the inbox's core (list, thread, polling, triage) stays readable. This
is a mixin for `CxInboxApp`; it uses the app's `api`, `me`, widgets and `_say`.

What a person sees:
- `r` / `R` / `C` open the composer on a shared draft (reply, reply-all, new message); the
  thread header says "Maria is writing a reply" and "Draft by Maria" to everyone else.
- A queued reply can be taken back with `u` during the undo window.
- A colleague's @mention of you, and a conversation of yours (or of nobody's) turning at
  risk or breached, arrive as a toast with a terminal bell, once.
- `M` merges the open conversation into another; `S` splits a message out of it.
- `O` opens the outbox (screens/outbox.py); `L` the patient's contact (screens/contact.py).
  Both reload when the change feed brings something that concerns them, and Enter in
  either opens a conversation here.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any

from cxinbox.contract.types import ConversationSummary, Event
from cxinbox.domain.sanitize import clean_line
from cxinbox.tui import actions, escalations, redflag, triage
from cxinbox.tui.messages import error_line
from cxinbox.tui.presence import PresenceBoard, first_name
from cxinbox.tui.rulemoves import RuleMoves
from cxinbox.tui.screens.choice import Choice, ChoiceScreen
from cxinbox.tui.screens.compose import (
    ComposeResultValue,
    ComposeScreen,
    FlagWords,
    composer_title,
    sms_sender_name,
)
from cxinbox.tui.screens.contact import ContactScreen
from cxinbox.tui.screens.outbox import OutboxScreen
from cxinbox.tui.screens.prompt import PromptScreen
from cxinbox.tui.screens.recipient import NewMessageScreen

_OUTBOX_NEWS = {"outbox.sent": ("Reply #{conv} sent", "information"),
                "outbox.failed": ("Reply on #{conv} FAILED ({key}: outbox): {reason}", "error"),
                "outbox.unconfirmed": ("Reply on #{conv} may not have arrived ({key}: outbox)",
                                       "warning"),
                "outbox.undelivered": ("Text on #{conv} NOT DELIVERED ({key}: outbox): {reason}",
                                       "error")}


def _summary_line(conv: int) -> str:
    return f"#{conv}"


class TeamMixin:
    """Methods mixed into CxInboxApp (see module docstring)."""

    # -- presence ---------------------------------------------------------------------------

    def _team_init(self: Any) -> None:
        self._board = PresenceBoard(self.me)
        self._presence_version: int | None = -1  # unknown: the first long poll reports it
        self._viewing: int | None = None
        self._composing: int | None = None
        self._drafts_line = ""
        self._contact_line = ""

    def _tell_presence(self: Any, conv_id: int | None, composing: bool = False) -> None:
        if (conv_id, composing) == (self._viewing, self._composing is not None):
            return
        self._viewing = conv_id
        self._composing = conv_id if composing else None
        self._send_presence(conv_id, composing)

    def _send_presence(self: Any, conv_id: int | None, composing: bool) -> None:
        async def go() -> None:
            try:
                await self.api.set_presence(conv_id, composing)
            except Exception:  # noqa: BLE001,S110 - presence is best effort
                pass

        self.run_worker(go, group="presence", exclusive=True, exit_on_error=False)

    def _presence_moved(self: Any, version: int) -> None:
        if version == self._presence_version:
            return
        self._presence_version = version

        async def fetch() -> None:
            try:
                entries = await self.api.presence()
            except Exception:  # noqa: BLE001 - shown as "nobody else" until the next change
                return
            self._board = PresenceBoard.build(self.me, entries)
            self._show_presence()

        self.run_worker(fetch, group="presence-read", exclusive=True, exit_on_error=False)

    def _show_presence(self: Any) -> None:
        board = self._board
        self.conversation_list.set_presence(board.markers(self.glyphs.writing))
        self.status_line.set_online((self.me, *board.online()))
        self._refresh_side_lines()

    def _refresh_side_lines(self: Any) -> None:
        detail = self.thread.detail
        if detail is None:
            return
        lines = [line for line in (self._board.thread_line(detail.summary.id),
                                   self._contact_line) if line]
        self.thread.set_side_lines("\n".join(lines), self._drafts_line)

    # -- the open conversation's drafts and contact ---------------------------------------

    def _load_side_info(self: Any, conv_id: int) -> None:
        async def fetch() -> None:
            drafts_line = contact_line = ""
            try:
                drafts = await self.api.drafts_for(conv_id)
                mine = [d for d in drafts if d.author == self.me]
                others = [d for d in drafts if d.author != self.me]
                parts = [f"Draft by {first_name(d.author_name or d.author)}" for d in others]
                if mine:
                    parts.insert(0, "Your draft is saved (r to continue)")
                drafts_line = " · ".join(parts)
            except Exception:  # noqa: BLE001,S110 - side information only
                pass
            try:
                contact = await self.api.contact_for(conv_id)
                others_open = [c for c in contact.others if c.id != conv_id][:4]
                if others_open:
                    contact_line = "Same patient: " + " · ".join(
                        f"#{c.id} {c.channel} {c.status}" for c in others_open)
            except Exception:  # noqa: BLE001,S110
                pass
            if self.thread.detail is not None and self.thread.detail.summary.id == conv_id:
                self._drafts_line, self._contact_line = drafts_line, contact_line
                self._refresh_side_lines()

        self.run_worker(fetch, group="side-info", exclusive=True, exit_on_error=False)

    # -- what the change feed brings for this person -----------------------------------------

    def _personal_news(self: Any, events: Iterable[Event], *, more: bool = False) -> None:
        """Toasts (and a bell) for what concerns *me*: mentions, escalations, my replies.
        `more`: the feed has more pages waiting (what spans them is said once read)."""
        ring = False
        batch = list(events)
        for event in batch:
            details = event.details if isinstance(event.details, dict) else {}
            conv = clean_line(str(details.get("conversation")
                                  or event.target.removeprefix("conversation:")), max_len=12)
            if event.action == "conversation.note" and event.actor != self.me:
                mentioned = details.get("mentions") or []
                if self.me in mentioned:
                    self._say(f"{event.actor} mentioned you on #{conv} (6 shows mentions)",
                              "warning")
                    ring = True
            elif event.action in _OUTBOX_NEWS and details.get("author") == self.me:
                text, severity = _OUTBOX_NEWS[event.action]
                reason = clean_line(str(details.get("reason") or details.get("error") or ""),
                                    max_len=80)
                self._say(text.format(conv=conv, reason=reason, key=self._outbox_key()),
                          severity)
                if severity != "information":
                    ring = True
            elif event.action.startswith("draft.") and self.thread.detail is not None \
                    and event.target == f"conversation:{self.thread.detail.summary.id}":
                self._load_side_info(self.thread.detail.summary.id)
        # Red flags first: told before anything else in the batch, and the only news
        # that rings over the lock (the bell and a line there show no patient data).
        red = self._announce_red_flags(batch)
        red = self._announce_waiting(batch) or red
        if getattr(self, "_rule_moves", None) is None:
            self._rule_moves = RuleMoves(self.me)
        for line in self._rule_moves.read(batch, more=more):
            self._say(line, "warning")
        escalated = escalations.escalations_for(batch, self.me)
        escalations.announce(self, escalated)
        if red and self.locked:
            self._red_flag_while_locked()
        elif (red or ring or escalated) and not self.locked:
            self.bell()

    # -- replies -------------------------------------------------------------------------

    def action_reply(self: Any) -> None:
        self._open_composer("reply")

    def action_reply_all(self: Any) -> None:
        self._open_composer("reply_all")

    def action_compose_new(self: Any) -> None:
        def answered(draft: Any) -> None:
            if draft is not None:
                self._show_composer(draft, None)

        self.push_screen(NewMessageScreen(self.api, country=self.config.phone_country,
                                          blink=not self.calm), answered)

    def _open_composer(self: Any, mode: str) -> None:
        summary = self._need_target()
        if summary is None:
            return
        if summary.channel == "sms" and mode == "reply_all":
            mode = "reply"
        self._start_composer(summary.id, mode, None, summary)

    def _start_composer(self: Any, conv_id: int | None, mode: str, to: str | None,
                        summary: ConversationSummary | None) -> None:
        async def go() -> None:
            try:
                draft = await self.api.start_draft(conv_id, mode, to)
            except Exception as exc:  # noqa: BLE001 - e.g. no SMTP server for this mailbox
                self._say(error_line(exc), "error")
                return
            self._show_composer(draft, summary)

        self.run_worker(go, group="compose-open", exclusive=True, exit_on_error=False)

    def _show_composer(self: Any, draft: Any, summary: ConversationSummary | None) -> None:
        conv_id = getattr(draft, "conversation_id", None)
        channel = getattr(draft, "channel", "") or (summary.channel if summary else "email")
        title = composer_title(draft, summary, channel, self.config)
        if conv_id is not None:
            self._tell_presence(conv_id, composing=True)
        config = self.config

        def flag_words(fresh: ConversationSummary | None, raised_now: bool) -> FlagWords:
            return FlagWords(redflag.composer_line(config, fresh, raised_now=raised_now,
                                                   me=self.me),
                             redflag.emergency_text(config, fresh),
                             redflag.templates_blocked_line(config, fresh, self.me))

        start = flag_words(summary, False)
        screen = ComposeScreen(self.api, draft, title=title, channel=channel, me=self.me,
                               editor=config.compose.editor, blink=not self.calm,
                               sender=sms_sender_name(config, draft.account)
                               if channel == "sms" else "",
                               tz=config.clinic.tzinfo, clock=self.clock,
                               ascii_only=self.ascii_only, detail=self.thread.detail,
                               emergency=start.emergency, blocked=start.blocked,
                               flag_line=start.line, flag_words=flag_words)
        self.push_screen(screen, self._composer_closed)

    def _composer_closed(self: Any, result: ComposeResultValue | None) -> None:
        detail = self.thread.detail
        self._tell_presence(detail.summary.id if detail is not None else None)
        if result is None:
            return
        if result.outcome == "sent" and result.outbox is not None:
            item = result.outbox
            wait = max(0, int(item.send_after - datetime.now(UTC).timestamp()))
            conv = item.conversation_id
            what = f"reply on #{conv}" if conv else \
                f"message to {', '.join(item.recipients) or 'nobody'}"
            undo: triage.Triage | None = triage.Triage(
                conv or 0, f"{what} taken back", _cancel_call(item.id))
            self.undo_history.push(undo)
            self._say(f"Reply queued: sends in {wait}s (u takes it back)")
        elif result.outcome == "kept":
            self._say("Draft kept; colleagues see it on the conversation.")
        elif result.outcome == "discarded":
            self._say("Draft discarded.")
        if detail is not None:
            self._load_side_info(detail.summary.id)
        self._start_poll()

    # -- merge and split -----------------------------------------------------------------------

    def action_merge(self: Any) -> None:
        summary = self._need_target()
        if summary is None:
            return

        def check(text: str) -> str | None:
            digits = text.strip().lstrip("#")
            if not digits.isdigit():
                return "Type the number of the conversation to keep, e.g. 1024."
            if int(digits) == summary.id:
                return "That is this conversation."
            return None

        def answered(text: str | None) -> None:
            if not text:
                return
            into = int(text.strip().lstrip("#"))

            async def call(api: Any) -> object:
                return await api.merge(into, summary.id)

            def undo(seq: object) -> triage.Triage:
                async def back(api: Any) -> None:
                    await api.unmerge(into, summary.id,
                                      undo_of=seq if isinstance(seq, int) else None)

                return triage.Triage(summary.id, "on its own again", back,
                                     who=triage.who(summary))

            self._apply(triage.Triage(summary.id, f"merged into #{into}", call,
                                      inverse_from=undo, who=triage.who(summary)))

        self.push_screen(PromptScreen(f"Merge #{summary.id} into which conversation?",
                                      hint="its number; messages, notes and tags move there",
                                      check=check, blink=not self.calm), answered)

    def action_split(self: Any) -> None:
        detail = self.thread.detail
        if detail is None:
            self._say("Open a conversation first (Enter), then S splits a message out of it.")
            return
        messages = list(detail.messages)[-9:]
        if len(detail.messages) < 2:
            self._say("A conversation with one message cannot be split.")
            return
        choices = []
        for index, message in enumerate(reversed(messages), start=1):
            when = datetime.fromtimestamp(message.date or 0, UTC).astimezone(self.tz)
            who = message.from_name or message.from_addr
            choices.append(Choice(str(index), str(message.id),
                                  f"{when:%b %d %H:%M} {who[:20]}: {message.subject[:30]}"))

        def chosen(value: str | None) -> None:
            if value is None:
                return
            message_id = int(value)

            source = detail.summary.id

            async def call(api: Any) -> int:
                return int(await api.split(message_id))

            def undo_for(new_id: object) -> triage.Triage | None:
                if not isinstance(new_id, int):
                    return None

                async def back(api: Any) -> None:
                    await api.merge(source, new_id)

                return triage.Triage(source, f"#{new_id} merged back", back,
                                     who=triage.who(detail.summary))

            self._apply(triage.Triage(source, "a message split out", call,
                                      inverse_from=undo_for, who=triage.who(detail.summary)))

        self.push_screen(ChoiceScreen("Split which message out (with its replies)?", choices),
                         chosen)


    # -- the outbox and contact screens ---------------------------------------------------

    def _outbox_key(self: Any) -> str:
        return str(self.registry_key_display(actions.action("outbox")))

    def action_outbox(self: Any) -> None:
        def name_of(user: str) -> str:
            member = self.config.staff_member(user)
            return first_name(member.name) if member is not None else user

        self.push_screen(OutboxScreen(self.api, me=self.me, tz=self.tz, name_of=name_of,
                                      separator=self.glyphs.separator),
                         self._open_from_screen)

    def action_contact(self: Any) -> None:
        summary = self._need_target()
        if summary is None:
            return
        self.push_screen(ContactScreen(self.api, summary.id, tz=self.tz, now=self.clock,
                                       separator=self.glyphs.separator, blink=not self.calm,
                                       country=self.config.phone_country),
                         self._open_from_screen)

    def _open_from_screen(self: Any, conv_id: int | None) -> None:
        """Enter on a conversation in the outbox or contact screen: open it here."""
        if conv_id is not None:
            self._load_detail(conv_id, True)

    def _screen_news(self: Any, events: Iterable[Event]) -> None:
        """Reload an open outbox or contact screen when the change feed concerns it, and
        have an open composer look again at its conversation's red flag."""
        batch = list(events)
        for screen in self.screen_stack:
            if isinstance(screen, OutboxScreen):
                if any(e.action.startswith("outbox.") or e.action == "send" for e in batch):
                    screen.reload()
            elif isinstance(screen, ContactScreen) and screen.wants(batch):
                screen.reload()
            elif isinstance(screen, ComposeScreen) and screen.wants_flag_check(batch):
                screen.check_flag()  # a red flag raised (or cleared) while writing


def _cancel_call(outbox_id: int) -> triage.ApiCall:
    async def call(api: Any) -> None:
        await api.cancel_outbox(outbox_id)

    return call

