"""The idle lock: an opaque screen over everything, with no patient data on it.

Front-desk terminals are left unattended between patients. After the configured idle
time this screen covers the whole terminal; underneath, the app has already blanked the
list, the thread and the notes, so nothing with a name or subject is even rendered. Only
the same OS user can unlock (see `cxinbox.tui.unlock`); the check runs in a thread
because PAM deliberately delays failures.
"""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual import events, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Center, Vertical
from textual.message import Message
from textual.screen import ModalScreen
from textual.widgets import Input, Static

from cxinbox.tui.screens.prompt import take_early_key
from cxinbox.tui.unlock import Verifier


class LockScreen(ModalScreen[None]):
    BINDINGS: ClassVar[list[BindingType]] = [Binding("ctrl+q", "app.quit", "Quit", id="lock-quit")]
    DEFAULT_CSS = """
    LockScreen {
        align: center middle;
        background: $background 100%;
    }
    LockScreen > Vertical {
        width: 64; max-width: 100%; height: auto;
        border: heavy $primary; padding: 1 2; background: $background;
    }
    LockScreen #lock-title { text-style: bold; }
    LockScreen #lock-error { color: $error; text-style: bold; }
    LockScreen #lock-interim { color: $warning; }
    LockScreen #lock-alert { color: $error; text-style: bold reverse; }
    """

    class Unlocked(Message):
        pass

    class Verified(Message):
        def __init__(self, ok: bool) -> None:
            super().__init__()
            self.ok = ok

    def __init__(self, *, user: str, minutes: float, verifier: Verifier, blink: bool) -> None:
        """`minutes` is the idle time that locked it; 0 when the person locked it by hand."""
        super().__init__()
        self._user = user
        self._minutes = minutes
        self._verifier = verifier
        self._blink = blink
        self._checking = False
        self._alert = ""

    def set_alert(self, text: str) -> None:
        """A line over the lock that names nothing ("RED FLAG waiting: unlock to see
        it"): the app says it when a red flag for this person arrives while locked."""
        self._alert = text
        if self.is_mounted:
            line = self.query_one("#lock-alert", Static)
            line.update(Text(text))
            line.display = bool(text)

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static(Text("cxinbox is locked"), id="lock-title", markup=False)
            alert = Static(Text(self._alert), id="lock-alert", markup=False)
            alert.display = bool(self._alert)  # no line at all until a red flag waits
            yield alert
            why = (f"Locked after {self._minutes:g} minute(s) without input."
                   if self._minutes else f"Locked by {self._user}.")
            yield Static(Text(f"{why}\nOnly {self._user} can unlock it.\n"), markup=False)
            yield Static(Text(f"{self._verifier.prompt} for {self._user}:"), markup=False)
            yield Input(password=self._verifier.secret, id="lock-input")
            yield Static("", id="lock-error", markup=False)
            if self._verifier.interim:
                yield Static(Text("Interim lock: password checking (PAM) is not installed, "
                                  "so this only asks for the user name."),
                             id="lock-interim", markup=False)
            with Center():
                yield Static(Text("Ctrl+Q quits cxinbox."), markup=False)

    def on_mount(self) -> None:
        field = self.query_one(Input)
        field.cursor_blink = self._blink
        field.focus()

    def on_key(self, event: events.Key) -> None:
        take_early_key(self.query_one(Input), event)

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        if self._checking:
            return
        self._checking = True
        self.query_one("#lock-error", Static).update(Text("Checking..."))
        self._verify(event.value)

    @work(thread=True, exclusive=True, exit_on_error=False, group="unlock")
    def _verify(self, answer: str) -> None:
        try:
            ok = self._verifier(self._user, answer)
        except Exception:  # noqa: BLE001 - a broken PAM stack must not unlock or crash
            ok = False
        self.post_message(self.Verified(ok))

    def on_lock_screen_verified(self, event: Verified) -> None:
        self._checking = False
        self.query_one(Input).value = ""
        if event.ok:
            self.post_message(self.Unlocked())
            return
        self.query_one("#lock-error", Static).update(Text("That did not match. Try again."))
