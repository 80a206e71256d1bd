"""Shared helpers for the TUI tests (no tests here): a frozen clock, the demo inbox on disk,
the in-process API, and the screen as plain text.

The inbox is the real demo clinic built through ingest and the service, on a real SQLite
file, at a fixed instant; only the clock the app reads is injected, so countdowns and ages
are the same on every run.
"""

from __future__ import annotations

import asyncio
import atexit
import copy
import dataclasses
import hashlib
import io
import random
import shutil
import tempfile
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from unittest import mock

from rich.console import Console
from textual.app import App
from textual.pilot import Pilot

from cxinbox.api.interface import InProcessAPI
from cxinbox.config import Config
from cxinbox.contract.types import Page
from cxinbox.domain.mime import parse_message
from cxinbox.service.demo import MAILBOXES, DemoInbox, build_demo
from cxinbox.service.inbox import InboxService
from cxinbox.store.db import Database, append_event
from cxinbox.store.ingest import FetchedMessage, folder_state, ingest_batch
from cxinbox.tui.app import CxInboxApp

NOW = datetime(2025, 3, 4, 15, 0, tzinfo=UTC)  # a Tuesday afternoon
ME = "frontdesk"


class FrozenClock:
    def __init__(self, now: datetime = NOW) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)


class ManualTimer:
    """A monotonic clock for the idle lock that only moves when a test says so."""

    def __init__(self) -> None:
        self.value = 1000.0

    def __call__(self) -> float:
        return self.value


class RecordingApi:
    """The in-process API, recording list calls. SLA fields come from the service itself:
    the demo clinic has a one-business-hour first-response policy."""

    def __init__(self, inner: InProcessAPI, clock: Callable[[], datetime]) -> None:
        self.inner = inner
        self.actor = inner.actor
        self.clock = clock
        self.list_calls: list[tuple[str, int, int]] = []

    async def list_conversations(self, query: str = "", offset: int = 0, limit: int = 50,
                                 count_up_to: int | None = None) -> Page:
        self.list_calls.append((query, offset, limit))
        return await self.inner.list_conversations(query, offset, limit, count_up_to)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)


@dataclasses.dataclass
class Inbox:
    db: Database
    demo: DemoInbox
    service: InboxService
    api: RecordingApi
    clock: FrozenClock


def make_inbox(tmp_path: Path, *, seed: int = 7, conversations: int = 300) -> Inbox:
    """The demo clinic in `tmp_path/inbox.db`, fresh for the test. The clinic is built once
    per process for each (seed, size) and each call gets a copy of that database file and of
    the builder's state (its random generator included), which is exactly what building it
    again gives: the build is deterministic, and it costs about a second of CPU a test."""
    path = tmp_path / "inbox.db"
    template = _DEMO_TEMPLATES.get((seed, conversations))
    if template is None:
        template = _build_template(seed, conversations)
        _DEMO_TEMPLATES[(seed, conversations)] = template
    built, handle = template
    shutil.copyfile(built, path)
    db = Database(path, synchronous="OFF")
    demo = _fresh_handle(handle, db)
    service = InboxService(db, demo.config, ME)
    clock = FrozenClock()
    api = InProcessAPI(service)
    _OPEN.append((api, db))
    return Inbox(db, demo, service, RecordingApi(api, clock), clock)


_OPEN: list[tuple[InProcessAPI, Database]] = []
"""Every database make_inbox opened, for `close_inboxes` after the test. Each test's event
loop has its own worker threads, each with its own SQLite connection; left open, a long
test process piles up thousands of descriptors (an xdist worker passed 1,024)."""


def close_inboxes() -> None:
    while _OPEN:
        api, db = _OPEN.pop()
        api.close_feed()  # a long-poll's read may still be running on its thread
        db.close()


_DEMO_TEMPLATES: dict[tuple[int, int], tuple[Path, DemoInbox]] = {}


def _build_template(seed: int, conversations: int) -> tuple[Path, DemoInbox]:
    """Build the demo clinic into a private directory (removed when the process ends); the
    closed database file and the builder's state without its database."""
    directory = Path(tempfile.mkdtemp(prefix=f"cxinbox-demo-{seed}-{conversations}-"))
    atexit.register(shutil.rmtree, directory, True)
    path = directory / "inbox.db"
    db = Database(path, synchronous="OFF")
    # Notes and events take their time from the store's clock: pin it too, so note times on
    # screen (and so snapshots) do not depend on the day the tests run.
    ticks = iter(range(10**9))

    def fixed_ms() -> int:
        return int(NOW.timestamp() * 1000) - 3_600_000 + next(ticks)

    with mock.patch("cxinbox.store.db.now_ms", fixed_ms):
        # Without the demo's teams and rules (tests/test_demo.py covers those): the
        # pickers' rosters, tags and away warnings these tests read are the clinic's own.
        demo = build_demo(db, seed=seed, me=ME, now=NOW.timestamp(),
                          conversations=conversations, timezone="UTC", automation=False)
    db.close()  # checkpoints the WAL: the one file is the whole database
    return path, _fresh_handle(demo, None)


