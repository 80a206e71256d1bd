"""When each background loop last finished a round, in this process.

Some loops leave nothing in the database when all is well (the SLA monitor finds nothing
to escalate most rounds), yet monitoring must still tell a loop that runs from one that
hangs. Each such loop notes its round here; the health report reads it. Process memory
only: a restarted server starts with no rounds, and says so until the first one ends.
"""

from __future__ import annotations

import threading
import time

_lock = threading.Lock()
_rounds: dict[str, float] = {}
_leading: set[str] = set()


def note(loop: str, at: float | None = None) -> None:
    """`loop` finished a round now (epoch seconds)."""
    with _lock:
        _rounds[loop] = time.time() if at is None else at


def last(loop: str) -> float | None:
    with _lock:
        return _rounds.get(loop)


def leading(loop: str, held: bool) -> None:
    """This process holds (or no longer holds) the leader lease of `loop`, a job run once
    for the desk (service/leader.py): its rounds are this server's."""
    with _lock:
        if held:
            _leading.add(loop)
        else:
            _leading.discard(loop)


def leads(loop: str) -> bool:
    with _lock:
        return loop in _leading
