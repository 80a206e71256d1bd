"""Signed checkpoints of the audit chain: the signing key, the line format, the log file.

The event table chains every event to the one before (SHA-256), which catches an edit made
without recomputing the hashes. Someone who can write the database file can still delete
the newest rows, or rewrite and rehash everything. A checkpoint fixes the chain head (seq,
hash, row count, time) with an Ed25519 signature made by a key the database does not
hold, and lands in an append-only log outside the database: to rewrite history
unnoticed one now needs the key and the log as well, not only the database.

One checkpoint is one line of canonical JSON. Each line also carries the SHA-256 of the
line before it, so a line taken out of the middle of the log breaks the sequence. On
PostgreSQL each line also names the database it signed (`store`, its store id): one key
may sign several databases, each in a log of its own, and a log of another database is
refused by name (`foreign_store`) rather than read as this one's tampered trail.
"""

from __future__ import annotations

import base64
import binascii
import dataclasses
import fcntl
import hashlib
import json
import os
import stat
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable

    from cxinbox.config import Config

FORMAT_VERSION = 1
_FIELDS = ("v", "seq", "hash", "count", "at", "key", "prev", "sig")
_START_FIELDS = ("start", "start_prev")
_STORE_FIELDS = ("store",)
_SHAPES = tuple(sorted(_FIELDS + extra + more) for extra in ((), _START_FIELDS)
                for more in ((), _STORE_FIELDS))
"""The field sets a line may have: a trail never cut has no start, and a line signed by
an older cxinbox, or for a SQLite file, names no store."""
TAIL_BYTES = 4096
"""Enough of the log's end to hold its last line (a line is about 300 bytes)."""


class AnchorError(Exception):
    """A problem with the key or the checkpoint log that a person must fix (one line)."""


# -- the key --------------------------------------------------------------------------------


def public_key_text(key: Ed25519PublicKey) -> str:
    """The public key as 44 characters of base64: what `[audit] public_key` pins."""
    raw = key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return base64.b64encode(raw).decode("ascii")


def key_id(key: Ed25519PublicKey) -> str:
    """A short name for the key, written into every checkpoint."""
    raw = key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return hashlib.sha256(raw).hexdigest()[:16]


def parse_public_key(text: str) -> Ed25519PublicKey:
    try:
        raw = base64.b64decode(text.strip(), validate=True)
        return Ed25519PublicKey.from_public_bytes(raw)
    except (binascii.Error, ValueError):
        raise AnchorError("[audit] public_key is not an Ed25519 public key (44 characters"
                          " of base64, as `cxinbox audit verify` prints it)") from None


def load_signing_key(path: Path, *, create: bool) -> Ed25519PrivateKey:
    """The server's signing key; with `create`, made on first use (mode 0600).

    Refused when anyone but its owner may read it or when it belongs to another user:
    whoever can read it can sign a forged history.
    """
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOCTTY)
    except (FileNotFoundError, NotADirectoryError):
        if not create:
            raise AnchorError(f"{path}: the audit signing key is missing") from None
        return _create_key(path)
    except OSError as exc:
        raise AnchorError(f"{path}: cannot read the audit signing key ({exc.strerror});"
                          " run this as the server's user") from None
    try:
        info = os.fstat(fd)
        _check_private(path, info, "the audit signing key")
        with os.fdopen(fd, "rb", closefd=False) as handle:
            data = handle.read(16 * 1024)
    finally:
        os.close(fd)
    try:
        key = serialization.load_pem_private_key(data, password=None)
    except (ValueError, TypeError):
        raise AnchorError(f"{path}: not an unencrypted PEM private key") from None
    if not isinstance(key, Ed25519PrivateKey):
        raise AnchorError(f"{path}: not an Ed25519 key")
    return key


