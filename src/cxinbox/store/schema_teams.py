"""Migration (teams and away): who is away, whom each team picked last, which team a
conversation was assigned through.

- `staff_away` holds one row per person marked away (`cxinbox away on`, `Z` in the TUI):
  since when and who set it (a supervisor may set a colleague away). It lives in the
  database, not the server's memory, so a restart does not bring everyone back.
- `team_cursors` is each team's round-robin position: the member it picked last. A name
  rather than an index, so reordering or editing `members` in the config never points the
  cursor at the wrong person (a name no longer on the team starts the round afresh).
- `conversation_teams` remembers the team a conversation was last assigned through, so a
  member going away hands it back to that team. It goes with the conversation (cascade),
  so retention's purge leaves nothing behind.
"""

from __future__ import annotations

MIGRATION_TEAMS = """
CREATE TABLE staff_away (
    os_user  TEXT PRIMARY KEY,
    since    INTEGER NOT NULL,
    set_by   TEXT NOT NULL
);

CREATE TABLE team_cursors (
    team         TEXT PRIMARY KEY,
    last_member  TEXT NOT NULL,
    at           INTEGER NOT NULL
);

CREATE TABLE conversation_teams (
    conversation_id  INTEGER PRIMARY KEY REFERENCES conversations(id) ON DELETE CASCADE,
    team             TEXT NOT NULL,
    at               INTEGER NOT NULL
);
"""
