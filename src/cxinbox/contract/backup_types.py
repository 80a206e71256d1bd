"""What a backup tells whoever asked for it (the CLI, through the server or in-process)."""

from __future__ import annotations

from dataclasses import dataclass

from cxinbox.contract.errors import ApiError


@dataclass(frozen=True, slots=True)
class BackupReport:
    """One encrypted backup written and verified. Counts and names only: no patient text."""

    path: str
    """The backup file, on the server's machine."""
    size: int
    sha256: str
    snapshot_at: int
    """Epoch ms of the instant the copy shows (the live database's state then)."""
    conversations: int
    messages: int
    events: int
    head_seq: int
    """The newest audit event in the copy: the chain verified up to it."""
    recipients: int
    seconds: float
    summary: str
    """The checks that passed, in one line."""
    removed: tuple[str, ...] = ()
    """Older backups deleted by rotation (`keep`)."""


class BackupFailed(ApiError):
    """A backup or restore that did not happen, in one line a person can act on."""

    exit_code = 1
