"""Writing synced messages: raw bytes, parsed fields, threading, locations, watermark.

Every function here runs inside the caller's write transaction. `ingest_batch` moves the
folder's watermark in the same transaction as the messages, so a crash at any instant
either keeps the whole batch or none of it, and a replayed batch inserts nothing twice
(raw bytes are keyed by SHA-256, locations by (folder, uid)).
"""

from __future__ import annotations

import json
import logging
import sqlite3
from collections.abc import Callable, Iterable, Sequence
from datetime import UTC, datetime
from functools import partial
from typing import Any

from cxinbox.domain.addresses import canonical_address
from cxinbox.domain.models import ParsedMessage
from cxinbox.domain.searchvector import sender_text
from cxinbox.domain.threading import (
    SUBJECT_WINDOW_S,
    SubjectCandidate,
    is_reply_subject,
    normalize_subject,
    pick_by_references,
    pick_by_subject,
    reference_chain,
    subject_matchable,
)
from cxinbox.store import contacts, csat, fts
from cxinbox.store import schema_ingest_hold as ingest_hold
from cxinbox.store.conversations import reopen_on_inbound
from cxinbox.store.dialect import dialect_of
from cxinbox.store.merge import live_conversation

# Their home is store/records.py (the service reads them); named here for the SQL callers.
from cxinbox.store.records import FetchedMessage as FetchedMessage  # noqa: PLC0414
from cxinbox.store.records import FolderState as FolderState  # noqa: PLC0414

log = logging.getLogger(__name__)

_FUTURE_SLACK_S = 24 * 3600


# -- folders -------------------------------------------------------------------------------


def folder_state(conn: sqlite3.Connection, account: str, name: str) -> FolderState:
    conn.execute("INSERT INTO folders (account, name) VALUES (?, ?) ON CONFLICT DO NOTHING",
                 (account, name))
    row = conn.execute(
        "SELECT id, account, name, uidvalidity, last_uid, uidnext, highestmodseq, quarantine,"
        " sweep_needed, release_once FROM folders WHERE account = ? AND name = ?",
        (account, name),
    ).fetchone()
    return FolderState(row[0], row[1], row[2], row[3], row[4], row[5], row[6], row[7],
                       bool(row[8]), bool(row[9]))


def reset_folder_identity(conn: sqlite3.Connection, folder_id: int, uidvalidity: int) -> int:
    """The server's UIDs no longer mean what we stored (RFC 4549): forget them.

    Messages and conversations stay; the next fetch re-links them by their bytes (or
    Message-ID) and the sweep afterwards marks what really disappeared.
    """
    n = conn.execute("DELETE FROM locations WHERE folder_id = ?", (folder_id,)).rowcount
    conn.execute(
        "UPDATE folders SET uidvalidity = ?, last_uid = 0, uidnext = NULL, highestmodseq = NULL,"
        " sweep_needed = 1 WHERE id = ?",
        (uidvalidity, folder_id),
    )
    return n


def set_folder_marks(conn: sqlite3.Connection, folder_id: int, *, uidnext: int | None,
                     highestmodseq: int | None, synced_at: int) -> None:
    conn.execute(
        "UPDATE folders SET uidnext = ?, highestmodseq = ?, last_sync_at = ? WHERE id = ?",
        (uidnext, highestmodseq, synced_at, folder_id),
    )


def set_uidvalidity(conn: sqlite3.Connection, folder_id: int, uidvalidity: int) -> None:
    conn.execute("UPDATE folders SET uidvalidity = ? WHERE id = ?", (uidvalidity, folder_id))


def first_pass(conn: sqlite3.Connection, folder_id: int) -> bool:
    """Whether the folder is in its first sync: no pass of it has finished (`last_sync_at`
    is set when one does, `set_folder_marks` / `mark_synced`)."""
    row = conn.execute("SELECT last_sync_at FROM folders WHERE id = ?", (folder_id,)).fetchone()
    return row is not None and row[0] is None


def mark_synced(conn: sqlite3.Connection, folder_id: int, at: int) -> None:
    conn.execute("UPDATE folders SET last_sync_at = ? WHERE id = ?", (at, folder_id))


def release_pending(conn: sqlite3.Connection, folder_id: int) -> bool:
    row = conn.execute("SELECT release_once FROM folders WHERE id = ?", (folder_id,)).fetchone()
    return bool(row and row[0])


def sweep_pending(conn: sqlite3.Connection, folder_id: int) -> bool:
    row = conn.execute("SELECT sweep_needed FROM folders WHERE id = ?", (folder_id,)).fetchone()
    return bool(row and row[0])


def clear_sweep(conn: sqlite3.Connection, folder_id: int) -> None:
    conn.execute("UPDATE folders SET sweep_needed = 0 WHERE id = ?", (folder_id,))


def live_email_count(conn: sqlite3.Connection) -> int:
    return int(conn.execute("SELECT count(*) FROM messages WHERE gone_at IS NULL"
                            " AND channel = 'email'").fetchone()[0])


def set_quarantine(conn: sqlite3.Connection, folder_id: int, reason: str | None) -> None:
    conn.execute("UPDATE folders SET quarantine = ? WHERE id = ?", (reason, folder_id))


def release_quarantine(conn: sqlite3.Connection, account: str, name: str) -> bool:
    cur = conn.execute("UPDATE folders SET quarantine = NULL, release_once = 1"
                       " WHERE account = ? AND name = ? AND quarantine IS NOT NULL", (account, name))
    return cur.rowcount > 0


def consume_release(conn: sqlite3.Connection, folder_id: int) -> bool:
    cur = conn.execute("UPDATE folders SET release_once = 0 WHERE id = ? AND release_once = 1",
                       (folder_id,))
    return cur.rowcount > 0


def local_uids(conn: sqlite3.Connection, folder_id: int) -> list[int]:
    return [r[0] for r in conn.execute(
        "SELECT uid FROM locations WHERE folder_id = ? ORDER BY uid", (folder_id,))]


def sample_uids(conn: sqlite3.Connection, folder_id: int, count: int = 16) -> list[int]:
    """A spread of stored UIDs (first, last, evenly between) found by index seeks."""
    low, high = conn.execute("SELECT min(uid), max(uid) FROM locations WHERE folder_id = ?",
                             (folder_id,)).fetchone()
    if low is None:
        return []
    found = {low, high}
    for i in range(1, count - 1):
        target = low + (high - low) * i // (count - 1)
        row = conn.execute("SELECT min(uid) FROM locations WHERE folder_id = ? AND uid >= ?",
                           (folder_id, target)).fetchone()
        if row[0] is not None:
            found.add(row[0])
    return sorted(found)


def fingerprints(conn: sqlite3.Connection, folder_id: int,
                 uids: Sequence[int]) -> dict[int, tuple[int, str]]:
    """(raw size, Message-ID) of what we stored under these UIDs."""
    out: dict[int, tuple[int, str]] = {}
    for uid in uids:
        row = conn.execute(
            "SELECT r.size, coalesce(m.message_id, '') FROM locations l"
            " JOIN messages m ON m.id = l.message_pk JOIN raw_messages r ON r.id = m.raw_id"
            " WHERE l.folder_id = ? AND l.uid = ?", (folder_id, uid)).fetchone()
        if row is not None:
            out[uid] = (int(row[0]), str(row[1]))
    return out


def local_count(conn: sqlite3.Connection, folder_id: int) -> int:
    return int(conn.execute("SELECT count(*) FROM locations WHERE folder_id = ?",
                            (folder_id,)).fetchone()[0])


# -- ingest --------------------------------------------------------------------------------


def _epoch(parsed: ParsedMessage, internal_date: int | None, now: int) -> int:
    if parsed.date is not None:
        ts = int(parsed.date.timestamp())
        if ts <= now + _FUTURE_SLACK_S and ts > 0:
            return ts
    return internal_date if internal_date else now


# `json.dumps(..., ensure_ascii=False)` made one of these per call: three a message.
_to_json = json.JSONEncoder(ensure_ascii=False).encode


def _addr_json(addresses: Iterable[object]) -> str:
    return _to_json([[a.name, a.email] for a in addresses])  # type: ignore[attr-defined]


def _attachments_json(parsed: ParsedMessage) -> str:
    if not parsed.attachments:
        return "[]"
    return _to_json(
        [{"filename": a.filename, "content_type": a.content_type, "size": a.size,
          "part_path": a.part_path, "inline": a.inline} for a in parsed.attachments])


def _known_thread_ids(conn: sqlite3.Connection, ids: Sequence[str]) -> dict[str, int]:
    if not ids:
        return {}
    found: dict[str, int] = {}
    for start in range(0, len(ids), 500):
        chunk = ids[start:start + 500]
        marks = ",".join("?" * len(chunk))
        for mid, conv in conn.execute(
            f"SELECT message_id, conversation_id FROM thread_ids WHERE message_id IN ({marks})",
            chunk,
        ):
            found[mid] = conv
    return found


