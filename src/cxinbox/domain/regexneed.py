"""What a regular expression cannot match without: pieces of text every match holds.

Why: the detectors run several hundred lexicon patterns over each message, and nearly all
of them find nothing; a pattern whose every match must hold "chest" or "pecho" cannot match
a text holding neither, and that is known from a set lookup instead of a scan of the text.
`needs(pattern)` reads the pattern's syntax tree (the standard library's own parser) and
returns a set of strings such that every match of the pattern contains at least one of
them, or None when it cannot tell (the pattern is then always run). The answer only ever
skips a pattern that could not have matched, so what the patterns find is unchanged.

`Needs.possible(text)` is the check: each needed string's three-letter pieces must all be
among the text's (`pieces`, computed once per text); a needed string shorter than three
letters is looked for directly.

Conservative by construction: anything the reading does not know (a back-reference, a
conditional group, case-insensitive flags, an unknown node) gives None.
"""

from __future__ import annotations

import re
import threading
from array import array
from collections.abc import Iterable
from functools import cache
from itertools import compress
from typing import Any, Final, NamedTuple

try:  # Python 3.11+: the parser and compiler behind `re`
    import _sre  # type: ignore[import-not-found]
    from re import _compiler as _k  # type: ignore[attr-defined]
    from re import _constants as _c  # type: ignore[attr-defined]
    from re import _parser as _p  # type: ignore[attr-defined]
except ImportError:  # pragma: no cover - another layout: no prefilter, patterns always run
    _c = _p = _k = _sre = None

MAX_STRINGS: Final = 32
"""At most this many alternatives are spelt out of one part of a pattern."""
MAX_CLASS: Final = 8
"""A character class of at most this many characters is spelt out ("[ao]", "[-\\s]" is not)."""
GRAM: Final = 3
ENOUGH: Final = 6
"""Needed strings this long are rare enough: a run of spelt-out nodes stops there."""

_Exact = frozenset[str] | None  # every string a node can match, when few and known
_Need = frozenset[str] | None  # one of these is in every match, or None: unknown


class _Unknown(Exception):
    """A node the reading does not know: no answer for the whole pattern."""


def needs(pattern: str) -> frozenset[str] | None:
    """Strings of which every match of `pattern` holds at least one, or None (unknown, or a
    pattern that can match the empty string)."""
    return compile_with_needs(pattern)[1]


Made = tuple[int, bytes, int, dict[str, int], tuple[str | None, ...], frozenset[str] | None]
"""What `compile_with_needs` derives from one pattern's syntax: the flags, program (its
code words as machine-order bytes), group count, group names and group index the `_sre`
engine is built from, and the needs."""

_WORD: Final = "I" if array("I").itemsize == getattr(_sre, "CODESIZE", 4) else "L"

_made: dict[str, Made] | None = None
"""While a caller keeps them (`keep_made`): what was derived, by pattern source."""
_given: dict[str, Made] = {}
_made_lock: Final = threading.Lock()


def keep_made(given: dict[str, Made] | None) -> None:
    """From now on, build the patterns in `given` (a former `made()`, for this same Python)
    from it instead of parsing them again, and keep what every pattern compiled here was
    built from (`made()`). Reading the lexicons' syntax is most of the cost of readying the
    detectors; a process that readies them often (each sync's parse worker) can keep it.
    `given` must come from `made()` under this same module and Python (its needs are taken
    as they are: service/pattern_cache.py keys its file by both); an entry the engine
    refuses is parsed again. None: stop (nothing given, nothing kept)."""
    global _made, _given
    with _made_lock:
        _given = given or {}
        _made = None if given is None else {}


def made() -> dict[str, Made]:
    """What the patterns compiled since `keep_made` were built from, by source."""
    with _made_lock:
        return dict(_made or {})


def _from_made(source: str, entry: Made) -> re.Pattern[str] | None:
    try:
        flags, packed, groups, groupdict, indexgroup, need = entry
        code = array(_WORD, packed).tolist()
        if need is not None and not (isinstance(need, frozenset)
                                     and all(isinstance(s, str) and s for s in need)):
            return None
        regex: re.Pattern[str] = _sre.compile(source, flags, code, groups - 1, groupdict,
                                              indexgroup)
    except Exception:  # noqa: BLE001 - not a program this engine takes: parse instead
        return None
    return regex


