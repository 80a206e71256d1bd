"""The knowledge base: a search field, the matching articles, and the one highlighted.

Two uses, one screen. `K` from the inbox browses it (read, nothing to insert). The
composer opens it to insert: the search field has the keys at once, every keystroke
searches again (a word is a prefix), the best match is highlighted, and Enter inserts it,
so "pa" Enter puts the parking article into the reply. Ctrl+O inserts only its link (for a
text message). A staff-only article is listed and readable, marked "[staff-only]" in
words (never by colour alone), and Enter on it says it cannot go to a patient and stays.

Enter may come before the answer to the last keystroke: the screen then waits for the
search of what is typed and takes its first match, never the match of an older text.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import Any, ClassVar

from rich.text import Text
from textual import events, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Input, OptionList, Static
from textual.widgets.option_list import Option

from cxinbox.domain.kb import plain_text
from cxinbox.tui.messages import error_line

STAFF_MARK = "[staff-only]"
BROWSE_KEYS = "Type to search  Up/Down Move  Tab Read  Esc Close"
INSERT_KEYS = "Type to search  Enter Insert  ^O Link only  Tab Read  Esc Cancel"


@dataclass(frozen=True, slots=True)
class KbPick:
    """What the insert mode closed with: the article and whether only its link is wanted."""

    slug: str
    link_only: bool = False


class KbScreen(ModalScreen[KbPick | None]):
    """Browse (`insert=False`) or pick an article to insert (`insert=True`)."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "close", "Close", priority=True),
        Binding("ctrl+o", "insert_link", "Link", priority=True),
        Binding("tab", "toggle_focus", "Read", priority=True),
    ]
    DEFAULT_CSS = """
    KbScreen { align: center middle; }
    KbScreen > Vertical { width: 100%; height: 100%; background: $surface; }
    KbScreen #kb-title { height: 1; background: $primary; color: $text; padding: 0 1; }
    KbScreen #kb-search { height: 1; border: none; padding: 0 1; }
    KbScreen #kb-panes { height: 1fr; }
    KbScreen #kb-list { width: 34; height: 100%; border: none; border-right: solid $primary; }
    KbScreen #kb-reading { width: 1fr; height: 100%; padding: 0 1; }
    KbScreen #kb-reading:focus { background: $boost; }
    KbScreen #kb-status { height: 1; color: $text-muted; padding: 0 1; }
    KbScreen #kb-keys { height: 1; background: $panel; padding: 0 1; }
    """

    def __init__(self, api: Any, *, insert: bool = False, blink: bool = True,
                 separator: str = " · ") -> None:
        super().__init__()
        self._api = api
        self._insert = insert
        self._blink = blink
        self._sep = separator
        self._hits: list[Any] = []
        self._hits_for: str | None = None
        """The search text `_hits` answer (None before the first answer)."""
        self._articles: dict[str, Any] = {}
        self._shown: str | None = None

    def compose(self) -> ComposeResult:
        with Vertical():
            title = "Insert from the knowledge base" if self._insert else "Knowledge base"
            yield Static(Text(title), id="kb-title", markup=False)
            yield Input(placeholder="search: parking, hours, fasting ...", id="kb-search",
                        select_on_focus=False)
            with Horizontal(id="kb-panes"):
                yield OptionList(id="kb-list")
                with VerticalScroll(id="kb-reading"):
                    yield Static("", id="kb-article", markup=False)
            yield Static("", id="kb-status", markup=False)
            yield Static(Text(INSERT_KEYS if self._insert else BROWSE_KEYS), id="kb-keys",
                         markup=False)

    def on_mount(self) -> None:
        field = self.query_one(Input)
        field.cursor_blink = self._blink
        field.focus()
        self._search("")

    # -- searching -------------------------------------------------------------------------

    def on_input_changed(self, event: Input.Changed) -> None:
        event.stop()
        self._search(event.value)

    @work(exclusive=True, group="kb-search", exit_on_error=False)
    async def _search(self, text: str) -> None:
        await self._run_search(text)

    async def _run_search(self, text: str) -> None:
        try:
            hits = await self._api.kb_search(text, 50)
        except Exception as exc:  # noqa: BLE001 - a bad search is one line, the screen stays
            self._status(error_line(exc))
            return
        self._show_hits(text, list(hits))

    def _show_hits(self, text: str, hits: list[Any]) -> None:
        self._hits, self._hits_for = hits, text
        listing = self.query_one(OptionList)
        listing.clear_options()
        listing.add_options([self._option(h) for h in hits])
        if hits:
            listing.highlighted = 0
            self._status(f"{len(hits)} article{'s' if len(hits) != 1 else ''}")
        else:
            self._status("No article matches." if text.strip() else "No articles yet.")
            self._show_article(None)

    def _option(self, hit: Any) -> Option:
        label = Text(no_wrap=True, overflow="ellipsis")
        label.append(hit.title, style="bold")
        if not hit.insertable:
            label.append(f" {STAFF_MARK}")
        snippet = Text(no_wrap=True, overflow="ellipsis", style="dim")
        for piece, matched in hit.snippet:
            snippet.append(piece, style="bold" if matched else "")
        return Option(Text("\n").join([label, snippet]), id=hit.slug)

    # -- reading ---------------------------------------------------------------------------

    def on_option_list_option_highlighted(self, event: OptionList.OptionHighlighted) -> None:
        event.stop()
        if event.option.id:
            self._load(event.option.id)

    @work(exclusive=True, group="kb-read", exit_on_error=False)
    async def _load(self, slug: str) -> None:
        article = self._articles.get(slug)
        if article is None:
            try:
                article = await self._api.kb_show(slug)
            except Exception as exc:  # noqa: BLE001
                self._status(error_line(exc))
                return
            self._articles[slug] = article
        self._show_article(article)

    def _show_article(self, article: Any) -> None:
        pane = self.query_one("#kb-article", Static)
        if article is None:
            self._shown = None
            pane.update("")
            return
        self._shown = article.slug
        text = Text()
        text.append(article.title + "\n", style="bold")
        who = STAFF_MARK + " not for patients" if not article.insertable else "patient-facing"
        text.append(f"{article.slug}{self._sep}{who}{self._sep}revision"
                    f" {article.revision}\n", style="dim" if article.insertable else "bold")
        if article.tags:
            text.append("tags: " + ", ".join(article.tags) + "\n", style="dim")
        if article.link:
            text.append("link: " + article.link + "\n", style="dim")
        text.append("\n")
        for line in plain_text(article.body).split("\n"):
            text.append(line + "\n")
        pane.update(text)

    # -- keys ------------------------------------------------------------------------------

    def on_key(self, event: events.Key) -> None:
        if event.key in ("down", "up") and isinstance(self.focused, Input):
            event.stop()
            listing = self.query_one(OptionList)
            listing.action_cursor_down() if event.key == "down" else listing.action_cursor_up()

    def action_toggle_focus(self) -> None:
        reading = self.query_one("#kb-reading", VerticalScroll)
        if self.focused is reading:
            self.query_one(Input).focus()
        else:
            reading.focus()

    async def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        await self._choose(link_only=False)

    async def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        await self._choose(link_only=False)

    async def action_insert_link(self) -> None:
        await self._choose(link_only=True)

    async def _choose(self, *, link_only: bool) -> None:
        if not self._insert:
            self.query_one("#kb-reading", VerticalScroll).focus()
            return
        text = self.query_one(Input).value
        if self._hits_for != text:  # Enter overtook the search of the last keystroke
            self.workers.cancel_group(self, "kb-search")
            await asyncio.shield(self._run_search(text))
        hit = self._highlighted()
        if hit is None:
            self.notify("Nothing to insert: no article matches.", severity="warning",
                        markup=False)
            return
        if not hit.insertable:
            self.notify(f"{hit.title} is staff-only: it cannot go into a reply to a patient.",
                        severity="error", markup=False)
            return
        if link_only and not hit.link:
            self.notify(f"{hit.title} has no link; Enter inserts its text.",
                        severity="warning", markup=False)
            return
        self.dismiss(KbPick(hit.slug, link_only))

    def _highlighted(self) -> Any:
        listing = self.query_one(OptionList)
        index = listing.highlighted
        if index is None or not 0 <= index < len(self._hits):
            return None
        return self._hits[index]

    def action_close(self) -> None:
        self.dismiss(None)

    def _status(self, text: str) -> None:
        self.query_one("#kb-status", Static).update(Text(text))
