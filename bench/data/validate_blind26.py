#!/usr/bin/env python3
# ruff: noqa  (the set writer's own validator, kept as it was written)
"""Validate triage_blind26.jsonl against the labelling guide's format and print counts."""
import json, re, sys, os
from collections import Counter

PATH = os.path.join(os.path.dirname(os.path.abspath(__file__)), "triage_blind26.jsonl")
CATS = ["chest_pain", "breathing", "stroke", "suicide_self_harm", "severe_bleeding",
        "anaphylaxis", "pregnancy_emergency", "overdose_poisoning", "infant_fever", "head_injury"]
TRAPS = ["negation", "history", "family_history", "hypothetical", "idiom", "clinical_term",
         "newsletter", "quoted", "signature", "resolved"]
INTENTS = ["appointment_book", "appointment_change_cancel", "prescription_refill", "test_results",
           "records_forms", "billing_insurance", "referral", "clinical_question", "other",
           "spam_marketing"]
FIELDS = ["id", "lang", "channel", "subject", "body", "red_flag", "trap", "trap_category", "intent"]

errors = []
def err(i, msg):
    errors.append(f"line {i}: {msg}")

recs = []
with open(PATH, encoding="utf-8") as fh:
    for i, line in enumerate(fh, 1):
        if not line.strip():
            err(i, "blank line"); continue
        try:
            r = json.loads(line)
        except json.JSONDecodeError as e:
            err(i, f"bad JSON: {e}"); continue
        if not isinstance(r, dict):
            err(i, "not an object"); continue
        if sorted(r) != sorted(FIELDS):
            err(i, f"fields {sorted(r)}")
            continue
        recs.append((i, r))

ids = Counter()
bodies = {}
phone_any = re.compile(r"(?<!\d)(?:\(?\d{3}\)?[\s.-]?)?\d{3}[\s.-]\d{4}(?!\d)")
phone_ok = re.compile(r"555[\s.-]01\d\d$")
email_re = re.compile(r"[\w.+-]+@([\w-]+(?:\.[\w-]+)+)")
for i, r in recs:
    ids[r["id"]] += 1
    if not re.fullmatch(r"b26-\d{4}", str(r["id"])):
        err(i, f"bad id {r['id']}")
    if r["lang"] not in ("en", "es"): err(i, f"lang {r['lang']}")
    if r["channel"] not in ("email", "sms"): err(i, f"channel {r['channel']}")
    if not isinstance(r["subject"], str) or not isinstance(r["body"], str) or not r["body"].strip():
        err(i, "subject/body not strings or empty body")
        continue
    if r["channel"] == "sms" and r["subject"]: err(i, "sms with subject")
    if r["channel"] == "email" and not r["subject"].strip(): err(i, "email without subject")
    if r["intent"] not in INTENTS: err(i, f"intent {r['intent']}")
    rf, tr, tc = r["red_flag"], r["trap"], r["trap_category"]
    if rf is not None and rf not in CATS: err(i, f"red_flag {rf}")
    if tr is not None and tr not in TRAPS: err(i, f"trap {tr}")
    if tr is not None:
        if rf is not None: err(i, "trap with red_flag")
        if tc not in CATS: err(i, f"trap_category {tc}")
    elif tc is not None:
        err(i, "trap_category without trap")
    if tr == "newsletter" and r["intent"] != "spam_marketing":
        err(i, "newsletter trap not spam_marketing")
    key = re.sub(r"\s+", " ", r["body"].strip().lower())
    if key in bodies: err(i, f"duplicate body of line {bodies[key]}")
    bodies[key] = i
    text = r["subject"] + "\n" + r["body"]
    for m in phone_any.finditer(text):
        digits = m.group(0)
        if not phone_ok.search(digits.strip()):
            err(i, f"phone not 555-01xx: {digits!r}")
    for m in email_re.finditer(text):
        dom = m.group(1).lower()
        if not dom.startswith("example."):
            err(i, f"e-mail not example.*: {m.group(0)}")
    for m in re.finditer(r"\b[\w-]+\.(?:com|net|org|io)\b", text):
        if not m.group(0).lower().startswith("example.") and ".example." not in text[max(0,m.start()-40):m.end()].lower():
            err(i, f"domain not example.*: {m.group(0)}")

for k, v in ids.items():
    if v > 1: errors.append(f"duplicate id {k}")
n = len(recs)
expected = {f"b26-{j:04d}" for j in range(1, n + 1)}
if set(ids) != expected: errors.append("ids are not b26-0001..b26-%04d" % n)

def pct(a, b): return f"{100*a/b:.0f}%" if b else "-"
rs = [r for _, r in recs]
print(f"messages: {n}")
print(f"red flags: {sum(1 for r in rs if r['red_flag'])}  traps: {sum(1 for r in rs if r['trap'])}  "
      f"ordinary: {sum(1 for r in rs if not r['red_flag'] and not r['trap'])}")
print()
print(f"{'category':22} {'en':>4} {'es':>4} {'total':>6} {'traps':>6}")
for c in CATS:
    en = sum(1 for r in rs if r["red_flag"] == c and r["lang"] == "en")
    es = sum(1 for r in rs if r["red_flag"] == c and r["lang"] == "es")
    t = sum(1 for r in rs if r["trap_category"] == c)
    print(f"{c:22} {en:4} {es:4} {en+es:6} {t:6}")
ten = sum(1 for r in rs if r["red_flag"] and r["lang"] == "en")
tes = sum(1 for r in rs if r["red_flag"] and r["lang"] == "es")
print(f"{'total':22} {ten:4} {tes:4} {ten+tes:6} {sum(1 for r in rs if r['trap']):6}")
print()
print("trap kinds:")
for k in TRAPS:
    print(f"  {k:16} {sum(1 for r in rs if r['trap'] == k):4}")
print("intents (all / red flags / traps / ordinary):")
for k in INTENTS:
    a = [r for r in rs if r["intent"] == k]
    print(f"  {k:26} {len(a):4} {sum(1 for r in a if r['red_flag']):4} "
          f"{sum(1 for r in a if r['trap']):4} {sum(1 for r in a if not r['red_flag'] and not r['trap']):4}")
lc = Counter(r["lang"] for r in rs); cc = Counter(r["channel"] for r in rs)
print("languages:", ", ".join(f"{k} {v} ({pct(v, n)})" for k, v in sorted(lc.items())))
print("channels:", ", ".join(f"{k} {v} ({pct(v, n)})" for k, v in sorted(cc.items())))
for k in TRAPS:
    if not any(r["trap"] == k for r in rs): errors.append(f"no trap of kind {k}")
for c in CATS:
    if not any(r["red_flag"] == c for r in rs): errors.append(f"no red flag {c}")
for k in INTENTS:
    if not any(r["intent"] == k for r in rs): errors.append(f"no intent {k}")
print()
if errors:
    print("FAIL:", len(errors), "problem(s)")
    for e in errors[:100]: print("  " + e)
    sys.exit(1)
print("OK: all checks passed")
