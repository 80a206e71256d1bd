"""Value types shared by every layer. Plain dataclasses: no I/O, no SQL."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime


@dataclass(frozen=True, slots=True)
class Address:
    name: str
    email: str

    def display(self) -> str:
        if self.name and self.email:
            return f"{self.name} <{self.email}>"
        return self.name or self.email


@dataclass(frozen=True, slots=True)
class Attachment:
    """An attachment as listed; its bytes stay in the raw message (`part_path` finds them)."""

    filename: str
    content_type: str
    size: int
    part_path: str  # dotted MIME part index, e.g. "2" or "1.3"
    inline: bool = False


@dataclass(slots=True)
class ParsedMessage:
    """What cxinbox knows about one message after MIME parsing.

    Every text field here is already decoded but NOT sanitised for display:
    the sanitiser runs at the presentation edge so the stored text stays faithful.
    `problems` names what could not be decoded; a non-empty list marks the message
    as flagged, never as lost.
    """

    message_id: str | None  # normalised, without angle brackets
    in_reply_to: str | None
    references: list[str]
    subject: str
    from_addr: Address | None
    to: list[Address]
    cc: list[Address]
    reply_to: list[Address]
    date: datetime | None  # timezone-aware UTC
    body_text: str
    attachments: list[Attachment] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    auto_submitted: bool = False  # auto-replies, bounces: never reopen or thread by subject


@dataclass(frozen=True, slots=True)
class MessageLocation:
    """A message's identity on an IMAP server."""

    account: str
    folder: str
    uidvalidity: int
    uid: int
