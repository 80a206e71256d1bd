"""`Z` (away) and teams in the assignee picker, at 80x24: with Pilot on the demo clinic
given a team, and in a real terminal (tmux) on `cxinbox demo`."""

from __future__ import annotations

import dataclasses
from pathlib import Path

from tests.teamhelp import events
from tests.test_tui_support import (
    ME,
    RecordingApi,
    make_app,
    make_inbox,
    screen_text,
    wait_for,
    wait_rows,
)
from tests.test_tui_tmux import COMMAND, Tmux, _env, _rows, tmux  # noqa: F401 - fixture

from cxinbox.api.interface import InProcessAPI
from cxinbox.contract.routing_types import AwayResult, TeamAssignment
from cxinbox.domain.teams import TeamSpec
from cxinbox.service.inbox import InboxService
from cxinbox.tui.away import away_line
from cxinbox.tui.pickers import roster_items
from cxinbox.tui.screens.picker import PickerScreen


def _with_team(tmp_path: Path) -> tuple[object, InboxService]:
    inbox = make_inbox(tmp_path)
    config = dataclasses.replace(inbox.demo.config, teams=(
        TeamSpec("desk", (ME, "maria", "priya"), return_on_away=True),))
    service = InboxService(inbox.db, config, ME)
    inbox = dataclasses.replace(inbox, service=service,
                                api=RecordingApi(InProcessAPI(service), inbox.clock))
    return inbox, service


def _mine_open(service: InboxService) -> int:
    return service.list_conversations(f"assignee:{ME} status:open", 0, 1).total


async def test_z_goes_away_hands_back_and_comes_back(tmp_path: Path) -> None:
    inbox, service = _with_team(tmp_path)
    held = _mine_open(service)
    assert held > 0  # the demo gives me open conversations
    app = make_app(inbox, config=service.config)  # type: ignore[arg-type]
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        await wait_rows(pilot, app)
        await pilot.press("Z")
        await wait_for(pilot, lambda: "You are away:" in screen_text(app), what="the toast")
        text = screen_text(app)
        assert f"You are away: {held} open conversation(s) handed back" in text
        assert f"you ({ME}, AWAY)" in text  # the status line says it, in words
        lines = text.splitlines()
        assert len(lines) == 24 and all(len(line) <= 80 for line in lines)
        assert _mine_open(service) == 0
        handed = [e for e in events(service.store, "conversation.assign")  # type: ignore[arg-type]
                  if e.get("team") == "desk"]
        assert len(handed) == held and all(e["actor"] == ME for e in handed)
        assert all(str(e["why"]).startswith(f"handed back: {ME} went away") for e in handed)

        # The picker: me marked AWAY, then colleagues, then the team (who it would pick).
        await pilot.press("a")
        picker = app.screen
        assert isinstance(picker, PickerScreen)
        await wait_for(pilot, lambda: "team desk" in screen_text(app), what="the team")
        text = screen_text(app)
        assert "AWAY" in text and "next of: maria, priya" in text
        await pilot.press("escape")

        await pilot.press("Z")
        await wait_for(pilot, lambda: "You are back" in screen_text(app), what="back")
        await wait_for(pilot, lambda: f"you ({ME})" in screen_text(app), what="the status")
        assert f"{ME}, AWAY" not in screen_text(app)


async def test_picking_a_team_in_the_picker_assigns_by_its_strategy(tmp_path: Path) -> None:
    inbox, service = _with_team(tmp_path)
    app = make_app(inbox, config=service.config)  # type: ignore[arg-type]
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        await wait_rows(pilot, app)
        await pilot.press("2")  # unassigned
        await wait_for(pilot, lambda: "Unassigned (" in screen_text(app), what="view 2")
        await wait_rows(pilot, app)
        target = app.conversation_list.selected
        assert target is not None and target.assignee is None
        await pilot.press("a")
        await wait_for(pilot, lambda: "team desk" in screen_text(app), what="the team")
        await pilot.press(*"team desk", "enter")
        await wait_for(pilot, lambda: "team desk: assigned to" in screen_text(app)
                       or "team desk: assigned to you" in screen_text(app), what="the toast")
        after = service.get_conversation(target.id, record_view=False).summary
        assert after.assignee in (ME, "maria", "priya")
        await pilot.press("u")
        await wait_for(pilot, lambda: service.get_conversation(
            target.id, record_view=False).summary.assignee is None, what="undone")


