"""SQL of the satisfaction question (CSAT): scheduling, sending, answers and the report.

The scheduler follows the event log from a cursor (`csat_cursor`) for closes and reopens,
so no other module has to call it when a conversation is closed. The answer is read in the
ingest transaction (`take_answer`), where the decision "reopen or not" is made.
"""

from __future__ import annotations

import json
import sqlite3
from typing import TYPE_CHECKING

from cxinbox.store import records
from cxinbox.store.conversations import insert_note
from cxinbox.store.db import append_event

if TYPE_CHECKING:
    from cxinbox.store.records import (
        CsatDue,
        CsatRatingRow,
        CsatStatusChange,
    )

ACTOR = "csat"


def csat_cursor(conn: sqlite3.Connection) -> int | None:
    row = conn.execute("SELECT seq FROM csat_cursor WHERE id = 1").fetchone()
    return None if row is None else int(row[0])


def set_csat_cursor(conn: sqlite3.Connection, seq: int) -> None:
    conn.execute("INSERT INTO csat_cursor (id, seq) VALUES (1, ?)"
                 " ON CONFLICT (id) DO UPDATE SET seq = excluded.seq", (seq,))


def seq_before(conn: sqlite3.Connection, at: int) -> int:
    """The newest event older than `at` (epoch seconds); 0 when none. Scans the log once:
    only the scheduler's very first round asks it."""
    row = conn.execute("SELECT max(seq) FROM events WHERE at < ?", (at * 1000,)).fetchone()
    return int(row[0] or 0)


def status_changes_after(conn: sqlite3.Connection, seq: int,
                         limit: int) -> list[CsatStatusChange]:
    """Status events after `seq` (by the primary key: cheap on a long log), oldest first."""
    out: list[CsatStatusChange] = []
    for row in conn.execute("SELECT seq, at, actor, target, details FROM events WHERE seq > ?"
                            " AND action = 'conversation.status' ORDER BY seq LIMIT ?",
                            (seq, limit)):
        target = str(row[3])
        if not target.startswith("conversation:") or not target[13:].isdigit():
            continue
        try:
            details = json.loads(row[4] or "{}")
        except ValueError:
            continue
        to = details.get("to") if isinstance(details, dict) else None
        out.append(records.CsatStatusChange(int(row[0]), int(row[1]) // 1000, str(row[2]),
                                    int(target[13:]), str(to or "")))
    return out


def schedule_csat(conn: sqlite3.Connection, conv_id: int, closed_at: int, due_at: int,
                  staff: str) -> None:
    """Ask `due_at`, unless this conversation was asked (or skipped) before: once, ever."""
    conn.execute(
        "INSERT INTO csat_requests (conversation_id, state, closed_at, due_at, staff)"
        " VALUES (?, 'scheduled', ?, ?, ?) ON CONFLICT (conversation_id) DO UPDATE SET"
        " state = 'scheduled', closed_at = excluded.closed_at, due_at = excluded.due_at,"
        " staff = excluded.staff, reason = ''"
        " WHERE csat_requests.state IN ('scheduled', 'cancelled')",
        (conv_id, closed_at, due_at, staff))


def cancel_csat(conn: sqlite3.Connection, conv_id: int, reason: str) -> bool:
    cur = conn.execute("UPDATE csat_requests SET state = 'cancelled', reason = ?"
                       " WHERE conversation_id = ? AND state = 'scheduled'", (reason, conv_id))
    return cur.rowcount > 0


def csat_due(conn: sqlite3.Connection, now: int, limit: int = 100) -> list[CsatDue]:
    rows = conn.execute(
        "SELECT r.id, r.conversation_id, r.staff, c.status, c.channel, c.mailbox, c.from_addr,"
        " c.merged_into IS NOT NULL FROM csat_requests r JOIN conversations c"
        " ON c.id = r.conversation_id WHERE r.state = 'scheduled' AND r.due_at <= ?"
        " ORDER BY r.due_at, r.id LIMIT ?", (now, limit)).fetchall()
    out: list[CsatDue] = []
    for r in rows:
        tags = tuple(t[0] for t in conn.execute(
            "SELECT tag FROM conversation_tags WHERE conversation_id = ? ORDER BY tag", (r[1],)))
        out.append(records.CsatDue(int(r[0]), int(r[1]), str(r[2]), str(r[3]), str(r[4]), str(r[5]),
                           str(r[6] or ""), bool(r[7]), tags))
    return out


