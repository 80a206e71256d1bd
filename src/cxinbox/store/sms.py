"""Storing SMS messages: one conversation per (clinic number, patient number).

The provider's JSON record is the raw message (kept like mail), addressed by the provider's
message id (sid): a record delivered twice in overlapping poll windows inserts nothing the
second time. Next to each `messages` row, `sms_messages` keeps what only SMS has: the delivery
status shown in the thread, the provider's error and the keyword the text carried. Opt-outs
(STOP / START) live in `sms_opt_outs`; the poll cursor per clinic number in `sms_cursors`.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from cxinbox.domain.sms import (  # noqa: F401 - the placeholder names are offered here
    PLACEHOLDER_PREFIX,
    Keyword,
    asks_nothing,
    parse_keyword,
    placeholder_sid,
    sms_raw_sha256,
)
from cxinbox.store import fts, records
from cxinbox.store.contacts import link_conversation
from cxinbox.store.conversations import insert_note, reopen_on_inbound
from cxinbox.store.csat import take_answer
from cxinbox.store.dialect import dialect_of, inserted_id, returned_id
from cxinbox.store.ingest import is_backlog
from cxinbox.store.records import SmsRecord as SmsRecord  # noqa: PLC0414 - offered here

if TYPE_CHECKING:
    from cxinbox.store.records import (
        DeliveryStatus,
        KnownSms,
        SmsMessageMedia,
    )

# A late-listed patient text older than the conversation's last message by more than this
# does not reopen a closed conversation (same rule as mail ingest).
REOPEN_SLACK_S = 3600
SYSTEM_AUTHOR = "system"
FINAL_STATUSES = frozenset({"delivered", "undelivered", "failed", "canceled", "read",
                            "received", "partially_delivered"})


Stored = records.StoredSms
Placeholder = records.SmsPlaceholder



@dataclass(frozen=True, slots=True)
class OptState:
    number: str
    state: str  # out | in
    keyword: str
    clinic_number: str
    changed_at: int
    message_pk: int | None


def _title(body: str, width: int = 60) -> str:
    """A conversation title from the first text message: its first line, shortened."""
    first = " ".join((body.strip().splitlines() or [""])[0].split())
    return first if len(first) <= width else first[: width - 1].rstrip() + "…"


def conversation_of_number(conn: sqlite3.Connection, clinic_number: str,
                           patient_number: str) -> int | None:
    """The conversation texts between these two numbers go to (None before the first)."""
    row = conn.execute(
        "SELECT id FROM conversations WHERE channel = 'sms' AND mailbox = ? AND from_addr = ?"
        " AND merged_into IS NULL ORDER BY id DESC LIMIT 1",
        (clinic_number, patient_number)).fetchone()
    return int(row[0]) if row is not None else None


def _conversation_for(conn: sqlite3.Connection, rec: SmsRecord,
                      keyword: bool) -> tuple[int, bool]:
    found = conversation_of_number(conn, rec.clinic_number, rec.patient_number)
    if found is not None:
        return found, False
    # A keyword (STOP, HELP...) from a number we never heard from files a conversation to
    # hold the thread line, closed and titled by the number: it asks nothing of the desk.
    return inserted_id(conn.execute(
        "INSERT INTO conversations (subject, norm_subject, channel, mailbox, from_name, from_addr,"
        " participants, created_at, last_message_at, status) VALUES (?, '', 'sms', ?, ?, ?, ?,"
        " ?, ?, ?) RETURNING id",
        ((not keyword and _title(rec.body)) or f"SMS {rec.patient_number}", rec.clinic_number,
         rec.patient_name, rec.patient_number, rec.patient_number, rec.at, rec.at,
         "closed" if keyword else "open"))), True


def _only_keywords(conn: sqlite3.Connection, conv_id: int) -> bool:
    """Whether every patient text of the conversation so far was a keyword (STOP, HELP...):
    nobody has asked the desk anything in it yet."""
    return conn.execute(
        "SELECT 1 FROM messages m LEFT JOIN sms_messages s ON s.message_pk = m.id"
        " WHERE m.conversation_id = ? AND m.direction = 'in' AND coalesce(s.keyword, '') = ''"
        " LIMIT 1", (conv_id,)).fetchone() is None


def insert_sms(conn: sqlite3.Connection, rec: SmsRecord) -> tuple[int | None, int | None]:
    """Store one SMS in the caller's transaction; (message pk, conversation) or (None, None)
    when the provider record was stored before."""
    stored = store_sms(conn, rec)
    return (None, None) if stored is None else (stored.message_pk, stored.conversation_id)


raw_sha256 = sms_raw_sha256


def store_sms(conn: sqlite3.Connection, rec: SmsRecord, *, index_text: bool = True,
              now: int | None = None, counts_as_response: bool = True,
              backlog_before: int | None = None) -> Stored | None:
    """Store one SMS in the caller's transaction, or return None when its sid is known.

    A patient's text reopens a conversation staff had set aside (unless it is an old text
    listed late) and ties a new conversation to the patient's contact. `index_text=False`
    leaves full-text indexing to one `fts.index_pending` call per batch.
    `counts_as_response=False`: an outbound text that is not the desk's answer (an automatic
    acknowledgement) leaves the response times, and so the SLA clock, alone.
    `backlog_before` (epoch seconds): an inbound text the provider received before then,
    stored by its clinic number's first poll (no cursor yet), is stored marked as backlog
    (`messages.backlog_at` = `now`, migration 27; store/ingest.py `is_backlog`); by a
    later poll, marked unscreened (`messages.unscreened_at`, migration 28: the detectors
    pass it over). A text's arrival (`received_at`) is the provider's time, its `date` too.
    """
    raw = rec.raw_bytes()
    if rec.direction not in ("in", "out", "auto"):
        raise ValueError(f"SMS direction {rec.direction!r}")
    sha = raw_sha256(rec.provider_id)
    raw_id = returned_id(conn.execute("INSERT INTO raw_messages (sha256, size, data)"
                                      " VALUES (?, ?, ?) ON CONFLICT DO NOTHING RETURNING id",
                                      (sha, len(raw), raw)))
    if raw_id is None:
        return None
    inbound = rec.direction == "in"
    # An opt-out, opt-in or help word (STOP, BAJA, START, HELP...) is recorded by the
    # poller, with a line in the thread; it asks nothing of the desk: it starts no SLA
    # clock, reopens nothing, and a conversation it opens is filed closed.
    keyword = inbound and asks_nothing(rec.body, is_opted_out(conn, rec.patient_number))
    conv, created = _conversation_for(conn, rec, keyword)
    answer = rec.direction == "out" and counts_as_response  # only the desk's answers count
    before = None if created else conn.execute(
        "SELECT status, last_message_at, contact_id FROM conversations WHERE id = ?",
        (conv,)).fetchone()
    if inbound and not keyword and before is not None and _only_keywords(conn, conv):
        # The patient's first request after keywords only: the conversation starts now,
        # with its words as its title (its SLA runs from this text, not from the STOP).
        conn.execute("UPDATE conversations SET created_at = ?, subject = ? WHERE id = ?",
                     (rec.at, _title(rec.body) or f"SMS {rec.patient_number}", conv))
    sender = rec.patient_number if inbound else rec.clinic_number
    recipient = rec.clinic_number if inbound else rec.patient_number
    ids = rec.media_ids or tuple("" for _ in rec.media)
    attachments = [{"filename": name, "content_type": ctype, "size": size,
                    "part_path": media_id or str(i), "inline": False}
                   for i, ((name, ctype, size), media_id) in enumerate(zip(rec.media, ids,
                                                                            strict=False), 1)]
    old = inbound and is_backlog(rec.at, backlog_before)
    # The number's first poll is the one before any poll of it finished (a listing that
    # found nothing counts: a quiet number's first late text is not backlog).
    first_poll = old and not polled_before(conn, rec.clinic_number)
    stored_at = rec.at if now is None else now
    message_pk = inserted_id(conn.execute(
        "INSERT INTO messages (raw_id, conversation_id, channel, direction, message_id, subject,"
        " from_name, from_addr, sender, to_addrs, date, body_text, attachments, has_attachment,"
        " seen, backlog_at, received_at, unscreened_at)"
        " VALUES (?, ?, 'sms', ?, ?, '', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
        (raw_id, conv, rec.direction, rec.provider_id, rec.patient_name if inbound else "",
         sender, f"{rec.patient_name if inbound else ''} {sender}".strip(),
         json.dumps([["", recipient]]), rec.at, rec.body, json.dumps(attachments),
         int(bool(attachments)), int(not inbound), stored_at if first_poll else None,
         rec.at, stored_at if old and not first_poll else None)))
    most = dialect_of(conn).greatest
    conn.execute(
        "UPDATE conversations SET message_count = message_count + 1,"
        f" last_message_at = {most}(last_message_at, ?),"
        f" last_inbound_at = CASE WHEN ? THEN {most}(coalesce(last_inbound_at, 0), ?)"
        "   ELSE last_inbound_at END,"
        " first_response_at = CASE WHEN ? AND first_response_at IS NULL THEN ?"
        "   ELSE first_response_at END,"
        f" last_response_at = CASE WHEN ? THEN {most}(coalesce(last_response_at, 0), ?)"
        "   ELSE last_response_at END,"
        f" unread_count = unread_count + ?, has_attachment = {most}(has_attachment, ?),"
        " from_name = CASE WHEN from_name = '' THEN ? ELSE from_name END, sla_dirty = 1"
        " WHERE id = ?",
        (rec.at, inbound and not keyword, rec.at, answer, rec.at, answer, rec.at, int(inbound),
         int(bool(attachments)), rec.patient_name, conv))
    stamp = rec.at if now is None else now
    conn.execute(
        "INSERT INTO sms_messages (sid, message_pk, clinic_number, patient_number, direction,"
        " status, error_code, error_message, num_segments, created_at, status_at)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (rec.provider_id, message_pk, rec.clinic_number, rec.patient_number,
         "in" if inbound else "out", rec.effective_status, rec.error_code, rec.error_message, rec.num_segments, rec.at,
         stamp))
    if inbound:
        # The answer to a satisfaction question that is only a rating leaves it closed.
        rating_only = not created and take_answer(conn, conv, message_pk, rec.body, "sms",
                                                  rec.at)
        if before is not None and before[0] != "open" and rec.at >= before[1] - REOPEN_SLACK_S \
                and not rating_only and not keyword:
            reopen_on_inbound(conn, conv, rec.at)
        if created or (before is not None and before[2] is None):
            link_conversation(conn, conv, rec.patient_number, rec.patient_name)
    elif created:
        link_conversation(conn, conv, rec.patient_number, "")
    if index_text and dialect_of(conn).fts_by_watermark:
        fts.index_pending(conn)
    return Stored(message_pk, conv, created)


# -- lookups ----------------------------------------------------------------------------------


def known_sids(conn: sqlite3.Connection, sids: Sequence[str]) -> dict[str, KnownSms]:
    """The subset of `sids` already stored, with their message, conversation and status."""
    out: dict[str, KnownSms] = {}
    for start in range(0, len(sids), 500):
        chunk = list(sids[start:start + 500])
        marks = ",".join("?" * len(chunk))
        for row in conn.execute(
                "SELECT s.sid, s.message_pk, m.conversation_id, s.status FROM sms_messages s"
                f" JOIN messages m ON m.id = s.message_pk WHERE s.sid IN ({marks})", chunk):
            out[row[0]] = records.KnownSms(int(row[1]), int(row[2]), row[3])
    return out


def sms_message_media(conn: sqlite3.Connection, message_pk: int) -> SmsMessageMedia | None:
    """The provider id and listed media of message `message_pk`; None unless it is an SMS."""
    row = conn.execute("SELECT conversation_id, message_id, attachments FROM messages"
                       " WHERE id = ? AND channel = 'sms'", (message_pk,)).fetchone()
    if row is None:
        return None
    try:
        listed = json.loads(row[2] or "[]")
    except ValueError:
        listed = []
    media = tuple(records.SmsMediaRow(str(a.get("filename", "")), str(a.get("content_type", "")),
                              str(a.get("part_path", "")))
                  for a in listed if isinstance(a, dict)) if isinstance(listed, list) else ()
    return records.SmsMessageMedia(message_pk, int(row[0]), str(row[1] or ""), media)


def update_status(conn: sqlite3.Connection, sid: str, status: str, error_code: int | None,
                  error_message: str, now: int) -> int | None:
    """Record a new provider status; the conversation id when it changed, else None."""
    cur = conn.execute(
        "UPDATE sms_messages SET status = ?, error_code = ?, error_message = ?, status_at = ?"
        " WHERE sid = ? AND (status != ? OR coalesce(error_code, -1) != coalesce(?, -1))",
        (status, error_code, error_message, now, sid, status, error_code))
    if cur.rowcount != 1:
        return None
    row = conn.execute("SELECT m.conversation_id FROM sms_messages s JOIN messages m"
                       " ON m.id = s.message_pk WHERE s.sid = ?", (sid,)).fetchone()
    return int(row[0]) if row else None


def placeholders(conn: sqlite3.Connection, clinic_number: str,
                 patient_number: str) -> list[Placeholder]:
    """Texts staff confirmed that the provider has not listed yet, for this pair."""
    return [Placeholder(r[0], r[1], int(r[2]) // 1000) for r in conn.execute(
        "SELECT s.sid, o.body, o.created_ms FROM sms_messages s"
        " JOIN outbox o ON o.provider_id = s.sid"
        " WHERE s.sid LIKE ? AND s.clinic_number = ? AND s.patient_number = ?"
        " ORDER BY o.created_ms", (PLACEHOLDER_PREFIX + "%", clinic_number, patient_number))]


def adopt_sid(conn: sqlite3.Connection, placeholder: str, sid: str, status: str,
              error_code: int | None, error_message: str, raw: bytes, now: int) -> int | None:
    """Give a confirmed text the provider's own id, status and record; its conversation."""
    row = conn.execute("SELECT s.message_pk, m.conversation_id, m.raw_id FROM sms_messages s"
                       " JOIN messages m ON m.id = s.message_pk WHERE s.sid = ?",
                       (placeholder,)).fetchone()
    if row is None:
        return None
    conn.execute("UPDATE sms_messages SET sid = ?, status = ?, error_code = ?,"
                 " error_message = ?, status_at = ? WHERE sid = ?",
                 (sid, status, error_code, error_message, now, placeholder))
    conn.execute("UPDATE messages SET message_id = ? WHERE id = ?", (sid, row[0]))
    conn.execute("UPDATE raw_messages SET sha256 = ?, data = ?, size = ? WHERE id = ?",
                 (sms_raw_sha256(sid), raw, len(raw), row[2]))
    conn.execute("UPDATE outbox SET provider_id = ? WHERE channel = 'sms' AND provider_id = ?",
                 (sid, placeholder))
    return int(row[1])


