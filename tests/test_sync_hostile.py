"""Hostile and broken mail through the whole path: server -> sync -> store -> API."""

from __future__ import annotations

import os
import sysconfig
from pathlib import Path
from typing import Any

import pytest
from tests.support.mailgen import hostile_messages
from tests.synchelp import (
    live_message_count,
    make_sync,
    server_digests,
    store_digests,
    write_config,
)

from cxinbox.service.inbox import InboxService

pytestmark = pytest.mark.dovecot

FORBIDDEN = ("\x1b", "\x9b", "\x07", "\x00", "\u202e", "\x9d")


def _cpython_email_corpus() -> list[bytes]:
    data = Path(sysconfig.get_paths()["stdlib"]) / "test" / "test_email" / "data"
    if not data.is_dir():
        if os.environ.get("CI") == "true":
            pytest.fail(f"CPython's test_email data is missing at {data}")
        pytest.skip("CPython test_email data not installed")
    return [p.read_bytes() for p in sorted(data.iterdir()) if p.is_file()]


def test_every_hostile_and_broken_message_is_stored_and_shown_safely(dovecot: Any,
                                                                     tmp_path: Path) -> None:
    corpus = _cpython_email_corpus() + [raw for _name, raw in hostile_messages()]
    dovecot.deliver_many(corpus, "INBOX")
    config, db, engine = make_sync(write_config(tmp_path, dovecot))
    try:
        (result,) = engine.sync_once()
        expected = server_digests(dovecot)
        assert result.new == len(expected)
        assert store_digests(db) == expected, "a message was dropped or altered"
        # Distinct raw messages on the server, each kept exactly once.
        assert live_message_count(db) == len(set(expected.values()))
        service = InboxService(db, config, "maria")
        page = service.list_conversations("", 0, 1000)
        assert page.total > 0
        for summary in page.items:
            for text in (summary.subject, summary.from_name, summary.from_addr):
                assert not any(ch in text for ch in FORBIDDEN), repr(text)
            detail = service.get_conversation(summary.id, record_view=False)
            for m in detail.messages:
                for text in (m.subject, m.from_name, m.body, *m.to):
                    assert not any(ch in text for ch in FORBIDDEN), repr(text[:200])
        subjects = " ".join(s.subject for s in page.items)
        assert "[/bold]" in subjects or "[@click=app.quit]" in subjects  # kept, as literal text
        flagged = db.conn.execute("SELECT count(*) FROM messages WHERE problems != ''")
        assert flagged.fetchone()[0] > 0  # broken ones are flagged, not dropped
    finally:
        engine.close()
        db.close()