def _fresh_handle(demo: DemoInbox, db: Database | None) -> DemoInbox:
    """A copy of the builder's state on `db`: what a test may change (the random
    generator, the threads it follows up on, the counters) is its own; the config and
    topics are frozen and shared."""
    rng = random.Random()
    rng.setstate(demo.rng.getstate())
    return dataclasses.replace(demo, db=db, rng=rng,  # type: ignore[arg-type]
                               threads=[copy.copy(t) for t in demo.threads],
                               sms_numbers=list(demo.sms_numbers))


def make_app(inbox: Inbox, *, config: Config | None = None, **kwargs: Any) -> CxInboxApp:
    options: dict[str, Any] = {"clock": inbox.clock, "calm": True, "poll_interval": 0.05,
                               "idle_lock_s": 0, "mailboxes": inbox.demo.mailboxes}
    options.update(kwargs)
    return CxInboxApp(inbox.api, config or inbox.demo.config, **options)  # type: ignore[arg-type]


def screen_text(app: App[Any]) -> str:
    """What the terminal shows, as plain text (the same render the SVG screenshot uses)."""
    return _export(app, styles=False)


def screen_ansi(app: App[Any]) -> str:
    """What the terminal shows, with the escape sequences a terminal would receive."""
    return _export(app, styles=True)


def _export(app: App[Any], *, styles: bool) -> str:
    width, height = app.size
    console = Console(width=width, height=height, file=io.StringIO(), force_terminal=True,
                      color_system="standard", record=True, legacy_windows=False,
                      safe_box=False)
    console.print(app.screen._compositor.render_update(
        full=True, screen_stack=app._background_screens))
    return console.export_text(styles=styles)


async def wait_for(pilot: Pilot[Any], condition: Callable[[], bool], timeout: float = 30.0,
                   what: str = "condition") -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not condition():
        if loop.time() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        await pilot.pause(0.02)


async def wait_rows(pilot: Pilot[Any], app: CxInboxApp) -> None:
    await wait_for(pilot, lambda: app.conversation_list.loaded
                   and app.conversation_list.selected is not None, what="first rows")


async def wait_roster_read(pilot: Pilot[Any], app: CxInboxApp) -> None:
    """The roster read at start has ended. It ends by setting the clinician alert ("" when
    someone is on shift), so a test that sets the status line's alert itself waits for it
    first, or that read may land after and overwrite it."""
    await wait_for(pilot, lambda: bool(app._roster) and not any(
        w.group == "roster" and not w.is_finished for w in app.workers),
        what="the roster read at start")


async def wait_list_settled(pilot: Pilot[Any], app: CxInboxApp) -> None:
    """Every read the app starts with has ended (all workers but the long poll), and the
    list waits for no window: a test that watches what the list redraws next sees its own
    change, not the tail of start-up (a late presence or roster read redraws it all)."""
    await wait_for(pilot, lambda: app.conversation_list._wanted is None and not any(
        w.group != "poll" and not w.is_finished for w in app.workers),
        what="the app's start-up reads")


def ingest_patient_email(db: Database, *, subject: str, sender: str = "New Patient",
                         address: str = "new.patient@example.com", at: datetime = NOW,
                         body: str = "Hello, a new question.\n") -> int:
    """Deliver one email through the store exactly as sync does, with its change event."""
    raw = (f"From: \"{sender}\" <{address}>\r\nTo: {MAILBOXES['appointments']}\r\n"
           f"Subject: {subject}\r\nDate: {at.strftime('%a, %d %b %Y %H:%M:%S +0000')}\r\n"
           f"Message-ID: <live-{hashlib.sha1(subject.encode()).hexdigest()}@example.com>\r\n"
           f"Content-Type: text/plain; charset=utf-8\r\n\r\n{body}").encode()
    return ingest_raw(db, raw, at=at)


def ingest_raw(db: Database, raw: bytes, *, at: datetime = NOW,
               account: str = "appointments") -> int:
    with db.write() as conn:
        state = folder_state(conn, account, "INBOX")
        uid = state.last_uid + 1
        fetched = FetchedMessage(uid=uid, flags="", modseq=None,
                                 internal_date=int(at.timestamp()), raw=raw,
                                 sha256=hashlib.sha256(raw).digest(), parsed=parse_message(raw))
        touched = ingest_batch(conn, state, [fetched], own_addresses=frozenset(MAILBOXES.values()),
                               watermark=uid, now=int(at.timestamp()) + 60)
        append_event(conn, "sync", "mail.received", f"{account}/INBOX",
                     {"count": 1, "conversations": sorted(touched)})
    return next(iter(touched))
