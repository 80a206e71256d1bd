"""The TUI driven with Pilot at 80x24 and 120x40, on the demo clinic in a real SQLite file.

Every test waits on a condition (rows loaded, a worker done) rather than sleeping, and the
app reads a frozen clock, so what is on screen is the same on every run.
"""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

import pytest
from tests.audithelp import trail
from tests.test_tui_support import (
    ME,
    Inbox,
    ManualTimer,
    ingest_patient_email,
    make_app,
    make_inbox,
    screen_text,
    wait_for,
    wait_rows,
)
from textual.widgets import Input

from cxinbox.service import feed
from cxinbox.service.inbox import InboxService
from cxinbox.tui import actions
from cxinbox.tui.screens.choice import ChoiceScreen
from cxinbox.tui.screens.help import HelpScreen
from cxinbox.tui.screens.lock import LockScreen
from cxinbox.tui.screens.picker import CompletingPrompt
from cxinbox.tui.screens.prompt import PromptScreen

SIZES = [(80, 24), (120, 40)]


@pytest.fixture
def inbox(tmp_path: Path) -> Inbox:
    return make_inbox(tmp_path)


@pytest.mark.parametrize("size", SIZES)
async def test_first_rows_and_navigation(inbox: Inbox, size: tuple[int, int]) -> None:
    app = make_app(inbox)
    async with app.run_test(size=size) as pilot:
        await wait_rows(pilot, app)
        lst = app.conversation_list
        assert lst.cursor == 0
        first = lst.selected
        assert first is not None
        assert "All open" in screen_text(app)
        await pilot.press("j", "j", "down")
        assert lst.cursor == 3
        await pilot.press("k")
        assert lst.cursor == 2
        await pilot.press("G")
        assert lst.cursor == lst.total - 1
        await wait_for(pilot, lambda: lst.selected is not None, what="last row loaded")
        await pilot.press("g")
        assert lst.cursor == 0 and lst.selected == first
        await pilot.press("pagedown")
        assert lst.cursor > 5


@pytest.mark.parametrize("size", SIZES)
async def test_enter_opens_thread_and_escape_returns(inbox: Inbox,
                                                    size: tuple[int, int]) -> None:
    app = make_app(inbox)
    async with app.run_test(size=size) as pilot:
        await wait_rows(pilot, app)
        await pilot.press("j")
        wanted = app.conversation_list.selected
        assert wanted is not None
        await pilot.press("enter")
        await wait_for(pilot, lambda: app.thread.conv_id == wanted.id, what="thread open")
        await wait_for(pilot, lambda: app.focused is app.thread, what="thread focus")
        await wait_for(pilot, lambda: f"#{wanted.id}" in screen_text(app), what="drawn")
        text = screen_text(app)
        assert "Internal notes" in text
        if size[0] < 100:
            assert not app.conversation_list.display or not app.conversation_list.region
        await pilot.press("escape")
        assert app.focused is app.conversation_list
        assert app.conversation_list.region.width > 0


async def test_view_switching_by_number_and_picker(inbox: Inbox) -> None:
    app = make_app(inbox)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_rows(pilot, app)
        open_total = app.conversation_list.total
        await pilot.press("1")
        await wait_rows(pilot, app)
        mine = app.conversation_list.total
        assert 0 < mine < open_total
        assert "My open" in screen_text(app)
        assert all(s.assignee == ME and s.status == "open"
                   for s in app.conversation_list.loaded_summaries())
        await pilot.press("2")
        await wait_rows(pilot, app)
        assert all(s.assignee is None for s in app.conversation_list.loaded_summaries())
        await pilot.press("5")
        await wait_rows(pilot, app)
        assert app.conversation_list.total == inbox.service.list_conversations("", 0, 1).total
        await pilot.press("v")
        assert isinstance(app.screen, ChoiceScreen)
        await pilot.press("escape")
        assert not isinstance(app.screen, ChoiceScreen)


