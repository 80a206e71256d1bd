"""Drafts and the outbox. SQL only; the rules live in service/outbox.py and service/replies.py.

Every function runs inside the caller's transaction (`Database.write()` / `read()`). The
statements are in the subset SQLite and PostgreSQL share (store/dialect.py); the JSON in
the `draft` and `attachments` columns is read in Python, so neither engine's JSON
functions are needed.

Several servers on one PostgreSQL database each run an outbox worker: `claim` and
`stuck_sending` lock the rows they take with `FOR UPDATE SKIP LOCKED` there, so two
workers never take the same item and neither waits on the other (on SQLite, writers take
turns anyway and the clause is left out).
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from cxinbox.domain.models import ParsedMessage
from cxinbox.store import ingest, records
from cxinbox.store.dialect import dialect_of, inserted_id
from cxinbox.store.records import OUTBOUND_FOLDER, draft_snapshot, file_ids

if TYPE_CHECKING:
    from cxinbox.store.records import (
        Bases,
        DraftRecord,
        GuardChange,
        OutboxItem,
        ReplyFile,
        ReplyFileInfo,
        ReplyParent,
    )

_DRAFT_COLUMNS = (
    "id, conversation_id, author, mode, account, to_addrs, cc_addrs, subject, body, attachments,"
    " parent_message, base_seq, base_message, base_note, base_outbox, created_ms, updated_ms")

_OUTBOX_COLUMNS = (
    "id, conversation_id, author, channel, account, sender, recipients, subject, message_id,"
    " body, draft, state, phase, owner_pid, attempts, next_attempt_ms, last_error, created_ms,"
    " send_after_ms, sent_ms, provider_id, message_pk, sent_copy, sent_copy_attempts,"
    " sent_copy_next_ms, sent_copy_error,"
    # A text's delivery as the provider last reported it (SMS sync keeps sms_messages).
    " coalesce((SELECT s.status FROM sms_messages s WHERE s.sid = outbox.provider_id), '')"
    "   AS delivery,"
    " coalesce((SELECT CASE WHEN s.error_code IS NULL THEN s.error_message"
    "   ELSE s.error_code || ': ' || s.error_message END FROM sms_messages s"
    "   WHERE s.sid = outbox.provider_id), '') AS delivery_error")


# -- drafts ----------------------------------------------------------------------------------


def bases(conn: sqlite3.Connection, conv_id: int | None) -> Bases:
    seq = conn.execute("SELECT coalesce(max(seq), 0) FROM events").fetchone()[0]
    outbox = conn.execute("SELECT coalesce(max(id), 0) FROM outbox").fetchone()[0]
    if conv_id is None:
        return records.Bases(int(seq), 0, 0, int(outbox))
    message = conn.execute("SELECT coalesce(max(id), 0) FROM messages WHERE conversation_id = ?",
                           (conv_id,)).fetchone()[0]
    note = conn.execute("SELECT coalesce(max(id), 0) FROM notes WHERE conversation_id = ?",
                        (conv_id,)).fetchone()[0]
    return records.Bases(int(seq), int(message), int(note), int(outbox))


def insert_draft(conn: sqlite3.Connection, *, conversation_id: int | None, author: str,
                 mode: str, account: str, to: Sequence[str], cc: Sequence[str], subject: str,
                 body: str, parent_message: int | None, base: Bases, now_ms: int) -> int:
    cur = conn.execute(
        "INSERT INTO drafts (conversation_id, author, mode, account, to_addrs, cc_addrs, subject,"
        " body, attachments, parent_message, base_seq, base_message, base_note, base_outbox,"
        " created_ms, updated_ms) VALUES (?, ?, ?, ?, ?, ?, ?, ?, '[]', ?, ?, ?, ?, ?, ?, ?)"
        " RETURNING id",
        (conversation_id, author, mode, account, json.dumps(list(to)), json.dumps(list(cc)),
         subject, body, parent_message, base.seq, base.message, base.note, base.outbox,
         now_ms, now_ms))
    return inserted_id(cur)


def get_draft(conn: sqlite3.Connection, draft_id: int) -> DraftRecord | None:
    row = conn.execute(f"SELECT {_DRAFT_COLUMNS} FROM drafts WHERE id = ?",
                       (draft_id,)).fetchone()
    return None if row is None else records.DraftRecord(*row)


def draft_of(conn: sqlite3.Connection, conv_id: int, author: str) -> DraftRecord | None:
    row = conn.execute(
        f"SELECT {_DRAFT_COLUMNS} FROM drafts WHERE conversation_id = ? AND author = ?",
        (conv_id, author)).fetchone()
    return None if row is None else records.DraftRecord(*row)


def drafts_of(conn: sqlite3.Connection, conv_id: int) -> list[DraftRecord]:
    return [records.DraftRecord(*r) for r in conn.execute(
        f"SELECT {_DRAFT_COLUMNS} FROM drafts WHERE conversation_id = ?"
        " ORDER BY updated_ms DESC, id", (conv_id,))]


def drafts_by(conn: sqlite3.Connection, author: str) -> list[DraftRecord]:
    return [records.DraftRecord(*r) for r in conn.execute(
        f"SELECT {_DRAFT_COLUMNS} FROM drafts WHERE author = ?"
        " ORDER BY updated_ms DESC, id", (author,))]


def update_draft(conn: sqlite3.Connection, draft_id: int, now_ms: int, **columns: object) -> None:
    allowed = {"to_addrs", "cc_addrs", "subject", "body", "attachments", "base_seq",
               "base_message", "base_note", "base_outbox"}
    bad = set(columns) - allowed
    if bad:
        raise ValueError(f"not draft columns: {sorted(bad)}")
    sets = ", ".join(f"{c} = ?" for c in columns)
    conn.execute(f"UPDATE drafts SET {sets}, updated_ms = ? WHERE id = ?",
                 [*columns.values(), now_ms, draft_id])


def delete_draft(conn: sqlite3.Connection, draft_id: int) -> None:
    conn.execute("DELETE FROM drafts WHERE id = ?", (draft_id,))


# -- files attached to replies (schema_files.py) ------------------------------------------------


def insert_file(conn: sqlite3.Connection, *, author: str, filename: str, content_type: str,
                data: bytes, sha256: str, now_ms: int) -> int:
    cur = conn.execute(
        "INSERT INTO reply_files (author, filename, content_type, size, sha256, data, added_ms)"
        " VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING id",
        (author, filename, content_type, len(data), sha256, data, now_ms))
    return inserted_id(cur)


def file_infos(conn: sqlite3.Connection, ids: Sequence[int]) -> dict[int, ReplyFileInfo]:
    """id -> the file without its bytes."""
    if not ids:
        return {}
    marks = ",".join("?" * len(ids))
    rows = conn.execute(f"SELECT id, filename, content_type, size, sha256 FROM reply_files"
                        f" WHERE id IN ({marks})", list(ids))
    return {int(r[0]): records.ReplyFileInfo(*r) for r in rows}


def file_data(conn: sqlite3.Connection, file_id: int) -> ReplyFile | None:
    row = conn.execute("SELECT id, filename, content_type, size, data FROM reply_files"
                       " WHERE id = ?", (file_id,)).fetchone()
    return None if row is None else records.ReplyFile(row[0], row[1], row[2], row[3], bytes(row[4]))


def delete_files(conn: sqlite3.Connection, ids: Sequence[int]) -> int:
    """Drop these attached files unless a draft still names them (a restored draft may)."""
    kept = _files_named_by_drafts(conn)
    gone = [i for i in dict.fromkeys(ids) if i not in kept]
    if not gone:
        return 0
    marks = ",".join("?" * len(gone))
    cur = conn.execute(f"DELETE FROM reply_files WHERE id IN ({marks})", gone)
    return cur.rowcount


def _files_named_by_drafts(conn: sqlite3.Connection) -> set[int]:
    """The file ids some draft's attachments list names (few drafts carry files)."""
    named: set[int] = set()
    for (text,) in conn.execute("SELECT attachments FROM drafts WHERE attachments != '[]'"):
        named.update(file_ids(json_list(text)))
    return named


