"""Pick from a list by typing part of a name, and a one-line prompt that completes words.

One module for the three places the desk names something that already exists: the
assignee (a colleague), a tag, and an @mention in a note. Each started as free text, and
free text at a busy desk means a typo becomes a new tag or a mention nobody receives.

- `PickerScreen`: a filter field over a list; typing narrows it (substring on every name
  an item answers to), arrows move, Enter picks the highlighted item, Escape cancels.
  The first item is highlighted at once, so "open, Enter" is the quick path (for the
  assignee: "a", Enter assigns to me) even before a slow server has sent the rest.
- `CompletingPrompt`: a prompt whose word under the cursor is completed from a list
  (Tab takes the highlighted suggestion, a first Escape only hides the list), and whose answer may be *reviewed* before it
  is accepted: a review that finds something odd ("new tag 'lab-reslts'?") shows it and
  keeps the text for fixing; Enter again on the same text confirms it as it is.

Keyboard only; no mouse is needed for anything here, and nothing here draws a glyph the
ASCII line filter could not fold.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import ClassVar

from rich.text import Text
from textual import events
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, OptionList, Static
from textual.widgets.option_list import Option

from cxinbox.tui.screens.prompt import take_early_key

MAX_SHOWN = 50
"""Options drawn at once; typing narrows a longer list, nobody scrolls through 300 tags."""


@dataclass(frozen=True, slots=True)
class PickItem:
    value: str  # what picking it returns (a login, a tag)
    label: str  # the main text on its line
    detail: str = ""  # dim text after the label (role, online, use count)
    also: tuple[str, ...] = ()  # other names the filter matches (a display name)


def filter_items(items: Iterable[PickItem], text: str) -> list[PickItem]:
    """Items answering to `text`, case-insensitively: those with a name or a word of a
    name starting with it first, then those merely containing it; order kept otherwise
    (so "me" stays first in the roster)."""
    needle = text.strip().casefold()
    listed = list(items)
    if not needle:
        return listed
    starts: list[PickItem] = []
    inside: list[PickItem] = []
    for item in listed:
        names = [n.casefold() for n in (item.value, item.label, *item.also)]
        if any(n.startswith(needle) or any(w.startswith(needle) for w in n.split())
               for n in names):
            starts.append(item)
        elif any(needle in n for n in names):
            inside.append(item)
    return starts + inside


def _option(item: PickItem) -> Option:
    label = Text(item.label)
    if item.detail:
        label.append(f"  {item.detail}", style="dim")
    return Option(label, id=item.value)


class _Suggestions(OptionList):
    """The list under a field: never focused, the field keeps the keys."""

    can_focus = False


def _move(options: OptionList, step: int) -> None:
    if options.option_count == 0:
        return
    current = options.highlighted
    options.highlighted = (0 if current is None
                           else max(0, min(options.option_count - 1, current + step)))


def _fill(options: OptionList, items: Sequence[PickItem], keep: str | None) -> None:
    """Show `items`, keeping the highlighted value when it is still there (else the first):
    a list refreshed from the server must not move the pick from under the person."""
    shown = list(items)[:MAX_SHOWN]
    options.clear_options()
    options.add_options([_option(i) for i in shown])
    values = [i.value for i in shown]
    options.highlighted = (values.index(keep) if keep in values else 0) if shown else None


def _highlighted_value(options: OptionList) -> str | None:
    index = options.highlighted
    if index is None or options.option_count == 0:
        return None
    return options.get_option_at_index(index).id


class PickerScreen(ModalScreen[str | None]):
    """Type to filter, arrows to move, Enter to pick, Escape to cancel."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Cancel", id="picker-cancel"),
        Binding("down", "move(1)", "Next", show=False, id="picker-down"),
        Binding("up", "move(-1)", "Previous", show=False, id="picker-up"),
        Binding("pagedown", "move(10)", "Page down", show=False, id="picker-page-down"),
        Binding("pageup", "move(-10)", "Page up", show=False, id="picker-page-up"),
    ]

    DEFAULT_CSS = """
    PickerScreen { align: center middle; }
    PickerScreen > Vertical {
        width: 64; max-width: 100%; height: auto; max-height: 100%;
        border: round $primary; background: $surface; padding: 0 1;
    }
    PickerScreen #picker-note { color: $text-muted; }
    PickerScreen OptionList { height: auto; max-height: 12; border: none; }
    PickerScreen #picker-empty { color: $warning; display: none; }
    PickerScreen #picker-empty.-shown { display: block; }
    PickerScreen #picker-hint { color: $text-muted; }
    """

    def __init__(self, title: str, items: Sequence[PickItem], *, note: str = "",
                 hint: str = "type to filter, Enter to choose, Esc to cancel",
                 empty: str = "Nothing matches.", blink: bool = True) -> None:
        super().__init__()
        self._title = title
        self._items = list(items)
        self._note = note
        self._hint = hint
        self._empty = empty
        self._blink = blink

    def compose(self) -> ComposeResult:
        with Vertical() as box:
            box.border_title = self._title
            if self._note:
                yield Static(Text(self._note), id="picker-note", markup=False)
            yield Input(placeholder="type to filter", id="picker-filter",
                        select_on_focus=False)
            yield _Suggestions(id="picker-options")
            yield Static(Text(self._empty), id="picker-empty", markup=False)
            yield Static(Text(self._hint), id="picker-hint", markup=False)

    def on_mount(self) -> None:
        field = self.query_one("#picker-filter", Input)
        field.cursor_blink = self._blink
        self._refilter(keep=None)
        field.focus()

    @property
    def shown_values(self) -> list[str]:
        options = self.query_one(OptionList)
        return [options.get_option_at_index(i).id or ""
                for i in range(options.option_count)]

    @property
    def highlighted(self) -> str | None:
        return _highlighted_value(self.query_one(OptionList))

    def set_items(self, items: Sequence[PickItem]) -> None:
        """Replace the list (fresher data arrived), keeping the filter and the pick."""
        self._items = list(items)
        if self.is_mounted:
            self._refilter(keep=self.highlighted)

    def _refilter(self, keep: str | None) -> None:
        text = self.query_one("#picker-filter", Input).value
        matches = filter_items(self._items, text)
        _fill(self.query_one(OptionList), matches, keep)
        self.query_one("#picker-empty", Static).set_class(not matches, "-shown")

    def on_key(self, event: events.Key) -> None:
        take_early_key(self.query_one("#picker-filter", Input), event)

    def on_input_changed(self, event: Input.Changed) -> None:
        event.stop()
        self._refilter(keep=None)

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        value = self.highlighted
        if value is not None:
            self.dismiss(value)

    def action_move(self, step: int) -> None:
        _move(self.query_one(OptionList), step)

    def action_cancel(self) -> None:
        self.dismiss(None)


