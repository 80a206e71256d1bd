"""Train the judge of each lexicon hit (domain/hitjudge.py) and measure it honestly.

    python bench/train_hit_judge.py loso [--sweep T ...] [--pick-from SET ...] [--only SET ...]
    python bench/train_hit_judge.py write --threshold T

Training data: every current hit the lexicon makes on the labelled sets (JUDGE_SETS) and on
our own sentences (the tests' red flags and traps, bench/triage_hard_negatives.py). A hit of
a red-flag message in its labelled category is "current"; a hit of a trap or an ordinary
message is "trap"; a red-flag message's hits of another category are left out (unknown).

`loso`: for each set in turn, train the judge on the other sets (and our own sentences),
then run the whole detector (lexicon hits the judge keeps, else the statistical model) on
the held-out set at every threshold of the sweep and print recall, precision, trap FPR,
per-category recall and trap false alarms per kind, beside the detector without a judge.
The statistical model is the shipped one in every fold. `--only` holds out the named sets
alone, in that order (a fold takes minutes on a loaded machine: the newest set first). The
threshold is picked from the folds named by --pick-from (default: all but the newest set, so
it stays an honest test of the choice): the lowest at which no fold loses more than MAX_LOSS
recall.

`write`: train on every set and our sentences and write
src/cxinbox/domain/hitjudge_model.json.gz (deterministic).
"""

from __future__ import annotations

import argparse
import pickle
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
for path in (ROOT, ROOT / "src"):
    if str(path) not in sys.path:
        sys.path.insert(0, str(path))

from bench import train_triage_model
from bench.train_triage_model import OWN_WEIGHT, load, own_docs, train
from bench.triage_metrics import Example, Prediction, score

from cxinbox.domain import hitjudge, redflag, textmodel, triage
from cxinbox.domain.newtext import new_text
from cxinbox.domain.redflag_lexicon import CATEGORIES
from cxinbox.domain.sanitize import clean_text

JUDGE_SETS = ("triage_eval", "triage_dev_extra", "triage_holdout", "triage_blind2",
              "triage_blind3", "triage_blind4", "triage_blind5", "triage_blind6",
              "triage_blind7", "triage_blind8", "triage_blind9", "triage_blind10",
              "triage_dev16")
LATER_SETS = tuple(name for name in train_triage_model.LATER_SETS if name not in JUDGE_SETS)
"""The labelled sets the judge was not trained on: `--add-later` trains on them too."""
SWEEP = (0.5, 0.6, 0.7, 0.75, 0.8, 0.85, 0.9, 0.95, 1.01)
MAX_LOSS = 0.005
"""Recall a fold may lose to the judge (0.5 pp): a missed red flag is worse than a false
alarm."""


@dataclass(frozen=True)
class Read:
    """One message as the detector reads it: its findings, and what the model would add
    were the lexicon's current hits all removed."""

    folded: str
    findings: list[redflag.Finding]
    bulk: bool
    model_flag: str | None


def read_message(body: str, subject: str, channel: str, model: textmodel.TriageModel,
                 ) -> Read:
    """The same reading as triage.inspect, up to the lexicon's findings."""
    text = new_text(clean_text(body), channel)
    folded_text, _ = redflag.fold(text)
    folded_subject, _ = redflag.fold(subject)
    bulk = redflag.is_bulk(f"{folded_subject}\n{folded_text}")
    own = subject.strip() and not triage._REPLY.match(subject)
    read = f"{subject}\n\n{text}" if own else text
    findings = redflag.find(read, bulk=bulk, setting="" if own else subject)
    flag = None if bulk else triage._statistical_flag(model, read, findings)
    return Read(redflag.fold(read)[0], findings, bulk, flag[0] if flag else None)


def hits(r: Read, label: str | None) -> list[tuple[set[int], int]]:
    """Training pairs of a message's hits; `label`: its red flag or "none". A message with
    no red flag gives every hit as a trap, those the lexicon set aside too (history,
    idioms and hypotheticals its scopes reached are the same contexts worded otherwise);
    a red flag gives its current hits of its own category."""
    pairs = []
    for f in r.findings:
        if label in (None, "none"):
            if f.status == "bulk":
                continue
            y = hitjudge.CLASSES.index("trap")
        elif f.status == "current" and f.category == label:
            y = hitjudge.CLASSES.index("current")
        else:
            continue
        pairs.append((hitjudge.features(r.folded, f, r.findings), y))
    return pairs


