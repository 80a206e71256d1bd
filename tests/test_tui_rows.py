"""The list's row layout as plain functions: what shows at each terminal width, and marks.

Terminal widths map to list widths as the app lays them out (the list alone below 100
columns, 60% of the screen beside the thread from 100 on; one cell for the scrollbar):
the pilot test `test_list_width_follows_the_split` checks that mapping on a real screen.
"""

from __future__ import annotations

from dataclasses import replace

import pytest
from rich.cells import cell_len
from rich.style import Style

from cxinbox.contract.types import ConversationSummary
from cxinbox.tui.ascii import ASCII_GLYPHS, UNICODE_GLYPHS
from cxinbox.tui.marks import Marks
from cxinbox.tui.rows import (
    RowStyles,
    columns_for,
    header_row,
    id_width,
    render_row,
    state_cell,
)

# terminal width -> the list's content width at that size
LIST_WIDTH = {80: 79, 100: 59, 119: 70, 120: 71, 160: 95}
STYLES = RowStyles(*([Style()] * 10))


def summary(**fields: object) -> ConversationSummary:
    base = ConversationSummary(
        id=100234, subject="Chest pain since this morning, short of breath",
        from_name="Peter Mensah-Oduya", from_addr="peter@example.com", channel="sms",
        mailbox="appointments", status="open", assignee="priya", priority="urgent",
        tags=("red-flag", "clinical"), created_at=0, last_message_at=0, last_inbound_at=0,
        first_response_at=None, snoozed_until=None, message_count=1, unread_count=1,
        has_attachment=False, red_flag_open=True)
    return replace(base, **fields)  # type: ignore[arg-type]


def row_text(s: ConversationSummary, width: int, times: tuple[str, str, str] = (
        "\u25b29m05s at risk", "at-risk", "51m"), *, marked: bool = False,
             ascii_only: bool = False) -> str:
    cols = columns_for(width, id_width(s.id))
    glyphs = ASCII_GLYPHS if ascii_only else UNICODE_GLYPHS
    segments = render_row(s, cols, STYLES, glyphs, times, "frontdesk", marked=marked)
    text = "".join(seg.text for seg in segments)
    assert cell_len(text) == width
    return text


@pytest.mark.parametrize("terminal", sorted(LIST_WIDTH))
def test_what_matters_fits_at_every_width(terminal: int) -> None:
    width = LIST_WIDTH[terminal]
    text = row_text(summary(), width)
    assert "#100234" in text
    assert "RED!" in text  # the red flag beats the urgent priority
    assert "at risk" in text
    assert "Peter Me" in text
    assert "Chest pa" in text
    # Priority/urgency, channel and assignee also stay in the split view (100-119).
    assert "sms" in text
    assert "priya" in text
    assert "URG!" in row_text(summary(tags=(), red_flag_open=False), width)
    assert "high" in row_text(summary(tags=(), red_flag_open=False, priority="high"), width)


@pytest.mark.parametrize("terminal", sorted(LIST_WIDTH))
def test_header_labels_sit_over_their_cells(terminal: int) -> None:
    width = LIST_WIDTH[terminal]
    cols = columns_for(width, 7)
    header = "".join(seg.text for seg in header_row(cols, STYLES, UNICODE_GLYPHS))
    assert cell_len(header) == width
    assert header[cols.priority_x:].startswith("Urg")
    assert header[cols.sla_x:].startswith("SLA / status")
    assert "Patient" in header and "Subject" in header
    assert ("Who" in header) or ("Assigned" in header)
    assert ("Age" in header) == bool(cols.age)
    assert header[cols.id_x + cols.id - 1] == "#"
    marked = "".join(seg.text for seg in header_row(cols, STYLES, UNICODE_GLYPHS, 3))
    assert cell_len(marked) == width and marked.rstrip().endswith("3 marked")


def test_wider_lists_use_the_space() -> None:
    by_terminal = {t: columns_for(w, 7) for t, w in LIST_WIDTH.items()}
    assert columns_for(79, 4).age  # both times, each under its label
    # Six-digit ids cost the age before the subject drops below 21 cells.
    assert not by_terminal[80].age and by_terminal[80].subject >= 21
    assert by_terminal[120].sender > 11
    assert by_terminal[160].sender > by_terminal[120].sender
    assert by_terminal[160].age and by_terminal[160].assignee >= 8
    # From 160 columns the tags show after the subject, as far as the cell allows.
    text = row_text(summary(tags=("clinical", "red-flag")), LIST_WIDTH[160])
    assert "#clinical" in text
    # Full-width lists get a tags column of their own.
    assert columns_for(119, 7).tags and columns_for(190, 7).tags == 22


