"""Running the clinic's `notify_command` hook: one runner for every caller (rules' notify
action, SLA escalations, red flags, health alerts), so each hook call gets the same
contract and the same care.

The contract: argv without a shell; the details as CXINBOX_* variables added to our
environment and as one JSON line on stdin; a timeout. The care: the hook's stdout and stderr
are thrown away and never logged (it is handed details that may name a patient and may echo
them); a failure is one warning line with the error class or the exit code and the
conversation number, and the caller carries on: a pager being down must not stop the
sync, the SLA monitor or the health check.

A failure is also handed to the failure sink the running server sets (`set_failure_sink`:
`NotifyRecorder` audits it and puts it on everyone's status line): a red flag's hook is
the clinician's pager, and a pager that does not ring must not look like one that did.
The sink gets the caller's details (ids, states, the rule's name) and the error class or
exit status, never anything the hook printed.
"""

from __future__ import annotations

import functools
import json
import logging
import os
import subprocess
import threading
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Final

from cxinbox.service.logsafe import error_class, fields

NOTIFY_TIMEOUT_S: Final = 30.0


@dataclass(frozen=True, slots=True)
class NotifyOutcome:
    """One hook run that failed (`error`: "FileNotFoundError", "exit 3", "timeout after
    10 s") or, with `error` empty, succeeded; `what` names the caller, `details` are those
    the hook was given (ids and states only)."""

    what: str
    conversation: int | None
    details: Mapping[str, object]
    error: str = ""
    command: str = ""
    """The hook's program (argv[0]): failures are counted, and cleared, per hook."""


FailureSink = Callable[[NotifyOutcome], None]

_sink_lock = threading.Lock()
_sink: FailureSink | None = None


def set_failure_sink(sink: FailureSink | None) -> None:
    """Where every hook run's outcome goes (the server's `NotifyRecorder`); None: only the
    log line. Set once by the process that runs the hooks, cleared when it stops."""
    global _sink
    with _sink_lock:
        _sink = sink


def _tell(outcome: NotifyOutcome, log: logging.Logger) -> None:
    with _sink_lock:
        sink = _sink
    if sink is None:
        return
    try:
        sink(outcome)
    except Exception as exc:  # noqa: BLE001 - recording a failure must not fail its caller
        log.warning("notify failure not recorded: %s", error_class(exc))


_PR_SET_PDEATHSIG: Final = 1


@functools.cache
def _dies_with_us() -> Callable[[], None] | None:
    """For the hook's child process (Linux): killed when the thread that started it ends,
    so a server SIGKILLed mid-page leaves no hook paging on behind it (the restarted server
    pages again: the page is at least once, never one from a dead server and one more).
    The libc call is looked up here, in the parent; the child only calls it."""
    try:
        import ctypes
        import signal

        prctl = ctypes.CDLL(None, use_errno=True).prctl
    except (OSError, AttributeError, ImportError):
        return None
    parent = os.getpid()

    def child() -> None:
        prctl(_PR_SET_PDEATHSIG, int(signal.SIGKILL), 0, 0, 0)
        if os.getppid() != parent:  # the server died before the call: nothing to page for
            os._exit(1)

    return child


def run_notify(argv: Sequence[str] | None, *, env: Mapping[str, str],
               details: Mapping[str, object], log: logging.Logger, what: str,
               conversation: int | None = None, timeout_s: float = NOTIFY_TIMEOUT_S) -> bool:
    """Run the hook once (none configured: nothing to do); True when it exited 0. `what`
    names the caller in the log line ("sla notify_command"); `conversation` adds its
    number (never any of its text)."""
    if not argv:
        return True
    full_env = dict(os.environ)
    full_env.update(env)
    line = json.dumps(dict(details), ensure_ascii=False) + "\n"
    where = f" (conversation #{conversation})" if conversation is not None else ""
    extra = fields(conversation=conversation) if conversation is not None else None
    error = ""
    try:
        done = subprocess.run(list(argv), input=line.encode("utf-8"), env=full_env,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                              timeout=timeout_s, check=False,
                              preexec_fn=_dies_with_us())
    except subprocess.TimeoutExpired:
        log.warning("%s timed out after %g s%s", what, timeout_s, where, extra=extra)
        error = f"timeout after {timeout_s:g} s"
    except OSError as exc:
        log.warning("%s could not run: %s%s", what, error_class(exc), where, extra=extra)
        error = error_class(exc)
    else:
        if done.returncode != 0:
            log.warning("%s exited %d%s", what, done.returncode, where, extra=extra)
            error = f"exit {done.returncode}"
    _tell(NotifyOutcome(what, conversation, dict(details), error, str(argv[0])), log)
    return not error
