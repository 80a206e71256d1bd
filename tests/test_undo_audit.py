"""Undo as the server sees it: `undo_of` checked at the socket and against the audit trail.

The socket test runs the real `cxinbox serve` and talks to it with `SocketAPI`; the
service tests use a real SQLite file with two staff members acting on it.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from tests.test_bulk_cli import fill
from tests.test_serve_support import ME, Server, socket_dir, write_config

from cxinbox.api.socket_client import SocketAPI, probe
from cxinbox.config import load_config
from cxinbox.contract.errors import BadRequest
from cxinbox.service.inbox import InboxService
from cxinbox.store.db import Database


@pytest.fixture
def sockdir() -> Iterator[Path]:
    with socket_dir() as path:
        yield path


def _details(db: Database, seq: int) -> dict[str, Any]:
    row = db.conn.execute("SELECT details FROM events WHERE seq = ?", (seq,)).fetchone()
    return dict(json.loads(row[0]))


def _last(db: Database, action: str) -> tuple[int, str, dict[str, Any]]:
    seq, actor, details = db.conn.execute(
        "SELECT seq, actor, details FROM events WHERE action = ? ORDER BY seq DESC LIMIT 1",
        (action,)).fetchone()
    return int(seq), str(actor), dict(json.loads(details))


async def test_undo_of_is_checked_at_the_socket_and_recorded(tmp_path: Path,
                                                            sockdir: Path) -> None:
    sock = sockdir / "s.sock"
    cfg = write_config(tmp_path, sock, {ME: "agent", "maria": "agent"})
    db = Database(load_config(cfg).db_path)
    fill(db, 5)
    db.close()
    with Server(cfg, sock):
        found = probe(sock)
        assert found is not None
        api = SocketAPI(sock, *found)
        try:
            # The field's type and range, refused at the boundary with one line.
            with pytest.raises(BadRequest, match=r"^assign: undo_of: expected an integer"):
                await api.assign(2, ME, undo_of="7")  # type: ignore[arg-type]
            with pytest.raises(BadRequest, match=r"^assign: undo_of: expected an integer"):
                await api.assign(2, ME, undo_of=True)
            with pytest.raises(BadRequest, match=r"^set_status: undo_of: must be between 1"):
                await api.set_status(2, "open", None, undo_of=0)

            seq = await api.assign(2, ME)
            tag_seq = await api.tag(2, ["x"], [])
            assert isinstance(seq, int) and tag_seq > seq
            # An undo must name the caller's own change of that kind on that conversation.
            with pytest.raises(BadRequest, match="is not your change of the assignee on #2"):
                await api.assign(2, None, undo_of=tag_seq)
            with pytest.raises(BadRequest, match="is not your change of the assignee on #3"):
                await api.assign(3, None, undo_of=seq)
            undone = await api.assign(2, None, undo_of=seq)
            with pytest.raises(BadRequest, match="already undone"):
                await api.assign(2, None, undo_of=seq)
        finally:
            await api.aclose()
    db = Database(load_config(cfg).db_path)
    try:  # the audit trail says which change was undone, and by whom
        assert _last(db, "conversation.assign") == (undone, ME,
                                                    {"from": ME, "to": None, "undo_of": seq})
        assert "undo_of" not in _details(db, seq)
    finally:
        db.close()


@pytest.fixture
def desk(tmp_path: Path) -> Iterator[tuple[Database, InboxService, InboxService]]:
    cfg = load_config(write_config(tmp_path, tmp_path / "unused.sock",
                                   {ME: "agent", "maria": "agent"}))
    db = Database(cfg.db_path)
    fill(db, 5)
    try:
        yield db, InboxService(db, cfg, ME), InboxService(db, cfg, "maria")
    finally:
        db.close()


def test_a_step_someone_else_moved_on_is_not_undone(
        desk: tuple[Database, InboxService, InboxService]) -> None:
    db, me, maria = desk
    seq = me.assign(1, ME)
    maria.assign(1, "maria")
    with pytest.raises(BadRequest, match="#1: cannot undo, maria changed the assignee since"):
        me.assign(1, None, undo_of=seq)
    assert me.get_conversation(1, record_view=False).summary.assignee == "maria"
    assert _last(db, "conversation.assign")[1] == "maria"  # nothing was written

    # Another kind of change by someone else does not block: my tag comes off.
    tag_seq = me.tag(1, ["lab"], [])
    maria.set_priority(1, "high")
    me.tag(1, [], ["lab"], undo_of=tag_seq)
    assert _last(db, "conversation.tag")[2]["undo_of"] == tag_seq
    # A colleague touching the very tag does block.
    tag_seq = me.tag(1, ["lab"], [])
    maria.tag(1, [], ["lab"])
    with pytest.raises(BadRequest, match="maria changed the tags since"):
        me.tag(1, [], ["lab"], undo_of=tag_seq)


def test_a_change_that_no_longer_holds_is_not_undone(
        desk: tuple[Database, InboxService, InboxService]) -> None:
    db, me, _maria = desk
    seq = me.set_status(2, "closed")
    # Not a person: the snooze waker, a patient's reply or a rule may move it on too.
    from cxinbox.store import conversations as convs

    with db.write() as conn:
        convs.update_state(conn, 2, status="open")
    with pytest.raises(BadRequest, match="#2: cannot undo, the status changed since"):
        me.set_status(2, "open", None, undo_of=seq)
