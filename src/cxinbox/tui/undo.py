"""The person's undo history for this TUI session: `u` walks back step by step.

A morning's triage is a run of quick keys; one-step undo meant that noticing a mistake two
keys later was too late. Each step done here pushes its inverse (built by
`cxinbox.tui.triage`), newest on top, up to `DEPTH` steps; `u` takes the newest off and
applies it. The server checks each undo against the audit trail (`undo_of`): a step that
someone else has moved on since is refused, and then it is dropped from the history, so
the next `u` goes on to the step before it. A step that failed for another reason (the
server was unreachable) stays, to be tried again.

The app changes the history only in its triage worker, under the lock that runs steps one
at a time in key order: a `u` typed right after a key waits for that key's step and then
undoes it, never an older one.

The history belongs to the app instance, i.e. to one person's session: it is not shared
with colleagues and does not survive a restart (the audit trail is the record).
"""

from __future__ import annotations

from collections import deque

from textual.message import Message

from cxinbox.tui.triage import Triage

DEPTH = 30


class UndoEmpty(Message):
    """`u` found nothing to take back (posted by the triage worker)."""

    def __init__(self, text: str) -> None:
        super().__init__()
        self.text = text


class UndoHistory:
    def __init__(self, depth: int = DEPTH) -> None:
        self._steps: deque[Triage] = deque(maxlen=depth)
        self._used = False

    def __len__(self) -> int:
        return len(self._steps)

    @property
    def depth(self) -> int:
        return self._steps.maxlen or DEPTH

    def push(self, inverse: Triage | None) -> None:
        """Remember a step's inverse (a step without one leaves the history as it is)."""
        if inverse is not None:
            self._used = True
            self._steps.append(inverse)

    def pop(self) -> Triage | None:
        return self._steps.pop() if self._steps else None

    def put_back(self, inverse: Triage) -> None:
        """An undo that did not reach the server goes back on top, to be tried again."""
        self._steps.append(inverse)

    def steps(self) -> list[Triage]:
        """Newest first (what `u` would take back, in order)."""
        return list(reversed(self._steps))

    @property
    def refusal(self) -> str:
        """What `u` says when there is nothing left."""
        return "Nothing more to undo." if self._used else "Nothing to undo."
