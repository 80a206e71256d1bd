#!/usr/bin/env python3
"""Validate bench/data/triage_blind5.jsonl (format, vocabulary, counts, duplicates).

Checks only the data file; it never imports or runs the detector.
Usage: python3 bench/data/validate_blind5.py [path]
"""
import collections
import json
import re
import sys
from pathlib import Path

CATEGORIES = ["chest_pain", "breathing", "stroke", "suicide_self_harm", "severe_bleeding",
              "anaphylaxis", "pregnancy_emergency", "overdose_poisoning", "infant_fever",
              "head_injury"]
TRAPS = ["negation", "history", "family_history", "hypothetical", "idiom", "clinical_term",
         "newsletter", "quoted", "signature", "resolved"]
INTENTS = ["appointment_book", "appointment_change_cancel", "prescription_refill",
           "test_results", "billing_insurance", "records_forms", "referral",
           "clinical_question", "other", "spam_marketing"]
FIELDS = ["id", "lang", "channel", "subject", "body", "red_flag", "trap", "trap_category",
          "intent"]
MIN_PER_CATEGORY = 22
MIN_PER_INTENT = 20
MIN_TOTAL = 450
MIN_TRAP_SHARE = 0.25


def main(path):
    errors = []
    rows = []
    for n, line in enumerate(Path(path).read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            errors.append(f"line {n}: blank line")
            continue
        try:
            rows.append((n, json.loads(line)))
        except json.JSONDecodeError as e:
            errors.append(f"line {n}: bad JSON ({e})")

    ids, bodies = set(), {}
    for n, r in rows:
        where = f"line {n} ({r.get('id')})"
        missing = [f for f in FIELDS if f not in r]
        extra = [f for f in r if f not in FIELDS]
        if missing or extra:
            errors.append(f"{where}: missing {missing} extra {extra}")
            continue
        if r["id"] in ids:
            errors.append(f"{where}: duplicate id")
        ids.add(r["id"])
        if r["lang"] not in ("en", "es"):
            errors.append(f"{where}: lang {r['lang']!r}")
        if r["channel"] not in ("email", "sms"):
            errors.append(f"{where}: channel {r['channel']!r}")
        if r["channel"] == "sms" and r["subject"]:
            errors.append(f"{where}: sms with a subject")
        if not isinstance(r["body"], str) or not r["body"].strip():
            errors.append(f"{where}: empty body")
        if r["intent"] not in INTENTS:
            errors.append(f"{where}: intent {r['intent']!r}")
        rf, trap, tc = r["red_flag"], r["trap"], r["trap_category"]
        if rf is not None:
            if rf not in CATEGORIES:
                errors.append(f"{where}: red_flag {rf!r}")
            if trap is not None or tc is not None:
                errors.append(f"{where}: red flag with trap fields")
            if not r["id"].startswith(f"rf-{rf}-"):
                errors.append(f"{where}: id does not match red_flag")
        elif trap is not None:
            if trap not in TRAPS:
                errors.append(f"{where}: trap {trap!r}")
            if tc not in CATEGORIES:
                errors.append(f"{where}: trap_category {tc!r}")
            if not r["id"].startswith(f"trap-{trap}-"):
                errors.append(f"{where}: id does not match trap")
            if trap == "newsletter" and r["intent"] != "spam_marketing":
                errors.append(f"{where}: newsletter trap not spam_marketing")
        else:
            if tc is not None:
                errors.append(f"{where}: trap_category without trap")
            if not r["id"].startswith(f"ord-{r['intent']}-"):
                errors.append(f"{where}: id does not match intent")
        text = r["subject"] + "\n" + r["body"]
        for phone in re.findall(r"\b\d{3}-\d{4}\b", text):
            if not re.fullmatch(r"555-01\d\d", phone):
                errors.append(f"{where}: non-fictional phone {phone}")
        for dom in re.findall(r"@([\w.-]+)", text):
            if not re.match(r"example\.", dom):
                errors.append(f"{where}: non-reserved email domain {dom}")
        key = re.sub(r"\s+", " ", r["body"].strip().lower())
        if key in bodies:
            errors.append(f"{where}: duplicate body of {bodies[key]}")
        bodies[key] = r["id"]

    recs = [r for _, r in rows if all(f in r for f in FIELDS)]
    total = len(recs)
    by_cat = collections.Counter(r["red_flag"] for r in recs if r["red_flag"])
    by_trap = collections.Counter(r["trap"] for r in recs if r["trap"])
    by_trap_cat = collections.Counter(r["trap_category"] for r in recs if r["trap"])
    by_intent = collections.Counter(r["intent"] for r in recs)
    by_lang = collections.Counter(r["lang"] for r in recs)
    by_channel = collections.Counter(r["channel"] for r in recs)
    n_rf = sum(by_cat.values())
    n_trap = sum(by_trap.values())
    n_ord = total - n_rf - n_trap

    def table(title, counter, keys):
        print(f"\n{title}")
        for k in keys:
            print(f"  {k:28s} {counter.get(k, 0):4d}")

    print(f"total {total}: red flags {n_rf}, traps {n_trap} ({n_trap / max(total, 1):.1%}), "
          f"ordinary {n_ord}")
    print(f"lang: en {by_lang['en']} ({by_lang['en'] / max(total, 1):.1%}), "
          f"es {by_lang['es']} ({by_lang['es'] / max(total, 1):.1%}); "
          f"channel: email {by_channel['email']}, sms {by_channel['sms']}")
    table("red flags per category", by_cat, CATEGORIES)
    table("traps per kind", by_trap, TRAPS)
    table("traps per mimicked category", by_trap_cat, CATEGORIES)
    table("intents (all messages)", by_intent, INTENTS)
    es_cat = collections.Counter(r["red_flag"] for r in recs if r["red_flag"] and r["lang"] == "es")
    table("Spanish red flags per category", es_cat, CATEGORIES)

    if total < MIN_TOTAL:
        errors.append(f"only {total} messages (< {MIN_TOTAL})")
    for c in CATEGORIES:
        if by_cat[c] < MIN_PER_CATEGORY:
            errors.append(f"category {c}: {by_cat[c]} < {MIN_PER_CATEGORY}")
    for k in TRAPS:
        if by_trap[k] == 0:
            errors.append(f"trap kind {k} missing")
    if n_trap < MIN_TRAP_SHARE * total:
        errors.append(f"traps {n_trap} < {MIN_TRAP_SHARE:.0%} of {total}")
    for i in INTENTS:
        if by_intent[i] < MIN_PER_INTENT:
            errors.append(f"intent {i}: {by_intent[i]} < {MIN_PER_INTENT}")
    es_share = by_lang["es"] / max(total, 1)
    if not 0.33 <= es_share <= 0.47:
        errors.append(f"Spanish share {es_share:.1%} outside 33-47%")

    if errors:
        print(f"\n{len(errors)} problem(s):")
        for e in errors:
            print("  " + e)
        return 1
    print("\nOK")
    return 0


if __name__ == "__main__":
    default = Path(__file__).with_name("triage_blind5.jsonl")
    sys.exit(main(sys.argv[1] if len(sys.argv) > 1 else default))
