"""Two `cxinbox serve` on one PostgreSQL database: red flags that waited through the night
are given at the shift's start exactly once, one per free place under the cap, by one
server (the leader lease), as the routing rule with the reason and the `waited` mark (the
bell of the nurse it lands on); the flag left over is told once, to the desk and the hook.
The leader then dies (SIGKILL): the other server takes the round over and gives or tells
nothing twice, while it tells a new flag as the first did. Mail comes from Dovecot; the
shift starts by the wall clock, seconds after both servers restarted with the day's rota.
And a leader killed while its hook pages a flag: the other server pages it, once."""

from __future__ import annotations

import json
import os
import signal
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from functools import partial
from pathlib import Path
from typing import Any

import pytest
from tests.support.shiftclock import starting_in, up_before
from tests.support.waiting import wait_until
from tests.test_redflag_routing_page_crash import (
    ROUND_S,
    _mail,
    desk_config,
    events,
    hold_first_page,
    listed,
    pages,
    routed_at_cap,
)
from tests.test_serve_support import ME, Server, cx, socket_dir

from cxinbox.service.redflag_routing import PAGING, SHIFT, TOLD, WAITING
from cxinbox.service.sla_monitor import TEST_TIMEOUT_ENV

RULE = "red flags to nurses"
DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
CHEST = "I have had crushing chest pain since last night."
LEAD_TIMES = 1.5
LEAD_FLOOR_S = 2.0
"""The shift's lead after the night: LEAD_TIMES what the two servers' starts took at
night, and LEAD_FLOOR_S (a round's interval before the start, and the rota's write)."""
SHIFT_TRIES = 4
"""Restarts, with the lead doubled each time, before the test gives up on a machine too
slow to have its servers up before the shift's start."""


@pytest.fixture
def sockdir() -> Iterator[Path]:
    with socket_dir() as path:
        yield path


def _assigns(db: str) -> list[dict[str, Any]]:
    import psycopg

    with psycopg.connect(db) as pg:
        rows = pg.execute("SELECT actor, target, details FROM events"
                          " WHERE action = 'conversation.assign' ORDER BY seq").fetchall()
    return [{"actor": a, "target": t,
             **(d if isinstance(d, dict) else json.loads(d or "{}"))} for a, t, d in rows]


def _team(hours: str) -> str:
    """The nurses team (me alone, cap 2, shift-aware) with my rota's `hours` (UTC)."""
    return (f'strategy = "shift-aware"\ncap = 2\n'
            f'shifts = {{ {ME} = {{ hours = {hours}, timezone = "UTC" }} }}')


def _leading(*servers: Server) -> bool:
    return any("this server runs it (leader lease job:red flag routing)" in s.log
               for s in servers)


