"""Train the statistical triage model (domain/textmodel.py) and measure it honestly.

    python bench/train_triage_model.py loso [--threshold T] [--no-own]   # leave one set out
    python bench/train_triage_model.py write [--threshold T]              # ship the model
    python bench/train_triage_model.py suite [--model FILE] [--threshold T]  # tests' text
    python bench/train_triage_model.py compare --model FILE [--against FILE] [--sets S ...]

Training data: the tuned labelled sets (TRAIN_SETS) and our own sentences in the tests
(tests/triage_devset.py, tests/test_triage_patterns.py), and our own hard negatives
(bench/triage_hard_negatives.py: everyday texts, admin questions naming a body part,
symptoms denied or over, idioms). Never a blind set before its first scoring.

`loso`: for each set in turn, train on the other sets (and our own sentences unless
--no-own), then run the whole detector (lexicon OR model, intent rules blended with the
model) on the held-out set and print the bench's figures for it: the nearest we can get
to first contact without a new set. The threshold sweep shows each set's recall and trap
false-positive rate at several thresholds, for choosing the shipped one.

`suite`: every string in tests/*.py that the model flags where the lexicon does not, with
its probability: the suite's own sentences (service tests feed ordinary patient text), to
read by hand for false alarms before a threshold ships.

`write`: train on everything and write src/cxinbox/domain/triage_model.bin
(deterministic: the same data and code give the same bytes).

`compare`: each labelled set read by the whole detector with a model file and with the
shipped one (or --against's): intent macro-F1 by each, intent answers moved toward the label
and away from it, red-flag answers changed (the intent rule's check of a retrained intent
model; on a set left out with `write --without`, a held-out figure).
"""

from __future__ import annotations

import argparse
import json
import math
import random
import re
import sys
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, replace
from itertools import repeat
from operator import add, mul, sub
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "bench" / "data"
EARLY_SETS = ("triage_eval", "triage_dev_extra", "triage_holdout", "triage_blind2",
              "triage_blind3", "triage_blind4", "triage_blind5", "triage_blind6",
              "triage_blind7", "triage_blind8", "triage_blind9")
"""The sets the model was trained on until round 28 (`--no-later`: that recipe)."""
for path in (ROOT, ROOT / "src"):
    if str(path) not in sys.path:
        sys.path.insert(0, str(path))

from bench.triage_metrics import TRAPS, Example, Prediction, Report, load_set, score

from cxinbox.domain import redflag, textmodel, triage
from cxinbox.domain.intent import INTENTS
from cxinbox.domain.newtext import new_text
from cxinbox.domain.redflag_lexicon import CATEGORIES
from cxinbox.domain.sanitize import clean_text

LATER_SETS = ("triage_blind10", "triage_blind11", "triage_dev16", "triage_dev16b",
              "triage_dev16c", "triage_dev18", "triage_blind12", "triage_blind13",
              "triage_blind14", "triage_blind15", "triage_blind16", "triage_blind17",
              "triage_blind18", "triage_blind19", "triage_blind20", "triage_blind21",
              "triage_blind22", "triage_blind23")
"""The labelled sets after blind9 (development sets now), trained on since round 28."""
ROUND34_CORPORA = ("hicorpus_dev", "shcorpus2_dev")
"""The corpora added in round 34: head injury told in everyday words with close near misses
(bench/data/hicorpus_dev.jsonl) and a second suicide/self-harm corpus of the voices the first
lacked (shcorpus2_dev.jsonl), written for training in the sets' format and copied by the
`corpus` mode; `--no-round34` leaves them out with blind34-39."""
CORPUS_SETS = ("shcorpus_dev", *ROUND34_CORPORA)
"""A corpus of suicide and self-harm told many ways, with close near misses of ordinary lives
(bench/data/shcorpus_dev.jsonl, the sets' format, round 30): not a labelled set of the
bench (no `triage_` prefix, so neither the golden file nor the set checks read it), trained
on since round 30 (`--no-corpus --no-recent`: the recipe before it)."""
RECENT_SETS = ("triage_blind24", "triage_blind25", "triage_blind26", "triage_blind28",
               "triage_blind29", "triage_blind30", "triage_blind31", "triage_blind32",
               "triage_blind33")
"""The labelled sets after blind23 in bench/data (blind27 is not there), trained on since
round 33 (`--no-recent`: the recipe of rounds 30 to 32)."""
ROUND34_SETS = ("triage_blind34", "triage_blind35", "triage_blind36", "triage_blind37",
                "triage_blind38", "triage_blind39")
"""The labelled sets scored at first contact in round 33 (development sets now), trained on
since round 34 (`--no-round34`: the recipe of round 33)."""
ROUND35_SETS = ("triage_blind40", "triage_blind41", "triage_blind42", "triage_blind43",
                "triage_blind44", "triage_blind45")
"""The labelled sets scored at first contact after round 34's retrain (development sets
now), trained on since round 35 (`--no-round35`: the recipe of round 34)."""
ROUND37_INTENT_SETS: tuple[str, ...] = ("triage_blind46", "triage_blind47", "triage_blind48",
                                        "triage_blind49", "triage_blind50", "triage_blind51")
NEXT_SETS: tuple[str, ...] = (*ROUND37_INTENT_SETS,
                              "triage_blind52", "triage_blind53", "triage_blind54")