def json_list(text: object) -> list[Any]:
    """A draft's `attachments` column (a JSON list in text); [] when damaged."""
    try:
        found = json.loads(str(text)) if text else []
    except ValueError:
        return []
    return found if isinstance(found, list) else []


def draft_attachments(text: object) -> list[Any]:
    """The attachments list in an outbox item's copy of its draft (the `draft` column:
    JSON holding the draft's `attachments` column, itself a JSON list in text)."""
    found = draft_snapshot(text).get("attachments")
    if isinstance(found, str):  # the draft's column, as it was: a JSON list in text
        return json_list(found)
    return found if isinstance(found, list) else []


def _item_attachments(conn: sqlite3.Connection, item_id: int) -> list[Any] | None:
    """The attachments list of an outbox item (`draft_attachments`); None for no such item."""
    row = conn.execute("SELECT draft FROM outbox WHERE id = ?", (item_id,)).fetchone()
    return None if row is None else draft_attachments(row[0])


def item_files(conn: sqlite3.Connection, item_id: int) -> list[tuple[str, bytes]]:
    """(filename, bytes) of the files attached to an outbox item, in order (an MMS)."""
    entries = _item_attachments(conn, item_id) or []
    out = []
    for file_id in file_ids(entries):
        found = file_data(conn, file_id)
        if found is not None:
            out.append((str(found.filename), found.data))
    return out


