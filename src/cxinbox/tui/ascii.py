"""7-bit output for thin terminals: a line filter and the glyphs cxinbox draws itself.

The Linux console, serial thin clients and old terminal emulators show anything outside
ASCII as a diamond or garbage, and some of them mis-count the width of what they cannot
draw, which shifts every later cell on the line. `--ascii` therefore guarantees that no
byte above 0x7f reaches the terminal: our own widgets pick ASCII glyphs from `Glyphs`,
borders switch to `border: ascii` in the stylesheet, and `AsciiFilter` (installed through
the public `App.get_line_filters()`) folds whatever is left, including Textual's own
scrollbars and patient text with accents, one terminal cell for one cell so the layout
does not move.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from functools import lru_cache

from rich.cells import get_character_cell_size
from rich.segment import Segment
from textual.color import Color
from textual.filter import LineFilter

# Characters with a natural ASCII stand-in; the rest fold by decomposition or become "?".
_FOLD: dict[str, str] = {
    "\u2026": ".", "\u2013": "-", "\u2014": "-", "\u2018": "'", "\u2019": "'",
    "\u201c": '"', "\u201d": '"', "\u00a0": " ", "\u2022": "*", "\u25cf": "*",
    "\u00b7": ".", "\u2192": ">", "\u2190": "<", "\u2191": "^", "\u2193": "v",
    "\u25b2": "^", "\u25bc": "v", "\u25b6": ">", "\u25c0": "<", "\u2713": "v",
    "\u2717": "x", "\u00d7": "x", "\u2500": "-", "\u2501": "-", "\u2502": "|",
    "\u2503": "|", "\u250c": "+", "\u2510": "+", "\u2514": "+", "\u2518": "+",
    "\u251c": "+", "\u2524": "+", "\u252c": "+", "\u2534": "+", "\u253c": "+",
    "\u256d": "+", "\u256e": "+", "\u256f": "+", "\u2570": "+", "\u2550": "=",
    "\u2551": "|", "\u2554": "+", "\u2557": "+", "\u255a": "+", "\u255d": "+",
    "\u2581": "_", "\u2582": "_", "\u2583": "_", "\u2584": "_", "\u2585": "#",
    "\u2586": "#", "\u2587": "#", "\u2588": "#", "\u258c": "#", "\u2590": "#",
    "\u2594": "-", "\u2595": "|", "\u258f": "|", "\u258e": "|", "\u258d": "|",
    "\u258b": "#", "\u258a": "#", "\u2589": "#", "\u2591": ":", "\u2592": ":",
    "\u2593": "#", "\u23ce": "<", "\u2326": "x", "\u232b": "<", "\u21b5": "<",
    "\ufffd": "?",
}


@lru_cache(maxsize=4096)
def _fold_char(ch: str) -> str:
    """ASCII text occupying exactly as many cells as `ch` did."""
    width = get_character_cell_size(ch)
    if width == 0:
        return ""
    folded = _FOLD.get(ch)
    if folded is None:
        decomposed = unicodedata.normalize("NFKD", ch)
        folded = "".join(c for c in decomposed if ord(c) < 128 and c.isprintable()) or "?"
    return (folded * width)[:width] if len(folded) < width else folded[:width]


@lru_cache(maxsize=8192)
def fold_text(text: str) -> str:
    """`text` with every non-ASCII character folded, cell width preserved."""
    if text.isascii():
        return text
    return "".join(ch if ord(ch) < 128 else _fold_char(ch) for ch in text)


class AsciiFilter(LineFilter):
    """Folds every rendered segment to 7-bit ASCII (see the module docstring)."""

    def apply(self, segments: list[Segment], background: Color) -> list[Segment]:
        out: list[Segment] = []
        for segment in segments:
            text = segment.text
            if text.isascii() or segment.control:
                out.append(segment)
            else:
                out.append(Segment(fold_text(text), segment.style, segment.control))
        return out


@dataclass(frozen=True, slots=True)
class Glyphs:
    """The few symbols cxinbox draws itself, in a Unicode and an ASCII set."""

    unread: str
    read: str
    ellipsis: str
    separator: str
    note: str
    attachment: str
    arrow_in: str
    arrow_out: str
    folded: str
    older: str
    writing: str = "\u270e"  # before a colleague's name: they are writing a reply here

    @staticmethod
    def for_mode(ascii_only: bool) -> Glyphs:
        return ASCII_GLYPHS if ascii_only else UNICODE_GLYPHS


UNICODE_GLYPHS = Glyphs(unread="\u25cf", read=" ", ellipsis="\u2026", separator=" \u00b7 ",
                        note="NOTE", attachment="\u2295", arrow_in="\u2190",
                        arrow_out="\u2192", folded="\u25b8", older="\u2191")
ASCII_GLYPHS = Glyphs(unread="*", read=" ", ellipsis=".", separator=" | ", note="NOTE",
                      attachment="+", arrow_in="<", arrow_out=">", folded=">", older="^",
                      writing="~")
