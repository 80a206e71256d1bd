#!/usr/bin/env python3
# ruff: noqa  (the set writer's own validator, kept as it was written)
"""Validate triage_blind19.jsonl against the blind-set labelling guide and print counts."""
import json, re, sys, os
from collections import Counter

PATH = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(os.path.abspath(__file__)), "triage_blind19.jsonl")
CATS = ["chest_pain", "breathing", "stroke", "suicide_self_harm", "severe_bleeding", "anaphylaxis",
        "pregnancy_emergency", "overdose_poisoning", "infant_fever", "head_injury"]
TRAPS = ["negation", "history", "family_history", "hypothetical", "idiom", "clinical_term",
         "newsletter", "quoted", "signature", "resolved"]
INTENTS = ["clinical_question", "appointment_book", "appointment_change_cancel", "prescription_refill",
           "test_results", "records_forms", "billing_insurance", "referral", "other", "spam_marketing"]
FIELDS = ["id", "lang", "channel", "subject", "body", "red_flag", "trap", "trap_category", "intent"]

errors = []
def err(n, msg):
    errors.append(f"line {n}: {msg}")

rows, ids, bodies = [], set(), {}
with open(PATH, encoding="utf-8") as f:
    for n, line in enumerate(f, 1):
        if not line.strip():
            err(n, "blank line"); continue
        try:
            r = json.loads(line)
        except Exception as e:
            err(n, f"bad JSON: {e}"); continue
        if list(r.keys()) != FIELDS:
            err(n, f"fields {list(r.keys())}")
            if set(FIELDS) - set(r): continue
        if not re.fullmatch(r"b19-\d{4}", str(r["id"])): err(n, f"bad id {r['id']}")
        if r["id"] in ids: err(n, f"duplicate id {r['id']}")
        ids.add(r["id"])
        if r["lang"] not in ("en", "es"): err(n, f"lang {r['lang']}")
        if r["channel"] not in ("sms", "email"): err(n, f"channel {r['channel']}")
        if not isinstance(r["subject"], str) or not isinstance(r["body"], str): err(n, "subject/body not str")
        if r["channel"] == "sms" and r["subject"] != "": err(n, "sms with subject")
        if not r["body"].strip(): err(n, "empty body")
        if r["red_flag"] is not None and r["red_flag"] not in CATS: err(n, f"red_flag {r['red_flag']}")
        if r["trap"] is not None and r["trap"] not in TRAPS: err(n, f"trap {r['trap']}")
        if r["intent"] not in INTENTS: err(n, f"intent {r['intent']}")
        if r["trap"] is not None:
            if r["red_flag"] is not None: err(n, "trap with red_flag")
            if r["trap_category"] not in CATS: err(n, f"trap_category {r['trap_category']}")
            if r["trap"] == "newsletter" and r["intent"] != "spam_marketing": err(n, "newsletter not spam_marketing")
        elif r["trap_category"] is not None:
            err(n, "trap_category without trap")
        key = re.sub(r"\s+", " ", r["body"].strip().lower())
        if key in bodies: err(n, f"duplicate body of line {bodies[key]}")
        bodies[key] = n
        text = r["subject"] + "\n" + r["body"]
        for m in re.finditer(r"(?<!\d)(?:\(\d{3}\)\s*|\d{3}[-. ])?(\d{3})[-. ](\d{4})(?!\d)", text):
            if m.group(1) != "555" or not m.group(2).startswith("01"):
                if not m.group(0).startswith("1-800"):
                    err(n, f"phone not 555-01xx: {m.group(0)}")
        for m in re.finditer(r"1-800-\d{3}-\d{4}", text):
            pass  # poison-control style toll-free number printed in a signature is allowed as a public service line
        for m in re.finditer(r"[\w.+-]+@([\w-]+(?:\.[\w-]+)+)", text):
            if not re.fullmatch(r"example\.[a-z]+", m.group(1).lower()):
                err(n, f"e-mail not example.*: {m.group(0)}")
        for m in re.finditer(r"https?://([\w.-]+)", text):
            host = m.group(1).lower()
            if not re.search(r"(^|\.)example\.[a-z]+$", host):
                err(n, f"URL not example.*: {m.group(0)}")
        rows.append(r)

# sequential ids
exp = {f"b19-{i:04d}" for i in range(1, len(rows) + 1)}
if ids != exp: errors.append("ids are not b19-0001..b19-%04d" % len(rows))

N = len(rows)
rf = [r for r in rows if r["red_flag"]]
tr = [r for r in rows if r["trap"]]
od = [r for r in rows if not r["red_flag"] and not r["trap"]]
print(f"file: {PATH}\nmessages: {N}   red flags: {len(rf)}   traps: {len(tr)}   ordinary: {len(od)}\n")
print(f"{'category':22s} {'en':>4s} {'es':>4s} {'total':>6s} {'traps':>6s}")
for c in CATS:
    en = sum(1 for r in rf if r["red_flag"] == c and r["lang"] == "en")
    es = sum(1 for r in rf if r["red_flag"] == c and r["lang"] == "es")
    t = sum(1 for r in tr if r["trap_category"] == c)
    print(f"{c:22s} {en:4d} {es:4d} {en+es:6d} {t:6d}")
    if en + es == 0: errors.append(f"no positives for {c}")
print(f"{'TOTAL':22s} {sum(r['lang']=='en' for r in rf):4d} {sum(r['lang']=='es' for r in rf):4d} {len(rf):6d} {len(tr):6d}\n")
print("trap kinds:")
tk = Counter(r["trap"] for r in tr)
for k in TRAPS:
    print(f"  {k:16s} {tk[k]:4d}  (en {sum(1 for r in tr if r['trap']==k and r['lang']=='en')}, es {sum(1 for r in tr if r['trap']==k and r['lang']=='es')})")
    if tk[k] == 0: errors.append(f"no traps of kind {k}")
print("\nintents:            all  red-flag  trap  ordinary")
for i in INTENTS:
    a = sum(r["intent"] == i for r in rows)
    print(f"  {i:26s} {a:4d} {sum(r['intent']==i for r in rf):6d} {sum(r['intent']==i for r in tr):6d} {sum(r['intent']==i for r in od):6d}")
    if sum(r["intent"] == i for r in od) == 0: errors.append(f"no ordinary messages with intent {i}")
lc = Counter(r["lang"] for r in rows); cc = Counter(r["channel"] for r in rows)
print(f"\nlanguages: en {lc['en']} ({lc['en']/N:.0%}), es {lc['es']} ({lc['es']/N:.0%})")
print(f"channels:  sms {cc['sms']} ({cc['sms']/N:.0%}), email {cc['email']} ({cc['email']/N:.0%})")

if errors:
    print(f"\nFAIL: {len(errors)} problem(s)")
    for e in errors: print("  " + e)
    sys.exit(1)
print("\nOK: all checks passed")
