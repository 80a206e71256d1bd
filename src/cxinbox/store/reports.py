"""Reading what reports are computed from: conversations in scope, their messages, and the
staff and status events of the trail. SQL only; the arithmetic is domain/reports.py.

Each report reads only what it needs (`Needs`): volume the window's messages counted per
local day (in SQL, not read one by one), backlog the kept status and assignee spans
(migrations 22, 24) counted per local day, response, SLA and workload the intervals kept per conversation (store/report_facts.py,
migration 19) that end in the window or still run at its end, red flags the whole history
of the few flagged conversations. A time window is a range of the indexes of migration
13 (store/schema_reports.py): `events_report` holds only the events reports count, keyed by
time, so the views and lists that fill most of a trail are neither read nor indexed, and
`messages_report` covers a message's date, conversation and direction. Every query here
that reads events names the partial index's own condition (`action IN REPORT_ACTIONS`)
so SQLite may use it; tests/test_reports_exact.py fails if a report query scans events or
messages whole.
When many conversations are asked for, one range scan beats thousands of index probes.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Sequence
from typing import Any

from cxinbox.domain.reports import (
    AGE_BUCKETS,
    BACKLOG_STATUSES,
    AgeCount,
    ChangeFact,
    ConvFacts,
    JudgedCount,
    LateFact,
    MessageFact,
    RawInterval,
    SpanCount,
    VolumeCount,
)
from cxinbox.store import report_facts as facts
from cxinbox.store.dialect import dialect_of
from cxinbox.store.records import Needs, ReportData
from cxinbox.store.schema_reports import (
    DETAIL_FROM,
    DETAIL_FROM_UNTIL,
    DETAIL_TO,
)

_CHUNK = 500
_PROBE_MOST = 3000
"""Above this many conversations, scan instead of probing an index per conversation."""


_DETAIL_COLUMNS = (
    f"CASE WHEN action IN ('conversation.status', 'conversation.assign') THEN {DETAIL_FROM} END,"
    f" CASE WHEN action IN ('conversation.status', 'conversation.assign') THEN {DETAIL_TO} END,"
    f" CASE WHEN action = 'conversation.status' THEN {DETAIL_FROM_UNTIL} END")
_EVENT_COLUMNS = f"seq, at, actor, action, target, {_DETAIL_COLUMNS}"
"""The expressions migration 17's partial index covers (the one place report SQL still
reads JSON; store/report_facts.py parses details itself)."""
def _in_dialect(conn: sqlite3.Connection, columns: str) -> str:
    """`columns` (SQLite's JSON reads) in the connection's dialect (PostgreSQL's index
    spells the same; SQLite's spelling is these columns' own)."""
    d = dialect_of(conn)
    return columns.replace(DETAIL_FROM_UNTIL, d.json_int("details", "from_until")
                           ).replace(DETAIL_FROM, d.json_text("details", "from")
                                     ).replace(DETAIL_TO, d.json_text("details", "to"))


def _changes(rows: Iterable[Any], wanted: set[int] | None = None) -> list[ChangeFact]:
    out = []
    for seq, at, actor, action, target, before, after, before_until in rows:
        number = target[13:]  # after "conversation:"
        if not number.isdigit() or (wanted is not None and int(number) not in wanted):
            continue
        out.append(ChangeFact(seq, at // 1000, int(number), actor,
                              action.removeprefix("conversation."), before, after,
                              before_until))
    return out


def read_report_data(conn: sqlite3.Connection, where: str, params: Sequence[object],
                     since: int, until: int, needs: Needs) -> ReportData:
    """The live conversations matching `where` (SQL over `c`, from the query compiler) that
    `needs` asks about, with what the report counts of them."""
    if needs.tagged is not None:
        return _tagged(conn, where, params, until, needs.tagged)
    if needs.intervals:
        return _kept(conn, where, params, since, until, needs)
    if needs.volume_spans is not None:
        return _counted(conn, where, params, since, until, needs)
    if needs.spans is not None:
        return _spans(conn, where, params, since, until, needs.spans, needs.spans_by)
    window_msgs: list[MessageFact] = []
    if needs.window_messages:
        window_msgs = [MessageFact._make(r) for r in conn.execute(
            "SELECT conversation_id, id, direction, date FROM messages"
            " WHERE date >= ? AND date < ?", (since, until))]
    convs = _conversations(conn, where, params, until,
                           {m.conversation_id for m in window_msgs}, False, None)
    in_scope = {c.id for c in convs}
    messages = [m for m in window_msgs if m.conversation_id in in_scope]
    sent_by = _authors(conn, messages) if needs.authors else {}
    return ReportData(tuple(convs), tuple(messages), (), sent_by)


_BREAKDOWN: dict[str | None, tuple[str, str]] = {
    # breakdown: (the value, a join it needs), over the conversation `{c}`
    None: ("NULL", ""),
    "mailbox": ("{c}.mailbox", ""),
    "channel": ("{c}.channel", ""),
    "tag": ("t.tag", " LEFT JOIN conversation_tags t ON t.conversation_id = {c}.id"),
    "intent": (("CASE WHEN m.direction = 'in' THEN m.intent ELSE (SELECT p.intent FROM"
                " messages p WHERE p.conversation_id = m.conversation_id"
                " AND p.direction = 'in' AND p.intent IS NOT NULL AND p.date <= m.date"
                " ORDER BY p.date DESC, p.id DESC LIMIT 1) END"), ""),
}
"""What a report `--by X` counts a fact under: the conversation's attributes now, and for
volume (the one report by intent) a message's intent: what triage read in it, or for a
reply what it read in the patient's latest assessed message before it (the request it
answered). Who counts `--by staff` is each report's own (`_breakdown`)."""


