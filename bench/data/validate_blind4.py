"""Check triage_blind4.jsonl: JSON, fields, label vocabulary, counts, duplicates.

Standalone (reads only the data file); never runs a detector.
Usage: python bench/data/validate_blind4.py [path]
"""
import json
import re
import sys
from collections import Counter
from pathlib import Path

PATH = Path(sys.argv[1]) if len(sys.argv) > 1 else Path(__file__).with_name("triage_blind4.jsonl")
CATS = {"chest_pain", "breathing", "stroke", "suicide_self_harm", "severe_bleeding", "anaphylaxis",
        "pregnancy_emergency", "overdose_poisoning", "infant_fever", "head_injury"}
TRAPS = {"negation", "history", "family_history", "hypothetical", "idiom", "clinical_term",
         "newsletter", "quoted", "signature", "resolved"}
INTENTS = {"appointment_book", "appointment_change_cancel", "prescription_refill", "test_results",
           "billing_insurance", "records_forms", "referral", "clinical_question", "other", "spam_marketing"}
KEYS = ["id", "lang", "channel", "subject", "body", "red_flag", "trap", "trap_category", "intent"]

errors = []
rows = []
for n, line in enumerate(PATH.read_text(encoding="utf-8").splitlines(), 1):
    try:
        r = json.loads(line)
    except json.JSONDecodeError as e:
        errors.append(f"line {n}: bad JSON {e}"); continue
    rows.append(r)
    if list(r) != KEYS: errors.append(f"line {n}: keys {list(r)}")
    if r["lang"] not in ("en", "es"): errors.append(f"{r['id']}: lang")
    if r["channel"] not in ("email", "sms"): errors.append(f"{r['id']}: channel")
    if r["channel"] == "sms" and r["subject"]: errors.append(f"{r['id']}: sms with subject")
    if not r["body"].strip(): errors.append(f"{r['id']}: empty body")
    if r["intent"] not in INTENTS: errors.append(f"{r['id']}: intent")
    rf, tr, tc = r["red_flag"], r["trap"], r["trap_category"]
    if rf is not None:
        if rf not in CATS or tr or tc or r["id"].rsplit("-", 1)[0] != f"rf-{rf}":
            errors.append(f"{r['id']}: red-flag labels")
    elif tr is not None:
        if tr not in TRAPS or tc not in CATS or r["id"].rsplit("-", 1)[0] != f"trap-{tr}":
            errors.append(f"{r['id']}: trap labels")
        if tr == "newsletter" and r["intent"] != "spam_marketing":
            errors.append(f"{r['id']}: newsletter must be spam_marketing")
    else:
        if tc is not None or r["id"].rsplit("-", 1)[0] != f"ord-{r['intent']}":
            errors.append(f"{r['id']}: ordinary labels")
    text = r["subject"] + "\n" + r["body"]
    for addr in re.findall(r"[\w.+-]+@([\w-]+)\.\w+", text):
        if addr != "example":
            errors.append(f"{r['id']}: non-example email domain {addr}")
    for ph in re.findall(r"\d{3}[-.) ]+\d{3}[-.]\d{4}", text):
        if not re.search(r"555[-.]01\d\d$", ph):
            errors.append(f"{r['id']}: phone outside 555-01xx: {ph}")

ids = Counter(r["id"] for r in rows)
errors += [f"duplicate id {i}" for i, c in ids.items() if c > 1]
norm = Counter(re.sub(r"\W+", " ", r["body"].lower()).strip() for r in rows)
errors += [f"duplicate body: {b[:60]}" for b, c in norm.items() if c > 1]

N = len(rows)
rf_c = Counter(r["red_flag"] for r in rows if r["red_flag"])
tr_c = Counter(r["trap"] for r in rows if r["trap"])
tc_c = Counter(r["trap_category"] for r in rows if r["trap"])
in_c = Counter(r["intent"] for r in rows)
lang = Counter(r["lang"] for r in rows)
chan = Counter(r["channel"] for r in rows)
ntrap = sum(tr_c.values())

if N < 450: errors.append(f"only {N} messages")
errors += [f"category {c}: {rf_c[c]} < 22" for c in CATS if rf_c[c] < 22]
errors += [f"intent {i}: {in_c[i]} < 20" for i in INTENTS if in_c[i] < 20]
errors += [f"trap kind {t} missing" for t in TRAPS if not tr_c[t]]
if ntrap * 4 < N: errors.append(f"traps {ntrap}/{N} < 25%")

print(f"total {N}  red flags {sum(rf_c.values())}  traps {ntrap} ({ntrap/N:.1%})  "
      f"ordinary {N - sum(rf_c.values()) - ntrap}")
print("lang", dict(lang), f"es {lang['es']/N:.1%}", " channel", dict(chan))
def table(title, c, keys):
    print(f"\n{title}"); [print(f"  {k:28s}{c[k]:4d}") for k in sorted(keys)]
print("\nred flags per category   total  en  es")
for c in sorted(CATS):
    print(f"  {c:22s}{rf_c[c]:5d}{sum(1 for r in rows if r['red_flag']==c and r['lang']=='en'):4d}"
          f"{sum(1 for r in rows if r['red_flag']==c and r['lang']=='es'):4d}")
table("traps per kind", tr_c, TRAPS)
table("traps per mimicked category", tc_c, CATS)
table("intent (all messages)", in_c, INTENTS)
print("\nERRORS:" if errors else "\nOK: no errors")
for e in errors: print("  " + e)
sys.exit(1 if errors else 0)
