"""The store's text key: the secret that keys the hashes of canned text handed out for a
conversation (service/redflags.py), so an audit event holding them reveals nothing to
whoever reads the trail without the key (a dictionary of common phrases and patient names
no longer undoes them).

Why a key of the store's own, not the audit signing key: that key belongs to one server
(on PostgreSQL each server signs with its own) and in-process use never holds it, while a
text handed out by one server must be recognised when another server, or an admin's
`--local` command, sends the reply. So the key goes where every user of the store already
reaches and a copy of the audit trail does not: beside a SQLite file, in a file of its own
(mode 0600, owned by the store's user, like the database; `<db>-textkey`), and in the
PostgreSQL database's `cxinbox_meta` (key `text_key`), made by the first to need it.
"""

from __future__ import annotations

import binascii
import os
import secrets
import stat
from pathlib import Path
from typing import Final

from cxinbox.contract.errors import StoreError

KEY_BYTES: Final = 32


def new_key_text() -> str:
    """A fresh key as the hex text both stores keep."""
    return secrets.token_hex(KEY_BYTES)


def parse_key(text: str, where: str) -> bytes:
    try:
        key = bytes.fromhex(text.strip())
    except (ValueError, binascii.Error):
        key = b""
    if len(key) != KEY_BYTES:
        raise StoreError(f"{where}: not a cxinbox text key ({KEY_BYTES * 2} hex digits)")
    return key


def file_key(path: Path) -> bytes:
    """The key in `path`, made there on first use (atomically: two processes that race
    both end up reading the one that landed)."""
    try:
        return _read(path)
    except FileNotFoundError:
        pass
    tmp = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}")
    try:
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o600)
        try:
            os.write(fd, (new_key_text() + "\n").encode("ascii"))
            os.fsync(fd)
        finally:
            os.close(fd)
        try:
            os.link(tmp, path)
        except FileExistsError:
            pass
        dir_fd = os.open(path.parent, os.O_RDONLY)
        try:
            os.fsync(dir_fd)
        finally:
            os.close(dir_fd)
    except OSError as exc:
        raise StoreError(f"{path}: cannot make the text key ({exc.strerror})") from None
    finally:
        try:
            os.unlink(tmp)
        except OSError:
            pass
    return _read(path)


def _read(path: Path) -> bytes:
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NOCTTY)
    except FileNotFoundError:
        raise
    except OSError as exc:
        raise StoreError(f"{path}: cannot read the text key ({exc.strerror})") from None
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise StoreError(f"{path}: the text key is not a regular file")
        if info.st_uid != os.geteuid():
            raise StoreError(f"{path}: the text key belongs to uid {info.st_uid}, not to"
                             f" this user (uid {os.geteuid()})")
        if stat.S_IMODE(info.st_mode) & 0o077:
            raise StoreError(f"{path}: the text key may be read by others"
                             f" (mode {stat.S_IMODE(info.st_mode):o}); chmod 600 it")
        data = os.read(fd, 256).decode("ascii", "replace")
    finally:
        os.close(fd)
    return parse_key(data, str(path))
