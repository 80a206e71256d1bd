"""The top line: which view is showing and how many conversations it and its neighbours hold.

Counts come from the same queries as the views, so "At risk 7" means pressing 3 shows 7.
The view title can contain a typed search (possibly a patient's name), so the bar goes
blank while the screen is locked.
"""

from __future__ import annotations

from collections.abc import Mapping

from rich.text import Text
from textual.widget import Widget

from cxinbox.tui.ascii import Glyphs


class HeaderBar(Widget):
    DEFAULT_CSS = """
    HeaderBar {
        height: 1;
        background: $primary;
        color: $text;
    }
    """

    def __init__(self, *, clinic: str, glyphs: Glyphs, id: str | None = None) -> None:
        super().__init__(id=id)
        self._clinic = clinic
        self._glyphs = glyphs
        self._view = ""
        self._total: int | None = None
        self._counts: dict[str, int | None] = {}
        self._locked = False

    def set_view(self, title: str, total: int | None) -> None:
        self._view, self._total = title, total
        self.refresh()

    def set_counts(self, counts: Mapping[str, int | None]) -> None:
        self._counts = dict(counts)
        self.refresh()

    def set_locked(self, locked: bool) -> None:
        self._locked = locked
        self.refresh()

    def render(self) -> Text:
        sep = self._glyphs.separator
        text = Text(no_wrap=True, overflow="ellipsis")
        text.append(" cxinbox", style="bold")
        text.append(sep + self._clinic)
        if self._locked:
            text.append(sep + "locked")
            return text
        total = "" if self._total is None else f" ({self._total})"
        text.append(sep)
        text.append(f"{self._view}{total}", style="bold")
        parts = [f"{label} {value}" for label, value in self._counts.items() if value is not None]
        if parts:
            text.append(sep + sep.strip().join(f" {p} " for p in parts).strip())
        return text
