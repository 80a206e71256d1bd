"""Use cases for reading the inbox and writing staff state (the in-process service)."""

from __future__ import annotations

import json
import sqlite3
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from cxinbox.api.errors import BadQuery, BadRequest, NotFound
from cxinbox.api.types import (
    AttachmentView,
    ConversationDetail,
    ConversationSummary,
    Event,
    FolderStatus,
    MessageView,
    NoteView,
    Page,
)
from cxinbox.config import Config
from cxinbox.domain.query import QueryContext, QueryError, parse_query
from cxinbox.domain.sanitize import clean_line, clean_text
from cxinbox.service.sla import SlaService
from cxinbox.store import conversations as convs
from cxinbox.store.db import Database, append_event, now_ms
from cxinbox.store.query_sql import compile_query

MAX_PAGE = 1000


def _addr_list(raw: str) -> tuple[str, ...]:
    try:
        pairs = json.loads(raw)
    except ValueError:
        return ()
    out = []
    for name, addr in pairs:
        out.append(clean_line(f"{name} <{addr}>" if name else addr))
    return tuple(out)


def summary_from_row(row: sqlite3.Row, tags: list[str],
                     now: datetime | None = None) -> ConversationSummary:
    sla = SlaService.status_of(row, now or datetime.now(UTC))
    return ConversationSummary(
        id=row["id"], subject=clean_line(row["subject"]) or "(no subject)",
        from_name=clean_line(row["from_name"]), from_addr=clean_line(row["from_addr"]),
        channel=row["channel"], mailbox=clean_line(row["mailbox"]), status=row["status"],
        assignee=row["assignee"], priority=row["priority"],
        tags=tuple(clean_line(t) for t in tags), created_at=row["created_at"],
        last_message_at=row["last_message_at"], last_inbound_at=row["last_inbound_at"],
        first_response_at=row["first_response_at"], snoozed_until=row["snoozed_until"],
        message_count=row["message_count"], unread_count=row["unread_count"],
        has_attachment=bool(row["has_attachment"]), last_response_at=row["last_response_at"],
        sla_target=sla.target, sla_state=sla.state,
        sla_due_at=int(sla.due_at.timestamp()) if sla.due_at else None,
        sla_at_risk_at=int(sla.at_risk_at.timestamp()) if sla.at_risk_at else None,
    )


def _message_view(row: sqlite3.Row) -> MessageView:
    attachments = tuple(
        AttachmentView(clean_line(a.get("filename", "")), clean_line(a.get("content_type", "")),
                       int(a.get("size", 0)), str(a.get("part_path", "")))
        for a in json.loads(row["attachments"] or "[]")
    )
    return MessageView(
        id=row["id"], channel=row["channel"], direction=row["direction"],
        subject=clean_line(row["subject"]), from_name=clean_line(row["from_name"]),
        from_addr=clean_line(row["from_addr"]), to=_addr_list(row["to_addrs"]),
        cc=_addr_list(row["cc_addrs"]), date=row["date"], body=clean_text(row["body_text"]),
        attachments=attachments, problems=clean_line(row["problems"]), seen=bool(row["seen"]),
    )


