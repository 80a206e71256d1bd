"""Preview and confirm a triage action on many marked conversations: `y` goes, `n` or Esc not.

The same rule as the bulk CLI: above 25 matches nothing changes until a person has seen
how many conversations match, how many would really change, and the first few of them
(`#id subject: before -> after`), computed by a dry run of the very call that follows.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Static

PREVIEW_LINES = 8


def _value(value: Any) -> str:
    if value is None:
        return "nobody"
    if isinstance(value, list | tuple):
        return ",".join(str(v) for v in value) or "no tags"
    return str(value)


def preview_lines(changes: Sequence[Any], more: int) -> list[str]:
    """`#12  Lab results question: maria -> frontdesk`, and `... and N more`."""
    lines = [f"#{c.id}  {c.subject[:40]}: {_value(c.before)} -> {_value(c.after)}"
             for c in changes[:PREVIEW_LINES]]
    rest = len(changes) - PREVIEW_LINES
    if rest > 0 or more:
        lines.append(f"... and {max(rest, 0) + more} more")
    return lines


class BulkConfirmScreen(ModalScreen[bool]):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,n", "cancel", "Cancel", id="bulk-cancel"),
        Binding("y", "confirm", "Go ahead", id="bulk-confirm")]

    SCOPED_CSS = False  # the 7-bit border rule below starts at the App
    DEFAULT_CSS = """
    BulkConfirmScreen { align: center middle; }
    BulkConfirmScreen > Vertical {
        width: 76; max-width: 100%; height: auto; max-height: 90%;
        border: round $warning; background: $surface; padding: 0 1;
    }
    BulkConfirmScreen #bulk-hint { color: $text-muted; }
    App.-ascii BulkConfirmScreen > Vertical { border: ascii $warning; }
    """

    def __init__(self, title: str, summary: str, lines: Sequence[str]) -> None:
        super().__init__()
        self._title = title
        self._summary = summary
        self._lines = list(lines)

    def compose(self) -> ComposeResult:
        with Vertical() as box:
            box.border_title = self._title
            yield Static(Text(self._summary, style="bold"), id="bulk-summary")
            yield Static(Text("\n".join(self._lines)), id="bulk-preview")
            yield Static(Text("y to go ahead, n or Esc to cancel"), id="bulk-hint")

    def action_confirm(self) -> None:
        self.dismiss(True)

    def action_cancel(self) -> None:
        self.dismiss(False)
