"""SLA escalation: tell people once when a conversation becomes at risk or breached.

`cxinbox serve` runs `SlaMonitor.run` on a thread. Each `check` brings stored due times up
to date, finds running SLAs that are at risk or breached now, and escalates those that have
not been escalated at that level for the same running target. What was escalated is stored
in the same transaction as the event (store/escalations.py), so a restart never repeats an
escalation and a crash never loses one. The event (actor "system", action "sla.at_risk" or
"sla.breached") is what the TUIs toast and ring the bell for; `notify_command` from the
config runs afterwards for pagers, chat hooks and the like.

Re-arming: the running target is identified by its name and the patient message that
started it (`last_inbound_at`) and, while a red flag is open, when the flag was raised
(store/escalations.py `arm_of`), so a new patient message, a change of target (first
response answered, resolution now running) or a new raise of a red flag (by the detector
or by a tag, after a clear too) escalates afresh, while a pause and resume of the same
target does not, nor does a clear bring back what was told before it.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Final

from cxinbox.config import Config
from cxinbox.contract.health_types import BACKLOG_ALERT as BACKLOG_ALERT  # noqa: PLC0414
from cxinbox.contract.team_types import Escalation
from cxinbox.contract.test_hooks import hook_seconds
from cxinbox.domain.sanitize import clean_line
from cxinbox.service import heartbeat
from cxinbox.service.inbox import SYSTEM_ACTOR, InboxService
from cxinbox.service.logsafe import fields, log_failure
from cxinbox.service.notify import run_notify
from cxinbox.service.rules import RuleEngine
from cxinbox.service.sla import SlaService
from cxinbox.store.fence import unfenced
from cxinbox.store.interface import Store, StoreTx
from cxinbox.store.records import EscalationCandidate, StoredEvent

log = logging.getLogger(__name__)

NOTIFY_TIMEOUT_S: Final = 10.0
"""A notify command that has not finished by then is killed (and logged)."""
TEST_TIMEOUT_ENV: Final = "CXINBOX_TEST_SLA_HOOK_TIMEOUT_S"
"""A test hook, not a setting: seconds the monitor's hooks may run instead of
NOTIFY_TIMEOUT_S, so a test can kill a server inside its hook on a busy machine."""

_LEVELS: Final = {1: "at-risk", 2: "breached"}
_ACTIONS: Final = {1: "sla.at_risk", 2: "sla.breached"}
HEARTBEAT: Final = "sla monitor"
"""Its name in service/heartbeat.py: each finished round is noted (the health report)."""

BACKLOG_TARGET = "sla:backlog"
# BACKLOG_ALERT (contract/health_types.py): a backlog page given up after MAX_PAGINGS.
"""The events' target of the backlog's escalation counts (`sla.backlog`), of the one
summary page about to go (`sla.backlog_paging`) and of the page gone (`sla.backlog_told`):
the summary still due is read from these, so it survives a restart."""
BACKLOG_PAGING = "sla.backlog_paging"
BACKLOG_TOLD = "sla.backlog_told"
MAX_PAGINGS: Final = 3
"""Pagings of one backlog page that did not end (the first and its resumes) before it is
told as given up: a hook that takes its server down with it does not page forever."""
PAGING_MARGIN_S: Final = 5.0
"""A paging's `until`: its hook's timeout and this, for the told write after it."""
_HOST: Final = socket.gethostname()


@dataclass(frozen=True, slots=True)
class _Owed:
    breached: int
    at_risk: int
    upto: int
    paging: int | None  # the first paging event no told ended, if any
    last: StoredEvent | None  # the newest such paging (its own seq when resumed)
    pagings: int


def _default_timeout() -> float:
    return hook_seconds(TEST_TIMEOUT_ENV, NOTIFY_TIMEOUT_S, high=3600, log=log)


def hook_timeout_s() -> float:
    """Seconds a paging hook may run (NOTIFY_TIMEOUT_S, or the tests' TEST_TIMEOUT_ENV)."""
    return _default_timeout()


def paging_marks(timeout_s: float, now_s: float) -> dict[str, object]:
    """What a paging event records of the process paging: its host, its pid and `until`
    (epoch ms), when its hook will have ended whatever happens (`pager_gone`)."""
    return {"host": _HOST, "pid": os.getpid(),
            "until": int(now_s * 1000) + int((timeout_s + PAGING_MARGIN_S) * 1000)}


def pager_gone(paging: dict[str, object], now_s: float) -> bool:
    """Whether the server a paging event names can no longer be in its hook: its
    `until` is past, or it was a process of this host that is no longer running (a
    server restarted after dying). A paging without them (written before they were
    recorded) counts as gone."""
    until = paging.get("until")
    if not isinstance(until, int) or now_s * 1000 >= until:
        return True
    pid = paging.get("pid")
    if paging.get("host") != _HOST or not isinstance(pid, int) or pid == os.getpid():
        return False  # this process's own paging is still running, or another host's
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except OSError:
        return False  # it exists (another user's process)
    return False


def audit_subject(row: EscalationCandidate) -> str:
    """What an escalation's event calls the conversation: a mail's subject line, but for
    a text "SMS from NAME" (or the number): an SMS conversation's title is the patient's
    first text, their words, which the audit trail (read by supervisors) does not keep."""
    if row.channel == "sms":
        who = clean_line(row.from_name, max_len=80) or clean_line(row.from_addr, max_len=40)
        return f"SMS from {who}" if who else "SMS"
    return clean_line(row.subject, max_len=200) or "(no subject)"


class SlaMonitor:
    """Finds SLA transitions and escalates each exactly once."""

    def __init__(self, store: Store, config: Config, *,
                 clock: Callable[[], float] = time.time,
                 notify_timeout_s: float | None = None,
                 rules: RuleEngine | None = None) -> None:
        self.store = store
        self.config = config
        self.rules = rules
        self.sla = SlaService(config, store)
        self.clock = clock
        self.notify_timeout_s = (_default_timeout() if notify_timeout_s is None
                                 else notify_timeout_s)
        self._paged: dict[int, bool] = {}  # paged by this process, told not yet written

    def check(self, now: int) -> list[Escalation]:
        """Escalate every SLA that became at risk or breached since it was last escalated.

        A round with nothing new only reads. Otherwise one transaction holds each
        escalation's event and its bookkeeping row together. The notify command runs after
        the commit, so a slow command never holds the database's write lock.

        The backlog's escalations (`_backlog`) are audited round by round (`sla.backlog`,
        with their counts) and told in one notify once the first sync has ended: by the
        first round that starts with no first sync storing backlog
        (store/escalations.py `backlog_storing`). What is still to tell is read from the
        audit, so a restart never loses the page and repeats it only when the server
        paging it died (or lost the store) before recording it (`_tell_backlog`).
        """
        storing = self._storing(now)
        found = self._round(now)
        if not storing:
            self._tell_backlog()
        return found

    def _storing(self, now: int) -> bool:
        if not self.sla.enabled:
            return True
        with self.store.reading() as tx:
            return tx.backlog_storing(now)

    def _tell_backlog(self) -> None:
        """The one summary page of the backlog's escalations not told yet, if any: at
        least once, and again only when the server paging it died (or lost its link to
        the store) before it could record the page gone.

        Events bracket the page: a `sla.backlog_paging` (the counts, `upto`, the last
        `sla.backlog` round they sum, who pages and `until`, when its hook will have
        ended whatever happens) is committed before the hook runs, and `sla.backlog_told`
        (the same, and whether the hook said it went) after it returned. A hook that ran
        and failed is logged and reported as any (service/notify.py), and told: it is not
        run again at every round. The rounds after `upto` are the next page's.

        A paging with no told after it is a page in flight or one its server died in the
        middle of (`_resume`). A told write that failed (a locked store, a blip) is
        written again by the next round of the same process without paging again
        (`_paged`); the told is written outside the leader's lease fence, as the record
        of what this server did, so a leader that lost its lease during the hook still
        records it."""
        with self.store.reading() as tx:
            owed = self._owed(tx)
        if owed is None:
            return
        paging = owed.paging
        if owed.last is not None and owed.last.seq in self._paged:
            self._write_told(owed, owed.last.seq, self._paged[owed.last.seq])
            return
        if paging is None:
            with self.store.writing() as tx:
                again = self._owed(tx)  # as it is now, under the write lock
                if again is None or again.paging is not None:
                    return  # another monitor is paging it
                owed = again
                paging = tx.append_event(SYSTEM_ACTOR, BACKLOG_PAGING, BACKLOG_TARGET,
                                         self._paging_details(owed, None))
        else:
            resumed = self._resume(owed)
            if resumed is None:
                return
            paging = resumed
        sent = self.notify_backlog(owed.breached, owed.at_risk)
        self._paged[paging] = sent
        self._write_told(owed, paging, sent)

    def _paging_details(self, owed: _Owed, resumed: int | None) -> dict[str, object]:
        return {"breached": owed.breached, "at_risk": owed.at_risk, "upto": owed.upto,
                **paging_marks(self.notify_timeout_s, self.clock()),
                **({"resumed": resumed} if resumed is not None else {})}

    def _resume(self, owed: _Owed) -> int | None:
        """Page again a paging no told ended: only once its server cannot be paging it
        any more (it died, or its hook's time is over), and under the write lock with no
        told after it, as a paging event of its own (`resumed`) committed before the hook
        runs: two monitors never both resume it, and a failed commit pages nobody. After
        `MAX_PAGINGS` pagings of the same page it is told as given up (sent null)."""
        with self.store.writing() as tx:
            again = self._owed(tx)
            if again is None or again.paging != owed.paging or again.last is None:
                return None  # told, or resumed by another monitor, meanwhile
            if not self._pager_gone(again.last.details):
                return None  # perhaps still paging: its told is expected
            if again.pagings >= MAX_PAGINGS:
                tx.append_event(SYSTEM_ACTOR, BACKLOG_TOLD, BACKLOG_TARGET, {
                    "breached": again.breached, "at_risk": again.at_risk,
                    "upto": again.upto, "paging": again.last.seq, "sent": None,
                    "gave_up": True})
                # Nobody was paged: the desk is told on everyone's status line instead
                # (counts only), until a restart or a person clears it.
                line = (f"the first sync's backlog page did not go after {again.pagings}"
                        f" tries: {again.breached} breached, {again.at_risk} at risk"
                        " (views: SLA breached, at risk)")
                tx.put_alert(BACKLOG_ALERT, "error", line, self.store.now_ms())
                tx.append_event(SYSTEM_ACTOR, "health.alert", BACKLOG_ALERT,
                                {"severity": "error", "message": line})
                log.warning("backlog page given up after %d attempt(s) that did not end",
                            again.pagings)
                return None
            return tx.append_event(SYSTEM_ACTOR, BACKLOG_PAGING, BACKLOG_TARGET,
                                   self._paging_details(again, again.last.seq))

    def _pager_gone(self, paging: dict[str, object]) -> bool:
        return pager_gone(paging, self.clock())

    def _write_told(self, owed: _Owed, paging: int, sent: bool) -> None:
        with unfenced(), self.store.writing() as tx:
            if not tx.later_on_target(BACKLOG_TARGET, paging, [BACKLOG_TOLD]):
                tx.append_event(SYSTEM_ACTOR, BACKLOG_TOLD, BACKLOG_TARGET,
                                {"breached": owed.breached, "at_risk": owed.at_risk,
                                 "upto": owed.upto, "paging": paging, "sent": sent})
        self._paged.pop(paging, None)

    @staticmethod
    def _owed(tx: StoreTx) -> _Owed | None:
        """The page still owed: one a paging began and no told ended (`paging`, the
        first paging's seq, `last` the newest, `pagings` how many), else the
        `sla.backlog` rounds after the last page's `upto`; None when nothing is owed."""
        newest = tx.newest_on_targets([BACKLOG_TARGET], BACKLOG_TOLD)
        told = newest[BACKLOG_TARGET][0] if newest else None
        after = 0 if told is None else int(told.details.get("upto") or told.seq)
        begun = tx.later_on_target(BACKLOG_TARGET, told.seq if told else 0, [BACKLOG_PAGING])
        if begun:
            first, last = begun[0], begun[-1]
            return _Owed(int(first.details.get("breached", 0)),
                         int(first.details.get("at_risk", 0)),
                         int(first.details.get("upto", 0)), first.seq, last, len(begun))
        rounds = tx.later_on_target(BACKLOG_TARGET, after, ["sla.backlog"])
        if not rounds:
            return None
        return _Owed(sum(int(e.details.get("breached", 0)) for e in rounds),
                     sum(int(e.details.get("at_risk", 0)) for e in rounds), rounds[-1].seq,
                     None, None, 0)

    def _round(self, now: int) -> list[Escalation]:
        if not self.sla.enabled:
            return []
        with self.store.reading() as tx:
            dirty = tx.has_sla_dirty()
        if dirty:
            with self.store.writing() as tx:
                self.sla.refresh_dirty(tx, datetime.fromtimestamp(now, UTC))
        # Most rounds find nothing new: decide that from a read, without the write lock.
        with self.store.reading() as tx:
            if not tx.escalation_candidates(now):
                return []
        found: list[Escalation] = []
        backlog: dict[str, int] = {}
        rules = self.rules
        firing = None
        with self.store.writing() as tx:
            self.sla.refresh_dirty(tx, datetime.fromtimestamp(now, UTC))
            for row in tx.escalation_candidates(now):
                level = 2 if row.sla_due_at <= now else 1
                if level <= row.escalated_level:
                    continue
                esc = Escalation(
                    conversation_id=row.id, state=_LEVELS[level],
                    subject=audit_subject(row),
                    assignee=row.assignee or "", policy=clean_line(row.sla_policy or ""),
                    target=row.sla_target or "", due_at=int(row.sla_due_at))
                old = self._backlog(row)
                tx.record_escalation(esc.conversation_id, row.arm, level, now)
                tx.append_event(SYSTEM_ACTOR, _ACTIONS[level],
                                f"conversation:{esc.conversation_id}",
                                {"conversation": esc.conversation_id, "subject": esc.subject,
                                 "assignee": esc.assignee, "policy": esc.policy,
                                 "sla_target": esc.target, "due": esc.due_at,
                                 "state": esc.state, **({"backlog": True} if old else {})})
                if old:  # shown at risk / breached; one summary for all of them, below
                    backlog[esc.state] = backlog.get(esc.state, 0) + 1
                    continue
                found.append(esc)
            if backlog:
                tx.append_event(SYSTEM_ACTOR, "sla.backlog", BACKLOG_TARGET, {
                    "breached": backlog.get("breached", 0),
                    "at_risk": backlog.get("at-risk", 0)})
            if rules is not None:  # the escalations' rules, in the same transaction
                firing = rules.fire(tx, "sla-at-risk", [e.conversation_id for e in found
                                                         if e.state == "at-risk"], now=now)
                firing.extend(rules.fire(tx, "sla-breached", [
                    e.conversation_id for e in found if e.state == "breached"], now=now))
        if rules is not None and firing is not None:
            rules.after_commit(firing)
        for esc in found:
            self.notify(esc)
        return found

    def _backlog(self, row: EscalationCandidate) -> bool:
        """Whether this escalation is of the backlog: the first the monitor makes for its
        running target (it was never escalated at risk), with no red flag open, on a
        conversation whose patient's latest message was stored as a first sync's backlog
        (`messages.backlog_at`, marked once, when stored: store/ingest.py `is_backlog`)
        and that no staff reply answered since: the target a reply starts (resolution)
        is escalated as any, so the backlog page goes once per first sync.
        How long ago the patient wrote does not count: a live conversation at risk days
        later pages as any. Such conversations show at risk or breached like any, but fire
        no sla-at-risk / sla-breached rule and do not page one by one: `notify_backlog`
        says how many, once the first sync has ended (`check`)."""
        return not row.escalated_level and "!" not in row.arm and row.backlog

    def notify_backlog(self, breached: int, at_risk: int) -> bool:
        """One notify_command run for a first sync's backlog escalations (CXINBOX_STATE=backlog,
        CXINBOX_COUNT, CXINBOX_AT_RISK and a sentence in CXINBOX_MESSAGE): counts only."""
        line = (f"{breached} conversation(s) arrived already past their SLA"
                + (f" and {at_risk} already at risk" if at_risk else "")
                + ": old mail from a first sync; see cxinbox list sla:breached")
        if self.config.triage.backlog_mark_days > 0:  # the recent ones carry the mark
            line += ("; the recent ones were not checked for red flags:"
                     " cxinbox list is:unscreened")
        env = {"CXINBOX_STATE": "backlog", "CXINBOX_COUNT": str(breached),
               "CXINBOX_AT_RISK": str(at_risk), "CXINBOX_MESSAGE": line}
        return run_notify(self.config.sla.notify_command, env=env,
                          details={"state": "backlog", "breached": breached,
                                   "at_risk": at_risk, "message": line},
                          log=log, what="sla notify_command (backlog)",
                          timeout_s=self.notify_timeout_s)

    def notify(self, esc: Escalation) -> bool:
        """Run `sla.notify_command` for one escalation; False (and a log line) on failure.

        argv without a shell; details in CXINBOX_* variables and as one JSON line on stdin.
        Never the patient's words: the subject is the patient's text (a pager or chat
        relay is no place for it), so the hook gets the conversation's number to open.
        """
        env = {"CXINBOX_CONVERSATION": str(esc.conversation_id), "CXINBOX_STATE": esc.state,
               "CXINBOX_ASSIGNEE": esc.assignee, "CXINBOX_DUE": str(esc.due_at),
               "CXINBOX_POLICY": esc.policy, "CXINBOX_TARGET": esc.target}
        details = {k: v for k, v in esc.to_dict().items() if k != "subject"}
        return run_notify(self.config.sla.notify_command, env=env, details=details,
                          log=log, what="sla notify_command", conversation=esc.conversation_id,
                          timeout_s=self.notify_timeout_s)

    def recompute_if_changed(self) -> int | None:
        """At start: if calendars or policies changed since the due times were stored, have
        every conversation that is not closed evaluated again (its first round does it);
        how many, or None. A failure is logged: the old due times stay, nothing is lost."""
        if not self.sla.enabled:
            return None
        from cxinbox.service.sla import CONFIG_TARGET

        try:
            with self.store.writing() as tx:
                # No key kept yet (a new store, a demo copy): nothing changed, the due
                # times are computed under the config for the first time.
                first = not tx.find_events(target=CONFIG_TARGET, limit=1)
                marked = self.sla.recompute_if_changed(tx)
        except Exception as exc:  # noqa: BLE001 - the monitor runs on with the stored times
            log_failure(log, "SLA recompute after a config change failed", exc)
            return None
        if marked is not None and first:
            log.info("SLA due times of %d conversation(s) not closed computed under the"
                     " configured calendars and policies (their first start on this store)",
                     marked, extra=fields(conversations=marked))
        elif marked is not None:
            log.info("SLA calendars or policies changed: due times of %d conversation(s)"
                     " not closed are computed again", marked,
                     extra=fields(conversations=marked))
        return marked

    def run(self, stop: threading.Event, interval_s: float | None = None) -> None:
        """Until `stop` is set: escalate, wake snoozed conversations whose time came, and ask
        the satisfaction questions that are due (service/csat.py), a round every
        `interval_s` ([sla] check_interval when not given).

        An error in one round is logged and the next round tries again; the monitor
        never takes the server down.
        """
        from cxinbox.service.csat import CsatService

        if interval_s is None:
            interval_s = float(self.config.sla.check_interval_s)
        waker = InboxService(self.store, self.config, SYSTEM_ACTOR, clock=self.clock)
        asker = CsatService(self.store, self.config, clock=self.clock)
        self.recompute_if_changed()
        while not stop.is_set():
            now = int(self.clock())
            try:
                started = time.monotonic()
                woken = waker.wake_snoozed(now)
                escalated = self.check(now)
                asker.round(now)
                heartbeat.note(HEARTBEAT)
                self.store.note_round(HEARTBEAT)  # for the servers that do not run it
                log.debug("sla round", extra=fields(
                    woken=woken, escalated=len(escalated),
                    duration_ms=round((time.monotonic() - started) * 1000, 1)))
            except Exception as exc:  # noqa: BLE001 - keep monitoring; the next round retries
                log_failure(log, "SLA monitor round failed", exc)
            stop.wait(interval_s)
