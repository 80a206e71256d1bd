"""The outbox screen (`O`), driven by keys on the demo inbox with a real outbox.

Replies are queued through the real service; failures come from the real outbox worker
talking to a real SMTP server (aiosmtpd) that refuses the recipient, and "unconfirmed"
comes from the worker's own crash recovery (a sender that died after DATA). The screen
is read as text, the outbox as rows in the store.
"""

from __future__ import annotations

import asyncio
import dataclasses
import json
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from tests.support.smtpsink import SmtpSink
from tests.test_tui_support import (
    FrozenClock,
    Inbox,
    RecordingApi,
    make_app,
    make_inbox,
    screen_text,
    wait_for,
    wait_rows,
)

from cxinbox.api.interface import InProcessAPI
from cxinbox.config import Config
from cxinbox.service.demo import MAILBOXES
from cxinbox.service.inbox import InboxService
from cxinbox.service.outbox import OutboxWorker
from cxinbox.store import outbox as outbox_store
from cxinbox.tui.screens import outbox as outbox_screen
from cxinbox.tui.screens.choice import ChoiceScreen
from cxinbox.tui.screens.outbox import OutboxScreen

SINK_PASSWORD = "desk-pw"
REFUSAL = "550 5.1.1 <patient>: no such user here"


@pytest.fixture
def sink(tmp_path: Path) -> Iterator[SmtpSink]:
    # Every demo mailbox logs in with its own address; the sink takes one login, so the
    # replies in these tests all leave from the appointments mailbox.
    with SmtpSink(tmp_path, user=MAILBOXES["appointments"], password=SINK_PASSWORD) as running:
        yield running


def _worker(inbox: Inbox, sink: SmtpSink) -> OutboxWorker:
    """The real worker, with the demo's mailboxes pointed at the test SMTP server."""
    config: Config = inbox.demo.config
    accounts = tuple(dataclasses.replace(a, smtp_host="127.0.0.1", smtp_port=sink.port,
                                         smtp_tls="implicit", ca_file=sink.ca_file)
                     for a in config.accounts)
    return OutboxWorker(inbox.db, dataclasses.replace(config, accounts=accounts),
                        password_for=lambda _account: SINK_PASSWORD, copy_to_sent_folder=False)


async def _queue_reply(api: Any, body: str = "Your appointment is on Friday.") -> tuple[int, int]:
    """A reply from the appointments mailbox; returns (conversation, outbox id)."""
    page = await api.list_conversations("channel:email mailbox:appointments", 0, 5)
    conv = page.items[0].id
    draft = await api.start_draft(conv)
    await api.save_draft(draft.id, body)
    item = await api.send_draft(draft.id, force=True)
    return conv, item.id


async def _past_undo(worker: OutboxWorker) -> int:
    """One worker pass as if the undo window were over (it is 10 s in the demo)."""
    return await asyncio.to_thread(worker.process_due, time.time() + 60)


async def _open_outbox(pilot: Any, app: Any) -> OutboxScreen:
    await pilot.press("O")
    await wait_for(pilot, lambda: isinstance(app.screen, OutboxScreen), what="outbox screen")
    screen = app.screen
    assert isinstance(screen, OutboxScreen)
    await wait_for(pilot, lambda: screen._loaded, what="outbox loaded")
    return screen


async def test_queued_reply_shows_its_countdown_and_c_takes_it_back(tmp_path: Path) -> None:
    inbox = make_inbox(tmp_path)
    app = make_app(inbox)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_rows(pilot, app)
        conv, item_id = await _queue_reply(inbox.api)
        await _open_outbox(pilot, app)
        text = screen_text(app)
        assert "QUEUED" in text and f"#{conv}" in text
        assert "sends in" in text and "c takes it back" in text
        assert "Outbox" in text.splitlines()[0] and "1 on the way" in text.splitlines()[0]
        assert "Esc Close" in text.splitlines()[-1]

        await pilot.press("c")  # at once: no question racing the countdown
        await wait_for(pilot, lambda: "CANCELLED" in screen_text(app), what="cancelled row")
        assert isinstance(app.screen, OutboxScreen)
        assert (await inbox.api.outbox_item(item_id)).state == "cancelled"
        assert "draft again" in screen_text(app)
        drafts = await inbox.api.drafts_for(conv)
        assert any("Friday" in d.body for d in drafts)

        # Cancelling again is refused on the spot, with one line, nothing sent to the API.
        await pilot.press("c")
        await wait_for(pilot, lambda: "only queued or failed replies can be cancelled"
                       in screen_text(app), what="refusal")
        assert not isinstance(app.screen, ChoiceScreen)

        await pilot.press("a")
        await wait_for(pilot, lambda: "any state" in screen_text(app), what="all states")
        await pilot.press("escape")
        await wait_for(pilot, lambda: not isinstance(app.screen, OutboxScreen), what="closed")


