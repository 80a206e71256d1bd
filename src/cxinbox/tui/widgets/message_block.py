"""One message of a thread: who, to whom, when, attachments, and the body with folds.

Every piece of text here came from outside (a patient's mail client or phone). It is
already sanitised by the API and is only ever appended to a `rich.text.Text` as plain
text, so `[/bold]` or `[@click=app.quit]` in a body is shown, never interpreted.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, tzinfo

from rich.text import Text
from textual.widgets import Static

from cxinbox.contract.types import MessageView
from cxinbox.domain.arrival import ARRIVAL_SHOWN_S, unscreened_line
from cxinbox.tui.ascii import Glyphs
from cxinbox.tui.bodyfold import BodyPart, split_body
from cxinbox.tui.timefmt import clinic_datetime

_NOT_DELIVERED = ("undelivered", "failed")


def _mms_size(channel: str, size: int) -> str:
    """An MMS picture's size is unknown until fetched from the provider (w does that)."""
    return "w fetches it" if channel == "sms" and size <= 0 else _size_text(size)


def _size_text(size: int) -> str:
    if size < 1024:
        return f"{size} B"
    if size < 1024 * 1024:
        return f"{size // 1024} KB"
    return f"{size / (1024 * 1024):.1f} MB"


def _fold_line(part: BodyPart, glyphs: Glyphs) -> str:
    count = len(part.lines)
    what = "signature" if part.kind == "signature" else "quoted text"
    noun = "line" if count == 1 else "lines"
    return f"{glyphs.folded} {what} ({count} {noun}) - z shows"


OwnNumberName = Callable[[str], str]
"""The clinic's own SMS number as staff know it ("Front desk · Maple Street Clinic")."""


def message_text(message: MessageView, *, tz: tzinfo, now: datetime, glyphs: Glyphs,
                 expanded: bool, own_number_name: OwnNumberName | None = None) -> Text:
    text = Text(no_wrap=False, overflow="fold")
    outbound = message.direction in ("out", "auto")
    arrow = glyphs.arrow_out if outbound else glyphs.arrow_in
    if outbound and message.channel == "sms" and own_number_name is not None:
        # A text the clinic sent comes from one of its numbers: name it as the composer
        # does, not as a raw number staff do not recognise.
        sender = own_number_name(message.from_addr)
    else:
        sender = (f"{message.from_name} <{message.from_addr}>" if message.from_name
                  else message.from_addr)
    sender = sender or "(unknown sender)"
    text.append(f"{arrow} ", style="bold")
    if message.direction == "auto":  # the provider's auto-responder: nobody answered yet
        text.append("AUTO-REPLY ", style="bold")
    elif outbound:
        text.append("SENT ", style="bold reverse")
    text.append(sender, style="bold")
    text.append(f"  {clinic_datetime(message.date, tz, now)}", style="dim")
    received = message.received_at
    if received is not None and abs(received - message.date) > ARRIVAL_SHOWN_S:
        # The Date: is the sender's; when the server got it is what the clock runs from.
        text.append(f"  (received {clinic_datetime(received, tz, now)})", style="dim")
    if message.channel == "sms":
        text.append("  SMS", style="dim")
        if message.delivery and message.delivery not in _NOT_DELIVERED:
            text.append(f" {message.delivery}", style="dim")
    text.append("\n")
    if message.unscreened:  # nobody may take it for screened (store/schema_received.py)
        line = unscreened_line(received or message.date, int(now.timestamp()))
        text.append(f"! {line}\n", style="bold reverse")
    if message.delivery in _NOT_DELIVERED:  # staff must not believe the patient got it
        why = f" ({message.delivery_error})" if message.delivery_error else ""
        text.append(f"! NOT DELIVERED: {message.delivery}{why}\n", style="bold reverse")
    if message.to:
        text.append("to " + ", ".join(message.to), style="dim")
        text.append("\n")
    if message.cc:
        text.append("cc " + ", ".join(message.cc), style="dim")
        text.append("\n")
    if message.problems:
        text.append(f"! could not fully decode: {message.problems}\n", style="bold")
    for attachment in message.attachments:
        name = attachment.filename or "(unnamed)"
        text.append(f"{glyphs.attachment} attachment {name} "
                    f"({attachment.content_type or 'unknown type'}, "
                    f"{_mms_size(message.channel, attachment.size)})\n",
                    style="underline")
    text.append("\n")
    for part in split_body(message.body):
        if part.kind == "text":
            text.append("\n".join(part.lines) + "\n")
        elif expanded:
            text.append("\n".join(part.lines) + "\n", style="dim")
        else:
            text.append(_fold_line(part, glyphs) + "\n", style="dim italic")
    text.rstrip()
    return text


class MessageBlock(Static):
    DEFAULT_CSS = """
    MessageBlock {
        padding: 0 1;
        margin: 0 0 1 0;
        border-left: outer $primary;
    }
    MessageBlock.-outbound { border-left: outer $success; }
    """

    def __init__(self, message: MessageView, *, tz: tzinfo, now: datetime, glyphs: Glyphs,
                 expanded: bool, own_number_name: OwnNumberName | None = None) -> None:
        self.message = message
        self._tz = tz
        self._glyphs = glyphs
        self._now = now
        self._own_number_name = own_number_name
        super().__init__(self._render_text(expanded), markup=False,
                         classes="-outbound" if message.direction == "out" else "")

    def _render_text(self, expanded: bool) -> Text:
        return message_text(self.message, tz=self._tz, now=self._now, glyphs=self._glyphs,
                            expanded=expanded, own_number_name=self._own_number_name)

    def show(self, message: MessageView, now: datetime, expanded: bool) -> None:
        """Reuse this block for another message: updating text is far cheaper than
        mounting a new widget (no stylesheet pass), which keeps opening a thread fast."""
        self.message = message
        self._now = now
        self.set_class(message.direction == "out", "-outbound")
        self.update(self._render_text(expanded))
        self.display = True

    def set_expanded(self, expanded: bool) -> None:
        self.update(self._render_text(expanded))