"""Labelled sets in bench/data scored at first contact since the red-flag recipe was last
widened and not trained on by the red-flag model yet (rounds 35, 36 and 38: their misses were
mended in the lexicons, so they are fitted for those, never for the red-flag model; blind52-54,
scored after round 37's intent model was made, train neither model)."""
INTENT_NEXT_SETS: tuple[str, ...] = ROUND37_INTENT_SETS
"""The red-flag model's next sets that train the intent model alone, since round 37: their
intent labels were never tuned on (no intent rule was touched in rounds 35 and 36) and
they are the newest writers' requests; their red flags wait for the red-flag model's next
retrain, so a `write` leaves its red-flag recipe as it was (`--no-round37`: the intent
recipe of rounds 35 and 36)."""
TRAIN_SETS = EARLY_SETS + LATER_SETS + CORPUS_SETS + RECENT_SETS + ROUND34_SETS + ROUND35_SETS
"""The recipe `write` trains on (round 35: every development set through blind45 and the
corpora; the intent model also INTENT_EXTRA's sets), and the shipped file's: its red-flag
model is round 36's `write --flag-only --prune 6`, shipped once the gate read its near
misses (bench/data/TRIAGE_EVAL.md "Model retrained (round 36)"), and its intent model round
37's `write --intent-only` (these sets and blind46-51, the red-flag model kept; "Intent
model retrained (round 37)"); `loso` leaves each out in turn from the same list, so a fold
is the shipped recipe less one set."""
INTENT_EXTRA: tuple[str, ...] = INTENT_NEXT_SETS
"""The intent-only sets `write` and `loso` train on beside TRAIN_SETS (`--no-round37`:
none, the intent recipe of rounds 35 and 36)."""
FLAG_CLASSES = ("none", *CATEGORIES)
THRESHOLD = 0.6
EPOCHS = 20
RATE = 0.4
RIDGE = 1e-5
OWN_WEIGHT = 3
INTENT_SET_WEIGHT = 1.5
"""How much an intent example of round 28's intent recipe (the sets through blind23) counts
against one of a later set (1): since round 35, so that the early writers' requests are not
outvoted by the 21 sets after them (trained unweighted, round 34's intent model read six
early sets a little worse while it gained on the new ones)."""
CORPUS_INTENTS = False
"""Whether the corpora's messages train the intent model as well as the red-flag one: they
are written for their red flags and lean to clinical questions, and with them (round 34's
first retrain) the intent model read six early sets a little worse."""
PRUNE = 3
"""write: leave out the feature rows whose largest weight is at most this many steps of the
file's scale (0: keep every row that does not round to nothing). 3 since round 34: no
labelled message's red-flag decision or intent changes (the model alone, 22,121 messages),
and the file stays under round 33's size with blind34-39 added. The shipped red-flag model
is pruned at SHIPPED_FLAG_PRUNE (`write --flag-only --prune 6`)."""
SHIPPED_FLAG_PRUNE = 6
"""The prune of the shipped red-flag model since round 36 (`--prune 6` with `--flag-only`,
which prunes the red-flag model alone): with blind40-45 and the three corpora in the recipe,
6 steps keep the file under round 34's size (2,083,349 bytes against 2,122,551)."""
MISSES: Path | None = None
"""loso: append each held-out message the detector got wrong (flag or intent) here."""
"""Our own sentences (traps, hard negatives, everyday messages) repeat this many times in
training: one short text among thousands of long ones is underfit."""
ROUND12 = True
FLAG_WEIGHT = 1.0
"""How much a red-flag example's step counts against a "none" one's (recall over false
alarms when above 1)."""
"""Train on round 12's sentences (bench/triage_told_otherwise.py); off: the round-10 recipe."""
ROUND14 = True
"""Train on round 14's sentences (medicines handled, not taken; everyday `other`; emergencies
beside an `other` question: bench/triage_hard_negatives.py); off: round 12's recipe."""
FLAG_FROM: Path | None = None
"""loso: take each fold's red-flag model from this cache (train only the intent model)."""


@dataclass(frozen=True)
class Doc:
    """One training message as the detector reads it."""

    read: str  # folded subject (when the patient wrote it) and new text: the flag model's
    body: str  # folded new text: the intent model's, with the subject
    subject: str
    flag: str | None  # "none" or a category; None: no red-flag label
    intent: str | None
    weight: float = 1.0  # how much the message's intent step counts (INTENT_SET_WEIGHT)


def as_doc(body: str, subject: str, channel: str, flag: str | None,
           intent: str | None) -> Doc:
    text = new_text(clean_text(body), channel)
    read = f"{subject}\n\n{text}" if subject.strip() and not triage._REPLY.match(subject) \
        else text
    return Doc(redflag.fold(read)[0], redflag.fold(text)[0], redflag.fold(subject)[0],
               flag, intent)


def example_doc(e: Example, intent: bool = True) -> Doc:
    """`intent=False`: the message trains the red-flag model only."""
    return as_doc(e.body, e.subject, e.channel, e.red_flag or "none",
                  e.intent if intent else None)


def set_docs(name: str) -> list[Doc]:
    """A training set's messages; a corpus's train the intent model too only when
    CORPUS_INTENTS says so, and an intent set's (INTENT_NEXT_SETS) the intent model alone.
    Each message's intent step counts INTENT_SET_WEIGHT when the set is one of round 28's
    intent recipe (EARLY_SETS, LATER_SETS)."""
    intent = CORPUS_INTENTS or name not in CORPUS_SETS
    weight = INTENT_SET_WEIGHT if name in EARLY_SETS + LATER_SETS else 1.0
    docs = [replace(example_doc(e, intent), weight=weight) for e in load(name)]
    if name in INTENT_NEXT_SETS:
        return [replace(d, flag=None) for d in docs]
    return docs


