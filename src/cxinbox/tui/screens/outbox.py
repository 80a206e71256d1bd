"""The outbox: every reply that is waiting, stuck or just went out, and what to do about it.

A failed reply used to be one toast; a receptionist who missed it had no way to find it
again. Here each reply is two lines: what state it is in and to whom, then the countdown,
the next attempt or the last error. Keys act on the selected reply through the API (which
decides what is allowed): `r` sends a failed or unconfirmed one again, `c` takes a queued
or failed one back at once (its text becomes a draft again; `u` puts it back in the queue),
`y` records an unconfirmed one as delivered, Enter opens its conversation.

`c` asks nothing: a question would only race the undo countdown, which runs on while it is
open (by the time "yes" was typed the reply had gone). Taking a reply back loses nothing
(the text is a draft again) and `u` undoes it, so acting at once is the safe choice.

The default list is what a person may have to act on (everything not sent yet, failed or
unconfirmed) plus the last few sent or cancelled replies, so "did my reply go?" is answered
without a search; `a` shows the latest replies in any state. The app reloads this screen
when the change feed brings an `outbox.*` event; a slow timer reloads it anyway, and a
one-second tick moves the undo countdowns without asking the server.

Recipients and subjects are already sanitised by the API; errors from the server are
folded to one line again here before they are shown, since they are quoted server text.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Sequence
from datetime import UTC, datetime, tzinfo
from typing import Any, ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.message import Message
from textual.screen import ModalScreen
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option

from cxinbox.contract.reply_types import OutboxItemView
from cxinbox.domain.sanitize import clean_line
from cxinbox.tui.messages import error_line
from cxinbox.tui.screens.choice import Choice, ChoiceScreen
from cxinbox.tui.timefmt import clinic_datetime

OPEN_STATES = ("queued", "sending", "failed", "unconfirmed")
DONE_STATES = ("sent", "cancelled")
RECENT_DONE = 10  # sent or cancelled replies shown under the open ones
OPEN_LIMIT = 200
ALL_LIMIT = 200
RELOAD_S = 5.0  # the change feed normally reloads sooner; this is the safety net

# Order on screen: what needs a person first, then what is on its way, then history.
_RANK = {"failed": 0, "unconfirmed": 0, "sending": 1, "queued": 1, "sent": 2, "cancelled": 2}
_STYLE = {"failed": "bold red", "unconfirmed": "bold yellow", "sending": "bold",
          "queued": "bold", "sent": "green", "cancelled": "dim"}

HELP_OPEN = f"Unsent, failed, unconfirmed + the {RECENT_DONE} latest sent/cancelled (a: all)"
HELP_ALL = f"The {ALL_LIMIT} latest replies in any state (a: only unsent + recent)"
KEYS = "j/k Move  Enter Open  r Retry  c Cancel  u Undo  y Arrived  a All  Esc Close"

NameOf = Callable[[str], str]


def order_items(items: Iterable[OutboxItemView]) -> list[OutboxItemView]:
    """Needs-a-person first (an undelivered text too), then in flight, then done; newest
    first within each."""
    unique = {item.id: item for item in items}
    return sorted(unique.values(),
                  key=lambda i: (0 if i.undelivered else _RANK.get(i.state, 1), -i.id))


def _count(seconds: float) -> str:
    s = max(0, int(seconds + 0.999))
    if s < 60:
        return f"{s}s"
    if s < 3600:
        return f"{s // 60}m{s % 60:02d}s" if s < 600 else f"{s // 60}m"
    return f"{s // 3600}h{(s % 3600) // 60:02d}m"


def state_label(item: OutboxItemView, now: float) -> str:
    """The first column: the state, with the countdown while one runs."""
    if item.state == "queued":
        due = max(item.send_after, item.next_attempt_at)
        if due > now:
            return f"{'RETRY' if item.attempts else 'QUEUED'} {_count(due - now)}"
        return "QUEUED"
    if item.undelivered:
        return "UNDELIVERED"
    return item.state.upper()


def detail_line(item: OutboxItemView, now: float, tz: tzinfo, me: str, name_of: NameOf
                ) -> str:
    """The second line: what happens next, or what went wrong, and whose reply it is."""
    tries = f"{item.attempts} attempt{'' if item.attempts == 1 else 's'}"
    error = clean_line(item.last_error, max_len=300)
    parts: list[str] = []
    if item.state == "queued":
        if item.send_after > now:
            parts.append(f"sends in {_count(item.send_after - now)}, c takes it back")
        elif item.next_attempt_at > now:
            parts.append(f"attempt {item.attempts + 1} in {_count(item.next_attempt_at - now)}")
        else:
            parts.append("due now")
        if error:
            parts.append(f"last error: {error}")
    elif item.state == "sending":
        parts.append(f"sending now (attempt {max(1, item.attempts)})")
    elif item.state == "sent":
        when = clinic_datetime(int(item.sent_at or item.created_at), tz,
                               datetime.fromtimestamp(now, UTC))
        parts.append(f"sent {when}" + (f" after {tries}" if item.attempts > 1 else ""))
        if item.undelivered:
            error = clean_line(item.delivery_error, max_len=200)
            parts.append("NOT DELIVERED" + (f": {error}" if error else "")
                         + "; Enter opens it to reach the patient another way")
        elif item.delivery:
            parts.append(clean_line(item.delivery, max_len=40))
        if item.sent_copy_error:
            parts.append(f"copy to Sent: {clean_line(item.sent_copy_error, max_len=120)}")
    elif item.state == "failed":
        parts.append(tries)
        if error:
            parts.append(error)
    elif item.state == "unconfirmed":
        parts.append("y if the patient got it, r sends again")
        if error:
            parts.append(error)
    elif item.state == "cancelled":
        parts.append("cancelled, the text went back to its author as a draft")
    if item.author != me:
        parts.append(f"by {name_of(item.author)}")
    return " - ".join(parts)


def row_text(item: OutboxItemView, now: float, tz: tzinfo, me: str, name_of: NameOf,
             width: int) -> Text:
    """Two lines, each cut to `width` cells so nothing wraps into the next reply."""
    conv = f"#{item.conversation_id}" if item.conversation_id else \
        "-" if item.channel == "staff" else "new"  # staff: the digest, in no conversation
    to = ", ".join(item.recipients) or "(no recipient)"
    if len(to) > 28:
        to = to[:27] + "\u2026"
    subject = item.subject or ("(text message)" if item.channel == "sms" else "(no subject)")
    first = Text(no_wrap=True, overflow="ellipsis")
    first.append(f"{state_label(item, now):<12}",
                 style="bold red" if item.undelivered else _STYLE.get(item.state, ""))
    first.append(f"{item.channel:<6}{conv:<7}{to}  ")
    first.append(subject, style="dim" if item.state == "cancelled" else "")
    first.truncate(width, overflow="ellipsis")
    second = Text("  " + detail_line(item, now, tz, me, name_of), no_wrap=True,
                  overflow="ellipsis",
                  style="red" if item.state == "failed" or item.undelivered else "dim")
    second.truncate(width, overflow="ellipsis")
    return Text("\n").join([first, second])


def selected_text(item: OutboxItemView, width: int) -> Text:
    """Under the list, for the selected reply: whole recipients and subject, and the whole
    error wrapped, since the row can only show its start."""
    text = Text()
    to = ", ".join(item.recipients) or "(no recipient)"
    head = Text(no_wrap=True, overflow="ellipsis")
    head.append(f"Outbox {item.id} from {item.account} to {to}")
    if item.subject:
        head.append(f": {item.subject}")
    head.truncate(width, overflow="ellipsis")
    text.append_text(head)
    error = clean_line(item.last_error, max_len=400)
    if error and item.state in ("queued", "failed", "unconfirmed"):
        text.append("\n")
        text.append(error, style="red" if item.state == "failed" else "")
    elif item.undelivered:
        text.append("\n")
        text.append(f"Not delivered: {clean_line(item.delivery_error, max_len=300)}",
                    style="red")
    return text


class OutboxLoaded(Message):
    def __init__(self, items: Sequence[OutboxItemView] | None, error: str) -> None:
        super().__init__()
        self.items = items
        self.error = error


class OutboxActed(Message):
    def __init__(self, text: str, error: bool, *, cancelled: int | None = None) -> None:
        super().__init__()
        self.text = text
        self.error = error
        self.cancelled = cancelled


class OutboxScreen(ModalScreen[int | None]):
    """Dismissed with a conversation id to open (Enter), or None (Esc)."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "close", "Close", id="outbox-close"),
        Binding("j", "move(1)", "Down", show=False, id="outbox-down"),
        Binding("k", "move(-1)", "Up", show=False, id="outbox-up"),
        Binding("r", "retry", "Retry", id="outbox-retry"),
        Binding("c", "cancel_item", "Cancel", id="outbox-cancel"),
        Binding("u", "undo_cancel", "Undo cancel", id="outbox-undo-cancel"),
        Binding("y", "confirm_item", "It arrived", id="outbox-confirm"),
        Binding("a", "toggle_all", "All", id="outbox-all"),
    ]

    DEFAULT_CSS = """
    OutboxScreen { layout: vertical; background: $background 100%; }
    OutboxScreen #outbox-title { height: 1; background: $primary; color: $text;
                                 text-style: bold; padding: 0 1; }
    OutboxScreen #outbox-help { height: 1; color: $text-muted; padding: 0 1; }
    OutboxScreen OptionList { height: 1fr; border: none; padding: 0 0 0 1; }
    OutboxScreen OptionList:focus { border: none; }
    OutboxScreen #outbox-detail { height: auto; max-height: 4; padding: 0 1;
                                  background: $panel; }
    OutboxScreen #outbox-status { height: auto; max-height: 3; padding: 0 1; }
    OutboxScreen #outbox-status.-error { color: $error; text-style: bold; }
    OutboxScreen #outbox-keys { height: 1; background: $panel; padding: 0 1; }
    """

    def __init__(self, api: Any, *, me: str, tz: tzinfo, name_of: NameOf | None = None,
                 now: Callable[[], float] = time.time, separator: str = " - ") -> None:
        super().__init__()
        self._api = api
        self._me = me
        self._tz = tz
        self._name_of: NameOf = name_of or (lambda user: user)
        self._now = now
        self._sep = separator
        self._items: list[OutboxItemView] = []
        self._shown: dict[int, Text] = {}
        self._all = False
        self._loaded = False
        self._busy = False
        self._cancelled: list[int] = []  # taken back here, newest last: what `u` puts back

    # -- layout ----------------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        yield Static(Text("Outbox"), id="outbox-title", markup=False)
        yield Static(Text(HELP_OPEN), id="outbox-help", markup=False)
        yield OptionList(id="outbox-list")
        yield Static(Text(""), id="outbox-detail", markup=False)
        yield Static(Text("Loading the outbox..."), id="outbox-status", markup=False)
        yield Static(Text(KEYS), id="outbox-keys", markup=False)

    def on_mount(self) -> None:
        self.query_one(OptionList).focus()
        self.set_interval(1.0, self._tick)
        self.set_interval(RELOAD_S, self.reload)
        self.reload()

    @property
    def items(self) -> list[OutboxItemView]:
        return list(self._items)

    @property
    def selected(self) -> OutboxItemView | None:
        index = self.query_one(OptionList).highlighted
        if index is None or not 0 <= index < len(self._items):
            return None
        return self._items[index]

    # -- loading ---------------------------------------------------------------------------

    def reload(self) -> None:
        """Fetch the list again (the app calls this on outbox events)."""
        if getattr(self.app, "locked", False):
            return
        self.run_worker(self._load(self._all), group="outbox-load", exclusive=True,
                        exit_on_error=False)

    async def _load(self, show_all: bool) -> None:
        try:
            if show_all:
                items = await self._api.outbox(None, ALL_LIMIT)
            else:
                items = [*await self._api.outbox(list(OPEN_STATES), OPEN_LIMIT),
                         *await self._api.outbox(list(DONE_STATES), RECENT_DONE)]
        except Exception as exc:  # noqa: BLE001 - one line on the screen, never a crash
            self.post_message(OutboxLoaded(None, error_line(exc)))
        else:
            self.post_message(OutboxLoaded(order_items(items), ""))

    def on_outbox_loaded(self, message: OutboxLoaded) -> None:
        message.stop()
        if message.items is None:
            self._status(f"Outbox not available: {message.error}", error=True)
            return
        first = not self._loaded
        self._loaded = True
        self._fill(list(message.items))
        if first:
            self._status(self._summary())

    def _fill(self, items: list[OutboxItemView]) -> None:
        listing = self.query_one(OptionList)
        keep = self.selected.id if self.selected is not None else None
        index = listing.highlighted or 0
        self._items = items
        self._shown = {}
        now = self._now()
        options = []
        for item in items:
            text = self._row(item, now)
            self._shown[item.id] = text
            options.append(Option(text, id=str(item.id)))
        listing.set_options(options)
        if not items:
            listing.add_option(Option(Text("  Nothing in the outbox.", style="dim"),
                                      disabled=True))
            listing.highlighted = None
        else:
            ids = [i.id for i in items]
            listing.highlighted = ids.index(keep) if keep in ids else min(index, len(ids) - 1)
        self._title()
        self._show_selected()

    def on_option_list_option_highlighted(self, event: OptionList.OptionHighlighted) -> None:
        event.stop()
        self._show_selected()

    def _show_selected(self) -> None:
        item = self.selected
        detail = self.query_one("#outbox-detail", Static)
        detail.display = item is not None
        if item is not None:
            detail.update(selected_text(item, max(30, self.app.size.width - 2)))

    def _row(self, item: OutboxItemView, now: float) -> Text:
        # The list's left padding, the scrollbar and one spare cell.
        shown = self.query_one(OptionList).size.width or self.app.size.width
        width = max(30, shown - 3)
        return row_text(item, now, self._tz, self._me, self._name_of, width)

    def _title(self) -> None:
        waiting = sum(1 for i in self._items if i.state in ("queued", "sending"))
        attention = sum(1 for i in self._items
                        if i.state in ("failed", "unconfirmed") or i.undelivered)
        parts = ["Outbox"]
        if attention:
            parts.append(f"{attention} need{'s' if attention == 1 else ''} you")
        if waiting:
            parts.append(f"{waiting} on the way")
        if not attention and not waiting:
            parts.append("nothing waiting")
        self.query_one("#outbox-title", Static).update(Text(self._sep.join(parts)))
        self.query_one("#outbox-help", Static).update(Text(HELP_ALL if self._all else HELP_OPEN))

    def _summary(self) -> str:
        if not self._items:
            return "Nothing waiting, nothing failed."
        return "r retry, c cancel, y it arrived, Enter opens the conversation."

    def _tick(self) -> None:
        """Move the countdowns; only rows whose text changed are redrawn."""
        if not self._items or getattr(self.app, "locked", False):
            return
        listing = self.query_one(OptionList)
        now = self._now()
        for item in self._items:
            if item.state not in ("queued", "sending"):
                continue
            text = self._row(item, now)
            if text.plain != self._shown[item.id].plain:
                self._shown[item.id] = text
                listing.replace_option_prompt(str(item.id), text)

    def on_resize(self) -> None:
        if self._items:
            self._fill(self._items)

    # -- keys ------------------------------------------------------------------------------

    def _status(self, text: str, *, error: bool = False) -> None:
        """One message, wrapped (never cut off) within the screen's width."""
        line = self.query_one("#outbox-status", Static)
        line.update(Text(clean_line(text, max_len=300)))
        line.set_class(error, "-error")

    def action_move(self, step: int) -> None:
        listing = self.query_one(OptionList)
        if step > 0:
            listing.action_cursor_down()
        else:
            listing.action_cursor_up()

    def action_close(self) -> None:
        self.dismiss(None)

    def action_toggle_all(self) -> None:
        self._all = not self._all
        self._title()
        self._status("Showing every state." if self._all else "Showing unsent and recent.")
        self.reload()

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        item = self.selected
        if item is None:
            return
        if item.conversation_id is None:
            self._status("This message has no conversation yet.", error=True)
            return
        self.dismiss(item.conversation_id)

    def _need(self, states: tuple[str, ...], refusal: str) -> OutboxItemView | None:
        item = self.selected
        if item is None:
            self._status("Nothing selected.", error=True)
            return None
        if item.state not in states:
            self._status(f"Outbox {item.id} is {item.state}: {refusal}", error=True)
            return None
        return item

    def action_retry(self) -> None:
        item = self._need(("failed", "unconfirmed"),
                          "only failed or unconfirmed replies can be sent again.")
        if item is None:
            return
        if item.state == "failed":
            self._act(item.id, "retry", f"Outbox {item.id} queued again; it goes out now.")
            return
        choices = [Choice("s", "yes", "send it again (the patient may get it twice)"),
                   Choice("n", "no", "keep it as it is")]

        def chosen(value: str | None) -> None:
            if value == "yes":
                self._act(item.id, "retry", f"Outbox {item.id} queued again; it goes out now.")

        self.app.push_screen(ChoiceScreen(f"It may have arrived. Send #{item.id} again?",
                                          choices), chosen)

    def action_cancel_item(self) -> None:
        item = self._need(("queued", "failed"), "only queued or failed replies can be cancelled.")
        if item is None:
            return
        self._act(item.id, "cancel",
                  f"Outbox {item.id} cancelled; its text is a draft again (u puts it back).")

    def action_undo_cancel(self) -> None:
        if not self._cancelled:
            self._status("Nothing to undo here: u puts back a reply cancelled with c.",
                         error=True)
            return
        outbox_id = self._cancelled.pop()
        self._act(outbox_id, "requeue", f"Outbox {outbox_id} is back in the queue.")

    def action_confirm_item(self) -> None:
        item = self._need(("unconfirmed",), "only unconfirmed replies can be confirmed.")
        if item is None:
            return
        choices = [Choice("y", "yes", "yes, it arrived: record it as sent, do not resend"),
                   Choice("n", "no", "no, not sure yet")]

        def chosen(value: str | None) -> None:
            if value == "yes":
                self._act(item.id, "confirm", f"Outbox {item.id} recorded as delivered.")

        self.app.push_screen(ChoiceScreen(f"Did outbox {item.id} reach the patient?",
                                          choices), chosen)

    def _act(self, outbox_id: int, what: str, done: str) -> None:
        calls = {"retry": self._api.retry_outbox, "cancel": self._api.cancel_outbox,
                 "confirm": self._api.confirm_outbox, "requeue": self._api.requeue_outbox}
        call = calls[what]

        async def go() -> None:
            try:
                await call(outbox_id)
            except Exception as exc:  # noqa: BLE001 - e.g. someone else acted first
                error = error_line(exc).removeprefix(f"outbox item {outbox_id}: ")
                if error.startswith(f"outbox item {outbox_id} "):
                    error = "it" + error.removeprefix(f"outbox item {outbox_id}")
                self.post_message(OutboxActed(f"Outbox {outbox_id}: {error}", True))
            else:
                if what == "cancel":
                    self.post_message(OutboxActed(done, False, cancelled=outbox_id))
                else:
                    self.post_message(OutboxActed(done, False))

        self._status("Working...")
        self.run_worker(go(), group="outbox-act", exit_on_error=False)

    def on_outbox_acted(self, message: OutboxActed) -> None:
        message.stop()
        if message.cancelled is not None:
            self._cancelled.append(message.cancelled)
        self._status(message.text, error=message.error)
        self.reload()
