"""Retention's SQL: which conversations are past their period, and removing them whole.

A conversation goes with everything that hangs off it: its messages and their raw bytes,
their full-text and sender index entries, server locations, SMS rows, Message-ID links,
tags, notes and their mentions, drafts and outbox rows with the files attached to them,
SLA escalations, the conversations merged into it, and a contact left with nothing.
SMS opt-outs stay (the patient's STOP must outlive the conversation): only their link to
the message goes. Audit events are not touched here; they have their own period
(`release_events`).

`purge(conn, ids, apply=False)` counts exactly what `apply=True` deletes, from the same
selections, so a dry run and the real run cannot disagree. Each call runs inside the
caller's transaction; the service keeps every call small (the write lock is shared).
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from cxinbox.domain.compose import HandedOut, carried_details, handed_out_texts
from cxinbox.store.anchor import GUARD_TRIGGERS
from cxinbox.store.dialect import dialect_of
from cxinbox.store.outbox import draft_attachments, json_list
from cxinbox.store.records import file_ids

UNSENT_STATES = ("queued", "sending", "failed", "unconfirmed")
"""Outbox states that still need a person or the network: their conversation stays."""

TRUNCATE_ACTION = "audit.truncate"
TRAIL_TARGET = "audit:trail"
RUN_ACTION = "retention.run"
"""The event a finished run writes last (service/retention.py)."""
SCHEDULE_ACTION = "retention.scheduled"
SCHEDULE_TARGET = "retention:schedule"
"""The event the daily schedule writes when it first finds no run on record: days whose
`daily_at` comes after it are owed, whichever server holds the job (service/retention.py)."""

KINDS = ("conversations", "messages", "raw_bytes", "locations", "sms_messages", "thread_ids",
         "tags", "notes", "mentions", "drafts", "outbox", "reply_files", "escalations",
         "contacts", "contact_addresses")
"""Every count a purge reports, in this order."""


def _ids(values: Iterable[int]) -> str:
    return json.dumps(sorted(set(values)))


def _in(conn: sqlite3.Connection) -> str:
    """`IN` the ids of one bound JSON array, as the connection's engine spells it."""
    return f"IN ({dialect_of(conn).json_ids})"


def _in_text(conn: sqlite3.Connection) -> str:
    """`IN` the strings of one bound JSON array."""
    return f"IN ({dialect_of(conn).json_texts})"


def due_conversations(conn: sqlite3.Connection, *, before_s: int, after_id: int, limit: int,
                      quiet_actions: Sequence[str], among: Sequence[int] | None = None
                      ) -> list[int]:
    """Live closed conversations untouched since before `before_s`, with nothing unsent.

    Untouched: no message and no event that changed it (reads listed in `quiet_actions`
    do not count) since then. Ascending ids after `after_id`, at most `limit`; with
    `among`, only those ids are looked at (a batch checked again inside its transaction).
    """
    marks = ",".join("?" * len(quiet_actions))
    only = f" AND c.id {_in(conn)}" if among is not None else ""
    rows = conn.execute(
        "SELECT c.id FROM conversations c"
        f" WHERE c.status = 'closed' AND c.merged_into IS NULL AND c.id > ?{only}"
        " AND c.last_message_at < ?"
        " AND NOT EXISTS (SELECT 1 FROM outbox o WHERE o.conversation_id = c.id"
        f"   AND o.state IN ({','.join('?' * len(UNSENT_STATES))}))"
        " AND coalesce((SELECT max(e.at) FROM events e"
        f"{dialect_of(conn).indexed_by('events_target')}"
        "   WHERE e.target = 'conversation:' || c.id"
        f"   AND e.action NOT IN ({marks})), 0) < ?"
        " ORDER BY c.id LIMIT ?",
        (after_id, *([_ids(among)] if among is not None else []), before_s, *UNSENT_STATES,
         *quiet_actions, before_s * 1000, limit)).fetchall()
    return [int(r[0]) for r in rows]


