"""`cxinbox restore`: a backup back into a stopped instance, checked before it goes live.

Decrypt (with a private key the admin brings; the server never has one), decompress and
check the result (integrity_check, the audit chain, the counts) in temporary files beside
the target; only then is it renamed into place. A database already there is kept aside
with its -wal (which holds committed transactions, and which SQLite must never replay
onto another file), never overwritten. Nothing happens while any process has the target
open. The answer says what time the inbox goes back to.
"""

from __future__ import annotations

import contextlib
import gzip
import hashlib
import os
import shutil
import tempfile
import time
import zlib
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Final

from cxinbox.contract.backup_types import BackupFailed
from cxinbox.domain.backupfiles import HEADER_MAX, age_shape
from cxinbox.store.backup import DbFacts, check_copy, in_use, record_restore
from cxinbox.store.schema import MIGRATIONS

CHUNK: Final = 1024 * 1024
DB_NAME: Final = "cxinbox.db"


@dataclass(frozen=True, slots=True)
class RestoreReport:
    target: Path
    kept_aside: Path | None
    snapshot_at: int | None
    """Epoch seconds of the backup's snapshot (from its gzip header), if it says."""
    facts: DbFacts
    """The backup's contents as checked (before the restore's own event)."""
    chain_count: int
    restore_seq: int
    """The `backup.restored` event that now ends the trail."""


