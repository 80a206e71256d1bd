"""Retention on a generated three-year history: exactly what the policy says goes, the rest
stays byte for byte, the audit trail still verifies after its start is released, the file
shrinks, a dry run changes nothing; and through a real `cxinbox serve`, admins only.
"""

from __future__ import annotations

import json
import random
import re
import sqlite3
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from tests.teamhelp import deliver
from tests.test_serve_support import ME, Server, cx, socket_dir
from tests.test_serve_support import write_config as serve_config

from cxinbox.config import ConfigError, load_config, load_config_text
from cxinbox.service.anchor import checkpoint_now
from cxinbox.service.audit_verify import verify_trail
from cxinbox.service.retention import RetentionRunner
from cxinbox.store import conversations as conv_store
from cxinbox.store import escalations
from cxinbox.store import merge as merge_store
from cxinbox.store import sms as sms_store
from cxinbox.store.db import Database, append_event, walk_event_chain
from cxinbox.wiring import open_audit_reader

DAY = 86400
YEAR = 365 * DAY
NOW = int(time.time())
POLICY = '[retention]\nclosed_after = "1y"\naudit_keep = "2y"\n'


# -- the config ---------------------------------------------------------------------------------


@pytest.mark.parametrize(("text", "expected"), [
    ('closed_after = "7x"', 'retention.closed_after: expected a period in years or days'),
    ('audit_keep = "6y"', "retention.closed_after: missing required value"),
    ('closed_after = "10d"', "retention.closed_after: must be at least 30 days"),
    ('closed_after = 7', "retention.closed_after: expected a period"),
    ('closed_after = "7y"\naudit_keep = "90d"', "retention.audit_keep: must be at least 365"),
    ('closed_after = "7y"\ndaily_at = "3:30pm"', "retention.daily_at: expected a time of day"),
    ('closed_after = "7y"\nkeep = "6y"', "retention.keep: unknown key"),
])
def test_each_mistake_is_one_line_naming_the_key(text: str, expected: str) -> None:
    with pytest.raises(ConfigError) as caught:
        load_config_text(f"[retention]\n{text}\n")
    message = str(caught.value)
    assert expected in message and "\n" not in message, message


def test_the_policy_as_read() -> None:
    policy = load_config_text('[retention]\nclosed_after = "7y"\n').retention
    assert (str(policy.closed_after), str(policy.audit_keep), policy.daily_at) == \
        ("7y", "6y", "03:30")
    assert not load_config_text("").retention.configured


# -- a generated history ----------------------------------------------------------------------


@dataclass
class Conv:
    id: int
    last_touch: int
    status: str = "open"
    unsent: bool = False
    words: list[str] = field(default_factory=list)
    merged: list[int] = field(default_factory=list)
    """Conversations merged into this one: they go (or stay) with it."""


def _config(tmp_path: Path, extra: str = "") -> Path:
    path = tmp_path / "config.toml"
    path.write_text(f'[clinic]\ntimezone = "UTC"\n[store]\npath = "{tmp_path / "data" / "c.db"}"\n'
                    f'[audit]\ncheckpoint_seconds = 1\n{POLICY}{extra}')
    return path


def make_history(db: Database, seed: int = 15, count: int = 60) -> dict[int, Conv]:
    """`count` (sixty) conversations over three years, built in time order (so the audit
    trail is in time order too): messages, notes, tags, status changes, drafts with files,
    outbox rows."""
    rng = random.Random(seed)
    plan: list[tuple[int, Callable[[], None]]] = []
    convs: dict[int, Conv] = {}
    for n in range(count):
        start = NOW - 3 * YEAR + rng.randrange(0, 3 * YEAR - 20 * DAY)
        word = f"zq{n}word"
        sender = f"patient{n}@mail.example"
        conv_id = deliver(db, sender=sender, at=start, subject=f"Question {word}",
                          message_id=f"<h{n}@mail.example>")
        conv = convs[conv_id] = Conv(conv_id, start, words=[word])
        t = start
        for k in range(rng.randrange(0, 3)):
            t += rng.randrange(DAY, 20 * DAY)
            when = t
            plan.append((when, lambda c=conv, w=when, k=k, n=n: _reply(db, c, w, n, k)))
        if rng.random() < 0.4:
            t += DAY
            plan.append((t, lambda c=conv, w=t: _note(db, c, w)))
        if n % 10 == 0:  # a text conversation too, with the patient's STOP on record
            conv_sms = _sms(db, n, start)
            convs[conv_sms] = Conv(conv_sms, start, status="open", words=[f"zq{n}text"])
            plan.append((start + DAY, lambda c=convs[conv_sms], w=start + DAY:
                         _finish(db, c, w, "closed")))
        kind = rng.choice(["closed", "closed", "closed", "open", "pending", "snoozed",
                           "reopened", "closed-unsent", "closed-sent"])
        t += rng.randrange(DAY, 30 * DAY)
        if n % 6 == 1:  # another conversation merged into it, and an SLA escalation
            plan.append((t - 3600, lambda c=conv, w=t - 3600, n=n: _merge(db, c, w, n)))
        plan.append((t, lambda c=conv, w=t, kind=kind: _finish(db, c, w, kind)))
    for _, step in sorted(plan, key=lambda p: p[0]):
        step()
    return convs


