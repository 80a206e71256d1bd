"""SmsPoller end to end: the local provider -> the store -> what staff see."""

from __future__ import annotations

import json
import logging
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from tests.support.smsprovider import SmsProvider, write_sms_config

from cxinbox.channels.sms import SmsAuthError, SmsClient, SmsServerError
from cxinbox.config import Config, load_config
from cxinbox.service.inbox import InboxService
from cxinbox.service.sms_sync import SmsPoller
from cxinbox.store import sms as sms_store
from cxinbox.store.db import Database

CLINIC = "+15550100100"
OTHER_CLINIC = "+15550100199"  # on the provider account but not in our config
ANN = "+15557654321"
BOB = "+15557650000"


@dataclass
class Env:
    provider: SmsProvider
    config: Config
    db: Database
    poller: SmsPoller
    tmp: Path

    def inbox(self) -> InboxService:
        return InboxService(self.db, self.config, "maria")

    def count(self, sql: str, *args: object) -> int:
        return int(self.db.conn.execute(sql, args).fetchone()[0])

    def messages(self) -> int:
        return self.count("SELECT count(*) FROM messages WHERE channel = 'sms'")

    def conversation_of(self, number: str) -> int:
        return self.count("SELECT id FROM conversations WHERE channel = 'sms' AND from_addr = ?",
                          number)

    def events(self, action: str) -> list[dict[str, object]]:
        return [json.loads(r[0]) for r in self.db.conn.execute(
            "SELECT details FROM events WHERE action = ? ORDER BY seq", (action,))]


def _env(tmp_path: Path, provider: SmsProvider, *, token: str | None = None,
         page_size: int = 1000, overlap_seconds: int = 600, store: Any = None) -> Env:
    config = load_config(write_sms_config(tmp_path, provider, [CLINIC], token=token,
                                          overlap_seconds=overlap_seconds))
    db = Database(config.db_path) if store is None else store
    poller = SmsPoller(db, config,
                       client_factory=lambda c, t: SmsClient(c, t, page_size=page_size,
                                                             sleep=lambda s: None))
    return Env(provider, config, db, poller, tmp_path)


@pytest.fixture
def env(tmp_path: Path, any_store: Any) -> Iterator[Env]:
    """The poller on either store (SQLite, PostgreSQL): the same texts, the same outcome."""
    with SmsProvider(numbers=[CLINIC, OTHER_CLINIC]) as provider:
        e = _env(tmp_path, provider, store=any_store)
        yield e
        e.poller.close()


def ago(**kw: float) -> datetime:
    return datetime.now(UTC) - timedelta(**kw)


def test_inbound_texts_thread_per_clinic_and_patient_number(env: Env) -> None:
    p = env.provider
    p.inject_inbound(ANN, CLINIC, "Can I move my appointment?", at=ago(minutes=30))
    p.inject_inbound(ANN, CLINIC, "Thursday works", at=ago(minutes=20))
    p.inject_inbound(BOB, CLINIC, "Is the lab open Saturday?", at=ago(minutes=10))
    p.inject_inbound(BOB, OTHER_CLINIC, "not for us", at=ago(minutes=5))
    result = env.poller.poll_once()
    assert (result.new, result.duplicates) == (3, 0)
    ann, bob = env.conversation_of(ANN), env.conversation_of(BOB)
    assert ann != bob and env.messages() == 3
    detail = env.inbox().get_conversation(ann, record_view=False)
    assert [m.body for m in detail.messages] == ["Can I move my appointment?", "Thursday works"]
    assert detail.summary.channel == "sms" and detail.summary.mailbox == CLINIC
    assert detail.summary.unread_count == 2 and detail.summary.subject.startswith("Can I move")
    assert all(m.direction == "in" and m.from_addr == ANN for m in detail.messages)
    received = env.events("sms.received")
    assert received and received[-1]["count"] == 3
    assert env.count("SELECT count(*) FROM conversations WHERE contact_id IS NOT NULL") == 2
    with env.db.read() as conn:
        assert sms_store.poll_cursor(conn, CLINIC) is not None