def with_merged(conn: sqlite3.Connection, ids: Sequence[int]) -> list[int]:
    """`ids` and every conversation merged into them (at any depth)."""
    found = set(ids)
    frontier = list(ids)
    while frontier:
        rows = conn.execute(f"SELECT id FROM conversations WHERE merged_into {_in(conn)}",
                            (_ids(frontier),)).fetchall()
        frontier = [int(r[0]) for r in rows if int(r[0]) not in found]
        found.update(frontier)
    return sorted(found)


def _scalar(conn: sqlite3.Connection, sql: str, *params: object) -> int:
    return int(conn.execute(sql, params).fetchone()[0] or 0)


def purge(conn: sqlite3.Connection, root_ids: Sequence[int], *, apply: bool) -> dict[str, int]:
    """Count (and with `apply`, delete) the conversations and all they hold."""
    ids_in = _in(conn)
    ids = with_merged(conn, root_ids)
    conv = _ids(ids)
    counts = dict.fromkeys(KINDS, 0)
    counts["conversations"] = len(ids)
    msgs = conn.execute(
        "SELECT id, raw_id, message_id, in_reply_to, refs FROM messages"
        f" WHERE conversation_id {ids_in}", (conv,)).fetchall()
    msg_ids = _ids(int(m[0]) for m in msgs)
    raw_ids = _ids(int(m[1]) for m in msgs)
    counts["messages"] = len(msgs)
    counts["raw_bytes"] = _scalar(conn, f"SELECT sum(size) FROM raw_messages WHERE id {ids_in}",
                                  raw_ids)
    counts["locations"] = _scalar(
        conn, f"SELECT count(*) FROM locations WHERE message_pk {ids_in}", msg_ids)
    counts["sms_messages"] = _scalar(
        conn, f"SELECT count(*) FROM sms_messages WHERE message_pk {ids_in}", msg_ids)
    keys: set[str] = set()
    for m in msgs:
        keys.update(k for k in (m[2], m[3]) if k)
        keys.update((m[4] or "").split())
    thread_keys = json.dumps(sorted(keys))
    thread_where = f"message_id {_in_text(conn)} AND conversation_id {ids_in}"
    counts["thread_ids"] = _scalar(conn, f"SELECT count(*) FROM thread_ids WHERE {thread_where}",
                                   thread_keys, conv)
    counts["tags"] = _scalar(
        conn, f"SELECT count(*) FROM conversation_tags WHERE conversation_id {ids_in}", conv)
    note_ids = _ids(int(r[0]) for r in conn.execute(
        f"SELECT id FROM notes WHERE conversation_id {ids_in}", (conv,)))
    counts["notes"] = len(json.loads(note_ids))
    counts["mentions"] = _scalar(conn, f"SELECT count(*) FROM mentions WHERE note_id {ids_in}",
                                 note_ids)
    counts["drafts"] = _scalar(conn, f"SELECT count(*) FROM drafts WHERE conversation_id {ids_in}",
                               conv)
    counts["outbox"] = _scalar(conn, f"SELECT count(*) FROM outbox WHERE conversation_id {ids_in}",
                               conv)
    file_ids = _ids(_attached_files(conn, conv))
    counts["reply_files"] = _scalar(conn, f"SELECT count(*) FROM reply_files WHERE id {ids_in}",
                                    file_ids)
    counts["escalations"] = _scalar(
        conn, f"SELECT count(*) FROM sla_escalations WHERE conversation_id {ids_in}", conv)
    contact_ids = [int(r[0]) for r in conn.execute(
        f"SELECT DISTINCT contact_id FROM conversations WHERE id {ids_in}"
        " AND contact_id IS NOT NULL", (conv,))]
    emptied = _contacts_left_empty(conn, contact_ids, ids)
    counts["contacts"] = len(emptied)
    counts["contact_addresses"] = _scalar(
        conn, f"SELECT count(*) FROM contact_addresses WHERE contact_id {ids_in}", _ids(emptied))
    if not apply:
        return counts

    if dialect_of(conn).fts_by_watermark:  # PostgreSQL's index is a column of the row
        _unindex_messages(conn, msg_ids)
    conn.execute(f"UPDATE sms_opt_outs SET message_pk = NULL WHERE message_pk {ids_in}", (msg_ids,))
    conn.execute(f"DELETE FROM sms_messages WHERE message_pk {ids_in}", (msg_ids,))
    conn.execute(f"DELETE FROM locations WHERE message_pk {ids_in}", (msg_ids,))
    conn.execute(f"DELETE FROM thread_ids WHERE {thread_where}", (thread_keys, conv))
    conn.execute(f"DELETE FROM conversation_tags WHERE conversation_id {ids_in}", (conv,))
    conn.execute(f"DELETE FROM mentions WHERE note_id {ids_in}", (note_ids,))
    conn.execute(f"DELETE FROM notes WHERE id {ids_in}", (note_ids,))
    conn.execute(f"DELETE FROM drafts WHERE conversation_id {ids_in}", (conv,))
    conn.execute(f"DELETE FROM outbox WHERE conversation_id {ids_in}", (conv,))
    conn.execute(f"DELETE FROM reply_files WHERE id {ids_in}", (file_ids,))
    conn.execute(f"DELETE FROM sla_escalations WHERE conversation_id {ids_in}", (conv,))
    conn.execute(f"DELETE FROM csat_answers WHERE message_pk {ids_in}", (msg_ids,))
    conn.execute(f"DELETE FROM csat_requests WHERE conversation_id {ids_in}", (conv,))
    conn.execute(f"DELETE FROM messages WHERE id {ids_in}", (msg_ids,))
    conn.execute(f"DELETE FROM raw_messages WHERE id {ids_in}", (raw_ids,))
    for table in ("report_intervals", "report_pauses", "report_work", "report_dirty"):
        conn.execute(f"DELETE FROM {table} WHERE conversation_id {ids_in}", (conv,))
    conn.execute(f"DELETE FROM report_authors WHERE message_pk {ids_in}", (msg_ids,))
    conn.execute(f"DELETE FROM conversations WHERE id {ids_in}", (conv,))
    if emptied:
        gone = _ids(emptied)
        conn.execute(f"DELETE FROM contact_addresses WHERE contact_id {ids_in}", (gone,))
        conn.execute(f"UPDATE contacts SET merged_into = NULL WHERE id {ids_in}", (gone,))
        conn.execute(f"DELETE FROM contacts WHERE id {ids_in}", (gone,))
    return counts