@pytest.mark.parametrize("width", range(40, 200, 3))
def test_rows_fill_the_width_exactly(width: int) -> None:
    for s in (summary(), summary(tags=("a", "b"), assignee=None, subject="x" * 300, id=7),
              summary(from_name="王芳" * 20, subject="漢字" * 40, status="closed")):
        row_text(s, width)
        for ids in (4, 7):
            cols = columns_for(width, ids)
            used = (3 + cols.id + 1 + cols.priority + 1 + cols.sla + 1
                    + (cols.age + 1 if cols.age else 0)
                    + (cols.channel + 1 if cols.channel else 0) + cols.sender + 1
                    + cols.subject + (cols.tags + 1 if cols.tags else 0) + 1 + cols.assignee)
            assert used == width
            assert cols.clock_cells == (cols.sla_x, cols.sla + (cols.age + 1 if cols.age
                                                                  else 0))


def test_status_shows_where_no_clock_runs() -> None:
    # Search results mix statuses: closed and answered-open must not look alike.
    assert state_cell(summary(status="closed"), "", "none", 14) == ("closed", "paused")
    assert state_cell(summary(status="pending"), "", "paused", 14)[0] == "pending"
    assert state_cell(summary(), "", "none", 14) == ("open", "none")
    assert state_cell(summary(), "-3h BREACH", "breached", 14) == ("-3h BREACH", "breached")
    # Too narrow for the marker: the words stay.
    assert state_cell(summary(), "\u25b29m05s at risk", "at-risk", 13)[0] == "9m05s at risk"
    assert "closed" in row_text(summary(status="closed"), 79, ("", "none", "3d"))


def test_ascii_rows_are_7bit_with_a_visible_mark() -> None:
    text = row_text(summary(), 79, ("!9m05s at risk", "at-risk", "51m"), marked=True,
                    ascii_only=True)
    # A cut stays the one-cell ellipsis here; the app's AsciiFilter draws it as "...".
    assert text.replace("\u2026", "").isascii()
    assert text.startswith("x*")  # mark, unread
    assert "!9m05s at risk" in text
    assert row_text(summary(), 79, marked=True).startswith("\u2713")
    assert row_text(summary(), 79)[0] == " "


def test_marks_become_one_query() -> None:
    marks = Marks()
    assert not marks and marks.count == 0
    assert marks.toggle(15) and marks.toggle(12)
    assert not marks.toggle(15)
    assert marks.query() == "id:12" and marks.describe() == "1 marked conversation"
    marks.toggle(9)
    assert marks.query() == "id:9,12"
    marks.mark_all("status:open assignee:none", 40)
    assert marks.count == 40 and marks.is_marked(12345)
    assert marks.query() == "(status:open assignee:none)"
    assert not marks.toggle(7)  # taken out of "all matching"
    assert marks.count == 39 and not marks.is_marked(7)
    assert marks.query() == "(status:open assignee:none) -id:7"
    marks.mark_all("", 100)  # the Everything view
    marks.toggle(3)
    assert marks.query() == "-id:3"
    marks.clear()
    assert not marks and marks.all_query is None


@pytest.mark.parametrize("terminal", sorted(LIST_WIDTH))
def test_the_ticking_cells_sit_at_the_left(terminal: int) -> None:
    """Textual resends a refreshed line from its first cell: every cell before the
    countdown costs bytes each second over a thin client's link."""
    for ids in (4, 7):
        cols = columns_for(LIST_WIDTH[terminal], ids)
        assert cols.clock_cells[0] == 3 + cols.priority + 1 == 8


@pytest.mark.parametrize("ascii_only,marker", [(False, "\u25b2"), (True, "!")])
def test_at_risk_is_spelled_out_even_with_seconds_left(ascii_only: bool, marker: str) -> None:
    from datetime import UTC, datetime

    from cxinbox.tui.slatext import sla_cell_for

    now = datetime(2025, 3, 4, 15, 0, tzinfo=UTC)
    at = int(now.timestamp())
    s = summary(sla_target="first-response", sla_state="at-risk", sla_due_at=at + 526,
                sla_at_risk_at=at - 900)
    text, state = sla_cell_for(ascii_only)(s, now)
    assert (text, state) == (f"{marker}8m46s at risk", "at-risk")
    assert f"{marker}8m46s at risk" in row_text(s, 79, (text, state, "1h"),
                                                ascii_only=ascii_only)
    assert f"{marker}8m46s at risk" in row_text(s, 95, (text, state, "1h"))
    assert "8m46s at risk" in row_text(s, 59, (text, state, "1h"))  # marker dropped, words kept


def test_the_red_mark_is_the_servers_answer_not_the_tag() -> None:
    """RED! shows exactly while the server says a flag is open: a cleared flag keeps its
    tag (for the reports) but no longer shouts; a flag raised by a person has no tag
    needed on the client to show."""
    cleared = row_text(summary(red_flag_open=False), LIST_WIDTH[80])
    assert "RED!" not in cleared and "URG!" in cleared
    hand = row_text(summary(tags=(), red_flag_open=True, priority="normal"), LIST_WIDTH[80])
    assert "RED!" in hand
