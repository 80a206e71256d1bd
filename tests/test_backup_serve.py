"""Backups through a running `cxinbox serve`: while the desk works, and the refusals.

The server is a real child process; mail arrives from the real Dovecot the fixture starts;
ten clients tag conversations through the socket the whole time; `cxinbox backup` and
`cxinbox restore` are the real CLI. The restored copy must be the live inbox at one
instant: every event up to the snapshot's head and none after, and exactly the tags and
messages those events account for.
"""

from __future__ import annotations

import asyncio
import json
import sqlite3
import threading
import time
from pathlib import Path
from typing import Any

import pytest
from tests.backuphelp import backup_section, dump, new_identity
from tests.test_bulk_cli import fill
from tests.test_serve import _client, _wait_for_first_sync
from tests.test_serve_support import ME, Server, cx, socket_dir, write_config

from cxinbox.config import load_config
from cxinbox.store.db import Database, verify_event_chain

CLIENTS = 10
CONVERSATIONS = 200
TAGGED = 100
"""The clients tag the first 100; the rest stay as they were, to compare whole rows."""


def _one_line(stderr: str) -> str:
    lines = stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in stderr, stderr
    return lines[0]


async def _tagger(sock: Path, number: int, stop: asyncio.Event, done: list[int]) -> None:
    """One client adding a tag of its own (never used twice) to conversation after
    conversation, as fast as the server answers."""
    api = await _client(sock)
    try:
        n = 0
        while not stop.is_set():
            conv = 1 + (number * 37 + n * 11) % TAGGED
            await api.tag(conv, [f"w{number}-{n}"], [])
            n += 1
            done[number] = n
    finally:
        await api.aclose()


def _mail(dovecot: Any, stop: threading.Event, sent: list[int]) -> None:
    n = 0
    while not stop.is_set():
        dovecot.deliver(f"From: P{n} <p{n}@patient.example>\r\nTo: appointments@x\r\n"
                        f"Subject: Arrived during the backup {n}\r\n"
                        f"Message-ID: <during-{n}@patient.example>\r\n\r\nHello\r\n".encode())
        n += 1
        sent[0] = n
        stop.wait(0.05)


def _tag_seqs(events: list[tuple[Any, ...]]) -> dict[tuple[int, str], int]:
    """(conversation, tag) -> the seq of the event that added it."""
    found = {}
    for seq, _at, _actor, action, target, details, *_ in events:
        if action == "conversation.tag":
            conv = int(target.split(":")[1])
            for tag in json.loads(details).get("add", []):
                found[(conv, tag)] = seq
    return found


@pytest.mark.dovecot
async def test_backup_while_ten_clients_write_and_mail_arrives(dovecot: Any, tmp_path: Path,
                                                                ) -> None:
    from tests.synchelp import write_config as sync_config

    identity, key_file = new_identity(tmp_path)
    with socket_dir() as sockdir:
        sock = sockdir / "s.sock"
        cfg = sync_config(tmp_path, dovecot)
        cfg.write_text(cfg.read_text() + f'\n[server]\nsocket = "{sock}"\n\n[[staff]]\n'
                       f'os_user = "{ME}"\nname = "Desk"\nrole = "admin"\n'
                       + backup_section(tmp_path / "backups", str(identity.to_public())))
        db_path = load_config(cfg).db_path
        db = Database(db_path)
        fill(db, CONVERSATIONS)
        db.close()
        with Server(cfg, sock) as server:
            _wait_for_first_sync(db_path)
            stop_clients = asyncio.Event()
            stop_mail = threading.Event()
            done = [0] * CLIENTS
            sent = [0]
            mail = threading.Thread(target=_mail, args=(dovecot, stop_mail, sent))
            mail.start()
            clients = [asyncio.create_task(_tagger(sock, i, stop_clients, done))
                       for i in range(CLIENTS)]
            try:
                # everyone busy before the backup, and new mail already reaching the cache
                busy_by = time.monotonic() + 120
                while sum(done) < 200 or sent[0] < 5 or _stored(db_path) <= CONVERSATIONS:
                    assert time.monotonic() < busy_by, (
                        f"not busy yet: {sum(done)} actions, {sent[0]} mails sent,"
                        f" {_stored(db_path)} conversations stored")
                    await asyncio.sleep(0.02)
                before = (sum(done), sent[0])
                made = await asyncio.to_thread(cx, "backup", "--json", "--config", str(cfg))
                during = (sum(done) - before[0], sent[0] - before[1])
                await asyncio.sleep(0.3)
            finally:
                stop_clients.set()
                stop_mail.set()
                await asyncio.gather(*clients)
                mail.join()
            assert made.returncode == 0, made.stderr + server.log
            assert server.wait_log("backup cxinbox-")  # the server made it, not the CLI
            assert all(done) and during[0] > 0 and during[1] > 0, during
            assert server.stop() == 0, server.log
    report = json.loads(made.stdout)
    head = report["head_seq"]

    restored = cx("restore", report["path"], "--identity", str(key_file), "--to",
                  str(tmp_path / "drill"), "--config", str(cfg))
    assert restored.returncode == 0, restored.stderr
    assert f"newest event #{head} at" in restored.stdout
    copy_path = tmp_path / "drill" / "cxinbox.db"
    copy, live = dump(copy_path), dump(db_path)

    # the audit trail: exactly the live one up to the snapshot's head, then the restore
    *copied, restored_event = copy["events"]
    assert copied == [e for e in live["events"] if e[0] <= head]
    assert (restored_event[0], restored_event[3]) == (head + 1, "backup.restored")
    copy["events"] = copied
    assert len(live["events"]) > head + 10  # the desk went on writing after the snapshot
    assert (report["conversations"], report["messages"], report["events"]) == \
        (len(copy["conversations"]), len(copy["messages"]), len(copy["events"]))
    restored_db = Database(copy_path)
    try:
        assert verify_event_chain(restored_db.conn) == (True, None)
    finally:
        restored_db.close()

    # staff changes: a tag is in the copy exactly when its event is
    added = _tag_seqs(live["events"])
    assert {row for row in copy["conversation_tags"] if row[1].startswith("w")} == \
        {key for key, seq in added.items() if seq <= head}
    assert any(seq > head for seq in added.values())

    # mail: the copy holds the live messages as they were, and none that came later
    copied_ids = {row[0] for row in copy["messages"]}
    # (the server assesses the messages `fill` stored behind its back after it starts: a
    # message the snapshot took before its assessment is the live one without it)
    names = _message_columns(copy_path)
    triage = [names.index(c) for c in ("intent", "intent_confidence", "red_flag",
                                       "red_flag_matched")]
    kept = [m for m in live["messages"] if m[0] in copied_ids]
    assert len(kept) == len(copy["messages"])
    expected = [_unassessed(m, triage) if _unassessed(c, triage) == c else m
                for c, m in zip(copy["messages"], kept)]
    assert copy["messages"] == expected
    assert copy["raw_messages"] == [r for r in live["raw_messages"]
                                    if r[0] in {m[1] for m in copy["messages"]}]
    assert all(m[0] > max(copied_ids) for m in live["messages"] if m[0] not in copied_ids)
    received = sum(json.loads(e[5])["count"] for e in copy["events"]
                   if e[3] == "mail.received")
    assert received == len(copy["messages"]) - CONVERSATIONS > 0

    # conversations nothing touched after the snapshot are identical
    later = {int(e[4].split(":")[1]) for e in live["events"]
             if e[0] > head and e[4].startswith("conversation:")}
    for e in live["events"]:
        if e[0] > head and e[3] == "mail.received":
            later |= set(json.loads(e[5])["conversations"])
    live_convs = {row[0]: row for row in live["conversations"]}
    untouched = [row for row in copy["conversations"] if row[0] not in later]
    assert len(untouched) >= CONVERSATIONS - TAGGED
    assert all(live_convs[row[0]] == row for row in untouched)


