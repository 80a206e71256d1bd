"""Every key, generated from the actions registry with the config's overrides applied.

Because the text comes from the same `ACTIONS` table as the bindings, the help can never
describe a key that does not work or miss one that does.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

from cxinbox.tui.actions import ACTIONS, effective_keys

KeyDisplay = Callable[[str], str]


def help_text(keymap: Mapping[str, str], key_display: KeyDisplay) -> Text:
    text = Text()
    group = ""
    for spec in ACTIONS:
        if spec.group != group:
            group = spec.group
            if text:
                text.append("\n")
            text.append(f"{group}\n", style="bold underline")
        keys = " ".join(key_display(k.strip()) for k in effective_keys(spec, keymap).split(","))
        text.append(f"  {keys:<16}", style="bold")
        text.append(spec.help)
        text.append(f"  {spec.id}\n", style="dim")
    text.append("\nChange a key in the config under [ui.keymap] with the id shown after it,\n"
                'e.g. assign-me = "m".', style="dim")
    return text


class HelpScreen(ModalScreen[None]):
    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape,q,question_mark", "close", "Close", id="help-close")]

    DEFAULT_CSS = """
    HelpScreen { align: center middle; }
    HelpScreen > VerticalScroll {
        width: 84; max-width: 100%; height: 90%;
        border: round $primary; background: $surface; padding: 0 1;
    }
    """

    def __init__(self, keymap: Mapping[str, str], key_display: KeyDisplay) -> None:
        super().__init__()
        self._keymap = keymap
        self._key_display = key_display

    def compose(self) -> ComposeResult:
        with VerticalScroll() as box:
            box.border_title = "Keys - Esc to close"
            yield Static(help_text(self._keymap, self._key_display), markup=False)

    def on_mount(self) -> None:
        self.query_one(VerticalScroll).focus()

    def action_close(self) -> None:
        self.dismiss(None)