async def test_mailbox_view_from_the_picker(inbox: Inbox) -> None:
    app = make_app(inbox)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_rows(pilot, app)
        await pilot.press("v")
        choices = app.screen
        assert isinstance(choices, ChoiceScreen)
        await pilot.press(*["down"] * 7, "enter")  # first mailbox after the seven views
        await wait_rows(pilot, app)
        mailboxes = {s.mailbox for s in app.conversation_list.loaded_summaries()}
        assert mailboxes == {"appointments"}
        assert "Mailbox appointments" in screen_text(app)


@pytest.mark.parametrize("size", SIZES)
async def test_search_valid_query(inbox: Inbox, size: tuple[int, int]) -> None:
    app = make_app(inbox)
    async with app.run_test(size=size) as pilot:
        await wait_rows(pilot, app)
        await pilot.press("slash")
        field = app.query_one("#search-input", Input)
        assert app.focused is field
        await pilot.press("ctrl+u", *"is:red-flag", "enter")
        await wait_for(pilot, lambda: app.conversation_list.total == 1
                       and app.conversation_list.selected is not None, what="search results")
        assert app.conversation_list.selected.subject.startswith("Chest pain")
        assert "Search: is:red-flag (1)" in screen_text(app)
        assert app.focused is app.conversation_list


@pytest.mark.parametrize("size", SIZES)
async def test_search_syntax_error_is_one_line_and_keeps_the_view(
        inbox: Inbox, size: tuple[int, int]) -> None:
    app = make_app(inbox)
    async with app.run_test(size=size) as pilot:
        await wait_rows(pilot, app)
        before = app.conversation_list.total
        await pilot.press("slash", "ctrl+u", *"status:open tag:", "enter")
        await wait_for(pilot, lambda: "query error" in screen_text(app), what="error line")
        text = screen_text(app)
        assert "missing value after 'tag:'" in text
        assert app.is_running
        assert app.conversation_list.total == before
        field = app.query_one("#search-input", Input)
        assert field.value == "status:open tag:"
        await pilot.press("escape")
        await wait_for(pilot, lambda: "query error" not in screen_text(app), what="closed")
        assert app.focused is app.conversation_list


async def test_typeahead_after_slash_lands_in_the_query(inbox: Inbox) -> None:
    """Over a slow link a whole "/query" arrives in one read; no letter may act as a key."""
    from textual import events

    app = make_app(inbox)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_rows(pilot, app)
        before = app.conversation_list.selected
        for char in "/tag:billing":
            app.post_message(events.Key({"/": "slash", ":": "colon"}.get(char, char), char))
        await wait_for(pilot, lambda: app.query_one("#search-input", Input).value == "tag:billing",
                       what="burst typed into the query")
        assert app.conversation_list.selected == before  # 'a' did not assign, 't' no prompt
        assert len(app.screen_stack) == 1
        assert inbox.service.get_conversation(before.id, record_view=False).summary.assignee \
            == before.assignee


async def test_live_insertion_keeps_selection(inbox: Inbox) -> None:
    app = make_app(inbox)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_rows(pilot, app)
        await pilot.press("j", "j", "j")
        selected = app.conversation_list.selected
        assert selected is not None
        total = app.conversation_list.total
        new_id = ingest_patient_email(inbox.db, subject="Brand new question about parking")
        await wait_for(pilot, lambda: app.conversation_list.total == total + 1,
                       what="new conversation without a keypress")
        await wait_for(pilot, lambda: "Brand new question" in screen_text(app),
                       what="new row drawn")
        lst = app.conversation_list
        assert lst.selected_id == selected.id
        assert lst.cursor == 4
        assert lst.summary_for(new_id) is not None


async def test_live_update_scrolled_keeps_row_on_screen(inbox: Inbox) -> None:
    app = make_app(inbox)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_rows(pilot, app)
        lst = app.conversation_list
        await pilot.press(*["j"] * 40)
        await wait_for(pilot, lambda: lst.selected is not None, what="row 40")
        selected_id = lst.selected_id
        screen_row = lst.cursor - int(lst.scroll_offset.y)
        ingest_patient_email(inbox.db, subject="Another arrival")
        await wait_for(pilot, lambda: lst.cursor == 41, what="selection follows")
        assert lst.selected_id == selected_id
        assert lst.cursor - int(lst.scroll_offset.y) == screen_row


