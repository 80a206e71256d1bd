#!/usr/bin/env python3
# ruff: noqa  (the set writer's own validator, kept as it was written)
"""Validate triage_blind18.jsonl against the blind labelling guide and print counts."""
import json, re, sys, os
from collections import Counter, defaultdict

PATH = os.path.join(os.path.dirname(os.path.abspath(__file__)), 'triage_blind18.jsonl')
CATS = ['chest_pain','breathing','stroke','suicide_self_harm','severe_bleeding','anaphylaxis',
        'pregnancy_emergency','overdose_poisoning','infant_fever','head_injury']
TRAPS = ['negation','history','family_history','hypothetical','idiom','clinical_term',
         'newsletter','quoted','signature','resolved']
INTENTS = ['clinical_question','appointment_book','appointment_change_cancel','prescription_refill',
           'test_results','records_forms','billing_insurance','referral','other','spam_marketing']
KEYS = ['id','lang','channel','subject','body','red_flag','trap','trap_category','intent']

errors = []
def err(n, msg): errors.append(f'line {n}: {msg}')

recs, ids, bodies = [], set(), {}
with open(PATH, encoding='utf-8') as fh:
    for n, line in enumerate(fh, 1):
        if not line.strip():
            err(n, 'blank line'); continue
        try:
            r = json.loads(line)
        except json.JSONDecodeError as e:
            err(n, f'bad JSON: {e}'); continue
        if sorted(r) != sorted(KEYS):
            err(n, f'keys {sorted(r)}')
            continue
        if not re.fullmatch(r'b18-\d{4}', r['id']): err(n, f'bad id {r["id"]}')
        if r['id'] in ids: err(n, f'duplicate id {r["id"]}')
        ids.add(r['id'])
        if r['lang'] not in ('en','es'): err(n, f'lang {r["lang"]}')
        if r['channel'] not in ('sms','email'): err(n, f'channel {r["channel"]}')
        if r['channel'] == 'sms' and r['subject'] != '': err(n, 'sms with subject')
        if not isinstance(r['body'], str) or not r['body'].strip(): err(n, 'empty body')
        if r['red_flag'] is not None and r['red_flag'] not in CATS: err(n, f'red_flag {r["red_flag"]}')
        if r['trap'] is not None and r['trap'] not in TRAPS: err(n, f'trap {r["trap"]}')
        if r['trap'] is not None:
            if r['red_flag'] is not None: err(n, 'trap with red_flag')
            if r['trap_category'] not in CATS: err(n, f'trap_category {r["trap_category"]}')
            if r['trap'] == 'newsletter' and r['intent'] != 'spam_marketing': err(n, 'newsletter not spam_marketing')
        elif r['trap_category'] is not None: err(n, 'trap_category without trap')
        if r['intent'] not in INTENTS: err(n, f'intent {r["intent"]}')
        key = re.sub(r'\s+', ' ', r['body'].strip().lower())
        if key in bodies: err(n, f'duplicate body of line {bodies[key]}')
        bodies[key] = n
        text = r['subject'] + '\n' + r['body']
        for m in re.finditer(r'\b555-?\d{4}\b|\(?\b\d{3}\)?[ .-]\d{3}[ .-]\d{4}\b|\b\d{3}-\d{4}\b', text):
            tail = re.sub(r'\D', '', m.group())[-4:]
            s = m.group()
            if '555' not in s or not tail.startswith('01'):
                # allow the national poison line 1-800-222-1222 only
                if '222-1222' not in s and '800' not in s:
                    err(n, f'phone not 555-01xx: {s}')
        for m in re.finditer(r'[\w.+-]+@([\w-]+)\.[\w.]+', text):
            if m.group(1).lower() != 'example': err(n, f'email not example.*: {m.group()}')
        for m in re.finditer(r'(?:https?://)?\b([\w-]+(?:\.[\w-]+)*)\.(com|net|org|biz)\b', text):
            host = m.group(1).lower().split('.')[-1]
            if host != 'example': err(n, f'domain not example.*: {m.group()}')
        recs.append(r)

ids_expected = {f'b18-{i:04d}' for i in range(1, len(recs) + 1)}
if ids != ids_expected: errors.append('ids are not a contiguous b18-0001.. range')

rf = [r for r in recs if r['red_flag']]
tr = [r for r in recs if r['trap']]
od = [r for r in recs if not r['red_flag'] and not r['trap']]
print(f'records {len(recs)}: red flags {len(rf)}, traps {len(tr)}, ordinary {len(od)}\n')
print(f'{"category":22s} {"en":>4s} {"es":>4s} {"total":>6s} {"traps":>6s}')
for c in CATS:
    en = sum(1 for r in rf if r['red_flag'] == c and r['lang'] == 'en')
    es = sum(1 for r in rf if r['red_flag'] == c and r['lang'] == 'es')
    t = sum(1 for r in tr if r['trap_category'] == c)
    print(f'{c:22s} {en:4d} {es:4d} {en+es:6d} {t:6d}')
en = sum(1 for r in rf if r['lang'] == 'en'); es = len(rf) - en
print(f'{"TOTAL":22s} {en:4d} {es:4d} {len(rf):6d} {len(tr):6d}\n')
print('trap kinds:')
for k, v in Counter(r['trap'] for r in tr).most_common(): print(f'  {k:16s} {v:4d}')
print('\nintents (all / red flags / traps / ordinary):')
for i in INTENTS:
    print(f'  {i:26s} {sum(r["intent"]==i for r in recs):4d} {sum(r["intent"]==i for r in rf):4d} '
          f'{sum(r["intent"]==i for r in tr):4d} {sum(r["intent"]==i for r in od):4d}')
print('\nlanguages:', dict(Counter(r['lang'] for r in recs)))
print('channels: ', dict(Counter(r['channel'] for r in recs)))
if errors:
    print('\nFAIL'); [print('  ' + e) for e in errors]; sys.exit(1)
print('\nOK')