def release_item_files(conn: sqlite3.Connection, item_id: int) -> int:
    """An outbox item is final (sent, or cancelled without a draft to go back to): its
    files are in the sent message or unwanted, so the stored copies go.

    Per item on purpose: a sweep over the outbox would read every queued row's message
    bytes (they sit before the draft column) on each send.
    """
    entries = _item_attachments(conn, item_id)
    if not entries:
        return 0
    return delete_files(conn, file_ids(entries))


# -- what happened since composing started (send guard) --------------------------------------


def changes_since(conn: sqlite3.Connection, conv_id: int, base_message: int, base_note: int,
                  base_outbox: int, me: str) -> list[GuardChange]:
    """New patient messages, colleagues' replies (sent or queued) and colleagues' notes."""
    out: list[GuardChange] = []
    for r in conn.execute(
            "SELECT id, direction, from_name, from_addr, date, body_text, message_id"
            " FROM messages WHERE conversation_id = ? AND id > ? AND gone_at IS NULL ORDER BY id",
            (conv_id, base_message)):
        mine = conn.execute("SELECT 1 FROM outbox WHERE message_pk = ? AND author = ?",
                            (r["id"], me)).fetchone()
        if mine is not None or r["direction"] == "auto":  # an auto-responder is nobody's reply
            continue
        kind = "message" if r["direction"] == "in" else "reply"
        out.append(records.GuardChange(kind, r["id"], r["from_name"] or r["from_addr"], r["date"],
                               r["body_text"][:300]))
    for r in conn.execute(
            "SELECT id, author, body, created_at FROM notes WHERE conversation_id = ? AND id > ?"
            " AND author != ? ORDER BY id", (conv_id, base_note, me)):
        out.append(records.GuardChange("note", r["id"], r["author"], r["created_at"], r["body"][:300]))
    for r in conn.execute(
            "SELECT id, author, body, subject, created_ms, state FROM outbox"
            " WHERE conversation_id = ? AND id > ? AND author != ?"
            " AND state IN ('queued', 'sending', 'unconfirmed') ORDER BY id",
            (conv_id, base_outbox, me)):
        out.append(records.GuardChange("queued-reply", r["id"], r["author"], r["created_ms"] // 1000,
                               (r["body"] or r["subject"])[:300]))
    return out


# -- messages a reply needs ------------------------------------------------------------------


def parent_candidate(conn: sqlite3.Connection, conv_id: int) -> ReplyParent | None:
    """The message a reply answers: the newest patient message, else the newest message."""
    row = conn.execute(
        "SELECT m.id, m.channel, m.direction, m.from_addr, r.data FROM messages m"
        " JOIN raw_messages r ON r.id = m.raw_id WHERE m.conversation_id = ? AND m.gone_at IS NULL"
        " ORDER BY m.direction = 'in' DESC, m.date DESC, m.id DESC LIMIT 1",
        (conv_id,)).fetchone()
    return None if row is None else records.ReplyParent(row[0], row[1], row[2], row[3], bytes(row[4]))


