"""Value types of the reply API (drafts, canned replies, the outbox). Text is sanitised.

Kept apart from contract/types.py so replies can grow without touching the triage types.
Times are UTC epoch seconds (floats where sub-second matters: the undo countdown).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

from cxinbox.contract.errors import ApiError


@dataclass(frozen=True, slots=True)
class DraftFile:
    """A file attached to a draft; its bytes stay in the store (see store/schema_files.py)."""

    id: int
    filename: str
    size: int
    content_type: str = ""

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True, slots=True)
class DraftView:
    """A reply being written; `author_name` lets the TUI say "draft by Maria"."""

    id: int
    conversation_id: int | None
    author: str
    author_name: str
    mode: str  # reply | reply_all | new | sms
    channel: str  # email | sms
    account: str  # mailbox the reply leaves from (or the clinic's SMS number)
    to: tuple[str, ...]
    cc: tuple[str, ...]
    subject: str
    body: str
    attachments: tuple[DraftFile, ...]
    created_at: float
    updated_at: float
    signature: str = ""  # appended when sent (shown by the composer, not part of `body`)

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        for key in ("to", "cc", "attachments"):
            d[key] = list(d[key])
        return d

    @property
    def attached_bytes(self) -> int:
        return sum(max(f.size, 0) for f in self.attachments)


@dataclass(frozen=True, slots=True)
class CannedView:
    name: str
    subject: str
    body: str
    source: str  # "config" or the file it came from

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True, slots=True)
class RenderedCanned:
    """A canned reply filled for one conversation; `blanks` still need a person's answer."""

    name: str
    subject: str
    body: str
    blanks: tuple[str, ...]

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["blanks"] = list(self.blanks)
        return d


@dataclass(frozen=True, slots=True)
class OutboxItemView:
    id: int
    conversation_id: int | None
    author: str
    channel: str
    account: str
    recipients: tuple[str, ...]
    subject: str
    state: str  # queued | sending | sent | failed | cancelled | unconfirmed
    phase: str
    attempts: int
    last_error: str
    created_at: float
    send_after: float  # end of the undo window
    next_attempt_at: float
    sent_at: float | None
    message_id: str | None
    provider_id: str | None
    sent_copy: str  # '' (not applicable) | pending | done: the copy in the Sent folder
    sent_copy_error: str = ""
    delivery: str = ""  # a text's provider status once sent: queued ... delivered, undelivered
    delivery_error: str = ""  # the carrier's error for an undelivered or failed text

    @property
    def undelivered(self) -> bool:
        """Sent, but the carrier could not deliver it: a person must act."""
        return self.state == "sent" and self.delivery in ("undelivered", "failed")

    @property
    def can_cancel(self) -> bool:
        return self.state in ("queued", "failed")

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["recipients"] = list(self.recipients)
        d["can_cancel"] = self.can_cancel
        return d


@dataclass(frozen=True, slots=True)
class GuardItem:
    """Something that arrived after composing started."""

    kind: str  # message (from the patient) | reply (sent by a colleague) | note | queued-reply
    id: int
    who: str
    at: int
    text: str

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    def line(self) -> str:
        label = {"message": "new message from", "reply": "reply sent by", "note": "note by",
                 "queued-reply": "reply queued by"}.get(self.kind, self.kind)
        excerpt = self.text.replace("\n", " ")[:70]
        return f"{label} {self.who}: {excerpt}"


class SendGuardTripped(ApiError):
    """The conversation moved on while the reply was written; send with force or revise."""

    exit_code = 7

    def __init__(self, draft_id: int, items: list[GuardItem]) -> None:
        kinds = sorted({i.kind for i in items})
        super().__init__(f"draft {draft_id} not sent: {len(items)} new item(s) in the"
                         f" conversation since you started ({', '.join(kinds)}); read them,"
                         " then send anyway (--force) or revise")
        self.draft_id = draft_id
        self.items = items

    def to_dict(self) -> dict[str, Any]:
        return {"error": str(self), "draft_id": self.draft_id,
                "items": [i.to_dict() for i in self.items]}
