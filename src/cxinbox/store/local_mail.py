"""Mail made on this machine (the demo clinic's messages) joins the cache. SQL only.

It goes through the sync's own ingest path, into a folder of its account as if fetched
at the folder's next UID, so threading, contacts, SLA facts and the search index treat it
exactly as synced mail: the demo shows what a real cache would.
"""

from __future__ import annotations

import hashlib
import sqlite3

from cxinbox.domain.models import ParsedMessage
from cxinbox.store.ingest import FetchedMessage, folder_state, ingest_batch


def ingest_local(conn: sqlite3.Connection, *, account: str, folder: str, raw: bytes,
                 parsed: ParsedMessage, at: int, seen: bool, own_addresses: frozenset[str],
                 now: int) -> int:
    """Store one message in the caller's transaction; returns its conversation."""
    state = folder_state(conn, account, folder)
    uid = state.last_uid + 1
    fetched = FetchedMessage(uid=uid, flags="\\Seen" if seen else "", modseq=None,
                             internal_date=at, raw=raw, sha256=hashlib.sha256(raw).digest(),
                             parsed=parsed)
    touched = ingest_batch(conn, state, [fetched], own_addresses=own_addresses,
                           watermark=uid, now=now)
    return next(iter(touched))
