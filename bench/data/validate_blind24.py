#!/usr/bin/env python3
# ruff: noqa  (the set writer's own validator, kept as it was written)
"""Validate triage_blind24.jsonl and print count tables."""
import json, re, sys, collections, os

PATH = os.path.join(os.path.dirname(os.path.abspath(__file__)), "triage_blind24.jsonl")
CATS = ["chest_pain", "breathing", "stroke", "suicide_self_harm", "severe_bleeding",
        "anaphylaxis", "pregnancy_emergency", "overdose_poisoning", "infant_fever", "head_injury"]
TRAPS = ["negation", "history", "family_history", "hypothetical", "idiom", "clinical_term",
         "newsletter", "quoted", "signature", "resolved"]
INTENTS = ["appointment_book", "appointment_change_cancel", "prescription_refill", "test_results",
           "records_forms", "billing_insurance", "referral", "clinical_question", "other",
           "spam_marketing"]
FIELDS = ["id", "lang", "channel", "subject", "body", "red_flag", "trap", "trap_category", "intent"]

# phone-like: optional (area) then 3-4 digit groups, e.g. 555-0147, (608) 555-0131, 1-800-222-1222
PHONE_RE = re.compile(r"(?:\+?\d{1,2}[\s.-])?(?:\(\d{3}\)\s?|\d{3}[\s.-])?\d{3}[\s.-]\d{4}\b")
OK_PHONE_RE = re.compile(r"555-01\d\d$")
EMAIL_RE = re.compile(r"[\w.+-]+@([\w-]+(?:\.[\w-]+)+)")
URL_RE = re.compile(r"\b(?:https?://)?((?:[\w-]+\.)+(?:com|net|org|gov|edu|co|mx|io|info))\b", re.I)

errors = []
def err(n, msg):
    errors.append(f"line {n}: {msg}")

rows = []
with open(PATH, encoding="utf-8") as fh:
    for n, line in enumerate(fh, 1):
        if not line.strip():
            err(n, "blank line"); continue
        try:
            o = json.loads(line)
        except json.JSONDecodeError as e:
            err(n, f"bad JSON: {e}"); continue
        rows.append((n, o))

seen_ids, seen_bodies = set(), {}
for idx, (n, o) in enumerate(rows, 1):
    if list(o.keys()) != FIELDS:
        err(n, f"fields {list(o.keys())}")
        continue
    if o["id"] != f"b24-{idx:04d}":
        err(n, f"id {o['id']} expected b24-{idx:04d}")
    if o["id"] in seen_ids:
        err(n, f"duplicate id {o['id']}")
    seen_ids.add(o["id"])
    if o["lang"] not in ("en", "es"): err(n, f"lang {o['lang']}")
    if o["channel"] not in ("sms", "email"): err(n, f"channel {o['channel']}")
    for k in ("subject", "body"):
        if not isinstance(o[k], str): err(n, f"{k} not a string")
    if not o["body"].strip(): err(n, "empty body")
    if o["channel"] == "sms" and o["subject"] != "": err(n, "sms with subject")
    if o["channel"] == "email" and not o["subject"].strip(): err(n, "email without subject")
    rf, tr, tc, it = o["red_flag"], o["trap"], o["trap_category"], o["intent"]
    if rf is not None and rf not in CATS: err(n, f"red_flag {rf}")
    if tr is not None and tr not in TRAPS: err(n, f"trap {tr}")
    if tc is not None and tc not in CATS: err(n, f"trap_category {tc}")
    if it not in INTENTS: err(n, f"intent {it}")
    if rf is not None and (tr is not None or tc is not None): err(n, "red flag with trap fields")
    if tr is not None and tc is None: err(n, "trap without trap_category")
    if tr is None and tc is not None: err(n, "trap_category without trap")
    if tr == "newsletter" and it != "spam_marketing": err(n, "newsletter not spam_marketing")
    key = re.sub(r"\s+", " ", (o["subject"] + " " + o["body"]).lower()).strip()
    bkey = re.sub(r"\s+", " ", o["body"].lower()).strip()
    if bkey in seen_bodies: err(n, f"duplicate body of line {seen_bodies[bkey]}")
    seen_bodies[bkey] = n
    text = o["subject"] + "\n" + o["body"]
    for m in PHONE_RE.finditer(text):
        ph = m.group(0).strip()
        core = re.sub(r"^\(\d{3}\)\s?|^\+?\d{1,2}[\s.-](?=\d{3})", "", ph)
        core = re.sub(r"^\d{3}[\s.-](?=\d{3}[\s.-]\d{4})", "", core)
        if not OK_PHONE_RE.match(core):
            err(n, f"phone not 555-01xx: {ph!r}")
    for m in EMAIL_RE.finditer(text):
        if not m.group(1).lower().startswith("example."):
            err(n, f"e-mail domain not example.*: {m.group(0)}")
    for m in URL_RE.finditer(text):
        dom = m.group(1).lower()
        if "@" in text[max(0, m.start() - 1):m.start()]:
            continue
        if not dom.startswith("example.") and ".example." not in "." + dom:
            err(n, f"web address not example.*: {dom}")

objs = [o for _, o in rows if list(o.keys()) == FIELDS]
C = collections.Counter
print(f"file: {PATH}")
print(f"messages: {len(objs)}   red flags: {sum(o['red_flag'] is not None for o in objs)}   "
      f"traps: {sum(o['trap'] is not None for o in objs)}   "
      f"ordinary: {sum(o['red_flag'] is None and o['trap'] is None for o in objs)}\n")

print(f"{'category':22s} {'en':>4s} {'es':>4s} {'total':>6s} {'traps':>6s}")
te = ts = tt = ttr = 0
for c in CATS:
    en = sum(o["red_flag"] == c and o["lang"] == "en" for o in objs)
    es = sum(o["red_flag"] == c and o["lang"] == "es" for o in objs)
    trp = sum(o["trap_category"] == c for o in objs)
    print(f"{c:22s} {en:4d} {es:4d} {en+es:6d} {trp:6d}")
    te += en; ts += es; tt += en + es; ttr += trp
print(f"{'TOTAL':22s} {te:4d} {ts:4d} {tt:6d} {ttr:6d}\n")

print("trap kinds:")
tk = C(o["trap"] for o in objs if o["trap"])
for k in TRAPS:
    en = sum(o["trap"] == k and o["lang"] == "en" for o in objs)
    print(f"  {k:16s} {tk[k]:4d}  (en {en}, es {tk[k]-en})")
print("\nintents (all / red flag / trap / ordinary):")
for k in INTENTS:
    a = sum(o["intent"] == k for o in objs)
    r = sum(o["intent"] == k and o["red_flag"] is not None for o in objs)
    t = sum(o["intent"] == k and o["trap"] is not None for o in objs)
    print(f"  {k:26s} {a:4d} {r:4d} {t:4d} {a-r-t:4d}")
print("\nlanguages:", dict(C(o["lang"] for o in objs)))
print("channels: ", dict(C(o["channel"] for o in objs)))
for cls, f in (("red flag", lambda o: o["red_flag"]), ("trap", lambda o: o["trap"]),
               ("ordinary", lambda o: not o["red_flag"] and not o["trap"])):
    sub = [o for o in objs if f(o)]
    print(f"  {cls:9s} lang {dict(C(o['lang'] for o in sub))}  channel {dict(C(o['channel'] for o in sub))}")

if errors:
    print(f"\nFAIL: {len(errors)} problem(s)")
    for e in errors[:200]:
        print("  " + e)
    sys.exit(1)
print("\nOK: all checks passed")
