"""Storing SMS messages: one conversation per (clinic number, patient number).

The provider's JSON record is the raw message (kept with its SHA-256 like mail), so a
record delivered twice in overlapping poll windows inserts nothing the second time.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
from dataclasses import dataclass

from cxinbox.store import fts


@dataclass(frozen=True, slots=True)
class SmsRecord:
    provider_id: str  # the provider's message id (e.g. "SM..."): the dedupe key
    clinic_number: str  # E.164
    patient_number: str  # E.164
    direction: str  # in | out
    body: str
    at: int  # epoch seconds
    patient_name: str = ""
    media: tuple[tuple[str, str, int], ...] = ()  # (filename or url, content type, size)
    raw: bytes = b""  # provider JSON; built from the fields when empty

    def raw_bytes(self) -> bytes:
        if self.raw:
            return self.raw
        return json.dumps({"sid": self.provider_id, "from": self.patient_number if
                           self.direction == "in" else self.clinic_number,
                           "to": self.clinic_number if self.direction == "in" else
                           self.patient_number, "body": self.body, "date": self.at},
                          sort_keys=True, ensure_ascii=False).encode("utf-8")


def _title(body: str, width: int = 60) -> str:
    """A conversation title from the first text message: its first line, shortened."""
    first = " ".join((body.strip().splitlines() or [""])[0].split())
    return first if len(first) <= width else first[: width - 1].rstrip() + "…"


def _conversation_for(conn: sqlite3.Connection, rec: SmsRecord) -> int:
    row = conn.execute(
        "SELECT id FROM conversations WHERE channel = 'sms' AND mailbox = ? AND from_addr = ?"
        " AND merged_into IS NULL ORDER BY id DESC LIMIT 1",
        (rec.clinic_number, rec.patient_number)).fetchone()
    if row is not None:
        return int(row[0])
    cur = conn.execute(
        "INSERT INTO conversations (subject, norm_subject, channel, mailbox, from_name, from_addr,"
        " participants, created_at, last_message_at) VALUES (?, '', 'sms', ?, ?, ?, ?, ?, ?)",
        (_title(rec.body) or f"SMS {rec.patient_number}", rec.clinic_number, rec.patient_name,
         rec.patient_number, rec.patient_number, rec.at, rec.at))
    return int(cur.lastrowid or 0)


def insert_sms(conn: sqlite3.Connection, rec: SmsRecord) -> tuple[int | None, int | None]:
    """Store one SMS in the caller's transaction; (message pk, conversation) or (None, None)
    when the provider record was stored before."""
    raw = rec.raw_bytes()
    sha = hashlib.sha256(f"sms:{rec.provider_id}".encode()).digest()
    cur = conn.execute("INSERT OR IGNORE INTO raw_messages (sha256, size, data) VALUES (?, ?, ?)",
                       (sha, len(raw), raw))
    if cur.rowcount != 1:
        return None, None
    raw_id = int(cur.lastrowid or 0)
    conv = _conversation_for(conn, rec)
    inbound = rec.direction == "in"
    sender = rec.patient_number if inbound else rec.clinic_number
    recipient = rec.clinic_number if inbound else rec.patient_number
    attachments = [{"filename": name, "content_type": ctype, "size": size, "part_path": str(i),
                    "inline": False} for i, (name, ctype, size) in enumerate(rec.media, 1)]
    msg = conn.execute(
        "INSERT INTO messages (raw_id, conversation_id, channel, direction, message_id, subject,"
        " from_name, from_addr, sender, to_addrs, date, body_text, attachments, has_attachment,"
        " seen) VALUES (?, ?, 'sms', ?, ?, '', ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (raw_id, conv, rec.direction, rec.provider_id, rec.patient_name if inbound else "",
         sender, f"{rec.patient_name if inbound else ''} {sender}".strip(),
         json.dumps([["", recipient]]), rec.at, rec.body, json.dumps(attachments),
         int(bool(attachments)), int(not inbound)))
    conn.execute(
        "UPDATE conversations SET message_count = message_count + 1,"
        " last_message_at = max(last_message_at, ?),"
        " last_inbound_at = CASE WHEN ? THEN max(coalesce(last_inbound_at, 0), ?)"
        "   ELSE last_inbound_at END,"
        " first_response_at = CASE WHEN ? AND first_response_at IS NULL THEN ?"
        "   ELSE first_response_at END,"
        " last_response_at = CASE WHEN ? THEN max(coalesce(last_response_at, 0), ?)"
        "   ELSE last_response_at END,"
        " unread_count = unread_count + ?, has_attachment = max(has_attachment, ?),"
        " from_name = CASE WHEN from_name = '' THEN ? ELSE from_name END, sla_dirty = 1"
        " WHERE id = ?",
        (rec.at, inbound, rec.at, not inbound, rec.at, not inbound, rec.at, int(inbound),
         int(bool(attachments)), rec.patient_name, conv))
    fts.index_pending(conn)
    return int(msg.lastrowid or 0), conv
