"""The last backup's outcome, in a small file the status command and the scheduler read.

One JSON object next to the database (`backup-last.json`, mode 0600, replaced atomically):
the latest attempt (time, ok or failed, file, verification summary or error) and the
latest success. It holds names, sizes, hashes and counts, never patient text. The audit
trail has the same facts per backup (`backup.made` / `backup.failed` events); this file
is what a monitoring check reads without walking the trail.
"""

from __future__ import annotations

import contextlib
import json
import os
from dataclasses import asdict, dataclass, fields
from pathlib import Path
from typing import Any, Final

RECORD_NAME: Final = "backup-last.json"


@dataclass(frozen=True, slots=True)
class LastBackup:
    """The newest backup attempt, and the newest that succeeded."""

    at: int
    """Epoch ms the attempt finished."""
    ok: bool
    by: str
    """"schedule" (the server's own), or the login of whoever asked."""
    file: str = ""
    """The backup file's full path (the newest attempt's, when it got that far)."""
    size: int = 0
    sha256: str = ""
    snapshot_at: int = 0
    summary: str = ""
    """What verification checked (ok), or the one-line error (failed)."""
    seconds: float = 0.0
    last_ok_at: int = 0
    """Epoch ms of the newest backup that verified (0: never)."""
    last_ok_file: str = ""


def record_path(db_path: Path) -> Path:
    return db_path.parent / RECORD_NAME


def read_last_backup(db_path: Path) -> LastBackup | None:
    """The record beside the database at `db_path` (`config.db_path`); None when no
    backup was ever attempted or the file cannot be read as one."""
    try:
        data = json.loads(record_path(db_path).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(data, dict):
        return None
    known = {f.name for f in fields(LastBackup)}
    try:
        return LastBackup(**{k: v for k, v in data.items() if k in known})
    except TypeError:
        return None


def write_record(db_path: Path, record: LastBackup) -> None:
    """Replace the record atomically (write a temporary file, fsync, rename)."""
    path = record_path(db_path)
    partial = path.with_name(f".{path.name}.partial")
    data: dict[str, Any] = asdict(record)
    fd = os.open(partial, os.O_CREAT | os.O_TRUNC | os.O_WRONLY | os.O_NOFOLLOW, 0o600)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            json.dump(data, out, sort_keys=True)
            out.write("\n")
            out.flush()
            os.fsync(out.fileno())
        os.replace(partial, path)
    except BaseException:
        with contextlib.suppress(OSError):
            partial.unlink()
        raise
