"""Who else is here: the colleagues connected to the same server and what they have open.

The server pushes a presence version with every long poll; when it moves, the app fetches
`presence()` once and hands it to this board. The board turns it into the three things the
screen shows: a marker on list rows ("Maria" viewing, "Maria writing" composing), a line in
the thread header, and the names in the status line. The current user is never shown as a
colleague, however many terminals they have open.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from cxinbox.contract.types import Presence


def first_name(name: str) -> str:
    parts = name.split()
    return parts[0] if parts else name


@dataclass(frozen=True, slots=True)
class PresenceBoard:
    me: str
    entries: tuple[Presence, ...] = ()

    @classmethod
    def build(cls, me: str, entries: Iterable[Presence]) -> PresenceBoard:
        return cls(me, tuple(entries))

    def _others(self) -> list[Presence]:
        return [p for p in self.entries if p.os_user != self.me]

    def online(self) -> tuple[str, ...]:
        """Colleagues connected now, by first name, each once; "Maria (away)" for one
        marked away (at a terminal, but teams pass her over)."""
        seen: dict[str, None] = {}
        for p in self._others():
            name = first_name(p.name) or p.os_user
            seen.setdefault(f"{name} (away)" if p.away else name, None)
        return tuple(seen)

    def away(self, os_user: str) -> bool | None:
        """Whether `os_user` is marked away, by any connected entry of theirs (None: not
        connected, so not known from here)."""
        mine = [p.away for p in self.entries if p.os_user == os_user]
        return any(mine) if mine else None

    def at(self, conv_id: int) -> list[Presence]:
        """Colleagues with `conv_id` open; composers first, one entry per person."""
        best: dict[str, Presence] = {}
        for p in self._others():
            if p.conv_id != conv_id:
                continue
            held = best.get(p.os_user)
            if held is None or (p.composing and not held.composing):
                best[p.os_user] = p
        return sorted(best.values(), key=lambda p: (not p.composing, p.name))

    def marker(self, conv_id: int, pencil: str = "\u270e") -> str:
        """The short list-row marker: "Maria" (viewing), "✎Maria" (writing), "✎Maria +1"."""
        here = self.at(conv_id)
        if not here:
            return ""
        lead = here[0]
        text = (pencil if lead.composing else "") + first_name(lead.name)
        if len(here) > 1:
            text += f" +{len(here) - 1}"
        return text

    def composing_at(self, conv_id: int) -> bool:
        return any(p.composing for p in self.at(conv_id))

    def thread_line(self, conv_id: int) -> str:
        """ "Maria is writing a reply · Tom is viewing" for the thread header."""
        parts = [f"{p.name} is {'writing a reply' if p.composing else 'viewing'}"
                 for p in self.at(conv_id)]
        return " · ".join(parts)

    def markers(self, pencil: str = "\u270e") -> dict[int, str]:
        ids = {p.conv_id for p in self._others() if p.conv_id is not None}
        return {conv_id: self.marker(conv_id, pencil) for conv_id in ids}
