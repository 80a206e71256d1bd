#!/usr/bin/env python3
"""Check a blind triage set against the labelling guide and print its count tables.

    python bench/data/validate_blind.py 34                 # bench/data/triage_blind34.jsonl
    python bench/data/validate_blind.py 34 PATH.jsonl      # a set kept elsewhere (sealed)

The set's number gives the id scheme (`b34-0001`, `b34-0002`, ... in file order). Checked: one
JSON object a line with exactly the guide's keys in its order, the label vocabularies, a trap
never carrying a red flag, SMS without a subject and email with one, no body twice, phone
numbers only in the fictional 555-01xx range and mail only at example domains, both languages
in every category, every trap kind, an ordinary message for every intent. Exit 0 with PASS, or
1 with FAIL and one line per problem.
"""

from __future__ import annotations

import json
import os
import re
import sys
from collections import Counter, defaultdict

CATS = ["chest_pain", "breathing", "stroke", "suicide_self_harm", "severe_bleeding",
        "anaphylaxis", "pregnancy_emergency", "overdose_poisoning", "infant_fever", "head_injury"]
TRAPS = ["negation", "history", "family_history", "hypothetical", "idiom", "clinical_term",
         "newsletter", "quoted", "signature", "resolved"]
INTENTS = ["appointment_book", "appointment_change_cancel", "prescription_refill", "test_results",
           "records_forms", "billing_insurance", "referral", "clinical_question", "other",
           "spam_marketing"]
KEYS = ["id", "lang", "channel", "subject", "body", "red_flag", "trap", "trap_category", "intent"]
PHONE = re.compile(r"\(?\d{3}\)?[\s.-]?\d{3}[\s.-]\d{4}|\b\d{3}-\d{4}\b")
MAIL_DOMAIN = re.compile(r"[\w.+-]+@([\w-]+(?:\.[\w-]+)+)")


def check_row(r: dict, n: int, prefix: str) -> list[str]:
    if list(r.keys()) != KEYS:
        return [f"line {n}: keys {list(r.keys())}"]
    errs = []
    rid = r["id"]
    if rid != f"{prefix}-{n:04d}":
        errs.append(f"line {n}: id {rid}")
    if r["lang"] not in ("en", "es"):
        errs.append(f"{rid}: lang")
    if r["channel"] not in ("sms", "email"):
        errs.append(f"{rid}: channel")
    if r["channel"] == "sms" and r["subject"] != "":
        errs.append(f"{rid}: sms with subject")
    if r["channel"] == "email" and not r["subject"]:
        errs.append(f"{rid}: email without subject")
    if not isinstance(r["body"], str) or not r["body"].strip():
        errs.append(f"{rid}: empty body")
    if r["intent"] not in INTENTS:
        errs.append(f"{rid}: intent {r['intent']}")
    if r["red_flag"] is not None and r["red_flag"] not in CATS:
        errs.append(f"{rid}: red_flag")
    if r["trap"] is not None:
        if r["trap"] not in TRAPS:
            errs.append(f"{rid}: trap {r['trap']}")
        if r["red_flag"] is not None:
            errs.append(f"{rid}: trap with red_flag")
        if r["trap_category"] not in CATS:
            errs.append(f"{rid}: trap_category")
        if r["trap"] == "newsletter" and r["intent"] != "spam_marketing":
            errs.append(f"{rid}: newsletter intent")
    elif r["trap_category"] is not None:
        errs.append(f"{rid}: trap_category without trap")
    text = f"{r['subject']}\n{r['body']}"
    for phone in PHONE.findall(text):
        if not re.search(r"555[\s.-]01\d\d$", phone):
            errs.append(f"{rid}: phone {phone}")
    for domain in MAIL_DOMAIN.findall(text):
        if not domain.lower().startswith("example."):
            errs.append(f"{rid}: email domain {domain}")
    return errs


