"""The conversation list's query plans, pinned, and its results against a plain reference.

At 100,000 conversations the difference between walking an index in list order and
sorting every match is the difference between a few milliseconds and a few hundred. The
plan is invisible in results, so these tests read SQLite's own EXPLAIN QUERY PLAN for the
exact statements `list_page` runs: a later index or SQL change that brings the sort back
fails here instead of in a receptionist's afternoon.

The database is built from the real migrations and never ANALYZEd (like a clinic's file);
a second variant is ANALYZEd, so statistics cannot talk the planner out of the indexes.
"""

from __future__ import annotations

import random
import re
import sqlite3
from collections.abc import Iterator, Sequence
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from cxinbox.domain.query import QueryContext, parse_query
from cxinbox.store import conversations as convs
from cxinbox.store.fts import index_pending
from cxinbox.store.query_sql import (
    ALERTING,
    NARROWED,
    compile_query,
    narrowed_by_subquery,
    reads_ids_only,
    reads_red_flags,
    reads_status_and_ids,
    sla_condition,
)
from cxinbox.store.records import ConversationRecord
from cxinbox.store.schema import MIGRATIONS

NOW = datetime(2025, 3, 4, 15, 0, tzinfo=UTC)
CTX = QueryContext(me="maria", now=NOW, tz=ZoneInfo("UTC"))
SLA = sla_condition(NOW)

# The TUI's views (tui/views.py) and what people type in the search bar, with the indexes
# that give each one its rows already in list order (either will do where two are named).
VIEWS = {
    "status:open": ("conversations_by_status",),
    "status:open assignee:me": ("conversations_by_assignee", "conversations_by_status"),
    "status:open assignee:none": ("conversations_by_assignee", "conversations_by_status"),
    "": ("conversations_by_last",),
    "status:open mailbox:results": ("conversations_by_mailbox", "conversations_by_status"),
    "is:unassigned": ("conversations_by_assignee",),
    "is:mine": ("conversations_by_assignee",),
    "channel:sms": ("conversations_by_last",),
}
SEARCHES = ('"fasting"', "fasting", "from:garcia", "status:open tag:lab-results",
            "to:results", "tag:billing -assignee:none", "mentions:me")
OTHERS = ("status:open (sla:at-risk OR sla:breached)", "sla:breached", "priority:urgent",
          "channel:sms", "-tag:billing", '-"fasting"', "-from:garcia", "status:pending",
          "has:attachment -status:closed", "is:unread OR tag:billing", "id:3,5,8")