def outbox_of_sid(conn: sqlite3.Connection, sid: str) -> tuple[int, str] | None:
    """(outbox id, author) of the reply that sent text `sid`, if the desk sent it."""
    row = conn.execute("SELECT id, author FROM outbox WHERE channel = 'sms' AND provider_id = ?"
                       " ORDER BY id LIMIT 1", (sid,)).fetchone()
    return None if row is None else (int(row[0]), str(row[1]))


def set_keyword(conn: sqlite3.Connection, sid: str, keyword: str) -> None:
    conn.execute("UPDATE sms_messages SET keyword = ? WHERE sid = ?", (keyword, sid))


def open_outbound(conn: sqlite3.Connection, clinic_numbers: Iterable[str], since: int,
                  limit: int = 200) -> list[str]:
    """Sids of our outbound texts since `since` whose status is not final yet, oldest first."""
    numbers = list(clinic_numbers)
    if not numbers:
        return []
    marks = ",".join("?" * len(numbers))
    finals = ",".join(f"'{s}'" for s in sorted(FINAL_STATUSES))
    return [r[0] for r in conn.execute(
        "SELECT sid FROM sms_messages WHERE direction = 'out'"
        f" AND status NOT IN ({finals}) AND created_at >= ? AND clinic_number IN ({marks})"
        " ORDER BY created_at LIMIT ?", (since, *numbers, limit))]


