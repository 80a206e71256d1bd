"""The model's gate, variant by variant: what the ConText check on the model's strongest
words (and the lexicon's set-aside categories) would let through, each set scored with the
variant and thresholds chosen without it (leave one set out).

`triage.inspect` flags by the model only when no lexicon hit is left; then the model's best
category that the lexicon did not set aside must hold enough probability, and its three
strongest words must read current by the ConText checks: the strongest one, and most of
them. This script reads once per message everything those gates look at (the model's
probabilities, the ConText status of the strongest words of the best open category and of
the best category overall, what the lexicon's findings of that category were) and scores
each variant without running the detector again. The shipped variant at the shipped
thresholds must give back `triage.assess`'s answer (`read --check`).

    PYTHONPATH=src python bench/triage_gates.py read --check --out /tmp/gates.json
    PYTHONPATH=src python bench/triage_gates.py loso --cache /tmp/gates.json
    TRIAGE_TREE=/tmp/at-blind11 PYTHONPATH=src python bench/triage_gates.py read --out /tmp/fc11.json
    PYTHONPATH=src python bench/triage_gates.py fc --fitted /tmp/gates.json \
        --first-contact blind11=/tmp/fc11.json:triage_blind11 ...

`TRIAGE_TREE` reads with an archived tree's detector (`git archive` of the commit that was
shipped when a blind set was first scored), so each blind set can be read at its first
contact again: fitting a set removes its misses, and a leave-one-set-out over fitted sets
cannot see what a change would have found in mail nobody had read yet.

Reading, scoring and leaving a set out are bench/triage_harness.py's (shared with
bench/triage_operating_point.py); the gate variants and the first-contact table are here.

Only labels, ids and figures are printed: never a message's text.
"""

from __future__ import annotations

import argparse
import itertools
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
for _path in (ROOT, ROOT / "src"):
    if str(_path) not in sys.path:
        sys.path.insert(0, str(_path))
if os.environ.get("TRIAGE_TREE"):  # an archived tree's detector: a set at its first contact
    sys.path.insert(0, os.path.join(os.environ["TRIAGE_TREE"], "src"))

from bench import triage_harness as harness
from bench.triage_harness import SETS

from cxinbox.domain import hitjudge, redflag, textmodel, triage
from cxinbox.domain.redflag_lexicon import CATEGORIES

MODEL_GRID = (0.3, 0.4, 0.5, 0.6)
SHARE_GRID = (0.5, 0.3)
BLIND = ("triage_blind8", "triage_blind9", "triage_blind10", "triage_blind11", "triage_dev18",
         "triage_blind12", "triage_blind13")


def _statuses(model: textmodel.TriageModel, read: str, rfolded: str,
              category: str) -> list[str]:
    spans = textmodel.strongest_words(model.redflag, rfolded, category)
    return [redflag.context_status(read, category, s, e)[0] for s, e in spans]


def read_message(body: str, subject: str, channel: str, model: textmodel.TriageModel,
                 judge: hitjudge.HitJudge) -> dict[str, Any]:
    """What every gate variant needs (mirrors triage.inspect up to the model's gate)."""
    lexicon = harness.read_lexicon(body, subject, channel, judge)
    read, rfolded, findings = lexicon.read, lexicon.rfolded, lexicon.findings
    out: dict[str, Any] = {"hits": lexicon.hits, "bulk": lexicon.bulk, "model": None}
    if lexicon.bulk:
        return out
    probs = model.redflag_probabilities(rfolded)
    aside: dict[str, list[str]] = {}
    for f in findings:
        aside.setdefault(f.category, []).append(f.status)
    infant = redflag.has_infant(rfolded)
    open_ = [c for c in CATEGORIES if c not in aside]
    m: dict[str, Any] = {"p_any": 1.0 - probs["none"], "probs": {c: probs[c] for c in CATEGORIES},
                         "aside": aside, "infant": infant, "open": None, "top": None}
    if open_:
        category = max(open_, key=lambda c: (probs[c], -CATEGORIES.index(c)))
        m["open"] = [category, _statuses(model, read, rfolded, category)]
    top = max(CATEGORIES, key=lambda c: (probs[c], -CATEGORIES.index(c)))
    if top in aside:
        m["top"] = [top, _statuses(model, read, rfolded, top)]
    out["model"] = m
    return out


Gate = Callable[[list[str], float, float], bool]


