"""The red-flag operating point: what the hit judge's veto threshold and the model's
threshold do to recall, precision and trap FPR, each set scored with thresholds chosen
without it (leave one set out).

The final decision (triage.inspect) is: the lexicon's current hits, less the ones the judge
vetoes (trap probability >= the judge's threshold, never a guarded hit), name the message;
when none is left, the model flags when 1 - P(none) >= its threshold, its best open category
holds at least half of it, and its three strongest words read current. Everything except the
two thresholds is read once per message (`read`), so any pair of thresholds is scored
without running the detector again; `read` checks that the shipped pair gives back
`triage.assess`'s answer on every message.

    PYTHONPATH=src python bench/triage_operating_point.py read --out /tmp/op.json
    PYTHONPATH=src python bench/triage_operating_point.py loso --cache /tmp/op.json

Only labels, ids and figures are printed: never a message's text.
"""

from __future__ import annotations

import argparse
import itertools
import json
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
for _path in (ROOT, ROOT / "src"):
    if str(_path) not in sys.path:
        sys.path.insert(0, str(_path))

from bench.triage_metrics import load_set

from cxinbox.domain import hitjudge, redflag, textmodel, triage
from cxinbox.domain.newtext import new_text
from cxinbox.domain.redflag_lexicon import CATEGORIES
from cxinbox.domain.sanitize import clean_text

DATA = ROOT / "bench" / "data"
SETS = ("triage_eval", "triage_dev_extra", "triage_holdout", "triage_blind2", "triage_blind3",
        "triage_blind4", "triage_blind5", "triage_blind6", "triage_blind7", "triage_blind8",
        "triage_blind9", "triage_blind10", "triage_blind11", "triage_dev16", "triage_dev16b",
        "triage_dev16c", "triage_dev18", "triage_blind12", "triage_blind13",
        "triage_blind14", "triage_blind15", "triage_blind16")
LATER = ("triage_blind8", "triage_blind9", "triage_blind10", "triage_blind11")
VETO_GRID = (0.75, 0.8, 0.85, 0.9, 0.95, 1.01)
MODEL_GRID = (0.2, 0.25, 0.3, 0.35, 0.4, 0.45, 0.5, 0.55, 0.6)
SHARE_GRID = (0.5, 0.4, 0.3, 0.2)  # the least share of the threshold on one category
NEVER = -1.0  # a hit the judge may not veto: kept at any threshold


def read_message(body: str, subject: str, channel: str,
                 model: textmodel.TriageModel, judge: hitjudge.HitJudge) -> dict[str, Any]:
    """What the decision needs, threshold aside (mirrors triage.inspect)."""
    text = triage._bounded(new_text(clean_text(body), channel))
    folded, _ = redflag.fold(text)
    folded_subject, _ = redflag.fold(subject)
    is_bulk = redflag.is_bulk(f"{folded_subject}\n{folded}")
    read = f"{subject}\n\n{text}" if subject.strip() and not triage._REPLY.match(subject) else text
    setting = subject if read is text else ""
    findings = redflag.find(read, bulk=is_bulk, setting=setting)
    rfolded, _ = redflag.fold(read)
    hits = []
    for f in findings:
        if f.status != "current":
            continue
        never = hitjudge.guarded(rfolded, f)
        p = NEVER if never else judge.trap_probability(rfolded, f, findings)
        hits.append([f.category, f.start, p])
    out: dict[str, Any] = {"hits": hits, "bulk": is_bulk, "model": None}
    if is_bulk:
        return out
    probs = model.redflag_probabilities(rfolded)
    overruled = triage.negation_overruled(model, read, rfolded, findings, probs)
    if overruled is not None:  # a negation the model overrules (round 18)
        out["model"] = [overruled[0], 1.0 - probs["none"], probs[overruled[0]], True]
        return out
    aside = {f.category for f in findings}
    open_ = [c for c in CATEGORIES if c not in aside]
    if not open_:
        return out
    category = max(open_, key=lambda c: (probs[c], -CATEGORIES.index(c)))
    ok = not (category == "infant_fever" and not redflag.has_infant(rfolded))
    if ok:
        spans = textmodel.strongest_words(model.redflag, rfolded, category)
        if not spans:
            ok = False
        else:
            checked = [redflag.context_status(read, category, s, e) for s, e in spans]
            current = sum(1 for status, _q in checked if status == "current")
            ok = checked[0][0] == "current" and 2 * current > len(checked)
    out["model"] = [category, 1.0 - probs["none"], probs[category], ok]
    return out