# -- the outbox ------------------------------------------------------------------------------


def insert_item(conn: sqlite3.Connection, *, conversation_id: int | None, author: str,
                channel: str, account: str, sender: str, recipients: Sequence[str],
                subject: str, message_id: str | None, raw: bytes | None, body: str,
                draft: dict[str, Any], now_ms: int, send_after_ms: int) -> int:
    cur = conn.execute(
        "INSERT INTO outbox (conversation_id, author, channel, account, sender, recipients,"
        " subject, message_id, raw, body, draft, state, next_attempt_ms, created_ms,"
        " send_after_ms) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'queued', ?, ?, ?)"
        " RETURNING id",
        (conversation_id, author, channel, account, sender, json.dumps(list(recipients)),
         subject, message_id, raw, body, json.dumps(draft, ensure_ascii=False), send_after_ms,
         now_ms, send_after_ms))
    return inserted_id(cur)


def replies_since(conn: sqlite3.Connection, conv_ids: Sequence[int], since_ms: int,
                  exclude: int | None = None) -> list[OutboxItem]:
    """The replies of these conversations that reached, or may still reach, the patient
    since `since_ms`: queued or sent since then, or still waiting to go whenever they
    were queued (cancelled and failed ones never reached the patient: not replies),
    oldest first; `exclude`: an item left out (the one being judged)."""
    if not conv_ids:
        return []
    return [records.OutboxItem(*r) for r in conn.execute(
        f"SELECT {_OUTBOX_COLUMNS} FROM outbox"
        f" WHERE conversation_id IN ({dialect_of(conn).json_ids}) AND id != ?"
        " AND state NOT IN ('cancelled', 'failed') AND (created_ms >= ? OR sent_ms >= ?"
        "  OR state IN ('queued', 'sending', 'unconfirmed')) ORDER BY id",
        (json.dumps(sorted(set(conv_ids))), -1 if exclude is None else exclude, since_ms,
         since_ms))]


def item(conn: sqlite3.Connection, item_id: int) -> OutboxItem | None:
    row = conn.execute(f"SELECT {_OUTBOX_COLUMNS} FROM outbox WHERE id = ?",
                       (item_id,)).fetchone()
    return None if row is None else records.OutboxItem(*row)


def items_in_state(conn: sqlite3.Connection, state: str, limit: int) -> list[OutboxItem]:
    """Items in `state`, newest first."""
    return [records.OutboxItem(*r) for r in conn.execute(
        f"SELECT {_OUTBOX_COLUMNS} FROM outbox WHERE state = ? ORDER BY id DESC LIMIT ?",
        (state, limit))]


def item_raw(conn: sqlite3.Connection, item_id: int) -> bytes:
    row = conn.execute("SELECT raw FROM outbox WHERE id = ?", (item_id,)).fetchone()
    return bytes(row[0]) if row and row[0] is not None else b""


def list_items(conn: sqlite3.Connection, states: Sequence[str] | None, limit: int,
               conversation_id: int | None = None,
               channel: str | None = None) -> list[OutboxItem]:
    clauses: list[str] = []
    params: list[object] = []
    if channel is not None:
        clauses.append("channel = ?")
        params.append(channel)
    if states:
        clauses.append(f"state IN ({','.join('?' * len(states))})")
        params.extend(states)
    if conversation_id is not None:
        clauses.append("conversation_id = ?")
        params.append(conversation_id)
    where = (" WHERE " + " AND ".join(clauses)) if clauses else ""
    return [records.OutboxItem(*r) for r in conn.execute(
        f"SELECT {_OUTBOX_COLUMNS} FROM outbox{where} ORDER BY id DESC LIMIT ?",
        [*params, limit])]