def still_receiving(conn: sqlite3.Connection, clinic_numbers: Iterable[str], since: int,
                    limit: int = 200) -> list[str]:
    """Sids of patients' MMS stored while the provider was still "receiving" them (their
    media were not listed yet), oldest first."""
    numbers = list(clinic_numbers)
    if not numbers:
        return []
    marks = ",".join("?" * len(numbers))
    return [r[0] for r in conn.execute(
        "SELECT sid FROM sms_messages WHERE direction = 'in' AND status = 'receiving'"
        f" AND created_at >= ? AND clinic_number IN ({marks}) ORDER BY created_at LIMIT ?",
        (since, *numbers, limit))]


def refresh_received(conn: sqlite3.Connection, sid: str, status: str, raw: bytes,
                     media: Sequence[tuple[str, str, str]], now: int) -> int | None:
    """An inbound MMS first stored while "receiving" has arrived: record its status, its
    media (filename, content type, provider media id) and the provider's newer record.
    Returns the conversation, or None when the sid is unknown."""
    row = conn.execute("SELECT s.message_pk, m.conversation_id, m.raw_id FROM sms_messages s"
                       " JOIN messages m ON m.id = s.message_pk WHERE s.sid = ?",
                       (sid,)).fetchone()
    if row is None:
        return None
    message_pk, conv, raw_id = int(row[0]), int(row[1]), int(row[2])
    attachments = [{"filename": name, "content_type": ctype, "size": 0,
                    "part_path": media_id or str(i), "inline": False}
                   for i, (name, ctype, media_id) in enumerate(media, 1)]
    if attachments:
        conn.execute("UPDATE messages SET attachments = ?, has_attachment = 1 WHERE id = ?",
                     (json.dumps(attachments), message_pk))
        conn.execute("UPDATE conversations SET has_attachment = 1 WHERE id = ?", (conv,))
    conn.execute("UPDATE raw_messages SET data = ?, size = ? WHERE id = ?",
                 (raw, len(raw), raw_id))
    conn.execute("UPDATE sms_messages SET status = ?, status_at = ? WHERE sid = ?",
                 (status, now, sid))
    return conv


