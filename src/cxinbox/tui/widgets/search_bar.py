"""The `/` query line, with the one-line error of a query that does not parse.

A typo in a query must never crash or silently match nothing: the API's BadQuery message
(which names the column) is shown right under what was typed, and the bar stays open so
the query can be fixed in place.
"""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.message import Message
from textual.widgets import Input, Static


class SearchBar(Vertical):
    DEFAULT_CSS = """
    SearchBar {
        height: auto;
        display: none;
        background: $panel;
    }
    SearchBar.-open { display: block; }
    SearchBar > Input { border: none; height: 1; padding: 0 1; }
    SearchBar > #search-error { color: $error; text-style: bold; padding: 0 1; display: none; }
    SearchBar > #search-error.-shown { display: block; }
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

    def compose(self) -> ComposeResult:
        yield Input(placeholder='query, e.g. status:open tag:lab-results "fasting"',
                    id="search-input", compact=True)
        yield Static("", id="search-error", markup=False)
        yield Static(Text("Enter search  Esc close  fields: status: assignee: tag: priority: "
                          "from: to: mailbox: channel: sla: is: has: before: after: id:"),
                     id="search-hint", markup=False)

    def on_mount(self) -> None:
        self.query_one(Input).cursor_blink = self._blink

    def open(self, text: str = "") -> None:
        self.add_class("-open")
        field = self.query_one(Input)
        if text:
            field.value = text
        # Focus now, not after a refresh: over a slow link "/smith" arrives in one read and
        # the letters must land in the query, not trigger s (status) and t (tag).
        self.screen.set_focus(field)

    def close(self) -> None:
        self.remove_class("-open")
        self.show_error("")

    @property
    def is_open(self) -> bool:
        return self.has_class("-open")

    def show_error(self, message: str) -> None:
        error = self.query_one("#search-error", Static)
        error.update(Text(message))
        error.set_class(bool(message), "-shown")

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.post_message(self.Submitted(event.value.strip()))

    def key_escape(self) -> None:
        self.post_message(self.Closed())