def drafts_of_channel(conn: sqlite3.Connection,
                      channel: str) -> list[tuple[int, str, str | None, str | None]]:
    """(id, state, draft, recipients) of every item of `channel`, oldest first: what a
    once-per-period check reads (a few columns; the staff channel holds only digests)."""
    return [(int(r[0]), str(r[1]), r[2], r[3]) for r in conn.execute(
        "SELECT id, state, draft, recipients FROM outbox WHERE channel = ? ORDER BY id",
        (channel,))]


def due_ids(conn: sqlite3.Connection, now_ms: int, limit: int = 200) -> list[int]:
    return [int(r[0]) for r in conn.execute(
        "SELECT id FROM outbox WHERE state = 'queued' AND next_attempt_ms <= ?"
        " AND send_after_ms <= ? ORDER BY next_attempt_ms, id LIMIT ?",
        (now_ms, now_ms, limit))]


def next_due_ms(conn: sqlite3.Connection) -> int | None:
    greatest = dialect_of(conn).greatest
    row = conn.execute(
        f"SELECT min({greatest}(next_attempt_ms, send_after_ms)) FROM outbox"
        " WHERE state = 'queued'").fetchone()
    copy = conn.execute("SELECT min(sent_copy_next_ms) FROM outbox WHERE sent_copy = 'pending'"
                        ).fetchone()
    times = [int(v) for v in (row[0], copy[0]) if v is not None]
    return min(times) if times else None


def claim(conn: sqlite3.Connection, item_id: int, now_ms: int, pid: int) -> bool:
    """queued -> sending for one worker; False when someone else took it (or it was
    cancelled) in the meantime.

    `pid` names the worker (its process id; on a store several servers share, its
    sender token, service/outbox.py). The update is conditional on the row still being
    queued, so of two workers that try the same item one wins. On PostgreSQL the row is
    first locked with SKIP LOCKED: a worker that finds another's claim in flight moves on
    at once instead of waiting for it to commit."""
    cur = conn.execute(
        "UPDATE outbox SET state = 'sending', phase = '', attempts = attempts + 1, owner_pid = ?"
        " WHERE id = (SELECT id FROM outbox WHERE id = ? AND state = 'queued'"
        "  AND send_after_ms <= ? AND next_attempt_ms <= ?" + _skip_locked(conn) + ")"
        " AND state = 'queued'",
        (pid, item_id, now_ms, now_ms))
    return cur.rowcount == 1


def claim_next(conn: sqlite3.Connection, now_ms: int, pid: int) -> int | None:
    """The next due item (oldest due first), queued -> sending for one worker, in one
    statement; its id, or None when nothing is left to take.

    For several servers on one PostgreSQL store: the row is picked and locked with SKIP
    LOCKED, so each worker takes the next item no other worker holds, and no worker
    spends a transaction on an item another one took. None can also mean the picked
    row changed under the lock (another worker claimed it that instant): the caller
    looks at the queue again on its next pass."""
    row = conn.execute(
        "UPDATE outbox SET state = 'sending', phase = '', attempts = attempts + 1, owner_pid = ?"
        " WHERE id = (SELECT id FROM outbox WHERE state = 'queued' AND next_attempt_ms <= ?"
        "  AND send_after_ms <= ? ORDER BY next_attempt_ms, id LIMIT 1"
        + _skip_locked(conn) + ") AND state = 'queued' RETURNING id",
        (pid, now_ms, now_ms)).fetchall()
    return int(row[0][0]) if row else None


def _skip_locked(conn: sqlite3.Connection) -> str:
    return dialect_of(conn).skip_locked


def set_phase(conn: sqlite3.Connection, item_id: int, phase: str,
              owner: int | None = None) -> bool:
    """The send's phase marker; with `owner`, only while that worker's claim stands
    (False: another worker settled the item meanwhile, and this one must not send)."""
    if owner is None:
        cur = conn.execute("UPDATE outbox SET phase = ? WHERE id = ? AND state = 'sending'",
                           (phase, item_id))
    else:
        cur = conn.execute("UPDATE outbox SET phase = ? WHERE id = ? AND state = 'sending'"
                           " AND owner_pid = ?", (phase, item_id, owner))
    return cur.rowcount == 1


