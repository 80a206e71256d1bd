"""A text the SMS provider accepted while the database was away, and a person's confirm or
retry of an unconfirmed text: each settled once, whoever comes first.

The outbox keeps a text the provider accepted when the database did not take its "sent"
record (`OutboxWorker._unrecorded_sms`: the provider's id, status and answer) and records
it once the database is back, as it does a reply the mail server accepted
(tests/test_outbox_unrecorded.py). Every write that settles a text read earlier, the
kept record, the provider's answer to "did this text go out?" (`check_unconfirmed_sms`)
and a person's confirm, is taken only if the item is still in the state it was read in,
its row held to the commit: the one that commits first wins and the others write nothing.
Before, the worker's "the provider has no such text, sending again" could requeue a text
a person had just confirmed (the patient texted twice), and a confirm could record a text
the worker had recorded a moment before (two "send" events, or a second copy under a
placeholder id).

Here the person acts at exactly the racing instant, through the real store (SQLite and
PostgreSQL) and the local provider: the worker's step is wrapped to let them act first.
The last test stops a PostgreSQL server for real between the provider's answer and the
record.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from tests.support.smsprovider import SmsProvider, write_sms_config
from tests.support.waiting import wait_until

from cxinbox.config import Config, load_config
from cxinbox.contract.errors import BadRequest
from cxinbox.service.inbox import InboxService
from cxinbox.service.logsafe import database_away
from cxinbox.service.outbox import OutboxWorker
from cxinbox.service.replies import ReplyService
from cxinbox.service.sms_sync import SmsPoller
from cxinbox.store.interface import Store

CLINIC = "+15550100100"
ANN = "+15557654321"


@dataclass
class Desk:
    provider: SmsProvider
    config: Config
    store: Store
    replies: ReplyService
    inbox: InboxService

    def conversation(self) -> int:
        poller = SmsPoller(self.store, self.config)
        try:
            poller.poll_once()
        finally:
            poller.close()
        convs = self.inbox.list_conversations().items
        assert len(convs) == 1
        return int(convs[0].id)

    def queue(self, text: str) -> int:
        draft = self.replies.start_draft(self.conversation())
        self.replies.save_draft(draft.id, text)
        return self.replies.send(draft.id).id

    def state(self, item_id: int) -> str:
        return self.replies.outbox_item(item_id).state

    def sends(self, item_id: int) -> list[str]:
        return [e.action for e in self.inbox.events_since(0, 5000)
                if e.action in ("send", "outbox.sent", "outbox.retry", "outbox.requeued")
                and e.details.get("outbox") == item_id]

    def texts_out(self) -> list[str]:
        """The clinic's texts stored as messages, by provider id."""
        return [str(r[0]) for r in self.store.conn.execute(  # type: ignore[attr-defined]
            "SELECT message_id FROM messages WHERE channel = 'sms' AND direction = 'out'"
            " ORDER BY id").fetchall()]


def _open_store(backend: str, config: Config, request: pytest.FixtureRequest) -> Store:
    if backend == "sqlite":
        from cxinbox.store.db import Database

        return Database(config.db_path)
    from cxinbox.store.pg.store import PgStore

    return PgStore(request.getfixturevalue("pg_url"), max_size=4)


@pytest.fixture
def desk(tmp_path: Path, store_backend: str, request: pytest.FixtureRequest) -> Iterator[Desk]:
    with SmsProvider(numbers=[CLINIC]) as provider:
        path = write_sms_config(tmp_path, provider, [CLINIC])
        with path.open("a") as handle:
            handle.write("\n[outbox]\nundo_seconds = 0\n")
        config = load_config(path)
        store = _open_store(store_backend, config, request)
        try:
            provider.inject_inbound(ANN, CLINIC, "Can I come at 3?")
            inbox = InboxService(store, config, "maria")
            yield Desk(provider, config, store, ReplyService(inbox), inbox)
        finally:
            store.close()


def _worker(desk: Desk) -> OutboxWorker:
    worker = OutboxWorker(desk.store, desk.config, shared=False)
    worker._recovered = True  # no other process's items here to settle
    return worker


