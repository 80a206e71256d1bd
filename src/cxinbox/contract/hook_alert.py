"""The key of a server's alert about a notify hook it cannot trust, which carries the
verdict, so a client reads it there rather than from the line's words.

`notify-setup:VERDICT:[SECTION]@SERVER`: VERDICT is `unsafe` (the hook runs, but others
can change it) or `broken` (it cannot run: nobody is paged); SERVER is the host and the
server's socket path (`desk-a:/run/cxinbox/cxinbox.sock`), so servers sharing a PostgreSQL
store, even on one host, each raise and end their own (service/notify_check.py). Older
servers wrote `notify-setup:[sla]@HOST` (or `notify-setup:[sla]`): read with no verdict.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

SETUP_ALERT: Final = "notify-setup"
"""The prefix (apart from `notify:PROGRAM`, the alert of a run that failed, which a
successful run clears: a hook that runs says nothing about who else can rewrite it)."""
UNSAFE: Final = "unsafe"
BROKEN: Final = "broken"


def alert_key(verdict: str, section: str, server: str) -> str:
    return f"{SETUP_ALERT}:{verdict}:{section}@{server}"


@dataclass(frozen=True, slots=True)
class SetupKey:
    """A `notify-setup` key read back: the verdict ("" from an older server), the section
    (`[sla]`) and the server ("" when not named)."""

    verdict: str
    section: str
    server: str


def parse_setup_key(key: str) -> SetupKey | None:
    """The parts of a `notify-setup` key, this form or an older server's; None for any
    other key."""
    prefix = f"{SETUP_ALERT}:"
    if not key.startswith(prefix):
        return None
    rest = key[len(prefix):]
    verdict = ""
    head, sep, tail = rest.partition(":")
    if sep and head in (UNSAFE, BROKEN):
        verdict, rest = head, tail
    section, _, server = rest.partition("@")
    return SetupKey(verdict, section, server)