def _shipped(st: list[str], p_any: float, p_cat: float) -> bool:
    cur = sum(s == "current" for s in st)
    return bool(st) and st[0] == "current" and 2 * cur > len(st)


def _two_to_block(st: list[str], p_any: float, p_cat: float) -> bool:
    """Blocked only when two of the three words (all, when fewer) read not current."""
    non = sum(s != "current" for s in st)
    return bool(st) and non < min(2, len(st))


def _neg_hist_only(st: list[str], p_any: float, p_cat: float) -> bool:
    """Only a negation or a history blocks: a hypothetical, a question or a pseudo phrase
    around the model's words does not."""
    return _shipped(["current" if s not in ("negated", "historical") else s for s in st],
                    p_any, p_cat)


def _strong_through(st: list[str], p_any: float, p_cat: float) -> bool:
    """A model reading of 0.9 or more on the category passes whatever the ConText says."""
    return p_cat >= 0.9 or _shipped(st, p_any, p_cat)


def _first_only(st: list[str], p_any: float, p_cat: float) -> bool:
    return bool(st) and st[0] == "current"


GATES: dict[str, Gate] = {"shipped": _shipped, "two_to_block": _two_to_block,
                          "neg_hist_only": _neg_hist_only, "strong_0.9": _strong_through,
                          "first_only": _first_only}
ASIDE = ("keep", "negated_0.9", "negated_0.95")
"""What the model may do with a category the lexicon set aside: nothing (shipped), or take
it when every finding of it was a negation and the model reads 0.9 (0.95) or more on it (the
lexicon's negation is the one ConText reading a model can overrule: "half his smile is
gone", "está bien aguadito")."""


def decide(entry: dict[str, Any], veto: float, model_t: float, share: float, gate: str,
           aside: str = "keep") -> str | None:
    kept = harness.kept_hit(entry, veto)
    if kept is not None:
        return kept
    m = entry["model"]
    if m is None:
        return None
    p_any = m["p_any"]
    if p_any < model_t:
        return None
    if aside.startswith("negated_") and m["top"] is not None:
        top, st = m["top"]
        if set(m["aside"][top]) == {"negated"} and m["probs"][top] >= float(aside[8:]) \
                and (top != "infant_fever" or m["infant"]) \
                and any(s == "current" for s in st):
            return str(top)
    if m["open"] is None:
        return None
    category, st = m["open"]
    p_cat = m["probs"][category]
    if p_cat < model_t * share:
        return None
    if category == "infant_fever" and not m["infant"]:
        return None
    return str(category) if GATES[gate](st, p_any, p_cat) else None


def figures(rows: list[dict[str, Any]], *setting: Any) -> dict[str, Any]:
    return harness.figures(rows, lambda r: decide(r, *setting))


def settings(veto: float, gates: list[str], asides: list[str]) -> list[tuple[Any, ...]]:
    return [(veto, m, s, g, a) for g, a, m, s in itertools.product(gates, asides, MODEL_GRID,
                                                                    SHARE_GRID)]


def choose(sets: dict[str, list[dict[str, Any]]], names: list[str], grid: list[tuple[Any, ...]],
           max_fpr: float, min_precision: float, fallback: tuple[Any, ...]) -> tuple[Any, ...]:
    """Most red flags found over `names` with every set inside the bounds; ties to fewer
    trap alarms, then to the shipped gate and the higher thresholds."""
    best: tuple[Any, ...] | None = None
    for setting in grid:
        per = [figures(sets[n], *setting) for n in names]
        if any(f["trap_fpr"] > max_fpr or f["precision"] < min_precision for f in per):
            continue
        key = (sum(f["tp"] for f in per), -sum(f["trap_fp"] for f in per),
               setting[3] == "shipped", setting[4] == "keep", setting[1], setting[2])
        if best is None or key > best[0]:
            best = (key, setting)
    return fallback if best is None else best[1]


def cmd_read(args: argparse.Namespace) -> int:
    aside = f"negated_{triage.NEGATION_OVERRULED}" \
        if hasattr(triage, "negation_overruled") else "keep"
    return harness.read_sets(
        args, read_message,
        lambda entry, veto, model_t: decide(entry, veto, model_t, 0.5, "shipped", aside),
        "(shipped gate and thresholds)")


