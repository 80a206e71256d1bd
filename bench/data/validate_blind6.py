#!/usr/bin/env python3
"""Check bench/data/triage_blind6.jsonl against the labelling guide (TRIAGE_EVAL.md).

Checks: every line is a JSON object with exactly the expected fields, labels come from the
guide's vocabulary, ids follow the rf-/trap-/ord- scheme and agree with the labels, traps
have no red flag and carry a trap_category, SMS have no subject, no body is repeated,
e-mail addresses use example.* domains and 555-xxxx phone numbers are in 555-01xx; then the
brief's minimums: >= 22 true positives per category, >= 25% traps, >= 20 messages per
intent, Spanish between 30% and 50%. Prints the counts. Exit status 1 on any failure.

Usage: python3 bench/data/validate_blind6.py [path]
"""
import collections
import json
import re
import sys
from pathlib import Path

CATEGORIES = {"chest_pain", "breathing", "stroke", "suicide_self_harm", "severe_bleeding",
              "anaphylaxis", "pregnancy_emergency", "overdose_poisoning", "infant_fever",
              "head_injury"}
TRAPS = {"negation", "history", "family_history", "hypothetical", "idiom", "clinical_term",
         "newsletter", "quoted", "signature", "resolved"}
INTENTS = {"appointment_book", "appointment_change_cancel", "prescription_refill",
           "test_results", "billing_insurance", "records_forms", "referral",
           "clinical_question", "other", "spam_marketing"}
FIELDS = ["id", "lang", "channel", "subject", "body", "red_flag", "trap", "trap_category",
          "intent"]

MIN_PER_CATEGORY = 22
MIN_PER_INTENT = 20
MIN_TRAP_SHARE = 0.25
MIN_TOTAL = 450