def _check_private(path: Path, info: os.stat_result, what: str, *, mask: int = 0o077) -> None:
    """Ours, a plain file, and nothing in `mask` (0o077 for the key: no one else may read
    it; 0o022 for the log, which holds no secret but must not be edited by others)."""
    if not stat.S_ISREG(info.st_mode):
        raise AnchorError(f"{path}: {what} is not a regular file")
    if info.st_uid != os.geteuid():
        from cxinbox.paths import run_as_owner

        raise AnchorError(f"{path}: {what} belongs to uid {info.st_uid}, not to this user"
                          f" (uid {os.geteuid()}); {run_as_owner(info.st_uid)}"
                          " (or chown it to the server's user)")
    mode = stat.S_IMODE(info.st_mode)
    if mode & mask:
        fix = "chmod 600" if mask & 0o044 else "chmod go-w"
        raise AnchorError(f"{path}: mode {mode:04o} lets other users at {what};"
                          f" run {fix} {path}")


def check_log_file(path: Path) -> None:
    """AnchorError when the log is not the server user's own or others may write it."""
    _check_private(path, os.stat(path), "the checkpoint log", mask=0o022)


def _create_key(path: Path) -> Ed25519PrivateKey:
    key = Ed25519PrivateKey.generate()
    pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                            serialization.NoEncryption())
    try:
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    except OSError as exc:
        raise AnchorError(f"{path}: cannot create the audit signing key ({exc.strerror});"
                          " set [audit] key_file to a place the server's user may write"
                          ) from None
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOCTTY, 0o600)
    except FileExistsError:  # another process made it a moment ago: use theirs
        return load_signing_key(path, create=False)
    except OSError as exc:
        raise AnchorError(f"{path}: cannot create the audit signing key ({exc.strerror});"
                          " set [audit] key_file to a place the server's user may write"
                          ) from None
    try:
        os.write(fd, pem)
        os.fsync(fd)
    finally:
        os.close(fd)
    return key


# -- one checkpoint ---------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Checkpoint:
    """The chain head as the server saw it at `at` (ms since the epoch, UTC).

    `start`/`start_prev`: where the trail begins. After retention released the oldest
    events, the server signs the new first event and the hash it links to, so a verifier
    can tell events released under the policy from events deleted by someone else. A
    trail that was never cut (start 1) leaves both out of the line.

    `store`: the id of the PostgreSQL database signed (`Store.store_id`), signed with the
    rest; empty (and not in the line) for a SQLite file and in lines of an older cxinbox.
    """

    seq: int
    hash: str
    count: int
    at: int
    key: str
    prev: str
    sig: str = ""
    start: int = 1
    start_prev: str = ""
    store: str = ""

    def _body(self) -> dict[str, object]:
        body: dict[str, object] = {"v": FORMAT_VERSION, "seq": self.seq, "hash": self.hash,
                                   "count": self.count, "at": self.at, "key": self.key,
                                   "prev": self.prev}
        if self.start > 1:
            body["start"] = self.start
            body["start_prev"] = self.start_prev
        if self.store:
            body["store"] = self.store
        return body

    def signed_part(self) -> bytes:
        return json.dumps(self._body(), sort_keys=True, separators=(",", ":")).encode("ascii")

    def line(self) -> str:
        return json.dumps({**self._body(), "sig": self.sig}, sort_keys=True,
                          separators=(",", ":"))


def line_digest(line: str) -> str:
    """What the next checkpoint's `prev` holds: the SHA-256 of this line's text."""
    return hashlib.sha256(line.encode("utf-8")).hexdigest()


def sign(key: Ed25519PrivateKey, *, seq: int, hash: str, count: int, at: int,
         prev: str, start: int = 1, start_prev: str = "", store: str = "") -> Checkpoint:
    unsigned = Checkpoint(seq, hash, count, at, key_id(key.public_key()), prev,
                          start=start, start_prev=start_prev, store=store)
    signature = base64.b64encode(key.sign(unsigned.signed_part())).decode("ascii")
    return dataclasses.replace(unsigned, sig=signature)


