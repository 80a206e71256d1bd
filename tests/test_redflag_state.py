"""One answer to "is this conversation red-flagged?" on a real SQLite store: the summary
the TUI and CLI read, the query language, the canned-reply block and the acknowledgement
agree on every path (a person's tag, the detector, `flag clear`, a new message after a
clear), and an upgrade keeps the flags the server already honoured."""

from __future__ import annotations

import hashlib
import json
import sqlite3
import time
from datetime import UTC, datetime
from pathlib import Path

import pytest
from tests.test_rules import automation

from cxinbox.config import Config, load_config_text
from cxinbox.contract.errors import CannedRefused, Forbidden
from cxinbox.domain.mime import parse_message
from cxinbox.service import redflags
from cxinbox.service.acknowledge import Acknowledger, AckRefused
from cxinbox.service.inbox import InboxService
from cxinbox.service.replies import ReplyService
from cxinbox.store.db import Database
from cxinbox.store.ingest import FetchedMessage, folder_state, ingest_batch
from cxinbox.store.schema import MIGRATIONS
from cxinbox.store.sqlite_tx import SqliteTx

OWN = frozenset({"desk@clinic.example"})
CONFIG: Config = load_config_text(
    '[[staff]]\nos_user = "drlee"\nname = "Dr Lee"\nclinical = true\n'
    '[[staff]]\nos_user = "ann"\nname = "Ann"\n'
    '[[compose.canned]]\nname = "thanks"\nbody = "Thank you {patient_name}."\n'
    + automation(""))


def _raw(n: int, body: str, *, sender: str, reply_to: int | None = None) -> bytes:
    thread = (f"In-Reply-To: <m{reply_to}@patient.example>\r\n"
              f"References: <m{reply_to}@patient.example>\r\n") if reply_to else ""
    return (f"From: Pat <{sender}>\r\nTo: desk@clinic.example\r\nSubject: Question\r\n"
            f"Message-ID: <m{n}@patient.example>\r\n{thread}\r\n{body}\r\n").encode()


def arrive(db: Database, uid: int, body: str, *, sender: str = "pat@patient.example",
           reply_to: int | None = None) -> tuple[int, list[redflags.Raised]]:
    """One patient email stored and assessed in one transaction, as mail sync does."""
    now = int(time.time())
    raw = _raw(uid, body, sender=sender, reply_to=reply_to)
    with db.write() as conn:
        state = folder_state(conn, "desk", "INBOX")
        fetched = FetchedMessage(uid, "", None, now, raw, hashlib.sha256(raw).digest(),
                                 parse_message(raw))
        touched = ingest_batch(conn, state, [fetched], own_addresses=OWN, watermark=uid,
                               now=now)
        raised = redflags.triage_arrivals(SqliteTx(conn), CONFIG, now)
    return next(iter(touched)), raised


@pytest.fixture
def db(any_store: Database) -> Database:
    """Runs on SQLite and on PostgreSQL (conftest.any_store)."""
    return any_store


def answers(db: Database, conv: int) -> dict[str, object]:
    """Every reader's answer for `conv`."""
    desk = InboxService(db, CONFIG, "ann")
    summary = desk.get_conversation(conv, record_view=False).summary
    listed = {q: conv in {c.id for c in desk.list_conversations(q).items}
              for q in ("is:red-flag", "red-flag:any", "-red-flag:none")}
    try:
        ReplyService(desk).render_canned("thanks", conv, {})
        canned = "allowed"
    except CannedRefused:
        canned = "refused"
    with db.reading() as tx:
        record = tx.conversation(conv)
        assert record is not None
        predicate = redflags.red_flag_open(tx, conv)
        try:
            Acknowledger(CONFIG).plan(tx, record, datetime.now(UTC))
            ack = "planned"
        except AckRefused as why:
            ack = str(why)
    return {"summary": summary.red_flag_open, "predicate": predicate, **listed,
            "canned": canned, "ack": ack, "category": summary.red_flag}


def flagged(category: str | None = None) -> dict[str, object]:
    return {"summary": True, "predicate": True, "is:red-flag": True, "red-flag:any": True,
            "-red-flag:none": True, "canned": "refused", "ack": "red flag",
            "category": category}


def not_flagged(ack: str = "planned") -> dict[str, object]:
    return {"summary": False, "predicate": False, "is:red-flag": False,
            "red-flag:any": False, "-red-flag:none": False, "canned": "allowed", "ack": ack,
            "category": None}


