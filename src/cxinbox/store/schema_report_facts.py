"""Migration 19 (report facts): each conversation's intervals and pauses, kept.

A year-long response, SLA or workload report used to read every message and status event
of every conversation it touched and rebuild their intervals (1M events: 4-9 s). Those
intervals depend only on the conversation's own history, so they are kept here, per
conversation, and a report only cuts them at its window and measures business time
(domain/reports.py `intervals_until`), which depends on today's calendars and policies.

* `report_intervals` / `report_pauses`: `RawInterval` / `Pause` rows, whole seconds.
* `report_authors`: who wrote each reply we sent (the outbox's `outbox.sent` event), by
  stored message, so an interval's staff survives the message moving by a merge.
* `report_work`: the staff events workload counts (assignments, status changes, notes,
  replies sent), copied by a trigger with the new value out of the event's details, so no
  report reads an event's JSON. Its index is in the order workload groups by: a year's
  counts are one walk of it with no sort (0.07 s for 545,000 rows; in time order, sorting
  the groups cost 0.6 s).
* `report_dirty`: conversations whose facts are stale. Triggers mark them in the same
  transaction as the change: a message added, moved, redated or removed, a status change,
  a reply's author recorded, a satisfaction answer stored. The next report recomputes
  those conversations from their messages and events (store/report_facts.py) before it
  reads, so the kept facts always agree with the log.

The backfill marks every conversation stale and copies the authors; `cxinbox serve`
recomputes them in the background, a chunk per transaction (service/runtime.py
`ReportFacts`), and without a server the first report after the upgrade does (once,
6-14 s for 100,000 conversations).
"""

from __future__ import annotations

from typing import Final

MIGRATION_REPORT_FACTS: Final = """
CREATE TABLE report_intervals (
    conversation_id INTEGER NOT NULL,
    kind            TEXT NOT NULL,      -- first-response | next-response | resolution
    start_at        INTEGER NOT NULL,
    end_at          INTEGER,            -- NULL: still waiting
    staff           TEXT,
    dropped         INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX report_intervals_conversation ON report_intervals (conversation_id);
CREATE INDEX report_intervals_end ON report_intervals (end_at, start_at);
CREATE TABLE report_pauses (
    conversation_id INTEGER NOT NULL,
    start_at        INTEGER NOT NULL,
    end_at          INTEGER,
    woke_at         INTEGER
);
CREATE INDEX report_pauses_conversation ON report_pauses (conversation_id, start_at);
CREATE TABLE report_authors (
    message_pk INTEGER PRIMARY KEY,
    author     TEXT NOT NULL
);
CREATE TABLE report_dirty (conversation_id INTEGER PRIMARY KEY);
CREATE TABLE report_work (
    at              INTEGER NOT NULL,   -- seconds
    conversation_id INTEGER NOT NULL,
    actor           TEXT NOT NULL,
    action          TEXT NOT NULL,      -- assign | status | note | send
    after           TEXT                -- an assignment's or status change's new value
);
CREATE INDEX report_work_by ON report_work (action, actor, after, at, conversation_id);

CREATE TRIGGER report_work_done AFTER INSERT ON events
    WHEN NEW.action IN ('conversation.assign', 'conversation.status', 'conversation.note',
                        'send') AND NEW.target LIKE 'conversation:%' BEGIN
    INSERT INTO report_work (at, conversation_id, actor, action, after) VALUES
        (NEW.at / 1000, CAST(substr(NEW.target, 14) AS INTEGER), NEW.actor,
         replace(NEW.action, 'conversation.', ''),
         CASE WHEN NEW.action IN ('conversation.assign', 'conversation.status')
              THEN json_extract(NEW.details, '$.to') END);
END;
CREATE TRIGGER report_message_added AFTER INSERT ON messages BEGIN
    INSERT OR IGNORE INTO report_dirty (conversation_id) VALUES (NEW.conversation_id);
END;
CREATE TRIGGER report_message_changed
    AFTER UPDATE OF conversation_id, date, direction ON messages BEGIN
    INSERT OR IGNORE INTO report_dirty (conversation_id) VALUES (OLD.conversation_id);
    INSERT OR IGNORE INTO report_dirty (conversation_id) VALUES (NEW.conversation_id);
END;
CREATE TRIGGER report_message_removed AFTER DELETE ON messages BEGIN
    INSERT OR IGNORE INTO report_dirty (conversation_id) VALUES (OLD.conversation_id);
END;
CREATE TRIGGER report_status_changed AFTER INSERT ON events
    WHEN NEW.action = 'conversation.status' AND NEW.target LIKE 'conversation:%' BEGIN
    INSERT OR IGNORE INTO report_dirty (conversation_id)
        VALUES (CAST(substr(NEW.target, 14) AS INTEGER));
END;
CREATE TRIGGER report_reply_author AFTER INSERT ON events
    WHEN NEW.action = 'outbox.sent' AND json_extract(NEW.details, '$.message') IS NOT NULL
    AND json_extract(NEW.details, '$.author') IS NOT NULL BEGIN
    INSERT OR REPLACE INTO report_authors (message_pk, author) VALUES
        (json_extract(NEW.details, '$.message'), json_extract(NEW.details, '$.author'));
    INSERT OR IGNORE INTO report_dirty (conversation_id)
        SELECT conversation_id FROM messages WHERE id = json_extract(NEW.details, '$.message');
END;
CREATE TRIGGER report_rating_stored AFTER INSERT ON csat_answers BEGIN
    INSERT OR IGNORE INTO report_dirty (conversation_id)
        SELECT conversation_id FROM messages WHERE id = NEW.message_pk;
END;

INSERT OR REPLACE INTO report_authors (message_pk, author)
    SELECT json_extract(details, '$.message'), json_extract(details, '$.author') FROM events
    WHERE action = 'outbox.sent' AND json_extract(details, '$.message') IS NOT NULL
    AND json_extract(details, '$.author') IS NOT NULL ORDER BY seq;
INSERT INTO report_work (at, conversation_id, actor, action, after)
    SELECT at / 1000, CAST(substr(target, 14) AS INTEGER), actor,
        replace(action, 'conversation.', ''),
        CASE WHEN action IN ('conversation.assign', 'conversation.status')
             THEN json_extract(details, '$.to') END
    FROM events WHERE action IN ('conversation.assign', 'conversation.status',
                                 'conversation.note', 'send')
    AND target LIKE 'conversation:%' ORDER BY seq;
INSERT INTO report_dirty (conversation_id) SELECT id FROM conversations;
"""

