"""The satisfaction question end to end in one process: close -> question through the
outbox (the local SMS provider counts what it got) -> the patient's answer at ingest."""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from tests.support.smsprovider import SmsProvider, write_sms_config

from cxinbox.config import Config, load_config
from cxinbox.contract.errors import Forbidden
from cxinbox.service.csat import CsatService
from cxinbox.service.inbox import InboxService
from cxinbox.service.outbox import OutboxWorker
from cxinbox.service.sms_sync import SmsPoller
from cxinbox.store.db import Database

CLINIC = "+15550100100"
CLINIC2 = "+15550100101"
ANN = "+15557654321"
QUESTION_EN = "How did we do? Reply 1-5 (5 = excellent). Reply STOP to opt out."


@dataclass
class Env:
    provider: SmsProvider
    config: Config
    db: Database
    inbox: InboxService
    worker: OutboxWorker
    csat: CsatService

    def poll(self) -> None:
        poller = SmsPoller(self.db, self.config)
        try:
            poller.poll_once()
        finally:
            poller.close()

    def text_in(self, body: str, to: str = CLINIC) -> int:
        self.provider.inject_inbound(ANN, to, body)
        self.poll()
        return int(self.db.conn.execute(
            "SELECT id FROM conversations WHERE channel = 'sms' AND mailbox = ?",
            (to,)).fetchone()[0])

    def status(self, conv: int) -> str:
        return str(self.db.conn.execute("SELECT status FROM conversations WHERE id = ?",
                                        (conv,)).fetchone()[0])

    def request(self, conv: int) -> tuple[str, str, int | None]:
        row = self.db.conn.execute("SELECT state, reason, rating FROM csat_requests"
                                   " WHERE conversation_id = ?", (conv,)).fetchone()
        return (str(row[0]), str(row[1]), row[2])

    def questions(self) -> list[str]:
        return [m.body for m in self.provider.outbound()]

    def events(self, action: str) -> list[tuple[str, str]]:
        return [(str(r[0]), str(r[1])) for r in self.db.conn.execute(
            "SELECT actor, details FROM events WHERE action = ? ORDER BY seq", (action,))]


def _env(tmp_path: Path, delay: int, extra: str = "") -> Iterator[Env]:
    with SmsProvider(numbers=[CLINIC, CLINIC2]) as provider:
        path = write_sms_config(tmp_path, provider, [CLINIC, CLINIC2])
        with path.open("a") as handle:
            handle.write(f"\n[outbox]\nundo_seconds = 0\n\n[csat]\nenabled = true\n"
                         f"delay_minutes = {delay}\n{extra}")
        config = load_config(path)
        db = Database(config.db_path)
        try:
            yield Env(provider, config, db, InboxService(db, config, "maria"),
                      OutboxWorker(db, config), CsatService(db, config))
        finally:
            db.close()


@pytest.fixture
def env(tmp_path: Path) -> Iterator[Env]:
    yield from _env(tmp_path, delay=10)


@pytest.fixture
def now_env(tmp_path: Path) -> Iterator[Env]:
    """No delay: the question goes in the round right after the close."""
    yield from _env(tmp_path, delay=0)


def test_question_goes_once_after_the_delay(env: Env) -> None:
    conv = env.text_in("Can I come at 3?")
    env.inbox.set_status(conv, "closed")
    t0 = int(time.time())
    assert env.csat.round(t0) == 0
    assert env.csat.round(t0 + 590) == 0
    env.worker.process_due()
    assert env.questions() == []
    assert env.csat.round(t0 + 601) == 1
    env.worker.process_due()
    assert env.questions() == [QUESTION_EN]
    # Later rounds, a restart (a new service) and the outbox again: still one question.
    assert env.csat.round(t0 + 700) == 0
    assert CsatService(env.db, env.config).round(t0 + 800) == 0
    env.worker.process_due()
    assert env.questions() == [QUESTION_EN]
    assert env.request(conv)[0] == "sent"
    assert [a for a, _ in env.events("csat.asked")] == ["csat"]
    assert env.status(conv) == "closed"