def restore_backup(backup: Path, identity: Path, target: Path, *, actor: str) -> RestoreReport:
    """Restore `backup` into the database file `target`."""
    import pyrage

    _refuse_if_open(target)
    identities = read_identities(identity, pyrage)
    try:
        size = backup.stat().st_size
        with open(backup, "rb") as stream:
            head = stream.read(HEADER_MAX)
    except OSError as exc:
        raise BackupFailed(f"{backup}: cannot read the backup: {exc.strerror}") from None
    try:
        age_shape(head, size)
    except ValueError as exc:
        raise BackupFailed(f"{backup}: not a cxinbox backup: {exc}") from None
    try:
        target.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    except OSError as exc:
        raise BackupFailed(f"{target.parent}: cannot create it: {exc.strerror}") from None
    work: list[Path] = []
    try:
        packed = _temp_file(target.parent, ".gz", work)
        _decrypt(backup, identity, packed, identities, pyrage)
        copy = _temp_file(target.parent, ".db", work)
        snapshot_at = _gunzip(backup, packed, copy)
        check = check_copy(copy)
        if not check.ok:
            raise BackupFailed(f"{backup}: the restored database did not verify: "
                               + "; ".join(check.problems))
        if check.facts.schema > len(MIGRATIONS):
            raise BackupFailed(f"{backup}: made by a newer cxinbox (schema"
                               f" {check.facts.schema}, this one knows up to"
                               f" {len(MIGRATIONS)}); restore it with that version")
        seq = record_restore(copy, actor, {
            "file": backup.name, "sha256": _sha256(backup), "snapshot_at": snapshot_at or 0,
            "head_seq": check.facts.head_seq, "conversations": check.facts.conversations,
            "messages": check.facts.messages, "events": check.facts.events})
        _refuse_if_open(target)
        aside = _keep_aside(target)
        os.replace(copy, target)
        os.chmod(target, 0o600)
        _fsync_dir(target.parent)
    finally:
        for path in work:
            with contextlib.suppress(OSError):
                path.unlink()
    return RestoreReport(target, aside, snapshot_at, check.facts, check.chain_count, seq)


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as stream:
        while chunk := stream.read(CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def target_file(path: Path) -> Path:
    """A path ending in `.db` is the database file itself; anything else is a directory
    (made if missing) that gets `cxinbox.db`."""
    return path if path.suffix == ".db" and not path.is_dir() else path / DB_NAME


def read_identities(path: Path, pyrage: Any) -> list[Any]:
    """The age identities (AGE-SECRET-KEY-1... lines) of an identity file; one line if not."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        why = exc.strerror if isinstance(exc, OSError) else "not text"
        raise BackupFailed(f"{path}: cannot read the identity file: {why}") from None
    identities = []
    for line in text.splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        try:
            identities.append(pyrage.x25519.Identity.from_str(line))
        except pyrage.IdentityError:
            raise BackupFailed(f"{path}: not an age identity file (expected"
                               " AGE-SECRET-KEY-1... lines, as age-keygen writes)") from None
    if not identities:
        raise BackupFailed(f"{path}: holds no age identity (AGE-SECRET-KEY-1...)")
    return identities


def _refuse_if_open(target: Path) -> None:
    if in_use(target):
        raise BackupFailed(f"{target}: the database is open in another process (a running"
                           " cxinbox server?); stop it before restoring")


def _temp_file(directory: Path, suffix: str, work: list[Path]) -> Path:
    fd, name = tempfile.mkstemp(prefix=".restore-", suffix=suffix, dir=directory)  # 0600
    os.close(fd)
    work.append(Path(name))
    return Path(name)


def _decrypt(backup: Path, identity: Path, packed: Path, identities: list[Any],
             pyrage: Any) -> None:
    try:
        with open(backup, "rb") as reader, open(packed, "wb") as writer:
            pyrage.decrypt_io(reader, writer, identities)
    except pyrage.DecryptError as exc:
        if "no matching keys" in str(exc).lower():
            raise BackupFailed(f"{backup}: cannot decrypt with {identity}: it is not one of"
                               " the keys this backup was encrypted to") from None
        raise BackupFailed(f"{backup}: damaged: {exc}; use another backup") from None
    except OSError as exc:
        if exc.filename is not None:
            raise BackupFailed(f"{exc.filename}: {exc.strerror}") from None
        raise BackupFailed(f"{backup}: damaged: the encrypted data does not authenticate"
                           " (corrupted or cut short); use another backup") from None


def _gunzip(backup: Path, packed: Path, copy: Path) -> int | None:
    try:
        with gzip.open(packed, "rb") as src, open(copy, "wb") as out:
            shutil.copyfileobj(src, out, CHUNK)
            mtime = src.mtime
    except (gzip.BadGzipFile, EOFError, zlib.error) as exc:
        raise BackupFailed(f"{backup}: damaged: the decrypted data is not a whole gzip"
                           f" stream ({exc}); use another backup") from None
    return mtime or None


def _keep_aside(target: Path) -> Path | None:
    """Move an existing database (with its -wal and -shm) out of the way; its new name."""
    if not target.exists():
        for suffix in ("-wal", "-shm"):  # strays of another file: never replay them
            with contextlib.suppress(FileNotFoundError):
                Path(f"{target}{suffix}").unlink()
        return None
    stamp = time.strftime("%Y%m%dT%H%M%SZ", time.gmtime())
    aside = target.with_name(f"{target.name}.before-restore-{stamp}")
    for suffix in ("-wal", "-shm", ""):
        source = Path(f"{target}{suffix}")
        if source.exists():
            os.rename(source, f"{aside}{suffix}")
    return aside


def _fsync_dir(directory: Path) -> None:
    fd = os.open(directory, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def describe(report: RestoreReport, backup: Path) -> list[str]:
    """What the CLI prints: where, what, and the time the inbox goes back to."""
    facts = report.facts
    lines = [(f"restored {backup.name} into {report.target}: {facts.conversations}"
              f" conversations, {facts.messages} messages, {facts.events} events;"
              f" integrity ok, audit chain verified ({report.chain_count} events)")]
    when = []
    if report.snapshot_at:
        when.append(f"the backup's snapshot at {_utc(report.snapshot_at)}")
    if facts.last_event_at:
        when.append(f"its newest event #{facts.head_seq} at {_utc(facts.last_event_at // 1000)}")
    if when:
        lines.append("goes back to " + "; ".join(when))
    lines.append(f"recorded in its audit trail as event #{report.restore_seq}"
                 " (backup.restored)")
    if report.kept_aside is not None:
        lines.append(f"the database that was there is kept at {report.kept_aside}")
    return lines


def _utc(epoch_s: int) -> str:
    return datetime.fromtimestamp(epoch_s, UTC).strftime("%Y-%m-%d %H:%M:%S UTC")
