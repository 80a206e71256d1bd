"""Migration 23: open red flags first, read a page at a time.

Every list a receptionist triages from puts open red flags first (domain/query.py). Two
costs grew with the inbox and with the number of open flags:

- The at-risk view (`status:open (is:red-flag OR sla:at-risk OR sla:breached) sort:due`)
  tests `red_flag` beside the SLA columns, and `conversations_by_status_due` held every
  column of that test but this one: its count read the wide row of every open
  conversation (about 30 ms of CPU at 100,000 conversations, 20,000 of them open). With
  `red_flag` in the index the count and the page read the index alone.
- The flagged part of a list was read whole (every open flag's row, sorted in Python) for
  every page. A desk that lets flags pile up (thousands uncleared after a storm of mail,
  or a detector tuned too eagerly) paid for all of them on every page. Partial indexes
  over the open flags alone, one per list order, let a page walk the flagged part in
  order and stop after the page (store/conversations.py `list_page`); they hold only open
  flags, so they cost nothing where there are none.

The expressions are spelled as `list_page` writes its orders (store/schema_search.py),
or SQLite would not see that they match.
"""

from __future__ import annotations

from typing import Final

from cxinbox.store.schema_search import DUE_KEY, PRIORITY_RANK


def _bare(expression: str) -> str:
    return expression.replace("c.", "")


FLAGGED: Final = "red_flag IS NOT NULL AND merged_into IS NULL"
"""The rows of the flagged partial indexes (store/triage.py's OPEN_SQL, live ones)."""

FLAGGED_INDEXES: Final = {
    "newest": "conversations_red_flag_last",
    "oldest": "conversations_red_flag_last",
    "due": "conversations_red_flag_due",
    "priority": "conversations_red_flag_priority",
}
"""The partial index that holds the open flags in each list order (store/conversations.py)."""


def _flag_indexes(due: str, rank: str) -> str:
    return f"""
CREATE INDEX conversations_red_flag_last ON conversations (last_message_at, id)
    WHERE {FLAGGED};
CREATE INDEX conversations_red_flag_due ON conversations ({due}, id) WHERE {FLAGGED};
CREATE INDEX conversations_red_flag_priority ON conversations ({rank}, last_message_at, id)
    WHERE {FLAGGED};
"""


MIGRATION_FLAG_ORDER: Final = f"""
DROP INDEX conversations_by_status_due;
CREATE INDEX conversations_by_status_due ON conversations (status, {_bare(DUE_KEY)}, id,
    assignee, priority, channel, mailbox, has_attachment, unread_count,
    sla_policy, sla_due_at, sla_at_risk_at, last_message_at, red_flag, merged_into)
    WHERE merged_into IS NULL;
{_flag_indexes(_bare(DUE_KEY), _bare(PRIORITY_RANK))}"""

PG_MIGRATION_FLAG_ORDER: Final = _flag_indexes(
    _bare(DUE_KEY).replace("ifnull(", "COALESCE("), f"({_bare(PRIORITY_RANK)})")
"""The flagged partial indexes only: PostgreSQL's `conversations_by_status_due` already
carries `red_flag` (PG_TUNING, INCLUDE), and PG_TUNING rebuilds that index by name after
the migrations of a new database, so this twin leaves it alone."""
