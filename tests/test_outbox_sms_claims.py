"""A text whose outcome a worker asks the provider about is settled only under that
worker's own claim: another worker's newer claim of the same item stands.

Worker A's send of a text ended "maybe sent" (the provider's 5xx); while A asks the
provider whether it went out, A's claim is taken for dead (its lease lapsed), the text is
settled "unconfirmed", a person retries it and worker C claims it to send. The provider
then answers A "no such text": A's requeue must not reset C's claim (before, it checked
the state alone, "sending", found C's claim in it and put the item back to "queued"; C's
record was then refused and the patient got the text twice).

Real store (SQLite and PostgreSQL) and the local SMS provider
(tests/support/smsprovider.py); the workers are the server's own, sharing the store."""

from __future__ import annotations

from typing import Any

from tests.test_outbox_sms_unrecorded import Desk, desk  # noqa: F401

from cxinbox.service.outbox import OutboxWorker


def _worker(desk: Desk) -> OutboxWorker:  # noqa: F811
    worker = OutboxWorker(desk.store, desk.config, shared=True)
    worker._recovered = True  # no other process's items here to settle
    return worker


def test_a_requeue_after_no_such_text_leaves_another_worker_s_claim_alone(
        desk: Desk) -> None:  # noqa: F811
    item_id = desk.queue("See you Friday.")
    a, c = _worker(desk), _worker(desk)
    claimed = a._claim(item_id, 1 << 50)
    assert claimed is not None
    a._mark_data_started(item_id)
    with desk.store.reading() as tx:
        row = tx.outbox_item(item_id)
    assert row is not None and row.state == "sending" and row.owner_pid == claimed.owner_pid
    client = a._sms()
    find_sent = client.find_sent
    c_owner: list[int | None] = []

    def settled_and_claimed_meanwhile(*args: Any, **kwargs: Any) -> Any:
        found = find_sent(*args, **kwargs)  # the provider never took it: None
        with desk.store.reading() as tx:
            fresh = tx.outbox_item(item_id)
        assert fresh is not None
        c._unconfirmed(fresh, "its worker's lease lapsed")
        desk.replies.retry(item_id)
        mine = c._claim(item_id, 1 << 50)
        assert mine is not None and mine.owner_pid != row.owner_pid
        c_owner.append(mine.owner_pid)
        return found

    client.find_sent = settled_and_claimed_meanwhile  # type: ignore[method-assign]
    assert a._resolve_sms(row, "the provider answered 503") == 0
    view = desk.replies.outbox_item(item_id)
    assert view.state == "sending"  # C's claim stands
    with desk.store.reading() as tx:
        now = tx.outbox_item(item_id)
    assert now is not None and now.owner_pid == c_owner[0]
    assert "outbox.requeued" not in [e.action for e in desk.inbox.events_since(0, 5000)
                                     if e.details.get("outbox") == item_id]
    assert desk.provider.outbound() == []  # nothing sent yet: C sends it once


def test_could_not_ask_the_provider_leaves_another_worker_s_claim_alone(
        desk: Desk) -> None:  # noqa: F811
    """The same race when the provider cannot be asked: A's "unconfirmed" must not
    settle C's claim either."""
    from cxinbox.channels.sms import SmsError

    item_id = desk.queue("See you Friday.")
    a, c = _worker(desk), _worker(desk)
    assert a._claim(item_id, 1 << 50) is not None
    a._mark_data_started(item_id)
    with desk.store.reading() as tx:
        row = tx.outbox_item(item_id)
    assert row is not None
    client = a._sms()

    def claimed_meanwhile_then_unreachable(*args: Any, **kwargs: Any) -> Any:
        with desk.store.reading() as tx:
            fresh = tx.outbox_item(item_id)
        assert fresh is not None
        c._unconfirmed(fresh, "its worker's lease lapsed")
        desk.replies.retry(item_id)
        assert c._claim(item_id, 1 << 50) is not None
        raise SmsError("the provider does not answer")

    client.find_sent = claimed_meanwhile_then_unreachable  # type: ignore[method-assign]
    assert a._resolve_sms(row, "the provider answered 503") == 0
    assert desk.replies.outbox_item(item_id).state == "sending"