class Recording(sqlite3.Connection):
    """A real connection that remembers the statements run on it."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.statements: list[tuple[str, list[object]]] = []

    def execute(self, sql: str, parameters: Any = (), /) -> sqlite3.Cursor:
        self.statements.append((sql, list(parameters)))
        return super().execute(sql, parameters)


def build(n: int, analyze: bool, flag_every: int = 23) -> Recording:
    """`n` conversations in a spread of states, with ties on last_message_at, a few merged
    conversations, tags, messages and a full-text index."""
    db = sqlite3.connect(":memory:", factory=Recording)
    assert isinstance(db, Recording)
    db.row_factory = sqlite3.Row
    for migration in MIGRATIONS:
        db.executescript(migration)
    rng = random.Random(7)
    start = int(NOW.timestamp()) - n * 600
    names = ("Garcia", "Smith", "Nguyen", "Khan")
    for i in range(1, n + 1):
        status = rng.choice(("open", "open", "pending", "snoozed", "closed", "closed"))
        due = start + i * 600 + rng.choice((-7200, 1200, 3600)) if status == "open" else None
        db.execute(
            "INSERT INTO conversations (id, status, assignee, priority, channel, mailbox,"
            " from_name, from_addr, created_at, last_message_at, unread_count, has_attachment,"
            " sla_policy, sla_due_at, sla_at_risk_at, merged_into)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, 0, ?, ?, ?, ?, ?, ?, ?)",
            (i, status, rng.choice(("maria", "dev", None)), rng.choice(("urgent", "normal")),
             rng.choice(("email", "sms")), rng.choice(("results", "billing", "Results")),
             f"Pat {rng.choice(names)}", f"p{i}@example.org",
             start + (i // 3) * 600,  # three conversations share each instant
             rng.choice((0, 1)), rng.choice((0, 1)), "desk" if due else None, due,
             due - 1800 if due else None, i - 1 if i % 97 == 0 else None))
        db.execute("INSERT INTO raw_messages (id, sha256, size, data) VALUES (?, ?, 1, x'00')",
                   (i, i.to_bytes(4, "big")))
        words = rng.choice(("fasting glucose", "invoice", "refill please", "fasting"))
        db.execute(
            "INSERT INTO messages (id, raw_id, conversation_id, date, subject, from_name,"
            " from_addr, sender, to_addrs, body_text) VALUES (?, ?, ?, 0, 'Hello', ?, ?, ?, ?, ?)",
            (i, i, i, f"Pat {rng.choice(names)}", f"p{i}@example.org", f"p{i}@example.org",
             f'[["", "{rng.choice(("results", "billing"))}@clinic.example"]]', words))
        if i % 50 == 0:
            note = db.execute("INSERT INTO notes (conversation_id, author, body, created_at)"
                              " VALUES (?, 'dev', '@maria look', 0)", (i,)).lastrowid
            db.execute("INSERT INTO mentions (note_id, os_user) VALUES (?, 'maria')", (note,))
        for tag in rng.sample(("lab-results", "billing", "refill"), rng.randint(0, 2)):
            db.execute("INSERT INTO conversation_tags (conversation_id, tag) VALUES (?, ?)",
                       (i, tag))
    # Open red flags on one in 23 by default (detector categories and flags a person
    # raised, ''),
    # spread over every status, so the flagged part of a list crosses page boundaries.
    db.execute("UPDATE conversations SET red_flag = CASE WHEN id % 2 = 0 THEN 'chest_pain'"
               " ELSE '' END WHERE id % ? = 0", (flag_every,))
    index_pending(db, limit=n)
    if analyze:
        db.execute("ANALYZE")
    db.commit()
    return db


@pytest.fixture(scope="module", params=["fresh", "analyzed"])
def db(request: pytest.FixtureRequest) -> Iterator[Recording]:
    conn = build(600, analyze=request.param == "analyzed")
    yield conn
    conn.close()


def where_of(query: str) -> tuple[str, list[object]]:
    return compile_query(parse_query(query), CTX, SLA)


def plan(db: Recording, sql: str, params: Sequence[object]) -> list[str]:
    return [row[3] for row in sqlite3.Connection.execute(
        db, "EXPLAIN QUERY PLAN " + sql, list(params))]


def run_page(db: Recording, query: str, offset: int = 0,
             limit: int = 100) -> tuple[list[ConversationRecord], int, list[tuple[str, list[object]]]]:
    where, params = where_of(query)
    db.statements.clear()
    rows, total = convs.list_page(db, where, params, offset, limit)
    return rows, total, list(db.statements)


def reference(db: Recording, query: str, offset: int, limit: int) -> tuple[list[int], int]:
    """The obvious statement: every match sorted, then sliced. Slow, plainly right."""
    where, params = where_of(query)
    base = f"FROM conversations c WHERE c.merged_into IS NULL AND ({where})"
    ids = [r[0] for r in sqlite3.Connection.execute(
        db, f"SELECT c.id {base} ORDER BY c.last_message_at DESC, c.id DESC", params)]
    return ids[offset:offset + limit], len(ids)


# --------------------------------------------------------------------------- plans


@pytest.mark.parametrize("query", list(VIEWS))
def test_views_walk_their_index_in_list_order_and_count_from_it(db: Recording,
                                                                query: str) -> None:
    _, _, statements = run_page(db, query)
    assert len(statements) == 2  # the count, then the page
    (count_sql, count_params), (page_sql, page_params) = statements
    count_plan = plan(db, count_sql, count_params)
    page_plan = plan(db, page_sql, page_params)
    assert any("COVERING INDEX conversations_by_" in step for step in count_plan), count_plan
    assert any(f"COVERING INDEX {index} " in f"{step} " for step in page_plan
               for index in VIEWS[query]), page_plan
    for step in count_plan + page_plan:
        assert "TEMP B-TREE FOR ORDER BY" not in step, (query, page_plan)
        assert "TEMP B-TREE FOR RIGHT PART OF ORDER BY" not in step, (query, page_plan)
        assert not step.startswith("SCAN c ") or "COVERING INDEX" in step, (query, step)
        assert "conversations_sms_party" not in step, (query, step)  # not covering


def test_the_default_view_never_sorts(db: Recording) -> None:
    """All open, the view the TUI opens on: the plan names the index and has no sort."""
    _, _, statements = run_page(db, "status:open", offset=40, limit=100)
    page_plan = plan(db, *statements[-1])
    assert any("SEARCH c USING COVERING INDEX conversations_by_status (status=?)" in step
               for step in page_plan), page_plan
    assert not any("TEMP B-TREE" in step for step in page_plan), page_plan


@pytest.mark.parametrize("query", SEARCHES)
def test_searches_are_evaluated_once(db: Recording, query: str) -> None:
    rows, total, statements = run_page(db, query)
    assert total > 0 and rows
    assert len(statements) == 1, [s for s, _ in statements]
    steps = plan(db, *statements[0])
    assert sum("MATERIALIZE hits" in step for step in steps) == 1, steps
    if "fasting" in query:
        assert any("COVERING INDEX messages_conversation_of" in step for step in steps), steps


def test_narrowing_is_marked_only_for_positive_subquery_terms() -> None:
    for query in SEARCHES:
        assert narrowed_by_subquery(where_of(query)[0]), query
    for query in (*VIEWS, "-tag:billing", '-"fasting"', "mentions:none", "tag:x OR status:open",
                  "-(tag:x fasting)", "status:open (sla:at-risk OR sla:breached)"):
        assert not narrowed_by_subquery(where_of(query)[0]), query
    assert where_of("tag:x OR fasting")[0].startswith(NARROWED)


# --------------------------------------------------------------------------- results


@pytest.mark.parametrize("query", [*VIEWS, *SEARCHES, *OTHERS])
def test_pages_match_the_plain_reference(db: Recording, query: str) -> None:
    _, total = reference(db, query, 0, 1)
    for offset, limit in ((0, 100), (0, 1), (3, 7), (max(0, total - 5), 50), (total, 10),
                          (total + 100, 10)):
        rows, got_total, _ = run_page(db, query, offset, limit)
        want_ids, want_total = reference(db, query, offset, limit)
        assert got_total == want_total, (query, offset)
        assert [r.id for r in rows] == want_ids, (query, offset, limit)


def test_merged_conversations_are_never_listed_or_counted(db: Recording) -> None:
    merged = {r[0] for r in sqlite3.Connection.execute(
        db, "SELECT id FROM conversations WHERE merged_into IS NOT NULL")}
    assert merged
    for query in ("", '"fasting"', "from:garcia", "status:open"):
        rows, total, _ = run_page(db, query, 0, 1000)
        assert not merged & {r.id for r in rows}
        assert total == len(rows)


def test_ties_on_last_message_keep_the_highest_id_first(db: Recording) -> None:
    rows, _, _ = run_page(db, "", 0, 30)
    keys = [(r.last_message_at, r.id) for r in rows]
    assert keys == sorted(keys, reverse=True)
    assert len({r.last_message_at for r in rows}) < len(rows)  # the data has ties


# --------------------------------------------------------------------------- orders (sort:)


def run_sorted(db: Recording, query: str, order: str, offset: int = 0, limit: int = 100,
               ) -> tuple[list[ConversationRecord], int, list[tuple[str, list[object]]]]:
    where, params = where_of(query)
    db.statements.clear()
    rows, total = convs.list_page(db, where, params, offset, limit, order)
    return rows, total, list(db.statements)


REFERENCE_ORDERS = {
    "newest": "c.last_message_at DESC, c.id DESC",
    "oldest": "c.last_message_at, c.id",
    "due": "c.sla_due_at IS NULL, c.sla_due_at, c.id",
    "priority": "CASE c.priority WHEN 'urgent' THEN 0 WHEN 'high' THEN 1 WHEN 'normal' THEN 2"
                " ELSE 3 END, c.last_message_at DESC, c.id DESC",
}


@pytest.mark.parametrize("order", list(REFERENCE_ORDERS))
@pytest.mark.parametrize("query", ["", "status:open", "status:open (sla:at-risk OR sla:breached)",
                                   "fasting", "from:garcia", "-tag:billing", "tag:refill"])
def test_every_order_pages_like_the_plain_reference(db: Recording, query: str,
                                                    order: str) -> None:
    where, params = where_of(query)
    want = [r[0] for r in sqlite3.Connection.execute(
        db, f"SELECT c.id FROM conversations c WHERE c.merged_into IS NULL AND ({where})"
        f" ORDER BY {REFERENCE_ORDERS[order]}", params)]
    for offset, limit in ((0, 100), (3, 7), (max(0, len(want) - 5), 50), (len(want), 10)):
        rows, total, _ = run_sorted(db, query, order, offset, limit)
        assert total == len(want)
        assert [r.id for r in rows] == want[offset:offset + limit], (query, order, offset)


# What each urgency-shaped page walks: an index in that order, never a sort of every match.
SORTED_VIEWS = {
    ("status:open (sla:at-risk OR sla:breached)", "due"): "conversations_by_status_due",
    ("status:open assignee:none", "due"): "conversations_by_status_due",
    ("", "due"): "conversations_by_due",
    ("sla:breached", "due"): "conversations_by_due",
    ("status:open", "priority"): "conversations_by_status_priority",
    ("status:open", "oldest"): "conversations_by_status",
    ("", "oldest"): "conversations_by_last",
}


@pytest.mark.parametrize(("query", "order"), list(SORTED_VIEWS))
def test_sorted_views_walk_an_index_in_that_order(db: Recording, query: str,
                                                  order: str) -> None:
    _, _, statements = run_sorted(db, query, order, offset=5, limit=20)
    page_plan = plan(db, *statements[-1])
    assert any(f"INDEX {SORTED_VIEWS[query, order]}" in step for step in page_plan), page_plan
    assert not any("TEMP B-TREE" in step for step in page_plan), page_plan


@pytest.mark.parametrize("query", ["from:garcia", "from:Pat Garcia", "555-350-4006",
                                   "from:(555) 350-4006"])
def test_senders_and_numbers_come_out_of_the_trigram_indexes(db: Recording, query: str) -> None:
    _, _, statements = run_page(db, query)
    steps = plan(db, *statements[0])
    assert sum("SCAN s VIRTUAL TABLE" in step for step in steps) == 2, steps  # both indexes
    assert not any("messages_sender" in step for step in steps), steps
    assert not any(step.startswith("SCAN c") for step in steps), steps


@pytest.mark.parametrize("query", ['"fasting"', "fasting refill", "from:garcia",
                                   "from:garcia tag:billing", "from:555-350-4006"])
def test_searches_read_their_matches_from_the_narrow_index(db: Recording, query: str) -> None:
    assert reads_ids_only(where_of(query)[0])
    _, _, statements = run_page(db, query)
    steps = plan(db, *statements[0])
    assert any("COVERING INDEX conversations_by_id (id=?)" in step for step in steps), steps
    assert not any(step.startswith("SCAN c") for step in steps), steps


def test_only_anded_subquery_terms_read_ids_only() -> None:
    for query in ("status:open fasting", "tag:x OR fasting", "555-350-4006", "-fasting",
                  "fasting sla:breached", ""):
        assert not reads_ids_only(where_of(query)[0]), query


@pytest.mark.parametrize("query", ["status:open tag:lab-results", "status:pending from:garcia",
                                   "-status:closed fasting", "(status:open OR status:pending) tag:billing"])
def test_status_and_subquery_terms_walk_the_status_index(db: Recording, query: str) -> None:
    """`status:open tag:x` read each tagged conversation's wide row by rowid (15k at 100k
    conversations, 23 ms warm and twice that with a cache shared with other work); the
    status index holds the status and every sort key."""
    assert reads_status_and_ids(where_of(query)[0])
    rows, total, statements = run_page(db, query)
    steps = plan(db, *statements[0])
    assert any("COVERING INDEX conversations_by_status" in step for step in steps), steps
    want_ids, want_total = reference(db, query, 0, 100)
    assert (total, [r.id for r in rows]) == (want_total, want_ids)


def test_only_status_with_subquery_terms_walk_the_status_index() -> None:
    for query in ("status:open", "fasting", "status:open assignee:me fasting",
                  "status:open OR tag:x", "tag:x OR fasting", "priority:urgent tag:x"):
        assert not reads_status_and_ids(where_of(query)[0]), query


# --------------------------------------------------------------------------- red flags first

VIEW3 = "(is:red-flag OR status:open (sla:at-risk OR sla:breached))"
"""View 3 (tui/views.py): open red flags whatever their status, and the open at risk."""
FLAG_QUERIES = ("", "status:open", "status:open (is:red-flag OR sla:at-risk OR sla:breached)",
                VIEW3, "status:open assignee:none", "fasting", "from:garcia", "-tag:billing",
                "is:red-flag", "status:closed tag:refill", "-is:red-flag status:open",
                "red-flag:none OR tag:refill")


def unflagged_of(query: str) -> tuple[str, list[object]] | None:
    """What the SQLite store hands list_page beside the condition (store/sqlite.py)."""
    node = parse_query(query)
    if not reads_red_flags(node):
        return None
    found = compile_query(node, CTX, SLA, unflagged=True)
    return None if found[0] == where_of(query)[0] else found


def run_flagged(db: Recording, query: str, order: str, offset: int, limit: int,
                ) -> tuple[list[ConversationRecord], int, list[tuple[str, list[object]]]]:
    where, params = where_of(query)
    db.statements.clear()
    rows, total = convs.list_page(db, where, params, offset, limit, order,
                                  red_flags_first=True, unflagged=unflagged_of(query))
    return rows, total, list(db.statements)


@pytest.mark.parametrize(("query", "unflagged"), [
    (VIEW3, "(c.status = ? AND IFNULL((ALERTING), 0))"),
    ("is:red-flag", "0"), ("-is:red-flag status:open", "c.status = ?"),
    ("red-flag:none OR tag:refill", "1"), ("red-flag:chest-pain tag:refill", "0"),
    ("status:open (is:red-flag OR tag:refill)", "(c.status = ? AND TAG)"),
    ("status:open -(is:red-flag tag:refill)", "c.status = ?"),
])
def test_a_query_with_red_flag_terms_reads_without_them_on_unflagged_rows(
        query: str, unflagged: str) -> None:
    """The condition list_page counts the unflagged matches with: the red-flag terms
    decided as on a conversation with no open flag, and the constants folded away, so
    view 3's count walks the open conversations on their index, not every one."""
    alerting = SLA(ALERTING)[0]  # sla:at-risk OR sla:breached, one test
    tag = "c.id IN (SELECT t.conversation_id FROM conversation_tags t WHERE t.tag = ?)"
    got = unflagged_of(query)
    assert got is not None
    bare = re.sub(r"/\* [a-z ]+ \*/ ", "", got[0])  # the NARROWED markers, comments
    assert bare == unflagged.replace("ALERTING", alerting).replace("TAG", tag), got


