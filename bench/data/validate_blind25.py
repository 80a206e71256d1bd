#!/usr/bin/env python3
# ruff: noqa  (the set writer's own validator, kept as it was written)
"""Validate triage_blind25.jsonl and print count tables."""
import json, re, sys, os
from collections import Counter, defaultdict

PATH = os.path.join(os.path.dirname(os.path.abspath(__file__)), "triage_blind25.jsonl")
CATS = ["chest_pain", "breathing", "stroke", "suicide_self_harm", "severe_bleeding", "anaphylaxis",
        "pregnancy_emergency", "overdose_poisoning", "infant_fever", "head_injury"]
TRAPS = ["negation", "history", "family_history", "hypothetical", "idiom", "clinical_term",
         "newsletter", "quoted", "signature", "resolved"]
INTENTS = ["appointment_book", "appointment_change_cancel", "prescription_refill", "test_results",
           "records_forms", "billing_insurance", "referral", "clinical_question", "other", "spam_marketing"]
KEYS = ["id", "lang", "channel", "subject", "body", "red_flag", "trap", "trap_category", "intent"]

errors = []
recs = []
with open(PATH, encoding="utf-8") as f:
    for n, line in enumerate(f, 1):
        try:
            r = json.loads(line)
        except Exception as e:
            errors.append(f"line {n}: bad JSON: {e}")
            continue
        recs.append((n, r))

seen_ids, seen_bodies = set(), {}
for n, r in recs:
    if list(r.keys()) != KEYS:
        errors.append(f"line {n}: keys {list(r.keys())}")
        continue
    rid = r["id"]
    if not re.fullmatch(r"b25-\d{4}", rid):
        errors.append(f"line {n}: bad id {rid}")
    if rid != "b25-%04d" % n:
        errors.append(f"line {n}: id out of sequence {rid}")
    if rid in seen_ids:
        errors.append(f"line {n}: duplicate id {rid}")
    seen_ids.add(rid)
    if r["lang"] not in ("en", "es"):
        errors.append(f"{rid}: lang {r['lang']}")
    if r["channel"] not in ("sms", "email"):
        errors.append(f"{rid}: channel {r['channel']}")
    if not isinstance(r["subject"], str) or not isinstance(r["body"], str) or not r["body"].strip():
        errors.append(f"{rid}: subject/body must be strings, body non-empty")
    if r["channel"] == "sms" and r["subject"]:
        errors.append(f"{rid}: sms with a subject")
    if r["channel"] == "email" and not r["subject"]:
        errors.append(f"{rid}: email without a subject")
    if r["red_flag"] is not None and r["red_flag"] not in CATS:
        errors.append(f"{rid}: red_flag {r['red_flag']}")
    if r["trap"] is not None:
        if r["trap"] not in TRAPS:
            errors.append(f"{rid}: trap {r['trap']}")
        if r["red_flag"] is not None:
            errors.append(f"{rid}: trap with a red flag")
        if r["trap_category"] not in CATS:
            errors.append(f"{rid}: trap without a valid trap_category")
        if r["trap"] == "newsletter" and r["intent"] != "spam_marketing":
            errors.append(f"{rid}: newsletter trap must be spam_marketing")
    elif r["trap_category"] is not None:
        errors.append(f"{rid}: trap_category without trap")
    if r["intent"] not in INTENTS:
        errors.append(f"{rid}: intent {r['intent']}")
    key = re.sub(r"\s+", " ", r["body"].strip().lower())
    if key in seen_bodies:
        errors.append(f"{rid}: duplicate body of {seen_bodies[key]}")
    seen_bodies[key] = rid
    text = r["subject"] + "\n" + r["body"]
    for m in re.finditer(r"(?<!\d)(?:\(\d{3}\)\s*|\d{3}[-. ])?(\d{3})[-. ](\d{4})(?!\d)", text):
        if m.group(1) != "555" or not m.group(2).startswith("01"):
            errors.append(f"{rid}: phone not 555-01xx: {m.group(0)}")
    for m in re.finditer(r"[\w.+-]+@([\w-]+(?:\.[\w-]+)+)", text):
        if not re.fullmatch(r"example\.[a-z]+", m.group(1).lower()):
            errors.append(f"{rid}: e-mail not example.*: {m.group(0)}")

R = [r for _, r in recs]
print(f"{'category':<22}{'en':>5}{'es':>5}{'total':>7}{'traps':>7}")
for c in CATS:
    en = sum(1 for r in R if r["red_flag"] == c and r["lang"] == "en")
    es = sum(1 for r in R if r["red_flag"] == c and r["lang"] == "es")
    tr = sum(1 for r in R if r["trap_category"] == c)
    print(f"{c:<22}{en:>5}{es:>5}{en+es:>7}{tr:>7}")
nrf = sum(1 for r in R if r["red_flag"]); ntr = sum(1 for r in R if r["trap"])
print(f"{'TOTAL':<22}{sum(1 for r in R if r['red_flag'] and r['lang']=='en'):>5}"
      f"{sum(1 for r in R if r['red_flag'] and r['lang']=='es'):>5}{nrf:>7}{ntr:>7}")
print(f"\nmessages {len(R)}  red flags {nrf}  traps {ntr}  ordinary {len(R)-nrf-ntr}")
print("\ntrap kinds:")
for k in TRAPS:
    print(f"  {k:<16}{sum(1 for r in R if r['trap'] == k):>5}")
print("\nintents (all / red flags / traps / ordinary):")
for i in INTENTS:
    a = [r for r in R if r["intent"] == i]
    print(f"  {i:<27}{len(a):>5}{sum(1 for r in a if r['red_flag']):>5}{sum(1 for r in a if r['trap']):>5}"
          f"{sum(1 for r in a if not r['red_flag'] and not r['trap']):>5}")
print("\nlanguages:", dict(Counter(r["lang"] for r in R)))
print("channels:", dict(Counter(r["channel"] for r in R)))
if errors:
    print(f"\nFAIL: {len(errors)} problem(s)")
    for e in errors[:50]:
        print("  " + e)
    sys.exit(1)
print("\nOK: all checks passed")