async def test_open_thread_reloads_when_mail_arrives_for_it(inbox: Inbox) -> None:
    app = make_app(inbox)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_rows(pilot, app)
        conv = ingest_patient_email(inbox.db, subject="Parking question",
                                    body="Is there parking?\n")
        await wait_for(pilot, lambda: app.conversation_list.summary_for(conv) is not None,
                       what="arrival listed")
        app.conversation_list.move_to(app.conversation_list.row_of(conv) or 0)
        await pilot.press("enter")
        await wait_for(pilot, lambda: app.thread.conv_id == conv, what="open")
        assert len(app.thread.detail.messages) == 1
        first_id = f"live-{hashlib.sha1(b'Parking question').hexdigest()}@example.com"
        raw = ("From: \"New Patient\" <new.patient@example.com>\r\nTo: appointments@"
               "maplestreet-clinic.example\r\nSubject: Re: Parking question\r\n"
               f"In-Reply-To: <{first_id}>\r\nDate: Tue, 04 Mar 2025 15:00:30 +0000\r\n"
               "Message-ID: <live-second@example.com>\r\n\r\nAnd bicycles?\r\n").encode()
        from tests.test_tui_support import ingest_raw

        ingest_raw(inbox.db, raw)
        await wait_for(pilot, lambda: app.thread.detail is not None
                       and len(app.thread.detail.messages) == 2, what="thread reload")
        # The data arrives before the repaint: wait for the screen itself.
        await wait_for(pilot, lambda: "And bicycles?" in screen_text(app), what="repainted")


@pytest.mark.parametrize("size", SIZES)
async def test_triage_keys_and_undo(inbox: Inbox, size: tuple[int, int]) -> None:
    app = make_app(inbox)
    async with app.run_test(size=size, notifications=True) as pilot:
        await pilot.press("2")  # unassigned: assigning moves rows out, selection must cope
        await pilot.press("5")
        await wait_rows(pilot, app)
        lst = app.conversation_list
        for _ in range(20):  # past the demo's red flag, listed first (and mine)
            if lst.selected is None or not lst.selected.red_flag_open:
                break
            await pilot.press("j")
        target = lst.selected
        assert target is not None and not target.red_flag_open
        conv = target.id

        def current():  # type: ignore[no-untyped-def]
            return inbox.service.get_conversation(conv, record_view=False).summary

        await pilot.press("a", "enter")  # the roster picker opens on "me": Enter takes it
        if target.assignee not in (None, ME):  # a colleague's: asked first
            await wait_for(pilot, lambda: type(app.screen).__name__ == "ConfirmScreen",
                           what="take it?")
            await pilot.press("y")
        await wait_for(pilot, lambda: current().assignee == ME, what="assigned to me")
        await pilot.press("u")
        await wait_for(pilot, lambda: current().assignee == target.assignee, what="undo assign")
        await pilot.press("u")
        await wait_for(pilot, lambda: "Nothing more to undo" in screen_text(app),
                       what="history empty")

        await pilot.press("s")
        assert isinstance(app.screen, ChoiceScreen)
        await pilot.press("p")
        await wait_for(pilot, lambda: current().status == "pending", what="pending")
        await wait_for(pilot, lambda: lst.summary_for(conv) is not None
                       and lst.summary_for(conv).status == "pending", what="row refreshed")
        await pilot.press("u")
        await wait_for(pilot, lambda: current().status == target.status, what="undo status")

        await pilot.press("p")
        await pilot.press("h")
        await wait_for(pilot, lambda: current().priority == "high", what="priority")

        await pilot.press("t")
        assert isinstance(app.screen, CompletingPrompt)
        await pilot.press(*"lab-results", "space", *"-nonexistent", "enter")
        await wait_for(pilot, lambda: "lab-results" in current().tags, what="tagged")
        await pilot.press("u")
        await wait_for(pilot, lambda: ("lab-results" in target.tags)
                       == ("lab-results" in current().tags), what="undo tag")

        await pilot.press("A")
        if current().assignee not in (None, ME):  # a colleague's: asked first
            await wait_for(pilot, lambda: type(app.screen).__name__ == "ConfirmScreen",
                           what="unassign it?")
            await pilot.press("y")
        await wait_for(pilot, lambda: current().assignee is None, what="unassigned")

        await pilot.press("n")
        assert isinstance(app.screen, CompletingPrompt)
        await pilot.press(*"@maria please call back", "enter")
        await wait_for(pilot, lambda: any("@maria please call back" in n.body for n in
                                          inbox.service.get_conversation(conv).notes),
                       what="note")
        await pilot.press("u")  # a note's undo is a retraction, kept in the audit trail
        await wait_for(pilot, lambda: all("@maria please call back" not in n.body for n in
                                          inbox.service.get_conversation(conv).notes),
                       what="note retracted")

        await pilot.press("s", "z")
        prompt = app.screen
        assert isinstance(prompt, PromptScreen)
        await pilot.press("ctrl+u", *"soon", "enter")
        await wait_for(pilot, lambda: "Not a time I know" in screen_text(app), what="refusal")
        await pilot.press("ctrl+u", *"2h", "enter")
        await wait_for(pilot, lambda: current().status == "snoozed", what="snoozed")
        assert current().snoozed_until == int(inbox.clock.now.timestamp()) + 7200

        await pilot.press("r")  # the composer (its own tests: test_tui_compose.py)
        await wait_for(pilot, lambda: type(app.screen).__name__ == "ComposeScreen",
                       what="composer")
        await pilot.press("escape")  # empty draft: closes and discards
        await wait_for(pilot, lambda: type(app.screen).__name__ != "ComposeScreen",
                       what="composer closed")