def compile_with_needs(source: str) -> tuple[re.Pattern[str], frozenset[str] | None]:
    """`re.compile(source)` and `needs(source)` from one parse of the pattern (parsing is
    most of the cost of either, and the lexicons are several hundred patterns). The
    pattern compiled here is the one `re.compile` makes (tests/test_regexneed.py compares
    them); where the standard library's insides differ, `re.compile` is used."""
    if _p is None:
        return re.compile(source), None
    keep = _made is not None
    entry = _given.get(source) if keep else None
    if entry is not None:
        ready = _from_made(source, entry)
        if ready is not None:
            with _made_lock:
                if _made is not None:
                    _made[source] = entry
            return ready, entry[5]
    try:
        tree = _p.parse(source, 0)
    except re.error:
        return re.compile(source), None  # raises the error re.compile gives
    need = _needs_of(tree)
    try:
        state = tree.state
        code = _k._code(tree, 0)
        indexgroup: list[str | None] = [None] * state.groups
        for name, index in state.groupdict.items():
            indexgroup[index] = name
        regex: re.Pattern[str] = _sre.compile(source, state.flags, code, state.groups - 1,
                                              state.groupdict, tuple(indexgroup))
    except Exception:  # noqa: BLE001 - another layout of re's insides: the public way
        return re.compile(source), need
    if keep:
        with _made_lock:
            if _made is not None:
                _made[source] = (int(state.flags), array(_WORD, code).tobytes(), int(state.groups),
                                 {str(k): int(v) for k, v in state.groupdict.items()},
                                 tuple(indexgroup), need)
    return regex, need


def compiled(source: str) -> re.Pattern[str]:
    """`re.compile(source)`; while patterns are kept (`keep_made`), built from what was
    given when it holds the source and kept in `made()` like the word patterns: for the
    detectors' other patterns (the sign readers', and those the detector modules compile
    when imported), made while a parse worker readies the detectors and read from the
    pattern file after. Nothing kept: `re.compile` itself (no needs read)."""
    if _made is None:
        return re.compile(source)
    return compile_with_needs(source)[0]


def _needs_of(tree: Any) -> frozenset[str] | None:
    if tree.state.flags & (re.IGNORECASE | re.VERBOSE):
        return None
    try:
        _exact, need = _sequence(list(tree))
    except (_Unknown, RecursionError):
        return None
    if need is None or not need or "" in need:
        return None
    return need


def _score(strings: frozenset[str]) -> tuple[int, int]:
    """How much a set of needed strings rules out: the shortest first, then fewer."""
    return (min(len(s) for s in strings), -len(strings))


def _best(candidates: Iterable[frozenset[str]]) -> _Need:
    usable = [c for c in candidates if c and "" not in c]
    return max(usable, key=_score) if usable else None


def _sequence(items: list[tuple[Any, Any]]) -> tuple[_Exact, _Need]:
    """A sequence of nodes: its exact strings when every node has few, and the best set of
    needed strings among the runs of spelt-out nodes and the other nodes' needs. A run
    stops growing once its strings are long enough to rule out nearly every text
    (ENOUGH), which keeps the reading of a long pattern quick."""
    candidates: list[frozenset[str]] = []
    run: frozenset[str] = frozenset({""})
    shortest = 0  # of the strings in `run`
    exact_so_far = True
    literal = _c.LITERAL
    i = 0
    while i < len(items):
        op, av = items[i]
        if op is literal:  # a stretch of plain characters joins the run as one string
            j = i
            while j < len(items) and items[j][0] is literal:
                j += 1
            word = "".join(chr(code) for _op, code in items[i:j])
            run = frozenset(r + word for r in run)
            shortest += len(word)
            i = j
        else:
            i += 1
            exact, need = _node(op, av)
            if exact is None:
                exact_so_far = False
                candidates.append(run)
                run, shortest = frozenset({""}), 0
                if need is not None:
                    candidates.append(need)
                continue
            joined = _product(run, exact)
            if joined is None:  # too many: the run so far is one candidate, a new one starts
                exact_so_far = False
                candidates.append(run)
                joined = exact
            run = joined
            shortest = min(len(s) for s in run)
        if shortest >= ENOUGH:
            exact_so_far = False
            candidates.append(run)
            run, shortest = frozenset({""}), 0
    candidates.append(run)
    if exact_so_far:
        return run, _best([run])
    return None, _best(candidates)


def _product(a: frozenset[str], b: frozenset[str]) -> frozenset[str] | None:
    if len(a) * len(b) > MAX_STRINGS:
        return None
    return frozenset(x + y for x in a for y in b)