def _subject_candidates(conn: sqlite3.Connection, norm: str, at: int) -> list[SubjectCandidate]:
    rows = conn.execute(
        "SELECT id, last_message_at, participants FROM conversations"
        " WHERE norm_subject = ? AND channel = 'email' AND merged_into IS NULL"
        " AND last_message_at BETWEEN ? AND ? ORDER BY last_message_at DESC LIMIT 20",
        (norm, at - SUBJECT_WINDOW_S, at + SUBJECT_WINDOW_S),
    ).fetchall()
    return [SubjectCandidate(r[0], r[1], frozenset(r[2].split())) for r in rows]


def _choose_conversation(conn: sqlite3.Connection, p: ParsedMessage, norm: str, at: int,
                         addresses: list[str], batch: _PgBatch | None = None,
                         touches: _Touches | None = None) -> tuple[int | None, list[str]]:
    chain = reference_chain(p.message_id, p.in_reply_to, p.references)
    lookup = chain + ([p.message_id] if p.message_id else [])
    known = _known_thread_ids(conn, lookup) if batch is None else batch.known(lookup)
    conv = pick_by_references(chain, known)
    if conv is None and p.message_id and p.message_id in known:
        # A reply arrived first and named this message; or a duplicate Message-ID. Trust it
        # only when no stored message already carries the id (duplicates are not threads).
        if batch is not None:
            batch.flush(conn)
        dup = conn.execute("SELECT 1 FROM messages WHERE message_id = ? LIMIT 1",
                           (p.message_id,)).fetchone()
        if dup is None:
            conv = known[p.message_id]
    if conv is not None:
        # Thread ids of a merged conversation move with it, but a message that named only
        # the merged one must still land where its messages went.
        conv = live_conversation(conn, conv) if batch is None else batch.live(conn, conv)
    if conv is None and not p.auto_submitted and (chain or is_reply_subject(p.subject)
                                                  or addresses) and subject_matchable(
                                                      norm, addresses):
        if touches is not None:
            touches.flush(conn, norm=norm)  # the candidates are read as they now are
        conv = pick_by_subject(norm, at, addresses,
                               _subject_candidates(conn, norm, at) if batch is None
                               else batch.subject_candidates(conn, norm, at))
    return conv, chain


def _new_conversation(conn: sqlite3.Connection, p: ParsedMessage, norm: str, at: int,
                      mailbox: str, patient_name: str, patient_addr: str, channel: str,
                      contact_id: int | None, first: tuple[str, int, list[str],
                                                           frozenset[str]]) -> int:
    """SQLite only (PostgreSQL's rows go in through `_PgBatch`): the id is the cursor's
    rowid (see `_insert_raw`). The row goes in as its `first` message (direction, unread,
    addresses, own) leaves it, the values `_touch_conversation` would give a row just
    made: no UPDATE of its own to follow, which would rewrite its entries in every list
    index (migration 7) a second time."""
    direction, unread, addresses, own = first
    people: list[str] = []
    for a in addresses:
        if a and a not in own and a not in people:
            people.append(a)
    inbound, outbound = direction == "in", direction == "out"
    return _rowid(conn.execute(
        "INSERT INTO conversations (subject, norm_subject, channel, mailbox, from_name,"
        " from_addr, participants, created_at, last_message_at, contact_id, message_count,"
        " last_inbound_at, first_response_at, last_response_at, unread_count,"
        " has_attachment, sla_dirty) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 1, ?, ?, ?, ?, ?, 1)",
        (p.subject, norm, channel, mailbox, patient_name, patient_addr, " ".join(people[:50]),
         at, at, contact_id, max(0, at) if inbound else None, at if outbound else None,
         max(0, at) if outbound else None, unread, int(bool(p.attachments))),
    ))


def _rowid(cursor: sqlite3.Cursor) -> int:
    """The id of the row a SQLite INSERT just made (not a trigger's)."""
    if cursor.rowcount != 1 or not cursor.lastrowid:
        raise RuntimeError("the insert made no row")
    return int(cursor.lastrowid)


def _touch_conversation(conn: sqlite3.Connection, conv: int, p: ParsedMessage, at: int,
                        direction: str, unread: int, addresses: list[str],
                        own: frozenset[str], touches: _Touches | None,
                        batch: _PgBatch | None = None) -> tuple[str, int | None]:
    """Count a new message in; returns (status, contact_id) as they were before it, for
    reopening and contact linking. The change waits, to be written once per conversation
    and batch: in `touches` on SQLite, in the PostgreSQL `batch` (`_PgBatch.touch`)."""
    if batch is not None:
        return batch.touch(conn, conv, p, at, direction, unread, addresses, own)
    assert touches is not None
    return touches.touch(conn, conv, p, at, direction, unread, addresses, own)


_TOUCHED = ("participants", "created_at", "from_addr", "status", "contact_id", "norm_subject",
            "message_count", "last_message_at", "last_inbound_at", "first_response_at",
            "last_response_at", "unread_count", "has_attachment", "from_name", "subject",
            "sla_dirty")

_WRITTEN = ("message_count", "last_message_at", "last_inbound_at", "first_response_at",
            "last_response_at", "unread_count", "has_attachment", "participants",
            "from_name", "from_addr", "created_at", "subject")
"""The kept columns a flush writes, each only when the batch changed it: SQLite rewrites a
row's entry in every index that holds a column an UPDATE sets, changed or not, so a
column set to the value it has (the SLA's dirty mark on a row already marked: every row
of a first sync) costs its index a delete and an insert for nothing."""


class _Touches:
    """SQLite: a batch's changes to conversations it did not create, one message at a
    time as the per-message UPDATEs made them (`touch`), kept per conversation and written
    in one UPDATE each (`flush`): each UPDATE rewrote the row's entries in every list
    index (migration 7), and a thread's messages mostly come in one batch (a 10k first
    sync: 7,089 updates of 2,637 conversation-batches). A kept row is written before
    anything reads it: the subject match reads the rows of its subject, a reopening reads
    and writes its row, and the batch's end writes them all, before the held triggers'
    rows (migration 26) and anything else of the transaction."""

    __slots__ = ("_asked", "_by_subject", "_rows")

    def __init__(self) -> None:
        self._rows: dict[int, dict[str, Any]] = {}
        # The kept rows of each subject: the subject match flushes its subject's before
        # each of thousands of reads, which must not look through every kept row.
        self._by_subject: dict[str, dict[int, None]] = {}
        self._asked: frozenset[int] | None = None

    def asked(self, conn: sqlite3.Connection, conv: int) -> bool:
        """Whether conversation `conv` has a satisfaction question out, so that a reply
        in it may be its answer (`csat.take_answer`). The conversations read once per
        batch: the ingest sends no question, so none is added while the batch is stored
        (an answer only rates the question it reads; the question stays out). A first
        sync has none, and its thousands of patient replies need no read each."""
        if self._asked is None:
            self._asked = frozenset(int(r[0]) for r in conn.execute(
                "SELECT DISTINCT conversation_id FROM csat_requests WHERE state = 'sent'"))
        return conv in self._asked

    def touch(self, conn: sqlite3.Connection, conv: int, p: ParsedMessage, at: int,
              direction: str, unread: int, addresses: list[str], own: frozenset[str]
              ) -> tuple[str, int | None]:
        r = self._rows.get(conv)
        if r is None:
            row = conn.execute(f"SELECT {', '.join(_TOUCHED)} FROM conversations WHERE id = ?",
                               (conv,)).fetchone()
            r = self._rows[conv] = dict(zip(_TOUCHED, row, strict=True))
            r["read"] = tuple(r[k] for k in _WRITTEN)  # the row as read, to write the changes
            # The participants as a list while the row is kept, joined when it is written.
            r["participants"] = str(r["participants"]).split()
            self._by_subject.setdefault(r["norm_subject"], {})[conv] = None
        before = (str(r["status"]), r["contact_id"])
        people: list[str] = r["participants"]
        for a in addresses:
            if a and a not in own and a not in people:
                people.append(a)
        del people[50:]
        # What `UPDATE conversations SET message_count = message_count + 1, last_message_at =
        # max(last_message_at, at), ...` made of the row (SQLite's max of two integers).
        r["message_count"] += 1
        r["last_message_at"] = max(r["last_message_at"], at)
        if direction == "in":
            r["last_inbound_at"] = max(r["last_inbound_at"] or 0, at)
        if direction == "out":
            if r["first_response_at"] is None or r["first_response_at"] > at:
                r["first_response_at"] = at
            r["last_response_at"] = max(r["last_response_at"] or 0, at)
        r["unread_count"] += unread
        r["has_attachment"] = max(r["has_attachment"], int(bool(p.attachments)))
        sender = p.from_addr
        if direction == "in" and sender is not None and (
                at < r["created_at"] or r["from_addr"] in own or not r["from_addr"]):
            # An earlier message (or the first patient message after a staff-started
            # thread) decides who the conversation is "from" and what it is called.
            if at < r["created_at"]:
                r["subject"] = p.subject
            r["from_name"], r["from_addr"] = sender.name, sender.email
            r["created_at"] = min(r["created_at"], at)
        return before

    def linked(self, conv: int, contact_id: int) -> None:
        """The conversation's contact was written (not one of the kept columns)."""
        if conv in self._rows:
            self._rows[conv]["contact_id"] = contact_id

    def flush(self, conn: sqlite3.Connection, *, conv: int | None = None,
              norm: str | None = None) -> None:
        """Write the kept rows: conversation `conv`'s, those of subject `norm`, or all."""
        if conv is not None:
            ids = [conv] if conv in self._rows else []
        elif norm is not None:
            ids = list(self._by_subject.get(norm, ()))
        else:
            ids = list(self._rows)
        for c in ids:
            r = self._rows.pop(c)
            same = self._by_subject[r["norm_subject"]]
            del same[c]
            if not same:
                del self._by_subject[r["norm_subject"]]
            # What `SET message_count = ?, ..., participants = ?, sla_dirty = 1` (and, when
            # an earlier message named it, from_name, from_addr, created_at, subject) made
            # of the row, written as the columns that differ from what was read.
            r["participants"] = " ".join(r["participants"])
            sets = [f"{k} = ?" for k, was in zip(_WRITTEN, r["read"], strict=True)
                    if r[k] != was]
            values = [r[k] for k, was in zip(_WRITTEN, r["read"], strict=True) if r[k] != was]
            if r["sla_dirty"] != 1:
                sets.append("sla_dirty = 1")
            if sets:
                conn.execute(f"UPDATE conversations SET {', '.join(sets)} WHERE id = ?",
                             (*values, c))


