"""The harness the red-flag decision studies share: read every labelled set once per message
into a cache, replay the decision from the cache, score it, and leave one set out.

Two studies run on it. bench/triage_operating_point.py replays the decision at other
thresholds (the judge's veto, the model's threshold and category share);
bench/triage_gates.py replays it with other variants of the model's gate (the ConText check
on the model's strongest words, what the model may do with a category the lexicon set
aside). Each brings what its decision needs read of a message (a `read_message` that
starts from `read_lexicon` here) and its `decide`; reading the sets, checking the replay
against `triage.assess`, the figures and the leave-one-set-out table are the same code.

Only labels, ids and figures are printed: never a message's text.
"""

from __future__ import annotations

import json
import sys
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
for _path in (ROOT, ROOT / "src"):
    if str(_path) not in sys.path:
        sys.path.insert(0, str(_path))

from bench.triage_metrics import load_set

from cxinbox.domain import hitjudge, redflag, triage
from cxinbox.domain.newtext import new_text
from cxinbox.domain.sanitize import clean_text

DATA = ROOT / "bench" / "data"
SETS = ("triage_eval", "triage_dev_extra", "triage_holdout", "triage_blind2", "triage_blind3",
        "triage_blind4", "triage_blind5", "triage_blind6", "triage_blind7", "triage_blind8",
        "triage_blind9", "triage_blind10", "triage_blind11", "triage_dev16", "triage_dev16b",
        "triage_dev16c", "triage_dev18", "triage_blind12", "triage_blind13",
        "triage_blind14", "triage_blind15", "triage_blind16", "triage_blind17",
        "triage_blind18", "triage_blind19", "triage_blind20", "triage_blind21",
        "triage_blind22", "triage_blind23", "triage_blind24", "triage_blind25",
        "triage_blind26", "triage_blind28", "triage_blind29", "triage_blind30",
        "triage_blind31", "triage_blind32", "triage_blind33", "triage_blind34",
        "triage_blind35", "triage_blind36", "triage_blind37", "triage_blind38",
        "triage_blind39", "triage_blind40", "triage_blind41", "triage_blind42",
        "triage_blind43", "triage_blind44", "triage_blind45",
        "triage_blind46", "triage_blind47", "triage_blind48",
        "triage_blind49", "triage_blind50", "triage_blind51",
        "triage_blind52", "triage_blind53", "triage_blind54")
NEVER = -1.0  # a hit the judge may not veto: kept at any threshold

Row = dict[str, Any]
Flag = Callable[[Row], "str | None"]


@dataclass(frozen=True, slots=True)
class LexiconReading:
    """A message read as `triage.inspect` reads it, up to the model: the text it reads
    (`read`, folded `rfolded`), the lexicon's findings, and its current hits as
    [category, start, the judge's trap probability or NEVER]."""

    read: str
    rfolded: str
    findings: list[Any]
    hits: list[list[Any]]
    bulk: bool


def _no(*_args: Any) -> bool:
    """A guard an older tree does not have."""
    return False


def read_lexicon(body: str, subject: str, channel: str,
                 judge: hitjudge.HitJudge) -> LexiconReading:
    """The lexicon's half of the decision, read once (on an archived tree's detector too:
    `TRIAGE_TREE`, see bench/triage_gates.py, where a guard may be missing)."""
    text = getattr(triage, "_bounded", lambda t: t)(new_text(clean_text(body), channel))
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
        if hasattr(hitjudge, "guarded"):
            never = hitjudge.guarded(rfolded, f)
        else:  # an older tree
            never = f.category in hitjudge.NEVER_VETOED or redflag.grave_sign_after(rfolded, f.end) \
                or getattr(hitjudge, "back_now_after", _no)(rfolded, f.start, f.end) \
                or getattr(redflag, "comes_back", _no)(rfolded, f.start)
        p = NEVER if never else judge.trap_probability(rfolded, f, findings)
        hits.append([f.category, f.start, p])
    return LexiconReading(read, rfolded, findings, hits, is_bulk)


