"""Migration 22 (status spans): each conversation's status and merged state over time, kept.

The backlog report asked "how many conversations were open, pending or snoozed at each
day's end" by walking every status event of its window back from today (a year of a busy
desk: ~250,000 events, 2.5-3.5 s a run). Here every conversation's history is kept as
spans instead: `[start_at, end_at)` in whole seconds, the status it had and whether it was
live (1) or merged into another (0) meanwhile, `end_at` NULL for the span that lasts. A
conversation's first span starts at 0 (its `created_at` says when it began to count), and
each status, merged or unmerged event ends the lasting span and starts the next, in the
same transaction as the event (a trigger on `events`), so the spans cannot disagree with
the trail: a status change by a person, a rule, a patient's reply reopening it, a snooze
waking, a merge and an unmerge all write such an event. A status event without a new
value (`to`) and a merge keep the status; only merged/unmerged change `live`.

The state at an instant `b` (the events before it applied) is the span with
`start_at < b <= end_at` (or `end_at` NULL), for a conversation created before `b`: the
backlog counts those per day in one pass of SQL (store/reports.py `_spans`).

The backfill replays the events of every conversation in the order they were recorded;
a conversation's status before its first status event is that event's `from` (else its
status now). A deleted conversation's spans go with it.
"""

from __future__ import annotations

from typing import Final

_SPAN_ACTIONS: Final = ("('conversation.status', 'conversation.merged',"
                        " 'conversation.unmerged')")

_BACKFILL: Final = """INSERT INTO report_spans (conversation_id, start_at, end_at, status, live)
WITH ev AS (
    SELECT id AS cid, {zero} AS seq, {zero} AS at, NULL AS st, NULL AS fr, NULL AS lv
    FROM conversations
    UNION ALL
    SELECT {cid}, seq, at / 1000,
        CASE WHEN action = 'conversation.status' THEN {to} END,
        CASE WHEN action = 'conversation.status' THEN {from_} END,
        CASE action WHEN 'conversation.merged' THEN 0 WHEN 'conversation.unmerged' THEN 1
        END
    FROM events WHERE action IN {actions} AND target LIKE 'conversation:%'
    AND {cid} IN (SELECT id FROM conversations)
), numbered AS (
    SELECT ev.*, count(st) OVER w AS sg, count(lv) OVER w AS lg, lead(at) OVER w AS nxt,
        first_value(fr) OVER (PARTITION BY cid ORDER BY fr IS NULL, seq) AS first_from
    FROM ev WINDOW w AS (PARTITION BY cid ORDER BY seq)
), filled AS (
    SELECT cid, seq, at, nxt, sg, lg, first_from,
        max(st) OVER (PARTITION BY cid, sg) AS st, max(lv) OVER (PARTITION BY cid, lg) AS lv
    FROM numbered
)
SELECT f.cid, f.at, f.nxt,
    CASE WHEN f.sg = 0 THEN coalesce(f.first_from, c.status) ELSE f.st END,
    CASE WHEN f.lg = 0 THEN 1 ELSE f.lv END
FROM filled f JOIN conversations c ON c.id = f.cid ORDER BY f.cid, f.seq;
"""


def _backfill(cid: str, field: str, zero: str) -> str:
    """The backfill in one dialect: `cid` reads the conversation id out of an event's
    target, `field` a key of its JSON details (`{}` stands for the key), `zero` a 0 typed
    as the event columns are."""
    return _BACKFILL.format(cid=cid, to=field.format("to"), from_=field.format("from"),
                            zero=zero, actions=_SPAN_ACTIONS)


_SQLITE_BACKFILL: Final = _backfill("CAST(substr(target, 14) AS INTEGER)",
                                    "json_extract(details, '$.{}')", "0")