PG_MIGRATION_REPORT_FACTS: Final = """
CREATE TABLE report_intervals (
    conversation_id BIGINT NOT NULL,
    kind            TEXT NOT NULL,
    start_at        BIGINT NOT NULL,
    end_at          BIGINT,
    staff           TEXT,
    dropped         INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX report_intervals_conversation ON report_intervals (conversation_id);
CREATE INDEX report_intervals_end ON report_intervals (end_at, start_at);
CREATE TABLE report_pauses (
    conversation_id BIGINT NOT NULL,
    start_at        BIGINT NOT NULL,
    end_at          BIGINT,
    woke_at         BIGINT
);
CREATE INDEX report_pauses_conversation ON report_pauses (conversation_id, start_at);
CREATE TABLE report_authors (
    message_pk BIGINT PRIMARY KEY,
    author     TEXT NOT NULL
);
CREATE TABLE report_dirty (conversation_id BIGINT PRIMARY KEY);
CREATE TABLE report_work (
    at              BIGINT NOT NULL,
    conversation_id BIGINT NOT NULL,
    actor           TEXT NOT NULL,
    action          TEXT NOT NULL,
    after           TEXT
);
CREATE INDEX report_work_by ON report_work (action, actor, after, at, conversation_id);

CREATE FUNCTION cxinbox_report_dirty(conv BIGINT) RETURNS void LANGUAGE sql AS $$
    INSERT INTO report_dirty (conversation_id) VALUES (conv) ON CONFLICT DO NOTHING
$$;
CREATE FUNCTION cxinbox_report_message() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
        PERFORM cxinbox_report_dirty(OLD.conversation_id);
    END IF;
    IF TG_OP IN ('INSERT', 'UPDATE') THEN
        PERFORM cxinbox_report_dirty(NEW.conversation_id);
    END IF;
    RETURN NULL;
END $$;
CREATE TRIGGER report_message_added AFTER INSERT ON messages
    FOR EACH ROW EXECUTE FUNCTION cxinbox_report_message();
CREATE TRIGGER report_message_changed AFTER UPDATE OF conversation_id, date, direction
    ON messages FOR EACH ROW EXECUTE FUNCTION cxinbox_report_message();
CREATE TRIGGER report_message_removed AFTER DELETE ON messages
    FOR EACH ROW EXECUTE FUNCTION cxinbox_report_message();
CREATE FUNCTION cxinbox_report_event() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    message BIGINT;
    author TEXT;
BEGIN
    IF NEW.action IN ('conversation.assign', 'conversation.status', 'conversation.note',
                      'send') AND NEW.target LIKE 'conversation:%' THEN
        INSERT INTO report_work (at, conversation_id, actor, action, after) VALUES
            (NEW.at / 1000, substr(NEW.target, 14)::BIGINT, NEW.actor,
             replace(NEW.action, 'conversation.', ''),
             CASE WHEN NEW.action IN ('conversation.assign', 'conversation.status')
                  THEN (NEW.details::jsonb) ->> 'to' END);
    END IF;
    IF NEW.action = 'conversation.status' AND NEW.target LIKE 'conversation:%' THEN
        PERFORM cxinbox_report_dirty(substr(NEW.target, 14)::BIGINT);
    ELSIF NEW.action = 'outbox.sent' THEN
        message := ((NEW.details::jsonb) ->> 'message')::BIGINT;
        author := (NEW.details::jsonb) ->> 'author';
        IF message IS NOT NULL AND author IS NOT NULL THEN
            INSERT INTO report_authors (message_pk, author) VALUES (message, author)
                ON CONFLICT (message_pk) DO UPDATE SET author = excluded.author;
            INSERT INTO report_dirty (conversation_id)
                SELECT conversation_id FROM messages WHERE id = message
                ON CONFLICT DO NOTHING;
        END IF;
    END IF;
    RETURN NULL;
END $$;
CREATE TRIGGER report_event_added AFTER INSERT ON events
    FOR EACH ROW EXECUTE FUNCTION cxinbox_report_event();
CREATE FUNCTION cxinbox_report_rating() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO report_dirty (conversation_id)
        SELECT conversation_id FROM messages WHERE id = NEW.message_pk
        ON CONFLICT DO NOTHING;
    RETURN NULL;
END $$;
CREATE TRIGGER report_rating_stored AFTER INSERT ON csat_answers
    FOR EACH ROW EXECUTE FUNCTION cxinbox_report_rating();

INSERT INTO report_authors (message_pk, author)
    SELECT DISTINCT ON (((details::jsonb) ->> 'message')::BIGINT)
        ((details::jsonb) ->> 'message')::BIGINT, (details::jsonb) ->> 'author' FROM events
    WHERE action = 'outbox.sent' AND (details::jsonb) ->> 'message' IS NOT NULL
    AND (details::jsonb) ->> 'author' IS NOT NULL
    ORDER BY ((details::jsonb) ->> 'message')::BIGINT, seq DESC;
INSERT INTO report_work (at, conversation_id, actor, action, after)
    SELECT at / 1000, substr(target, 14)::BIGINT, actor, replace(action, 'conversation.', ''),
        CASE WHEN action IN ('conversation.assign', 'conversation.status')
             THEN (details::jsonb) ->> 'to' END
    FROM events WHERE action IN ('conversation.assign', 'conversation.status',
                                 'conversation.note', 'send')
    AND target LIKE 'conversation:%' ORDER BY seq;
INSERT INTO report_dirty (conversation_id) SELECT id FROM conversations;
"""
"""The PostgreSQL twin of MIGRATION_REPORT_FACTS (store/pg/schema.py appends it)."""

MIGRATION_REPORT_BUSINESS: Final = """
ALTER TABLE report_intervals ADD COLUMN business_s INTEGER;
ALTER TABLE report_intervals ADD COLUMN calendar TEXT;
ALTER TABLE report_intervals ADD COLUMN settled_at INTEGER;
"""
"""Migration 21 (a settled interval's business time, kept). A year's SLA report measured
~130,000 intervals against the calendar on every run. An interval that has ended, with
every pause inside it over and recorded, measures the same for any report ending after
`settled_at` (the later of its end and those pauses' recorded ends), so the first report
that measures it keeps `business_s` with the key of the calendar it used
(domain/reports.py `calendar_key`); later reports with that calendar read it back.
A recompute of the conversation (report_dirty) deletes the row and with it the number;
a calendar edited in the config has another key, so its intervals are measured afresh."""

PG_MIGRATION_REPORT_BUSINESS: Final = """
ALTER TABLE report_intervals ADD COLUMN business_s BIGINT;
ALTER TABLE report_intervals ADD COLUMN calendar TEXT;
ALTER TABLE report_intervals ADD COLUMN settled_at BIGINT;
"""
"""The PostgreSQL twin of MIGRATION_REPORT_BUSINESS (store/pg/schema.py appends it)."""