def _breakdown(by: str | None, conv: str,
               staff: tuple[str, str, str] = ("NULL", "", "")) -> tuple[str, str, str]:
    """(the value, a join it needs, a condition it adds) for `--by by` in a query whose
    conversation (or scope row with its id, mailbox and channel) is `conv`; `staff` is that
    triple for `--by staff`."""
    if by == "staff":
        return staff
    value, join = _BREAKDOWN[by]
    return value.format(c=conv), join.format(c=conv), ""


_AUTHOR: tuple[str, str, str] = ("a.author", " LEFT JOIN report_authors a ON a.message_pk = m.id",
                                 " AND m.direction = 'out'")
"""Volume by staff: who wrote each reply we sent (replies only)."""


def _counted(conn: sqlite3.Connection, where: str, params: Sequence[object], since: int,
             until: int, needs: Needs) -> ReportData:
    """Volume: the window's messages counted per local day in SQL (a year is ~10^5-10^6
    messages; the counts are a few thousand rows), once in total and once per breakdown
    value when there is one, and the patients' ones per local hour of the week."""
    scope = ("SELECT c.id, c.mailbox, c.channel FROM conversations c"
             f" WHERE c.merged_into IS NULL AND c.created_at < ? AND ({where})")
    out: list[VolumeCount] = []
    heat: dict[int, int] = {}
    by = needs.volume_by
    # one value per message: the totals are the sum of the breakdown's counts
    single = by in ("mailbox", "channel", "intent")
    keys = [by] if single else [None] if by is None else [None, by]
    for lo, hi, offset in needs.volume_spans or ():
        for key_of in keys:
            value, join, extra = _breakdown(key_of, "s", _AUTHOR)
            out.extend(VolumeCount(int(day), str(direction), key_of,
                                   None if key is None else str(key), int(n))
                       for day, direction, key, n in conn.execute(
                f"SELECT (m.date + ?) / 86400, m.direction, {value}, count(*)"
                f" FROM messages m JOIN ({scope}) s ON s.id = m.conversation_id{join}"
                f" WHERE m.date >= ? AND m.date < ?{extra} GROUP BY 1, 2, 3",
                [offset, until, *params, lo, hi]))
        if needs.heatmap:
            for hour, n in conn.execute(
                    f"SELECT (m.date + ?) / 3600, count(*) FROM messages m"
                    f" JOIN ({scope}) s ON s.id = m.conversation_id"
                    " WHERE m.date >= ? AND m.date < ? AND m.direction = 'in' GROUP BY 1",
                    [offset, until, *params, lo, hi]):
                heat[int(hour) % 168] = heat.get(int(hour) % 168, 0) + int(n)
    if single:
        totals: dict[tuple[int, str], int] = {}
        for v in out:
            totals[(v.day, v.direction)] = totals.get((v.day, v.direction), 0) + v.messages
        out.extend(VolumeCount(day, direction, None, None, n)
                   for (day, direction), n in totals.items())
    return ReportData((), (), (), {}, volume=tuple(out), heat=tuple(sorted(heat.items())))