def _merge(db: Database, conv: Conv, at: int, n: int) -> None:
    other = deliver(db, sender=f"other{n}@mail.example", at=at,
                    subject=f"Also {conv.words[0]}", message_id=f"<o{n}@mail.example>")
    with db.write() as conn:
        merge_store.merge(conn, conv.id, other)
        append_event(conn, "maria", "conversation.merge", f"conversation:{conv.id}",
                     {"other": other}, at=at * 1000)
        escalations.record(conn, conv.id, "first-response:1", 1, at)
    conv.merged.append(other)
    _touch(conv, at)


def _sms(db: Database, n: int, at: int) -> int:
    number = f"+1555010{n:04d}"
    with db.write() as conn:
        stored = sms_store.store_sms(conn, sms_store.SmsRecord(
            f"SMretention{n:04d}", "+15550100100", number, "in", f"zq{n}text STOP", at))
        assert stored is not None
        conn.execute("INSERT INTO sms_opt_outs (number, state, keyword, clinic_number,"
                     " changed_at, message_pk) VALUES (?, 'out', 'stop', '+15550100100', ?, ?)",
                     (number, at, stored.message_pk))
    return stored.conversation_id


def _touch(conv: Conv, at: int) -> None:
    conv.last_touch = max(conv.last_touch, at)


def _reply(db: Database, conv: Conv, at: int, n: int, k: int) -> None:
    deliver(db, sender=f"patient{n}@mail.example", at=at, subject=f"Re: Question {conv.words[0]}",
            message_id=f"<h{n}-{k}@mail.example>", in_reply_to=f"<h{n}@mail.example>",
            references=(f"<h{n}@mail.example>",))
    _touch(conv, at)


def _note(db: Database, conv: Conv, at: int) -> None:
    with db.write() as conn:
        note = conv_store.insert_note(conn, conv.id, "maria", f"note zqnote{conv.id}", at)
        conn.execute("INSERT INTO mentions (note_id, os_user) VALUES (?, 'jsmith')", (note,))
        append_event(conn, "maria", "conversation.note", f"conversation:{conv.id}",
                     {"note": note}, at=at * 1000)
        conv_store.add_tags(conn, [conv.id], ["lab-results"])
    _touch(conv, at)


def _finish(db: Database, conv: Conv, at: int, kind: str) -> None:
    status = {"reopened": "open", "closed-unsent": "closed", "closed-sent": "closed"}.get(kind,
                                                                                        kind)
    with db.write() as conn:
        if kind == "reopened":
            _status(conn, conv.id, "closed", at - DAY)
        _status(conn, conv.id, status, at)
        if kind in ("closed-unsent", "closed-sent"):
            file_id = conn.execute(
                "INSERT INTO reply_files (author, filename, size, sha256, data, added_ms)"
                " VALUES ('maria', 'x.pdf', 3, 'h', x'010203', ?)", (at * 1000,)).lastrowid
            conn.execute(
                "INSERT INTO outbox (conversation_id, author, channel, account, sender,"
                " recipients, raw, draft, state, next_attempt_ms, created_ms, send_after_ms)"
                " VALUES (?, 'maria', 'email', 'desk', 'desk@clinic.example', '[]', x'00', ?,"
                " ?, 0, ?, ?)", (conv.id,
                                 # as a reply keeps its draft: the draft's column, JSON text
                                 json.dumps({"attachments": json.dumps([file_id])}),
                                 "queued" if kind == "closed-unsent" else "sent", at * 1000,
                                 at * 1000))
            draft_file = conn.execute(
                "INSERT INTO reply_files (author, filename, size, sha256, data, added_ms)"
                " VALUES ('jsmith', 'y.pdf', 1, 'g', x'04', ?)", (at * 1000,)).lastrowid
            conn.execute(
                "INSERT INTO drafts (conversation_id, author, mode, attachments, created_ms,"
                " updated_ms) VALUES (?, 'jsmith', 'reply', ?, ?, ?)",
                (conv.id, json.dumps([draft_file]), at * 1000, at * 1000))
    conv.status = status
    conv.unsent = kind == "closed-unsent"
    _touch(conv, at)


