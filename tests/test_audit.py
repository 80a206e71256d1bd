"""`cxinbox audit`: who may read the trail, its filters and formats, and that reading it leaves
a mark. SQLite on disk; the CSV and role cases run the real CLI in a subprocess."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest
from tests.support.clirun import cx_here
from tests.test_bulk_cli import ME, _db, cx, fill, one_line_error, write_config

from cxinbox.config import load_config
from cxinbox.contract.errors import Forbidden
from cxinbox.service.audit import AuditService
from cxinbox.service.inbox import InboxService
from cxinbox.store.db import append_event, verify_event_chain


@pytest.fixture
def cfg_path(tmp_path: Path) -> Path:
    return write_config(tmp_path, {ME: "admin", "jo": "agent"})


def _seed(cfg_path: Path) -> list[int]:
    """Three desk and two billing conversations with a few staff actions by two people."""
    config = load_config(cfg_path)
    db = _db(cfg_path)
    desk = fill(db, 3)
    fill(db, 2, mailbox="billing")
    jo = InboxService(db, config, "jo")
    jo.tag(desk[0], add=["recall"])
    jo.add_note(desk[1], "=HYPERLINK(\"x\") called, no answer")
    InboxService(db, config, ME).bulk_priority("mailbox:billing", "high")
    db.close()
    return desk


def test_csv_has_header_and_the_right_rows(cfg_path: Path) -> None:
    desk = _seed(cfg_path)
    proc = cx("audit", "--csv", "--config", str(cfg_path))
    assert proc.returncode == 0, proc.stderr
    rows = list(csv.reader(io.StringIO(proc.stdout)))
    assert rows[0] == ["seq", "time", "actor", "action", "target", "details"]
    body = rows[1:]
    assert [r[3] for r in body] == ["conversation.tag", "conversation.note",
                                    "conversation.priority", "conversation.priority"]
    assert [r[0] for r in body] == ["1", "2", "3", "4"]
    assert body[0][2] == "jo" and body[0][4] == f"conversation:{desk[0]}"
    assert json.loads(body[0][5]) == {"add": ["recall"], "remove": []}
    assert json.loads(body[2][5])["to"] == "high"
    assert body[0][1].endswith(("-06:00", "-05:00"))  # clinic time, America/Chicago


def test_filters_and_reading_is_audited(cfg_path: Path) -> None:
    desk = _seed(cfg_path)
    config = load_config(cfg_path)
    db = _db(cfg_path)
    audit = AuditService(InboxService(db, config, ME))
    assert [e.action for e in audit.read("mailbox:billing")] == ["conversation.priority"] * 2
    assert [e.seq for e in audit.read(actor="jo")] == [1, 2]
    assert [e.action for e in audit.read(conversation=desk[1])] == ["conversation.note"]
    assert [e.seq for e in audit.read(limit=2)][-1] > 4  # newest, including earlier reads
    reads = [e for e in audit.read() if e.action == "audit.read"]
    assert reads and reads[0].actor == ME and reads[0].details["query"] == "mailbox:billing"
    assert reads[0].details["count"] == 2
    assert verify_event_chain(db.conn) == (True, None)
    with pytest.raises(Forbidden):
        AuditService(InboxService(db, config, "jo")).read()
    db.close()


def test_agent_may_not_read_the_audit_log(cfg_path: Path, tmp_path: Path) -> None:
    _seed(cfg_path)
    agent_cfg = write_config(tmp_path, {ME: "agent"})
    line = one_line_error(cx("audit", "--config", str(agent_cfg)), 6)
    assert "supervisor" in line


def test_json_human_and_usage_errors(cfg_path: Path) -> None:
    _seed(cfg_path)
    as_json = cx_here("audit", "mailbox:desk", "--json", "--since", "1h", "--config", str(cfg_path))
    assert as_json.returncode == 0, as_json.stderr
    events = json.loads(as_json.stdout)
    assert [e["action"] for e in events] == ["conversation.tag", "conversation.note"]
    assert {"seq", "at", "time", "actor", "action", "target", "details"} <= set(events[0])
    # qa28 F12: a future --since is refused, not "0 event(s)" and exit 0
    future = one_line_error(
        cx_here("audit", "--json", "--since", "tomorrow", "--config", str(cfg_path)), 2)
    assert "'tomorrow' is in the future" in future, future
    human = cx_here("audit", "--actor", "jo", "--config", str(cfg_path))
    assert human.returncode == 0 and "conversation.note" in human.stdout
    # a rule's name is read whole in the actor column (up to 28 characters, then "~")
    db = _db(cfg_path)
    with db.conn:
        append_event(db.conn, "rule:sla breached to team", "conversation.assign", "x")
        append_event(db.conn, "rule:" + "n" * 40, "conversation.assign", "x")
    db.close()
    rules = cx("audit", "--limit", "2", "--config", str(cfg_path)).stdout.splitlines()
    assert any("  rule:sla breached to team  " in line for line in rules), rules
    assert any(f"  rule:{'n' * 22}~  " in line for line in rules), rules
    one_line_error(cx("audit", "--json", "--csv", "--config", str(cfg_path)), 2)
    one_line_error(cx_here("audit", "--since", "last blue moon", "--config", str(cfg_path)), 2)
    one_line_error(cx_here("audit", "stauts:open", "--config", str(cfg_path)), 4)


def test_since_takes_seconds_as_every_duration_does(cfg_path: Path) -> None:
    """qa27 F7: `audit --since 40s` was refused while `30m` went; an amount in seconds is
    read by the one grammar of a duration, here as in a snooze or a query's age."""
    _seed(cfg_path)
    recent = cx_here("audit", "--json", "--since", "40s", "--config", str(cfg_path))
    assert recent.returncode == 0, recent.stderr
    assert [e["action"] for e in json.loads(recent.stdout)][:2] == [
        "conversation.tag", "conversation.note"]
    one_line_error(cx_here("audit", "--since", "40x", "--config", str(cfg_path)), 2)


def test_a_page_that_is_not_the_whole_trail_says_so(cfg_path: Path) -> None:
    """qa28 F12: `audit` showed the newest 200 events with no word that more matched."""
    _seed(cfg_path)
    cut = cx_here("audit", "--limit", "2", "--config", str(cfg_path))
    assert cut.returncode == 0, cut.stderr
    assert len(cut.stdout.splitlines()) == 2, cut.stdout
    assert "the newest 2 events are shown and more match; use --limit N" in cut.stderr, \
        cut.stderr
    every = cx_here("audit", "--json", "--config", str(cfg_path))
    newest = [e["seq"] for e in json.loads(every.stdout)]
    paged = cx_here("audit", "--json", "--limit", "2", "--config", str(cfg_path))
    # the two newest of the trail as it was before this read (each read adds one event)
    assert [e["seq"] for e in json.loads(paged.stdout)] == newest[-1:] + [newest[-1] + 1]
    whole = cx_here("audit", "--limit", "1000", "--config", str(cfg_path))
    assert whole.returncode == 0 and "more match" not in whole.stderr, whole.stderr
