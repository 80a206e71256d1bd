"""Tampering with the audit trail as a database writer would, and `cxinbox audit verify`
and `doctor` catching it and saying from which event on it cannot be trusted.

Every case is done for real on the SQLite file with the stdlib sqlite3 module (no
cxinbox code in the attacker's hands except the project's own hash function, for the
rehash); the verdict comes from the real CLI in a subprocess.
"""

from __future__ import annotations

import json
import shutil
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest
from tests.test_bulk_cli import ME, cx, write_config

from cxinbox.config import Config, load_config
from cxinbox.service.anchor import Anchor, checkpoint_now
from cxinbox.service.doctor import run_doctor
from cxinbox.service.inbox import InboxService
from cxinbox.store.db import Database, append_event, event_hash
from cxinbox.wiring import open_audit_reader, open_store

EVERY = 10
"""A checkpoint after each ten events: #10, #20, #30."""


class Trail:
    """A desk whose trail has 30 events and a signed checkpoint after every ten."""

    def __init__(self, tmp_path: Path) -> None:
        self.cfg_path = write_config(tmp_path, {ME: "admin"})
        self.config: Config = load_config(self.cfg_path)
        self.db_path = self.config.db_path

    def add(self, count: int, *, checkpoint: bool = True) -> None:
        db = Database(self.db_path)
        try:
            service = InboxService(db, self.config, ME)
            for _ in range(count):
                with db.write() as conn:
                    append_event(conn, service.actor, "conversation.view", "conversation:1",
                                 {"why": "test"})
            if checkpoint:
                checkpoint_now(db, self.config)
        finally:
            db.close()

    def sql(self, *statements: str) -> None:
        """What someone with write access to the file can do, triggers or not."""
        conn = sqlite3.connect(self.db_path, isolation_level=None)
        try:
            for statement in statements:
                conn.execute(statement)
        finally:
            conn.close()

    def verify(self, *extra: str) -> tuple[int, list[str], str]:
        proc = cx("audit", "verify", "--config", str(self.cfg_path), *extra)
        assert "Traceback" not in proc.stderr, proc.stderr
        return proc.returncode, proc.stdout.splitlines(), proc.stderr.strip()


@pytest.fixture
def trail(tmp_path: Path) -> Iterator[Trail]:
    t = Trail(tmp_path)
    for _ in range(3):
        t.add(EVERY)
    yield t


DROP = ("DROP TRIGGER events_no_update", "DROP TRIGGER events_no_delete")


def _fails(lines: list[str]) -> list[str]:
    return [line for line in lines if line.startswith("FAIL")]


def test_an_untouched_trail_verifies(trail: Trail) -> None:
    code, lines, err = trail.verify()
    assert code == 0, (lines, err)
    assert "ok    30 event(s), hash chain intact" in lines
    assert any("events #1-#30 match 3 signed checkpoint(s)" in line for line in lines)
    assert lines[-1] == "audit trail verified"
    assert not any("not anchored" in line for line in lines)


def test_dropped_triggers_are_detected(trail: Trail) -> None:
    trail.sql(*DROP)
    code, lines, err = trail.verify()
    assert code == 1
    (only,) = _fails(lines)
    assert "events_no_update, events_no_delete are gone" in only
    assert only.endswith("cannot be trusted from event #31 on")
    assert err == "cxinbox: 1 audit problem(s); the trail cannot be trusted from event #31 on"


def test_a_trigger_replaced_by_a_harmless_one_counts_as_gone(trail: Trail) -> None:
    trail.sql("DROP TRIGGER events_no_delete",
              "CREATE TRIGGER events_no_delete BEFORE DELETE ON events BEGIN SELECT 1; END")
    code, lines, _ = trail.verify()
    assert code == 1
    assert "events_no_delete are gone or changed" in _fails(lines)[0]


def test_deleting_the_newest_events_is_detected_and_located(trail: Trail) -> None:
    trail.sql(*DROP, "DELETE FROM events WHERE seq > 25")
    code, lines, err = trail.verify()
    assert code == 1
    gone = [line for line in _fails(lines) if "are gone:" in line]
    assert len(gone) == 1
    assert "events #26-#30 are gone: the database ends at #25" in gone[0]
    # #21-#25 are still there, but only checkpoint #20 speaks for anything before #30
    assert gone[0].endswith("cannot be trusted from event #21 on")
    assert err.endswith("cannot be trusted from event #21 on")