def test_paging_across_pages_stores_every_text_once(tmp_path: Path) -> None:
    with SmsProvider(numbers=[CLINIC]) as p:
        e = _env(tmp_path, p, page_size=4)
        base = ago(hours=1)
        for i in range(14):
            p.inject_inbound(f"+1555765{i:04d}", CLINIC, f"hello {i}",
                             at=base + timedelta(seconds=i))
        assert e.poller.poll_once().new == 14
        lists = [q for m, path, q in p.requests if path.endswith("/Messages.json")
                 and q.get("To") == [CLINIC]]
        assert len(lists) == 4  # 4 + 4 + 4 + 2
        assert e.messages() == 14
        assert e.count("SELECT count(DISTINCT message_id) FROM messages") == 14
        e.db.close()


def test_overlapping_windows_store_duplicates_once(env: Env) -> None:
    for i in range(5):
        env.provider.inject_inbound(ANN, CLINIC, f"text {i}", at=ago(minutes=5 - i))
    first = env.poller.poll_once()
    second = env.poller.poll_once()
    assert first.new == 5 and second.new == 0 and second.duplicates == 5
    assert env.messages() == 5
    assert env.count("SELECT message_count FROM conversations WHERE id = ?",
                     env.conversation_of(ANN)) == 5
    assert len(env.events("sms.received")) == 1  # nothing new, no event


def test_a_text_listed_late_inside_the_overlap_is_picked_up(env: Env) -> None:
    env.provider.inject_inbound(ANN, CLINIC, "first", at=ago(minutes=3))
    late = env.provider.inject_inbound(BOB, CLINIC, "indexed late", at=ago(minutes=4),
                                       hidden=True)
    env.provider.inject_inbound(ANN, CLINIC, "newest", at=ago(minutes=1))
    assert env.poller.poll_once().new == 2
    with env.db.read() as conn:
        cursor = sms_store.poll_cursor(conn, CLINIC)
    assert cursor is not None and cursor > int(ago(minutes=4).timestamp())  # past the late one
    env.provider.reveal(late)
    result = env.poller.poll_once()
    assert result.new == 1 and result.duplicates == 2
    detail = env.inbox().get_conversation(env.conversation_of(BOB), record_view=False)
    assert [m.body for m in detail.messages] == ["indexed late"]


