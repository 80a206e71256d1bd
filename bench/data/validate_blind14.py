#!/usr/bin/env python3
"""Validate triage_blind14.jsonl: JSON, fields, vocabulary, ids, duplicates, phones, e-mails; print count tables."""
import json
import os
import re
import sys
from collections import Counter

PATH = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(os.path.abspath(__file__)), "triage_blind14.jsonl")
CATS = ["chest_pain", "breathing", "stroke", "suicide_self_harm", "severe_bleeding", "anaphylaxis",
        "pregnancy_emergency", "overdose_poisoning", "infant_fever", "head_injury"]
TRAPS = ["negation", "history", "family_history", "hypothetical", "idiom", "clinical_term",
         "newsletter", "quoted", "signature", "resolved"]
INTENTS = ["appointment_book", "appointment_change_cancel", "prescription_refill", "test_results",
           "records_forms", "billing_insurance", "referral", "clinical_question", "other", "spam_marketing"]
FIELDS = ["id", "lang", "channel", "subject", "body", "red_flag", "trap", "trap_category", "intent"]

errors = []
def err(n, msg): errors.append(f"line {n}: {msg}")

rows = []
with open(PATH, encoding="utf-8") as fh:
    for n, line in enumerate(fh, 1):
        if not line.strip():
            err(n, "blank line"); continue
        try:
            r = json.loads(line)
        except json.JSONDecodeError as e:
            err(n, f"bad JSON: {e}"); continue
        rows.append((n, r))

phone_any = re.compile(r"\d{3}[-.\s]\d{4}\b")
phone_ok = re.compile(r"^555[-.\s]01\d\d$")
email_re = re.compile(r"[\w.+-]+@([\w-]+(?:\.[\w-]+)+)")
ids, bodies = set(), {}
for n, r in rows:
    if sorted(r) != sorted(FIELDS):
        err(n, f"fields {sorted(r)}"); continue
    for k in ("id", "lang", "channel", "subject", "body", "intent"):
        if not isinstance(r[k], str): err(n, f"{k} not a string")
    if not re.fullmatch(r"b14-\d{4}", r["id"]): err(n, f"bad id {r['id']}")
    if r["id"] in ids: err(n, f"duplicate id {r['id']}")
    ids.add(r["id"])
    if r["lang"] not in ("en", "es"): err(n, f"lang {r['lang']}")
    if r["channel"] not in ("sms", "email"): err(n, f"channel {r['channel']}")
    if r["channel"] == "sms" and r["subject"]: err(n, "sms with a subject")
    if r["channel"] == "email" and not r["subject"]: err(n, "email without a subject")
    if not r["body"].strip(): err(n, "empty body")
    if r["intent"] not in INTENTS: err(n, f"intent {r['intent']}")
    rf, tr, tc = r["red_flag"], r["trap"], r["trap_category"]
    if rf is not None and rf not in CATS: err(n, f"red_flag {rf}")
    if tr is not None and tr not in TRAPS: err(n, f"trap {tr}")
    if tr is not None:
        if rf is not None: err(n, "trap with red_flag")
        if tc not in CATS: err(n, f"trap_category {tc}")
    elif tc is not None: err(n, "trap_category without trap")
    if tr == "newsletter" and r["intent"] != "spam_marketing": err(n, "newsletter not spam_marketing")
    key = re.sub(r"\s+", " ", r["body"].strip().lower())
    if key in bodies: err(n, f"duplicate body (also line {bodies[key]})")
    bodies[key] = n
    text = r["subject"] + "\n" + r["body"]
    for m in phone_any.finditer(text):
        s = text[max(0, m.start() - 4):m.end()]
        num = re.search(r"(\d{3}[-.\s]\d{4})$", s).group(1)
        if not phone_ok.match(num): err(n, f"phone not 555-01xx: {num}")
    for m in email_re.finditer(text):
        dom = m.group(1).lower()
        if not dom.startswith("example."): err(n, f"e-mail not example.*: {m.group(0)}")

ids_sorted = sorted(ids)
if ids_sorted != [f"b14-{i:04d}" for i in range(1, len(rows) + 1)]:
    err(0, "ids are not b14-0001..b14-N without gaps")

N = len(rows)
R = [r for _, r in rows]
print(f"file: {PATH}\nmessages: {N}\n")
pos = Counter((r["red_flag"], r["lang"]) for r in R if r["red_flag"])
trapc = Counter(r["trap_category"] for r in R if r["trap"])
print(f"{'category':22} {'en':>4} {'es':>4} {'total':>6} {'traps':>6}")
for c in CATS:
    print(f"{c:22} {pos[(c,'en')]:>4} {pos[(c,'es')]:>4} {pos[(c,'en')]+pos[(c,'es')]:>6} {trapc[c]:>6}")
npos = sum(pos.values()); ntrap = sum(trapc.values())
print(f"{'ALL':22} {sum(v for (c,l),v in pos.items() if l=='en'):>4} {sum(v for (c,l),v in pos.items() if l=='es'):>4} {npos:>6} {ntrap:>6}")
print(f"\nred flags {npos}, traps {ntrap}, ordinary {N-npos-ntrap}\n")
print("trap kinds:")
for k, v in Counter(r["trap"] for r in R if r["trap"]).most_common():
    print(f"  {k:16} {v}")
print("\nintents (all / red flag / trap / ordinary):")
for i in INTENTS:
    a = sum(1 for r in R if r["intent"] == i)
    b = sum(1 for r in R if r["intent"] == i and r["red_flag"])
    t = sum(1 for r in R if r["intent"] == i and r["trap"])
    print(f"  {i:26} {a:>4} {b:>4} {t:>4} {a-b-t:>4}")
print("\nlanguages:", dict(Counter(r["lang"] for r in R)))
print("channels: ", dict(Counter(r["channel"] for r in R)))
for c in CATS:
    if pos[(c,'en')] + pos[(c,'es')] == 0: err(0, f"no positives for {c}")
for t in TRAPS:
    if not any(r["trap"] == t for r in R): err(0, f"no trap of kind {t}")
for i in INTENTS:
    if not any(r["intent"] == i for r in R): err(0, f"no message with intent {i}")

if errors:
    print(f"\nFAIL: {len(errors)} problem(s)")
    for e in errors[:50]: print("  " + e)
    sys.exit(1)
print("\nPASS")
