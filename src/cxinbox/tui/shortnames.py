"""What the list's narrow Who column calls each colleague (5 cells at 80 columns).

Cutting logins short made every one of `qa13ana`, `qa13ben`, `qa13cy` read `qa13…`, and
would do the same to mgarcia and mgarrett. Each person instead gets the first label, from
the most to the least familiar, that fits the column and no colleague shares: the first
name ("Ana"), the login with the part everyone's login shares taken off ("ben"), the
initials ("NN"), and only then the login cut short.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence

TITLES = frozenset({"dr", "dra", "doctor", "nurse", "np", "rn", "pa", "md", "mr", "mrs", "ms",
                    "miss", "sr", "sra", "srta", "enf", "lic", "prof"})
"""Words before a name that name a role, not the person ("Nurse Nora", "Dra. Ruiz"): a
label of "Nurse" would call every nurse the same."""


def _words(name: str) -> list[str]:
    words = name.split()
    while len(words) > 1 and words[0].rstrip(".").lower() in TITLES:
        words = words[1:]
    return words


def _first(name: str) -> str:
    parts = _words(name)
    return parts[0] if parts else ""


def _initials(name: str) -> str:
    return "".join(p[0] for p in _words(name) if p[:1].isalpha()).upper()


def short_names(staff: Sequence[tuple[str, str]], width: int,
                me: str = "") -> Mapping[str, str]:
    """login -> its label for a column `width` cells wide, for every (login, name) on the
    roster (`me` is "me" in the list and takes no label from the others)."""
    logins = [login for login, _name in staff if login != me]
    common = os.path.commonprefix(logins) if len(logins) > 1 else ""
    out: dict[str, str] = {}
    candidates: dict[str, list[str]] = {}
    suffixes: dict[str, str] = {}
    for login, name in staff:
        if login == me:
            continue
        suffix = login[len(common):] if common and len(login) > len(common) else ""
        suffixes[login] = suffix
        candidates[login] = [c for c in (_first(name), suffix, _initials(name), login) if c]
    taken_by: dict[str, set[str]] = {}
    for login, options in candidates.items():
        for option in options:
            taken_by.setdefault(option[:width].lower(), set()).add(login)
    for login, options in candidates.items():
        unique = [o for o in options
                  if len(o) <= width and taken_by.get(o.lower(), set()) == {login}]
        # nothing short and unique: the part that differs, cut by the column ("front…")
        out[login] = unique[0] if unique else (suffixes[login] or login)
    return out