def kept_hit(entry: Row, veto: float) -> str | None:
    """The category the lexicon's hits name once the judge vetoed those at or over `veto`
    (by the lexicon's priority, then the earliest); None when none is left."""
    from cxinbox.domain import redflag_lexicon as lex

    kept = [(lex.PRIORITY.index(c), start, c) for c, start, p in entry["hits"] if p < veto]
    return str(min(kept)[2]) if kept else None


def read_sets(args: Any, read_message: Callable[..., Row],
              replay: Callable[[Row, float, float], str | None], mismatch_label: str) -> int:
    """`read`: every set of `args.sets` read once per message into the cache `args.out`
    (with the shipped thresholds); with `args.check`, the replay at the shipped setting
    (`replay(entry, veto, model_t)`) compared with `triage.assess` on every message."""
    from cxinbox.domain import textmodel

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
                if shipped != replay(entry, judge.threshold, model.threshold):
                    mismatches += 1
                    print(f"  mismatch {ex.id}: assess {shipped}", file=sys.stderr)
            rows.append(entry)
        cache["sets"][name] = rows
        print(f"{name}: {len(rows)} read in {time.monotonic() - started:.0f} s", file=sys.stderr)
    Path(args.out).write_text(json.dumps(cache), encoding="utf-8")
    if args.check:
        print(f"mismatches with triage.assess {mismatch_label}: {mismatches}")
    return 1 if mismatches else 0


def load_cache(path: str) -> dict[str, Any]:
    cache: dict[str, Any] = json.loads(Path(path).read_text(encoding="utf-8"))
    return cache


def figures(rows: Iterable[Row], flag_of: Flag) -> dict[str, Any]:
    """Recall, precision and the trap false-positive rate of the decision `flag_of` over
    `rows`, with the counts and the ids of the red flags it missed."""
    pos = tp = exact = fp = traps = trap_fp = 0
    missed: list[str] = []
    for r in rows:
        flag = flag_of(r)
        if r["label"]:
            pos += 1
            if flag:
                tp += 1
                exact += flag == r["label"]
            else:
                missed.append(r["id"])
        elif flag:
            fp += 1
        if r["trap"]:
            traps += 1
            trap_fp += flag is not None
    return {"pos": pos, "tp": tp, "exact": exact, "fp": fp, "traps": traps, "trap_fp": trap_fp,
            "missed": missed, "recall": tp / pos if pos else 1.0,
            "precision": tp / (tp + fp) if tp + fp else 1.0,
            "trap_fpr": trap_fp / traps if traps else 0.0}


def leave_one_out(sets: dict[str, list[Row]], shipped: Sequence[Any],
                  choose: Callable[[list[str]], tuple[Any, ...]],
                  score: Callable[[list[Row], Sequence[Any]], dict[str, Any]],
                  chosen_cell: Callable[[tuple[Any, ...]], str], ids: bool) -> None:
    """One table row per set: the setting `choose` picks on the other sets, and the set's
    recall, precision and trap rate at the shipped setting and at the chosen one; with
    `ids`, the red flags found and lost by the change."""
    for name, rows in sets.items():
        chosen = choose([n for n in sets if n != name])
        a, b = score(rows, shipped), score(rows, chosen)
        print(f"| {name.removeprefix('triage_')} | {chosen_cell(chosen)} | "
              f"{a['recall']:.3f} → {b['recall']:.3f} ({a['tp']} → {b['tp']} of {a['pos']}) | "
              f"{a['precision']:.3f} → {b['precision']:.3f} | "
              f"{a['trap_fpr']:.3f} → {b['trap_fpr']:.3f} ({a['trap_fp']} → {b['trap_fp']} "
              f"of {a['traps']}) |")
        if ids and set(a["missed"]) ^ set(b["missed"]):
            print(f"    found now: {sorted(set(a['missed']) - set(b['missed']))}; "
                  f"lost: {sorted(set(b['missed']) - set(a['missed']))}")
