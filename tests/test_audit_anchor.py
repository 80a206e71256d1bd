"""The checkpoint side of the audit anchor: the signing key's file, the log, the worker in
its thread and in a real `cxinbox serve`, and the copy sent to syslog."""

from __future__ import annotations

import json
import os
import pwd
import socket
import stat
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from tests.test_bulk_cli import ME, fill
from tests.test_bulk_cli import write_config as write_plain_config
from tests.test_serve_support import Server, cx, socket_dir
from tests.test_serve_support import write_config as write_serve_config

from cxinbox.config import Config, load_config
from cxinbox.service.anchor import Anchor, AuditAnchor, checkpoint_now
from cxinbox.service.audit_verify import verify_trail
from cxinbox.service.checkpoints import (
    AnchorError,
    CheckpointLog,
    load_signing_key,
    parse_line,
    public_key_text,
)
from cxinbox.service.health import Health
from cxinbox.store.db import Database, append_event
from cxinbox.wiring import open_audit_reader


def _config(tmp_path: Path, audit: str = "") -> Config:
    path = write_plain_config(tmp_path, {ME: "admin"})
    if audit:
        path.write_text(path.read_text() + "\n[audit]\n" + audit + "\n")
    return load_config(path)


def _events(db: Database, count: int) -> None:
    for i in range(count):
        with db.write() as conn:
            append_event(conn, ME, "conversation.view", f"conversation:{i}", {})


