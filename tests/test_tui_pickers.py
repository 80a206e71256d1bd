"""The assignee picker, tag completion and @mention completion, driven by keys with Pilot.

Each test drives a flow the way a receptionist would and checks both what the service now
holds (assignee, tags, note body, mentions) and what the screen shows, at 80x24 and 120x40
and in ASCII mode where the dialog draws something of its own.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from tests.test_tui_support import (
    ME,
    Inbox,
    make_app,
    make_inbox,
    screen_text,
    wait_for,
    wait_rows,
)

from cxinbox.contract.types import ConversationSummary
from cxinbox.service.inbox import InboxService
from cxinbox.tui.app import CxInboxApp
from cxinbox.tui.screens.picker import CompletingPrompt, ConfirmScreen, PickerScreen

SIZES = [(80, 24), (120, 40)]


@pytest.fixture
def inbox(tmp_path: Path) -> Inbox:
    return make_inbox(tmp_path)


def _now(inbox: Inbox, conv: int) -> ConversationSummary:
    return inbox.service.get_conversation(conv, record_view=False).summary


async def _roster_loaded(pilot: Any, app: CxInboxApp) -> None:
    await wait_for(pilot, lambda: len(app._roster) > 1 and bool(app._tag_counts),
                   what="roster and tags from the API")


async def _search(pilot: Any, app: CxInboxApp, query: str) -> ConversationSummary:
    await pilot.press("slash", "ctrl+u", *query, "enter")
    await wait_for(pilot, lambda: app.conversation_list.loaded
                   and app.conversation_list.selected is not None
                   and app.focused is app.conversation_list, what=f"results of {query}")
    selected = app.conversation_list.selected
    assert selected is not None
    return selected


@pytest.mark.parametrize("size", SIZES)
@pytest.mark.parametrize("ascii_only", [False, True])
async def test_assign_to_a_colleague_by_filtering(inbox: Inbox, size: tuple[int, int],
                                                  ascii_only: bool) -> None:
    app = make_app(inbox, ascii_only=ascii_only)
    async with app.run_test(size=size, notifications=True) as pilot:
        await pilot.press("2")  # unassigned: nobody is taken from anyone here
        await wait_rows(pilot, app)
        await _roster_loaded(pilot, app)
        target = app.conversation_list.selected
        assert target is not None and target.assignee is None
        await pilot.press("a")
        picker = app.screen
        assert isinstance(picker, PickerScreen)
        await wait_for(pilot, lambda: len(picker.shown_values) == 5, what="the whole roster")
        assert picker.shown_values[0] == ME and picker.highlighted == ME  # me first
        text = screen_text(app)
        assert f"Assign #{target.id} to" in text and "now: nobody" in text
        assert "Priya Nair (priya)" in text and "Maria Lopez (maria)" in text
        assert "offline" in text  # nobody else is connected in-process
        if ascii_only:
            assert text.isascii()
        lines = text.splitlines()
        assert len(lines) == size[1] and all(len(line) <= size[0] for line in lines)

        await pilot.press(*"ri")  # a substring anywhere: Maria, Priya
        assert set(picker.shown_values) == {"maria", "priya"}
        await pilot.press("backspace", "backspace", *"Nair")  # display name
        await wait_for(pilot, lambda: picker.shown_values == ["priya"], what="filtered")
        text = screen_text(app)
        assert "Priya Nair" in text and "Maria Lopez" not in text
        await pilot.press("enter")
        await wait_for(pilot, lambda: _now(inbox, target.id).assignee == "priya",
                       what="assigned to priya")
        await wait_for(pilot, lambda: f"#{target.id} {target.from_name}: assigned to priya" in screen_text(app),
                       what="said on screen")

        await pilot.press("u")  # the same Triage values: undo puts it back
        await wait_for(pilot, lambda: _now(inbox, target.id).assignee is None, what="undone")


async def test_a_then_enter_is_still_assign_to_me(inbox: Inbox) -> None:
    app = make_app(inbox)
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        await pilot.press("2")
        await wait_rows(pilot, app)
        target = app.conversation_list.selected
        assert target is not None and target.assignee is None
        await pilot.press("a", "enter")  # typed at once, before any roster has arrived
        await wait_for(pilot, lambda: _now(inbox, target.id).assignee == ME, what="mine")
        await wait_for(pilot, lambda: "assigned to you" in screen_text(app), what="toast")
        assert len(app.screen_stack) == 1


async def test_escape_cancels_and_no_match_picks_nothing(inbox: Inbox) -> None:
    app = make_app(inbox)
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        await pilot.press("2")
        await wait_rows(pilot, app)
        target = app.conversation_list.selected
        assert target is not None
        await pilot.press("a", *"zzz")
        picker = app.screen
        assert isinstance(picker, PickerScreen)
        await wait_for(pilot, lambda: picker.shown_values == [], what="nothing matches")
        assert "No one on the roster matches." in screen_text(app)
        await pilot.press("enter")  # nothing highlighted: stays open, assigns nobody
        assert app.screen is picker
        await pilot.press("escape")
        assert len(app.screen_stack) == 1
        assert _now(inbox, target.id).assignee is None


@pytest.mark.parametrize("size", SIZES)
async def test_taking_from_a_colleague_asks_first(inbox: Inbox, size: tuple[int, int]) -> None:
    app = make_app(inbox)
    async with app.run_test(size=size, notifications=True) as pilot:
        await wait_rows(pilot, app)
        await _roster_loaded(pilot, app)
        target = await _search(pilot, app, "assignee:priya")
        assert target.assignee == "priya"
        await pilot.press("a", "enter")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmScreen), what="question")
        question = app.screen.question  # type: ignore[attr-defined]
        assert question == (f"#{target.id} {target.from_name} is assigned to"
                            " Priya Nair (priya). Take it?")
        await wait_for(pilot, lambda: "is assigned to Priya Nair (priya)" in screen_text(app),
                       what="question shown")
        assert "n no, leave it with priya" in screen_text(app)
        await pilot.press("n")
        await wait_for(pilot, lambda: f"#{target.id} {target.from_name}: left with Priya Nair" in screen_text(app),
                       what="left alone")
        assert _now(inbox, target.id).assignee == "priya"
        assert len(app.screen_stack) == 1

        await pilot.press("m")  # the direct "assign to me" asks the same question
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmScreen), what="asked again")
        await pilot.press("y")
        await wait_for(pilot, lambda: _now(inbox, target.id).assignee == ME, what="taken")
        await pilot.press("u")
        await wait_for(pilot, lambda: _now(inbox, target.id).assignee == "priya",
                       what="given back by undo")


async def test_assigning_to_whoever_has_it_already_changes_nothing(inbox: Inbox) -> None:
    app = make_app(inbox)
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        await wait_rows(pilot, app)
        await _roster_loaded(pilot, app)
        target = await _search(pilot, app, "assignee:priya")
        await pilot.press("a", *"priya", "enter")
        await wait_for(pilot, lambda: "already assigned to Priya Nair" in screen_text(app),
                       what="said so")
        assert _now(inbox, target.id).assignee == "priya"


@pytest.mark.parametrize("size", SIZES)
async def test_tags_complete_and_a_new_tag_needs_confirming(inbox: Inbox,
                                                           size: tuple[int, int]) -> None:
    app = make_app(inbox)
    async with app.run_test(size=size, notifications=True) as pilot:
        await wait_rows(pilot, app)
        await _roster_loaded(pilot, app)
        target = await _search(pilot, app, "-tag:lab-results -tag:billing")
        before = set(target.tags)

        await pilot.press("t", *"lab-r")
        prompt = app.screen
        assert isinstance(prompt, CompletingPrompt)
        await wait_for(pilot, lambda: prompt.suggestions[:1] == ["lab-results"],
                       what="completion")
        assert "lab-results" in screen_text(app)
        await pilot.press("tab")
        assert prompt.field.value == "lab-results "
        await pilot.press(*"billnig", "enter")  # a typo of a tag in use
        await wait_for(pilot, lambda: "new tag 'billnig'? did you mean billing"
                       in prompt.warning, what="the typo questioned")
        assert "did you mean billing" in screen_text(app)
        assert set(_now(inbox, target.id).tags) == before  # nothing saved yet
        await pilot.press(*["backspace"] * 7, *"bil", "tab", "enter")  # fixed by completion
        await wait_for(pilot, lambda: set(_now(inbox, target.id).tags)
                       == before | {"lab-results", "billing"}, what="both tags")
        await pilot.press("u")
        await wait_for(pilot, lambda: set(_now(inbox, target.id).tags) == before,
                       what="undone")

        # Tagging moved the row out of that search; pin the same conversation again.
        assert (await _search(pilot, app, f"id:{target.id}")).id == target.id
        await pilot.press("t", *"flu-clinic", "enter")  # really new: confirmed by Enter again
        prompt = app.screen
        assert isinstance(prompt, CompletingPrompt)
        await wait_for(pilot, lambda: "new tag 'flu-clinic'?" in prompt.warning,
                       what="asked")
        assert "flu-clinic" not in _now(inbox, target.id).tags
        await pilot.press("enter")
        await wait_for(pilot, lambda: "flu-clinic" in _now(inbox, target.id).tags,
                       what="created on confirmation")
        await wait_for(pilot, lambda: ": tags +flu-clinic" in screen_text(app),
                       what="said")


async def test_minus_completes_the_conversations_own_tags(inbox: Inbox) -> None:
    app = make_app(inbox)
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        await wait_rows(pilot, app)
        target = await _search(pilot, app, "tag:red-flag is:red-flag")  # the chest pain
        await pilot.press("t", "minus", "r")
        prompt = app.screen
        assert isinstance(prompt, CompletingPrompt)
        await wait_for(pilot, lambda: prompt.suggestions == ["red-flag", "red-flag:chest-pain"],
                       what="own tags")
        await pilot.press(*"ed-flag:")
        await wait_for(pilot, lambda: prompt.suggestions == ["red-flag:chest-pain"],
                       what="the one left")
        await pilot.press("tab", "enter")  # removing a tag is never questioned
        await wait_for(pilot, lambda: "red-flag:chest-pain" not in _now(inbox, target.id).tags,
                       what="removed")


@pytest.mark.parametrize("size", SIZES)
async def test_mentions_complete_and_an_unknown_name_is_caught(inbox: Inbox,
                                                              size: tuple[int, int]) -> None:
    app = make_app(inbox)
    async with app.run_test(size=size, notifications=True) as pilot:
        await wait_rows(pilot, app)
        await _roster_loaded(pilot, app)
        target = app.conversation_list.selected
        assert target is not None
        notes_before = len(inbox.service.get_conversation(target.id).notes)

        await pilot.press("n", *"please call back @pr")
        prompt = app.screen
        assert isinstance(prompt, CompletingPrompt)
        await wait_for(pilot, lambda: prompt.suggestions == ["priya"], what="@ completion")
        assert "Priya Nair (priya)" in screen_text(app)
        await pilot.press("tab")
        assert prompt.field.value == "please call back @priya "
        await pilot.press(*"and @jsmth", "enter")
        await wait_for(pilot, lambda: "@jsmth is not on the roster" in prompt.warning,
                       what="unknown mention caught")
        assert "nobody would be told" in screen_text(app)
        assert len(inbox.service.get_conversation(target.id).notes) == notes_before
        await pilot.press(*["backspace"] * 5, *"dev", "enter")  # fixed, then saved
        body = "please call back @priya and @dev"
        await wait_for(pilot, lambda: any(n.body == body for n in
                                          inbox.service.get_conversation(target.id).notes),
                       what="note saved")
        assert len(app.screen_stack) == 1
        for colleague in ("priya", "dev"):  # known mentions notify as before
            theirs = InboxService(inbox.db, inbox.demo.config, colleague).mentions()
            assert any(m.body == body for m in theirs), colleague


async def test_an_unknown_mention_can_still_be_kept_on_purpose(inbox: Inbox) -> None:
    app = make_app(inbox)
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        await wait_rows(pilot, app)
        await _roster_loaded(pilot, app)
        target = app.conversation_list.selected
        assert target is not None
        await pilot.press("n", *"ask @reception tomorrow", "enter")
        prompt = app.screen
        assert isinstance(prompt, CompletingPrompt)
        await wait_for(pilot, lambda: "@reception is not on the roster" in prompt.warning,
                       what="warned")
        await pilot.press("enter")  # the same text again: kept as written
        await wait_for(pilot, lambda: any(n.body == "ask @reception tomorrow" for n in
                                          inbox.service.get_conversation(target.id).notes),
                       what="saved on the second Enter")


async def test_palette_offers_assign_to(inbox: Inbox) -> None:
    app = make_app(inbox)
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        await wait_rows(pilot, app)
        await pilot.press("ctrl+p")
        await wait_for(pilot, lambda: "CommandPalette" in type(app.screen).__name__,
                       what="palette")
        await pilot.press(*"assign to.")
        await wait_for(pilot, lambda: "Assign to..." in screen_text(app), what="the entry")
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, PickerScreen), what="picker")


async def test_unassigning_a_colleagues_conversation_asks_too(inbox: Inbox) -> None:
    app = make_app(inbox)
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        await wait_rows(pilot, app)
        await _roster_loaded(pilot, app)
        target = await _search(pilot, app, "assignee:priya")
        await pilot.press("A")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmScreen), what="asked")
        await wait_for(pilot, lambda: "Unassign it?" in app.screen.question,  # type: ignore[attr-defined]
                       what="the question")
        await pilot.press("escape")
        await wait_for(pilot, lambda: len(app.screen_stack) == 1, what="closed")
        assert _now(inbox, target.id).assignee == "priya"
        await pilot.press("A", "y")
        await wait_for(pilot, lambda: _now(inbox, target.id).assignee is None,
                       what="unassigned on yes")


async def test_escape_hides_suggestions_before_it_drops_the_note(inbox: Inbox) -> None:
    app = make_app(inbox)
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        await wait_rows(pilot, app)
        await _roster_loaded(pilot, app)
        await pilot.press("n", *"long note for @ma")
        prompt = app.screen
        assert isinstance(prompt, CompletingPrompt)
        await wait_for(pilot, lambda: prompt.suggestions == ["maria"], what="suggested")
        await pilot.press("escape")  # meant for the list, not for the note
        assert app.screen is prompt and prompt.suggestions == []
        assert prompt.field.value == "long note for @ma"
        await pilot.press("r")
        await wait_for(pilot, lambda: prompt.suggestions == ["maria"], what="back on typing")
        await pilot.press("escape", "escape")
        await wait_for(pilot, lambda: len(app.screen_stack) == 1, what="prompt closed")


async def test_the_picker_shows_who_is_online(inbox: Inbox) -> None:
    # Priya's own terminal connects to the same desk (the board every session shares).
    inbox.api.inner._board.join("priyas-terminal", "priya", "Priya Nair")
    app = make_app(inbox)
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        await wait_rows(pilot, app)
        await pilot.press("a")
        picker = app.screen
        assert isinstance(picker, PickerScreen)
        await wait_for(pilot, lambda: "Priya Nair (priya)  agent, online" in screen_text(app),
                       what="priya online")
        assert "Maria Lopez (maria)  agent, offline" in screen_text(app)
