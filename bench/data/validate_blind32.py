#!/usr/bin/env python3
# ruff: noqa  (the set writer's own validator, kept as it was written)
"""Validate triage_blind32.jsonl against the labelling guide and print count tables."""
import json, os, re, sys
from collections import Counter, defaultdict

PATH = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(os.path.abspath(__file__)), 'triage_blind32.jsonl')
CATS = ["chest_pain", "breathing", "stroke", "suicide_self_harm", "severe_bleeding",
        "anaphylaxis", "pregnancy_emergency", "overdose_poisoning", "infant_fever", "head_injury"]
TRAPS = ["negation", "history", "family_history", "hypothetical", "idiom", "clinical_term",
         "newsletter", "quoted", "signature", "resolved"]
INTENTS = ["appointment_book", "appointment_change_cancel", "prescription_refill", "test_results",
           "records_forms", "billing_insurance", "referral", "clinical_question", "other",
           "spam_marketing"]
KEYS = ["id", "lang", "channel", "subject", "body", "red_flag", "trap", "trap_category", "intent"]
errs = []
rows = []
for n, ln in enumerate(open(PATH, encoding='utf-8'), 1):
    try:
        r = json.loads(ln)
    except Exception as e:
        errs.append(f"line {n}: bad JSON {e}"); continue
    rows.append(r)
    if list(r.keys()) != KEYS: errs.append(f"line {n}: keys {list(r.keys())}")
    if r.get("id") != "b32-%04d" % n: errs.append(f"line {n}: id {r.get('id')}")
    if r["lang"] not in ("en", "es"): errs.append(f"{r['id']}: lang")
    if r["channel"] not in ("sms", "email"): errs.append(f"{r['id']}: channel")
    if r["channel"] == "sms" and r["subject"] != "": errs.append(f"{r['id']}: sms with subject")
    if r["channel"] == "email" and not r["subject"]: errs.append(f"{r['id']}: email without subject")
    if not isinstance(r["body"], str) or not r["body"].strip(): errs.append(f"{r['id']}: empty body")
    if r["intent"] not in INTENTS: errs.append(f"{r['id']}: intent {r['intent']}")
    if r["red_flag"] is not None and r["red_flag"] not in CATS: errs.append(f"{r['id']}: red_flag")
    if r["trap"] is not None:
        if r["trap"] not in TRAPS: errs.append(f"{r['id']}: trap {r['trap']}")
        if r["red_flag"] is not None: errs.append(f"{r['id']}: trap with red_flag")
        if r["trap_category"] not in CATS: errs.append(f"{r['id']}: trap_category")
        if r["trap"] == "newsletter" and r["intent"] != "spam_marketing": errs.append(f"{r['id']}: newsletter intent")
    elif r["trap_category"] is not None: errs.append(f"{r['id']}: trap_category without trap")
    text = r["subject"] + "\n" + r["body"]
    for ph in re.findall(r"\(?\d{3}\)?[\s.-]?\d{3}[\s.-]\d{4}|\b\d{3}-\d{4}\b", text):
        if not re.search(r"555[\s.-]01\d\d$", ph): errs.append(f"{r['id']}: phone {ph}")
    for em in re.findall(r"[\w.+-]+@([\w-]+(?:\.[\w-]+)+)", text):
        if not em.lower().startswith("example."): errs.append(f"{r['id']}: email domain {em}")
bodies = Counter(re.sub(r"\s+", " ", r["body"].strip().lower()) for r in rows)
for b, c in bodies.items():
    if c > 1: errs.append(f"duplicate body x{c}: {b[:60]}")

print(f"{len(rows)} messages")
print(f"\n{'category':22}{'en':>5}{'es':>5}{'total':>7}{'traps':>7}")
rf = defaultdict(Counter); tc = Counter()
for r in rows:
    if r["red_flag"]: rf[r["red_flag"]][r["lang"]] += 1
    if r["trap"]: tc[r["trap_category"]] += 1
for c in CATS:
    print(f"{c:22}{rf[c]['en']:>5}{rf[c]['es']:>5}{rf[c]['en']+rf[c]['es']:>7}{tc[c]:>7}")
ten = sum(rf[c]['en'] for c in CATS); tes = sum(rf[c]['es'] for c in CATS)
print(f"{'TOTAL':22}{ten:>5}{tes:>5}{ten+tes:>7}{sum(tc.values()):>7}")
print("\ntrap kinds:")
for k, v in Counter(r["trap"] for r in rows if r["trap"]).most_common(): print(f"  {k:16}{v:>5}")
print("\nintents (all / red flags / traps / ordinary):")
for i in INTENTS:
    a = sum(1 for r in rows if r["intent"] == i)
    b = sum(1 for r in rows if r["intent"] == i and r["red_flag"])
    t = sum(1 for r in rows if r["intent"] == i and r["trap"])
    print(f"  {i:28}{a:>5}{b:>5}{t:>5}{a-b-t:>5}")
kinds = Counter("red_flag" if r["red_flag"] else "trap" if r["trap"] else "ordinary" for r in rows)
print("\nkinds:", dict(kinds))
print("languages:", dict(Counter(r["lang"] for r in rows)))
print("channels:", dict(Counter(r["channel"] for r in rows)))
for c in CATS:
    if not rf[c]['en'] or not rf[c]['es']: errs.append(f"category {c} lacks a language")
for k in TRAPS:
    if not any(r["trap"] == k for r in rows): errs.append(f"trap kind {k} missing")
for i in INTENTS:
    if not any(r["intent"] == i and not r["red_flag"] and not r["trap"] for r in rows): errs.append(f"intent {i} has no ordinary message")
if errs:
    print("\nFAIL"); [print("  " + e) for e in errs]; sys.exit(1)
print("\nPASS")
