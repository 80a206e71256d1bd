"""Bulk staff actions (tag, assign, status, priority) and `note`, in the service and the CLI.

Everything runs against SQLite on disk. Service tests call InboxService directly; a few
end-to-end tests run the real `cxinbox` in a subprocess (stdin is not a terminal there, as
under cron), the rest use typer's CliRunner.
"""

from __future__ import annotations

import hashlib
import json
import os
import pwd
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from tests.audithelp import trail
from tests.support.clirun import cx_here
from typer.testing import CliRunner

from cxinbox import cli_app as cli
from cxinbox.config import Config, load_config
from cxinbox.contract.errors import BadRequest, Forbidden, NotFound
from cxinbox.domain.models import Address, ParsedMessage
from cxinbox.service.inbox import BULK_LIMIT, InboxService, role_of
from cxinbox.store import ingest
from cxinbox.store.db import Database, verify_event_chain

ME = pwd.getpwuid(os.getuid()).pw_name


def fill(db: Database, count: int, mailbox: str = "desk", start: int = 1,
         at: datetime | None = None) -> list[int]:
    """`count` one-message conversations on `mailbox`, stored through ingest (no IMAP),
    written at `at` (default: a day ago)."""
    base = datetime.now(UTC) - timedelta(days=1) if at is None else at
    own = f"{mailbox}@clinic.example"
    ids: set[int] = set()
    for first in range(start, start + count, 1000):
        batch = []
        for uid in range(first, min(start + count, first + 1000)):
            parsed = ParsedMessage(
                message_id=f"m{uid}.{mailbox}@patient.example", in_reply_to=None, references=[],
                subject=f"Question {uid} about my visit",
                from_addr=Address("", f"p{uid}.{mailbox}@patient.example"),
                to=[Address("", own)], cc=[], reply_to=[], date=base, body_text="hello")
            raw = f"message {uid} on {mailbox}".encode()
            batch.append(ingest.FetchedMessage(uid, "", None, None, raw,
                                               hashlib.sha256(raw).digest(), parsed))
        with db.write() as conn:
            state = ingest.folder_state(conn, mailbox, "INBOX")
            ids |= ingest.ingest_batch(conn, state, batch, own_addresses=frozenset({own}),
                                       watermark=batch[-1].uid, now=int(time.time()),
                                       index_text=False)
    return sorted(ids)


def write_config(tmp_path: Path, staff: dict[str, str] | None = None,
                 timezone: str = "America/Chicago") -> Path:
    """A config file; `staff` maps OS login -> role (None = no roster, single-user).

    Its socket is inside `tmp_path` (where no server listens, so commands work in-process):
    never the default one, where a server of the person running the tests may answer."""
    lines = ["[clinic]", f'timezone = "{timezone}"', "", "[store]",
             f'path = "{tmp_path / "data" / "cxinbox.db"}"', "", "[server]",
             f'socket = "{tmp_path / "data" / "serve.sock"}"', ""]
    for user, role in (staff or {}).items():
        lines += ["[[staff]]", f'os_user = "{user}"', f'name = "{user.title()}"',
                  f'role = "{role}"', ""]
    path = tmp_path / "config.toml"
    path.write_text("\n".join(lines))
    return path


def event_count(db: Database) -> int:
    return int(db.conn.execute("SELECT count(*) FROM events").fetchone()[0])


def states(db: Database) -> list[tuple[object, ...]]:
    return [tuple(r) for r in db.conn.execute(
        "SELECT c.id, c.status, c.snoozed_until, c.assignee, c.priority,"
        " (SELECT group_concat(tag) FROM (SELECT tag FROM conversation_tags t"
        "  WHERE t.conversation_id = c.id ORDER BY tag)) FROM conversations c ORDER BY c.id")]


@pytest.fixture
def cfg_path(tmp_path: Path) -> Path:
    return write_config(tmp_path, {ME: "supervisor", "jo": "agent", "sam": "agent"})


@pytest.fixture
def service(cfg_path: Path) -> Iterator[InboxService]:
    config = load_config(cfg_path)
    db = Database(config.db_path)
    yield InboxService(db, config, ME)
    db.close()


def _with_actor(service: InboxService, actor: str) -> InboxService:
    return InboxService(service.store, service.config, actor)


# -- service ----------------------------------------------------------------------------------


