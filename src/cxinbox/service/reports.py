"""Running a report for one person: scope, access, and the audit record of the run.

The figures come from domain/report_tables.py over one snapshot read by store/reports.py.
Agents see their own figures and the team's totals; supervisors and admins see everyone.
Every run is audited as a read (`report.run`): the report, the window, how many rows, and
the conversations it listed by id (breaches, red-flag cases) — never the query's text.
"""

from __future__ import annotations

import time
from collections import defaultdict
from dataclasses import replace
from datetime import datetime
from typing import Final
from zoneinfo import ZoneInfo

from cxinbox.contract.errors import BadRequest
from cxinbox.contract.report_types import Report
from cxinbox.domain import report_tables as tables
from cxinbox.domain.report_tables import (
    ALL,
    DIMENSIONS,
    HEATMAP,
    PERIODS,
    REPORTS,
    Dataset,
    Options,
    ReportTable,
)
from cxinbox.domain.reports import (
    ChangeFact,
    ConvFacts,
    KeptBusiness,
    MessageFact,
    PolicyTargets,
    Unit,
    Window,
    calendar_key,
    is_staff,
    offset_spans,
)
from cxinbox.domain.sanitize import clean_line
from cxinbox.domain.sla import BusinessCalendar
from cxinbox.service.inbox import PRIVILEGED_ROLES, InboxService
from cxinbox.store.records import Needs

DEFAULT_SPAN_S: Final = 30 * 86400
MAX_SPAN_S: Final = 3 * 366 * 86400
OTHER_STAFF: Final = "(colleague)"

_ALLOWED: Final[dict[str, tuple[bool, frozenset[str]]]] = {
    # report: (a period and a dimension together?, dimensions allowed)
    "volume": (True, frozenset(DIMENSIONS)),
    "response": (True, frozenset(DIMENSIONS) - {"intent"}),
    "sla": (True, frozenset(DIMENSIONS) - {"intent"}),
    "backlog": (True, frozenset(DIMENSIONS) - {"intent"}),
    "workload": (True, frozenset({"staff"})),
    "red-flags": (False, frozenset()),
    "csat": (False, frozenset({"staff", "mailbox", "channel"})),
}


def parse_by(report: str, by: list[str] | None) -> Options:
    """`--by` values as options for `report`; BadRequest names what does not fit."""
    together, dims = _ALLOWED[report]
    heatmap = HEATMAP in (by or ())
    if heatmap and report != "volume":
        raise BadRequest("only report volume has a heatmap")
    by = [b for b in by or () if b != HEATMAP]
    units = [b for b in by if b in PERIODS]
    others = [b for b in by if b not in PERIODS]
    for b in others:
        if b not in dims:
            raise BadRequest(f"report {report} cannot be broken down --by {b}"
                             + (f" (try {', '.join(sorted(dims) + list(PERIODS))})"
                                if dims else ""))
    if report == "red-flags" and units:
        raise BadRequest("report red-flags lists every case; it takes no --by")
    if len(units) > 1 or len(others) > 1 or (units and others and not together):
        raise BadRequest(f"report {report} takes "
                         + ("one period (day or week) and one other --by" if together
                            else "one --by"))
    unit: Unit | None = "week" if units == ["week"] else "day" if units else None
    dimension = None if report == "workload" else (others[0] if others else None)
    return Options(unit, dimension, heatmap)