def cmd_loso(args: argparse.Namespace) -> int:
    cache = harness.load_cache(args.cache)
    sets: dict[str, list[dict[str, Any]]] = cache["sets"]
    veto, model_t = cache["veto"], cache["model_t"]
    shipped = (veto, model_t, 0.5, "shipped", args.shipped_aside)
    print(f"shipped: veto {veto}, model {model_t}, share 0.5, gate shipped, aside "
          f"{args.shipped_aside}")
    print("\npooled over every set, each variant at the shipped thresholds: found / red flags, "
          "trap alarms, all alarms; blind8..11 + dev18 found, trap alarms; worst set")
    for gate, aside in itertools.product(GATES, ASIDE):
        for m_t in (model_t, 0.4):
            setting = (veto, m_t, 0.5, gate, aside)
            per = {n: figures(rows, *setting) for n, rows in sets.items()}
            later = [per[n] for n in BLIND if n in per]
            found = sorted(i for n in BLIND if n in per
                           for i in set(figures(sets[n], *shipped)["missed"]) - set(per[n]["missed"]))
            print(f"  {gate:13s} {aside:11s} model {m_t:.2f}: "
                  f"{sum(f['tp'] for f in per.values())}/{sum(f['pos'] for f in per.values())} "
                  f"trap {sum(f['trap_fp'] for f in per.values())} "
                  f"all {sum(f['fp'] for f in per.values())}; later "
                  f"{sum(f['tp'] for f in later)}/{sum(f['pos'] for f in later)} "
                  f"trap {sum(f['trap_fp'] for f in later)}; worst FPR "
                  f"{max(f['trap_fpr'] for f in per.values()):.3f} precision "
                  f"{min(f['precision'] for f in per.values()):.3f}"
                  + (f"; later found {found}" if args.ids and found else ""))
    grid = settings(veto, args.gates, args.asides)
    if args.fixed:
        grid = [g for g in grid if g[1] == model_t and g[2] == 0.5]
    print(f"\nleave one set out (chosen on the others: trap FPR <= {args.max_fpr}, precision >= "
          f"{args.min_precision} on each; most red flags found; gates {', '.join(args.gates)}; "
          f"aside {', '.join(args.asides)}; "
          + ("shipped thresholds)" if args.fixed else f"model {MODEL_GRID}; share {SHARE_GRID})"))
    print("| left out | chosen model / share / gate / aside | recall shipped → chosen | "
          "precision shipped → chosen | trap FPR shipped → chosen |")
    print("|---|---|---|---|---|")
    harness.leave_one_out(
        sets, shipped,
        lambda others: choose(sets, others, grid, args.max_fpr, args.min_precision, shipped),
        lambda rows, setting: figures(rows, *setting),
        lambda c: f"{c[1]:.2f} / {c[2]:.2f} / {c[3]} / {c[4]}", args.ids)
    return 0


