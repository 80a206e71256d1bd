"""What a retention run did (or, dry, would do): counts and times, never patient text."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any


@dataclass(frozen=True, slots=True)
class RetentionReport:
    dry_run: bool
    closed_before: int
    """Epoch second: closed conversations untouched since before this are purged."""
    audit_before: int
    """Epoch second: audit events older than this are released from the trail's start."""
    counts: dict[str, int] = field(default_factory=dict)
    """Rows purged (or that would be) per kind: conversations, messages, raw_bytes, ..."""
    audit_released: int = 0
    """Audit events released from the start of the trail (or that would be)."""
    audit_pending: int = 0
    """Events released but still in the table, waiting for a signed checkpoint."""
    trail_starts_at: int = 1
    """The first event of the audit trail after this run."""
    pages_before: int = 0
    pages_after: int = 0
    page_size: int = 4096
    seconds: float = 0.0
    batches: int = 0
    longest_batch_ms: float = 0.0
    notes: tuple[str, ...] = ()
    """One line each: what an admin should know (a step skipped, and why)."""

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)
