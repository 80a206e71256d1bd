"""Reading a file someone wants to attach, on their side of the socket.

The client opens the file with the staff member's own rights and sends the bytes with
`attach_file`; the server never opens a path a client names. Everything that can go wrong
here is a plain one-line `BadRequest`, checked before reading so a 4 GB file is refused
without being loaded.
"""

from __future__ import annotations

import mimetypes
import os
import stat
from pathlib import Path

from cxinbox.contract.errors import BadRequest
from cxinbox.domain.compose import MAX_ATTACHMENT_BYTES
from cxinbox.domain.sanitize import clean_line


def read_for_upload(text: str, already_attached: int = 0) -> tuple[str, bytes, str]:
    """(file name, bytes, guessed content type) of the file at `text` (~ expanded)."""
    shown = clean_line(text, max_len=200)
    if not text.strip():
        raise BadRequest("type the path of a file to attach")
    path = Path(text.strip()).expanduser()
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NOCTTY", 0) | getattr(os, "O_NONBLOCK", 0))
    except OSError as exc:
        raise BadRequest(f"cannot attach {shown!r}: {exc.strerror or exc}") from None
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise BadRequest(f"cannot attach {shown!r}: not a regular file")
        limit = MAX_ATTACHMENT_BYTES - already_attached
        if info.st_size > limit:
            mb = MAX_ATTACHMENT_BYTES // (1024 * 1024)
            raise BadRequest(f"cannot attach {shown!r}: {info.st_size / 1024 / 1024:.1f} MB;"
                             f" a reply carries at most {mb} MB in all; send a link instead")
        chunks: list[bytes] = []
        total = 0
        while True:
            chunk = os.read(fd, 1024 * 1024)
            if not chunk:
                break
            total += len(chunk)
            if total > limit:  # it grew while we read
                raise BadRequest(f"cannot attach {shown!r}: it is still growing")
            chunks.append(chunk)
    except OSError as exc:
        raise BadRequest(f"cannot read {shown!r}: {exc.strerror or exc}") from None
    finally:
        os.close(fd)
    guessed, _ = mimetypes.guess_type(path.name)
    return path.name, b"".join(chunks), guessed or ""
