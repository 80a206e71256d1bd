"""The server's log: structured lines that never carry patient text.

Why it works this way:
- Under systemd, stderr is a journald stream (`$JOURNAL_STREAM` names its device and inode).
  Then each record goes to journald's native socket as fields (MESSAGE, PRIORITY,
  CXINBOX_ACCOUNT, CXINBOX_FOLDER, ...), so `journalctl -u cxinbox CXINBOX_ACCOUNT=billing`
  works; if that socket is missing, stderr lines carry a `<N>` priority prefix instead.
  Anywhere else a record is one `key=value` line (logfmt), greppable and parseable.
- Fields come from `extra=fields(...)` (service/logsafe.py): names from an allowlist,
  values numbers or short identifiers (account, folder, error class). Never free text.
- The last line of defence is here, on every record from every module: an exception's
  message is withheld (its class and our frames are what a bug report needs; the message
  may quote a subject, an address or a number), and anything shaped like an e-mail address
  or a phone number left in a message is masked. Third-party loggers stay at WARNING even
  when ours run at DEBUG: protocol traces (IMAP literals, HTTP query strings) are patient
  data.

Standard library only: no journald binding is needed to speak its datagram protocol.
"""

from __future__ import annotations

import logging
import os
import re
import socket
import struct
import sys
import time
import traceback
from typing import Final, TextIO

LEVEL_ENV: Final = "CXINBOX_LOG_LEVEL"
JOURNAL_SOCKET: Final = "/run/systemd/journal/socket"
OURS: Final = "cxinbox"
THIRD_PARTY_LEVEL: Final = logging.WARNING

_ADDRESS = re.compile(r"[^\s<>\"'(),;:@]+@[^\s<>\"'(),;:@]+\.[^\s<>\"'(),;:@]+")
_PHONE = re.compile(r"(?<![\w.])\+?\d[\d\s().-]{5,}\d(?![\w.])")
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_SAFE_VALUE = re.compile(r"[A-Za-z0-9_.:/@+?-]{1,80}")
_PRIORITY: Final = {logging.DEBUG: 7, logging.INFO: 6, logging.WARNING: 4, logging.ERROR: 3,
                    logging.CRITICAL: 2}


def mask(text: str) -> str:
    """Addresses and phone-number-shaped digit runs masked (ids, times, counts stay)."""
    text = _ADDRESS.sub("<address>", text)

    def number(match: re.Match[str]) -> str:
        found = match.group()
        if sum(c.isdigit() for c in found) < 7 or _DATE.fullmatch(found):
            return found
        return "<number>"

    return _PHONE.sub(number, text)


def _level(name: str | None) -> int:
    value = (name or os.environ.get(LEVEL_ENV, "") or "info").strip().upper()
    level = logging.getLevelName(value)
    return level if isinstance(level, int) else logging.INFO


