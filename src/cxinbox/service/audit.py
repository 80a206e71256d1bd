"""Reading the audit trail: who saw and did what, for supervisors and admins only.

The event table is both the change feed and the audit trail. Reading it as a trail is itself
audited ("audit.read", with the filters used and how many events were returned), so a
supervisor looking into a colleague leaves the same kind of mark as everyone else.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from cxinbox.contract.errors import BadRequest
from cxinbox.contract.types import Event
from cxinbox.domain.sanitize import clean_line
from cxinbox.service.inbox import InboxService

MAX_AUDIT_ROWS = 1_000_000


def _clean(value: Any) -> Any:
    """Strings in event details may hold staff input (tags, queries): never raw to a terminal."""
    if isinstance(value, str):
        return clean_line(value)
    if isinstance(value, list):
        return [_clean(v) for v in value]
    if isinstance(value, dict):
        return {clean_line(str(k)): _clean(v) for k, v in value.items()}
    return value


class AuditService:
    """Audit-trail reads on behalf of one acting staff member (through their InboxService)."""

    def __init__(self, inbox: InboxService) -> None:
        self.inbox = inbox

    def read(self, query: str = "", *, since: datetime | None = None, actor: str | None = None,
             conversation: int | None = None, limit: int | None = 200,
             until: datetime | None = None) -> list[Event]:
        """Events matching every filter, oldest first (the newest `limit` of them): from
        `since` on, before `until`."""
        inbox = self.inbox
        inbox.require_role("reading the audit log")
        if limit is not None and not 0 < limit <= MAX_AUDIT_ROWS:
            raise BadRequest(f"limit must be 1..{MAX_AUDIT_ROWS}")
        selection = inbox.selection(query) if query.strip() else None
        since_ms = int(since.timestamp() * 1000) if since is not None else None
        until_ms = int(until.timestamp() * 1000) if until is not None else None
        if since_ms is not None and until_ms is not None and until_ms <= since_ms:
            raise BadRequest("until must be after since")
        target = f"conversation:{conversation}" if conversation is not None else None
        with inbox.store.reading() as tx:
            rows = tx.find_events(since_ms=since_ms, actor=actor, target=target,
                                  conversations=selection, limit=limit, until_ms=until_ms)
        events = [Event(r.seq, r.at, clean_line(r.actor), clean_line(r.action),
                        clean_line(r.target), _clean(json.loads(r.details)))
                  for r in rows]
        with inbox.store.writing() as tx:
            tx.append_event(inbox.actor, "audit.read", "", {
                "query": query, "since": since_ms, "until": until_ms, "actor": actor,
                "conversation": conversation, "limit": limit, "count": len(events)})
        return events
