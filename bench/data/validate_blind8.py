#!/usr/bin/env python3
"""Check triage_blind8.jsonl (written blind, 2026-12-04) and print its count tables.

Checks: valid JSON per line, exactly the required fields, label vocabulary, id prefix and
uniqueness, trap/red-flag consistency, empty subject for SMS, fictional contact data, no
duplicate bodies, and the minimum counts the brief asked for. Exit status 1 on any error.
"""
import collections
import json
import re
import sys
from pathlib import Path

PATH = Path(__file__).with_name("triage_blind8.jsonl")
FIELDS = ["id", "lang", "channel", "subject", "body", "red_flag", "trap", "trap_category", "intent"]
CATS = ["chest_pain", "breathing", "stroke", "suicide_self_harm", "severe_bleeding", "anaphylaxis",
        "pregnancy_emergency", "overdose_poisoning", "infant_fever", "head_injury"]
TRAPS = ["negation", "history", "family_history", "hypothetical", "idiom", "clinical_term",
         "newsletter", "quoted", "signature", "resolved"]
INTENTS = ["appointment_book", "appointment_change_cancel", "prescription_refill", "test_results",
           "billing_insurance", "records_forms", "referral", "clinical_question", "other", "spam_marketing"]
MIN_TOTAL, MIN_PER_CAT, MIN_PER_INTENT = 520, 23, 22


def table(title, counter, keys=None):
    keys = keys if keys is not None else sorted(counter, key=str)
    print(f"\n{title}")
    for k in keys:
        print(f"  {k!s:28s} {counter.get(k, 0):4d}")
    print(f"  {'total':28s} {sum(counter.values()):4d}")


def main():
    errors = []
    rows = []
    for n, line in enumerate(PATH.read_text(encoding="utf-8").splitlines(), 1):
        try:
            r = json.loads(line)
        except json.JSONDecodeError as e:
            errors.append(f"line {n}: bad JSON ({e})")
            continue
        if list(r) != FIELDS:
            errors.append(f"line {n}: fields {list(r)}")
        rows.append(r)

    ids = collections.Counter(r.get("id") for r in rows)
    bodies = collections.Counter(re.sub(r"\s+", " ", r.get("body", "")).strip().lower() for r in rows)
    for r in rows:
        i = r.get("id")
        if not isinstance(i, str) or not i.startswith("b8-"):
            errors.append(f"{i}: id must start with b8-")
        if ids[i] > 1:
            errors.append(f"{i}: duplicate id")
        if r.get("lang") not in ("en", "es"):
            errors.append(f"{i}: lang {r.get('lang')}")
        if r.get("channel") not in ("email", "sms"):
            errors.append(f"{i}: channel {r.get('channel')}")
        if r.get("channel") == "sms" and r.get("subject"):
            errors.append(f"{i}: sms with a subject")
        if not isinstance(r.get("body"), str) or not r["body"].strip():
            errors.append(f"{i}: empty body")
        if r.get("red_flag") not in CATS + [None]:
            errors.append(f"{i}: red_flag {r.get('red_flag')}")
        if r.get("trap") not in TRAPS + [None]:
            errors.append(f"{i}: trap {r.get('trap')}")
        if r.get("intent") not in INTENTS:
            errors.append(f"{i}: intent {r.get('intent')}")
        if r.get("trap") is not None:
            if r.get("red_flag") is not None:
                errors.append(f"{i}: a trap with a red flag")
            if r.get("trap_category") not in CATS:
                errors.append(f"{i}: trap without a valid trap_category")
        elif r.get("trap_category") is not None:
            errors.append(f"{i}: trap_category without a trap")
        text = (r.get("subject") or "") + "\n" + (r.get("body") or "")
        for phone in re.findall(r"\b555-(\d{4})\b", text):
            if not phone.startswith("01"):
                errors.append(f"{i}: phone 555-{phone} outside 555-01xx")
        for m in re.findall(r"\(?\b\d{3}\)?[ .-]\d{3}-\d{4}\b", text):
            if "555-01" not in m:
                errors.append(f"{i}: phone number {m} not fictional")
        for dom in re.findall(r"[\w.+-]+@([\w-]+(?:\.[\w-]+)+)", text):
            if not re.match(r"example\.(com|org|net)$", dom):
                errors.append(f"{i}: e-mail domain {dom}")
    for b, c in bodies.items():
        if c > 1:
            errors.append(f"duplicate body x{c}: {b[:60]}")

    rf = collections.Counter(r["red_flag"] for r in rows if r.get("red_flag"))
    rf_lang = collections.Counter((r["red_flag"], r["lang"]) for r in rows if r.get("red_flag"))
    traps = collections.Counter(r["trap"] for r in rows if r.get("trap"))
    tcat = collections.Counter(r["trap_category"] for r in rows if r.get("trap"))
    intents = collections.Counter(r.get("intent") for r in rows)
    langs = collections.Counter(r.get("lang") for r in rows)
    chans = collections.Counter(r.get("channel") for r in rows)
    kind = collections.Counter("red_flag" if r.get("red_flag") else "trap" if r.get("trap") else "ordinary"
                               for r in rows)

    print(f"{PATH.name}: {len(rows)} messages")
    table("kind", kind, ["red_flag", "trap", "ordinary"])
    print("\nred flags (en / es / total)")
    for c in CATS:
        print(f"  {c:28s} {rf_lang[(c, 'en')]:4d} {rf_lang[(c, 'es')]:4d} {rf[c]:4d}")
    print(f"  {'total':28s} {sum(rf.values()):14d}")
    table("traps by kind", traps, TRAPS)
    table("traps by category mimicked", tcat, CATS)
    table("intent", intents, INTENTS)
    table("language", langs, ["en", "es"])
    table("channel", chans, ["email", "sms"])
    print(f"\ntrap share {kind['trap'] / max(len(rows), 1):.1%}, "
          f"Spanish share {langs['es'] / max(len(rows), 1):.1%}")

    if len(rows) < MIN_TOTAL:
        errors.append(f"only {len(rows)} messages (< {MIN_TOTAL})")
    for c in CATS:
        if rf[c] < MIN_PER_CAT:
            errors.append(f"{c}: {rf[c]} positives (< {MIN_PER_CAT})")
    for it in INTENTS:
        if intents[it] < MIN_PER_INTENT:
            errors.append(f"{it}: {intents[it]} messages (< {MIN_PER_INTENT})")

    if errors:
        print("\nERRORS")
        for e in errors:
            print("  " + e)
        return 1
    print("\nOK")
    return 0


if __name__ == "__main__":
    sys.exit(main())
