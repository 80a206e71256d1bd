"""Backups and restores without a server: config, the files, the checks, the refusals.

Real components throughout: the CLI in subprocesses, SQLite files on disk, age encryption
through pyrage with a key made for the test (the test decrypts by hand as well, to check
the file itself and not only what `cxinbox restore` says about it).
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import socket
import sqlite3
import stat
import threading
import time
from pathlib import Path
from typing import Any

import pytest
from tests.backuphelp import backup_section, decrypt_to_db, dump, leftovers, new_identity
from tests.support.clirun import cx_here
from tests.test_bulk_cli import fill
from tests.test_serve_support import ME, cx

from cxinbox.api.validate import Validator
from cxinbox.config import Config, ConfigError, load_config, load_config_text
from cxinbox.contract.backup_types import BackupFailed
from cxinbox.contract.errors import BadRequest
from cxinbox.domain.backupfiles import (
    age_payload_size,
    age_shape,
    backup_name,
    host_label,
    parse_backup_name,
    recipient_problem,
    to_rotate,
)
from cxinbox.service.backup import make_backup
from cxinbox.service.backup_record import read_last_backup
from cxinbox.service.backup_worker import BackupWorker
from cxinbox.service.inbox import InboxService
from cxinbox.store.db import Database, _statements, verify_event_chain
from cxinbox.store.schema import MIGRATIONS

HOST = host_label(socket.gethostname())


class Instance:
    """A config with [store] and [backup], a database with conversations and events."""

    def __init__(self, tmp: Path, *, conversations: int = 60, keep: int = 14,
                 roster: dict[str, str] | None = None) -> None:
        self.tmp = tmp
        self.identity, self.key_file = new_identity(tmp)
        self.public = str(self.identity.to_public())
        self.backups = tmp / "backups"
        lines = ["[clinic]", 'timezone = "UTC"', "", "[store]",
                 f'path = "{tmp / "data" / "cxinbox.db"}"', ""]
        for user, role in (roster or {}).items():
            lines += ["[[staff]]", f'os_user = "{user}"', f'name = "{user}"',
                      f'role = "{role}"', ""]
        self.config_path = tmp / "config.toml"
        self.config_path.write_text("\n".join(lines) + backup_section(
            self.backups, self.public, keep=keep))
        self.config = load_config(self.config_path)
        self.db_path = self.config.db_path
        db = Database(self.db_path)
        try:
            ids = fill(db, conversations)
            service = InboxService(db, self.config, ME)
            for conv in ids[:20]:
                service.tag(conv, [f"t{conv}"], [])
            service.add_note(ids[0], "called the patient back")
        finally:
            db.close()

    def cx(self, *args: str, real: bool = False) -> Any:
        """`cxinbox ARGS --config ...`: in this process (tests/support/clirun.py), or with
        `real` in a child of its own (its exit status and streams as a script sees them;
        and a database lock this process holds is another process's there)."""
        return (cx if real else cx_here)(*args, "--config", str(self.config_path))

    def only_backup(self) -> Path:
        files = sorted(self.backups.glob("*.age"))
        assert len(files) == 1, files
        return files[0]


def _one_line(stderr: str) -> str:
    lines = stderr.strip().splitlines()
    assert len(lines) == 1, stderr
    assert "Traceback" not in stderr
    return lines[0]


# -- config ------------------------------------------------------------------------------


GOOD_KEY = "age1ql3z7hjy54pw3hyww5ayyfg7zqgvc7w3j2elw8zmrj2kg5sfn9aqmcac8p"


def _config(section: str) -> Config:
    return load_config_text("[store]\npath = \"/srv/x/cxinbox.db\"\n\n[backup]\n" + section)


def test_a_good_backup_section_loads() -> None:
    cfg = _config(f'dir = "/var/backups/cxinbox"\nrecipients = ["{GOOD_KEY}"]\n'
                  'every = "24h"\nkeep = 14\n')
    assert cfg.backup.dir == Path("/var/backups/cxinbox")
    assert cfg.backup.recipients == (GOOD_KEY,)
    assert cfg.backup.every == 86400 and cfg.backup.keep == 14
    assert _config("").backup.every is None  # no schedule unless asked


@pytest.mark.parametrize(("section", "key", "words"), [
    (f'dir = "backups"\nrecipients = ["{GOOD_KEY}"]', "backup.dir", "absolute path"),
    (f'dir = "/b"\nrecipients = ["{GOOD_KEY[:-1]}q"]', "backup.recipients[0]", "checksum"),
    ('dir = "/b"\nrecipients = ["AGE-SECRET-KEY-1QQQ"]', "backup.recipients[0]",
     "private key"),
    ('dir = "/b"\nrecipients = ["ssh-rsa AAAA"]', "backup.recipients[0]", "age public key"),
    ('dir = "/b"\nrecipients = []', "backup.recipients", "non-empty array"),
    (f'dir = "/b"\nrecipients = ["{GOOD_KEY}"]\nevery = "10m"', "backup.every", '"1h"'),
    (f'dir = "/b"\nrecipients = ["{GOOD_KEY}"]\nevery = "daily"', "backup.every", "duration"),
    (f'recipients = ["{GOOD_KEY}"]\nevery = "24h"', "backup.dir", "missing"),
    ('dir = "/b"\nevery = "24h"', "backup.recipients", "missing"),
    (f'dir = "/b"\nrecipients = ["{GOOD_KEY}"]\nkeep = 0', "backup.keep", "integer"),
    (f'dir = "/b"\nrecipients = ["{GOOD_KEY}"]\nkept = 3', "backup.kept", "did you mean"),
])
def test_each_backup_config_mistake_is_one_line_naming_its_key(section: str, key: str,
                                                                words: str) -> None:
    with pytest.raises(ConfigError) as caught:
        _config(section)
    text = str(caught.value)
    assert "\n" not in text and key in text and words in text, text


def test_recipient_checks_and_names_are_pure_functions() -> None:
    assert recipient_problem(GOOD_KEY) is None
    assert recipient_problem(GOOD_KEY.upper()) is None  # bech32 allows one case
    assert "checksum" in str(recipient_problem(GOOD_KEY[:10] + "z" + GOOD_KEY[11:]))
    name = backup_name("desk-1.clinic.example", __import__("datetime").datetime(
        2026, 12, 3, 22, 15, tzinfo=__import__("datetime").UTC))
    assert name == "cxinbox-desk-1-20261203T221500Z.db.gz.age"
    assert parse_backup_name(name) is not None and parse_backup_name("notes.txt") is None
    names = [f"cxinbox-a-2026120{d}T000000Z.db.gz.age" for d in range(1, 6)]
    names += ["cxinbox-b-20200101T000000Z.db.gz.age", "readme.txt"]
    assert to_rotate(names, "a", 2) == names[:3]  # oldest first, other hosts untouched
    assert age_payload_size(0) == 32 and age_payload_size(65536) == 16 + 65536 + 16
    assert age_payload_size(65537) == 16 + 65537 + 32
    with pytest.raises(ValueError, match="not an age file"):
        age_shape(b"SQLite format 3\x00", 4096)


# -- a backup and its restore ------------------------------------------------------------


def test_backup_then_restore_gives_back_the_same_inbox(tmp_path: Path) -> None:
    inst = Instance(tmp_path)
    before = dump(inst.db_path)
    done = inst.cx("backup", "--json", real=True)
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    backup = inst.only_backup()
    assert report["path"] == str(backup)
    assert parse_backup_name(backup.name) is not None and f"-{HOST}-" in backup.name
    assert stat.S_IMODE(backup.stat().st_mode) == 0o600
    assert report["sha256"] == hashlib.sha256(backup.read_bytes()).hexdigest()
    assert report["size"] == backup.stat().st_size
    assert (report["conversations"], report["messages"]) == (60, 60)
    assert report["events"] == len(before["events"]) and report["head_seq"] > 20
    assert "integrity ok" in report["summary"] and "well-formed" in report["summary"]
    assert leftovers(inst.backups) == [] and leftovers(inst.db_path.parent) == []
    assert b"Question" not in backup.read_bytes()  # encrypted, not merely compressed

    by_hand = tmp_path / "by-hand.db"
    mtime = decrypt_to_db(backup, inst.identity, by_hand)
    assert abs(mtime - report["snapshot_at"] / 1000) < 1
    assert dump(by_hand) == before

    restored = inst.cx("restore", str(backup), "--identity", str(inst.key_file), "--to",
                       str(tmp_path / "drill"), real=True)
    assert restored.returncode == 0, restored.stderr
    target = tmp_path / "drill" / "cxinbox.db"
    copy = dump(target)
    *copied_events, restored_event = copy.pop("events")
    assert copy == {k: v for k, v in before.items() if k != "events"}
    assert copied_events == before["events"]
    assert restored_event[2:5] == (ME, "backup.restored", "")  # the restore is on record
    assert json.loads(restored_event[5])["sha256"] == report["sha256"]
    assert f"event #{restored_event[0]} (backup.restored)" in restored.stdout
    assert stat.S_IMODE(target.stat().st_mode) == 0o600
    assert "goes back to the backup's snapshot at" in restored.stdout
    assert f"newest event #{report['head_seq']}" in restored.stdout
    db = Database(target)
    try:
        assert verify_event_chain(db.conn) == (True, None)
    finally:
        db.close()

    record = read_last_backup(inst.db_path)
    assert record is not None and record.ok and record.file == str(backup)
    assert record.sha256 == report["sha256"] and record.last_ok_at >= record.snapshot_at
    live = dump(inst.db_path, ("events",))["events"]
    made = [e for e in live if e[3] == "backup.made"]
    assert len(made) == 1 and made[0][4] == backup.name
    details = json.loads(made[0][5])
    assert details["sha256"] == report["sha256"] and details["conversations"] == 60
    assert "Question" not in made[0][5] and "patient" not in made[0][5]


@pytest.mark.parametrize("damage", ["wrong key", "flipped byte", "cut short", "not age",
                                    "bad key file"])
def test_a_restore_that_cannot_succeed_says_why_in_one_line(tmp_path: Path,
                                                           damage: str) -> None:
    inst = Instance(tmp_path, conversations=30)
    assert inst.cx("backup").returncode == 0
    backup = inst.only_backup()
    data = backup.read_bytes()
    key = inst.key_file
    if damage == "wrong key":
        _, key = new_identity(tmp_path, "someone-else.txt")
    elif damage == "flipped byte":
        backup.write_bytes(data[:len(data) // 2] + bytes([data[len(data) // 2] ^ 1])
                           + data[len(data) // 2 + 1:])
    elif damage == "cut short":
        backup.write_bytes(data[:len(data) * 2 // 3])
    elif damage == "not age":
        backup.write_bytes(b"SQLite format 3\x00" + data[16:])
    else:
        key = tmp_path / "key.txt"
        key.write_text("age1 is a public key, not a private one\n")
    target = tmp_path / "drill"
    done = inst.cx("restore", str(backup), "--identity", str(key), "--to", str(target),
                   real=damage == "wrong key")
    assert done.returncode != 0
    line = _one_line(done.stderr)
    expected = {"wrong key": "not one of the keys", "flipped byte": "damaged",
                "cut short": "damaged", "not age": "not a cxinbox backup",
                "bad key file": "not an age identity file"}[damage]
    assert expected in line, line
    assert not (target / "cxinbox.db").exists()
    assert not target.exists() or leftovers(target) == []


def test_restore_keeps_the_database_that_was_there(tmp_path: Path) -> None:
    inst = Instance(tmp_path, conversations=20)
    assert inst.cx("backup").returncode == 0
    old = Database(inst.db_path)
    try:
        fill(old, 5, mailbox="later")  # written after the backup
    finally:
        old.close()
    newer = dump(inst.db_path)
    done = inst.cx("restore", str(inst.only_backup()), "--identity", str(inst.key_file))
    assert done.returncode == 0, done.stderr
    aside = [p for p in inst.db_path.parent.iterdir() if ".before-restore-" in p.name]
    assert [p.name for p in aside if not p.name.endswith(("-wal", "-shm"))] \
        and "kept at" in done.stdout
    main = next(p for p in aside if not p.name.endswith(("-wal", "-shm")))
    assert dump(main) == newer
    assert len(dump(inst.db_path)["conversations"]) == 20


def test_restore_is_refused_while_the_database_is_open(tmp_path: Path) -> None:
    inst = Instance(tmp_path, conversations=10)
    assert inst.cx("backup").returncode == 0
    holder = Database(inst.db_path)  # like a server or an in-process TUI
    try:
        holder.conn.execute("SELECT count(*) FROM conversations").fetchone()
        before = dump(inst.db_path)
        done = inst.cx("restore", str(inst.only_backup()), "--identity", str(inst.key_file),
                       real=True)
        assert done.returncode != 0
        assert "open in another process" in _one_line(done.stderr)
        assert dump(inst.db_path) == before
    finally:
        holder.close()


def test_keep_rotates_out_only_this_hosts_oldest_backups(tmp_path: Path) -> None:
    inst = Instance(tmp_path, conversations=5, keep=2)
    inst.backups.mkdir()
    ours = [inst.backups / f"cxinbox-{HOST}-2020010{d}T000000Z.db.gz.age" for d in (1, 2, 3)]
    theirs = inst.backups / "cxinbox-otherhost-20190101T000000Z.db.gz.age"
    unrelated = inst.backups / "notes.txt"
    for path in (*ours, theirs, unrelated):
        path.write_bytes(b"x")
    done = inst.cx("backup", "--json")
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    assert sorted(report["removed"]) == sorted(p.name for p in ours[:2])
    left = sorted(p.name for p in inst.backups.iterdir())
    assert left == sorted([ours[2].name, Path(report["path"]).name, theirs.name,
                           unrelated.name])
    archive = tmp_path / "archive"  # a one-off --to DIR keeps everything there
    archive.mkdir()
    for path in ours:
        (archive / path.name).write_bytes(b"x")
    done = inst.cx("backup", "--json", "--to", str(archive))
    assert done.returncode == 0 and json.loads(done.stdout)["removed"] == []
    assert len(list(archive.iterdir())) == 4


def test_backup_without_recipients_or_dir_writes_nothing_and_says_so(tmp_path: Path) -> None:
    cfg = tmp_path / "config.toml"
    cfg.write_text(f'[store]\npath = "{tmp_path / "data" / "cxinbox.db"}"\n')
    Database(tmp_path / "data" / "cxinbox.db").close()
    done = cx("backup", "--config", str(cfg))
    assert done.returncode == 1 and "no backup directory" in _one_line(done.stderr)
    done = cx("backup", "--to", str(tmp_path / "b"), "--config", str(cfg))
    assert done.returncode == 1 and "no recipients" in _one_line(done.stderr)
    assert not (tmp_path / "b").exists() or list((tmp_path / "b").iterdir()) == []
    record = read_last_backup(tmp_path / "data" / "cxinbox.db")
    assert record is not None and not record.ok and "no recipients" in record.summary


def test_the_api_call_is_validated(tmp_path: Path) -> None:
    validator = Validator(None)
    with pytest.raises(BadRequest, match="backup: directory: must be an absolute path"):
        validator.check("backup", [], {"directory": "relative/dir"})
    with pytest.raises(BadRequest, match="absolute path without"):
        validator.check("backup", ["/srv/../etc"], {})
    assert validator.check("backup", [], {"directory": "/srv/b"})[0] == ("/srv/b",)
    # Through the server the caller's role decides (test_backup_serve.py); in-process,
    # whoever can open the database file has all of it already.
    inst = Instance(tmp_path, conversations=3, roster={ME: "supervisor"})
    assert inst.cx("backup").returncode == 0


def test_the_server_schedule_makes_a_backup_and_records_it(tmp_path: Path) -> None:
    inst = Instance(tmp_path, conversations=5)
    text = inst.config_path.read_text() + 'every = "1h"\n'
    inst.config_path.write_text(text)
    cfg = load_config(inst.config_path)
    db = Database(cfg.db_path)
    stop = threading.Event()
    worker = BackupWorker(db, cfg, first_delay_s=0.0)
    thread = threading.Thread(target=worker.run, args=(stop,))
    thread.start()
    try:
        deadline = time.monotonic() + 60
        while read_last_backup(cfg.db_path) is None and time.monotonic() < deadline:
            time.sleep(0.05)
        record = read_last_backup(cfg.db_path)
        assert record is not None and record.ok and record.by == "schedule", record
        assert 3500 < worker.due_in() <= 3600  # the next one an `every` later
    finally:
        stop.set()
        thread.join(10)
        db.close()
    events = dump(cfg.db_path, ("events",))["events"]
    assert [(e[2], e[3]) for e in events if e[3].startswith("backup.")] == \
        [("system", "backup.made")]


def test_a_failed_backup_is_audited_and_recorded(tmp_path: Path) -> None:
    inst = Instance(tmp_path, conversations=3)
    inst.backups.write_text("a file where the backup directory should be")
    db = Database(inst.db_path)
    try:
        with pytest.raises(BackupFailed, match="cannot create the backup directory"):
            make_backup(db, inst.config, actor=ME)
    finally:
        db.close()
    record = read_last_backup(inst.db_path)
    assert record is not None and not record.ok and record.by == ME
    assert "cannot create the backup directory" in record.summary and record.last_ok_at == 0
    failed = [e for e in dump(inst.db_path, ("events",))["events"] if e[3] == "backup.failed"]
    assert len(failed) == 1 and failed[0][2] == ME
    assert leftovers(inst.db_path.parent) == []


# -- schema migrations ---------------------------------------------------------------------


def _previous_schema_db(path: Path) -> None:
    """A database as the previous release left it: every migration but the last."""
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("PRAGMA journal_mode=WAL")
    for script in MIGRATIONS[:-1]:
        for statement in _statements(script):
            conn.execute(statement)
    conn.execute(f"PRAGMA user_version={len(MIGRATIONS) - 1}")
    conn.execute("INSERT INTO conversations (subject, created_at, last_message_at)"
                 " VALUES ('kept through the upgrade', 1, 1)")
    conn.close()
    os.chmod(path, 0o600)


def test_a_migration_takes_its_backup_first(tmp_path: Path,
                                            caplog: pytest.LogCaptureFixture) -> None:
    path = tmp_path / "data" / "cxinbox.db"
    _previous_schema_db(path)
    with caplog.at_level(logging.INFO, logger="cxinbox.store.backup"):
        Database(path).close()
    copies = sorted(path.parent.glob("cxinbox.db.pre-migration-*"))
    assert len(copies) == 1, copies
    copy = copies[0]
    assert f"schema{len(MIGRATIONS) - 1}" in copy.name
    assert stat.S_IMODE(copy.stat().st_mode) == 0o600
    conn = sqlite3.connect(f"file:{copy}?mode=ro", uri=True)
    try:
        assert conn.execute("PRAGMA user_version").fetchone()[0] == len(MIGRATIONS) - 1
        assert conn.execute("SELECT subject FROM conversations").fetchall() == \
            [("kept through the upgrade",)]
    finally:
        conn.close()
    assert any(str(copy) in r.getMessage() for r in caplog.records)
    migrated = sqlite3.connect(path)
    assert migrated.execute("PRAGMA user_version").fetchone()[0] == len(MIGRATIONS)
    migrated.close()
    Database(path).close()  # nothing left to migrate: no second copy
    assert len(list(path.parent.glob("cxinbox.db.pre-migration-*"))) == 1


def test_a_new_database_needs_no_pre_migration_copy(tmp_path: Path) -> None:
    Database(tmp_path / "data" / "cxinbox.db").close()
    assert list((tmp_path / "data").glob("*pre-migration*")) == []


def test_an_older_cxinbox_refuses_a_newer_database_in_one_line(tmp_path: Path) -> None:
    inst = Instance(tmp_path, conversations=3)
    conn = sqlite3.connect(inst.db_path)
    conn.execute(f"PRAGMA user_version={len(MIGRATIONS) + 1}")
    conn.close()
    sock = Path(f"/tmp/cxb-{os.getpid()}-{time.monotonic_ns()}.sock")
    inst.config_path.write_text(inst.config_path.read_text()
                                + f'\n[server]\nsocket = "{sock}"\n')
    for args in (["list"], ["serve"], ["backup"]):
        done = inst.cx(*args)
        assert done.returncode == 1, (args, done.stderr)
        line = _one_line(done.stderr)
        assert f"made by a newer cxinbox (schema {len(MIGRATIONS) + 1}, this one knows up" \
            f" to {len(MIGRATIONS)}); upgrade cxinbox" in line, (args, line)
    assert not sock.exists()


# -- the snapshot itself ---------------------------------------------------------------------


def test_the_snapshot_is_one_instant_and_writers_go_on_meanwhile(tmp_path: Path) -> None:
    """Copied in small steps while another connection commits between them: SQLite would
    restart a backup whose source changed; the held read transaction means it never does,
    and never makes a writer wait."""
    from cxinbox.store.backup import check_copy, snapshot_into
    from cxinbox.store.db import append_event

    db = Database(tmp_path / "data" / "cxinbox.db")
    fill(db, 400)
    stop = threading.Event()
    waits: list[float] = []

    def write() -> None:
        n = 0
        while not stop.is_set():
            started = time.monotonic()
            with db.write() as conn:
                append_event(conn, "t", "test.write", str(n))
            waits.append(time.monotonic() - started)
            n += 1

    writer = threading.Thread(target=write)
    writer.start()
    try:
        while len(waits) < 20:
            time.sleep(0.01)
        seen = len(waits)

        def after_each_step() -> bool:
            """Let the writer commit at least once more before the next step."""
            mark = len(waits)
            deadline = time.monotonic() + 10
            while len(waits) == mark and time.monotonic() < deadline:
                time.sleep(0.001)
            return False

        snap = snapshot_into(db, tmp_path / "copy.db", pages_per_step=4, stop=after_each_step)
        during = len(waits) - seen
    finally:
        stop.set()
        writer.join()
    try:
        assert snap.steps >= snap.pages // 4 and snap.steps <= snap.pages // 4 + 2  # no restart
        assert during >= snap.steps and max(waits) < 1.0
        check = check_copy(tmp_path / "copy.db", snap.facts)
        assert check.ok, check.problems
        assert snap.facts.events < len(waits)  # the writer went on past the snapshot
    finally:
        db.close()


def test_a_stopping_server_aborts_the_copy_and_leaves_nothing(tmp_path: Path) -> None:
    from cxinbox.store.backup import BackupAborted

    inst = Instance(tmp_path, conversations=200)
    db = Database(inst.db_path)
    try:
        with pytest.raises(BackupAborted):
            make_backup(db, inst.config, actor=ME, stop=lambda: True)
    finally:
        db.close()
    assert leftovers(inst.db_path.parent) == []
    assert not inst.backups.exists() or list(inst.backups.iterdir()) == []


def test_a_backup_from_a_newer_cxinbox_is_refused_in_one_line(tmp_path: Path) -> None:
    import gzip

    import pyrage

    inst = Instance(tmp_path, conversations=3)
    newer = tmp_path / "newer.db"
    conn = sqlite3.connect(inst.db_path)
    conn.execute(f"VACUUM INTO '{newer}'")
    conn.close()
    conn = sqlite3.connect(newer)
    conn.execute(f"PRAGMA user_version={len(MIGRATIONS) + 1}")
    conn.close()
    backup = tmp_path / f"cxinbox-{HOST}-20990101T000000Z.db.gz.age"
    backup.write_bytes(pyrage.encrypt(gzip.compress(newer.read_bytes()),
                                      [inst.identity.to_public()]))
    done = inst.cx("restore", str(backup), "--identity", str(inst.key_file), "--to",
                   str(tmp_path / "drill"))
    assert done.returncode == 1
    assert f"made by a newer cxinbox (schema {len(MIGRATIONS) + 1}" in _one_line(done.stderr)
    assert not (tmp_path / "drill" / "cxinbox.db").exists()
