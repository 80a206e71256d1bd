#!/usr/bin/env python3
"""Check bench/data/triage_blind9.jsonl (the ninth blind set) and print its tables.

Checks: valid JSON per line, exact field set, label vocabulary, `b9-` ids (unique, matching
the labels), trap rules, SMS subjects empty, no duplicate bodies, fictional phones/emails,
minimum counts; and counts how many messages of each category avoid the category's
textbook word (the brief asks for at least a third).  Exit status 1 on any failure.
Usage: python3 bench/data/validate_blind9.py [path]
"""
import collections
import json
import re
import sys
import unicodedata
from pathlib import Path

PATH = Path(sys.argv[1]) if len(sys.argv) > 1 else Path(__file__).with_name("triage_blind9.jsonl")
CATS = ["chest_pain", "breathing", "stroke", "suicide_self_harm", "severe_bleeding", "anaphylaxis",
        "pregnancy_emergency", "overdose_poisoning", "infant_fever", "head_injury"]
TRAPS = ["negation", "history", "family_history", "hypothetical", "idiom", "clinical_term",
         "newsletter", "quoted", "signature", "resolved"]
INTENTS = ["appointment_book", "appointment_change_cancel", "prescription_refill", "test_results",
           "billing_insurance", "records_forms", "referral", "clinical_question", "other",
           "spam_marketing"]
FIELDS = ["id", "lang", "channel", "subject", "body", "red_flag", "trap", "trap_category", "intent"]
MIN_RF, MIN_INTENT, MIN_TOTAL = 23, 22, 520

# The textbook name of each category, its close synonyms and (strictly) the body word the
# textbook phrase is built on (chest/pecho, breath/respirar/aire, allergy), accents folded.
TEXTBOOK = {
    "chest_pain": r"chest|pecho|torax|pain in (my |the |his |her )?chest|heart attack|dolor (de|en el) pecho|infarto|angina|coronary|cardiac arrest",
    "breathing": r"breath|respir|\baire\b|ahog|can'?t breathe?|cannot breathe|short(ness)? of breath|trouble breathing|difficulty breathing|no puedo respirar|dificultad para respirar|falta (el|de) aire|me ahogo|se ahoga|asthma attack|crisis de asma",
    "stroke": r"stroke|derrame|embolia|ictus|\btia\b|cerebrovascular|isquemico transitorio",
    "suicide_self_harm": r"suicid|wants? to die|morir|kill (my|him|her)self|end (my|his|her) life|end it|quitarme la vida|matarme|self[- ]harm|hurt(ing)? (my|him|her)self|hacerme dano|autolesi",
    "severe_bleeding": r"bleed|hemorrhag|hemorragia|sangrad|sangrand|\bsangra\b|\bsangrar\b",
    "anaphylaxis": r"anaphyla|allerg|alerg|anafila|allergic reaction|reaccion alergica|\breaction\b|\breacting\b|\breacted\b",
    "pregnancy_emergency": r"miscarr|aborto|eclampsia|ectopic|ectopico|\blabou?r\b|contraction|contraccion|waters? (broke|breaking)|rompio la fuente|bleed|sangrad|sangrand",
    "overdose_poisoning": r"overdos|too (many|much)|\bod'?d?\b|sobredosis|poison|envenen|intoxic|toxic",
    "infant_fever": r"fever|fiebre|calentura|febril",
    "head_injury": r"head injur|concussion|hit (his|her|my|the|their) head|head (hit|bounced)|conmocion|traumatismo|golpe\w* (en )?(la )?cabeza|(pego|dio|golpeo) (fuerte )?(en|con) la (cabeza|frente|nuca)",
}

def fold(s):
    s = unicodedata.normalize("NFKD", s.lower())
    return "".join(c for c in s if not unicodedata.combining(c)).replace("\u2019", "'")

