"""Who an internal note mentions: `@name` matched against the staff roster.

A mention is only worth storing if it reaches a person the server knows, so names are
resolved here, once, when the note is written: `@jsmith` (the OS login) or `@maria` (the
first word of the roster name), case-insensitive. A first name shared by two people
mentions both; notifying one person too many beats leaving the right one out.
"""

from __future__ import annotations

from collections.abc import Sequence

from cxinbox.config import StaffMember
from cxinbox.domain.mentions import handles, mention_names

__all__ = ["mention_names", "mentioned_users"]


def mentioned_users(body: str, staff: Sequence[StaffMember], author: str = "") -> list[str]:
    """OS users of the roster a note mentions (never its author), in roster order."""
    names = set(mention_names(body))
    if not names:
        return []
    found: list[str] = []
    for member in staff:
        named = not names.isdisjoint(handles(member.os_user, member.name))
        if named and member.os_user != author and member.os_user not in found:
            found.append(member.os_user)
    return found