def _held(since: int, until: int, statuses: str) -> str:
    """The status spans (migration 22) in the backlog's statuses that overlap `since` to
    `until` (the window, or for the ages its end alone),
    each cut by the assignee spans (migration 24) of its conversation into the parts one
    person (or nobody) held it: spans of the same shape, with the assignee beside."""
    return ("(SELECT s.conversation_id, s.status, s.live, a.assignee,"
            " CASE WHEN a.start_at > s.start_at THEN a.start_at ELSE s.start_at END"
            " AS start_at,"
            " CASE WHEN s.end_at IS NULL THEN a.end_at"
            " WHEN a.end_at IS NULL OR s.end_at < a.end_at THEN s.end_at ELSE a.end_at END"
            " AS end_at"
            " FROM report_spans s JOIN report_assignees a"
            " ON a.conversation_id = s.conversation_id"
            " AND (s.end_at IS NULL OR a.start_at < s.end_at)"
            " AND (a.end_at IS NULL OR a.end_at > s.start_at)"
            f" WHERE s.live = 1 AND s.status IN ({statuses}) AND s.start_at < {int(until)}"
            f" AND (s.end_at IS NULL OR s.end_at >= {int(since)})"
            f" AND a.start_at < {int(until)} AND (a.end_at IS NULL OR a.end_at >= {int(since)}))")


def _day_sql(column: str, pieces: Sequence[tuple[int, int, int]]) -> str:
    """SQL for the local day number of the instant `column` (inside the window's pieces,
    whose UTC offsets are constant; before the first or after the last, theirs)."""
    cases = " ".join(f"WHEN {column} < {int(hi)} THEN ({column} + {int(off)}) / 86400"
                     for _lo, hi, off in pieces[:-1])
    last = f"({column} + {int(pieces[-1][2])}) / 86400"
    return f"CASE {cases} ELSE {last} END" if cases else last


def _spans(conn: sqlite3.Connection, where: str, params: Sequence[object], since: int,
           until: int, pieces: Sequence[tuple[int, int, int]],
           by: str | None) -> ReportData:
    """Backlog: the kept status spans (migration 22; by staff, cut by the assignee spans of
    migration 24) of the live conversations in scope counted in one pass: each span open,
    pending or snoozed at the end of the local days `first`..`last` (the state at an instant `b` is the span with start < b <= end, in a
    conversation created before `b`), and those at the window's end by age."""
    first = (since + pieces[0][2]) // 86400
    last = (until - 1 + pieces[-1][2]) // 86400
    began = "CASE WHEN s.start_at > c.created_at THEN s.start_at ELSE c.created_at END"
    statuses = ", ".join(f"'{s}'" for s in BACKLOG_STATUSES)
    scope = (" FROM {source} s JOIN conversations c ON c.id = s.conversation_id{join}"
             " WHERE c.merged_into IS NULL AND c.created_at < ? AND s.start_at < ?"
             f" AND s.live = 1 AND s.status IN ({statuses}) AND ({where})")
    ages = " ".join(f"WHEN ? - c.created_at < {int(bound)} THEN {n}"
                    for n, (_label, bound) in enumerate(AGE_BUCKETS) if bound is not None)
    keys = [None] if by is None else [by] if by != "tag" else [None, by]
    counts: list[SpanCount] = []
    aged: list[AgeCount] = []
    for key_of in keys:
        value, join, _ = _breakdown(key_of, "c", ("s.assignee", "", ""))
        total = key_of is None
        source = _held(since, until, statuses) if key_of == "staff" else "report_spans"
        at_end = _held(until, until, statuses) if key_of == "staff" else "report_spans"
        counts.extend(SpanCount(int(a), int(z), str(status), total,
                                None if key is None else str(key), int(n))
                      for a, z, status, key, n in conn.execute(
            f"SELECT CASE WHEN {began} < ? THEN {first} ELSE {_day_sql(began, pieces)} END,"
            f" CASE WHEN s.end_at IS NULL OR s.end_at >= ? THEN {last}"
            f" ELSE {_day_sql('s.end_at', pieces)} - 1 END, s.status, {value}, count(*)"
            f"{scope.format(source=source, join=join)} AND (s.end_at IS NULL OR s.end_at > ?)"
            " GROUP BY 1, 2, 3, 4", [since, until, until, until, *params, since]))
        aged.extend(AgeCount(int(bucket), total, None if key is None else str(key), int(n))
                    for bucket, key, n in conn.execute(
            f"SELECT CASE {ages} ELSE {len(AGE_BUCKETS) - 1} END, {value}, count(*)"
            f"{scope.format(source=at_end, join=join)} AND {began} < ?"
            " AND (s.end_at IS NULL OR s.end_at >= ?)"
            " GROUP BY 1, 2",
            [*(until for _label, bound in AGE_BUCKETS if bound is not None), until, until,
             *params, until, until]))
    if by in ("mailbox", "channel", "staff"):  # one value per conversation (at an instant):
        # totals are the sums
        sums: dict[tuple[int, int, str], int] = {}
        for c in counts:
            sums[(c.first, c.last, c.status)] = sums.get((c.first, c.last, c.status),
                                                        0) + c.conversations
        counts.extend(SpanCount(a, z, status, True, None, n)
                      for (a, z, status), n in sums.items())
        bucket_sums: dict[int, int] = {}
        for g in aged:
            bucket_sums[g.bucket] = bucket_sums.get(g.bucket, 0) + g.conversations
        aged.extend(AgeCount(b, True, None, n) for b, n in bucket_sums.items())
    return ReportData((), (), (), {}, backlog=tuple(counts), ages=tuple(aged))


