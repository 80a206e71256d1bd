"""An open TUI takes who is on shift from the server, not from its own copy of the config
(issue #13, N6 and N11): after a rota change and a restart of `cxinbox serve`, its "NO
CLINICIAN ON SHIFT" line and the red-flag banner's names follow the server's config,
without restarting the TUI. A real server (subprocess) and a real TUI on its socket."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from pathlib import Path

import pytest
from tests.test_redflag_state import arrive
from tests.test_serve_support import ME, Server, socket_dir
from tests.test_tui_support import screen_text, wait_for, wait_rows

from cxinbox.api.socket_client import SocketAPI, probe
from cxinbox.config import load_config
from cxinbox.domain.teams import member_on_shift
from cxinbox.store.db import Database
from cxinbox.tui import app as tui_app
from cxinbox.tui.app import CxInboxApp

DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
ALWAYS = "\n".join(f'{d} = ["00:00-24:00"]' for d in DAYS)
NOT_NOW = f'{DAYS[(datetime.now(UTC).weekday() + 3) % 7]} = ["09:00-17:00"]'
"""Open one day, three days from today: closed now (and after a midnight in the run)."""


QUICK_POLL_S = 1.0
"""The long poll's wait in these tests: a reconnect is noticed when the poll that came
through returns; a change on the server still answers it at once."""


RED_FLAGS_TO_NURSES = """
[[rules]]
name = "red flags to nurses"
on = "arrival"
match = 'is:red-flag'
actions = { assign = "team:nurses" }
"""


def _config(path: Path, sock: Path, *, nora: str, rules: str = "") -> None:
    """Me at the desk (an agent); two nurses on shift-aware rotas: Cy never on now, Nora
    on the calendar `nora` names; `rules` appended."""
    data = path.parent / "data"
    path.write_text(f'''[clinic]
timezone = "UTC"

[store]
path = "{data / "cxinbox.db"}"

[server]
socket = "{sock}"

[[staff]]
os_user = "{ME}"
name = "Desk Dana"
role = "agent"

[[staff]]
os_user = "nora"
name = "Nurse Nora"
clinical = true

[[staff]]
os_user = "cy"
name = "Cy Park"
clinical = true

[sla.calendars.always]
timezone = "UTC"
[sla.calendars.always.hours]
{ALWAYS}

[sla.calendars.notnow]
timezone = "UTC"
[sla.calendars.notnow.hours]
{NOT_NOW}

[[teams]]
name = "nurses"
members = ["nora", "cy"]
strategy = "shift-aware"
shifts = {{ nora = "{nora}", cy = "notnow" }}
''' + rules)


async def test_a_rota_change_and_a_restart_reach_the_open_tui(tmp_path: Path,
                                                              monkeypatch: pytest.MonkeyPatch) -> None:
    # The clock's own re-read of the roster (once a minute) must not be what carries the
    # new rota: the restarted server, reached again by the next poll, is.
    monkeypatch.setattr(tui_app, "SLA_RECHECK_S", 3600.0)
    # ... and that next poll is the first long poll to come back from the new server: a
    # quiet server holds it LONG_POLL_S (20 s) before the TUI reads the roster again.
    monkeypatch.setattr(tui_app, "LONG_POLL_S", QUICK_POLL_S)
    (tmp_path / "data").mkdir(mode=0o700)
    with socket_dir() as directory:
        sock = directory / "s.sock"
        cfg = tmp_path / "config.toml"
        _config(cfg, sock, nora="always")
        db = Database(tmp_path / "data" / "cxinbox.db")
        try:
            arrive(db, 1, "I have crushing chest pain since last night.")
        finally:
            db.close()
        server = Server(cfg, sock).start()
        try:
            found = probe(sock)
            assert found is not None
            started_with = load_config(cfg)
            app = CxInboxApp(SocketAPI(sock, *found), started_with, calm=True,
                             poll_interval=0.05, idle_lock_s=0)
            async with app.run_test(size=(80, 24)) as pilot:
                await wait_rows(pilot, app)
                status = app.status_line
                await pilot.press("enter")  # the red flag, first in the list

                def banner() -> str:
                    return " ".join(screen_text(app).split())

                await wait_for(pilot, lambda: "a clinician must answer (Nurse Nora);"
                               in banner(), what="the banner naming who is on shift")
                assert "Cy Park" not in banner()  # off shift: not someone to get
                assert "NO CLINICIAN ON SHIFT" not in str(status.render())

                # The rota changes (Nora off shift too) and the server restarts.
                _config(cfg, sock, nora="notnow")
                await asyncio.to_thread(server.stop)
                server = await asyncio.to_thread(Server(cfg, sock).start)
                await wait_for(pilot, lambda: "NO CLINICIAN ON SHIFT" in str(status.render()),
                               timeout=60, what="the warning from the server's new rota")
                await wait_for(pilot, lambda: "a clinician must answer (none on shift now)"
                               in banner(), what="the banner saying nobody is on shift")
                assert "Nurse Nora" not in banner().split("no canned replies")[0]
                # this TUI's own config still has Nora on shift: it was not the source
                assert member_on_shift("nora", app.config.teams, datetime.now(UTC))

                # And back: Nora on shift again, the warning goes.
                _config(cfg, sock, nora="always")
                await asyncio.to_thread(server.stop)
                server = await asyncio.to_thread(Server(cfg, sock).start)
                await wait_for(pilot, lambda: "NO CLINICIAN ON SHIFT" not in
                               str(status.render()), timeout=60, what="the warning gone")
                await wait_for(pilot, lambda: "a clinician must answer (Nurse Nora);"
                               in banner(), what="Nora named again")
        finally:
            server.stop()


async def test_red_flags_routed_to_a_team_follow_the_servers_rota(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """review25 #6: with a rule routing red flags to team nurses, the status line's
    "nobody on shift in team nurses" and the banner's names are the server's answer too:
    after the rota changes and the server restarts, the open TUI follows, though its own
    config still has Nora on shift."""
    # The clock's own re-read of the roster (once a minute) must not be what carries the
    # new rota: the restarted server, reached again by the next poll, is.
    monkeypatch.setattr(tui_app, "SLA_RECHECK_S", 3600.0)
    # ... and that next poll is the first long poll to come back from the new server: a
    # quiet server holds it LONG_POLL_S (20 s) before the TUI reads the roster again.
    monkeypatch.setattr(tui_app, "LONG_POLL_S", QUICK_POLL_S)
    (tmp_path / "data").mkdir(mode=0o700)
    with socket_dir() as directory:
        sock = directory / "s.sock"
        cfg = tmp_path / "config.toml"
        _config(cfg, sock, nora="always", rules=RED_FLAGS_TO_NURSES)
        db = Database(tmp_path / "data" / "cxinbox.db")
        try:
            arrive(db, 1, "I have crushing chest pain since last night.")
        finally:
            db.close()
        server = Server(cfg, sock).start()
        try:
            found = probe(sock)
            assert found is not None
            app = CxInboxApp(SocketAPI(sock, *found), load_config(cfg), calm=True,
                             poll_interval=0.05, idle_lock_s=0)
            async with app.run_test(size=(80, 24)) as pilot:
                await wait_rows(pilot, app)
                status = app.status_line
                await pilot.press("enter")

                def banner() -> str:
                    return " ".join(screen_text(app).split())

                await wait_for(pilot, lambda: "a clinician must answer (Nurse Nora);"
                               in banner(), what="the team's available member named")
                assert "NOBODY ON SHIFT" not in str(status.render())

                _config(cfg, sock, nora="notnow", rules=RED_FLAGS_TO_NURSES)
                await asyncio.to_thread(server.stop)
                server = await asyncio.to_thread(Server(cfg, sock).start)
                await wait_for(pilot, lambda: "NOBODY ON SHIFT IN TEAM NURSES" in
                               str(status.render()).upper(), timeout=60,
                               what="the team's gap from the server's new rota")
                await wait_for(pilot, lambda: "a clinician must answer (nobody in team nurses"
                               " on shift now)" in banner(), what="the banner saying so")
                assert member_on_shift("nora", app.config.teams, datetime.now(UTC))

                # The rule goes (red flags to the clinical role again, Nora off shift
                # there too): the clinician line, not the team's.
                _config(cfg, sock, nora="notnow")
                await asyncio.to_thread(server.stop)
                server = await asyncio.to_thread(Server(cfg, sock).start)
                await wait_for(pilot, lambda: "NO CLINICIAN ON SHIFT" in
                               str(status.render()).upper(), timeout=60,
                               what="the clinician line once no rule routes to the team")
                assert app.config.red_flag_teams()  # the TUI's copy still has the rule
        finally:
            server.stop()


def test_the_banner_names_those_on_shift_and_says_when_none_is() -> None:
    from cxinbox.contract.team_types import StaffView
    from cxinbox.tui.away import banner_clinicians, no_clinician

    def nurse(login: str, *, away: bool = False, on_shift: bool = True) -> StaffView:
        return StaffView(login, login.title(), "agent", True, away, clinical=True,
                         on_shift=on_shift)

    desk = StaffView("dana", "Dana", "agent", True)
    assert banner_clinicians([]) == "" and not no_clinician([])
    assert banner_clinicians([desk]) == "" and not no_clinician([desk])
    roster = [desk, nurse("nora"), nurse("cy", on_shift=False), nurse("al", away=True)]
    assert banner_clinicians(roster) == "Nora" and not no_clinician(roster)
    gone = [desk, nurse("nora", on_shift=False), nurse("cy", away=True)]
    assert banner_clinicians(gone) == "none on shift now" and no_clinician(gone)
    many = [nurse(n) for n in ("a1", "b2", "c3", "d4", "e5")]
    assert banner_clinicians(many) == "A1, B2, C3 +2"


def test_with_red_flags_routed_to_a_team_its_available_members_are_named() -> None:
    from cxinbox.contract.team_types import StaffView
    from cxinbox.tui.away import banner_clinicians, red_flag_alert

    def member(login: str, teams: tuple[str, ...], available: tuple[str, ...],
               clinical: bool = False) -> StaffView:
        return StaffView(login, login.title(), "agent", True, clinical=clinical,
                         red_flag_teams=teams, red_flag_available=available)

    doc = StaffView("lee", "Lee", "agent", True, clinical=True)  # on shift, not on a team
    roster = [doc, member("nora", ("nurses",), ("nurses",)), member("cy", ("nurses",), ())]
    assert banner_clinicians(roster) == "Nora" and red_flag_alert(roster) == ""
    gone = [doc, member("nora", ("nurses",), ()), member("mo", ("triage",), ())]
    assert banner_clinicians(gone) == "nobody in teams nurses, triage on shift now"
    assert red_flag_alert(gone) == "nobody on shift in team nurses +1"
    assert red_flag_alert([doc]) == "" and banner_clinicians([doc]) == "Lee"


def test_names_from_the_servers_roster_are_cleaned_before_they_are_shown() -> None:
    """The roster arrives in a server frame: a name or team carrying a terminal escape or
    a line break is shown as one plain line on the banner and the status line."""
    from cxinbox.contract.team_types import StaffView
    from cxinbox.tui.away import banner_clinicians, red_flag_alert

    nurse = StaffView("nora", "Nora\x1b[2J\nX", "agent", True, clinical=True)
    assert banner_clinicians([nurse]) == "Nora X"
    team = StaffView("cy", "Cy", "agent", True, red_flag_teams=("nur\x1bses",),
                     red_flag_available=())
    alert = red_flag_alert([team])
    assert "\x1b" not in alert and alert.startswith("nobody on shift in team nur")
