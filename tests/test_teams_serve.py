"""Teams and away end to end: a real `cxinbox serve`, the real command line and the socket
client, as the desk uses them. Every strategy, caps, the audited explanation, handing work
back on going away, presence and the roster showing it, and the server refusing every bad
field of the new calls in one line."""

from __future__ import annotations

import asyncio
import json
import os
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from tests.support.clirun import cx_here
from tests.support.osusers import OsUsers, cli_as, os_users, run_as
from tests.test_bulk_cli import fill
from tests.test_serve_attack import _desk_dir
from tests.test_serve_support import ME, Server, cx, socket_dir, write_config

from cxinbox.api.socket_client import SocketAPI, probe
from cxinbox.config import load_config
from cxinbox.contract.errors import BadQuery, BadRequest, Forbidden
from cxinbox.store.db import Database


def _far_weekday() -> str:
    """A weekday three days from today (UTC): a rota that is surely not on now."""
    day = (datetime.now(UTC) + timedelta(days=3)).weekday()
    return ("mon", "tue", "wed", "thu", "fri", "sat", "sun")[day]


def teams_toml() -> str:
    always = ", ".join(f'{d} = ["00:00-24:00"]' for d in ("mon", "tue", "wed", "thu", "fri",
                                                           "sat", "sun"))
    return f"""
[sla.calendars.always]
hours = {{ {always} }}

[[teams]]
name = "desk"
members = ["{ME}", "amy", "bo"]
cap = 2
return_on_away = true

[[teams]]
name = "billing"
members = ["amy", "bo"]
strategy = "least-open"

[[teams]]
name = "phones"
members = ["bo", "amy"]
strategy = "shift-aware"
shifts = {{ amy = "always", bo = {{ hours = {{ {_far_weekday()} = ["00:00-24:00"] }} }} }}
"""


@pytest.fixture
def sockdir() -> Iterator[Path]:
    with socket_dir() as path:
        yield path


def _desk(tmp_path: Path, sock: Path, my_role: str = "supervisor") -> tuple[Path, list[int]]:
    cfg = write_config(tmp_path, sock, {ME: my_role, "amy": "agent", "bo": "agent"})
    cfg.write_text(cfg.read_text() + teams_toml())
    db = Database(load_config(cfg).db_path)
    ids = fill(db, 12)
    db.close()
    return cfg, ids


def _run(cfg: Path, *args: str, real: bool = False) -> str:
    """In this process (tests/support/clirun.py), or with `real` in a child of its own."""
    proc = (cx if real else cx_here)("--config", str(cfg), *args)
    assert proc.returncode == 0, proc.stderr
    return proc.stdout


def _fails(cfg: Path, code: int, *args: str) -> str:
    proc = cx("--config", str(cfg), *args)
    assert proc.returncode == code, (proc.returncode, proc.stdout, proc.stderr)
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in proc.stderr, proc.stderr
    return lines[0]


async def _client(sock: Path) -> SocketAPI:
    found = probe(sock)
    assert found is not None, "server not answering"
    return SocketAPI(sock, *found)


def _assignee(cfg: Path, conv: int) -> str | None:
    value = json.loads(_run(cfg, "show", str(conv), "--json"))["conversation"]["assignee"]
    assert value is None or isinstance(value, str)
    return value


def test_teams_with_the_roster_unreadable_is_one_clear_line(tmp_path: Path,
                                                           sockdir: Path) -> None:
    """qa28 F14: `cxinbox teams` printed the raw `server error: no such table: staff_away`."""
    import sqlite3

    sock = sockdir / "s.sock"
    cfg, _ids = _desk(tmp_path, sock)
    db_path = load_config(cfg).db_path
    with Server(cfg, sock):
        conn = sqlite3.connect(db_path)
        try:
            conn.execute("ALTER TABLE staff_away RENAME TO staff_away_gone")
            conn.commit()
            done = cx_here("--config", str(cfg), "teams")
        finally:
            conn.execute("ALTER TABLE staff_away_gone RENAME TO staff_away")
            conn.commit()
            conn.close()
        lines = [line for line in done.stderr.splitlines() if line.strip()]
        assert done.returncode == 1 and done.stdout == "" and len(lines) == 1, done
        assert lines[0].startswith("cxinbox: teams cannot be shown: roster unreadable (away"
                                   " list, team rotas): OperationalError: no such table:"
                                   " staff_away; red flags are not routed meanwhile"), lines
        assert "server error" not in lines[0], lines
        assert _run(cfg, "teams").startswith("desk: round-robin")  # and it reads again


