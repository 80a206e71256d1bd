"""Two `cxinbox serve` on one PostgreSQL database: red flags that waited through the night
are given at the shift's start exactly once, one per free place under the cap, by one
server (the leader lease), as the routing rule with the reason and the `waited` mark (the
bell of the nurse it lands on); the flag left over is told once, to the desk and the hook.
The leader then dies (SIGKILL): the other server takes the round over and gives or tells
nothing twice, while it tells a new flag as the first did. Mail comes from Dovecot; the
shift starts by the wall clock, a minute or so into the test. And a leader killed while
its hook pages a flag: the other server pages it, once."""

from __future__ import annotations

import json
import os
import signal
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from tests.support.shiftclock import shift_start
from tests.support.waiting import wait_until
from tests.test_redflag_routing_page_crash import (
    _mail,
    desk_config,
    events,
    hold_first_page,
    listed,
    pages,
    routed_at_cap,
)
from tests.test_serve_support import ME, Server, cx, socket_dir

from cxinbox.service.redflag_routing import PAGING, TOLD, WAITING
from cxinbox.service.sla_monitor import TEST_TIMEOUT_ENV

RULE = "red flags to nurses"
DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
CHEST = "I have had crushing chest pain since last night."
READY_STARTS = 20
"""Interpreter starts' worth of time from writing the rota to the flags listed: two
servers, the first sync, `cxinbox list` polled until the three flags show (measured: 12
of them, at a load average of 6.5; 20 leaves room)."""


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


def test_two_servers_give_each_waiting_flag_once_at_the_shift_start(
        dovecot: Any, tmp_path: Path, sockdir: Path, pg_url: str) -> None:
    paged = tmp_path / "paged.jsonl"
    hook = tmp_path / "hook.sh"
    hook.write_text(f"#!/bin/sh\ncat >> {paged}\necho >> {paged}\n")
    hook.chmod(0o755)
    # Her shift starts at the second the flags can sync before (two server starts and the
    # CLI calls that wait for the sync: a lead measured on this machine,
    # tests/support/shiftclock.py; at most 130 s: a busy machine whose measured lead
    # would pass it still gets a half minute more than the 100 s fixed lead of old) and
    # runs through the next day, so a run near midnight does not end it.
    start = shift_start(READY_STARTS, most_s=130.0)
    team = (f'strategy = "shift-aware"\ncap = 2\n'
            f'shifts = {{ {ME} = {{ hours = {{ {DAYS[start.weekday()]} = '
            f'["{start:%H:%M:%S}-24:00"], {DAYS[(start.weekday() + 1) % 7]} = ["00:00-24:00"]'
            ' }, timezone = "UTC" } }')
    cfg_a = desk_config(tmp_path / "a", dovecot, sockdir / "a.sock", hook, pg_url, team)
    cfg_b = desk_config(tmp_path / "b", dovecot, sockdir / "b.sock", hook, pg_url, team)
    server_a = Server(cfg_a, sockdir / "a.sock").start()
    try:
        with Server(cfg_b, sockdir / "b.sock") as server_b:
            for n in (1, 2, 3):
                dovecot.deliver(_mail(n, f"Question {n}", CHEST))
            wait_until(lambda: len(listed(cfg_a, "is:red-flag")) == 3, "three flags synced",
                       timeout=100.0, detail=lambda: server_a.log[-2000:])
            flags = listed(cfg_a, "is:red-flag")
            assert datetime.now(UTC) < start, "the flags synced after the shift's start"
            assert listed(cfg_b, "is:red-flag assignee:none") == flags  # nobody on shift
            assert _assigns(pg_url) == [] and events(pg_url, WAITING) == []

            wait_until(lambda: len(events(pg_url, WAITING)) == 1,
                       "the shift started: two given, the third told at the cap",
                       timeout=240.0, detail=lambda: server_a.log[-2000:])
            assert datetime.now(UTC) >= start
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
        if server_a.proc is not None and server_a.proc.poll() is None:
            server_a.stop(signal.SIGKILL)


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
