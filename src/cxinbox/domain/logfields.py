"""Structured log fields (cxinbox/logsetup.py writes them): pure, so every layer may log
with them, channels included.

A field says who and where in our own terms (account, folder, OS user, method), how many,
how long, and which kind of error. Never anything a patient wrote or is called.
"""

from __future__ import annotations

import re

FIELD_NAMES = frozenset({
    "account", "folder", "worker", "user", "method", "outcome", "error", "channel",
    "outbox", "conversation", "conversations", "count", "new", "flag_changes", "removed",
    "messages", "received", "statuses", "stored", "rejected", "escalated", "woken",
    "attempt", "attempts", "state", "duration_ms", "wait_s", "valid_s", "pid", "code",
    "batch", "number_kind", "level", "line",
})
"""Names a structured log field may have (cxinbox/logsetup.py writes them): who and where
in our own terms, how many, how long, which kind of error. Nothing a patient wrote."""

_SAFE_TEXT = re.compile(r"[A-Za-z0-9_.:/@+-]{1,64}")


def fields(**values: object) -> dict[str, dict[str, object]]:
    """`extra=` for a log call: structured fields, checked so no free text gets in.

    Numbers and booleans pass; a string must be a short identifier (an account or folder
    name from the config, an error class, a method name), else it is replaced by "?". An
    unknown field name is a bug in our code: refused at once (tests catch it).
    """
    out: dict[str, object] = {}
    for name, value in values.items():
        if name not in FIELD_NAMES:
            raise ValueError(f"log field {name!r} is not in logsafe.FIELD_NAMES")
        if isinstance(value, bool | int | float) or value is None or isinstance(value, str) and _SAFE_TEXT.fullmatch(value):
            out[name] = value
        else:
            out[name] = "?"
    return {"cx_fields": out}


def error_class(exc: BaseException) -> str:
    """What a log may say about an error: its class (and a provider's numeric code)."""
    code = getattr(exc, "code", None)
    return f"{type(exc).__name__}:{code}" if isinstance(code, int) else type(exc).__name__
