"""Red flags routed to a team by a rule (`match = "is:red-flag"`, `assign = "team:X"`):
whether anyone can take one is a question about X's members, not the clinical role: going
away warns the last of them (and not a clinician outside the team), everyone's status line
names the team, and a member coming back is given the red flags left unassigned there by
the team's strategy, as the rule, with the reason in the audit. End to end through
`cxinbox serve` with mail delivered into Dovecot and real OS users at the command line."""

from __future__ import annotations

import asyncio
import dataclasses
import hashlib
import json
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from tests.support.osusers import OsUsers, cli_as, os_users
from tests.support.waiting import wait_until
from tests.synchelp import write_config as sync_config
from tests.test_serve_attack import _desk_dir
from tests.test_serve_support import ME, Server, cx
from tests.test_tui_escalations import Recorder
from tests.test_tui_redflag import BODY
from tests.test_tui_support import Inbox, make_app, make_inbox, wait_for, wait_rows

from cxinbox.api.interface import InProcessAPI
from cxinbox.config import Config, StaffMember, load_config_text
from cxinbox.domain.mime import parse_message
from cxinbox.domain.rules import red_flag_teams
from cxinbox.domain.teams import TeamSpec, red_flag_gaps
from cxinbox.service import redflags
from cxinbox.service.demo import MAILBOXES
from cxinbox.service.inbox import InboxService
from cxinbox.store.ingest import FetchedMessage, folder_state, ingest_batch
from cxinbox.store.sqlite_tx import SqliteTx
from cxinbox.wiring import rules_engine

RULE = "red flags to nurses"
CHEST = (b"From: Pat Doe <pat@patient.example>\r\nTo: appointments@riverside-clinic.example\r\n"
         b"Subject: Question about my bill\r\nMessage-ID: <team-rf-1@patient.example>\r\n\r\n"
         b"Also I have had crushing chest pain since last night.\r\n")


def _rules(team: str = "nurses", match: str = "is:red-flag") -> str:
    return (f'\n[[rules]]\nname = "{RULE}"\non = "arrival"\nmatch = \'{match}\'\n'
            f'actions = {{ assign = "team:{team}" }}\n')


def test_which_rules_route_red_flags() -> None:
    """Only an enabled arrival (or patient-reply) rule that matches nothing but red flags
    and assigns to a team routes them; once per team, in rule order."""
    config = load_config_text(
        '[[staff]]\nos_user = "amy"\nname = "Amy"\n[[staff]]\nos_user = "bo"\nname = "Bo"\n'
        '[[teams]]\nname = "nurses"\nmembers = ["amy"]\n'
        '[[teams]]\nname = "cardio"\nmembers = ["bo"]\n'
        '[[teams]]\nname = "desk"\nmembers = ["amy", "bo"]\n'
        '[[rules]]\nname = "chest"\non = "arrival"\nmatch = "red-flag:chest_pain"\n'
        'actions = { assign = "team:cardio" }\n'
        '[[rules]]\nname = "any"\non = "patient-reply"\nmatch = "is:red-flag mailbox:x"\n'
        'actions = { assign = "team:nurses" }\n'
        '[[rules]]\nname = "again"\non = "arrival"\nmatch = "tag:red-flag OR is:red-flag"\n'
        'actions = { assign = "team:nurses" }\n'
        '[[rules]]\nname = "not only flags"\non = "arrival"\n'
        'match = "is:red-flag OR mailbox:x"\nactions = { assign = "team:desk" }\n'
        '[[rules]]\nname = "calm"\non = "arrival"\nmatch = "-is:red-flag"\n'
        'actions = { assign = "team:desk" }\n'
        '[[rules]]\nname = "late"\non = "sla-breached"\nmatch = "is:red-flag"\n'
        'actions = { assign = "team:desk" }\n'
        '[[rules]]\nname = "off"\non = "arrival"\nmatch = "is:red-flag"\nenabled = false\n'
        'actions = { assign = "team:desk" }\n')
    assert red_flag_teams(config.rules) == ("cardio", "nurses")
    assert [t.name for t in config.red_flag_teams()] == ["cardio", "nurses"]
    amy_away = red_flag_gaps(config.red_flag_teams(), ("zed",), config.teams, {"amy"},
                             datetime.now(UTC))
    assert amy_away == ["nurses"]  # cardio has bo; the clinical role is not asked
    plain = TeamSpec(name="x", members=("zed",))
    assert red_flag_gaps((), ("zed",), (plain,), {"zed"}, datetime.now(UTC)) == [None]
    assert red_flag_gaps((), (), (plain,), {"zed"}, datetime.now(UTC)) == []


