"""How a duration and a bar look to a person, the same on every surface.

Pure and tiny so the CLI's reports, the reports screen and the health summary (which
lives below the presentation layers: `cxinbox status` builds its lines in the service)
can all share one spelling: a figure read as "2d04h" in one place and "2d4h" in another
makes people wonder whether they are the same figure.
"""

from __future__ import annotations

from typing import Final

MINUTE: Final = 60
HOUR: Final = 3600
DAY: Final = 86400

FULL_BLOCK: Final = "\u2588"
ASCII_BLOCK: Final = "#"


def duration(seconds: object) -> str:
    """A short human duration: 45s, 12m, 3h05m, 2d04h; "-" for anything not a number (a
    report cell with no value)."""
    if not isinstance(seconds, int | float):
        return "-"
    s = max(0, int(seconds))
    if s < MINUTE:
        return f"{s}s"
    if s < HOUR:
        return f"{s // MINUTE}m"
    if s < DAY:
        return f"{s // HOUR}h{s % HOUR // MINUTE:02d}m"
    return f"{s // DAY}d{s % DAY // HOUR:02d}h"


def bar(value: float, most: float, width: int, ascii_only: bool = False) -> str:
    """A horizontal bar `width` cells long at `most`, in eighths of a cell (whole `#`
    cells in ASCII); at least one cell for anything above zero, nothing for zero."""
    if most <= 0 or value <= 0 or width <= 0:
        return ""
    eighths = max(1, round(value / most * width * 8))
    if ascii_only:
        return ASCII_BLOCK * max(1, round(eighths / 8))
    full, rest = divmod(eighths, 8)
    return FULL_BLOCK * full + (chr(0x2590 - rest) if rest else "")
