"""Validate triage_blind3.jsonl: JSON, fields, label vocabulary, counts, duplicates.

Usage: python3 bench/data/validate_blind3.py [path]
Exits non-zero on any error. Reads only the given file (it does not run any detector).
"""
import collections
import itertools
import json
import re
import sys
from pathlib import Path

CATS = ["chest_pain", "breathing", "stroke", "suicide_self_harm", "severe_bleeding",
        "anaphylaxis", "pregnancy_emergency", "overdose_poisoning", "infant_fever", "head_injury"]
TRAPS = ["negation", "history", "family_history", "hypothetical", "idiom", "clinical_term",
         "newsletter", "quoted", "signature", "resolved"]
INTENTS = ["appointment_book", "appointment_change_cancel", "prescription_refill", "test_results",
           "billing_insurance", "records_forms", "referral", "clinical_question", "other",
           "spam_marketing"]
FIELDS = ["id", "lang", "channel", "subject", "body", "red_flag", "trap", "trap_category", "intent"]

MIN_PER_CAT, MIN_PER_INTENT, MIN_TOTAL, MIN_TRAP_SHARE = 22, 20, 450, 0.25


def main(path):
    errors = []
    recs = []
    for n, line in enumerate(Path(path).read_text(encoding="utf-8").splitlines(), 1):
        try:
            r = json.loads(line)
        except json.JSONDecodeError as e:
            errors.append(f"line {n}: bad JSON ({e})")
            continue
        if list(r) != FIELDS:
            errors.append(f"line {n}: fields {list(r)} != {FIELDS}")
        recs.append((n, r))

    ids = collections.Counter(r.get("id") for _, r in recs)
    errors += [f"duplicate id {i}" for i, c in ids.items() if c > 1]
    for n, r in recs:
        where = f"line {n} ({r.get('id')})"
        if r.get("lang") not in ("en", "es"):
            errors.append(f"{where}: lang")
        if r.get("channel") not in ("email", "sms"):
            errors.append(f"{where}: channel")
        if r.get("channel") == "sms" and r.get("subject"):
            errors.append(f"{where}: sms with a subject")
        if not isinstance(r.get("body"), str) or not r["body"].strip():
            errors.append(f"{where}: empty body")
        if r.get("intent") not in INTENTS:
            errors.append(f"{where}: intent {r.get('intent')}")
        rf, tr, tc = r.get("red_flag"), r.get("trap"), r.get("trap_category")
        if rf is not None and rf not in CATS:
            errors.append(f"{where}: red_flag {rf}")
        if tr is not None and tr not in TRAPS:
            errors.append(f"{where}: trap {tr}")
        if tr is not None and (rf is not None or tc not in CATS):
            errors.append(f"{where}: a trap needs red_flag null and a trap_category")
        if tr is None and tc is not None:
            errors.append(f"{where}: trap_category without trap")
        if tr == "newsletter" and r.get("intent") != "spam_marketing":
            errors.append(f"{where}: newsletter trap not spam_marketing")
        want = (f"rf-{rf}-" if rf else f"trap-{tr}-" if tr else f"ord-{r.get('intent')}-")
        if not re.fullmatch(re.escape(want) + r"\d{2,}", r.get("id", "")):
            errors.append(f"{where}: id should start {want}")
        text = (r.get("subject") or "") + "\n" + (r.get("body") or "")
        for m in re.finditer(r"\b\d{3}-\d{4}\b", text):
            if not re.fullmatch(r"555-01\d\d", m.group()):
                errors.append(f"{where}: phone number {m.group()} outside 555-01xx")
        for m in re.finditer(r"[\w.+-]+@([\w-]+\.)+[\w-]+", text):
            if not re.search(r"@([\w-]+\.)*example\.", m.group()):
                errors.append(f"{where}: email {m.group()} not on an example domain")

    # duplicate bodies: exact and after normalising case, punctuation and spacing
    norm = lambda s: re.sub(r"[\W_]+", " ", s.lower()).strip()
    seen = {}
    for n, r in recs:
        k = norm(r.get("body", ""))
        if k in seen:
            errors.append(f"line {n}: body duplicates line {seen[k]}")
        seen.setdefault(k, n)

    # near-duplicates (template reuse): word 4-gram Jaccard on bodies
    def grams(s):
        w = norm(s).split()
        return {tuple(w[i:i + 4]) for i in range(len(w) - 3)}
    gs = [(n, r["id"], grams(r.get("body", ""))) for n, r in recs]
    near = []
    for (n1, i1, a), (n2, i2, b) in itertools.combinations(gs, 2):
        if a and b and len(a & b) / len(a | b) > 0.5:
            near.append(f"{i1} ~ {i2}")
    for x in near:
        print("warning: near-duplicate", x)

    rs = [r for _, r in recs]
    cat = collections.Counter(r["red_flag"] for r in rs if r.get("red_flag"))
    trap = collections.Counter(r["trap"] for r in rs if r.get("trap"))
    tcat = collections.Counter(r["trap_category"] for r in rs if r.get("trap"))
    intent = collections.Counter(r.get("intent") for r in rs)
    lang = collections.Counter(r.get("lang") for r in rs)
    chan = collections.Counter(r.get("channel") for r in rs)
    ntrap = sum(trap.values())
    nord = sum(1 for r in rs if not r.get("red_flag") and not r.get("trap"))
    print(f"total {len(rs)}: red flags {sum(cat.values())}, traps {ntrap} "
          f"({ntrap / max(len(rs), 1):.1%}), ordinary {nord}")
    print("lang", dict(lang), "channel", dict(chan))
    print("\ncategory            rf  (en/es)  traps mimicking")
    for c in CATS:
        en = sum(1 for r in rs if r.get("red_flag") == c and r["lang"] == "en")
        print(f"  {c:20s}{cat[c]:3d}  ({en}/{cat[c] - en}) {tcat[c]:4d}")
    print("\ntrap kind")
    for t in TRAPS:
        print(f"  {t:16s}{trap[t]:3d}")
    print("\nintent (all / ordinary)")
    for i in INTENTS:
        o = sum(1 for r in rs if r.get("intent") == i and not r.get("red_flag") and not r.get("trap"))
        print(f"  {i:28s}{intent[i]:4d} {o:4d}")

    if len(rs) < MIN_TOTAL:
        errors.append(f"only {len(rs)} messages (< {MIN_TOTAL})")
    errors += [f"category {c}: {cat[c]} < {MIN_PER_CAT}" for c in CATS if cat[c] < MIN_PER_CAT]
    errors += [f"intent {i}: {intent[i]} < {MIN_PER_INTENT}" for i in INTENTS if intent[i] < MIN_PER_INTENT]
    errors += [f"trap kind {t}: none" for t in TRAPS if not trap[t]]
    if ntrap < MIN_TRAP_SHARE * len(rs):
        errors.append(f"traps {ntrap} < {MIN_TRAP_SHARE:.0%} of {len(rs)}")
    for e in errors:
        print("ERROR:", e)
    print("\nOK" if not errors else f"\n{len(errors)} error(s)")
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1] if len(sys.argv) > 1 else
                  str(Path(__file__).with_name("triage_blind3.jsonl"))))
