"""Shared helpers for the team-workflow tests (tests/test_team_*.py): a config with a roster
and an SLA policy, a service with an injected clock, and mail stored through real ingest.
"""

from __future__ import annotations

import hashlib
import itertools
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from cxinbox.config import Config, load_config
from cxinbox.domain.models import Address, ParsedMessage
from cxinbox.service.inbox import InboxService
from cxinbox.store import ingest
from cxinbox.store.db import Database

T0 = int(datetime(2025, 3, 4, 15, 0, tzinfo=UTC).timestamp())  # a Tuesday afternoon
DESK = "desk@clinic.example"

_ROSTER = {"maria": ("Maria Lopez", "agent"), "jsmith": ("John Smith", "agent"),
           "lead": ("Pat Lead", "supervisor")}

_SLA = """
[sla.calendars.always]
timezone = "UTC"

[sla.calendars.always.hours]
mon = ["00:00-24:00"]
tue = ["00:00-24:00"]
wed = ["00:00-24:00"]
thu = ["00:00-24:00"]
fri = ["00:00-24:00"]
sat = ["00:00-24:00"]
sun = ["00:00-24:00"]

[[sla.policies]]
name = "front desk"
calendar = "always"
first_response = "1h"
next_response = "1h"
at_risk_fraction = 0.75
"""


class Clock:
    """Epoch seconds that only move when a test says so."""

    def __init__(self, now: int = T0) -> None:
        self.now = now

    def __call__(self) -> float:
        return float(self.now)


def write_config(tmp_path: Path, *, sla: bool = True,
                 notify: list[str] | None = None) -> Path:
    lines = ["[clinic]", 'timezone = "UTC"', "", "[store]",
             f'path = "{tmp_path / "data" / "cxinbox.db"}"', ""]
    for user, (name, role) in _ROSTER.items():
        lines += ["[[staff]]", f'os_user = "{user}"', f'name = "{name}"', f'role = "{role}"', ""]
    text = "\n".join(lines)
    if sla:
        text += _SLA
        if notify:
            argv = ", ".join(f'"{a}"' for a in notify)
            text = text.replace("[sla.calendars.always]\n",
                                f"[sla]\nnotify_command = [{argv}]\n\n[sla.calendars.always]\n")
    path = tmp_path / "config.toml"
    path.write_text(text)
    return path


def open_service(tmp_path: Path, actor: str = "maria", *, sla: bool = True,
                 notify: list[str] | None = None, clock: Clock | None = None,
                 store: Any = None) -> tuple[Config, Database, InboxService, Clock]:
    """`store`: the `any_store` fixture's store (SQLite or PostgreSQL); None opens the
    SQLite file the config names."""
    config = load_config(write_config(tmp_path, sla=sla, notify=notify))
    db = store if store is not None else Database(config.db_path, synchronous="OFF")
    clock = clock or Clock()
    return config, db, InboxService(db, config, actor, clock=clock), clock


_uids = itertools.count(1)


def deliver(db: Database, *, sender: str, at: int, subject: str = "Blood test results",
            message_id: str | None = None, in_reply_to: str | None = None,
            references: tuple[str, ...] = (), to: str = DESK, name: str = "",
            folder: str = "INBOX", mailbox: str = "desk", seen: bool = False,
            auto: bool = False) -> int:
    """One message stored through ingest exactly as sync would; returns its conversation.
    Mail from DESK is ours (direction out), anything else is a patient's."""
    uid = next(_uids)
    parsed = ParsedMessage(
        message_id=message_id or f"m{uid}@mail.example", in_reply_to=in_reply_to,
        references=list(references), subject=subject, from_addr=Address(name, sender),
        to=[Address("", to)], cc=[], reply_to=[], date=datetime.fromtimestamp(at, UTC),
        body_text=f"message {uid}", auto_submitted=auto)
    raw = f"raw {uid} {message_id} {at}".encode()
    with db.write() as conn:
        state = ingest.folder_state(conn, mailbox, folder)
        (conv,) = ingest.ingest_batch(
            conn, state, [ingest.FetchedMessage(uid, "\\Seen" if seen else "", None, None, raw,
                                                hashlib.sha256(raw).digest(), parsed)],
            own_addresses=frozenset({DESK}), watermark=uid, now=at + 60)
    return conv


def events(db: Database, action: str, target: str | None = None) -> list[dict[str, object]]:
    import json

    sql = "SELECT actor, details, target FROM events WHERE action = ?"
    params: list[object] = [action]
    if target is not None:
        sql += " AND target = ?"
        params.append(target)
    return [{"actor": r[0], "target": r[2], **json.loads(r[1])}
            for r in db.conn.execute(sql + " ORDER BY seq", params)]


def row(db: Database, conv_id: int) -> dict[str, object]:
    r = db.conn.execute("SELECT * FROM conversations WHERE id = ?", (conv_id,)).fetchone()
    return dict(r)
