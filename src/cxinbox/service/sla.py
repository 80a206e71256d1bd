"""Applying the SLA engine to stored conversations.

Due times depend only on a conversation's facts (times of messages, status, pauses), not
on the clock, so they are computed when facts change and stored; the list and `sla:`
queries then need no calendar maths, and the TUI ticks countdowns from the stored
instants with `state_at` in O(1).
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Final, Protocol, cast
from zoneinfo import ZoneInfo

from cxinbox.config import Config, SlaPolicyConfig
from cxinbox.domain.query import QueryContext, parse_query
from cxinbox.domain.sla import (
    PAUSING_STATUSES,
    BusinessCalendar,
    SlaFacts,
    SlaPolicy,
    SlaStatus,
    SlaTarget,
    evaluate,
    state_at,
)
from cxinbox.store.interface import Store, StoreTx
from cxinbox.store.records import SlaFactsRecord

_BATCH = 2000

CONFIG_TARGET: Final = "sla:config"
"""The audit target of `sla.recomputed` events, whose details keep the key of the SLA config
the stored due times were computed with (SlaService.recompute_if_changed)."""


def sla_config_key(config: Config) -> str:
    """A short digest of everything a stored due time depends on in the config: calendars,
    policies, the red-flag policy and the clinic's time zone (the calendars' default)."""
    spec = {"calendars": {name: dict(c) for name, c in config.sla.calendars.items()},
            "policies": [dataclasses.asdict(p) for p in config.sla.policies],
            "red_flag_policy": config.triage.red_flag_policy,
            "timezone": config.clinic.timezone}
    text = json.dumps(spec, sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def _key_of(details: str) -> str | None:
    try:
        found = json.loads(details).get("key")
    except (ValueError, AttributeError):
        return None
    return found if isinstance(found, str) else None


def _dt(epoch: int | None) -> datetime | None:
    return datetime.fromtimestamp(epoch, UTC) if epoch else None


def _epoch(value: datetime | None) -> int | None:
    return int(value.timestamp()) if value is not None else None


class Paused(Protocol):
    """What counting a conversation's SLA pause reads (any record that has these)."""

    @property
    def sla_policy(self) -> str | None: ...
    @property
    def sla_paused_s(self) -> int: ...
    @property
    def sla_paused_since(self) -> int | None: ...
    @property
    def sla_pause_end(self) -> int | None: ...


class Stored(Protocol):
    """What the SLA status of a stored conversation is read from."""

    @property
    def status(self) -> str: ...
    @property
    def sla_policy(self) -> str | None: ...
    @property
    def sla_target(self) -> str | None: ...
    @property
    def sla_due_at(self) -> int | None: ...
    @property
    def sla_at_risk_at(self) -> int | None: ...


@dataclass(frozen=True, slots=True)
class _Policy:
    config: SlaPolicyConfig
    policy: SlaPolicy