@pytest.fixture(scope="module")
def users() -> Iterator[OsUsers]:
    with os_users() as made:
        yield made


def _show(cfg: Path, conv: int) -> dict[str, Any]:
    done = cx("show", str(conv), "--json", "--config", str(cfg))
    assert done.returncode == 0, done.stderr
    shown: dict[str, Any] = json.loads(done.stdout)["conversation"]
    return shown


def test_the_team_is_asked_and_a_member_back_takes_up_what_waited(
        dovecot: Any, users: OsUsers) -> None:
    nurse, other = users.agent, users.other_agent
    with _desk_dir(users) as (base, sock):
        cfg = sync_config(base, dovecot)
        cfg.write_text(cfg.read_text() + f"""
[server]
socket = "{sock}"

[[staff]]
os_user = "{ME}"
name = "Dr Root"
role = "admin"
clinical = true

[[staff]]
os_user = "{nurse.name}"
name = "Nurse One"

[[staff]]
os_user = "{other.name}"
name = "Nurse Two"

[[teams]]
name = "nurses"
members = ["{nurse.name}", "{other.name}"]
""" + _rules())
        cfg.chmod(0o644)
        with Server(cfg, sock) as server:
            code, out, err = cli_as(nurse, "--config", str(cfg), "away", "on")
            assert (code, out, err) == (0, "you are away\n", ""), err
            # The one clinician of the roster is not on the team: no warning for her.
            mine = cx("away", "on", "--config", str(cfg))
            assert (mine.returncode, mine.stdout, mine.stderr) == (0, "you are away\n", "")
            code, out, err = cli_as(other, "--config", str(cfg), "away", "on")
            assert (code, out) == (0, "you are away\n"), err
            assert err == ("cxinbox: warning: nobody on team nurses, where the rules send red"
                           " flags, is available now (you were the last on shift): new red"
                           " flags stay unassigned until one is back; the notify hook still"
                           " runs\n"), err

            dovecot.deliver(CHEST)

            def routed() -> int | None:
                done = cx("list", "is:red-flag", "--json", "--config", str(cfg))
                rows = json.loads(done.stdout)["conversations"] if done.returncode == 0 \
                    else []
                return int(rows[0]["id"]) if rows else None

            wait_until(lambda: routed() is not None, "the red flag synced", timeout=90.0)
            conv = routed()
            assert conv is not None
            assert _show(cfg, conv)["assignee"] is None, server.log

            code, out, err = cli_as(other, "--config", str(cfg), "away", "off")
            assert code == 0 and err == "", err
            assert out.splitlines() == [
                "you are back",
                (f"  #{conv} -> {other.name}: red flag waited: {other.name} back; round-robin:"
                f" first in order ({nurse.name}); {nurse.name} away -> {other.name}"),
                "1 red flag waiting: cxinbox list is:red-flag"], out
            assert _show(cfg, conv)["assignee"] == other.name
            trail = json.loads(cx("audit", f"id:{conv}", "--json", "--config",
                                  str(cfg)).stdout)
            assigns = [e for e in trail if e["action"] == "conversation.assign"]
            # The rule's "nobody available" is its rule.applied (skipped), not an assign.
            assert [(e["actor"], e["details"]["to"]) for e in assigns] == [
                (f"rule:{RULE}", other.name)], assigns
            assert assigns[-1]["details"]["team"] == "nurses"
            assert assigns[-1]["details"]["why"].startswith(f"red flag waited: {other.name}"
                                                             " back; round-robin")
            # Nothing waits for the other nurse any more: nothing taken up, none counted.
            code, out, err = cli_as(nurse, "--config", str(cfg), "away", "off")
            assert (code, out, err) == (0, "you are back\n", "")