def own_docs(everyday: bool = True) -> list[Doc]:
    """Our own labelled sentences from the tests (red flags, traps and intents), our hard
    negatives (no emergency, with their intent), and round 10's red flags told plainly and
    ordinary requests; `everyday=False` leaves out round 8's everyday messages and round
    10's sentences (to measure what they change)."""
    import tests.test_triage_patterns as patterns
    import tests.triage_devset as devset
    from bench.triage_hard_negatives import (
        ASKED,
        BESIDE_OTHER,
        EVERYDAY,
        FOLLOW_UPS,
        HANDLED,
        HARD_NEGATIVES,
        OTHERWISE,
        SUBJECTED,
        TOLD_PLAINLY,
    )
    from bench.triage_told_otherwise import NOT_NOW, TOLD_OTHERWISE

    told = TOLD_PLAINLY + (TOLD_OTHERWISE if ROUND12 else ())
    docs: list[Doc] = [as_doc(body, "", "sms", "none", intent or None) for _lang, body, intent
                       in HARD_NEGATIVES + (EVERYDAY + ASKED if everyday else ())
                       + (NOT_NOW if everyday and ROUND12 else ())
                       + (HANDLED + OTHERWISE if everyday and ROUND14 else ())]
    if everyday:
        docs += [as_doc(body, subject, "email", "none", intent or None)
                 for _lang, subject, body, intent in SUBJECTED]
        docs += [as_doc(body, subject, "email", "none", None)
                 for _lang, subject, body in (FOLLOW_UPS if ROUND14 else ())]
        docs += [as_doc(body, "", "sms", category, intent)
                 for _lang, body, category, intent in told]
        # intent only: as red flags they taught the model that "also my ... lab" after a
        # question is an emergency ("And another thing / Also my lab results please")
        docs += [as_doc(body, "", "sms", None, intent)
                 for _lang, body, _category, intent in (BESIDE_OTHER if ROUND14 else ())]
    for module in (devset, patterns):
        for name, value in sorted(vars(module).items()):
            if not (name.isupper() and isinstance(value, list)):
                continue
            for item in value:
                if not isinstance(item, tuple):
                    continue
                texts = [v for v in item if isinstance(v, str)]
                category = next((v for v in item if v in CATEGORIES), None)
                intent = next((v for v in item if v in INTENTS), None)
                body = max(texts, key=len)
                if "INTENT" in name or "REQUESTS" in name:
                    subject = item[0] if len(texts) == 3 and item[0] != body else ""
                    docs.append(as_doc(body, subject, "email", None, intent))
                elif category is not None:
                    docs.append(as_doc(body, "", "sms", category, None))
                elif "TRAPS" in name or "GUARDS" in name:
                    docs.append(as_doc(body, "", "sms", "none", None))
    return docs


def train(pairs: Sequence[tuple[set[int], int]], classes: Sequence[str],
          seed: int = 7, weights: Sequence[float] = ()) -> textmodel.LinearModel:
    """Softmax regression by plain SGD with a falling rate and a small ridge; a fixed
    shuffle seed, so the same data give the same weights. `weights`: how much each pair's
    step counts (1 each when empty)."""
    k = len(classes)
    rows: dict[int, list[float]] = {}
    bias = [0.0] * k
    order = list(range(len(pairs)))
    rng = random.Random(seed)
    data = [(sorted(f), y, 1.0 / math.sqrt(len(f)) if f else 0.0) for f, y in pairs]
    counts = list(weights) or [1.0] * len(pairs)
    for epoch in range(EPOCHS):
        rng.shuffle(order)
        rate = RATE / math.sqrt(1.0 + epoch)
        keep = 1.0 - rate * RIDGE
        for i in order:
            feats, y, scale = data[i]
            weight = counts[i]
            sums = [0.0] * k
            for f in feats:
                row = rows.get(f)
                if row is not None:
                    sums = list(map(add, sums, row))  # s + w, in C: the same floats
            logits = [b + s * scale for b, s in zip(bias, sums, strict=True)]
            top = max(logits)
            exps = [math.exp(v - top) for v in logits]
            total = sum(exps)
            grad = [e / total for e in exps]
            grad[y] -= 1.0
            if weight != 1.0:
                grad = [g * weight for g in grad]
            step = [rate * g * scale for g in grad]
            negative = [-s for s in step]
            for f in feats:
                row = rows.get(f)
                if row is None:
                    rows[f] = negative.copy()
                else:  # w * keep - s
                    rows[f] = list(map(sub, map(mul, row, repeat(keep, k)), step))
            bias = [b - rate * g for b, g in zip(bias, grad, strict=True)]
    return textmodel.LinearModel(tuple(classes), tuple(bias),
                                 {f: tuple(row) for f, row in rows.items()})


def fit(docs: Sequence[Doc], threshold: float, flag_only: bool = False,
        flag_model: textmodel.LinearModel | None = None,
        parallel: bool = False) -> textmodel.TriageModel:
    """Both models on `docs`; `flag_only` keeps the shipped intent model (a quicker fold
    when only red-flag figures are wanted: its intent figures are then not left out);
    `flag_model`: this red-flag model instead of training one (intent recipes); `parallel`:
    the intent model trains in a second process while this one trains the red-flag model
    (the same weights, in about half the wall time on two free cores)."""
    intents = [(_intent_features(d), INTENTS.index(d.intent))
               for d in docs if d.intent is not None]
    intent_weights = [d.weight for d in docs if d.intent is not None]
    pending = None
    if parallel and not flag_only:
        import multiprocessing

        pool = multiprocessing.get_context("fork").Pool(1)
        pending = pool.apply_async(train, (intents, INTENTS), {"weights": intent_weights})
        pool.close()
    if flag_model is None:
        flags = [(textmodel.features(d.read), FLAG_CLASSES.index(d.flag))
                 for d in docs if d.flag is not None]
        weights = [1.0 if y == 0 else FLAG_WEIGHT for _f, y in flags]
        redflag = train(flags, FLAG_CLASSES, weights=weights)
    else:
        redflag = flag_model
    if flag_only:
        return textmodel.TriageModel(redflag, textmodel.shipped().intent, threshold)
    if pending is not None:
        intent = pending.get()
        pool.join()
    else:
        intent = train(intents, INTENTS, weights=intent_weights)
    return textmodel.TriageModel(redflag, intent, threshold)