def parse_line(text: str) -> Checkpoint:
    """One log line as a checkpoint; ValueError says what is wrong with it."""
    try:
        data = json.loads(text)
    except json.JSONDecodeError:
        raise ValueError("not JSON") from None
    if not isinstance(data, dict) or sorted(data) not in _SHAPES:
        raise ValueError("not a checkpoint")
    if data["v"] != FORMAT_VERSION:
        raise ValueError(f"unknown checkpoint version {data['v']!r}")
    start, start_prev = data.get("start", 1), data.get("start_prev", "")
    ints = [data[k] for k in ("seq", "count", "at")] + [start]
    store = data.get("store", "")
    strs = [data[k] for k in ("hash", "key", "prev", "sig")] + [start_prev, store]
    if not all(type(v) is int and v >= 0 for v in ints) or \
            not all(isinstance(v, str) for v in strs) or ("start" in data and start < 2) \
            or ("store" in data and not store):
        raise ValueError("a field has the wrong type")
    return Checkpoint(data["seq"], data["hash"], data["count"], data["at"], data["key"],
                      data["prev"], data["sig"], start, start_prev, store)


def signature_ok(checkpoint: Checkpoint, key: Ed25519PublicKey) -> bool:
    try:
        key.verify(base64.b64decode(checkpoint.sig, validate=True), checkpoint.signed_part())
    except (InvalidSignature, binascii.Error, ValueError):
        return False
    return True


# -- the log ----------------------------------------------------------------------------------


def read_log(path: Path) -> list[str] | None:
    """Every line of the log (a damaged last line included), or None when there is none."""
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise AnchorError(f"{path}: cannot read the checkpoint log ({exc.strerror})") from None
    return data.decode("utf-8", errors="replace").splitlines()


def last_signer(path: Path) -> str | None:
    """The key id of the last intact checkpoint in the log at `path` (its end read only);
    None when there is no such file, no intact line, or the file cannot be read."""
    try:
        with open(path, "rb") as handle:
            size = handle.seek(0, os.SEEK_END)
            handle.seek(max(0, size - TAIL_BYTES))
            tail = handle.read()
    except OSError:
        return None
    for piece in reversed(tail.split(b"\n")):
        try:
            return parse_line(piece.decode("utf-8", errors="replace")).key
        except ValueError:
            continue
    return None


def foreign_store(lines: list[str], store_id: str | None) -> str | None:
    """The store id another database's checkpoints in `lines` carry, when any line names
    a store that is not `store_id` (None: a SQLite file, or a database without an id
    yet, whose own lines name none); None when every line is this store's or names none
    (a log of an older cxinbox). Damaged lines are passed over."""
    for text in lines:
        if '"store"' not in text:
            continue
        try:
            store = parse_line(text).store
        except ValueError:
            continue
        if store and store != store_id:
            return store
    return None


def foreign_log_line(path: Path, theirs: str, store_id: str | None,
                     database: Path | str) -> str:
    """The one line that refuses the log at `path` of the store `theirs`."""
    from cxinbox.domain.sanitize import clean_line

    if store_id:
        ours = f"this database's {store_id}"
    elif isinstance(database, Path):
        ours = f"this SQLite file's ({database})"
    else:
        ours = f"this database's ({database}, which has no store id yet)"
    return (f"checkpoint log {path} belongs to store {clean_line(theirs, 80)}, not {ours};"
            " point [audit] checkpoint_log at this database's own log, or leave it unset")


@dataclass(frozen=True, slots=True)
class LogChoice:
    """Which checkpoint log a server (and its `audit verify`) uses for one database."""

    path: Path
    default: Path
    """Where the log belongs by today's rule (`Config.checkpoint_log_for`)."""
    legacy: Path | None = None
    """The PostgreSQL log at the old shared default, when it exists (`path` is it when it
    holds this server's own checkpoints and the new log does not exist yet)."""

    @property
    def moved(self) -> bool:
        """The old default is in use: what to do about it is `move_hint`."""
        return self.legacy is not None and self.path == self.legacy

    def move_hint(self) -> str:
        return (f"{self.path} is the checkpoint log at the default of an older cxinbox"
                f" (one file for every config of this user); move it to {self.default}"
                f" while the server is stopped (mv {self.path} {self.default}), or set"
                f" [audit] checkpoint_log = \"{self.path}\" to keep it there")


