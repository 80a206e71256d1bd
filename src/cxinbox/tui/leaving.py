"""Leaving the app the same way whatever ended it: `q`, Ctrl+Q, a closed terminal,
SIGHUP or SIGTERM.

What someone typed in an open composer is saved as the draft first (the composer saves a
second after the last keystroke, so a quit right after typing would lose that second).
The wait is bounded: a server that does not answer must not keep an app whose terminal
is gone alive; after it the app exits and the launcher closes the API and the store.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Iterable
from typing import Protocol, runtime_checkable

SAVE_WAIT_S = 5.0


@runtime_checkable
class KeepsDraft(Protocol):
    """A screen holding typed text that belongs in a draft (the composer)."""

    async def keep_draft(self) -> bool: ...


async def keep_drafts(screens: Iterable[object], wait_s: float = SAVE_WAIT_S) -> None:
    """Save every open composer's text, all at once, for at most `wait_s` seconds."""
    keeping = [screen.keep_draft() for screen in screens if isinstance(screen, KeepsDraft)]
    if keeping:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(asyncio.gather(*keeping, return_exceptions=True), wait_s)