async def test_triage_in_thread_acts_on_open_conversation(inbox: Inbox) -> None:
    app = make_app(inbox)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_rows(pilot, app)
        await pilot.press("j", "j")
        opened = app.conversation_list.selected
        await pilot.press("enter")
        await wait_for(pilot, lambda: app.focused is app.thread, what="thread focus")
        await pilot.press("k")  # scrolls the thread; the list cursor stays
        assert opened.assignee is None
        await pilot.press("a", "enter")
        await wait_for(pilot, lambda: inbox.service.get_conversation(
            opened.id, record_view=False).summary.assignee == ME, what="assigned")
        # by the name the roster gives, as the list names people
        await wait_for(pilot, lambda: f"{ME.title()} (you)" in screen_text(app),
                       what="header updated")


async def test_help_is_generated_from_the_registry_with_keymap(inbox: Inbox) -> None:
    from cxinbox.config import UiConfig

    config = inbox.demo.config
    remapped = type(config)(clinic=config.clinic, staff=config.staff,
                            ui=UiConfig(keymap={"assign-me": "i", "no-such-action": "x"}))
    app = make_app(inbox, config=remapped)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_rows(pilot, app)
        assert "no-such-action" in screen_text(app)  # the typo is reported, not ignored
        await pilot.press("question_mark")
        assert isinstance(app.screen, HelpScreen)
        text = screen_text(app)
        assert "Keys" in text and "Next conversation" in text
        await pilot.press("escape")
        for _ in range(20):  # past the demo's red flag, listed first (and mine)
            if not app.conversation_list.selected.red_flag_open:
                break
            await pilot.press("j")
        conv = app.conversation_list.selected
        assert not conv.red_flag_open
        assert conv.assignee is None
        await pilot.press("i")
        await wait_for(pilot, lambda: inbox.service.get_conversation(
            conv.id, record_view=False).summary.assignee == ME, what="remapped key works")
        from cxinbox.tui.screens.help import help_plain

        plain = help_plain(remapped.ui.keymap, lambda k: k)
        assert re.search(r"^  i +Assign to me  assign-me", plain, re.MULTILINE)
        await pilot.press("m")  # the old key no longer assigns
        assert len(app.screen_stack) == 1


def test_every_binding_has_an_id_and_help() -> None:
    ids = [spec.id for spec in actions.ACTIONS]
    assert len(ids) == len(set(ids))
    for scope in ("app", "list", "thread"):
        for binding in actions.bindings(scope):
            assert binding.id  # type: ignore[union-attr]
    from cxinbox.tui.app import CxInboxApp
    from cxinbox.tui.widgets.conversation_list import ConversationList
    from cxinbox.tui.widgets.thread_view import ThreadView

    for cls in (CxInboxApp, ConversationList, ThreadView):
        for binding in cls.BINDINGS:
            assert getattr(binding, "id", None), (cls, binding)


