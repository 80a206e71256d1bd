"""A rule's match that fails inside the ingest's transaction leaves that transaction usable.

On PostgreSQL a statement that fails aborts the whole transaction ("current transaction is
aborted, commands ignored until end of transaction block"): a rule's query failing there
would lose the batch it was matched against, which a rule must never do. The rule engine
runs each match in a savepoint; this checks the savepoint holds on both stores with a
condition that only fails when it runs (a division by zero: an error on PostgreSQL, NULL on
SQLite, so SQLite matches nothing and PostgreSQL raises).
"""

from __future__ import annotations

import contextlib
from typing import Any

from cxinbox.store.sqlite import SqlSelection


def test_a_failed_match_in_a_savepoint_keeps_the_transaction(any_store: Any) -> None:
    failing = SqlSelection("(1 / 0) = 1", [])
    with any_store.writing() as tx:
        with contextlib.suppress(Exception), tx.savepoint():
            assert tx.ids_matching([1, 2], failing) == set()
        seq = tx.append_event("rule:probe", "rule.failed", "", {"rule": "probe"})
    with any_store.reading() as tx:
        assert tx.last_event_seq() == seq  # the event after the failure was committed
