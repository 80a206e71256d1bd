"""A reply the mail server accepted while the database was away, recorded once it is back.

The worker keeps such a reply (`OutboxWorker._record_unrecorded`) and records it as sent
when the item is "unconfirmed" (its send settled by the recovery) or still "sending"
under the worker's own claim (the database answers again and the sender lease held).
Between the worker's read of the item and its record a person may act on it: confirm
it (recorded as sent by them) or retry it (queued to send again). Their change wins:
the record is taken in one transaction only if the item is still as it was read, so the
reply is neither recorded twice nor marked sent over a retry. Here the person acts at
exactly that instant, through the real store: the worker's record is wrapped to let
them act first.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from tests.support.smtpsink import Desk, make_desk

from cxinbox.contract.errors import BadRequest
from cxinbox.service.outbox import OutboxWorker


@pytest.fixture
def desk(tmp_path: Path, dovecot: Any) -> Iterator[Desk]:
    d = make_desk(tmp_path, dovecot)
    yield d
    d.sink.stop()
    d.db.close()


def _accepted(desk: Desk, *, unconfirmed: bool) -> tuple[OutboxWorker, int]:
    """A reply claimed by a worker, its message data started and accepted while the
    database was away (kept by the worker); settled "unconfirmed", or still "sending"."""
    item_id = desk.queue_reply()
    worker = OutboxWorker(desk.db, desk.config)
    worker._recovered = True  # no other worker's items here to settle
    row = worker._claim(item_id, 1 << 50)
    assert row is not None
    worker._mark_data_started(item_id)
    if unconfirmed:
        worker._unconfirmed(row, "the connection dropped after DATA")
    worker._unrecorded[item_id] = worker._raw(item_id)
    return worker, item_id


def _person_first(worker: OutboxWorker, act: Callable[[], object]) -> None:
    """The worker's next record of a send: the person's `act` commits just before it."""
    record = worker._record_sent

    def person_then_worker(*args: Any, **kwargs: Any) -> bool:
        act()
        return record(*args, **kwargs)

    worker._record_sent = person_then_worker  # type: ignore[method-assign]


def _sends(desk: Desk, item_id: int) -> list[str]:
    return [e.action for e in desk.inbox.events_since(0, 5000)
            if e.action in ("send", "outbox.sent", "outbox.retry")
            and e.details.get("outbox") == item_id]


def _out(desk: Desk) -> int:
    detail = desk.inbox.get_conversation(desk.conv_id(), record_view=False)
    return sum(1 for m in detail.messages if m.direction == "out")


def test_a_person_s_confirm_just_before_the_record_is_not_recorded_twice(
        desk: Desk) -> None:
    worker, item_id = _accepted(desk, unconfirmed=True)
    _person_first(worker, lambda: desk.replies.confirm_sent(item_id))
    worker._record_unrecorded()
    assert desk.item(item_id).state == "sent"
    assert _sends(desk, item_id) == ["outbox.sent", "send"]
    assert _out(desk) == 1
    assert worker._unrecorded == {}


def test_a_person_s_retry_just_before_the_record_stands(desk: Desk) -> None:
    """The person checked the patient did not get it and retried: the item stays queued
    to send again, and the worker records nothing over it."""
    worker, item_id = _accepted(desk, unconfirmed=True)
    _person_first(worker, lambda: desk.replies.retry(item_id))
    worker._record_unrecorded()
    assert desk.item(item_id).state == "queued"
    assert _sends(desk, item_id) == ["outbox.retry"]
    assert _out(desk) == 0
    assert worker._unrecorded == {}


def test_a_confirm_after_the_worker_recorded_it_is_refused(desk: Desk) -> None:
    """The other order: the worker records it first; the person's confirm, read while it
    was still unconfirmed, then records nothing and says why."""
    worker, item_id = _accepted(desk, unconfirmed=True)
    with desk.db.reading() as tx:
        read_before = tx.outbox_item(item_id)
    assert read_before is not None and read_before.state == "unconfirmed"
    worker._record_unrecorded()
    assert desk.item(item_id).state == "sent"
    with pytest.raises(BadRequest, match="no longer unconfirmed"):
        OutboxWorker(desk.db, desk.config).record_confirmed(read_before, "maria")
    assert _sends(desk, item_id) == ["outbox.sent", "send"]
    assert _out(desk) == 1


def test_a_reply_still_sending_under_this_worker_s_claim_is_recorded_now(
        desk: Desk) -> None:
    """The database session ended mid-send but the database answers: no recovery will
    settle an item this worker's sender still holds, so the worker records it itself
    instead of waiting for ever."""
    worker, item_id = _accepted(desk, unconfirmed=False)
    view = desk.item(item_id)
    assert view.state == "sending" and view.phase == "data-started"
    worker._record_unrecorded()
    assert desk.item(item_id).state == "sent"
    assert _sends(desk, item_id) == ["outbox.sent", "send"]
    assert _out(desk) == 1
    assert worker._unrecorded == {}


def test_a_reply_retried_and_sending_anew_is_left_to_that_send(desk: Desk) -> None:
    """Retried, then claimed again (its message data not started yet): the kept record
    is of the earlier send, and the new one records itself."""
    worker, item_id = _accepted(desk, unconfirmed=True)
    desk.replies.retry(item_id)
    assert OutboxWorker(desk.db, desk.config)._claim(item_id, 1 << 50) is not None
    worker._record_unrecorded()
    view = desk.item(item_id)
    assert view.state == "sending" and view.phase == ""
    assert _sends(desk, item_id) == ["outbox.retry"]
    assert worker._unrecorded == {}