def hold(conn: sqlite3.Connection, item_id: int, state: str, owner: int | None = None) -> bool:
    """Whether the item is in `state` (and, with `owner`, claimed by that worker), its row
    then held by this transaction until it ends: on PostgreSQL a writer that changes it
    meanwhile (a person's retry or confirm, another worker) waits, and one that committed
    first is seen. A no-op update, since SQLite's writers take turns anyway."""
    sql = "UPDATE outbox SET state = state WHERE id = ? AND state = ?"
    params: list[object] = [item_id, state]
    if owner is not None:
        sql += " AND owner_pid = ?"
        params.append(owner)
    return conn.execute(sql, params).rowcount == 1


def set_state(conn: sqlite3.Connection, item_id: int, state: str, *, error: str | None = None,
              next_attempt_ms: int | None = None, clear_phase: bool = False,
              reset_attempts: bool = False, only_from: str | None = None) -> bool:
    """The item's new state; with `only_from`, only if it is still in that one (False:
    someone changed it since it was read)."""
    sets = ["state = ?"]
    params: list[object] = [state]
    if error is not None:
        sets.append("last_error = ?")
        params.append(error)
    if next_attempt_ms is not None:
        sets.append("next_attempt_ms = ?")
        params.append(next_attempt_ms)
    if clear_phase:
        sets.append("phase = ''")
    if reset_attempts:
        sets.append("attempts = 0")
    where, params = "id = ?", [*params, item_id]
    if only_from is not None:
        where += " AND state = ?"
        params.append(only_from)
    return conn.execute(f"UPDATE outbox SET {', '.join(sets)} WHERE {where}",
                        params).rowcount == 1


def requeue_cancelled(conn: sqlite3.Connection, item_id: int, send_after_ms: int) -> bool:
    """A cancelled reply back in the queue with a fresh undo window (its cancel undone)."""
    cur = conn.execute(
        "UPDATE outbox SET state = 'queued', phase = '', attempts = 0, last_error = '',"
        " send_after_ms = ?, next_attempt_ms = ? WHERE id = ? AND state = 'cancelled'",
        (send_after_ms, send_after_ms, item_id))
    return cur.rowcount == 1


def mark_sent(conn: sqlite3.Connection, item_id: int, now_ms: int, *,
              provider_id: str | None = None, message_pk: int | None = None,
              sent_copy: str = "") -> None:
    conn.execute(
        "UPDATE outbox SET state = 'sent', sent_ms = ?, last_error = '', provider_id = ?,"
        " message_pk = ?, sent_copy = ?, sent_copy_next_ms = ? WHERE id = ?",
        (now_ms, provider_id, message_pk, sent_copy, now_ms, item_id))
    release_item_files(conn, item_id)


def provider_ids(conn: sqlite3.Connection, sender: str, recipient: str) -> set[str]:
    """SMS sids the outbox already owns for this pair (never mistaken for a new send)."""
    return {str(r[0]) for r in conn.execute(
        "SELECT provider_id FROM outbox WHERE channel = 'sms' AND sender = ? AND recipients = ?"
        " AND provider_id IS NOT NULL", (sender, json.dumps([recipient])))}


def message_of_sid(conn: sqlite3.Connection, sid: str) -> int | None:
    row = conn.execute("SELECT id FROM messages WHERE channel = 'sms' AND message_id = ?"
                       " ORDER BY id LIMIT 1", (sid,)).fetchone()
    return int(row[0]) if row else None


def stuck_sending(conn: sqlite3.Connection,
                  owners: Sequence[int] | None = None) -> list[OutboxItem]:
    """Items in "sending" (of these `owners` only, when given). On PostgreSQL their rows
    stay locked until the caller's transaction ends, and rows another worker holds are
    left out: two servers settling a dead one's items never settle the same item twice."""
    if owners is None:
        return [records.OutboxItem(*r) for r in conn.execute(
            f"SELECT {_OUTBOX_COLUMNS} FROM outbox WHERE state = 'sending' ORDER BY id"
            + _skip_locked(conn))]
    if not owners:
        return []
    marks = ",".join("?" * len(owners))
    return [records.OutboxItem(*r) for r in conn.execute(
        f"SELECT {_OUTBOX_COLUMNS} FROM outbox WHERE state = 'sending'"
        f" AND owner_pid IN ({marks}) ORDER BY id" + _skip_locked(conn), list(owners))]