def test_a_hand_tag_flags_until_a_clinician_clears_it(db: Database) -> None:
    conv, raised = arrive(db, 1, "Can I move my appointment to Friday?")
    assert raised == [] and answers(db, conv) == not_flagged()
    ann, drlee = InboxService(db, CONFIG, "ann"), InboxService(db, CONFIG, "drlee")
    assert ann.get_conversation(conv, record_view=False).summary.priority == "normal"
    ann.tag(conv, ["red-flag"])
    assert answers(db, conv) == flagged()
    # the raise by hand makes it urgent as the detector's does, by `triage`, audited
    assert ann.get_conversation(conv, record_view=False).summary.priority == "urgent"
    assert [(r[0], json.loads(r[1])) for r in db.conn.execute(
        "SELECT actor, details FROM events WHERE action = 'conversation.priority'")] == [
        ("triage", {"from": "normal", "to": "urgent"})]
    # untagging is not clearing: a receptionist may not take the tag off an open flag, and
    # one who may (a clinician) does not lift the block by removing the tag either
    with pytest.raises(Forbidden, match="has an open red flag"):
        ann.tag(conv, [], ["red-flag"])
    assert answers(db, conv) == flagged()
    assert "red-flag" in ann.get_conversation(conv, record_view=False).summary.tags
    drlee.tag(conv, [], ["red-flag"])
    assert answers(db, conv) == flagged()
    drlee.tag(conv, ["red-flag"])  # (the tag back, the flag still the same one)
    with pytest.raises(Exception, match=r"only a clinician \(Dr Lee\), a supervisor or an admin"):
        ann.clear_red_flag(conv, "fine")
    drlee.clear_red_flag(conv, "called the patient")
    assert answers(db, conv) == not_flagged()
    # tagged again by hand after the clear: flagged again
    ann.tag(conv, ["red-flag"])
    assert answers(db, conv) == flagged()
    drlee.clear_red_flag(conv, "called again")
    assert answers(db, conv) == not_flagged()
    assert "red-flag" in ann.get_conversation(conv, record_view=False).summary.tags
    # the tag still there after the clear, added again in bulk: flagged again, one event
    result = ann.bulk_tag(f"id:{conv}", ["red-flag"])
    assert [c.id for c in result.changed] == [conv]
    assert answers(db, conv) == flagged()
    # each raise by hand is a redflag.raised of its own (the clinicians on shift hear it;
    # the person who tagged it already knows), with no category; a tag on a flag already
    # open (drlee's above) raises nothing
    assert [(r[0], json.loads(r[1])) for r in db.conn.execute(
        "SELECT actor, details FROM events WHERE action = 'redflag.raised' ORDER BY seq")] == [
        ("ann", {"conversation": conv, "category": "", "raised_by": "tag"})] * 3
    cleared = db.conn.execute("SELECT count(*) FROM events WHERE action = 'redflag.cleared'")
    assert cleared.fetchone()[0] == 2


def test_an_agents_bulk_untag_and_priority_skip_the_open_flags_alone(db: Database) -> None:
    """Over one flagged and one cleared conversation, an agent's bulk tag removal and bulk
    lowering of priority change the cleared one and skip the flagged one (named in the
    result and in the audited refusal); a dry run says the same and changes nothing; over
    the flagged one alone it is refused outright."""
    open_one, _ = arrive(db, 21, "I have crushing chest pain since last night.")
    cleared, _ = arrive(db, 22, "I have crushing chest pain since last night.",
                        sender="sam@patient.example")
    ann, drlee = InboxService(db, CONFIG, "ann"), InboxService(db, CONFIG, "drlee")
    drlee.clear_red_flag(cleared, "seen in clinic")
    both = f"id:{open_one},{cleared}"
    for dry_run in (True, False):
        result = ann.bulk_tag(both, remove=["red-flag", "red-flag:chest-pain"],
                              dry_run=dry_run)
        assert ([c.id for c in result.changed], result.skipped) == ([cleared], (open_one,))
        result = ann.bulk_priority(both, "low", dry_run=dry_run)
        assert ([c.id for c in result.changed], result.skipped) == ([cleared], (open_one,))
        assert result.matched == 2 and result.to_dict()["skipped"] == [open_one]
    with pytest.raises(Forbidden, match=f"#{open_one} has an open red flag"):
        ann.bulk_priority(f"id:{open_one}", "normal")
    tags = ann.get_conversation(open_one, record_view=False).summary.tags
    assert {"red-flag", "red-flag:chest-pain"} <= set(tags)
    assert ann.get_conversation(open_one, record_view=False).summary.priority == "urgent"
    assert ann.get_conversation(cleared, record_view=False).summary.priority == "low"
    assert answers(db, open_one) == flagged("chest_pain")
    drlee.bulk_priority(both, "normal")  # a clinician may
    assert ann.get_conversation(open_one, record_view=False).summary.priority == "normal"