def pruned(model: textmodel.TriageModel, smallest: int,
           intent: bool = True) -> textmodel.TriageModel:
    """`model` without the feature rows whose largest weight is at most `smallest` steps of
    the file's SCALE (words seen once or twice that move no answer), for a smaller file
    and a quicker load; 0 keeps every row the file would keep. `intent=False` prunes the
    red-flag model only (the intent model kept as it is: --flag-only)."""
    if smallest <= 0:
        return model

    def kept(linear: textmodel.LinearModel) -> textmodel.LinearModel:
        rows = {feature: tuple(i * textmodel.SCALE for i in ints)
                for feature, ints in linear.steps() if max(map(abs, ints)) > smallest}
        return textmodel.LinearModel(linear.classes, linear.bias, rows)

    return textmodel.TriageModel(kept(model.redflag),
                                 kept(model.intent) if intent else model.intent,
                                 model.threshold)


def _intent_features(d: Doc) -> set[int]:
    found = textmodel.features(d.body)
    if d.subject:
        found |= textmodel.features(d.subject, "s")
    return found


def load(name: str) -> list[Example]:
    return load_set(DATA / f"{name}.jsonl")


RULES = ("any", "top", "half")
"""How the model's probabilities become a flag, for the sweep: "any" flags when the
probability of any emergency (1 - P(none)) reaches the threshold (rounds 6-7), "top" when
the most likely category's own probability does, "half" (shipped, round 8) when the
first does and one category holds at least half the threshold."""


def loso(threshold: float, own: bool, sweep: Sequence[float], cache: Path | None,
         only: Sequence[str] = (), flag_only: bool = False, everyday: bool = True) -> None:
    sets = {name: load(name) for name in TRAIN_SETS}
    mine = own_docs(everyday) * OWN_WEIGHT if own else []
    print(f"own sentences: {len(mine)}; training sets: {len(sets)}")
    pooled: list[tuple[Example, Prediction, dict[tuple[str, float], str | None]]] = []
    for held in only:
        if held not in sets:  # never trained on: the shipped model is already left out
            shipped = textmodel.shipped()
            print(f"{held}: not a training set, the shipped model")
            pooled += _report(held, load(held),
                              textmodel.TriageModel(shipped.redflag, shipped.intent, threshold),
                              sweep)
            sys.stdout.flush()
    for held, examples in sets.items():
        if only and held not in only:
            continue
        saved = cache / f"{held}{'' if own else '-no-own'}.json.gz" if cache else None
        if saved is not None and saved.exists():
            found = textmodel.TriageModel.from_bytes(saved.read_bytes())
            model = textmodel.TriageModel(found.redflag, found.intent, threshold)
        else:
            train_docs = [example_doc(e, CORPUS_INTENTS or name not in CORPUS_SETS)
                          for name, es in sets.items() if name != held for e in es] + mine
            train_docs += [d for name in INTENT_EXTRA for d in set_docs(name)]
            reuse = FLAG_FROM / f"{held}{'' if own else '-no-own'}.json.gz" if FLAG_FROM else None
            if reuse is not None:
                flags = textmodel.TriageModel.from_bytes(reuse.read_bytes()).redflag
                model = fit(train_docs, threshold, flag_model=flags)
            else:
                model = fit(train_docs, threshold, flag_only)
            if saved is not None:
                saved.write_bytes(model.to_bytes())
        pooled += _report(held, examples, model, sweep)
        sys.stdout.flush()
    if sweep and len(pooled) > 0:
        _pooled(pooled, sweep)


def _report(held: str, examples: Sequence[Example], model: textmodel.TriageModel,
            sweep: Sequence[float],
            ) -> list[tuple[Example, Prediction, dict[tuple[str, float], str | None]]]:
    """The held-out set's figures: the whole detector at the model's threshold, the lexicon
    alone, the model alone (no lexicon, no context checks), and a threshold sweep by both
    rules. Returns each example with the shipped rule's prediction and the sweep's flags."""
    predictions = []
    for e in examples:
        a = triage.inspect(e.body, subject=e.subject, channel=e.channel, model=model).assessment
        predictions.append(Prediction(a.red_flag, a.intent, confidence=a.confidence))
    report = score(examples, predictions)
    never = textmodel.TriageModel(model.redflag, model.intent, 2.0)
    judged = [triage.inspect(e.body, subject=e.subject, channel=e.channel,
                             model=never).assessment.red_flag for e in examples]
    added = [e for e, p, j in zip(examples, predictions, judged, strict=True)
             if p.red_flag and not j]
    traps = sum(1 for e in examples if e.trap)
    model_traps = [e.id for e in added if not e.red_flag and e.trap]
    print(f"{held}: the model adds {sum(1 for e in added if e.red_flag)} red flags, "
          f"{len(model_traps)} of {traps} trap false alarms {model_traps}, "
          f"{sum(1 for e in added if not e.red_flag and not e.trap)} on ordinary mail")
    if MISSES is not None:
        with MISSES.open("a") as out:
            for e, p in zip(examples, predictions, strict=True):
                if (e.red_flag or None) != (p.red_flag or None) or e.intent != p.intent:
                    out.write(json.dumps({"set": held, "id": e.id, "flag": e.red_flag,
                                          "got": p.red_flag, "intent": e.intent,
                                          "read": p.intent}) + "\n")
    lexicon = [triage.inspect(e.body, subject=e.subject, channel=e.channel,
                              statistical=False).assessment for e in examples]
    base = score(examples, [Prediction(a.red_flag, a.intent) for a in lexicon])
    anything = textmodel.TriageModel(model.redflag, model.intent, 0.0)
    candidates = [triage.inspect(e.body, subject=e.subject, channel=e.channel,
                                 model=anything).assessment.red_flag for e in examples]
    probs = [model.redflag_probabilities(example_doc(e).read) for e in examples]
    alone = score(examples, [Prediction(_top(p) if _passes("half", p, model.threshold)
                                        else None, "other") for p in probs])
    _print(held, report, base, alone)
    swept: list[dict[tuple[str, float], str | None]] = [{} for _ in examples]
    for rule in RULES:
        for t in sweep:
            flags = [lex.red_flag or (cand if cand and _passes(rule, p, t, cand) else None)
                     for lex, cand, p in zip(lexicon, candidates, probs, strict=True)]
            for flag, out in zip(flags, swept, strict=True):
                out[rule, t] = flag
            r = score(examples, [Prediction(f, "other") for f in flags])
            print(f"    {rule} {t:.2f}: {_line(r)}")
    return list(zip(examples, predictions, swept, strict=True))