@pytest.mark.parametrize("order", list(REFERENCE_ORDERS))
def test_view3_counts_open_flags_and_the_open_at_risk_each_on_an_index(
        db: Recording, order: str) -> None:
    """View 3's count in two parts: the open flags on their partial index, the rest on the
    status index (`status=?`), never a walk of every conversation; the sum is the count."""
    _, total, statements = run_flagged(db, VIEW3, order, 0, 5)
    assert total == len(flagged_reference(db, VIEW3, order))
    counts = [(sql, params) for sql, params in statements if sql.startswith("SELECT count(*)")]
    assert len(counts) == 2, counts
    flags, rest = (plan(db, *c) for c in counts)
    assert any("INDEX conversations_red_flag" in step for step in flags), flags
    assert any("conversations_by_status" in step and "(status=?)" in step for step in rest), rest
    assert not any(step.startswith("SCAN") for step in rest), rest


def flagged_reference(db: Recording, query: str, order: str) -> list[int]:
    where, params = where_of(query)
    return [r[0] for r in sqlite3.Connection.execute(
        db, f"SELECT c.id FROM conversations c WHERE c.merged_into IS NULL AND ({where})"
        f" ORDER BY c.red_flag IS NULL, {REFERENCE_ORDERS[order]}", params)]


@pytest.mark.parametrize("order", list(REFERENCE_ORDERS))
@pytest.mark.parametrize("query", FLAG_QUERIES)
def test_red_flags_first_pages_like_the_plain_reference(db: Recording, query: str,
                                                        order: str) -> None:
    want = flagged_reference(db, query, order)
    flagged = sum(1 for r in sqlite3.Connection.execute(
        db, "SELECT id FROM conversations WHERE red_flag IS NOT NULL AND merged_into IS NULL"
        f" AND id IN ({','.join(map(str, want)) or 'NULL'})"))
    if query in FLAG_QUERIES[:3]:  # the views: both parts are there
        assert 0 < flagged < len(want), query
    # Pages that end in, straddle and start past the flagged part, and a page of one.
    for offset, limit in ((0, 100), (0, flagged), (max(0, flagged - 3), 7), (flagged, 5),
                          (flagged + 1, 1), (max(0, len(want) - 5), 50), (len(want), 10)):
        rows, total, _ = run_flagged(db, query, order, offset, limit)
        assert total == len(want), (query, order, offset)
        assert [r.id for r in rows] == want[offset:offset + limit], (query, order, offset, limit)