def sent_copy_due(conn: sqlite3.Connection, now_ms: int, limit: int = 200) -> list[OutboxItem]:
    return [records.OutboxItem(*r) for r in conn.execute(
        f"SELECT {_OUTBOX_COLUMNS} FROM outbox WHERE sent_copy = 'pending'"
        " AND sent_copy_next_ms <= ? ORDER BY id LIMIT ?", (now_ms, limit))]


def set_sent_copy(conn: sqlite3.Connection, item_id: int, status: str, *, error: str = "",
                  next_ms: int = 0, count_try: bool = True) -> None:
    conn.execute(
        "UPDATE outbox SET sent_copy = ?, sent_copy_error = ?, sent_copy_next_ms = ?,"
        " sent_copy_attempts = sent_copy_attempts + ? WHERE id = ?",
        (status, error, next_ms, int(count_try), item_id))


def claim_sent_copy(conn: sqlite3.Connection, item_id: int, now_ms: int, next_ms: int) -> bool:
    """The Sent-folder copy's next try, counted before it can happen, for one worker: the
    update is conditional on the copy being pending and due, so of several servers one
    makes this try (the others skip it until `next_ms`)."""
    cur = conn.execute(
        "UPDATE outbox SET sent_copy_next_ms = ?, sent_copy_attempts = sent_copy_attempts + 1"
        " WHERE id = (SELECT id FROM outbox WHERE id = ? AND sent_copy = 'pending'"
        "  AND sent_copy_next_ms <= ?" + _skip_locked(conn) + ")"
        " AND sent_copy = 'pending' AND sent_copy_next_ms <= ?",
        (next_ms, item_id, now_ms, now_ms))
    return cur.rowcount == 1


# -- our own message joins its conversation --------------------------------------------------


def record_outbound_email(conn: sqlite3.Connection, *, item_id: int, account: str,
                          conversation_id: int | None, raw: bytes, parsed: ParsedMessage,
                          own_addresses: frozenset[str], now_s: int,
                          counts_as_response: bool) -> tuple[int, int]:
    """Store the sent message through the sync's own ingest path; (message pk, conversation).

    `counts_as_response=False` (an automatic acknowledgement): the conversation keeps the
    response times it had, so neither the SLA clock nor the reports count it as an answer.

    Our Message-ID is registered to the conversation first, so threading places the reply
    there even when the parent had no Message-ID. The bytes are keyed by SHA-256 like any
    synced message: when the Sent folder copy (the same bytes) is synced later it links to
    this row instead of adding a second one.
    """
    if conversation_id is not None and parsed.message_id:
        conn.execute("INSERT INTO thread_ids (message_id, conversation_id) VALUES (?, ?)"
                     " ON CONFLICT (message_id) DO NOTHING", (parsed.message_id, conversation_id))
    kept = conn.execute("SELECT first_response_at, last_response_at FROM conversations"
                        " WHERE id = ?", (conversation_id,)).fetchone() \
        if conversation_id is not None and not counts_as_response else None
    folder = ingest.folder_state(conn, account, OUTBOUND_FOLDER)
    fetched = ingest.FetchedMessage(uid=item_id, flags="\\Seen", modseq=None,
                                    internal_date=now_s, raw=raw,
                                    sha256=hashlib.sha256(raw).digest(), parsed=parsed)
    ingest.ingest_batch(conn, folder, [fetched], own_addresses=own_addresses,
                        watermark=item_id, now=now_s)
    row = conn.execute(
        "SELECT m.id, m.conversation_id FROM locations l JOIN messages m ON m.id = l.message_pk"
        " WHERE l.folder_id = ? AND l.uid = ?", (folder.id, item_id)).fetchone()
    if kept is not None:
        conn.execute("UPDATE conversations SET first_response_at = ?, last_response_at = ?,"
                     " sla_dirty = 1 WHERE id = ?", (kept[0], kept[1], int(row[1])))
    return int(row[0]), int(row[1])
