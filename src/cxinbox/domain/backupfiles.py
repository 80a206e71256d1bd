"""Backup files as data: age recipients, the shape of an age file, names and rotation.

Pure functions, no I/O: the config checks recipients with them before anything runs, the
backup checks the file it just wrote with them (it cannot decrypt it: the private key is
kept away from the server), and rotation decides from names alone what to delete.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Final

AGE_MAGIC: Final = b"age-encryption.org/v1\n"
AGE_CHUNK: Final = 64 * 1024
"""Plaintext bytes per STREAM chunk; each chunk gains a 16-byte tag."""
AGE_TAG: Final = 16
AGE_NONCE: Final = 16
HEADER_MAX: Final = 64 * 1024
"""An age header longer than this is not one we wrote (a few stanzas of ~100 bytes)."""

SUFFIX: Final = ".db.gz.age"
_STAMP_FORMAT: Final = "%Y%m%dT%H%M%SZ"
_NAME = re.compile(r"cxinbox-(?P<host>[A-Za-z0-9._-]{1,63})-(?P<stamp>\d{8}T\d{6}Z)"
                   + re.escape(SUFFIX))

_BECH32_CHARS: Final = "qpzry9x8gf2tvdw0s3jn54khce6mua7l"
_BECH32_GEN: Final = (0x3B6A57B2, 0x26508E6D, 0x1EA119FA, 0x3D4233DD, 0x2A1462B3)
_B64 = re.compile(rb"[A-Za-z0-9+/]*")


# -- recipients ------------------------------------------------------------------------------


def _polymod(values: list[int]) -> int:
    check = 1
    for value in values:
        top = check >> 25
        check = (check & 0x1FFFFFF) << 5 ^ value
        for bit, gen in enumerate(_BECH32_GEN):
            if (top >> bit) & 1:
                check ^= gen
    return check


def recipient_problem(text: str) -> str | None:
    """None for an age X25519 public key ("age1" + 58 bech32 characters with a valid
    checksum), else why not, in a few words for a config error."""
    if text.upper().startswith("AGE-SECRET-KEY-"):
        return ("this is a private key: put only public keys (age1...) here and keep the"
                " private key away from this machine")
    lowered = text.lower()
    if text not in (lowered, text.upper()) or not lowered.startswith("age1"):
        return "expected an age public key (age1...)"
    data = lowered[4:]
    if len(data) != 58 or any(ch not in _BECH32_CHARS for ch in data):
        return "expected an age public key: 'age1' and 58 letters and digits"
    values = [ord(ch) >> 5 for ch in "age"] + [0] + [ord(ch) & 31 for ch in "age"]
    values += [_BECH32_CHARS.index(ch) for ch in data]
    if _polymod(values) != 1:
        return "not a valid age public key (its checksum does not match: a typo?)"
    return None


# -- the file's shape ------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class AgeShape:
    """What can be checked of an age file without its private key."""

    header_bytes: int
    x25519_stanzas: int
    payload_bytes: int


def age_payload_size(plain_bytes: int) -> int:
    """Bytes after the header for `plain_bytes` of plaintext: the nonce, then STREAM
    chunks of 64 KiB each with a tag (at least one chunk, even for nothing)."""
    chunks = max(1, -(-plain_bytes // AGE_CHUNK))
    return AGE_NONCE + plain_bytes + chunks * AGE_TAG


def age_shape(head: bytes, total_bytes: int) -> AgeShape:
    """Parse an age v1 header from the first bytes of a file; ValueError says what is wrong."""
    if not head.startswith(AGE_MAGIC):
        raise ValueError("not an age file (no age-encryption.org/v1 header)")
    lines = head[len(AGE_MAGIC):HEADER_MAX].split(b"\n")
    offset = len(AGE_MAGIC)
    stanzas = x25519 = 0
    in_stanza = False
    for line in lines[:-1]:
        offset += len(line) + 1
        if line.startswith(b"--- "):
            mac = line[4:]
            if len(mac) != 43 or not _B64.fullmatch(mac) or stanzas == 0:
                raise ValueError("the age header's MAC line is malformed")
            payload = total_bytes - offset
            if payload < AGE_NONCE + AGE_TAG:
                raise ValueError("the age file ends before its payload")
            return AgeShape(offset, x25519, payload)
        if line.startswith(b"-> "):
            args = line[3:].split(b" ")
            if not args or not args[0]:
                raise ValueError("an age header stanza has no type")
            stanzas += 1
            if args[0] == b"X25519":
                if len(args) != 2 or len(args[1]) != 43 or not _B64.fullmatch(args[1]):
                    raise ValueError("an X25519 stanza of the age header is malformed")
                x25519 += 1
            in_stanza = True
            continue
        if not in_stanza or len(line) > 64 or not _B64.fullmatch(line):
            raise ValueError("the age header has a malformed line")
        if len(line) < 64:
            in_stanza = False  # a short line ends a stanza's body
    raise ValueError("the age header does not end (no MAC line)")


# -- names and rotation ----------------------------------------------------------------------


def host_label(hostname: str) -> str:
    """The host as it appears in a file name: letters, digits, '.', '-' only."""
    label = re.sub(r"[^A-Za-z0-9.-]", "-", hostname.split(".")[0] or "host")[:63]
    return label.strip("-.") or "host"


def backup_name(host: str, at: datetime) -> str:
    return f"cxinbox-{host_label(host)}-{at.astimezone(UTC).strftime(_STAMP_FORMAT)}{SUFFIX}"


def parse_backup_name(name: str) -> tuple[str, datetime] | None:
    """(host, time) of a file named by `backup_name`, None for any other name."""
    match = _NAME.fullmatch(name)
    if match is None:
        return None
    try:
        at = datetime.strptime(match["stamp"], _STAMP_FORMAT).replace(tzinfo=UTC)
    except ValueError:
        return None
    return match["host"], at


def to_rotate(names: list[str], host: str, keep: int) -> list[str]:
    """The backups of `host` beyond the newest `keep`, oldest first. Other hosts' files
    (a shared backup disk) and files not named by us are never candidates."""
    label = host_label(host)
    ours = sorted((parsed[1], name) for name in names
                  if (parsed := parse_backup_name(name)) is not None and parsed[0] == label)
    return [name for _, name in ours[:max(0, len(ours) - keep)]]