def _our_sent_copy(conn: sqlite3.Connection, message_id: str) -> int | None:
    row = conn.execute("SELECT id FROM messages WHERE message_id = ? AND direction = 'out'"
                       " AND gone_at IS NULL ORDER BY id LIMIT 1", (message_id,)).fetchone()
    return int(row[0]) if row else None


def is_backlog(arrived: int | None, backlog_before: int | None) -> bool:
    """Whether a message the server received at `arrived` (its INTERNALDATE, or an SMS
    provider's received time; epoch seconds, None if unknown) is stored as backlog:
    `backlog_before` is set only by a first sync (no watermark before its pass) and is the
    arrival time older than which a message is backlog (`[triage] backlog_hours` before the
    batch is stored). The Date: header is not asked: a patient's mail sent days ago from an
    outbox that arrives now is live."""
    return backlog_before is not None and arrived is not None and 0 < arrived < backlog_before


def received_time(internal_date: int | None, now: int) -> int | None:
    """The server's arrival time as kept (`messages.received_at`, migration 28): its
    INTERNALDATE, None when it did not say or says a time too far ahead to be true. An
    inbound message's time on its conversation's clock (created_at, last_inbound_at: the
    list's Age and the SLA start) is this, else its Date: (schema_received.`clock_sql`)."""
    return internal_date if internal_date and 0 < internal_date <= now + _FUTURE_SLACK_S \
        else None


def _insert_message(conn: sqlite3.Connection, raw_id: int, m: FetchedMessage, mailbox: str,
                    own: frozenset[str], now: int, *, outbound: bool = False,
                    batch: _PgBatch | None = None, touches: _Touches | None = None,
                    backlog_before: int | None = None,
                    late_before: int | None = None) -> tuple[int, int]:
    p = m.parsed
    sent = _epoch(p, m.internal_date, now)
    from_email = p.from_addr.email if p.from_addr else ""
    from_name = p.from_addr.name if p.from_addr else ""
    direction = "out" if outbound or (from_email and from_email in own) else "in"
    # The message keeps its Date: (`sent`); the conversation's clock runs from when the
    # server received what the patient wrote.
    received = received_time(m.internal_date, now)
    at = received if direction == "in" and received is not None else sent
    addresses = [from_email] + [a.email for a in p.to] + [a.email for a in p.cc]
    norm = normalize_subject(p.subject)
    conv, chain = _choose_conversation(conn, p, norm, at, addresses, batch, touches)
    patient = direction == "in" and bool(from_email) and not p.auto_submitted
    is_new = conv is None
    seen = "\\Seen" in m.flags.split()
    unread = int(direction == "in" and not seen)
    if conv is None:
        if direction == "out" and p.to:
            patient_name, patient_addr = p.to[0].name, p.to[0].email
        else:
            patient_name, patient_addr = from_name, from_email
        # The first inbound sender is the patient: their contact, found or created now.
        if batch is None:
            contact = contacts.ensure_contact(conn, from_email, from_name) if patient else None
            conv = _new_conversation(conn, p, norm, at, mailbox, patient_name, patient_addr,
                                     "email", contact, (direction, unread, addresses, own))
        else:
            # The row goes in as this message leaves it: no write of its own to follow.
            conv, contact = batch.new_conversation(
                conn, p, norm, at, mailbox, patient_name, patient_addr,
                (from_email, from_name) if patient else None,
                (direction, unread, addresses, own))
    values = (raw_id, conv, direction, p.message_id, p.in_reply_to, " ".join(p.references),
              p.subject, from_name, from_email, sender_text(from_name, from_email),
              _addr_json(p.to), _addr_json(p.cc), sent, p.body_text, _attachments_json(p),
              int(bool(p.attachments)), "; ".join(p.problems), int(seen),
              now if direction == "in" and is_backlog(m.internal_date, backlog_before)
              else None, received,
              now if direction == "in" and is_backlog(m.internal_date, late_before)
              else None)
    if batch is None:
        message_pk = _rowid(conn.execute(_MESSAGE_INSERT, values))
    else:
        message_pk = batch.add_message(conn, values, m.search)
    ids = chain + ([p.message_id] if p.message_id else [])
    if batch is None:
        conn.executemany(_THREAD_INSERT, [(mid, conv) for mid in ids])
    else:
        batch.threaded(ids, conv)
    if is_new:
        status = "open"  # the row went in complete (`_new_conversation`, `_PgBatch`)
    else:
        status, contact = _touch_conversation(conn, conv, p, at, direction, unread,
                                              addresses, own, touches, batch)
    if patient and not is_new:
        # A patient wrote (auto-replies and bounces do not count: an out-of-office is not
        # the patient answering): reopen what staff had set aside, and tie a conversation
        # staff started to the patient's contact.
        # The answer to a satisfaction question that is only a rating leaves it closed.
        rating_only = False
        if (batch.asked(conv) if batch is not None
                else touches is None or touches.asked(conn, conv)):
            if batch is not None:
                batch.flush(conn)  # the answer points at the stored message
                batch.release(conn, conv)  # and writes in the conversation
            rating_only = csat.take_answer(conn, conv, message_pk, p.body_text, "email", at)
        if status != "open" and not rating_only:
            if batch is not None:
                batch.flush(conn)  # reopening reads the conversation's messages
                batch.release(conn, conv)  # and its row, and changes its status
            if touches is not None:
                touches.flush(conn, conv=conv)  # its row, read and written
            reopen_on_inbound(conn, conv, at)
        if contact is None:
            contact = _ensure_contact(conn, from_email, from_name, batch)
            if batch is None:
                conn.execute("UPDATE conversations SET contact_id = ? WHERE id = ?",
                             (contact, conv))  # contacts.link_conversation, its contact known
            else:
                batch.link(conn, conv, contact)
            if touches is not None:
                touches.linked(conv, contact)
    return message_pk, conv


_MESSAGE_COLUMNS = ("raw_id, conversation_id, channel, direction, message_id, in_reply_to,"
                    " refs, subject, from_name, from_addr, sender, to_addrs, cc_addrs, date,"
                    " body_text, attachments, has_attachment, problems, seen, backlog_at,"
                    " received_at, unscreened_at")
_MESSAGE_INSERT = (f"INSERT INTO messages ({_MESSAGE_COLUMNS}) VALUES"
                   " (?, ?, 'email', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")


_THREAD_INSERT = ("INSERT INTO thread_ids (message_id, conversation_id) VALUES (?, ?)"
                  " ON CONFLICT DO NOTHING")

_CONVERSATION_ROW = ("SELECT id, norm_subject, merged_into, participants, created_at, from_addr,"
                     " status, contact_id, channel, last_message_at FROM conversations")

_CANDIDATE_COLUMNS = ("id, last_message_at, participants, created_at, from_addr, status,"
                      " contact_id")
"""What the subject match reads of a candidate: its own columns and the rest of
`_CONVERSATION_ROW` (whose norm_subject, merged_into and channel the read fixes), so a
row it picks is counted in without a read of its own (`_PgBatch.touch`)."""


def _candidate(norm: str, row: Sequence[Any], seen: dict[int, tuple[Any, ...]]
               ) -> SubjectCandidate:
    """A candidate of the subject match from a `_CANDIDATE_COLUMNS` row; its columns
    kept in `seen` as `_Conversation`'s arguments."""
    cid, last, participants, created_at, from_addr, status, contact_id = row
    seen[int(cid)] = (norm, None, participants, created_at, from_addr, status, contact_id,
                      "email", last)
    return SubjectCandidate(int(cid), int(last), frozenset(str(participants).split()))


class StaleConversation(RuntimeError):
    """A conversation the batch counted messages into, as read with the batch, changed
    before the batch locked it: the batch is stored again (`ingest_batch`)."""

