"""The training recipe of the statistical triage model (bench/train_triage_model.py): which
sets the shipped model is trained on and what each `--no-...` switch leaves out, and the
check that copies a written corpus into bench/data (every row the sets' format, no trap
carrying a flag, no body that is already a labelled message's)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from bench import train_triage_model as training

from cxinbox.domain import textmodel, triage
from cxinbox.domain.intent import INTENTS

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "bench" / "data"
BLIND34_39 = tuple(f"triage_blind{n}" for n in range(34, 40))
BLIND40_45 = tuple(f"triage_blind{n}" for n in range(40, 46))


def test_the_shipped_recipe_holds_every_development_set_and_corpus_once() -> None:
    sets = training.TRAIN_SETS
    assert sets == training.recipe()
    assert len(set(sets)) == len(sets)
    assert set(BLIND34_39) <= set(sets) and set(BLIND40_45) <= set(sets)
    assert {"shcorpus_dev", "hicorpus_dev", "shcorpus2_dev"} <= set(sets)
    for name in sets:  # each one a file the training reads
        assert (DATA / f"{name}.jsonl").is_file(), name
    # every labelled set in bench/data is trained on (blind27 is not there), but those
    # scored at first contact since the shipped model was made, named as the next ones
    labelled = {p.stem for p in DATA.glob("triage_*.jsonl")}
    assert labelled - set(training.NEXT_SETS) <= set(sets)
    assert not set(training.NEXT_SETS) & set(sets)
    assert all((DATA / f"{name}.jsonl").is_file() for name in training.NEXT_SETS)


def test_each_switch_leaves_out_what_it_says() -> None:
    round33 = training.recipe(round34=False)
    assert not set(BLIND34_39) & set(round33)
    assert {"hicorpus_dev", "shcorpus2_dev"}.isdisjoint(round33)
    assert "shcorpus_dev" in round33 and "triage_blind33" in round33
    assert set(training.recipe()) - set(round33) == {*BLIND34_39, "hicorpus_dev",
                                                     "shcorpus2_dev"}
    round34 = training.recipe(round35=False)
    assert set(training.recipe()) - set(round34) == set(BLIND40_45)
    # round 34's shipped red flags: blind40-45 and the round-34 corpora out
    shipped34 = training.recipe(round34_corpora=False, round35=False)
    assert set(training.recipe()) - set(shipped34) == {*BLIND40_45, "hicorpus_dev",
                                                       "shcorpus2_dev"}
    assert set(BLIND34_39) <= set(shipped34) and "shcorpus_dev" in shipped34
    rounds30_32 = training.recipe(recent=False, round34=False)
    assert set(round33) - set(rounds30_32) == set(training.RECENT_SETS)
    before30 = training.recipe(corpus=False, recent=False, round34=False)
    assert set(rounds30_32) - set(before30) == {"shcorpus_dev"}
    assert training.recipe(later=False) == training.EARLY_SETS
    assert set(training.recipe(corpus=False)) == set(training.recipe()) - set(
        training.CORPUS_SETS)


def test_round28s_sets_weigh_more_in_the_intent_model_only() -> None:
    """An intent example of the sets through blind23 counts INTENT_SET_WEIGHT, a later
    set's 1; a corpus trains no intent (CORPUS_INTENTS off); the red-flag steps are not
    weighted by set."""
    assert training.INTENT_SET_WEIGHT > 1.0
    early = training.set_docs("triage_dev16c")  # the smallest set of round 28's recipe
    later = training.set_docs("triage_blind40")
    assert early and later
    assert {d.weight for d in early} == {training.INTENT_SET_WEIGHT}
    assert {d.weight for d in later} == {1.0}
    assert all(d.intent is not None for d in early + later)
    assert all(d.intent is None for d in training.set_docs("shcorpus2_dev"))
    # the weight reaches the step: one weighted pair moves its class as far as the same
    # pair seen twice by the first step
    pairs = [({1, 2}, 1)]
    once = training.train(pairs, ("a", "b"), weights=[1.0])
    heavy = training.train(pairs, ("a", "b"), weights=[2.0])
    assert heavy.bias[1] > once.bias[1] > 0.0


def test_the_red_flag_models_next_sets_train_the_intent_model_alone() -> None:
    """Since round 37 blind46-51 train the intent model (their requests, never tuned on) and
    not the red-flag one (still its next sets); `--no-round37` is the intent recipe before,
    and `--without` takes them out for a held-out check."""
    assert set(training.INTENT_NEXT_SETS) < set(training.NEXT_SETS)
    # blind52-54 came after round 37's intent model: neither model trains on them yet
    assert {"triage_blind52", "triage_blind53", "triage_blind54"} == \
        set(training.NEXT_SETS) - set(training.INTENT_NEXT_SETS)
    assert training.INTENT_EXTRA == training.INTENT_NEXT_SETS
    assert not set(training.INTENT_NEXT_SETS) & set(training.TRAIN_SETS)
    docs = training.set_docs("triage_blind49")
    assert docs and all(d.flag is None and d.intent is not None for d in docs)
    assert {d.weight for d in docs} == {1.0}
    # the same messages in a red-flag set would train both models: the set decides
    assert any(d.flag is not None for d in training.set_docs("triage_blind45"))
    parser_help = subprocess.run(
        [sys.executable, str(ROOT / "bench" / "train_triage_model.py"), "--help"],
        capture_output=True, text=True, cwd=ROOT, check=True,
        env={"PYTHONPATH": str(ROOT / "src"), "PATH": "/usr/bin:/bin"}).stdout
    assert "--no-round37" in parser_help and "triage_blind51" in parser_help


def _biased(intent: str) -> textmodel.LinearModel:
    """An intent model that reads every message as `intent` (a bias only)."""
    return textmodel.LinearModel(INTENTS, tuple(30.0 if c == intent else 0.0 for c in INTENTS),
                                 {})


def test_compare_counts_intents_toward_and_away_and_red_flags_kept() -> None:
    """The intent rule's check: the whole detector with each file, an intent moved to the
    label counted toward, one moved off it away, one wrong both ways apart; the same
    red-flag model moves no red flag."""
    from bench.triage_metrics import Example

    shipped = textmodel.shipped()
    before = textmodel.TriageModel(shipped.redflag, _biased("appointment_book"), 0.6)
    after = textmodel.TriageModel(shipped.redflag, _biased("records_forms"), 0.6)

    def example(id_: str, body: str, intent: str, red_flag: str | None = None) -> Example:
        return Example(id_, "en", "sms", "", body, red_flag, None, None, intent)

    examples = [
        example("a", "hi, could you send me a copy of my vaccine records?", "records_forms"),
        example("b", "i need to see the doctor next week, any time", "appointment_book"),
        example("c", "is it ok to take ibuprofen with my blood pressure pills?",
                "clinical_question"),
        example("d", "crushing chest pain and my left arm is numb", "clinical_question",
                "chest_pain"),
    ]
    change = training.compare("t", examples, before, after)
    assert (change.toward, change.away, change.other, change.flags) == (1, 1, 2, 0)
    assert change.messages == 4
    # the label's intents present: records 1 right after, booking 1 right before
    assert change.macro_before == pytest.approx(change.macro_after)
    lowered = training.compare("t", examples[:1], after, before)
    assert (lowered.toward, lowered.away) == (0, 1)
    assert lowered.macro_after < lowered.macro_before
    # a red-flag answer that moves is counted: the same red-flag model at threshold 0 (it
    # flags whatever the lexicon leaves silent and its context check lets through) against
    # one that never flags; the lexicon's chest pain is the same under both
    never = textmodel.TriageModel(shipped.redflag, shipped.intent, 2.0)
    anything = textmodel.TriageModel(shipped.redflag, shipped.intent, 0.0)
    moved = [e.id for e in examples
             if triage.inspect(e.body, channel="sms", model=anything).assessment.red_flag
             != triage.inspect(e.body, channel="sms", model=never).assessment.red_flag]
    assert moved and "d" not in moved
    assert training.compare("t", examples, never, anything).flags == len(moved)


@pytest.mark.parametrize("args,said", [
    (["--flag-only", "--intent-only"], "--flag-only trains the red-flag model"),
    (["--flags-of", "nowhere.bin"], "--flags-of nowhere.bin"),
])
def test_write_refuses_bad_model_options_in_one_line(args: list[str], said: str,
                                                     tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, str(ROOT / "bench" / "train_triage_model.py"), "write",
         "--out", str(tmp_path / "m.bin"), *args],
        capture_output=True, text=True, cwd=tmp_path, check=False,
        env={"PYTHONPATH": str(ROOT / "src"), "PATH": "/usr/bin:/bin"})
    assert done.returncode != 0
    assert said in done.stderr and "Traceback" not in done.stderr
    assert not (tmp_path / "m.bin").exists()


def _row(id_: str, body: str, **changes: object) -> dict[str, object]:
    row: dict[str, object] = {"id": id_, "lang": "en", "channel": "sms", "subject": "",
                              "body": body, "red_flag": "head_injury", "trap": None,
                              "trap_category": None, "intent": "clinical_question"}
    row.update(changes)
    return row


def test_a_corpus_is_copied_without_its_bad_rows(tmp_path: Path) -> None:
    labelled = json.loads((DATA / "triage_blind34.jsonl").read_text().splitlines()[0])
    rows: list[object] = [
        _row("hi-1-001", "fell off the ladder and now he keeps asking what day it is"),
        _row("hi-1-002", "bumped my head on the cupboard, small lump, feel fine",
             red_flag=None, trap="resolved", trap_category="head_injury"),
        _row("hi-1-003", "slipped on ice, hit her head and she is throwing up",
             trap="negation", trap_category="head_injury"),  # a trap with a flag
        _row("hi-1-004", "  " + labelled["body"].upper() + " "),  # a labelled set's body
        _row("hi-1-005", "FELL off the ladder and now he keeps asking what day it is"),
        _row("hi-1-001", "my son fell from the bunk bed and is hard to wake"),  # id twice
        _row("hi-1-006", "grandma fell, on warfarin, call me at 555-2142"),  # a real number
        _row("hi-1-007", "he hit his head in the game", subject="Game"),  # sms, subject
        _row("hi-1-008", "dizzy since the fall", intent="urgent"),
        _row("sc-1-009", "another corpus's id"),
        {"id": "hi-1-010", "body": "keys missing"},
    ]
    second = [_row("hi-2-001", "fell in the bath, on eliquis, call 555-0142"),
              _row("hi-2-002", "Our team newsletter: concussion protocol", red_flag=None,
                   trap="newsletter", trap_category="head_injury")]  # not spam_marketing
    (tmp_path / "batch01.jsonl").write_text(
        "".join(json.dumps(r) + "\n" for r in rows) + "{not json\n\n")
    (tmp_path / "batch02.jsonl").write_text("".join(json.dumps(r) + "\n" for r in second))
    (tmp_path / "batch03.jsonl.tmp").write_text(json.dumps(_row("hi-3-001", "half")) + "\n")
    out = tmp_path / "hicorpus_dev.jsonl"
    counts = training.take_corpus(tmp_path, "hi", out)
    kept = [json.loads(line) for line in out.read_text().splitlines()]
    assert [r["id"] for r in kept] == ["hi-1-001", "hi-1-002", "hi-2-001"]
    assert counts == {"kept": 3, "trap with a red flag": 1, "id twice": 1, "phone": 1,
                      "subject": 1, "intent": 1, "id": 1, "keys": 1, "not JSON": 1,
                      "newsletter intent": 1, "body already in bench/data or the corpus": 2}


def test_the_corpus_command_refuses_a_missing_folder_in_one_line(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, str(ROOT / "bench" / "train_triage_model.py"), "corpus",
         "--source", str(tmp_path / "nowhere"), "--prefix", "hi",
         "--out", str(tmp_path / "x.jsonl")],
        capture_output=True, text=True, cwd=ROOT, check=False,
        env={"PYTHONPATH": str(ROOT / "src"), "PATH": "/usr/bin:/bin"})
    assert done.returncode != 0
    assert "not a folder" in done.stderr and "Traceback" not in done.stderr
    assert not (tmp_path / "x.jsonl").exists()


@pytest.mark.parametrize("name", ["hicorpus_dev", "shcorpus2_dev"])
def test_the_round34_corpora_pass_their_own_check(name: str, tmp_path: Path) -> None:
    """The shipped corpora are what the check keeps: copying one again drops nothing."""
    prefix = {"hicorpus_dev": "hi", "shcorpus2_dev": "sc"}[name]
    (tmp_path / "batch01.jsonl").write_text((DATA / f"{name}.jsonl").read_text())
    counts = training.take_corpus(tmp_path, prefix, tmp_path / f"{name}.jsonl")
    lines = (DATA / f"{name}.jsonl").read_text().splitlines()
    assert counts == {"kept": len(lines)} and len(lines) > 300
    assert (tmp_path / f"{name}.jsonl").read_text().splitlines() == lines


def test_the_shipped_red_flag_model_is_pruned_as_the_recipe_says() -> None:
    """The shipped file's red-flag model is `write --flag-only --prune 6` (round 36): no
    feature row whose largest weight is SHIPPED_FLAG_PRUNE steps of the scale or fewer
    (round 34's file, pruned at 3, kept rows of 4)."""
    from cxinbox.domain import textmodel

    model = textmodel.shipped()
    smallest = min(max(map(abs, ints)) for _feature, ints in model.redflag.steps())
    assert smallest > training.SHIPPED_FLAG_PRUNE
