"""Pick one of a few options by its letter (or arrows and Enter); Escape cancels.

Used for status, priority and views: single keystrokes at a busy desk, with the same
choices reachable by cursor for people who prefer to look first.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import ClassVar

from rich.text import Text
from textual import events
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option


@dataclass(frozen=True, slots=True)
class Choice:
    key: str  # single letter accelerator, "" for none
    value: str
    label: str


def choice_hint(choices: Sequence[Choice]) -> str:
    """The hint names the keys the choices really have: "letter", "number" or "key"."""
    keys = [c.key for c in choices if c.key]
    if not keys:
        return "arrows and Enter to choose, Esc to cancel"
    digits, letters = any(k.isdigit() for k in keys), any(k.isalpha() for k in keys)
    if not all(k.isalnum() for k in keys):
        kind = "key"
    elif digits and letters:
        kind = "letter, number"
    else:
        kind = "number" if digits else "letter"
    return f"{kind} or Enter to choose, Esc to cancel"


class ChoiceScreen(ModalScreen[str | None]):
    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "cancel", "Cancel", id="choice-cancel")]

    DEFAULT_CSS = """
    ChoiceScreen { align: center middle; }
    ChoiceScreen > Vertical {
        width: 56; max-width: 100%; height: auto; max-height: 90%;
        border: round $primary; background: $surface; padding: 0 1;
    }
    ChoiceScreen OptionList { height: auto; max-height: 16; border: none; }
    ChoiceScreen #choice-hint { color: $text-muted; }
    """

    def __init__(self, title: str, choices: Sequence[Choice], *, current: str | None = None
                 ) -> None:
        super().__init__()
        self._title = title
        self._choices = list(choices)
        self._current = current

    def compose(self) -> ComposeResult:
        with Vertical() as box:
            box.border_title = self._title
            options = []
            for choice in self._choices:
                label = Text()
                label.append(f"{choice.key or ' '}  ", style="bold")
                label.append(choice.label)
                if choice.value == self._current:
                    label.append("  (current)", style="dim")
                options.append(Option(label, id=choice.value))
            yield OptionList(*options)
            yield Static(Text(choice_hint(self._choices)), id="choice-hint", markup=False)

    def on_mount(self) -> None:
        self.query_one(OptionList).focus()

    def on_key(self, event: events.Key) -> None:
        for choice in self._choices:
            if choice.key and event.character == choice.key:
                event.stop()
                self.dismiss(choice.value)
                return

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        self.dismiss(event.option.id)

    def action_cancel(self) -> None:
        self.dismiss(None)