def test_wrong_token_stops_with_a_clear_error_and_stores_nothing(
        tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    with SmsProvider(numbers=[CLINIC]) as p:
        p.inject_inbound(ANN, CLINIC, "hello")
        e = _env(tmp_path, p, token="wrong-token-value")
        with pytest.raises(SmsAuthError):
            e.poller.poll_once()
        assert e.messages() == 0
        with e.db.read() as conn:
            assert sms_store.cursors(conn) == []
        stop = threading.Event()
        caplog.set_level(logging.ERROR, logger="cxinbox.sms")
        worker = threading.Thread(target=e.poller.run, args=(stop,))
        worker.start()
        deadline = time.monotonic() + 60  # a busy machine may take a while to poll once
        while not e.poller.last_error and time.monotonic() < deadline:
            stop.wait(0.02)
        stop.set()
        worker.join(60)
        assert not worker.is_alive()
        # Only the poller's own errors: another test may have left the root logger at DEBUG.
        lines = [r.getMessage() for r in caplog.records
                 if r.name == "cxinbox.sms" and r.levelno >= logging.ERROR]
        assert len(lines) == 1 and "HTTP 401" in lines[0] and "auth token" in lines[0]
        assert "paused" in lines[0] and "wrong-token-value" not in lines[0]
        assert e.messages() == 0
        e.db.close()


@pytest.mark.parametrize("kind", ["429", "500", "drop"])
def test_failures_mid_listing_lose_nothing(tmp_path: Path, kind: str) -> None:
    with SmsProvider(numbers=[CLINIC]) as p:
        e = _env(tmp_path, p, page_size=3)
        base = ago(minutes=40)
        for i in range(10):
            p.inject_inbound(ANN if i % 2 else BOB, CLINIC, f"m{i}", at=base + timedelta(minutes=i))
        p.fail_next(2, kind, retry_after=0)  # within the client's retries
        assert e.poller.poll_once().new == 10
        assert e.messages() == 10
        # Now more failures than one request retries: the poll fails part-way...
        for i in range(10, 16):
            p.inject_inbound(ANN, CLINIC, f"m{i}", at=base + timedelta(minutes=i, seconds=30))
        p.requests.clear()
        real_get = e.poller.client()._get
        calls = {"n": 0}

        def flaky_get(what: str, path: str, params: dict[str, str] | None = None) -> dict[str, object]:
            calls["n"] += 1
            if calls["n"] == 2:  # the second page
                p.fail_next(10, kind, retry_after=0)
            return real_get(what, path, params)

        e.poller.client()._get = flaky_get  # type: ignore[method-assign]
        with pytest.raises(SmsServerError if kind != "429" else Exception):
            e.poller.poll_once()
        p._faults.clear()
        with e.db.read() as conn:
            cursor = sms_store.poll_cursor(conn, CLINIC)
        assert cursor == int((base + timedelta(minutes=9)).timestamp())  # did not move
        e.poller.client()._get = real_get  # type: ignore[method-assign]
        result = e.poller.poll_once()  # ...and the next poll completes it
        assert e.messages() == 16
        assert e.count("SELECT count(DISTINCT message_id) FROM messages") == 16
        assert result.new + result.duplicates == 16
        e.db.close()


def test_run_loop_backs_off_and_recovers(env: Env) -> None:
    env.provider.inject_inbound(ANN, CLINIC, "hello")
    env.provider.fail_next(4, "429", retry_after=0)  # exhausts the client's retries once
    stop = threading.Event()
    results = []

    def done(r: object) -> None:
        results.append(r)
        stop.set()

    worker = threading.Thread(target=env.poller.run, args=(stop,), kwargs={"on_result": done})
    worker.start()
    worker.join(60)
    assert not worker.is_alive() and results
    assert env.messages() == 1 and env.poller.last_error is None


def test_mms_media_become_attachments_without_downloading(env: Env) -> None:
    sid = env.provider.inject_inbound(ANN, CLINIC, "photo of the rash",
                                      media=["image/jpeg", "application/pdf"])
    env.poller.poll_once()
    detail = env.inbox().get_conversation(env.conversation_of(ANN), record_view=False)
    (msg,) = detail.messages
    assert [a.content_type for a in msg.attachments] == ["image/jpeg", "application/pdf"]
    assert msg.attachments[0].filename.endswith(".jpg")
    assert msg.attachments[1].filename.endswith(".pdf")
    assert detail.summary.has_attachment
    raw = json.loads(env.db.conn.execute(
        "SELECT r.data FROM raw_messages r JOIN messages m ON m.raw_id = r.id"
        " WHERE m.message_id = ?", (sid,)).fetchone()[0])
    assert raw["message"]["sid"] == sid and len(raw["media"]) == 2
    assert raw["media"][0]["uri"].endswith(".json") and "/Media/" in raw["media"][0]["uri"]
    media_gets = [path for m, path, q in env.provider.requests if path.endswith("/Media.json")]
    assert len(media_gets) == 1  # listed once; content never requested
    assert not any("/Media/ME" in path for m, path, q in env.provider.requests)


def test_stop_opts_out_and_start_opts_back_in(env: Env) -> None:
    env.provider.inject_inbound(ANN, CLINIC, "Can I book?", at=ago(minutes=10))
    env.provider.inject_inbound(ANN, CLINIC, "  Stop ", at=ago(minutes=5))
    assert env.poller.poll_once().opt_changes == 1
    with env.db.read() as conn:
        assert sms_store.is_opted_out(conn, ANN)  # what the outbox checks before texting
        assert not sms_store.is_opted_out(conn, BOB)
        state = sms_store.opt_state(conn, ANN)
    assert state is not None and state.keyword == "STOP" and state.clinic_number == CLINIC
    conv = env.conversation_of(ANN)
    notes = env.inbox().get_conversation(conv, record_view=False).notes
    assert [n.author for n in notes] == ["system"]
    assert notes[0].body.startswith("Patient opted out by texting STOP")
    assert env.events("sms.opt_out")[0]["number"] == ANN
    # the provider refuses too, so nothing can slip out
    with SmsClient(env.config.sms, env.provider.token) as client, pytest.raises(Exception) as exc:
        client.send(CLINIC, ANN, "Reminder")
    assert getattr(exc.value, "code", None) == 21610

    env.provider.inject_inbound(ANN, CLINIC, "START", at=ago(minutes=2))
    env.poller.poll_once()
    with env.db.read() as conn:
        assert not sms_store.is_opted_out(conn, ANN)
    notes = env.inbox().get_conversation(conv, record_view=False).notes
    assert notes[-1].body.startswith("Patient opted back in by texting START")
    assert len(env.events("sms.opt_in")) == 1


def test_an_old_stop_listed_late_does_not_override_a_newer_start(env: Env) -> None:
    env.provider.inject_inbound(ANN, CLINIC, "STOP", at=ago(minutes=9))
    env.poller.poll_once()
    late = env.provider.inject_inbound(ANN, CLINIC, "stopall", at=ago(minutes=6), hidden=True)
    env.provider.inject_inbound(ANN, CLINIC, "unstop", at=ago(minutes=3))
    env.poller.poll_once()
    env.provider.reveal(late)
    env.poller.poll_once()
    with env.db.read() as conn:
        assert not sms_store.is_opted_out(conn, ANN)


def test_help_and_yes_are_recorded_without_replies(env: Env) -> None:
    env.provider.inject_inbound(BOB, CLINIC, "help", at=ago(minutes=4))
    env.provider.inject_inbound(ANN, CLINIC, "Yes", at=ago(minutes=3))  # a normal answer
    env.poller.poll_once()
    assert len(env.events("sms.help")) == 1
    assert env.events("sms.opt_in") == []  # YES from someone never opted out changes nothing
    keywords = dict(env.db.conn.execute("SELECT patient_number, keyword FROM sms_messages"))
    # A "Yes" that is no opt-in answers the desk: a text, not a keyword (rules, SLA, triage)
    assert keywords == {BOB: "help", ANN: ""}
    assert env.provider.outbound() == []  # we never auto-reply


def test_delivery_status_moves_from_queued_to_delivered(env: Env) -> None:
    with SmsClient(env.config.sms, env.provider.token) as client:
        sent = client.send(CLINIC, ANN, "Your appointment is at 3pm")
        bad = client.send(CLINIC, BOB, "Reminder")
    env.provider.messages[bad.sid].fail_delivery = True
    # what the outbox does once the provider accepted the text
    with env.db.write() as conn:
        for res, to, body in ((sent, ANN, "Your appointment is at 3pm"), (bad, BOB, "Reminder")):
            sms_store.store_sms(conn, sms_store.SmsRecord(
                provider_id=res.sid, clinic_number=CLINIC, patient_number=to, direction="out",
                body=body, at=int(datetime.now(UTC).timestamp()), status=res.status))
    pk = env.count("SELECT id FROM messages WHERE message_id = ?", sent.sid)
    with env.db.read() as conn:
        assert sms_store.delivery_statuses(conn, [pk])[pk].status == "queued"
    assert env.poller.poll_once().status_updates == 0  # nothing moved yet
    env.provider.advance()
    env.provider.advance()  # now "sent": listed with a sent date
    first = env.poller.poll_once()
    assert first.status_updates == 2 and first.new == 0
    env.provider.advance()
    second = env.poller.poll_once()
    assert second.status_updates == 2
    with env.db.read() as conn:
        status = sms_store.delivery_statuses(conn, [pk])[pk]
        bad_pk = env.count("SELECT id FROM messages WHERE message_id = ?", bad.sid)
        failed = sms_store.delivery_statuses(conn, [bad_pk])[bad_pk]
        assert sms_store.open_outbound(conn, [CLINIC], 0) == []
    assert status.status == "delivered"
    assert (failed.status, failed.error_code) == ("undelivered", 30003)
    assert env.events("sms.status")
    assert env.poller.poll_once().status_updates == 0  # final: no more requests needed


def test_texts_sent_outside_cxinbox_are_imported_as_outbound(env: Env) -> None:
    env.provider.inject_inbound(ANN, CLINIC, "Hi", at=ago(minutes=5))
    with SmsClient(env.config.sms, env.provider.token) as client:
        other = client.send(CLINIC, ANN, "Sent from the provider console")
    env.provider.settle()
    env.poller.poll_once()
    detail = env.inbox().get_conversation(env.conversation_of(ANN), record_view=False)
    assert [m.direction for m in detail.messages] == ["in", "out"]
    assert detail.summary.first_response_at is not None
    with env.db.read() as conn:
        assert sms_store.known_sids(conn, [other.sid])[other.sid].status == "delivered"


def test_a_new_text_reopens_a_closed_conversation(env: Env) -> None:
    env.provider.inject_inbound(ANN, CLINIC, "Thanks!", at=ago(minutes=20))
    env.poller.poll_once()
    conv = env.conversation_of(ANN)
    env.inbox().set_status(conv, "closed")
    env.provider.inject_inbound(ANN, CLINIC, "One more question", at=ago(minutes=1))
    env.poller.poll_once()
    assert env.inbox().get_conversation(conv, record_view=False).summary.status == "open"


def test_hostile_bodies_are_stored_raw_and_shown_clean(env: Env) -> None:
    hostile = ("\x1b]52;c;ZXZpbA==\x07[b]bold[/b] [@click=app.quit]x[/] "
               "\x1b[2J\x9b31m hi \u202eevil\x1b]8;;http://x\x1b\\link")
    env.provider.inject_inbound(ANN, CLINIC, hostile)
    env.poller.poll_once()
    stored = env.db.conn.execute("SELECT body_text FROM messages").fetchone()[0]
    assert stored == hostile  # raw as received
    page = env.inbox().list_conversations("channel:sms")
    (summary,) = page.items
    detail = env.inbox().get_conversation(summary.id, record_view=False)
    shown = detail.messages[0].body
    for bad in ("\x1b", "\x9b", "\u202e", "\x07"):
        assert bad not in shown and bad not in summary.subject and bad not in summary.from_addr
    assert "[b]bold[/b]" in shown  # brackets are text, never markup
    assert "hi" in shown and "link" in shown


def test_senders_that_are_not_phone_numbers_make_no_conversation(
        env: Env, caplog: pytest.LogCaptureFixture) -> None:
    """Issue 11: an empty, a 500-digit or an escape-sequence "number" each became a
    conversation. They are refused, logged by sid only and recorded once; a short code and
    a real number still arrive."""
    long = "+1" + "5" * 500
    for sender in ("", long, "\x1b[31mEVIL", "+", "12"):
        env.provider.inject_inbound(sender, CLINIC, "hello")
    env.provider.inject_inbound("72345", CLINIC, "Your prescription is ready")
    env.provider.inject_inbound(ANN, CLINIC, "see you at 3")
    with caplog.at_level(logging.WARNING, logger="cxinbox.sms"):
        result = env.poller.poll_once()
        again = env.poller.poll_once()  # the overlap lists them again
    assert (result.new, result.rejected, again.rejected) == (2, 5, 5)
    numbers = {r[0] for r in env.db.conn.execute(
        "SELECT from_addr FROM conversations WHERE channel = 'sms'")}
    assert numbers == {"72345", ANN}
    rejected = env.events("sms.rejected")
    assert len(rejected) == 5 and all("not a phone number" in str(e["reason"])
                                      or e["reason"] == "no sender number" for e in rejected)
    assert "5" * 20 not in caplog.text and "\x1b" not in caplog.text
    assert all(e["sid"] and "5" * 20 not in json.dumps(e) for e in rejected)


def test_a_body_of_megabytes_is_cut_and_says_so(env: Env) -> None:
    """Issue 11: a 5 MB text became a 5 MB message. It is cut at MAX_BODY_CHARS, the cut is
    said in the text, and nothing near 5 MB is stored."""
    from cxinbox.channels.sms import MAX_BODY_CHARS

    huge = "pain " * (1024 * 1024)
    sid = env.provider.inject_inbound(ANN, CLINIC, huge)
    env.poller.poll_once()
    body = env.db.conn.execute("SELECT body_text FROM messages").fetchone()[0]
    assert body.startswith(huge[:MAX_BODY_CHARS]) and len(body) < MAX_BODY_CHARS + 200
    assert f"cut at {MAX_BODY_CHARS:,} of its {len(huge):,} characters" in body
    assert sid in body
    stored = env.count("SELECT coalesce(sum(length(data)), 0) FROM raw_messages")
    assert stored < 64 * 1024
    shown = env.inbox().get_conversation(env.conversation_of(ANN), record_view=False)
    assert shown.messages[0].body.endswith("]")


def test_a_lone_surrogate_in_a_body_neither_stops_polling_nor_is_lost(tmp_path: Path) -> None:
    """Issue 10 point 8: "\\ud83d" alone is legal JSON; it crashed the poll worker for good."""
    with SmsProvider(numbers=[CLINIC]) as p:
        config = load_config(write_sms_config(tmp_path, p, [CLINIC], poll_seconds=1))
        db = Database(config.db_path)
        poller = SmsPoller(db, config)
        p.inject_inbound(ANN, CLINIC, "chest pain \ud83d since noon", at=ago(minutes=2))
        polls: list[object] = []
        stop = threading.Event()
        worker = threading.Thread(target=poller.run, args=(stop,),
                                  kwargs={"on_result": polls.append}, daemon=True)
        worker.start()
        try:
            for _ in range(500):
                if polls or not worker.is_alive():
                    break
                stop.wait(0.02)
            assert worker.is_alive() and polls, "the poll worker died on the body"
            p.inject_inbound(BOB, CLINIC, "a later text")
            for _ in range(500):
                if db.conn.execute("SELECT count(*) FROM messages").fetchone()[0] == 2:
                    break
                stop.wait(0.02)
        finally:
            stop.set()
            worker.join(60)
        bodies = dict(db.conn.execute("SELECT from_addr, body_text FROM messages"))
        assert bodies == {ANN: "chest pain \ufffd since noon", BOB: "a later text"}
        raw = db.conn.execute("SELECT r.data FROM raw_messages r JOIN messages m"
                              " ON m.raw_id = r.id WHERE m.from_addr = ?", (ANN,)).fetchone()[0]
        assert b"\\ud83d" in raw  # the provider's record kept as it came
        assert json.loads(raw)["message"]["body"] == "chest pain \ud83d since noon"
        assert poller.last_error is None
        db.close()


def test_an_mms_first_listed_as_receiving_gets_its_pictures(env: Env) -> None:
    """Issue 10 point 12: an inbound MMS listed while "receiving" was never read again."""
    sid = env.provider.inject_inbound(ANN, CLINIC, "my insurance card",
                                      media=["image/jpeg", "image/png"], receiving=True)
    env.poller.poll_once()
    conv = env.conversation_of(ANN)
    (first,) = env.inbox().get_conversation(conv, record_view=False).messages
    assert first.attachments == ()
    env.provider.finish_receiving(sid)
    later = env.poller.poll_once(now=datetime.now(UTC) + timedelta(hours=2))  # past the overlap
    detail = env.inbox().get_conversation(conv, record_view=False)
    (msg,) = detail.messages
    assert [a.content_type for a in msg.attachments] == ["image/jpeg", "image/png"]
    assert [a.part_path for a in msg.attachments] == env.provider.media_sids(sid)
    assert detail.summary.has_attachment and later.status_updates == 1
    with env.db.read() as conn:
        assert sms_store.known_sids(conn, [sid])[sid].status == "received"
    assert env.messages() == 1


def test_partially_delivered_is_final_and_not_fetched_again(env: Env) -> None:
    """Issue 10 point 12: partially_delivered was refetched on every poll for three days."""
    with SmsClient(env.config.sms, env.provider.token) as client:
        sent = client.send(CLINIC, ANN, "Your lab results and a map")
    with env.db.write() as conn:
        sms_store.store_sms(conn, sms_store.SmsRecord(
            provider_id=sent.sid, clinic_number=CLINIC, patient_number=ANN, direction="out",
            body="Your lab results and a map", at=int(datetime.now(UTC).timestamp()),
            status=sent.status))
    env.provider.set_status(sent.sid, "partially_delivered")
    assert env.poller.poll_once().status_updates == 1
    env.provider.requests.clear()
    for hours in (1, 5, 30):
        env.poller.poll_once(now=datetime.now(UTC) + timedelta(hours=hours))
    fetches = [path for method, path, _ in env.provider.requests if sent.sid in path]
    assert fetches == []
    with env.db.read() as conn:
        assert sms_store.known_sids(conn, [sent.sid])[sent.sid].status == "partially_delivered"
        assert sms_store.open_outbound(conn, [CLINIC], 0) == []


_SLA_10_MIN = """
[sla.calendars.always]
timezone = "UTC"
[sla.calendars.always.hours]
mon = ["00:00-24:00"]
tue = ["00:00-24:00"]
wed = ["00:00-24:00"]
thu = ["00:00-24:00"]
fri = ["00:00-24:00"]
sat = ["00:00-24:00"]
sun = ["00:00-24:00"]
[[sla.policies]]
name = "texts"
calendar = "always"
first_response = "10m"
"""


def test_an_auto_responder_is_not_a_staff_answer(tmp_path: Path) -> None:
    """Issue 10 point 7: an outbound-reply (TwiML auto-responder) set the first response and
    stopped the SLA clock on a patient's urgent text."""
    with SmsProvider(numbers=[CLINIC]) as p:
        path = write_sms_config(tmp_path, p, [CLINIC])
        path.write_text(path.read_text() + _SLA_10_MIN)
        config = load_config(path)
        db = Database(config.db_path)
        poller = SmsPoller(db, config)
        env = Env(p, config, db, poller, tmp_path)
        p.auto_reply = "Thanks for your message. Reply STOP to opt out."
        p.inject_inbound(ANN, CLINIC, "chest pain since this morning", at=ago(minutes=15))
        p.auto_reply = None
        p.inject_outbound(CLINIC, ANN, "Press 1 to confirm", direction="outbound-call",
                          at=ago(minutes=14))
        poller.poll_once()
        conv = env.conversation_of(ANN)
        detail = env.inbox().get_conversation(conv, record_view=False)
        assert [m.direction for m in detail.messages] == ["in", "auto", "auto"]
        assert detail.summary.first_response_at is None
        assert detail.summary.last_response_at is None
        assert env.inbox().list_conversations("sla:breached").total == 1  # the clock runs
        # A text the desk sends (outbound-api) is the answer.
        with SmsClient(config.sms, p.token) as client:
            client.send(CLINIC, ANN, "Please call 911 now; we are calling you too.")
        p.settle()
        poller.poll_once()
        answered = env.inbox().get_conversation(conv, record_view=False)
        assert answered.summary.first_response_at is not None
        assert [m.direction for m in answered.messages][-1] == "out"
        poller.close()
        db.close()


def test_migration_8_turns_stored_auto_replies_into_automatic_texts(tmp_path: Path) -> None:
    import sqlite3

    from cxinbox.store.schema import MIGRATIONS

    path = tmp_path / "old.db"
    old = sqlite3.connect(path)
    old.executescript("\n".join(MIGRATIONS[:7]) + "\nPRAGMA user_version=7;")
    for sid, direction, provider_direction, at in (
            ("SM1", "in", "inbound", 100), ("SM2", "out", "outbound-reply", 101),
            ("SM3", "out", "outbound-api", 500)):
        raw = json.dumps({"message": {"sid": sid, "direction": provider_direction}}).encode()
        old.execute("INSERT INTO raw_messages (sha256, size, data) VALUES (?, ?, ?)",
                    (sid.encode(), len(raw), raw))
        if sid == "SM1":
            old.execute("INSERT INTO conversations (channel, mailbox, from_addr, created_at,"
                        " last_message_at, first_response_at, last_response_at)"
                        " VALUES ('sms', ?, ?, 100, 500, 101, 500)", (CLINIC, ANN))
        old.execute("INSERT INTO messages (raw_id, conversation_id, channel, direction,"
                    " message_id, date) VALUES (last_insert_rowid(), 1, 'sms', ?, ?, ?)",
                    (direction, sid, at))
    old.commit()
    old.close()
    path.chmod(0o600)
    db = Database(path)
    directions = dict(db.conn.execute("SELECT message_id, direction FROM messages"))
    assert directions == {"SM1": "in", "SM2": "auto", "SM3": "out"}
    assert tuple(db.conn.execute("SELECT first_response_at, last_response_at FROM conversations"
                                 ).fetchone()) == (500, 500)
    db.close()


def test_texts_are_assessed_before_the_write_transaction_with_the_same_findings(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The poller runs the detectors on new texts before it takes the write lock; what it
    stores must be exactly what assessing inside the transaction stores."""
    from cxinbox.service import redflags, sms_sync

    inside: list[int] = []
    real_assess = redflags._assess

    def counted(cand: object) -> object:
        inside.append(1)
        return real_assess(cand)  # type: ignore[arg-type]

    monkeypatch.setattr(redflags, "_assess", counted)
    texts = [(ANN, "cant breathe, lips turning blue", 30),
             (BOB, "this bill is giving me a heart attack lol", 25),
             ("+15557650001", "no chest pain anymore, thanks. can i pay online?", 20),
             ("+15557650002", "mi bebé de 2 meses tiene fiebre de 38.5", 15),
             ("+15557650003", "need a refill of my metformin please", 10),
             (ANN, "still cant breathe well", 5)]
    found = []
    with SmsProvider(numbers=[CLINIC]) as provider:
        for number, body, minutes in texts:
            provider.inject_inbound(number, CLINIC, body, at=ago(minutes=minutes))
        for name in ("before", "inside"):
            (tmp_path / name).mkdir()
            if name == "inside":
                monkeypatch.setattr(sms_sync, "_assess_new", lambda *a, **k: {})
            e = _env(tmp_path / name, provider)
            try:
                inside.clear()
                assert e.poller.poll_once().new == len(texts)
                assert len(inside) == (0 if name == "before" else len(texts)), name
                found.append((
                    e.db.conn.execute(
                        "SELECT message_id, intent, intent_confidence, red_flag,"
                        " red_flag_matched FROM messages ORDER BY message_id").fetchall(),
                    e.db.conn.execute("SELECT from_addr, red_flag, intent, priority FROM"
                                      " conversations ORDER BY from_addr").fetchall(),
                    e.count("SELECT count(*) FROM events WHERE action = 'redflag.raised'")))
            finally:
                e.poller.close()
                e.db.close()
    before, inline = found
    assert before == inline
    flagged = {row[0]: row[1] for row in before[1] if row[1] is not None}
    assert flagged == {ANN: "breathing", "+15557650002": "infant_fever"}
    assert before[2] == 2


def test_show_says_why_after_stop_then_yes_as_an_opt_in(env: Env) -> None:
    """review25 #10: STOP then YES (an opt-in here, stored as a keyword): the conversation
    is filed under `other` and `show` says it holds only keywords, naming both."""
    env.provider.inject_inbound(ANN, CLINIC, "STOP", at=ago(minutes=6))
    env.poller.poll_once()
    env.provider.inject_inbound(ANN, CLINIC, "Yes", at=ago(minutes=3))
    env.poller.poll_once()
    with env.db.read() as conn:
        assert not sms_store.is_opted_out(conn, ANN)  # the YES was the opt-in
        stored = [r[0] for r in conn.execute(
            "SELECT keyword FROM sms_messages WHERE direction = 'in' ORDER BY message_pk")]
    assert stored == ["stop", "start"]
    detail = env.inbox().get_conversation(env.conversation_of(ANN), record_view=False)
    assert detail.summary.intent == "other"
    assert detail.intent_why.startswith("the patient texted only SMS keywords (STOP, YES)")