def test_each_strategy_caps_and_the_audited_reason(tmp_path: Path, sockdir: Path) -> None:
    sock = sockdir / "s.sock"
    cfg, ids = _desk(tmp_path, sock)
    with Server(cfg, sock):
        # round-robin, one id at a time: in turn, with the reason printed.
        lines = [_run(cfg, "assign", f"#{conv}", "team:desk", real=conv == ids[0]).strip()
                 for conv in ids[:3]]
        assert lines == [f"#{ids[0]} -> {ME}: round-robin: first in order ({ME}) -> {ME}",
                         f"#{ids[1]} -> amy: round-robin: next after {ME} -> amy",
                         f"#{ids[2]} -> bo: round-robin: next after amy -> bo"]
        assert [_assignee(cfg, c) for c in ids[:3]] == [ME, "amy", "bo"]

        # The cap (2 each): three more fill everyone, the seventh finds nobody.
        out = json.loads(_run(cfg, "assign", f"id:{ids[3]},{ids[4]},{ids[5]}", "--to",
                              "team:desk", "--yes", "--json"))
        assert [c["to"] for c in out["changed"]] == [ME, "amy", "bo"]
        full = _run(cfg, "assign", str(ids[6]), "--to", "team:desk").strip()
        assert full == (f"#{ids[6]} left unassigned: round-robin: nobody available;"
                        f" {ME} at cap 2; amy at cap 2; bo at cap 2; left unassigned")
        assert _assignee(cfg, ids[6]) is None

        # least-open: bo and amy hold two each; closing one of amy's makes her lightest.
        _run(cfg, "status", f"id:{ids[1]}", "closed", "--yes")
        assert _run(cfg, "assign", str(ids[7]), "team:billing").strip().startswith(
            f"#{ids[7]} -> amy: least-open: amy has 1 open (fewest)")

        # shift-aware: bo's rota is days away, so amy, whatever the round says.
        for conv in ids[8:10]:
            line = _run(cfg, "assign", str(conv), "team:phones").strip()
            assert line.startswith(f"#{conv} -> amy: shift-aware:"), line
            assert "bo off shift" in line

        # The audit trail keeps the reason with the team and the strategy.
        trail = json.loads(_run(cfg, "audit", "--conversation", str(ids[6]), "--json"))
        assigned = [e for e in trail if e["action"] == "conversation.assign"]
        assert assigned[-1]["details"] == {
            "from": None, "to": None, "team": "desk", "strategy": "round-robin",
            "why": full.split("left unassigned: ", 1)[1]}
        assert assigned[-1]["actor"] == ME


def test_going_away_hands_back_and_colleagues_see_it(tmp_path: Path, sockdir: Path) -> None:
    sock = sockdir / "s.sock"
    cfg, ids = _desk(tmp_path, sock)
    with Server(cfg, sock):
        _run(cfg, "assign", f"id:{ids[0]},{ids[1]}", "--to", ME, "--yes")
        _run(cfg, "status", f"id:{ids[1]}", "pending", "--yes")  # only open ones go back

        async def check() -> None:
            watcher = await _client(sock)  # a second connection, following the feed
            try:
                head = await watcher.last_event_seq()
                out = _run(cfg, "away", "on")
                assert out.splitlines() == [
                    "you are away",
                    (f"  #{ids[0]} -> amy: handed back: {ME} went away; round-robin: first in"
                    f" order ({ME}); {ME} away -> amy")]
                changes = await watcher.wait_events(head, timeout_s=60)
                assert any(e.action == "staff.away" and e.details == {"user": ME, "away": True}
                           for e in changes.events)
                roster = {s.os_user: s for s in await watcher.roster()}
                assert roster[ME].away and not roster["amy"].away
                mine = [p for p in await watcher.presence() if p.os_user == ME]
                assert mine and all(p.away for p in mine)
                teams = {t.name: t for t in await watcher.teams()}
                assert ME not in teams["desk"].available
            finally:
                await watcher.aclose()

        asyncio.run(check())
        assert _assignee(cfg, ids[0]) == "amy"
        assert _assignee(cfg, ids[1]) == ME  # pending: stays
        assert _run(cfg, "away", "on").strip() == "you are away (already)"
        # Nobody picks me while away; a supervisor may bring a colleague back, or me.
        assert _run(cfg, "assign", str(ids[2]), "team:desk").strip() == \
            f"#{ids[2]} -> bo: round-robin: next after amy -> bo"
        assert _run(cfg, "assign", str(ids[3]), "team:desk").strip() == \
            f"#{ids[3]} -> amy: round-robin: next after bo; {ME} away -> amy"
        assert json.loads(_run(cfg, "away", "off", "--json")) == {
            "user": ME, "away": False, "changed": True, "handed_back": [], "warning": "",
            "red_flags_waiting": 0, "red_flags_taken_up": []}
        assert _run(cfg, "away", "on", "--user", "bo").splitlines() == [
            "bo is away",
            (f"  #{ids[2]} -> {ME}: handed back: bo went away; round-robin: next after amy;"
            f" bo away -> {ME}")]
        trail = json.loads(_run(cfg, "audit", "--actor", ME, "--json", "--limit", "0"))
        away = [e for e in trail if e["action"] == "staff.away"]
        assert [(e["target"], e["details"]["away"]) for e in away] == [
            (f"staff:{ME}", True), (f"staff:{ME}", False), ("staff:bo", True)]


