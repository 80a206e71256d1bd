"""One conversation as one list row: column widths, cell texts and their styles.

Kept apart from the widget so the layout rules (what fits at 80 columns, what is dropped
first) are plain functions. The two cells that change with time (SLA countdown, age) are
reported with their positions, so the list can redraw exactly those cells each second
instead of whole rows: over a slow link that is the difference between a few bytes and
kilobytes per second.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from rich.cells import cell_len, set_cell_size
from rich.segment import Segment
from rich.style import Style

from cxinbox.api.types import ConversationSummary
from cxinbox.tui.ascii import Glyphs
from cxinbox.tui.timefmt import age_text

SlaCell = Callable[[ConversationSummary, datetime], tuple[str, str]]
"""(countdown text, SLA state) for a conversation at an instant."""

SLA_WIDTH = 12
AGE_WIDTH = 4


@dataclass(frozen=True, slots=True)
class Columns:
    """Cell widths for one list width; 0 means the column is hidden."""

    width: int
    sender: int
    subject: int
    tags: int
    assignee: int
    priority: int
    channel: int

    @property
    def sla_x(self) -> int:
        return 2

    @property
    def age_x(self) -> int:
        return self.sla_x + SLA_WIDTH + 1

    @property
    def clock_cells(self) -> tuple[int, int]:
        """(x, width) of the SLA and age cells together: the only cells that tick.

        They sit side by side on purpose. Both usually change in the same second (a
        conversation's SLA and age both count from its last message), and Textual redraws
        the span between two dirty cells on a line, so neighbours cost ~20 bytes where
        cells at opposite ends of the row cost the whole line.
        """
        return self.sla_x, SLA_WIDTH + 1 + AGE_WIDTH


def columns_for(width: int) -> Columns:
    """Widths that keep subject readable: tags and then sender shrink before it does."""
    width = max(width, 40)
    priority = 4 if width >= 60 else 0
    channel = 3 if width >= 60 else 0
    assignee = 8 if width >= 70 else 0
    fixed = 2 + SLA_WIDTH + 1 + AGE_WIDTH + 1 + (priority + 1 if priority else 0) + (
        channel + 1 if channel else 0) + (assignee + 1 if assignee else 0)
    rest = max(10, width - fixed)
    tags = 0
    if rest >= 90:
        tags = 22
    elif rest >= 70:
        tags = 16
    rest -= tags + 1 if tags else 0
    sender = max(8, min(22, rest // 3))
    subject = max(4, rest - sender - 1)
    return Columns(width, sender, subject, tags, assignee, priority, channel)


@dataclass(frozen=True, slots=True)
class RowStyles:
    """Rich styles the list resolves from its CSS component classes."""

    base: Style
    unread: Style
    dim: Style
    breached: Style
    at_risk: Style
    paused: Style
    urgent: Style
    high: Style
    tags: Style
    loading: Style


_PRIORITY_TEXT = {"urgent": "URG!", "high": "high", "normal": "", "low": "low"}


def fit(text: str, width: int, ellipsis: str) -> str:
    """`text` cut or padded to exactly `width` terminal cells."""
    if width <= 0:
        return ""
    if cell_len(text) <= width:
        return set_cell_size(text, width)
    return set_cell_size(text, width - 1) + ellipsis


def _sla_style(state: str, styles: RowStyles) -> Style:
    if state == "breached":
        return styles.breached
    if state == "at-risk":
        return styles.at_risk
    if state == "paused":
        return styles.paused
    return styles.base


def time_cells(summary: ConversationSummary, now: datetime,
               sla_cell: SlaCell) -> tuple[str, str, str]:
    """(SLA text, SLA state, age text): everything on a row that moves with the clock."""
    text, state = sla_cell(summary, now)
    return text, state, age_text(summary.last_message_at, now)


def render_row(summary: ConversationSummary, cols: Columns, styles: RowStyles,
               glyphs: Glyphs, times: tuple[str, str, str], me: str,
               presence: str = "") -> list[Segment]:
    """One row. `presence` names a colleague who has it open ("Maria", or "✎Maria" while
    they write a reply): it goes in front of the subject, in the at-risk style when they
    are writing, so two people do not answer the same patient."""
    sla_text, sla_state, age = times
    unread = summary.unread_count > 0
    text_style = styles.unread if unread else styles.base
    ell = glyphs.ellipsis
    out = [Segment(glyphs.unread if unread else glyphs.read, styles.unread), Segment(" ")]
    out.append(Segment(fit(sla_text, SLA_WIDTH, ell), _sla_style(sla_state, styles)))
    out.append(Segment(" "))
    out.append(Segment(fit(age.rjust(AGE_WIDTH), AGE_WIDTH, ell), styles.dim))
    out.append(Segment(" "))
    if cols.priority:
        pri_style = {"urgent": styles.urgent, "high": styles.high}.get(summary.priority,
                                                                     styles.dim)
        out.append(Segment(fit(_PRIORITY_TEXT.get(summary.priority, summary.priority),
                               cols.priority, ell), pri_style))
        out.append(Segment(" "))
    if cols.channel:
        out.append(Segment(fit("sms" if summary.channel == "sms" else "eml", cols.channel, ell),
                           styles.dim))
        out.append(Segment(" "))
    sender = summary.from_name or summary.from_addr
    out.append(Segment(fit(sender, cols.sender, ell), text_style))
    out.append(Segment(" "))
    subject = summary.subject
    subject_width = cols.subject
    if presence:
        marker = fit(f"[{presence}]", min(cell_len(presence) + 2, max(6, cols.subject // 2)),
                     ell)
        if marker:
            style = styles.at_risk if presence.startswith(glyphs.writing) else styles.paused
            out.append(Segment(marker, style))
            out.append(Segment(" "))
            subject_width = max(0, cols.subject - cell_len(marker) - 1)
    if not cols.tags and summary.tags:
        # No tag column at this width: show tags after the subject, as long as they fit.
        tag_text = " " + " ".join(f"#{t}" for t in summary.tags)
        room = subject_width - cell_len(subject)
        if room >= cell_len(tag_text):
            out.append(Segment(subject, text_style))
            out.append(Segment(fit(tag_text, room, ell), styles.tags))
        else:
            out.append(Segment(fit(subject, subject_width, ell), text_style))
    else:
        out.append(Segment(fit(subject, subject_width, ell), text_style))
    if cols.tags:
        out.append(Segment(" "))
        out.append(Segment(fit(" ".join(f"#{t}" for t in summary.tags), cols.tags, ell),
                           styles.tags))
    if cols.assignee:
        who = summary.assignee or "-"
        if who == me:
            who = "me"
        out.append(Segment(" "))
        out.append(Segment(fit(who, cols.assignee, ell), styles.dim))
    return out


def loading_row(cols: Columns, styles: RowStyles, glyphs: Glyphs) -> list[Segment]:
    return [Segment(fit(f"  {glyphs.ellipsis} loading", cols.width, glyphs.ellipsis),
                    styles.loading)]