def _accepted(desk: Desk, *, unconfirmed: bool) -> tuple[OutboxWorker, int, str]:
    """A text claimed by a worker, handed to the provider (which accepted it) while the
    database was away: kept by the worker; settled "unconfirmed" (a recovery's verdict
    after a failover), or still "sending" under the worker's claim. Returns the worker,
    the item and the provider's id of the text."""
    item_id = desk.queue("Yes, 3pm is fine.")
    worker = _worker(desk)
    row = worker._claim(item_id, 1 << 50)
    assert row is not None
    worker._mark_data_started(item_id)
    result = worker._sms().send(CLINIC, ANN, row.body)
    if unconfirmed:
        worker._unconfirmed(row, "the database went away after the provider's answer")
    worker._unrecorded_sms[item_id] = (result.sid, result.status, result.message.raw)
    return worker, item_id, result.sid


def _person_first(worker: OutboxWorker, act: Callable[[], object]) -> None:
    """The worker's next record of a text: the person's `act` commits just before it."""
    record = worker.record_sms

    def person_then_worker(*args: Any, **kwargs: Any) -> bool:
        act()
        return record(*args, **kwargs)

    worker.record_sms = person_then_worker  # type: ignore[method-assign]


def test_a_person_s_confirm_just_before_the_kept_record_is_not_recorded_twice(
        desk: Desk) -> None:
    worker, item_id, sid = _accepted(desk, unconfirmed=True)
    _person_first(worker, lambda: desk.replies.confirm_sent(item_id))
    worker._record_unrecorded()
    assert desk.state(item_id) == "sent"
    assert desk.sends(item_id) == ["outbox.sent", "send"]
    assert desk.texts_out() == [sid]  # the person's confirm found it at the provider
    assert worker._unrecorded_sms == {}
    assert len(desk.provider.outbound()) == 1


def test_a_person_s_retry_just_before_the_kept_record_stands(desk: Desk) -> None:
    """The person checked the patient did not get it and retried: queued to send again,
    and the worker records nothing over it."""
    worker, item_id, _ = _accepted(desk, unconfirmed=True)
    _person_first(worker, lambda: desk.replies.retry(item_id))
    worker._record_unrecorded()
    assert desk.state(item_id) == "queued"
    assert desk.sends(item_id) == ["outbox.retry"]
    assert desk.texts_out() == []
    assert worker._unrecorded_sms == {}


def test_a_confirm_after_the_worker_recorded_it_is_refused(desk: Desk) -> None:
    """The other order: the worker records the kept text first; the person's confirm,
    read while it was still unconfirmed, records nothing and says why (before, it
    recorded a second "send")."""
    worker, item_id, sid = _accepted(desk, unconfirmed=True)
    with desk.store.reading() as tx:
        read_before = tx.outbox_item(item_id)
    assert read_before is not None and read_before.state == "unconfirmed"
    worker._record_unrecorded()
    assert desk.state(item_id) == "sent"
    with pytest.raises(BadRequest, match="no longer unconfirmed"):
        _worker(desk).record_confirmed(read_before, "maria")
    assert desk.sends(item_id) == ["outbox.sent", "send"]
    assert desk.texts_out() == [sid]


def test_a_text_still_sending_under_this_worker_s_claim_is_recorded_now(desk: Desk) -> None:
    """The database session ended after the provider's answer but the database answers:
    recorded under the provider's id, without asking the provider again."""
    worker, item_id, sid = _accepted(desk, unconfirmed=False)
    view = desk.replies.outbox_item(item_id)
    assert view.state == "sending" and view.phase == "data-started"
    asked = len(desk.provider.requests)
    worker._record_unrecorded()
    view = desk.replies.outbox_item(item_id)
    assert view.state == "sent" and view.provider_id == sid
    assert desk.sends(item_id) == ["outbox.sent", "send"]
    assert worker._unrecorded_sms == {}
    assert len(desk.provider.requests) == asked


def test_a_confirm_while_the_worker_asks_the_provider_is_not_sent_again(desk: Desk) -> None:
    """The text went out but the provider lists it late. The worker asks it about the
    unconfirmed text (no such text, it hears) while a person confirms the patient got it:
    the worker's "sending again" must not undo the confirm (before, it requeued the text
    and the patient got it twice)."""
    item_id = desk.queue("See you Friday.")
    worker = _worker(desk)
    row = worker._claim(item_id, 1 << 50)
    assert row is not None
    worker._mark_data_started(item_id)
    sid = worker._sms().send(CLINIC, ANN, row.body).sid
    desk.provider.messages[sid].hidden = True  # listed late
    worker._unconfirmed(row, "the provider's answer was lost")
    client = worker._sms()
    find_sent = client.find_sent

    def person_confirms_meanwhile(*args: Any, **kwargs: Any) -> Any:
        found = find_sent(*args, **kwargs)
        desk.replies.confirm_sent(item_id)
        return found

    client.find_sent = person_confirms_meanwhile
    assert worker.process_due() == 0
    assert desk.state(item_id) == "sent"
    client.find_sent = find_sent
    assert worker.process_due() == 0
    assert desk.state(item_id) == "sent"
    assert len(desk.provider.outbound()) == 1
    assert desk.sends(item_id) == ["outbox.sent", "send"]