@pytest.mark.parametrize("limit", [1, 7, 50])
@pytest.mark.parametrize("order", ["newest", "due"])
def test_paging_through_red_flags_first_loses_and_repeats_nothing(db: Recording, order: str,
                                                                   limit: int) -> None:
    query = "status:open (is:red-flag OR sla:at-risk OR sla:breached)"
    want = flagged_reference(db, query, order)
    seen: list[int] = []
    for offset in range(0, len(want) + limit, limit):
        rows, _, _ = run_flagged(db, query, order, offset, limit)
        seen.extend(r.id for r in rows)
    assert seen == want
    flags = [r.red_flag is not None for r in run_flagged(db, query, order, 0, len(want))[0]]
    assert flags == sorted(flags, reverse=True) and any(flags) and not all(flags)


@pytest.mark.parametrize(("query", "order"), [*SORTED_VIEWS, *((q, "newest") for q in VIEWS)])
def test_red_flags_first_reads_the_flags_index_and_still_walks_the_list_index(
        db: Recording, query: str, order: str) -> None:
    """The flagged part comes from the partial index of open flags; the rest is the plain
    page (a little longer), whose plan the tests above pin: no sort of every match."""
    _, _, statements = run_flagged(db, query, order, offset=40, limit=20)
    flagged_plan = plan(db, *statements[0])
    assert any("INDEX conversations_red_flag" in step for step in flagged_plan), flagged_plan
    page_plan = plan(db, *statements[-1])
    indexes = (SORTED_VIEWS[query, order],) if (query, order) in SORTED_VIEWS else VIEWS[query]
    assert any(f"INDEX {index} " in f"{step} " for step in page_plan for index in indexes), \
        page_plan
    assert not any("TEMP B-TREE" in step for step in page_plan), page_plan


