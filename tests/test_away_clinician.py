"""The last clinician on shift going away (issue #13, F4): new red flags would wait
unassigned, so going away says so (CLI line, TUI toast; still done), everyone's status
line says "no clinician on shift" while it holds, and a clinician coming back is told how
many red flags wait and her list goes back to its top, where they are."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from tests.test_redflag_state import arrive as arrive_mail
from tests.test_serve_support import ME, Server, cx, socket_dir
from tests.test_tui_escalations import Recorder
from tests.test_tui_redflag import BODY, arrive
from tests.test_tui_support import (
    Inbox,
    make_app,
    make_inbox,
    screen_text,
    wait_for,
    wait_rows,
)

from cxinbox.api.interface import InProcessAPI
from cxinbox.config import Config, StaffMember
from cxinbox.domain.sla import BusinessCalendar
from cxinbox.domain.teams import TeamSpec, clinicians_available
from cxinbox.service.inbox import InboxService
from cxinbox.store.db import Database

WARNING = ("cxinbox: warning: no clinician is available for red flags now (you were the last"
           " on shift): new red flags stay unassigned until one is back; the notify hook"
           " still runs\n")


@pytest.fixture
def sockdir() -> Iterator[Path]:
    with socket_dir() as path:
        yield path


def test_clinicians_available_counts_away_and_shifts() -> None:
    days = BusinessCalendar.from_spec({"hours": {"mon": ["09:00-17:00"]}, "timezone": "UTC"},
                                      where="teams[0].shifts.amy")
    monday_noon = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)
    sunday_noon = datetime(2026, 12, 6, 12, 0, tzinfo=UTC)
    assert clinicians_available(["amy", "bo"], [], set(), monday_noon) == ["amy", "bo"]
    assert clinicians_available(["amy", "bo"], [], {"amy"}, monday_noon) == ["bo"]
    assert clinicians_available(["amy"], [], {"amy"}, monday_noon) == []
    team = TeamSpec(name="nurses", members=("amy",), strategy="shift-aware",
                    shifts={"amy": days})
    assert clinicians_available(["amy"], [team], set(), monday_noon) == ["amy"]
    assert clinicians_available(["amy"], [team], set(), sunday_noon) == []  # off shift


def test_the_cli_warns_the_last_clinician_and_counts_what_waits(tmp_path: Path,
                                                                 sockdir: Path) -> None:
    sock = sockdir / "s.sock"
    (tmp_path / "data").mkdir(mode=0o700)
    cfg = tmp_path / "config.toml"
    cfg.write_text(f'[clinic]\ntimezone = "UTC"\n\n[store]\npath = "{tmp_path}/data/cxinbox.db"'
                   f'\n\n[server]\nsocket = "{sock}"\n\n'
                   f'[[staff]]\nos_user = "{ME}"\nname = "Nurse Nora"\nclinical = true\n\n'
                   '[[staff]]\nos_user = "ana"\nname = "Ana Desk"\n')
    db = Database(tmp_path / "data" / "cxinbox.db")
    try:
        arrive_mail(db, 1, "Can I move my appointment to Friday?")
    finally:
        db.close()
    with Server(cfg, sock):
        gone = cx("away", "on", "--config", str(cfg))
        assert gone.returncode == 0, gone.stderr  # allowed: she may have to go
        assert (gone.stdout, gone.stderr) == ("you are away\n", WARNING)
        # two red flags arrive meanwhile, nobody to route them to
        db = Database(tmp_path / "data" / "cxinbox.db")
        try:
            arrive_mail(db, 2, "I have crushing chest pain since last night.",
                        sender="pat2@patient.example")
            arrive_mail(db, 3, "My son swallowed pills, he is not waking up.",
                        sender="pat3@patient.example")
        finally:
            db.close()
        flagged = cx("list", "is:red-flag", "--json", "--config", str(cfg))
        assert flagged.returncode == 0, flagged.stderr
        back = cx("away", "off", "--config", str(cfg))
        assert back.returncode == 0, back.stderr
        assert back.stdout == ("you are back\n"
                               "2 red flags waiting: cxinbox list is:red-flag\n"), back.stdout
        assert back.stderr == ""
        # nothing waits any more once they are held: none is counted
        taken = cx("assign", "is:red-flag", "--to", ME, "--yes", "--config", str(cfg))
        assert taken.returncode == 0, taken.stderr
        cx("away", "on", "--config", str(cfg))
        again = cx("away", "off", "--config", str(cfg))
        assert again.stdout == "you are back\n2 red flags waiting: cxinbox list is:red-flag\n"
        cx("assign", "is:red-flag", "--to", "ana", "--yes", "--config", str(cfg))
        cx("away", "on", "--config", str(cfg))
        none = cx("away", "off", "--config", str(cfg))
        assert (none.stdout, none.stderr) == ("you are back\n", "")


def _only_me_clinical(config: Config) -> Config:
    """The demo clinic with me (this process's login) as its one clinician."""
    staff = tuple(dataclasses.replace(s, clinical=False) for s in config.staff
                  if s.os_user != ME)
    return dataclasses.replace(config, staff=(
        *staff, StaffMember(os_user=ME, name="Nurse Nora", clinical=True)))


@pytest.fixture
def inbox(tmp_path: Path) -> Inbox:
    made = make_inbox(tmp_path, conversations=60)
    made.db.conn.execute("UPDATE triage_cursor SET upto = (SELECT max(id) FROM messages)")
    return made


async def test_the_tui_warns_shows_it_to_everyone_and_brings_her_back_to_the_flags(
        inbox: Inbox) -> None:
    config = _only_me_clinical(inbox.demo.config)
    service = InboxService(inbox.db, config, ME)
    app = make_app(dataclasses.replace(inbox, service=service, api=InProcessAPI(service)),
                   config=config)
    async with app.run_test(size=(80, 24)) as pilot:
        seen = Recorder(app)
        await wait_rows(pilot, app)
        status = app.status_line
        await wait_for(pilot, lambda: app._roster != [], what="the roster")
        assert "NO CLINICIAN ON SHIFT" not in str(status.render())
        await pilot.press("Z")
        await wait_for(pilot, lambda: any(t.startswith("Warning: no clinician is available")
                                          for t in seen.toasts), what="the warning")
        await wait_for(pilot, lambda: "NO CLINICIAN ON SHIFT" in str(status.render()),
                       what="the status line")
        # the alert is never what an 80-column line cuts off
        assert "NO CLINICIAN ON SHIFT" in screen_text(app).splitlines()[-2], screen_text(app)
        # a red flag arrives while she is away; she had scrolled down her list
        conv = arrive(inbox, "Question about my bill", BODY, "pat@example.com")
        app.query_one("ConversationList").focus()
        for _ in range(15):
            await pilot.press("j")
        await wait_for(pilot, lambda: app.conversation_list.cursor >= 10, what="scrolled")
        await pilot.press("Z")
        await wait_for(pilot, lambda: any("waiting: the list is back at the top" in t
                                          for t in seen.toasts), what="the red flags toast")
        await wait_for(pilot, lambda: app.conversation_list.cursor == 0, what="back at the top")
        await wait_for(pilot, lambda: "NO CLINICIAN ON SHIFT" not in str(status.render()),
                       what="the alert gone")
        top = app.conversation_list.selected
        assert top is not None and top.red_flag_open, top
        waiting = [t for t in seen.toasts if "waiting" in t]
        nobodys = {c.id for c in (await app.api.list_conversations(
            "is:red-flag assignee:none", 0, 50)).items}
        mine = {c.id for c in (await app.api.list_conversations(
            "is:red-flag assignee:me", 0, 50)).items}
        assert conv in nobodys  # the one that came while she was away
        count = len(nobodys | mine)
        assert waiting == [(f"{count} red flag{'' if count == 1 else 's'} waiting: the list is"
                            " back at the top (3 shows only red flags)")], waiting


def test_the_service_warns_and_counts_on_either_store(any_store: Database) -> None:
    """The same on SQLite and PostgreSQL: the warning only when the last clinician goes,
    and what waits counted for her (nobody's, and hers; not a colleague's)."""
    from cxinbox.config import load_config_text
    from cxinbox.service.teams import TeamService

    config = load_config_text(
        '[[staff]]\nos_user = "nora"\nname = "Nurse Nora"\nclinical = true\n'
        '[[staff]]\nos_user = "lee"\nname = "Dr Lee"\nclinical = true\n'
        '[[staff]]\nos_user = "ana"\nname = "Ana Desk"\n')
    nora = TeamService(InboxService(any_store, config, "nora"))
    lee = TeamService(InboxService(any_store, config, "lee"))
    ana = TeamService(InboxService(any_store, config, "ana"))
    assert ana.set_away(True).warning == ""  # no clinician
    assert lee.set_away(True).warning == ""  # Nora is still there
    gone = nora.set_away(True)
    assert gone.warning.startswith("no clinician is available for red flags now (you were"
                                   " the last on shift)"), gone
    mine, _ = arrive_mail(any_store, 1, "I have crushing chest pain since last night.")
    arrive_mail(any_store, 2, "My chest pain is crushing, I can't breathe.",
                sender="pat2@patient.example")
    theirs, _ = arrive_mail(any_store, 3, "Crushing chest pain again today.",
                            sender="pat3@patient.example")
    inbox = InboxService(any_store, config, "nora")
    inbox.assign(mine, "nora")
    inbox.assign(theirs, "ana")
    back = nora.set_away(False)
    assert (back.warning, back.red_flags_waiting) == ("", 2), back
    assert ana.set_away(False).red_flags_waiting == 0  # no clinician: not counted for her