def test_the_server_refuses_bad_fields_in_one_line(tmp_path: Path, sockdir: Path) -> None:
    sock = sockdir / "s.sock"
    cfg, ids = _desk(tmp_path, sock, my_role="agent")
    with Server(cfg, sock):
        # From the command line: one line, the right exit code, nothing changed.
        assert _fails(cfg, 2, "assign", str(ids[0]), "team:nurses") == (
            "cxinbox: assign_team: team: unknown team 'nurses'; known teams: billing, desk,"
            " phones")
        assert _fails(cfg, 2, "assign", "", "--to", "team:nurses", "--yes").startswith(
            "cxinbox: bulk_assign_team: team: unknown team 'nurses'")
        assert _fails(cfg, 2, "away", "on", "--user", "nobody") == (  # the option, by name
            f"cxinbox: away --user: unknown user 'nobody'; known users: amy, bo, {ME}")
        assert _fails(cfg, 6, "away", "on", "--user", "amy") == (
            f"cxinbox: marking amy away needs role admin or supervisor; {ME} is agent")
        assert _fails(cfg, 2, "away", "maybe").startswith("cxinbox: ")
        assert _assignee(cfg, ids[0]) is None

        async def raw() -> None:
            api = await _client(sock)
            try:
                for method, args, kwargs, expected in [
                    ("assign_team", (ids[0], 7), {}, "assign_team: team: expected a string"),
                    ("assign_team", (ids[0], "desk\x1b[2J"), {},
                     "assign_team: team: is not a team name"),
                    ("assign_team", ("1", "desk"), {},
                     "assign_team: conv_id: expected an integer"),
                    ("assign_team", (0, "desk"), {}, "assign_team: conv_id: must be between"),
                    ("assign_team", (ids[0],), {}, "assign_team: missing a required argument"),
                    ("assign_team", (ids[0], "desk"), {"member": "amy"},
                     "assign_team: got an unexpected keyword argument"),
                    ("bulk_assign_team", ("", "desk"), {"dry_run": "yes"},
                     "bulk_assign_team: dry_run: expected true or false"),
                    ("bulk_assign_team", ("\x1b]52;c;x\x07", "desk"), {},
                     "bulk_assign_team: query: contains control, escape or invisible"),
                    ("bulk_assign_team", ("", ""), {}, "bulk_assign_team: team: unknown team ''"),
                    ("bulk_assign_team", ("", ["desk"]), {},
                     "bulk_assign_team: team: expected a string"),
                    ("set_away", ("on",), {}, "set_away: away: expected true or false"),
                    ("set_away", (True, 5), {}, "set_away: user: expected a string or nothing"),
                    ("set_away", (True, "x y"), {}, "set_away: user: is not a user name"),
                    ("teams", (1,), {}, "teams: too many positional arguments"),
                ]:
                    with pytest.raises(BadRequest) as caught:
                        await api.request(method, *args, **kwargs)
                    message = str(caught.value)
                    assert "\n" not in message and message.startswith(expected), message
                with pytest.raises(BadQuery):
                    await api.bulk_assign_team("stauts:open", "desk")
                with pytest.raises(Forbidden):
                    await api.set_away(True, "bo")
                # `team:` in front is accepted, as people type it.
                done = await api.assign_team(ids[0], "team:desk")
                assert done.team == "desk" and done.member == ME
            finally:
                await api.aclose()

        asyncio.run(raw())
        teams = _run(cfg, "teams").splitlines()
        # and whom the next pick lands on, from the team's turn (the README's promise)
        assert teams[:5] == ["desk: round-robin, cap 2, takes work back from who goes away",
                             f"  {ME}", "  amy", "  bo",
                             f"  next pick: amy  (round-robin: next after {ME} -> amy)"]
        unassigned = json.loads(_run(cfg, "list", "is:unassigned", "--json"))
        assert ids[0] not in [c["id"] for c in unassigned["conversations"]]


