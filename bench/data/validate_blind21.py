#!/usr/bin/env python3
# ruff: noqa  (the set writer's own validator, kept as it was written)
"""Validate triage_blind21.jsonl and print counts."""
import json, re, sys, collections, os

PATH = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(os.path.abspath(__file__)), 'triage_blind21.jsonl')
CATS = ['chest_pain', 'breathing', 'stroke', 'suicide_self_harm', 'severe_bleeding', 'anaphylaxis',
        'pregnancy_emergency', 'overdose_poisoning', 'infant_fever', 'head_injury']
TRAPS = ['negation', 'history', 'family_history', 'hypothetical', 'idiom', 'clinical_term',
         'newsletter', 'quoted', 'signature', 'resolved']
INTENTS = ['clinical_question', 'appointment_book', 'appointment_change_cancel', 'prescription_refill',
           'test_results', 'records_forms', 'billing_insurance', 'referral', 'other', 'spam_marketing']
KEYS = ['id', 'lang', 'channel', 'subject', 'body', 'red_flag', 'trap', 'trap_category', 'intent']

errors = []
recs = []
with open(PATH, encoding='utf-8') as f:
    for n, line in enumerate(f, 1):
        try:
            r = json.loads(line)
        except Exception as e:
            errors.append(f'line {n}: bad JSON: {e}')
            continue
        recs.append((n, r))

ids = set()
bodies = {}
phone_re = re.compile(r'(?<!\d)(?:\(?\d{3}\)?[\s.-]?)?(\d{3})[\s.-]?(\d{4})(?!\d)')
email_re = re.compile(r'[\w.+-]+@([\w-]+(?:\.[\w-]+)+)')
for n, r in recs:
    w = f'line {n} ({r.get("id")})'
    if list(r.keys()) != KEYS:
        errors.append(f'{w}: keys {list(r.keys())}')
        continue
    if not re.fullmatch(r'b21-\d{4}', r['id']):
        errors.append(f'{w}: bad id')
    if r['id'] in ids:
        errors.append(f'{w}: duplicate id')
    ids.add(r['id'])
    if r['lang'] not in ('en', 'es'):
        errors.append(f'{w}: lang')
    if r['channel'] not in ('sms', 'email'):
        errors.append(f'{w}: channel')
    if r['channel'] == 'sms' and r['subject'] != '':
        errors.append(f'{w}: sms with subject')
    if not isinstance(r['body'], str) or not r['body'].strip():
        errors.append(f'{w}: empty body')
    if r['red_flag'] is not None and r['red_flag'] not in CATS:
        errors.append(f'{w}: red_flag {r["red_flag"]}')
    if r['trap'] is not None:
        if r['trap'] not in TRAPS:
            errors.append(f'{w}: trap {r["trap"]}')
        if r['red_flag'] is not None:
            errors.append(f'{w}: trap with red_flag')
        if r['trap_category'] not in CATS:
            errors.append(f'{w}: trap_category {r["trap_category"]}')
        if r['trap'] == 'newsletter' and r['intent'] != 'spam_marketing':
            errors.append(f'{w}: newsletter not spam_marketing')
    elif r['trap_category'] is not None:
        errors.append(f'{w}: trap_category without trap')
    if r['intent'] not in INTENTS:
        errors.append(f'{w}: intent {r["intent"]}')
    key = re.sub(r'\s+', ' ', r['body'].strip().lower())
    if key in bodies:
        errors.append(f'{w}: duplicate body of line {bodies[key]}')
    bodies[key] = n
    text = r['subject'] + '\n' + r['body']
    for m in phone_re.finditer(text):
        if m.group(1) != '555' or not m.group(2).startswith('01'):
            errors.append(f'{w}: phone not 555-01xx: {m.group(0)}')
    for m in email_re.finditer(text):
        if not m.group(1).lower().startswith('example.'):
            errors.append(f'{w}: e-mail not example.*: {m.group(0)}')
    if re.search(r'https?://|www\.', text):
        for u in re.findall(r'(?:https?://|www\.)([\w.-]+)', text):
            if '.example.' not in '.' + u and not u.startswith('example.'):
                errors.append(f'{w}: url host not example: {u}')

ids_sorted = sorted(ids)
if ids_sorted != ['b21-%04d' % i for i in range(1, len(recs) + 1)]:
    errors.append('ids are not b21-0001..b21-%04d contiguous' % len(recs))

R = [r for _, r in recs]
print(f'{len(R)} messages')
print()
print(f'{"category":22} {"en":>4} {"es":>4} {"total":>6} {"traps":>6}')
for c in CATS:
    en = sum(1 for r in R if r['red_flag'] == c and r['lang'] == 'en')
    es = sum(1 for r in R if r['red_flag'] == c and r['lang'] == 'es')
    tr = sum(1 for r in R if r['trap_category'] == c)
    print(f'{c:22} {en:4} {es:4} {en+es:6} {tr:6}')
pos = [r for r in R if r['red_flag']]
traps = [r for r in R if r['trap']]
ords = [r for r in R if not r['red_flag'] and not r['trap']]
print(f'{"all red flags":22} {sum(r["lang"]=="en" for r in pos):4} {sum(r["lang"]=="es" for r in pos):4} {len(pos):6} {len(traps):6}')
print(f'ordinary (no flag, no trap): {len(ords)}')
print()
print('trap kinds:')
for k, v in collections.Counter(r['trap'] for r in traps).most_common():
    print(f'  {k:16} {v}')
print('intents (all / of which red flags):')
ci = collections.Counter(r['intent'] for r in R)
cp = collections.Counter(r['intent'] for r in pos)
for k in INTENTS:
    print(f'  {k:26} {ci[k]:4} {cp[k]:4}')
print('languages:', dict(collections.Counter(r['lang'] for r in R)))
print('channels: ', dict(collections.Counter(r['channel'] for r in R)))

if errors:
    print()
    print(f'FAIL: {len(errors)} problem(s)')
    for e in errors:
        print('  ' + e)
    sys.exit(1)
print()
print('OK')