# The changes of a batch's messages to their conversations, one row per conversation, in
# one statement: what `_touch_conversation`'s UPDATEs make of the row, message by message.
_CONVERSATION_WRITE = (
    "UPDATE conversations AS c SET message_count = c.message_count + p.n,"
    " last_message_at = GREATEST(c.last_message_at, p.last_at),"
    " last_inbound_at = CASE WHEN p.in_at IS NULL THEN c.last_inbound_at"
    "   ELSE GREATEST(coalesce(c.last_inbound_at, 0), p.in_at) END,"
    " first_response_at = CASE WHEN p.first_out IS NOT NULL AND (c.first_response_at IS NULL"
    "   OR c.first_response_at > p.first_out) THEN p.first_out ELSE c.first_response_at END,"
    " last_response_at = CASE WHEN p.last_out IS NULL THEN c.last_response_at"
    "   ELSE GREATEST(coalesce(c.last_response_at, 0), p.last_out) END,"
    " unread_count = c.unread_count + p.unread, has_attachment = GREATEST(c.has_attachment,"
    " p.att), participants = p.participants, sla_dirty = 1,"
    " from_name = coalesce(p.from_name, c.from_name), from_addr = coalesce(p.from_addr,"
    " c.from_addr), created_at = LEAST(c.created_at, p.created_at),"
    " subject = coalesce(p.subject, c.subject)"
    " FROM unnest(?::bigint[], ?::bigint[], ?::bigint[], ?::bigint[], ?::bigint[],"
    " ?::bigint[], ?::bigint[], ?::bigint[], ?::text[], ?::text[], ?::text[], ?::bigint[],"
    " ?::text[]) AS p (id, n, last_at, in_at, first_out, last_out, unread, att, participants,"
    " from_name, from_addr, created_at, subject) WHERE c.id = p.id")


_SUBJECT_ROWS = 200
"""Candidate rows of one subject a batch reads up front, at most (`_PgBatch._read_subjects`)."""

class _Conversation:
    """A conversation as the batch's messages leave it: the columns the ingest reads
    (as they are in the database once the batch's changes are written), and those
    changes not written yet."""

    __slots__ = ("att", "channel", "contact_id", "created_at", "first_out", "from_addr",
                 "in_at", "last_at", "last_out", "merged_into", "n", "new_from",
                 "new_subject", "norm", "participants", "status", "stored_last", "unread")

    def __init__(self, norm: str, merged_into: int | None, participants: str,
                 created_at: int, from_addr: str, status: str,
                 contact_id: int | None, channel: str, stored_last: int) -> None:
        self.norm, self.merged_into, self.participants = norm, merged_into, participants
        self.created_at, self.from_addr, self.status = created_at, from_addr, status
        self.contact_id, self.channel = contact_id, channel
        self.stored_last = stored_last  # last_message_at as the database has it
        self._clean()

    def last_message_at(self) -> int:
        """last_message_at once the changes kept are written."""
        return self.stored_last if self.last_at is None else max(self.stored_last,
                                                                   self.last_at)

    def _clean(self) -> None:
        self.n = self.unread = self.att = 0
        self.last_at: int | None = None
        self.in_at: int | None = None
        self.first_out: int | None = None
        self.last_out: int | None = None
        self.new_from: tuple[str, str] | None = None
        self.new_subject: str | None = None

    def row(self, conv: int) -> tuple[Any, ...]:
        names = self.new_from or (None, None)
        return (conv, self.n, self.last_at, self.in_at, self.first_out, self.last_out,
                self.unread, self.att, self.participants, names[0], names[1],
                self.created_at, self.new_subject)