Completer = Callable[[str], tuple[str, list[PickItem]] | None]
"""For the word at the cursor: (what to keep in front, e.g. "@" or "-", and the items to
offer), or None when the word is not one to complete."""

Review = Callable[[str], str | None]
"""A second look at an answer that is well-formed: a warning to confirm, or None."""


def current_word(text: str, cursor: int) -> tuple[int, str]:
    """Where the word ending at `cursor` starts, and the word (spaces and commas split)."""
    start = cursor
    while start > 0 and text[start - 1] not in " ,\t":
        start -= 1
    return start, text[start:cursor]


class CompletingPrompt(ModalScreen[str | None]):
    """A one-line prompt with completion of the word at the cursor (Tab) and a review
    that asks for a second Enter when the answer looks like a mistake."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Cancel", id="completing-cancel"),
        Binding("tab", "complete", "Complete", show=False, priority=True,
                id="completing-complete"),
        Binding("down", "move(1)", "Next", show=False, id="completing-down"),
        Binding("up", "move(-1)", "Previous", show=False, id="completing-up"),
    ]

    DEFAULT_CSS = """
    CompletingPrompt { align: center middle; }
    CompletingPrompt > Vertical {
        width: 72; max-width: 100%; height: auto; max-height: 100%;
        border: round $primary; background: $surface; padding: 0 1;
    }
    CompletingPrompt OptionList { height: auto; max-height: 8; border: none;
                                  display: none; }
    CompletingPrompt OptionList.-shown { display: block; }
    CompletingPrompt #completing-error { color: $error; text-style: bold; display: none; }
    CompletingPrompt #completing-error.-shown { display: block; }
    CompletingPrompt #completing-hint { color: $text-muted; }
    """

    def __init__(self, title: str, *, complete: Completer, hint: str = "",
                 value: str = "", check: Callable[[str], str | None] | None = None,
                 review: Review | None = None, blink: bool = True) -> None:
        super().__init__()
        self._title = title
        self._complete = complete
        self._hint = hint
        self._value = value
        self._check = check
        self._review = review
        self._blink = blink
        self._warned: str | None = None  # the text a warning was shown for
        self._keep = ""
        self._dismissed: str | None = None  # the text Escape hid the suggestions for

    def compose(self) -> ComposeResult:
        with Vertical() as box:
            box.border_title = self._title
            yield Input(value=self._value, id="completing-input", select_on_focus=False)
            yield _Suggestions(id="completing-options")
            yield Static("", id="completing-error", markup=False)
            yield Static(Text(self._hint or "Tab completes, Enter to confirm, Esc to cancel"),
                         id="completing-hint", markup=False)

    @property
    def field(self) -> Input:
        return self.query_one("#completing-input", Input)

    @property
    def suggestions(self) -> list[str]:
        """The values offered for the word at the cursor (none when the list is hidden)."""
        options = self.query_one(OptionList)
        if not options.has_class("-shown"):
            return []
        return [options.get_option_at_index(i).id or "" for i in range(options.option_count)]

    @property
    def warning(self) -> str:
        error = self.query_one("#completing-error", Static)
        return str(error.content) if error.has_class("-shown") else ""

    def on_mount(self) -> None:
        self.field.cursor_blink = self._blink
        self.field.cursor_position = len(self._value)
        self.field.focus()
        self._suggest()

    def refresh_suggestions(self) -> None:
        """The completer's data changed (a fresher list arrived)."""
        if self.is_mounted:
            self._suggest()

    def _suggest(self) -> None:
        field = self.field
        _start, word = current_word(field.value, field.cursor_position)
        found = self._complete(word) if word and field.value != self._dismissed else None
        options = self.query_one(OptionList)
        if found is None or not found[1]:
            options.remove_class("-shown")
            options.clear_options()
            return
        self._keep, items = found
        _fill(options, items, _highlighted_value(options))
        options.add_class("-shown")

    def on_key(self, event: events.Key) -> None:
        take_early_key(self.field, event)

    def on_input_changed(self, event: Input.Changed) -> None:
        event.stop()
        self._suggest()
        if self._warned is not None and event.value != self._warned:
            self._show_error("")

    def action_move(self, step: int) -> None:
        _move(self.query_one(OptionList), step)

    def action_complete(self) -> None:
        value = _highlighted_value(self.query_one(OptionList)) if self.suggestions else None
        if value is None:
            return
        field = self.field
        start, _word = current_word(field.value, field.cursor_position)
        after = field.value[field.cursor_position:]
        inserted = f"{self._keep}{value} "
        field.value = field.value[:start] + inserted + after.lstrip(" ")
        field.cursor_position = start + len(inserted)

    def _show_error(self, text: str) -> None:
        error = self.query_one("#completing-error", Static)
        error.update(Text(text))
        error.set_class(bool(text), "-shown")
        if not text:
            self._warned = None

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        answer = event.value
        problem = self._check(answer) if self._check else None
        if problem:
            self._show_error(problem)
            return
        if self._review is not None and answer != self._warned:
            concern = self._review(answer)
            if concern:
                self._show_error(f"{concern} - Enter again to keep it, or fix it")
                self._warned = answer
                return
        self.dismiss(answer)

    def action_cancel(self) -> None:
        """Escape first closes the suggestions (as in any editor), and only then the
        prompt: a long note must not be lost to a key meant for the list."""
        if self.suggestions:
            self._dismissed = self.field.value
            self._suggest()
            return
        self.dismiss(None)


class ConfirmScreen(ModalScreen[bool]):
    """A yes/no question that wraps to any width: `y` yes; `n` or Escape leaves things be.

    The question may be longer than a border title can show (a patient's name and a
    colleague's), so it is the body of the box, not its title."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("y", "answer(True)", "Yes", id="confirm-yes"),
        Binding("n,escape", "answer(False)", "No", id="confirm-no"),
    ]

    DEFAULT_CSS = """
    ConfirmScreen { align: center middle; }
    ConfirmScreen > Vertical {
        width: 64; max-width: 100%; height: auto;
        border: round $warning; background: $surface; padding: 0 1;
    }
    ConfirmScreen #confirm-hint { color: $text-muted; }
    """

    def __init__(self, question: str, *, yes: str = "yes", no: str = "no") -> None:
        super().__init__()
        self.question = question
        self._yes = yes
        self._no = no

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static(Text(self.question), id="confirm-question", markup=False)
            yield Static(Text(f"y {self._yes} / n {self._no}"), id="confirm-hint",
                         markup=False)

    def action_answer(self, yes: bool) -> None:
        self.dismiss(yes)
