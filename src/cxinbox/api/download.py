"""Writing an attachment to a folder the person chose, without trusting its name.

Client side, shared by the TUI's `w` and `cxinbox attachment`: the file is written by the
staff member's own process, with their rights, never by the server.

The filename comes from a patient's mail: it can contain path separators, `..`, control
characters or the name of a file already there. It is reduced to a plain name and never
overwrites anything; the file is created 0600 because it is patient data.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

_UNSAFE = re.compile(r"[^A-Za-z0-9._ -]+")


def safe_filename(name: str) -> str:
    base = name.replace("\\", "/").rsplit("/", 1)[-1]
    base = _UNSAFE.sub("_", base).strip(" .")
    return base[:120] or "attachment"


def save_bytes(folder: Path, filename: str, data: bytes) -> Path:
    """Write `data` under `folder` with a safe, new name; returns the path written."""
    if not folder.is_dir():
        raise FileNotFoundError(f"no such folder: {folder}")
    name = safe_filename(filename)
    stem, dot, suffix = name.rpartition(".")
    if not dot:
        stem, suffix = name, ""
    candidate = folder / name
    counter = 1
    while True:
        try:
            fd = os.open(candidate, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            counter += 1
            candidate = folder / (f"{stem} ({counter}).{suffix}" if suffix
                                  else f"{stem} ({counter})")
            continue
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        return candidate