def test_bulk_tag_changes_exactly_the_matches_with_one_event_each(service: InboxService) -> None:
    desk = fill(service.store, 30)
    billing = fill(service.store, 10, mailbox="billing")
    service.tag(desk[0], add=["lab-results"])
    before = event_count(service.store)
    result = service.bulk_tag("mailbox:desk", add=["Lab-Results", "fasting"])
    assert result.matched == 30
    assert result.changed_ids == desk  # desk[0] still lacked "fasting"
    assert result.unchanged == ()
    assert event_count(service.store) == before + 30
    tags = {r[0]: r[5] for r in states(service.store)}
    assert all(tags[i] == "fasting,lab-results" for i in desk)
    assert all(tags[i] is None for i in billing)
    again = service.bulk_tag("mailbox:desk", add=["fasting"], remove=["nothing-here"])
    assert again.changed == () and list(again.unchanged) == desk
    assert event_count(service.store) == before + 30
    last = trail(service.store, before + 29)[0]
    assert last.action == "conversation.tag" and last.actor == ME
    assert last.target == f"conversation:{desk[-1]}"
    assert last.details["from"] == [] and last.details["to"] == ["fasting", "lab-results"]
    removed = service.bulk_tag("tag:fasting", remove=["fasting"])
    assert removed.changed_ids == desk
    assert removed.changed[0].after == ["lab-results"]


def test_dry_run_changes_nothing_and_is_audited_once(service: InboxService) -> None:
    ids = fill(service.store, 12)
    before_events, before_state = event_count(service.store), states(service.store)
    seq = service.last_event_seq()
    until = int(time.time()) + 3600
    results = [
        service.bulk_tag("", add=["x"], dry_run=True),
        service.bulk_assign("", "jo", dry_run=True),
        service.bulk_status("", "snoozed", until, dry_run=True),
        service.bulk_priority("", "urgent", dry_run=True),
    ]
    assert all(r.dry_run and r.changed_ids == ids for r in results)
    assert states(service.store) == before_state
    # The subjects of every match went back to the caller: one audit row per preview.
    assert event_count(service.store) == before_events + 4
    previews = trail(service.store, seq)
    assert [(e.actor, e.action, e.details["action"]) for e in previews] == [
        (ME, "bulk.preview", a) for a in ("tag", "assign", "status", "priority")]
    assert all(e.details["shown"] == ids and e.details["count"] == 12 for e in previews)


def test_bulk_assign_status_priority(service: InboxService) -> None:
    ids = fill(service.store, 8)
    service.assign(ids[0], "jo")
    result = service.bulk_assign("", "jo")
    assert result.changed_ids == ids[1:] and result.unchanged == (ids[0],)
    assert {r[3] for r in states(service.store)} == {"jo"}
    assert service.bulk_assign("", None).changed_ids == ids
    until = int(time.time()) + 7200
    snoozed = service.bulk_status(f"id:{ids[0]},{ids[1]}", "snoozed", until)
    assert snoozed.changed_ids == ids[:2]
    rows = {r[0]: r for r in states(service.store)}
    assert rows[ids[0]][1:3] == ("snoozed", until) and rows[ids[2]][1:3] == ("open", None)
    paused = service.store.conn.execute(
        "SELECT sla_paused_since FROM conversations WHERE id = ?", (ids[0],)).fetchone()[0]
    assert paused is not None
    reopened = service.bulk_status("status:snoozed", "open")
    assert reopened.changed_ids == ids[:2]
    assert service.bulk_priority("", "high").changed_ids == ids
    events = service.events_since(0, 1000)
    assert [e.action for e in events].count("conversation.priority") == len(ids)
    assert verify_event_chain(service.store.conn) == (True, None)


def test_validation(service: InboxService) -> None:
    fill(service.store, 2)
    with pytest.raises(BadRequest, match="unknown user 'nobody'; known users"):
        service.bulk_assign("", "nobody")
    with pytest.raises(BadRequest, match="status must be"):
        service.bulk_status("", "done")
    with pytest.raises(BadRequest, match="--until"):
        service.bulk_status("", "snoozed")
    with pytest.raises(BadRequest, match="future"):
        service.bulk_status("", "snoozed", int(time.time()) - 10)
    with pytest.raises(BadRequest, match="priority must be"):
        service.bulk_priority("", "asap")
    with pytest.raises(BadRequest, match="nothing to do"):
        service.bulk_tag("", add=[" "])


