"""The conversation list: a Line-API view that draws only the rows on screen.

Why not DataTable/ListView/OptionList: at 100,000 conversations they take seconds to
first paint and hundreds of milliseconds per countdown tick, because they hold every row
and refresh the whole table on any change. Here the list knows only `total` (the virtual
height) and the rows of the window around the viewport, fetched page by page through the
API as the person scrolls. Rendered rows are cached as Strips; each second only the SLA
and age cells whose text actually changed are refreshed, so an idle screen sends almost
nothing to the terminal.

The widget does no I/O. It asks for rows by posting `WindowWanted` and is handed pages by
the app (`apply_page`), tagged with a generation so results of an old query are dropped.

The first line is a sticky header with the column labels (and the count of marked rows);
row `i` is virtual line `i + 1`.

A row just acted on is *held*: until the cursor moves, fresh pages update rows in place
instead of moving them, so a conversation that leaves the view (assigned away from
"Unassigned") stays under the cursor, dimmed and showing its new state, and the next key
acts on the row the person sees rather than on whichever patient slid up into its place.
Moving the cursor lets the list settle, keeping the conversation moved to selected.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime
from typing import ClassVar

from rich.segment import Segment
from rich.style import Style
from textual import events
from textual.binding import BindingType
from textual.cache import LRUCache
from textual.geometry import Region, Size
from textual.message import Message
from textual.scroll_view import ScrollView
from textual.strip import Strip
from textual.timer import Timer

from cxinbox.contract.types import ConversationSummary, Page
from cxinbox.tui import actions
from cxinbox.tui.ascii import Glyphs
from cxinbox.tui.marks import Marks
from cxinbox.tui.rows import (
    Columns,
    RowStyles,
    SlaCell,
    columns_for,
    header_row,
    id_width,
    loading_row,
    render_row,
    time_cells,
)
from cxinbox.tui.shortnames import short_names

WINDOW_MARGIN = 60  # rows fetched beyond each edge of the viewport
MAX_CACHED_ROWS = 3000
HOLD_MAX_S = 60.0


class ConversationList(ScrollView, can_focus=True):
    BINDINGS: ClassVar[list[BindingType]] = actions.bindings("list")

    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "conversation-list--cursor",
        "conversation-list--cursor-blurred",
        "conversation-list--unread",
        "conversation-list--dim",
        "conversation-list--breached",
        "conversation-list--at-risk",
        "conversation-list--paused",
        "conversation-list--urgent",
        "conversation-list--high",
        "conversation-list--tags",
        "conversation-list--loading",
        "conversation-list--red-flag",
        "conversation-list--marked",
        "conversation-list--header",
        "conversation-list--held",
    }

    DEFAULT_CSS = """
    ConversationList {
        background: $background;
        overflow-x: hidden;
        scrollbar-size-vertical: 1;
    }
    ConversationList > .conversation-list--cursor { text-style: reverse; }
    ConversationList > .conversation-list--cursor-blurred { text-style: underline; }
    ConversationList > .conversation-list--unread { text-style: bold; }
    ConversationList > .conversation-list--dim { color: $text-muted; }
    ConversationList > .conversation-list--breached { color: $error; text-style: bold; }
    ConversationList > .conversation-list--at-risk { color: $warning; text-style: bold; }
    ConversationList > .conversation-list--paused { color: $text-muted; }
    ConversationList > .conversation-list--urgent { color: $error; text-style: bold; }
    ConversationList > .conversation-list--high { color: $warning; }
    ConversationList > .conversation-list--tags { color: $secondary; }
    ConversationList > .conversation-list--loading { color: $text-muted; }
    ConversationList > .conversation-list--red-flag { color: $error; text-style: bold reverse; }
    ConversationList > .conversation-list--marked { color: $accent; text-style: bold; }
    ConversationList > .conversation-list--header { color: $text-muted; text-style: bold; }
    ConversationList > .conversation-list--held { text-style: dim; }
    """

    class WindowWanted(Message):
        """Rows [offset, offset + limit) of the current query are needed on screen."""

        def __init__(self, generation: int, offset: int, limit: int) -> None:
            super().__init__()
            self.generation = generation
            self.offset = offset
            self.limit = limit

    class MarkAllWanted(Message):
        """`*`: mark every match of the view's query (the app knows the query)."""

    class EndWanted(Message):
        """`G`: the last row is wanted. The app knows whether the list's count is the
        true one or stopped at its cap ("10,000+"), and counts to the end first then."""

        def __init__(self, generation: int) -> None:
            super().__init__()
            self.generation = generation

    class HeldWanted(Message):
        """Held rows may have left the view: their fresh state is wanted by id."""

        def __init__(self, generation: int, ids: frozenset[int]) -> None:
            super().__init__()
            self.generation = generation
            self.ids = ids

    class OpenRequested(Message):
        def __init__(self, summary: ConversationSummary) -> None:
            super().__init__()
            self.summary = summary

    def __init__(self, *, clock: Callable[[], datetime], sla_cell: SlaCell, glyphs: Glyphs,
                 me: str, id: str | None = None) -> None:
        super().__init__(id=id)
        self._clock = clock
        self._sla_cell = sla_cell
        self._glyphs = glyphs
        self._me = me
        self._staff: tuple[tuple[str, str], ...] = ()
        self._names: dict[int, Mapping[str, str]] = {}  # Who column width -> labels
        self.generation = 0
        self.total = 0
        self.loaded = False  # a first page of this generation has arrived
        self.cursor = 0
        self._selected_id: int | None = None
        self._rows: dict[int, ConversationSummary] = {}
        self._stale = False
        self._strips: LRUCache[tuple[object, ...], Strip] = LRUCache(1024)
        self._drawn: dict[int, tuple[str, str, str]] = {}
        self._ids = 4  # cells for "#id": grows with the largest id held
        self.marks = Marks()
        self._held: frozenset[int] = frozenset()
        self._hold_timer: Timer | None = None
        self._held_style = Style(dim=True)
        self._header: Strip | None = None
        self._base = Style()
        self._looks: tuple[object, ...] = ()
        self._styles_checked = False
        self._wanted: tuple[int, int, int] | None = None
        self._styles: RowStyles | None = None
        self._cursor_style = Style(reverse=True)
        self._blurred_style = Style(underline=True)
        self._cols: Columns | None = None
        self._locked = False
        self._presence: dict[int, str] = {}
        self._counting = False

    # -- state from the app ------------------------------------------------------------

    @property
    def selected(self) -> ConversationSummary | None:
        return self._rows.get(self.cursor)

    @property
    def selected_id(self) -> int | None:
        return self._selected_id

    def set_presence(self, markers: dict[int, str]) -> None:
        """Colleagues' markers by conversation id; redraws only when they changed."""
        if markers != self._presence:
            self._presence = dict(markers)
            self.refresh()

    def reset(self, generation: int, *, fetch: bool = True) -> None:
        """A new query: forget every row and start again at the top.

        `fetch=False` when the caller already holds the first page (a tried search).
        """
        self.generation = generation
        self.total = 0
        self.loaded = False
        self.cursor = 0
        self._selected_id = None
        self._drop_hold()
        self.set_counting(False)
        if self.marks:  # marks are for rows seen in this view: none act unseen elsewhere
            self.marks.clear()
            self._header = None
        self._rows.clear()
        self._drawn.clear()
        self._wanted = None
        self._stale = False
        self.virtual_size = Size(self.size.width, 1)
        self.scroll_to(y=0, animate=False)
        self.refresh()
        if fetch:
            self._request_window(force=True)

    def mark_stale(self) -> None:
        """Something changed on the server: keep showing what we have, fetch it again."""
        self._stale = True
        self._request_window(force=True)

    def set_locked(self, locked: bool) -> None:
        """While locked the list draws nothing at all (no patient names under the lock)."""
        self._locked = locked
        self._strips.clear()
        self.refresh()

    @property
    def rows_high(self) -> int:
        """Rows on screen: the widget's height less the header line."""
        return max(self.size.height - 1, 1)

    def window(self) -> tuple[int, int]:
        """(offset, limit) of the rows worth holding for the current viewport."""
        top = int(self.scroll_offset.y)
        height = self.rows_high
        start = max(0, top - WINDOW_MARGIN)
        start -= start % 50
        end = top + height + WINDOW_MARGIN
        return start, min(1000, end - start)

    def apply_page(self, generation: int, page: Page) -> bool:
        """Take fetched rows; False when they belong to an older query (dropped).

        Only the lines whose row really changed are redrawn: a live update that touches
        one conversation repaints one line, not the screen.
        """
        if generation != self.generation:
            return False
        if self._held:
            self._update_in_place(page.items)
            self._stale = True  # settle (re-fetch) once the cursor moves
            self.loaded = True
            self._wanted = None
            self.post_message(self.HeldWanted(self.generation, self._held))
            return True
        before_id = self._selected_id
        before_screen_y = self.cursor - int(self.scroll_offset.y)
        before_cursor = self.cursor
        before_top = int(self.scroll_offset.y)
        old_rows = self._rows
        old_total = self.total
        if self._stale or page.total != self.total:
            # Rows may have shifted: everything outside this fresh window is suspect.
            self._rows = {}
            self._stale = False
        else:
            self._rows = dict(old_rows)
        for index, summary in enumerate(page.items, start=page.offset):
            self._rows[index] = summary
        self._trim_cache(page.offset, page.offset + len(page.items))
        self.total = page.total
        self.loaded = True
        self._wanted = None
        ids = id_width(max((s.id for s in page.items), default=0))
        if ids > self._ids:
            self._ids = ids
            self._cols = None
            self._header = None
        self._follow_selection(before_id, before_screen_y)
        if (self.total != old_total or self._cols is None or self.cursor != before_cursor
                or int(self.scroll_offset.y) != before_top):
            self.virtual_size = Size(self.size.width, self.total + 1)
            self.refresh()
        else:
            top = before_top
            for row in range(top, min(self.total, top + self.rows_high)):
                if old_rows.get(row) != self._rows.get(row):
                    self._refresh_row(row)
        self._request_window()
        return True

    def _update_in_place(self, items: tuple[ConversationSummary, ...]) -> None:
        fresh = {s.id: s for s in items}
        for index, summary in list(self._rows.items()):
            new = fresh.get(summary.id)
            if new is not None and new != summary:
                self._rows[index] = new
                self._refresh_row(index)

    def update_held(self, generation: int, items: tuple[ConversationSummary, ...]) -> None:
        """Fresh states of held rows fetched by id (they may no longer match the view)."""
        if generation == self.generation and self._held:
            self._update_in_place(items)

    def hold(self, ids: set[int] | frozenset[int]) -> None:
        """Keep these rows (and so every row) where they are until the cursor moves.

        At the latest after HOLD_MAX_S without a key, the list settles anyway: a frozen
        list must not keep new mail (a chest pain) off the screen of a desk left alone.
        """
        held = frozenset(i for i in ids if self.row_of(i) is not None)
        if held:
            self._held = self._held | held
            for conv_id in held:
                row = self.row_of(conv_id)
                if row is not None:
                    self._refresh_row(row)
            if self._hold_timer is not None:
                self._hold_timer.stop()
            self._hold_timer = self.set_timer(HOLD_MAX_S, self._release)

    @property
    def held(self) -> frozenset[int]:
        return self._held

    def _release(self) -> None:
        """The cursor moved: let the list settle around the row now selected."""
        held = self._held
        self._drop_hold()
        if not held:
            return
        for conv_id in held:
            row = self.row_of(conv_id)
            if row is not None:
                self._refresh_row(row)
        self.mark_stale()

    def _drop_hold(self) -> None:
        if self._hold_timer is not None:
            self._hold_timer.stop()
            self._hold_timer = None
        self._held = frozenset()

    def _follow_selection(self, before_id: int | None, before_screen_y: int) -> None:
        """Keep the same conversation selected when rows move under it (live updates)."""
        if before_id is not None:
            for index, summary in self._rows.items():
                if summary.id == before_id:
                    if index != self.cursor:
                        self.cursor = index
                        if int(self.scroll_offset.y) > 0:
                            self.scroll_to(y=max(0, index - before_screen_y), animate=False)
                    break
        if self.total == 0:
            self.cursor = 0
        elif self.cursor >= self.total:
            self.cursor = self.total - 1
        current = self._rows.get(self.cursor)
        if current is not None:
            self._selected_id = current.id
        self._scroll_cursor_into_view()

    def _trim_cache(self, start: int, end: int) -> None:
        if len(self._rows) <= MAX_CACHED_ROWS:
            return
        keep_from, keep_to = start - MAX_CACHED_ROWS // 3, end + MAX_CACHED_ROWS // 3
        self._rows = {i: s for i, s in self._rows.items() if keep_from <= i < keep_to}

    def loaded_summaries(self) -> list[ConversationSummary]:
        """The rows held right now, in list order (a window, never the whole view)."""
        return [self._rows[index] for index in sorted(self._rows)]

    def summary_for(self, conv_id: int) -> ConversationSummary | None:
        return next((s for s in self._rows.values() if s.id == conv_id), None)

    def row_of(self, conv_id: int) -> int | None:
        return next((i for i, s in self._rows.items() if s.id == conv_id), None)

    # -- fetching ------------------------------------------------------------------------

    def _request_window(self, force: bool = False) -> None:
        offset, limit = self.window()
        if not force and self.loaded:
            top = int(self.scroll_offset.y)
            last = min(self.total, top + self.rows_high)
            if all(i in self._rows for i in range(top, last)):
                return
        wanted = (self.generation, offset, limit)
        if wanted == self._wanted and not force:
            return
        self._wanted = wanted
        self.post_message(self.WindowWanted(self.generation, offset, limit))

    def watch_scroll_y(self, old_value: float, new_value: float) -> None:
        super().watch_scroll_y(old_value, new_value)
        if round(old_value) != round(new_value):
            self._request_window()

    def on_resize(self, event: events.Resize) -> None:
        self._cols = None
        self._header = None
        self.virtual_size = Size(event.size.width, self.total + 1)
        self._request_window()

    def on_focus(self, event: events.Focus) -> None:
        self._refresh_row(self.cursor)

    def on_blur(self, event: events.Blur) -> None:
        self._refresh_row(self.cursor)

    def watch_has_focus(self, _has_focus: bool) -> None:
        """Focus shows only in the cursor row, which `render_line` draws itself (cursor or
        cursor-blurred); no rule styles the list by `:focus`. Textual would run the list
        and its fifteen row styles through the stylesheet again on every focus change (a
        search closing, a dialog, Enter and Escape), which was a fifth of the time from
        a query's rows arriving to their repaint; tests/test_tui_focus_styles.py keeps
        the premise true."""

    def notify_style_update(self) -> None:
        """Textual restyles the whole tree on every focus change (the search field closing,
        a dialog), and that almost never changes how rows look: the styles are read again,
        and the rendered rows kept unless they did change."""
        super().notify_style_update()
        self._styles_checked = False

    def _refresh_row(self, row: int) -> None:
        self.refresh_lines(row + 1)

    # -- drawing ---------------------------------------------------------------------------

    def _row_styles(self) -> RowStyles:
        if self._styles is None or not self._styles_checked:
            def style(name: str) -> Style:
                return self.get_component_rich_style(f"conversation-list--{name}", partial=True)

            looks = (RowStyles(
                base=Style(), unread=style("unread"), dim=style("dim"),
                breached=style("breached"), at_risk=style("at-risk"), paused=style("paused"),
                urgent=style("urgent"), high=style("high"), tags=style("tags"),
                loading=style("loading"), red_flag=style("red-flag"), marked=style("marked"),
                header=style("header")), style("cursor"), style("cursor-blurred"),
                style("held"), self.rich_style)
            if looks != self._looks:
                self._looks = looks
                self._styles, self._cursor_style, self._blurred_style, self._held_style, \
                    self._base = looks
                self._header = None
                self._strips.clear()
            self._styles_checked = True
        assert self._styles is not None
        return self._styles

    def _columns(self) -> Columns:
        width = self.scrollable_content_region.width
        if self._cols is None or self._cols.width != width:
            self._cols = columns_for(width, self._ids)
        return self._cols

    def render_line(self, y: int) -> Strip:
        width = self.scrollable_content_region.width
        styles = self._row_styles()
        base = self._base
        if self._locked:
            return Strip.blank(width, base)
        if y == 0:
            return self._header_strip(width, base)
        row = int(self.scroll_offset.y) + y - 1
        if row >= self.total:
            if row == 0 and self.loaded:
                return Strip([Segment("  No conversations here.", styles.loading)],
                             ).adjust_cell_length(width).apply_style(base)
            return Strip.blank(width, base)
        summary = self._rows.get(row)
        cols = self._columns()
        if summary is None:
            return Strip(loading_row(cols, styles, self._glyphs), width).apply_style(base)
        times = time_cells(summary, self._clock(), self._sla_cell)
        self._drawn[row] = times
        is_cursor = row == self.cursor
        focused = self.has_focus
        marker = self._presence.get(summary.id, "")
        marked = self.marks.is_marked(summary.id)
        held = summary.id in self._held
        # Keyed by everything the row shows, not by its position: rows that only moved
        # (new mail on top) are drawn from the cache, and so are rows seen again when the
        # width flips back (a short result needs no scrollbar, a long one does).
        key = (summary, is_cursor and (focused or 2), times, marker, marked, held,
               cols.width, cols.id)
        strip = self._strips.get(key)
        if strip is None:
            segments = render_row(summary, cols, styles, self._glyphs, times, self._me, marker,
                                  marked, self._who_names(cols.assignee))
            if held:
                segments = list(Segment.apply_style(segments, post_style=self._held_style))
            if is_cursor:
                cursor_style = self._cursor_style if focused else self._blurred_style
                segments = list(Segment.apply_style(segments, post_style=cursor_style))
            strip = Strip(segments).adjust_cell_length(width).apply_style(base)
            self._strips[key] = strip
        return strip

    def _header_strip(self, width: int, base: Style) -> Strip:
        if self._header is None or self._header.cell_length != width:
            segments = header_row(self._columns(), self._row_styles(), self._glyphs,
                                  self.marks.count, self._counting)
            self._header = Strip(segments).adjust_cell_length(width).apply_style(base)
        return self._header

    def tick(self) -> int:
        """Redraw the time cells that changed since they were drawn; returns how many."""
        if self._locked or not self.loaded:
            return 0
        now = self._clock()
        top = int(self.scroll_offset.y)
        cols = self._columns()
        changed = 0
        for row in range(top, min(self.total, top + self.rows_high)):
            summary = self._rows.get(row)
            drawn = self._drawn.get(row)
            if summary is None or drawn is None:
                continue
            times = time_cells(summary, now, self._sla_cell)
            if times == drawn:
                continue
            screen_y = row - top + 1
            sla_moved = times[:2] != drawn[:2]
            age_moved = bool(cols.age) and times[2] != drawn[2]
            if sla_moved and age_moved:
                x, width = cols.clock_cells
                changed += 2
            elif sla_moved:
                x, width = cols.sla_x, cols.sla
                changed += 1
            elif age_moved:
                x, width = cols.age_x, cols.age
                changed += 1
            else:  # only the age moved, and this width has no age column
                self._drawn[row] = times
                continue
            self.refresh(Region(x, screen_y, width, 1))
        return changed

    # -- marks -----------------------------------------------------------------------------

    def _marks_changed(self) -> None:
        self._header = None
        self.refresh_lines(0)

    def action_toggle_mark(self) -> None:
        """Mark or unmark the row under the cursor, then step down (as mutt's tag does)."""
        summary = self.selected
        if summary is None:
            return
        self.marks.toggle(summary.id)
        self._refresh_row(self.cursor)
        self._marks_changed()
        self.move_to(self.cursor + 1)

    def action_mark_all(self) -> None:
        self.post_message(self.MarkAllWanted())

    def mark_all(self, query: str, total: int | None = None) -> None:
        """Mark every match of `query`: `total` of them (the list's own count when it
        is exact; the app asks for the exact one when the list's count stopped short)."""
        self.marks.mark_all(query, self.total if total is None else total)
        self._marks_changed()
        self.refresh()

    def action_clear_marks(self) -> None:
        self.clear_marks()

    def clear_marks(self) -> None:
        if self.marks:
            self.marks.clear()
            self._marks_changed()
            self.refresh()

    # -- moving ----------------------------------------------------------------------------

    def move_to(self, index: int) -> None:
        if self.total == 0:
            return
        index = max(0, min(self.total - 1, index))
        old = self.cursor
        self.cursor = index
        summary = self._rows.get(index)
        self._selected_id = summary.id if summary else None
        if old != index:
            self._refresh_row(old)
            self._refresh_row(index)
            self._release()
        self._scroll_cursor_into_view()

    def _scroll_cursor_into_view(self) -> None:
        top = int(self.scroll_offset.y)
        height = self.rows_high
        if self.cursor < top:
            self.scroll_to(y=self.cursor, animate=False)
        elif self.cursor >= top + height:
            self.scroll_to(y=self.cursor - height + 1, animate=False)

    def action_cursor_down(self) -> None:
        self.move_to(self.cursor + 1)

    def action_cursor_up(self) -> None:
        self.move_to(self.cursor - 1)

    def set_staff(self, staff: tuple[tuple[str, str], ...]) -> None:
        """The roster as (login, name): the Who column labels colleagues from it."""
        if staff != self._staff:
            self._staff = staff
            self._names.clear()
            self._strips.clear()
            self.refresh()

    def _who_names(self, width: int) -> Mapping[str, str]:
        names = self._names.get(width)
        if names is None:
            names = self._names[width] = short_names(self._staff, width, self._me)
        return names

    def action_cursor_top(self) -> None:
        self.move_to(0)

    def action_cursor_bottom(self) -> None:
        self.post_message(self.EndWanted(self.generation))

    def set_counting(self, counting: bool) -> None:
        """Say in the header that the matches are being counted to the end (`G` past a
        capped count): the keys keep working meanwhile, and the count can take a while."""
        if counting != self._counting:
            self._counting = counting
            self._header = None
            self.refresh_lines(0)

    def move_to_end(self, generation: int, total: int | None = None) -> None:
        """Go to the last row; `total` is the exact number of rows when the app had to
        count it (the list's own count stopped at its cap). The rows there are fetched
        as for any scroll."""
        if generation != self.generation:
            return
        if total is not None and total != self.total:
            self.total = total
            self._stale = True  # every row held was placed under the old count
            self.virtual_size = Size(self.size.width, total + 1)
            self.refresh()
        self.move_to(self.total - 1)

    def action_page_down(self) -> None:
        self.move_to(self.cursor + max(1, self.rows_high - 1))

    def action_page_up(self) -> None:
        self.move_to(self.cursor - max(1, self.rows_high - 1))

    def action_open(self) -> None:
        summary = self.selected
        if summary is not None:
            self.post_message(self.OpenRequested(summary))

    def on_click(self, event: events.Click) -> None:
        if event.y < 1:  # the header
            return
        self.move_to(int(self.scroll_offset.y) + event.y - 1)
        if event.chain >= 2:
            self.action_open()