def test_two_servers_give_each_waiting_flag_once_at_the_shift_start(
        dovecot: Any, tmp_path: Path, sockdir: Path, pg_url: str) -> None:
    paged = tmp_path / "paged.jsonl"
    hook = tmp_path / "hook.sh"
    hook.write_text(f"#!/bin/sh\ncat >> {paged}\necho >> {paged}\n")
    hook.chmod(0o755)
    socks = (sockdir / "a.sock", sockdir / "b.sock")

    def configs(team: str) -> tuple[Path, Path]:
        return (desk_config(tmp_path / "a", dovecot, socks[0], hook, pg_url, team),
                desk_config(tmp_path / "b", dovecot, socks[1], hook, pg_url, team))

    # The night: my rota opens three days from now only, so nobody is on shift.
    cfg_a, cfg_b = configs(_team(
        f'{{ {DAYS[(datetime.now(UTC).weekday() + 3) % 7]} = ["09:00-17:00"] }}'))
    servers: list[Server] = []
    try:
        began = time.monotonic()
        servers += [Server(cfg_a, socks[0]).start(), Server(cfg_b, socks[1]).start()]
        up_s = time.monotonic() - began
        for n in (1, 2, 3):
            dovecot.deliver(_mail(n, f"Question {n}", CHEST))
        wait_until(lambda: len(listed(cfg_a, "is:red-flag")) == 3, "three flags synced",
                   timeout=100.0, detail=lambda: servers[0].log[-2000:])
        flags = listed(cfg_a, "is:red-flag")
        assert listed(cfg_b, "is:red-flag assignee:none") == flags  # nobody on shift
        assert _assigns(pg_url) == [] and events(pg_url, WAITING) == []
        for server in servers:
            assert server.stop() == 0, server.log[-2000:]
        # Today's rota is written, starting at the second both restarted servers can be
        # up before with one leading the round (the lead: what their starts took at
        # night, and a margin), so her shift starts while they run; it goes on through
        # the next day, so a run near midnight does not see it end. Servers not up and
        # leading in time are killed before the start and restarted with a lead twice
        # as long. The same proof as when the rota was written before the night's sync,
        # with a lead long enough for two server starts *and* that sync (65-130 s): the
        # flags waited through the night under running servers, nothing was given before
        # the start, and the shift starts under running servers whose round had seen it
        # closed (the `staff.shift` event asserted below says so: a round that first ran
        # on shift writes none).
        early: list[tuple[list[dict[str, Any]], list[tuple[int, dict[str, Any]]]]] = []

        def leading_then_read(*restarted: Server) -> bool:
            if not _leading(*restarted):
                return False
            early.append((_assigns(pg_url), events(pg_url, WAITING)))
            return True

        for attempt in range(SHIFT_TRIES):
            lead = (LEAD_FLOOR_S + LEAD_TIMES * up_s) * 2 ** attempt
            start = starting_in(lead)
            cfg_a, cfg_b = configs(_team(
                f'{{ {DAYS[start.weekday()]} = ["{start:%H:%M:%S}-24:00"],'
                f' {DAYS[(start.weekday() + 1) % 7]} = ["00:00-24:00"] }}'))
            server_a, server_b = Server(cfg_a, socks[0]), Server(cfg_b, socks[1])
            servers += [server_a, server_b]
            # The leader's first round runs as it takes the lease, then one a second:
            # leading a round's interval before the start, it sees her rota closed.
            if up_before([server_a, server_b], start - timedelta(seconds=ROUND_S),
                         partial(leading_then_read, server_a, server_b)):
                break
            print(f"restart {attempt + 1} of {SHIFT_TRIES}: not leading in time for a start"
                  f" {lead:.1f} s ahead; the lead doubled")
        else:
            pytest.fail(f"the restarted servers were not up before the shift's start in"
                        f" {SHIFT_TRIES} tries")
        assert early[-1] == ([], []), early  # read before the start: nothing given off shift
        wait_until(lambda: len(events(pg_url, WAITING)) == 1,
                   "the shift started: two given, the third told at the cap",
                   timeout=240.0, detail=lambda: server_a.log[-2000:] + server_b.log[-2000:])
        assert datetime.now(UTC) >= start
        # her rota opened under the round that had seen it closed
        assert [d["on"] for _, d in events(pg_url, SHIFT)] == [[ME]]
        given = _assigns(pg_url)
        # exactly one per free place, oldest raise first, once, as the rule
        assert [g["target"] for g in given] == [f"conversation:{c}" for c in flags[:2]]
        assert all(g["actor"] == f"rule:{RULE}" and g["to"] == ME and g["waited"]
                   for g in given), given
        assert all(g["why"].startswith(f"red flag waited: {ME} on shift; shift-aware:")
                   for g in given), given
        [(_, told)] = events(pg_url, WAITING)
        assert (told["conversation"], told["team"], told["cap"]) == (flags[2], "nurses", 2)
        wait_until(lambda: len(events(pg_url, TOLD)) == 1, "its page told gone",
                   timeout=60.0)
        assert [p["conversation"] for p in pages(paged)] == [flags[2]]
        # the audit as on SQLite: the thread's trail says who assigned it and why
        trail = json.loads(cx("audit", f"id:{flags[0]}", "--json", "--config",
                              str(cfg_b)).stdout)
        [assign] = [e for e in trail if e["action"] == "conversation.assign"]
        assert assign["actor"] == f"rule:{RULE}" and assign["details"]["waited"] is True
        leader = server_a if "this server runs it (leader lease job:red flag routing)" \
            in server_a.log else server_b
        other = server_b if leader is server_a else server_a
        leader.stop(signal.SIGKILL)
        wait_until(lambda: "leader lease job:red flag routing" in other.log,
                   "the other server took the round over", timeout=90.0,
                   detail=lambda: other.log[-2000:])
        other_cfg = cfg_b if other is server_b else cfg_a
        dovecot.deliver(_mail(4, "Question 4", CHEST))
        wait_until(lambda: len(events(pg_url, WAITING)) == 2, "the new flag told",
                   timeout=120.0, detail=lambda: other.log[-2000:])
        wait_until(lambda: len(events(pg_url, TOLD)) == 2, "its page told gone",
                   timeout=60.0)
        fourth = max(listed(other_cfg, "is:red-flag"))
        assert [p["conversation"] for p in pages(paged)] == [flags[2], fourth]
        assert len(_assigns(pg_url)) == 2  # nothing given twice
        assert listed(other_cfg, "is:red-flag assignee:none") == [flags[2], fourth]
    finally:
        for server in servers:
            if server.proc is not None and server.proc.poll() is None:
                server.stop(signal.SIGKILL)