def test_the_detector_flags_clears_and_flags_again_on_a_new_message(db: Database) -> None:
    conv, raised = arrive(db, 1, "I have crushing chest pain since last night.")
    assert [r.category for r in raised] == ["chest_pain"]
    assert answers(db, conv) == flagged("chest_pain")
    InboxService(db, CONFIG, "drlee").clear_red_flag(conv, "sent to the ER")
    # cleared: no reader blocks (the acknowledgement still reads the message itself)
    assert answers(db, conv) == not_flagged(ack="red flag in message")
    tags = set(InboxService(db, CONFIG, "ann").get_conversation(conv).summary.tags)
    assert {"red-flag", "red-flag:chest-pain"} <= tags  # kept for the reports
    # a calm reply keeps it cleared; a NEW red flag raises it again, with an alert
    assert arrive(db, 2, "Thanks, feeling better, see you Friday.", reply_to=1) == (conv, [])
    assert answers(db, conv)["summary"] is False
    again_conv, again = arrive(db, 3, "The crushing chest pain came back.", reply_to=2)
    assert again_conv == conv and [r.category for r in again] == ["chest_pain"]
    assert answers(db, conv) == flagged("chest_pain")


def test_a_detector_hit_on_a_hand_flagged_conversation_alerts_with_its_category(
        db: Database) -> None:
    conv, _ = arrive(db, 1, "Please call me about my results.")
    InboxService(db, CONFIG, "ann").tag(conv, ["red-flag"])
    _, raised = arrive(db, 2, "Now I can't breathe and my lips are blue.", reply_to=1)
    assert [(r.conversation_id, r.category) for r in raised] == [(conv, "breathing")]
    assert answers(db, conv) == flagged("breathing")
    InboxService(db, CONFIG, "drlee").clear_red_flag(conv, "ambulance called")
    assert answers(db, conv)["summary"] is False


def test_the_upgrade_keeps_the_flags_the_server_honoured(tmp_path: Path) -> None:
    """Before migration 20 a hand tag with no flag ever raised or cleared blocked replies;
    after it, the same conversations are flagged, and a cleared one stays cleared."""
    path = tmp_path / "old.db"
    old = sqlite3.connect(path)
    old.executescript("\n".join(MIGRATIONS[:18]) + "\nPRAGMA user_version=18;")
    old.executescript("""
INSERT INTO conversations (id, subject, channel, mailbox, status, priority, created_at,
    last_message_at) VALUES (1, 'a', 'email', 'desk', 'open', 'normal', 0, 0),
    (2, 'b', 'email', 'desk', 'open', 'normal', 0, 0),
    (3, 'c', 'email', 'desk', 'open', 'normal', 0, 0);
INSERT INTO conversation_tags (conversation_id, tag) VALUES (1, 'red-flag'), (2, 'red-flag');
UPDATE conversations SET red_flag_at = 5 WHERE id = 2;
""")
    old.close()
    db = Database(path)
    try:
        with db.reading() as tx:
            assert [redflags.red_flag_open(tx, c) for c in (1, 2, 3)] == [True, False, False]
        ids = {c.id for c in InboxService(db, CONFIG, "ann").list_conversations(
            "is:red-flag").items}
        assert ids == {1}
    finally:
        db.close()


