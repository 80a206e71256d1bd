"""The front-desk TUI: conversation list, thread, notes, live updates, triage, idle lock.

Threading rule (as in every cxinbox UI): all I/O runs in `@work(exclusive=True,
exit_on_error=False, group=...)` workers that never touch a widget. A worker posts a
message from `cxinbox.tui.messages`; the handlers here, on the app's own loop, decide
whether the result is still wanted (generation numbers, open conversation id) and update
the widgets. Exclusive groups mean a newer request for the same thing cancels the older
one, so holding `j` or retyping a query never queues up stale work.

Triage notifications name the patient as well as the number ("#304 Elena Ruiz: assigned
to you"), so a key that hit the wrong row is noticed at once. Because a toast can outlive
the moment, locking the screen (idle or by hand) clears every notification first (a red
flag's still on screen is held for the unlock), and none is shown while locked: they are
held and shown at unlock, red flags first and each as it is then, and a red flag for this
person rings the bell over the lock (tui/heldtoasts.py). Each event is told once: a toast for what just happened, the status
line for what stays true (sync, who is online, a view that cannot load).
"""

from __future__ import annotations

import asyncio
import dataclasses
import time
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, tzinfo
from pathlib import Path
from typing import Any, ClassVar

from textual import events, work
from textual.app import App, ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.driver import Driver
from textual.filter import LineFilter
from textual.screen import Screen
from textual.timer import Timer
from textual.widget import Widget
from textual.widgets import Input
from textual.worker import Worker, WorkerState

from cxinbox.api.download import save_bytes
from cxinbox.api.interface import InboxAPI
from cxinbox.config import Config
from cxinbox.contract.errors import ApiError, BadQuery, DatabaseDown, DatabaseUnavailable
from cxinbox.contract.health_types import ROSTER_ALERT
from cxinbox.contract.types import (
    Alert,
    AttachmentView,
    ConversationSummary,
    Event,
    FolderStatus,
    MessageView,
    Page,
)
from cxinbox.domain.sanitize import clean_line
from cxinbox.tui import actions, triage, views
from cxinbox.tui.alertline import alert_forms, most_urgent
from cxinbox.tui.ascii import AsciiFilter, Glyphs, key_words
from cxinbox.tui.away import AwayMixin
from cxinbox.tui.countpace import CountPace
from cxinbox.tui.heap import HeapKeeper
from cxinbox.tui.heldtoasts import FlagState, FlagToast, HeldToasts, lock_line
from cxinbox.tui.leaving import keep_drafts
from cxinbox.tui.marking import MarkingMixin
from cxinbox.tui.messages import (
    AttachmentSaved,
    CountsLoaded,
    DetailFailed,
    DetailLoaded,
    EndCounted,
    EventsPolled,
    MailStateLoaded,
    PageFailed,
    PageLoaded,
    PollFailed,
    SearchDone,
    TriageDone,
    TriageFailed,
    error_line,
)
from cxinbox.tui.palette import ActionsProvider
from cxinbox.tui.pickers import PickersMixin
from cxinbox.tui.preview import CursorPreview
from cxinbox.tui.redflag import RedFlagMixin
from cxinbox.tui.screens.choice import Choice, ChoiceScreen
from cxinbox.tui.screens.compose import sms_line_name, sms_sender_name
from cxinbox.tui.screens.contact import ContactScreen
from cxinbox.tui.screens.help import HelpScreen
from cxinbox.tui.screens.lock import LockScreen
from cxinbox.tui.screens.outbox import OutboxScreen
from cxinbox.tui.screens.prompt import PromptScreen
from cxinbox.tui.screens.snooze import SnoozeScreen
from cxinbox.tui.slatext import sla_cell_for
from cxinbox.tui.snoozetext import resolve_snooze
from cxinbox.tui.teamwork import TeamMixin
from cxinbox.tui.terminal import Hangup, driver_for
from cxinbox.tui.theme import CXINBOX_ANSI
from cxinbox.tui.toasts import keep_clear, lines_to_keep_clear
from cxinbox.tui.undo import UndoEmpty, UndoHistory
from cxinbox.tui.unlock import Verifier, default_verifier
from cxinbox.tui.widgets.conversation_list import ConversationList
from cxinbox.tui.widgets.header_bar import COUNTS, HeaderBar
from cxinbox.tui.widgets.key_hints import KeyHints
from cxinbox.tui.widgets.notes_pane import NotesPane
from cxinbox.tui.widgets.scrollbars import use_whole_cell_scrollbars
from cxinbox.tui.widgets.search_bar import SearchBar
from cxinbox.tui.widgets.status_line import StatusLine
from cxinbox.tui.widgets.thread_view import ThreadView

Clock = Callable[[], datetime]

WIDE_FROM = 100  # columns from which list and thread sit side by side
SLA_RECHECK_S = 60.0  # SLA states move with the clock, without any event
COUNTS_WAIT_S = 2.0  # news whose rows no page brought by then: the counts are read alone
LONG_POLL_S = 20.0  # one wait_events call; the server answers at once when something changes
DATABASE_AWAY = "database away, retrying"  # the status line while the database does not answer
LONG_POLL_GAP_S = 0.2  # between long polls, so a flood of changes is taken in batches

# Events after which the open conversation's messages or notes must be fetched again.
_CONTENT_ACTIONS = frozenset({"mail.received", "sms.received", "mail.gone", "conversation.note",
                              "conversation.merge", "conversation.note.retract",
                              "conversation.split", "sms.status", "sms.opt_out", "sms.opt_in",
                              "outbox.sent", "send"})
# Events after which the open conversation's header (status, snooze, assignee...) is stale
# even when its row has left the view that would have brought the new state. A flag cleared
# from "At risk / breached" is the common case: its conversation falls back to the ordinary
# SLA policy and leaves the view, and a banner left standing says "no canned replies".
_STATE_ACTIONS = frozenset({"conversation.status", "conversation.assign",
                            "conversation.priority", "conversation.tag", "redflag.raised",
                            "redflag.cleared"})
_ALLOWED_WHILE_LOCKED = frozenset({"quit", "help_quit", "redraw"})  # redraw shows nothing new
# Control-key actions that still make sense while the search field has the keys.
_ALLOWED_IN_TEXT = frozenset({"command_palette", "lock", "redraw", "refresh_now", "quit",
                              "help_quit"})


def _utc_now() -> datetime:
    return datetime.now(UTC)


def _searched(query: str) -> views.View:
    """The view a search box's `query` shows: Everything when it is empty."""
    return views.search_view(query) if query else views.standard_view("all")


def _touches(event: Event, conv_id: int) -> bool:
    if event.target == f"conversation:{conv_id}":
        return True
    touched = event.details.get("conversations") if isinstance(event.details, dict) else None
    return isinstance(touched, list) and conv_id in touched


