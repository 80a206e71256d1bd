"""Crash tests: the outbox worker is SIGKILLed at the two dangerous instants, then restarted.

(a) after the outbox commit (claimed, state "sending") and before any network call: the
    restart sends it, and the SMTP server has it exactly once;
(b) after the server accepted DATA and before the "sent" commit: the restart must NOT send
    again; the item is "unconfirmed" until a person confirms (or retries) it.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from tests.support.smtpsink import Desk, make_desk

from cxinbox.service.outbox import CRASH_ENV, OutboxWorker

_REPO = Path(__file__).resolve().parent.parent

_WORKER = """
import sys
from cxinbox.config import load_config
from cxinbox.service.outbox import OutboxWorker
from cxinbox.store.db import Database
config = load_config(sys.argv[1])
db = Database(config.db_path)
print(OutboxWorker(db, config).process_due())
"""


@pytest.fixture
def desk(tmp_path: Path, dovecot: Any) -> Iterator[Desk]:
    d = make_desk(tmp_path, dovecot)
    yield d
    d.sink.stop()
    d.db.close()


def _queue_reply(desk: Desk) -> int:
    return desk.queue_reply()


def _run_worker(desk: Desk, crash_at: str | None) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, PYTHONPATH=str(_REPO / "src"))
    env.pop(CRASH_ENV, None)
    if crash_at:
        env[CRASH_ENV] = crash_at
    return subprocess.run([sys.executable, "-c", _WORKER, str(desk.config_path)], env=env,
                          capture_output=True, text=True, timeout=60, check=False)


def test_kill_before_the_network_call_then_restart_sends_exactly_once(desk: Desk) -> None:
    item_id = _queue_reply(desk)
    first = _run_worker(desk, "before-network")
    assert first.returncode == -signal.SIGKILL, first.stderr
    assert desk.replies.outbox_item(item_id).state == "sending"
    assert desk.sink.messages == []

    second = _run_worker(desk, None)
    assert second.returncode == 0, second.stderr
    assert second.stdout.strip() == "1"
    assert len(desk.sink.messages) == 1
    view = desk.replies.outbox_item(item_id)
    assert view.state == "sent" and view.attempts == 2
    actions = [e.action for e in desk.inbox.events_since(0, 1000)]
    assert "outbox.requeued" in actions
    # Nothing left to do: a third run sends nothing.
    assert _run_worker(desk, None).stdout.strip() == "0"
    assert len(desk.sink.messages) == 1


def test_kill_after_data_then_restart_is_unconfirmed_not_resent(desk: Desk) -> None:
    item_id = _queue_reply(desk)
    first = _run_worker(desk, "after-data")
    assert first.returncode == -signal.SIGKILL, first.stderr
    assert len(desk.sink.messages) == 1
    row = desk.replies.outbox_item(item_id)
    assert row.state == "sending" and row.phase == "data-started"

    second = _run_worker(desk, None)
    assert second.returncode == 0, second.stderr
    assert len(desk.sink.messages) == 1  # never re-sent on its own
    view = desk.replies.outbox_item(item_id)
    assert view.state == "unconfirmed" and "may have been delivered" in view.last_error
    assert len(desk.sink.messages) == 1
    assert desk.replies.outbox(["unconfirmed"])[0].id == item_id

    # Staff resolve it: the patient got it, so confirm; the reply then joins the thread
    # and is copied to Sent, still without a second send.
    confirmed = desk.replies.confirm_sent(item_id)
    assert confirmed.state == "sent"
    OutboxWorker(desk.db, desk.config).process_due()
    assert desk.replies.outbox_item(item_id).sent_copy == "done"
    detail = desk.inbox.get_conversation(desk.conv_id(), record_view=False)
    assert [m.direction for m in detail.messages] == ["in", "out"]
    assert len(desk.sink.messages) == 1


def test_unconfirmed_retry_is_a_deliberate_second_send(desk: Desk) -> None:
    item_id = _queue_reply(desk)
    assert _run_worker(desk, "after-data").returncode == -signal.SIGKILL
    _run_worker(desk, None)
    assert desk.replies.outbox_item(item_id).state == "unconfirmed"
    desk.replies.retry(item_id)  # the person checked: the patient did not get it
    assert _run_worker(desk, None).stdout.strip() == "1"
    ids = desk.sink.message_ids()
    assert len(ids) == 2 and ids[0] == ids[1]  # same Message-ID: the patient's client dedupes


def test_live_worker_items_are_not_stolen_by_recovery(desk: Desk) -> None:
    item_id = _queue_reply(desk)
    sleeper = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(30)"])
    try:
        with desk.db.write() as conn:
            conn.execute("UPDATE outbox SET state = 'sending', owner_pid = ? WHERE id = ?",
                         (sleeper.pid, item_id))
        OutboxWorker(desk.db, desk.config).process_due()
        assert desk.replies.outbox_item(item_id).state == "sending"
        assert desk.sink.messages == []
    finally:
        sleeper.kill()
        sleeper.wait()
    OutboxWorker(desk.db, desk.config).process_due()
    assert desk.replies.outbox_item(item_id).state == "sent"
    assert len(desk.sink.messages) == 1
