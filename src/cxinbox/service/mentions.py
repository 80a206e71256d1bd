"""Who an internal note mentions: `@name` matched against the staff roster.

A mention is only worth storing if it reaches a person the server knows, so names are
resolved here, once, when the note is written: `@jsmith` (the OS login) or `@maria` (the
first word of the roster name), case-insensitive. A first name shared by two people
mentions both; notifying one person too many beats leaving the right one out.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from cxinbox.config import StaffMember

# "@" at the start or after something that is not part of a word or address, so that
# e-mail addresses quoted in a note (maria@example.org) are not mentions.
_MENTION = re.compile(r"(?<![\w.@+-])@([A-Za-z0-9][A-Za-z0-9._-]*)")


def mention_names(body: str) -> list[str]:
    """The @names written in a note, lower-case, in order, without trailing punctuation."""
    out: list[str] = []
    for match in _MENTION.finditer(body):
        name = match.group(1).rstrip("._-").casefold()
        if name and name not in out:
            out.append(name)
    return out


def mentioned_users(body: str, staff: Sequence[StaffMember], author: str = "") -> list[str]:
    """OS users of the roster a note mentions (never its author), in roster order."""
    names = set(mention_names(body))
    if not names:
        return []
    found: list[str] = []
    for member in staff:
        first = (member.name.split() or [""])[0].casefold()
        named = member.os_user.casefold() in names or (first and first in names)
        if named and member.os_user != author and member.os_user not in found:
            found.append(member.os_user)
    return found
