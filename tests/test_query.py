"""The query language: parsing, error reporting, SQL compilation and results on real SQLite.

Behaviour tests run compiled queries against an in-memory database built from the real
migrations, wrapped the way the service wraps them, so they check what staff would see.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cxinbox.domain.query import (
    ENUMERATED_VALUES,
    MAX_DEPTH,
    MAX_QUERY_CHARS,
    MAX_TERMS,
    And,
    Everything,
    Field,
    Node,
    Not,
    Or,
    ParsedQuery,
    Phone,
    QueryContext,
    QueryError,
    Text,
    conversation_ids,
    parse,
    parse_query,
    resolve_date,
)
from cxinbox.store.fts import index_pending
from cxinbox.store.query_sql import SlaSql, compile_query
from cxinbox.store.schema import MIGRATIONS

NEW_YORK = ZoneInfo("America/New_York")
NOW = datetime(2024, 5, 10, 12, 0, tzinfo=UTC)  # 08:00 at the clinic
CTX = QueryContext(me="alice", now=NOW, tz=NEW_YORK, clinic_open=False)
LIVE = {1, 2, 3, 4, 6}  # conversation 5 is merged into 1


def utc(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> int:
    return int(datetime(year, month, day, hour, minute, tzinfo=UTC).timestamp())


def t(value: str) -> Text:
    return Text(value, phrase=False)


def f(name: str, value: str) -> Field:
    return Field(name, value)


# --------------------------------------------------------------------------- database


def empty_db() -> sqlite3.Connection:
    db = sqlite3.connect(":memory:")
    for migration in MIGRATIONS:
        db.executescript(migration)
    return db


def add_conversation(db: sqlite3.Connection, conv_id: int, **columns: object) -> None:
    values = {"id": conv_id, "created_at": 0, **columns}
    names = ", ".join(values)
    marks = ", ".join("?" * len(values))
    db.execute(f"INSERT INTO conversations ({names}) VALUES ({marks})", list(values.values()))


def add_message(db: sqlite3.Connection, conv_id: int, **columns: object) -> None:
    raw_id = db.execute("SELECT COUNT(*) + 1 FROM raw_messages").fetchone()[0]
    db.execute(
        "INSERT INTO raw_messages (id, sha256, size, data) VALUES (?, ?, 1, x'00')",
        (raw_id, raw_id.to_bytes(4, "big")),
    )
    values = {"raw_id": raw_id, "conversation_id": conv_id, "date": 0, **columns}
    if "from_addr" in values:
        values.setdefault("sender", f"{values.get('from_name', '')} {values['from_addr']}")
    names = ", ".join(values)
    marks = ", ".join("?" * len(values))
    db.execute(f"INSERT INTO messages ({names}) VALUES ({marks})", list(values.values()))


def add_tags(db: sqlite3.Connection, conv_id: int, *tags: str) -> None:
    db.executemany(
        "INSERT INTO conversation_tags (conversation_id, tag) VALUES (?, ?)",
        [(conv_id, tag) for tag in tags],
    )


def clinic_db() -> sqlite3.Connection:
    """Six conversations chosen so each field has matches, misses and edge cases."""
    db = empty_db()
    add_conversation(
        db, 1, status="open", priority="urgent", mailbox="results", from_name="Maria Lopez",
        from_addr="maria@example.org", unread_count=2, has_attachment=1,
        last_message_at=utc(2024, 5, 10, 5),  # 01:00 in New York: today
    )  # fmt: skip
    add_message(
        db, 1, subject="Lab results", from_name="Maria Lopez", from_addr="maria@example.org",
        to_addrs='[["Results", "results@clinic.example"]]',
        body_text='Are my fasting glucose results in? NEAR( foo" a AND *',
    )  # fmt: skip
    add_tags(db, 1, "lab-results")

    add_conversation(
        db, 2, status="pending", assignee="alice", priority="high", channel="sms",
        mailbox="sms", from_addr="+15550100",
        last_message_at=utc(2024, 5, 10, 3),  # 23:00 the day before in New York
    )  # fmt: skip
    add_message(
        db, 2, channel="sms", from_addr="+15550100", to_addrs='[["", "+15550199"]]',
        body_text="Can I pay my invoice by card?",
    )  # fmt: skip
    add_tags(db, 2, "billing")

    add_conversation(
        db, 3, status="closed", assignee="bob", mailbox="appointments", from_name="John Smith",
        from_addr="john.smith@example.com", last_message_at=utc(2024, 5, 1, 12),
    )  # fmt: skip
    add_message(
        db, 3, subject="Reschedule", from_name="John Smith", from_addr="john.smith@example.com",
        body_text="I need to move my appointment",
    )  # fmt: skip
    add_message(
        db, 3, direction="out", subject="Re: Reschedule", from_addr="appointments@clinic.example",
        to_addrs='[["John Smith", "john.smith@example.com"]]',
        body_text="Your appointment is moved. Fasting is not required.",
    )  # fmt: skip
    add_tags(db, 3, "lab results", "follow-up")

    add_conversation(
        db, 4, status="snoozed", assignee="carol", priority="low", mailbox="billing",
        from_name="Pat Doe", from_addr="pat@example.net", last_message_at=utc(2024, 5, 9, 12),
    )  # fmt: skip
    add_message(
        db, 4, subject="Copay", from_name="Pat Doe", from_addr="pat@example.net",
        to_addrs='[["Billing Dept", "billing_dept@clinic.example"]]',
        cc_addrs='[["Maria Lopez", "maria@example.org"]]',
        body_text="Question about the 100% copay",
    )  # fmt: skip

    add_conversation(
        db, 5, status="open", from_addr="maria@example.org", merged_into=1,
        last_message_at=utc(2024, 5, 10, 6),
    )  # fmt: skip
    add_message(db, 5, from_addr="maria@example.org", body_text="fasting glucose duplicate")
    add_tags(db, 5, "lab-results")

    add_conversation(
        db, 6, status="open", mailbox="results", from_name="100% Natural Co",
        from_addr="news@natural.example", unread_count=1,
        last_message_at=utc(2024, 5, 10, 11, 30),  # half an hour ago
    )  # fmt: skip
    add_message(
        db, 6, subject="Offer", from_name="100% Natural Co", from_addr="news@natural.example",
        body_text="Unsubscribe any time",
    )  # fmt: skip
    index_pending(db)
    return db


@pytest.fixture(scope="module")
def db() -> Iterator[sqlite3.Connection]:
    conn = clinic_db()
    yield conn
    conn.close()


def fake_sla(value: str) -> tuple[str, list[object]]:
    """Stand-in for the SLA engine: "breached" means open, anything else is unknown (NULL)."""
    if value == "breached":
        return "c.status = ?", ["open"]
    return "NULL", []


def run(db: sqlite3.Connection, node: Node, sla_sql: SlaSql | None = fake_sla) -> set[int]:
    where, params = compile_query(node, CTX, sla_sql)
    sql = (
        "SELECT c.id FROM conversations c WHERE c.merged_into IS NULL AND ("
        + where
        + ") ORDER BY c.last_message_at DESC"
    )
    return {row[0] for row in db.execute(sql, params)}


def search(db: sqlite3.Connection, query: str) -> set[int]:
    return run(db, parse_query(query))


# --------------------------------------------------------------------------- parser


def test_empty_and_blank_queries_match_everything() -> None:
    assert parse_query("") == Everything()
    assert parse_query(" \t\u3000 ") == Everything()


def test_words_and_phrases() -> None:
    assert parse_query("fasting") == t("fasting")
    assert parse_query('"fasting glucose"') == Text("fasting glucose", phrase=True)
    assert parse_query("a b") == And((t("a"), t("b")))


def test_quote_inside_a_word_is_literal() -> None:
    assert parse_query("5'10\" tall") == And((t("5'10\""), t("tall")))
    assert parse_query('foo"') == t('foo"')


def test_phrase_ends_at_closing_quote() -> None:
    assert parse_query('"lab"results') == And((Text("lab", phrase=True), t("results")))


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("status:open", f("status", "open")),
        ("status:PENDING", f("status", "pending")),
        ("Status:snoozed", f("status", "snoozed")),
        ("status:closed", f("status", "closed")),
        ("assignee:me", f("assignee", "me")),
        ("assignee:None", f("assignee", "none")),
        ("assignee:Bob", f("assignee", "Bob")),
        ("tag:Lab-Results", f("tag", "lab-results")),
        ('tag:"lab results"', f("tag", "lab results")),
        ("priority:urgent", f("priority", "urgent")),
        ("priority:low", f("priority", "low")),
        ("from:maria@example.org", f("from", "maria@example.org")),
        ('from:"Maria Lopez"', f("from", "Maria Lopez")),
        ("to:billing", f("to", "billing")),
        ("mailbox:results", f("mailbox", "results")),
        ("channel:sms", f("channel", "sms")),
        ("channel:Email", f("channel", "email")),
        ("sla:breached", f("sla", "breached")),
        ("sla:at-risk", f("sla", "at-risk")),
        ("sla:ok", f("sla", "ok")),
        ("sla:paused", f("sla", "paused")),
        ("is:unread", f("is", "unread")),
        ("is:unassigned", f("is", "unassigned")),
        ("is:mine", f("is", "mine")),
        ("has:attachment", f("has", "attachment")),
        ("before:2024-05-01", f("before", "2024-05-01")),
        ("after:today", f("after", "today")),
        ("after:Yesterday", f("after", "yesterday")),
        ("after:7d", f("after", "7d")),
        ("after:12H", f("after", "12h")),
        ("before:30m", f("before", "30m")),
        ("id:1024", f("id", "1024")),
        ("id:#1024", f("id", "1024")),
        ("id:#1024,1025,#1024", f("id", "1024,1025")),
        ("from:a:b", f("from", "a:b")),
    ],
)
def test_every_field_parses_to_a_canonical_value(query: str, expected: Field) -> None:
    assert parse_query(query) == expected


def test_field_records_where_it_was_typed() -> None:
    node = parse_query("fasting  tag:x")
    assert isinstance(node, And)
    tag = node.nodes[1]
    assert isinstance(tag, Field)
    assert (tag.position, tag.length) == (9, 5)


def test_enumerations_cover_every_documented_value() -> None:
    assert ENUMERATED_VALUES["status"] == ("open", "pending", "snoozed", "closed")
    assert ENUMERATED_VALUES["sla"] == ("breached", "at-risk", "ok", "paused")
    for name, values in ENUMERATED_VALUES.items():
        for value in values:
            if name == "sort":  # an order, not a filter (test_sort_* below)
                assert parse(f"{name}:{value}") == ParsedQuery(Everything(), value, True)
                continue
            assert parse_query(f"{name}:{value}") == f(name, value)


def test_negation_of_terms_and_groups() -> None:
    assert parse_query("-tag:x") == Not(f("tag", "x"))
    assert parse_query("-fasting") == Not(t("fasting"))
    assert parse_query('-"lab work"') == Not(Text("lab work", phrase=True))
    assert parse_query("-(a OR b)") == Not(Or((t("a"), t("b"))))
    assert parse_query("--a") == t("a")
    assert parse_query("---a") == Not(t("a"))


def test_hyphen_inside_a_word_is_not_negation() -> None:
    assert parse_query("lab-results") == t("lab-results")


def test_or_keyword_is_upper_case_only() -> None:
    assert parse_query("a OR b") == Or((t("a"), t("b")))
    assert parse_query("a or b") == And((t("a"), t("or"), t("b")))
    assert parse_query('a "OR" b') == And((t("a"), Text("OR", phrase=True), t("b")))


def test_precedence_not_then_and_then_or() -> None:
    assert parse_query("a b OR c -d") == Or((And((t("a"), t("b"))), And((t("c"), Not(t("d"))))))
    assert parse_query("-a b") == And((Not(t("a")), t("b")))
    assert parse_query("a OR b OR c") == Or((t("a"), t("b"), t("c")))


def test_parentheses_group_and_flatten() -> None:
    assert parse_query("(a OR b) c") == And((Or((t("a"), t("b"))), t("c")))
    assert parse_query("a (b c)") == And((t("a"), t("b"), t("c")))
    assert parse_query("((a))") == t("a")
    assert parse_query("(a)(b)") == And((t("a"), t("b")))
    assert parse_query("status:open (tag:a OR tag:b)") == And(
        (f("status", "open"), Or((f("tag", "a"), f("tag", "b"))))
    )


def test_design_example() -> None:
    query = 'status:open -assignee:none sla:at-risk tag:lab-results "fasting"'
    assert parse_query(query) == And(
        (
            f("status", "open"),
            Not(f("assignee", "none")),
            f("sla", "at-risk"),
            f("tag", "lab-results"),
            Text("fasting", phrase=True),
        )
    )


# --------------------------------------------------------------------------- errors


@pytest.mark.parametrize(
    ("query", "position", "length", "message"),
    [
        ("stauts:open", 0, 7, "unknown field 'stauts:' (did you mean 'status:'?)"),
        ("a tags:x", 2, 5, "unknown field 'tags:' (did you mean 'tag:'?)"),
        ("since:7d", 0, 6, "unknown field 'since:' (did you mean 'after:'?)"),
        ("Re: hello", 0, 3, "unknown field 'Re:' (to search for it as text, put it in quotes)"),
        (
            "status:opne",
            7,
            4,
            (
                "invalid value 'opne' for 'status:' (did you mean 'open'?);"
                " expected one of: open, pending, snoozed, closed"
            ),
        ),
        (
            "channel:fax",
            8,
            3,
            "invalid value 'fax' for 'channel:'; expected one of: email, sms",
        ),
        ("has:attachments", 4, 11, "did you mean 'attachment'?"),
        ("priority:", 0, 9, "missing value after 'priority:'"),
        ("a tag: b", 2, 4, "missing value after 'tag:'"),
        ('tag:""', 0, 6, "missing value after 'tag:'"),
        ("(tag:)", 1, 4, "missing value after 'tag:'"),
        ("(a", 0, 1, "'(' is never closed"),
        ("((a) b", 0, 1, "'(' is never closed"),
        ("(", 0, 1, "'(' is never closed"),
        ("a)", 1, 1, "')' has no matching '('"),
        (")", 0, 1, "')' has no matching '('"),
        ("a () b", 2, 2, "empty parentheses"),
        ('say "hello', 4, 6, "unterminated quote: add a closing '\"'"),
        ('tag:"lab', 4, 4, "unterminated quote"),
        ('""', 0, 2, "empty quoted phrase"),
        ("a OR", 2, 2, "'OR' needs a term after it"),
        ("a OR OR b", 2, 2, "'OR' needs a term after it"),
        ("(a OR) b", 3, 2, "'OR' needs a term after it"),
        ("OR a", 0, 2, "'OR' needs a term before it"),
        ("(OR a)", 1, 2, "'OR' needs a term before it"),
        ("-", 0, 1, "'-' must be directly followed by the term to exclude"),
        ("a - b", 2, 1, "'-' must be directly followed"),
        ("(a -)", 3, 1, "'-' must be directly followed"),
        ("-OR a", 0, 1, "'-' must be directly followed"),
        ("before:2024-02-30", 7, 10, "invalid date '2024-02-30' for 'before:' (use YYYY-MM-DD"),
        ("after:soon", 6, 4, "invalid date 'soon' for 'after:'"),
        ("after:7y", 6, 2, "invalid date"),
        ("after:2024-5-1", 6, 8, "invalid date"),
        ("after:99999999d", 6, 9, "invalid date"),
        ("id:abc", 3, 3, "invalid conversation id 'abc' (use 1024, #1024 or 1024,1025)"),
        ("id:1,,2", 3, 4, "invalid conversation id"),
        ("id:1024,", 3, 5, "invalid conversation id"),
        ("id:1234567890123456789", 3, 19, "invalid conversation id"),
        ("id:\u0661\u0662", 3, 2, "invalid conversation id"),
    ],
)
def test_errors_point_at_the_offending_text(
    query: str, position: int, length: int, message: str
) -> None:
    with pytest.raises(QueryError) as caught:
        parse_query(query)
    error = caught.value
    assert message in error.message
    assert (error.position, error.length) == (position, length)


def test_first_error_in_reading_order_wins() -> None:
    with pytest.raises(QueryError) as caught:
        parse_query(") stauts:x")
    assert caught.value.position == 0


def test_render_is_one_line_with_a_one_based_column() -> None:
    query = "tag:lab stauts:open"
    with pytest.raises(QueryError) as caught:
        parse_query(query)
    assert caught.value.render(query) == (
        "query error at column 9: unknown field 'stauts:' (did you mean 'status:'?)"
    )
    assert str(caught.value) == caught.value.render(query)


def test_caret_line_underlines_the_term() -> None:
    query = "tag:lab stauts:open"
    with pytest.raises(QueryError) as caught:
        parse_query(query)
    assert caught.value.caret_line(query) == "tag:lab stauts:open\n        ^^^^^^^"


def test_caret_line_counts_wide_characters_and_hides_controls() -> None:
    query = "検査\t\x1b stauts:x"
    with pytest.raises(QueryError) as caught:
        parse_query(query)
    first, second = caught.value.caret_line(query).split("\n")
    assert "\x1b" not in first and "\t" not in first
    assert second == " " * 7 + "^" * 7


def test_caret_after_the_end_of_the_query() -> None:
    assert QueryError("x", 10, 1).caret_line("abc") == "abc\n   ^"


def test_error_messages_do_not_echo_terminal_escapes() -> None:
    with pytest.raises(QueryError) as caught:
        parse_query("status:\x1b]52;c;evil\x07")
    assert "\x1b" not in caught.value.message and "\x07" not in caught.value.message


def test_invalid_text_from_a_mis_decoded_argument_is_an_error() -> None:
    with pytest.raises(QueryError) as caught:
        parse_query("abc \udcff")
    assert caught.value.position == 4


def test_limits_are_query_errors_not_crashes() -> None:
    with pytest.raises(QueryError, match="nested too deeply"):
        parse_query("(" * (MAX_DEPTH + 1) + "a" + ")" * (MAX_DEPTH + 1))
    with pytest.raises(QueryError, match="too many terms"):
        parse_query("a " * (MAX_TERMS + 1))
    with pytest.raises(QueryError, match="too long"):
        parse_query("a" * (MAX_QUERY_CHARS + 1))
    parse_query("(" * MAX_DEPTH + "a" + ")" * MAX_DEPTH)


def test_context_requires_an_aware_now() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        QueryContext(me="alice", now=datetime(2024, 5, 10), tz=NEW_YORK)


# --------------------------------------------------------------------------- values


def test_days_start_at_midnight_in_the_clinic_time_zone() -> None:
    assert resolve_date(f("after", "today"), CTX).timestamp() == utc(2024, 5, 10, 4)
    assert resolve_date(f("after", "yesterday"), CTX).timestamp() == utc(2024, 5, 9, 4)
    assert resolve_date(f("after", "2024-01-15"), CTX).timestamp() == utc(2024, 1, 15, 5)


def test_today_follows_the_clinic_date_not_the_utc_date() -> None:
    late_evening = QueryContext("alice", datetime(2024, 5, 11, 2, tzinfo=UTC), NEW_YORK)
    assert resolve_date(f("after", "today"), late_evening).timestamp() == utc(2024, 5, 10, 4)


def test_day_of_a_daylight_saving_change() -> None:
    assert resolve_date(f("after", "2024-03-10"), CTX).timestamp() == utc(2024, 3, 10, 5)
    assert resolve_date(f("after", "2024-03-11"), CTX).timestamp() == utc(2024, 3, 11, 4)


def test_ages_count_back_from_now() -> None:
    assert resolve_date(f("after", "7d"), CTX).timestamp() == utc(2024, 5, 3, 12)
    assert resolve_date(f("after", "12h"), CTX).timestamp() == utc(2024, 5, 10)
    assert resolve_date(f("after", "30m"), CTX).timestamp() == utc(2024, 5, 10, 11, 30)


def test_conversation_ids() -> None:
    assert conversation_ids(f("id", "#7, 8,7")) == (7, 8)
    with pytest.raises(QueryError):
        conversation_ids(Field("id", "x", position=3, length=4))


# --------------------------------------------------------------------------- compiler


def test_adjacent_words_share_one_full_text_query() -> None:
    sql, params = compile_query(parse_query("lab status:open results fasting"), CTX)
    assert sql.count("MATCH") == 1
    assert '"lab"* "results"* "fasting"*' in params


def test_or_of_words_shares_one_full_text_query() -> None:
    sql, params = compile_query(parse_query('glucose OR "lab work"'), CTX)
    assert sql.count("MATCH") == 1
    assert params == ['"glucose"* OR "lab work"']


def test_negated_text_excludes_conversations() -> None:
    sql, params = compile_query(parse_query("-fasting"), CTX)
    assert "c.id NOT IN" in sql
    assert params == ['"fasting"*']


def test_fts_terms_are_always_quoted() -> None:
    _, params = compile_query(And((t('foo"'), Text('say "hi"', phrase=True), t("*"))), CTX)
    assert params == ['"foo"""* "say ""hi""" "*"*']


