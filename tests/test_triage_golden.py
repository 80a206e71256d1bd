"""The detectors' answers on every labelled set are the ones written down in
bench/golden/triage_answers.jsonl: a change to how the detectors run (speed, structure)
must not change what they answer.

When a lexicon round, a retrained model or a new labelled set changes answers on purpose,
regenerate the file in the same commit and review its diff (the answers that changed):

    .venv/bin/python bench/triage_golden.py            # rewrites bench/golden/triage_answers.jsonl
    .venv/bin/python bench/triage_golden.py --check    # lists what differs, writes nothing

One test a set, so a parallel run spreads the ~20,000 readings over its workers and no
single test holds a worker for minutes on a busy machine.
"""

from __future__ import annotations

import pytest
from bench import triage_golden

SETS = triage_golden.set_names()


@pytest.fixture(scope="module")
def golden() -> dict[str, dict[str, object]]:
    return triage_golden.read_golden()


def test_the_golden_file_covers_every_labelled_set_and_nothing_else(
        golden: dict[str, dict[str, object]]) -> None:
    assert len(SETS) >= 30  # every labelled set is on disk, not an empty glob
    assert len(golden) >= 13000
    assert {key.split(":", 1)[0] for key in golden} == set(SETS)
    rows = triage_golden.labelled_rows()
    assert {key for key, _ in rows} == set(golden)


@pytest.mark.parametrize("name", SETS)
def test_every_labelled_answer_is_the_golden_one(
        name: str, golden: dict[str, dict[str, object]]) -> None:
    now = triage_golden.answers([name])
    assert now  # the set was read
    mine = {key: record for key, record in golden.items() if key.startswith(f"{name}:")}
    diff = triage_golden.differences(mine, now)
    assert not diff, (
        f"{len(diff)} answers differ from bench/golden/triage_answers.jsonl (first: "
        f"{diff[:10]}); if the change is meant, regenerate with `python bench/triage_golden.py`"
        " and review the file's diff")


def test_a_changed_answer_is_caught(golden: dict[str, dict[str, object]]) -> None:
    key, record = next(iter(golden.items()))
    changed = dict(record, intent="other" if record["intent"] != "other" else "referral")
    assert triage_golden.differences({key: changed}, [record]) == [f"{key}: intent differ"]
    assert triage_golden.differences({key: record}, [record]) == []
