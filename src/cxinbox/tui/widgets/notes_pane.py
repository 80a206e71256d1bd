"""Internal notes of the open conversation: staff-only, and unmistakably so.

A note must never be mistaken for patient mail (or, later, sent as a reply), and colour
alone does not survive a monochrome thin client, so every note carries a "NOTE" label and
the pane its own title. @mentions are emphasised so a colleague spots their name.
"""

from __future__ import annotations

import re
from datetime import datetime, tzinfo

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.widgets import Static

from cxinbox.contract.types import NoteView
from cxinbox.tui.ascii import Glyphs
from cxinbox.tui.timefmt import clinic_datetime

_MENTION = re.compile(r"@[A-Za-z0-9._-]+")


def note_text(note: NoteView, *, tz: tzinfo, now: datetime, glyphs: Glyphs) -> Text:
    text = Text()
    text.append(f" {glyphs.note} ", style="bold reverse")
    text.append(f" {note.author}", style="bold")
    text.append(f"  {clinic_datetime(note.created_at, tz, now)}\n", style="dim")
    body = Text(note.body.rstrip())
    for match in _MENTION.finditer(note.body):
        body.stylize("bold underline", match.start(), match.end())
    text.append_text(body)
    return text


class NotesPane(VerticalScroll):
    DEFAULT_CSS = """
    NotesPane {
        border: round $warning;
        border-title-color: $warning;
        padding: 0 1;
    }
    NotesPane > .note { margin: 0 0 1 0; }
    NotesPane > #notes-empty { color: $text-muted; }
    """

    def __init__(self, *, tz: tzinfo, glyphs: Glyphs, id: str | None = None) -> None:
        super().__init__(id=id)
        self._tz = tz
        self._glyphs = glyphs
        self.border_title = "Internal notes - staff only"
        self._notes: list[Static] = []

    async def show(self, notes: tuple[NoteView, ...], now: datetime) -> None:
        """Show `notes`, reusing note widgets from the previous conversation."""
        self._ensure_empty().display = not notes
        for widget, note in zip(self._notes, notes, strict=False):
            widget.update(note_text(note, tz=self._tz, now=now, glyphs=self._glyphs))
            widget.display = True
        for widget in self._notes[len(notes):]:
            widget.display = False
        extra = [Static(note_text(n, tz=self._tz, now=now, glyphs=self._glyphs),
                        classes="note", markup=False) for n in notes[len(self._notes):]]
        if extra:
            await self.mount_all(extra)
            self._notes.extend(extra)
        self.scroll_end(animate=False)

    def _ensure_empty(self) -> Static:
        return self.query_one("#notes-empty", Static)

    def compose(self) -> ComposeResult:
        yield Static(Text("No notes yet. Press n to add one."), id="notes-empty", markup=False)

    async def clear(self) -> None:
        for widget in self._notes:
            widget.display = False
        self._ensure_empty().display = True
