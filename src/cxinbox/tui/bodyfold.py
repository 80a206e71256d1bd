"""Split a message body into what the patient wrote, what they quoted, and their signature.

Patient replies usually carry the whole earlier conversation below (or above) the new
lines, plus a signature. At a front desk the new lines are what matter, so quoted blocks
and signatures are folded to one line each until someone asks to see them. This module is
pure so the rules can be tested on real mail shapes without a screen.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

PartKind = Literal["text", "quote", "signature"]

_ATTRIBUTION = re.compile(r"^\s*On\s.+\bwrote:\s*$", re.IGNORECASE)
_ATTRIBUTION_START = re.compile(r"^\s*On\s.+\d", re.IGNORECASE)
_ATTRIBUTION_END = re.compile(r"^.*\bwrote:\s*$", re.IGNORECASE)
_FORWARD_MARKERS = (
    re.compile(r"^\s*-{2,}\s*Original Message\s*-{2,}\s*$", re.IGNORECASE),
    re.compile(r"^\s*_{10,}\s*$"),
)
_SIGNATURE = re.compile(r"^--\s?$")


@dataclass(frozen=True, slots=True)
class BodyPart:
    kind: PartKind
    lines: tuple[str, ...]


def _is_quote(line: str) -> bool:
    return line.lstrip().startswith(">")


def _attribution_len(lines: list[str], i: int) -> int:
    """Lines taken by an "On <date>, <name> wrote:" header starting at `i` (0 if none).

    Mail clients wrap a long attribution over two lines; either form counts only when a
    quoted line follows (possibly after one blank line).
    """
    if _ATTRIBUTION.match(lines[i]):
        length = 1
    elif (_ATTRIBUTION_START.match(lines[i]) and i + 1 < len(lines)
          and _ATTRIBUTION_END.match(lines[i + 1])):
        length = 2
    else:
        return 0
    after = i + length
    if after < len(lines) and not lines[after].strip():
        after += 1
    return length if after < len(lines) and _is_quote(lines[after]) else 0


def split_body(body: str) -> list[BodyPart]:
    lines = body.split("\n")
    while lines and not lines[-1].strip():
        lines.pop()
    parts: list[BodyPart] = []
    current: list[str] = []
    kind: PartKind = "text"

    def flush(next_kind: PartKind) -> None:
        nonlocal current, kind
        if current:
            parts.append(BodyPart(kind, tuple(current)))
        current = []
        kind = next_kind

    i = 0
    while i < len(lines):
        line = lines[i]
        if _SIGNATURE.match(line):
            flush("signature")
            current.extend(lines[i:])
            break
        if any(marker.match(line) for marker in _FORWARD_MARKERS) and i + 1 < len(lines):
            flush("quote")
            current.extend(lines[i:])
            break
        attribution = _attribution_len(lines, i) if kind != "quote" else 0
        if attribution or _is_quote(line):
            if kind != "quote":
                flush("quote")
            take = max(attribution, 1)
            current.extend(lines[i:i + take])
            i += take
            continue
        if kind == "quote" and not line.strip() and i + 1 < len(lines) and _is_quote(
                lines[i + 1]):
            current.append(line)
            i += 1
            continue
        if kind != "text":
            flush("text")
        current.append(line)
        i += 1
    flush("text")
    return _trim_blank_edges(parts)


def _trim_blank_edges(parts: list[BodyPart]) -> list[BodyPart]:
    """Drop text parts that are only blank lines (left between a reply and its quote)."""
    return [p for p in parts if p.kind != "text" or any(line.strip() for line in p.lines)]