class CxInboxApp(TeamMixin, PickersMixin, MarkingMixin, AwayMixin, RedFlagMixin, App[None],
                 inherit_bindings=False):
    CSS_PATH = "app.tcss"
    TITLE = "cxinbox"
    BINDINGS: ClassVar[list[BindingType]] = actions.bindings("app")
    COMMANDS = {ActionsProvider}  # noqa: RUF012 - Textual's own declaration; no system commands
    HORIZONTAL_BREAKPOINTS = [(0, "-narrow"), (WIDE_FROM, "-wide")]  # noqa: RUF012

    def __init__(self, api: InboxAPI, config: Config, *, clock: Clock | None = None,
                 ascii_only: bool = False, calm: bool = False,
                 idle_clock: Callable[[], float] = time.monotonic,
                 idle_lock_s: float | None = None, verifier: Verifier | None = None,
                 mailboxes: Sequence[str] = (), poll_interval: float = 1.0,
                 status_note: str = "", api_threads: int = 2) -> None:
        super().__init__()
        self.api = api
        self.config = config
        self.me = api.actor
        self.clock: Clock = clock or _utc_now
        self.ascii_only = ascii_only
        self.calm = calm
        self.glyphs = Glyphs.for_mode(ascii_only)
        self.tz = config.clinic.tzinfo
        self._ascii_filter = AsciiFilter()
        self._idle_clock = idle_clock
        self._idle_lock_s = (config.ui.idle_lock_minutes * 60 if idle_lock_s is None
                             else idle_lock_s)
        self._verifier = verifier or default_verifier()
        self._last_input = idle_clock()
        self._locked = False
        self._reopen_after_unlock: int | None = None
        self._held = HeldToasts()
        self._flags_on_screen: list[tuple[FlagToast, float]] = []
        self._mailboxes = list(mailboxes)
        self._poll_interval = poll_interval
        self._status_note = status_note
        self._api_threads = api_threads
        self._keymap: dict[str, str] = dict(config.ui.keymap)
        self._view = views.standard_view(views.DEFAULT_VIEW)
        self._generation = 0
        # Where the list's count stops (views.count_cap): it only grows within a view.
        self._list_cap = views.count_cap(0, 0)
        self._last_seq: int | None = None
        self._feed_epoch = ""
        """The database's timeline the cursor `_last_seq` belongs to (`Changes.epoch`)."""
        self._poll_running = False
        self._poll_again = False
        self._reconnecting = False
        """A poll failed: when one succeeds again, read the roster again."""
        self._connections_seen: int | None = None
        """The API's connection count at the last poll: a server restarted between two
        polls is reached again without any poll failing, and is read like one that failed."""
        self._poll_timer: Timer | None = None
        self._counts_dirty = True
        self._mail_dirty = False
        """Locked: the server's alerts or sync state may have changed (the status line
        reads them alone then, not the counts)."""
        self._news = 0  # change-feed batches applied (the list and counts go stale)
        self._news_at = 0.0
        self._page_news = 0  # the news the shown rows were read after
        self._counts_news = 0  # the news the header's counts were read after
        self._count_pace = CountPace()
        self._first_rows_shown = False
        self._reading_mode = False
        self.undo_history = UndoHistory()
        self._triage_lock = asyncio.Lock()
        self._team_init()
        self._pickers_init()
        self._away_init()
        self._search_seq = 0
        self._heap = HeapKeeper()
        self._sla_cell = sla_cell_for(ascii_only)
        if calm:
            self.animation_level = "none"
        # The inbox widgets are kept by reference: while a dialog is open, queries run
        # against the dialog's screen and would not find them.
        self.header_bar = HeaderBar(clinic=config.clinic.name, glyphs=self.glyphs, id="header")
        self.conversation_list = ConversationList(clock=self.clock, sla_cell=self._sla_cell,
                                                  glyphs=self.glyphs, me=self.me, id="list")
        self.conversation_list.set_staff(tuple((m.os_user, m.name) for m in config.staff))
        self.thread = ThreadView(tz=self.tz, glyphs=self.glyphs, me=self.me,
                                 sla_cell=self._sla_cell, id="thread",
                                 own_number_name=lambda number: sms_sender_name(config, number),
                                 line_name=lambda number: sms_line_name(config, number),
                                 may_clear=config.may_clear_red_flag(self.me),
                                 names={m.os_user: m.name for m in config.staff if m.name})
        self.notes = NotesPane(tz=self.tz, glyphs=self.glyphs, id="notes")
        self.search_bar = SearchBar(blink=not calm, id="search")
        self.status_line = StatusLine(me=self.me, glyphs=self.glyphs, id="status")
        self._opening: Worker[None] | None = None
        self._preview = CursorPreview(self, self._preview_wanted,
                                      lambda conv_id: self._load_detail(conv_id, False),
                                      busy=self._open_in_flight)
        self._heap.start()  # a full collection while starting cost ~90 ms of cold start

    # -- layout ------------------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        # The search bar lies over the last two lines in a layer of its own. It comes first:
        # Textual numbers placements from the last composed, so a bar composed after the
        # others would renumber them all when it shows or hides, and every widget on the
        # screen would be repainted.
        yield self.search_bar
        yield self.header_bar
        with Horizontal(id="panes"):
            yield self.conversation_list
            with Vertical(id="reading"):
                yield self.thread
                yield self.notes
        yield self.status_line
        yield KeyHints(id="keys")

    def get_line_filters(self) -> Sequence[LineFilter]:
        filters = list(super().get_line_filters())
        if self.ascii_only:
            filters.append(self._ascii_filter)
        return filters

    def on_mount(self) -> None:
        # The in-process API runs each call on the loop's default executor, and every
        # executor thread opens its own SQLite connection with its own page cache. With
        # Python's default pool (up to 6 threads here) each query met a cold cache and the
        # caches together pushed RSS past 150 MB at 100k conversations; two threads keep
        # one warm cache for the list and one for everything else.
        asyncio.get_running_loop().set_default_executor(
            ThreadPoolExecutor(max_workers=self._api_threads, thread_name_prefix="cxinbox-api"))
        use_whole_cell_scrollbars()
        self.register_theme(CXINBOX_ANSI)
        self.theme = CXINBOX_ANSI.name
        if self.ascii_only:
            self.add_class("-ascii")
        self.set_keymap(self._keymap)
        unknown = actions.unknown_ids(self._keymap)
        if unknown:
            # A config problem stays true until fixed: the status line, not a toast.
            self.status_line.set_message(
                f"[ui.keymap] names no action: {', '.join(unknown)} (see ? for ids)")
        self.status_line.set_sync("connecting")
        if self._status_note:
            self.status_line.set_message(self._status_note)
        self.conversation_list.focus()
        self._show_view(self._view)
        self.set_interval(1.0, self._tick)
        self.set_interval(3.0, self._refresh_counts_if_dirty)
        self.set_interval(SLA_RECHECK_S, self._recheck_sla)
        if self._idle_lock_s:
            self.set_interval(max(0.05, min(5.0, self._idle_lock_s / 4)), self._check_idle)
        self._start_poll()
        self._pickers_mount()
        self.screen.screen_layout_refresh_signal.subscribe(self, self._place_toasts)

    def _place_toasts(self, screen: Screen[object]) -> None:
        """After each layout of the inbox: toasts above the footer and the notes pane."""
        keep_clear(screen, lines_to_keep_clear(screen.size.height, self.notes))

    def on_unmount(self) -> None:
        self._heap.stop()  # the collector as it was: the app's objects may now go

    # -- small helpers -----------------------------------------------------------------------

    def _say(self, text: str, severity: str = "information") -> None:
        """Tell the person what just happened: one toast (the status line is for what
        stays true, so it is not repeated there).

        Never as markup, and never while locked (nothing may appear over the lock): what
        is said then is held and shown at unlock, after the red flags (`_say_flag`).
        """
        if self._locked:
            self._held.hold(text, severity)
            return
        self.notify(text, severity=severity, markup=False)  # type: ignore[arg-type]

    def _say_flag(self, toast: FlagToast) -> None:
        """A red flag's toast: held while locked (the lock line counts it), and
        remembered while on screen so a lock that comes up over it holds it too."""
        if self._locked:
            self._held.hold_flag(toast)
            self._show_lock_line()
            return
        now = time.monotonic()
        self._flags_on_screen = [(t, until) for t, until in self._flags_on_screen
                                 if until > now]
        self._flags_on_screen.append((toast, now + self.NOTIFICATION_TIMEOUT))
        self.notify(toast.text, severity=toast.severity,  # type: ignore[arg-type]
                    markup=False)

    def _expect_flags(self, convs: Iterable[int | None]) -> None:
        """Red flags being told: while locked the lock line counts them at once."""
        if self._locked:
            self._held.expect(convs)

    def _red_flag_while_locked(self) -> None:
        """A red flag for me while the lock is up: the bell, and a line on the lock
        screen that names nothing (no patient, no words)."""
        self._held.rang()
        self._show_lock_line()
        self.bell()

    def _show_lock_line(self) -> None:
        for screen in self.screen_stack:
            if isinstance(screen, LockScreen):
                screen.set_alert(lock_line(self._held.red_flags()))

    def _reading(self) -> bool:
        focused = self.focused
        reading = self.thread.parent
        return focused is not None and (focused is reading or reading in focused.ancestors)

    def _target(self) -> ConversationSummary | None:
        """The conversation a triage key acts on: the open one while reading, else the row."""
        if self._reading() and self.thread.detail is not None:
            return self.thread.detail.summary
        return self.conversation_list.selected

    def get_key_display(self, binding: Binding) -> str:
        """In ASCII mode keys are words (Enter, Down, Ctrl+F): the symbols folded badly."""
        if self.ascii_only and not binding.key_display:
            return key_words(binding.key)
        return super().get_key_display(binding)

    def registry_key_display(self, spec: actions.ActionSpec) -> str:
        keys = actions.effective_keys(spec, self._keymap)
        return " ".join(self.get_key_display(Binding(k.strip(), "")) for k in keys.split(","))

    async def run_registry_action(self, action_id: str) -> None:
        spec = actions.action(action_id)
        target: Any = self
        if spec.scope == "list":
            target = self.conversation_list
        elif spec.scope == "thread":
            target = self.thread
        await self.run_action(spec.action, default_namespace=target)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """App keys act only on the inbox itself: not under a dialog, not in a text field,
        and nothing but quitting while locked (so a passer-by cannot triage)."""
        if action in _ALLOWED_WHILE_LOCKED:
            return True
        if action in ("focus_next", "focus_previous"):
            return True  # Tab moves between a dialog's fields (the composer's panes)
        if self._locked or len(self.screen_stack) > 1:
            return False
        return not (isinstance(self.focused, Input) and action not in _ALLOWED_IN_TEXT)

    # -- views and the list ------------------------------------------------------------------

    def _show_view(self, view: views.View, preloaded: Page | None = None,
                   cap: int | None = None) -> None:
        self._view = view
        self._generation += 1
        self._list_cap = cap = views.count_cap(0, 0, step=views.count_step(view)) \
            if cap is None else cap
        self.header_bar.set_view(view.title, None)
        self.conversation_list.reset(self._generation, fetch=preloaded is None)
        if preloaded is not None:
            self._accept_page(self._generation, preloaded, cap)

    def action_view(self, key: str) -> None:
        self.search_bar.close()
        self._show_view(views.standard_view(key))
        self.conversation_list.focus()
        self._leave_reading()

    def action_pick_view(self) -> None:
        choices = [Choice(str(i), v.key, v.title)
                   for i, v in enumerate(views.STANDARD_VIEWS, start=1)]
        for name in self._known_mailboxes():
            choices.append(Choice("", f"mailbox:{name}", f"Mailbox: {name}"))
        for tag in self._known_tags():
            choices.append(Choice("", f"tag:{tag}", f"Tag: {tag}"))
        self.push_screen(ChoiceScreen("Show which conversations?", choices,
                                      current=self._view.key), self._picked_view)

    def _picked_view(self, key: str | None) -> None:
        if key is None:
            return
        if key.startswith("mailbox:"):
            view = views.mailbox_view(key.removeprefix("mailbox:"))
        elif key.startswith("tag:"):
            view = views.tag_view(key.removeprefix("tag:"))
        else:
            view = views.standard_view(key)
        self.search_bar.close()
        self._show_view(view)
        self._leave_reading()

    def _known_mailboxes(self) -> list[str]:
        seen = dict.fromkeys(self._mailboxes)
        for summary in self.conversation_list.loaded_summaries():
            if summary.channel == "email":
                seen.setdefault(summary.mailbox)
        return sorted(name for name in seen if name)

    def _known_tags(self) -> list[str]:
        tags: dict[str, None] = {}
        for summary in self.conversation_list.loaded_summaries():
            tags.update(dict.fromkeys(summary.tags))
        return sorted(tags)

    def on_conversation_list_window_wanted(self, message: ConversationList.WindowWanted) -> None:
        message.stop()
        if self._locked:
            return  # no patient list is read under the lock: the unlock asks again
        self._list_cap = views.count_cap(message.offset, message.limit, self._list_cap,
                                         views.count_step(self._view))
        self._fetch_window(message.generation, self._view.query, message.offset, message.limit,
                           self._list_cap)

    def on_conversation_list_end_wanted(self, message: ConversationList.EndWanted) -> None:
        """`G`: the last row. When the list's count stopped at its cap ("10,000+") the
        end is not known: one exact count first (the list's header says "counting…" and
        the keys keep working), then the list goes there and the header states the
        count."""
        message.stop()
        lst = self.conversation_list
        if lst.total < self._list_cap:
            lst.move_to_end(message.generation)
        else:
            lst.set_counting(True)
            self._count_to_end(message.generation, self._view.query)

    @work(exclusive=True, exit_on_error=False, group="list-end")
    async def _count_to_end(self, generation: int, query: str) -> None:
        try:
            page = await self.api.list_conversations(query, 0, 1)
        except Exception as exc:  # noqa: BLE001 - said in a toast; the cursor stays
            self._say(f"Could not count to the end of the list: {error_line(exc)}",
                      "warning")
            self.post_message(EndCounted(generation, None))
            return
        self.post_message(EndCounted(generation, page.total))

    def on_end_counted(self, message: EndCounted) -> None:
        if message.generation != self._generation:
            return  # another view or search is in front now (its reset ended "counting")
        self.conversation_list.set_counting(False)
        if message.total is None:
            return  # the count failed: said in a toast, the cursor stays
        # Counting on past the true end from now on, so every page states it exactly.
        self._list_cap = views.count_cap(message.total + 1, 0, self._list_cap,
                                         views.count_step(self._view))
        self.header_bar.set_view(self._view.title, message.total, self._list_cap)
        self.conversation_list.move_to_end(message.generation, message.total)

    @work(exclusive=True, exit_on_error=False, group="list-window")
    async def _fetch_window(self, generation: int, query: str, offset: int, limit: int,
                            cap: int) -> None:
        if self._locked:
            return  # locked before it ran: the unlock asks again (mark_stale)
        news = self._news
        try:
            page = await self.api.list_conversations(query, offset, limit, cap)
        except BadQuery as exc:
            self.post_message(PageFailed(generation, str(exc), True))
        except Exception as exc:  # noqa: BLE001 - shown on the status line, never a crash
            self.post_message(PageFailed(generation, error_line(exc), False))
        else:
            # After news, the header's counts come with the rows, shown in the same frame:
            # never "Mine 0" over a row that says "me"; in a storm of changes, with one
            # page in a few seconds (tui/countpace.py), the rows between coming alone.
            counts = await self._read_counts(news) if news > self._counts_news \
                and self._count_pace.take(time.monotonic()) else None
            self.post_message(PageLoaded(generation, page, cap, news=news, counts=counts))

    def on_page_loaded(self, message: PageLoaded) -> None:
        if self._accept_page(message.generation, message.page, message.cap):
            self._page_news = max(self._page_news, message.news)
        if message.counts is not None:
            self.on_counts_loaded(message.counts)

    def _accept_page(self, generation: int, page: Page, cap: int) -> bool:
        """Show `page`, whose total was counted up to `cap` (a total of `cap` means "at
        least": the list then ends there until a deeper page counts further); False when
        it is not shown."""
        if generation == self._generation and cap < self._list_cap and page.total >= cap:
            return False  # counted less far than a page already shown; a deeper one comes
        first_ever = not self._first_rows_shown
        if not self.conversation_list.apply_page(generation, page):
            return False
        self._first_rows_shown = True
        self._preview.poke()
        if first_ever:
            # Counts are five more queries: run them only once the first rows are up, so
            # they never compete with the first paint.
            self._refresh_counts_if_dirty()
            self._heap.start()
        self.header_bar.set_view(self._view.title, page.total, cap)
        detail = self.thread.detail
        if detail is not None:
            fresh = next((s for s in page.items if s.id == detail.summary.id), None)
            if fresh is not None and fresh != detail.summary:
                self._update_open_summary(fresh)
        return True

    def on_page_failed(self, message: PageFailed) -> None:
        if message.generation != self.conversation_list.generation:
            return
        self.header_bar.set_view(f"{self._view.title} - not available", None)
        self.status_line.set_message(message.error)  # stays until the view loads

    # -- search ------------------------------------------------------------------------------

    def action_search(self) -> None:
        self.search_bar.open(self._view.query)

    def on_search_bar_submitted(self, message: SearchBar.Submitted) -> None:
        self._search_seq += 1
        self.search_bar.show_error("")
        offset, limit = 0, max(100, self.conversation_list.window()[1])
        self._run_search(self._search_seq, message.query, offset, limit)

    @work(exclusive=True, exit_on_error=False, group="search")
    async def _run_search(self, seq: int, query: str, offset: int, limit: int) -> None:
        try:
            page = await self.api.list_conversations(
                query, offset, limit,
                views.count_cap(offset, limit, step=views.count_step(_searched(query))))
        except BadQuery as exc:
            self.post_message(SearchDone(seq, query, None, str(exc)))
        except Exception as exc:  # noqa: BLE001 - shown under the query, never a crash
            self.post_message(SearchDone(seq, query, None, error_line(exc)))
        else:
            self.post_message(SearchDone(seq, query, page, ""))

    def on_search_done(self, message: SearchDone) -> None:
        if message.seq != self._search_seq:
            return
        if message.page is None:
            self.search_bar.show_error(message.error)
            return
        self.search_bar.close()
        view = _searched(message.query)
        self._show_view(view, preloaded=message.page,
                        cap=views.count_cap(0, len(message.page.items),
                                            step=views.count_step(view)))
        # The keys move to the list once the results are drawn: the field's blur and the
        # list's focus restyle both widgets, and doing that first delayed every search's
        # results by a frame's worth of work. Keys typed meanwhile still land in the
        # (hidden) field, as they did while the query ran.
        self.call_after_refresh(self._leave_reading)

    def on_search_bar_closed(self, message: SearchBar.Closed) -> None:
        self.search_bar.close()
        self.conversation_list.focus()

    # -- opening a conversation ----------------------------------------------------------------

    def on_conversation_list_open_requested(
            self, message: ConversationList.OpenRequested) -> None:
        self._opening = self._load_detail(message.summary.id, True)

    @work(exclusive=True, exit_on_error=False, group="detail")
    async def _load_detail(self, conv_id: int, focus: bool) -> None:
        try:
            detail = await self.api.get_conversation(conv_id)
            if focus and detail.summary.unread_count:
                await self.api.mark_read(conv_id)  # someone at the desk has now read it
        except Exception as exc:  # noqa: BLE001 - NotFound and transport errors alike
            self.post_message(DetailFailed(conv_id, error_line(exc)))
        else:
            self.post_message(DetailLoaded(detail, focus))

    async def on_detail_loaded(self, message: DetailLoaded) -> None:
        if self._locked:
            return
        now = self.clock()
        await self.thread.show(message.detail, now)
        await self.notes.show(message.detail.notes, now)
        conv_id = message.detail.summary.id
        if message.focus or self._viewing != conv_id:
            self._drafts_line = self._contact_line = ""
            self._tell_presence(conv_id, composing=self._composing == conv_id)
        self._load_side_info(conv_id)
        if message.focus:
            self._set_reading(True)
            self.thread.focus()

    @work(exclusive=True, exit_on_error=False, group="open-summary")
    async def _refresh_open_summary(self, conv_id: int) -> None:
        """The open thread's header from its summary alone: no remount, no scroll jump."""
        if self._locked:
            return  # no patient list is read while locked: the unlock reloads it
        try:
            page = await self.api.list_conversations(f"id:{conv_id}", 0, 1)
        except Exception:  # noqa: BLE001 - the next page or reload brings it
            return
        if page.items and not self._locked:
            self._update_open_summary(page.items[0])

    def _update_open_summary(self, fresh: ConversationSummary) -> None:
        """New staff state for the open thread's header. A red flag cleared meanwhile
        (by `F` here, or by a clinician elsewhere) comes with who cleared it and why."""
        self.thread.update_summary(fresh, self.clock())

    def on_detail_failed(self, message: DetailFailed) -> None:
        self._say(f"#{message.conv_id}: {message.error}", "error")

    def on_thread_view_back_requested(self, message: ThreadView.BackRequested) -> None:
        self._leave_reading()

    def _leave_reading(self) -> None:
        if self.size.width < WIDE_FROM:
            self._tell_presence(None)
        self._set_reading(False)
        self.conversation_list.focus()

    def _set_reading(self, reading: bool) -> None:
        """Below 100 columns the list and the thread take turns; above, both show.

        Done with `display` on two widgets rather than a CSS class on their parent: a class
        change restyles the whole subtree, which was most of the time to open a thread.
        """
        self._reading_mode = reading
        self._apply_width(self.size.width)

    def _open_in_flight(self) -> bool:
        """Enter was pressed and its conversation is still loading: a preview now would
        cancel it (one exclusive "detail" worker), so it waits."""
        return self._opening is not None and self._opening.state in (
            WorkerState.PENDING, WorkerState.RUNNING)

    def _preview_wanted(self) -> int | None:
        """The row to show beside the list: wide screens only, while the list has the
        keys (not while reading, under a dialog or locked), and not the one shown."""
        if self._locked or len(self.screen_stack) != 1 or self.size.width < WIDE_FROM:
            return None
        selected = self.conversation_list.selected
        if self.focused is not self.conversation_list or selected is None:
            return None
        return None if selected.id == self.thread.conv_id else selected.id

    def _apply_width(self, width: int) -> None:
        reading_pane = self.thread.parent
        if not isinstance(reading_pane, Widget):  # not composed yet
            return
        narrow = width < WIDE_FROM
        self.conversation_list.display = not (narrow and self._reading_mode)
        reading_pane.display = (not narrow) or self._reading_mode

    # -- live updates --------------------------------------------------------------------------

    def _start_poll(self) -> None:
        """Poll now; one poll at a time, and only one timer waiting for the next one.

        Re-arming only after a poll has finished means a slow server never gets a pile of
        overlapping polls; a poll asked for meanwhile (after a triage action) runs next.
        """
        if self._poll_timer is not None:
            self._poll_timer.stop()
            self._poll_timer = None
        if self._poll_running:
            self._poll_again = True
            return
        self._poll_running = True
        self._poll(self._last_seq)

    @work(exclusive=True, exit_on_error=False, group="poll")
    async def _poll(self, since: int | None) -> None:
        try:
            if since is None:
                self.post_message(EventsPolled([], head=await self.api.last_event_seq()))
            else:  # a long poll: answered as soon as anyone changes anything
                known = self._feed_epoch
                changes = await self.api.wait_events(
                    since, LONG_POLL_S, self._presence_version,
                    **({"epoch": known} if known else {}))
                self._feed_epoch = changes.epoch
                if changes.head < since or (known and changes.epoch != known):
                    # The database lost events we saw (a standby promoted without the
                    # last commits), whether or not its sequence has passed our cursor
                    # again: start over from its head, reading again all that is shown.
                    self.post_message(EventsPolled([], head=changes.head, restart=True))
                    return
                self.post_message(EventsPolled(list(changes.events),
                                               presence_version=changes.presence_version,
                                               read_up_to=changes.head, more=changes.more))
        except Exception as exc:  # noqa: BLE001 - the poll keeps trying; the line says why
            database = isinstance(exc, DatabaseDown | DatabaseUnavailable)
            self.post_message(PollFailed(error_line(exc), database=database))

    def on_events_polled(self, message: EventsPolled) -> None:
        if message.restart:
            self._last_seq = message.head
            self._start_over()
        elif message.head is not None:
            self._last_seq = message.head
            if self._first_rows_shown:
                # The first page was read before this sequence number: a change in between
                # would otherwise wait for the next one to show.
                self.conversation_list.mark_stale()
        else:
            # Continue after what the server read for us: audit records we are not shown
            # lie between the events, and must not be asked for again.
            last = max([message.read_up_to or 0, *(e.seq for e in message.events)])
            self._last_seq = max(self._last_seq or 0, last)
        if message.events:
            self._apply_events(message.events)
            self._personal_news(message.events, more=message.more)
            self._screen_news(message.events)
        if message.presence_version is not None:
            self._presence_moved(message.presence_version)
        connections = getattr(self.api, "connections", None)
        reconnected = connections != self._connections_seen and self._connections_seen is not None
        self._connections_seen = connections
        if self._reconnecting or reconnected:
            # a restarted server may run another config (rotas, staff)
            self._reconnecting = False
            self._fetch_roster()
        self.status_line.set_sync("live", problem=False)
        self._rearm_poll(immediately=message.more or len(message.events) >= 500,
                         delay=min(self._poll_interval, LONG_POLL_GAP_S))

    def _start_over(self) -> None:
        """The database no longer has some changes shown here: read again the list, the
        counts, the open conversation and an open outbox or contact screen."""
        self._counts_dirty = True
        self._mail_dirty = True
        if self._locked:  # nothing of a patient's is read now; the unlock reads it all
            return
        self.conversation_list.mark_stale()
        self._refresh_counts_if_dirty()
        detail = self.thread.detail
        if detail is not None:
            self._load_detail(detail.summary.id, False)
        for screen in self.screen_stack:
            if isinstance(screen, OutboxScreen | ContactScreen):
                screen.reload()

    def on_poll_failed(self, message: PollFailed) -> None:
        self._reconnecting = True
        # the server answers, its database does not: said short, so it is seen at a glance
        # (the toast of the next action carries the whole line)
        self.status_line.set_sync(DATABASE_AWAY if message.database
                                  else f"offline, retrying: {message.error}", problem=True)
        self._rearm_poll(immediately=False, delay=max(self._poll_interval, 3.0))

    def _rearm_poll(self, *, immediately: bool, delay: float | None = None) -> None:
        self._poll_running = False
        if immediately or self._poll_again:
            self._poll_again = False
            self._start_poll()
        else:
            self._poll_timer = self.set_timer(delay or self._poll_interval, self._start_poll)

    def _recheck_sla(self) -> None:
        """Counts and SLA views go stale by the clock alone (ok -> at risk -> breached);
        so does whether a clinician is on shift."""
        self._counts_dirty = True
        self._mail_dirty = True
        self._fetch_roster()  # the server says who is on shift now (then _check_clinicians)
        if "sla:" in self._view.query and not self._locked:
            self.conversation_list.mark_stale()

    def _apply_events(self, events_: Iterable[Event]) -> None:
        relevant = [e for e in events_ if e.action not in ("conversation.view", "contact.view")]
        if not relevant:
            return
        if self._locked:
            self._counts_dirty = True
            self._mail_dirty = True  # an alert raised or ended: the lock's status line
            gone = [int(t) for e in relevant if e.action == "redflag.cleared"
                    and (t := e.target.removeprefix("conversation:")).isdigit()]
            if gone:  # no longer waiting: the lock line stops counting them
                self._held.cleared(gone)
                self._show_lock_line()
        else:  # the list's next page brings the counts (see _fetch_window)
            self._news += 1
            self._news_at = time.monotonic()
        self._away_events(relevant)
        for event in relevant:
            if event.action == "health.alert" and not self._locked:
                # The server's own trouble (a mailbox that stopped): a toast now, and the
                # status line keeps it until it is fixed.
                text = clean_line(str(event.details.get("message", "")), max_len=200)
                if event.details.get("severity") == "error":
                    self.notify(text, severity="error", markup=False, timeout=10)
                else:
                    self.notify(text, severity="warning", markup=False, timeout=10)
        if not self._locked:
            self.conversation_list.mark_stale()
        detail = self.thread.detail
        if detail is not None and not self._locked:
            conv = detail.summary.id
            if any(e.action in _CONTENT_ACTIONS and _touches(e, conv) for e in relevant):
                self._load_detail(conv, False)
            elif any(e.action in _STATE_ACTIONS and _touches(e, conv) for e in relevant):
                self._refresh_open_summary(conv)

    def action_refresh_now(self) -> None:
        self._counts_dirty = True
        self.conversation_list.mark_stale()
        self._refresh_counts_if_dirty()

    def _refresh_counts_if_dirty(self) -> None:
        if self._locked:
            # The counts are reads of patient lists: paused. The status line keeps
            # following the server's alerts and sync state, which name no patient.
            if self._mail_dirty:
                self._mail_dirty = False
                self._load_mail_state()
            return
        if not self._first_rows_shown:
            return
        late = self._counts_news < self._news and \
            time.monotonic() - self._news_at > COUNTS_WAIT_S
        if self._counts_dirty or late:
            self._counts_dirty = False
            self._load_counts(late)

    @work(exclusive=True, exit_on_error=False, group="counts")
    async def _load_counts(self, late: bool = False) -> None:
        self.post_message(await self._read_counts(self._news, late=late))

    async def _read_counts(self, news: int, *, late: bool = False) -> CountsLoaded:
        counts: dict[str, int | None] = {}
        whole = True
        for count in COUNTS:
            if self._locked:  # locked meanwhile: no patient list is read; all again later
                counts[count.key] = None
                whole = False
                continue
            try:
                page = await self.api.list_conversations(count.query, 0, 1, views.count_cap(0, 1))
            except Exception:  # noqa: BLE001 - a view the server cannot count shows no number
                counts[count.key] = None
            else:
                counts[count.key] = page.total
        mail = await self._read_mail_state()
        return CountsLoaded(counts, mail.mail, mail.mail_problem, shorter=mail.shorter,
                            news=news, late=late, whole=whole,
                            roster_unreadable=mail.roster_unreadable)

    async def _read_mail_state(self) -> MailStateLoaded:
        """The server's alerts and the mail sync state, as the status line says them."""
        try:
            folders = await self.api.sync_status()
            alerts = await self.api.alerts()
        except Exception as exc:  # noqa: BLE001 - the line says so; the inbox keeps working
            return MailStateLoaded(f"mail sync unknown: {error_line(exc)}", True)
        forms, problem = mail_sync_forms(folders, self.tz, alerts)
        return MailStateLoaded(forms[0], problem, forms[1:],
                               roster_unreadable=any(a.key == ROSTER_ALERT for a in alerts))

    @work(exclusive=True, exit_on_error=False, group="lock-mail")
    async def _load_mail_state(self) -> None:
        self.post_message(await self._read_mail_state())

    def on_mail_state_loaded(self, message: MailStateLoaded) -> None:
        """While locked: the alerts and sync state alone (the counts wait for the unlock).
        Unlocked, the counts bring them (a read from before the unlock is dropped)."""
        if not self._locked:
            return
        self.status_line.set_mail(message.mail, problem=message.mail_problem,
                                  shorter=message.shorter)
        self._roster_readable(not message.roster_unreadable)

    def on_counts_loaded(self, message: CountsLoaded) -> None:
        if self._locked or not message.whole:  # read around a lock: all again once unlocked
            self._counts_dirty = True
            return
        if message.news < self._counts_news:
            return  # read before counts already shown
        if message.news > self._page_news and not message.late:
            return  # ahead of the rows: the page being read brings its own
        self._counts_news = message.news
        self.header_bar.set_counts(message.counts, views.count_cap(0, 1))
        self.status_line.set_mail(message.mail, problem=message.mail_problem,
                                  shorter=message.shorter)
        self._roster_readable(not message.roster_unreadable)

    def _tick(self) -> None:
        self._heap.idle(self._idle_clock() - self._last_input)
        if self._locked:
            return
        self.conversation_list.tick()
        self.thread.tick(self.clock())

    # -- triage ------------------------------------------------------------------------------

    def _need_target(self) -> ConversationSummary | None:
        summary = self._target()
        if summary is None:
            self._say("Select a conversation first.")
        return summary

    def _apply(self, action: triage.Triage | None, *, undoing: bool = False) -> None:
        if action is not None:
            self._hold_rows({action.conv_id})  # the row stays under the cursor (point 3)
        self._apply_triage(action, undoing)

    @work(exit_on_error=False, group="triage")
    async def _apply_triage(self, action: triage.Triage | None, undoing: bool) -> None:
        """One step at a time, in the order the keys came. The undo history changes only
        here, under the lock, so a quick `u` right after a key undoes that key's step
        (once it is done), never an older one."""
        async with self._triage_lock:
            if action is None:  # `u`: the newest step
                action = self.undo_history.pop()
                if action is None:
                    self.post_message(UndoEmpty(self.undo_history.refusal))
                    return
            try:
                result = await action.call(self.api)
            except ApiError as exc:  # refused by the server: an undo step is dropped
                self.post_message(TriageFailed(action, error_line(exc), undoing=undoing))
            except Exception as exc:  # noqa: BLE001 - reported, the inbox keeps running
                if undoing:  # it never reached the server: try again with the next u
                    self.undo_history.put_back(action)
                self.post_message(TriageFailed(action, error_line(exc), undoing=undoing,
                                               refused=False))
            else:
                if action.done_from is not None:
                    action = dataclasses.replace(action, done=action.done_from(result))
                if not undoing:
                    if action.inverse_from is not None:
                        action = dataclasses.replace(action,
                                                     inverse=action.inverse_from(result))
                    self.undo_history.push(action.inverse)
                self.post_message(TriageDone(action, undoing))

    def on_triage_done(self, message: TriageDone) -> None:
        action = message.triage
        if message.undoing:
            left = len(self.undo_history)
            text = f"{action.line} (undone{f'; u: {left} more' if left else ''})"
        else:
            text = action.line + (" (u to undo)" if action.inverse else "")
        self._say(text)
        self._start_poll()

    def on_triage_failed(self, message: TriageFailed) -> None:
        action = message.triage
        error = message.error.removeprefix(f"#{action.conv_id}: ")
        self._say(f"{action.who or f'#{action.conv_id}'}: {error}", "error")

    def action_assign(self) -> None:
        if self._marked_triage("assign"):
            return
        summary = self._need_target()
        if summary is not None:
            self.pick_assignee(summary)

    def action_assign_me(self) -> None:
        if self._marked_triage("assign-me"):
            return
        summary = self._need_target()
        if summary is not None:
            self.assign_checked(summary, self.me)

    def action_unassign(self) -> None:
        if self._marked_triage("unassign"):
            return
        summary = self._need_target()
        if summary is not None:
            self.assign_checked(summary, None)

    def action_choose_status(self) -> None:
        if self._marked_triage("status"):
            return
        summary = self._need_target()
        if summary is None:
            return
        choices = [Choice("o", "open", "open"), Choice("p", "pending", "pending (waiting on "
                                                                         "the patient)"),
                   Choice("c", "closed", "closed"), Choice("z", "snoozed", "snooze for...")]

        def chosen(value: str | None) -> None:
            if value == "snoozed":
                self._ask_snooze(summary)
            elif value is not None:
                self._apply(triage.status(summary, value))

        self.push_screen(ChoiceScreen(f"Status of #{summary.id}", choices,
                                      current=summary.status), chosen)

    def _ask_snooze(self, summary: ConversationSummary) -> None:
        self.push_screen(SnoozeScreen(f"Snooze #{summary.id} until when?", now=self.clock,
                                      tz=self.tz, blink=not self.calm),
                         lambda text: self._snooze(summary, text))

    def _snooze(self, summary: ConversationSummary, text: str | None) -> None:
        """The same words as `--until` (snoozetext.py), refused once more if the time
        went by while the prompt stood open."""
        if text is None:
            return
        answer = resolve_snooze(text, now=self.clock(), tz=self.tz)
        if answer.until is None:
            self._say(f"#{summary.id} not snoozed: {answer.text}", "warning")
            return
        action = triage.status(summary, "snoozed", int(answer.until.timestamp()))
        self._apply(dataclasses.replace(action, done=f"{action.done} {answer.text}"))

    def action_choose_priority(self) -> None:
        if self._marked_triage("priority"):
            return
        summary = self._need_target()
        if summary is None:
            return
        choices = [Choice(p[0], p, p) for p in triage.PRIORITIES]

        def chosen(value: str | None) -> None:
            if value is not None:
                self._apply(triage.priority(summary, value))

        self.push_screen(ChoiceScreen(f"Priority of #{summary.id}", choices,
                                      current=summary.priority), chosen)

    def action_tag(self) -> None:
        if self._marked_triage("tag"):
            return
        summary = self._need_target()
        if summary is not None:
            self.ask_tags(summary)

    def action_note(self) -> None:
        summary = self._need_target()
        if summary is not None:
            self.ask_note(summary)

    def action_undo(self) -> None:
        self._apply(None, undoing=True)

    def on_undo_empty(self, message: UndoEmpty) -> None:
        self._say(message.text)


    # -- attachments ---------------------------------------------------------------------------

    def on_thread_view_save_requested(self, message: ThreadView.SaveRequested) -> None:
        found: list[tuple[MessageView, AttachmentView]] = [
            (m, a) for m in message.detail.messages for a in m.attachments]
        if len(found) == 1:
            self._ask_folder(*found[0])
            return
        choices = [Choice(str(i) if i < 10 else "", str(i - 1),
                          f"{a.filename or '(unnamed)'} ({a.content_type})")
                   for i, (_m, a) in enumerate(found, start=1)]

        def chosen(value: str | None) -> None:
            if value is not None:
                self._ask_folder(*found[int(value)])

        self.push_screen(ChoiceScreen("Save which attachment?", choices), chosen)

    def _ask_folder(self, message: MessageView, attachment: AttachmentView) -> None:
        default = Path.home() / "Downloads"
        start = str(default if default.is_dir() else Path.cwd())

        def answered(folder: str | None) -> None:
            if folder:
                self._save_attachment(message.id, attachment.part_path,
                                      Path(folder).expanduser())

        self.push_screen(PromptScreen(f"Save {attachment.filename or 'attachment'} to folder",
                                      value=start, blink=not self.calm), answered)

    @work(exclusive=True, exit_on_error=False, group="attachment")
    async def _save_attachment(self, message_id: int, part_path: str, folder: Path) -> None:
        try:
            filename, _content_type, data = await self.api.attachment(message_id, part_path)
            path = await asyncio.to_thread(save_bytes, folder, filename, data)
        except Exception as exc:  # noqa: BLE001 - disk full, permissions, gone on server
            self.post_message(AttachmentSaved(f"Could not save: {error_line(exc)}", False))
        else:
            self.post_message(AttachmentSaved(f"Saved {path.name} to {path.parent}", True))

    def on_attachment_saved(self, message: AttachmentSaved) -> None:
        self._say(message.text, "information" if message.ok else "warning")

    # -- help, palette, quit -----------------------------------------------------------------

    def action_help(self) -> None:
        self.push_screen(HelpScreen(self._keymap,
                                    lambda key: self.get_key_display(Binding(key, ""))))

    def action_knowledge(self) -> None:
        """K: the knowledge base, to read (the composer's Ctrl+N inserts from it)."""
        from cxinbox.tui.screens.kb import KbScreen

        self.push_screen(KbScreen(self.api, blink=not self.calm,
                                  separator=self.glyphs.separator))

    def get_driver_class(self) -> type[Driver]:
        """Textual's driver for this platform, on Linux one that notices a terminal that
        went away (tui/terminal.py) instead of spinning on it."""
        return driver_for(super().get_driver_class())

    async def action_quit(self) -> None:
        await keep_drafts(self.screen_stack)
        self.exit()

    async def on_hangup(self, message: Hangup) -> None:
        """The terminal hung up (or SIGHUP/SIGTERM): leave exactly as a quit does."""
        await keep_drafts(self.screen_stack)
        self.exit(return_code=message.code)

    def action_reports(self) -> None:
        from cxinbox.tui.screens.reports import ReportsScreen

        self.push_screen(ReportsScreen(self.api, tz=self.tz, ascii_only=self.ascii_only,
                                       now=lambda: self.clock().timestamp()))

    # -- idle lock -----------------------------------------------------------------------------

    async def on_event(self, event: events.Event) -> None:
        """Every key or mouse event resets the idle clock; a resize re-decides the panes."""
        if isinstance(event, events.InputEvent) and not event.is_forwarded:
            self._last_input = self._idle_clock()
            self._preview.poke()
        elif isinstance(event, events.Resize):
            self._apply_width(event.size.width)
        await super().on_event(event)

    def _check_idle(self) -> None:
        if self._locked or not self._idle_lock_s:
            return
        if self._idle_clock() - self._last_input >= self._idle_lock_s:
            self.lock(idle=True)

    def action_lock(self) -> None:
        self.lock()

    def action_redraw(self) -> None:
        """Ctrl+L, as in every terminal program: paint every cell again (after a line
        noise burst, or another program wrote over the screen)."""
        self.refresh(repaint=True, layout=True)

    def lock(self, *, idle: bool = False) -> None:
        """Hide every patient detail, then cover the terminal with the lock screen."""
        if self._locked:
            return
        self._locked = True
        self._mail_dirty = True  # from now on the status line reads the alerts alone
        self._preview.cancel()
        now = time.monotonic()
        for toast, until in self._flags_on_screen:  # the bell rang for these: keep them
            if until > now:
                self._held.hold_flag(toast)
        self._flags_on_screen = []
        self.clear_notifications()
        self._reopen_after_unlock = self.thread.conv_id
        self.conversation_list.set_locked(True)
        self.header_bar.set_locked(True)
        self.status_line.set_message("")
        self.search_bar.close()
        self.run_worker(self._blank_reading(), group="lock", exclusive=True)
        minutes = round(self._idle_lock_s / 60, 1) if idle else 0
        screen = LockScreen(user=self.me, minutes=minutes, verifier=self._verifier,
                            blink=not self.calm)
        screen.set_alert(lock_line(self._held.red_flags()))
        self.push_screen(screen)

    async def _blank_reading(self) -> None:
        await self.thread.clear("Locked.")
        await self.notes.clear()

    def on_lock_screen_unlocked(self, message: LockScreen.Unlocked) -> None:
        self._locked = False
        self._last_input = self._idle_clock()
        self.pop_screen()
        self.conversation_list.set_locked(False)
        self.header_bar.set_locked(False)
        self._leave_reading()
        if self._reopen_after_unlock is not None:
            self._load_detail(self._reopen_after_unlock, False)
        # What changed while locked is news the next page brings the counts with, in the
        # same frame as its rows, as after a quiet spell (tui/countpace.py): never counts
        # from before the lock over rows from after it.
        self._news += 1
        self._news_at = time.monotonic()
        self._count_pace = CountPace()
        self.conversation_list.mark_stale()
        convs = self._held.flag_convs()
        if not convs:
            for text, severity in self._held.release(me=self.me):
                self._say(text, severity)
            return
        self.run_worker(self._release_held(convs), group="unlock-toasts",
                        exit_on_error=False)

    async def _release_held(self, convs: list[int]) -> None:
        """The held toasts, red flags first, each red flag as it is now: cleared or taken
        by someone else while locked is said so (heldtoasts.replayed)."""
        states: dict[int, FlagState] = {}
        try:
            page = await self.api.list_conversations(
                "id:" + ",".join(str(c) for c in convs), 0, len(convs))
            states = {s.id: FlagState(s.red_flag_open, s.assignee or None,
                                      s.from_name or s.from_addr)
                      for s in page.items}
        except Exception:  # noqa: BLE001,S110 - not read: shown as held, not lost
            pass
        if self._locked:  # locked again meanwhile: they stay held
            return
        for text, severity in self._held.release(states, self.me):  # red flags first
            self._say(text, severity)

    @property
    def locked(self) -> bool:
        return self._locked