MIGRATION_REPORT_SPANS: Final = f"""
CREATE TABLE report_spans (
    id              INTEGER PRIMARY KEY,
    conversation_id INTEGER NOT NULL,
    start_at        INTEGER NOT NULL,
    end_at          INTEGER,            -- NULL: lasts
    status          TEXT NOT NULL,
    live            INTEGER NOT NULL DEFAULT 1
);
CREATE INDEX report_spans_conversation ON report_spans (conversation_id, end_at);
CREATE INDEX report_spans_end ON report_spans (end_at, start_at, conversation_id, status, live);

CREATE TRIGGER report_span_born AFTER INSERT ON conversations BEGIN
    INSERT INTO report_spans (conversation_id, start_at, end_at, status, live)
        VALUES (NEW.id, 0, NULL, NEW.status, 1);
END;
CREATE TRIGGER report_span_gone AFTER DELETE ON conversations BEGIN
    DELETE FROM report_spans WHERE conversation_id = OLD.id;
END;
CREATE TRIGGER report_span_changed AFTER INSERT ON events
    WHEN NEW.action IN {_SPAN_ACTIONS} AND NEW.target LIKE 'conversation:%' BEGIN
    INSERT INTO report_spans (conversation_id, start_at, end_at, status, live) VALUES (
        CAST(substr(NEW.target, 14) AS INTEGER), NEW.at / 1000, NULL,
        coalesce(CASE WHEN NEW.action = 'conversation.status'
                      THEN json_extract(NEW.details, '$.to') END,
                 (SELECT status FROM report_spans
                  WHERE conversation_id = CAST(substr(NEW.target, 14) AS INTEGER)
                  AND end_at IS NULL ORDER BY id DESC LIMIT 1), 'open'),
        CASE NEW.action WHEN 'conversation.merged' THEN 0 WHEN 'conversation.unmerged' THEN 1
             ELSE coalesce((SELECT live FROM report_spans
                            WHERE conversation_id = CAST(substr(NEW.target, 14) AS INTEGER)
                            AND end_at IS NULL ORDER BY id DESC LIMIT 1), 1) END);
    UPDATE report_spans SET end_at = NEW.at / 1000
        WHERE conversation_id = CAST(substr(NEW.target, 14) AS INTEGER) AND end_at IS NULL
        AND id < (SELECT max(id) FROM report_spans
                  WHERE conversation_id = CAST(substr(NEW.target, 14) AS INTEGER));
END;

{_SQLITE_BACKFILL}"""

PG_BACKFILL_REPORT_SPANS: Final = "\n" + _backfill("substr(target, 14)::BIGINT",
                                                    "(details::jsonb) ->> '{}'", "0::BIGINT")
"""Every conversation's spans replayed from the trail on PostgreSQL: the twin migration's
backfill, and what `cxinbox store copy` runs once the rows are in (the copied
conversations and events fire the trigger in an order that is not the trail's)."""

PG_MIGRATION_REPORT_SPANS: Final = f"""
CREATE TABLE report_spans (
    id              BIGSERIAL PRIMARY KEY,
    conversation_id BIGINT NOT NULL,
    start_at        BIGINT NOT NULL,
    end_at          BIGINT,
    status          TEXT NOT NULL,
    live            INTEGER NOT NULL DEFAULT 1
);
CREATE INDEX report_spans_conversation ON report_spans (conversation_id, end_at);
CREATE INDEX report_spans_end ON report_spans (end_at, start_at, conversation_id, status, live);

CREATE FUNCTION cxinbox_report_span_born() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        INSERT INTO report_spans (conversation_id, start_at, end_at, status, live)
            VALUES (NEW.id, 0, NULL, NEW.status, 1);
    ELSE
        DELETE FROM report_spans WHERE conversation_id = OLD.id;
    END IF;
    RETURN NULL;
END $$;
CREATE TRIGGER report_span_born AFTER INSERT ON conversations
    FOR EACH ROW EXECUTE FUNCTION cxinbox_report_span_born();
CREATE TRIGGER report_span_gone AFTER DELETE ON conversations
    FOR EACH ROW EXECUTE FUNCTION cxinbox_report_span_born();
CREATE FUNCTION cxinbox_report_span() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    conv BIGINT;
    was TEXT;
    was_live INTEGER;
BEGIN
    IF NEW.action IN {_SPAN_ACTIONS} AND NEW.target LIKE 'conversation:%' THEN
        conv := substr(NEW.target, 14)::BIGINT;
        SELECT status, live INTO was, was_live FROM report_spans
            WHERE conversation_id = conv AND end_at IS NULL ORDER BY id DESC LIMIT 1;
        UPDATE report_spans SET end_at = NEW.at / 1000
            WHERE conversation_id = conv AND end_at IS NULL;
        INSERT INTO report_spans (conversation_id, start_at, end_at, status, live) VALUES (
            conv, NEW.at / 1000, NULL,
            coalesce(CASE WHEN NEW.action = 'conversation.status'
                          THEN (NEW.details::jsonb) ->> 'to' END, was, 'open'),
            CASE NEW.action WHEN 'conversation.merged' THEN 0
                 WHEN 'conversation.unmerged' THEN 1 ELSE coalesce(was_live, 1) END);
    END IF;
    RETURN NULL;
END $$;
CREATE TRIGGER report_span_changed AFTER INSERT ON events
    FOR EACH ROW EXECUTE FUNCTION cxinbox_report_span();

{PG_BACKFILL_REPORT_SPANS}"""
"""The PostgreSQL twin of MIGRATION_REPORT_SPANS (store/pg/schema.py appends it): the same
table, one trigger function per table (PostgreSQL's spans are found by `end_at IS NULL`,
not by id order)."""
