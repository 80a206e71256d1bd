"""Running the clinic's `notify_command` hook: one runner for every caller (rules' notify
action, SLA escalations, red flags, health alerts), so each hook call gets the same
contract and the same care.

The contract: argv without a shell; the details as CXINBOX_* variables added to our
environment and as one JSON line on stdin; a timeout. The care: the hook's stdout and stderr
are thrown away and never logged (it is handed details that may name a patient and may echo
them); a failure is one warning line with the error class or the exit code and the
conversation number, and the caller carries on: a pager being down must not stop the
sync, the SLA monitor or the health check.
"""

from __future__ import annotations

import json
import logging
import os
import subprocess
from collections.abc import Mapping, Sequence
from typing import Final

from cxinbox.service.logsafe import error_class, fields

NOTIFY_TIMEOUT_S: Final = 30.0


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
    try:
        done = subprocess.run(list(argv), input=line.encode("utf-8"), env=full_env,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                              timeout=timeout_s, check=False)
    except subprocess.TimeoutExpired:
        log.warning("%s timed out after %g s%s", what, timeout_s, where, extra=extra)
        return False
    except OSError as exc:
        log.warning("%s could not run: %s%s", what, error_class(exc), where, extra=extra)
        return False
    if done.returncode != 0:
        log.warning("%s exited %d%s", what, done.returncode, where, extra=extra)
        return False
    return True
