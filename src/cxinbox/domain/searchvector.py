"""A message's PostgreSQL search vector made in this process, only where it is exactly the
server's.

The PostgreSQL store keeps each message's words as the tsvector
`cxinbox_message_search(subject, sender, body)` (store/pg/schema.py): each text folded by
`cxinbox_words` (unaccent, lower(), every run of non-[[:alnum:]] characters one space),
cut into tokens by the text-search parser, the subject's weighted A, the sender's B, the
three joined by `||`. Making it was most of the server's CPU in a first sync, and the
database is the one machine every site shares; the sync's parse workers read every
message's text anyway. So they make the vector here and the server only stores it.

It has to be the server's vector to the position, or a search would find other messages
than the same search on rows the server indexed. What the server's pipeline does to a
character depends on its locale (lower(), [[:alnum:]]: in the C locale no non-ASCII
letter is alnum) and on its version's unaccent rules (which can turn a symbol into
letters: "©" is "c", "½" is "1 2"). So nothing is assumed: the store asks the server once
how `cxinbox_words` maps each character of `candidates()` (`WordMap.from_probe`), and a
text is made here only when every one of its characters has a known mapping that is made
of ASCII letters, digits and spaces. Any other text gives None: the message is left to
the server as before. What the parser and `to_tsvector` then do with such words is
modelled below on PostgreSQL's own rules, checked against a real server by
tests/test_pg_search_vector.py:

- A token is a run of [a-z0-9], except that a run of digits, "e" and digits followed by a
  letter is two (the parser's scientific notation: "1e5x" is "1e5" and "x").
- A token of 2047 bytes or more is left out and takes no position.
- Positions count tokens from 1 and stop at 16383; a lexeme keeps at most 255 positions
  (`to_tsvector`), and one that has reached 16383 keeps no more.
- `a || b` shifts b's positions by the largest position in a, each capped at 16383, and a
  lexeme in both keeps a's positions and then b's, up to 256 in all.
- A vector whose stored size would pass PostgreSQL's 1 MB limit is left to the server (it
  refuses it, as before).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from functools import lru_cache
from typing import Final

BODY_CHARS: Final = 500_000
"""The body's characters the vector covers (`left(body, 500000)` in the SQL function)."""

_MAX_POS: Final = 16383
_TSVECTOR_POS: Final = 255  # positions of a lexeme from one to_tsvector
_CONCAT_POS: Final = 256  # and after `||`
_LONGEST: Final = 2046  # bytes of the longest token kept
_MAX_BYTES: Final = (1 << 20) - 1  # a tsvector's lexemes and positions

_WORD_CHARS: Final = frozenset("abcdefghijklmnopqrstuvwxyz0123456789 ")
_UNKNOWN: Final = "\x80"
"""What a character with no usable mapping becomes: not ASCII, so the text is refused."""

_SCIENTIFIC: Final = re.compile(r"\b([0-9]+e[0-9]+)(?=[a-z])", re.ASCII)
"""A token the parser cuts in two: digits, e, digits, then a letter ("1e5x": "1e5", "x")."""
_MAYBE_SCIENTIFIC: Final = re.compile(r"[0-9]e[0-9]")

_RANGES: Final = (
    (0x0001, 0x024F),  # ASCII (no NUL: a PostgreSQL text cannot hold one), Latin-1,
    #                    Latin Extended-A and -B
    (0x1E00, 0x1EFF),  # Latin Extended Additional (Vietnamese, Welsh)
    (0x2000, 0x2BFF),  # punctuation, super/subscripts, currency, letterlike, number
    #                    forms, arrows, maths, technical, box drawing, shapes, dingbats
    (0x3000, 0x303F),  # CJK punctuation (the ideographic space)
    (0xFE00, 0xFE0F),  # variation selectors (emoji presentation)
    (0xFEFF, 0xFEFF),  # the byte-order mark
    (0xFFFD, 0xFFFD),  # the replacement character (undecodable bytes)
    (0x1F300, 0x1FAFF),  # emoji
)


def candidates() -> list[str]:
    """The characters whose mapping the server is asked for: what clinic mail is written
    in (Latin scripts, punctuation, the common symbols and emoji). A text with any other
    character is the server's to index."""
    return [chr(c) for lo, hi in _RANGES for c in range(lo, hi + 1)
            if not 0xD800 <= c <= 0xDFFF]


