"""The concepts a sign reader looks for (domain/selfharm.py, domain/breathing.py), each as
a few phrasings, read over one text together.

Every phrasing is a word pattern (wordscan.py) filed in the reader's own prefilter index,
so one answer per text says which phrasings could match it; the reader's `Family` turns
that answer into the phrasings left in, in order, without asking each of a few hundred
whether it is ruled out. The signs found are the ones scanning every phrasing in turn
finds (a phrasing left out cannot match anywhere in the text), in text order.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from cxinbox.domain.regexneed import NeedIndex
from cxinbox.domain.wordscan import Family, WordPattern


@dataclass(frozen=True, slots=True)
class Sign:
    """One sign found in the text: its concept and span (folded text), and which of the
    concept's phrasings found it."""

    concept: str
    start: int
    end: int
    kind: int = 0


class ConceptReader:
    """The phrasings of each concept, compiled and filed in `index` (the reader's own)."""

    __slots__ = ("family", "index", "per")

    def __init__(self, concepts: Mapping[str, Sequence[str]], index: NeedIndex) -> None:
        self.index = index
        self.per: tuple[tuple[str, int, WordPattern], ...] = tuple(
            (concept, kind, WordPattern(p, index))
            for concept, patterns in concepts.items() for kind, p in enumerate(patterns))
        self.family = Family([p for _c, _k, p in self.per], index)

    def signs(self, folded: str) -> list[Sign]:
        """Every sign in folded text, in text order (no context read)."""
        per = self.per
        found: list[Sign] = []
        for i in self.family.left_in(self.index.possible(folded)):
            concept, kind, pattern = per[i]
            found.extend(Sign(concept, m.start(), m.end(), kind) for m in pattern.scan(folded))
        return sorted(found, key=lambda s: (s.start, s.end))