# -- as other OS users: the kernel says who is asking -----------------------------------------


def _presence_of(path: str, who: str) -> tuple[bool, bool]:
    """In a child running as a colleague: (roster says `who` is away, presence says so)."""
    async def go() -> tuple[bool, bool]:
        api = await _client(Path(path))
        try:
            roster = {s.os_user: s.away for s in await api.roster()}
            present = [p.away for p in await api.presence() if p.os_user == who]
            return roster[who], bool(present) and all(present)
        finally:
            await api.aclose()

    return asyncio.run(go())


@pytest.fixture(scope="module")
def users() -> Iterator[OsUsers]:
    with os_users() as made:
        yield made


@pytest.mark.skipif(os.geteuid() != 0, reason="needs root to create OS users")
def test_agents_mark_only_themselves_and_colleagues_see_it(users: OsUsers) -> None:
    agent, other = users.agent, users.other_agent
    with _desk_dir(users) as (base, sock):
        cfg = write_config(base, sock, {ME: "admin", agent.name: "agent",
                                        other.name: "agent"})
        cfg.write_text(cfg.read_text() + f"""
[[teams]]
name = "desk"
members = ["{agent.name}", "{other.name}"]
return_on_away = true
""")
        cfg.chmod(0o644)
        db = Database(load_config(cfg).db_path)
        ids = fill(db, 2)
        db.close()
        with Server(cfg, sock):
            code, _out, err = cli_as(agent, "--config", str(cfg), "away", "on", "--user",
                                     other.name)
            assert code == 6 and err.strip() == (
                f"cxinbox: marking {other.name} away needs role admin or supervisor;"
                f" {agent.name} is agent")
            assert run_as(other, _presence_of, str(sock), other.name) == (False, False)

            _run(cfg, "assign", f"id:{ids[0]}", "--to", agent.name, "--yes")
            code, out, err = cli_as(agent, "--config", str(cfg), "away", "on")
            assert code == 0, err
            assert out.splitlines() == [
                "you are away",
                (f"  #{ids[0]} -> {other.name}: handed back: {agent.name} went away;"
                f" round-robin: first in order ({agent.name}); {agent.name} away"
                f" -> {other.name}")]

            async def hold() -> None:
                """My terminal stays connected while I go away and a colleague looks."""
                api = await _client(sock)
                try:
                    before = await asyncio.to_thread(run_as, other, _presence_of, str(sock), ME)
                    assert before == (False, False)
                    await asyncio.to_thread(_run, cfg, "away", "on", real=True)
                    seen = await asyncio.to_thread(run_as, other, _presence_of, str(sock), ME)
                    assert seen == (True, True)
                finally:
                    await api.aclose()

            asyncio.run(hold())
            # The colleague sees the agent away on the roster too (not connected now).
            roster_away, _present = run_as(other, _presence_of, str(sock), agent.name)
            assert roster_away
            trail = json.loads(_run(cfg, "audit", "--actor", agent.name, "--json"))
            assert [e["target"] for e in trail if e["action"] == "staff.away"] == \
                [f"staff:{agent.name}"]
            denied = [e for e in json.loads(_run(cfg, "audit", "--actor", agent.name,
                                                 "--json")) if e["action"] == "access.denied"]
            assert denied and denied[0]["details"]["what"] == f"marking {other.name} away"