def _kept(conn: sqlite3.Connection, where: str, params: Sequence[object], since: int,
          until: int, needs: Needs) -> ReportData:
    """Response, SLA and workload: the kept intervals (store/report_facts.py) of the
    conversations in scope, their pauses, and (workload) the staff events counted."""
    judged: tuple[JudgedCount, ...] | None = None
    late: tuple[LateFact, ...] = ()
    settled_sql = None
    if needs.sla_targets is not None and needs.calendar_keys is not None:
        settled_sql = _settled_sql(needs.calendar_keys, until, "report_intervals",
                                   "(SELECT c.sla_policy FROM conversations c"
                                   " WHERE c.id = report_intervals.conversation_id)")
        judged, late = _judge(conn, where, params, since, until, needs)
    raw = facts.intervals_in(conn, since, until, running=needs.running,
                             quiet_floor=needs.quiet_floor, answered=needs.answered,
                             leave_out=settled_sql)
    convs = _conversations(conn, where, params, until, {r.conversation_id for r in raw},
                           False, None, tags=needs.conversation_tags)
    in_scope = {c.id for c in convs}
    kept = tuple(r for r in raw if r.conversation_id in in_scope)
    work = None
    if needs.window_events:
        work = tuple(facts.work_counts(conn, since, until, needs.work_spans,
                                       _work_scope(conn, where, params, until)))
    paused = _measured(kept, convs, until, needs.calendar_keys)
    return ReportData(tuple(convs), (), (), {}, (), kept,
                      dict(facts.pauses_of(conn, paused,
                                           min((r.start for r in kept
                                                if r.conversation_id in paused),
                                               default=since))),
                      work, judged=judged, late=late)


def _work_scope(conn: sqlite3.Connection, where: str, params: Sequence[object],
                until: int) -> tuple[set[int], bool]:
    """The conversations whose staff events workload counts (the live ones in scope and
    those merged, at any depth, into one of them) as the shorter list: (ids, False) those,
    or (ids, True) every other conversation. A whole desk's report leaves out next to
    nothing, so it reads only the few conversations it leaves out, never 10^5 ids."""
    inside = f"c.merged_into IS NULL AND c.created_at < ? AND ({where})"
    outside = {int(r[0]) for r in conn.execute(
        f"SELECT c.id FROM conversations c WHERE CASE WHEN {inside} THEN 0 ELSE 1 END = 1",
        [until, *params])}
    total = int(conn.execute("SELECT count(*) FROM conversations").fetchone()[0])
    roots = facts.survivors(conn)
    if 2 * len(outside) <= total:
        return {cid for cid in outside
                if not (cid in roots and roots[cid] not in outside)}, True
    live = {int(r[0]) for r in conn.execute(
        f"SELECT c.id FROM conversations c WHERE {inside}", [until, *params])}
    return live | {cid for cid, root in roots.items() if root in live}, False


def _lit(text: str) -> str:
    """A string as an SQL literal (config names and calendar keys, never user input)."""
    return "'" + text.replace("'", "''") + "'"