# -- the TUI: the status line names the team; `Z` back takes up what waited -----------------


def _team_config(config: Config) -> Config:
    """The demo clinic with me alone on a nurses team the rule sends red flags to, and its
    own clinician (the demo's nurse) outside it."""
    routed = load_config_text(
        f'[[staff]]\nos_user = "{ME}"\nname = "Me"\n'
        f'[[teams]]\nname = "nurses"\nmembers = ["{ME}"]\n' + _rules())
    staff = tuple(s for s in config.staff if s.os_user != ME)
    return dataclasses.replace(config, staff=(*staff, StaffMember(os_user=ME, name="Nurse Me")),
                               teams=routed.teams, rules=routed.rules)


def _arrive_routed(inbox: Inbox, config: Config, subject: str) -> int:
    """One patient email through ingest, detection and the rules, as mail sync does."""
    raw = (f'From: "Pat Doe" <pat@example.com>\r\nTo: {MAILBOXES["billing"]}\r\n'
           f"Subject: {subject}\r\nMessage-ID: <{subject.replace(' ', '-')}@example.com>\r\n"
           f"\r\n{BODY}").encode()
    now = int(time.time())
    engine = rules_engine(inbox.db, config)
    assert engine is not None
    with inbox.db.writing() as tx:
        conn = tx.conn  # type: ignore[attr-defined]
        state = folder_state(conn, "billing", "INBOX")
        before = tx.max_message_pk()
        fetched = FetchedMessage(state.last_uid + 1, "", None, now, raw,
                                 hashlib.sha256(raw).digest(), parse_message(raw))
        touched = ingest_batch(conn, state, [fetched],
                               own_addresses=frozenset(MAILBOXES.values()),
                               watermark=state.last_uid + 1, now=now)
        redflags.triage_arrivals(SqliteTx(conn), config, now)
        tx.append_event("sync", "mail.received", "billing/INBOX",
                        {"count": 1, "conversations": sorted(touched)})
        engine.fire_arrivals(tx, before, now=now)
    return next(iter(touched))


@pytest.fixture
def inbox(tmp_path: Path) -> Inbox:
    made = make_inbox(tmp_path, conversations=60)
    made.db.conn.execute("UPDATE triage_cursor SET upto = (SELECT max(id) FROM messages)")
    return made


async def test_the_tui_names_the_team_and_z_back_takes_up_the_flag(inbox: Inbox) -> None:
    config = _team_config(inbox.demo.config)
    service = InboxService(inbox.db, config, ME)
    app = make_app(dataclasses.replace(inbox, service=service, api=InProcessAPI(service)),
                   config=config)
    async with app.run_test(size=(80, 24)) as pilot:
        seen = Recorder(app)
        await wait_rows(pilot, app)
        status = app.status_line
        await wait_for(pilot, lambda: app._roster != [], what="the roster")
        assert "NOBODY ON SHIFT" not in str(status.render())
        await pilot.press("Z")
        await wait_for(pilot, lambda: any(t.startswith("Warning: nobody on team nurses")
                                          for t in seen.toasts), what="the warning")
        await wait_for(pilot, lambda: "NOBODY ON SHIFT IN TEAM NURSES" in str(
            status.render()), what="the status line")
        conv = await asyncio.to_thread(_arrive_routed, inbox, config, "team flag")
        assert service.get_conversation(conv, record_view=False).summary.assignee is None
        await pilot.press("Z")
        await wait_for(pilot, lambda: "You are back: 1 waiting red flag(s) assigned by team"
                       " (1 to you)" in seen.toasts, what="the toast")
        await wait_for(pilot, lambda: "NOBODY ON SHIFT" not in str(status.render()),
                       what="the alert gone")
        assert service.get_conversation(conv, record_view=False).summary.assignee == ME