def test_reopened_before_the_delay_is_not_asked_until_closed_again(env: Env) -> None:
    conv = env.text_in("Can I come at 3?")
    env.inbox.set_status(conv, "closed")
    t0 = int(time.time())
    env.csat.round(t0)
    env.inbox.set_status(conv, "open")
    assert env.csat.round(t0 + 601) == 0
    env.worker.process_due()
    assert env.questions() == []
    assert env.request(conv)[:2] == ("cancelled", "reopened")
    env.inbox.set_status(conv, "closed")
    assert env.csat.round(t0 + 1300) == 1
    env.worker.process_due()
    assert env.questions() == [QUESTION_EN]


def test_excluded_tag_is_never_asked(env: Env) -> None:
    conv = env.text_in("Can I come at 3?")
    env.inbox.tag(conv, add=["billing-dispute"])
    env.inbox.set_status(conv, "closed")
    assert env.csat.round(int(time.time()) + 601) == 0
    env.worker.process_due()
    assert env.questions() == []
    assert env.request(conv)[:2] == ("skipped", "excluded tag billing-dispute")
    assert env.events("csat.skipped")[0][0] == "csat"


ROSTER = ('\n[[staff]]\nos_user = "maria"\nname = "Maria"\n'
          '\n[[staff]]\nos_user = "drlee"\nname = "Dr Lee"\nclinical = true\n')


@pytest.fixture
def flag_env(tmp_path: Path) -> Iterator[Env]:
    yield from _env(tmp_path, delay=10, extra=ROSTER)


def _closed_and_asked(env: Env, conv: int) -> tuple[str, str, int | None]:
    try:
        env.inbox.set_status(conv, "closed")
    except Forbidden:  # an agent may not put an open red flag away: the clinician does
        InboxService(env.db, env.config, "drlee").set_status(conv, "closed")
    env.csat.round(int(time.time()) + 601)
    env.worker.process_due()
    return env.request(conv)


@pytest.mark.parametrize("story", ["tagged", "tag removed", "cleared", "cleared and untagged",
                                   "detector", "detector untagged", "detector cleared"])
def test_a_conversation_that_ever_had_a_red_flag_is_never_asked(flag_env: Env,
                                                                  story: str) -> None:
    """The one red-flag state decides, not the tag: open (whoever raised it, tag or no
    tag) or cleared by a clinician, no "how did we do?" after an emergency."""
    env = flag_env
    drlee = InboxService(env.db, env.config, "drlee")
    if story.startswith("detector"):
        conv = env.text_in("crushing chest pain since last night, can't breathe well")
        tags = {str(r[0]) for r in env.db.conn.execute(
            "SELECT tag FROM conversation_tags WHERE conversation_id = ?", (conv,))}
        assert "red-flag" in tags  # the detector raised it
    else:
        conv = env.text_in("Can I come at 3?")
        env.inbox.tag(conv, add=["red-flag"])
    if "cleared" in story:
        drlee.clear_red_flag(conv, "called the patient back")
    if "untagged" in story or story == "tag removed":
        # (an open flag's tags come off only by someone who may clear it, who need not)
        (env.inbox if "cleared" in story else drlee).tag(
            conv, remove=["red-flag", "red-flag:chest-pain"])
    flagged_now = "cleared" not in story
    state, reason, _ = _closed_and_asked(env, conv)
    assert env.questions() == []
    assert (state, reason) == ("skipped", "red flag open" if flagged_now
                               else "red flag raised before")


def test_never_flagged_is_asked_with_the_red_flag_tag_unexcluded(tmp_path: Path) -> None:
    """The control: without any flag the same story asks (so the skips above are the
    flag's doing, and the default excluded tags are not what stopped them)."""
    for env in _env(tmp_path, delay=10, extra='excluded_tags = []\n' + ROSTER):
        conv = env.text_in("Can I come at 3?")
        assert _closed_and_asked(env, conv)[0] == "sent"
        assert env.questions() == [QUESTION_EN]


def test_opted_out_number_is_never_asked(env: Env) -> None:
    conv = env.text_in("Can I come at 3?")
    env.text_in("STOP")
    env.inbox.set_status(conv, "closed")
    assert env.csat.round(int(time.time()) + 601) == 0
    env.worker.process_due()
    assert env.questions() == []
    assert env.request(conv)[:2] == ("skipped", "opted out of texts")


def test_same_patient_is_asked_once_in_the_frequency_window(env: Env) -> None:
    first = env.text_in("Can I come at 3?", CLINIC)
    second = env.text_in("And my refill?", CLINIC2)
    assert first != second
    env.inbox.set_status(first, "closed")
    env.inbox.set_status(second, "closed")
    assert env.csat.round(int(time.time()) + 601) == 1
    env.worker.process_due()
    assert len(env.questions()) == 1
    assert env.request(second)[:2] == ("skipped", "patient asked within 30 days")


