"""Text a person hands a command as a file or on stdin (`-`): a reply's body, a knowledge-base
article. Read once, capped, UTF-8 only; every problem is one line and exit 2."""

from __future__ import annotations

import sys
from pathlib import Path

import typer


def read_text_input(path: str, limit: int) -> str:
    """The text of `path` (`-`: standard input), at most `limit` bytes."""
    try:
        if path == "-":
            data = sys.stdin.buffer.read(limit + 1)
        else:
            with Path(path).open("rb") as handle:
                data = handle.read(limit + 1)
    except OSError as exc:
        raise _fail(f"cannot read {path}: {exc.strerror}") from None
    if len(data) > limit:
        raise _fail(f"{path}: longer than {limit} bytes")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        raise _fail(f"{path}: not UTF-8 text") from None


def _fail(message: str) -> typer.Exit:
    typer.echo(f"cxinbox: {message}", err=True)
    return typer.Exit(2)