def cmd_fc(args: argparse.Namespace) -> int:
    """Each blind set at its own first contact (a cache read on the tree that was shipped when
    it was first scored): what each variant and each model threshold would have found, and
    the thresholds chosen on the other first-contact sets and on every set of the fitted tree
    (leave one first-contact set out)."""
    fc: dict[str, tuple[dict[str, Any], str]] = {}
    for spec in args.first_contact:
        label, rest = spec.split("=", 1)
        path, name = rest.rsplit(":", 1)
        fc[label] = (harness.load_cache(path), name)
    fitted = harness.load_cache(args.fitted)

    def at(label: str, *setting: Any) -> dict[str, Any]:
        cache, name = fc[label]
        return figures(cache["sets"][name], cache["veto"], *setting)

    def pooled(*setting: Any) -> tuple[int, int]:
        per = [figures(rows, fitted["veto"], *setting) for rows in fitted["sets"].values()]
        return sum(f["tp"] for f in per), sum(f["trap_fp"] for f in per)

    print("variants at the shipped thresholds (model 0.6, share 0.5): red flags found that the "
          "shipped detector missed at first contact / trap alarms added; every fitted set pooled")
    print("| variant | " + " | ".join(fc) + " | fitted sets: found, trap alarms |")
    print("|---|" + "---|" * (len(fc) + 1))
    variants = [(g, "keep") for g in GATES] + [("shipped", a) for a in ASIDE[1:]]
    for gate, aside in variants:
        cells = []
        for label in fc:
            base, v = at(label, 0.6, 0.5, "shipped", "keep"), at(label, 0.6, 0.5, gate, aside)
            cells.append(f"+{v['tp'] - base['tp']} of {len(base['missed'])} / "
                         f"+{v['trap_fp'] - base['trap_fp']}")
        found, traps = pooled(0.6, 0.5, gate, aside)
        print(f"| {gate} / {aside} | " + " | ".join(cells) + f" | {found}, {traps} |")
    print(f"\nmodel thresholds (gate shipped, aside {args.aside}): recall (found), trap alarms")
    print("| model / share | " + " | ".join(fc) + " | fitted sets: found, trap alarms |")
    print("|---|" + "---|" * (len(fc) + 1))
    grid = [(m, sh) for m in (0.6, 0.55, 0.5, 0.45, 0.4, 0.35, 0.3) for sh in (0.5, 0.3)]
    for m, sh in grid:
        cells = []
        for label in fc:
            f = at(label, m, sh, "shipped", args.aside)
            cells.append(f"{f['recall']:.3f} ({f['tp']}/{f['pos']}), {f['trap_fp']}/{f['traps']}")
        found, traps = pooled(m, sh, "shipped", args.aside)
        print(f"| {m} / {sh} | " + " | ".join(cells) + f" | {found}, {traps} |")
    print(f"\nleave one first-contact set out: model and share chosen on the other first-contact "
          f"sets (most found; trap FPR <= max({args.max_fpr}, its shipped FPR) and precision >= "
          f"{args.min_precision} on each) and on every fitted set but the one left out (trap FPR "
          f"<= {args.max_fpr}, precision >= {args.min_precision}); ties to fewer trap alarms, "
          "then the higher thresholds")
    print("| left out | chosen model / share | recall shipped → chosen | trap alarms | all alarms |")
    print("|---|---|---|---|---|")
    for out in fc:
        best: tuple[Any, ...] | None = None
        for m, sh in grid:
            if args.share is not None and sh != args.share:
                continue
            fit = [figures(rows, fitted["veto"], m, sh, "shipped", args.aside)
                   for name, rows in fitted["sets"].items() if name != fc[out][1]]
            if any(f["trap_fpr"] > args.max_fpr or f["precision"] < args.min_precision for f in fit):
                continue
            others = {k: at(k, m, sh, "shipped", args.aside) for k in fc if k != out}
            if any(f["trap_fpr"] > max(args.max_fpr, at(k, 0.6, 0.5, "shipped", args.aside)["trap_fpr"])
                   or f["precision"] < args.min_precision for k, f in others.items()):
                continue
            key = (sum(f["tp"] for f in others.values()),
                   -sum(f["trap_fp"] for f in others.values()) - sum(f["trap_fp"] for f in fit),
                   m, sh)
            if best is None or key > best[0]:
                best = (key, (m, sh))
        m, sh = best[1] if best else (0.6, 0.5)
        a, b = at(out, 0.6, 0.5, "shipped", args.aside), at(out, m, sh, "shipped", args.aside)
        print(f"| {out} | {m} / {sh} | {a['recall']:.3f} → {b['recall']:.3f} ({a['tp']} → "
              f"{b['tp']} of {a['pos']}) | {a['trap_fp']} → {b['trap_fp']} of {a['traps']} | "
              f"{a['fp']} → {b['fp']} |")
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
    lo.add_argument("--ids", action="store_true")
    lo.add_argument("--gates", nargs="+", default=list(GATES), choices=list(GATES))
    lo.add_argument("--asides", nargs="+", default=list(ASIDE), choices=list(ASIDE))
    lo.add_argument("--fixed", action="store_true", help="the shipped thresholds only")
    lo.add_argument("--shipped-aside", default="keep", choices=list(ASIDE),
                    help="what the compared tree ships (negated_0.95 since round 18)")
    f = sub.add_parser("fc", help="each blind set at its own first contact")
    f.add_argument("--first-contact", nargs="+", required=True,
                   metavar="LABEL=CACHE:SET", help="a cache read on the tree shipped at that set's "
                   "first contact, and the set")
    f.add_argument("--fitted", required=True, help="a cache of every set on the compared tree")
    f.add_argument("--aside", default="negated_0.95", choices=list(ASIDE))
    f.add_argument("--share", type=float, default=None, help="fix the category share")
    f.add_argument("--max-fpr", type=float, default=0.06)
    f.add_argument("--min-precision", type=float, default=0.92)
    args = parser.parse_args(argv)
    commands = {"read": cmd_read, "loso": cmd_loso, "fc": cmd_fc}
    return int(commands[args.cmd](args))


if __name__ == "__main__":
    raise SystemExit(main())
