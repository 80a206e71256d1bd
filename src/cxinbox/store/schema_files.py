"""Migration 6: files attached to replies, kept in the database.

A draft used to hold file paths, read when the reply was queued. That breaks two ways:
with `cxinbox serve` the server would read the path with its own rights (it must not act
as a file reader for every client), and a file edited or deleted between attaching and
sending would change what the patient gets. Now the client reads the file once, with the
staff member's own rights, and the bytes live here until the reply no longer needs them.

`drafts.attachments` (and the draft snapshot kept on an outbox item, restored on cancel)
hold a JSON list of `reply_files.id`. A file goes when its draft is discarded or detaches
it, and when its reply is sent (the sent message has the bytes) or cancelled for good.
"""

from __future__ import annotations

MIGRATION_6 = """
CREATE TABLE reply_files (
    id           INTEGER PRIMARY KEY,
    author       TEXT NOT NULL,              -- OS login of who attached it
    filename     TEXT NOT NULL,              -- sanitised base name, as the patient sees it
    content_type TEXT NOT NULL DEFAULT '',   -- '' = guessed from the name when sending
    size         INTEGER NOT NULL,
    sha256       TEXT NOT NULL,
    data         BLOB NOT NULL,
    added_ms     INTEGER NOT NULL
);
"""
