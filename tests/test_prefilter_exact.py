"""The detectors' prefilter shortcuts give what the plain definitions give: the index's
answer for a text is every pattern with a needed string whose three-letter pieces are all
in it (domain/regexneed.py), and the intent rules run only on the rules that answer leaves
in score each text exactly as asking every rule does (domain/intent.py)."""

from __future__ import annotations

import json
import random
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from cxinbox.domain import intent, redflag, regexneed
from cxinbox.domain.regexneed import NeedIndex

DATA = Path(__file__).resolve().parent.parent / "bench" / "data"


def _texts() -> list[tuple[str, str]]:
    """(folded body, folded subject) of two labelled sets, read as the detectors read them."""
    out = []
    for name in ("triage_blind10.jsonl", "triage_dev18.jsonl"):
        for line in (DATA / name).read_text(encoding="utf-8").splitlines():
            if line.strip():
                row = json.loads(line)
                out.append((redflag.fold(row["body"])[0], redflag.fold(row["subject"])[0]))
    return out


def _pieces(s: str) -> set[str]:
    return {s[i:i + regexneed.GRAM] for i in range(len(s) - regexneed.GRAM + 1)}


@settings(max_examples=500, deadline=None)
@given(text=st.text(alphabet="abc é\n", max_size=12))
def test_pieces_are_every_three_letter_slice(text: str) -> None:
    assert regexneed._grams(text) == _pieces(text)


def test_an_index_answers_as_its_definition_says() -> None:
    rng = random.Random(7)
    letters = "abcde "
    index = NeedIndex()
    filed: dict[int, frozenset[str]] = {}
    for _ in range(300):
        strings = frozenset("".join(rng.choice(letters) for _ in range(rng.randint(3, 6)))
                            for _ in range(rng.randint(1, 3)))
        number = index.add(strings)
        assert number is not None
        filed[number] = strings
        if rng.random() < 0.2:  # answers asked between additions see the new patterns
            text = "".join(rng.choice(letters) for _ in range(40))
            _check(index, filed, text)
    for _ in range(200):
        _check(index, filed, "".join(rng.choice(letters) for _ in range(rng.randint(0, 60))))


def _check(index: NeedIndex, filed: dict[int, frozenset[str]], text: str) -> None:
    have = _pieces(text)
    expected = {n for n, strings in filed.items() if any(_pieces(s) <= have for s in strings)}
    answer = index.possible(text)
    assert answer.ids == expected
    assert answer.filed == len(filed)


def test_intent_evidence_from_the_rules_left_in_is_every_rules() -> None:
    texts = _texts()
    assert len(texts) > 200
    differ = []
    for body, subject in texts:
        every = intent._evidence(body, subject, every=True)
        found = intent._evidence(body, subject)
        if found != every or list(found[0]) != list(every[0]):
            differ.append(body[:60])
    assert not differ
    assert any(intent._evidence(b, s)[0] for b, s in texts)  # rules did find evidence
