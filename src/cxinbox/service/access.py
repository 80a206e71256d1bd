"""Refusals at the server's door, written to the audit trail.

A person refused at connect time (not on the roster, too many connections) never reaches
a service call that could record it, so the server records it here. A refused client can
retry in a loop, so one event stands for every refusal of the same user for the same
reason within `window_s`: the trail says who knocked and how often, and a flood of
connection attempts cannot flood the event table.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field

from cxinbox.store.interface import Store


@dataclass
class RefusalLog:
    store: Store
    window_s: float = 60.0
    _seen: dict[tuple[str, str], tuple[float, int]] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def record(self, os_user: str, reason: str, details: dict[str, object]) -> bool:
        """Write an `access.denied` event unless one for (user, reason) is recent; the next
        one written carries how many were folded into it. True when an event was written."""
        now = time.monotonic()
        key = (os_user, reason)
        with self._lock:
            last, folded = self._seen.get(key, (-self.window_s, 0))
            if now - last < self.window_s:
                self._seen[key] = (last, folded + 1)
                return False
            self._seen[key] = (now, 0)
        with self.store.writing() as tx:
            tx.append_event(os_user, "access.denied", "server",
                            {"what": reason, "at": "connect", "refused_since_last": folded,
                             **details})
        return True