def _node(op: Any, av: Any) -> tuple[_Exact, _Need]:
    c = _c
    if op is c.LITERAL:
        return frozenset({chr(av)}), frozenset({chr(av)})
    if op in (c.AT, c.ASSERT, c.ASSERT_NOT):
        return frozenset({""}), None  # zero width
    if op is c.IN:
        chars = _class_chars(av)
        return (chars, chars) if chars is not None else (None, None)
    if op is c.BRANCH:
        exacts: list[frozenset[str]] = []
        needs_: list[frozenset[str]] = []
        all_exact = all_need = True
        for branch in av[1]:
            exact, need = _sequence(list(branch))
            if exact is None:
                all_exact = False
            else:
                exacts.append(exact)
            if need is None:
                all_need = False
            else:
                needs_.append(need)
        union_exact = frozenset().union(*exacts) if all_exact else None
        if union_exact is not None and len(union_exact) > MAX_STRINGS:
            union_exact = None
        union_need = frozenset().union(*needs_) if all_need else None
        return union_exact, union_need
    if op is c.SUBPATTERN:
        _group, add_flags, _del_flags, sub = av
        if add_flags & (re.IGNORECASE | re.VERBOSE):
            raise _Unknown
        return _sequence(list(sub))
    if op is getattr(c, "ATOMIC_GROUP", object()):
        return _sequence(list(av))
    if op in (c.MAX_REPEAT, c.MIN_REPEAT, getattr(c, "POSSESSIVE_REPEAT", object())):
        low, high, sub = av
        exact, need = _sequence(list(sub))
        if low == 0:
            if high == 1 and exact is not None:
                return exact | {""}, None
            return None, None
        if low == high == 1:
            return exact, need
        return None, need  # at least one copy: its needs stand
    if op in (c.ANY, c.NOT_LITERAL):
        return None, None
    raise _Unknown  # back-references, conditionals, anything new


def _class_chars(items: list[tuple[Any, Any]]) -> frozenset[str] | None:
    """The characters of a small class without categories or negation, else None."""
    c = _c
    chars: set[str] = set()
    for op, av in items:
        if op is c.LITERAL:
            chars.add(chr(av))
        elif op is c.RANGE:
            low, high = av
            if high - low + 1 > MAX_CLASS:
                return None
            chars.update(chr(x) for x in range(low, high + 1))
        else:  # NEGATE, CATEGORY (\s, \w ...), anything else
            return None
        if len(chars) > MAX_CLASS:
            return None
    return frozenset(chars)


def _grams(s: str) -> frozenset[str]:
    """Every GRAM-letter piece of `s` (none when it is shorter): the three shifted copies
    zipped and joined, the same pieces a slice per place gives, faster for a lexicon's
    short needed strings and for a message's texts alike."""
    if GRAM != 3:  # pragma: no cover - the spelt-out form below is for pieces of three
        return frozenset(s[i:i + GRAM] for i in range(len(s) - GRAM + 1))
    return frozenset(map("".join, zip(s, s[1:], s[2:])))


_TEXT_GRAMS_KEEP: Final = 16
_text_grams: dict[str, frozenset[str]] = {}
_grams_lock: Final = threading.Lock()


def text_grams(text: str) -> frozenset[str]:
    """`_grams(text)` for a text being read, kept for the last few texts: every index
    (the targets', the intent rules', each split alternation's) asks about the same text."""
    found = _text_grams.get(text)
    if found is None:
        found = _grams(text)
        with _grams_lock:
            if len(_text_grams) >= _TEXT_GRAMS_KEEP:
                _text_grams.pop(next(iter(_text_grams)), None)
            _text_grams[text] = found
    return found


_LETTERS_BY_USE: Final = " etaoinsrhldcumfpgwybvkxjqz"
"""Roughly from commonest to rarest in English and Spanish mail: a needed string is
indexed under its rarest piece, so few texts wake it."""
_RANK: Final = {ch: i for i, ch in enumerate(_LETTERS_BY_USE)}


_COMMON_WORDS: Final = ("my", "of", "to", "in", "is", "it", "me", "he", "be", "we", "do", "so",
                        "on", "at", "mi", "de", "la", "el", "en", "se", "lo", "no", "te", "le",
                        "su", "ya", "es")
_COMMON_PIECES: Final = frozenset([
    "the", "ing", "and", "for", "you", "was", "her", "his", "all", "hav", "ver", "tha", "ent",
    "ion", "tio", "our", "day", "can", "com", "mor", "wit", "ith", "que", "con", "los", "las",
    "del", "par", "por", "est", "ado", "nte", "ed ", "er ", " th",
    *(f"{w} " for w in _COMMON_WORDS), *(f" {w}" for w in _COMMON_WORDS)])