def test_the_team_is_asked_and_takes_up_on_either_store(any_store: Any) -> None:
    """The same on SQLite and PostgreSQL, in the service: the warning for the team's last
    member (none for a clinician outside it), the rule leaving the flag unassigned, and the
    member back taking it up; a colleague outside the team takes up nothing."""
    from tests.test_redflag_state import arrive as arrive_mail

    from cxinbox.service.teams import TeamService

    config = load_config_text(
        '[[staff]]\nos_user = "nora"\nname = "Nurse Nora"\n'
        '[[staff]]\nos_user = "lee"\nname = "Dr Lee"\nclinical = true\n'
        '[[staff]]\nos_user = "ana"\nname = "Ana Desk"\n'
        '[[teams]]\nname = "nurses"\nmembers = ["nora"]\n' + _rules())
    nora = TeamService(InboxService(any_store, config, "nora"))
    lee = TeamService(InboxService(any_store, config, "lee"))
    ana = TeamService(InboxService(any_store, config, "ana"))
    assert lee.set_away(True).warning == ""  # the clinical role is not who red flags go to
    gone = nora.set_away(True)
    assert gone.warning.startswith("nobody on team nurses, where the rules send red flags, is"
                                   " available now (you were the last on shift)"), gone
    ana.set_away(True)
    conv, _ = arrive_mail(any_store, 1, "I have crushing chest pain since last night.")
    engine = rules_engine(any_store, config)
    assert engine is not None
    with any_store.writing() as tx:
        engine.fire(tx, "arrival", [conv], now=int(time.time()))
    desk = InboxService(any_store, config, "ana")
    assert desk.get_conversation(conv, record_view=False).summary.assignee is None
    assert ana.set_away(False).red_flags_taken_up == ()  # not on the team
    back = nora.set_away(False)
    assert [(t.conversation_id, t.team, t.member) for t in back.red_flags_taken_up] == [
        (conv, "nurses", "nora")]
    assert back.red_flags_waiting == 1  # now hers
    detail = desk.get_conversation(conv, record_view=False)
    assert (detail.summary.assignee, detail.assigned_by) == ("nora", RULE)
    assert nora.set_away(False).red_flags_taken_up == ()  # already back: nothing again


def test_a_member_back_but_off_shift_writes_nothing_on_the_waiting_flags(
        any_store: Any) -> None:
    """review25 #9: nora comes back while her shift-aware team still has nobody on shift
    (her only hours are on a day three days off): the waiting red flag stays unassigned and
    gets no new assignment event saying nobody was available again."""
    from tests.test_redflag_state import arrive as arrive_mail

    from cxinbox.service.teams import TeamService

    day = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")[
        (datetime.now(UTC).weekday() + 3) % 7]
    config = load_config_text(
        '[[staff]]\nos_user = "nora"\nname = "Nurse Nora"\n'
        '[[staff]]\nos_user = "ana"\nname = "Ana Desk"\n'
        '[[teams]]\nname = "nurses"\nmembers = ["nora"]\nstrategy = "shift-aware"\n'
        f'shifts = {{ nora = {{ hours = {{ {day} = ["09:00-10:00"] }} }} }}\n' + _rules())
    nora = TeamService(InboxService(any_store, config, "nora"))
    nora.set_away(True)
    conv, _ = arrive_mail(any_store, 1, "I have crushing chest pain since last night.")
    engine = rules_engine(any_store, config)
    assert engine is not None
    with any_store.writing() as tx:
        engine.fire(tx, "arrival", [conv], now=int(time.time()))

    def assigns() -> list[str]:
        with any_store.reading() as tx:
            return [e.action for e in tx.find_events(target=f"conversation:{conv}")
                    if e.action == "conversation.assign"]

    before = assigns()
    back = nora.set_away(False)
    assert back.changed and back.red_flags_taken_up == ()
    assert assigns() == before
    desk = InboxService(any_store, config, "ana")
    assert desk.get_conversation(conv, record_view=False).summary.assignee is None
