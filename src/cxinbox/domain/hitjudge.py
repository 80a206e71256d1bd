"""A statistical judge of each lexicon hit: is this the writer's (or their patient's)
emergency now, or a trap (history, someone else's, hypothetical, a figure of speech, over,
a clinical term)?

Why: the lexicon's hand-written scopes read 0.000 trap false alarms on the sets they were
fitted to and 0.191 on an unseen one (TRIAGE_EVAL.md, blind7): each writer words history,
idioms and "what if" differently. The judge learns those scopes from every labelled hit
instead (bench/train_hit_judge.py): red flags the lexicon found are "current", traps it
flagged are "trap". It only ever removes a lexicon hit, only when it is confident (the
threshold is chosen by leaving each labelled set out), and never one of suicide or
self-harm (a missed one is the worst miss).

Features of one hit: its category, the words of the hit, the words just before and after
it by distance, the words of its sentence and of the sentences either side, the lexicon's
own scope cues (ConText modifiers) in its sentence by side, and what the lexicon made of
the message's other hits. Pure; scoring is a few hundred hashed lookups.

Input is folded text (redflag.fold) and the lexicon's findings on it.
"""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Final

from cxinbox.domain import redflag
from cxinbox.domain.textmodel import LinearModel, hashed, pack, unpack

MODEL_FILE: Final = "hitjudge_model.json.gz"
BITS: Final = 18
_MASK: Final = (1 << BITS) - 1
CLASSES: Final = ("current", "trap")
NEVER_VETOED: Final = frozenset({"suicide_self_harm"})
"""Categories the judge never removes: a missed thought of ending one's life costs more
than any number of false alarms."""
NEAR: Final = 3
"""Words either side of a hit read by their distance; up to WINDOW more as a bag."""
WINDOW: Final = 8
SENTENCE_WORDS: Final = 80
"""Words of a sentence read (a run-on message without stops must not cost seconds)."""
_WORD: Final = re.compile(r"[a-z0-9']+|[\u00bf\u00a1?!]")
_STOP: Final = re.compile(r"[.!?\n;]+")


@dataclass(frozen=True, slots=True)
class HitJudge:
    """The logistic model (classes "current" and "trap") and the veto threshold: the least
    probability of "trap" at which a hit is removed."""

    model: LinearModel
    threshold: float

    def trap_probability(self, folded: str, hit: redflag.Finding,
                         findings: list[redflag.Finding]) -> float:
        return self.model.probabilities(features(folded, hit, findings))["trap"]

    def vetoes(self, folded: str, hit: redflag.Finding,
               findings: list[redflag.Finding]) -> bool:
        """Whether the judge removes this current hit. Never one of NEVER_VETOED, and never
        one followed by a sign of being gravely unwell now (floppy, not feeding, will not
        wake): whatever its sentence reads like, the writer says it is not over."""
        if hit.category in NEVER_VETOED or hit.status != "current" \
                or redflag.grave_sign_after(folded, hit.end):
            return False
        return self.trap_probability(folded, hit, findings) >= self.threshold

    def as_dict(self) -> dict[str, object]:
        return {"format": 1, "bits": BITS, "threshold": self.threshold,
                "model": self.model.as_dict()}

    @classmethod
    def from_dict(cls, data: dict[str, object]) -> HitJudge:
        if data.get("format") != 1 or data.get("bits") != BITS:
            raise ValueError("hit judge: unknown format or feature size")
        model = LinearModel.from_dict(data["model"])  # type: ignore[arg-type]
        if model.classes != CLASSES:
            raise ValueError("hit judge: classes must be current and trap")
        return cls(model, float(data["threshold"]))  # type: ignore[arg-type]

    def to_bytes(self) -> bytes:
        return pack(self.as_dict())

    @classmethod
    def from_bytes(cls, blob: bytes) -> HitJudge:
        return cls.from_dict(unpack(blob))


@cache
def shipped() -> HitJudge | None:
    """The judge shipped with the package (None when there is none), read once."""
    path = resources.files("cxinbox.domain").joinpath(MODEL_FILE)
    if not path.is_file():
        return None
    return HitJudge.from_bytes(path.read_bytes())


def _sentences(folded: str) -> list[tuple[int, int]]:
    """(start, end) of each sentence-like run between stops and line breaks."""
    spans, last = [], 0
    for m in _STOP.finditer(folded):
        if m.start() > last:
            spans.append((last, m.start()))
        last = m.end()
    if last < len(folded):
        spans.append((last, len(folded)))
    return spans or [(0, len(folded))]


def _words(text: str, limit: int = SENTENCE_WORDS) -> list[str]:
    return [m.group() for m in itertools.islice(_WORD.finditer(text), limit)]


def feature_names(folded: str, hit: redflag.Finding,
                  findings: list[redflag.Finding]) -> set[str]:
    """The names of a hit's features (hashed by `features`)."""
    cat = hit.category
    names = {f"cat {cat}", "bias"}
    spans = _sentences(folded)
    k = next((i for i, (a, b) in enumerate(spans) if a <= hit.start < b or hit.start < a),
             len(spans) - 1)
    s_start, s_end = spans[k]
    s_start, s_end = min(s_start, hit.start), max(s_end, hit.end)
    for w in _words(folded[hit.start:hit.end], 12):
        names.add(f"h {w}")
    before = _words(folded[s_start:hit.start])[::-1]
    after = _words(folded[hit.end:s_end])
    for side, words in (("l", before), ("r", after)):
        for d, w in enumerate(words[:WINDOW]):
            if d < NEAR:
                names.add(f"{side}{d} {w}")
                names.add(f"{side}{d} {cat} {w}")
            names.add(f"{side} {w}")
            if 1 < len(w) <= 30:
                padded = f" {w} "
                names.update(f"{side}c {padded[j:j + 4]}" for j in range(len(padded) - 3))
        for a, b in itertools.pairwise(words[:WINDOW]):
            names.add(f"{side}b {b} {a}" if side == "l" else f"{side}b {a} {b}")
    sentence = _words(folded[s_start:s_end])
    for w in sentence:
        names.add(f"s {w}")
    for a, b in itertools.pairwise(sentence):
        names.add(f"sb {a} {b}")
    if k > 0:
        names.update(f"p {w}" for w in _words(folded[slice(*spans[k - 1])]))
    if k + 1 < len(spans):
        names.update(f"n {w}" for w in _words(folded[slice(*spans[k + 1])]))
    if k + 2 < len(spans):
        names.add("more sentences")
    for kind, c_start, c_end in redflag.scope_cues(folded, s_start, s_end):
        where = "<" if c_end <= hit.start else ">" if c_start >= hit.end else "="
        names.add(f"m {kind}{where}")
        names.add(f"m {kind}{where} {cat}")
    for f in findings:
        if f is not hit:
            names.add(f"o {f.status}")
            if f.category == cat:
                names.add(f"o same {f.status}")
    return names


def features(folded: str, hit: redflag.Finding, findings: list[redflag.Finding]) -> set[int]:
    return hashed(feature_names(folded, hit, findings), _MASK)
