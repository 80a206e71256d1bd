"""Two TUIs (Pilot) on one server, and the in-process change feed the TUI also uses.

The server runs in a thread of this process here (the demo clinic's config is an object,
not a file); clients still reach it only through the Unix socket, identified by
SO_PEERCRED like any other.
"""

from __future__ import annotations

import asyncio
import dataclasses
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from tests.test_serve_support import ME, socket_dir
from tests.test_tui_support import Inbox, make_inbox, screen_text, wait_for, wait_rows

from cxinbox.api.interface import MAX_WAIT_S, InProcessAPI
from cxinbox.api.socket_client import SocketAPI, probe
from cxinbox.api.socket_server import InboxServer
from cxinbox.config import Config, ServerConfig, StaffMember
from cxinbox.service.inbox import InboxService
from cxinbox.store.db import append_event
from cxinbox.tui import app as tui_app
from cxinbox.tui.app import CxInboxApp
from cxinbox.tui.screens.picker import CompletingPrompt, PickerScreen

# A change ends a wait at once; asked for MAX_WAIT_S, a wait that ends before HEARD_S was
# ended by the change, however busy the machine.
HEARD_S = MAX_WAIT_S * 3 / 4


@dataclasses.dataclass
class Running:
    config: Config
    sock: Path


@pytest.fixture
def inbox(tmp_path: Path) -> Inbox:
    return make_inbox(tmp_path, conversations=120)


@pytest.fixture
def server(inbox: Inbox) -> Iterator[Running]:
    with socket_dir() as directory:
        sock = directory / "s.sock"
        config = dataclasses.replace(
            inbox.demo.config, server=ServerConfig(socket=sock),
            staff=(*inbox.demo.config.staff,
                   StaffMember(os_user=ME, name="Front Desk", role="admin")))
        srv = InboxServer(inbox.db, config, sock)
        ready = threading.Event()
        loops: list[asyncio.AbstractEventLoop] = []

        async def main() -> None:
            loops.append(asyncio.get_running_loop())
            await srv.run(ready.set)

        thread = threading.Thread(target=asyncio.run, args=(main(),), daemon=True)
        thread.start()
        assert ready.wait(60)
        try:
            yield Running(config, sock)
        finally:
            loops[0].call_soon_threadsafe(srv.stop)
            thread.join(60)


def _app(inbox: Inbox, running: Running) -> CxInboxApp:
    found = probe(running.sock)
    assert found is not None
    return CxInboxApp(SocketAPI(running.sock, *found), running.config, clock=inbox.clock,
                      calm=True, poll_interval=0.05, idle_lock_s=0,
                      mailboxes=inbox.demo.mailboxes)


