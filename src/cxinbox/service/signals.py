"""In-process nudges between the server's parts, without a dependency between them.

When a person reads a conversation, the mail threads (in IDLE, possibly for 25 minutes)
should write \\Seen back to the server now, so colleagues in Outlook see it read. The
service bumps a counter; each folder thread leaves IDLE when it moved.
"""

from __future__ import annotations

import threading

_lock = threading.Lock()
_seen = 0


def seen_changed() -> None:
    global _seen
    with _lock:
        _seen += 1


def seen_generation() -> int:
    return _seen
