"""The provider's automatic reply to a STOP (stored as direction 'auto') starts nothing: the
patient's first real text after it is the conversation's arrival, for the live rules
(`arrivals_after`) and for `cxinbox rules test` (`past_triggers`), as the store says
(store_sms retitles the conversation from that text)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from tests.support.smsprovider import SmsProvider
from tests.test_sms_sync import ANN, CLINIC, OTHER_CLINIC, _env

from cxinbox.store import rules as rules_store


def test_first_text_after_stop_and_the_providers_auto_reply_is_an_arrival(
        tmp_path: Path) -> None:
    with SmsProvider(numbers=[CLINIC, OTHER_CLINIC]) as provider:
        env = _env(tmp_path, provider)
        try:
            now = datetime.now(UTC)
            provider.inject_inbound(ANN, CLINIC, "STOP", at=now - timedelta(minutes=10))
            provider.inject_outbound(CLINIC, ANN, "You have been unsubscribed.",
                                     direction="outbound-reply",
                                     at=now - timedelta(minutes=10, seconds=-1))
            env.poller.poll_once()
            with env.db.read() as conn:
                after_stop = int(conn.execute("SELECT max(id) FROM messages").fetchone()[0])
                directions = [r[0] for r in conn.execute(
                    "SELECT direction FROM messages ORDER BY id")]
            assert directions == ["in", "auto"]
            provider.inject_inbound(ANN, CLINIC, "Can I book a flu shot?",
                                    at=now - timedelta(minutes=1))
            env.poller.poll_once()
            with env.db.read() as conn:
                [(conv, subject)] = conn.execute(
                    "SELECT id, subject FROM conversations").fetchall()
                arrivals = rules_store.arrivals_after(conn, after_stop)
                since = int((now - timedelta(hours=1)).timestamp())
                arrived = rules_store.past_triggers(conn, "arrival", since)
                replied = rules_store.past_triggers(conn, "patient-reply", since)
            assert subject == "Can I book a flu shot?"
            [a] = arrivals
            assert a.conversation_id == conv and a.new_conversation
            assert [t.conversation_id for t in arrived] == [conv]
            assert replied == []
        finally:
            env.poller.close()
