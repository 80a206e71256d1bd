"""The labelled blind sets in bench/data stay what their writers checked: the shared
validator (bench/data/validate_blind.py) passes every set written to its rules, and fails a
set with one row broken each way it checks."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path
from types import ModuleType

import pytest

DATA = Path(__file__).resolve().parent.parent / "bench" / "data"
OWN_RULES = (2, 3, 4, 5, 6, 7, 8, 9, 12, 18, 19)
"""Sets written before the shared rules (other id schemes; a poison-centre number; an
e-mail without a subject), each checked by its own validator or its TRIAGE_EVAL section."""


def _validator() -> ModuleType:
    spec = importlib.util.spec_from_file_location("validate_blind",
                                                  DATA / "validate_blind.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _numbers() -> list[int]:
    found = sorted(int(p.stem.removeprefix("triage_blind"))
                   for p in DATA.glob("triage_blind*.jsonl"))
    return [n for n in found if n not in OWN_RULES]


def test_every_set_from_blind10_on_is_under_the_shared_rules() -> None:
    numbers = _numbers()
    assert numbers[0] == 10 and numbers[-1] >= 39 and len(numbers) >= 26, numbers


@pytest.mark.parametrize("number", _numbers())
def test_each_set_passes_the_shared_validator(number: int) -> None:
    rows, errs = _validator().validate(str(DATA / f"triage_blind{number}.jsonl"), f"b{number}")
    assert errs == []
    assert len(rows) >= 400


@pytest.mark.parametrize(("change", "said"), [
    ({"red_flag": "chest_pain", "trap": "idiom", "trap_category": "chest_pain"}, "trap"),
    ({"intent": "gossip"}, "intent"),
    ({"channel": "sms", "subject": "Question"}, "subject"),
    ({"body": "call me at 212-555-7788 please"}, "phone"),
    ({"body": "write to me at jo@gmail.com"}, "mail"),
])
def test_a_broken_row_fails_with_its_reason(tmp_path: Path, change: dict[str, object],
                                            said: str) -> None:
    rows = [json.loads(line) for line in
            (DATA / "triage_blind39.jsonl").read_text(encoding="utf-8").splitlines()]
    ordinary = next(i for i, r in enumerate(rows)
                    if not r["red_flag"] and not r["trap"] and r["channel"] == "email")
    rows[ordinary].update(change)
    broken = tmp_path / "set.jsonl"
    broken.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    _rows, errs = _validator().validate(str(broken), "b39")
    assert errs and any(said in e for e in errs), errs
