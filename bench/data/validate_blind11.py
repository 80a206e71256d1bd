#!/usr/bin/env python3
"""Validate /work/notes/blind11/triage_blind11.jsonl and print its counts.
Checks: JSON per line, exact field set, vocabulary (categories, trap kinds, intents,
lang, channel), ids b11-NNNN unique and consecutive, label consistency (a trap has
red_flag null and a trap_category; an ordinary line has neither), sms has empty subject,
no duplicate bodies, phones only 555-01xx, e-mail addresses only on example.* domains."""
import collections as C
import json
import re
import sys

PATH = sys.argv[1] if len(sys.argv) > 1 else "/work/notes/blind11/triage_blind11.jsonl"
CATS = ["chest_pain", "breathing", "stroke", "suicide_self_harm", "severe_bleeding",
        "anaphylaxis", "pregnancy_emergency", "overdose_poisoning", "infant_fever", "head_injury"]
TRAPS = ["negation", "history", "family_history", "hypothetical", "idiom", "clinical_term",
         "newsletter", "quoted", "signature", "resolved"]
# The guide defines nine intents by name; the tenth (booking a new appointment) is named
# appointment_book here. Change NEW_INTENT if the bench uses another name.
NEW_INTENT = "appointment_book"
INTENTS = ["clinical_question", NEW_INTENT, "appointment_change_cancel", "prescription_refill",
           "test_results", "records_forms", "billing_insurance", "referral", "other",
           "spam_marketing"]
FIELDS = {"id", "lang", "channel", "subject", "body", "red_flag", "trap", "trap_category", "intent"}

errs = []
def err(n, msg): errs.append(f"line {n}: {msg}")

rows = []
with open(PATH, encoding="utf-8") as f:
    for n, line in enumerate(f, 1):
        if not line.strip():
            err(n, "blank line"); continue
        try:
            r = json.loads(line)
        except ValueError as e:  # json.JSONDecodeError, and a bad UTF-8 surrogate
            err(n, f"bad JSON: {e}"); continue
        if not isinstance(r, dict) or set(r) != FIELDS:
            err(n, f"fields {sorted(r) if isinstance(r, dict) else type(r)}"); continue
        rows.append((n, r))

ids = []
bodies = C.defaultdict(list)
phone_re = re.compile(r"(?<!\d)(?:\(?\d{3}\)?[\s.-]?)?(\d{3})[\s.-](\d{4})(?!\d)")
mail_re = re.compile(r"[\w.+-]+@([\w-]+(?:\.[\w-]+)+)")
for n, r in rows:
    for k in ("id", "lang", "channel", "subject", "body", "intent"):
        if not isinstance(r[k], str): err(n, f"{k} not a string")
    ids.append(r["id"])
    if not re.fullmatch(r"b11-\d{4}", str(r["id"])): err(n, f"bad id {r['id']}")
    if r["lang"] not in ("en", "es"): err(n, f"lang {r['lang']}")
    if r["channel"] not in ("sms", "email"): err(n, f"channel {r['channel']}")
    if r["channel"] == "sms" and r["subject"] != "": err(n, "sms with a subject")
    if r["channel"] == "email" and not r["subject"].strip(): err(n, "email without a subject")
    if not r["body"].strip(): err(n, "empty body")
    if r["intent"] not in INTENTS: err(n, f"intent {r['intent']}")
    rf, tr, tc = r["red_flag"], r["trap"], r["trap_category"]
    if rf is not None and rf not in CATS: err(n, f"red_flag {rf}")
    if tr is not None and tr not in TRAPS: err(n, f"trap {tr}")
    if tc is not None and tc not in CATS: err(n, f"trap_category {tc}")
    if tr is not None and (rf is not None or tc is None): err(n, "trap needs red_flag null and a trap_category")
    if tr is None and tc is not None: err(n, "trap_category without trap")
    if tr == "newsletter" and r["intent"] != "spam_marketing": err(n, "newsletter trap not spam_marketing")
    text = r["subject"] + "\n" + r["body"]
    for m in phone_re.finditer(text):
        if not (m.group(1) == "555" and m.group(2).startswith("01")):
            err(n, f"phone not 555-01xx: {m.group(0)}")
    for m in mail_re.finditer(text):
        dom = m.group(1).lower()
        if not re.fullmatch(r"example\.[a-z]+", dom): err(n, f"address not example.*: {m.group(0)}")
    for m in re.finditer(r"\b(?:https?://)?([\w-]+(?:\.[\w-]+)*\.(?:com|net|org))\b", text):
        if "example." not in m.group(1).lower() and "@" not in text[max(0, m.start()-1):m.start()]:
            err(n, f"domain not example.*: {m.group(0)}")
    bodies[re.sub(r"\s+", " ", r["body"].strip().lower())].append(r["id"])

if len(set(ids)) != len(ids): err(0, "duplicate ids")
if sorted(ids) != [f"b11-{i:04d}" for i in range(1, len(ids) + 1)]: err(0, "ids not b11-0001..N")
for l in bodies.values():
    if len(l) > 1: err(0, f"duplicate body: {l}")

R = [r for _, r in rows]
print(f"{PATH}: {len(R)} messages\n")
print(f"{'category':22} {'rf_en':>5} {'rf_es':>5} {'rf':>4} {'traps':>5}")
tot = C.Counter()
for c in CATS:
    en = sum(1 for r in R if r["red_flag"] == c and r["lang"] == "en")
    es = sum(1 for r in R if r["red_flag"] == c and r["lang"] == "es")
    tp = sum(1 for r in R if r["trap_category"] == c)
    tot.update(en=en, es=es, tp=tp)
    print(f"{c:22} {en:5} {es:5} {en+es:4} {tp:5}")
print(f"{'total':22} {tot['en']:5} {tot['es']:5} {tot['en']+tot['es']:4} {tot['tp']:5}")
ordn = sum(1 for r in R if r["red_flag"] is None and r["trap"] is None)
print(f"ordinary (no flag, no trap): {ordn}\n")
def table(title, key, order):
    c = C.Counter(key(r) for r in R)
    print(title)
    for k in order: print(f"  {k:26} {c.get(k, 0):4}")
    extra = set(c) - set(order)
    for k in sorted(extra, key=str):
        name = "(none)" if k is None else str(k)
        print(f"  {name:26} {c[k]:4}")
    print()
table("trap kinds:", lambda r: r["trap"], TRAPS)
table("intents (all):", lambda r: r["intent"], INTENTS)
table("intents (red flags):", lambda r: r["intent"] if r["red_flag"] else "-", INTENTS)
table("languages:", lambda r: r["lang"], ["en", "es"])
table("channels:", lambda r: r["channel"], ["sms", "email"])
kinds = C.Counter(("red_flag" if r["red_flag"] else "trap" if r["trap"] else "ordinary", r["channel"]) for r in R)
print("channel by kind:", {f"{a}/{b}": v for (a, b), v in sorted(kinds.items())}, "\n")
if errs:
    print("FAIL:", len(errs), "problems"); [print(" ", e) for e in errs[:50]]; sys.exit(1)
print("PASS")
