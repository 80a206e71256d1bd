"""Where toasts go over the inbox: bottom right, above what must stay readable there.

At the top of the screen they covered the header's counts and the list's column labels
(or the thread's header); at Textual's default place, the status line, the key hints and
the notes' border. So over the inbox they sit above the two footer lines and, while a
conversation's notes are on screen, above the notes pane as well. The app calls
`keep_clear` after every layout of the inbox screen, so they follow the notes pane as it
grows or goes. Other screens keep the stylesheet's place (app.tcss): the outbox shows the
selected reply's whole error at its bottom.
"""

from __future__ import annotations

from textual.screen import Screen
from textual.widget import Widget

FOOTER_LINES = 2  # the status line and the key hints


def lines_to_keep_clear(screen_height: int, notes: Widget) -> int:
    """Lines at the bottom of the screen no toast may cover."""
    region = notes.region
    if not region.height:  # not on screen (the list alone, or locked)
        return FOOTER_LINES
    return max(FOOTER_LINES, screen_height - region.y)


def keep_clear(screen: Screen[object], lines: int) -> None:
    """Put the screen's toasts at its bottom right, `lines` above the edge (styles are
    set only when they change: each change lays the screen out again)."""
    for rack in screen.query_children("ToastRack"):  # a child of the screen: no walk
        styles = rack.styles
        if styles.dock != "bottom":
            styles.dock = "bottom"
            styles.align = ("right", "bottom")
        if styles.margin != (0, 0, lines, 0):
            styles.margin = (0, 0, lines, 0)