def choose_log(config: Config, store_id: str | None, own_key: str | None, *,
               kept: Callable[[], Iterable[str]]) -> LogChoice:
    """The checkpoint log for the database `store_id` names, as the server with the key
    `own_key` (its id; None when it has none yet) writes it. `kept` reads the checkpoint
    lines the database keeps (a PostgreSQL store keeps every line it was signed with).

    On PostgreSQL an older cxinbox wrote every config's checkpoints to one file beside
    the default SQLite database: the very file the SQLite cache at the default path logs
    to. That file is used on only while the new log does not exist, its last checkpoint
    is this server's own (signed by `own_key`) and this database keeps one of its last
    lines: an upgraded server continues its own history there. A file of another key, or
    whose lines this database never kept (the SQLite cache's own log, which a `store
    copy` target carries none of), is never read as this database's nor written to."""
    default = config.checkpoint_log_for(store_id)
    legacy = config.legacy_checkpoint_log
    if legacy is None or legacy == default or not legacy.exists():
        return LogChoice(default, default)
    if own_key is not None and not default.exists() and last_signer(legacy) == own_key \
            and _kept_here(legacy, kept):
        return LogChoice(legacy, default, legacy)
    return LogChoice(default, default, legacy)


def _kept_here(path: Path, kept: Callable[[], Iterable[str]]) -> bool:
    """Whether the database keeps one of the checkpoints at the end of the log at `path`
    (compared by signature: the log's newest line may not be kept yet when a server
    signs right now, and retention keeps only each key's newest line)."""
    try:
        with open(path, "rb") as handle:
            size = handle.seek(0, os.SEEK_END)
            handle.seek(max(0, size - TAIL_BYTES))
            tail = handle.read().decode("utf-8", errors="replace").split("\n")
    except OSError:
        return False
    sigs = {_signature(text) for text in tail} - {""}
    return bool(sigs) and any(_signature(text) in sigs for text in kept())


def _signature(text: str) -> str:
    try:
        return parse_line(text).sig
    except ValueError:
        return ""


class CheckpointLog:
    """The log as its one writer (the server) holds it: opened O_APPEND, locked, fsynced.

    O_APPEND makes every write land at the end whatever anyone did to the file offset, and
    is the only way to write a file marked `chattr +a`, which the README recommends: then
    not even the server's own user can truncate or edit what it wrote.
    """

    def __init__(self, path: Path) -> None:
        self.path = path
        try:
            path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
            self._fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT | os.O_NOCTTY,
                               0o600)
        except OSError as exc:
            raise AnchorError(f"{path}: cannot open the checkpoint log ({exc.strerror});"
                              " set [audit] checkpoint_log to a place the server's user"
                              " may write") from None
        try:
            fcntl.flock(self._fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(self._fd)
            raise AnchorError(f"{path}: another cxinbox serve is writing checkpoints to"
                              " this log") from None
        try:
            _check_private(path, os.fstat(self._fd), "the checkpoint log", mask=0o022)
        except AnchorError:
            os.close(self._fd)
            raise

    def tail(self) -> tuple[list[str], bool]:
        """The complete lines at the end of the log (oldest first), and whether a damaged,
        unterminated piece follows them (a crash in the middle of a write)."""
        with open(self.path, "rb") as handle:
            size = handle.seek(0, os.SEEK_END)
            handle.seek(max(0, size - TAIL_BYTES))
            tail = handle.read()
        pieces = tail.split(b"\n")
        torn = pieces[-1] != b""
        complete = pieces[:-1]
        if size > TAIL_BYTES:
            complete = complete[1:]  # the first piece may begin in the middle of a line
        return [p.decode("utf-8", errors="replace") for p in complete], torn

    def append(self, line: str) -> None:
        data = (line + "\n").encode("utf-8")
        written = os.write(self._fd, data)
        if written != len(data):
            raise AnchorError(f"{self.path}: short write to the checkpoint log (disk full?)")
        os.fsync(self._fd)

    def end_torn_line(self) -> None:
        """Close off a line a crash left unfinished, so the next checkpoint starts clean."""
        os.write(self._fd, b"\n")
        os.fsync(self._fd)

    def close(self) -> None:
        os.close(self._fd)