def fit(pairs: Sequence[tuple[set[int], int]], threshold: float) -> hitjudge.HitJudge:
    return hitjudge.HitJudge(train(pairs, hitjudge.CLASSES), threshold)


ROUND_TESTS = ("tests.test_redflag_round10", "tests.test_redflag_round11",
               "tests.test_redflag_round12", "tests.test_redflag_round13",
               "tests.test_redflag_round14", "tests.test_redflag_round15",
               "tests.test_redflag_round16")
QUIET_LISTS = ("QUIET", "MUST_STAY_QUIET", "TRAPS", "QUIET_NEW")


def round_sentences() -> list[tuple[str, str]]:
    """The lexicon rounds' own test sentences (rounds 10-14) with their labels as the tests
    state them: a case with a category is a red flag of it, a case of a quiet list "none"
    (round 14's traps the lexicon still reads are traps all the same)."""
    import importlib

    found: dict[str, str] = {}
    for name in ROUND_TESTS:
        module = importlib.import_module(name)
        for list_name, value in sorted(vars(module).items()):
            if not (list_name.isupper() and isinstance(value, list)):
                continue
            for item in value:
                if not isinstance(item, tuple):
                    continue
                texts = [v for v in item if isinstance(v, str) and v not in CATEGORIES]
                category = next((v for v in item if v in CATEGORIES), None)
                body = max(texts, key=len)
                if category is not None:
                    found.setdefault(body, category)
                elif list_name in QUIET_LISTS:
                    found.setdefault(body, "none")
    return sorted(found.items())


def own_pairs(rounds: bool = False) -> list[tuple[set[int], int]]:
    """Our own sentences' hits (x OWN_WEIGHT); `rounds`: with the lexicon rounds' test
    sentences (round_sentences) beside tests/test_triage_patterns.py's."""
    pairs: list[tuple[set[int], int]] = []
    for d in own_docs():
        if d.flag is not None:
            pairs += hits(Read(d.read, redflag.find(d.read), False, None), d.flag)
    if rounds:
        for body, label in round_sentences():
            read = redflag.fold(body)[0]
            pairs += hits(Read(read, redflag.find(read), False, None), label)
    return pairs * OWN_WEIGHT


def predict(r: Read, judge: hitjudge.HitJudge | None, probs: dict[int, float],
            t: float) -> str | None:
    """The detector's flag at veto threshold `t` (`probs`: each current hit's P(trap))."""
    kept = [f for i, f in enumerate(r.findings) if f.status == "current"
            and (judge is None or f.category in hitjudge.NEVER_VETOED or probs[i] < t)]
    first = redflag.first_current(kept)
    if first is not None:
        return first.category
    return r.model_flag


def _row(name: str, examples: Sequence[Example], flags: Sequence[str | None]) -> str:
    rep = score(examples, [Prediction(f, "other") for f in flags])
    o = rep.overall
    cats = " ".join(f"{rep.categories[c].recall:.2f}" if rep.categories[c].recall is not None
                    else "-" for c in CATEGORIES)
    kinds = " ".join(f"{k} {v.traps_flagged}/{v.traps}" for k, v in sorted(rep.trap_kinds.items())
                     if v.traps_flagged)
    return (f"{name}: recall {o.recall:.3f} ({o.found}/{o.positives}) precision "
            f"{o.precision:.3f} trap FPR {o.trap_fpr:.3f} ({o.traps_flagged}/{o.traps}) | "
            f"{cats} | {kinds}")


def _reads(sets: dict[str, list[Example]], cache: Path | None) -> dict[str, list[Read]]:
    """Every set as the lexicon and the shipped model read it (`cache`: a file of our own
    writing to keep it in between runs; delete it when the lexicon or the model change)."""
    if cache is not None and cache.exists():
        found: dict[str, list[Read]] = pickle.loads(cache.read_bytes())
        return found
    model = textmodel.shipped()
    reads = {name: [read_message(e.body, e.subject, e.channel, model) for e in es]
             for name, es in sets.items()}
    if cache is not None:
        cache.write_bytes(pickle.dumps(reads))
    return reads