def test_the_cli_shows_the_same_answer(tmp_path: Path) -> None:
    """`cxinbox show` and `list --json` carry the server's answer; `flag clear` ends it."""
    import getpass
    import json
    import subprocess
    import sys

    me = getpass.getuser()
    cfg = tmp_path / "c.toml"
    cfg.write_text(f'[store]\npath = "{tmp_path / "data" / "c.db"}"\n'
                   f'[[staff]]\nos_user = "{me}"\nname = "Dr Me"\nclinical = true\n')
    (tmp_path / "data").mkdir(mode=0o700)
    db = Database(tmp_path / "data" / "c.db")
    try:
        chest, _ = arrive(db, 1, "I have crushing chest pain since last night.")
        hand, _ = arrive(db, 2, "Please call me back.", sender="sam@patient.example")
        InboxService(db, CONFIG, "ann").tag(hand, ["red-flag"])
    finally:
        db.close()

    def cx(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-m", "cxinbox", *args, "--config", str(cfg)],
                              capture_output=True, text=True, timeout=120,
                              stdin=subprocess.DEVNULL, check=False)

    shown = cx("show", str(chest))
    assert "RED FLAG open (chest pain)" in shown.stdout, shown.stderr
    assert "RED FLAG open (tagged by staff)" in cx("show", str(hand)).stdout
    listed = json.loads(cx("list", "is:red-flag", "--json").stdout)
    assert sorted((c["id"], c["red_flag_open"]) for c in listed["conversations"]) == [
        (chest, True), (hand, True)]
    cleared = cx("flag", "clear", str(hand), "--reason", "called back, fine")
    assert cleared.returncode == 0, cleared.stderr
    assert "RED FLAG" not in cx("show", str(hand)).stdout
    assert [c["id"] for c in json.loads(cx("list", "is:red-flag", "--json").stdout)["conversations"]] \
        == [chest]


def test_who_may_clear_is_asked_of_the_config_alone() -> None:
    """The server's refusal and the TUI's `F` both ask `Config.may_clear_red_flag`; no
    wrapper of the rule is left beside it to drift from it."""
    from cxinbox.tui import redflag as tui_redflag

    assert not hasattr(redflags, "may_clear") and not hasattr(tui_redflag, "may_clear")
    assert CONFIG.may_clear_red_flag("drlee") and not CONFIG.may_clear_red_flag("ann")
    assert CONFIG.may_clear_red_flag("ann", "supervisor")


def test_a_merge_cannot_put_an_open_flag_away(db: Database) -> None:
    """An agent may not lower a flagged conversation's priority or pend it; merging it into
    a low, pending conversation must not do that in two steps: the conversation the flag
    lands on becomes open and urgent, by `triage`, audited."""
    flagged, raised = arrive(db, 1, "Crushing chest pain since an hour, going down my left arm",
                             sender="pat@patient.example")
    assert raised and answers(db, flagged)["is:red-flag"] is True
    other, _ = arrive(db, 2, "Can I move my appointment to Friday?",
                      sender="pat2@patient.example")
    ann = InboxService(db, CONFIG, "ann")
    with pytest.raises(Forbidden):
        ann.set_priority(flagged, "low")
    ann.set_priority(other, "low")
    ann.set_status(other, "pending")
    ann.merge(other, flagged)
    summary = ann.get_conversation(other, record_view=False).summary
    assert (summary.status, summary.priority) == ("open", "urgent")
    assert answers(db, other)["is:red-flag"] is True
    assert redflags.ACTOR == "triage"
    changed = [(r[0], r[1], json.loads(r[2])) for r in db.conn.execute(
        "SELECT actor, action, details FROM events WHERE target = ? AND actor = 'triage'"
        " ORDER BY seq", (f"conversation:{other}",))]
    assert [(a, act, d.get("to")) for a, act, d in changed] == [
        ("triage", "conversation.priority", "urgent"), ("triage", "conversation.status", "open")]