"""Pieces of words that most mail holds (common English and Spanish words and endings),
whatever their letters: a needed string is filed under one of them only when it has no
other piece, since every text that holds one makes the index check the strings filed
under it. Which piece files a string never changes an answer, only how many are checked."""


@cache  # the lexicons' needed strings share most of their pieces
def _rarity(gram: str) -> tuple[int, str]:
    if gram in _COMMON_PIECES:
        return -1, gram
    return sum(_RANK.get(ch, len(_RANK)) for ch in gram), gram


class Answer(NamedTuple):
    """Which patterns filed in `owner` (a NeedIndex) could match one text: `ids` among the
    first `filed`."""

    owner: NeedIndex
    filed: int
    ids: frozenset[int]

    def rules_out(self, number: int | None, index: NeedIndex | None = None) -> bool:
        """True only when pattern `number` of `index` (None: this answer's) cannot match
        the text: it was filed there before this answer was made and none of its needed
        strings is in the text. An answer of another index rules nothing out."""
        if index is not None and index is not self.owner:
            return False
        return number is not None and number < self.filed and number not in self.ids


class NeedIndex:
    """The needed strings of many patterns, checked against a text all at once.

    Each pattern gets a number (`add`); `possible(text)` says which could match `text`:
    those with a needed string whose three-letter pieces are all in the text. A needed
    string is filed under its rarest piece, so a text only looks at the strings whose
    rarest piece it holds. The answers for the last few texts are kept (the detectors
    read one text with hundreds of patterns)."""

    KEEP: Final = 16

    def __init__(self) -> None:
        self._by_key: dict[str, list[tuple[frozenset[str], int]]] = {}
        self._count = 0
        # What `possible` reads, made from _by_key when first asked after an `add`: the
        # keys as a set (a text's pieces are met with the fewer of the two), and per key
        # the patterns whose needed string is that piece alone (any text holding the key
        # holds all of it) apart from the rest, checked piece by piece.
        self._keys: frozenset[str] | None = None
        self._whole: dict[str, frozenset[int]] = {}
        self._rest: dict[str, tuple[tuple[frozenset[str], ...], tuple[int, ...]]] = {}
        self._answers: dict[str, Answer] = {}
        self._lock = threading.Lock()

    def add(self, strings: frozenset[str]) -> int | None:
        """A number for a pattern with these needed strings; None when one of them is too
        short to file (the pattern is then always run)."""
        if not strings or any(len(s) < GRAM for s in strings):
            return None
        with self._lock:
            number = self._count
            for s in sorted(strings):
                grams = _grams(s)
                self._by_key.setdefault(max(grams, key=_rarity), []).append((grams, number))
            self._count = number + 1
            self._keys = None
            return number

    def _filed(self) -> tuple[frozenset[str], dict[str, frozenset[int]],
                              dict[str, tuple[tuple[frozenset[str], ...], tuple[int, ...]]]]:
        """`possible`'s view of _by_key (under the lock)."""
        if self._keys is None:
            self._whole = {key: frozenset(n for grams, n in filed if len(grams) == 1)
                           for key, filed in self._by_key.items()}
            self._rest = {}
            for key, filed in self._by_key.items():
                longer = [(grams, n) for grams, n in filed if len(grams) > 1]
                if longer:  # the pieces and the patterns apart: `possible` zips them in C
                    self._rest[key] = (tuple(g for g, _n in longer), tuple(n for _g, n in longer))
            self._keys = frozenset(self._by_key)
        return self._keys, self._whole, self._rest

    def possible(self, text: str) -> Answer:
        found = self._answers.get(text)
        if found is not None and found.filed == self._count:
            return found
        have = text_grams(text)
        with self._lock:
            keys, whole, rest = self._filed()
            hits: set[int] = set()
            held = have.issuperset
            for key in have & keys:
                hits.update(whole[key])  # a needed string that is this piece: in the text
                longer = rest.get(key)
                if longer is not None:  # the others: every piece in the text
                    hits.update(compress(longer[1], map(held, longer[0])))
            found = Answer(self, self._count, frozenset(hits))
            if len(self._answers) >= self.KEEP:
                del self._answers[next(iter(self._answers))]
            self._answers[text] = found
            return found


INDEX: Final = NeedIndex()
"""Where word patterns (wordscan.py) file their needs unless given an index of their own
(a family of patterns read together over the same texts: the red-flag targets, the intent
rules), so that answering for a text looks only at the family asked about."""