class Withhold(logging.Filter):
    """Every record leaves here without exception messages and with identifiers masked."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = mask(record.getMessage())
        if record.exc_info and record.exc_info[1] is not None:
            exc = record.exc_info[1]
            frames = "".join(traceback.format_tb(exc.__traceback__)).rstrip()
            message = (f"{message}: {type(exc).__name__} (message withheld: it may hold"
                       f" patient text)\n{frames}")
            record.exc_info = None
            record.exc_text = None
        record.msg, record.args = message, None
        record.stack_info = None
        return True


def record_fields(record: logging.LogRecord) -> dict[str, object]:
    """The structured fields of a record (see service/logsafe.py `fields`)."""
    found = getattr(record, "cx_fields", None)
    return dict(found) if isinstance(found, dict) else {}


def _logfmt_value(value: object) -> str:
    text = str(value)
    if _SAFE_VALUE.fullmatch(text):
        return text
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


class KeyValueFormatter(logging.Formatter):
    """`time level logger msg key=value ...` on one line (a traceback indented after it)."""

    def format(self, record: logging.LogRecord) -> str:
        stamp = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(record.created))
        message = record.getMessage()
        first, _, rest = message.partition("\n")
        parts = [f"{stamp}.{int(record.msecs):03d}Z", f"level={record.levelname.lower()}",
                 f"logger={record.name}", f"msg={_logfmt_value(first)}"]
        parts += [f"{key}={_logfmt_value(value)}" for key, value in record_fields(record).items()]
        line = " ".join(parts)
        if rest:
            line += "\n" + "\n".join("    " + piece for piece in rest.splitlines())
        return line


class JournalHandler(logging.Handler):
    """Records as journald fields over its native datagram socket."""

    def __init__(self, path: str = JOURNAL_SOCKET, identifier: str = OURS) -> None:
        super().__init__()
        self.path = path
        self.identifier = identifier
        self._sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)

    def emit(self, record: logging.LogRecord) -> None:
        try:
            fields: dict[str, object] = {
                "MESSAGE": record.getMessage(),
                "PRIORITY": _PRIORITY.get(record.levelno, 6),
                "SYSLOG_IDENTIFIER": self.identifier,
                "LOGGER": record.name,
                "CODE_FILE": record.pathname, "CODE_LINE": record.lineno,
                "CODE_FUNC": record.funcName,
            }
            for key, value in record_fields(record).items():
                fields["CXINBOX_" + key.upper()] = value
            self._sock.sendto(journal_datagram(fields), self.path)
        except Exception:  # noqa: BLE001 - logging must never take the server down
            self.handleError(record)

    def close(self) -> None:
        self._sock.close()
        super().close()


def journal_datagram(fields: dict[str, object]) -> bytes:
    """journald's native format: `KEY=value\\n`, or for a value with a newline
    `KEY\\n` + its length as 64-bit little-endian + the value + `\\n`."""
    out = bytearray()
    for key, value in fields.items():
        data = str(value).encode("utf-8", errors="replace")
        if b"\n" in data:
            out += key.encode() + b"\n" + struct.pack("<Q", len(data)) + data + b"\n"
        else:
            out += key.encode() + b"=" + data + b"\n"
    return bytes(out)


def stderr_is_journal(stream: TextIO = sys.stderr) -> bool:
    """Whether `stream` is the journald stream systemd connected us to."""
    expected = os.environ.get("JOURNAL_STREAM", "")
    dev, _, ino = expected.partition(":")
    try:
        info = os.fstat(stream.fileno())
        return bool(dev and ino) and (info.st_dev, info.st_ino) == (int(dev), int(ino))
    except (OSError, ValueError, AttributeError):
        return False


class _PrefixFormatter(KeyValueFormatter):
    """For a journald stream without the native socket: `<N>` tells it the priority."""

    def format(self, record: logging.LogRecord) -> str:
        return f"<{_PRIORITY.get(record.levelno, 6)}>" + super().format(record)


def configure(level: str | None = None, *, stream: TextIO | None = None) -> logging.Handler:
    """Set up the process's logging once (`cxinbox serve`); returns the handler."""
    stream = stream if stream is not None else sys.stderr
    handler: logging.Handler
    if stderr_is_journal(stream) and os.path.exists(JOURNAL_SOCKET):
        handler = JournalHandler()
    else:
        handler = logging.StreamHandler(stream)
        handler.setFormatter(_PrefixFormatter() if stderr_is_journal(stream)
                             else KeyValueFormatter())
    handler.addFilter(_ThirdParty())  # on the handler: logger filters skip propagated records
    handler.addFilter(Withhold())
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
    root.addHandler(handler)
    ours = _level(level)
    root.setLevel(min(ours, THIRD_PARTY_LEVEL))
    logging.getLogger(OURS).setLevel(ours)
    # psycopg's pool warns at every failed reconnection (every second or two while the
    # database is away, its libpq text over two lines); the store says when the database
    # goes away and comes back, once each.
    logging.getLogger("psycopg").setLevel(logging.ERROR)
    return handler


class _ThirdParty(logging.Filter):
    """Below WARNING, only our own loggers speak (loggers created later included)."""

    def filter(self, record: logging.LogRecord) -> bool:
        return record.levelno >= THIRD_PARTY_LEVEL or record.name.startswith(OURS)

