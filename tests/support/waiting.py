"""Waiting for a condition in tests: poll it until it holds or a deadline passes.

Tests assert on state another thread or process produces (a server's change feed, a sink's
mailbox, a log line). They wait for that state, never for a fixed time, so a busy machine
makes them slower but not flaky. One loop here instead of a copy in every test module.
"""

from __future__ import annotations

import time
from collections.abc import Callable


def poll_until(check: Callable[[], object], *, timeout: float = 20.0,
               interval: float = 0.05) -> bool:
    """True as soon as `check()` is truthy; after `timeout` seconds, whether it is at last."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return True
        time.sleep(interval)
    return bool(check())


def wait_until(check: Callable[[], object], what: str, *, timeout: float = 20.0,
               interval: float = 0.05, detail: Callable[[], str] | None = None) -> None:
    """Return once `check()` holds; otherwise fail naming `what`, with `detail()` (a log tail)."""
    if poll_until(check, timeout=timeout, interval=interval):
        return
    extra = f"\n{detail()}" if detail is not None else ""
    raise AssertionError(f"timed out after {timeout:g} s waiting for {what}{extra}")
