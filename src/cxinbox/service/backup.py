"""`cxinbox backup`: a consistent copy, compressed, encrypted to the clinic, verified.

The steps, each of which must pass before the next:

1. snapshot: SQLite's online backup API into a temporary file in the database's own
   directory (0700, already holding the plaintext), while the desk keeps working
   (store/backup.py);
2. check the copy before anything leaves that directory: integrity_check, the whole audit
   chain, and the counts and chain head against the live database at the same instant;
3. gzip it (stdlib zlib: no new dependency; the gzip header's mtime carries the snapshot
   time, so a restore can say what time it goes back to);
4. encrypt it with age to the configured public keys (pyrage), into a hidden partial file
   in the backup directory, mode 0600 from its first byte, then fsync;
5. verify what is on disk: the server cannot decrypt it (it never holds a private key),
   so it re-reads the file and checks its SHA-256 and size against what was written and
   that it is a well-formed age file for exactly our recipients whose payload length
   matches the compressed copy byte for byte;
6. rename it into place, rotate (`keep`), audit (`backup.made`: counts, name, SHA-256),
   and keep the outcome for `cxinbox status` (service/backup_record.py).

Plaintext never touches the backup directory: a stolen backup disk holds only age files.
A failure at any step removes what it wrote, is audited (`backup.failed`) and recorded,
and comes back as one line (BackupFailed).
"""

from __future__ import annotations

import contextlib
import gzip
import hashlib
import logging
import os
import shutil
import socket
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Final

from cxinbox.config import Config
from cxinbox.contract.backup_types import BackupFailed, BackupReport
from cxinbox.contract.errors import StoreError
from cxinbox.domain.backupfiles import (
    HEADER_MAX,
    age_payload_size,
    age_shape,
    backup_name,
    host_label,
    to_rotate,
)
from cxinbox.service.backup_record import LastBackup, read_last_backup, write_record
from cxinbox.store.backup import BackupAborted, check_copy, snapshot_into
from cxinbox.store.db import Database, append_event, now_ms
from cxinbox.store.interface import Store

log = logging.getLogger(__name__)

GZIP_LEVEL: Final = 3
"""zlib level 3: most of level 6's size at about twice its speed on a mail database
(bench/bench_backup.py measures both)."""
CHUNK: Final = 1024 * 1024
SCHEDULE: Final = "schedule"

_running = threading.Lock()
"""One backup at a time per process: the scheduler and a request never overlap."""


@dataclass(frozen=True, slots=True)
class _Written:
    size: int
    sha256: str


def sqlite_only(store: Store, what: str) -> Database:
    """The SQLite store behind `store`: backups and retention work on the file itself."""
    if not isinstance(store, Database):
        raise StoreError(f"{what} works on the SQLite store only")
    return store


def make_backup(store: Store, config: Config, *, actor: str, by: str | None = None,
                directory: Path | None = None, host: str | None = None,
                stop: Callable[[], bool] | None = None) -> BackupReport:
    """Write, verify, rotate, audit and record one backup; BackupFailed says why not.

    `actor` is who the audit trail names (the caller, or "system" for the schedule);
    `by` is what the status record says asked for it (default: the actor).
    """
    db = sqlite_only(store, "cxinbox backup")
    if not _running.acquire(blocking=False):
        raise BackupFailed("a backup is already running; try again when it has finished")
    started = time.monotonic()
    asked_by = by or actor
    try:
        try:
            report = _make(db, config, directory, host or socket.gethostname(), stop, started)
        except BackupAborted:
            raise
        except BackupFailed as exc:
            _failed(db, actor, asked_by, str(exc), started)
            raise
        except (OSError, StoreError) as exc:
            message = f"backup failed: {exc}"
            _failed(db, actor, asked_by, message, started)
            raise BackupFailed(message) from None
        except Exception as exc:
            _failed(db, actor, asked_by, f"backup failed ({type(exc).__name__})", started)
            raise
        try:
            _succeeded(db, actor, asked_by, report)
        except Exception as exc:  # noqa: BLE001 - the backup itself is good: say so
            raise BackupFailed(f"{report.path}: written and verified, but recording it in"
                               f" the audit trail failed ({type(exc).__name__})") from None
        return report
    finally:
        _running.release()


