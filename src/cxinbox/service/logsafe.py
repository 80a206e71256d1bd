"""Logging a failure without the patient's words in it.

An exception's message can carry what it choked on (a subject, a body, a phone number);
logs must never hold patient text. The kind of error and where it happened (the
traceback's frames, which are our code) are what IT needs to report a bug.
"""

from __future__ import annotations

import logging
import sys
import traceback

from cxinbox.domain.logfields import FIELD_NAMES, error_class, fields

__all__ = ["FIELD_NAMES", "database_away", "error_class", "fields", "log_failure"]


def log_failure(log: logging.Logger, what: str, exc: BaseException) -> None:
    from cxinbox.contract.errors import LeaseLost

    if database_away(exc):
        # The store logs the outage once, as it begins and ends: each worker that met it
        # adds one line, no traceback (nothing in it is a bug of ours).
        log.warning("%s: the database connection was lost (%s)", what, type(exc).__name__)
        return
    if isinstance(exc, LeaseLost):  # this server was paused or cut off; another took over
        log.warning("%s: %s", what, exc)
        return
    frames = "".join(traceback.format_tb(exc.__traceback__))
    log.error("%s: %s (message withheld: it may hold patient text)\n%s", what,
              type(exc).__name__, frames.rstrip())



def database_away(exc: BaseException) -> bool:
    """Whether `exc` is the database's absence (an outage, a restart), not a fault."""
    from cxinbox.contract.errors import DatabaseDown

    if isinstance(exc, DatabaseDown):
        return True
    psycopg = sys.modules.get("psycopg")
    if psycopg is None:
        return False
    return isinstance(exc, psycopg.OperationalError) and (
        type(exc).__module__.startswith("psycopg_pool") or "connection" in str(exc).lower()
        or isinstance(exc, psycopg.errors.AdminShutdown))