def test_away_lines_and_picker_items() -> None:
    done = TeamAssignment(7, "desk", None, "round-robin: nobody available; left unassigned",
                          3, "me")
    assert away_line(AwayResult("me", True, True, (done,))) == (
        "You are away: 1 open conversation(s) handed back to your team (1 left unassigned:"
        " nobody available)")
    assert away_line(AwayResult("me", True, False)) == "You were already away"
    assert away_line(AwayResult("me", False, True)) == "You are back: teams include you again"
    from cxinbox.contract.routing_types import TeamView
    from cxinbox.contract.team_types import StaffView

    items = roster_items([StaffView("me", "Me", "agent", True),
                          StaffView("amy", "Amy", "agent", True, away=True)], "me", None,
                         [TeamView("desk", "least-open", ("me", "amy"), (), None, False)])
    assert [(i.value, i.detail) for i in items] == [
        ("me", "agent, online"), ("amy", "agent, AWAY"),
        ("team:desk", "least-open, nobody available now")]


def test_z_in_a_real_terminal(tmux: Tmux) -> None:  # noqa: F811 - the tmux fixture
    tmux.start(COMMAND, env=_env())
    tmux.wait(lambda s: "online:" in s and len(_rows(s)) > 10, "first rows")
    tmux.keys("Z")
    screen = tmux.wait_text("You are away")
    assert "AWAY)" in screen
    assert all(len(line) <= 80 for line in screen.splitlines())
    tmux.keys("Z")
    tmux.wait_text("You are back")
    tmux.wait(lambda s: "AWAY)" not in s, "the status line back to normal")
    tmux.keys("q")
    tmux.wait_text("EXITED:0")


async def test_marked_rows_to_a_team_spread_and_undo(tmp_path: Path) -> None:
    inbox, service = _with_team(tmp_path)
    app = make_app(inbox, config=service.config)  # type: ignore[arg-type]
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        await pilot.press("2")  # unassigned
        await wait_for(pilot, lambda: "Unassigned (" in screen_text(app), what="view 2")
        await wait_rows(pilot, app)
        await pilot.press("space", "space", "space")  # three rows, stepping down
        await wait_for(pilot, lambda: app.conversation_list.marks.count == 3, what="marks")
        marked = sorted(app.conversation_list.marks.ids)
        await pilot.press("a")
        await wait_for(pilot, lambda: "team desk" in screen_text(app), what="the team")
        await pilot.press(*"team desk", "enter")
        await wait_for(pilot, lambda: "3 conversations given to team desk"
                       in screen_text(app), what="the toast")
        owners = [service.get_conversation(c, record_view=False).summary.assignee
                  for c in marked]
        assert sorted(owners) == sorted([ME, "maria", "priya"])  # one each, in turn
        await pilot.press("u")
        await wait_for(pilot, lambda: all(
            service.get_conversation(c, record_view=False).summary.assignee is None
            for c in marked), what="all three put back")


async def test_giving_a_conversation_to_someone_away_asks_first(tmp_path: Path) -> None:
    inbox, service = _with_team(tmp_path)
    from cxinbox.service.teams import TeamService

    TeamService(service).set_away(True, "priya")
    app = make_app(inbox, config=service.config)  # type: ignore[arg-type]
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        await pilot.press("2")
        await wait_for(pilot, lambda: "Unassigned (" in screen_text(app), what="view 2")
        await wait_rows(pilot, app)
        target = app.conversation_list.selected
        assert target is not None and target.assignee is None
        await pilot.press("a")
        await wait_for(pilot, lambda: "AWAY" in screen_text(app), what="priya AWAY")
        await pilot.press(*"priya", "enter")
        await wait_for(pilot, lambda: "is away (teams pass them over)" in screen_text(app),
                       what="the question")
        await pilot.press("n")
        await wait_for(pilot, lambda: "left as it was" in screen_text(app), what="kept")
        assert service.get_conversation(target.id, record_view=False).summary.assignee is None
        await pilot.press("a")
        await wait_for(pilot, lambda: "AWAY" in screen_text(app), what="the picker again")
        await pilot.press(*"priya", "enter")
        await wait_for(pilot, lambda: "is away (teams pass them over)" in screen_text(app),
                       what="the question again")
        await pilot.press("y")
        await wait_for(pilot, lambda: service.get_conversation(
            target.id, record_view=False).summary.assignee == "priya", what="given to priya")