async def test_command_palette_lists_and_runs_actions(inbox: Inbox) -> None:
    app = make_app(inbox)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_rows(pilot, app)
        conv = app.conversation_list.selected
        await pilot.press("ctrl+p")
        await wait_for(pilot, lambda: "CommandPalette" in type(app.screen).__name__,
                       what="palette")
        await pilot.press(*"assign to me")
        await wait_for(pilot, lambda: "Assign to me" in screen_text(app), what="hit")
        await pilot.press("enter")
        await wait_for(pilot, lambda: inbox.service.get_conversation(
            conv.id, record_view=False).summary.assignee == ME, what="palette ran it")


async def test_long_thread_mounts_newest_first_and_loads_older(inbox: Inbox) -> None:
    app = make_app(inbox)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_rows(pilot, app)
        await pilot.press("slash", "ctrl+u", *'"payment plan" OR "invoice"', "enter")
        await wait_rows(pilot, app)
        longest = max(app.conversation_list.loaded_summaries(), key=lambda s: s.message_count)
        assert longest.message_count > 20
        app.conversation_list.move_to(app.conversation_list.row_of(longest.id) or 0)
        await pilot.press("enter")
        await wait_for(pilot, lambda: app.thread.conv_id == longest.id, what="open long")
        from cxinbox.tui.widgets.message_block import MessageBlock

        blocks = list(app.thread.query(MessageBlock))
        assert len(blocks) == 8
        assert blocks[-1].message.id == app.thread.detail.messages[-1].id
        assert app.thread.query_one("#thread-older").display
        await pilot.press("g")
        await wait_for(pilot, lambda: "older: press o" in screen_text(app),
                       what="older marker on screen")
        await pilot.press("o")
        await wait_for(pilot, lambda: len(list(app.thread.query(MessageBlock))) == 18,
                       what="older loaded")
        order = [b.message.date for b in app.thread.query(MessageBlock)]
        assert order == sorted(order)


async def test_quotes_and_signatures_fold(inbox: Inbox) -> None:
    body = ("Thanks, see you then.\n\n-- \nJane Doe\n555-0100\n")
    raw = ("From: \"Jane Doe\" <jane.doe@example.com>\r\nTo: appointments@maplestreet-clinic."
           "example\r\nSubject: Folding test\r\nDate: Tue, 04 Mar 2025 15:00:00 +0000\r\n"
           "Message-ID: <fold@example.com>\r\n\r\n" + body +
           "\nOn Mon, 3 Mar 2025, Maple Street Clinic wrote:\n> Your visit is booked.\n"
           "> Thursday at 10:30.\n").encode()
    from tests.test_tui_support import ingest_raw

    conv = ingest_raw(inbox.db, raw)
    app = make_app(inbox)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_rows(pilot, app)
        app.conversation_list.move_to(app.conversation_list.row_of(conv) or 0)
        await pilot.press("enter")
        await wait_for(pilot, lambda: "Thanks, see you then." in screen_text(app),
                       what="open and drawn")
        text = screen_text(app)
        assert "signature (" in text and "555-0100" not in text
        await pilot.press("z")
        await wait_for(pilot, lambda: "555-0100" in screen_text(app), what="expanded")


