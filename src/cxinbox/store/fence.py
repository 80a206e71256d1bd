"""Which lease this thread's write transactions are fenced by (store/pg/lease.py).

Kept apart from the PostgreSQL code so the service can step outside a fence (`unfenced`)
for writes that are not the lease's work, such as the desk's health alerts: an alert a
server raises about itself must be recorded even when it has just lost a lease.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager

_LOCAL = threading.local()


def _stack() -> list[tuple[str, int] | None]:
    stack: list[tuple[str, int] | None] | None = getattr(_LOCAL, "stack", None)
    if stack is None:
        stack = _LOCAL.stack = []
    return stack


@contextmanager
def fenced(name: str, token: int) -> Iterator[None]:
    """Write transactions this thread begins inside are fenced by lease `name`'s `token`."""
    stack = _stack()
    stack.append((name, token))
    try:
        yield
    finally:
        stack.pop()


@contextmanager
def unfenced() -> Iterator[None]:
    """Write transactions this thread begins inside are not fenced by any lease."""
    stack = _stack()
    stack.append(None)
    try:
        yield
    finally:
        stack.pop()


def current_fence() -> tuple[str, int] | None:
    """The (lease name, token) this thread's write transactions are fenced by, if any."""
    stack = _stack()
    return stack[-1] if stack else None