def test_the_server_taking_over_pages_what_the_dead_leader_was_paging(
        dovecot: Any, tmp_path: Path, sockdir: Path, pg_url: str,
        monkeypatch: pytest.MonkeyPatch) -> None:
    """Two servers; the one leading the red-flag round is SIGKILLed while its hook pages a
    flag held by the cap (the hook waits on a fifo, and dies with it): the other server
    takes the round over and pages it, once, and records it gone."""
    monkeypatch.setenv(TEST_TIMEOUT_ENV, "600")
    hook, held = hold_first_page(tmp_path)
    paged = tmp_path / "paged.jsonl"
    cfg_a = desk_config(tmp_path / "a", dovecot, sockdir / "a.sock", hook, pg_url)
    cfg_b = desk_config(tmp_path / "b", dovecot, sockdir / "b.sock", hook, pg_url)
    held_pid: int | None = None
    server_a = Server(cfg_a, sockdir / "a.sock").start()
    try:
        with Server(cfg_b, sockdir / "b.sock") as server_b:
            flag = routed_at_cap(cfg_a, dovecot, server_a)
            wait_until(lambda: (held / "pid").exists()
                       and bool((held / "pid").read_text().strip()),
                       "the cap page is being paged", timeout=60.0)
            held_pid = int((held / "pid").read_text())
            [(first_seq, first)] = events(pg_url, WAITING)
            leader = server_a if server_a.proc and first["pid"] == server_a.proc.pid \
                else server_b
            other = server_b if leader is server_a else server_a
            assert leader.proc is not None and first["pid"] == leader.proc.pid
            leader.stop(signal.SIGKILL)
            os.kill(held_pid, signal.SIGKILL)
            held_pid = None
            wait_until(lambda: len(pages(paged)) == 1, "the other server paged it",
                       timeout=120.0, detail=lambda: other.log[-2000:])
            wait_until(lambda: len(events(pg_url, TOLD)) == 1, "and recorded it gone",
                       timeout=60.0, detail=lambda: other.log[-2000:])
            assert other.proc is not None
            [(resumed_seq, resumed)] = events(pg_url, PAGING)
            assert resumed["resumed"] == first_seq and resumed["pid"] == other.proc.pid
            [(_, told)] = events(pg_url, TOLD)
            assert told["paging"] == resumed_seq and told["sent"] is True
            assert [p["conversation"] for p in pages(paged)] == [flag]
    finally:
        if held_pid is not None:
            try:
                os.kill(held_pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        if server_a.proc is not None and server_a.proc.poll() is None:
            server_a.stop(signal.SIGKILL)
