"""The red-flag operating point: what the hit judge's veto threshold and the model's
threshold do to recall, precision and trap FPR, each set scored with thresholds chosen
without it (leave one set out).

The final decision (triage.inspect) is: the lexicon's current hits, less the ones the judge
vetoes (trap probability >= the judge's threshold, never a guarded hit), name the message;
when none is left, the model flags when 1 - P(none) >= its threshold, its best open category
holds at least half of it, and its three strongest words read current. Everything except the
two thresholds is read once per message (`read`), so any pair of thresholds is scored
without running the detector again; `read` checks that the shipped pair gives back
`triage.assess`'s answer on every message. Reading, scoring and leaving a set out are
bench/triage_harness.py's (shared with bench/triage_gates.py).

    PYTHONPATH=src python bench/triage_operating_point.py read --out /tmp/op.json
    PYTHONPATH=src python bench/triage_operating_point.py loso --cache /tmp/op.json

Only labels, ids and figures are printed: never a message's text.
"""

from __future__ import annotations

import argparse
import itertools
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
for _path in (ROOT, ROOT / "src"):
    if str(_path) not in sys.path:
        sys.path.insert(0, str(_path))

from bench import triage_harness as harness
from bench.triage_harness import DATA, NEVER, SETS

from cxinbox.domain import hitjudge, redflag, textmodel, triage
from cxinbox.domain.redflag_lexicon import CATEGORIES

__all__ = ["DATA", "NEVER", "SETS", "decide", "figures", "read_message"]

LATER = ("triage_blind8", "triage_blind9", "triage_blind10", "triage_blind11")
VETO_GRID = (0.75, 0.8, 0.85, 0.9, 0.95, 1.01)
MODEL_GRID = (0.2, 0.25, 0.3, 0.35, 0.4, 0.45, 0.5, 0.55, 0.6)
SHARE_GRID = (0.5, 0.4, 0.3, 0.2)  # the least share of the threshold on one category


def read_message(body: str, subject: str, channel: str,
                 model: textmodel.TriageModel, judge: hitjudge.HitJudge) -> dict[str, Any]:
    """What the decision needs, threshold aside (mirrors triage.inspect)."""
    lexicon = harness.read_lexicon(body, subject, channel, judge)
    read, rfolded, findings = lexicon.read, lexicon.rfolded, lexicon.findings
    out: dict[str, Any] = {"hits": lexicon.hits, "bulk": lexicon.bulk, "model": None}
    if lexicon.bulk:
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
    kept = harness.kept_hit(entry, veto)
    if kept is not None:
        return kept
    m = entry["model"]
    if m is None:
        return None
    category, p_any, p_cat, ok = m
    if ok and p_any >= model_t and p_cat >= model_t * share:
        return str(category)
    return None


def cmd_read(args: argparse.Namespace) -> int:
    return harness.read_sets(args, read_message, decide, "at the shipped thresholds")


def figures(rows: list[dict[str, Any]], veto: float, model_t: float,
            share: float = 0.5) -> dict[str, Any]:
    return harness.figures(rows, lambda r: decide(r, veto, model_t, share))


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
    cache = harness.load_cache(args.cache)
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
    harness.leave_one_out(
        sets, shipped, lambda others: choose(sets, others, args.max_fpr, args.min_precision),
        lambda rows, setting: figures(rows, *setting),
        lambda c: f"{c[0]:.2f} / {c[1]:.2f} / {c[2]:.2f}", args.ids)
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
