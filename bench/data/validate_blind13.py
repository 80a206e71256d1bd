#!/usr/bin/env python3
"""Validate triage_blind13.jsonl: JSON, fields, vocabulary, ids, duplicate bodies,
phones (555-01xx only) and e-mail addresses (example.* only); print count tables."""
import collections
import json
import os
import re
import sys

PATH = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(os.path.abspath(__file__)), 'triage_blind13.jsonl')
CATS = ['chest_pain', 'breathing', 'stroke', 'suicide_self_harm', 'severe_bleeding',
        'anaphylaxis', 'pregnancy_emergency', 'overdose_poisoning', 'infant_fever', 'head_injury']
TRAPS = ['negation', 'history', 'family_history', 'hypothetical', 'idiom', 'clinical_term',
         'newsletter', 'quoted', 'signature', 'resolved']
INTENTS = ['clinical_question', 'appointment_book', 'appointment_change_cancel',
           'prescription_refill', 'test_results', 'records_forms', 'billing_insurance',
           'referral', 'other', 'spam_marketing']
FIELDS = ['id', 'lang', 'channel', 'subject', 'body', 'red_flag', 'trap', 'trap_category', 'intent']
PHONE = re.compile(r'(?<![\d-])(?:\(?\d{3}\)?[ .-]?)?\d{3}[ .-]\d{4}(?![\d-])')
OK_PHONE = re.compile(r'^(?:\(?\d{3}\)?[ .-]?)?555[ .-]01\d\d$')
EMAIL = re.compile(r'[A-Za-z0-9._%+-]+@([A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+)')
OK_DOMAIN = re.compile(r'^(?:[A-Za-z0-9-]+\.)*example\.(?:com|org|net|edu)$', re.IGNORECASE)

errors = []
def err(n, msg):
    errors.append(f'line {n}: {msg}')

rows, ids, bodies = [], set(), {}
with open(PATH, encoding='utf-8') as fh:
    for n, line in enumerate(fh, 1):
        if not line.strip():
            err(n, 'blank line'); continue
        try:
            r = json.loads(line)
        except json.JSONDecodeError as e:
            err(n, f'bad JSON: {e}'); continue
        if list(r.keys()) != FIELDS:
            err(n, f'fields {list(r.keys())}')
            continue
        if not re.fullmatch(r'b13-\d{4}', r['id']): err(n, f'bad id {r["id"]}')
        if r['id'] in ids: err(n, f'duplicate id {r["id"]}')
        ids.add(r['id'])
        if r['lang'] not in ('en', 'es'): err(n, 'lang')
        if r['channel'] not in ('sms', 'email'): err(n, 'channel')
        if r['channel'] == 'sms' and r['subject'] != '': err(n, 'sms with subject')
        if r['channel'] == 'email' and not r['subject'].strip(): err(n, 'email without subject')
        if not isinstance(r['body'], str) or len(r['body'].strip()) < 15: err(n, 'body too short')
        if r['red_flag'] is not None and r['red_flag'] not in CATS: err(n, f'red_flag {r["red_flag"]}')
        if r['intent'] not in INTENTS: err(n, f'intent {r["intent"]}')
        if r['trap'] is not None:
            if r['trap'] not in TRAPS: err(n, f'trap {r["trap"]}')
            if r['red_flag'] is not None: err(n, 'trap with red_flag')
            if r['trap_category'] not in CATS: err(n, f'trap_category {r["trap_category"]}')
            if r['trap'] == 'newsletter' and r['intent'] != 'spam_marketing':
                err(n, 'newsletter trap not spam_marketing')
        elif r['trap_category'] is not None:
            err(n, 'trap_category without trap')
        key = re.sub(r'\s+', ' ', r['body'].strip().lower())
        if key in bodies: err(n, f'duplicate body of line {bodies[key]}')
        bodies[key] = n
        text = r['subject'] + '\n' + r['body']
        for m in PHONE.finditer(text):
            if not OK_PHONE.match(m.group(0)): err(n, f'phone not 555-01xx: {m.group(0)}')
        for m in EMAIL.finditer(text):
            if not OK_DOMAIN.match(m.group(1).rstrip('.')): err(n, f'e-mail not example.*: {m.group(0)}')
        rows.append(r)

expected = [f'b13-{i:04d}' for i in range(1, len(rows) + 1)]
if sorted(ids) != expected: errors.append(f'ids are not b13-0001..b13-{len(rows):04d} without gaps')

C = collections.Counter
rf = C((r['red_flag'], r['lang']) for r in rows if r['red_flag'])
tc = C(r['trap_category'] for r in rows if r['trap'])
print(f'{len(rows)} messages in {PATH}\n')
print(f'{"category":22} {"en":>4} {"es":>4} {"total":>6} {"traps":>6}')
for c in CATS:
    print(f'{c:22} {rf[(c,"en")]:4} {rf[(c,"es")]:4} {rf[(c,"en")]+rf[(c,"es")]:6} {tc[c]:6}')
ten, tes = sum(v for (c, l), v in rf.items() if l == 'en'), sum(v for (c, l), v in rf.items() if l == 'es')
print(f'{"TOTAL":22} {ten:4} {tes:4} {ten+tes:6} {sum(tc.values()):6}')
ordinary = sum(1 for r in rows if not r['red_flag'] and not r['trap'])
print(f'\nred flags {ten+tes}, traps {sum(tc.values())}, ordinary {ordinary}')
print('\ntrap kinds:')
for k, v in C(r['trap'] for r in rows if r['trap']).most_common(): print(f'  {k:16} {v}')
print('\nintents (all / red flags / traps / ordinary):')
for i in INTENTS:
    a = sum(1 for r in rows if r['intent'] == i)
    b = sum(1 for r in rows if r['intent'] == i and r['red_flag'])
    t = sum(1 for r in rows if r['intent'] == i and r['trap'])
    print(f'  {i:26} {a:4} {b:4} {t:4} {a-b-t:4}')
print('\nlanguages:', dict(C(r['lang'] for r in rows)))
print('channels: ', dict(C(r['channel'] for r in rows)))
if errors:
    print(f'\nFAIL: {len(errors)} problem(s)')
    for e in errors[:50]: print('  ' + e)
    sys.exit(1)
print('\nOK: all checks passed')