class InboxService:
    """Reads and staff actions for one acting staff member."""

    def __init__(self, db: Database, config: Config, actor: str) -> None:
        self.db = db
        self.config = config
        self.actor = actor
        self.tz = ZoneInfo(config.clinic.timezone)
        self.sla = SlaService(config)

    # -- queries ---------------------------------------------------------------------------

    def _where(self, query: str) -> tuple[str, list[object]]:
        now = datetime.now(UTC)
        ctx = QueryContext(me=self.actor, now=now, tz=self.tz)
        hook = self.sla.sla_sql(now) if self.sla.enabled else None
        try:
            return compile_query(parse_query(query), ctx, hook)  # type: ignore[arg-type]
        except QueryError as exc:
            raise BadQuery(exc.render(query), exc.caret_line(query)) from None

    def refresh_sla(self) -> int:
        """Bring stored due times up to date with changed facts; cheap when nothing changed."""
        if not self.sla.enabled:
            return 0
        with self.db.write() as conn:
            return self.sla.refresh_dirty(conn, datetime.now(UTC))

    def list_conversations(self, query: str = "", offset: int = 0, limit: int = 50) -> Page:
        if offset < 0 or not 0 < limit <= MAX_PAGE:
            raise BadRequest(f"offset must be >= 0 and limit 1..{MAX_PAGE}")
        where, params = self._where(query)
        self.refresh_sla()
        with self.db.read() as conn:
            rows, total = convs.list_page(conn, where, params, offset, limit)
            tags = convs.tags_for(conn, [r["id"] for r in rows])
        items = tuple(summary_from_row(r, tags[r["id"]]) for r in rows)
        return Page(items=items, total=total, offset=offset, limit=limit)

    def matching_ids(self, query: str) -> list[int]:
        where, params = self._where(query)
        self.refresh_sla()
        return convs.matching_ids(self.db.conn, where, params)

    def get_conversation(self, conv_id: int, *, record_view: bool = True) -> ConversationDetail:
        self.refresh_sla()
        with self.db.read() as conn:
            row = convs.get_row(conn, conv_id)
            if row is None:
                raise NotFound(f"no conversation #{conv_id}")
            if row["merged_into"]:
                raise NotFound(f"conversation #{conv_id} was merged into #{row['merged_into']}")
            tags = convs.tags_for(conn, [conv_id])[conv_id]
            messages = tuple(_message_view(m) for m in convs.messages_of(conn, conv_id))
            notes = tuple(NoteView(n["id"], clean_line(n["author"]), clean_text(n["body"]),
                                   n["created_at"]) for n in convs.notes_of(conn, conv_id))
        if record_view:
            with self.db.write() as w:
                append_event(w, self.actor, "conversation.view", f"conversation:{conv_id}")
        return ConversationDetail(summary_from_row(row, tags), messages, notes)

    def attachment(self, message_pk: int, part_path: str) -> tuple[str, str, bytes]:
        """An attachment's bytes, recovered from the raw message; audited as an export."""
        from cxinbox.domain.mime import extract_part

        with self.db.read() as conn:
            raw = convs.raw_of_message(conn, message_pk)
            row = conn.execute("SELECT conversation_id FROM messages WHERE id = ?",
                               (message_pk,)).fetchone()
        if raw is None or row is None:
            raise NotFound(f"no message {message_pk}")
        try:
            filename, content_type, data = extract_part(raw, part_path)
        except KeyError:
            raise NotFound(f"message {message_pk} has no part {part_path}") from None
        with self.db.write() as conn:
            append_event(conn, self.actor, "attachment.export", f"conversation:{row[0]}",
                         {"message": message_pk, "part": part_path, "bytes": len(data)})
        return clean_line(filename), clean_line(content_type), data

    def sync_status(self) -> list[FolderStatus]:
        return [FolderStatus(clean_line(r["account"]), clean_line(r["name"]), r["uidvalidity"],
                             r["last_uid"], r["messages"], r["last_sync_at"],
                             r["quarantine"]) for r in convs.folder_rows(self.db.conn)]

    def events_since(self, seq: int, limit: int = 500) -> list[Event]:
        return [Event(r["seq"], r["at"], r["actor"], r["action"], r["target"],
                      json.loads(r["details"])) for r in convs.events_after(self.db.conn, seq, limit)]

    def last_event_seq(self) -> int:
        return convs.last_event_seq(self.db.conn)

    # -- staff state -----------------------------------------------------------------------

    def _require(self, conn: sqlite3.Connection, conv_id: int) -> None:
        if convs.get_row(conn, conv_id) is None:
            raise NotFound(f"no conversation #{conv_id}")

    def tag(self, conv_id: int, add: list[str] = [], remove: list[str] = []) -> None:  # noqa: B006
        add_n = [t.strip().lower() for t in add if t.strip()]
        remove_n = [t.strip().lower() for t in remove if t.strip()]
        with self.db.write() as conn:
            self._require(conn, conv_id)
            convs.add_tags(conn, [conv_id], add_n)
            convs.remove_tags(conn, [conv_id], remove_n)
            append_event(conn, self.actor, "conversation.tag", f"conversation:{conv_id}",
                         {"add": add_n, "remove": remove_n})

    STATUSES = ("open", "pending", "snoozed", "closed")
    PRIORITIES = ("urgent", "high", "normal", "low")

    def set_status(self, conv_id: int, status: str, until: int | None = None) -> None:
        """Change status; pending and snoozed stop the SLA clock, anything else restarts it."""
        if status not in self.STATUSES:
            raise BadRequest(f"status must be one of {', '.join(self.STATUSES)}")
        if status == "snoozed" and until is None:
            raise BadRequest("snoozed needs a time to wake up (--until)")
        now = now_ms() // 1000
        with self.db.write() as conn:
            row = convs.get_row(conn, conv_id)
            if row is None:
                raise NotFound(f"no conversation #{conv_id}")
            pausing = status in ("pending", "snoozed")
            paused_since = row["sla_paused_since"]
            paused_s = row["sla_paused_s"]
            if pausing and paused_since is None:
                paused_since = now
            elif not pausing and paused_since is not None:
                paused_s += self._paused_business_s(row["sla_policy"], paused_since, now)
                paused_since = None
            convs.update_state(conn, conv_id, status=status,
                               snoozed_until=until if status == "snoozed" else None,
                               sla_paused_s=paused_s, sla_paused_since=paused_since,
                               sla_dirty=1)
            append_event(conn, self.actor, "conversation.status", f"conversation:{conv_id}",
                         {"from": row["status"], "to": status, "until": until})

    def _paused_business_s(self, policy: str | None, since: int, until: int) -> int:
        """Paused time counts in the policy's business calendar, like the targets do."""
        calendar = self.sla.calendar_for(policy)
        if calendar is None:
            return max(0, until - since)
        return calendar.business_seconds_between(
            datetime.fromtimestamp(since, UTC), datetime.fromtimestamp(until, UTC))

    def assign(self, conv_id: int, user: str | None) -> None:
        with self.db.write() as conn:
            row = convs.get_row(conn, conv_id)
            if row is None:
                raise NotFound(f"no conversation #{conv_id}")
            convs.update_state(conn, conv_id, assignee=user)
            append_event(conn, self.actor, "conversation.assign", f"conversation:{conv_id}",
                         {"from": row["assignee"], "to": user})

    def set_priority(self, conv_id: int, priority: str) -> None:
        if priority not in self.PRIORITIES:
            raise BadRequest(f"priority must be one of {', '.join(self.PRIORITIES)}")
        with self.db.write() as conn:
            row = convs.get_row(conn, conv_id)
            if row is None:
                raise NotFound(f"no conversation #{conv_id}")
            convs.update_state(conn, conv_id, priority=priority)
            append_event(conn, self.actor, "conversation.priority", f"conversation:{conv_id}",
                         {"from": row["priority"], "to": priority})

    def add_note(self, conv_id: int, body: str) -> int:
        if not body.strip():
            raise BadRequest("a note needs some text")
        at = now_ms() // 1000
        with self.db.write() as conn:
            self._require(conn, conv_id)
            note_id = convs.insert_note(conn, conv_id, self.actor, body, at)
            append_event(conn, self.actor, "conversation.note", f"conversation:{conv_id}",
                         {"note": note_id})
        return note_id
