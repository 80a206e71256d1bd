"""A one-line question (tag, note, snooze time, folder): Enter answers, Escape cancels.

An optional `check` turns an answer into an error line instead of closing, so a bad
snooze duration is fixed in place rather than failing after the fact.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import ClassVar

from rich.text import Text
from textual import events
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Static
from textual.widgets.input import Selection


def take_early_key(field: Input, event: events.Key) -> None:
    """Put a key typed before `field` got focus into it, instead of losing it.

    A dialog opens on one key and its field is focused a moment later; over a slow link the
    rest of what was typed ("tlab-results") is already waiting and reaches the dialog first.
    """
    if field.has_focus or not event.is_printable or event.character is None:
        return
    event.stop()
    start, end = sorted(field.selection)
    if start != end:
        field.replace(event.character, start, end)
    else:
        field.insert_text_at_cursor(event.character)
    field.focus()


class PromptScreen(ModalScreen[str | None]):
    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "cancel", "Cancel", id="prompt-cancel")]

    DEFAULT_CSS = """
    PromptScreen { align: center middle; }
    PromptScreen > Vertical {
        width: 72; max-width: 100%; height: auto;
        border: round $primary; background: $surface; padding: 0 1;
    }
    PromptScreen #prompt-hint { color: $text-muted; }
    PromptScreen #prompt-error { color: $error; text-style: bold; display: none; }
    PromptScreen #prompt-error.-shown { display: block; }
    """

    def __init__(self, title: str, *, hint: str = "", value: str = "", password: bool = False,
                 check: Callable[[str], str | None] | None = None, blink: bool = True) -> None:
        super().__init__()
        self._title = title
        self._hint = hint
        self._value = value
        self._password = password
        self._check = check
        self._blink = blink

    def compose(self) -> ComposeResult:
        with Vertical() as box:
            box.border_title = self._title
            yield Input(value=self._value, password=self._password, id="prompt-input",
                        select_on_focus=False)
            yield Static("", id="prompt-error", markup=False)
            yield Static(Text(self._hint or "Enter to confirm, Esc to cancel"),
                         id="prompt-hint", markup=False)

    def on_mount(self) -> None:
        field = self.query_one(Input)
        field.cursor_blink = self._blink
        if self._value:
            field.selection = Selection(0, len(self._value))  # typing replaces the default
        field.focus()

    def on_key(self, event: events.Key) -> None:
        take_early_key(self.query_one(Input), event)

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        answer = event.value
        problem = self._check(answer) if self._check else None
        if problem:
            error = self.query_one("#prompt-error", Static)
            error.update(Text(problem))
            error.add_class("-shown")
            return
        self.dismiss(answer)

    def action_cancel(self) -> None:
        self.dismiss(None)