@pytest.mark.parametrize("query", SEARCHES)
def test_searches_with_red_flags_first_are_still_evaluated_once(db: Recording,
                                                                query: str) -> None:
    _, _, statements = run_flagged(db, query, "newest", 0, 100)
    assert len(statements) == 1, [s for s, _ in statements]
    steps = plan(db, *statements[0])
    assert sum("MATERIALIZE hits" in step for step in steps) == 1, steps
    assert any("INDEX conversations_red_flag" in step for step in steps), steps


# A desk that let flags pile up: one conversation in three flagged, so the flagged part is
# longer than a page in every view. Each page still reads a page: the flagged part walks
# its partial index in list order and stops (no sort of every flag), the rest walks the
# list's index, testing each entry against the flags' ids, never reading its row.

FLAGGED_INDEX = {"newest": "conversations_red_flag_last", "oldest": "conversations_red_flag_last",
                 "due": "conversations_red_flag_due",
                 "priority": "conversations_red_flag_priority"}


@pytest.fixture(scope="module")
def crowded() -> Iterator[Recording]:
    conn = build(600, analyze=False, flag_every=3)
    yield conn
    conn.close()


@pytest.mark.parametrize("by", ["keys", "ids"])
@pytest.mark.parametrize("order", list(REFERENCE_ORDERS))
@pytest.mark.parametrize("query", FLAG_QUERIES[:4])
def test_many_flags_page_like_the_reference_a_page_at_a_time(
        crowded: Recording, query: str, order: str, by: str,
        monkeypatch: pytest.MonkeyPatch) -> None:
    """Both ways of finding the rest (convs.FEW_FLAGS): among the plain page's rows by the
    flags' sort keys, and by the flags' ids (as past a few hundred flags)."""
    monkeypatch.setattr(convs, "FEW_FLAGS", 10**6 if by == "keys" else 8)
    want = flagged_reference(crowded, query, order)
    flags = [r.red_flag is not None for r in run_flagged(crowded, query, order, 0,
                                                         len(want) or 1)[0]]
    flagged = sum(flags)
    assert flagged > 20, (query, flagged)  # longer than the first page below
    for offset, limit in ((0, 20), (flagged - 3, 7), (flagged, 5), (flagged + 4, 20),
                          (len(want) - 5, 50), (len(want), 10)):
        rows, total, statements = run_flagged(crowded, query, order, offset, limit)
        assert total == len(want)
        assert [r.id for r in rows] == want[offset:offset + limit], (query, order, offset)
        flagged_plan = plan(crowded, *statements[0])
        assert any(f"INDEX {FLAGGED_INDEX[order]}" in step for step in flagged_plan), \
            flagged_plan
        assert not any("TEMP B-TREE" in step for step in flagged_plan), flagged_plan
        rest = [s for s in statements if "c.id NOT IN (SELECT f.id" in s[0]]
        assert not rest if by == "keys" else len(rest) <= 1
        if offset + limit > flagged and offset < len(want):
            sql, params = rest[0] if by == "ids" else statements[-1]
            steps = plan(crowded, sql, params)
            # The plain page's walk, as it is (the same index, covering where it was), and
            # no sort it does not have (`sort:priority` alone sorts anyway).
            plain = plan(crowded, *run_sorted(crowded, query, order, offset, limit)[2][-1])

            def walk(steps: list[str]) -> list[str]:
                return [step for step in steps if step.startswith(("SCAN c", "SEARCH c "))
                        and "PRIMARY KEY" not in step or "TEMP B-TREE" in step]

            assert walk(steps) == walk(plain), (steps, plain)
            assert by == "keys" or any("COVERING INDEX conversations_red_flag " in f"{step} "
                                       for step in steps), steps  # the flags' ids only