async def test_two_tuis_see_each_others_tag_change(inbox: Inbox, server: Running,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    # Each long poll asks for the longest wait the server grants: only the server's
    # answer to a change shows B the tag before HEARD_S, however busy the machine.
    monkeypatch.setattr(tui_app, "LONG_POLL_S", MAX_WAIT_S)
    app_a, app_b = _app(inbox, server), _app(inbox, server)
    async with app_a.run_test(size=(120, 40)) as pa, app_b.run_test(size=(120, 40)) as pb:
        await wait_rows(pa, app_a)
        await wait_rows(pb, app_b)
        target = app_a.conversation_list.selected
        assert target is not None and app_a.me == ME
        conv = target.id
        await wait_for(pb, lambda: app_b._last_seq is not None, what="B's first poll")
        for tag in ("callback-needed", "billing-check"):
            await pa.press("t")
            prompt = app_a.screen
            assert isinstance(prompt, CompletingPrompt)
            await pa.press(*tag, "enter")
            await wait_for(pa, lambda tag=tag, prompt=prompt: f"new tag '{tag}'?"
                           in prompt.warning,
                           what="a new tag is questioned")
            await pa.press("enter")  # yes, a new tag

            def b_shows(tag: str = tag) -> bool:
                row = app_b.conversation_list.summary_for(conv)
                return row is not None and tag in row.tags

            await wait_for(pb, b_shows, timeout=HEARD_S, what=f"B sees {tag}")
            await wait_for(pa, lambda tag=tag: (row := app_a.conversation_list.summary_for(
                conv)) is not None and tag in row.tags, what="A shows its own tag")
        events = await app_b.api.events_since(0, 100_000)
        assert [e.actor for e in events if e.action == "conversation.tag"][-2:] == [ME, ME]


# -- the in-process transport's change feed ----------------------------------------------------


async def test_in_process_wait_events_semantics(inbox: Inbox) -> None:
    api = InProcessAPI(InboxService(inbox.db, inbox.demo.config, ME))
    # The newest two events are ones the feed shows (the demo's own last events may be
    # audit-only, such as its SLA due times computed at start).
    with inbox.db.write() as conn:
        for _ in range(2):
            append_event(conn, "sync", "mail.received", "appointments/INBOX", {"count": 1})
    head = await api.last_event_seq()
    started = time.monotonic()
    quiet = await asyncio.wait_for(api.wait_events(head, 0.3), HEARD_S)
    assert quiet.events == () and quiet.head == head
    assert time.monotonic() - started > 0.25  # it waited as asked, and no longer than HEARD_S
    earlier = await api.wait_events(head - 2, 5.0)  # already there: answered at once
    assert [e.seq for e in earlier.events] == [head - 1, head]

    # A write by a background thread that tells nobody is still seen within a tick (the
    # waits below ask for MAX_WAIT_S: only the change can end them before HEARD_S).
    def background_write() -> None:
        time.sleep(0.2)  # most likely after the wait began; seen either way
        with inbox.db.write() as conn:
            append_event(conn, "sync", "mail.received", "appointments/INBOX", {"count": 1})

    thread = threading.Thread(target=background_write)
    thread.start()
    changes = await asyncio.wait_for(api.wait_events(head, MAX_WAIT_S), HEARD_S)
    thread.join()
    assert [e.action for e in changes.events] == ["mail.received"]
    # Its own writes wake it at once.
    waiting = asyncio.create_task(api.wait_events(changes.head, MAX_WAIT_S))
    await asyncio.sleep(0.05)
    other = InProcessAPI(InboxService(inbox.db, inbox.demo.config, "maria"))
    await other.tag(1, ["x"], [])
    assert [e.action for e in (await asyncio.wait_for(waiting, HEARD_S)).events] == \
        ["conversation.tag"]
    # Presence in-process is just "you".
    version = changes.presence_version
    await api.set_presence(4, composing=True)
    moved = await asyncio.wait_for(api.wait_events(10**9, MAX_WAIT_S, version), HEARD_S)
    assert moved.events == () and moved.presence_version != version
    assert [(p.os_user, p.conv_id, p.composing) for p in await api.presence()] == \
        [(ME, 4, True)]
    assert await api.online() == [ME]


async def test_the_assignee_picker_takes_the_roster_from_the_server(
        inbox: Inbox, server: Running) -> None:
    """A desk terminal's own config need not list the staff: the server's roster counts."""
    found = probe(server.sock)
    assert found is not None
    bare = dataclasses.replace(server.config, staff=())
    app = CxInboxApp(SocketAPI(server.sock, *found), bare, clock=inbox.clock, calm=True,
                     poll_interval=0.05, idle_lock_s=0, mailboxes=inbox.demo.mailboxes)
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        await wait_rows(pilot, app)
        await pilot.press("2")
        await wait_rows(pilot, app)
        target = app.conversation_list.selected
        assert target is not None and target.assignee is None
        await pilot.press("a")
        picker = app.screen
        assert isinstance(picker, PickerScreen)
        await wait_for(pilot, lambda: "Priya Nair (priya)" in screen_text(app),
                       what="the server's roster")
        assert picker.shown_values[0] == ME and "me - Front Desk" in screen_text(app)
        await pilot.press(*"sam", "enter")
        await wait_for(pilot, lambda: inbox.service.get_conversation(
            target.id, record_view=False).summary.assignee == "sam", what="assigned to sam")


async def test_sla_escalations_toast_and_ring_over_the_socket(inbox: Inbox,
                                                              server: Running) -> None:
    """The monitor's events reach a TUI over the socket exactly as in-process: one toast
    per transition naming #id and patient, and the bell (tests/test_tui_escalations.py)."""
    from tests.test_tui_escalations import red_flag, watch_the_red_flag_escalate

    red = red_flag(inbox)
    InboxService(inbox.db, server.config, "maria").assign(red.id, ME)
    app = _app(inbox, server)
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        await watch_the_red_flag_escalate(pilot, app, inbox, red)
