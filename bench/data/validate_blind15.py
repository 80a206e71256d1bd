#!/usr/bin/env python3
# ruff: noqa  (the set writer's own validator, kept as it was written)
"""Validate the blind15 triage set and print count tables."""
import json, re, sys, collections, os

PATH = os.path.join(os.path.dirname(os.path.abspath(__file__)), "triage_blind15.jsonl")
CATS = ["chest_pain", "breathing", "stroke", "suicide_self_harm", "severe_bleeding",
        "anaphylaxis", "pregnancy_emergency", "overdose_poisoning", "infant_fever", "head_injury"]
TRAPS = ["negation", "history", "family_history", "hypothetical", "idiom", "clinical_term",
         "newsletter", "quoted", "signature", "resolved"]
INTENTS = ["clinical_question", "appointment_book", "appointment_change_cancel",
           "prescription_refill", "test_results", "records_forms", "billing_insurance",
           "referral", "other", "spam_marketing"]
KEYS = ["id", "lang", "channel", "subject", "body", "red_flag", "trap", "trap_category", "intent"]

errors = []
rows = []
with open(PATH, encoding="utf-8") as f:
    for n, line in enumerate(f, 1):
        try:
            rows.append(json.loads(line))
        except Exception as e:
            errors.append(f"line {n}: bad JSON: {e}")

ids, bodies = set(), collections.Counter()
for i, r in enumerate(rows, 1):
    rid = r.get("id", f"#{i}")
    if sorted(r.keys()) != sorted(KEYS):
        errors.append(f"{rid}: keys {sorted(r.keys())}")
        continue
    if r["id"] != "b15-%04d" % i:
        errors.append(f"{rid}: expected id b15-{i:04d}")
    if r["id"] in ids:
        errors.append(f"{rid}: duplicate id")
    ids.add(r["id"])
    if r["lang"] not in ("en", "es"): errors.append(f"{rid}: lang")
    if r["channel"] not in ("sms", "email"): errors.append(f"{rid}: channel")
    if r["channel"] == "sms" and r["subject"]: errors.append(f"{rid}: sms with subject")
    if r["channel"] == "email" and not r["subject"]: errors.append(f"{rid}: email without subject")
    if not isinstance(r["body"], str) or not r["body"].strip(): errors.append(f"{rid}: empty body")
    if r["red_flag"] is not None and r["red_flag"] not in CATS: errors.append(f"{rid}: red_flag")
    if r["intent"] not in INTENTS: errors.append(f"{rid}: intent")
    if r["trap"] is not None:
        if r["trap"] not in TRAPS: errors.append(f"{rid}: trap kind")
        if r["red_flag"] is not None: errors.append(f"{rid}: trap with red_flag")
        if r["trap_category"] not in CATS: errors.append(f"{rid}: trap_category")
        if r["trap"] == "newsletter" and r["intent"] != "spam_marketing":
            errors.append(f"{rid}: newsletter not spam_marketing")
    elif r["trap_category"] is not None:
        errors.append(f"{rid}: trap_category without trap")
    bodies[re.sub(r"\s+", " ", r["body"].strip().lower())] += 1
    text = r["subject"] + "\n" + r["body"]
    for ph in re.findall(r"\(?\d{3}\)?[\s.-]*\d{3}[\s.-]\d{4}|\b\d{3}[-.]\d{4}\b", text):
        digits = re.sub(r"\D", "", ph)
        if not re.search(r"55501\d\d$", digits):
            errors.append(f"{rid}: phone {ph}")
    for m in re.findall(r"[\w.+-]+@([\w-]+(?:\.[\w-]+)+)", text):
        if not m.lower().startswith("example."):
            errors.append(f"{rid}: email domain {m}")
    for m in re.findall(r"\b((?:[\w-]+\.)+(?:com|org|net|biz|io))\b", text):
        if "example." not in m.lower():
            errors.append(f"{rid}: domain {m}")
for b, c in bodies.items():
    if c > 1: errors.append(f"duplicate body x{c}: {b[:60]}")

def pct(a, b): return f"{100*a/b:.0f}%" if b else "-"
N = len(rows)
print(f"file: {PATH}\nmessages: {N}")
pos = [r for r in rows if r["red_flag"]]
trp = [r for r in rows if r["trap"]]
print(f"red flags: {len(pos)}  traps: {len(trp)}  ordinary: {N-len(pos)-len(trp)}\n")
print(f"{'category':22} {'en':>4} {'es':>4} {'total':>6} {'traps':>6}")
for c in CATS:
    en = sum(1 for r in pos if r["red_flag"] == c and r["lang"] == "en")
    es = sum(1 for r in pos if r["red_flag"] == c and r["lang"] == "es")
    t = sum(1 for r in trp if r["trap_category"] == c)
    print(f"{c:22} {en:>4} {es:>4} {en+es:>6} {t:>6}")
pen = sum(1 for r in pos if r["lang"] == "en")
print(f"{'TOTAL':22} {pen:>4} {len(pos)-pen:>4} {len(pos):>6} {len(trp):>6}\n")
print("trap kinds:")
for k in TRAPS:
    print(f"  {k:16} {sum(1 for r in trp if r['trap']==k):>4}")
print("\nintents:            all  red  trap  ord")
for it in INTENTS:
    a = [r for r in rows if r["intent"] == it]
    print(f"  {it:26} {len(a):>4} {sum(1 for r in a if r['red_flag']):>4} {sum(1 for r in a if r['trap']):>4} {sum(1 for r in a if not r['red_flag'] and not r['trap']):>4}")
print("\nlanguages:", {l: sum(1 for r in rows if r["lang"] == l) for l in ("en", "es")},
      f"(en {pct(sum(1 for r in rows if r['lang']=='en'), N)})")
print("channels:", {c: sum(1 for r in rows if r["channel"] == c) for c in ("sms", "email")},
      f"(sms {pct(sum(1 for r in rows if r['channel']=='sms'), N)})")
if errors:
    print(f"\nFAIL: {len(errors)} problem(s)")
    for e in errors[:50]: print("  " + e)
    sys.exit(1)
print("\nOK: all checks passed")