def test_user_values_never_reach_the_sql_text() -> None:
    hostile = "zq'); DROP TABLE conversations; --"
    for name in ("tag", "from", "to", "mailbox", "assignee"):
        sql, params = compile_query(Field(name, hostile), CTX)
        assert "zq" not in sql and "DROP" not in sql
        assert any(hostile.lower() in str(p).lower() for p in params)
    sql, _ = compile_query(t(hostile), CTX)
    assert "DROP" not in sql


def test_like_wildcards_are_escaped() -> None:
    _, params = compile_query(f("to", "100%_a\\b"), CTX)
    assert params[0] == "%100\\%\\_a\\\\b%"
    _, params = compile_query(f("from", "%_"), CTX)  # too short for the trigram index
    assert params[0] == "%\\%\\_%"


def test_from_is_a_quoted_trigram_phrase() -> None:
    """Three characters or more: the sender indexes, every character literal."""
    _, params = compile_query(f("from", 'a"b%'), CTX)
    assert params == ['"a""b%"', '"a""b%"']


def test_sla_without_a_policy_is_reported_at_the_term() -> None:
    query = "status:open sla:breached"
    with pytest.raises(QueryError) as caught:
        compile_query(parse_query(query), CTX)
    assert caught.value.render(query) == (
        "query error at column 13: sla: is not available: no SLA policy is configured"
    )
    assert caught.value.length == len("sla:breached")


