#!/usr/bin/env python3
# ruff: noqa  (the set writer's own validator, kept as it was written)
"""Validate triage_blind17.jsonl against the blind labelling guide and print counts."""
import json, re, sys, collections, os

PATH = os.path.join(os.path.dirname(os.path.abspath(__file__)), 'triage_blind17.jsonl')
CATS = ['chest_pain', 'breathing', 'stroke', 'suicide_self_harm', 'severe_bleeding',
        'anaphylaxis', 'pregnancy_emergency', 'overdose_poisoning', 'infant_fever', 'head_injury']
KINDS = ['negation', 'history', 'family_history', 'hypothetical', 'idiom', 'clinical_term',
         'newsletter', 'quoted', 'signature', 'resolved']
INTENTS = ['clinical_question', 'appointment_book', 'appointment_change_cancel',
           'prescription_refill', 'test_results', 'records_forms', 'billing_insurance',
           'referral', 'other', 'spam_marketing']
FIELDS = ['id', 'lang', 'channel', 'subject', 'body', 'red_flag', 'trap', 'trap_category', 'intent']

errors = []
rows = []
with open(PATH, encoding='utf-8') as fh:
    for n, line in enumerate(fh, 1):
        if not line.strip():
            errors.append(f'line {n}: blank line'); continue
        try:
            r = json.loads(line)
        except json.JSONDecodeError as e:
            errors.append(f'line {n}: bad JSON: {e}'); continue
        if list(r.keys()) != FIELDS:
            errors.append(f'line {n}: fields {list(r.keys())}')
        rows.append(r)

ids = set(); bodies = collections.Counter()
for i, r in enumerate(rows, 1):
    rid = r.get('id')
    if r.get('id') != f'b17-{i:04d}':
        errors.append(f'{rid}: id out of sequence (expected b17-{i:04d})')
    if rid in ids: errors.append(f'{rid}: duplicate id')
    ids.add(rid)
    if r.get('lang') not in ('en', 'es'): errors.append(f'{rid}: lang {r.get("lang")}')
    ch = r.get('channel')
    if ch not in ('sms', 'email'): errors.append(f'{rid}: channel {ch}')
    if ch == 'sms' and r.get('subject') != '': errors.append(f'{rid}: sms with subject')
    if ch == 'email' and not (r.get('subject') or '').strip(): errors.append(f'{rid}: email without subject')
    body = r.get('body')
    if not isinstance(body, str) or not body.strip(): errors.append(f'{rid}: empty body')
    else: bodies[re.sub(r'\s+', ' ', body.strip().lower())] += 1
    rf, tr, tc = r.get('red_flag'), r.get('trap'), r.get('trap_category')
    if rf is not None and rf not in CATS: errors.append(f'{rid}: red_flag {rf}')
    if tr is not None and tr not in KINDS: errors.append(f'{rid}: trap {tr}')
    if tr is not None and rf is not None: errors.append(f'{rid}: trap with red_flag')
    if tr is not None and tc not in CATS: errors.append(f'{rid}: trap_category {tc}')
    if tr is None and tc is not None: errors.append(f'{rid}: trap_category without trap')
    if r.get('intent') not in INTENTS: errors.append(f'{rid}: intent {r.get("intent")}')
    if tr == 'newsletter' and r.get('intent') != 'spam_marketing':
        errors.append(f'{rid}: newsletter trap must be spam_marketing')
    text = (r.get('subject') or '') + '\n' + (body or '')
    # phones: any 3-4-digit group phone must be 555-01xx
    for m in re.finditer(r'(?<![\d$])(?:\(?\d{3}\)?[\s.-]?)?(\d{3})[\s.-](\d{4})(?!\d)', text):
        if not (m.group(1) == '555' and m.group(2).startswith('01')):
            errors.append(f'{rid}: phone not 555-01xx: {m.group(0)}')
    for m in re.finditer(r'[\w.+-]+@([\w-]+(?:\.[\w-]+)+)', text):
        if not m.group(1).lower().startswith('example.'):
            errors.append(f'{rid}: e-mail not example.*: {m.group(0)}')
    for m in re.finditer(r'\b(?:www\.)?([a-z0-9-]+)\.(?:com|org|net|info|biz|co)\b', text.lower()):
        if m.group(1) != 'example':
            errors.append(f'{rid}: domain not example.*: {m.group(0)}')
for b, c in bodies.items():
    if c > 1: errors.append(f'duplicate body x{c}: {b[:60]}')

# tables
def line(*cols): print(''.join(f'{c:<22}' if i == 0 else f'{c:>8}' for i, c in enumerate(cols)))
print(f'file: {PATH}\nmessages: {len(rows)}\n')
line('category', 'en', 'es', 'total', 'traps')
tot = collections.Counter()
for c in CATS:
    en = sum(1 for r in rows if r['red_flag'] == c and r['lang'] == 'en')
    es = sum(1 for r in rows if r['red_flag'] == c and r['lang'] == 'es')
    tp = sum(1 for r in rows if r['trap_category'] == c)
    tot.update(en=en, es=es, tp=tp)
    line(c, en, es, en + es, tp)
line('TOTAL', tot['en'], tot['es'], tot['en'] + tot['es'], tot['tp'])
ordinary = [r for r in rows if r['red_flag'] is None and r['trap'] is None]
print(f'\nred flags {tot["en"] + tot["es"]}, traps {tot["tp"]}, ordinary {len(ordinary)}\n')
line('trap kind', 'en', 'es', 'total')
for k in KINDS:
    en = sum(1 for r in rows if r['trap'] == k and r['lang'] == 'en')
    es = sum(1 for r in rows if r['trap'] == k and r['lang'] == 'es')
    line(k, en, es, en + es)
print()
line('intent', 'rf', 'trap', 'ord', 'total')
for it in INTENTS:
    a = sum(1 for r in rows if r['intent'] == it and r['red_flag'])
    b = sum(1 for r in rows if r['intent'] == it and r['trap'])
    c = sum(1 for r in rows if r['intent'] == it and not r['red_flag'] and not r['trap'])
    line(it, a, b, c, a + b + c)
print()
for key in ('lang', 'channel'):
    cnt = collections.Counter(r[key] for r in rows)
    print(key + ': ' + ', '.join(f'{k} {v} ({100 * v / len(rows):.0f}%)' for k, v in sorted(cnt.items())))
missing = [c for c in CATS if not any(r['red_flag'] == c for r in rows)] + \
          [k for k in KINDS if not any(r['trap'] == k for r in rows)] + \
          [i for i in INTENTS if not any(r['intent'] == i for r in rows)]
if missing: errors.append(f'vocabulary not covered: {missing}')
print()
if errors:
    print(f'FAIL: {len(errors)} problem(s)')
    for e in errors: print('  ' + e)
    sys.exit(1)
print('PASS')
