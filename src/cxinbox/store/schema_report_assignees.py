"""Migration 24 (assignee spans): who held each conversation over time, kept.

`report backlog --by staff` counts the backlog under each conversation's assignee at each
day's end. It used to walk a window's status and assignment events back from today in
Python (a year of a busy desk: ~350,000 events); with the status spans of migration 22
(store/schema_report_spans.py) it is now counted in SQL like the rest of the backlog, from
these spans: `[start_at, end_at)` in whole seconds, the assignee (NULL: nobody), `end_at`
NULL for the span that lasts. A conversation's first span starts at 0 with the assignee it
was created with, and each `conversation.assign` event (a person, a rule, a team's
rotation, an undo; every one carries `from` and `to`) ends the lasting span and starts the
next, in the same transaction as the event (a trigger on `events`).

The holder at an instant `b` is the span with `start_at < b <= end_at` (or `end_at`
NULL), as for the status spans: the backlog joins the two on overlapping spans of one
conversation (store/reports.py `_spans`).

The backfill replays the assignment events of every conversation in the order they were
recorded; a conversation's assignee before its first one is that event's `from` (else its
assignee now). A deleted conversation's spans go with it. Like the status spans, they are
kept when retention releases old events: the backfill can only replay the events that are
left, so a store rebuilt from a shortened trail knows each holder from the trail's start
on (see `ReportService` for what a report says of a window before it).
"""

from __future__ import annotations

from typing import Final

_BACKFILL: Final = """INSERT INTO report_assignees (conversation_id, start_at, end_at, assignee)
WITH ev AS (
    SELECT id AS cid, {zero} AS seq, {zero} AS at, NULL AS too, NULL AS fr FROM conversations
    UNION ALL
    SELECT {cid}, seq, at / 1000, {to}, {from_}
    FROM events WHERE action = 'conversation.assign' AND target LIKE 'conversation:%'
    AND {cid} IN (SELECT id FROM conversations)
), numbered AS (
    SELECT ev.*, lead(at) OVER w AS nxt, lead(seq) OVER w AS next_seq,
        lead(fr) OVER w AS next_from
    FROM ev WINDOW w AS (PARTITION BY cid ORDER BY seq)
)
SELECT n.cid, n.at, n.nxt,
    CASE WHEN n.seq <> 0 THEN n.too WHEN n.next_seq IS NULL THEN c.assignee
         ELSE n.next_from END
FROM numbered n JOIN conversations c ON c.id = n.cid ORDER BY n.cid, n.seq;
"""


def _backfill(cid: str, field: str, zero: str) -> str:
    """The backfill in one dialect (as store/schema_report_spans.py `_backfill`)."""
    return _BACKFILL.format(cid=cid, to=field.format("to"), from_=field.format("from"),
                            zero=zero)


MIGRATION_REPORT_ASSIGNEES: Final = f"""
CREATE TABLE report_assignees (
    id              INTEGER PRIMARY KEY,
    conversation_id INTEGER NOT NULL,
    start_at        INTEGER NOT NULL,
    end_at          INTEGER,            -- NULL: lasts
    assignee        TEXT                -- NULL: nobody
);
CREATE INDEX report_assignees_conversation
    ON report_assignees (conversation_id, end_at, start_at, assignee);

CREATE TRIGGER report_assignee_born AFTER INSERT ON conversations BEGIN
    INSERT INTO report_assignees (conversation_id, start_at, end_at, assignee)
        VALUES (NEW.id, 0, NULL, NEW.assignee);
END;
CREATE TRIGGER report_assignee_gone AFTER DELETE ON conversations BEGIN
    DELETE FROM report_assignees WHERE conversation_id = OLD.id;
END;
CREATE TRIGGER report_assignee_changed AFTER INSERT ON events
    WHEN NEW.action = 'conversation.assign' AND NEW.target LIKE 'conversation:%' BEGIN
    UPDATE report_assignees SET end_at = NEW.at / 1000
        WHERE conversation_id = CAST(substr(NEW.target, 14) AS INTEGER) AND end_at IS NULL;
    INSERT INTO report_assignees (conversation_id, start_at, end_at, assignee) VALUES (
        CAST(substr(NEW.target, 14) AS INTEGER), NEW.at / 1000, NULL,
        json_extract(NEW.details, '$.to'));
END;

{_backfill("CAST(substr(target, 14) AS INTEGER)", "json_extract(details, '$.{}')", "0")}"""

PG_BACKFILL_REPORT_ASSIGNEES: Final = "\n" + _backfill(
    "substr(target, 14)::BIGINT", "(details::jsonb) ->> '{}'", "0::BIGINT")
"""The twin migration's backfill, and what `cxinbox store copy` runs once the rows are in
(as PG_BACKFILL_REPORT_SPANS)."""

PG_MIGRATION_REPORT_ASSIGNEES: Final = f"""
CREATE TABLE report_assignees (
    id              BIGSERIAL PRIMARY KEY,
    conversation_id BIGINT NOT NULL,
    start_at        BIGINT NOT NULL,
    end_at          BIGINT,
    assignee        TEXT
);
CREATE INDEX report_assignees_conversation
    ON report_assignees (conversation_id, end_at, start_at, assignee);

CREATE FUNCTION cxinbox_report_assignee_born() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        INSERT INTO report_assignees (conversation_id, start_at, end_at, assignee)
            VALUES (NEW.id, 0, NULL, NEW.assignee);
    ELSE
        DELETE FROM report_assignees WHERE conversation_id = OLD.id;
    END IF;
    RETURN NULL;
END $$;
CREATE TRIGGER report_assignee_born AFTER INSERT ON conversations
    FOR EACH ROW EXECUTE FUNCTION cxinbox_report_assignee_born();
CREATE TRIGGER report_assignee_gone AFTER DELETE ON conversations
    FOR EACH ROW EXECUTE FUNCTION cxinbox_report_assignee_born();
CREATE FUNCTION cxinbox_report_assignee() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    conv BIGINT;
BEGIN
    IF NEW.action = 'conversation.assign' AND NEW.target LIKE 'conversation:%' THEN
        conv := substr(NEW.target, 14)::BIGINT;
        UPDATE report_assignees SET end_at = NEW.at / 1000
            WHERE conversation_id = conv AND end_at IS NULL;
        INSERT INTO report_assignees (conversation_id, start_at, end_at, assignee)
            VALUES (conv, NEW.at / 1000, NULL, (NEW.details::jsonb) ->> 'to');
    END IF;
    RETURN NULL;
END $$;
CREATE TRIGGER report_assignee_changed AFTER INSERT ON events
    FOR EACH ROW EXECUTE FUNCTION cxinbox_report_assignee();

{PG_BACKFILL_REPORT_ASSIGNEES}"""
"""The PostgreSQL twin of MIGRATION_REPORT_ASSIGNEES (store/pg/schema.py appends it)."""