def _status(conn: sqlite3.Connection, conv_id: int, status: str, at: int) -> None:
    conn.execute("UPDATE conversations SET status = ? WHERE id = ?", (status, conv_id))
    append_event(conn, "maria", "conversation.status", f"conversation:{conv_id}",
                 {"to": status}, at=at * 1000)


def expected_purge(convs: dict[int, Conv], before: int) -> set[int]:
    return {c.id for c in convs.values()
            if c.status == "closed" and not c.unsent and c.last_touch < before}


def family(convs: dict[int, Conv], ids: set[int]) -> set[int]:
    """The conversations and those merged into them."""
    return ids | {m for i in ids for m in convs[i].merged}


# -- what "unchanged" means -------------------------------------------------------------------

_OWNED = {
    "conversations": "id", "messages": "conversation_id", "notes": "conversation_id",
    "conversation_tags": "conversation_id", "drafts": "conversation_id",
    "outbox": "conversation_id", "thread_ids": "conversation_id",
    "sla_escalations": "conversation_id",
}


def dump(db: Database, *, leave_out: set[int] = frozenset()) -> dict[str, list[tuple[object, ...]]]:
    """Every row of every conversation-owned table (and their raw bytes), byte for byte,
    leaving out the conversations in `leave_out`."""
    conn = db.conn
    gone = json.dumps(sorted(leave_out))
    out: dict[str, list[tuple[object, ...]]] = {}
    for table, column in _OWNED.items():
        out[table] = [tuple(r) for r in conn.execute(
            f"SELECT * FROM {table} WHERE {column} NOT IN (SELECT value FROM json_each(?))"
            " ORDER BY 1, 2", (gone,))]
    out["raw_messages"] = [tuple(r) for r in conn.execute(
        "SELECT r.* FROM raw_messages r JOIN messages m ON m.raw_id = r.id"
        " WHERE m.conversation_id NOT IN (SELECT value FROM json_each(?)) ORDER BY r.id",
        (gone,))]
    return out


def everything(db: Database) -> dict[str, list[tuple[object, ...]]]:
    conn = db.conn
    tables = [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'"
                                         " AND name NOT LIKE 'sqlite_%' AND name NOT LIKE"
                                         " '%_fts%'")]
    return {t: [tuple(r) for r in conn.execute(f"SELECT * FROM {t} ORDER BY 1")]
            for t in tables}


def fts_hits(db: Database, word: str) -> int:
    return int(db.conn.execute("SELECT count(*) FROM messages_fts WHERE messages_fts MATCH ?",
                               (word,)).fetchone()[0])


@pytest.fixture
def history(tmp_path: Path) -> Iterator[tuple[Path, Database, dict[int, Conv]]]:
    config_path = _config(tmp_path)
    config = load_config(config_path)
    db = Database(config.db_path, synchronous="OFF")
    convs = make_history(db)
    from cxinbox.store.fts import index_pending

    with db.write() as conn:
        index_pending(conn, 100_000)
    checkpoint_now(db, config)  # the history was anchored by a server once
    yield config_path, db, convs
    db.close()