def main():
    errs, recs, ids, bodies = [], [], set(), {}
    for n, line in enumerate(PATH.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            errs.append(f"line {n}: blank line"); continue
        try:
            r = json.loads(line)
        except json.JSONDecodeError as e:
            errs.append(f"line {n}: bad JSON: {e}"); continue
        if list(r) != FIELDS:
            errs.append(f"line {n}: fields {list(r)}"); continue
        e = []
        if not re.fullmatch(r"b9-(rf|trap|ord)-[a-z_]+-\d{2,3}", r["id"]): e.append("id format")
        if r["id"] in ids: e.append("duplicate id")
        ids.add(r["id"])
        if r["lang"] not in ("en", "es"): e.append("lang")
        if r["channel"] not in ("email", "sms"): e.append("channel")
        if r["channel"] == "sms" and r["subject"]: e.append("sms with subject")
        if not isinstance(r["body"], str) or len(r["body"].strip()) < 15: e.append("body")
        if r["intent"] not in INTENTS: e.append("intent")
        if r["red_flag"] is not None and r["red_flag"] not in CATS: e.append("red_flag")
        if r["trap"] is not None:
            if r["trap"] not in TRAPS: e.append("trap kind")
            if r["red_flag"] is not None: e.append("trap with red_flag")
            if r["trap_category"] not in CATS: e.append("trap_category")
            want = f"b9-trap-{r['trap']}-"
        else:
            if r["trap_category"] is not None: e.append("trap_category without trap")
            want = f"b9-rf-{r['red_flag']}-" if r["red_flag"] else f"b9-ord-{r['intent']}-"
        if not r["id"].startswith(want): e.append(f"id does not match labels ({want})")
        key = re.sub(r"\W+", " ", fold(r["body"])).strip()
        if key in bodies: e.append(f"duplicate body of {bodies[key]}")
        bodies[key] = r["id"]
        text = r["subject"] + "\n" + r["body"]
        for ph in re.findall(r"\b555-\d{4}\b", text):
            if not re.fullmatch(r"555-01\d\d", ph): e.append(f"phone {ph}")
        for dom in re.findall(r"@([\w.-]+)", text):
            if not re.match(r"example\.(com|org|net)$", dom): e.append(f"email domain {dom}")
        errs += [f"{r.get('id', n)}: {x}" for x in e]
        recs.append(r)

    C = collections.Counter
    def table(title, counter, keys):
        print(f"\n{title}")
        for k in keys:
            print(f"  {k!s:28} {counter.get(k, 0):4}")
        print(f"  {'total':28} {sum(counter.values()):4}")

    N = len(recs)
    rf = [r for r in recs if r["red_flag"]]
    tr = [r for r in recs if r["trap"]]
    od = [r for r in recs if not r["red_flag"] and not r["trap"]]
    print(f"{PATH.name}: {N} messages  red flags {len(rf)}  traps {len(tr)} ({len(tr)/N:.0%})  ordinary {len(od)}")
    print("\nred flags by category      en   es  total  without textbook word")
    for c in CATS:
        rs = [r for r in rf if r["red_flag"] == c]
        ind = sum(1 for r in rs if not re.search(TEXTBOOK[c], fold(r["subject"] + " " + r["body"])))
        en = sum(r["lang"] == "en" for r in rs)
        print(f"  {c:24} {en:3}  {len(rs)-en:3}  {len(rs):5}  {ind:3} ({ind/max(len(rs),1):.0%})")
        if len(rs) < MIN_RF: errs.append(f"{c}: only {len(rs)} red flags")
        if ind * 3 < len(rs): errs.append(f"{c}: only {ind} of {len(rs)} without the textbook word")
    print("\ntraps by kind              en   es  total")
    for k in TRAPS:
        rs = [r for r in tr if r["trap"] == k]
        en = sum(r["lang"] == "en" for r in rs)
        print(f"  {k:24} {en:3}  {len(rs)-en:3}  {len(rs):5}")
    print("\ntraps by mimicked category    n  without textbook word")
    tind = 0
    for c in CATS:
        rs = [r for r in tr if r["trap_category"] == c]
        ind = sum(1 for r in rs if not re.search(TEXTBOOK[c], fold(r["subject"] + " " + r["body"])))
        tind += ind
        print(f"  {c:24} {len(rs):4}  {ind:3}")
    print(f"  {'all traps':24} {len(tr):4}  {tind:3} ({tind/max(len(tr),1):.0%})")
    if tind * 3 < len(tr): errs.append(f"traps: only {tind} of {len(tr)} without the textbook word")
    ci = C(r["intent"] for r in recs)
    table("intent (all messages)", ci, INTENTS)
    for k in INTENTS:
        if ci[k] < MIN_INTENT: errs.append(f"intent {k}: only {ci[k]}")
    table("intent (ordinary messages only)", C(r["intent"] for r in od), INTENTS)
    table("language", C(r["lang"] for r in recs), ["en", "es"])
    table("channel", C(r["channel"] for r in recs), ["email", "sms"])
    if N < MIN_TOTAL: errs.append(f"only {N} messages")
    print()
    for e in errs: print("ERROR", e)
    print("OK" if not errs else f"{len(errs)} error(s)")
    return 1 if errs else 0

if __name__ == "__main__":
    sys.exit(main())
