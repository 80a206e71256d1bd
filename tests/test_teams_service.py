"""Teams and away in the service (in-process, SQLite on disk): the assignment, the cursor,
the audit event with its explanation, caps, bulk spreading, and handing work back."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from tests.teamhelp import T0, Clock, deliver, events, row, write_config

from cxinbox.config import load_config
from cxinbox.contract.errors import BadRequest, Forbidden
from cxinbox.service.inbox import InboxService
from cxinbox.service.teams import TeamService, assign_to_team
from cxinbox.store.db import Database

TEAMS = """
[[teams]]
name = "desk"
members = ["maria", "jsmith", "lead"]
cap = 2
return_on_away = true

[[teams]]
name = "billing"
members = ["maria", "jsmith"]
strategy = "least-open"
"""


def _open(store: Any, tmp_path: Path, actor: str = "maria"
          ) -> tuple[Database, TeamService, Clock]:
    """On `store`, the any_store fixture: every test here runs on SQLite and PostgreSQL."""
    path = write_config(tmp_path)
    path.write_text(path.read_text() + TEAMS)
    config = load_config(path)
    db = store
    clock = Clock()
    return db, TeamService(InboxService(db, config, actor, clock=clock)), clock


def _convs(db: Database, n: int) -> list[int]:
    return [deliver(db, sender=f"p{i}@mail.example", at=T0 + i, subject=f"Question {i}")
            for i in range(n)]


def test_round_robin_assigns_in_turn_and_audits_why(tmp_path: Path, any_store: object) -> None:
    db, teams, _clock = _open(any_store, tmp_path)
    ids = _convs(db, 4)
    picks = [teams.assign(conv, "desk") for conv in ids[:3]]
    assert [p.member for p in picks] == ["maria", "jsmith", "lead"]
    assert [row(db, c)["assignee"] for c in ids[:3]] == ["maria", "jsmith", "lead"]
    assert picks[1].explanation == "round-robin: next after maria -> jsmith"
    fourth = teams.assign(ids[3], "desk")
    assert fourth.member == "maria"  # round again
    audited = events(db, "conversation.assign")
    assert audited[-1] == {"actor": "maria", "target": f"conversation:{ids[3]}",
                           "from": None, "to": "maria", "team": "desk",
                           "strategy": "round-robin",
                           "why": "round-robin: next after lead -> maria"}
    assert fourth.seq > picks[-1].seq


def test_caps_and_nobody_available(tmp_path: Path, any_store: object) -> None:
    db, teams, _clock = _open(any_store, tmp_path)
    ids = _convs(db, 7)
    members = [teams.assign(conv, "desk").member for conv in ids[:6]]
    assert sorted(members) == ["jsmith", "jsmith", "lead", "lead", "maria", "maria"]
    full = teams.assign(ids[6], "desk")
    assert full.member is None
    assert full.explanation == ("round-robin: nobody available; maria at cap 2;"
                                " jsmith at cap 2; lead at cap 2; left unassigned")
    assert row(db, ids[6])["assignee"] is None
    # `cxinbox teams` says why each is not a pick now.
    desk = next(v for v in teams.teams() if v.name == "desk")
    assert desk.available == ()
    assert desk.unavailable == (("maria", "at cap 2"), ("jsmith", "at cap 2"),
                                ("lead", "at cap 2"))
    assert (desk.next_pick, desk.next_why) == (None, full.explanation)
    # Closing one frees its holder's place.
    teams.inbox.set_status(ids[0], "closed")
    assert teams.assign(ids[6], "desk").member == members[0]


def test_least_open_and_bulk_spreading(tmp_path: Path, any_store: object) -> None:
    db, teams, _clock = _open(any_store, tmp_path, actor="lead")
    ids = _convs(db, 6)
    teams.inbox.assign(ids[0], "maria")
    teams.inbox.assign(ids[1], "maria")
    preview = teams.bulk_assign(f"id:{ids[2]},{ids[3]},{ids[4]},{ids[5]}", "billing",
                                dry_run=True)
    assert preview.dry_run and [c.after for c in preview.changed] == \
        ["jsmith", "jsmith", "maria", "jsmith"]
    assert row(db, ids[2])["assignee"] is None  # a dry run writes nothing
    done = teams.bulk_assign(f"id:{ids[2]},{ids[3]},{ids[4]},{ids[5]}", "billing")
    assert [c.after for c in done.changed] == [c.after for c in preview.changed]
    assert [row(db, c)["assignee"] for c in ids[2:]] == ["jsmith", "jsmith", "maria",
                                                          "jsmith"]
    whys = [e["why"] for e in events(db, "conversation.assign") if e.get("team")]
    assert whys[0].startswith("least-open: jsmith has 0 open (fewest)")
    # one conversation by its id (`cxinbox assign 1024 team:billing --dry-run`): a preview
    # like any other, named as the single change it is
    single = teams.bulk_assign(f"id:{ids[2]}", "billing", dry_run=True)
    assert single.dry_run and single.matched == 1


def test_going_away_hands_open_conversations_back(tmp_path: Path, any_store: object) -> None:
    db, teams, _clock = _open(any_store, tmp_path)
    ids = _convs(db, 3)
    for conv in ids:
        teams.inbox.assign(conv, "maria")
    teams.inbox.set_status(ids[2], "pending")  # only open ones go back
    result = teams.set_away(True)
    assert result.changed and result.away and result.os_user == "maria"
    assert [(h.conversation_id, h.member) for h in result.handed_back] == \
        [(ids[0], "jsmith"), (ids[1], "lead")]
    assert result.handed_back[0].explanation == (
        "handed back: maria went away; round-robin: first in order (maria); maria away"
        " -> jsmith")
    assert row(db, ids[2])["assignee"] == "maria"
    assert events(db, "staff.away") == [{"actor": "maria", "target": "staff:maria",
                                        "user": "maria", "away": True}]
    assert teams.set_away(True).changed is False  # away twice is one change
    assert teams.away_users() == ["maria"]
    # Nobody picks her while she is away; back, she is in the round again.
    assert teams.assign(ids[2], "desk").member == "jsmith"
    assert teams.set_away(False).changed
    assert teams.away_users() == []


def test_hand_back_leaves_unassigned_with_the_reason_when_nobody_can_take_it(
        tmp_path: Path, any_store: object) -> None:
    db, teams, _clock = _open(any_store, tmp_path, actor="lead")
    ids = _convs(db, 1)
    teams.inbox.assign(ids[0], "maria")
    teams.set_away(True, "jsmith")
    teams.set_away(True)  # lead is away too
    result = teams.set_away(True, "maria")
    assert result.handed_back[0].member is None
    assert "nobody available" in result.handed_back[0].explanation
    assert row(db, ids[0])["assignee"] is None


def test_agents_set_only_themselves_away(tmp_path: Path, any_store: object) -> None:
    db, teams, _clock = _open(any_store, tmp_path, actor="jsmith")
    with pytest.raises(Forbidden, match="marking maria away needs role admin or supervisor"):
        teams.set_away(True, "maria")
    assert events(db, "access.denied")[-1]["what"] == "marking maria away"
    with pytest.raises(BadRequest, match="unknown user 'nobody'"):
        teams.set_away(True, "nobody")
    with pytest.raises(BadRequest, match="unknown team 'nurses'; known teams: desk, billing"):
        teams.assign(1, "nurses")


def test_the_service_function_runs_in_the_callers_transaction(tmp_path: Path, any_store: object) -> None:
    """What the rules engine calls: inside its own write transaction, as `rule:NAME`."""
    db, teams, clock = _open(any_store, tmp_path)
    (conv,) = _convs(db, 1)
    with teams.inbox.store.writing() as tx:
        choice = assign_to_team(tx, teams.inbox.config, conv, "desk", "rule:to-desk",
                                now=clock.now)
    assert choice.member == "maria" and row(db, conv)["assignee"] == "maria"
    assert events(db, "conversation.assign")[-1]["actor"] == "rule:to-desk"

    class Boom(Exception):
        pass

    with pytest.raises(Boom), teams.inbox.store.writing() as tx:
        assign_to_team(tx, teams.inbox.config, conv, "desk", "rule:to-desk", now=clock.now)
        raise Boom
    assert row(db, conv)["assignee"] == "maria"  # rolled back with the caller's transaction
    assert len(events(db, "conversation.assign")) == 1