async def test_failed_reply_is_listed_retried_and_shown_sent_from_the_change_feed(
        tmp_path: Path, sink: SmtpSink, monkeypatch: pytest.MonkeyPatch) -> None:
    # No timer reloads during this test: only the change feed can bring "SENT".
    monkeypatch.setattr(outbox_screen, "RELOAD_S", 600.0)
    inbox = make_inbox(tmp_path)
    app = make_app(inbox)
    worker = _worker(inbox, sink)
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        await wait_rows(pilot, app)
        conv, item_id = await _queue_reply(inbox.api)
        sink.script_rcpt.append(REFUSAL)
        assert await _past_undo(worker) == 0
        failed = await inbox.api.outbox_item(item_id)
        assert failed.state == "failed" and "550 5.1.1" in failed.last_error
        # The author hears about it wherever they are, with the key to the outbox.
        await wait_for(pilot, lambda: "FAILED" in screen_text(app), what="failure toast")
        assert "FAILED (O: outbox)" in screen_text(app)

        screen = await _open_outbox(pilot, app)
        lines = screen_text(app).splitlines()
        row = next(i for i, line in enumerate(lines) if line.lstrip().startswith("FAILED"))
        assert f"#{conv}" in lines[row]
        assert lines[row + 1].strip().startswith("1 attempt - ")
        # The whole error of the selected reply is under the list.
        assert REFUSAL in " ".join(line.strip() for line in lines)
        assert "1 needs you" in lines[0]
        assert screen.selected is not None and screen.selected.id == item_id

        await pilot.press("r")
        await wait_for(pilot, lambda: "queued again" in screen_text(app), what="retried")
        again = await inbox.api.outbox_item(item_id)
        assert again.state == "queued" and again.attempts == 0 and again.last_error == ""

        assert await _past_undo(worker) == 1  # the server takes it this time
        await wait_for(pilot, lambda: any(line.lstrip().startswith("SENT") and f"#{conv}" in line
                                          for line in screen_text(app).splitlines()),
                       what="sent row from the change feed")
        assert len(sink.messages) == 1
        assert (await inbox.api.outbox_item(item_id)).state == "sent"

        # Enter opens the reply's conversation in the inbox.
        await pilot.press("enter")
        await wait_for(pilot, lambda: app.thread.detail is not None
                       and app.thread.detail.summary.id == conv, what="conversation opened")
        assert not isinstance(app.screen, OutboxScreen)


def _dead_pid() -> int:
    done = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                          capture_output=True, text=True, check=True)
    return int(done.stdout)


async def test_unconfirmed_reply_is_confirmed_with_y(tmp_path: Path, sink: SmtpSink) -> None:
    inbox = make_inbox(tmp_path)
    app = make_app(inbox)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_rows(pilot, app)
        _conv, item_id = await _queue_reply(inbox.api)
        # A sender process claimed it, started DATA and died: what a crash leaves behind.
        with inbox.db.write() as conn:
            assert outbox_store.claim(conn, item_id, int((time.time() + 60) * 1000),
                                      _dead_pid())
            outbox_store.set_phase(conn, item_id, "data-started")
        assert item_id in await asyncio.to_thread(_worker(inbox, sink).recover)
        assert (await inbox.api.outbox_item(item_id)).state == "unconfirmed"

        await _open_outbox(pilot, app)
        text = screen_text(app)
        assert "UNCONFIRMED" in text and "y if the patient got it" in text
        await pilot.press("y")
        await wait_for(pilot, lambda: isinstance(app.screen, ChoiceScreen), what="confirm")
        await pilot.press("y")
        await wait_for(pilot, lambda: "recorded as delivered" in screen_text(app),
                       what="confirmed")
        assert (await inbox.api.outbox_item(item_id)).state == "sent"
        assert sink.messages == []  # confirming never sends it again
        await wait_for(pilot, lambda: any(line.lstrip().startswith("SENT")
                                          for line in screen_text(app).splitlines()),
                       what="sent row")