def test_at_risk_or_breached_in_one_test_matches_the_two_terms_apart(db: Recording) -> None:
    """`sla:at-risk OR sla:breached` compiles as one test of the due instants (ALERTING):
    it selects exactly the union of the two terms compiled alone, negated too."""
    # a minute past the at-risk instant of an open conversation in mid-inbox: some are at
    # risk then, older ones breached
    risky = sorted(r[0] for r in sqlite3.Connection.execute(
        db, "SELECT sla_at_risk_at FROM conversations WHERE status = 'open'"
        " AND sla_at_risk_at IS NOT NULL AND merged_into IS NULL"))
    then = datetime.fromtimestamp(risky[len(risky) // 2] + 60, UTC)

    def ids(query: str) -> set[int]:
        ctx = QueryContext(me="maria", now=then, tz=ZoneInfo("UTC"))
        where, params = compile_query(parse_query(query), ctx, sla_condition(then))
        return {r[0] for r in sqlite3.Connection.execute(
            db, f"SELECT c.id FROM conversations c WHERE c.merged_into IS NULL AND ({where})",
            params)}

    at_risk, breached = ids("sla:at-risk"), ids("sla:breached")
    everything = ids("")
    assert at_risk and breached and not at_risk & breached
    assert "c.sla_due_at <= ? OR" in where_of("sla:breached OR sla:at-risk")[0]
    for query, want in (("sla:at-risk OR sla:breached", at_risk | breached),
                        ("sla:breached OR tag:refill OR sla:at-risk",
                         at_risk | breached | ids("tag:refill")),
                        ("-(sla:at-risk OR sla:breached)", everything - at_risk - breached),
                        ("status:open (sla:at-risk OR sla:breached)",
                         (at_risk | breached) & ids("status:open"))):
        assert ids(query) == want, query