def _asked(env: Env, body: str = "Can I come at 3?") -> int:
    conv = env.text_in(body)
    env.inbox.set_status(conv, "closed")
    assert env.csat.round(int(time.time())) == 1
    env.worker.process_due()
    assert len(env.questions()) == 1
    return conv


def test_a_bare_rating_is_stored_and_does_not_reopen(now_env: Env) -> None:
    conv = _asked(now_env)
    now_env.text_in("5")
    assert now_env.request(conv)[2] == 5
    assert now_env.status(conv) == "closed"
    detail = now_env.inbox.get_conversation(conv, record_view=False)
    assert [n.body for n in detail.notes] == ["Patient rated 5/5"]
    assert [m.body for m in detail.messages][-1] == "5"
    assert now_env.events("csat.rated")[0][0] == "csat"


def test_a_rating_with_a_comment_is_stored_and_reopens(now_env: Env) -> None:
    conv = _asked(now_env)
    now_env.text_in("4, but the wait was long")
    assert now_env.request(conv)[2] == 4
    assert now_env.status(conv) == "open"
    assert [tuple(r) for r in now_env.db.conn.execute(
        "SELECT rating_only FROM csat_answers")] == [(0,)]


def test_a_second_rating_replaces_the_first(now_env: Env) -> None:
    conv = _asked(now_env)
    now_env.text_in("3")
    now_env.text_in("5 ⭐")
    assert now_env.request(conv)[2] == 5
    assert now_env.status(conv) == "closed"
    notes = [n.body for n in now_env.inbox.get_conversation(conv, record_view=False).notes]
    assert notes == ["Patient rated 3/5", "Patient rated 5/5 (replaces the earlier 3/5)"]
    answers = [tuple(r) for r in now_env.db.conn.execute(
        "SELECT rating, rating_only FROM csat_answers ORDER BY message_pk")]
    assert answers == [(3, 1), (5, 1)]


def test_a_reply_that_is_no_rating_reopens_as_ever(now_env: Env) -> None:
    conv = _asked(now_env)
    now_env.text_in("5 pm works for me")
    assert now_env.request(conv)[2] is None
    assert now_env.status(conv) == "open"


def test_spanish_patient_gets_the_spanish_question(now_env: Env) -> None:
    _asked(now_env, "Hola, necesito una cita para mi hijo por favor")
    assert now_env.questions()[0].startswith("¿Cómo lo hicimos?")


def test_configured_question_text(tmp_path: Path) -> None:
    for env in _env(tmp_path, 0, 'question_sms_en = "Rate us 1-5, {x}"\n'):
        _asked(env)
        assert env.questions() == ["Rate us 1-5, {x}"]


def test_disabled_asks_nothing(tmp_path: Path) -> None:
    for env in _env(tmp_path, 0, ""):
        object.__setattr__(env.config.csat, "enabled", False)
        conv = env.text_in("Can I come at 3?")
        env.inbox.set_status(conv, "closed")
        assert CsatService(env.db, env.config).round(int(time.time())) == 0


def test_patient_text_never_reaches_the_log(now_env: Env, caplog: pytest.LogCaptureFixture,
                                            ) -> None:
    caplog.set_level(logging.DEBUG)
    conv = _asked(now_env, "Secret symptom words here")
    now_env.text_in("4, but the wait was horribly long")
    assert now_env.status(conv) == "open"
    for secret in ("Secret symptom", "horribly long", ANN, "How did we do"):
        assert secret not in caplog.text


def test_retention_purge_takes_the_question_and_answer_with_the_conversation(
        now_env: Env) -> None:
    from cxinbox.store import retention

    conv = _asked(now_env)
    now_env.text_in("5")
    with now_env.db.write() as conn:
        retention.purge(conn, [conv], apply=True)
    assert now_env.db.conn.execute("SELECT count(*) FROM csat_requests").fetchone()[0] == 0
    assert now_env.db.conn.execute("SELECT count(*) FROM csat_answers").fetchone()[0] == 0
    assert now_env.db.conn.execute("SELECT count(*) FROM conversations").fetchone()[0] == 0
