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

ELLIPSIS = "\u2026"

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
    "\ufffd": "?", "\U0001f50e": "> ",  # the command palette's magnifier: a prompt
}

# Key names as words. Textual draws Enter as a return symbol, arrows as arrows and Ctrl+F
# as "^f"; folded to ASCII those became "<", "v", "^" and clashed with "^f" itself.
_KEY_WORDS: dict[str, str] = {
    "enter": "Enter", "escape": "Esc", "up": "Up", "down": "Down", "left": "Left",
    "right": "Right", "pageup": "PgUp", "pagedown": "PgDn", "home": "Home", "end": "End",
    "backspace": "Backspace", "delete": "Del", "insert": "Ins", "tab": "Tab",
    "space": "Space", "question_mark": "?", "slash": "/", "minus": "-", "plus": "+",
    "exclamation_mark": "!", "full_stop": ".", "comma": ",", "colon": ":",
    "semicolon": ";", "at": "@", "number_sign": "#", "asterisk": "*",
}
_MODIFIERS = {"ctrl": "Ctrl", "shift": "Shift", "alt": "Alt", "meta": "Meta"}


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
def key_words(key: str) -> str:
    """One Textual key ("ctrl+f", "enter", "G") as staff read it in ASCII mode."""
    *modifiers, name = key.split("+") if key != "+" else [key]
    word = _KEY_WORDS.get(name)
    if word is None:
        word = name.upper() if len(name) > 1 and name[0] == "f" and name[1:].isdigit() else (
            name if len(name) == 1 else name.replace("_", " ").capitalize())
    if modifiers and len(word) == 1:
        word = word.upper()
    return "+".join([*(_MODIFIERS.get(m, m.capitalize()) for m in modifiers), word])


@lru_cache(maxsize=8192)
def fold_text(text: str) -> str:
    """`text` with every non-ASCII character folded, cell width preserved."""
    if text.isascii():
        return text
    return "".join(ch if ord(ch) < 128 else _fold_char(ch) for ch in text)


def _fold_keeping_ellipsis(text: str) -> str:
    return "".join(ch if ord(ch) < 128 or ch == ELLIPSIS else _fold_char(ch) for ch in text)


def _dots(cells: list[str], at: int, segment_end: bool) -> None:
    """Write the ellipsis at `cells[at]` as three dots without moving anything.

    A single "." after a cut word reads as the end of a sentence ("Chest pain since this
    morn."). Where two blanks follow, the dots run into them and nothing is lost; where the
    ellipsis ends its segment (a column cut by `fit` or by Rich) or the line, it was a cut,
    so the dots overwrite the two cells before it; inside a sentence ("yes… or no") one
    "." is enough.
    """
    cells[at] = "."
    after = cells[at + 1:at + 3]
    if after == [" ", " "]:
        cells[at + 1] = cells[at + 2] = "."
        return
    if after and not segment_end:
        return
    for back in (at - 1, at - 2):
        if back >= 0:
            cells[back] = "."


class AsciiFilter(LineFilter):
    """Folds every rendered line to 7-bit ASCII (see the module docstring), an ellipsis
    into "..." (see `_dots`)."""

    def apply(self, segments: list[Segment], background: Color) -> list[Segment]:
        if all(segment.control or segment.text.isascii() for segment in segments):
            return segments
        texts = [segment.text if segment.control else _fold_keeping_ellipsis(segment.text)
                 for segment in segments]
        if any(ELLIPSIS in text for text in texts):
            texts = self._expand_ellipses(segments, texts)
        return [segment if segment.control or text == segment.text
                else Segment(text, segment.style, segment.control)
                for segment, text in zip(segments, texts, strict=True)]

    @staticmethod
    def _expand_ellipses(segments: list[Segment], texts: list[str]) -> list[str]:
        visible = [i for i, segment in enumerate(segments) if not segment.control]
        cells = list("".join(texts[i] for i in visible))
        ends: set[int] = set()
        position = 0
        for i in visible:
            position += len(texts[i])
            ends.add(position - 1)
        for at, ch in enumerate(cells):
            if ch == ELLIPSIS:
                _dots(cells, at, at in ends)
        out = list(texts)
        start = 0
        for i in visible:
            out[i] = "".join(cells[start:start + len(texts[i])])
            start += len(texts[i])
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
    cleared: str = "RF\u2713"  # the list's urgency cell once a clinician cleared a red flag

    @staticmethod
    def for_mode(ascii_only: bool) -> Glyphs:
        return ASCII_GLYPHS if ascii_only else UNICODE_GLYPHS


UNICODE_GLYPHS = Glyphs(unread="\u25cf", read=" ", ellipsis="\u2026", separator=" \u00b7 ",
                        note="NOTE", attachment="\u2295", arrow_in="\u2190",
                        arrow_out="\u2192", folded="\u25b8", older="\u2191")
# The ellipsis stays the one-cell character so every width sum holds; `AsciiFilter`
# draws it as "..." without moving a cell.
ASCII_GLYPHS = Glyphs(unread="*", read=" ", ellipsis=ELLIPSIS, separator=" | ", note="NOTE",
                      attachment="+", arrow_in="<", arrow_out=">", folded=">", older="^",
                      writing="~", cleared="RFok")