def delivery_statuses(conn: sqlite3.Connection,
                      message_pks: Sequence[int]) -> dict[int, DeliveryStatus]:
    """Provider status per message for the thread view (SMS messages only appear)."""
    out: dict[int, DeliveryStatus] = {}
    for start in range(0, len(message_pks), 500):
        chunk = list(message_pks[start:start + 500])
        marks = ",".join("?" * len(chunk))
        for row in conn.execute("SELECT message_pk, status, error_code, error_message"
                                f" FROM sms_messages WHERE message_pk IN ({marks})", chunk):
            out[int(row[0])] = records.DeliveryStatus(row[1], row[2], row[3])
    return out


def sms_keywords(conn: sqlite3.Connection, message_pks: Sequence[int]) -> dict[int, str]:
    """The keyword each of these texts was stored as (STOP, START, HELP, YES as an
    opt-in...; `sms_messages.keyword`, set by the poller), for those that were one."""
    out: dict[int, str] = {}
    for start in range(0, len(message_pks), 500):
        chunk = list(message_pks[start:start + 500])
        marks = ",".join("?" * len(chunk))
        for pk, keyword in conn.execute(
                "SELECT message_pk, keyword FROM sms_messages"
                f" WHERE message_pk IN ({marks}) AND keyword <> ''", chunk):
            out[int(pk)] = str(keyword)
    return out