class SlaService:
    """The configured policies, ready to evaluate and to compile into `sla:` queries."""

    def __init__(self, config: Config, store: Store) -> None:
        self.store = store
        self.tz = ZoneInfo(config.clinic.timezone)
        calendars = {
            name: BusinessCalendar.from_spec(spec, where=f"sla.calendars.{name}",
                                             default_tz=self.tz)
            for name, spec in config.sla.calendars.items()
        }
        self.policies = [
            _Policy(pc, SlaPolicy(
                name=pc.name, first_response_s=pc.first_response_s,
                next_response_s=pc.next_response_s, resolution_s=pc.resolution_s,
                calendar=calendars[pc.calendar] if pc.calendar else BusinessCalendar.always(self.tz),
                at_risk_fraction=pc.at_risk_fraction))
            for pc in config.sla.policies
        ]
        self._config = config
        self._by_name = {p.config.name: p for p in self.policies}
        self._flag_policy = config.triage.red_flag_policy
        urgent = self._by_name.get(config.triage.red_flag_policy)
        if urgent is not None:
            # [triage] red_flag_policy covers an open red flag before any other policy's match.
            self.policies.insert(0, _Policy(replace(urgent.config, match="red-flag:any"),
                                            urgent.policy))

    @property
    def enabled(self) -> bool:
        return bool(self.policies)

    def recompute_if_changed(self, tx: StoreTx) -> int | None:
        """After a change of calendars or policies (found by their key, kept in the audit
        trail under CONFIG_TARGET): mark every conversation that is not closed for a fresh
        evaluation (the next refresh stores its due times under today's config), audit it
        as `sla.recomputed`, and return how many; None when nothing changed. Due times are
        stored (module docstring), so without this an edited calendar would only move a
        conversation's due time at its next change of facts."""
        key = sla_config_key(self._config)
        last = tx.find_events(target=CONFIG_TARGET, limit=1)
        before = _key_of(last[0].details) if last else None
        if before == key:
            return None
        ctx = QueryContext(me="", now=datetime.now(UTC), tz=self.tz)
        ids = tx.matching_ids(self.store.select(parse_query("-status:closed"), ctx, sla=False))
        if ids:
            tx.update_state_many(["sla_dirty"], [(1, conv_id) for conv_id in ids])
        tx.append_event("system", "sla.recomputed", CONFIG_TARGET,
                        {"key": key, "previous": before, "conversations": len(ids)})
        return len(ids)

    def calendar_for(self, policy_name: str | None) -> BusinessCalendar | None:
        p = self._by_name.get(policy_name or "")
        return p.policy.calendar if p else None

    # -- recomputation ---------------------------------------------------------------------

    def paused_business_s(self, policy: str | None, since: int, until: int) -> int:
        """Paused time counts in the policy's business calendar, like the targets do."""
        calendar = self.calendar_for(policy)
        if calendar is None:
            return max(0, until - since)
        return calendar.business_seconds_between(datetime.fromtimestamp(since, UTC),
                                                 datetime.fromtimestamp(until, UTC))

    def settled_pause(self, row: Paused, now: int) -> int:
        """Paused business seconds of `row` once a pause that ended outside the service
        (`sla_pause_end`, e.g. a patient reply during sync) is counted."""
        paused_s = int(row.sla_paused_s)
        since = row.sla_paused_since
        if since is None:
            return paused_s
        end = row.sla_pause_end if row.sla_pause_end is not None else now
        return paused_s + self.paused_business_s(row.sla_policy, int(since), int(end))

    def settle_pauses(self, tx: StoreTx, now: datetime) -> int:
        """Count every pause that ended without the service (caller's transaction)."""
        rows = tx.unsettled_pauses()
        ts = int(now.timestamp())
        tx.settle_pauses([(self.settled_pause(r, ts), r.id) for r in rows])
        return len(rows)

    def refresh_dirty(self, tx: StoreTx, now: datetime) -> int:
        """Recompute due times of every conversation whose facts changed (caller's txn)."""
        self.settle_pauses(tx, now)
        total = 0
        while True:
            rows = tx.sla_dirty_rows(_BATCH)
            if not rows:
                return total
            total += len(rows)
            tx.store_sla(self._evaluate_rows(tx, rows, now))

    def _evaluate_rows(self, tx: StoreTx, rows: list[SlaFactsRecord],
                       now: datetime) -> list[tuple[str | None, str | None, int | None,
                                                     int | None, int]]:
        remaining = {r.id: r for r in rows}
        out: list[tuple[str | None, str | None, int | None, int | None, int]] = []
        ctx = QueryContext(me="", now=now, tz=self.tz)
        for conv_id, name in tx.sla_pins(list(remaining)).items():  # applied by a rule
            pinned = self._by_name.get(name)
            if pinned is not None:
                row = remaining.pop(conv_id)
                status = evaluate(pinned.policy, self._facts_under(tx, name, row), now)
                out.append((name, status.target, _epoch(status.due_at),
                            _epoch(status.at_risk_at), conv_id))
        for p in self.policies:
            if not remaining:
                break
            selection = self.store.select(parse_query(p.config.match), ctx, sla=False)
            for conv_id in tx.ids_matching(list(remaining), selection):
                row = remaining.pop(conv_id)
                status = evaluate(p.policy, self._facts_under(tx, p.config.name, row), now)
                out.append((p.config.name, status.target, _epoch(status.due_at),
                            _epoch(status.at_risk_at), conv_id))
        out.extend((None, None, None, None, conv_id) for conv_id in remaining)
        return out

    def _facts_under(self, tx: StoreTx, policy: str, row: SlaFactsRecord) -> SlaFacts:
        """The facts `policy` is evaluated on: the conversation's own, except for the red-flag
        policy while a flag is open (`_flag_facts`)."""
        if policy == self._flag_policy:
            state = tx.red_flag_state(row.id)
            if state is not None and state.is_open and state.raised_at:
                return self._flag_facts(row, int(state.raised_at))
        return self._facts(row)

    @staticmethod
    def _flag_facts(row: SlaFactsRecord, raised: int) -> SlaFacts:
        """An open red flag's clock runs from when it was RAISED, not from the conversation's
        first message: a reply that raises it (even on a conversation answered long ago)
        starts a fresh first-response target, due at the raise plus the policy's target, and
        only a staff reply sent after the raise answers it. Pauses before the raise do not
        stretch it (an open flag is not paused by agents or rules, service/inbox.py)."""
        # strictly after: a reply stamped in the raise's own second was written before it
        answered = row.last_response_at if row.last_response_at and \
            row.last_response_at > raised else None
        since = row.sla_paused_since
        return SlaFacts(
            created_at=datetime.fromtimestamp(raised, UTC),
            last_inbound_at=_dt(row.last_inbound_at),
            first_response_at=_dt(answered),
            last_response_at=_dt(answered),
            status=row.status,
            paused_business_s=0,
            paused_since=_dt(max(since, raised)) if since else None,
        )

    @staticmethod
    def _facts(row: SlaFactsRecord) -> SlaFacts:
        created = int(row.created_at)
        inbound = row.last_inbound_at
        first = inbound if inbound and inbound < created else created
        return SlaFacts(
            created_at=datetime.fromtimestamp(first, UTC),
            last_inbound_at=_dt(row.last_inbound_at),
            first_response_at=_dt(row.first_response_at),
            last_response_at=_dt(row.last_response_at),
            status=row.status,
            paused_business_s=row.sla_paused_s,
            paused_since=_dt(row.sla_paused_since),
        )

    # -- reading ---------------------------------------------------------------------------

    @staticmethod
    def status_of(row: Stored, now: datetime) -> SlaStatus:
        """The SLA status of a stored conversation at `now`, from its stored instants."""
        if row.sla_policy is None or row.status == "closed":
            return SlaStatus(None, "none", None, None, None)
        if row.status in PAUSING_STATUSES:
            return SlaStatus(cast(SlaTarget | None, row.sla_target), "paused", None, None,
                             None)
        due = _dt(row.sla_due_at)
        if due is None:
            return SlaStatus(None, "none", None, None, None)
        status = SlaStatus(cast(SlaTarget | None, row.sla_target), "ok", due,
                           _dt(row.sla_at_risk_at), None)
        return SlaStatus(status.target, state_at(status, now), status.due_at, status.at_risk_at,
                         None)