def test_deleting_every_event_is_detected(trail: Trail) -> None:
    trail.sql(*DROP, "DELETE FROM events")
    code, lines, err = trail.verify()
    assert code == 1
    assert any("all events are gone: the database holds none, but a checkpoint signed" in line
               and "saw #30" in line for line in _fails(lines))
    assert err.endswith("cannot be trusted from event #1 on")


def test_a_deleted_database_file_is_detected(trail: Trail) -> None:
    for suffix in ("", "-wal", "-shm"):
        Path(f"{trail.db_path}{suffix}").unlink(missing_ok=True)
    code, lines, err = trail.verify()
    assert code == 1
    assert "the database file is missing, but a checkpoint signed" in _fails(lines)[0]
    assert err.endswith("from event #1 on")
    # doctor does not take it for a new install: its log says it was there
    proc = cx("doctor", "--json", "--config", str(trail.cfg_path))
    assert "Traceback" not in proc.stderr, proc.stderr
    findings = json.loads(proc.stdout)["findings"]
    assert not any(f["text"].startswith("no cache at") for f in findings), findings
    assert any(f["level"] == "fail" and f["text"].startswith("audit: ") and
               "the database file is missing, but a checkpoint signed" in f["text"]
               for f in findings), findings
    assert not trail.db_path.exists()  # and made nothing


def test_a_cache_never_made_is_no_cache_not_a_verdict(trail: Trail, tmp_path: Path) -> None:
    """Another config beside the same key, its cache never made, no log of its own."""
    never = tmp_path / "other" / "none.db"
    cfg = tmp_path / "none.toml"
    cfg.write_text(trail.cfg_path.read_text().replace(str(trail.db_path), str(never)))
    assert load_config(cfg).db_path == never
    proc = cx("audit", "verify", "--config", str(cfg))
    assert (proc.returncode, proc.stdout) == (10, ""), proc.stdout + proc.stderr
    assert proc.stderr.strip() == (f"cxinbox: no cache at {never}: run `cxinbox sync` or"
                                   " `cxinbox serve` first"), proc.stderr
    assert not never.parent.exists()
    # its checkpoints found in a copy of a log: gone is a verdict again
    copy = tmp_path / "syslog.txt"
    copy.write_text(trail.config.audit_log_path.read_text())
    proc = cx("audit", "verify", "--config", str(cfg), "--checkpoints", str(copy))
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert "the database file is missing, but a checkpoint signed" in proc.stdout


def _rehash_from(conn: sqlite3.Connection, first: int) -> None:
    """Recompute every hash from `first` on with the project's own function, as an
    attacker with the source code would."""
    prev = conn.execute("SELECT hash FROM events WHERE seq = ?", (first - 1,)).fetchone()
    prev_hash = prev[0] if prev else ""
    rows = conn.execute("SELECT seq, at, actor, action, target, details FROM events"
                        " WHERE seq >= ? ORDER BY seq", (first,)).fetchall()
    for seq, at, actor, action, target, details in rows:
        digest = event_hash(prev_hash, seq, at, actor, action, target, details)
        conn.execute("UPDATE events SET prev_hash = ?, hash = ? WHERE seq = ?",
                     (prev_hash, digest, seq))
        prev_hash = digest


def test_an_edit_with_the_chain_rehashed_is_detected(trail: Trail) -> None:
    trail.sql(*DROP, """UPDATE events SET actor = 'someone-else' WHERE seq = 17""")
    conn = sqlite3.connect(trail.db_path, isolation_level=None)
    _rehash_from(conn, 17)
    conn.close()
    # the chain inside the database is perfect again: only the checkpoints can tell
    db = Database(trail.db_path)
    from cxinbox.store.db import verify_event_chain
    assert verify_event_chain(db.conn) == (True, None)
    db.close()
    code, lines, err = trail.verify()
    assert code == 1
    rewritten = [line for line in _fails(lines) if "rewritten" in line]
    assert len(rewritten) == 1
    assert rewritten[0].startswith("FAIL  event #20 is not the event the checkpoint signed")
    assert rewritten[0].endswith("cannot be trusted from event #11 on")
    assert err.endswith("cannot be trusted from event #11 on")