def _settled_sql(calendar_keys: tuple[tuple[str, str], ...], until: int, table: str,
                 policy: str) -> str:
    """SQL true for an interval row of `table` whose business time is kept for its
    conversation's calendar (`policy`: SQL for its SLA policy) and holds for a report
    ending at `until` (domain/reports.py `intervals_until` reads it instead of measuring)."""
    keys = dict(calendar_keys)
    cases = " ".join(f"WHEN {_lit(name)} THEN {_lit(key)}" for name, key in calendar_keys
                     if name)
    key_of = (f"CASE {policy} {cases} ELSE {_lit(keys.get('', ''))} END" if cases
              else _lit(keys.get("", "")))
    return (f"{table}.business_s IS NOT NULL AND {table}.settled_at < {int(until)}"
            f" AND {table}.calendar = {key_of}")


def _judge(conn: sqlite3.Connection, where: str, params: Sequence[object], since: int,
           until: int, needs: Needs) -> tuple[tuple[JudgedCount, ...], tuple[LateFact, ...]]:
    """SLA: the intervals of the conversations in scope that ended in the window with a
    business time kept for their calendar and settled by its end, judged against their
    policy's target in SQL: counted met or late per policy, kind, local day and breakdown
    value, and the late ones listed (a year is ~10^5 intervals, ~10^2-10^4 late)."""
    assert needs.sla_targets is not None and needs.calendar_keys is not None
    target = ("CASE " + " ".join(
        f"WHEN c.sla_policy = {_lit(p)} AND r.kind = {_lit(k)} THEN {int(t)}"
        for p, k, t in needs.sla_targets) + " END") if needs.sla_targets else "NULL"
    scope = (f" FROM report_intervals r JOIN conversations c ON c.id = r.conversation_id{{join}}"
             " WHERE r.end_at >= ? AND r.end_at < ? AND r.dropped = 0"
             f" AND {_settled_sql(needs.calendar_keys, until, 'r', 'c.sla_policy')}"
             f" AND c.merged_into IS NULL AND c.created_at < ? AND ({where})"
             f" AND {target} IS NOT NULL")
    args = [since, until, until, *params]
    day = _day_sql("r.end_at", needs.judge_spans) if needs.judge_spans else "NULL"
    by = needs.judge_by
    runs = [(None, "both" if by is None else "all"), (by, "value")] if by == "tag" \
        else [(by, "both")]
    counts: list[JudgedCount] = []
    for key_of, groups in runs:
        value, join, _ = _breakdown(key_of, "c", ("r.staff", "", ""))
        counts.extend(JudgedCount(str(policy), kind, bool(met),
                                  None if d is None else int(d),
                                  None if key is None else str(key), groups, int(n))
                      for policy, kind, met, d, key, n in conn.execute(
            f"SELECT c.sla_policy, r.kind, CASE WHEN r.business_s <= {target} THEN 1 ELSE 0"
            f" END, {day}, {value}, count(*){scope.format(join=join)} GROUP BY 1, 2, 3, 4, 5",
            args))
    late = tuple(LateFact(int(r[0]), str(r[1]), r[2], int(r[3]), int(r[4]), int(r[5]),
                          int(r[6]), None if r[7] is None else str(r[7]))
                 for r in conn.execute(
        "SELECT r.conversation_id, c.sla_policy, r.kind, r.start_at, r.end_at, r.business_s,"
        f" {target}, r.staff{scope.format(join='')} AND r.business_s > {target}", args))
    return tuple(counts), late


def _measured(kept: Sequence[RawInterval], convs: Sequence[ConvFacts], until: int,
              calendar_keys: tuple[tuple[str, str], ...] | None) -> set[int]:
    """The conversations whose pauses the report needs: those with an interval it measures
    rather than reads (domain/reports.py `intervals_until`): still running at `until`, or
    ended without a business time kept for the conversation's calendar and settled by
    then. A dropped wait that ended before `until` is not counted at all."""
    if calendar_keys is None:
        return {r.conversation_id for r in kept}
    keys = dict(calendar_keys)
    key_of = {c.id: keys.get(c.policy or "", keys.get("")) for c in convs}
    return {r.conversation_id for r in kept
            if r.end is None or r.end >= until or (not r.dropped and (
                r.business_s is None or r.settled_at is None or r.settled_at >= until
                or r.calendar != key_of.get(r.conversation_id)))}