async def test_api_refusal_is_one_line_and_changes_nothing(tmp_path: Path) -> None:
    inbox = make_inbox(tmp_path)
    # The person at this terminal is an agent; the reply is a colleague's.
    agent = InProcessAPI(InboxService(inbox.db, inbox.demo.config, "maria"))
    inbox.api = RecordingApi(agent, FrozenClock())
    colleague = InProcessAPI(InboxService(inbox.db, inbox.demo.config, "dev"))
    app = make_app(inbox)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_rows(pilot, app)
        _conv, item_id = await _queue_reply(colleague)
        await _open_outbox(pilot, app)
        assert "by Dev" in screen_text(app)
        await pilot.press("c")
        await wait_for(pilot, lambda: "needs role" in screen_text(app), what="refusal")
        status = next(line for line in screen_text(app).splitlines() if "needs role" in line)
        assert status.strip().startswith(f"Outbox {item_id}:")
        assert "Traceback" not in screen_text(app)
        assert (await inbox.api.outbox_item(item_id)).state == "queued"
        assert isinstance(app.screen, OutboxScreen)  # still there, still usable


async def test_outbox_in_ascii_at_80x24(tmp_path: Path, sink: SmtpSink) -> None:
    inbox = make_inbox(tmp_path)
    app = make_app(inbox, ascii_only=True)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_rows(pilot, app)
        _conv, first = await _queue_reply(inbox.api, "First reply.")
        sink.script_rcpt.append(REFUSAL)
        await _past_undo(_worker(inbox, sink))
        assert (await inbox.api.outbox_item(first)).state == "failed"
        await _queue_reply(inbox.api, "Second reply.")
        await _open_outbox(pilot, app)
        await wait_for(pilot, lambda: "QUEUED" in screen_text(app), what="both rows")
        app.clear_notifications()  # the failure toast; what is under it is checked here
        await wait_for(pilot, lambda: not list(app.screen.query("Toast")), what="toast gone")
        text = screen_text(app)
        assert text.isascii()
        lines = text.splitlines()
        assert len(lines) == 24 and all(len(line) <= 80 for line in lines)
        assert lines[0].startswith(" Outbox | 1 needs you | 1 on the way")
        assert "(a: all)" in lines[1]
        assert lines[-1].strip() == outbox_screen.KEYS
        assert any(line.lstrip().startswith("FAILED") for line in lines)
        assert "550 5.1.1" in text