def test_a_cleared_flag_says_who_cleared_it_when_and_why(db: Database) -> None:
    """The clear's who, when and why travel with the conversation while no flag is open
    (the thread's header and `show` read them), on both stores; a flag open again hides
    the old clear; a later clear replaces it."""
    from cxinbox.contract.types import RedFlagCleared

    ann, drlee = InboxService(db, CONFIG, "ann"), InboxService(db, CONFIG, "drlee")

    def seen(conv: int) -> tuple[RedFlagCleared | None, bool, bool]:
        detail = ann.get_conversation(conv, record_view=False)
        (listed,) = ann.list_conversations(f"id:{conv}").items
        assert listed.red_flag_cleared == detail.summary.red_flag_cleared
        return detail.red_flag_cleared, detail.summary.red_flag_cleared, \
            detail.summary.red_flag_open

    calm, _ = arrive(db, 31, "Can I move my appointment to Friday?")
    assert seen(calm) == (None, False, False)
    conv, _ = arrive(db, 32, "I have crushing chest pain since last night.",
                     sender="sam@patient.example")
    assert seen(conv) == (None, False, True)
    before = int(time.time())
    drlee.clear_red_flag(conv, "sent to the ER")
    done, cleared, still_open = seen(conv)
    assert (cleared, still_open) == (True, False)
    assert done is not None and (done.by, done.reason, done.category) == (
        "drlee", "sent to the ER", "chest_pain")
    assert before - 1 <= done.at <= int(time.time()) + 1
    assert ann.get_conversation(conv, record_view=False).to_dict()["red_flag_cleared"] == {
        "by": "drlee", "at": done.at, "reason": "sent to the ER", "category": "chest_pain"}
    # raised again by a tag: the old clear is not shown; cleared again: the new one is
    ann.tag(conv, ["red-flag"])
    assert seen(conv) == (None, False, True)
    drlee.clear_red_flag(conv, "called again, all well")
    done, cleared, _ = seen(conv)
    assert cleared and done is not None
    assert (done.by, done.reason, done.category) == ("drlee", "called again, all well", "")
    # a new message's red flag: open again, nothing cleared to show
    arrive(db, 33, "The crushing chest pain came back.", sender="sam@patient.example",
           reply_to=32)
    assert seen(conv) == (None, False, True)


def test_a_clear_released_by_retention_keeps_the_calm_mark(tmp_path: Path) -> None:
    """Retention may release a clear's `redflag.cleared` event while its conversation stays
    (open conversations are kept): the flag is still cleared, so the list keeps RF✓ (never
    RED! again, never a plain row that hides that a flag was raised) and the thread and
    `show` say the record is past the audit retention, rather than naming nobody."""
    from cxinbox.config import load_config
    from cxinbox.service.retention import RetentionRunner
    from cxinbox.store.db import append_event
    from cxinbox.tui.ascii import ASCII_GLYPHS
    from cxinbox.tui.redflag import RETENTION_CLEAR_LINE, cleared_text
    from cxinbox.tui.rows import urgency

    path = tmp_path / "config.toml"
    path.write_text(f'[clinic]\ntimezone = "UTC"\n[store]\npath = "{tmp_path / "c.db"}"\n'
                    '[audit]\ncheckpoints = false\n'  # (signing: test_retention.py)
                    '[retention]\nclosed_after = "1y"\naudit_keep = "2y"\n'
                    '[[staff]]\nos_user = "drlee"\nname = "Dr Lee"\nclinical = true\n'
                    '[[staff]]\nos_user = "ann"\nname = "Ann"\n')
    config = load_config(path)
    db = Database(config.db_path)
    try:
        conv, _ = arrive(db, 51, "I have crushing chest pain since last night.")
        InboxService(db, config, "drlee").clear_red_flag(conv, "sent to the ER")
        ann = InboxService(db, config, "ann")
        (fresh,) = ann.list_conversations(f"id:{conv}").items
        assert fresh.red_flag_clear is not None and fresh.red_flag_clear.by == "drlee"
        later = int(time.time()) + 3 * 365 * 86400
        with db.write() as conn:  # the desk went on working for years after the clear
            append_event(conn, "sync", "mail.received", "desk/INBOX", {"count": 0},
                         at=(later - 365 * 86400) * 1000)
        report = RetentionRunner(db, config, "admin", clock=lambda: later).run()
        assert report.audit_released > 0
        with db.reading() as tx:
            assert tx.later_on_target(f"conversation:{conv}", 0, [redflags.CLEARED]) == []
        (listed,) = ann.list_conversations(f"id:{conv}").items
        assert (listed.red_flag_open, listed.red_flag_cleared, listed.red_flag_clear) == (
            False, True, None)
        assert urgency(listed, ASCII_GLYPHS) == ("RFok", "red-flag-cleared")
        assert urgency(listed) == ("RF\u2713", "red-flag-cleared")
        detail = ann.get_conversation(conv, record_view=False)
        assert detail.red_flag_cleared is None
        assert cleared_text(detail.summary, None, UTC, datetime.now(UTC)) == \
            RETENTION_CLEAR_LINE
        assert detail.to_dict()["red_flag_cleared"] is None
    finally:
        db.close()
