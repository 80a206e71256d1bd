"""The night-to-morning path of a red flag through a real `cxinbox serve`, mail from Dovecot
and two nurses as real OS users at the command line: a chest-pain mail arrives while nobody
in the nurses team is on shift and waits unassigned; when the first nurse's shift starts
(by the wall clock, seconds after the server restarted with the day's rota) the server
gives it to her by the team's strategy, as the routing rule, with the reason; the next red
flag, with her at the team's cap and her colleague off shift, waits and is told once
(audit event and notify hook)."""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from tests.support.osusers import OsUsers, cli_as, os_users
from tests.support.shiftclock import starting_in, up_before
from tests.support.waiting import wait_until
from tests.synchelp import write_config as sync_config
from tests.test_redflag_routing_page_crash import events
from tests.test_serve_attack import _desk_dir
from tests.test_serve_support import ME, Server, cx

from cxinbox.service.redflag_routing import SHIFT

RULE = "red flags to nurses"
DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
ROUND_S = 1
"""[triage] check_interval of these servers: the shift's start is taken up within it."""
LEAD_TIMES = 2.0
LEAD_FLOOR_S = 2.0
"""The shift's lead after the night: LEAD_TIMES what the server's start took at night
(a server start and a `cxinbox show` to come), and LEAD_FLOOR_S (a round's interval
before the start, and the rota's write)."""
SHIFT_TRIES = 4
"""Restarts, with the lead doubled each time, before the test gives up on a machine too
slow to have its server up before the shift's start."""


def _mail(n: int, sender: str) -> bytes:
    return (f"From: Pat {n} <{sender}>\r\nTo: appointments@riverside-clinic.example\r\n"
            f"Subject: Question about my bill {n}\r\nMessage-ID: <shift-rf-{n}@patient.example>"
            "\r\n\r\nAlso I have had crushing chest pain since last night.\r\n").encode()


@pytest.fixture(scope="module")
def users() -> Iterator[OsUsers]:
    with os_users() as made:
        yield made


def _json(cfg: Path, *args: str) -> Any:
    done = cx(*args, "--json", "--config", str(cfg))
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def _flag_ids(cfg: Path) -> list[int]:
    done = cx("list", "is:red-flag", "--json", "--config", str(cfg))
    if done.returncode != 0:
        return []
    return sorted(int(row["id"]) for row in json.loads(done.stdout)["conversations"])


def _trail(cfg: Path, conv: int) -> list[dict[str, Any]]:
    trail: list[dict[str, Any]] = _json(cfg, "audit", f"id:{conv}")
    return trail


def _desk(cfg: Path, base_text: str, sock: Path, hook: Path, nurse: str, other: str,
          nurse_hours: str) -> None:
    """The clinic's config: the nurses team (shift-aware, cap 1) the rule sends red flags
    to; `nurse_hours` is her rota's table, her colleague works three days later only."""
    off_day = DAYS[(datetime.now(UTC).weekday() + 3) % 7]
    cfg.write_text(base_text + f"""
[server]
socket = "{sock}"

[triage]
notify_command = ["{hook}"]
check_interval = {ROUND_S}

[[staff]]
os_user = "{ME}"
name = "Dr Root"
role = "admin"
clinical = true

[[staff]]
os_user = "{nurse}"
name = "Nurse One"

[[staff]]
os_user = "{other}"
name = "Nurse Two"

[[teams]]
name = "nurses"
members = ["{nurse}", "{other}"]
strategy = "shift-aware"
cap = 1
shifts = {{ {nurse} = {{ hours = {nurse_hours}, timezone = "UTC" }}, {other} = {{ hours = {{ {off_day} = ["09:00-17:00"] }}, timezone = "UTC" }} }}

[[rules]]
name = "{RULE}"
on = "arrival"
match = "is:red-flag"
actions = {{ assign = "team:nurses" }}
""")
    cfg.chmod(0o644)


@contextmanager
def _up_before_the_shift(cfg: Path, sock: Path, rota: Callable[[datetime], None],
                         holder: Callable[[], str | None],
                         up_s: float) -> Iterator[tuple[Server, datetime]]:
    """The server restarted with a rota whose shift starts while it runs: up, and the flag
    still waiting, a round's interval before the shift's start (the lead: what its start
    took at night, `up_s`, and a margin). One not up by then is killed before the start
    and restarted with a lead twice as long (a server up after the start would prove only
    that a flag is given at start-up, not when a shift begins under a running server)."""
    seen: list[str | None] = []

    def asked() -> bool:
        seen.append(holder())
        return True

    for attempt in range(SHIFT_TRIES):
        lead = (LEAD_FLOOR_S + LEAD_TIMES * up_s) * 2 ** attempt
        start = starting_in(lead)
        rota(start)
        server = Server(cfg, sock)
        if up_before([server], start - timedelta(seconds=ROUND_S), asked):
            assert seen[-1] is None, seen  # read before the start: nothing given off shift
            try:
                yield server, start
            finally:
                server.__exit__()
            return
        print(f"restart {attempt + 1} of {SHIFT_TRIES}: not up in time for a start"
              f" {lead:.1f} s ahead; the lead doubled")
    pytest.fail(f"the restarted server was not up before the shift's start in {SHIFT_TRIES}"
                " tries")


