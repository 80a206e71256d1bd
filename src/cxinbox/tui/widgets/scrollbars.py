"""Scrollbar thumbs drawn in whole cells.

Textual draws the ends of a thumb with partial block glyphs for smoothness. On a
16-colour or monochrome thin client the thumb's body is only a reverse-video blank, so the
two partial ends looked like two separate thumbs, and in `--ascii` they folded to "_" and
"#" marks in the text. A thumb of whole cells is one solid block everywhere.
"""

from __future__ import annotations

from typing import ClassVar

from textual.scrollbar import ScrollBar, ScrollBarRender


class WholeCellScrollBarRender(ScrollBarRender):
    VERTICAL_BARS: ClassVar[list[str]] = [" "] * 8
    HORIZONTAL_BARS: ClassVar[list[str]] = [" "] * 8


def use_whole_cell_scrollbars() -> None:
    """Textual's documented way to change how every scrollbar is drawn."""
    ScrollBar.renderer = WholeCellScrollBarRender
