#!/usr/bin/env python3
"""Validate bench/data/triage_blind12.jsonl and print count tables."""
import json
import os
import re
import sys
from collections import Counter, defaultdict

PATH = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(os.path.abspath(__file__)), "triage_blind12.jsonl")
CATS = ["chest_pain", "breathing", "stroke", "suicide_self_harm", "severe_bleeding", "anaphylaxis",
        "pregnancy_emergency", "overdose_poisoning", "infant_fever", "head_injury"]
TRAPS = ["negation", "history", "family_history", "hypothetical", "idiom", "clinical_term",
         "newsletter", "quoted", "signature", "resolved"]
INTENTS = ["clinical_question", "appointment_book", "appointment_change_cancel", "prescription_refill",
           "test_results", "records_forms", "billing_insurance", "referral", "other", "spam_marketing"]
KEYS = ["id", "lang", "channel", "subject", "body", "red_flag", "trap", "trap_category", "intent"]

errors = []
def err(n, msg): errors.append(f"line {n}: {msg}")

rows, ids, bodies = [], set(), {}
with open(PATH, encoding="utf-8") as f:
    for n, line in enumerate(f, 1):
        if not line.strip():
            err(n, "blank line"); continue
        try:
            r = json.loads(line)
        except json.JSONDecodeError as e:
            err(n, f"bad JSON: {e}"); continue
        if not isinstance(r, dict):
            err(n, "not an object"); continue
        if list(r.keys()) != KEYS and set(r.keys()) != set(KEYS):
            err(n, f"keys {sorted(r.keys())} != {sorted(KEYS)}"); continue
        rows.append((n, r))
        if not re.fullmatch(r"b12-\d{4}", str(r["id"])): err(n, f"bad id {r['id']!r}")
        if r["id"] in ids: err(n, f"duplicate id {r['id']}")
        ids.add(r["id"])
        if r["lang"] not in ("en", "es"): err(n, f"bad lang {r['lang']!r}")
        if r["channel"] not in ("sms", "email"): err(n, f"bad channel {r['channel']!r}")
        if not isinstance(r["subject"], str): err(n, "subject not a string")
        if r["channel"] == "sms" and r["subject"] != "": err(n, "sms with a subject")
        if not isinstance(r["body"], str) or not r["body"].strip(): err(n, "empty body")
        if r["red_flag"] is not None and r["red_flag"] not in CATS: err(n, f"bad red_flag {r['red_flag']!r}")
        if r["trap"] is not None and r["trap"] not in TRAPS: err(n, f"bad trap {r['trap']!r}")
        if r["intent"] not in INTENTS: err(n, f"bad intent {r['intent']!r}")
        if r["trap"] is not None:
            if r["red_flag"] is not None: err(n, "trap with a red_flag")
            if r["trap_category"] not in CATS: err(n, f"trap without valid trap_category {r['trap_category']!r}")
            if r["trap"] == "newsletter" and r["intent"] != "spam_marketing": err(n, "newsletter not spam_marketing")
        elif r["trap_category"] is not None:
            err(n, "trap_category without trap")
        key = re.sub(r"\s+", " ", (r["subject"] + " " + r["body"]).strip().lower())
        bkey = re.sub(r"\s+", " ", r["body"].strip().lower())
        if bkey in bodies: err(n, f"duplicate body (also line {bodies[bkey]})")
        bodies[bkey] = n
        text = r["subject"] + "\n" + r["body"]
        # phones: any 3-4-digit phone-like pattern must be 555-01xx
        for m in re.finditer(r"(?<!\d)(?:\(?\d{3}\)?[ .-]?)?(\d{3})[ .-](\d{4})(?!\d)", text):
            if not (m.group(1) == "555" and m.group(2).startswith("01")):
                err(n, f"phone not 555-01xx: {m.group(0)!r}")
        for m in re.finditer(r"[\w.+-]+@([\w-]+(?:\.[\w-]+)+)", text):
            dom = m.group(1).lower()
            if not re.fullmatch(r"example\.[a-z]{2,}", dom):
                err(n, f"e-mail not example.*: {m.group(0)!r}")
        for m in re.finditer(r"\b(?:https?://)?((?:[\w-]+\.)+[a-z]{2,})(?:/\S*)?", text, re.IGNORECASE):
            dom = m.group(1).lower()
            if "@" in text[max(0, m.start()-1):m.start()+1]:
                continue
            parts = dom.split(".")
            if len(parts) >= 2 and parts[-2] != "example" and parts[-1] in ("com", "net", "org", "mx", "io", "co"):
                err(n, f"web address not example.*: {m.group(0)!r}")

if errors:
    print("FAIL")
    for e in errors: print("  " + e)
    sys.exit(1)

R = [r for _, r in rows]
print(f"OK: {len(R)} messages in {PATH}\n")
pos = [r for r in R if r["red_flag"]]
traps = [r for r in R if r["trap"]]
ords = [r for r in R if not r["red_flag"] and not r["trap"]]
print(f"red flags {len(pos)}  traps {len(traps)}  ordinary {len(ords)}\n")

print(f"{'category':22} {'en':>4} {'es':>4} {'total':>6} {'traps':>6}")
c = defaultdict(Counter)
for r in pos: c[r["red_flag"]][r["lang"]] += 1
tc = Counter(r["trap_category"] for r in traps)
for k in CATS:
    print(f"{k:22} {c[k]['en']:>4} {c[k]['es']:>4} {c[k]['en']+c[k]['es']:>6} {tc[k]:>6}")
print(f"{'total':22} {sum(c[k]['en'] for k in CATS):>4} {sum(c[k]['es'] for k in CATS):>4} {len(pos):>6} {len(traps):>6}\n")

print(f"{'trap kind':16} {'en':>4} {'es':>4} {'total':>6}")
tk = defaultdict(Counter)
for r in traps: tk[r["trap"]][r["lang"]] += 1
for k in TRAPS:
    print(f"{k:16} {tk[k]['en']:>4} {tk[k]['es']:>4} {tk[k]['en']+tk[k]['es']:>6}")
print()
print(f"{'intent':28} {'rf':>4} {'trap':>5} {'ord':>4} {'total':>6}")
for k in INTENTS:
    a = sum(1 for r in pos if r["intent"] == k); b = sum(1 for r in traps if r["intent"] == k)
    d = sum(1 for r in ords if r["intent"] == k)
    print(f"{k:28} {a:>4} {b:>5} {d:>4} {a+b+d:>6}")
print()
lc = Counter(r["lang"] for r in R); cc = Counter(r["channel"] for r in R)
print("languages: " + ", ".join(f"{k} {v}" for k, v in sorted(lc.items())))
print("channels:  " + ", ".join(f"{k} {v}" for k, v in sorted(cc.items())))