def test_deleting_from_the_middle_and_renumbering_is_detected(trail: Trail) -> None:
    trail.sql(*DROP, "DELETE FROM events WHERE seq = 14",
              "UPDATE events SET seq = seq - 1 WHERE seq > 14")
    conn = sqlite3.connect(trail.db_path, isolation_level=None)
    _rehash_from(conn, 14)
    conn.close()
    code, lines, err = trail.verify()
    assert code == 1
    fails = _fails(lines)
    assert any("event #20 is not the event the checkpoint signed" in line for line in fails)
    assert any("event #30 is gone: the database ends at #29" in line for line in fails)
    assert err.endswith("cannot be trusted from event #11 on")


def test_an_edit_without_rehash_is_located_exactly(trail: Trail) -> None:
    trail.sql(*DROP, """UPDATE events SET details = '{"why":"other"}' WHERE seq = 12""")
    code, lines, err = trail.verify()
    assert code == 1
    assert any(line.startswith("FAIL  event #12 was changed after it was written")
               and line.endswith("from event #12 on") for line in lines)
    assert err.endswith("cannot be trusted from event #12 on")


def test_a_restored_older_copy_is_detected(tmp_path: Path) -> None:
    trail = Trail(tmp_path)
    trail.add(EVERY)
    trail.add(EVERY)
    saved = tmp_path / "old-copy.db"
    shutil.copy2(trail.db_path, saved)  # closed cleanly: the file holds everything
    trail.add(EVERY)
    trail.add(5, checkpoint=False)
    for suffix in ("-wal", "-shm"):
        Path(f"{trail.db_path}{suffix}").unlink(missing_ok=True)
    shutil.copy2(saved, trail.db_path)
    code, lines, err = trail.verify()
    assert code == 1
    assert any("events #21-#30 are gone: the database ends at #20" in line
               and "an older copy of the database was put back" in line
               for line in _fails(lines))
    assert err.endswith("cannot be trusted from event #21 on")

    # A server started on the old copy notices at once, and raises the alarm ...
    db = Database(trail.db_path)
    anchor = Anchor(db, trail.config)
    problem = anchor.open()
    assert problem is not None and "event #30 is gone" in problem
    anchor.checkpoint(force=True)
    anchor.close()
    # ... and new events written on the old copy do not hide the loss.
    trail.add(EVERY + 3)
    db.close()
    code, lines, err = trail.verify()
    assert code == 1
    assert any("event #30 is not the event the checkpoint signed" in line for line in lines)
    assert any("saw #20, the one before it #30: the database went back" in line
               for line in lines)
    assert err.endswith("cannot be trusted from event #21 on")


def test_doctor_fails_and_locates_it_too(trail: Trail) -> None:
    trail.sql(*DROP, "DELETE FROM events WHERE seq > 28")
    out: list[str] = []
    assert run_doctor(str(trail.cfg_path), out.append, open_store=open_store, open_audit=open_audit_reader) is False
    fails = [line for line in out if line.startswith("  FAIL  audit:")]
    assert any("events #29-#30 are gone" in line and "from event #21 on" in line
               for line in fails)
    assert any("append-only trigger" in line for line in fails)


def test_doctor_passes_an_intact_trail(trail: Trail) -> None:
    out: list[str] = []
    assert run_doctor(str(trail.cfg_path), out.append, open_store=open_store, open_audit=open_audit_reader) is True, out
    assert "  ok    audit: 30 event(s), hash chain intact" in out


# -- the checkpoint log itself -----------------------------------------------------------------


def test_a_forged_checkpoint_line_is_refused(trail: Trail) -> None:
    log = trail.config.audit_log_path
    lines = log.read_text().splitlines()
    forged = json.loads(lines[-1])
    forged["seq"] = 25
    log.write_text("\n".join([*lines[:-1], json.dumps(forged)]) + "\n")
    code, out, _ = trail.verify()
    assert code == 1
    assert any("line 3: not signed by the server's key" in line for line in _fails(out))


