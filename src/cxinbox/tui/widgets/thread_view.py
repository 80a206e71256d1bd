"""The open conversation: a header, then its messages oldest to newest.

The header (`#id subject`, status, priority, assignee, SLA) is docked: the messages scroll
under it, so opening a long thread (which scrolls to the newest message) or adding a note
(which grows the notes pane) never takes away which patient and which state this is.

One widget per message is fine for a few dozen but costs ~0.3 s per 200 (and far more for
rich widgets), so only the newest `INITIAL_MESSAGES` are mounted when a conversation opens
and older ones are mounted on request (`o`), a batch at a time, above the others.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from datetime import UTC, datetime, tzinfo
from typing import ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import BindingType
from textual.containers import VerticalScroll
from textual.message import Message
from textual.widgets import Static

from cxinbox.contract.types import (
    ConversationDetail,
    ConversationSummary,
    MessageView,
)
from cxinbox.domain.arrival import unscreened_line, unscreened_why
from cxinbox.domain.sanitize import clean_line
from cxinbox.tui import actions
from cxinbox.tui.ascii import Glyphs
from cxinbox.tui.redflag import banner_text, cleared_text
from cxinbox.tui.rows import SlaCell
from cxinbox.tui.snoozetext import status_fact
from cxinbox.tui.widgets.message_block import MessageBlock, OwnNumberName

INITIAL_MESSAGES = 8
OLDER_BATCH = 10


def header_text(summary: ConversationSummary, sla: tuple[str, str], me: str,
                glyphs: Glyphs, presence: str = "", drafts: str = "",
                tz: tzinfo | None = None, assigned_by: str = "", may_clear: bool = True,
                clinicians: str = "", now: datetime | None = None, mailbox: str = "",
                names: Mapping[str, str] | None = None) -> Text:
    """The thread's header; `mailbox`: what staff call the mailbox or SMS line ("Front
    desk" for +15550102000), the stored one when empty; `names`: staff display names by
    login (the assignee, who cleared a red flag), as the list and the banner name people;
    a login not on it is shown as it is."""
    text = Text()
    banner = banner_text(summary, may_clear=may_clear, clinicians=clinicians)
    if banner:  # first, above everything: a clinician must see it before anything else
        text.append(banner, style="bold reverse red")
        text.append("\n")
    else:  # a cleared flag: its tags stay, so say whose word lifted it (no reverse red)
        line = cleared_text(summary, summary.red_flag_clear, tz or UTC, now or datetime.now(UTC),
                            names)
        if line:
            text.append(line, style="bold")
            text.append("\n")
    if summary.unscreened_received_at is not None:  # nobody may take it as screened
        moment = int((now or datetime.now(UTC)).timestamp())
        text.append(unscreened_line(summary.unscreened_received_at, moment), style="bold reverse")
        text.append(f" ({unscreened_why(summary.unscreened_reason)})", style="bold")
        text.append("\n")
    text.append(f"#{summary.id} ", style="bold")
    text.append(summary.subject, style="bold")
    text.append("\n")
    assignee = _staff_name(summary.assignee, names) if summary.assignee else "unassigned"
    if summary.assignee and summary.assignee == me:
        assignee = f"{assignee} (you)"
    if assigned_by and summary.assignee:
        assignee = f"{assignee}, assigned by rule: {assigned_by}"
    facts = [status_fact(summary, tz), f"priority {summary.priority}", assignee,
             "SMS" if summary.channel == "sms" else "email", mailbox or summary.mailbox]
    text.append(glyphs.separator.strip().join(f" {f} " for f in facts).strip(), style="dim")
    sla_text, _state = sla
    if sla_text.strip():
        text.append(f"  SLA {sla_text.strip()}", style="bold")
    if summary.tags:
        text.append("\n")
        text.append(" ".join(f"#{t}" for t in summary.tags), style="italic")
    if presence:
        text.append("\n")
        text.append(presence, style="bold reverse" if "writing" in presence else "bold")
    if drafts:
        text.append("\n")
        text.append(drafts, style="italic")
    return text


def _staff_name(login: str, names: Mapping[str, str] | None) -> str:
    return clean_line((names or {}).get(login, "")) or login


class ThreadView(VerticalScroll, can_focus=True):
    BINDINGS: ClassVar[list[BindingType]] = actions.bindings("thread")

    DEFAULT_CSS = """
    ThreadView { padding: 0 1; }
    ThreadView > #thread-header {
        dock: top;
        padding: 0 0 0 0;
        border-bottom: solid $primary;
        background: $background;
    }
    ThreadView > #thread-older { color: $text-muted; padding: 0 0 1 0; }
    ThreadView > #thread-empty { color: $text-muted; padding: 1 2; }
    """

    class BackRequested(Message):
        pass

    class SaveRequested(Message):
        def __init__(self, detail: ConversationDetail) -> None:
            super().__init__()
            self.detail = detail

    def __init__(self, *, tz: tzinfo, glyphs: Glyphs, me: str, sla_cell: SlaCell,
                 own_number_name: OwnNumberName | None = None, id: str | None = None,
                 may_clear: bool = True, clinicians: str = "",
                 line_name: OwnNumberName | None = None,
                 names: Mapping[str, str] | None = None) -> None:
        super().__init__(id=id)
        self._tz = tz
        self._own_number_name = own_number_name
        self._line_name = line_name
        """A clinic SMS number as the config names it ("Front desk"), for the header."""
        self._glyphs = glyphs
        self._me = me
        self._may_clear = may_clear
        """Whether the reader may clear a red flag (the banner says F, or whom to get)."""
        self._clinicians = clinicians
        self._names: Mapping[str, str] = names or {}
        """Staff display names by login, for who cleared a red flag."""
        self.presence_line = ""
        self.drafts_line = ""
        self._sla_cell = sla_cell
        self.detail: ConversationDetail | None = None
        self._blocks: list[MessageBlock] = []  # in screen order; hidden ones are spares
        self._mounted_from = 0  # index of the oldest message shown
        self.expanded = False
        self._header_sla: tuple[str, str] = ("", "")
        self._now = datetime.now().astimezone()
        self._opened_y: float | None = None
        """Where the open thread was scrolled to on opening, until a layout moves it."""

    def compose(self) -> ComposeResult:
        yield Static(Text("Select a conversation and press Enter to open it."),
                     id="thread-empty", markup=False)
        yield Static(id="thread-header", markup=False)
        yield Static(id="thread-older", markup=False)

    def on_mount(self) -> None:
        self.query_one("#thread-header").display = False
        self.query_one("#thread-older").display = False

    @property
    def conv_id(self) -> int | None:
        return self.detail.summary.id if self.detail else None

    @property
    def shown_blocks(self) -> list[MessageBlock]:
        return [block for block in self._blocks if block.display]

    async def show(self, detail: ConversationDetail, now: datetime) -> None:
        """Replace whatever is shown with `detail`, newest messages mounted first.

        Message widgets are reused from one conversation to the next (see
        `MessageBlock.show`); new ones are mounted only when a thread is longer than any
        shown before.
        """
        same = self.detail is not None and self.detail.summary.id == detail.summary.id
        keep_from = self._mounted_from if same else None
        if not same:
            self.expanded = False
        self.detail = detail
        self._now = now
        total = len(detail.messages)
        start = max(0, total - INITIAL_MESSAGES)
        if keep_from is not None:
            start = min(start, keep_from)
        self._mounted_from = start
        self._header_sla = self._sla_cell(detail.summary, now)
        self.query_one("#thread-empty").display = False
        header = self.query_one("#thread-header", Static)
        header.update(self._header(detail.summary))
        header.display = True
        older = self.query_one("#thread-older", Static)
        older.update(self._older_text())
        older.display = start > 0
        await self._fill(list(detail.messages[start:]), now)
        self.call_after_refresh(self._open_at_newest)

    def _open_at_newest(self) -> None:
        """Scroll to the end, or less far when the newest message is taller than the room
        under the header: to its head, so who wrote it and when is never above the screen.
        The header is docked and its height varies (a red-flag banner quoting the patient's
        words takes two or three lines at 80 columns), so the room is known only once laid
        out: this runs after the refresh that lays the messages out."""
        shown = self.shown_blocks
        if not shown:
            self.scroll_end(animate=False, immediate=True)
            return
        # Its head at the top of the room, which the end of the thread clamps to: the end
        # unless the message does not fit.
        self.scroll_to_widget(shown[-1], animate=False, top=True, immediate=True)
        self._opened_y = self.scroll_y

    def watch_virtual_size(self) -> None:
        """The messages were laid out again (the scrollbar appeared and narrowed them, the
        terminal changed size): lines wrap anew and the place scrolled to moved. A thread
        nobody has scrolled since it opened is scrolled again from the new layout."""
        if self._still_as_opened():
            self.call_after_refresh(self._reopen)

    def _still_as_opened(self) -> bool:
        return self._opened_y is not None and self.scroll_y == self._opened_y

    def _reopen(self) -> None:
        if self._still_as_opened():  # the reader may have scrolled since
            self._open_at_newest()

    async def _fill(self, messages: list[MessageView], now: datetime) -> None:
        for block, message in zip(self._blocks, messages, strict=False):
            block.show(message, now, self.expanded)
        for block in self._blocks[len(messages):]:
            block.display = False
        extra = [self._block(m) for m in messages[len(self._blocks):]]
        if extra:
            await self.mount_all(extra)
            self._blocks.extend(extra)

    def _block(self, message: MessageView) -> MessageBlock:
        return MessageBlock(message, tz=self._tz, now=self._now, glyphs=self._glyphs,
                            expanded=self.expanded, own_number_name=self._own_number_name)

    def _older_text(self) -> Text:
        return Text(f"{self._glyphs.older} {self._mounted_from} older: press o")

    async def clear(self, placeholder: str = "") -> None:
        self.detail = None
        self._opened_y = None
        self._mounted_from = 0
        for block in self._blocks:
            block.display = False
        self.query_one("#thread-header").display = False
        self.query_one("#thread-older").display = False
        empty = self.query_one("#thread-empty", Static)
        empty.update(Text(placeholder or "Select a conversation and press Enter to open it."))
        empty.display = True

    def update_summary(self, summary: ConversationSummary, now: datetime) -> None:
        """New staff state for the open conversation (status, tags...) without a reload."""
        if self.detail is None or self.detail.summary.id != summary.id:
            return
        by = self.detail.assigned_by if summary.assignee == self.detail.summary.assignee else ""
        opened = self.detail.summary
        if summary.unscreened_received_at is None and opened.unscreened_received_at is not None:
            # Opening it marked it read, which ends the list's "not screened" mark: the
            # thread keeps saying it to the person reading, until it is opened again.
            summary = dataclasses.replace(summary,
                                          unscreened_received_at=opened.unscreened_received_at,
                                          unscreened_reason=opened.unscreened_reason)
        self.detail = ConversationDetail(summary, self.detail.messages, self.detail.notes, by,
                                         self.detail.intent_why)
        self._header_sla = self._sla_cell(summary, now)
        self.query_one("#thread-header", Static).update(self._header(summary))

    def set_staff(self, clinicians: str, names: Mapping[str, str]) -> None:
        """The server's roster, read again: who the red-flag banner says is on shift, and
        the names people are shown by. The header is redrawn only when they change."""
        if (clinicians, names) == (self._clinicians, self._names):
            return
        self._clinicians, self._names = clinicians, dict(names)
        if self.detail is not None:
            self.query_one("#thread-header", Static).update(self._header(self.detail.summary))

    def _header(self, summary: ConversationSummary) -> Text:
        return header_text(summary, self._header_sla, self._me, self._glyphs,
                           self.presence_line, self.drafts_line, tz=self._tz,
                           assigned_by=self.detail.assigned_by if self.detail else "",
                           may_clear=self._may_clear, clinicians=self._clinicians,
                           now=self._now, mailbox=self._line_name(summary.mailbox)
                           if self._line_name is not None and summary.channel == "sms"
                           else "", names=self._names)

    def set_side_lines(self, presence: str, drafts: str) -> None:
        """Who else is here and whose drafts wait on this conversation."""
        if (presence, drafts) == (self.presence_line, self.drafts_line):
            return
        self.presence_line, self.drafts_line = presence, drafts
        if self.detail is not None:
            self.query_one("#thread-header", Static).update(self._header(self.detail.summary))

    def tick(self, now: datetime) -> None:
        if self.detail is None:
            return
        sla = self._sla_cell(self.detail.summary, now)
        if sla != self._header_sla:
            self.update_summary(self.detail.summary, now)

    # -- actions ---------------------------------------------------------------------------

    def action_back(self) -> None:
        self.post_message(self.BackRequested())

    def action_toggle_folds(self) -> None:
        self._opened_y = None  # the reader's place from here on, not the opening's
        self.expanded = not self.expanded
        for block in self.shown_blocks:
            block.set_expanded(self.expanded)

    async def action_load_older(self) -> None:
        if self.detail is None or self._mounted_from == 0:
            self.notify("No older messages.", markup=False)
            return
        self._opened_y = None  # the reader's place from here on, not the opening's
        start = max(0, self._mounted_from - OLDER_BATCH)
        blocks = [self._block(m) for m in self.detail.messages[start:self._mounted_from]]
        older = self.query_one("#thread-older", Static)
        await self.mount_all(blocks, after=older)
        self._blocks[0:0] = blocks
        self._mounted_from = start
        older.update(self._older_text())
        older.display = start > 0
        self.scroll_home(animate=False)

    def action_save_attachment(self) -> None:
        if self.detail is None:
            return
        if not any(m.attachments for m in self.detail.messages):
            self.notify("This conversation has no attachments.", markup=False)
            return
        self.post_message(self.SaveRequested(self.detail))
