"""The snooze prompt: type a time as for `cxinbox status --until`, see the wake-up time it
means before pressing Enter.

The line under the field follows the typing: `until Fri 4 Dec 09:00` as soon as the text
reads as a time, otherwise what would. Enter on a time that has passed (or does not
parse) keeps the dialog open with one line saying why; a valid one answers with the
wake-up instant, resolved again at that moment so a prompt left open is not stale.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from zoneinfo import ZoneInfo

from rich.text import Text
from textual.widgets import Input, Static

from cxinbox.tui.screens.prompt import PromptScreen
from cxinbox.tui.snoozetext import EXAMPLES, resolve_snooze

DEFAULT_ANSWER = "tomorrow 9am"


class SnoozeScreen(PromptScreen):
    """Answers the typed text; `resolve_snooze` on it gives the instant (see the app)."""

    def __init__(self, title: str, *, now: Callable[[], datetime], tz: ZoneInfo,
                 value: str = DEFAULT_ANSWER, blink: bool = True) -> None:
        self._clock_now = now
        self._zone = tz
        super().__init__(title, value=value, hint=self._preview(value), check=self._refusal,
                         blink=blink)

    def _preview(self, typed: str) -> str:
        answer = resolve_snooze(typed, now=self._clock_now(), tz=self._zone)
        if answer.until is None:
            return f"{EXAMPLES} - it reopens then"
        return f"{answer.text} - Enter snoozes, Esc cancels"

    def _refusal(self, typed: str) -> str | None:
        answer = resolve_snooze(typed, now=self._clock_now(), tz=self._zone)
        return None if answer.until is not None else answer.text

    def on_input_changed(self, event: Input.Changed) -> None:
        event.stop()
        self.query_one("#prompt-hint", Static).update(Text(self._preview(event.value)))
        error = self.query_one("#prompt-error", Static)
        if error.has_class("-shown"):
            refusal = self._refusal(event.value)
            if refusal is None:
                error.remove_class("-shown")
            else:
                error.update(Text(refusal))