class _PgBatch:
    """What a PostgreSQL batch keeps in hand so a message costs no wait of its own.

    - Thread ids: every id the batch's messages name is read in one statement up front;
      the ones the batch itself stores are added as they go in (the first conversation
      to claim an id keeps it, as ON CONFLICT DO NOTHING does), and written together.
    - Conversations: the rows those thread ids point at are read with them (one
      statement), a row the batch creates is known from its insert; each message's change
      to its conversation is made here, and a conversation's changes go out as one row of
      one UPDATE over arrays: before anything reads it (the subject match reads the rows
      of its subject; an answer or a reopening writes the rows it reads), or at the end.
    - Contacts: the senders' addresses are looked up in one statement.
    - New conversations and contacts: kept with stand-in ids until the message rows go
      out (or something reads or writes them in the database), then all written at once,
      their ids drawn in one statement (`_store_new`): one wait a batch, not one each.
    - Satisfaction questions: which conversations have one out and open to an answer in
      the batch's time span, read once.
    - Message rows: their ids are drawn from the table's sequence a batch at a time, and
      the rows wait here to go in as one statement over arrays. They are written before
      anything reads the messages table (or points at a row), and before the locations.
    """

    __slots__ = ("_asked", "_contacts", "_convs", "_ids", "_looked", "_made", "_new", "_next",
                 "_optimistic", "_pending", "_real", "_real_contact", "_released", "_seen",
                 "_subjects", "_thread_rows", "_threads", "_unlocked", "_vectors", "_wanted",
                 "_windows")

    def __init__(self, conn: sqlite3.Connection, messages: Sequence[FetchedMessage],
                 expected: int, now: int, *, optimistic: bool = True) -> None:
        # Rows the subject match read (by id: `_Conversation`'s arguments as read), and
        # the ones a message was counted into from that read, not locked yet (`_lock`).
        self._optimistic = optimistic
        self._seen: dict[int, tuple[Any, ...]] = {}
        self._unlocked: dict[int, tuple[Any, ...]] = {}
        lookup: dict[str, None] = {}
        senders: dict[str, None] = {}
        norms: dict[str, None] = {}
        wanted: dict[tuple[str, int], None] = {}  # (subject, time) a match may ask about
        earliest = latest = now
        for m in messages:
            p = m.parsed
            for mid in reference_chain(p.message_id, p.in_reply_to, p.references):
                lookup[mid] = None
            if p.message_id:
                lookup[p.message_id] = None
            if p.from_addr is not None and p.from_addr.email:
                senders[canonical_address(p.from_addr.email)[0]] = None
            at = _epoch(p, m.internal_date, now)
            earliest, latest = min(earliest, at), max(latest, at)
            norm = normalize_subject(p.subject)
            if not p.auto_submitted and subject_matchable(norm, [
                    p.from_addr.email if p.from_addr else "",
                    *(a.email for a in p.to), *(a.email for a in p.cc)]):
                norms[norm] = None
                wanted[(norm, at)] = None
        # The batch's reads are all sent before the first answer is read: one wait.
        ids = list(lookup)
        threads = conn.execute("SELECT message_id, conversation_id FROM thread_ids"
                               " WHERE message_id = ANY(?::text[])", (ids,))
        # The conversations those ids name, locked until the batch commits (in id order,
        # as every batch takes them): a change by staff or by another server's batch to
        # one of these rows waits, so what the batch decides from the row it holds
        # (reopen a closed conversation, add a participant) is never decided from a
        # stale copy.
        rows = conn.execute(_CONVERSATION_ROW + " WHERE id IN (SELECT conversation_id FROM"
                            " thread_ids WHERE message_id = ANY(?::text[])) ORDER BY id"
                            " FOR UPDATE", (ids,))
        known = conn.execute("SELECT address, contact_id, name FROM contact_addresses"
                             " WHERE address = ANY(?::text[])", (list(senders),))
        # Conversations with a satisfaction question out: only a reply in one of them can
        # be an answer (the ingest sends none), so only those are asked about; a question
        # whose answer window closed before the batch's oldest message cannot be answered.
        asked = conn.execute(
            "SELECT DISTINCT conversation_id FROM csat_requests WHERE state = 'sent'"
            " AND answer_until >= ?", (earliest,))
        subjects = self._read_subjects(conn, list(norms), earliest - SUBJECT_WINDOW_S,
                                       latest + SUBJECT_WINDOW_S, self._seen)
        drawn = self._send_draw(conn, expected)
        self._threads: dict[str, int] = {str(mid): int(conv) for mid, conv in threads}
        self._thread_rows: list[tuple[str, int]] = []
        self._convs: dict[int, _Conversation] = {
            int(row[0]): _Conversation(*row[1:]) for row in rows}
        self._looked = set(senders)
        self._contacts: dict[str, tuple[int, str]] = {
            str(address): (int(contact_id), str(name)) for address, contact_id, name in known}
        self._asked = {int(r[0]) for r in asked}
        self._subjects = subjects()
        self._wanted = [key for key in wanted if key[0] not in self._subjects]
        self._windows: dict[tuple[str, int], tuple[int, list[SubjectCandidate]]] | None = None
        self._released: dict[int, _Conversation] = {}
        # Made by the batch and not written yet, by stand-in id (below zero, in the order
        # made): contacts [name, address, kind], conversations (subject, mailbox, name).
        self._next = 0
        self._made: dict[int, list[str]] = {}
        self._new: dict[int, tuple[str, str, str]] = {}
        self._real: dict[int, int] = {}  # stand-in id -> id, once written
        self._real_contact: dict[int, int] = {}
        self._ids: list[int] = []
        self._pending: list[tuple[Any, ...]] = []
        self._vectors: dict[int, str] = {}  # message id -> its search vector, if made
        if drawn is not None:
            self._take(drawn)

    @staticmethod
    def _read_subjects(conn: sqlite3.Connection, norms: list[str], low: int, high: int,
                       seen: dict[int, tuple[Any, ...]]
                       ) -> Callable[[], dict[str, list[SubjectCandidate]]]:
        """The subject match's candidates for every subject the batch may match by, in one
        statement: each subject's e-mail conversations active within the window around
        any of the batch's messages, newest first. A subject with more than
        _SUBJECT_ROWS of them is left out (its matches read each message's own window,
        all of the batch's in one statement: `_window`). The
        statement is sent now and its answer read by the function returned, which also
        keeps each row's columns in `seen` (`touch`)."""
        found: dict[str, list[SubjectCandidate]] = {norm: [] for norm in norms}
        if not norms:
            return lambda: found
        cursor = conn.execute(
            "SELECT n.norm, c.* FROM"
            " unnest(?::text[]) AS n (norm) CROSS JOIN LATERAL (SELECT"
            f" {_CANDIDATE_COLUMNS} FROM conversations WHERE norm_subject ="
            " n.norm AND channel = 'email' AND merged_into IS NULL AND last_message_at"
            " BETWEEN ? AND ? ORDER BY last_message_at DESC LIMIT ?) AS c",
            (norms, low, high, _SUBJECT_ROWS + 1))

        def read() -> dict[str, list[SubjectCandidate]]:
            for row in cursor:
                found[str(row[0])].append(_candidate(str(row[0]), row[1:], seen))
            return {norm: rows for norm, rows in found.items() if len(rows) <= _SUBJECT_ROWS}

        return read

    @staticmethod
    def _send_draw(conn: sqlite3.Connection, count: int) -> Any:
        """`count` message ids drawn from the table's sequence (None for none): the
        statement sent, its answer for `_take`."""
        if count <= 0:
            return None
        return conn.execute("SELECT nextval(pg_get_serial_sequence('messages', 'id'))"
                            " FROM generate_series(1, ?) ORDER BY 1 DESC", (count,))

    def _take(self, cursor: Any) -> None:
        # Kept highest first: the next id is the list's last.
        self._ids[:0] = [int(r[0]) for r in cursor.fetchall()]

    def _draw(self, conn: sqlite3.Connection, count: int) -> None:
        drawn = self._send_draw(conn, count)
        if drawn is not None:
            self._take(drawn)

    def asked(self, conv: int) -> bool:
        return self.real(conv) in self._asked

    def known(self, lookup: Sequence[str]) -> dict[str, int]:
        return {mid: self._threads[mid] for mid in lookup if mid in self._threads}

    def threaded(self, ids: Sequence[str], conv: int) -> None:
        conv = self.real(conv)
        for mid in ids:
            self._threads.setdefault(mid, conv)
        self._thread_rows += [(mid, conv) for mid in ids]

    def live(self, conn: sqlite3.Connection, conv: int) -> int:
        """`merge.live_conversation`, answered from the rows in hand when it can be."""
        conv = self.real(conv)
        known = self._convs.get(conv)
        if known is not None and known.merged_into is None:
            return conv
        return live_conversation(conn, conv)

    def subject_candidates(self, conn: sqlite3.Connection, norm: str, at: int
                           ) -> list[SubjectCandidate]:
        """`_subject_candidates` as they would be read with the batch's kept changes
        written, without writing them: the rows of the subject the batch holds are taken
        as it holds them (their participants and last message as the batch leaves them),
        the others as stored. The stored rows are read k more deep (k: the subject's rows
        in hand), since a row in hand may rank among the first 20 by its stored time and
        not by its new one (its newest message past the window); each row the batch does
        not hold ranks the same either way, so the first 20 of the merged list are the 20
        the read after a write would return (rows of equal time in any order, as SQL's
        ORDER BY leaves them). A conversation's row is then written once per batch, at
        the end, instead of once more before each match of its subject."""
        mine = {cid: c for cid, c in self._released.items() if c.norm == norm}
        mine.update((cid, c) for cid, c in self._convs.items() if c.norm == norm)
        low, high = at - SUBJECT_WINDOW_S, at + SUBJECT_WINDOW_S
        known = self._subjects.get(norm)
        window = None if known is not None else self._window(conn, norm, at, len(mine))
        if known is not None:  # read with the batch: every row of the window is there
            found = [cand for cand in known if low <= cand.last_message_at <= high
                     and cand.conversation_id not in mine]
        elif window is not None:  # this message's window, read with the batch's others
            found = [cand for cand in window if cand.conversation_id not in mine]
        else:
            found = [cand for cand in (
                _candidate(norm, r, self._seen) for r in conn.execute(
                    f"SELECT {_CANDIDATE_COLUMNS} FROM conversations"
                    " WHERE norm_subject = ? AND channel = 'email' AND merged_into IS"
                    " NULL AND last_message_at BETWEEN ? AND ? ORDER BY"
                    " last_message_at DESC LIMIT ?", (norm, low, high, 20 + len(mine))))
                     if cand.conversation_id not in mine]
        for cid, c in mine.items():
            last = c.last_message_at()
            if c.channel == "email" and c.merged_into is None and low <= last <= high:
                found.append(SubjectCandidate(cid, last, frozenset(c.participants.split())))
        found.sort(key=lambda cand: -cand.last_message_at)
        return found[:20]

    def _window(self, conn: sqlite3.Connection, norm: str, at: int, held: int
                ) -> list[SubjectCandidate] | None:
        """The stored rows a match of a common subject (more than _SUBJECT_ROWS rows
        around the batch, so not read with it) would read by itself: the newest of the
        subject's e-mail conversations within the window around `at`, at least 20 +
        `held` of them (`held`: the subject's rows the batch holds, which the caller
        leaves out), or None when the read cannot tell (the message was not foreseen, or
        the batch now holds more of the subject's rows than were read: the caller reads
        its own). The first time one is needed, the windows of every such message of the
        batch are read in one statement, each the depth it may need: 20, the subject's
        rows held then and one for each of the batch's messages of that subject (each may
        hold one more). The rows the batch does not hold are not written while it runs
        (other intakes wait on the intake lock), so an early read is what a late read
        would return."""
        if self._windows is None:
            self._windows = {}
            if self._wanted:
                ahead: dict[str, int] = {}
                for want, _ in self._wanted:
                    ahead[want] = ahead.get(want, 0) + 1
                holding: dict[str, int] = {}
                for c in (*self._released.values(), *self._convs.values()):
                    holding[c.norm] = holding.get(c.norm, 0) + 1
                depth = [20 + holding.get(want, 0) + ahead[want] for want, _ in self._wanted]
                for row in conn.execute(
                        "SELECT w.n, c.* FROM"
                        " unnest(?::text[], ?::bigint[], ?::int[]) WITH ORDINALITY AS w"
                        " (norm, at, depth, n) CROSS JOIN LATERAL (SELECT"
                        f" {_CANDIDATE_COLUMNS} FROM conversations WHERE"
                        " norm_subject = w.norm AND channel = 'email' AND merged_into IS"
                        " NULL AND last_message_at BETWEEN w.at - ? AND w.at + ? ORDER BY"
                        " last_message_at DESC LIMIT w.depth) AS c ORDER BY w.n,"
                        " c.last_message_at DESC",
                        ([want for want, _ in self._wanted], [t for _, t in self._wanted],
                         depth, SUBJECT_WINDOW_S, SUBJECT_WINDOW_S)):
                    n = int(row[0])
                    key = self._wanted[n - 1]
                    self._windows.setdefault(key, (depth[n - 1], []))[1].append(
                        _candidate(key[0], row[1:], self._seen))
                for i, key in enumerate(self._wanted):
                    self._windows.setdefault(key, (depth[i], []))
        read = self._windows.get((norm, at))
        if read is None or read[0] < 20 + held:
            return None
        return read[1]

    def touch(self, conn: sqlite3.Connection, conv: int, p: ParsedMessage, at: int,
              direction: str, unread: int, addresses: list[str], own: frozenset[str]
              ) -> tuple[str, int | None]:
        """`_touch_conversation`'s change, kept for the conversation's next write."""
        conv = self.real(conv)
        c = self._convs.get(conv)
        if c is None:
            seen = self._seen.get(conv) if self._optimistic else None
            if seen is not None and conv not in self._released:
                # A row the subject match read with the batch (its only way here): taken
                # as read, and locked with the batch's others before it is written
                # (`_lock`), which makes sure it did not change meanwhile.
                self._unlocked[conv] = seen
                c = self._convs[conv] = _Conversation(*seen)
            else:
                row = conn.execute(_CONVERSATION_ROW + " WHERE id = ? FOR UPDATE",
                                   (conv,)).fetchone()
                c = self._convs[conv] = _Conversation(*row[1:])
        before = (str(c.status), c.contact_id)
        self._apply(c, p, at, direction, unread, addresses, own)
        return before

    @staticmethod
    def _apply(c: _Conversation, p: ParsedMessage, at: int, direction: str, unread: int,
               addresses: list[str], own: frozenset[str]) -> None:
        """One message's change to conversation `c` (`_touch_conversation`'s UPDATEs)."""
        people = c.participants.split()
        for a in addresses:
            if a and a not in own and a not in people:
                people.append(a)
        c.participants = " ".join(people[:50])
        c.n += 1
        c.unread += unread
        c.att = max(c.att, int(bool(p.attachments)))
        c.last_at = at if c.last_at is None else max(c.last_at, at)
        if direction == "in":
            c.in_at = at if c.in_at is None else max(c.in_at, at)
        elif direction == "out":
            c.first_out = at if c.first_out is None else min(c.first_out, at)
            c.last_out = at if c.last_out is None else max(c.last_out, at)
        sender = p.from_addr
        if direction == "in" and sender is not None and (
                at < c.created_at or c.from_addr in own or not c.from_addr):
            c.new_from = (sender.name, sender.email)
            c.from_addr = sender.email
            if at < c.created_at:
                c.new_subject = p.subject
                c.created_at = at

    def write_conversations(self, conn: sqlite3.Connection, norm: str | None = None,
                            conv: int | None = None) -> None:
        """Write the changes kept for the conversations of subject `norm` (or `conv`
        alone; or all of them)."""
        rows = [c.row(cid) for cid, c in sorted(self._convs.items()) if c.n and (
            (norm is None and conv is None) or c.norm == norm or cid == conv)]
        if not rows:
            return
        self._lock(conn, [row[0] for row in rows])
        # Planned with its arrays each time (never prepared): a plan made once, for the
        # array's length guessed and an inbox still small, keeps scanning the whole table
        # for its join as the inbox grows; planned with the values, it reads each row by
        # its key.
        conn.execute(_CONVERSATION_WRITE,  # type: ignore[call-arg]
                     [list(column) for column in zip(*rows, strict=True)], prepare=False)
        for row in rows:
            written = self._convs[row[0]]
            written.stored_last = written.last_message_at()
            written._clean()

    def release(self, conn: sqlite3.Connection, conv: int) -> None:
        """Write `conv`'s changes and read its row again when next needed: what comes
        next changes it in ways the batch does not follow."""
        self._store_new(conn)
        conv = self.real(conv)
        self.write_conversations(conn, conv=conv)
        self._lock(conn, [conv])
        left = self._convs.pop(conv, None)
        if left is not None:  # the subject match still needs its time and participants
            self._released[conv] = left

    def new_conversation(self, conn: sqlite3.Connection, p: ParsedMessage, norm: str, at: int,
                         mailbox: str, patient_name: str, patient_addr: str,
                         patient: tuple[str, str] | None,
                         first: tuple[str, int, list[str], frozenset[str]]
                         ) -> tuple[int, int | None]:
        """`_new_conversation` with the patient's contact (`ensure_contact` of the
        (address, name) `patient`, when given), without a wait: the conversation (and a
        contact made for it) gets a stand-in id, below zero, and waits in the batch until
        its row is written (`_store_new`), with every change the batch's messages made to
        it since the first (`first`: direction, unread, addresses, own addresses): a
        conversation the batch creates is written once, by one INSERT."""
        contact: int | None = None
        if patient is not None:
            contact = self.contact(conn, *patient)
        c = _Conversation(norm, None, "", at, patient_addr, "open", contact, "email", at)
        self._apply(c, p, at, *first)
        self._next -= 1
        self._convs[self._next] = c
        self._new[self._next] = (p.subject, mailbox, patient_name)
        return self._next, contact

    def contact(self, conn: sqlite3.Connection, address: str, name: str) -> int:
        """`contacts.ensure_contact`, the address's row read with the batch's. A contact
        made here waits in the batch with a stand-in id (below zero) until written with
        the batch's new conversations (`_store_new`)."""
        canon, kind = canonical_address(address)
        if canon not in self._looked:
            self._store_new(conn)  # contact ids in the order they are made
            return contacts.ensure_contact(conn, address, name)
        known = self._contacts.get(canon)
        if known is None:
            self._next -= 1
            self._made[self._next] = [name, canon, kind]
            self._contacts[canon] = (self._next, name)
            return self._next
        contact_id, had = known
        if name and not had:
            made = self._made.get(contact_id)
            if made is not None:  # not written yet: written with the name
                made[0] = name
            else:
                conn.execute("UPDATE contact_addresses SET name = ? WHERE address = ?",
                             (name, canon))
                conn.execute("UPDATE contacts SET name = ? WHERE id = ? AND name = ''",
                             (name, contact_id))
            self._contacts[canon] = (contact_id, name)
        return contact_id

    def link(self, conn: sqlite3.Connection, conv: int, contact_id: int) -> None:
        """`contacts.link_conversation` of a contact the batch found or made: written
        with the conversation's row if that is not written yet, else as an UPDATE."""
        conv = self.real(conv)
        if conv > 0:
            self._lock(conn, [conv])  # the contact it had is the one it was read with
            if contact_id < 0:
                self._store_new(conn)
                contact_id = self._real_contact.get(contact_id, contact_id)
            conn.execute("UPDATE conversations SET contact_id = ? WHERE id = ?",
                         (contact_id, conv))
        known = self._convs.get(conv)
        if known is not None:
            known.contact_id = contact_id

    def _lock(self, conn: sqlite3.Connection, ids: Sequence[int]) -> None:
        """Lock the rows of `ids` that `touch` took as the subject match read them, all in
        one statement (in id order, as the batch's first rows), and check that each is
        still what was read: a change committed meanwhile by staff or another server's
        request (other intakes wait on the intake lock) raises `StaleConversation`, and
        the batch is stored again, each such row read and locked as it is touched
        (`ingest_batch`). One wait for the batch's rows, not two for each."""
        wanted = sorted(conv for conv in ids if conv in self._unlocked)
        if not wanted:
            return
        # Planned with its array each time, as `write_conversations`: a plan made once
        # while the table is small would go on reading all of it.
        read = {int(row[0]): tuple(row[1:]) for row in conn.execute(  # type: ignore[call-arg]
            _CONVERSATION_ROW + " WHERE id = ANY(?::bigint[]) ORDER BY id FOR UPDATE",
            (wanted,), prepare=False)}
        for conv in wanted:
            if read.get(conv) != self._unlocked.pop(conv):
                raise StaleConversation(conv)

    def real(self, conv: int) -> int:
        """The conversation's id in the database, for a stand-in id already written."""
        return self._real.get(conv, conv)

    def _store_new(self, conn: sqlite3.Connection) -> None:
        """Write the contacts and conversations the batch made and has not written: their
        ids drawn from the tables' sequences in one statement (the batch's one wait for
        them), in the order the batch made them (as SQLite numbers them), and the rows
        sent without waiting, each conversation as the batch's messages leave it so far.
        Every stand-in id the batch keeps is then replaced by the real one."""
        if not self._new and not self._made:
            return
        contact_ids, conv_ids = conn.execute(
            "SELECT ARRAY(SELECT nextval(pg_get_serial_sequence('contacts', 'id'))"
            " FROM generate_series(1, ?)), ARRAY(SELECT nextval(pg_get_serial_sequence("
            "'conversations', 'id')) FROM generate_series(1, ?))",
            (len(self._made), len(self._new))).fetchone()
        contact_map = dict(zip(list(self._made), sorted(contact_ids),
                               strict=True))
        conv_map = dict(zip(list(self._new), sorted(conv_ids), strict=True))
        if self._made:
            conn.executemany("INSERT INTO contacts (id, name, first_address) VALUES (?, ?, ?)",
                             [(contact_map[k], name, canon)
                              for k, (name, canon, _) in self._made.items()])
            conn.executemany("INSERT INTO contact_addresses (address, contact_id, kind, name)"
                             " VALUES (?, ?, ?, ?)",
                             [(canon, contact_map[k], kind, name)
                              for k, (name, canon, kind) in self._made.items()])
            self._contacts = {canon: (contact_map.get(cid, cid), name)
                              for canon, (cid, name) in self._contacts.items()}
            self._made = {}
        self._real_contact.update(contact_map)
        rows = []
        for k, (subject, mailbox, patient_name) in self._new.items():
            c = self._convs.pop(k)
            if c.contact_id is not None:
                c.contact_id = self._real_contact.get(c.contact_id, c.contact_id)
            rows.append((conv_map[k], c.new_subject or subject, c.norm, "email", mailbox,
                         c.new_from[0] if c.new_from else patient_name, c.from_addr,
                         c.participants, c.created_at, c.last_message_at(), c.in_at,
                         c.first_out, c.last_out, c.n, c.unread, c.att, 1, c.contact_id))
            c.stored_last = c.last_message_at()
            c._clean()
            self._convs[conv_map[k]] = c
        self._convs = dict(sorted(self._convs.items()))
        conn.executemany(
            "INSERT INTO conversations (id, subject, norm_subject, channel, mailbox, from_name,"
            " from_addr, participants, created_at, last_message_at, last_inbound_at,"
            " first_response_at, last_response_at, message_count, unread_count,"
            " has_attachment, sla_dirty, contact_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?,"
            " ?, ?, ?, ?, ?, ?, ?, ?)", rows)
        self._new = {}
        self._real.update(conv_map)
        self._threads = {mid: conv_map.get(conv, conv) for mid, conv in self._threads.items()}
        self._thread_rows = [(mid, conv_map.get(conv, conv)) for mid, conv in self._thread_rows]
        self._pending = [(*row[:2], conv_map.get(row[2], row[2]), *row[3:])
                         for row in self._pending]

    def add_message(self, conn: sqlite3.Connection, values: tuple[Any, ...],
                    search: str | None = None) -> int:
        if not self._ids:
            self._draw(conn, 1)
        message_pk = self._ids.pop()
        self._pending.append((message_pk, values[0], self.real(values[1]), "email",
                              *values[2:]))
        if search is not None:
            self._vectors[message_pk] = search
        return message_pk

    def flush(self, conn: sqlite3.Connection) -> None:
        """Write the message rows kept (and first the conversations they point at)."""
        self._store_new(conn)
        if self._pending:
            # The vectors the parse workers made go in first: the messages' trigger marks
            # for the pass (or, outside a bulk sync, makes) only the vectors not there.
            vectors = self._vectors
            given = [(row[0], row[2], vectors.pop(row[0])) for row in self._pending
                     if row[0] in vectors]
            if given:
                conn.executemany("INSERT INTO message_search (message_id, conversation_id,"
                                 " search) VALUES (?, ?, ?)", given)
            conn.executemany(f"INSERT INTO messages (id, {_MESSAGE_COLUMNS}) VALUES"
                             f" ({', '.join('?' * 23)})",
                             self._pending)
            self._pending = []

    def finish(self, conn: sqlite3.Connection) -> None:
        """Everything kept goes out: the message rows, thread ids, conversation changes."""
        self.flush(conn)
        if self._thread_rows:
            conn.executemany(_THREAD_INSERT, self._thread_rows)
            self._thread_rows = []
        self.write_conversations(conn)