def test_retention_purges_exactly_the_policy_and_keeps_the_rest(
        history: tuple[Path, Database, dict[int, Conv]]) -> None:
    config_path, db, convs = history
    config = load_config(config_path)
    before = NOW - YEAR
    doomed = expected_purge(convs, before)
    kept = set(convs) - doomed
    # The history has every case the policy must tell apart.
    assert doomed and kept
    assert any(c.status == "open" and c.last_touch < before for c in convs.values())
    assert any(c.unsent and c.last_touch < before for c in convs.values())
    assert any(c.status == "closed" and c.last_touch >= before for c in convs.values())
    assert any(convs[i].merged for i in doomed) and any(convs[i].merged for i in kept)
    gone = family(convs, doomed)
    old_events = db.conn.execute("SELECT count(*) FROM events WHERE at < ?",
                                 ((NOW - 2 * YEAR) * 1000,)).fetchone()[0]
    assert old_events > 0

    # A dry run counts and changes nothing at all.
    snapshot, pages = everything(db), db.conn.execute("PRAGMA page_count").fetchone()[0]
    dry = RetentionRunner(db, config, "admin", clock=lambda: NOW).run(dry_run=True)
    assert dry.counts["conversations"] == len(gone)
    assert dry.counts["escalations"] == sum(1 for i in doomed if convs[i].merged)
    assert dry.audit_released == old_events
    assert everything(db) == snapshot
    assert db.conn.execute("PRAGMA page_count").fetchone()[0] == pages

    kept_rows = dump(db, leave_out=gone)
    index_bytes = _index_bytes(db)
    report = RetentionRunner(db, config, "admin", clock=lambda: NOW).run()
    assert _index_bytes(db) < index_bytes  # merged: the deleted entries are gone, not marked
    assert report.counts == dry.counts
    live = {r[0] for r in db.conn.execute("SELECT id FROM conversations")}
    assert live == family(convs, kept)
    assert dump(db) == kept_rows  # everything kept is byte-identical
    for table in ("messages", "notes", "drafts", "outbox", "conversation_tags", "thread_ids"):
        left = db.conn.execute(f"SELECT count(*) FROM {table} WHERE conversation_id IN"
                               " (SELECT value FROM json_each(?))",
                               (json.dumps(sorted(gone)),)).fetchone()[0]
        assert left == 0, table
    orphans = db.conn.execute(
        "SELECT (SELECT count(*) FROM raw_messages WHERE id NOT IN (SELECT raw_id FROM"
        " messages)) + (SELECT count(*) FROM mentions WHERE note_id NOT IN (SELECT id FROM"
        " notes)) + (SELECT count(*) FROM reply_files WHERE id NOT IN (SELECT j.value FROM"
        " drafts, json_each(drafts.attachments) j UNION SELECT j.value FROM outbox,"
        " json_each(json_extract(outbox.draft, '$.attachments')) j))"
        " + (SELECT count(*) FROM contacts c WHERE NOT EXISTS (SELECT 1 FROM conversations"
        " v WHERE v.contact_id = c.id))").fetchone()[0]
    assert orphans == 0
    texts = {c.id for c in convs.values() if c.words[0].endswith("text")}
    assert texts & doomed and texts - doomed
    assert db.conn.execute("SELECT count(*) FROM sms_messages").fetchone()[0] == \
        len(texts - doomed)
    # Every STOP stays on record; only the link to a purged message goes.
    assert [r[0] is None for r in db.conn.execute(
        "SELECT message_pk FROM sms_opt_outs ORDER BY number")].count(True) == \
        len(texts & doomed)
    assert db.conn.execute("SELECT count(*) FROM sms_opt_outs").fetchone()[0] == len(texts)
    for conv in convs.values():  # the full-text index forgot the purged messages
        assert fts_hits(db, conv.words[0]) == (0 if conv.id in doomed else
                                                1 + _replies(db, conv.id))
    with db.write() as conn:  # raises if the index and the table disagree
        conn.execute("INSERT INTO messages_fts (messages_fts) VALUES ('integrity-check')")

    # The file shrank, and the trail verifies from its new start under a signed checkpoint.
    assert report.pages_after < report.pages_before
    walk = walk_event_chain(db.conn)
    assert walk.bad_seq is None and walk.start_seq > 1
    assert walk.lowest_seq == walk.start_seq  # the released rows are gone
    trail = verify_trail(config, open_reader=open_audit_reader)
    assert trail.passed, [f.text for f in trail.findings]
    assert any("released by retention under a signed checkpoint" in f.text
               for f in trail.findings)
    purge_events = [json.loads(r[0]) for r in db.conn.execute(
        "SELECT details FROM events WHERE action IN ('retention.purge', 'retention.run',"
        " 'audit.truncate')")]
    assert sum(e.get("conversations", 0) for e in purge_events[:-1]) >= len(gone)
    text = json.dumps(purge_events)
    assert not re.search(r"zq(\d+(word|text)|note\d)", text)  # counts, never patient text
    assert "patient" not in text

    # A second run finds nothing more.
    again = RetentionRunner(db, config, "admin", clock=lambda: NOW).run()
    assert again.counts["conversations"] == 0 and again.audit_released == 0


def _index_bytes(db: Database) -> int:
    return int(db.conn.execute("SELECT sum(length(block)) FROM messages_fts_data").fetchone()[0])


def _replies(db: Database, conv_id: int) -> int:
    return int(db.conn.execute("SELECT count(*) - 1 FROM messages WHERE conversation_id = ?",
                               (conv_id,)).fetchone()[0])