def test_roles_follow_the_roster(tmp_path: Path) -> None:
    single = load_config(write_config(tmp_path, None))
    assert role_of(single, "anyone") == "admin"
    team = load_config(write_config(tmp_path, {"ana": "admin", "jo": "agent"}))
    assert role_of(team, "ana") == "admin"
    assert role_of(team, "jo") == "agent"
    assert role_of(team, "stranger") == "agent"


def test_agent_over_the_limit_is_refused_and_nothing_changes(service: InboxService) -> None:
    fill(service.store, BULK_LIMIT + 1)
    before = states(service.store)
    agent = _with_actor(service, "jo")
    with pytest.raises(Forbidden, match="supervisor"):
        agent.bulk_tag("", add=["x"])
    assert states(service.store) == before
    denied = trail(service.store)[-1]
    assert denied.action == "access.denied" and denied.actor == "jo"
    assert len(agent.bulk_tag("id:1,2,3", add=["x"]).changed) == 3
    assert service.bulk_tag("", add=["x"]).matched == BULK_LIMIT + 1  # supervisor


def test_bulk_is_one_transaction(service: InboxService, monkeypatch: pytest.MonkeyPatch) -> None:
    fill(service.store, 20)
    before_events, before_state = event_count(service.store), states(service.store)

    def broken(*args: object, **kwargs: object) -> list[int]:
        raise sqlite3.OperationalError("disk I/O error")

    monkeypatch.setattr("cxinbox.store.sqlite_tx.SqliteTx.append_events", broken)
    with pytest.raises(sqlite3.OperationalError):
        service.bulk_tag("", add=["x"])
    assert states(service.store) == before_state and event_count(service.store) == before_events


def test_chain_verifies_after_a_bulk_op_of_2000(service: InboxService) -> None:
    ids = fill(service.store, 2000)
    service.tag(ids[0], add=["first"])  # a chain that already has a head
    result = service.bulk_tag("", add=["reviewed"])
    assert len(result.changed) == 2000
    assert service.bulk_assign("", "sam").matched == 2000
    assert verify_event_chain(service.store.conn) == (True, None)
    assert event_count(service.store) == 4001


# -- CLI ----------------------------------------------------------------------------------------


def cx(*args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != "CXINBOX_CONFIG"}
    return subprocess.run([sys.executable, "-m", "cxinbox", *args], check=False,
                          capture_output=True,
                          text=True, timeout=120, env=env, input=stdin,
                          stdin=None if stdin is not None else subprocess.DEVNULL)