def test_a_checkpoint_taken_out_of_the_middle_is_noticed(trail: Trail) -> None:
    log = trail.config.audit_log_path
    lines = log.read_text().splitlines()
    log.write_text("\n".join([lines[0], lines[2]]) + "\n")
    code, out, _ = trail.verify()
    assert code == 1
    assert any("line 2 does not follow line 1: checkpoints were removed" in line
               for line in _fails(out))


def test_a_deleted_log_with_the_key_still_there_is_noticed(trail: Trail) -> None:
    trail.config.audit_log_path.unlink()
    code, out, err = trail.verify()
    assert code == 1
    assert any("the checkpoint log is missing while the signing key exists" in line
               for line in _fails(out))
    assert err.endswith("from event #1 on")


def test_truncating_log_and_database_together_needs_the_copy_kept_elsewhere(
        trail: Trail, tmp_path: Path) -> None:
    """The documented limit: whoever can rewrite both files can cut both tails; a copy
    of the checkpoints out of their reach (syslog on another host) still tells."""
    log = trail.config.audit_log_path
    remote = tmp_path / "from-the-syslog-host.log"
    remote.write_text("".join(f"Dec  3 10:00:0{i} deskhost cxinbox-audit: {line}\n"
                              for i, line in enumerate(log.read_text().splitlines())))
    lines = log.read_text().splitlines()
    log.write_text("\n".join(lines[:2]) + "\n")
    trail.sql(*DROP, "DELETE FROM events WHERE seq > 20")
    trail.sql("CREATE TRIGGER events_no_update BEFORE UPDATE ON events\n"
              "BEGIN SELECT RAISE(ABORT, 'events are append-only'); END",
              "CREATE TRIGGER events_no_delete BEFORE DELETE ON events\n"
              "BEGIN SELECT RAISE(ABORT, 'events are append-only'); END")
    code, _, _ = trail.verify()
    assert code == 0  # consistent on this host: nothing here can tell
    code, out, err = trail.verify("--checkpoints", str(remote))
    assert code == 1
    assert any("events #21-#30 are gone" in line for line in _fails(out))
    assert err.endswith("from event #21 on")


@pytest.mark.parametrize("statement, says", [
    ("DROP TABLE events", "the events table is missing, but a checkpoint signed"),
    ("ALTER TABLE events RENAME COLUMN hash TO digest", "the events table cannot be read"),
])
def test_a_dropped_or_mangled_events_table_is_one_line_not_a_crash(
        trail: Trail, statement: str, says: str) -> None:
    trail.sql(*DROP, statement)
    code, lines, err = trail.verify()
    assert code == 1
    assert any(says in line for line in _fails(lines)), lines
    assert err.endswith("cannot be trusted from event #1 on")


def test_an_event_hashes_as_the_compact_json_array_of_its_fields() -> None:
    """`event_hash` spells the array itself; the chains already stored (and PostgreSQL's
    `cxinbox_record_event`) hash `json.dumps` of it: quotes, backslashes, control
    characters, line separators and astral characters must come out the same."""
    import hashlib
    import random

    def by_json(*fields: object) -> str:
        text = json.dumps(list(fields), ensure_ascii=False, separators=(",", ":"))
        return hashlib.sha256(text.encode("utf-8")).hexdigest()

    rng = random.Random(16)
    alphabet = ['"', "\\", "\n", "\x00", "\x1f", "\x7f", "é", "\u2028", "\U0001f600", "a",
                " ", "/", "\t", "\x85", "{", ":"]

    def text() -> str:
        return "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 10)))

    for _ in range(2000):
        fields = (text(), rng.randint(1, 2**62), rng.randint(0, 2**50), text(), text(),
                  text(), text())
        assert event_hash(*fields) == by_json(*fields)
    assert event_hash("", 1, 0, "maria", "conversation.tag", "conversation:1",
                      '{"add":["x"]}') == by_json("", 1, 0, "maria", "conversation.tag",
                                                  "conversation:1", '{"add":["x"]}')
    with pytest.raises(TypeError):
        event_hash("", 1.0, 0, "a", "b", "c", "{}")  # type: ignore[arg-type]