class ReportService:
    def __init__(self, inbox: InboxService) -> None:
        self.inbox = inbox
        self.tz = ZoneInfo(inbox.config.clinic.timezone)

    def run(self, report: str, query: str = "", start: int | None = None,
            end: int | None = None, by: list[str] | None = None) -> Report:
        built, listed = self.compute(report, query, start, end, by)
        self.inbox.record_read("report.run", f"report:{report}", {
            "report": report, "since": built.since, "until": built.until,
            "by": list(by or ()), "filtered": bool(query.strip()),
            "rows": {t.name: len(t.rows) for t in built.tables}, "conversations": listed})
        return built

    def compute(self, report: str, query: str = "", start: int | None = None,
                end: int | None = None, by: list[str] | None = None
                ) -> tuple[Report, list[int]]:
        """The report and the conversations it lists by id, not audited: `run` records
        one read per report, the digest one read for all the reports it is made of."""
        if report not in REPORTS:
            raise BadRequest(f"unknown report {clean_line(report, max_len=40)!r};"
                             f" one of {', '.join(REPORTS)}")
        opts = parse_by(report, by)
        until = int(time.time()) if end is None else end
        since = until - DEFAULT_SPAN_S if start is None else start
        if since >= until:
            raise BadRequest("--since must be before --until")
        if until - since > MAX_SPAN_S:
            raise BadRequest("a report covers at most three years; narrow --since/--until")
        if report == "csat":
            return self._csat(query, since, until, opts, list(by or ())), []
        if report != "volume":
            self._trail_covers(report, since)
        selection = self.inbox.selection(query)
        self.inbox.refresh_sla()
        needs = _needs(report, opts)
        if needs.intervals:
            self.refresh_facts()
            needs = replace(needs, calendar_keys=(
                ("", calendar_key(BusinessCalendar.always(self.tz))),
                *((name, calendar_key(p.calendar)) for name, p in self._policies().items())))
        if report == "sla" and needs.calendar_keys is not None:
            needs = replace(needs, sla_targets=tuple(
                (name, kind, seconds) for name, p in self._policies().items()
                for kind, seconds in p.targets.items()),
                judge_spans=(tuple(offset_spans(since, until, self.tz))
                             if opts.unit is not None else None),
                judge_by=opts.dimension)
        if needs.running:
            needs = replace(needs, quiet_floor=tables.quiet_floor(self._policies().values(),
                                                                  since))
        if needs.volume_spans is not None:
            needs = replace(needs, volume_spans=tuple(offset_spans(since, until, self.tz)),
                            volume_by=opts.dimension, heatmap=opts.heatmap)
        if needs.spans is not None:
            needs = replace(needs, spans=tuple(offset_spans(since, until, self.tz)),
                            spans_by=opts.dimension)
        if needs.window_events and opts.unit is not None:
            needs = replace(needs, work_spans=tuple(offset_spans(since, until, self.tz)))
        with self.inbox.store.reading() as tx:
            data = tx.report_data(selection, since, until, needs)
        ds = replace(self._dataset(data.conversations, data.messages, data.changes,
                                   data.sent_by, Window(since, until, self.tz)),
                     absorbed=data.absorbed, raw=data.intervals, pauses=data.pauses or {},
                     work=data.work, volume=data.volume, heat=data.heat,
                     spans=data.backlog, ages=data.ages, judged=data.judged,
                     late=data.late)
        if report == "workload":
            roster = [m.os_user for m in self.inbox.config.staff]
            built = tables.workload(ds, opts, roster)
        elif report == "red-flags":
            clinicians = [m.os_user for m in self.inbox.config.staff if m.clinical]
            built = tables.red_flags(ds, opts, frozenset(clinicians),
                                     now=self.inbox.store.now_ms() // 1000)
        else:
            built = tables.BUILDERS[report](ds, opts)
        if ds.kept:
            self._keep_business(ds.kept)
        if self.inbox.role not in PRIVILEGED_ROLES:
            built = [_for_agent(t, self.inbox.actor, opts) for t in built]
        listed = sorted({int(str(row[0])) for t in built if t.name in ("breaches", "red-flags")
                         for row in t.rows})
        return Report(report, since, until, self.tz.key, tuple(by or ()), tuple(built)), listed

    def _trail_covers(self, report: str, since: int) -> None:
        """Refuse a window that starts before the audit trail does. Every report but volume
        and csat counts the trail's events (the backlog through the spans they wrote), and
        once retention has released the oldest ones the log cannot say what happened before
        its first event; the spans kept from then would answer where a store rebuilt from
        the log (an upgrade's backfill, `store copy`) could not, so neither is read."""
        with self.inbox.store.reading() as tx:
            start = tx.trail_start()
            first = tx.event_stamp(start.seq) if start.seq > 1 else None
        if first is not None and since * 1000 < first.at:
            day = datetime.fromtimestamp(-(-first.at // 60_000) * 60, self.tz)
            raise BadRequest(f"report {report} cannot look before {day:%Y-%m-%d %H:%M}:"
                             " older audit events were released by retention; use a later"
                             " --since")

    def refresh_facts(self) -> int:
        """Bring the kept report facts up to date with the log (store/report_facts.py);
        cheap when nothing changed since the last report."""
        with self.inbox.store.reading() as tx:
            if not tx.report_facts_stale():
                return 0
        with self.inbox.store.writing() as tx:
            return tx.refresh_report_facts()

    def _keep_business(self, kept: list[KeptBusiness]) -> None:
        """Keep the business times this report measured, so the next one reads them
        (migration 21): the first report after a recompute pays for them once."""
        with self.inbox.store.writing() as tx:
            tx.keep_report_business(kept)

    def _csat(self, query: str, since: int, until: int, opts: Options,
              by: list[str]) -> Report:
        """The satisfaction answers given in the window (domain/csat_report.py)."""
        from cxinbox.domain.csat_report import CsatFact, csat_tables

        with self.inbox.store.reading() as tx:
            rows = tx.csat_ratings(since, until)
            asked = tx.csat_asked(since, until)
        if query.strip():
            keep = set(self.inbox.matching_ids(query))
            rows = [r for r in rows if r.conversation_id in keep]
        facts = [CsatFact(r.conversation_id, r.rating, r.rated_at, clean_line(r.staff),
                          clean_line(r.mailbox), r.channel) for r in rows]
        built = csat_tables(facts, asked, self.tz, unit=opts.unit, dimension=opts.dimension)
        if self.inbox.role not in PRIVILEGED_ROLES:
            built = [_for_agent(t, self.inbox.actor, opts) for t in built]
        return Report("csat", since, until, self.tz.key, tuple(by), tuple(built))

    def _dataset(self, convs: tuple[ConvFacts, ...], messages: tuple[MessageFact, ...],
                 changes: tuple[ChangeFact, ...], sent_by: dict[int, str],
                 window: Window) -> Dataset:
        per_msgs: dict[int, list[MessageFact]] = defaultdict(list)
        for m in messages:  # the store gives them oldest first
            per_msgs[m.conversation_id].append(m)
        per_changes: dict[int, list[ChangeFact]] = defaultdict(list)
        for c in changes:
            per_changes[c.conversation_id].append(c)
        return Dataset(window, {c.id: c for c in convs}, per_msgs, per_changes, sent_by,
                       self._policies(), BusinessCalendar.always(self.tz))

    def _policies(self) -> dict[str, PolicyTargets]:
        return {p.config.name: PolicyTargets(p.config.name, p.policy.calendar, {
            kind: seconds for kind, seconds in (
                ("first-response", p.policy.first_response_s),
                ("next-response", p.policy.next_response_s),
                ("resolution", p.policy.resolution_s)) if seconds is not None})
            for p in self.inbox.sla.policies}


def _needs(report: str, opts: Options) -> Needs:
    if report == "volume":
        return Needs(volume_spans=())  # the service fills in the window's offsets
    if report == "backlog":
        return Needs(spans=())  # the service fills in the window's offsets
    if report == "workload":
        return Needs(window_events=True, intervals=True, answered=True,
                     conversation_tags=False)
    if report == "red-flags":
        return Needs(tagged=tables.RED_FLAG_TAG)
    return Needs(intervals=True, running=report == "sla")


def _for_agent(table: ReportTable, me: str, opts: Options) -> ReportTable:
    """An agent's view: their own rows and the totals; colleagues' names blanked."""
    cols = table.columns
    rows = list(table.rows)
    if "staff" in cols and table.name == "workload":
        i = cols.index("staff")
        rows = [r for r in rows if r[i] in (me, "total")]
    elif "group" in cols and opts.dimension == "staff":
        i = cols.index("group")
        rows = [r for r in rows if r[i] in (ALL, me)]
    for name in ("staff", "actor", "clinician"):
        if name in cols and table.name != "workload":
            i = cols.index(name)
            rows = [(*r[:i], OTHER_STAFF if r[i] not in (None, me) and is_staff(str(r[i]))
                     else r[i], *r[i + 1:]) for r in rows]
    if table.name == "volume" and opts.dimension == "staff":
        keep = [i for i, c in enumerate(cols) if not c.startswith("out:") or c == f"out:{me}"]
        cols = tuple(cols[i] for i in keep)
        rows = [tuple(r[i] for i in keep) for r in rows]
    return replace(table, columns=cols, rows=tuple(rows))
