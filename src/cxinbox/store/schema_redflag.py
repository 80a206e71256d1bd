"""Migration 20: one stored answer to "is this conversation red-flagged?".

`conversations.red_flag` was the open detector flag's category only, and a `red-flag` tag a
person added counted as a second, separate kind of flag that each reader judged its own way.
From here on the column holds both (store/triage.py): the category of an open detector flag,
'' for an open flag a person raised with the tag, NULL for none. Conversations a person
tagged and no flag was ever raised or cleared for (what the server blocked replies on) open
as such, so an upgrade changes no answer the server gave.
"""

from __future__ import annotations

from typing import Final

MIGRATION_REDFLAG: Final = """
UPDATE conversations SET red_flag = ''
 WHERE red_flag IS NULL AND red_flag_at IS NULL AND merged_into IS NULL
   AND id IN (SELECT conversation_id FROM conversation_tags WHERE tag = 'red-flag');
"""

PG_MIGRATION_REDFLAG: Final = MIGRATION_REDFLAG
"""The same statement: it is in the subset both engines share."""