def _attached_files(conn: sqlite3.Connection, conv: str) -> set[int]:
    """The reply files the conversations' drafts and outbox rows attach (read in Python:
    the column is JSON text, and a damaged value attaches nothing)."""
    found: set[int] = set()
    rows = conn.execute(
        f"SELECT attachments, NULL FROM drafts WHERE conversation_id {_in(conn)}"
        f" UNION ALL SELECT NULL, draft FROM outbox WHERE conversation_id {_in(conn)}",
        (conv, conv)).fetchall()
    for attachments, draft in rows:
        entries = json_list(attachments) if draft is None else draft_attachments(draft)
        found.update(file_ids(entries))
    return found


def _unindex_messages(conn: sqlite3.Connection, msg_ids: str) -> None:
    """Take the messages out of both external-content indexes (only those indexed yet:
    indexing trails ingest, store/fts.py), with the very values that were indexed."""
    upto = _scalar(conn, "SELECT upto FROM fts_progress")
    conn.execute(
        "INSERT INTO messages_fts (messages_fts, rowid, subject, sender, body_text)"
        f" SELECT 'delete', id, subject, sender, body_text FROM messages WHERE id {_in(conn)}"
        " AND id <= ?", (msg_ids, upto))
    conn.execute(
        "INSERT INTO message_senders_fts (message_senders_fts, rowid, from_addr, from_name)"
        f" SELECT 'delete', id, from_addr, from_name FROM messages WHERE id {_in(conn)}"
        " AND id <= ?", (msg_ids, upto))


