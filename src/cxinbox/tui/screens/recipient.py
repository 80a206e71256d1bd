"""`C`: whom a new message goes to, an e-mail address or a mobile number in any common form.

The dialog asks the server to start the draft and closes only when it has one. A refusal
("a North American number has 10 digits") is shown in the dialog, which keeps the focus:
the digits someone goes on typing after a mistake land in the field, not on the inbox,
where 1..6 switch views. While typing, a line says how the answer is read ("Text to
+15553504006"), with the same reader the server applies, so there is no surprise on Enter.
"""

from __future__ import annotations

from typing import Any, ClassVar

from rich.text import Text
from textual import events
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Static

from cxinbox.domain.recipient import EXAMPLES, RecipientError, parse_recipient
from cxinbox.tui.messages import error_line
from cxinbox.tui.screens.prompt import take_early_key

TITLE = "New message to (email address or mobile number)"


def reading_of(typed: str, country: str) -> str:
    """How an answer will be read, for the line under the field ("" while it is none)."""
    try:
        found = parse_recipient(typed, country)
    except RecipientError:
        return ""
    return f"Text to {found.value}" if found.kind == "phone" else f"E-mail to {found.value}"


class NewMessageScreen(ModalScreen[Any]):
    """Dismissed with the new draft (a DraftView), or None on Escape."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Cancel", id="recipient-cancel")]

    DEFAULT_CSS = """
    NewMessageScreen { align: center middle; }
    NewMessageScreen > Vertical {
        width: 72; max-width: 100%; height: auto;
        border: round $primary; background: $surface; padding: 0 1;
    }
    NewMessageScreen #recipient-reading { color: $success; height: 1; display: none; }
    NewMessageScreen #recipient-reading.-shown { display: block; }
    NewMessageScreen #recipient-hint { color: $text-muted; }
    NewMessageScreen #recipient-error { color: $error; text-style: bold; display: none; }
    NewMessageScreen #recipient-error.-shown { display: block; }
    """

    def __init__(self, api: Any, *, country: str, blink: bool = True) -> None:
        super().__init__()
        self._api = api
        self._country = country
        self._blink = blink
        self._busy = False

    def compose(self) -> ComposeResult:
        with Vertical() as box:
            box.border_title = TITLE
            yield Input(id="recipient-input", select_on_focus=False)
            yield Static("", id="recipient-reading", markup=False)
            yield Static("", id="recipient-error", markup=False)
            yield Static(Text(f"{EXAMPLES}; Esc cancels"),
                         id="recipient-hint", markup=False)

    def on_mount(self) -> None:
        field = self.query_one(Input)
        field.cursor_blink = self._blink
        field.focus()

    def on_key(self, event: events.Key) -> None:
        take_early_key(self.query_one(Input), event)

    @property
    def error(self) -> str:
        """The refusal shown in the dialog ("" when none)."""
        box = self.query_one("#recipient-error", Static)
        return str(box.content) if box.has_class("-shown") else ""

    def _show_error(self, text: str) -> None:
        box = self.query_one("#recipient-error", Static)
        box.update(Text(text))
        box.set_class(bool(text), "-shown")

    def _show_reading(self, text: str) -> None:
        box = self.query_one("#recipient-reading", Static)
        box.update(Text(text))
        box.set_class(bool(text), "-shown")

    def on_input_changed(self, event: Input.Changed) -> None:
        event.stop()
        self._show_reading(reading_of(event.value, self._country))
        self._show_error("")

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        typed = event.value.strip()
        if self._busy:
            return
        if not typed:
            self._show_error(f"Type an e-mail address or a mobile number ({EXAMPLES}).")
            return
        self._busy = True
        self._show_reading("Starting the draft...")
        self.run_worker(self._start(typed), group="recipient-start", exclusive=True,
                        exit_on_error=False)

    async def _start(self, typed: str) -> None:
        try:
            draft = await self._api.start_draft(None, "new", typed)
        except Exception as exc:  # noqa: BLE001 - the server's refusal, as one line here
            self._busy = False
            field = self.query_one(Input)
            self._show_reading(reading_of(field.value, self._country))
            self._show_error(error_line(exc))
            field.focus()
            return
        self._busy = False
        self.dismiss(draft)

    def action_cancel(self) -> None:
        self.dismiss(None)
