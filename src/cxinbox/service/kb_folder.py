"""Reading `[kb] folder`: every `*.md` file parsed, and a cheap way to know it changed.

A file that cannot be read or parsed becomes one error line, "kb/parking.md:3: why",
and the other files still load. Whether the folder changed is told by a signature (each
file's name, size and modification time): one `stat` per file, taken at most once a
second, so a search pays nothing measurable for noticing an edit.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Final

from cxinbox.domain.kb import ArticleText, KbFormatError, parse_file
from cxinbox.domain.sanitize import clean_line

MAX_FILE_BYTES: Final = 256 * 1024
MAX_FILES: Final = 5000
CHECK_EVERY_S: Final = 1.0

Signature = tuple[tuple[str, int, int], ...]


@dataclass(frozen=True, slots=True)
class FolderReading:
    folder: Path
    articles: list[tuple[str, ArticleText]]
    errors: list[str]
    names: frozenset[str]
    """Every *.md file present, parsed or not."""
    signature: Signature

    def label(self, name: str) -> str:
        return f"{self.folder.name}/{name}"


@dataclass(slots=True)
class _Seen:
    signature: Signature | None = None
    checked_at: float = 0.0
    lock: threading.Lock = field(default_factory=threading.Lock)


_SEEN: dict[Path, _Seen] = {}
_SEEN_LOCK = threading.Lock()


def _files(folder: Path) -> list[Path]:
    try:
        found = [p for p in folder.iterdir() if p.suffix == ".md"
                 and not p.name.startswith(".")]
    except OSError:
        return []
    return sorted(found)[:MAX_FILES]


def signature(folder: Path) -> Signature:
    out = []
    for path in _files(folder):
        try:
            st = path.stat()
        except OSError:
            continue
        out.append((path.name, st.st_size, st.st_mtime_ns))
    return tuple(out)


def read_folder(folder: Path) -> FolderReading:
    sig = signature(folder)
    articles: list[tuple[str, ArticleText]] = []
    errors: list[str] = []
    slugs: dict[str, str] = {}
    if not folder.is_dir():
        errors.append(f"{folder}: not a folder that can be read ([kb] folder)")
    names = []
    for path in _files(folder):
        name = path.name
        names.append(name)
        label = f"{folder.name}/{clean_line(name, 80)}"
        try:
            with path.open("rb") as handle:
                data = handle.read(MAX_FILE_BYTES + 1)
        except OSError as exc:
            errors.append(f"{label}:0: cannot read it ({exc.strerror})")
            continue
        if len(data) > MAX_FILE_BYTES:
            errors.append(f"{label}:0: larger than {MAX_FILE_BYTES // 1024} KB")
            continue
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError as exc:
            line = data[:exc.start].count(b"\n") + 1
            errors.append(f"{label}:{line}: not UTF-8 text")
            continue
        try:
            article = parse_file(text, path.stem)
        except KbFormatError as exc:
            errors.append(f"{label}:{exc.line}: {exc}")
            continue
        if article.slug in slugs:
            errors.append(f"{label}:1: slug {article.slug!r} is also {slugs[article.slug]}'s;"
                          " skipped")
            continue
        slugs[article.slug] = name
        articles.append((name, article))
    return FolderReading(folder, articles, errors, frozenset(names), sig)


def _seen(folder: Path) -> _Seen:
    with _SEEN_LOCK:
        return _SEEN.setdefault(folder, _Seen())


def changed_since_read(folder: Path, *, now: float | None = None) -> bool:
    """Whether the folder's files differ from the last read (checked at most once a
    second; a folder never read counts as changed)."""
    seen = _seen(folder)
    at = time.monotonic() if now is None else now
    with seen.lock:
        if seen.signature is not None and at - seen.checked_at < CHECK_EVERY_S:
            return False
        seen.checked_at = at
        return seen.signature != signature(folder)


def mark_read(folder: Path, sig: Signature) -> None:
    seen = _seen(folder)
    with seen.lock:
        seen.signature = sig
        seen.checked_at = time.monotonic()


def forget(folder: Path) -> None:
    """Read the folder afresh next time (tests; a server told to re-read)."""
    with _SEEN_LOCK:
        _SEEN.pop(folder, None)
