"""Rebuild everything derived from the raw messages: parsed fields and the full-text index.

Conversation membership is left alone on purpose: staff state (status, notes, assignment)
hangs on conversations, and moving messages between them behind people's backs would be
worse than an old threading decision.
"""

from __future__ import annotations

from collections.abc import Callable

from cxinbox.domain.mime import parse_message
from cxinbox.store.interface import Store


def reindex(store: Store, actor: str, progress: Callable[[int], None] | None = None) -> int:
    done = 0
    last_id = 0
    while True:
        with store.reading() as tx:
            batch = tx.raw_batch(last_id, 500)
        if not batch:
            break
        updates = [(message_pk, parse_message(raw)) for message_pk, raw in batch]
        with store.writing() as tx:
            tx.update_parsed(updates)
        last_id = batch[-1][0]
        done += len(batch)
        if progress:
            progress(len(batch))
    with store.writing() as tx:
        tx.rebuild_search_index()
        tx.append_event(actor, "store.reindex", "", {"messages": done})
    return done
