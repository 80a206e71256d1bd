#!/usr/bin/env python3
"""Validate bench/data/triage_blind7.jsonl: JSON, fields, label vocabulary, counts, duplicates.

Usage: python3 bench/data/validate_blind7.py [path]
Exits non-zero on any error. Reads only the data file; runs no detector.
"""
import collections
import json
import os
import re
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
PATH = sys.argv[1] if len(sys.argv) > 1 else os.path.join(HERE, "triage_blind7.jsonl")

CATEGORIES = ["chest_pain", "breathing", "stroke", "suicide_self_harm", "severe_bleeding",
              "anaphylaxis", "pregnancy_emergency", "overdose_poisoning", "infant_fever",
              "head_injury"]
INTENTS = ["appointment_book", "appointment_change_cancel", "prescription_refill",
           "test_results", "billing_insurance", "records_forms", "referral",
           "clinical_question", "other", "spam_marketing"]
TRAPS = ["negation", "history", "family_history", "hypothetical", "idiom", "clinical_term",
         "newsletter", "quoted", "signature", "resolved"]
FIELDS = ["id", "lang", "channel", "subject", "body", "red_flag", "trap", "trap_category",
          "intent"]
MIN_PER_CATEGORY = 22
MIN_PER_INTENT = 20
MIN_TOTAL = 450
MIN_TRAP_SHARE = 0.25

errors = []


def err(lineno, msg):
    errors.append(f"line {lineno}: {msg}")


rows = []
with open(PATH, encoding="utf-8") as f:
    for n, line in enumerate(f, 1):
        if not line.strip():
            err(n, "blank line")
            continue
        try:
            r = json.loads(line)
        except json.JSONDecodeError as e:
            err(n, f"bad JSON: {e}")
            continue
        if not isinstance(r, dict):
            err(n, "not an object")
            continue
        if sorted(r) != sorted(FIELDS):
            err(n, f"fields {sorted(r)} != {sorted(FIELDS)}")
            continue
        rows.append((n, r))

ids = collections.Counter()
bodies = collections.defaultdict(list)
for n, r in rows:
    ids[r["id"]] += 1
    for k in ("id", "lang", "channel", "subject", "body", "intent"):
        if not isinstance(r[k], str):
            err(n, f"{k} is not a string")
    if r["lang"] not in ("en", "es"):
        err(n, f"lang {r['lang']!r}")
    if r["channel"] not in ("email", "sms"):
        err(n, f"channel {r['channel']!r}")
    if r["channel"] == "sms" and r["subject"] != "":
        err(n, "sms with a subject")
    if not str(r["body"]).strip():
        err(n, "empty body")
    if r["intent"] not in INTENTS:
        err(n, f"intent {r['intent']!r}")
    rf, tr, tc = r["red_flag"], r["trap"], r["trap_category"]
    if rf is not None and rf not in CATEGORIES:
        err(n, f"red_flag {rf!r}")
    if tr is not None and tr not in TRAPS:
        err(n, f"trap {tr!r}")
    if tr is not None:
        if rf is not None:
            err(n, "a trap must have red_flag null")
        if tc not in CATEGORIES:
            err(n, f"trap without a valid trap_category: {tc!r}")
        if tr == "newsletter" and r["intent"] != "spam_marketing":
            err(n, "newsletter trap must be spam_marketing")
        want = f"trap-{tr}-"
    elif rf is not None:
        if tc is not None:
            err(n, "trap_category set on a red flag")
        want = f"rf-{rf}-"
    else:
        if tc is not None:
            err(n, "trap_category set on an ordinary message")
        want = f"ord-{r['intent']}-"
    if not re.fullmatch(re.escape(want) + r"\d{2,}", str(r["id"])):
        err(n, f"id {r['id']!r} does not match {want}NN")
    norm = " ".join(str(r["body"]).lower().split())
    bodies[norm].append(n)
    text = str(r["subject"]) + "\n" + str(r["body"])
    for phone in re.findall(r"\b555[-. ]?(\d{4})\b", text):
        if not phone.startswith("01"):
            err(n, f"phone 555-{phone} outside 555-01xx")
    for dom in re.findall(r"[\w.+-]+@([\w-]+(?:\.[\w-]+)+)", text):
        if not re.match(r"(.*\.)?example\.(com|org|net)$", dom):
            err(n, f"email domain {dom!r} is not example.*")

for i, c in ids.items():
    if c > 1:
        errors.append(f"duplicate id {i}")
for ns in bodies.values():
    if len(ns) > 1:
        errors.append(f"duplicate body on lines {ns}")

recs = [r for _, r in rows]
C = collections.Counter
total = len(recs)
by_cat = C(r["red_flag"] for r in recs if r["red_flag"])
by_trap = C(r["trap"] for r in recs if r["trap"])
by_tcat = C(r["trap_category"] for r in recs if r["trap"])
by_intent = C(r["intent"] for r in recs)
by_lang = C(r["lang"] for r in recs)
by_chan = C(r["channel"] for r in recs)
n_rf = sum(by_cat.values())
n_trap = sum(by_trap.values())
n_ord = total - n_rf - n_trap

if total < MIN_TOTAL:
    errors.append(f"only {total} messages (< {MIN_TOTAL})")
for c in CATEGORIES:
    if by_cat[c] < MIN_PER_CATEGORY:
        errors.append(f"category {c}: {by_cat[c]} positives (< {MIN_PER_CATEGORY})")
for i in INTENTS:
    if by_intent[i] < MIN_PER_INTENT:
        errors.append(f"intent {i}: {by_intent[i]} (< {MIN_PER_INTENT})")
for t in TRAPS:
    if by_trap[t] == 0:
        errors.append(f"no trap of kind {t}")
if total and n_trap / total < MIN_TRAP_SHARE:
    errors.append(f"traps are {n_trap / total:.1%} (< {MIN_TRAP_SHARE:.0%})")

print(f"{PATH}: {total} messages: {n_rf} red flags, {n_trap} traps ({n_trap / max(total, 1):.1%}), {n_ord} ordinary")
print(f"lang: en {by_lang['en']} ({by_lang['en'] / max(total, 1):.0%}), es {by_lang['es']}; channel: email {by_chan['email']}, sms {by_chan['sms']}")
print(f"\n{'category':22} {'positives':>9} {'en':>4} {'es':>4} {'traps':>6}")
for c in CATEGORIES:
    en = sum(1 for r in recs if r["red_flag"] == c and r["lang"] == "en")
    es = sum(1 for r in recs if r["red_flag"] == c and r["lang"] == "es")
    print(f"{c:22} {by_cat[c]:9} {en:4} {es:4} {by_tcat[c]:6}")
print(f"\n{'trap kind':22} {'count':>5}")
for t in TRAPS:
    print(f"{t:22} {by_trap[t]:5}")
print(f"\n{'intent':26} {'all':>4} {'rf':>4} {'trap':>5} {'ord':>4}")
for i in INTENTS:
    a = [r for r in recs if r["intent"] == i]
    print(f"{i:26} {len(a):4} {sum(1 for r in a if r['red_flag']):4} "
          f"{sum(1 for r in a if r['trap']):5} {sum(1 for r in a if not r['red_flag'] and not r['trap']):4}")

if errors:
    print(f"\n{len(errors)} error(s):")
    for e in errors:
        print("  " + e)
    sys.exit(1)
print("\nOK")