def test_restore_is_refused_while_the_server_runs(tmp_path: Path) -> None:
    identity, key_file = new_identity(tmp_path)
    with socket_dir() as sockdir:
        sock = sockdir / "s.sock"
        cfg = write_config(tmp_path, sock, {ME: "admin"})
        cfg.write_text(cfg.read_text() + backup_section(tmp_path / "backups",
                                                        str(identity.to_public())))
        db_path = load_config(cfg).db_path
        db = Database(db_path)
        fill(db, 20)
        db.close()
        with Server(cfg, sock) as server:
            made = cx("backup", "--json", "--config", str(cfg))
            assert made.returncode == 0, made.stderr
            backup = json.loads(made.stdout)["path"]
            before = dump(db_path)
            for extra in ([], ["--to", str(db_path)]):
                done = cx("restore", backup, "--identity", str(key_file), "--config",
                          str(cfg), *extra)
                assert done.returncode == 1
                assert "a cxinbox server is running" in _one_line(done.stderr)
            # another config naming the same file: the open database itself says no
            other = write_config(tmp_path, sockdir / "nobody.sock", {ME: "admin"},
                                 name="other.toml")
            done = cx("restore", backup, "--identity", str(key_file), "--config", str(other))
            assert done.returncode == 1
            assert "open in another process" in _one_line(done.stderr)
            assert dump(db_path) == before
            assert server.stop() == 0
        done = cx("restore", backup, "--identity", str(key_file), "--config", str(cfg))
        assert done.returncode == 0, done.stderr
        assert "kept at" in done.stdout


def test_only_an_admin_may_ask_the_server_for_a_backup(tmp_path: Path) -> None:
    identity, _ = new_identity(tmp_path)
    with socket_dir() as sockdir:
        sock = sockdir / "s.sock"
        cfg = write_config(tmp_path, sock, {ME: "supervisor"})
        cfg.write_text(cfg.read_text() + backup_section(tmp_path / "backups",
                                                        str(identity.to_public())))
        db = Database(load_config(cfg).db_path)
        fill(db, 5)
        db.close()
        with Server(cfg, sock):
            done = cx("backup", "--config", str(cfg))
            assert done.returncode == 6
            assert "backup needs role admin" in _one_line(done.stderr)
            bad = cx("backup", "--to", "relative", "--config", str(cfg))  # made absolute
            assert bad.returncode == 6
        denied = [e for e in dump(load_config(cfg).db_path, ("events",))["events"]
                  if e[3] == "access.denied"]
        assert len(denied) == 2 and all(json.loads(e[5])["what"] == "backup" for e in denied)
        assert not (tmp_path / "backups").exists() and not (tmp_path / "relative").exists()


def _message_columns(path: Path) -> list[str]:
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        return [str(r[1]) for r in conn.execute("PRAGMA table_info(messages)")]
    finally:
        conn.close()


def _unassessed(row: tuple[Any, ...], triage: list[int]) -> tuple[Any, ...]:
    """`row` with its detectors' findings taken out."""
    return tuple(None if i in triage else v for i, v in enumerate(row))


def _stored(path: Path) -> int:
    """How many messages the cache at `path` holds (read-only, beside the server)."""
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        return int(conn.execute("SELECT count(*) FROM messages").fetchone()[0])
    finally:
        conn.close()