@pytest.mark.parametrize("size", SIZES)
async def test_idle_lock_hides_everything_and_unlocks_for_the_same_person(
        inbox: Inbox, size: tuple[int, int]) -> None:
    timer = ManualTimer()
    attempts: list[tuple[str, str]] = []

    class Verifier:
        prompt = "Password"
        secret = True
        interim = False

        def __call__(self, user: str, answer: str) -> bool:
            attempts.append((user, answer))
            return answer == "right horse"

    app = make_app(inbox, idle_clock=timer, idle_lock_s=60, verifier=Verifier())
    async with app.run_test(size=size) as pilot:
        await wait_rows(pilot, app)
        await pilot.press("enter")
        await wait_for(pilot, lambda: app.thread.detail is not None, what="open")
        subjects = [s.subject for s in app.conversation_list.loaded_summaries()]
        names = [s.from_name for s in app.conversation_list.loaded_summaries() if s.from_name]
        app.notify("something happened")
        timer.value += 59
        # The idle check itself, with a minute less a second gone: it must not lock (its
        # timer runs every 5 s here; waiting for one tick would prove no more).
        app._check_idle()
        assert not app.locked and not isinstance(app.screen, LockScreen)
        timer.value += 2
        await wait_for(pilot, lambda: isinstance(app.screen, LockScreen), what="lock")
        await wait_for(pilot, lambda: "locked" in screen_text(app), what="lock drawn")
        text = screen_text(app)
        assert "locked" in text and ME in text
        assert "Locked after 1 minute(s) without input." in text
        for phi in subjects + names:
            assert phi not in text, phi
        assert not list(app.query("Toast"))
        # Underneath, nothing with a name or subject is rendered either.
        assert app.thread.detail is None
        assert app.conversation_list.render_line(0).text.strip() == ""
        selected = app.conversation_list.selected
        await pilot.press("a")  # not "assign to me": the key goes into the password field
        await pilot.press(*"wrong", "enter")
        await wait_for(pilot, lambda: "did not match" in screen_text(app), what="refused")
        assert app.locked
        assert attempts == [(ME, "awrong")]
        await pilot.press(*"right horse", "enter")
        await wait_for(pilot, lambda: not app.locked, what="unlocked")
        assert attempts[-1] == (ME, "right horse")
        assert inbox.service.get_conversation(selected.id, record_view=False).summary.assignee \
            == selected.assignee
        # the patient's name: the subject cell starts with the intent word at 80 columns
        await wait_for(pilot, lambda: names[0] in screen_text(app), what="inbox back")


async def test_lock_now_key_and_interim_username_unlock(inbox: Inbox) -> None:
    from cxinbox.tui.unlock import UserNameVerifier

    app = make_app(inbox, verifier=UserNameVerifier())
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_rows(pilot, app)
        await pilot.press("f12")
        await wait_for(pilot, lambda: isinstance(app.screen, LockScreen), what="locked")
        await wait_for(pilot, lambda: "Interim lock" in screen_text(app), what="lock drawn")
        assert f"Locked by {ME}." in screen_text(app)
        await pilot.press(*ME, "enter")
        await wait_for(pilot, lambda: not app.locked, what="unlocked by user name")


async def test_save_attachment_to_a_chosen_folder(inbox: Inbox, tmp_path: Path) -> None:
    app = make_app(inbox)
    target = tmp_path / "saved"
    target.mkdir()
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_rows(pilot, app)
        await pilot.press("slash", *"has:attachment", "enter")
        await wait_for(pilot, lambda: "Search: has:attachment" in screen_text(app),
                       what="search")
        await pilot.press("enter")
        await wait_for(pilot, lambda: "attachment lab-results.pdf" in screen_text(app)
                       or "attachment insurance" in screen_text(app), what="open")
        await pilot.press("w")
        if isinstance(app.screen, ChoiceScreen):
            await pilot.press("1")
        assert isinstance(app.screen, PromptScreen)
        await pilot.press("ctrl+u", *str(target), "enter")
        await wait_for(pilot, lambda: any(target.iterdir()), what="file written")
        saved = next(target.iterdir())
        assert saved.stat().st_size > 0 and (saved.stat().st_mode & 0o777) == 0o600
        events = trail(inbox.service.store)
        assert any(e.action == "attachment.export" and e.actor == ME for e in events)


