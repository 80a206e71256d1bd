"""Migration for the knowledge base: articles, every revision of each, and their full-text
index (the same FTS5 engine and accent folding as mail search, store/schema.py).

- `kb_articles` holds each article as it is now; `revision` counts its versions.
- `kb_revisions` keeps every version whole (who, when, which fields changed, and the
  fields themselves), so an earlier text can be read back exactly, not rebuilt from diffs.
  Articles are a few hundred short texts: whole copies cost little and cannot drift.
- `source` says where an article lives: "cli" (added and edited through the API) or
  "folder:NAME" (a Markdown file in `[kb] folder`, which owns it; the API does not edit it).
- An article whose file left the folder is `retired`: out of lists and search, its history
  kept, back (as a new revision) if the file returns.
- `kb_fts` indexes title, tags and body of the live (not retired) articles as external
  content, kept exact by triggers, so a search never has to read an article row to know
  whether it may show it. Prefix indexes for the first one, two and three letters: a search
  runs at every keystroke, and "pa" must not walk every term that starts with it.
"""

from __future__ import annotations

MIGRATION_KB = """
CREATE TABLE kb_articles (
    id          INTEGER PRIMARY KEY,
    slug        TEXT NOT NULL UNIQUE,
    title       TEXT NOT NULL,
    tags        TEXT NOT NULL DEFAULT '',       -- space-separated, lower-case
    audience    TEXT NOT NULL CHECK (audience IN ('patient-facing', 'staff-only')),
    body        TEXT NOT NULL,
    link        TEXT NOT NULL DEFAULT '',
    source      TEXT NOT NULL DEFAULT 'cli',    -- cli | folder:NAME
    revision    INTEGER NOT NULL,
    created_at  INTEGER NOT NULL,
    updated_at  INTEGER NOT NULL,
    updated_by  TEXT NOT NULL,
    retired     INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE kb_revisions (
    article_id  INTEGER NOT NULL REFERENCES kb_articles(id),
    revision    INTEGER NOT NULL,
    at          INTEGER NOT NULL,
    author      TEXT NOT NULL,
    changed     TEXT NOT NULL,                  -- comma-separated field names
    note        TEXT NOT NULL DEFAULT '',
    title       TEXT NOT NULL,
    tags        TEXT NOT NULL,
    audience    TEXT NOT NULL,
    body        TEXT NOT NULL,
    link        TEXT NOT NULL,
    PRIMARY KEY (article_id, revision)
) WITHOUT ROWID;
CREATE VIRTUAL TABLE kb_fts USING fts5 (
    title, tags, body, content='kb_articles', content_rowid='id',
    tokenize='unicode61 remove_diacritics 2', prefix='1 2 3'
);
CREATE TRIGGER kb_articles_fts_insert AFTER INSERT ON kb_articles WHEN new.retired = 0 BEGIN
    INSERT INTO kb_fts (rowid, title, tags, body) VALUES (new.id, new.title, new.tags, new.body);
END;
CREATE TRIGGER kb_articles_fts_delete AFTER DELETE ON kb_articles WHEN old.retired = 0 BEGIN
    INSERT INTO kb_fts (kb_fts, rowid, title, tags, body)
    VALUES ('delete', old.id, old.title, old.tags, old.body);
END;
CREATE TRIGGER kb_articles_fts_unindex AFTER UPDATE OF title, tags, body, retired ON kb_articles
WHEN old.retired = 0 BEGIN
    INSERT INTO kb_fts (kb_fts, rowid, title, tags, body)
    VALUES ('delete', old.id, old.title, old.tags, old.body);
END;
CREATE TRIGGER kb_articles_fts_reindex AFTER UPDATE OF title, tags, body, retired ON kb_articles
WHEN new.retired = 0 BEGIN
    INSERT INTO kb_fts (rowid, title, tags, body) VALUES (new.id, new.title, new.tags, new.body);
END;
"""