def _wait_for(condition: object, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if callable(condition) and condition():
            return
        time.sleep(0.02)
    raise AssertionError("condition not met in time")


def _log_seqs(config: Config) -> list[int]:
    try:
        text = config.audit_log_path.read_text()
    except FileNotFoundError:
        return []
    return [parse_line(line).seq for line in text.splitlines()]


# -- the key file ------------------------------------------------------------------------------


def test_key_is_created_0600_and_reused(tmp_path: Path) -> None:
    path = tmp_path / "keys" / "audit.key"
    key = load_signing_key(path, create=True)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    again = load_signing_key(path, create=False)
    assert public_key_text(again.public_key()) == public_key_text(key.public_key())


@pytest.mark.parametrize("mode", [0o640, 0o604, 0o620, 0o644])
def test_key_readable_or_writable_by_others_is_refused(tmp_path: Path, mode: int) -> None:
    path = tmp_path / "audit.key"
    load_signing_key(path, create=True)
    os.chmod(path, mode)
    with pytest.raises(AnchorError) as caught:
        load_signing_key(path, create=False)
    assert f"mode {mode:04o} lets other users at the audit signing key" in str(caught.value)
    assert "chmod 600" in str(caught.value) and "\n" not in str(caught.value)


@pytest.mark.skipif(os.geteuid() != 0, reason="chown needs root")
def test_key_owned_by_another_user_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "audit.key"
    load_signing_key(path, create=True)
    nobody = pwd.getpwnam("nobody").pw_uid
    os.chown(path, nobody, -1)
    with pytest.raises(AnchorError, match=f"belongs to uid {nobody}"):
        load_signing_key(path, create=False)


def test_a_file_that_is_not_a_key_is_one_line(tmp_path: Path) -> None:
    path = tmp_path / "audit.key"
    path.write_text("hello\n")
    os.chmod(path, 0o600)
    with pytest.raises(AnchorError, match="not an unencrypted PEM private key"):
        load_signing_key(path, create=False)


def test_the_server_refuses_an_open_key_and_verify_says_so(tmp_path: Path) -> None:
    config = _config(tmp_path)
    db = Database(config.db_path)
    _events(db, 3)
    checkpoint_now(db, config)
    os.chmod(config.audit_key_path, 0o640)
    with pytest.raises(AnchorError, match="mode 0640"):
        Anchor(db, config).open()
    db.close()
    report = verify_trail(config, open_reader=open_audit_reader)
    assert not report.passed
    assert any("mode 0640" in f.text for f in report.findings if f.level == "fail")
    # the checkpoints are there, only unchecked: no line says there are none (qa26 F10)
    assert any("no trusted key" in f.text for f in report.findings if f.level == "fail")
    assert not any("no signed checkpoints" in f.text for f in report.findings), \
        report.findings


def test_verify_through_the_cli_refuses_an_open_key_in_one_line(tmp_path: Path) -> None:
    config = _config(tmp_path)
    db = Database(config.db_path)
    _events(db, 2)
    checkpoint_now(db, config)
    db.close()
    os.chmod(config.audit_key_path, 0o644)
    proc = cx("audit", "verify", "--config", str(config.source_path))
    assert proc.returncode == 1 and "Traceback" not in proc.stderr
    # a key others could read may have signed anything: no checkpoint is taken on its word
    assert proc.stderr.strip() == \
        "cxinbox: 2 audit problem(s); the trail cannot be trusted from event #1 on"
    fails = [line for line in proc.stdout.splitlines() if line.startswith("FAIL  ")]
    assert "mode 0644" in fails[0] and "no trusted key" in fails[1]


def test_a_pinned_key_is_used_and_a_replaced_key_refused(tmp_path: Path) -> None:
    config = _config(tmp_path)
    db = Database(config.db_path)
    _events(db, 4)
    checkpoint_now(db, config)
    pinned = public_key_text(load_signing_key(config.audit_key_path, create=False).public_key())
    pinned_config = _config(tmp_path, f'public_key = "{pinned}"')
    assert verify_trail(pinned_config, open_reader=open_audit_reader).passed
    assert not any("not pinned" in f.text for f in verify_trail(pinned_config, open_reader=open_audit_reader).findings)
    # someone swaps in a key of their own
    config.audit_key_path.unlink()
    load_signing_key(config.audit_key_path, create=True)
    with pytest.raises(AnchorError, match="not the key pinned"):
        Anchor(db, pinned_config).open()
    db.close()
    report = verify_trail(pinned_config, open_reader=open_audit_reader)
    assert any("not the key pinned in [audit] public_key" in f.text for f in report.findings)


def test_a_lost_key_stops_checkpoints_instead_of_starting_a_new_history(tmp_path: Path) -> None:
    config = _config(tmp_path)
    db = Database(config.db_path)
    _events(db, 2)
    checkpoint_now(db, config)
    config.audit_key_path.unlink()
    with pytest.raises(AnchorError, match="signing key is missing while .* holds checkpoints"):
        Anchor(db, config).open()
    assert not config.audit_key_path.exists()
    db.close()


# -- the log ------------------------------------------------------------------------------------


def test_log_is_0600_append_only_chained_and_single_writer(tmp_path: Path) -> None:
    config = _config(tmp_path)
    db = Database(config.db_path)
    _events(db, 3)
    first = checkpoint_now(db, config)
    _events(db, 2)
    second = checkpoint_now(db, config)
    assert first is not None and second is not None
    path = config.audit_log_path
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    lines = path.read_text().splitlines()
    assert [json.loads(line)["seq"] for line in lines] == [3, 5]
    assert json.loads(lines[0])["prev"] == ""
    assert json.loads(lines[1])["prev"] != ""
    assert checkpoint_now(db, config) is None  # nothing new: nothing signed
    holder = CheckpointLog(path)
    try:
        with pytest.raises(AnchorError, match="another cxinbox serve"):
            CheckpointLog(path)
    finally:
        holder.close()
    db.close()


def test_a_torn_last_line_is_closed_off_and_only_warned_about(tmp_path: Path) -> None:
    config = _config(tmp_path)
    db = Database(config.db_path)
    _events(db, 3)
    checkpoint_now(db, config)
    with open(config.audit_log_path, "ab") as handle:
        handle.write(b'{"at":17,"cou')  # the power went while a line was written
    _events(db, 2)
    checkpoint_now(db, config)
    db.close()
    report = verify_trail(config, open_reader=open_audit_reader)
    assert report.passed, report.findings
    assert any("line 2 is damaged" in f.text and f.level == "warn" for f in report.findings)
    assert _log_seqs_ok(config) == [3, 5]


def _log_seqs_ok(config: Config) -> list[int]:
    seqs = []
    for line in config.audit_log_path.read_text().splitlines():
        try:
            seqs.append(parse_line(line).seq)
        except ValueError:
            continue
    return seqs


# -- the worker ---------------------------------------------------------------------------------


@pytest.fixture
def worker(tmp_path: Path) -> Iterator[tuple[Database, Config, threading.Event]]:
    config = _config(tmp_path, "checkpoint_seconds = 1\ncheckpoint_events = 5")
    db = Database(config.db_path)
    stop = threading.Event()
    thread = threading.Thread(target=AuditAnchor(db, config, Health(db, config)).run,
                              args=(stop,), daemon=True)
    thread.start()
    yield db, config, stop
    stop.set()
    thread.join(60)
    assert not thread.is_alive()
    db.close()


def test_worker_checkpoints_while_events_arrive_and_at_stop(
        worker: tuple[Database, Config, threading.Event]) -> None:
    db, config, stop = worker
    _wait_for(lambda: _log_seqs(config) == [0])  # the start: an empty trail is anchored too
    _events(db, 7)
    _wait_for(lambda: _log_seqs(config)[-1:] == [7])
    _events(db, 1)  # fewer than checkpoint_events: signed once checkpoint_seconds passed
    _wait_for(lambda: _log_seqs(config)[-1:] == [8])
    _events(db, 2)
    stop.set()
    _wait_for(lambda: _log_seqs(config)[-1:] == [10])  # the last events, at shutdown
    report = verify_trail(config, open_reader=open_audit_reader)
    assert report.passed and not any(f.level == "warn" and "not anchored" in f.text
                                     for f in report.findings)


def test_worker_alerts_when_it_cannot_sign(tmp_path: Path) -> None:
    blocked = tmp_path / "not-a-dir"
    blocked.write_text("")
    config = _config(tmp_path, f'key_file = "{blocked}/audit.key"')
    db = Database(config.db_path)
    stop = threading.Event()
    thread = threading.Thread(target=AuditAnchor(db, config, Health(db, config)).run,
                              args=(stop,), daemon=True)
    thread.start()
    try:
        _wait_for(lambda: any(a.key == "audit:checkpoints" for a in Health(db, config).current()))
        (alert,) = [a for a in Health(db, config).current() if a.key == "audit:checkpoints"]
        assert "cannot create the audit signing key" in alert.message
        assert "[audit] key_file" in alert.message
    finally:
        stop.set()
        thread.join(60)
        db.close()


def test_checkpoints_go_to_syslog_too_and_that_copy_verifies(tmp_path: Path) -> None:
    with socket_dir() as sockdir:
        listener = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        listener.bind(str(sockdir / "log"))
        listener.settimeout(10)
        try:
            config = _config(tmp_path, f'syslog_socket = "{sockdir / "log"}"\n'
                             'syslog_facility = "local3"')
            db = Database(config.db_path)
            _events(db, 4)
            checkpoint_now(db, config)
            db.close()
            datagram = listener.recv(65536).decode()
        finally:
            listener.close()
    assert datagram.startswith(f"<{19 * 8 + 6}>cxinbox-audit: {{")  # local3.info
    copy = tmp_path / "copy.log"
    copy.write_text(datagram + "\n")
    config.audit_log_path.unlink()
    report = verify_trail(config, open_reader=open_audit_reader, log_path=copy)
    assert report.passed, report.findings


# -- in a real server ---------------------------------------------------------------------------


def test_serve_anchors_what_its_clients_do_and_its_shutdown(tmp_path: Path) -> None:
    with socket_dir() as sockdir:
        sock = sockdir / "s.sock"
        cfg = write_serve_config(tmp_path, sock, {ME: "admin"})
        db = Database(load_config(cfg).db_path)
        fill(db, 5)
        db.close()
        config = load_config(cfg)
        with Server(cfg, sock) as server:
            _wait_for(lambda: _log_seqs(config) != [])
            for args in (["tag", "", "--add", "recall", "--yes"], ["note", "2", "called"]):
                proc = cx(*args, "--config", str(cfg))
                assert proc.returncode == 0, proc.stderr
            assert server.stop() == 0
        proc = cx("audit", "verify", "--config", str(cfg))
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "not anchored" not in proc.stdout  # the server signed its last events on the way out
    assert stat.S_IMODE(config.audit_key_path.stat().st_mode) == 0o600
    assert config.audit_key_path.parent == cfg.parent
    assert config.audit_log_path.parent == config.db_path.parent


def test_a_log_others_may_edit_is_refused_one_others_may_read_is_not(tmp_path: Path) -> None:
    config = _config(tmp_path)
    db = Database(config.db_path)
    _events(db, 1)
    checkpoint_now(db, config)
    path = config.audit_log_path
    os.chmod(path, 0o640)  # a log collector in the group may read it: it holds no secret
    _events(db, 1)
    assert checkpoint_now(db, config) is not None
    os.chmod(path, 0o620)
    with pytest.raises(AnchorError, match="mode 0620 lets other users at the checkpoint log"
                                          ".*chmod go-w"):
        CheckpointLog(path)
    report = verify_trail(config, open_reader=open_audit_reader)
    assert any(f.level == "warn" and "mode 0620" in f.text for f in report.findings)
    db.close()


def test_a_server_finding_its_log_gone_but_its_key_there_raises_the_alarm(
        tmp_path: Path) -> None:
    config = _config(tmp_path)
    db = Database(config.db_path)
    _events(db, 3)
    checkpoint_now(db, config)
    config.audit_log_path.unlink()
    anchor = Anchor(db, config)
    problem = anchor.open()
    anchor.close()
    db.close()
    assert problem is not None
    assert "was missing although the audit signing key exists" in problem