class WordMap:
    """How the server's `cxinbox_words` maps each known character, and the search vectors
    made from it. Pickles as its spec (a few tens of KB), for the parse pool's tasks."""

    __slots__ = ("_table", "spec")

    def __init__(self, spec: str) -> None:
        self.spec = spec
        self._table = _compile(spec)

    @classmethod
    def from_probe(cls, answers: Iterable[tuple[str, str]]) -> WordMap:
        """The map from the server's answers: (character, `cxinbox_words('x' || c || 'x')`).
        Between the two x's is what the character becomes among letters; only answers
        that kept both x's and made the character into ASCII letters, digits and spaces
        are used (any other character is unknown, and a text holding it is refused)."""
        lines = []
        for char, answer in answers:
            if len(char) != 1 or char == "\x00" or not (
                    len(answer) >= 2 and answer[0] == "x" and answer[-1] == "x"):
                continue
            mapped = answer[1:-1]
            if set(mapped) <= _WORD_CHARS:
                lines.append(char + mapped)
        return cls("\x00".join(lines))

    def __reduce__(self) -> tuple[type[WordMap], tuple[str]]:
        return (WordMap, (self.spec,))

    def __eq__(self, other: object) -> bool:
        return isinstance(other, WordMap) and other.spec == self.spec

    def __hash__(self) -> int:
        return hash(self.spec)

    def known(self) -> int:
        """How many characters have a mapping."""
        return len(self._table) - sum(1 for v in self._table.values() if v == _UNKNOWN)

    def words(self, text: str) -> list[str] | None:
        """The parser's tokens of `cxinbox_words(text)`, in order, or None if `text` holds
        a character without a usable mapping."""
        mapped = text.translate(self._table)
        if not mapped.isascii():
            return None
        if _MAYBE_SCIENTIFIC.search(mapped):
            mapped = _SCIENTIFIC.sub(r"\1 ", mapped)
        return mapped.split()

    def vector(self, subject: str, sender: str, body: str) -> str | None:
        """`cxinbox_message_search(subject, sender, body)` as tsvector text, or None where
        this process cannot be sure of it (the server makes it then)."""
        parts = []
        for text in (subject, sender, body[:BODY_CHARS]):
            tokens = self.words(text)
            if tokens is None:
                return None
            parts.append(tokens)
        simple = _unlimited(*parts)
        if simple is not None:
            return simple
        return _render(_concat([_positions(tokens) for tokens in parts]))


def sender_text(name: str, address: str) -> str:
    """The `sender` column's text (what the vector's B part is made from)."""
    return f"{name} {address}".strip()


@lru_cache(maxsize=4)
def _compile(spec: str) -> dict[int, str]:
    table = {c: _UNKNOWN for c in range(128)}
    for line in spec.split("\x00") if spec else ():
        table[ord(line[0])] = line[1:]
    return table


@lru_cache(maxsize=1)
def _labels() -> tuple[list[str], list[str], list[str]]:
    """Every position as text: weighted A, B, and D (no letter)."""
    return ([f"{p}A" for p in range(_MAX_POS + 1)], [f"{p}B" for p in range(_MAX_POS + 1)],
            [str(p) for p in range(_MAX_POS + 1)])


def _unlimited(subject: list[str], sender: list[str], body: list[str]) -> str | None:
    """The vector of the three parts' tokens when no limit applies (most mail): fewer than
    16384 tokens, none too long, no lexeme 256 times or more, well under 1 MB. Then every
    token keeps its place in the three parts read as one. None where a limit applies."""
    tokens = subject + sender + body
    total = len(tokens)
    if total > _MAX_POS or (tokens and max(map(len, tokens)) > _LONGEST):
        return None
    a, b = len(subject), len(subject) + len(sender)
    weighted_a, weighted_b, plain = _labels()
    labels = weighted_a[1:a + 1] + weighted_b[a + 1:b + 1] + plain[b + 1:total + 1]
    found: dict[str, list[str]] = {}
    for token, label in zip(tokens, labels, strict=True):
        have = found.get(token)
        if have is None:
            found[token] = [label]
        else:
            have.append(label)
    if found and (max(map(len, found.values())) > _TSVECTOR_POS
                  or sum(map(len, found)) + 4 * len(found) + 2 * total > _MAX_BYTES):
        return None
    return " ".join([f"'{lexeme}':{','.join(found[lexeme])}" for lexeme in sorted(found)])


def _positions(tokens: list[str]) -> dict[str, list[int]]:
    """`to_tsvector('simple', words)`: each lexeme's positions."""
    if any(len(t) > _LONGEST for t in tokens):
        tokens = [t for t in tokens if len(t) <= _LONGEST]
    found: dict[str, list[int]] = {}
    if len(tokens) <= _MAX_POS:
        for pos, token in enumerate(tokens, 1):
            have = found.get(token)
            if have is None:
                found[token] = [pos]
            elif len(have) < _TSVECTOR_POS:
                have.append(pos)
        return found
    for pos, token in enumerate(tokens, 1):
        pos = min(pos, _MAX_POS)
        have = found.get(token)
        if have is None:
            found[token] = [pos]
        elif len(have) < _TSVECTOR_POS and have[-1] != pos:
            have.append(pos)
    return found


_WEIGHTS: Final = ("A", "B", "")


def _concat(parts: list[dict[str, list[int]]]) -> dict[str, list[str]]:
    """setweight(a, 'A') || setweight(b, 'B') || c: each lexeme's positions as text."""
    out: dict[str, list[str]] = {}
    last: dict[str, int] = {}  # each lexeme's last position so far
    shift = 0
    for part, weight in zip(parts, _WEIGHTS, strict=True):
        top = shift
        for lexeme, positions in part.items():
            have = out.get(lexeme)
            if have is None:
                if shift == 0:
                    out[lexeme] = [f"{p}{weight}" for p in positions]
                    end = positions[-1]
                    last[lexeme] = end
                    top = max(top, end)
                    continue
                have = out[lexeme] = []
                end = 0
            else:
                end = last[lexeme]
            for p in positions:
                if len(have) >= _CONCAT_POS or end == _MAX_POS:
                    break
                end = min(p + shift, _MAX_POS)
                have.append(f"{end}{weight}")
            last[lexeme] = end
            top = max(top, end)
        shift = top
    return out


def _render(lexemes: Mapping[str, list[str]]) -> str | None:
    size = 0
    pieces = []
    for lexeme in sorted(lexemes):
        positions = lexemes[lexeme]
        size = ((size + len(lexeme) + 1) & ~1) + 2 + 2 * len(positions)
        pieces.append(f"'{lexeme}':{','.join(positions)}")
    if size > _MAX_BYTES:
        return None
    return " ".join(pieces)
