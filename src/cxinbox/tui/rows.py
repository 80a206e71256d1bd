"""One conversation as one list row: column widths, cell texts, their styles, the header.

Kept apart from the widget so the layout rules (what fits at 80 columns, what is dropped
first) are plain functions. The cells that change with time (SLA countdown, age) are
reported with their positions, so the list can redraw exactly those cells each second
instead of whole rows: over a slow link that is the difference between a few bytes and
kilobytes per second.

What always shows, at any list width from the 59 columns of a 100-column split view:
the mark and unread columns, the urgency cell (red-flag beats urgent beats high), the
SLA-or-status cell (a countdown while open, else the status word, so closed and
answered-open differ in search results), the conversation's `#id` (toasts and
colleagues speak of it), channel, assignee, patient and subject. Only then does the width buy the age,
longer names and tags.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime

from rich.cells import cell_len, set_cell_size
from rich.segment import Segment
from rich.style import Style

from cxinbox.contract.types import ConversationSummary
from cxinbox.domain.arrival import unscreened_mark
from cxinbox.domain.intent_words import intent_word
from cxinbox.tui.ascii import UNICODE_GLYPHS as _UNICODE
from cxinbox.tui.ascii import Glyphs
from cxinbox.tui.timefmt import age_text

SlaCell = Callable[[ConversationSummary, datetime], tuple[str, str]]
"""(countdown text, SLA state) for a conversation at an instant."""

SLA_WIDTH = 14  # "▲9m05s at risk", "-999d BREACH"
SLA_NARROW = 13  # below NARROW_FROM the ▲ goes; the words "at risk" stay
NARROW_FROM = 64
AGE_WIDTH = 4
PRIORITY_WIDTH = 4
CHANNEL_WIDTH = 3
MIN_SENDER = 8
MIN_SUBJECT = 10
ROOMY_SENDER = 12  # the age column is shown only when sender and subject keep this much
ROOMY_SUBJECT = 21
TAGS_FROM = 110  # a tags column of its own; below it tags follow the subject when they fit


@dataclass(frozen=True, slots=True)
class Columns:
    """Cell widths for one list width; 0 means the column is hidden.

    Order on the row: mark, unread, urgency, SLA-or-status, age, #id, channel, patient,
    subject (tags after it when they fit), tags, assignee. The ticking cells sit as far
    left as the urgency allows: Textual sends a refreshed line from its first cell to the
    end of the dirty span, so every cell before the countdown is resent with each tick.
    """

    width: int
    id: int
    sla: int
    age: int
    channel: int
    sender: int
    subject: int
    tags: int
    assignee: int
    priority: int = PRIORITY_WIDTH

    @property
    def priority_x(self) -> int:
        return 3

    @property
    def sla_x(self) -> int:
        return self.priority_x + self.priority + 1

    @property
    def age_x(self) -> int:
        return self.sla_x + self.sla + 1

    @property
    def id_x(self) -> int:
        return self.age_x + self.age + 1 if self.age else self.age_x

    @property
    def clock_cells(self) -> tuple[int, int]:
        """(x, width) of the SLA and age cells together: the only cells that tick.

        They sit side by side on purpose. Both usually change in the same second (a
        conversation's SLA and age both count from its last message), and Textual redraws
        the span between two dirty cells on a line, so neighbours cost ~20 bytes where
        cells at opposite ends of the row cost the whole line.
        """
        return self.sla_x, self.sla + (1 + self.age if self.age else 0)


def id_width(largest_id: int) -> int:
    """Cells for `#id` when the largest id on the list is `largest_id` (at least `#999`)."""
    return max(4, len(str(max(largest_id, 0))) + 1)


def columns_for(width: int, ids: int = 4) -> Columns:
    """Widths for a list `width` cells wide whose ids need `ids` cells.

    The fixed cells come first; sender and subject share the rest, evenly up to a
    14-cell name, the subject taking most of what is left beyond (the name grows to 24);
    room beyond comfortable widths buys the age, then a wider assignee, then a tags
    column.
    """
    width = max(width, 40)
    sla = SLA_WIDTH if width >= NARROW_FROM else SLA_NARROW
    channel = CHANNEL_WIDTH if width >= 50 else 0
    assignee = 8 if width >= 90 else 5
    fixed = 3 + ids + 1 + PRIORITY_WIDTH + 1 + sla + 1 + (channel + 1 if channel else 0) \
        + 1 + assignee
    rest = width - fixed  # sender + 1 + subject (+ 1 + tags)
    age = 0
    if rest - (AGE_WIDTH + 1) >= ROOMY_SENDER + 1 + ROOMY_SUBJECT:
        age = AGE_WIDTH
        rest -= AGE_WIDTH + 1
    tags = 0
    if width >= TAGS_FROM:
        tags = 22 if rest >= 80 else 16
        rest -= tags + 1
    sender = max(MIN_SENDER, min(14, (rest - 1) // 2)) + max(0, min(10, (rest - 40) // 3))
    subject = rest - 1 - sender
    if subject < MIN_SUBJECT:  # narrower than any real list: still exactly `width` cells
        sender = max(1, min(sender, (rest - 1) // 2))
        subject = max(0, rest - 1 - sender)
    return Columns(width, ids, sla, age, channel, sender, subject, tags, assignee)


_RED_FLAG = Style(bold=True, reverse=True)
_BOLD = Style(bold=True)


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
    red_flag: Style = _RED_FLAG
    marked: Style = _BOLD
    header: Style = _BOLD
    red_flag_cleared: Style = _BOLD


_PRIORITY_TEXT = {"urgent": "URG!", "high": "high", "normal": "", "low": "low"}
_STATUS_TEXT = {"pending": "pending", "snoozed": "snoozed", "closed": "closed"}


def fit(text: str, width: int, ellipsis: str) -> str:
    """`text` cut or padded to exactly `width` terminal cells."""
    if width <= 0:
        return ""
    if cell_len(text) <= width:
        return set_cell_size(text, width)
    return set_cell_size(text, width - 1) + ellipsis


def mark_glyph(glyphs: Glyphs) -> str:
    """The mark of a row picked for a bulk action: a tick, or `x` in 7-bit mode."""
    return "x" if glyphs.unread.isascii() else "\u2713"


def urgency(summary: ConversationSummary, glyphs: Glyphs | None = None) -> tuple[str, str]:
    """(cell text, kind) of the urgency cell: an open red flag beats any priority. A
    cleared one keeps its tags for reports and no longer shouts: `RF✓` (`RFok` in ASCII),
    bold without the flag's reverse red, in place of the `URG!` the flag left behind (the
    thread says who cleared it, when and why)."""
    if summary.red_flag_open:
        return "RED!", "red-flag"
    if summary.red_flag_cleared:
        return (glyphs or _UNICODE).cleared, "red-flag-cleared"
    return _PRIORITY_TEXT.get(summary.priority, summary.priority), summary.priority


def state_cell(summary: ConversationSummary, sla_text: str, sla_state: str,
               width: int) -> tuple[str, str]:
    """(text, state) of the SLA-or-status cell.

    An open conversation shows its SLA countdown ("open" when no clock runs, e.g.
    answered); any other status shows its word, because that is what a search across
    statuses must tell apart. Too long for the cell, the ▲/! marker goes first: the
    words stay.
    """
    if summary.status != "open":
        return _STATUS_TEXT.get(summary.status, summary.status), "paused"
    if not sla_text:
        return "open", "none"
    if cell_len(sla_text) > width and sla_text[:1] in ("\u25b2", "!"):
        sla_text = sla_text[1:]
    return sla_text, sla_state


def _sla_style(state: str, styles: RowStyles) -> Style:
    if state == "breached":
        return styles.breached
    if state == "at-risk":
        return styles.at_risk
    if state in ("paused", "none"):
        return styles.paused
    return styles.base


def time_cells(summary: ConversationSummary, now: datetime,
               sla_cell: SlaCell) -> tuple[str, str, str]:
    """(SLA text, SLA state, age text): everything on a row that moves with the clock."""
    if summary.status != "open":  # the cell shows the status word: no clock to read
        return "", "none", age_text(summary.last_message_at, now)
    text, state = sla_cell(summary, now)
    return text, state, age_text(summary.last_message_at, now)


def render_row(summary: ConversationSummary, cols: Columns, styles: RowStyles,
               glyphs: Glyphs, times: tuple[str, str, str], me: str,
               presence: str = "", marked: bool = False,
               names: Mapping[str, str] | None = None) -> list[Segment]:
    """One row. `presence` names a colleague who has it open ("Maria", or "✎Maria" while
    they write a reply): it goes in front of the subject, in the at-risk style when they
    are writing, so two people do not answer the same patient."""
    sla_text, sla_state, age = times
    unread = summary.unread_count > 0
    text_style = styles.unread if unread else styles.base
    ell = glyphs.ellipsis
    out = [Segment(mark_glyph(glyphs) if marked else " ", styles.marked),
           Segment(glyphs.unread if unread else glyphs.read, styles.unread), Segment(" ")]
    flag, kind = urgency(summary, glyphs)
    pri_style = {"red-flag": styles.red_flag, "urgent": styles.urgent,
                 "high": styles.high, "red-flag-cleared": styles.red_flag_cleared,
                 }.get(kind, styles.dim)
    out.append(Segment(fit(flag, cols.priority, ell), pri_style))
    out.append(Segment(" "))
    text, state = state_cell(summary, sla_text, sla_state, cols.sla)
    out.append(Segment(fit(text, cols.sla, ell), _sla_style(state, styles)))
    out.append(Segment(" "))
    if cols.age:
        out.append(Segment(fit(age.rjust(cols.age), cols.age, ell), styles.dim))
        out.append(Segment(" "))
    out.append(Segment(fit(f"#{summary.id}".rjust(cols.id), cols.id, ell), styles.dim))
    out.append(Segment(" "))
    if cols.channel:
        out.append(Segment(fit("sms" if summary.channel == "sms" else "eml", cols.channel,
                               ell), styles.dim))
        out.append(Segment(" "))
    sender = summary.from_name or summary.from_addr
    out.append(Segment(fit(sender, cols.sender, ell), text_style))
    out.append(Segment(" "))
    out.extend(_subject_cell(summary, cols, styles, glyphs, presence, text_style))
    if cols.tags:
        out.append(Segment(" "))
        out.append(Segment(fit(_tag_text(summary), cols.tags, ell), styles.tags))
    who = summary.assignee or "-"
    if who == me:
        who = "me"
    elif names:  # a label that tells colleagues apart in a narrow column (shortnames.py)
        who = names.get(who, who)
    out.append(Segment(" "))
    out.append(Segment(fit(who, cols.assignee, ell), styles.dim))
    return out


def _tag_text(summary: ConversationSummary) -> str:
    return " ".join(f"#{t}" for t in summary.tags)


def _subject_cell(summary: ConversationSummary, cols: Columns, styles: RowStyles,
                  glyphs: Glyphs, presence: str, text_style: Style) -> list[Segment]:
    """The subject, after a colleague's presence marker and (without a tags column)
    followed by the tags: they get up to half the cell, the subject keeps the rest."""
    ell = glyphs.ellipsis
    out: list[Segment] = []
    subject = summary.subject
    width = cols.subject
    if presence:
        marker = fit(f"[{presence}]", min(cell_len(presence) + 2, max(6, width // 2)), ell)
        if marker:
            style = styles.at_risk if presence.startswith(glyphs.writing) else styles.paused
            out.append(Segment(marker, style))
            out.append(Segment(" "))
            width = max(0, width - cell_len(marker) - 1)
    if summary.unscreened_received_at is not None and width >= 16:
        # Never read by the detectors (a later sync, long after it arrived): said first.
        mark = unscreened_mark(summary.unscreened_received_at, int(time.time()))
        out.append(Segment(fit(mark, min(cell_len(mark), width - 6), ell), styles.at_risk))
        out.append(Segment(" "))
        width -= min(cell_len(mark), width - 6) + 1
    code = intent_word(summary.intent, subject)
    if code and width >= 2 * (len(code) + 1):
        out.append(Segment(code + ":", styles.dim))  # the intent, as a word
        out.append(Segment(" "))
        width -= len(code) + 2
    if not cols.tags and summary.tags:
        tag_text = " " + _tag_text(summary)
        room = width - cell_len(subject)
        if room >= cell_len(tag_text):
            out.append(Segment(subject, text_style))
            out.append(Segment(fit(tag_text, room, ell), styles.tags))
            return out
        if width >= 24:
            tag_w = min(cell_len(tag_text), width // 2)
            out.append(Segment(fit(subject, width - tag_w, ell), text_style))
            out.append(Segment(fit(tag_text, tag_w, ell), styles.tags))
            return out
    out.append(Segment(fit(subject, width, ell), text_style))
    return out


def header_row(cols: Columns, styles: RowStyles, glyphs: Glyphs,
               marked: int = 0, counting: bool = False) -> list[Segment]:
    """The column labels over the list; at the right end, the count of marked rows and,
    while the list counts its matches to the end (`G` past a capped count), "counting…".

    The two times on a row are the SLA-or-status cell and the age: unlabelled they read
    as the same thing twice.
    """
    ell = glyphs.ellipsis
    style = styles.header
    parts = ["  ", " ", fit("Urg", cols.priority, ell), " ",
             fit("SLA / status", cols.sla, ell), " "]
    if cols.age:
        parts += [fit("Age".rjust(cols.age), cols.age, ell), " "]
    parts += [fit("#".rjust(cols.id), cols.id, ell), " "]
    if cols.channel:
        parts += [fit("Via", cols.channel, ell), " "]
    parts += [fit("Patient", cols.sender, ell), " ", fit("Subject", cols.subject, ell)]
    if cols.tags:
        parts += [" ", fit("Tags", cols.tags, ell)]
    parts += [" ", fit("Assigned" if cols.assignee >= 8 else "Who", cols.assignee, ell)]
    text = "".join(parts)
    notes = ([Segment(f" counting{ell} ", styles.loading)] if counting else []) + (
        [Segment(f" {marked} marked ", styles.marked)] if marked else [])
    if not notes:
        return [Segment(text, style)]
    keep = max(0, cell_len(text) - sum(cell_len(n.text) for n in notes))
    return [Segment(set_cell_size(text, keep), style), *notes]


def loading_row(cols: Columns, styles: RowStyles, glyphs: Glyphs) -> list[Segment]:
    return [Segment(fit(f"  {glyphs.ellipsis} loading", cols.width, glyphs.ellipsis),
                    styles.loading)]