def _passes(rule: str, probs: dict[str, float], t: float, category: str | None = None,
            ) -> bool:
    """Whether the model flags by `rule` at threshold `t`; `category`: the one the
    detector read (the most likely one the lexicon did not set aside)."""
    emergency, top = 1.0 - probs["none"], probs[category or _top(probs)]
    if rule == "half":
        return emergency >= t and top >= t / 2
    return (emergency if rule == "any" else top) >= t


def _line(r: Report) -> str:
    cats = " ".join(f"{f.recall:.2f}" for c, f in r.categories.items()
                    if c in CATEGORIES and f.recall is not None)
    return (f"recall {r.overall.recall:.3f} precision {r.overall.precision:.3f} "
            f"trap FPR {r.overall.trap_fpr:.3f}  [{cats}]")


def _pooled(pooled: Sequence[tuple[Example, Prediction, dict[tuple[str, float], str | None]]],
            sweep: Sequence[float]) -> None:
    """Every held-out message scored together: recall per category over all folds."""
    examples = [e for e, _p, _s in pooled]
    shipped = score(examples, [p for _e, p, _s in pooled])
    print(f"all folds pooled ({len(examples)} messages), as shipped: {_line(shipped)} "
          f"macro-F1 {shipped.intents.macro_f1():.3f}")
    for rule in RULES:
        for t in sweep:
            r = score(examples, [Prediction(s[rule, t], "other") for _e, _p, s in pooled])
            print(f"    pooled {rule} {t:.2f}: {_line(r)}")


def _top(probs: dict[str, float]) -> str:
    return max(CATEGORIES, key=lambda c: probs[c])


def _print(name: str, report: Report, base: Report, alone: Report) -> None:
    cats = " ".join(f"{f.recall:.3f}" if f.recall is not None else "n/a"
                    for c, f in report.categories.items() if c in CATEGORIES)
    print(f"{name}: recall {report.overall.recall:.3f} (lexicon {base.overall.recall:.3f}) "
          f"precision {report.overall.precision:.3f} ({base.overall.precision:.3f}) "
          f"trap FPR {report.overall.trap_fpr:.3f} ({base.overall.trap_fpr:.3f}) "
          f"macro-F1 {report.intents.macro_f1():.3f} ({base.intents.macro_f1():.3f}); "
          f"model alone: recall {alone.overall.recall:.3f} precision "
          f"{alone.overall.precision:.3f} trap FPR {alone.overall.trap_fpr:.3f}")
    print(f"    per category: {cats}")
    intents = " ".join(f"{name} {float(report.intents.row(name)['f1']):.3f}"
                       for name in SHOWN_INTENTS)
    print(f"    intent F1: {intents}")
    flagged = {k: v for k, v in report.trap_flagged_ids.items() if v}
    if flagged:
        print(f"    traps flagged: {flagged}")


SHOWN_INTENTS = ("other", "appointment_book", "records_forms", "clinical_question")