# -- cursor -----------------------------------------------------------------------------------


def poll_cursor(conn: sqlite3.Connection, clinic_number: str) -> int | None:
    row = conn.execute("SELECT date_sent_max FROM sms_cursors WHERE clinic_number = ?",
                       (clinic_number,)).fetchone()
    return None if row is None or row[0] is None else int(row[0])


def polled_before(conn: sqlite3.Connection, clinic_number: str) -> bool:
    """Whether a complete listing of the number has committed (`advance_cursor`)."""
    row = conn.execute("SELECT last_poll_at FROM sms_cursors WHERE clinic_number = ?",
                       (clinic_number,)).fetchone()
    return row is not None and row[0] is not None


def advance_cursor(conn: sqlite3.Connection, clinic_number: str, date_sent_max: int | None,
                   polled_at: int) -> None:
    """Move the cursor forward (never back) after a complete listing has committed."""
    conn.execute(
        "INSERT INTO sms_cursors (clinic_number, date_sent_max, last_poll_at) VALUES (?, ?, ?)"
        " ON CONFLICT (clinic_number) DO UPDATE SET last_poll_at = excluded.last_poll_at,"
        " date_sent_max = CASE WHEN excluded.date_sent_max IS NULL"
        "   THEN sms_cursors.date_sent_max"
        "   WHEN sms_cursors.date_sent_max IS NULL THEN excluded.date_sent_max"
        f"   ELSE {dialect_of(conn).greatest}(sms_cursors.date_sent_max,"
        " excluded.date_sent_max) END",
        (clinic_number, date_sent_max, polled_at))


