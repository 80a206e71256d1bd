"""Value types of the team-workflow calls: mentions, contacts, SLA escalations.

Like contract/types.py, every text field that came from outside (subjects, names, addresses,
note bodies) is sanitised before it is put in here, so no client can forget to.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any


@dataclass(frozen=True, slots=True)
class MentionView:
    """A note that mentions the person asking, for the Mentions view."""

    note_id: int
    conversation_id: int
    subject: str
    author: str
    body: str
    created_at: int  # epoch seconds
    read: bool

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True, slots=True)
class ContactConversation:
    """Another conversation of the same person (any channel), for the thread view."""

    id: int
    subject: str
    channel: str
    mailbox: str
    status: str
    address: str  # the patient address this conversation is from
    last_message_at: int

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True, slots=True)
class ContactView:
    """One person across e-mail and phone. `id` is None when the conversation has no
    contact yet (a thread staff started that nobody has answered; `ensure_contact` makes
    one). Asked by conversation, `others` leaves that conversation out; asked by contact
    number or address, it lists every conversation of theirs that is not closed."""

    id: int | None
    names: tuple[str, ...]
    emails: tuple[str, ...]
    phones: tuple[str, ...]
    others: tuple[ContactConversation, ...]  # other conversations that are not closed

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.id, "names": list(self.names), "emails": list(self.emails),
                "phones": list(self.phones), "others": [c.to_dict() for c in self.others]}


@dataclass(frozen=True, slots=True)
class Escalation:
    """A conversation whose SLA just became at risk or breached (once per transition)."""

    conversation_id: int
    state: str  # at-risk | breached
    subject: str
    assignee: str  # "" = the whole desk
    policy: str
    target: str  # first-response | next-response | resolution
    due_at: int  # epoch seconds

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True, slots=True)
class StaffView:
    """A colleague on the roster, for the assignee picker and @mention completion.

    `online` is whether they have a client connected to the same server right now: a
    receptionist handing a patient over wants someone who is at their desk."""

    os_user: str
    name: str
    role: str
    online: bool
    away: bool = False
    """Marked away: teams pass them over; the picker says so."""
    clinical: bool = False
    """A clinician (`clinical = true` in the server's roster): may take a red flag."""
    on_shift: bool = True
    """On shift when the roster was read, by the server's own rotas (`[[teams]] shifts`;
    always for someone with none): a client's copy of the config may be older than the
    server's, so the "no clinician on shift" line and the red-flag banner read this."""
    red_flag_teams: tuple[str, ...] = ()
    """The teams of theirs the server's rules route red flags to (`assign = "team:X"` on
    `is:red-flag`), in the server's order: while any exists, red flags go to those teams,
    not to the clinical role."""
    red_flag_available: tuple[str, ...] = ()
    """Of `red_flag_teams`, those a new red flag could land on them in now (not away; on a
    shift-aware team, on its shift), by the server's config and clock: the TUI's "nobody
    on shift in team X" line and the banner's names read this, not the TUI's copy."""
    red_flag_full: tuple[str, ...] = ()
    """Of `red_flag_available`, those where they hold the team's cap of open conversations
    now: a red flag routed there passes them over. When every available member of a team
    is full, new red flags wait unassigned, and the TUI's status line says so."""

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True, slots=True)
class TagView:
    """A tag in use, and on how many conversations: completion offers the common ones
    first, and a tag nobody uses yet is worth a second look before it is created."""

    name: str
    count: int

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)
