"""How `@name` is written in an internal note and which names reach a colleague.

Pure text rules, shared by the server (which stores the mentions of a note) and the TUI
(which completes `@` from the roster and warns about a name nobody answers to before the
note is saved), so both agree on what counts as a mention.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

# "@" at the start or after something that is not part of a word or address, so that
# e-mail addresses quoted in a note (maria@example.org) are not mentions.
MENTION = re.compile(r"(?<![\w.@+-])@([A-Za-z0-9][A-Za-z0-9._-]*)")


def mention_names(body: str) -> list[str]:
    """The @names written in a note, lower-case, in order, without trailing punctuation."""
    out: list[str] = []
    for match in MENTION.finditer(body):
        name = match.group(1).rstrip("._-").casefold()
        if name and name not in out:
            out.append(name)
    return out


def handles(os_user: str, name: str) -> frozenset[str]:
    """What a colleague answers to: the login, and the first word of their name."""
    first = (name.split() or [""])[0].casefold()
    return frozenset(h for h in (os_user.casefold(), first) if h)


def unknown_mentions(body: str, known: Iterable[str]) -> list[str]:
    """The @names in `body` that no colleague answers to (`known`: every handle)."""
    answered = set(known)
    return [name for name in mention_names(body) if name not in answered]