def decide(entry: dict[str, Any], veto: float, model_t: float, share: float = 0.5) -> str | None:
    """The red flag the two thresholds give for one message read by `read_message`."""
    from cxinbox.domain import redflag_lexicon as lex

    kept = [(lex.PRIORITY.index(c), start, c) for c, start, p in entry["hits"] if p < veto]
    if kept:
        return str(min(kept)[2])
    m = entry["model"]
    if m is None:
        return None
    category, p_any, p_cat, ok = m
    if ok and p_any >= model_t and p_cat >= model_t * share:
        return str(category)
    return None


def cmd_read(args: argparse.Namespace) -> int:
    model = textmodel.shipped()
    judge = hitjudge.shipped()
    assert model is not None and judge is not None
    cache: dict[str, Any] = {"veto": judge.threshold, "model_t": model.threshold, "sets": {}}
    mismatches = 0
    for name in args.sets:
        started = time.monotonic()
        rows = []
        for ex in load_set(DATA / f"{name}.jsonl"):
            entry = read_message(ex.body, ex.subject, ex.channel, model, judge)
            entry.update(id=ex.id, label=ex.red_flag, trap=ex.trap)
            if args.check:
                shipped = triage.assess(ex.body, subject=ex.subject, channel=ex.channel).red_flag
                if shipped != decide(entry, judge.threshold, model.threshold):
                    mismatches += 1
                    print(f"  mismatch {ex.id}: assess {shipped}", file=sys.stderr)
            rows.append(entry)
        cache["sets"][name] = rows
        print(f"{name}: {len(rows)} read in {time.monotonic() - started:.0f} s", file=sys.stderr)
    Path(args.out).write_text(json.dumps(cache), encoding="utf-8")
    if args.check:
        print(f"mismatches with triage.assess at the shipped thresholds: {mismatches}")
    return 1 if mismatches else 0


def figures(rows: list[dict[str, Any]], veto: float, model_t: float,
            share: float = 0.5) -> dict[str, Any]:
    pos = flagged_pos = alarms = traps = trap_alarms = exact = 0
    missed: list[str] = []
    for r in rows:
        flag = decide(r, veto, model_t, share)
        if r["label"]:
            pos += 1
            if flag:
                flagged_pos += 1
                exact += flag == r["label"]
            else:
                missed.append(r["id"])
        elif flag:
            alarms += 1
        if r["trap"]:
            traps += 1
            trap_alarms += flag is not None
    return {"pos": pos, "tp": flagged_pos, "exact": exact, "fp": alarms, "traps": traps,
            "trap_fp": trap_alarms, "missed": missed,
            "recall": flagged_pos / pos if pos else 1.0,
            "precision": flagged_pos / (flagged_pos + alarms) if flagged_pos + alarms else 1.0,
            "trap_fpr": trap_alarms / traps if traps else 0.0}


def choose(sets: dict[str, list[dict[str, Any]]], names: list[str], max_fpr: float,
           min_precision: float) -> tuple[float, float, float]:
    """The pair with the most red flags found over `names` (pooled) whose trap FPR is at
    most `max_fpr` and precision at least `min_precision` on each of them; ties go to
    fewer trap alarms, then to the higher (more conservative) thresholds."""
    best: tuple[Any, ...] | None = None
    for veto, model_t, share in itertools.product(VETO_GRID, MODEL_GRID, SHARE_GRID):
        per = [figures(sets[n], veto, model_t, share) for n in names]
        if any(f["trap_fpr"] > max_fpr or f["precision"] < min_precision for f in per):
            continue
        key = (sum(f["tp"] for f in per), -sum(f["trap_fp"] for f in per), veto, model_t,
               share)
        if best is None or key > best:
            best = key
    if best is None:
        return 0.75, 0.6, 0.5
    return best[2], best[3], best[4]


