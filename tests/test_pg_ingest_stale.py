"""A PostgreSQL batch counts a message found by its subject into the conversation's row as
the subject match read it, and locks the batch's such rows together before writing them
(store/ingest.py `_PgBatch._lock`). A change staff commit to such a row in between is
caught there: the batch is stored again, reading the row as it now is, and what lands is
what reading it at the message would have stored, nothing twice."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import psycopg
import pytest
from tests.synchelp import write_config

from cxinbox.channels.credentials import resolve_password
from cxinbox.config import load_config
from cxinbox.service.sync import MailSync
from cxinbox.store import ingest
from cxinbox.store.pg.store import PgStore

pytestmark = pytest.mark.dovecot


def _mail(message_id: str, subject: str, hour: int) -> bytes:
    return (f"From: Ann Lee <ann@patient.example>\r\nTo: appointments@clinic.example\r\n"
            f"Subject: {subject}\r\nDate: Tue, 01 Dec 2026 {hour:02}:00:00 +0000\r\n"
            f"Message-ID: <{message_id}>\r\n\r\nHello\r\n").encode()


CC = "cc@other-clinic.example"
"""An address another server's reply copied in (a change to the row's participants that
the batch does not make itself): a batch writing the row as it read it would drop it."""


def _row(store: PgStore) -> tuple[Any, ...]:
    return tuple(store.conn.execute(
        "SELECT c.status, c.message_count, (SELECT count(*) FROM messages m WHERE"
        " m.conversation_id = c.id) FROM conversations c JOIN thread_ids t ON"
        " t.conversation_id = c.id WHERE t.message_id = 'k1@pg.example'").fetchone())


def _participants(store: PgStore) -> list[str]:
    return str(store.conn.execute(
        "SELECT c.participants FROM conversations c JOIN thread_ids t ON t.conversation_id"
        " = c.id WHERE t.message_id = 'k1@pg.example'").fetchone()[0]).split()


@pytest.mark.parametrize("staff_closes", [False, True])
def test_a_row_changed_before_the_batch_locks_it_is_read_again(
        dovecot: Any, tmp_path: Path, pg_url: str, staff_closes: bool,
        monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture) -> None:
    dovecot.deliver_many([_mail("k1@pg.example", "Parking at the clinic", 9)], "INBOX")
    config = load_config(write_config(tmp_path, dovecot))
    store = PgStore(pg_url, max_size=4)
    engine = MailSync(store, config, lambda a: resolve_password(a.name, a.credentials))
    locked: list[int] = []
    changed: list[int] = []
    lock, touch = ingest._PgBatch._lock, ingest._PgBatch.touch

    def locking(self: Any, conn: Any, ids: Any) -> None:
        locked.extend(ids)
        lock(self, conn, ids)

    def touching(self: Any, conn: Any, conv: int, *args: Any) -> Any:
        if staff_closes and not changed:
            # Staff close the conversation after the batch read it as the subject
            # match's candidate and before its row is locked.
            with psycopg.connect(pg_url, autocommit=True) as staff:
                # a row the batch already held would fail here, not hang the test
                staff.execute("SET lock_timeout = '5s'")
                staff.execute("UPDATE conversations SET status = 'closed', participants ="
                              " participants || ' ' || %s WHERE id = %s", (CC, conv))
            changed.append(conv)
        return touch(self, conn, conv, *args)

    try:
        (first,) = engine.sync_once()
        assert first.new == 1
        assert _row(store) == ("open", 1, 1)
        monkeypatch.setattr(ingest._PgBatch, "_lock", locking)
        monkeypatch.setattr(ingest._PgBatch, "touch", touching)
        # No reference, the same subject and patient: found by the subject match.
        dovecot.deliver_many([_mail("k2@pg.example", "Parking at the clinic", 11)], "INBOX")
        with caplog.at_level(logging.INFO, logger="cxinbox.store.ingest"):
            (second,) = engine.sync_once()
        assert second.new == 1
        conv = store.conn.execute("SELECT conversation_id FROM thread_ids WHERE message_id"
                                  " = 'k2@pg.example'").fetchone()[0]
        assert conv in locked  # taken as read, locked with the batch's others
        again = [r for r in caplog.records if "is stored again" in r.getMessage()]
        if staff_closes:
            assert changed == [conv]
            assert len(again) == 1
            # Read as it now is: the patient's message reopens what staff closed, and
            # the address copied in meanwhile stays. Written as first read, the row
            # stays closed (no reopen seen) and loses the address: both tell it.
            assert _row(store) == ("open", 2, 2)
            assert CC in _participants(store)
        else:
            assert not again
            assert _row(store) == ("open", 2, 2)
            assert CC not in _participants(store)
        assert store.conn.execute("SELECT count(*), count(DISTINCT raw_id) FROM messages"
                                  ).fetchone() == (2, 2)
        assert store.conn.execute("SELECT count(*) FROM conversations").fetchone()[0] == 1
    finally:
        engine.close()
        store.close()