def one_line_error(proc: subprocess.CompletedProcess[str], code: int) -> str:
    assert proc.returncode == code, (proc.returncode, proc.stdout, proc.stderr)
    lines = [line for line in proc.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("cxinbox: "), proc.stderr
    assert "Traceback" not in proc.stderr
    return lines[0]


def _db(config_path: Path) -> Database:
    config: Config = load_config(config_path)
    return Database(config.db_path)


def test_cli_end_to_end_tag_dry_run_then_yes(cfg_path: Path) -> None:
    db = _db(cfg_path)
    ids = fill(db, 30)
    fill(db, 3, mailbox="billing")
    before = event_count(db)
    dry = cx("tag", "mailbox:desk", "--add", "recall", "--dry-run", "--config", str(cfg_path))
    assert dry.returncode == 0, dry.stderr
    assert "would change 30 of 30" in dry.stdout and f"#{ids[0]}" in dry.stdout
    assert [e.action for e in trail(db, before)] == ["bulk.preview"]  # changes nothing
    refused = cx("tag", "mailbox:desk", "--add", "recall", "--config", str(cfg_path))
    assert "--yes" in one_line_error(refused, 2)
    assert [e.action for e in trail(db, before)] == ["bulk.preview"] * 2
    before = event_count(db)
    done = cx_here("tag", "mailbox:desk", "--add", "recall", "--remove", "new", "--yes",
                   "--json", "--config", str(cfg_path))
    assert done.returncode == 0, done.stderr
    out = json.loads(done.stdout)
    assert out["matched"] == 30 and [c["id"] for c in out["changed"]] == ids
    assert out["changed"][0]["to"] == ["recall"]
    assert event_count(db) == before + 30
    small = cx_here("priority", "mailbox:billing", "urgent", "--config", str(cfg_path))
    assert small.returncode == 0 and "changed 3 of 3" in small.stdout
    db.close()


def test_cli_errors_are_one_line_with_exit_codes(cfg_path: Path, tmp_path: Path) -> None:
    db = _db(cfg_path)
    fill(db, 3)
    line = one_line_error(cx("tag", "stauts:open", "--add", "x", "--config", str(cfg_path)), 4)
    assert "status" in line
    line = one_line_error(cx_here("assign", "", "--to", "nobody", "--config", str(cfg_path)), 2)
    assert "unknown user 'nobody'" in line and "jo" in line
    one_line_error(cx_here("assign", "", "--config", str(cfg_path)), 2)
    one_line_error(cx_here("status", "", "snoozed", "--until", "someday", "--config",
                           str(cfg_path)), 2)
    one_line_error(cx_here("note", "999", "hi", "--config", str(cfg_path)), 3)
    agent_cfg = write_config(tmp_path, {ME: "agent"})
    fill(db, BULK_LIMIT, start=100)
    line = one_line_error(cx("tag", "", "--add", "x", "--yes", "--config", str(agent_cfg)), 6)
    assert "supervisor" in line
    db.close()


def test_cli_note_reads_stdin(cfg_path: Path) -> None:
    db = _db(cfg_path)
    (conv,) = fill(db, 1)
    proc = cx_here("note", f"#{conv}", "-", "--json", "--config", str(cfg_path),
                   stdin="Called back,\nleft a voicemail.\n")
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)["conversation"] == conv
    body = db.conn.execute("SELECT body FROM notes").fetchone()[0]
    assert body == "Called back,\nleft a voicemail.\n"
    db.close()


runner = CliRunner()


def test_cli_assign_me_and_snooze_until(cfg_path: Path) -> None:
    db = _db(cfg_path)
    ids = fill(db, 4)
    result = runner.invoke(cli.app, ["assign", "", "--to", "me", "--config", str(cfg_path)])
    assert result.exit_code == 0, result.output
    assert {r[3] for r in states(db)} == {ME}
    result = runner.invoke(cli.app, ["status", f"id:{ids[0]}", "snoozed", "--until",
                                     "tomorrow 9:00", "--json", "--config", str(cfg_path)])
    assert result.exit_code == 0, result.output
    until = db.conn.execute("SELECT snoozed_until FROM conversations WHERE id = ?",
                            (ids[0],)).fetchone()[0]
    from zoneinfo import ZoneInfo

    local = datetime.fromtimestamp(until, ZoneInfo("America/Chicago"))
    assert (local.hour, local.minute) == (9, 0)
    # qa28 F12: `show` says when a snoozed conversation comes back, in clinic time
    shown = runner.invoke(cli.app, ["show", str(ids[0]), "--config", str(cfg_path)])
    assert shown.exit_code == 0, shown.output
    assert f"status snoozed until {local:%Y-%m-%d} 09:00 · " in shown.output, shown.output
    db.close()