def patient_asked_since(conn: sqlite3.Connection, patient: str, since: int) -> bool:
    row = conn.execute("SELECT 1 FROM csat_requests WHERE patient = ? AND state = 'sent'"
                       " AND asked_at >= ? LIMIT 1", (patient.lower(), since)).fetchone()
    return row is not None


def finish_csat(conn: sqlite3.Connection, request_id: int, *, state: str, reason: str = "",
                patient: str = "", channel: str = "", lang: str = "",
                outbox_id: int | None = None, asked_at: int | None = None,
                answer_until: int | None = None) -> bool:
    """Settle a scheduled question (sent or skipped); False if it was not scheduled any more."""
    cur = conn.execute(
        "UPDATE csat_requests SET state = ?, reason = ?, patient = ?, channel = ?, lang = ?,"
        " outbox_id = ?, asked_at = ?, answer_until = ? WHERE id = ? AND state = 'scheduled'",
        (state, reason, patient.lower(), channel, lang, outbox_id, asked_at, answer_until,
         request_id))
    return cur.rowcount > 0


def take_answer(conn: sqlite3.Connection, conv_id: int, message_pk: int, body: str,
                channel: str, at: int) -> bool:
    """Read a patient's reply as the answer to an open question, in the ingest transaction.

    Stores the rating (a later rating within the answer window replaces an earlier one),
    with a note in the thread and a `csat.rated` event. Returns True when the reply is only
    a rating: the caller then leaves the conversation as it is instead of reopening it.
    """
    row = conn.execute(
        "SELECT id, lang, rating FROM csat_requests WHERE conversation_id = ? AND state = 'sent'"
        " AND asked_at <= ? AND answer_until >= ?", (conv_id, at, at)).fetchone()
    if row is None:
        return False
    # here: only a reply to an open question reads it (a sync's process need not load the
    # answer reader and the quoted-text splitter otherwise)
    from cxinbox.domain.csat import read_rating

    rating, more = read_rating(body, str(row[1] or "en"), channel)
    if rating is None:
        return False
    conn.execute("UPDATE csat_requests SET rating = ?, rated_at = ?, rating_message = ?"
                 " WHERE id = ?", (rating, at, message_pk, row[0]))
    earlier = None if row[2] is None else int(row[2])
    text = f"Patient rated {rating}/5" + ("" if earlier is None else
                                           f" (replaces the earlier {earlier}/5)")
    conn.execute("INSERT INTO csat_answers (message_pk, request_id, rating, rating_only)"
                 " VALUES (?, ?, ?, ?) ON CONFLICT (message_pk) DO UPDATE SET"
                 " request_id = excluded.request_id, rating = excluded.rating,"
                 " rating_only = excluded.rating_only",
                 (message_pk, row[0], rating, int(not more)))
    insert_note(conn, conv_id, ACTOR, text, at)
    append_event(conn, ACTOR, "csat.rated", f"conversation:{conv_id}",
                 {"conversation": conv_id, "request": int(row[0]), "rating": rating,
                  "message": message_pk, "replaces": earlier, "more_text": more})
    return not more


def csat_ratings(conn: sqlite3.Connection, since: int, until: int) -> list[CsatRatingRow]:
    """Answers given in [since, until), with the staff and mailbox they count for."""
    return [records.CsatRatingRow(int(r[0]), int(r[1]), int(r[2]), str(r[3]), str(r[4]), str(r[5]))
            for r in conn.execute(
                "SELECT r.conversation_id, r.rating, r.rated_at, r.staff, c.mailbox, c.channel"
                " FROM csat_requests r JOIN conversations c ON c.id = r.conversation_id"
                " WHERE r.rating IS NOT NULL AND r.rated_at >= ? AND r.rated_at < ?"
                " ORDER BY r.rated_at, r.conversation_id", (since, until))]


def csat_asked(conn: sqlite3.Connection, since: int, until: int) -> int:
    row = conn.execute("SELECT count(*) FROM csat_requests WHERE state = 'sent'"
                       " AND asked_at >= ? AND asked_at < ?", (since, until)).fetchone()
    return int(row[0])
