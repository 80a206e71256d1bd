"""Issue 11, point 6: the bulk limit is a limit on a person over time, not on one call.

An agent changes at most `server.bulk_limit` distinct conversations in ten minutes, however
the changes are split: single calls, bulk calls, `id:` lists, several connections. The
refusal changes nothing, is audited and reads as one line. Supervisors are not limited.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path

import pytest
from tests.audithelp import trail
from tests.test_bulk_cli import fill, states
from tests.test_serve_support import ME, Server, cx, socket_dir, write_config

from cxinbox.api.socket_client import SocketAPI, probe
from cxinbox.config import Config, load_config
from cxinbox.contract.errors import Forbidden
from cxinbox.service.inbox import BUDGETED_ACTIONS, CHANGE_WINDOW_S, InboxService
from cxinbox.store import conversations as convs
from cxinbox.store.db import Database, append_event, now_ms

LIMIT = 5


@pytest.fixture
def desk(tmp_path: Path) -> Iterator[tuple[Config, Database, list[int]]]:
    cfg = load_config(write_config(tmp_path, tmp_path / "unused.sock",
                                   {"ana": "agent", "bo": "agent", "lead": "supervisor"},
                                   bulk_limit=LIMIT))
    db = Database(cfg.db_path, synchronous="OFF")
    ids = fill(db, 12)
    yield cfg, db, ids
    db.close()


def _as(desk: tuple[Config, Database, list[int]], actor: str) -> InboxService:
    cfg, db, _ = desk
    return InboxService(db, cfg, actor)


def _refused(db: Database, since: int) -> list[dict[str, object]]:
    return [e.details for e in trail(db, since) if e.action == "access.denied"]


def test_single_calls_stop_at_the_limit_and_the_refusal_changes_nothing(
        desk: tuple[Config, Database, list[int]]) -> None:
    _, db, ids = desk
    ana = _as(desk, "ana")
    ana.tag(ids[0], ["a"], [])
    ana.set_status(ids[1], "pending")
    ana.assign(ids[2], "bo")
    ana.set_priority(ids[3], "urgent")
    ana.tag(ids[4], ["a"], [])
    ana.tag(ids[0], ["b"], [])  # the same conversations again are no new ones
    ana.set_priority(ids[4], "low")
    before, seq = states(db), ana.last_event_seq()
    with pytest.raises(Forbidden) as refused:
        ana.assign(ids[5], "bo")
    line = str(refused.value)
    assert "\n" not in line and "at most 5 conversations in 10 minutes" in line
    assert "ana has changed 5" in line and "supervisor" in line
    assert states(db) == before
    assert _refused(db, seq) == [{"what": "a change of assignee", "role": "agent",
                                  "limit": 5, "window_s": CHANGE_WINDOW_S, "recent": 5,
                                  "asked": 1}]
    assert [e.actor for e in trail(db, seq)] == ["ana"]


def test_bulk_calls_split_into_id_lists_are_counted_together(
        desk: tuple[Config, Database, list[int]]) -> None:
    _, db, ids = desk
    ana = _as(desk, "ana")
    ana.tag(ids[0], ["x"], [])
    assert len(ana.bulk_tag(f"id:{ids[1]},{ids[2]}", add=["x"]).changed) == 2
    # Three more would make six: refused whole, not cut to fit.
    before = states(db)
    with pytest.raises(Forbidden, match="bulk tag refused"):
        ana.bulk_tag(f"id:{ids[3]},{ids[4]},{ids[5]}", add=["x"])
    assert states(db) == before
    # A dry run shows what would happen and changes (and spends) nothing.
    assert len(ana.bulk_tag(f"id:{ids[3]},{ids[4]},{ids[5]}", add=["x"],
                            dry_run=True).changed) == 3
    assert len(ana.bulk_priority(f"id:{ids[3]},{ids[4]}", "high").changed) == 2
    # Conversations already changed in the window cost nothing more.
    assert len(ana.bulk_status(f"id:{ids[0]},{ids[1]},{ids[2]}", "closed").changed) == 3
    with pytest.raises(Forbidden):
        ana.merge(ids[0], ids[6])


def test_the_limit_is_per_person_and_supervisors_have_none(
        desk: tuple[Config, Database, list[int]]) -> None:
    _, _, ids = desk
    ana, again, bo, lead = (_as(desk, a) for a in ("ana", "ana", "bo", "lead"))
    for conv in ids[:3]:
        ana.tag(conv, ["x"], [])
    for conv in ids[3:5]:
        again.tag(conv, ["x"], [])  # another connection of the same person
    with pytest.raises(Forbidden):
        again.tag(ids[5], ["x"], [])
    for conv in ids[5:10]:
        bo.tag(conv, ["x"], [])  # a colleague has a budget of her own
    assert len(lead.bulk_tag("", add=["y"]).changed) == 12


def test_the_window_forgets_changes_older_than_ten_minutes(
        desk: tuple[Config, Database, list[int]]) -> None:
    _, db, ids = desk
    old = now_ms() - (CHANGE_WINDOW_S + 5) * 1000
    with db.write() as conn:
        for conv in ids[:LIMIT]:
            append_event(conn, "ana", "conversation.tag", f"conversation:{conv}", {}, at=old)
        append_event(conn, "ana", "conversation.tag", f"conversation:{ids[5]}", {})
    since = now_ms() - CHANGE_WINDOW_S * 1000
    assert convs.changed_by(db.conn, "ana", since, BUDGETED_ACTIONS) == {ids[5]}
    ana = _as(desk, "ana")
    for conv in ids[6:10]:
        ana.tag(conv, ["fresh"], [])  # 1 + 4 within the window: allowed
    with pytest.raises(Forbidden):
        ana.tag(ids[10], ["fresh"], [])


def _connect(sock: Path) -> SocketAPI:
    found = probe(sock)
    assert found is not None, "server not answering"
    return SocketAPI(sock, *found)


@pytest.fixture
def sockdir() -> Iterator[Path]:
    with socket_dir() as path:
        yield path


async def test_over_the_socket_connections_and_the_cli_share_one_budget(
        tmp_path: Path, sockdir: Path) -> None:
    sock = sockdir / "s.sock"
    cfg = write_config(tmp_path, sock, {ME: "agent"}, bulk_limit=LIMIT)
    db = Database(load_config(cfg).db_path)
    ids = fill(db, 8)
    with Server(cfg, sock):
        a, b = _connect(sock), _connect(sock)  # two connections, one person
        try:
            await asyncio.gather(*(a.tag(i, ["x"], []) for i in ids[:2]),
                                 *(b.tag(i, ["x"], []) for i in ids[2:4]))
            with pytest.raises(Forbidden, match="at most 5 conversations"):
                await b.bulk_tag(f"id:{ids[4]},{ids[5]}", ["x"], [])
            await a.set_priority(ids[4], "high")  # the fifth
        finally:
            await a.aclose()
            await b.aclose()
        refused = cx("tag", f"id:{ids[6]}", "--add", "x", "--config", str(cfg))
        assert refused.returncode != 0
        lines = refused.stderr.strip().splitlines()
        assert len(lines) == 1 and "at most 5 conversations in 10 minutes" in lines[0], \
            refused.stderr
        assert "Traceback" not in refused.stderr
    denied = [e for e in trail(db) if e.action == "access.denied"]
    assert [(e.actor, e.details["asked"]) for e in denied] == [(ME, 2), (ME, 1)]
    db.close()
