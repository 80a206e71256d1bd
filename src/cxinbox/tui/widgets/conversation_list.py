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
"""

from __future__ import annotations

from collections.abc import Callable
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

from cxinbox.api.types import ConversationSummary, Page
from cxinbox.tui import actions
from cxinbox.tui.ascii import Glyphs
from cxinbox.tui.rows import (
    AGE_WIDTH,
    SLA_WIDTH,
    Columns,
    RowStyles,
    SlaCell,
    columns_for,
    loading_row,
    render_row,
    time_cells,
)

WINDOW_MARGIN = 60  # rows fetched beyond each edge of the viewport
MAX_CACHED_ROWS = 3000


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
    """

    class WindowWanted(Message):
        """Rows [offset, offset + limit) of the current query are needed on screen."""

        def __init__(self, generation: int, offset: int, limit: int) -> None:
            super().__init__()
            self.generation = generation
            self.offset = offset
            self.limit = limit

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
        self.generation = 0
        self.total = 0
        self.loaded = False  # a first page of this generation has arrived
        self.cursor = 0
        self._selected_id: int | None = None
        self._rows: dict[int, ConversationSummary] = {}
        self._stale = False
        self._strips: LRUCache[tuple[object, ...], Strip] = LRUCache(1024)
        self._drawn: dict[int, tuple[str, str, str]] = {}
        self._wanted: tuple[int, int, int] | None = None
        self._styles: RowStyles | None = None
        self._cursor_style = Style(reverse=True)
        self._blurred_style = Style(underline=True)
        self._cols: Columns | None = None
        self._locked = False
        self._presence: dict[int, str] = {}

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
        self._rows.clear()
        self._drawn.clear()
        self._strips.clear()
        self._wanted = None
        self._stale = False
        self.virtual_size = Size(self.size.width, 0)
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

    def window(self) -> tuple[int, int]:
        """(offset, limit) of the rows worth holding for the current viewport."""
        top = int(self.scroll_offset.y)
        height = max(self.size.height, 1)
        start = max(0, top - WINDOW_MARGIN)
        start -= start % 50
        end = top + height + WINDOW_MARGIN
        return start, min(1000, end - start)

    def apply_page(self, generation: int, page: Page) -> bool:
        """Take fetched rows; False when they belong to an older query (dropped)."""
        if generation != self.generation:
            return False
        before_id = self._selected_id
        before_screen_y = self.cursor - int(self.scroll_offset.y)
        if self._stale or page.total != self.total:
            # Rows may have shifted: everything outside this fresh window is suspect.
            self._rows = {}
            self._stale = False
        for index, summary in enumerate(page.items, start=page.offset):
            self._rows[index] = summary
        self._trim_cache(page.offset, page.offset + len(page.items))
        self.total = page.total
        self.loaded = True
        self._strips.clear()
        self.virtual_size = Size(self.size.width, self.total)
        self._wanted = None
        self._follow_selection(before_id, before_screen_y)
        self.refresh()
        self._request_window()
        return True

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
            last = min(self.total, top + max(self.size.height, 1))
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
        self._strips.clear()
        self.virtual_size = Size(event.size.width, self.total)
        self._request_window()

    def on_focus(self, event: events.Focus) -> None:
        self.refresh_lines(self.cursor)

    def on_blur(self, event: events.Blur) -> None:
        self.refresh_lines(self.cursor)

    def notify_style_update(self) -> None:
        super().notify_style_update()
        self._styles = None
        self._strips.clear()

    # -- drawing ---------------------------------------------------------------------------

    def _row_styles(self) -> RowStyles:
        if self._styles is None:
            def style(name: str) -> Style:
                return self.get_component_rich_style(f"conversation-list--{name}", partial=True)

            self._cursor_style = style("cursor")
            self._blurred_style = style("cursor-blurred")
            self._styles = RowStyles(
                base=Style(), unread=style("unread"), dim=style("dim"),
                breached=style("breached"), at_risk=style("at-risk"), paused=style("paused"),
                urgent=style("urgent"), high=style("high"), tags=style("tags"),
                loading=style("loading"))
        return self._styles

    def _columns(self) -> Columns:
        width = self.scrollable_content_region.width
        if self._cols is None or self._cols.width != width:
            self._cols = columns_for(width)
        return self._cols

    def render_line(self, y: int) -> Strip:
        row = int(self.scroll_offset.y) + y
        width = self.scrollable_content_region.width
        base = self.rich_style
        if self._locked:
            return Strip.blank(width, base)
        if row >= self.total:
            if row == 0 and self.loaded:
                return Strip([Segment("  No conversations here.", self._row_styles().loading)],
                             ).adjust_cell_length(width).apply_style(base)
            return Strip.blank(width, base)
        summary = self._rows.get(row)
        cols = self._columns()
        styles = self._row_styles()
        if summary is None:
            return Strip(loading_row(cols, styles, self._glyphs), width).apply_style(base)
        times = time_cells(summary, self._clock(), self._sla_cell)
        self._drawn[row] = times
        is_cursor = row == self.cursor
        focused = self.has_focus
        marker = self._presence.get(summary.id, "")
        key = (row, summary, width, is_cursor, focused, times, marker)
        strip = self._strips.get(key)
        if strip is None:
            segments = render_row(summary, cols, styles, self._glyphs, times, self._me, marker)
            if is_cursor:
                cursor_style = self._cursor_style if focused else self._blurred_style
                segments = list(Segment.apply_style(segments, post_style=cursor_style))
            strip = Strip(segments).adjust_cell_length(width).apply_style(base)
            self._strips[key] = strip
        return strip

    def tick(self) -> int:
        """Redraw the time cells that changed since they were drawn; returns how many."""
        if self._locked or not self.loaded:
            return 0
        now = self._clock()
        top = int(self.scroll_offset.y)
        cols = self._columns()
        changed = 0
        for row in range(top, min(self.total, top + self.size.height)):
            summary = self._rows.get(row)
            drawn = self._drawn.get(row)
            if summary is None or drawn is None:
                continue
            times = time_cells(summary, now, self._sla_cell)
            if times == drawn:
                continue
            screen_y = row - top
            if times[:2] != drawn[:2] and times[2] != drawn[2]:
                x, width = cols.clock_cells
                changed += 2
            elif times[:2] != drawn[:2]:
                x, width = cols.sla_x, SLA_WIDTH
                changed += 1
            else:
                x, width = cols.age_x, AGE_WIDTH
                changed += 1
            self.refresh(Region(x, screen_y, width, 1))
        return changed

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
            self.refresh_lines(old)
            self.refresh_lines(index)
        self._scroll_cursor_into_view()

    def _scroll_cursor_into_view(self) -> None:
        top = int(self.scroll_offset.y)
        height = max(self.size.height, 1)
        if self.cursor < top:
            self.scroll_to(y=self.cursor, animate=False)
        elif self.cursor >= top + height:
            self.scroll_to(y=self.cursor - height + 1, animate=False)

    def action_cursor_down(self) -> None:
        self.move_to(self.cursor + 1)

    def action_cursor_up(self) -> None:
        self.move_to(self.cursor - 1)

    def action_cursor_top(self) -> None:
        self.move_to(0)

    def action_cursor_bottom(self) -> None:
        self.move_to(self.total - 1)

    def action_page_down(self) -> None:
        self.move_to(self.cursor + max(1, self.size.height - 1))

    def action_page_up(self) -> None:
        self.move_to(self.cursor - max(1, self.size.height - 1))

    def action_open(self) -> None:
        summary = self.selected
        if summary is not None:
            self.post_message(self.OpenRequested(summary))

    def on_click(self, event: events.Click) -> None:
        self.move_to(int(self.scroll_offset.y) + event.y)
        if event.chain >= 2:
            self.action_open()
