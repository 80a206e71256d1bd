"""Helpers for the backup tests: a test age key, an instance with [backup], table dumps."""

from __future__ import annotations

import gzip
import io
import os
import sqlite3
from pathlib import Path
from typing import Any

import pyrage

DUMPED_TABLES = ("conversations", "messages", "raw_messages", "conversation_tags", "notes",
                 "events")


def new_identity(directory: Path, name: str = "backup-key.txt") -> tuple[Any, Path]:
    """A fresh age identity and its identity file (what `age-keygen -o` writes), 0600."""
    identity = pyrage.x25519.Identity.generate()
    path = directory / name
    path.write_text(f"# created for a test\n# public key: {identity.to_public()}\n{identity}\n")
    os.chmod(path, 0o600)
    return identity, path


def backup_section(backup_dir: Path, *recipients: str, keep: int = 14,
                   every: str | None = None) -> str:
    keys = ", ".join(f'"{r}"' for r in recipients)
    lines = ["[backup]", f'dir = "{backup_dir}"', f"recipients = [{keys}]", f"keep = {keep}"]
    if every is not None:
        lines.append(f'every = "{every}"')
    return "\n" + "\n".join(lines) + "\n"


def decrypt_to_db(backup: Path, identity: Any, dest: Path) -> int:
    """Decrypt and gunzip a backup by hand (not through cxinbox); the gzip mtime."""
    plain = io.BytesIO()
    with open(backup, "rb") as stream:
        pyrage.decrypt_io(stream, plain, [identity])
    with gzip.GzipFile(fileobj=io.BytesIO(plain.getvalue())) as unpacked:
        dest.write_bytes(unpacked.read())
        return int(unpacked.mtime or 0)


def dump(path: Path, tables: tuple[str, ...] = DUMPED_TABLES,
         where: dict[str, str] | None = None) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of `tables`, in primary-key order, read-only."""
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        out = {}
        for table in tables:
            clause = f" WHERE {where[table]}" if where and table in where else ""
            out[table] = [tuple(r) for r in conn.execute(
                f"SELECT * FROM {table}{clause} ORDER BY 1, 2")]
        return out
    finally:
        conn.close()


def leftovers(directory: Path) -> list[str]:
    """Temporary files a backup or restore must not leave behind."""
    return sorted(p.name for p in directory.iterdir()
                  if p.name.startswith((".backup-", ".restore-")) or p.name.endswith(".partial"))
