"""The audit events a `rules test` replay reads, gathered once (store/rules.py): kept apart
from store/records.py, whose classes are the store's records (slotted dataclasses made on
first use); this one is a working buffer the store fills in place."""

from __future__ import annotations

import bisect
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from cxinbox.store.records import StoredEvent


class ReplayLog:
    """The audit events a replay's rewinds read (store/rules.py), gathered once for all of
    its moments instead of re-read at each: every change a rewind undoes, the
    acknowledgements, STOP/START, away and the ingests, after `base` (the replay's first
    moment), in seq order. Each rehearsal first adds what was recorded since
    (`StoreTx.moment_reads`), so it sees what a read of its own would. What a moment
    reads from before `base` (a team's last pick, a number's STOP, the last ingest) is
    read once, from the database, and kept in `before_base`. Not a record: it is filled
    in place, by the store only."""

    __slots__ = ("base", "before_base", "by_target", "events", "head", "seqs")

    def __init__(self, base: int) -> None:
        self.base = base
        self.head = base
        self.events: list[StoredEvent] = []
        self.seqs: list[int] = []
        self.by_target: dict[str, list[StoredEvent]] = {}
        self.before_base: dict[str, Any] = {}

    def add(self, events: Sequence[StoredEvent]) -> None:
        """Events after `head`, oldest first."""
        for event in events:
            self.events.append(event)
            self.seqs.append(event.seq)
            self.by_target.setdefault(event.target, []).append(event)
            self.head = event.seq

    def after(self, seq: int) -> list[StoredEvent]:
        """The events after `seq` (at least `base`), oldest first."""
        return self.events[bisect.bisect_right(self.seqs, max(seq, self.base)):]

    def back_from(self, seq: int) -> list[StoredEvent]:
        """The events after `base` up to `seq`, newest first."""
        return self.events[:bisect.bisect_right(self.seqs, seq)][::-1]

    def on_target(self, target: str, after: int,
                  actions: Sequence[str]) -> list[StoredEvent]:
        """`StoreTx.later_on_target` read from the log (`after` at least `base`)."""
        return [e for e in self.by_target.get(target, ())
                if e.seq > after and e.action in actions]