def _ensure_contact(conn: sqlite3.Connection, address: str, name: str,
                    batch: _PgBatch | None) -> int:
    if batch is None:
        return contacts.ensure_contact(conn, address, name)
    return batch.contact(conn, address, name)


def _arrays(conn: sqlite3.Connection) -> bool:
    """PostgreSQL, where a statement is a round trip: a batch's small rows go in as arrays,
    and statements whose answers are read later are sent together (store/pg/conn.py's
    pipeline)."""
    return dialect_of(conn).array_binds


def _keyed_plans(conn: sqlite3.Connection, on: bool) -> None:
    """PostgreSQL: the batch's statements, and the foreign-key checks their inserts make,
    planned from the indexes (`on`) while the batch stores its rows; then the setting as
    it was. Every read and check of a batch names its rows by key. A connection caches
    each check's plan when the check first runs, and a first sync's first batch runs them
    against tables of a few pages, where reading every row costs the planner less than
    the index: a message row's check of its conversation then read the whole table for
    each message until autovacuum's statistics replaced the plan (14.8 million rows read
    for 10,000 messages). The plans made here keep to the index as the tables grow."""
    if on:
        conn.execute("SELECT set_config('enable_seqscan', 'off', true)")
    else:
        conn.execute("SELECT set_config('enable_seqscan', reset_val, true) FROM pg_settings"
                     " WHERE name = 'enable_seqscan'")


