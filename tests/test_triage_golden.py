"""The detectors' answers on every labelled set are the ones written down in
bench/golden/triage_answers.jsonl: a change to how the detectors run (speed, structure)
must not change what they answer.

When a lexicon round, a retrained model or a new labelled set changes answers on purpose,
regenerate the file in the same commit and review its diff (the answers that changed):

    .venv/bin/python bench/triage_golden.py            # rewrites bench/golden/triage_answers.jsonl
    .venv/bin/python bench/triage_golden.py --check    # lists what differs, writes nothing
"""

from __future__ import annotations

from bench import triage_golden


def test_every_labelled_answer_is_the_golden_one() -> None:
    golden = triage_golden.read_golden()
    now = triage_golden.answers()
    assert len(now) >= 13000  # every labelled set was read, not an empty glob
    diff = triage_golden.differences(golden, now)
    assert not diff, (
        f"{len(diff)} answers differ from bench/golden/triage_answers.jsonl (first: "
        f"{diff[:10]}); if the change is meant, regenerate with `python bench/triage_golden.py`"
        " and review the file's diff")


def test_a_changed_answer_is_caught() -> None:
    golden = triage_golden.read_golden()
    key, record = next(iter(golden.items()))
    changed = dict(record, intent="other" if record["intent"] != "other" else "referral")
    assert triage_golden.differences({key: changed}, [record]) == [f"{key}: intent differ"]
    assert triage_golden.differences({key: record}, [record]) == []