def test_cli_confirms_on_a_terminal(cfg_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    db = _db(cfg_path)
    fill(db, 30)
    monkeypatch.setattr(cli, "_stdin_is_tty", lambda: True)
    before = event_count(db)
    declined = runner.invoke(cli.app, ["priority", "", "low", "--config", str(cfg_path)],
                             input="n\n")
    assert declined.exit_code == 1
    assert [e.action for e in trail(db, before)] == ["bulk.preview"]  # shown, not changed
    accepted = runner.invoke(cli.app, ["priority", "", "low", "--config", str(cfg_path)],
                             input="y\n")
    assert accepted.exit_code == 0, accepted.output
    assert event_count(db) == before + 2 + 30  # two previews, then one event per change
    db.close()


def test_list_json_is_recorded_by_the_server_not_the_client(cfg_path: Path) -> None:
    db = _db(cfg_path)
    ids = fill(db, 3)
    before = event_count(db)
    result = runner.invoke(cli.app, ["list", "mailbox:desk", "--json", "--config", str(cfg_path)])
    assert result.exit_code == 0, result.output
    (event,) = trail(db, before)
    assert (event.actor, event.action) == (ME, "conversation.list")
    assert event.details == {"query": "mailbox:desk", "offset": 0, "limit": 50, "count": 3,
                             "shown": sorted(ids, reverse=True)}
    db.close()


def test_cli_merge_undo_and_split(cfg_path: Path) -> None:
    db = _db(cfg_path)
    a, b = fill(db, 2)
    base = ["--config", str(cfg_path)]
    merged = runner.invoke(cli.app, ["merge", str(a), f"#{b}", *base])
    assert merged.exit_code == 0, merged.output
    assert f"cxinbox merge --undo {a} {b}" in merged.output
    assert db.conn.execute("SELECT merged_into FROM conversations WHERE id = ?",
                           (b,)).fetchone()[0] == a
    again = runner.invoke(cli.app, ["merge", str(a), str(b), *base])
    # ApiErrors reach cli.main(), which prints one line and exits with their code.
    assert isinstance(again.exception, NotFound) and again.exception.exit_code == 3
    assert "merged into" in str(again.exception)
    undone = runner.invoke(cli.app, ["merge", "--undo", str(a), str(b), "--json", *base])
    assert undone.exit_code == 0, undone.output
    assert json.loads(undone.stdout) == {"into": a, "other": b, "undone": True}
    assert db.conn.execute("SELECT merged_into, message_count FROM conversations WHERE id = ?",
                           (b,)).fetchone()[:] == (None, 1)
    bad = runner.invoke(cli.app, ["split", "abc", *base])
    assert bad.exit_code == 2 and "not a message id" in bad.output
    lone = runner.invoke(cli.app, ["split", "1", *base])
    assert isinstance(lone.exception, BadRequest)
    assert "nothing would be left" in str(lone.exception)
    db.close()


def test_cli_contact_show_link_merge_unlink(cfg_path: Path) -> None:
    db = _db(cfg_path)
    a, b = fill(db, 2)
    base = ["--config", str(cfg_path)]

    def run(*args: str) -> Any:
        return runner.invoke(cli.app, ["contact", *args, *base])

    shown = run("show", f"#{a}", "--json")
    assert shown.exit_code == 0, shown.output
    first = json.loads(shown.stdout)
    assert first["emails"] == ["p1.desk@patient.example"]
    by_address = json.loads(run("show", "P1.Desk@patient.example", "--json").stdout)
    assert by_address["id"] == first["id"]
    linked = run("link", str(first["id"]), "+1 (555) 010-4455")
    assert linked.exit_code == 0 and "linked +15550104455" in linked.output
    assert json.loads(run("show", "+15550104455", "--json").stdout)["id"] == first["id"]
    second = json.loads(run("show", f"#{b}", "--json").stdout)
    merged = run("merge", str(first["id"]), str(second["id"]))
    assert merged.exit_code == 0, merged.output
    human = run("show", str(first["id"]))
    assert "p2.desk@patient.example" in human.output and f"#{b}" in human.output
    unlinked = run("unlink", str(first["id"]), "+15550104455")
    assert unlinked.exit_code == 0 and "it is now contact" in unlinked.output
    assert run("show", "zero").exit_code != 0
    assert run("link", "abc", "x@y.example").exit_code == 2
    missing = run("show", "nobody@nowhere.example")
    assert isinstance(missing.exception, NotFound)
    db.close()


def test_cli_contact_numbers_in_national_form_use_the_clinic_country(cfg_path: Path) -> None:
    text = cfg_path.read_text().replace("[clinic]\n", '[clinic]\ncountry_code = "1"\n', 1)
    cfg_path.write_text(text)
    db = _db(cfg_path)
    (a,) = fill(db, 1)
    base = ["--config", str(cfg_path)]

    def run(*args: str) -> Any:
        return runner.invoke(cli.app, ["contact", *args, *base])

    contact = json.loads(run("show", f"#{a}", "--json").stdout)["id"]
    linked = run("link", str(contact), "(555) 350-4006")
    assert linked.exit_code == 0 and "linked +15553504006" in linked.output
    for typed in ("555-350-4006", "555 350 4006", "5553504006", "1-555-350-4006"):
        shown = run("show", typed, "--json")
        assert shown.exit_code == 0, (typed, shown.output)
        assert json.loads(shown.stdout)["phones"] == ["+15553504006"]
    bad = run("link", str(contact), "555-350")
    assert isinstance(bad.exception, BadRequest) and "10 digits" in str(bad.exception)
    db.close()