def _insert_raw(conn: sqlite3.Connection, messages: Sequence[FetchedMessage]
                ) -> dict[bytes, int]:
    """Store the batch's raw bytes; the ids of the bytes that were new, by SHA-256."""
    sql = ("INSERT INTO raw_messages (sha256, size, data) VALUES (?, ?, ?)"
           " ON CONFLICT DO NOTHING RETURNING id")
    fresh: dict[bytes, int] = {}
    if _arrays(conn):
        # PostgreSQL: which bytes are new, and their ids drawn, in one statement (the
        # batch's one wait for them); then the new rows by one COPY, streamed. No other
        # transaction stores the same bytes meanwhile: every intake holds the intake lock.
        firsts = _first_of_each(messages)
        for sha, new_id in conn.execute(
                "SELECT s.sha, nextval(pg_get_serial_sequence('raw_messages', 'id'))"
                " FROM unnest(?::bytea[]) WITH ORDINALITY AS s (sha, n) WHERE NOT EXISTS"
                " (SELECT 1 FROM raw_messages r WHERE r.sha256 = s.sha) ORDER BY s.n",
                ([m.sha256 for m in firsts],)).fetchall():
            fresh[bytes(sha)] = int(new_id)
        conn.copy_rows(  # type: ignore[attr-defined]
            "raw_messages", ("id", "sha256", "size", "data"), ("int8", "bytea", "int8", "bytea"),
            [(fresh[m.sha256], m.sha256, len(m.raw), m.raw) for m in firsts
             if m.sha256 in fresh])
        return fresh
    # SQLite: the row's id without RETURNING, whose rows cost a read of their own per
    # insert (a tenth of the store's CPU in a first sync). `rowcount` counts this
    # statement's own row only, never a trigger's.
    plain = sql.removesuffix(" RETURNING id")
    for m in _first_of_each(messages):
        cursor = conn.execute(plain, (m.sha256, len(m.raw), m.raw))
        if cursor.rowcount == 1 and cursor.lastrowid:
            fresh[m.sha256] = int(cursor.lastrowid)
    return fresh


def _first_of_each(messages: Sequence[FetchedMessage]) -> list[FetchedMessage]:
    """The batch without repeats of the same bytes, in order."""
    seen: set[bytes] = set()
    out = []
    for m in messages:
        if m.sha256 not in seen:
            seen.add(m.sha256)
            out.append(m)
    return out


def _insert_locations(conn: sqlite3.Connection,
                      rows: Sequence[tuple[int, int, int, str, int | None]]) -> None:
    # On PostgreSQL the batch's rows are one statement over arrays (store/pg/conn.py).
    conn.executemany("INSERT INTO locations (folder_id, uid, message_pk, flags, modseq)"
                     " VALUES (?, ?, ?, ?, ?) ON CONFLICT DO NOTHING", rows)


def ingest_batch(conn: sqlite3.Connection, folder: FolderState, messages: Sequence[FetchedMessage],
                 *, own_addresses: frozenset[str], watermark: int, now: int,
                 index_text: bool = True, outbound: bool = False,
                 backlog_before: int | None = None) -> set[int]:
    """Store a fetched batch and move the folder's watermark, in the caller's transaction.

    `backlog_before` (epoch seconds, normally `now - [triage] backlog_hours`): during the
    folder's first sync (`first_pass`: no pass of it has finished yet, so also the rest
    of a first sync that was interrupted), its inbound messages that the server received
    (INTERNALDATE) before then are stored marked as backlog (`messages.backlog_at`,
    migration 27, `is_backlog`); the arrival rules and the SLA monitor read that mark.
    On any later sync, inbound mail received before then is stored marked unscreened
    (`messages.unscreened_at`, migration 28): the detectors pass it over by the same test.
    Every message keeps its INTERNALDATE (`messages.received_at`).

    `outbound`: the folder is the mailbox's Sent folder. Everything in it is the clinic
    speaking (a reply from Outlook counts as the response and stops the SLA clock), and a
    copy of a reply cxinbox itself sent, refiled by the provider with other bytes (Gmail
    files its own copy), is the message already stored under that Message-ID.

    `index_text=False` leaves full-text indexing to a later `fts.index_pending` (the bulk
    sync does it on another thread; on PostgreSQL, after the sync). Returns the ids of the
    conversations that changed.
    """
    first_sync = backlog_before is not None and not outbound and first_pass(conn, folder.id)
    if _arrays(conn):
        _keyed_plans(conn, True)  # until `_ingest` has stored the batch
    # The raw bytes first (on PostgreSQL by a COPY, which a pipeline does not allow).
    fresh = _insert_raw(conn, messages)
    store = partial(_ingest, conn, folder, messages, fresh, own_addresses=own_addresses,
                    watermark=watermark, now=now, index_text=index_text, outbound=outbound,
                    backlog_before=backlog_before if first_sync else None,
                    late_before=None if first_sync or outbound else backlog_before)
    pipeline = getattr(conn, "pipeline", None)  # PostgreSQL: writes need not wait
    if pipeline is None:
        return store()
    with pipeline():
        # The subject match's rows are counted in as the batch read them and locked
        # together (`_PgBatch._lock`); if one changed meanwhile, the batch is stored
        # again from here, each such row read and locked as it is touched.
        conn.execute("SAVEPOINT cxinbox_batch")
        try:
            touched = store()
        except StaleConversation as exc:
            log.info("a conversation changed while its mail was stored (#%s): the batch"
                     " is stored again", exc.args[0])
            conn.execute("ROLLBACK TO SAVEPOINT cxinbox_batch")
            touched = store(optimistic=False)
        conn.execute("RELEASE SAVEPOINT cxinbox_batch")
        return touched


