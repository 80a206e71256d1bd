"""Test hooks, not settings: environment variables that shorten a product timer so a test
through real servers need not wait out its production value. Each can only shorten (a
value outside its range is refused with a warning and the production value kept), and
unset, as in production, changes nothing (README "Tests")."""

from __future__ import annotations

import logging
import os


def hook_seconds(name: str, default: float, *, low: float = 0.0, high: float,
                 log: logging.Logger) -> float:
    """The seconds `name` sets, when it is a number above `low` (or equal to it, when
    `low` is above 0) and at most `high`; else `default`, the refusal logged."""
    raw = os.environ.get(name)
    if not raw:
        return default
    try:
        value = float(raw)
    except ValueError:
        value = -1.0
    if not (low < value if low == 0 else low <= value) or value > high:
        log.warning("%s=%.20r is not a number of seconds from %g to %g; %g s kept",
                    name, raw, low, high, default)
        return default
    return value
