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


def test_rule_moves_wait_for_the_feed_to_catch_up() -> None:
    """Pages before the feed is caught up say nothing; the page that catches up judges the
    whole run (a close on one page, the rule's reopen on the next); many moves are one
    line."""
    from cxinbox.contract.types import Event
    from cxinbox.tui.rulemoves import RuleMoves

    def status(seq: int, actor: str, conv: int, to: str) -> Event:
        return Event(seq=seq, at=0, actor=actor, action="conversation.status",
                     target=f"conversation:{conv}", details={"from": "x", "to": to})

    moves = RuleMoves("ann")
    assert moves.read([status(1, "ann", 3, "closed")], more=True) == []
    assert moves.read([status(2, "rule:reopen", 3, "open")], more=False) == [
        "#3 is open again: rule 'reopen' reopened it"]
    assert moves.read([status(3, "rule:reopen", 3, "open")], more=False) == []  # said once
    many = [e for n in range(4, 9) for e in (status(2 * n, "ann", n, "closed"),
                                              status(2 * n + 1, "rule:reopen", n, "open"))]
    assert moves.read(many, more=False) == [
        "5 conversations you closed were moved back by rules (#4, #5, #6 ...)"]


async def test_the_tui_toast_reads_past_a_full_feed_page(tmp_path: Path) -> None:
    """More than 500 changes land at once and the page boundary falls between my close and
    the rule's reopen (they commit together): the toast still names the rule."""
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
        await wait_for(pilot, lambda: app._last_seq is not None, what="change feed followed")
        ids = [s.id for s in app.conversation_list.loaded_summaries()]
        conv, others = ids[0], ids[1:]
        service.tag(conv, ["callback"])
        await wait_for(pilot, lambda: app._last_seq == service.last_event_seq(),
                       what="the feed read up to the tag")
        # From here to the end of the test's turn the app cannot poll (this holds its event
        # loop): 499 changes, then my close and the rule's reopen, all committed at once.
        start = service.last_event_seq()
        for n in range(499):
            other = others[n % len(others)]
            if (n // len(others)) % 2 == 0:
                service.tag(other, ["busy"])
            else:
                service.tag(other, [], ["busy"])
        service.set_status(conv, "closed")
        first, upto = service.feed_since(start, 500)
        assert len(first) == 500 and upto < service.last_event_seq()
        assert (first[-1].action, first[-1].target, first[-1].details.get("to")) == (
            "conversation.status", f"conversation:{conv}", "closed")
        rest, _ = service.feed_since(upto, 500)
        assert any(e.actor == "rule:reopen unanswered" for e in rest)
        line = f"#{conv} is open again: rule 'reopen unanswered' reopened it"
        await wait_for(pilot, lambda: line in seen.toasts, what="the rule's toast")
        assert sum(1 for t in seen.toasts if "open again" in t) == 1