def main(path):
    errors = []
    rows = []
    for n, line in enumerate(Path(path).read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            errors.append(f"line {n}: blank line")
            continue
        try:
            r = json.loads(line)
        except json.JSONDecodeError as e:
            errors.append(f"line {n}: bad JSON: {e}")
            continue
        if not isinstance(r, dict) or list(r) != FIELDS:
            errors.append(f"line {n}: fields {list(r) if isinstance(r, dict) else type(r)}")
            continue
        rows.append((n, r))

    ids = collections.Counter(r["id"] for _, r in rows)
    bodies = collections.Counter(" ".join(r["body"].lower().split()) for _, r in rows)
    for n, r in rows:
        where = f"line {n} ({r['id']})"
        if ids[r["id"]] > 1:
            errors.append(f"{where}: duplicate id")
        if bodies[" ".join(r["body"].lower().split())] > 1:
            errors.append(f"{where}: duplicate body")
        if r["lang"] not in ("en", "es"):
            errors.append(f"{where}: lang {r['lang']!r}")
        if r["channel"] not in ("email", "sms"):
            errors.append(f"{where}: channel {r['channel']!r}")
        if r["channel"] == "sms" and r["subject"] != "":
            errors.append(f"{where}: SMS with a subject")
        if r["channel"] == "email" and not r["subject"].strip():
            errors.append(f"{where}: e-mail without a subject")
        if not isinstance(r["body"], str) or len(r["body"].strip()) < 15:
            errors.append(f"{where}: body missing or too short")
        if r["intent"] not in INTENTS:
            errors.append(f"{where}: intent {r['intent']!r}")
        rf, trap, tcat = r["red_flag"], r["trap"], r["trap_category"]
        if rf is not None:
            if rf not in CATEGORIES:
                errors.append(f"{where}: red_flag {rf!r}")
            if trap is not None or tcat is not None:
                errors.append(f"{where}: red flag with trap fields")
            if not re.fullmatch(rf"rf-{re.escape(str(rf))}-\d\d", r["id"]):
                errors.append(f"{where}: id does not match red_flag")
        elif trap is not None:
            if trap not in TRAPS:
                errors.append(f"{where}: trap {trap!r}")
            if tcat not in CATEGORIES:
                errors.append(f"{where}: trap_category {tcat!r}")
            if not re.fullmatch(rf"trap-{re.escape(str(trap))}-\d\d", r["id"]):
                errors.append(f"{where}: id does not match trap")
            if trap == "newsletter" and r["intent"] != "spam_marketing":
                errors.append(f"{where}: newsletter trap not spam_marketing")
        else:
            if tcat is not None:
                errors.append(f"{where}: trap_category without trap")
            if not re.fullmatch(rf"ord-{re.escape(str(r['intent']))}-\d\d", r["id"]):
                errors.append(f"{where}: id does not match intent")
        text = r["subject"] + "\n" + r["body"]
        for addr in re.findall(r"[\w.+-]+@([\w-]+(?:\.[\w-]+)+)", text):
            if not re.search(r"(^|\.)example\.[a-z]+$", addr.lower()):
                errors.append(f"{where}: e-mail domain {addr} is not example.*")
        for a, b in re.findall(r"\b(\d{3})-(\d{4})\b", text):
            if a == "555" and not b.startswith("01"):
                errors.append(f"{where}: phone 555-{b} outside 555-01xx")
            elif a != "555":
                errors.append(f"{where}: phone-like number {a}-{b}")

    recs = [r for _, r in rows]
    total = len(recs)
    cat = collections.Counter(r["red_flag"] for r in recs if r["red_flag"])
    cat_lang = collections.Counter((r["red_flag"], r["lang"]) for r in recs if r["red_flag"])
    trap = collections.Counter(r["trap"] for r in recs if r["trap"])
    tcat = collections.Counter(r["trap_category"] for r in recs if r["trap"])
    intent = collections.Counter(r["intent"] for r in recs)
    lang = collections.Counter(r["lang"] for r in recs)
    chan = collections.Counter(r["channel"] for r in recs)
    kinds = collections.Counter("red flag" if r["red_flag"] else "trap" if r["trap"] else
                                "ordinary" for r in recs)

    def table(title, counter, extra=None):
        print(f"\n{title}")
        for k in sorted(counter, key=lambda k: (-counter[k], k)):
            more = extra(k) if extra else ""
            print(f"  {k:28s} {counter[k]:4d}{more}")

    print(f"{path}: {total} messages")
    table("kind", kinds)
    table("language", lang, lambda k: f"  ({lang[k] / total:.0%})")
    table("channel", chan)
    table("red-flag category (en/es)", cat,
          lambda k: f"  ({cat_lang[(k, 'en')]}/{cat_lang[(k, 'es')]})")
    table("trap kind", trap)
    table("trap category mimicked", tcat)
    table("intent", intent)

    if total < MIN_TOTAL:
        errors.append(f"only {total} messages (< {MIN_TOTAL})")
    for c in sorted(CATEGORIES):
        if cat[c] < MIN_PER_CATEGORY:
            errors.append(f"category {c}: {cat[c]} true positives (< {MIN_PER_CATEGORY})")
        if tcat[c] == 0:
            errors.append(f"no trap mimics {c}")
    for t in sorted(TRAPS):
        if trap[t] == 0:
            errors.append(f"no trap of kind {t}")
    if total and kinds["trap"] / total < MIN_TRAP_SHARE:
        errors.append(f"traps are {kinds['trap'] / total:.1%} (< 25%)")
    for i in sorted(INTENTS):
        if intent[i] < MIN_PER_INTENT:
            errors.append(f"intent {i}: {intent[i]} (< {MIN_PER_INTENT})")
    if total and not 0.30 <= lang["es"] / total <= 0.50:
        errors.append(f"Spanish share {lang['es'] / total:.0%} outside 30-50%")

    print(f"\ntrap share {kinds['trap'] / max(total, 1):.1%}")
    if errors:
        print(f"\n{len(errors)} problem(s):")
        for e in errors:
            print("  " + e)
        return 1
    print("OK")
    return 0


if __name__ == "__main__":
    default = Path(__file__).with_name("triage_blind6.jsonl")
    sys.exit(main(sys.argv[1] if len(sys.argv) > 1 else default))
