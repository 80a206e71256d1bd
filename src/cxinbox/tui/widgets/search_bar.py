"""The `/` query line, with the one-line error of a query that does not parse.

A typo in a query must never crash or silently match nothing: the API's BadQuery message
(which names the column) is shown right under what was typed, and the bar stays open so
the query can be fixed in place.

The bar lies over the screen's last two lines (the status line and the key hints) in a
layer of its own, rather than taking lines from the list: opening and closing it then
moves and resizes nothing, so running a query repaints the rows that changed and the
two lines the bar uncovers, not the whole screen. While it is open, its second line is
the footer of the query (what Enter and Esc do, the fields), or the error when there is
one. It is shown and hidden with `display`, not a CSS class, so that opening it does not
send its subtree (the input's many component styles) through the stylesheet again.
"""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.message import Message
from textual.widgets import Input, Static

HINT = ("Enter search  Esc close  fields: status: assignee: tag: priority: from: to: "
        "mailbox: channel: sla: is: has: before: after: id:")


class SearchBar(Vertical):
    DEFAULT_CSS = """
    SearchBar {
        layer: search;
        dock: bottom;
        height: 2;
        display: none;
        background: $panel;
    }
    SearchBar > Input { border: none; height: 1; padding: 0 1; }
    SearchBar > #search-error { color: $error; text-style: bold; padding: 0 1; display: none; }
    SearchBar > #search-hint { color: $text-muted; padding: 0 1; }
    """

    class Submitted(Message):
        def __init__(self, query: str) -> None:
            super().__init__()
            self.query = query

    class Closed(Message):
        pass

    def __init__(self, *, blink: bool, id: str | None = None) -> None:
        super().__init__(id=id)
        self._blink = blink
        self._error = ""

    def compose(self) -> ComposeResult:
        yield Input(placeholder='query, e.g. status:open tag:lab-results "fasting"',
                    id="search-input", compact=True)
        yield Static("", id="search-error", markup=False)
        yield Static(Text(HINT), id="search-hint", markup=False)

    def on_mount(self) -> None:
        self.query_one(Input).cursor_blink = self._blink

    def open(self, text: str = "") -> None:
        self.display = True
        field = self.query_one(Input)
        if text:
            field.value = text
        # Focus now, not after a refresh: over a slow link "/smith" arrives in one read and
        # the letters must land in the query, not trigger s (status) and t (tag).
        self.screen.set_focus(field)

    def close(self) -> None:
        if self.display:
            self.display = False
        self.show_error("")

    @property
    def is_open(self) -> bool:
        return self.display

    def show_error(self, message: str) -> None:
        """The error in place of the hint line; "" brings the hint back (no-op if shown)."""
        if message == self._error:
            return
        self._error = message
        error = self.query_one("#search-error", Static)
        error.update(Text(message))
        error.display = bool(message)
        self.query_one("#search-hint", Static).display = not message

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.post_message(self.Submitted(event.value.strip()))

    def key_escape(self) -> None:
        self.post_message(self.Closed())