def loso(sweep: Sequence[float], pick_from: Sequence[str], cache: Path | None,
         only: Sequence[str] = (), rounds: bool = False) -> None:
    """`only`: hold out these sets alone, in this order (default: every set)."""
    sets = {name: load(name) for name in JUDGE_SETS}
    reads = _reads(sets, cache)
    pairs = {name: [p for e, r in zip(sets[name], rs, strict=True)
                    for p in hits(r, e.red_flag or "none")] for name, rs in reads.items()}
    mine = own_pairs(rounds)
    print(f"hits: {sum(len(p) for p in pairs.values())} in the sets, {len(mine)} of ours "
          f"(x{OWN_WEIGHT}); categories: chest .. head, as CATEGORIES")
    losses: dict[float, float] = {t: 0.0 for t in sweep}
    for held in only or JUDGE_SETS:
        examples = sets[held]
        judge = fit([p for name, ps in pairs.items() if name != held for p in ps] + mine, 1.0)
        rs = reads[held]
        probs = [{i: judge.trap_probability(r.folded, f, r.findings)
                  for i, f in enumerate(r.findings) if f.status == "current"} for r in rs]
        base = [predict(r, None, {}, 1.0) for r in rs]
        trap_p = sorted(round(p, 2) for e, r, ps in zip(examples, rs, probs, strict=True)
                        for i, p in ps.items() if e.red_flag is None)
        flag_p = sorted(round(p, 2) for e, r, ps in zip(examples, rs, probs, strict=True)
                        for i, p in ps.items() if e.red_flag is not None)
        print(f"  P(trap) of current hits: traps/ordinary {trap_p}; red flags' top "
              f"{flag_p[-12:]}")
        print(_row(f"{held} no judge", examples, base))
        shipped = hitjudge.shipped()
        if shipped is not None:  # the judge as merged, at its own threshold, beside the fold's
            sp = [{i: shipped.trap_probability(r.folded, f, r.findings)
                   for i, f in enumerate(r.findings) if f.status == "current"} for r in rs]
            print("   " + _row(f"shipped judge t {shipped.threshold:.2f}", examples,
                               [predict(r, shipped, p, shipped.threshold)
                                for r, p in zip(rs, sp, strict=True)]))
        base_recall = score(examples, [Prediction(f, "other") for f in base]).overall.recall
        for t in sweep:
            flags = [predict(r, judge, p, t) for r, p in zip(rs, probs, strict=True)]
            print("   " + _row(f"t {t:.2f}", examples, flags))
            recall = score(examples, [Prediction(f, "other") for f in flags]).overall.recall
            if held in pick_from and base_recall is not None and recall is not None:
                losses[t] = max(losses[t], base_recall - recall)
        sys.stdout.flush()
    fine = [t for t in sweep if losses[t] <= MAX_LOSS + 1e-9]
    print("largest recall loss per threshold over " + ", ".join(pick_from) + ": "
          + ", ".join(f"{t:.2f} {losses[t]:.4f}" for t in sweep))
    print(f"lowest threshold within {MAX_LOSS}: {min(fine) if fine else None}")


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("mode", choices=("loso", "write"))
    parser.add_argument("--sweep", type=float, nargs="*", default=list(SWEEP))
    parser.add_argument("--pick-from", nargs="*", default=list(JUDGE_SETS[:-1]),
                        choices=JUDGE_SETS + LATER_SETS)
    parser.add_argument("--add-later", action="store_true",
                        help="train on the labelled sets after JUDGE_SETS too (LATER_SETS)")
    parser.add_argument("--only", nargs="*", default=[], choices=JUDGE_SETS + LATER_SETS,
                        help="loso: hold out these sets alone, in this order")
    parser.add_argument("--cache", type=Path,
                        help="keep the lexicon's reading of every set here and reuse it")
    parser.add_argument("--threshold", type=float, help="write: the veto threshold")
    parser.add_argument("--out", type=Path, help="write: here instead of the package")
    parser.add_argument("--round-tests", action="store_true",
                        help="train on the lexicon rounds' test sentences (rounds 10-14) too")
    args = parser.parse_args(argv)
    if args.add_later:
        globals().update(JUDGE_SETS=JUDGE_SETS + LATER_SETS)
    if args.mode == "loso":
        loso(args.sweep, args.pick_from, args.cache, args.only, args.round_tests)
        return 0
    if args.threshold is None:
        parser.error("write needs --threshold")
    sets = {name: load(name) for name in JUDGE_SETS}
    reads = _reads(sets, args.cache)
    pairs = [p for name, es in sets.items() for e, r in zip(es, reads[name], strict=True)
             for p in hits(r, e.red_flag or "none")] + own_pairs(args.round_tests)
    judge = fit(pairs, args.threshold)
    out = args.out or ROOT / "src" / "cxinbox" / "domain" / hitjudge.MODEL_FILE
    out.write_bytes(judge.to_bytes())
    print(f"wrote {out}: {out.stat().st_size} bytes, {len(judge.model.rows)} feature rows, "
          f"{len(pairs)} hits")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