def suite(model: textmodel.TriageModel) -> None:
    """The model's own flags on the test suite's strings, highest probability first."""
    import ast

    texts: dict[str, set[str]] = {}
    for path in sorted((ROOT / "tests").rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if isinstance(node, ast.Constant) and isinstance(node.value, str) \
                    and len(node.value.split()) >= 3 and any(c.isalpha() for c in node.value):
                texts.setdefault(node.value, set()).add(path.name)
    anything = textmodel.TriageModel(model.redflag, model.intent, 0.0)
    rows = []
    for text in texts:
        if triage.inspect(text, statistical=False).assessment.red_flag is not None:
            continue
        flag = triage.inspect(text, model=anything).assessment.red_flag
        if flag is None:
            continue
        probs = model.redflag_probabilities(redflag.fold(new_text(clean_text(text), "email"))[0])
        rows.append((probs[flag], 1.0 - probs["none"], flag, text))
    rows.sort(reverse=True)
    print(f"{len(texts)} strings; the model alone flags these at threshold 0 "
          f"(top category's probability, any emergency's, category, files):")
    for top, anyp, flag, text in rows:
        if top >= 0.2:
            files = ",".join(sorted(texts[text]))[:60]
            print(f"  {top:.2f} {anyp:.2f} {flag:<20} {text[:90]!r} [{files}]")


@dataclass(frozen=True)
class Change:
    """One set read by two models: intent macro-F1 by each, and the answers that moved."""

    name: str
    messages: int
    macro_before: float
    macro_after: float
    toward: int  # intent answers wrong before, the label's now
    away: int  # the label's before, wrong now
    other: int  # wrong before and after, another wrong intent
    flags: int  # red-flag answers (category or none) that differ
    answers: tuple[tuple[Prediction, Prediction], ...] = ()  # each message's, before and after


def compare(name: str, examples: Sequence[Example], before: textmodel.TriageModel,
            after: textmodel.TriageModel) -> Change:
    """`examples` read by the whole detector with each model (`triage.inspect`, as ingest
    reads it): the intent rule's figures (round 34: a retrained intent model ships only if
    no set's intent macro-F1 drops, with far more answers toward the label than away) and
    the red-flag answers the intent model must leave alone."""
    old, new = ([triage.inspect(e.body, subject=e.subject, channel=e.channel,
                                model=model).assessment for e in examples]
                for model in (before, after))
    toward = away = other = flags = 0
    for e, a, b in zip(examples, old, new, strict=True):
        flags += a.red_flag != b.red_flag
        if a.intent != b.intent:
            if b.intent == e.intent:
                toward += 1
            elif a.intent == e.intent:
                away += 1
            else:
                other += 1
    said = [[Prediction(x.red_flag, x.intent) for x in answers] for answers in (old, new)]
    macro = [score(examples, predictions).intents.macro_f1() for predictions in said]
    return Change(name, len(examples), macro[0], macro[1], toward, away, other, flags,
                  tuple(zip(*said, strict=True)))


def compare_sets(names: Sequence[str], model: Path, against: Path | None) -> int:
    """`compare` on each set named (all labelled sets when none), `model` against the file
    `against` (default: the shipped one); one line a set and the sets pooled. Exit 1 when
    a set's intent macro-F1 drops or any red-flag answer moves (answers moved away from
    the label are counted, for the reader to weigh against those moved toward it)."""
    after = textmodel.TriageModel.from_bytes(model.read_bytes())
    before = textmodel.TriageModel.from_bytes(against.read_bytes()) if against \
        else textmodel.shipped()
    chosen = list(names) or sorted(p.stem for p in DATA.glob("triage_*.jsonl"))
    rows = []
    print(f"{model} against {against or 'the shipped file'}: set, messages, intent "
          f"macro-F1 before -> after, intents toward / away / wrong both ways, red flags "
          f"changed")
    for name in chosen:
        row = compare(name, load(name), before, after)
        rows.append(row)
        print(f"{row.name}: {row.messages}, {row.macro_before:.4f} -> {row.macro_after:.4f} "
              f"({row.macro_after - row.macro_before:+.4f}), {row.toward} / {row.away} / "
              f"{row.other}, {row.flags}")
        sys.stdout.flush()
    lower = [r.name for r in rows if r.macro_after < r.macro_before]
    examples = [e for r in rows for e in load(r.name)]
    pooled = [score(examples, [pair[side] for r in rows for pair in r.answers])
              .intents.macro_f1() for side in (0, 1)]
    print(f"pooled: {sum(r.messages for r in rows)} messages, intent macro-F1 "
          f"{pooled[0]:.4f} -> {pooled[1]:.4f}, "
          f"{sum(r.toward for r in rows)} toward / {sum(r.away for r in rows)} away / "
          f"{sum(r.other for r in rows)} wrong both ways, "
          f"{sum(r.flags for r in rows)} red flags changed; macro-F1 lower on "
          f"{', '.join(lower) or 'no set'}")
    return 1 if lower or any(r.flags for r in rows) else 0


KEYS = ("id", "lang", "channel", "subject", "body", "red_flag", "trap", "trap_category",
        "intent")
"""A labelled row's keys, in the sets' order."""
_PHONE = re.compile(r"\(?\d{3}\)?[\s.-]?\d{3}[\s.-]\d{4}|\b\d{3}-\d{4}\b")
_MAIL_DOMAIN = re.compile(r"[\w.+-]+@([\w-]+(?:\.[\w-]+)+)")


def _same_body(body: str) -> str:
    return " ".join(body.split()).casefold()


def row_problem(row: object, prefix: str) -> str | None:
    """Why a corpus row cannot be trained on (None: it can): the sets' keys in their order,
    the vocabularies, a subject only on e-mail, a trap never carrying a red flag, an id of
    the corpus (`PREFIX-BATCH-NNN`), only fictional phone numbers and example mail domains."""
    if not isinstance(row, dict) or tuple(row) != KEYS:
        return "keys"
    if not all(isinstance(row[k], str) for k in ("id", "lang", "channel", "subject", "body",
                                                 "intent")):
        return "types"
    if not re.fullmatch(rf"{re.escape(prefix)}-\d+-\d+", row["id"]):
        return "id"
    if row["lang"] not in ("en", "es") or row["channel"] not in ("sms", "email"):
        return "lang or channel"
    if (row["channel"] == "sms") == bool(row["subject"].strip()):
        return "subject"
    if not row["body"].strip():
        return "empty body"
    if row["intent"] not in INTENTS:
        return "intent"
    if row["red_flag"] is not None and row["red_flag"] not in CATEGORIES:
        return "red_flag"
    if row["trap"] is None:
        if row["trap_category"] is not None:
            return "trap_category without a trap"
    elif row["trap"] not in TRAPS or row["trap_category"] not in CATEGORIES:
        return "trap"
    elif row["red_flag"] is not None:
        return "trap with a red flag"
    elif row["trap"] == "newsletter" and row["intent"] != "spam_marketing":
        return "newsletter intent"
    text = f"{row['subject']}\n{row['body']}"
    if any(not re.search(r"555[\s.-]01\d\d$", p) for p in _PHONE.findall(text)):
        return "phone"
    if any(not d.lower().startswith("example.") for d in _MAIL_DOMAIN.findall(text)):
        return "mail domain"
    return None


def take_corpus(source: Path, prefix: str, out: Path) -> Counter[str]:
    """Copy the batches `source/batchNN.jsonl` (in order) to `out`, one row a line as
    written, leaving out each row that `row_problem` refuses, that repeats an id, or whose
    body (spaces and case aside) is the body of a row in any bench/data set (but the one
    `out` replaces) or earlier in the batches. Returns how many rows were kept ("kept") and left out, by reason."""
    batches = sorted(source.glob("batch[0-9]*.jsonl"))
    if not batches:
        raise SystemExit(f"no batchNN.jsonl in {source}")
    seen = {_same_body(str(row.get("body", ""))) for path in sorted(DATA.glob("*.jsonl"))
            if path.name != out.name
            for line in path.read_text(encoding="utf-8").splitlines() if line.strip()
            for row in (json.loads(line),) if isinstance(row, dict)}
    ids: set[str] = set()
    kept: list[str] = []
    counts: Counter[str] = Counter()
    for path in batches:
        for line in path.read_text(encoding="utf-8").splitlines():
            if not line.strip():
                continue
            try:
                row = json.loads(line)
            except ValueError:
                counts["not JSON"] += 1
                continue
            problem = row_problem(row, prefix)
            if problem is None and row["id"] in ids:
                problem = "id twice"
            if problem is None and _same_body(row["body"]) in seen:
                problem = "body already in bench/data or the corpus"
            if problem is not None:
                counts[problem] += 1
                continue
            ids.add(row["id"])
            seen.add(_same_body(row["body"]))
            kept.append(line.strip())
    out.write_text("".join(f"{line}\n" for line in kept), encoding="utf-8")
    counts["kept"] = len(kept)
    return counts


def recipe(later: bool = True, corpus: bool = True, recent: bool = True,
           round34: bool = True, round34_corpora: bool = True,
           round35: bool = True) -> tuple[str, ...]:
    """The sets a model trains on, by the switches: `later=False` is the recipe before
    round 28 (the sets up to blind9 alone, whatever the others say), `corpus=False` leaves
    out every corpus, `recent=False` blind24-33, `round34=False` blind34-39 and the corpora
    added in round 34, `round34_corpora=False` those corpora alone (the shipped model of
    round 34, trained before they were written), `round35=False` blind40-45 (with
    `round34_corpora=False`: round 34's shipped recipe). All on: TRAIN_SETS."""
    if not later:
        return EARLY_SETS
    corpora = tuple(name for name in CORPUS_SETS
                    if (round34 and round34_corpora) or name not in ROUND34_CORPORA)
    return (EARLY_SETS + LATER_SETS + (corpora if corpus else ())
            + (RECENT_SETS if recent else ()) + (ROUND34_SETS if round34 else ())
            + (ROUND35_SETS if round35 else ()))


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("mode", choices=("loso", "write", "suite", "corpus", "compare"))
    parser.add_argument("--source", type=Path,
                        help="corpus: the folder of batchNN.jsonl files to copy to --out")
    parser.add_argument("--prefix", help="corpus: the rows' id prefix (hi for hi-B-NNN)")
    parser.add_argument("--model", type=Path, help="suite: this model file (default: "
                        "shipped); compare: the file read against --against")
    parser.add_argument("--against", type=Path,
                        help="compare: the file --model is read against (default: shipped)")
    parser.add_argument("--sets", nargs="*", default=[],
                        help="compare: these labelled sets (default: every triage_ set)")
    parser.add_argument("--out", type=Path, help="write: here instead of the package")
    parser.add_argument("--threshold", type=float, default=THRESHOLD)
    parser.add_argument("--no-own", action="store_true",
                        help="leave our own test sentences out of training")
    parser.add_argument("--sweep", type=float, nargs="*", default=[])
    parser.add_argument("--only", nargs="*", default=[], choices=TRAIN_SETS,
                        help="hold out only these sets (a set outside training: the shipped "
                             "model, which never saw it)")
    parser.add_argument("--add-later", action="store_true",
                        help="the default since round 28 (kept so older commands still run)")
    parser.add_argument("--no-corpus", action="store_true",
                        help="train without CORPUS_SETS (with --no-recent: the recipe "
                             "before round 30)")
    parser.add_argument("--no-later", action="store_true",
                        help="train on the sets up to blind9 only (the recipe before round 28)")
    parser.add_argument("--no-recent", action="store_true",
                        help="train without RECENT_SETS (the recipe of rounds 30 to 32)")
    parser.add_argument("--no-round34", action="store_true",
                        help="train without blind34-39 and the corpora added in round 34 "
                             "(the recipe of round 33)")
    parser.add_argument("--no-round34-corpora", action="store_true",
                        help="train without the corpora added in round 34 (round 34's "
                             "shipped red-flag model: blind34-39 without them)")
    parser.add_argument("--no-round35", action="store_true",
                        help="train without blind40-45 (with --no-round34-corpora: the "
                             "recipe of round 34's shipped model)")
    parser.add_argument("--no-round37", action="store_true",
                        help="the intent model without INTENT_NEXT_SETS (blind46-51: the "
                             "intent recipe of rounds 35 and 36)")
    parser.add_argument("--without", nargs="*", default=[],
                        choices=TRAIN_SETS + INTENT_NEXT_SETS,
                        help="write: leave these sets out of training (a held-out check "
                             "of the sets left out)")
    parser.add_argument("--takes", type=float, nargs=2, metavar=("NONE", "CONCRETE"),
                        help="the model's intent replaces the rules' at these probabilities "
                             "(triage.MODEL_TAKES: no request found / a concrete one)")
    parser.add_argument("--epochs", type=int, default=EPOCHS)
    parser.add_argument("--own-weight", type=int, default=OWN_WEIGHT,
                        help="each of our own sentences counts this many times")
    parser.add_argument("--no-everyday", action="store_true",
                        help="leave round 8's everyday negatives out of training")
    parser.add_argument("--no-round12", action="store_true",
                        help="leave round 12's sentences out (the round-10 recipe)")
    parser.add_argument("--flag-weight", type=float, default=FLAG_WEIGHT,
                        help="a red-flag example's step counts this much ('none': 1)")
    parser.add_argument("--no-round14", action="store_true",
                        help="leave round 14's sentences out (round 12's recipe)")
    parser.add_argument("--flag-from", type=Path,
                        help="loso: each fold's red-flag model from this cache (intent only)")
    parser.add_argument("--corpus-intents", action="store_true",
                        help="the corpora train the intent model too (round 34's first "
                             "retrain)")
    parser.add_argument("--prune", type=int, default=PRUNE,
                        help="write: leave out feature rows whose largest weight is at most "
                             "this many steps of the file's scale")
    parser.add_argument("--parallel", action="store_true",
                        help="write: train the intent model in a second process meanwhile")
    parser.add_argument("--flag-only", action="store_true",
                        help="train only the red-flag model (intent: the shipped one)")
    parser.add_argument("--intent-only", action="store_true",
                        help="write: train only the intent model (red flags: the shipped "
                             "model, or --flags-of's)")
    parser.add_argument("--flags-of", type=Path,
                        help="write: the red-flag model of this file instead of training one")
    parser.add_argument("--intent-set-weight", type=float, default=INTENT_SET_WEIGHT,
                        help="an intent example of round 28's sets (through blind23) counts "
                             "this much (a later set's: 1)")
    parser.add_argument("--misses", type=Path,
                        help="loso: append every held-out error here (JSON lines, ids only)")
    parser.add_argument("--cache", type=Path,
                        help="keep each fold's model here and reuse it (same data only)")
    args = parser.parse_args(argv)
    globals().update(CORPUS_INTENTS=args.corpus_intents,
                     INTENT_SET_WEIGHT=args.intent_set_weight)
    globals().update(EPOCHS=args.epochs, OWN_WEIGHT=args.own_weight, MISSES=args.misses,
                     ROUND12=not args.no_round12, ROUND14=not args.no_round14,
                     FLAG_WEIGHT=args.flag_weight, FLAG_FROM=args.flag_from)
    globals().update(TRAIN_SETS=recipe(later=not args.no_later, corpus=not args.no_corpus,
                                       recent=not args.no_recent,
                                       round34=not args.no_round34,
                                       round34_corpora=not args.no_round34_corpora,
                                       round35=not args.no_round35),
                     INTENT_EXTRA=() if args.no_round37 else INTENT_NEXT_SETS)
    if args.takes:
        none, concrete = args.takes
        triage.MODEL_TAKES.update({"none": none, "fallback": none, "concrete": concrete})
    if args.mode == "loso":
        loso(args.threshold, not args.no_own, args.sweep, args.cache, args.only,
             args.flag_only, not args.no_everyday)
        return 0
    if args.mode == "corpus":
        if args.source is None or args.prefix is None or args.out is None:
            parser.error("corpus needs --source, --prefix and --out")
        if not args.source.is_dir():
            parser.error(f"not a folder: {args.source}")
        counts = take_corpus(args.source, args.prefix, args.out)
        kept = counts.pop("kept")
        left = ", ".join(f"{n} {why}" for why, n in counts.most_common()) or "none"
        print(f"wrote {args.out}: {kept} rows kept; left out: {left}")
        return 0
    if args.mode == "compare":
        if args.model is None:
            parser.error("compare needs --model")
        unknown = [n for n in args.sets if not (DATA / f"{n}.jsonl").is_file()]
        if unknown:
            parser.error(f"no such set in bench/data: {' '.join(unknown)}")
        try:
            return compare_sets(args.sets, args.model, args.against)
        except (OSError, ValueError) as error:
            parser.error(f"compare: {error}")
    if args.mode == "suite":
        chosen = textmodel.TriageModel.from_bytes(args.model.read_bytes()) if args.model \
            else textmodel.shipped()
        suite(textmodel.TriageModel(chosen.redflag, chosen.intent, args.threshold))
        return 0
    if args.flag_only and (args.intent_only or args.flags_of):
        parser.error("--flag-only trains the red-flag model: not with --intent-only or "
                     "--flags-of")
    flags = None
    if args.flags_of:
        try:
            flags = textmodel.TriageModel.from_bytes(args.flags_of.read_bytes()).redflag
        except (OSError, ValueError) as error:
            parser.error(f"--flags-of {args.flags_of}: {error}")
    elif args.intent_only:
        flags = textmodel.shipped().redflag
    docs = [d for name in TRAIN_SETS + INTENT_EXTRA if name not in args.without
            for d in set_docs(name)] + own_docs() * OWN_WEIGHT
    model = pruned(fit(docs, args.threshold, args.flag_only, flag_model=flags,
                       parallel=args.parallel), args.prune, intent=not args.flag_only)
    out = args.out or ROOT / "src" / "cxinbox" / "domain" / textmodel.MODEL_FILE
    out.write_bytes(model.to_bytes())
    print(f"wrote {out}: {out.stat().st_size} bytes, "
          f"{len(model.redflag.rows)} + {len(model.intent.rows)} feature rows")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
