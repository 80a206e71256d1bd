"""The top line: which view is showing, and how many conversations need whom.

Counts come from the same query language as the views, so "At risk 7" plus "Breached 3"
is what pressing 3 shows. The counts sit on the right and the most urgent come first;
when the line is too narrow the cheapest things go first (the brand, then long labels,
then the clinic's name, then the least urgent counts), and the view title is shortened
last, so at 80 columns the breach and at-risk numbers are always on screen.

The view title can contain a typed search (possibly a patient's name), so the bar goes
blank while the screen is locked.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from rich.cells import cell_len, set_cell_size
from rich.text import Text
from textual.widget import Widget

from cxinbox.tui.ascii import Glyphs
from cxinbox.tui.views import count_text, standard_view


@dataclass(frozen=True, slots=True)
class Count:
    key: str
    label: str
    short: str  # for narrow terminals; still a word a receptionist reads at a glance
    query: str
    urgent: bool = False
    only_when_any: bool = False  # shown only while non-zero (an open red flag)


# Most urgent first: that is the order shown and the reverse of the order dropped.
COUNTS: tuple[Count, ...] = (
    Count("red-flag", "Red flag", "RedF", "is:red-flag", urgent=True,
          only_when_any=True),
    # Messages no red-flag check read: only while there are any (an `Unscr 2` that is
    # always there would be read past).
    Count("unscreened", "Not screened", "Unscr", standard_view("unscreened").query,
          urgent=True, only_when_any=True),
    Count("breached", "Breached", "Breach", "status:open sla:breached", urgent=True),
    Count("at-risk", "At risk", "Risk", "status:open sla:at-risk", urgent=True),
    Count("mine", "Mine", "Mine", standard_view("mine").query),
    Count("unassigned", "Unassigned", "Unasg", standard_view("unassigned").query),
    Count("open", "Open", "Open", standard_view("open").query),
)
_MIN_TITLE = 12  # cells of the view title kept before a count is dropped


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
        self._total_cap: int | None = None
        self._counts_cap: int | None = None
        self._counts: dict[str, int | None] = {}
        self._locked = False

    def set_view(self, title: str, total: int | None, cap: int | None = None) -> None:
        """The view's title and count; a `total` that reached `cap` (where counting
        stopped) shows as "10,000+"."""
        self._view, self._total, self._total_cap = title, total, cap
        self.refresh()

    def set_counts(self, counts: Mapping[str, int | None], cap: int | None = None) -> None:
        """Counts by `Count.key`; None (the server could not count) shows nothing, and
        a count that reached `cap` shows as "10,000+"."""
        self._counts = dict(counts)
        self._counts_cap = cap
        self.refresh()

    def set_locked(self, locked: bool) -> None:
        self._locked = locked
        self.refresh()

    def render(self) -> Text:
        return self.line(self.size.width or 80)

    def line(self, width: int) -> Text:
        """The header at `width` cells (a method of its own so tests can ask any width)."""
        sep = self._glyphs.separator
        if self._locked:
            text = Text(no_wrap=True, overflow="ellipsis")
            text.append(" cxinbox", style="bold")
            text.append(f"{sep}{self._clinic}{sep}locked")
            return text
        shown = [(c, v) for c in COUNTS if (v := self._counts.get(c.key)) is not None
                 and not (c.only_when_any and v == 0)]
        total = "" if self._total is None else (
            f" ({count_text(self._total, self._total_cap)})")
        title = f"{self._view}{total}"
        lefts = ((" cxinbox", self._clinic), ("", self._clinic), ("", ""))
        for short in (False, True):
            right = self._counts_text(shown, short, sep, self._counts_cap)
            for brand, clinic in lefts:
                left = self._left(brand, clinic, title, sep)
                if left.cell_len + right.cell_len < width:  # one blank between them
                    return self._join(left, right, width)
        # The whole view title before the least urgent counts (an open red flag adds one):
        # at 80 columns a search stays readable, and the urgent counts always stay.
        while shown and not shown[-1][0].urgent and (
                self._counts_text(shown, True, sep, self._counts_cap).cell_len
                + cell_len(title) + 2 > width):
            shown = shown[:-1]
        while shown:
            right = self._counts_text(shown, True, sep, self._counts_cap)
            if right.cell_len + _MIN_TITLE + 1 <= width or len(shown) == 1:
                break
            shown = shown[:-1]
        right = self._counts_text(shown, True, sep, self._counts_cap)
        room = max(0, width - right.cell_len - 1)
        cut = title if cell_len(title) + 1 <= room else (
            set_cell_size(title, max(0, room - 2)) + self._glyphs.ellipsis)
        return self._join(self._left("", "", cut, sep), right, width)

    @staticmethod
    def _left(brand: str, clinic: str, title: str, sep: str) -> Text:
        text = Text(no_wrap=True, overflow="ellipsis")
        if brand:
            text.append(brand, style="bold")
            text.append(sep)
        else:
            text.append(" ")
        if clinic:
            text.append(clinic + sep)
        text.append(title, style="bold")
        return text

    @staticmethod
    def _counts_text(shown: list[tuple[Count, int]], short: bool, sep: str,
                     cap: int | None) -> Text:
        text = Text(no_wrap=True)
        for i, (count, value) in enumerate(shown):
            if i:
                text.append(sep.strip() and f" {sep.strip()} ")
            label = count.short if short else count.label
            style = "bold reverse" if count.urgent and value else ""
            text.append(f"{label} {count_text(value, cap)}", style=style)
        if shown:
            text.append(" ")
        return text

    @staticmethod
    def _join(left: Text, right: Text, width: int) -> Text:
        text = Text(no_wrap=True, overflow="ellipsis")
        text.append_text(left)
        text.append(" " * max(1, width - left.cell_len - right.cell_len))
        text.append_text(right)
        return text
