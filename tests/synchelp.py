"""Shared helpers for tests that sync from the real Dovecot the fixture starts."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path
from typing import Any

from cxinbox.channels.credentials import resolve_password
from cxinbox.config import Config, load_config
from cxinbox.service.sync import MailSync
from cxinbox.store.db import Database


def write_config(tmp: Path, server: Any, *, port: int | None = None, tls: str = "implicit",
                 ca_file: Path | None | bool = True, folders: tuple[str, ...] = ("INBOX",),
                 extra_sync: str = "", name: str = "appointments", batch_size: int = 100,
                 extra_account: str = "") -> Path:
    """A config file for one account on the fixture server; the password in a 0600 file."""
    secret = tmp / f"{name}.pass"
    secret.write_text(server.password + "\n")
    os.chmod(secret, 0o600)
    if port is None:
        port = server.imaps_port if tls == "implicit" else server.imap_port
    ca_line = f'ca_file = "{server.ca_file}"' if ca_file is True else (
        f'ca_file = "{ca_file}"' if isinstance(ca_file, Path) else "")
    folder_list = ", ".join(f'"{f}"' for f in folders)
    text = f"""
[clinic]
name = "Test Clinic"
timezone = "America/New_York"

[store]
path = "{tmp / 'data' / 'cxinbox.db'}"

[sync]
batch_size = {batch_size}
socket_timeout_s = 10
connect_timeout_s = 5
reconnect_max_s = 2
{extra_sync}

[[accounts]]
name = "{name}"
host = "127.0.0.1"
port = {port}
tls = "{tls}"
{ca_line}
username = "{server.user}"
address = "appointments@riverside-clinic.example"
folders = [{folder_list}]
password_file = "{secret}"
{extra_account}
"""
    path = tmp / "config.toml"
    path.write_text(text)
    return path


def make_sync(config_path: Path) -> tuple[Config, Database, MailSync]:
    config = load_config(config_path)
    db = Database(config.db_path)
    engine = MailSync(db, config, lambda a: resolve_password(a.name, a.credentials))
    return config, db, engine


def server_digests(server: Any, folder: str = "INBOX") -> dict[int, bytes]:
    """UID -> SHA-256 of every message on the server, fetched independently of cxinbox."""
    client = server.imap_client()
    try:
        client.select_folder(folder, readonly=True)
        uids = client.search("ALL")
        out: dict[int, bytes] = {}
        for start in range(0, len(uids), 500):
            chunk = uids[start:start + 500]
            for uid, data in client.fetch(chunk, ["BODY.PEEK[]"]).items():
                out[int(uid)] = hashlib.sha256(data[b"BODY[]"]).digest()
        return out
    finally:
        client.logout()


def store_digests(db: Database, account: str = "appointments",
                  folder: str = "INBOX") -> dict[int, bytes]:
    rows = db.conn.execute(
        "SELECT l.uid, r.sha256 FROM locations l JOIN folders f ON f.id = l.folder_id"
        " JOIN messages m ON m.id = l.message_pk JOIN raw_messages r ON r.id = m.raw_id"
        " WHERE f.account = ? AND f.name = ?", (account, folder)).fetchall()
    return {int(uid): bytes(sha) for uid, sha in rows}


def live_message_count(db: Database) -> int:
    return int(db.conn.execute("SELECT count(*) FROM messages WHERE gone_at IS NULL"
                               " AND channel = 'email'").fetchone()[0])