def validate(path: str, prefix: str) -> tuple[list[dict], list[str]]:
    rows: list[dict] = []
    errs: list[str] = []
    with open(path, encoding="utf-8") as f:
        for n, line in enumerate(f, 1):
            try:
                r = json.loads(line)
            except ValueError as e:
                errs.append(f"line {n}: bad JSON {e}")
                continue
            if not isinstance(r, dict):
                errs.append(f"line {n}: not an object")
                continue
            rows.append(r)
            errs.extend(check_row(r, n, prefix))
    rows = [r for r in rows if list(r.keys()) == KEYS]
    bodies = Counter(re.sub(r"\s+", " ", str(r["body"]).strip().lower()) for r in rows)
    errs.extend(f"duplicate body x{c}: {b[:60]}" for b, c in bodies.items() if c > 1)
    flagged: dict[str, Counter] = defaultdict(Counter)
    for r in rows:
        if r["red_flag"] in CATS:
            flagged[r["red_flag"]][r["lang"]] += 1
    errs.extend(f"category {c} lacks a language"
                for c in CATS if not flagged[c]["en"] or not flagged[c]["es"])
    errs.extend(f"trap kind {k} missing" for k in TRAPS if not any(r["trap"] == k for r in rows))
    errs.extend(f"intent {i} has no ordinary message" for i in INTENTS
                if not any(r["intent"] == i and not r["red_flag"] and not r["trap"] for r in rows))
    return rows, errs


def report(rows: list[dict]) -> None:
    print(f"{len(rows)} messages")
    print(f"\n{'category':22}{'en':>5}{'es':>5}{'total':>7}{'traps':>7}")
    flagged: dict[str, Counter] = defaultdict(Counter)
    traps: Counter = Counter()
    for r in rows:
        if r["red_flag"]:
            flagged[r["red_flag"]][r["lang"]] += 1
        if r["trap"]:
            traps[r["trap_category"]] += 1
    for c in CATS:
        en, es = flagged[c]["en"], flagged[c]["es"]
        print(f"{c:22}{en:>5}{es:>5}{en + es:>7}{traps[c]:>7}")
    en = sum(flagged[c]["en"] for c in CATS)
    es = sum(flagged[c]["es"] for c in CATS)
    print(f"{'TOTAL':22}{en:>5}{es:>5}{en + es:>7}{sum(traps.values()):>7}")
    print("\ntrap kinds:")
    for kind, count in Counter(r["trap"] for r in rows if r["trap"]).most_common():
        print(f"  {kind:16}{count:>5}")
    print("\nintents (all / red flags / traps / ordinary):")
    for i in INTENTS:
        a = sum(1 for r in rows if r["intent"] == i)
        b = sum(1 for r in rows if r["intent"] == i and r["red_flag"])
        t = sum(1 for r in rows if r["intent"] == i and r["trap"])
        print(f"  {i:28}{a:>5}{b:>5}{t:>5}{a - b - t:>5}")
    kinds = Counter("red_flag" if r["red_flag"] else "trap" if r["trap"] else "ordinary"
                    for r in rows)
    print("\nkinds:", dict(kinds))
    print("languages:", dict(Counter(r["lang"] for r in rows)))
    print("channels:", dict(Counter(r["channel"] for r in rows)))


def main(argv: list[str]) -> int:
    if not argv or not argv[0].isdigit() or len(argv) > 2:
        print("usage: validate_blind.py NUMBER [PATH.jsonl]", file=sys.stderr)
        return 2
    number = int(argv[0])
    here = os.path.dirname(os.path.abspath(__file__))
    path = argv[1] if len(argv) == 2 else os.path.join(here, f"triage_blind{number}.jsonl")
    try:
        rows, errs = validate(path, f"b{number}")
    except OSError as e:
        print(f"error: cannot read {path}: {e.strerror}", file=sys.stderr)
        return 1
    report(rows)
    if errs:
        print("\nFAIL")
        for e in errs:
            print(f"  {e}")
        return 1
    print("\nPASS")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
