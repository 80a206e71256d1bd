"""The audit signing keys several servers on one database use, and a copy of what they
signed (PostgreSQL only: tables `cxinbox_audit_keys` and `cxinbox_audit_checkpoints`).

Under a leader lease one server at a time signs the audit checkpoints, each with its own
key (service/anchor.py). For any host to verify a trail signed by several keys, each key's
public half is registered here when its server first signs, in the same transaction as an
`audit.key` event: the registration sits inside the hash chain, so the checkpoints the
other keys signed vouch for it, and it cannot be moved into the past without rewriting
the chain. Each checkpoint line is also kept here (signed; the server's own log file stays
the copy outside the database). SQL only.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from typing import Any

from cxinbox.domain.audit_registry import registers
from cxinbox.store.db import append_event
from cxinbox.store.records import AuditKeyRecord

KEY_ACTION = "audit.key"


def _record(row: Sequence[Any]) -> AuditKeyRecord:
    return AuditKeyRecord(str(row[0]), str(row[1]), str(row[2]), int(row[3]), int(row[4]),
                          int(row[5] or 0) if len(row) > 5 else 0)


def audit_keys(conn: sqlite3.Connection, *, carried: bool = True) -> list[AuditKeyRecord]:
    """Every registered key, oldest registration first. `carried`: the table has the
    `carried_seq` column (a database no server of this version opened yet lacks it)."""
    more = ", carried_seq" if carried else ""
    return [_record(r) for r in conn.execute(
        f"SELECT key_id, public_key, host, first_at, first_seq{more} FROM cxinbox_audit_keys"
        " ORDER BY first_seq, key_id")]


def carry_registrations(conn: sqlite3.Connection, actor: str, before_seq: int) -> int:
    """Repeat, inside the kept trail, the registration of each key whose registering event
    is about to be released (it lies before `before_seq`, the trail's new start); returns
    how many. In the caller's write transaction, the one recording the new start, while
    the released events are still in the table: a registration is carried only when its
    present event (the first, or an earlier carry) registers exactly this row. The new
    `audit.key` event names the first registration's event (`first_seq`), so the row's
    start of trust cannot be moved back later without the chain noticing."""
    carried = 0
    for key in audit_keys(conn):
        present = key.carried_seq or key.first_seq
        if present >= before_seq:
            continue
        if not registers(registration_details(conn, present), key.key_id, key.public_key):
            continue  # the row is not what the trail registered: verification says so
        seq = append_event(conn, actor, KEY_ACTION, f"key:{key.key_id}",
                           {"key": key.key_id, "public_key": key.public_key, "host": key.host,
                            "first_seq": key.first_seq, "carried": True})
        conn.execute("UPDATE cxinbox_audit_keys SET carried_seq = ? WHERE key_id = ?",
                      (seq, key.key_id))
        carried += 1
    return carried


def register_audit_key(conn: sqlite3.Connection, actor: str, key_id: str, public_key: str,
                       host: str, at: int) -> AuditKeyRecord:
    """The key's registration, made now (with its `audit.key` event) unless it exists."""
    row = conn.execute("SELECT key_id, public_key, host, first_at, first_seq, carried_seq"
                       " FROM cxinbox_audit_keys WHERE key_id = ?", (key_id,)).fetchone()
    if row is not None:
        return _record(row)
    seq = append_event(conn, actor, KEY_ACTION, f"key:{key_id}",
                       {"key": key_id, "public_key": public_key, "host": host})
    conn.execute("INSERT INTO cxinbox_audit_keys (key_id, public_key, host, first_at,"
                 " first_seq) VALUES (?, ?, ?, ?, ?)", (key_id, public_key, host, at, seq))
    return AuditKeyRecord(key_id, public_key, host, at, seq)


def keep_checkpoint(conn: sqlite3.Connection, key_id: str, seq: int, at: int,
                    line: str) -> None:
    conn.execute("INSERT INTO cxinbox_audit_checkpoints (key_id, seq, at, line)"
                 " VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING", (key_id, seq, at, line))


def kept_checkpoints(conn: sqlite3.Connection) -> list[str]:
    """Every checkpoint line kept in the database, per key in the order it was signed."""
    return [str(r[0]) for r in conn.execute(
        "SELECT line FROM cxinbox_audit_checkpoints ORDER BY key_id, at, seq")]


def prune_checkpoints(conn: sqlite3.Connection, before_seq: int) -> int:
    """Delete the kept lines that signed only events before `before_seq` (the trail's
    start, once retention deleted what it released), except each key's newest line; how
    many went.

    Verification has no use for them: a checkpoint of an event that is gone under a signed
    start is skipped (service/audit_verify.py `_compare`), and the database's copy may
    begin anywhere in a key's sequence. A key's newest line stays so the copy still shows
    what each key signed last, and its successor still follows it. The server's own log
    file keeps every line it wrote."""
    cur = conn.execute(
        "DELETE FROM cxinbox_audit_checkpoints AS c WHERE c.seq < ? AND EXISTS ("
        "SELECT 1 FROM cxinbox_audit_checkpoints AS n WHERE n.key_id = c.key_id"
        " AND (n.at > c.at OR (n.at = c.at AND n.seq > c.seq)))", (before_seq,))
    return max(0, int(cur.rowcount))


def registration_details(conn: sqlite3.Connection, seq: int) -> str | None:
    """The details of event `seq` when it is a key registration, else None."""
    row = conn.execute("SELECT details FROM events WHERE seq = ? AND action = ?",
                       (seq, KEY_ACTION)).fetchone()
    return None if row is None else str(row[0])
