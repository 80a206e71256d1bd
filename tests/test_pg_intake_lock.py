"""Two intakes on one PostgreSQL database never interleave: each takes the intake's turn
(`StoreTx.hold_intake`) first, so a message stored by one and committed after the other's
is still triaged (it would otherwise fall behind the triage position, a patient's chest pain
never assessed) and arrival rules fire once, for the ids each intake stored. Several write
transactions of one server (PgStore's WRITERS), and several servers, run at once."""

from __future__ import annotations

import hashlib
import threading
import time
from datetime import UTC, datetime
from typing import Any

from tests.support.waiting import wait_until

from cxinbox.config import load_config_text
from cxinbox.domain.models import Address, ParsedMessage
from cxinbox.service import redflags
from cxinbox.store import ingest
from cxinbox.store.pg.store import PgStore

CONFIG = load_config_text('[clinic]\ntimezone = "UTC"\n')


def _message(mailbox: str, body: str) -> tuple[ingest.FetchedMessage, str]:
    own = f"{mailbox}@clinic.example"
    parsed = ParsedMessage(
        message_id=f"m1.{mailbox}@p.example", in_reply_to=None, references=[],
        subject="question", from_addr=Address("", f"p1.{mailbox}@p.example"),
        to=[Address("", own)], cc=[], reply_to=[], date=datetime.now(UTC), body_text=body)
    raw = f"{body} {mailbox}".encode()
    return ingest.FetchedMessage(1, "", None, None, raw, hashlib.sha256(raw).digest(),
                                 parsed), own


def _intake(store: PgStore, mailbox: str, body: str, stored: threading.Event | None,
            go: threading.Event | None, out: dict[str, Any]) -> None:
    message, own = _message(mailbox, body)
    with store.writing() as tx:
        tx.hold_intake()
        state = ingest.folder_state(tx.conn, mailbox, "INBOX")
        ingest.ingest_batch(tx.conn, state, [message], own_addresses=frozenset({own}),
                            watermark=1, now=int(time.time()), index_text=False)
        if stored is not None and go is not None:
            stored.set()
            assert go.wait(120)
        out[mailbox] = redflags.triage_arrivals(tx, CONFIG, int(time.time()), {})


def test_an_intake_waits_for_the_one_before_it_and_every_message_is_triaged(
        pg_cluster: Any) -> None:
    cluster = pg_cluster
    cluster.create_migrated_database("intake_lock")
    store = PgStore(cluster.url("intake_lock"), max_size=8)
    try:
        stored, go = threading.Event(), threading.Event()
        out: dict[str, Any] = {}
        first = threading.Thread(target=_intake, args=(
            store, "desk", "I have crushing chest pain and cannot breathe", stored, go, out))
        first.start()
        assert stored.wait(120)
        second = threading.Thread(target=_intake, args=(
            store, "billing", "question about my bill", None, None, out))
        second.start()
        # the second intake waits on the first's turn (an advisory lock), not past it
        def waiting() -> bool:  # each statement its own transaction: a fresh view
            row = store.conn.execute(
                "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock'"
                " AND wait_event = 'advisory'").fetchone()
            return int(row[0]) >= 1
        wait_until(waiting, timeout=120, what="the second intake waiting its turn")
        assert "billing" not in out
        go.set()
        first.join(120)
        second.join(120)
        assert not first.is_alive() and not second.is_alive()
        with store.reading() as tx:
            flags = [r[0] for r in tx.conn.execute("SELECT red_flag FROM messages ORDER BY id")]
        assert flags == ["chest_pain", None], flags
    finally:
        store.close()
