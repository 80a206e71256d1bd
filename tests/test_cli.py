"""The command line as a script or a person uses it: exit codes, one-line errors, no tracebacks."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from tests.doctorhelp import unwrap
from tests.support.clirun import cx_here
from tests.support.mailgen import generate_corpus
from tests.synchelp import write_config


def cx(*args: str, env: dict[str, str] | None = None, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    full_env = {**os.environ, **(env or {})}
    full_env.pop("CXINBOX_CONFIG", None) if env is None or "CXINBOX_CONFIG" not in env else None
    return subprocess.run([sys.executable, "-m", "cxinbox", *args], capture_output=True,
                          text=True, timeout=timeout, env=full_env, stdin=subprocess.DEVNULL,
                          check=False)


def assert_one_line_error(proc: subprocess.CompletedProcess[str], code: int) -> str:
    assert proc.returncode == code, (proc.returncode, proc.stdout, proc.stderr)
    assert "Traceback" not in proc.stderr
    lines = [line for line in proc.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, proc.stderr
    assert lines[0].startswith("cxinbox: ")
    return lines[0]


def test_cli_does_not_import_textual() -> None:
    code = ("import sys, cxinbox.cli; "
            "print(any(m == 'textual' or m.startswith('textual.') for m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_config_typo_names_file_and_key(tmp_path: Path) -> None:
    cfg = tmp_path / "config.toml"
    cfg.write_text('[clinic]\nname = "X"\ntimezone = "UTC"\n\n[sync]\nbatch_sise = 5\n')
    line = assert_one_line_error(cx("list", "--config", str(cfg)), 2)
    assert str(cfg) in line and "batch_sise" in line and "batch_size" in line


def test_password_in_config_is_refused(tmp_path: Path) -> None:
    cfg = tmp_path / "config.toml"
    cfg.write_text('[[accounts]]\nname = "a"\nhost = "imap.example.org"\nusername = "u"\n'
                   'password = "hunter2"\n')
    line = assert_one_line_error(cx("sync", "--once", "--config", str(cfg)), 2)
    assert "password_command" in line and "hunter2" not in line


def test_missing_config_suggests_init(tmp_path: Path) -> None:
    line = assert_one_line_error(cx("list", "--config", str(tmp_path / "nope.toml")), 2)
    assert "cxinbox init" in line


def test_unreachable_server_is_one_line(tmp_path: Path) -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        closed_port = s.getsockname()[1]

    class Fake:
        password = "x"
        user = "u"
        ca_file = tmp_path / "none.pem"

    cfg = write_config(tmp_path, Fake(), port=closed_port, ca_file=False)
    line = assert_one_line_error(cx("sync", "--once", "--config", str(cfg)), 5)
    assert "connection refused" in line


@pytest.mark.dovecot
def test_untrusted_self_signed_server_is_refused(dovecot: Any, tmp_path: Path) -> None:
    cfg = write_config(tmp_path, dovecot, ca_file=False)  # system CAs only
    line = assert_one_line_error(cx("sync", "--once", "--config", str(cfg)), 5)
    assert "not trusted" in line


@pytest.mark.dovecot
def test_wrong_password_is_one_line(dovecot: Any, tmp_path: Path) -> None:
    cfg = write_config(tmp_path, dovecot)
    (tmp_path / "appointments.pass").write_text("wrong-password\n")
    line = assert_one_line_error(cx("sync", "--once", "--config", str(cfg)), 5)
    assert "login refused" in line


@pytest.mark.dovecot
def test_sync_list_show_end_to_end(dovecot: Any, tmp_path: Path) -> None:
    dovecot.deliver_many(generate_corpus(40, seed=11), "INBOX")
    cfg = write_config(tmp_path, dovecot, tls="starttls")
    synced = cx("sync", "--once", "--config", str(cfg))
    assert synced.returncode == 0, synced.stderr
    assert "40 new message(s)" in synced.stdout
    listed = cx("list", "--json", "--config", str(cfg))
    assert listed.returncode == 0, listed.stderr
    page = json.loads(listed.stdout)
    assert page["total"] >= 1 and page["conversations"]
    first = page["conversations"][0]["id"]
    shown = cx("show", str(first), "--json", "--config", str(cfg))
    detail = json.loads(shown.stdout)
    assert detail["conversation"]["id"] == first
    assert detail["messages"] and all(m["body"] is not None for m in detail["messages"])
    human = cx("show", f"#{first}", "--config", str(cfg))
    assert human.returncode == 0 and f"#{first}" in human.stdout
    missing = cx("show", "999999", "--config", str(cfg))
    assert "no conversation #999999" in assert_one_line_error(missing, 3)
    bad_query = cx("list", "stauts:open", "--config", str(cfg))
    line = assert_one_line_error(bad_query, 4)
    assert "status" in line
    doctor = cx("doctor", "--config", str(cfg))
    assert doctor.returncode == 0, doctor.stdout + doctor.stderr
    assert "certificate verified" in unwrap(doctor.stdout)
    assert "SQLite" in doctor.stdout


def test_doctor_reports_bad_file_modes(tmp_path: Path) -> None:
    db_dir = tmp_path / "data"
    cfg = tmp_path / "config.toml"
    cfg.write_text(f'[store]\npath = "{db_dir / "cxinbox.db"}"\n')
    from cxinbox.store.db import Database

    Database(db_dir / "cxinbox.db").close()  # the cache a sync made (doctor makes none)
    first = cx_here("doctor", "--config", str(cfg))  # in this process: the output alone
    assert first.returncode == 0, first.stdout + first.stderr
    (db_dir / "cxinbox.db").chmod(0o644)
    second = cx("doctor", "--config", str(cfg))
    assert second.returncode == 1
    out = unwrap(second.stdout)
    assert "mode 0644" in out and "chmod 600" in out


@pytest.mark.dovecot
def test_reindex_rebuilds_derived_fields_from_raw(dovecot: Any, tmp_path: Path) -> None:
    dovecot.deliver_many(generate_corpus(30, seed=12), "INBOX")
    cfg = write_config(tmp_path, dovecot)
    assert cx("sync", "--once", "--config", str(cfg)).returncode == 0
    import sqlite3

    db_path = tmp_path / "data" / "cxinbox.db"
    conn = sqlite3.connect(db_path)
    before = conn.execute("SELECT id, subject, body_text FROM messages ORDER BY id").fetchall()
    conn.execute("UPDATE messages SET subject = 'garbled', body_text = 'garbled'")
    conn.commit()
    conn.close()
    out = cx_here("reindex", "--config", str(cfg))
    assert out.returncode == 0 and "reindexed 30 message(s)" in out.stdout
    conn = sqlite3.connect(db_path)
    after = conn.execute("SELECT id, subject, body_text FROM messages ORDER BY id").fetchall()
    hits = conn.execute("SELECT count(*) FROM messages_fts WHERE messages_fts MATCH 'garbled'")
    assert after == before
    assert hits.fetchone()[0] == 0
    conn.close()


@pytest.mark.dovecot
def test_attachment_command_saves_exact_bytes_safely(dovecot: Any, tmp_path: Path) -> None:
    import email
    from email import policy

    corpus = list(generate_corpus(120, seed=8))
    dovecot.deliver_many(corpus, "INBOX")
    cfg = write_config(tmp_path, dovecot)
    assert cx("sync", "--once", "--config", str(cfg)).returncode == 0
    # In this process (tests/support/clirun.py) but for the refusals, whose exit status
    # and stderr line a child shows as a script sees them.
    listed = json.loads(cx_here("list", "has:attachment", "--json", "--config",
                                str(cfg)).stdout)
    conv = listed["conversations"][0]["id"]
    human = cx_here("show", str(conv), "--config", str(cfg)).stdout
    detail = json.loads(cx_here("show", str(conv), "--json", "--config", str(cfg)).stdout)
    message = next(m for m in detail["messages"] if m["attachments"])
    att = message["attachments"][0]
    hint = f"save: cxinbox attachment {message['id']} {att['part_path']}"
    assert hint in human
    out = tmp_path / "saved"
    out.mkdir()
    first = cx_here("attachment", str(message["id"]), att["part_path"], "--out", str(out),
                    "--json", "--config", str(cfg))
    assert first.returncode == 0, first.stderr
    saved = Path(json.loads(first.stdout)["path"])
    assert saved.parent == out and (saved.stat().st_mode & 0o777) == 0o600
    originals = [part.get_payload(decode=True) for raw in corpus
                 for part in email.message_from_bytes(raw, policy=policy.default).walk()
                 if part.get_filename() == att["filename"]]
    assert saved.read_bytes() in originals
    second = cx_here("attachment", str(message["id"]), att["part_path"], "-o", str(out),
                     "--config", str(cfg))
    assert second.returncode == 0 and "(2)" in second.stdout  # never overwrites
    assert len(list(out.iterdir())) == 2
    missing = cx("attachment", str(message["id"]), "9.9", "-o", str(out), "--config", str(cfg))
    assert "has no part" in assert_one_line_error(missing, 3)
    nowhere = cx("attachment", str(message["id"]), att["part_path"], "-o",
                 str(tmp_path / "nope"), "--config", str(cfg))
    assert "no such folder" in assert_one_line_error(nowhere, 2)
    audit = cx_here("audit", "--json", "--config", str(cfg))
    assert sum(e["action"] == "attachment.export" for e in json.loads(audit.stdout)) == 2