async def test_an_undelivered_text_is_toasted_listed_and_shown_in_the_thread(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Issue 10 point 11: a carrier failure reaches the sender as a toast, the outbox and
    the message in its thread."""
    from tests.support.smsprovider import SmsProvider

    from cxinbox.channels.sms import SmsClient
    from cxinbox.config import SmsConfig, SmsNumber
    from cxinbox.service.demo import CLINIC_SMS
    from cxinbox.service.sms_sync import SmsPoller

    monkeypatch.setattr(outbox_screen, "RELOAD_S", 600.0)
    inbox = make_inbox(tmp_path)
    app = make_app(inbox)
    with SmsProvider(numbers=[CLINIC_SMS]) as provider:
        sms = SmsConfig(base_url=provider.base_url, account_sid=provider.account_sid,
                        verify_tls=False, numbers=(SmsNumber(number=CLINIC_SMS),))
        worker = OutboxWorker(inbox.db, inbox.demo.config, copy_to_sent_folder=False,
                              sms_client=SmsClient(sms, provider.token))
        poller = SmsPoller(inbox.db, sms, lambda _sms: provider.token)
        async with app.run_test(size=(100, 30), notifications=True) as pilot:
            await wait_rows(pilot, app)
            page = await inbox.api.list_conversations("channel:sms", 0, 5)
            conv = page.items[0].id
            draft = await inbox.api.start_draft(conv)
            provider.carrier_errors[draft.to[0]] = ("undelivered", 30003,
                                                    "Unreachable destination handset")
            await inbox.api.save_draft(draft.id, "Your prescription is ready.")
            await inbox.api.send_draft(draft.id, force=True)
            assert await _past_undo(worker) == 1
            provider.settle()
            await asyncio.to_thread(poller.poll_once)
            await wait_for(pilot, lambda: "NOT DELIVERED" in screen_text(app),
                           what="undelivered toast")
            assert "(O: outbox)" in screen_text(app) and "30003" in screen_text(app)
            app.clear_notifications()
            screen = await _open_outbox(pilot, app)
            lines = screen_text(app).splitlines()
            assert any(line.lstrip().startswith("UNDELIVERED") for line in lines)
            assert "1 needs you" in lines[0]
            assert screen.selected is not None and screen.selected.undelivered
            await pilot.press("enter")
            await wait_for(pilot, lambda: app.thread.detail is not None
                           and app.thread.detail.summary.id == conv, what="thread opened")
            await wait_for(pilot, lambda: "NOT DELIVERED: undelivered" in screen_text(app),
                           what="status on the message")
        poller.close()


async def test_c_during_the_countdown_keeps_the_draft_sends_nothing_and_u_requeues(
        tmp_path: Path, sink: SmtpSink) -> None:
    inbox = make_inbox(tmp_path)
    app = make_app(inbox)
    worker = _worker(inbox, sink)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_rows(pilot, app)
        conv, item_id = await _queue_reply(inbox.api, "See you on Friday at 9.")
        await _open_outbox(pilot, app)
        assert "sends in" in screen_text(app)
        await pilot.press("c")
        await wait_for(pilot, lambda: "CANCELLED" in screen_text(app), what="cancelled")
        assert isinstance(app.screen, OutboxScreen)  # no dialog while the clock runs
        item = await inbox.api.outbox_item(item_id)
        assert item.state == "cancelled" and item.send_after > time.time()
        assert "u puts it back" in screen_text(app)
        # The worker, even with the undo window long over, sends nothing.
        assert await _past_undo(worker) == 0 and sink.messages == []
        drafts = [d for d in await inbox.api.drafts_for(conv) if "Friday at 9" in d.body]
        assert len(drafts) == 1

        await pilot.press("u")
        await wait_for(pilot, lambda: "back in the queue" in screen_text(app), what="requeued")
        await wait_for(pilot, lambda: "QUEUED" in screen_text(app), what="queued row")
        item = await inbox.api.outbox_item(item_id)
        assert item.state == "queued" and item.send_after > time.time()
        assert not [d for d in await inbox.api.drafts_for(conv) if "Friday at 9" in d.body]
        assert await _past_undo(worker) == 1
        assert len(sink.messages) == 1 and b"Friday at 9" in sink.messages[0].data
        await pilot.press("u")
        await wait_for(pilot, lambda: "Nothing to undo here" in screen_text(app),
                       what="nothing more")
    cancel_seq, requeue = inbox.db.conn.execute(
        "SELECT (SELECT max(seq) FROM events WHERE action = 'outbox.cancelled'),"
        " (SELECT details FROM events WHERE action = 'outbox.queued' ORDER BY seq DESC"
        " LIMIT 1)").fetchone()
    assert json.loads(requeue)["undo_of"] == cancel_seq  # audited as the cancel's undo


async def test_undoing_a_cancel_after_the_draft_was_edited_is_refused_in_full(
        tmp_path: Path, sink: SmtpSink) -> None:
    inbox = make_inbox(tmp_path)
    app = make_app(inbox)
    worker = _worker(inbox, sink)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_rows(pilot, app)
        conv, item_id = await _queue_reply(inbox.api, "See you on Friday at 9.")
        await _open_outbox(pilot, app)
        await pilot.press("c")
        await wait_for(pilot, lambda: "CANCELLED" in screen_text(app), what="cancelled")
        (draft,) = [d for d in await inbox.api.drafts_for(conv) if "Friday" in d.body]
        await inbox.api.save_draft(draft.id, "See you on Monday at 10.")
        await pilot.press("u")
        await wait_for(pilot, lambda: "edited since" in screen_text(app), what="refusal")
        text = screen_text(app)
        # The whole line is on screen (wrapped, not cut off), and nothing changed.
        assert "send the draft again from the conversation (r)" in " ".join(
            line.strip() for line in text.splitlines())
        assert all(len(line.rstrip()) <= 80 for line in text.splitlines())
        assert (await inbox.api.outbox_item(item_id)).state == "cancelled"
        assert await _past_undo(worker) == 0 and sink.messages == []