def cursors(conn: sqlite3.Connection) -> list[sqlite3.Row]:
    """Every clinic number's cursor, for status displays and `cxinbox doctor`."""
    return conn.execute("SELECT clinic_number, date_sent_max, last_poll_at FROM sms_cursors"
                        " ORDER BY clinic_number").fetchall()


# -- opt-outs ---------------------------------------------------------------------------------


def opt_state(conn: sqlite3.Connection, number: str) -> OptState | None:
    row = conn.execute("SELECT number, state, keyword, clinic_number, changed_at, message_pk"
                       " FROM sms_opt_outs WHERE number = ?", (number,)).fetchone()
    return None if row is None else OptState(row[0], row[1], row[2], row[3], int(row[4]),
                                             None if row[5] is None else int(row[5]))


def is_opted_out(conn: sqlite3.Connection, number: str) -> bool:
    """True when the patient's last keyword was STOP (or a synonym): do not text them.

    Keyed by the patient's number across every clinic number: a patient who asked one of
    the clinic's numbers to stop is not texted from another.
    """
    row = conn.execute("SELECT state FROM sms_opt_outs WHERE number = ?", (number,)).fetchone()
    return row is not None and row[0] == "out"


def set_opt_state(conn: sqlite3.Connection, number: str, state: str, keyword: str,
                  clinic_number: str, changed_at: int, message_pk: int | None) -> bool:
    """Record STOP ("out") or START ("in") unless a newer keyword already decided; True when
    the stored state changed."""
    if state not in ("out", "in"):
        raise ValueError(state)
    current = opt_state(conn, number)
    if current is not None and current.changed_at > changed_at:
        return False  # an older keyword listed late never overrides a newer one
    conn.execute(
        "INSERT INTO sms_opt_outs (number, state, keyword, clinic_number, changed_at, message_pk)"
        " VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (number) DO UPDATE SET state = excluded.state,"
        " keyword = excluded.keyword, clinic_number = excluded.clinic_number,"
        " changed_at = excluded.changed_at, message_pk = excluded.message_pk",
        (number, state, keyword, clinic_number, changed_at, message_pk))
    return current is None and state == "out" or current is not None and current.state != state


def add_system_line(conn: sqlite3.Connection, conv_id: int, text: str, at: int) -> int:
    """A line in the conversation written by cxinbox itself (shown with the notes)."""
    return insert_note(conn, conv_id, SYSTEM_AUTHOR, text, at)