def test_a_retry_while_the_worker_asks_the_provider_stands(desk: Desk) -> None:
    """The provider does list the text, but a person retried it while the worker asked:
    the person's retry stands (they checked the patient did not get it), and the worker
    records nothing over it."""
    item_id = desk.queue("See you Friday.")
    worker = _worker(desk)
    row = worker._claim(item_id, 1 << 50)
    assert row is not None
    worker._mark_data_started(item_id)
    worker._sms().send(CLINIC, ANN, row.body)
    worker._unconfirmed(row, "the provider's answer was lost")
    client = worker._sms()
    find_sent = client.find_sent

    def person_retries_meanwhile(*args: Any, **kwargs: Any) -> Any:
        found = find_sent(*args, **kwargs)
        desk.replies.retry(item_id)
        return found

    client.find_sent = person_retries_meanwhile
    worker.check_unconfirmed_sms()
    assert desk.state(item_id) == "queued"
    assert desk.sends(item_id) == ["outbox.retry"]
    assert desk.texts_out() == []


# -- the database really goes away between the provider's answer and the record -----------


def test_a_text_accepted_as_the_postgresql_server_stops_is_recorded_once_it_is_back(
        tmp_path: Path) -> None:
    """A PostgreSQL server of its own, stopped (`pg_ctl stop -m fast`) right after the
    provider accepted the text and before the "sent" record: the record fails, the
    worker keeps the provider's answer, and once the server is back the next pass
    records it under the provider's id; the provider was asked to send it once."""
    from tests.support.pgcluster import find_bindir, pg_cluster

    from cxinbox.store.pg.store import PgStore

    if find_bindir() is None:
        pytest.skip("PostgreSQL is not installed")
    with SmsProvider(numbers=[CLINIC]) as provider, pg_cluster() as cluster:
        path = write_sms_config(tmp_path, provider, [CLINIC])
        with path.open("a") as handle:
            handle.write("\n[outbox]\nundo_seconds = 0\n")
        config = load_config(path)
        cluster.create_migrated_database("desk")
        store = PgStore(cluster.url("desk"), max_size=2, timeout_s=5)
        stopped = False
        try:
            provider.inject_inbound(ANN, CLINIC, "Can I come at 3?")
            inbox = InboxService(store, config, "maria")
            desk = Desk(provider, config, store, ReplyService(inbox), inbox)
            item_id = desk.queue("Yes, 3pm is fine.")
            worker = _worker(desk)
            record = worker.record_sms

            def server_stops_first(*args: Any, **kwargs: Any) -> bool:
                nonlocal stopped
                cluster.stop_server()
                stopped = True
                worker.record_sms = record  # type: ignore[method-assign]
                return record(*args, **kwargs)

            worker.record_sms = server_stops_first  # type: ignore[method-assign]
            try:  # the pass goes on after the text and meets the database's absence
                worker.process_due()
            except Exception as exc:  # noqa: BLE001 - any other error fails the test
                assert database_away(exc), exc
            assert stopped and list(worker._unrecorded_sms) == [item_id]
            assert len(provider.outbound()) == 1
            cluster.start_server()
            stopped = False

            def recorded() -> bool:
                with contextlib.suppress(Exception):  # the pool reconnecting
                    worker.process_due()
                return not worker._unrecorded_sms

            wait_until(recorded, "the kept text to be recorded", timeout=60, interval=0.2)
            sids = [m.sid for m in provider.outbound()]
            assert len(sids) == 1
            view = desk.replies.outbox_item(item_id)
            assert view.state == "sent" and view.provider_id == sids[0]
            assert desk.sends(item_id) == ["outbox.sent", "send"]
            assert desk.texts_out() == sids
        finally:
            if stopped:
                with contextlib.suppress(Exception):
                    cluster.start_server()
            store.close()