def _contacts_left_empty(conn: sqlite3.Connection, contact_ids: Sequence[int],
                         purged: Sequence[int]) -> list[int]:
    """Contacts (with the rows merged into them) that no other conversation would keep."""
    if not contact_ids:
        return []
    groups: set[int] = set()
    for cid in contact_ids:
        live = cid
        for _ in range(64):  # merged contacts forward one step; the bound guards a loop
            row = conn.execute("SELECT merged_into FROM contacts WHERE id = ?",
                               (live,)).fetchone()
            if row is None or row[0] is None:
                break
            live = int(row[0])
        groups.add(live)
    empty: list[int] = []
    purged_json = _ids(purged)
    for live in sorted(groups):
        members = [live] + [int(r[0]) for r in conn.execute(
            "SELECT id FROM contacts WHERE merged_into = ?", (live,))]
        kept = conn.execute(
            f"SELECT 1 FROM conversations WHERE contact_id {_in(conn)} AND id NOT {_in(conn)}"
            " LIMIT 1",
            (_ids(members), purged_json)).fetchone()
        if kept is None:
            empty.extend(members)
    return sorted(set(empty))


# -- the file ----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class FileSize:
    page_count: int
    freelist: int
    page_size: int
    auto_vacuum: int


def file_size(conn: sqlite3.Connection) -> FileSize:
    """The SQLite file's pages; on PostgreSQL the database's size in its blocks, and no
    free list of ours (`auto_vacuum` -1: its own autovacuum gives space back)."""
    if not dialect_of(conn).file_pages:
        block = _scalar(conn, "SELECT current_setting('block_size')::int")
        size = _scalar(conn, "SELECT pg_database_size(current_database())")
        return FileSize(size // block, 0, block, -1)
    return FileSize(_scalar(conn, "PRAGMA page_count"), _scalar(conn, "PRAGMA freelist_count"),
                    _scalar(conn, "PRAGMA page_size"), _scalar(conn, "PRAGMA auto_vacuum"))


def vacuum_step(conn: sqlite3.Connection, pages: int) -> int:
    """Give up to `pages` free pages back to the file system, in the caller's write
    transaction; returns how many free pages are left."""
    if not dialect_of(conn).file_pages:
        return 0
    # Each step of the pragma frees one page, and Python's sqlite3 steps a statement that
    # has no result columns only once: so one page per execute, `pages` times.
    for _ in range(max(0, min(int(pages), _scalar(conn, "PRAGMA freelist_count")))):
        conn.execute("PRAGMA incremental_vacuum(1)")
    return _scalar(conn, "PRAGMA freelist_count")


FTS_TABLES = ("messages_fts", "message_senders_fts", "conversation_senders_fts")


def fts_merge_step(conn: sqlite3.Connection, table: str, pages: int) -> bool:
    """One bounded step of merging the index's segments (dropping deleted entries);
    True while there is more to do. A negative page count merges as 'optimize' would,
    a bounded amount at a time."""
    assert table in FTS_TABLES
    if not dialect_of(conn).fts_by_watermark:
        return False  # no FTS5 tables: PostgreSQL's GIN index cleans up by vacuum
    before = conn.total_changes
    conn.execute(f"INSERT INTO {table} ({table}, rank) VALUES ('merge', ?)", (-int(pages),))
    return conn.total_changes - before > 1


# -- the audit trail's start ---------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class TrailStart:
    """Where the audit trail begins: event `seq`, whose prev_hash is `prev_hash`.
    `recorded_by` is the `audit.truncate` event that says so (0: the trail was never cut)."""

    seq: int
    prev_hash: str
    recorded_by: int


def trail_start(conn: sqlite3.Connection) -> TrailStart:
    row = conn.execute(
        "SELECT seq, details FROM events WHERE target = ? AND action = ?"
        " ORDER BY seq DESC LIMIT 1", (TRAIL_TARGET, TRUNCATE_ACTION)).fetchone()
    if row is None:
        return TrailStart(1, "", 0)
    details = json.loads(row[1])
    return TrailStart(int(details["first_seq"]), str(details["prev_hash"]), int(row[0]))


@dataclass(frozen=True, slots=True)
class Release:
    """Events before `first_seq` are older than the period; `prev_hash` is the hash of the
    last of them, `count` how many are still in the table."""

    first_seq: int
    prev_hash: str
    count: int


def events_to_release(conn: sqlite3.Connection, before_ms: int, current: TrailStart
                      ) -> Release | None:
    """The new start of the trail if events before it are all older than `before_ms`
    (and it moves the start forward); None when nothing is due."""
    row = conn.execute("SELECT seq FROM events WHERE seq >= ? AND at >= ? ORDER BY seq LIMIT 1",
                       (current.seq, before_ms)).fetchone()
    if row is None:
        return None  # every event is old; the newest stays to carry the chain on
    first = int(row[0])
    if first <= current.seq:
        return None
    last = conn.execute("SELECT hash FROM events WHERE seq = ?", (first - 1,)).fetchone()
    if last is None:
        return None
    count = _scalar(conn, "SELECT count(*) FROM events WHERE seq >= ? AND seq < ?",
                    current.seq, first)
    return Release(first, str(last[0]), count)


def last_run_ms(conn: sqlite3.Connection, actor: str) -> int | None:
    """When `actor` last finished a run (its `retention.run` event), epoch ms; None if never.
    Walks the events back from the newest: a daily run is found within a day's events."""
    row = conn.execute("SELECT at FROM events WHERE action = ? AND actor = ?"
                       " ORDER BY seq DESC LIMIT 1", (RUN_ACTION, actor)).fetchone()
    return None if row is None else int(row[0])


def schedule_start_ms(conn: sqlite3.Connection, actor: str) -> int | None:
    """When `actor`'s daily schedule was first taken up (its `retention.scheduled` event),
    epoch ms; None if never. By the event's own target: one lookup in the target index."""
    row = conn.execute("SELECT at FROM events WHERE target = ? AND action = ? AND actor = ?"
                       " ORDER BY seq LIMIT 1",
                       (SCHEDULE_TARGET, SCHEDULE_ACTION, actor)).fetchone()
    return None if row is None else int(row[0])


def released_left(conn: sqlite3.Connection, start: TrailStart) -> int:
    """Events before the trail's start still in the table."""
    return _scalar(conn, "SELECT count(*) FROM events WHERE seq < ?", start.seq)


def delete_released(conn: sqlite3.Connection, start: TrailStart, limit: int) -> int:
    """Delete up to `limit` of the oldest events before the trail's start, in the caller's
    transaction. The append-only trigger is lifted for this statement alone and put back
    exactly as cxinbox creates it, inside the same transaction: no other connection ever
    sees the table without it. (On PostgreSQL the trigger is disabled and enabled again,
    which holds the table's exclusive lock to the commit and needs the table's owner,
    the role that created the schema.)"""
    drops = not dialect_of(conn).disables_triggers
    conn.execute("DROP TRIGGER events_no_delete" if drops else
                 "ALTER TABLE events DISABLE TRIGGER events_no_delete")
    cur = conn.execute("DELETE FROM events WHERE seq IN (SELECT seq FROM events WHERE seq < ?"
                       " ORDER BY seq LIMIT ?)", (start.seq, limit))
    conn.execute(GUARD_TRIGGERS["events_no_delete"] if drops else
                 "ALTER TABLE events ENABLE TRIGGER events_no_delete")
    return int(cur.rowcount)


def carry_handed_out(conn: sqlite3.Connection, actor: str, start_seq: int, before_seq: int,
                     actions: Sequence[str], carried_action: str) -> int:
    """Repeat, inside the kept trail, what the events about to be released (from
    `start_seq` up to `before_seq`, the trail's new start) remember of canned text handed
    out for a conversation (`actions`: their keyed hashes, service/redflags.py), for each
    conversation where it can still matter: its red flag is open, a draft of it waits or a
    reply of it waits in the outbox (the text may be in it, and a flag may come), on it or
    on the conversation it is merged into (store/merge.py `handout_readers`; a split child
    holds its own copy since the split). One `carried_action` event on each such
    conversation and on those that read it, in the caller's write transaction, the one
    recording the new start; returns how many. The hashes are copied as they are: nothing
    here can read them."""
    released = f"seq >= ? AND seq < ? AND action {_in_text(conn)}"
    window = (start_seq, before_seq, json.dumps(list(actions)))
    # first which conversations the released hand-outs are on (no details read), then the
    # details of those where they matter only: most released hand-outs matter nowhere
    convs: set[int] = set()
    for (target,) in conn.execute(f"SELECT DISTINCT target FROM events WHERE {released}",
                                  window):
        kind, _sep, ident = str(target).partition(":")
        if kind == "conversation" and ident.isdigit():
            convs.add(int(ident))
    if not convs:
        return 0
    from cxinbox.store.db import append_event
    from cxinbox.store.merge import handout_readers

    merged = {int(r[0]) for r in conn.execute(
        f"SELECT id FROM conversations WHERE id {_in(conn)} AND merged_into IS NOT NULL",
        (_ids(convs),))}
    readers = {conv_id: handout_readers(conn, conv_id) if conv_id in merged else [conv_id]
               for conv_id in convs}
    matters = {int(r[0]) for r in conn.execute(
        f"SELECT c.id FROM conversations c WHERE c.id {_in(conn)} AND (c.red_flag IS NOT NULL"
        " OR EXISTS (SELECT 1 FROM drafts d WHERE d.conversation_id = c.id)"
        " OR EXISTS (SELECT 1 FROM outbox o WHERE o.conversation_id = c.id"
        " AND o.state NOT IN ('sent', 'failed', 'cancelled')))",
        (_ids(r for ids in readers.values() for r in ids),))}
    wanted = sorted(c for c in convs if not matters.isdisjoint(readers[c]))
    if not wanted:
        return 0
    by_conv: dict[int, tuple[list[HandedOut], list[str], list[int]]] = {}
    for seq, target, stored in conn.execute(
            f"SELECT seq, target, details FROM events WHERE {released}"
            f" AND target {_in_text(conn)} ORDER BY seq",
            (*window, json.dumps([f"conversation:{c}" for c in wanted]))):
        try:
            found = json.loads(stored or "{}")
        except ValueError:
            continue
        if not isinstance(found, dict):
            continue
        texts, lines, seqs = by_conv.setdefault(int(str(target).partition(":")[2]),
                                                ([], [], []))
        texts.extend(handed_out_texts(found))
        legacy = found.get("lines")
        if isinstance(legacy, list):
            lines.extend(str(x) for x in legacy)
        seqs.append(int(seq))
    # carried onto the conversation itself and onto the one it is merged into
    onto: dict[int, tuple[list[HandedOut], list[str], list[int]]] = {}
    for conv_id in sorted(by_conv):
        texts, lines, seqs = by_conv[conv_id]
        if not texts and not lines:
            continue
        for target in readers[conv_id]:
            into = onto.setdefault(target, ([], [], []))
            into[0].extend(texts)
            into[1].extend(lines)
            into[2].extend(seqs)
    carried = 0
    for conv_id in sorted(onto):
        texts, lines, seqs = onto[conv_id]
        seqs = sorted(seqs)
        details = {**carried_details(texts, lines), "first_seq": seqs[0],
                   "events": len(seqs)}
        append_event(conn, actor, carried_action, f"conversation:{conv_id}", details)
        carried += 1
    return carried