async def test_polls_never_pile_up(inbox: Inbox) -> None:
    """One poll at a time and one timer: actions that poll early must not add timers.

    Polls are long polls (`wait_events`): one waits while nothing changes. After six
    steps in a row (assign, undo: each asks for a poll at once, while one is waiting) the
    app takes their changes in, then
    a colleague's one change wakes it once more: never two polls at the same time, and
    for that one change a couple of polls, not a pile of them."""
    inflight = 0
    most = 0
    calls = 0
    original = inbox.api.inner.wait_events

    async def counting(seq: int, timeout_s: float = 25.0,  # type: ignore[no-untyped-def]
                       presence_version: int | None = None):
        nonlocal inflight, most, calls
        calls += 1
        inflight += 1
        most = max(most, inflight)
        try:
            return await original(seq, timeout_s, presence_version)
        finally:
            inflight -= 1

    inbox.api.inner.wait_events = counting  # type: ignore[method-assign]
    app = make_app(inbox, poll_interval=0.1)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_rows(pilot, app)
        changes = sorted(feed.change_actions())

        def my_changes() -> list[int]:
            return [int(r[0]) for r in inbox.db.conn.execute(
                f"SELECT seq FROM events WHERE actor = ? AND action IN"
                f" ({','.join('?' * len(changes))}) ORDER BY seq", (ME, *changes))]

        await pilot.press("2")  # Unassigned: `m` assigns the row to me, `u` takes it back
        await wait_for(pilot, lambda: app.conversation_list.loaded
                       and app.conversation_list.selected is not None
                       and app.conversation_list.selected.assignee is None, what="Unassigned")
        done = len(my_changes())
        for _ in range(3):  # each step done asks for a poll at once, while one waits
            for key in ("m", "u"):
                await pilot.press(key)
                done += 1
                await wait_for(pilot, lambda done=done: len(my_changes()) >= done,
                               what=f"the step of {key!r} done")
        mine = my_changes()[-1]
        await wait_for(pilot, lambda: (app._last_seq or 0) >= mine and inflight == 1,
                       what="the actions' changes taken in, one poll waiting")
        before = calls
        other = next(s.id for s in app.conversation_list.loaded_summaries())
        seq = InboxService(inbox.db, inbox.demo.config, "maria").tag(other, add=["x"],
                                                                      remove=[])
        await wait_for(pilot, lambda: (app._last_seq or 0) >= seq and inflight == 1,
                       what="the colleague's change taken in, one poll waiting")
        assert most == 1
        assert calls - before <= 3, calls - before  # woken once, then waiting again


async def test_empty_view_says_so(inbox: Inbox) -> None:
    app = make_app(inbox)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_rows(pilot, app)
        await pilot.press("slash", *"tag:no-such-tag", "enter")
        await wait_for(pilot, lambda: "No conversations here." in screen_text(app),
                       what="empty message")
        assert "Search: tag:no-such-tag (0)" in screen_text(app)


async def test_panes_follow_the_terminal_width(inbox: Inbox) -> None:
    app = make_app(inbox)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_rows(pilot, app)
        await pilot.press("enter")
        await wait_for(pilot, lambda: app.focused is app.thread, what="open")
        assert app.conversation_list.display and app.thread.parent.display
        await pilot.resize_terminal(80, 24)
        await wait_for(pilot, lambda: not app.conversation_list.display, what="narrow")
        assert app.thread.parent.display
        await pilot.press("escape")
        assert app.conversation_list.display and not app.thread.parent.display
        await pilot.resize_terminal(120, 40)
        await wait_for(pilot, lambda: app.thread.parent.display, what="wide again")
        assert app.conversation_list.display


async def test_opening_an_unread_conversation_marks_it_read_for_the_desk(inbox: Inbox) -> None:
    unread = inbox.service.list_conversations("is:unread", 0, 1).items[0]
    app = make_app(inbox)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_rows(pilot, app)
        await pilot.press("slash")
        await pilot.press(*f"id:{unread.id}", "enter")
        await wait_for(pilot, lambda: app.conversation_list.selected is not None
                       and app.conversation_list.selected.id == unread.id, what="found")
        await pilot.press("enter")
        await wait_for(pilot, lambda: app.thread.conv_id == unread.id, what="thread open")
        await wait_for(pilot, lambda: inbox.service.get_conversation(
            unread.id, record_view=False).summary.unread_count == 0, what="marked read")
    events = [e for e in inbox.service.events_since(0, 100000) if e.action == "conversation.read"]
    assert events and events[-1].target == f"conversation:{unread.id}"
    assert events[-1].actor == inbox.service.actor