def _tagged(conn: sqlite3.Connection, where: str, params: Sequence[object], until: int,
            tag: str) -> ReportData:
    """Conversations carrying `tag` (few: red flags), with all their messages and events."""
    convs = _conversations(conn, where, params, until, set(), False, tag)
    ids = [c.id for c in convs]
    changes: list[ChangeFact] = []
    for start in range(0, len(ids), _CHUNK):
        targets = [f"conversation:{i}" for i in ids[start:start + _CHUNK]]
        changes.extend(_changes(conn.execute(
            f"SELECT {_in_dialect(conn, _EVENT_COLUMNS)} FROM events WHERE target IN"
            f" ({','.join('?' * len(targets))})", targets)))
    changes.sort(key=lambda c: c.seq)
    return ReportData(tuple(convs), tuple(_messages_of(conn, set(ids), until)),
                      tuple(changes), {})


def _conversations(conn: sqlite3.Connection, where: str, params: Sequence[object], until: int,
                   wanted: set[int], everyone_open: bool,
                   tagged: str | None, tags: bool = True) -> list[ConvFacts]:
    """Scope ∩ (wanted ∪ not closed now, when asked ∪ carrying `tagged`); without `tags`,
    the conversations' tags are not read (left empty)."""
    terms: list[str] = []
    args: list[object] = []
    if wanted:
        terms.append(f"c.id IN ({dialect_of(conn).json_ids})")
        args.append(_json_ids(wanted))
    if everyone_open:
        terms.append("c.status != 'closed'")
    if tagged is not None:
        terms.append("c.id IN (SELECT conversation_id FROM conversation_tags WHERE tag = ?)")
        args.append(tagged)
    if not terms:
        return []
    rows = conn.execute(
        "SELECT c.id, c.created_at, c.channel, c.mailbox, c.status, c.assignee, c.sla_policy,"
        " c.intent"
        " FROM conversations c WHERE c.merged_into IS NULL AND c.created_at < ?"
        f" AND ({where}) AND ({' OR '.join(terms)})", [until, *params, *args]).fetchall()
    ids = [int(r[0]) for r in rows]
    kept_tags = _tags(conn, ids) if tags else {}
    return [ConvFacts(int(r[0]), int(r[1]), str(r[2]), str(r[3]), str(r[4]),
                      None if r[5] is None else str(r[5]), None if r[6] is None else str(r[6]),
                      tuple(kept_tags.get(int(r[0]), ())), None if r[7] is None else str(r[7]))
            for r in rows]


def _json_ids(ids: Iterable[int]) -> str:
    return "[" + ",".join(str(i) for i in sorted(ids)) + "]"


def _tags(conn: sqlite3.Connection, ids: list[int]) -> dict[int, list[str]]:
    out: dict[int, list[str]] = {}
    if len(ids) > _PROBE_MOST:
        wanted = set(ids)
        for conv, tag in conn.execute("SELECT conversation_id, tag FROM conversation_tags"):
            if conv in wanted:
                out.setdefault(conv, []).append(tag)
    else:
        for conv, tag in conn.execute(
                "SELECT conversation_id, tag FROM conversation_tags WHERE conversation_id"
                f" IN ({dialect_of(conn).json_ids})", (_json_ids(ids),)):
            out.setdefault(conv, []).append(tag)
    for values in out.values():
        values.sort()
    return out


def _messages_of(conn: sqlite3.Connection, ids: set[int], until: int) -> list[MessageFact]:
    """Messages before `until` of these (few) conversations, oldest first (ties in one
    second in no promised order: the arithmetic orders them by id itself)."""
    return [MessageFact._make(r) for r in conn.execute(
        "SELECT conversation_id, id, direction, date FROM messages"
        f" WHERE conversation_id IN ({dialect_of(conn).json_ids}) AND date < ?"
        " ORDER BY date, id", (_json_ids(ids), until))]


def _authors(conn: sqlite3.Connection, messages: Sequence[MessageFact]) -> dict[int, str]:
    """Who wrote each reply we sent (kept from the outbox's `outbox.sent` events by
    migration 19); replies that came in through the Sent folder have no author here."""
    outbound = [m.id for m in messages if m.direction == "out"]
    if not outbound:
        return {}
    if len(outbound) > _PROBE_MOST:
        wanted = set(outbound)
        return {int(m): str(a) for m, a in conn.execute(
            "SELECT message_pk, author FROM report_authors") if m in wanted}
    out: dict[int, str] = {}
    for start in range(0, len(outbound), _CHUNK):
        part = outbound[start:start + _CHUNK]
        out.update((int(m), str(a)) for m, a in conn.execute(
            "SELECT message_pk, author FROM report_authors WHERE message_pk IN"
            f" ({','.join('?' * len(part))})", part))
    return out