def test_a_night_red_flag_goes_to_the_first_nurse_whose_shift_starts(
        dovecot: Any, users: OsUsers) -> None:
    nurse, other = users.agent, users.other_agent
    with _desk_dir(users) as (base, sock):
        hook_log = base / "hook.jsonl"
        hook = base / "hook.sh"
        hook.write_text(f"#!/bin/sh\ncat >> {hook_log}\n")
        hook.chmod(0o755)
        cfg = sync_config(base, dovecot)
        base_text = cfg.read_text()
        # The night: nobody's rota is open today.
        _desk(cfg, base_text, sock, hook, nurse.name, other.name,
              f'{{ {DAYS[(datetime.now(UTC).weekday() + 3) % 7]} = ["09:00-17:00"] }}')
        began = time.monotonic()
        with Server(cfg, sock) as server:
            up_s = time.monotonic() - began
            dovecot.deliver(_mail(1, "pat1@patient.example"))
            wait_until(lambda: len(_flag_ids(cfg)) == 1, "the night's red flag synced",
                       timeout=120.0)
            [first] = _flag_ids(cfg)
            shown = _json(cfg, "show", str(first))["conversation"]
            assert shown["assignee"] is None, server.log
            [team] = _json(cfg, "teams")
            assert team["next_pick"] is None and team["red_flags_waiting"] == 1, team
            shown_teams = cx("teams", "--config", str(cfg)).stdout
            assert "  red flags waiting for it: 1 (cxinbox list is:red-flag assignee:none)" \
                in shown_teams.splitlines(), shown_teams
        # The rota for today is written, starting at the second the restarted server can
        # be up before (the lead: what its start took at night, and a margin; a later
        # start when it was not), and the server restarted: her shift starts while it
        # runs. It goes on through the next day too, so a run near midnight UTC does not
        # see it end. The same proof as with the longer lead measured afresh before
        # (15-30 s): the server is up, and the flag still waiting, before the start.
        def holder(conv: int) -> str | None:
            held: str | None = _json(cfg, "show", str(conv))["conversation"]["assignee"]
            return held

        def rota(start: datetime) -> None:
            _desk(cfg, base_text, sock, hook, nurse.name, other.name,
                  f'{{ {DAYS[start.weekday()]} = ["{start:%H:%M:%S}-24:00"],'
                  f' {DAYS[(start.weekday() + 1) % 7]} = ["00:00-24:00"] }}')

        with _up_before_the_shift(cfg, sock, rota, lambda: holder(first),
                                  up_s) as (server, start):
            wait_until(lambda: holder(first) == nurse.name, "taken up at the shift's start",
                       timeout=240.0)
            assert datetime.now(UTC) >= start
            # her rota opened under the round that had seen it closed (a first round
            # that ran on shift writes no `staff.shift`)
            assert [d["on"] for _, d in events(base / "data" / "cxinbox.db", SHIFT)] == [
                [nurse.name]]
            [assign] = [e for e in _trail(cfg, first) if e["action"] == "conversation.assign"]
            assert assign["actor"] == f"rule:{RULE}"
            assert assign["details"]["why"].startswith(
                f"red flag waited: {nurse.name} on shift; shift-aware:"), assign
            assert assign["details"]["why"].endswith(f"-> {nurse.name}"), assign
            code, out, err = cli_as(nurse, "--config", str(cfg), "list", "assignee:me",
                                    "--json")
            assert code == 0, err
            assert [int(r["id"]) for r in json.loads(out)["conversations"]] == [first]

            # She holds the cap now and her colleague is off shift: the next flag waits,
            # told once to the desk and the hook, with no patient text in either.
            dovecot.deliver(_mail(2, "pat2@patient.example"))
            wait_until(lambda: len(_flag_ids(cfg)) == 2, "the second red flag synced",
                       timeout=120.0)
            second = max(_flag_ids(cfg))
            wait_until(lambda: any(e["action"] == "redflag.waiting"
                                   for e in _trail(cfg, second)),
                       "the cap told", timeout=60.0)
            wait_until(lambda: hook_log.exists() and "red_flag_waiting" in
                       hook_log.read_text(), "the hook ran", timeout=30.0)
            told = [json.loads(line) for line in hook_log.read_text().splitlines()
                    if "red_flag_waiting" in line]
            assert [(t["conversation"], t["team"], t["cap"]) for t in told] == [
                (second, "nurses", 1)]
            # the category, never the patient's words
            assert "crushing" not in hook_log.read_text().lower()
            assert holder(second) is None
            assert "crushing" not in server.log.lower()
