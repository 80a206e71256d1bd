"""The whole audit trail as tests read it: every event with every detail, straight from the
store. Clients see less (the change feed, service/feed.py); tests check the trail itself."""

from __future__ import annotations

import json

from cxinbox.contract.types import Event
from cxinbox.store import conversations as convs
from cxinbox.store.db import Database


def trail(db: Database, since: int = 0, limit: int = 1_000_000) -> list[Event]:
    """Events after `since` in order, details included."""
    return [Event(r.seq, r.at, r.actor, r.action, r.target, json.loads(r.details))
            for r in convs.events_after(db.conn, since, limit)]