def _ingest(conn: sqlite3.Connection, folder: FolderState, messages: Sequence[FetchedMessage],
            fresh: dict[bytes, int], *, own_addresses: frozenset[str], watermark: int,
            now: int, index_text: bool, outbound: bool,
            backlog_before: int | None = None, late_before: int | None = None,
            optimistic: bool = True) -> set[int]:
    touched: set[int] = set()
    revived: list[int] = []
    batch = (_PgBatch(conn, messages, len(fresh), now, optimistic=optimistic)
             if _arrays(conn) else None)
    held = batch is None and bool(fresh)
    if held:  # SQLite: the per-row report triggers wait for the batch (migration 26)
        conn.execute(ingest_hold.HOLD)
    deferred = batch is not None and not index_text and bool(fresh)
    if deferred:
        # PostgreSQL: the batch's message rows go in without their search vectors, made
        # after the bulk sync (store/fts.py); a search meanwhile reads their text.
        fts.defer_search(conn, True)
    try:
        located = _store_each(conn, folder, messages, fresh, batch, touched, revived,
                              own_addresses=own_addresses, now=now, outbound=outbound,
                              backlog_before=backlog_before, late_before=late_before)
    except BaseException:
        if held:  # a caller that commits what was stored keeps every row's facts
            _release(conn)
        raise
    if batch is not None:
        batch.finish(conn)
        touched = {batch.real(conv) for conv in touched}
    if deferred:
        fts.defer_search(conn, False)  # only the sync's own rows
    if held:
        _release(conn)
    # Nothing above reads locations: they go in together, in the same transaction.
    _insert_locations(conn, located)
    if batch is not None:
        _keyed_plans(conn, False)
    if revived:
        conn.executemany("UPDATE messages SET gone_at = NULL WHERE id = ?", [(i,) for i in revived])
        refresh_conversation_counts(conn, touched)
    conn.execute(f"UPDATE folders SET last_uid = {dialect_of(conn).greatest}(last_uid, ?)"
                 " WHERE id = ?", (watermark, folder.id))
    if index_text and dialect_of(conn).fts_by_watermark:
        fts.index_pending(conn)
    return touched


def _store_each(conn: sqlite3.Connection, folder: FolderState,
                messages: Sequence[FetchedMessage], fresh: dict[bytes, int],
                batch: _PgBatch | None, touched: set[int], revived: list[int], *,
                own_addresses: frozenset[str], now: int, outbound: bool,
                backlog_before: int | None = None, late_before: int | None = None
                ) -> list[tuple[int, int, int, str, int | None]]:
    """`_ingest`'s messages one by one; their locations, for one insert."""
    located: list[tuple[int, int, int, str, int | None]] = []
    touches = _Touches() if batch is None else None
    for m in messages:
        # The first message of the batch with these bytes, if the bytes were new, has none
        # stored yet; any other finds what the bytes' first arrival stored.
        new_raw = fresh.pop(m.sha256, None)
        msg_pk: int | None = None
        if new_raw is not None:
            raw_id = new_raw
        else:
            if batch is not None:
                batch.flush(conn)
            raw_id = conn.execute("SELECT id FROM raw_messages WHERE sha256 = ?",
                                  (m.sha256,)).fetchone()[0]
            row = conn.execute("SELECT id, conversation_id, gone_at, seen FROM messages"
                               " WHERE raw_id = ?", (raw_id,)).fetchone()
            if row is not None:
                msg_pk = row[0]
                seen = int("\\Seen" in m.flags.split())
                if row[2] is not None or seen != row[3]:
                    # Re-linked after a renumbering (or found again): the server's flags win.
                    conn.execute("UPDATE messages SET seen = ? WHERE id = ?", (seen, msg_pk))
                    revived.append(row[0])
                    touched.add(row[1])
        if msg_pk is None and outbound and m.parsed.message_id:
            if batch is not None:
                batch.flush(conn)
            msg_pk = _our_sent_copy(conn, m.parsed.message_id)
        if msg_pk is None:
            msg_pk, conv = _insert_message(conn, raw_id, m, folder.account, own_addresses, now,
                                           outbound=outbound, batch=batch, touches=touches,
                                           backlog_before=backlog_before,
                                           late_before=late_before)
            touched.add(conv)
        located.append((folder.id, m.uid, msg_pk, m.flags, m.modseq))
    if touches is not None:
        touches.flush(conn)
    return located


def _release(conn: sqlite3.Connection) -> None:
    """The held triggers' rows for the whole batch, and the hold let go (migration 26)."""
    for statement in ingest_hold.RELEASE:
        conn.execute(statement)


# -- flags and expunges --------------------------------------------------------------------


def refresh_conversation_counts(conn: sqlite3.Connection, conv_ids: Iterable[int]) -> None:
    conn.executemany(
        "UPDATE conversations SET"
        " message_count = (SELECT count(*) FROM messages m WHERE m.conversation_id = conversations.id"
        "   AND m.gone_at IS NULL),"
        " unread_count = (SELECT count(*) FROM messages m WHERE m.conversation_id = conversations.id"
        "   AND m.gone_at IS NULL AND m.seen = 0 AND m.direction = 'in')"
        " WHERE id = ?",
        [(c,) for c in conv_ids],
    )


def apply_flags(conn: sqlite3.Connection, folder_id: int,
                changes: Sequence[tuple[int, str, int | None]]) -> set[int]:
    """Record server flag changes (uid, flags, modseq); returns touched conversations."""
    touched: set[int] = set()
    for uid, flags, modseq in changes:
        row = conn.execute(
            "SELECT l.message_pk, l.flags, m.conversation_id, m.seen FROM locations l"
            " JOIN messages m ON m.id = l.message_pk WHERE l.folder_id = ? AND l.uid = ?",
            (folder_id, uid),
        ).fetchone()
        if row is None or _flag_set(row[1]) == _flag_set(flags):
            # Unchanged on the server (a flag-diff server lists every message): a message
            # read here and not yet written back must stay read.
            continue
        conn.execute("UPDATE locations SET flags = ?, modseq = ? WHERE folder_id = ? AND uid = ?",
                     (flags, modseq, folder_id, uid))
        seen = int("\\Seen" in flags.split())
        if seen != row[3]:
            conn.execute("UPDATE messages SET seen = ? WHERE id = ?", (seen, row[0]))
            touched.add(row[2])
    refresh_conversation_counts(conn, touched)
    return touched


def changed_flags(conn: sqlite3.Connection, folder_id: int,
                  listed: Sequence[tuple[int, str, int | None]]
                  ) -> list[tuple[int, str, int | None]]:
    """The entries of a full flag listing that differ from what is stored: on a server
    without CONDSTORE (Exchange Online) that is the whole diff, in one read."""
    stored = dict(conn.execute("SELECT uid, flags FROM locations WHERE folder_id = ?",
                               (folder_id,)).fetchall())
    return [c for c in listed if c[0] in stored and _flag_set(stored[c[0]]) != _flag_set(c[1])]


def _flag_set(flags: str) -> frozenset[str]:
    """Flags compared as a set, \\Recent aside (older rows stored it)."""
    return frozenset(f for f in flags.split() if f.lower() != "\\recent")


def seen_to_push(conn: sqlite3.Connection, folder_id: int, limit: int = 1000) -> list[int]:
    """UIDs read by the desk whose server copy is not \\Seen yet."""
    return [r[0] for r in conn.execute(
        "SELECT l.uid FROM locations l JOIN messages m ON m.id = l.message_pk"
        " WHERE l.folder_id = ? AND m.seen = 1 AND m.direction = 'in'"
        f" AND {dialect_of(conn).strpos}(' ' || l.flags || ' ', ' \\Seen ') = 0 LIMIT ?",
        (folder_id, limit))]


def mark_pushed_seen(conn: sqlite3.Connection, folder_id: int, uids: Sequence[int]) -> None:
    conn.executemany("UPDATE locations SET flags = trim(flags || ' \\Seen')"
                     " WHERE folder_id = ? AND uid = ?", [(folder_id, u) for u in uids])


def drop_locations(conn: sqlite3.Connection, folder_id: int, uids: Sequence[int]) -> None:
    conn.executemany("DELETE FROM locations WHERE folder_id = ? AND uid = ?",
                     [(folder_id, u) for u in uids])
    conn.execute("UPDATE folders SET sweep_needed = 1 WHERE id = ?", (folder_id,))


def orphan_count(conn: sqlite3.Connection) -> int:
    return int(conn.execute(
        "SELECT count(*) FROM messages m WHERE m.gone_at IS NULL AND m.channel = 'email'"
        " AND NOT EXISTS (SELECT 1 FROM locations l WHERE l.message_pk = m.id)").fetchone()[0])


def sweep_gone(conn: sqlite3.Connection, now: int) -> set[int]:
    """Mark messages no folder holds any more as gone; returns touched conversations."""
    rows = conn.execute(
        "SELECT m.id, m.conversation_id FROM messages m WHERE m.gone_at IS NULL"
        " AND m.channel = 'email'"
        " AND NOT EXISTS (SELECT 1 FROM locations l WHERE l.message_pk = m.id)").fetchall()
    conn.executemany("UPDATE messages SET gone_at = ? WHERE id = ?", [(now, r[0]) for r in rows])
    touched = {r[1] for r in rows}
    refresh_conversation_counts(conn, touched)
    conn.execute("UPDATE folders SET sweep_needed = 0")
    return touched


def utc_now() -> int:
    return int(datetime.now(UTC).timestamp())
