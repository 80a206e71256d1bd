"""A text whose outcome is unknown is sent again only after the provider said "no such
text" twice, some seconds apart; the provider's proof found meanwhile by another server
wins; a text that went to the provider twice is said (log and alert, provider ids only).

Two servers check unconfirmed texts. The provider lists a text it accepted a moment late:
server B asks first and hears "no such text"; before, it requeued the text at once, and
server A, which found it at the provider a moment later, had its record refused (logged
at INFO): the patient got the text twice and nobody was told. Now B asks again on a later
pass, at least `no_such_text_again_s` later, and A's record stands. And a kept send whose
provider id differs from the one on record (the text went out twice) used to be logged
as "recorded as sent already": now a warning and a health alert name both ids.

Real store (SQLite and PostgreSQL) and the local SMS provider."""

from __future__ import annotations

import logging

import pytest
from tests.support.waiting import wait_until
from tests.test_outbox_sms_unrecorded import ANN, CLINIC, Desk, _accepted, desk  # noqa: F401

from cxinbox.service.health import Health
from cxinbox.service.outbox import OutboxWorker

BODY = "See you Friday."
DUPLICATE_TEXT_KEY = "outbox:duplicate-text"  # outbox.DUPLICATE_TEXT_KEY


def _server(desk: Desk, again_s: float = 60.0) -> OutboxWorker:  # noqa: F811
    worker = OutboxWorker(desk.store, desk.config, shared=True)
    worker._recovered = True  # no other process's items here to settle
    worker.no_such_text_again_s = again_s
    return worker


def _unconfirmed_listed_late(desk: Desk) -> tuple[int, str]:  # noqa: F811
    """A text the provider accepted (and lists late), settled "unconfirmed"."""
    item_id = desk.queue(BODY)
    sender = _server(desk)
    row = sender._claim(item_id, 1 << 50)
    assert row is not None
    sender._mark_data_started(item_id)
    sid = sender._sms().send(CLINIC, ANN, row.body).sid
    desk.provider.messages[sid].hidden = True
    sender._unconfirmed(row, "the provider's answer was lost")
    assert desk.state(item_id) == "unconfirmed"
    return item_id, sid


def test_the_provider_s_proof_found_by_another_server_wins_over_a_first_no_such_text(
        desk: Desk) -> None:  # noqa: F811
    item_id, sid = _unconfirmed_listed_late(desk)
    a, b = _server(desk), _server(desk)
    assert b.check_unconfirmed_sms() == 0  # "no such text": asked again later, not requeued
    assert desk.state(item_id) == "unconfirmed"
    desk.provider.reveal(sid)  # listed now
    assert a.check_unconfirmed_sms() == 1
    assert desk.state(item_id) == "sent"
    assert b.check_unconfirmed_sms() == 0
    assert desk.replies.outbox_item(item_id).provider_id == sid
    assert desk.sends(item_id) == ["outbox.sent", "send"]  # never requeued
    assert len(desk.provider.outbound()) == 1


def test_no_such_text_twice_some_time_apart_sends_it_again(desk: Desk) -> None:  # noqa: F811
    item_id = desk.queue(BODY)
    b = _server(desk, again_s=0.5)
    row = b._claim(item_id, 1 << 50)
    assert row is not None
    b._mark_data_started(item_id)  # the provider never took it
    b._unconfirmed(row, "the provider's answer was lost")
    assert b.check_unconfirmed_sms() == 0
    assert b.check_unconfirmed_sms() == 0  # the second answer came too soon
    assert desk.state(item_id) == "unconfirmed"

    def asked_again() -> bool:
        b.check_unconfirmed_sms()
        return desk.state(item_id) == "queued"

    wait_until(asked_again, "the second 'no such text' to requeue it", timeout=20)
    assert desk.sends(item_id) == ["outbox.requeued"]
    assert desk.provider.outbound() == []


def test_a_kept_send_under_another_provider_id_than_the_recorded_one_is_a_warning(
        desk: Desk, caplog: pytest.LogCaptureFixture) -> None:  # noqa: F811
    worker, item_id, kept_sid = _accepted(desk, unconfirmed=True)
    other = _server(desk)
    again = other._sms().send(CLINIC, ANN, BODY)  # the text went out a second time
    with desk.store.reading() as tx:
        row = tx.outbox_item(item_id)
    assert row is not None
    assert other.record_sms(row, again.sid, again.status, again.message.raw,
                            only_from="unconfirmed")
    caplog.set_level(logging.INFO, logger="cxinbox.service.outbox")
    worker._record_unrecorded()
    assert worker._unrecorded_sms == {}
    warned = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert any(kept_sid in m and again.sid in m for m in warned), warned
    assert not any("recorded as sent already" in r.getMessage() for r in caplog.records)
    assert not any(BODY in r.getMessage() for r in caplog.records)
    alerts = [a for a in Health(desk.store, desk.config).current()
              if a.key == DUPLICATE_TEXT_KEY]
    assert len(alerts) == 1 and kept_sid in alerts[0].message and BODY not in \
        alerts[0].message
