"""The screen outside the list, at 80x24 and 120x40 and in --ascii: header counts that fit
(urgent first), the thread's header that stays while its messages scroll, a footer with
the keys of the place you are in, help and ASCII text that read well, and the preview
that follows the cursor on wide screens without marking anything read.

Every test waits for what it asserts (the screen text, a worker's result), never a sleep.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from rich.segment import Segment
from tests.audithelp import trail
from tests.test_tui_support import (
    Inbox,
    make_app,
    make_inbox,
    screen_text,
    wait_for,
    wait_rows,
)
from textual.color import Color

from cxinbox.tui import actions
from cxinbox.tui.ascii import UNICODE_GLYPHS, AsciiFilter, key_words
from cxinbox.tui.screens.choice import ChoiceScreen
from cxinbox.tui.screens.help import HelpScreen, help_plain
from cxinbox.tui.widgets.header_bar import COUNTS, HeaderBar
from cxinbox.tui.widgets.key_hints import fit_hints

SIZES = [(80, 24), (120, 40)]
MODES = [False, True]  # Unicode, --ascii


@pytest.fixture
def inbox(tmp_path: Path) -> Inbox:
    return make_inbox(tmp_path)


def _lines(app: object) -> list[str]:
    return screen_text(app).splitlines()  # type: ignore[arg-type]


def _expected_counts(inbox: Inbox) -> dict[str, int]:
    return {c.key: inbox.service.list_conversations(c.query, 0, 1).total for c in COUNTS}


# -- header -------------------------------------------------------------------------------


@pytest.mark.parametrize("ascii_only", MODES)
@pytest.mark.parametrize("size", SIZES)
async def test_header_shows_every_count_urgent_first(inbox: Inbox, size: tuple[int, int],
                                                     ascii_only: bool) -> None:
    expected = _expected_counts(inbox)
    assert expected["breached"] and expected["mine"]  # the demo has some of each
    app = make_app(inbox, ascii_only=ascii_only)
    async with app.run_test(size=size) as pilot:
        await wait_rows(pilot, app)
        pattern = re.compile(r"(Red flag|RedF) (\d+) . (Breached|Breach) (\d+) . "
                             r"(At risk|Risk) (\d+) . Mine (\d+) . "
                             r"(Unassigned|Unasg) (\d+) . Open (\d+) *$")
        await wait_for(pilot, lambda: pattern.search(_lines(app)[0]) is not None,
                       what="all six counts on the header line")
        found = pattern.search(_lines(app)[0])
        assert found is not None
        shown = [int(found.group(i)) for i in (2, 4, 6, 7, 9, 10)]
        assert expected["red-flag"] == 1  # the demo's chest pain (shown only while open)
        assert expected["unscreened"] == 0  # none: no `Unscr` count (shown only while any)
        assert shown == [expected[c.key] for c in COUNTS if c.key != "unscreened"]
        assert "All open" in _lines(app)[0]  # the view's own title is still there


def test_header_drops_the_least_urgent_first_and_never_cuts_a_count() -> None:
    bar = HeaderBar(clinic="Maple Street Clinic (demo)", glyphs=UNICODE_GLYPHS)
    bar.set_view("Search: from:someone-with-a-long-name@example.org tag:billing", 1234)
    bar.set_counts({"breached": 74, "at-risk": 12, "mine": 15, "unassigned": 21,
                    "open": 134})
    for width in range(40, 200):
        line = bar.line(width).plain
        assert len(line) <= width, (width, line)
        assert re.search(r"Breach(ed)? 74 . (At risk|Risk) 12", line), (width, line)
        for label in ("Mine 15", "Open 134"):  # a count is either whole or gone
            head = label.split()[0]
            assert label in line or head not in line.split("Risk 12")[-1], (width, line)
    assert "Unassigned 21" in bar.line(200).plain
    bar.set_counts({"red-flag": 2, "breached": 74, "at-risk": 12, "mine": 15,
                    "unassigned": 21, "open": 134})
    for width in (80, 120):
        assert re.search(r"(Red flag|RedF) 2 . Breach(ed)? 74", bar.line(width).plain)
    assert "cxinbox" in bar.line(200).plain and "Maple Street" in bar.line(200).plain
    # an open red flag adds a count: the least urgent ones make way for a whole title
    bar.set_view("Search: tag:no-such-tag", 0)
    bar.set_counts({"red-flag": 1, "breached": 103, "at-risk": 0, "mine": 16,
                    "unassigned": 24, "open": 138})
    line = bar.line(80).plain
    assert "Search: tag:no-such-tag (0)" in line and "Open" not in line, line
    assert re.search(r"RedF 1 . Breach 103 . Risk 0 . Mine 16 . Unasg 24 *$", line), line


# -- the thread's header stays ------------------------------------------------------------


def _header_row(app: object, conv_id: int) -> int | None:
    for number, line in enumerate(_lines(app)):
        if re.search(rf"#{conv_id} \S", line):
            return number
    return None


@pytest.mark.parametrize("ascii_only", MODES)
@pytest.mark.parametrize("size", SIZES)
async def test_thread_header_stays_while_scrolling_and_adding_notes(
        inbox: Inbox, size: tuple[int, int], ascii_only: bool) -> None:
    longest = max(inbox.service.list_conversations("status:open", 0, 200).items,
                  key=lambda s: s.message_count)
    app = make_app(inbox, ascii_only=ascii_only)
    async with app.run_test(size=size) as pilot:
        await wait_rows(pilot, app)
        await pilot.press("slash", "ctrl+u", *f"id:{longest.id}", "enter")
        await wait_for(pilot, lambda: app.conversation_list.selected is not None
                       and app.conversation_list.selected.id == longest.id, what="found")
        await pilot.press("enter")
        await wait_for(pilot, lambda: _header_row(app, longest.id) == 1,
                       what="the thread's header under the top line")
        thread = app.thread
        assert thread.max_scroll_y > 0  # long enough to scroll: the test means something
        assert "priority" in _lines(app)[2]  # the status line of the header too
        await pilot.press("g")
        await wait_for(pilot, lambda: thread.scroll_y == 0, what="top")
        await wait_for(pilot, lambda: _header_row(app, longest.id) == 1, what="header at top")
        await pilot.press("G")
        await wait_for(pilot, lambda: thread.scroll_y == thread.max_scroll_y, what="bottom")
        await wait_for(pilot, lambda: _header_row(app, longest.id) == 1,
                       what="header at the bottom")
        for word in ("first", "second"):
            await pilot.press("n", *f"called back {word}", "enter")
            await wait_for(pilot, lambda w=word: f"called back {w}" in screen_text(app),
                           what=f"the {word} note")
            assert _header_row(app, longest.id) == 1, screen_text(app)


# -- footer per screen --------------------------------------------------------------------


@pytest.mark.parametrize("ascii_only", MODES)
@pytest.mark.parametrize("size", SIZES)
async def test_footer_shows_the_keys_of_each_place(inbox: Inbox, size: tuple[int, int],
                                                   ascii_only: bool) -> None:
    app = make_app(inbox, ascii_only=ascii_only)
    enter = "Enter" if ascii_only else "\u23ce"
    escape = "Esc" if ascii_only else "esc"
    async with app.run_test(size=size) as pilot:
        await wait_rows(pilot, app)
        def footer() -> str:
            return _lines(app)[-1].rstrip()

        await wait_for(pilot, lambda: footer().startswith(f"{enter} Open  a Assign  s Status  "
                                                          "r Reply"), what="list footer")
        assert footer().endswith("? Help") and len(footer()) <= size[0]
        await pilot.press("enter")
        await wait_for(pilot, lambda: footer().startswith(f"r Reply  {escape} Back"),
                       what="thread footer")
        assert footer().endswith("? Help") and "Open" not in footer()
        await pilot.press("s")
        await wait_for(pilot, lambda: isinstance(app.screen, ChoiceScreen), what="dialog")
        await wait_for(pilot, lambda: footer().startswith(f"{escape} Cancel"),
                       what="dialog footer")
        assert "Reply" not in footer() and "Assign" not in footer()
        await pilot.press("escape")
        await wait_for(pilot, lambda: footer().startswith("r Reply"), what="thread again")


def test_footer_drops_whole_hints_and_keeps_help() -> None:
    hints = [("a", "Alpha"), ("b", "Beta"), ("c", "Gamma"), ("?", "Help")]
    assert fit_hints(hints, 80, keep_last=True).plain == "a Alpha  b Beta  c Gamma  ? Help"
    assert fit_hints(hints, 24, keep_last=True).plain == "a Alpha  b Beta  ? Help"
    assert fit_hints(hints, 8, keep_last=True).plain == "? Help"
    assert fit_hints(hints[:3], 16, keep_last=False).plain == "a Alpha  b Beta"


# -- help ---------------------------------------------------------------------------------


def test_help_has_each_group_once_and_wrapped_lines_stay_indented() -> None:
    text = help_plain({}, key_words, width=76)
    groups = list(dict.fromkeys(spec.group for spec in actions.ACTIONS))
    headings = [line.strip() for line in text.splitlines() if line and not line[0].isspace()]
    assert headings[:len(groups)] == groups  # each group a single heading, in order
    assert all(headings.count(group) == 1 for group in groups)
    note = ("Change a key in the config under [ui.keymap] with the id shown after it,",
            'e.g. assign-me = "m".')
    assert headings[len(groups):] == list(note)
    for spec in actions.ACTIONS:
        assert spec.id in text


async def test_help_screen_in_ascii_names_keys_as_words(inbox: Inbox) -> None:
    app = make_app(inbox, ascii_only=True)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_rows(pilot, app)
        await pilot.press("question_mark")
        await wait_for(pilot, lambda: isinstance(app.screen, HelpScreen), what="help")
        await wait_for(pilot, lambda: "Next conversation" in screen_text(app), what="drawn")
        text = screen_text(app)
        assert re.search(r"j Down +Next conversation", text)
        assert re.search(r"PgDn Ctrl\+F +One screen down", text)
        assert text.isascii() and " v " not in text and "^f" not in text


# -- ASCII text ---------------------------------------------------------------------------


def test_ascii_filter_draws_a_cut_as_three_dots_without_moving_cells() -> None:
    def apply(*texts: str) -> str:
        out = AsciiFilter().apply([Segment(t) for t in texts], Color(0, 0, 0))
        return "".join(s.text for s in out)

    cut = apply("Chest pain since this morn\u2026", " priya   ")
    assert cut == "Chest pain since this mo... priya   "
    assert apply("Search for commands\u2026", "     ") == "Search for commands...   "
    assert apply("yes\u2026 or no") == "yes. or no"
    assert apply("M\u00fcller\u2026") == "Mull..."
    for texts in (("Chest pain since this morn\u2026", " priya   "), ("a\u2026", "  "),
                  ("\u2026",), ("Jos\u00e9 \u2014 caf\u00e9\u2026 ",)):
        assert len(apply(*texts)) == len("".join(texts))


async def test_ascii_list_and_palette_read_well(inbox: Inbox) -> None:
    app = make_app(inbox, ascii_only=True)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_rows(pilot, app)
        await wait_for(pilot, lambda: "..." in screen_text(app), what="a cut subject")
        text = screen_text(app)
        assert text.isascii()
        assert not re.search(r"\w\. (-|[a-z]+) *$", text, re.MULTILINE)  # no lone "." cut
        await pilot.press("ctrl+p")
        await wait_for(pilot, lambda: "Search for commands" in screen_text(app),
                       what="palette")
        text = screen_text(app)
        assert "??" not in text and "Search for commands..." in text


# -- the preview follows the cursor on wide screens ----------------------------------------


async def test_wide_preview_follows_the_cursor_once_it_rests(inbox: Inbox) -> None:
    app = make_app(inbox)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_rows(pilot, app)
        lst = app.conversation_list
        await wait_for(pilot, lambda: app.thread.conv_id == lst.selected.id,  # type: ignore[union-attr]
                       what="the first row previewed")
        since = max(e.seq for e in trail(inbox.db))
        await pilot.press(*"jjjjjj")
        target = lst.selected
        assert target is not None and target.unread_count > 0
        await wait_for(pilot, lambda: app.thread.conv_id == target.id, what="followed")
        assert f"#{target.id} " in screen_text(app)
        assert app.focused is lst  # a preview leaves the keys with the list
        views = [e.target for e in trail(inbox.db, since) if e.action == "conversation.view"]
        assert views == [f"conversation:{target.id}"]  # rows passed over left no trace
        summary = inbox.service.get_conversation(target.id, record_view=False).summary
        assert summary.unread_count == target.unread_count  # not marked read
        assert not [e for e in trail(inbox.db, since) if e.action == "conversation.read"]
        await pilot.press("enter")
        await wait_for(pilot, lambda: inbox.service.get_conversation(
            target.id, record_view=False).summary.unread_count == 0, what="Enter reads it")


async def test_narrow_screen_has_no_preview(inbox: Inbox) -> None:
    app = make_app(inbox)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_rows(pilot, app)
        await pilot.press("j")
        await wait_for(pilot, app._preview.settled, what="the rest elapsed")
        assert app.thread.conv_id is None and app.conversation_list.display


# -- scrollbars -----------------------------------------------------------------------------


@pytest.mark.parametrize("ascii_only", MODES)
async def test_scrollbar_thumbs_are_whole_cells(inbox: Inbox, ascii_only: bool) -> None:
    """A thumb's partial-block ends looked like two thumbs on a thin client (and folded to
    "_" and "#" in --ascii): every scrollbar cell is now blank or a whole thumb cell."""
    longest = max(inbox.service.list_conversations("status:open", 0, 200).items,
                  key=lambda s: s.message_count)
    app = make_app(inbox, ascii_only=ascii_only)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_rows(pilot, app)
        lst = app.conversation_list
        lst.move_to(lst.row_of(longest.id) or 0)
        await pilot.press("enter")
        await wait_for(pilot, lambda: f"#{longest.id} " in screen_text(app), what="thread")
        await pilot.press("G", "k", "k", "k")
        await wait_for(pilot, lambda: 0 < app.thread.scroll_y < app.thread.max_scroll_y,
                       what="scrolled to the middle")
        lines = _lines(app)
        for widget in (lst, app.thread):
            assert widget.max_scroll_y > 0  # both have a thumb to draw
            column = widget.region.right - 1
            cells = {line[column] for line in
                     lines[widget.region.y:widget.region.bottom] if len(line) > column}
            assert cells <= {" "}, (widget.id, cells)


def test_ascii_key_words() -> None:
    assert [key_words(k) for k in ("enter", "down", "up", "ctrl+f", "escape", "pagedown",
                                   "question_mark", "f1", "G", "j", "ctrl+shift+x")] == [
        "Enter", "Down", "Up", "Ctrl+F", "Esc", "PgDn", "?", "F1", "G", "j", "Ctrl+Shift+X"]
