"""Logging a failure without the patient's words in it.

An exception's message can carry what it choked on (a subject, a body, a phone number);
logs must never hold patient text. The kind of error and where it happened (the
traceback's frames, which are our code) are what IT needs to report a bug.
"""

from __future__ import annotations

import logging
import traceback

from cxinbox.domain.logfields import FIELD_NAMES, error_class, fields

__all__ = ["FIELD_NAMES", "error_class", "fields", "log_failure"]


def log_failure(log: logging.Logger, what: str, exc: BaseException) -> None:
    frames = "".join(traceback.format_tb(exc.__traceback__))
    log.error("%s: %s (message withheld: it may hold patient text)\n%s", what,
              type(exc).__name__, frames.rstrip())