def test_hand_built_nodes_are_checked_too() -> None:
    for node in (f("before", "soon"), f("id", "x"), f("colour", "red"), f("is", "busy")):
        with pytest.raises(QueryError):
            compile_query(node, CTX)


def test_empty_groups_built_by_code_compile() -> None:
    assert compile_query(And(()), CTX) == ("1", [])
    assert compile_query(Or(()), CTX) == ("0", [])
    assert compile_query(Everything(), CTX) == ("1", [])


def test_largest_accepted_queries_are_accepted_by_sqlite(db: sqlite3.Connection) -> None:
    mixed = ["-from:x", "to:y", "tag:z", "word", "-(status:open OR -is:mine)"]  # six terms
    wide = parse_query(" ".join(mixed * (MAX_TERMS // 6)))
    nested = "(" * MAX_DEPTH + " ".join(["-tag:a OR b"] * (MAX_TERMS // 2)) + ")" * MAX_DEPTH
    deep = parse_query(nested)
    assert run(db, wide) == set()
    assert run(db, deep) == LIVE


# --------------------------------------------------------------------------- behaviour


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("", LIVE),
        ("status:open", {1, 6}),
        ("status:pending", {2}),
        ("status:snoozed", {4}),
        ("status:closed", {3}),
        ("assignee:me", {2}),
        ("is:mine", {2}),
        ("assignee:bob", {3}),
        ("assignee:BOB", {3}),
        ("assignee:none", {1, 6}),
        ("is:unassigned", {1, 6}),
        ("-assignee:bob", {1, 2, 4, 6}),
        ("-assignee:me", {1, 3, 4, 6}),
        ("-is:unassigned", {2, 3, 4}),
        ("tag:lab-results", {1}),
        ("tag:LAB-Results", {1}),
        ('tag:"lab results"', {3}),
        ("-tag:billing", {1, 3, 4, 6}),
        ("priority:urgent", {1}),
        ("priority:high", {2}),
        ("priority:normal", {3, 6}),
        ("priority:low", {4}),
        ("from:maria", {1}),
        ("from:MARIA@Example", {1}),
        ('from:"john smith"', {3}),
        ("from:appointments@clinic", {3}),
        ("from:%", {6}),
        ("from:_", set()),
        ("to:billing_dept", {4}),
        ("to:billing%dept", set()),
        ("to:maria", {4}),
        ("to:+15550199", {2}),
        ("to:results@clinic", {1}),
        ("mailbox:results", {1, 6}),
        ("mailbox:RESULTS", {1, 6}),
        ("channel:sms", {2}),
        ("channel:email", {1, 3, 4, 6}),
        ("is:unread", {1, 6}),
        ("has:attachment", {1}),
        ("-has:attachment", {2, 3, 4, 6}),
        ("after:today", {1, 6}),
        ("before:today", {2, 3, 4}),
        ("after:yesterday", {1, 2, 4, 6}),
        ("before:yesterday", {3}),
        ("after:2024-05-09", {1, 2, 4, 6}),
        ("before:2024-05-02", {3}),
        ("after:1h", {6}),
        ("after:30m", {6}),
        ("after:12h", {1, 2, 6}),
        ("after:2024-05-02 before:today", {2, 4}),
        ("id:3", {3}),
        ("id:#3,#4", {3, 4}),
        ("id:5", set()),
        ("-id:1,2", {3, 4, 6}),
        ("fasting", {1, 3}),
        ("fast", {1, 3}),
        ('"fast"', set()),
        ("FASTING", {1, 3}),
        ("fasting glucose", {1}),
        ('"fasting glucose"', {1}),
        ('"glucose fasting"', set()),
        ("glucose OR invoice", {1, 2}),
        ("-fasting", {2, 4, 6}),
        ("fasting -glucose", {3}),
        ("maria", {1}),
        ("reschedule", {3}),
        ("status:open OR status:pending", {1, 2, 6}),
        ("(status:open OR status:pending) -tag:billing", {1, 6}),
        ("-(status:open OR status:closed)", {2, 4}),
        ("status:closed OR status:open tag:lab-results", {1, 3}),
        ("status:open (tag:lab-results OR mailbox:billing)", {1}),
        ("status:open -assignee:none", set()),
        ("fasting OR is:mine", {1, 2, 3}),
        ("sla:breached", {1, 6}),
        ("-sla:ok", LIVE),
        ("tag:billing OR sla:breached", {1, 2, 6}),
    ],
)
def test_query_results(db: sqlite3.Connection, query: str, expected: set[int]) -> None:
    assert search(db, query) == expected


@pytest.mark.parametrize(
    "query", ['foo"', '"NEAR("', "a AND", "*", '"*"', "-*", "NEAR", '"a" OR "b"*']
)
def test_hostile_text_is_searched_literally(db: sqlite3.Connection, query: str) -> None:
    assert search(db, query) <= LIVE


def test_hostile_text_matches_as_words(db: sqlite3.Connection) -> None:
    assert search(db, 'foo"') == {1}
    assert search(db, '"NEAR("') == {1}


@pytest.mark.parametrize(
    "value",
    ['foo"', "NEAR(", "a AND", "-x", "*", "^", "col:x", '"', "NOT", "a OR b", "(", "\x00", "'"],
)
@pytest.mark.parametrize("phrase", [False, True])
def test_any_text_node_compiles_to_valid_fts(
    db: sqlite3.Connection, value: str, phrase: bool
) -> None:
    run(db, Text(value, phrase))
    run(db, Not(Text(value, phrase)))
    run(db, And((Text(value, phrase), t("fasting"))))


def test_injection_attempts_leave_the_database_intact(db: sqlite3.Connection) -> None:
    for query in ('tag:"x\' OR 1=1 --"', 'from:"\'); DROP TABLE conversations; --"', "' OR 1=1"):
        assert search(db, query) == set()
    assert db.execute("SELECT COUNT(*) FROM conversations").fetchone()[0] == 6


# --------------------------------------------------------------------------- properties

FRAGMENTS = st.sampled_from(
    [" ", " ", "(", ")", "-", '"', "OR", "or", "*", ":", ",", "#", "a", "lab", "NEAR(", "'"]
    + [f"{name}:" for name in ("status", "tag", "sla", "is", "id", "before", "after", "from")]
    + ["open", "at-risk", "today", "7d", "2024-05-01", "12", "me", "none", "stauts:"]
)
QUERIES = st.lists(FRAGMENTS, max_size=24).map("".join)


def assert_well_formed(error: QueryError, query: str) -> None:
    assert 0 <= error.position <= len(query)
    assert error.length >= 1
    assert "\n" not in error.render(query)
    assert len(error.caret_line(query).split("\n")) == 2


@given(st.text(max_size=80))
def test_random_text_parses_or_raises_query_error(query: str) -> None:
    try:
        parse_query(query)
    except QueryError as error:
        assert_well_formed(error, query)


@settings(suppress_health_check=[HealthCheck.too_slow], max_examples=300)
@given(QUERIES)
def test_parseable_queries_compile_to_sql_sqlite_accepts(
    db: sqlite3.Connection, query: str
) -> None:
    try:
        node = parse_query(query)
    except QueryError as error:
        assert_well_formed(error, query)
        return
    assert run(db, node) <= LIVE
    try:
        compile_query(node, CTX)
    except QueryError as error:
        assert "sla:" in error.message


@given(st.text(max_size=80))
def test_random_text_compiles_when_it_parses(db: sqlite3.Connection, query: str) -> None:
    try:
        node = parse_query(query)
    except QueryError:
        return
    assert run(db, node) <= LIVE


def enumerated_fields(name: str) -> st.SearchStrategy[Field]:
    return st.sampled_from(ENUMERATED_VALUES[name]).map(lambda value: Field(name, value))


def free_fields(name: str) -> st.SearchStrategy[Field]:
    return st.text(min_size=1).map(lambda value: Field(name, value))


VALID_FIELDS = st.one_of(
    *(enumerated_fields(name) for name in ENUMERATED_VALUES if name != "sort"),
    *(free_fields(name) for name in ("tag", "from", "to", "mailbox", "assignee")),
    st.builds(
        Field,
        st.sampled_from(["before", "after"]),
        st.sampled_from(["today", "yesterday", "7d", "12h", "30m", "2024-05-01"]),
    ),
    st.lists(st.integers(0, 10**9), min_size=1, max_size=5).map(
        lambda ids: Field("id", ",".join(map(str, ids)))
    ),
)
NODES = st.recursive(
    st.one_of(st.builds(Text, st.text(), st.booleans()), VALID_FIELDS, st.just(Everything()),
              st.from_regex(r"[0-9]{7,15}", fullmatch=True).map(Phone)),
    lambda children: st.one_of(
        st.builds(Not, children),
        st.lists(children, max_size=4).map(lambda nodes: And(tuple(nodes))),
        st.lists(children, max_size=4).map(lambda nodes: Or(tuple(nodes))),
    ),
    max_leaves=20,
)


@given(NODES)
def test_any_tree_built_by_code_compiles_to_sql_sqlite_accepts(
    db: sqlite3.Connection, node: Node
) -> None:
    assert run(db, node) <= LIVE


@given(NODES)
def test_negation_is_the_complement(db: sqlite3.Connection, node: Node) -> None:
    """Every conversation is in exactly one of `x` and `-x`, NULL columns included."""
    assert run(db, node) | run(db, Not(node)) == LIVE
    assert not run(db, node) & run(db, Not(node))


# --------------------------------------------------------------------------- sort: and numbers


@pytest.mark.parametrize("order", ["newest", "oldest", "due", "priority"])
def test_sort_orders_the_list_and_selects_nothing(order: str) -> None:
    assert parse(f"status:open sort:{order}") == ParsedQuery(f("status", "open"), order, True)
    assert parse(f"sort:{order.upper()} tag:x fasting") == ParsedQuery(
        And((f("tag", "x"), t("fasting"))), order, True)
    assert parse(f"sort:{order}") == ParsedQuery(Everything(), order, True)


def test_without_sort_the_list_is_newest_first() -> None:
    assert parse("status:open") == ParsedQuery(f("status", "open"), "newest")
    assert parse("") == ParsedQuery(Everything(), "newest")


@pytest.mark.parametrize(("query", "first"), [
    ("status:open", True), ("", True),                      # the inbox's own order
    ("status:open sort:due", True), ("sort:priority", True),  # urgency orders
    ("status:open sort:newest", False), ("sort:oldest", False),  # a time order, typed out
])
def test_open_red_flags_come_first_unless_a_time_order_is_typed(query: str,
                                                                 first: bool) -> None:
    assert parse(query).red_flags_first is first


@pytest.mark.parametrize(
    ("query", "message", "column"),
    [
        ("sort:due OR tag:x", "orders the whole list", 1),
        ("tag:x OR sort:due", "orders the whole list", 10),
        ("-sort:due", "orders the whole list", 2),
        ("(tag:x OR sort:due) tag:y", "orders the whole list", 11),
        ("sort:due status:open sort:oldest", "only one 'sort:'", 22),
        ("sort:dew", "did you mean 'due'", 6),
        ("order:due", "did you mean 'sort:'", 1),
    ],
)
def test_misplaced_or_mistyped_sort_is_an_error_at_the_term(
    query: str, message: str, column: int
) -> None:
    with pytest.raises(QueryError) as caught:
        parse(query)
    assert message in caught.value.message
    assert caught.value.position + 1 == column


def test_a_sort_term_built_by_code_does_not_compile() -> None:
    with pytest.raises(QueryError, match="selects nothing"):
        compile_query(f("sort", "due"), CTX)


NUMBER = Phone("5553504006")


@pytest.mark.parametrize(
    ("typed", "phrase"),
    [("555-350-4006", False), ("5553504006", False), ("555.350.4006", False),
     ("555 350 4006", True), ("(555) 350-4006", True), ("(555)350-4006", True)],
)
def test_a_typed_phone_number_is_one_term_matching_text_or_the_number(
    typed: str, phrase: bool
) -> None:
    assert parse_query(typed) == Or((Text(typed, phrase=phrase), NUMBER))
    assert parse_query(f"status:open {typed} tag:x") == And(
        (f("status", "open"), Or((Text(typed, phrase=phrase), NUMBER)), f("tag", "x")))


def test_a_country_code_or_prefix_stays_in_the_digits() -> None:
    assert parse_query("+15553504006") == Or((t("+15553504006"), Phone("15553504006")))
    assert parse_query("+1 555 350 4006") == Or(
        (Text("+1 555 350 4006", phrase=True), Phone("15553504006")))
    assert parse_query("+44 20 7946 0958") == Or(
        (Text("+44 20 7946 0958", phrase=True), Phone("442079460958")))
    # International and trunk prefixes are not part of an E.164 number.
    assert parse_query("0044-20-7946-0958") == Or((t("0044-20-7946-0958"), Phone("442079460958")))
    assert parse_query("020-7946-0958") == Or((t("020-7946-0958"), Phone("2079460958")))


@pytest.mark.parametrize(
    "typed", ["from:555-350-4006", "from:5553504006", "from:555 350 4006",
              "from:(555) 350-4006", "from:+15553504006"])
def test_from_takes_a_phone_number_in_any_format(typed: str) -> None:
    assert parse_query(typed) in (NUMBER, Phone("15553504006"))


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        # Short numbers, years and counts stay words.
        ("4006", t("4006")),
        ("2024 12", And((t("2024"), t("12")))),
        ("invoice 555 350", And((t("invoice"), t("555"), t("350")))),
        # Spaces join digits only in a phone number's shape.
        ("12 3456 7890", And((t("12"), t("3456"), t("7890")))),
        ("from:garcia", f("from", "garcia")),
        ("5553504006abc", t("5553504006abc")),
        # A group around a number is still a group.
        ("(5553504006 OR x)", Or((t("5553504006"), NUMBER, t("x")))),
    ],
)
def test_things_that_are_not_phone_numbers_parse_as_before(query: str, expected: Node) -> None:
    assert parse_query(query) == expected


def test_a_negated_number_excludes_it() -> None:
    assert parse_query("-555-350-4006") == Not(Or((t("555-350-4006"), NUMBER)))


@pytest.mark.parametrize(("word", "intent"), [
    ("Rx", "prescription_refill"), ("resched", "appointment_change_cancel"),
    ("Appt", "appointment_book"), ("forms", "records_forms"), ("SPAM", "spam_marketing")])
def test_the_lists_intent_word_suggests_its_intent(word: str, intent: str) -> None:
    """`intent:rx` after reading "Rx:" in the list: refused, naming the intent it shows."""
    with pytest.raises(QueryError, match=f"did you mean '{intent}'"):
        parse_query(f"intent:{word}")
