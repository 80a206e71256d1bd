"""A reply whose send stopped before its data went out because the database went away.

The worker commits the "data-started" marker right before DATA. When the database goes
away at that commit (a failover, a restart), the commit may have landed while its answer
was lost: the recovery then sees a marked item whose worker's lease is gone and settles
it "unconfirmed", for a person to check, though the mail server never had a byte of it.
The worker knows better: it keeps the item (`OutboxWorker._unsent`) and, once the
database answers, queues it again itself, so it is sent once and nobody is asked.
Here the marker commits to the real store and its answer is then lost (the wrapped
marker raises the store's own "database away" error after the commit).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from tests.support.smtpsink import Desk, make_desk

from cxinbox.contract.errors import DatabaseDown
from cxinbox.service.outbox import OutboxWorker

FAR = float(1 << 40)  # a pass's "now": every queued item is due


@pytest.fixture
def desk(tmp_path: Path, dovecot: Any) -> Iterator[Desk]:
    d = make_desk(tmp_path, dovecot)
    yield d
    d.sink.stop()
    d.db.close()


def _stopped_at_the_marker(desk: Desk) -> tuple[OutboxWorker, int]:
    """A reply whose marker committed and whose answer was lost: nothing sent, kept."""
    item_id = desk.queue_reply()
    worker = OutboxWorker(desk.db, desk.config)
    worker._recovered = True  # no other worker's items here to settle
    marker = worker._mark_data_started

    def committed_then_lost(item: int) -> None:
        marker(item)
        worker._mark_data_started = marker  # type: ignore[method-assign]
        raise DatabaseDown("the database does not answer")

    worker._mark_data_started = committed_then_lost  # type: ignore[method-assign]
    assert worker.process_due(FAR) == 0
    view = desk.item(item_id)
    assert view.state == "sending" and view.phase == "data-started"
    assert desk.sink.messages == []
    assert item_id in worker._unsent
    return worker, item_id


def _actions(desk: Desk, item_id: int) -> list[str]:
    return [e.action for e in desk.inbox.events_since(0, 5000)
            if e.action.startswith("outbox.") and e.details.get("outbox") == item_id]


def test_settled_unconfirmed_by_the_recovery_it_is_queued_again_and_sent_once(
        desk: Desk) -> None:
    worker, item_id = _stopped_at_the_marker(desk)
    row = desk.item(item_id)
    worker._unconfirmed(row, "restart after data-started")  # the recovery's verdict
    assert worker.process_due(FAR) == 1
    assert desk.item(item_id).state == "sent"
    assert len(desk.sink.messages) == 1
    said = _actions(desk, item_id)
    assert said.index("outbox.unconfirmed") < said.index("outbox.requeued") \
        < said.index("outbox.sent"), said
    assert worker._unsent == {}
    assert worker.process_due(FAR) == 0 and len(desk.sink.messages) == 1


def test_still_sending_under_this_worker_s_claim_it_is_sent_on_the_next_pass(
        desk: Desk) -> None:
    """The database answers again and the worker's claim stands: no recovery settles an
    item its own live worker holds, so without the kept item it would stay "sending"."""
    worker, item_id = _stopped_at_the_marker(desk)
    assert worker.process_due(FAR) == 1
    assert desk.item(item_id).state == "sent"
    assert len(desk.sink.messages) == 1
    assert "outbox.unconfirmed" not in _actions(desk, item_id)


def test_a_person_s_confirm_meanwhile_stands_and_nothing_is_sent(desk: Desk) -> None:
    """A person confirmed the "unconfirmed" item (they checked with the patient): it is
    theirs; the worker neither requeues nor sends it."""
    worker, item_id = _stopped_at_the_marker(desk)
    worker._unconfirmed(desk.item(item_id), "restart after data-started")
    desk.replies.confirm_sent(item_id)
    assert worker.process_due(FAR) == 0
    assert desk.item(item_id).state == "sent"
    assert desk.sink.messages == []
    assert "outbox.requeued" not in _actions(desk, item_id)
    assert worker._unsent == {}


def test_an_item_claimed_again_since_is_left_to_that_claim(desk: Desk) -> None:
    """Retried by a person and claimed anew by another send: the kept item is of the
    earlier claim (fewer attempts), so it is dropped, not queued over the new send."""
    worker, item_id = _stopped_at_the_marker(desk)
    worker._unconfirmed(desk.item(item_id), "restart after data-started")
    desk.replies.retry(item_id)
    assert OutboxWorker(desk.db, desk.config)._claim(item_id, 1 << 50) is not None
    worker._requeue_unsent()
    view = desk.item(item_id)
    assert view.state == "sending" and view.phase == ""
    assert "outbox.requeued" not in _actions(desk, item_id)
    assert worker._unsent == {}
