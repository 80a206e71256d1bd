"""Closing a conversation that a `closed` rule reopens: the person is told, by the CLI
through `cxinbox serve` and by the TUI's toast, which rule put it back ("changed 1 of 1"
alone left her thinking it was closed)."""

from __future__ import annotations

import dataclasses
import json
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest
from tests.test_redflag_state import arrive
from tests.test_serve_support import ME, Server, cx, socket_dir, write_config
from tests.test_tui_escalations import Recorder
from tests.test_tui_support import make_app, make_inbox, screen_text, wait_for, wait_rows

from cxinbox.api.interface import InProcessAPI
from cxinbox.config import StaffMember, load_config_text
from cxinbox.service.inbox import InboxService
from cxinbox.store.db import Database
from cxinbox.tui.rulemoves import moved_after_my_close
from cxinbox.wiring import rules_engine

RULES = '''
[[rules]]
name = "reopen unanswered"
on = "closed"
match = "tag:callback"
actions = { status = "open", note = "closed before the callback" }
'''


@pytest.fixture
def sockdir() -> Iterator[Path]:
    with socket_dir() as path:
        yield path


def _status(db: Path, conv: int) -> str:
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        return str(conn.execute("SELECT status FROM conversations WHERE id = ?",
                                (conv,)).fetchone()[0])
    finally:
        conn.close()


def test_the_cli_says_which_rule_reopened_what_it_closed(tmp_path: Path,
                                                          sockdir: Path) -> None:
    sock = sockdir / "s.sock"
    cfg = write_config(tmp_path, sock, {ME: "admin"})
    cfg.write_text(cfg.read_text() + RULES)
    (tmp_path / "data").mkdir(mode=0o700)
    db_path = tmp_path / "data" / "cxinbox.db"
    db = Database(db_path)
    try:
        kept, _ = arrive(db, 1, "Please call me back about my appointment.")
        plain, _ = arrive(db, 2, "Thanks, all sorted.", sender="sam@patient.example")
    finally:
        db.close()
    with Server(cfg, sock):
        tagged = cx("tag", str(kept), "--add", "callback", "--config", str(cfg))
        assert tagged.returncode == 0, tagged.stderr
        done = cx("status", str(kept), "closed", "--config", str(cfg))
        assert done.returncode == 0, done.stderr
        assert done.stdout == ("changed 1 of 1 matching conversation(s); 0 already so\n"
                               f"  #{kept} is open again: rule 'reopen unanswered'"
                               " reopened it\n")
        assert _status(db_path, kept) == "open"
        # one the rule leaves alone: no such line
        other = cx("status", str(plain), "closed", "--config", str(cfg))
        assert other.stdout == "changed 1 of 1 matching conversation(s); 0 already so\n"
        assert _status(db_path, plain) == "closed"
        # --json says the same for a program
        again = cx("status", f"id:{kept},{plain}", "closed", "--json", "--yes",
                   "--config", str(cfg))
        assert again.returncode == 0, again.stderr
        assert json.loads(again.stdout)["moved_by_rules"] == [
            {"id": kept, "rule": "reopen unanswered", "status": "open"}]


def test_moved_after_my_close_reads_one_feed_batch() -> None:
    from cxinbox.contract.types import Event

    def status(seq: int, actor: str, conv: int, to: str) -> Event:
        return Event(seq=seq, at=0, actor=actor, action="conversation.status",
                     target=f"conversation:{conv}", details={"from": "x", "to": to})

    batch = [status(1, "ann", 3, "closed"), status(2, "rule:reopen", 3, "open"),
             status(3, "ann", 4, "closed"), status(4, "rule:bounce", 4, "open"),
             status(5, "rule:close again", 4, "closed"),
             status(6, "bob", 5, "closed"), status(7, "rule:reopen", 5, "open")]
    # #4 ended closed, #5 was Bob's close: only #3 is said to Ann
    assert moved_after_my_close(batch, "ann") == ["#3 is open again: rule 'reopen' reopened it"]
    assert moved_after_my_close(batch, "bob") == ["#5 is open again: rule 'reopen' reopened it"]


async def test_the_tui_toasts_which_rule_reopened_what_i_closed(tmp_path: Path) -> None:
    inbox = make_inbox(tmp_path, conversations=30)
    rules = load_config_text(RULES).rules
    config = dataclasses.replace(inbox.demo.config, rules=rules, staff=(
        *inbox.demo.config.staff, StaffMember(os_user=ME, name="Front Desk", role="admin")))
    service = InboxService(inbox.db, config, ME, rules=rules_engine(inbox.db, config))
    desk = dataclasses.replace(inbox, service=service, api=InProcessAPI(service))
    app = make_app(desk, config=config)
    async with app.run_test(size=(80, 24)) as pilot:
        seen = Recorder(app)
        await wait_rows(pilot, app)
        app.query_one("ConversationList").focus()
        selected = app.conversation_list.selected
        assert selected is not None
        conv = selected.id
        service.tag(conv, ["callback"])
        await pilot.press("enter")
        await pilot.press("s")
        await wait_for(pilot, lambda: f"Status of #{conv}" in screen_text(app),
                       what="the status choice")
        await pilot.press("c")
        line = f"#{conv} is open again: rule 'reopen unanswered' reopened it"
        await wait_for(pilot, lambda: line in seen.toasts, what="the rule's toast")
        assert service.get_conversation(conv, record_view=False).summary.status == "open"