def test_events_taken_from_the_start_without_retention_are_tampering(
        history: tuple[Path, Database, dict[int, Conv]]) -> None:
    config_path, db, _ = history
    config = load_config(config_path)
    RetentionRunner(db, config, "admin", clock=lambda: NOW).run()
    start = walk_event_chain(db.conn).start_seq
    with db.write() as conn:  # someone with the file deletes the two oldest kept events
        conn.execute("DROP TRIGGER events_no_delete")
        conn.execute("DELETE FROM events WHERE seq < ?", (start + 2,))
        from cxinbox.store.anchor import GUARD_TRIGGERS

        conn.execute(GUARD_TRIGGERS["events_no_delete"])
    trail = verify_trail(config, open_reader=open_audit_reader)
    assert not trail.passed
    assert trail.untrusted_from == start, [f.text for f in trail.findings]


def test_a_forged_start_record_is_not_signed(
        history: tuple[Path, Database, dict[int, Conv]]) -> None:
    """A database writer appends an `audit.truncate` record that would drop recent events:
    the checkpoint worker refuses to sign it, so deleting them stays visible."""
    config_path, db, _ = history
    config = load_config(config_path)
    with db.write() as conn:
        head = conn.execute("SELECT seq, hash FROM events ORDER BY seq DESC LIMIT 1").fetchone()
        append_event(conn, "mallory", "audit.truncate", "audit:trail",
                     {"first_seq": head[0] + 1, "prev_hash": head[1]})
    made = checkpoint_now(db, config)
    assert made is not None and made.start == 1


# -- through a real server --------------------------------------------------------------------


@pytest.fixture
def sockdir() -> Iterator[Path]:
    with socket_dir() as path:
        yield path


def test_over_the_socket_admins_only(tmp_path: Path, sockdir: Path) -> None:
    sock = sockdir / "s.sock"
    for role, name in (("agent", "agent.toml"), ("admin", "admin.toml")):
        path = serve_config(tmp_path, sock, {ME: role}, name=name)
        path.write_text(path.read_text() + "\n" + POLICY)
    config = load_config(tmp_path / "admin.toml")
    db = Database(config.db_path, synchronous="OFF")
    convs = make_history(db)
    db.close()
    doomed = family(convs, expected_purge(convs, NOW - YEAR))

    with Server(tmp_path / "agent.toml", sock):
        refused = cx("retention", "run", "--dry-run", "--config", str(tmp_path / "agent.toml"))
    assert refused.returncode != 0
    assert "retention needs role admin" in refused.stderr, refused.stderr
    assert "Traceback" not in refused.stderr

    with Server(tmp_path / "admin.toml", sock) as server:
        dry = cx("retention", "run", "--dry-run", "--json", "--config",
                 str(tmp_path / "admin.toml"))
        assert dry.returncode == 0, dry.stderr
        assert json.loads(dry.stdout)["counts"]["conversations"] == len(doomed)
        done = cx("retention", "run", "--config", str(tmp_path / "admin.toml"))
        assert done.returncode == 0, done.stderr
        assert f"purged {len(doomed)}" in done.stdout
        log_text = server.log_path.read_text()
    db = Database(config.db_path)
    try:
        assert {r[0] for r in db.conn.execute("SELECT id FROM conversations")} == \
            family(convs, set(convs)) - doomed
        denied = db.conn.execute("SELECT count(*) FROM events WHERE action = 'access.denied'"
                                 " AND details LIKE '%retention%'").fetchone()[0]
        assert denied == 1
        assert walk_event_chain(db.conn).start_seq > 1
    finally:
        db.close()
    assert verify_trail(config, open_reader=open_audit_reader).passed
    # The patient words are zq<N>word / zq<N>text / zqnote<N>; a random socket directory
    # name may hold "zq" by chance, so the words themselves are looked for.
    assert not re.search(r"zq(\d+(word|text)|note\d)", log_text), log_text
    assert "patient" not in log_text


def test_the_daily_run_is_at_daily_at_clinic_time(tmp_path: Path) -> None:
    from datetime import datetime
    from zoneinfo import ZoneInfo

    from cxinbox.service.retention import RetentionSchedule

    config = load_config_text('[clinic]\ntimezone = "America/Chicago"\n'
                              '[retention]\nclosed_after = "7y"\ndaily_at = "02:15"\n')
    schedule = RetentionSchedule(Database.__new__(Database), config)
    tz = ZoneInfo("America/Chicago")
    before = datetime(2026, 3, 10, 23, 0, tzinfo=tz).timestamp()
    after = datetime(2026, 3, 11, 2, 15, tzinfo=tz).timestamp()
    assert schedule.next_run(before) == after
    assert schedule.next_run(after) == datetime(2026, 3, 12, 2, 15, tzinfo=tz).timestamp()
