"""Every key, generated from the actions registry with the config's overrides applied.

Because the text comes from the same `ACTIONS` table as the bindings, the help can never
describe a key that does not work or miss one that does.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Iterable, Mapping
from typing import ClassVar

from rich.console import Console, Group, RenderableType
from rich.padding import Padding
from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

from cxinbox.tui.actions import ACTIONS, ActionSpec, effective_keys

KeyDisplay = Callable[[str], str]
KEYS_WIDTH = 14


def grouped(specs: Iterable[ActionSpec]) -> dict[str, list[ActionSpec]]:
    """Actions by group, groups in order of first appearance: the registry lists some
    groups in two places (Triage around Reply), and each must still be one heading."""
    groups: dict[str, list[ActionSpec]] = {}
    for spec in specs:
        groups.setdefault(spec.group, []).append(spec)
    return groups


def help_text(keymap: Mapping[str, str], key_display: KeyDisplay) -> Group:
    """One table per group: keys | what it does, with the keymap id on its own dim line
    under the description, so a long line wraps inside its column and never starts at
    the left edge where it would look like a heading."""
    parts: list[RenderableType] = []
    for group, specs in grouped(ACTIONS).items():
        if parts:
            parts.append(Text(""))
        parts.append(Text(group, style="bold underline"))
        table = Table.grid(padding=(0, 2), pad_edge=False)
        table.add_column(width=KEYS_WIDTH, no_wrap=True, overflow="fold", style="bold")
        table.add_column(ratio=1, overflow="fold")
        for spec in specs:
            keys = " ".join(key_display(k.strip())
                            for k in effective_keys(spec, keymap).split(","))
            what = Text(spec.help)
            what.append(f"  {spec.id}", style="dim")
            table.add_row(Text(keys), what)
        parts.append(Padding(table, (0, 0, 0, 2)))
    parts.append(Text(""))
    parts.append(Text("Change a key in the config under [ui.keymap] with the id shown after "
                      'it, e.g. assign-me = "m".', style="dim"))
    return Group(*parts)


def help_plain(keymap: Mapping[str, str], key_display: KeyDisplay, width: int = 78) -> str:
    """The help as plain text at `width` columns (what the screen shows, for tests)."""
    console = Console(width=width, file=io.StringIO(), record=True, color_system=None)
    console.print(help_text(keymap, key_display))
    return console.export_text()


class HelpScreen(ModalScreen[None]):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,q,question_mark", "close", "Close", id="help-close")]

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
