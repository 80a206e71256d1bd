"""What the running server does with a notify hook that failed (service/notify.py hands
every run's outcome here once `serve` sets the sink).

Each failure is audited on the conversation it was about: a rule's `notify` action as
`rule.failed` (actor `rule:NAME`, `"action": "notify"`, the error class or exit status:
the rule's `rule.applied` was written before the commit, when the hook had not run yet),
an escalation's or a red flag's as `notify.failed`. And the desk is told: one alert per
failing hook (key `notify:PROGRAM`) on everyone's status line, in `cxinbox status` and in
`cxinbox doctor` ("notify_command failed 3 time(s) since 14:02 UTC ..."), counted until a
run of that same hook succeeds, which clears it: the SLA hook working says nothing about
the red-flag pager.
Never the patient's words: the details are the ids and states the hook was given.
"""

from __future__ import annotations

import logging
import threading
from datetime import UTC, datetime

from cxinbox.domain.sanitize import clean_line
from cxinbox.service.health import Health
from cxinbox.service.logsafe import error_class
from cxinbox.service.notify import NotifyOutcome
from cxinbox.store.fence import unfenced
from cxinbox.store.interface import Store

log = logging.getLogger(__name__)

ALERT_KEY = "notify"
"""The prefix of the health alert a failing hook raises, `notify:PROGRAM` (the hook's own
alerts are not recorded: they would page about the pager through the pager)."""


def alert_key(command: str) -> str:
    """The alert of one hook, named by its program (argv[0])."""
    return f"{ALERT_KEY}:{command}" if command else ALERT_KEY


class NotifyRecorder:
    """Thread-safe: hooks run on the sync's, the SLA monitor's and their own threads."""

    def __init__(self, store: Store, health: Health | None) -> None:
        self.store = store
        self.health = health
        self._lock = threading.Lock()
        self._failures: dict[str, tuple[int, int]] = {}  # program: (count, since)

    def __call__(self, outcome: NotifyOutcome) -> None:
        if outcome.details.get("state") == "alert":
            return
        key = alert_key(outcome.command)
        if not outcome.error:
            self._succeeded(key)
            return
        self._audit(outcome)
        with self._lock:
            count, since = self._failures.get(
                key, (0, int(datetime.now(UTC).timestamp())))
            count += 1
            self._failures[key] = (count, since)
        if self.health is not None:
            where = f", conversation #{outcome.conversation}" \
                if outcome.conversation is not None else ""
            # Where: doctor reads the file named here (under PostgreSQL, or run as root,
            # its own default data directory is not the server's).
            kept = f" in {outcome.stderr_file}" if outcome.stderr_file else ""
            self.health.problem(key, (
                f"notify_command failed {count} time(s) since"
                f" {datetime.fromtimestamp(since, UTC):%H:%M} UTC; last: {outcome.error}"
                f" ({outcome.what}{where}): pages are not going out; its last stderr is"
                f" kept{kept} (doctor prints its first line): run it by hand as the"
                f" server's user to see more"), max_len=300 + len(kept))

    def _succeeded(self, key: str) -> None:
        with self._lock:
            had = self._failures.pop(key, None)
        if had and self.health is not None:
            self.health.ok(key)

    def _audit(self, outcome: NotifyOutcome) -> None:
        d = outcome.details
        target = f"conversation:{outcome.conversation}" \
            if outcome.conversation is not None else ""
        error = clean_line(outcome.error, max_len=80)
        rule = d.get("rule")
        try:
            with unfenced(), self.store.writing() as tx:
                if isinstance(rule, str) and rule:
                    tx.append_event(f"rule:{rule}", "rule.failed", target, {
                        "rule": rule, "trigger": str(d.get("trigger") or ""),
                        "action": "notify", "error": f"notify: {error}"})
                else:
                    tx.append_event("system", "notify.failed", target, {
                        "what": clean_line(outcome.what, max_len=60),
                        "conversation": outcome.conversation,
                        "state": str(d.get("state") or d.get("event") or ""),
                        "error": error})
        except Exception as exc:  # noqa: BLE001 - the log line below still says it
            log.warning("notify failure not audited: %s", error_class(exc))