def cmd_loso(args: argparse.Namespace) -> int:
    cache = json.loads(Path(args.cache).read_text(encoding="utf-8"))
    sets: dict[str, list[dict[str, Any]]] = cache["sets"]
    shipped = (cache["veto"], cache["model_t"])
    print(f"shipped thresholds: veto {shipped[0]}, model {shipped[1]}")
    if args.grid:
        print("\npooled over every set: veto, model -> found / red flags, trap alarms, "
              "all alarms; later sets (blind8..11) found, trap alarms")
        for veto, model_t, share in itertools.product(VETO_GRID, MODEL_GRID, SHARE_GRID):
            per = {n: figures(rows, veto, model_t, share) for n, rows in sets.items()}
            later = [per[n] for n in LATER if n in per]
            worst_fpr = max(f["trap_fpr"] for f in per.values())
            worst_prec = min(f["precision"] for f in per.values())
            print(f"  {veto:4.2f} {model_t:4.2f} {share:4.2f}: "
                  f"{sum(f['tp'] for f in per.values())}/{sum(f['pos'] for f in per.values())} "
                  f"trap {sum(f['trap_fp'] for f in per.values())} "
                  f"all {sum(f['fp'] for f in per.values())}; later "
                  f"{sum(f['tp'] for f in later)}/{sum(f['pos'] for f in later)} "
                  f"trap {sum(f['trap_fp'] for f in later)}; worst set FPR {worst_fpr:.3f} "
                  f"precision {worst_prec:.3f}")
    print(f"\nleave one set out (criterion on the other sets: trap FPR <= {args.max_fpr}, "
          f"precision >= {args.min_precision} on each; most red flags found)")
    print("| left out | chosen veto / model / share | recall shipped → chosen | precision shipped → "
          "chosen | trap FPR shipped → chosen |")
    print("|---|---|---|---|---|")
    for name, rows in sets.items():
        others = [n for n in sets if n != name]
        veto, model_t, share = choose(sets, others, args.max_fpr, args.min_precision)
        a = figures(rows, *shipped)
        b = figures(rows, veto, model_t, share)
        print(f"| {name.removeprefix('triage_')} | {veto:.2f} / {model_t:.2f} / {share:.2f} | "
              f"{a['recall']:.3f} → {b['recall']:.3f} ({a['tp']} → {b['tp']} of {a['pos']}) | "
              f"{a['precision']:.3f} → {b['precision']:.3f} | "
              f"{a['trap_fpr']:.3f} → {b['trap_fpr']:.3f} ({a['trap_fp']} → {b['trap_fp']} "
              f"of {a['traps']}) |")
        if args.ids and (set(b["missed"]) ^ set(a["missed"])):
            print(f"    found now: {sorted(set(a['missed']) - set(b['missed']))}; "
                  f"lost: {sorted(set(b['missed']) - set(a['missed']))}")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="cmd", required=True)
    r = sub.add_parser("read")
    r.add_argument("--out", required=True)
    r.add_argument("--sets", nargs="+", default=list(SETS))
    r.add_argument("--check", action="store_true", help="compare with triage.assess")
    lo = sub.add_parser("loso")
    lo.add_argument("--cache", required=True)
    lo.add_argument("--max-fpr", type=float, default=0.06)
    lo.add_argument("--min-precision", type=float, default=0.92)
    lo.add_argument("--grid", action="store_true")
    lo.add_argument("--ids", action="store_true")
    args = parser.parse_args(argv)
    return int(cmd_read(args) if args.cmd == "read" else cmd_loso(args))


if __name__ == "__main__":
    raise SystemExit(main())
