"""The locked screen's status line keeps following the server's alerts (80x24, Pilot,
real store): an alert raised while locked shows on it, one that ends goes from it, and
no patient list is read for it (the header's counts and the list stay paused until the
unlock), so nothing with a patient's words reaches the lock screen."""

from __future__ import annotations

from pathlib import Path

from tests.test_tui_support import (
    Inbox,
    RecordingApi,
    make_app,
    make_inbox,
    screen_text,
    wait_for,
    wait_rows,
)

from cxinbox.api.interface import InProcessAPI
from cxinbox.contract.types import Page
from cxinbox.service.health import Health, account_key
from cxinbox.service.redflag_routing import RedFlagRouter
from cxinbox.tui.app import CxInboxApp
from cxinbox.tui.screens.lock import LockScreen


class Verifier:
    prompt = "Password"
    secret = True
    interim = False

    def __call__(self, user: str, answer: str) -> bool:
        return answer == "right horse"


class LockWatchingApi(RecordingApi):
    """Records, for each list read, whether the screen was locked when it was asked."""

    def __init__(self, inner: InProcessAPI, inbox: Inbox) -> None:
        super().__init__(inner, inbox.clock)
        self.app: CxInboxApp | None = None
        self.locked_reads: list[str] = []

    async def list_conversations(self, query: str = "", offset: int = 0, limit: int = 50,
                                 count_up_to: int | None = None) -> Page:
        if self.app is not None and self.app.locked:
            self.locked_reads.append(query)
        return await super().list_conversations(query, offset, limit, count_up_to)


def _status(app: CxInboxApp) -> str:
    """The screen's status line, as drawn under whatever screen is in front."""
    lines = screen_text(app).splitlines()
    return lines[-2] if len(lines) >= 2 else ""


async def test_the_locked_status_line_shows_alerts_raised_and_ended_while_locked(
        tmp_path: Path) -> None:
    inbox = make_inbox(tmp_path)
    watching = LockWatchingApi(inbox.api.inner, inbox)
    inbox.api = watching
    app = make_app(inbox, verifier=Verifier())
    watching.app = app
    health = Health(inbox.db, inbox.demo.config)
    router = RedFlagRouter(inbox.db, inbox.demo.config, health=health)

    def rename(old: str, new: str) -> None:
        with inbox.db.writing() as tx:
            tx.conn.execute(f"ALTER TABLE {old} RENAME TO {new}")  # type: ignore[attr-defined]

    async with app.run_test(size=(80, 24)) as pilot:
        await wait_rows(pilot, app)
        await wait_for(pilot, lambda: app._last_seq is not None, what="change feed followed")
        subjects = [s.subject for s in app.conversation_list.loaded_summaries() if s.subject]
        assert subjects
        router.round(1_800_000_000)
        health.problem(account_key("billing"), "billing: mail server unreachable since 14:02")
        await wait_for(pilot, lambda: "billing: mail server unreachable" in _status(app),
                       what="the alert on the status line before the lock")

        await pilot.press("f12")
        await wait_for(pilot, lambda: isinstance(app.screen, LockScreen), what="locked")
        health.ok(account_key("billing"))  # fixed while locked
        await wait_for(pilot, lambda: "unreachable" not in _status(app),
                       what="the ended alert gone from the locked status line")
        assert "live" in _status(app)

        rename("staff_away", "staff_away_gone")  # the red-flag round cannot read the roster
        try:
            try:
                router.round(1_800_000_005)
            except Exception as exc:  # noqa: BLE001 - the round fails, and says so
                assert "staff_away" in str(exc)
            else:
                raise AssertionError("the round read a roster that is not there")
        finally:
            rename("staff_away_gone", "staff_away")
        await wait_for(pilot, lambda: "roster unreadable" in _status(app),
                       what="the new alert on the locked status line")
        assert isinstance(app.screen, LockScreen)
        shown = screen_text(app)
        assert not [s for s in subjects if s in shown]  # no patient words on the lock
        router.round(1_800_000_010)
        await wait_for(pilot, lambda: "roster unreadable" not in _status(app),
                       what="gone from the locked line once the roster reads again")
        assert app.locked
        assert watching.locked_reads == []  # no list or count was read while locked

        await pilot.press(*"right horse", "enter")
        await wait_for(pilot, lambda: not app.locked, what="unlocked")
        await wait_for(pilot, lambda: bool(app.conversation_list.loaded_summaries()),
                       what="the list back after the unlock")


async def test_a_red_flag_raised_while_locked_is_named_only_after_the_unlock(
        tmp_path: Path) -> None:
    """A red flag raised while locked on a conversation the list has not loaded: its
    toast wanted the patient's name, an `id:` list read, made with the lock up. No list
    is read while locked; the held toast is named at the unlock, from the read of the
    held flags the unlock makes anyway."""
    from tests.test_tui_escalations import Recorder
    from tests.test_tui_redflag import clinical

    from cxinbox.service.inbox import InboxService

    inbox = make_inbox(tmp_path, conversations=160)
    inbox.db.conn.execute("UPDATE triage_cursor SET upto = (SELECT max(id) FROM messages)")
    config = clinical(inbox.demo.config)
    watching = LockWatchingApi(inbox.api.inner, inbox)
    inbox.api = watching
    app = make_app(inbox, config=config, verifier=Verifier())
    watching.app = app
    async with app.run_test(size=(80, 24)) as pilot:
        seen = Recorder(app)
        await wait_rows(pilot, app)
        await wait_for(pilot, lambda: app._last_seq is not None, what="change feed followed")
        loaded = {s.id for s in app.conversation_list.loaded_summaries()}
        colleague = InboxService(inbox.db, config, "maria")
        far = next(s for s in colleague.list_conversations("", 0, 500).items
                   if s.id not in loaded and not s.red_flag_open and s.from_name)
        await pilot.press("f12")
        await wait_for(pilot, lambda: isinstance(app.screen, LockScreen), what="locked")
        colleague.tag(far.id, add=["red-flag"])
        await wait_for(pilot, lambda: seen.bells >= 1, what="the bell over the lock")
        # held once its worker is done: any name read it made was asked before that
        await wait_for(pilot, lambda: app._held.red, what="the toast held")
        assert watching.locked_reads == [], watching.locked_reads
        assert far.from_name not in screen_text(app)
        await pilot.press(*"right horse", "enter")
        await wait_for(pilot, lambda: not app.locked, what="unlocked")
        line = f"RED FLAG tagged by staff: #{far.id} {far.from_name}"
        await wait_for(pilot, lambda: any(t.startswith(line) for t in seen.toasts),
                       what="the held toast, named at the unlock")
        assert watching.locked_reads == [], watching.locked_reads