def mail_sync_text(folders: Sequence[FolderStatus], tz: tzinfo,
                   alerts: Sequence[Alert] = ()) -> tuple[str, bool]:
    """("mail synced 14:03" or "2 folders quarantined", is it a problem) for the status line.

    The server's own alerts come first (a mailbox that cannot sign in has stopped, and
    the line says who must do what), then quarantine: sync stopped deleting and a person
    must look.
    """
    forms, problem = mail_sync_forms(folders, tz, alerts)
    return forms[0], problem


def mail_sync_forms(folders: Sequence[FolderStatus], tz: tzinfo,
                    alerts: Sequence[Alert] = ()) -> tuple[list[str], bool]:
    """As `mail_sync_text`, with an alert's shorter forms after its whole line (the
    status line shows the first that fits: tui/alertline.py)."""
    if alerts:
        # The most urgent first and in full if it fits (red flags nobody hears of before
        # a failing pager, before a mailbox: tui/alertline.py), the others counted.
        return alert_forms(most_urgent(alerts), len(alerts) - 1), True
    text, problem = _sync_state_text(folders, tz)
    return [text], problem


def _sync_state_text(folders: Sequence[FolderStatus], tz: tzinfo) -> tuple[str, bool]:
    quarantined = [f for f in folders if f.quarantine]
    if quarantined:
        noun = "folder" if len(quarantined) == 1 else "folders"
        return f"{len(quarantined)} {noun} quarantined (cxinbox doctor)", True
    synced = [f.last_sync_at for f in folders if f.last_sync_at]
    if not synced:
        return "", False
    when = datetime.fromtimestamp(max(synced), UTC).astimezone(tz)
    return f"mail synced {when:%H:%M}", False


