"""The knowledge base attacked over the server's socket by another OS user (an agent on the
roster, and an outsider), with raw frames our CLI would never send."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from tests.support.osusers import OsUsers, cli_as, os_users, run_as
from tests.test_bulk_cli import fill
from tests.test_serve_attack import (
    HOSTILE,
    _connect_refused,
    _desk_dir,
    _events,
    _frame,
    _session,
)
from tests.test_serve_support import ME, Server, write_config

import cxinbox.cli  # noqa: F401 - imported before the fork (the child cannot read /root)
from cxinbox.config import load_config
from cxinbox.store.db import Database

pytestmark = pytest.mark.skipif(os.geteuid() != 0, reason="needs root to create OS users")


@pytest.fixture(scope="module")
def users() -> Iterator[OsUsers]:
    with os_users() as made:
        yield made


@pytest.fixture
def desk(users: OsUsers) -> Iterator[tuple[Path, Path, Path]]:
    with _desk_dir(users) as (base, sock):
        cfg = write_config(base, sock, {ME: "admin", users.agent.name: "agent",
                                        users.other_agent.name: "agent"})
        cfg.chmod(0o644)
        db_path = load_config(cfg).db_path
        db = Database(db_path)
        try:
            fill(db, 5)
            with db.write() as conn:
                for slug, audience, body in (("hours", "patient-facing", "Open 8 to 18."),
                                             ("records", "staff-only", "Never email them.")):
                    conn.execute(
                        "INSERT INTO kb_articles (slug, title, tags, audience, body, link,"
                        " source, revision, created_at, updated_at, updated_by) VALUES"
                        " (?, ?, '', ?, ?, '', 'cli', 1, 0, 0, 'admin')",
                        (slug, slug.title(), audience, body))
        finally:
            db.close()
        yield cfg, sock, db_path


def _articles(db_path: Path) -> list[tuple[str, int, str]]:
    db = Database(db_path)
    try:
        return [(r[0], r[1], r[2]) for r in db.conn.execute(
            "SELECT slug, revision, body FROM kb_articles ORDER BY slug")]
    finally:
        db.close()


def test_an_agent_cannot_write_or_insert_staff_only_and_bad_fields_bounce(
        users: OsUsers, desk: tuple[Path, Path, Path]) -> None:
    cfg, sock, db_path = desk
    agent = users.agent
    before = _articles(db_path)
    frames = [
        _frame(1, "kb_add", "Mine", "text", "patient-facing"),
        _frame(2, "kb_edit", "hours", None, "Closed forever."),
        _frame(3, "kb_insertion", "records", False, 1),
        _frame(4, "kb_insertion", "records", True),
        _frame(5, "kb_show", "../../etc/passwd"),
        _frame(6, "kb_search", "hours\x1b]52;c;ZXZpbA==\x07"),
        _frame(7, "kb_search", {"$": "cxinbox.contract.kb_types:KbHit", "f": {}}),
        _frame(8, "kb_history", "hours", "extra"),
        _frame(9, "kb_sync"),
        _frame(10, "kb_search", "hours"),
        _frame(11, "kb_insertion", "hours", False, 2),
    ]
    with Server(cfg, sock):
        answers = run_as(agent, _session, str(sock), frames)
        assert run_as(users.outsider, _connect_refused, str(sock)) == "PermissionError"
        code, out, err = cli_as(agent, "kb", "add", "--title", "X", "--audience", "staff-only",
                                "--body", "x", "--config", str(cfg))
    assert "hello" in answers[0]
    errors = [a.get("error") for a in answers[1:]]
    kinds = [(e["type"].rsplit(":", 1)[-1], e["exit_code"]) if e else None for e in errors]
    assert kinds[:9] == [("Forbidden", 6), ("Forbidden", 6), ("Forbidden", 6),
                         ("Forbidden", 6), ("BadRequest", 2), ("BadRequest", 2),
                         ("BadRequest", 2), ("BadRequest", 2), ("BadRequest", 2)]
    for error in errors[:9]:
        assert error is not None
        assert "\n" not in error["message"] and "\x1b" not in error["message"]
        assert "ZXZpbA" not in error["message"]
    assert "staff-only" in errors[2]["message"]
    assert "slug" in errors[4]["message"] and "text" in errors[5]["message"]
    assert errors[9] is None and errors[10] is None
    assert answers[11]["result"]["f"]["text"] == "Open 8 to 18."
    assert code == 6 and out == "" and err.count("\n") == 1 and "Traceback" not in err, err
    assert _articles(db_path) == before
    denied = [json.loads(d)["what"] for a, d in _events(db_path, "access.denied")
              if a == agent.name]
    assert denied == ["adding a knowledge-base article", "editing a knowledge-base article",
                      "adding a knowledge-base article"]
    assert [a for a, _ in _events(db_path, "kb.refused")] == [agent.name, agent.name]
    assert [a for a, _ in _events(db_path, "kb.insert")] == [agent.name]


def test_an_editors_escape_sequences_never_reach_an_agents_terminal(
        users: OsUsers, desk: tuple[Path, Path, Path]) -> None:
    cfg, sock, db_path = desk
    agent = users.agent
    with Server(cfg, sock):
        answers = run_as(agent, _session, str(sock), [])  # the agent is connected too
        assert "hello" in answers[0]
        from tests.test_serve_attack import _session as session_as_me

        answers = session_as_me(str(sock), [
            _frame(1, "kb_add", HOSTILE, HOSTILE, "patient-facing", "evil", ["ok"], "", "")])
        assert "result" in answers[1], answers[1]
        screens = [cli_as(agent, *args, "--config", str(cfg))
                   for args in (("kb", "show", "evil"), ("kb", "show", "evil", "--json"),
                                ("kb", "search", "patient"), ("kb", "list"))]
    for code, out, err in screens:
        assert code == 0, err
        assert "call the patient" in out or "evil" in out
        for needle in ("\x1b", "\x9d", "\u202e", "\U000e0041", "ZXZpbA=="):
            assert needle not in out + err, (needle, out[-400:])
    stored = [body for slug, _r, body in _articles(db_path) if slug == "evil"]
    assert stored and "\x1b" not in stored[0] and "\u202e" not in stored[0]