def _make(db: Database, config: Config, directory: Path | None, host: str,
          stop: Callable[[], bool] | None, started: float) -> BackupReport:
    import pyrage

    target_dir = directory or config.backup.dir
    if target_dir is None:
        raise BackupFailed("no backup directory: set dir in [backup], or pass --to DIR")
    if not config.backup.recipients:
        raise BackupFailed("no recipients: set recipients in [backup] to the clinic's age"
                           " public key(s); cxinbox never writes an unencrypted backup")
    recipients = [pyrage.x25519.Recipient.from_str(key) for key in config.backup.recipients]
    _prepare_dir(target_dir)
    work: list[Path] = []
    partial: Path | None = None
    try:
        copy = _temp_file(db.path.parent, ".db", work)
        snap = snapshot_into(db, copy, stop=stop)
        check = check_copy(copy, snap.facts)
        if not check.ok:
            raise BackupFailed("the copy did not verify, nothing written: "
                               + "; ".join(check.problems))
        snapshot_at = datetime.fromtimestamp(snap.taken_at / 1000, UTC)
        name = backup_name(host, snapshot_at)
        final = target_dir / name
        if final.exists():
            raise BackupFailed(f"{final}: already exists; not replacing a backup")
        packed = _temp_file(db.path.parent, ".gz", work)
        _gzip(copy, packed, name.removesuffix(".gz.age"), int(snap.taken_at // 1000))
        packed_size = packed.stat().st_size
        partial = target_dir / f".{name}.partial"
        written = _encrypt(packed, partial, recipients, pyrage)
        summary = _verify_written(partial, written, packed_size, len(recipients))
        os.replace(partial, final)
        partial = None
        _fsync_dir(target_dir)
    finally:
        if partial is not None:
            with contextlib.suppress(OSError):
                partial.unlink()
        for path in work:
            with contextlib.suppress(OSError):
                path.unlink()
    # `keep` is about the configured directory: a one-off --to DIR (an archive, a USB
    # disk) never loses older files to it.
    removed = _rotate(target_dir, host, config.backup.keep) \
        if config.backup.dir is not None and target_dir == config.backup.dir else []
    facts = snap.facts
    summary = (f"integrity ok; chain verified to #{facts.head_seq}; {facts.conversations}"
               f" conversations, {facts.messages} messages, {facts.events} events match the"
               f" live database at the snapshot; {summary}")
    return BackupReport(str(final), written.size, written.sha256, snap.taken_at,
                        facts.conversations, facts.messages, facts.events, facts.head_seq,
                        len(recipients), round(time.monotonic() - started, 3), summary,
                        tuple(removed))


def _prepare_dir(directory: Path) -> None:
    if not directory.is_absolute():
        raise BackupFailed(f"{directory}: the backup directory must be an absolute path")
    try:
        directory.mkdir(mode=0o700, parents=True, exist_ok=True)
    except OSError as exc:
        raise BackupFailed(f"{directory}: cannot create the backup directory:"
                           f" {exc.strerror}") from None
    if not directory.is_dir():
        raise BackupFailed(f"{directory}: not a directory")
    if not os.access(directory, os.W_OK | os.X_OK):
        raise BackupFailed(f"{directory}: permission denied: the server's user cannot write"
                           " backups there")


def _temp_file(directory: Path, suffix: str, work: list[Path]) -> Path:
    fd, name = tempfile.mkstemp(prefix=".backup-", suffix=suffix, dir=directory)  # 0600
    os.close(fd)
    work.append(Path(name))
    return Path(name)


def _gzip(source: Path, dest: Path, inner_name: str, mtime: int) -> None:
    with open(source, "rb") as src, open(dest, "wb") as raw, \
            gzip.GzipFile(inner_name, "wb", GZIP_LEVEL, raw, mtime) as out:
        shutil.copyfileobj(src, out, CHUNK)


class _HashingWriter:
    """The file pyrage writes to: counts and hashes every byte on its way to disk."""

    def __init__(self, fd: int) -> None:
        self.out = os.fdopen(fd, "wb")
        self.digest = hashlib.sha256()
        self.size = 0

    def write(self, data: bytes) -> int:
        self.digest.update(data)
        self.size += len(data)
        return self.out.write(data)

    def flush(self) -> None:
        self.out.flush()


def _encrypt(packed: Path, partial: Path, recipients: list[Any], pyrage: Any) -> _Written:
    with contextlib.suppress(FileNotFoundError):
        partial.unlink()  # left by a crash mid-write
    fd = os.open(partial, os.O_CREAT | os.O_EXCL | os.O_WRONLY | os.O_NOFOLLOW, 0o600)
    writer = _HashingWriter(fd)
    try:
        with open(packed, "rb") as reader:
            pyrage.encrypt_io(reader, writer, recipients)
        writer.out.flush()
        os.fsync(writer.out.fileno())
    finally:
        writer.out.close()
    return _Written(writer.size, writer.digest.hexdigest())


def _verify_written(path: Path, written: _Written, packed_size: int, recipients: int) -> str:
    """Re-read the file from disk and check all that can be checked without a key."""
    digest = hashlib.sha256()
    size = 0
    head = b""
    with open(path, "rb") as stream:
        while chunk := stream.read(CHUNK):
            if not head:
                head = chunk[:HEADER_MAX]
            digest.update(chunk)
            size += len(chunk)
    problems: list[str] = []
    if size != written.size:
        problems.append(f"{size} bytes on disk, {written.size} written")
    if digest.hexdigest() != written.sha256:
        problems.append("its SHA-256 on disk differs from what was written")
    try:
        shape = age_shape(head, size)
    except ValueError as exc:
        problems.append(str(exc))
    else:
        if shape.x25519_stanzas != recipients:
            problems.append(f"encrypted to {shape.x25519_stanzas} key(s), not {recipients}")
        if shape.payload_bytes != age_payload_size(packed_size):
            problems.append("its encrypted payload does not match the compressed copy's size")
    if problems:
        raise BackupFailed(f"{path}: the written backup did not verify: {'; '.join(problems)}")
    return (f"age file well-formed for {recipients} recipient(s), {size} bytes,"
            f" sha256 {written.sha256[:16]}...")


def _rotate(directory: Path, host: str, keep: int) -> list[str]:
    try:
        names = [entry.name for entry in os.scandir(directory) if entry.is_file()]
    except OSError as exc:
        log.warning("backup rotation skipped: cannot list %s (%s)", directory, exc.strerror)
        return []
    removed = []
    for name in to_rotate(names, host, keep):
        try:
            (directory / name).unlink()
            removed.append(name)
        except OSError as exc:
            log.warning("backup rotation: cannot delete %s (%s)", name, exc.strerror)
    return removed


def _fsync_dir(directory: Path) -> None:
    fd = os.open(directory, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


# -- the trail and the record ------------------------------------------------------------------


def _succeeded(db: Database, actor: str, by: str, report: BackupReport) -> None:
    name = Path(report.path).name
    _audit(db, actor, "backup.made", name, {
        "by": by, "dir": str(Path(report.path).parent), "size": report.size,
        "sha256": report.sha256, "snapshot_at": report.snapshot_at,
        "conversations": report.conversations, "messages": report.messages,
        "events": report.events, "head_seq": report.head_seq,
        "recipients": report.recipients, "seconds": report.seconds,
        "rotated": len(report.removed)})
    write_record(db.path, LastBackup(
        at=now_ms(), ok=True, by=by, file=report.path, size=report.size,
        sha256=report.sha256, snapshot_at=report.snapshot_at, summary=report.summary,
        seconds=report.seconds, last_ok_at=now_ms(), last_ok_file=report.path))
    log.info("backup %s: %d conversations, %d messages, %d events, %.1f MB in %.1f s",
             name, report.conversations, report.messages, report.events,
             report.size / 1e6, report.seconds)


def _failed(db: Database, actor: str, by: str, message: str, started: float) -> None:
    """Audit and record a failure; never let doing so hide the failure itself."""
    seconds = round(time.monotonic() - started, 3)
    log.error("backup failed after %.1f s: %s", seconds, message)
    with contextlib.suppress(Exception):
        _audit(db, actor, "backup.failed", "", {"by": by, "error": message,
                                                "seconds": seconds})
    with contextlib.suppress(OSError):
        last = read_last_backup(db.path)
        write_record(db.path, LastBackup(
            at=now_ms(), ok=False, by=by, summary=message, seconds=seconds,
            last_ok_at=last.last_ok_at if last else 0,
            last_ok_file=last.last_ok_file if last else ""))


def _audit(db: Database, actor: str, action: str, target: str, details: dict[str, Any]
           ) -> None:
    with db.write() as conn:
        append_event(conn, actor, action, target, details)


def backup_host() -> str:
    """The host label this machine's backups are named with."""
    return host_label(socket.gethostname())
