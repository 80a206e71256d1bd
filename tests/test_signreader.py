"""The sign readers' shared concept reader (domain/signreader.py): the signs it finds from
one prefilter answer per text are the ones scanning every phrasing in turn finds, in the
same order, for the self-harm and breathing readers over labelled messages."""

from __future__ import annotations

import json
import re
from pathlib import Path

from cxinbox.domain import breathing, redflag, selfharm
from cxinbox.domain.regexneed import NeedIndex
from cxinbox.domain.signreader import ConceptReader, Sign
from cxinbox.domain.wordscan import _top_level

DATA = Path(__file__).resolve().parent.parent / "bench" / "data"


def _every_phrasing(reader: ConceptReader, folded: str) -> list[Sign]:
    """Each phrasing as written (its leading word boundaries put back), run in turn."""
    found = []
    for concept, kind, pattern in reader.per:
        source = pattern.pattern
        if pattern.anchored:
            source = "|".join(rf"\b{part}" for part in _top_level(source))
        found += [Sign(concept, m.start(), m.end(), kind) for m in re.finditer(source, folded)]
    return sorted(found, key=lambda s: (s.start, s.end))


def _texts() -> list[str]:
    texts = []
    for path in sorted(DATA.glob("triage_*.jsonl"))[:6]:
        for line in path.read_text().splitlines()[:150]:
            texts.append(redflag.fold(json.loads(line)["body"])[0])
    return texts


def test_the_signs_found_are_every_phrasings_in_text_order() -> None:
    texts = _texts() + ["i want to die tonight, i have the pills ready",
                        "can't breathe, lips are blue", ""]
    found_any = 0
    for module in (selfharm, breathing):
        reader = module._compiled().reader
        for folded in texts:
            got = reader.signs(folded)
            assert got == _every_phrasing(reader, folded)
            found_any += bool(got)
    assert found_any > 20


def test_a_phrasing_filed_after_the_texts_answer_is_still_read() -> None:
    index = NeedIndex()
    text = "she said she wants to die and stopped eating"
    early = ConceptReader({"wish": (r"\bwants? to die\b",)}, index)
    answer = index.possible(text)  # made before the second reader filed its phrasings
    late = ConceptReader({"eat": (r"\bstopped eating\b",)}, index)
    assert answer.filed < index.possible(text).filed
    assert [s.concept for s in early.signs(text)] == ["wish"]
    assert late.signs(text) == [Sign("eat", text.index("stopped"), len(text), 0)]
