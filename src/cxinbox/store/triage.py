"""Triage fields at ingest: the messages still to assess, what the detectors found, and the
open red flag of a conversation. SQL only; the decisions are service/redflags.py's.

`conversations.red_flag` is the one stored answer to "is this conversation red-flagged?":
the detector's category while its flag is open, `STAFF_FLAG` ('') while a flag a person
raised with the `red-flag` tag is open, NULL when none is. The query language (`is:red-flag`,
`red-flag:`), the summaries, the reply blocks and the rules all read this column.

The cursor (`triage_cursor.upto`) moves in the same transaction as the stored findings,
so a crash either keeps a batch's assessments and alerts or none of them, and a replayed
batch is never assessed (or alerted on) twice.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Container, Sequence
from typing import TYPE_CHECKING, Final

from cxinbox.domain.intent_kept import conversation_intent
from cxinbox.store import records
from cxinbox.store.dialect import dialect_of
from cxinbox.store.records import STAFF_FLAG

if TYPE_CHECKING:
    from cxinbox.store.records import (
        RedFlagState,
        TriageCandidate,
    )

_HEADER_BYTES = 16_384

OPEN_SQL: Final = "c.red_flag IS NOT NULL"
"""An open red flag, as a condition on `conversations c` (see the module docstring)."""


def pending(conn: sqlite3.Connection, limit: int, *,
            known: Container[bytes] = frozenset()) -> tuple[list[TriageCandidate], int]:
    """Inbound messages stored since the cursor (oldest first), and the newest message id
    there is (where the cursor goes once these are done). A first sync's backlog
    (`messages.backlog_at`, marked when stored: received long before) is passed over (the
    cursor still moves past it); how long ago a message was dated is not asked here or
    anywhere in triage. `known`: raw SHA-256s whose assessment the caller has (made
    beside parsing): those come without their text (subject, body and head empty), which
    is then not read at all; a first sync's thousands of old messages cost the cursor an
    index walk, not their bodies."""
    upto = int(conn.execute("SELECT upto FROM triage_cursor WHERE id = 1").fetchone()[0])
    newest = int(conn.execute("SELECT coalesce(max(id), 0) FROM messages").fetchone()[0])
    if newest <= upto:
        return [], upto
    rows = conn.execute(
        "SELECT m.id, m.conversation_id, m.channel, m.date, r.sha256, m.from_addr,"
        " m.received_at"
        " FROM messages m JOIN raw_messages r ON r.id = m.raw_id"
        " WHERE m.id > ? AND m.direction = 'in' AND m.backlog_at IS NULL"
        " ORDER BY m.id LIMIT ?", (upto, limit)).fetchall()
    if len(rows) == limit:
        newest = int(rows[-1][0])
    texts: dict[int, tuple[str, str, bytes]] = {}
    wanted = [int(r[0]) for r in rows if bytes(r[4]) not in known]
    for start in range(0, len(wanted), 500):
        chunk = wanted[start:start + 500]
        marks = ",".join("?" * len(chunk))
        for pk, subject, body, head in conn.execute(
                "SELECT m.id, m.subject, m.body_text,"
                " CASE WHEN m.channel = 'email' THEN substr(r.data, 1, ?) END"
                " FROM messages m JOIN raw_messages r ON r.id = m.raw_id"
                f" WHERE m.id IN ({marks})", (_HEADER_BYTES, *chunk)):
            texts[int(pk)] = (str(subject), str(body), bytes(head or b""))
    return [records.TriageCandidate(int(r[0]), int(r[1]), str(r[2]), int(r[3]),
                            *texts.get(int(r[0]), ("", "", b"")), bytes(r[4]),
                            str(r[5] or ""), None if r[6] is None else int(r[6]))
            for r in rows], newest


def advance(conn: sqlite3.Connection, upto: int) -> None:
    conn.execute(f"UPDATE triage_cursor SET upto = {dialect_of(conn).greatest}(upto, ?)"
                 " WHERE id = 1", (upto,))


def record_message(conn: sqlite3.Connection, message_pk: int, intent: str, confidence: float,
                   red_flag: str | None, matched: str) -> None:
    conn.execute("UPDATE messages SET intent = ?, intent_confidence = ?, red_flag = ?,"
                 " red_flag_matched = ? WHERE id = ?",
                 (intent, confidence, red_flag, matched or None, message_pk))


def set_intent(conn: sqlite3.Connection, conv_id: int, intent: str, confidence: float,
               language: str) -> None:
    """A newly assessed patient message's intent, as the conversation takes it
    (`domain.intent_kept.conversation_intent`: a content-free follow-up keeps the request the
    conversation is filed under); its language is the newest message's."""
    row = conn.execute("SELECT intent, intent_confidence FROM conversations WHERE id = ?",
                       (conv_id,)).fetchone()
    current = (str(row[0]), float(row[1] or 0.0)) if row is not None and row[0] else None
    intent, confidence = conversation_intent(current, (intent, confidence))
    conn.execute("UPDATE conversations SET intent = ?, intent_confidence = ?, language = ?"
                 " WHERE id = ?", (intent, confidence, language, conv_id))


def red_flag_state(conn: sqlite3.Connection, conv_id: int) -> RedFlagState | None:
    row = conn.execute(
        "SELECT id, red_flag, coalesce(red_flag_matched, ''), red_flag_message, red_flag_at"
        " FROM conversations WHERE id = ?", (conv_id,)).fetchone()
    if row is None:
        return None
    return records.RedFlagState(int(row[0]), row[1] or None, str(row[2]), row[3], row[4],
                        is_open=row[1] is not None)


def open_flag(conn: sqlite3.Connection, conv_id: int, category: str, matched: str,
              message_pk: int, at: int) -> None:
    conn.execute("UPDATE conversations SET red_flag = ?, red_flag_matched = ?,"
                 " red_flag_message = ?, red_flag_at = ?, priority = 'urgent', sla_dirty = 1"
                 " WHERE id = ?", (category, matched, message_pk, at, conv_id))


def open_staff_flags(conn: sqlite3.Connection, conv_ids: Sequence[int], at: int) -> list[int]:
    """Open a flag a person raised (no detector category) on each of `conv_ids` that has
    none open; returns those it opened. An open detector flag keeps its category."""
    opened: list[int] = []
    for conv_id in conv_ids:
        cur = conn.execute("UPDATE conversations SET red_flag = ?, red_flag_at = ?,"
                           " sla_dirty = 1 WHERE id = ? AND red_flag IS NULL",
                           (STAFF_FLAG, at, conv_id))
        if cur.rowcount:
            opened.append(conv_id)
    return opened


def clear_flag(conn: sqlite3.Connection, conv_id: int, at: int) -> None:
    """Close the flag, whoever raised it; `red_flag_message` stays, so only a NEWER message
    flags again, and `red_flag_at` records the clearing. The tags stay (reports count them)
    but no longer block anything."""
    conn.execute("UPDATE conversations SET red_flag = NULL, red_flag_at = ?, sla_dirty = 1"
                 " WHERE id = ?", (at, conv_id))
