#!/usr/bin/env python3
"""Check triage_blind10.jsonl: JSON, fields, label vocabulary, ids, counts, duplicates.

Usage: python3 bench/data/validate_blind10.py [path]   (exit status 1 on any error)
"""
import collections
import json
import pathlib
import re
import sys

PATH = pathlib.Path(sys.argv[1] if len(sys.argv) > 1 else pathlib.Path(__file__).with_name("triage_blind10.jsonl"))
CATEGORIES = ["chest_pain", "breathing", "stroke", "suicide_self_harm", "severe_bleeding", "anaphylaxis",
              "pregnancy_emergency", "overdose_poisoning", "infant_fever", "head_injury"]
TRAPS = ["negation", "history", "family_history", "hypothetical", "idiom", "clinical_term",
         "newsletter", "quoted", "signature", "resolved"]
INTENTS = ["appointment_book", "appointment_change_cancel", "prescription_refill", "test_results",
           "billing_insurance", "records_forms", "referral", "clinical_question", "other", "spam_marketing"]
FIELDS = ["id", "lang", "channel", "subject", "body", "red_flag", "trap", "trap_category", "intent"]
MIN_PER_CATEGORY, MIN_PER_INTENT = 23, 22

errors = []
rows = []
for n, line in enumerate(PATH.read_text(encoding="utf-8").splitlines(), 1):
    if not line.strip():
        errors.append(f"line {n}: blank line")
        continue
    try:
        r = json.loads(line)
    except json.JSONDecodeError as e:
        errors.append(f"line {n}: bad JSON: {e}")
        continue
    if list(r) != FIELDS:
        errors.append(f"line {n}: fields {list(r)} != {FIELDS}")
    rid = r.get("id", "")
    if not re.fullmatch(r"b10-\d{4}", str(rid)):
        errors.append(f"line {n}: bad id {rid!r}")
    if r.get("lang") not in ("en", "es"):
        errors.append(f"{rid}: bad lang")
    if r.get("channel") not in ("email", "sms"):
        errors.append(f"{rid}: bad channel")
    if not isinstance(r.get("subject"), str) or not isinstance(r.get("body"), str) or not r.get("body", "").strip():
        errors.append(f"{rid}: subject/body must be strings, body non-empty")
    if r.get("channel") == "sms" and r.get("subject"):
        errors.append(f"{rid}: sms with a subject")
    if r.get("intent") not in INTENTS:
        errors.append(f"{rid}: bad intent {r.get('intent')!r}")
    rf, trap, tc = r.get("red_flag"), r.get("trap"), r.get("trap_category")
    if rf is not None and rf not in CATEGORIES:
        errors.append(f"{rid}: bad red_flag {rf!r}")
    if trap is not None:
        if trap not in TRAPS:
            errors.append(f"{rid}: bad trap {trap!r}")
        if rf is not None:
            errors.append(f"{rid}: a trap must have red_flag null")
        if tc not in CATEGORIES:
            errors.append(f"{rid}: trap needs a trap_category")
    elif tc is not None:
        errors.append(f"{rid}: trap_category without trap")
    text = r.get("subject", "") + "\n" + r.get("body", "")
    for phone in re.findall(r"\b\d{3}[-.]\d{4}\b", text):
        if not re.fullmatch(r"555[-.]01\d\d", phone):
            errors.append(f"{rid}: phone {phone} outside 555-01xx")
    for dom in re.findall(r"[\w.-]+@([\w-]+(?:\.[\w-]+)+)", text):
        if not re.match(r"example\.", dom):
            errors.append(f"{rid}: e-mail domain {dom} is not example.*")
    rows.append(r)

ids = collections.Counter(r["id"] for r in rows)
errors += [f"duplicate id {i}" for i, c in ids.items() if c > 1]
norm = collections.Counter(re.sub(r"\W+", " ", r["body"].lower()).strip() for r in rows)
errors += [f"duplicate body: {b[:60]!r}" for b, c in norm.items() if c > 1]


def table(title, counter, keys, cols=None):
    print(f"\n{title}")
    if cols is None:
        for k in keys:
            print(f"  {k:<28}{counter.get(k, 0):>5}")
        print(f"  {'total':<28}{sum(counter.get(k, 0) for k in keys):>5}")
        return
    print("  " + " " * 28 + "".join(f"{c:>10}" for c in cols) + f"{'total':>8}")
    for k in keys:
        vals = [counter.get((k, c), 0) for c in cols]
        print(f"  {k:<28}" + "".join(f"{v:>10}" for v in vals) + f"{sum(vals):>8}")


N = len(rows)
print(f"{PATH.name}: {N} messages")
pos = [r for r in rows if r["red_flag"]]
traps = [r for r in rows if r["trap"]]
ordinary = [r for r in rows if not r["red_flag"] and not r["trap"]]
print(f"  red flags {len(pos)}, traps {len(traps)} ({len(traps) / N:.1%}), ordinary {len(ordinary)}")
langs = collections.Counter(r["lang"] for r in rows)
print(f"  en {langs['en']} ({langs['en'] / N:.1%}), es {langs['es']} ({langs['es'] / N:.1%})")
table("red flags by category x language", collections.Counter((r["red_flag"], r["lang"]) for r in pos), CATEGORIES, ["en", "es"])
table("red flags by category x channel", collections.Counter((r["red_flag"], r["channel"]) for r in pos), CATEGORIES, ["email", "sms"])
table("traps by kind x language", collections.Counter((r["trap"], r["lang"]) for r in traps), TRAPS, ["en", "es"])
table("traps by mimicked category x language", collections.Counter((r["trap_category"], r["lang"]) for r in traps), CATEGORIES, ["en", "es"])
table("intents x kind of message", collections.Counter(
    (r["intent"], "red_flag" if r["red_flag"] else "trap" if r["trap"] else "ordinary") for r in rows),
    INTENTS, ["red_flag", "trap", "ordinary"])
table("language x channel", collections.Counter((r["lang"], r["channel"]) for r in rows), ["en", "es"], ["email", "sms"])

cat_counts = collections.Counter(r["red_flag"] for r in pos)
errors += [f"category {c}: {cat_counts[c]} < {MIN_PER_CATEGORY}" for c in CATEGORIES if cat_counts[c] < MIN_PER_CATEGORY]
int_counts = collections.Counter(r["intent"] for r in rows)
errors += [f"intent {i}: {int_counts[i]} < {MIN_PER_INTENT}" for i in INTENTS if int_counts[i] < MIN_PER_INTENT]
if N < 520:
    errors.append(f"only {N} messages (< 520)")
if not 0.25 <= len(traps) / N <= 0.35:
    errors.append(f"trap share {len(traps) / N:.1%} outside 25-35%")
if not 0.33 <= langs["es"] / N <= 0.47:
    errors.append(f"Spanish share {langs['es'] / N:.1%} outside 33-47%")

print()
if errors:
    print(f"{len(errors)} ERROR(S):")
    for e in errors:
        print("  " + e)
    sys.exit(1)
print("OK: no errors")
