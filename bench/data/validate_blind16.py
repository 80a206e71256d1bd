#!/usr/bin/env python3
# ruff: noqa  (the set writer's own validator, kept as it was written)
"""Validate triage_blind16.jsonl and print counts."""
import json, re, sys, collections, os
PATH = os.path.join(os.path.dirname(os.path.abspath(__file__)), 'triage_blind16.jsonl')
CATS = ['chest_pain','breathing','stroke','suicide_self_harm','severe_bleeding','anaphylaxis',
        'pregnancy_emergency','overdose_poisoning','infant_fever','head_injury']
KINDS = ['negation','history','family_history','hypothetical','idiom','clinical_term',
         'newsletter','quoted','signature','resolved']
INTENTS = ['appointment_book','appointment_change_cancel','prescription_refill','test_results',
           'records_forms','billing_insurance','referral','clinical_question','other','spam_marketing']
KEYS = ['id','lang','channel','subject','body','red_flag','trap','trap_category','intent']
errs = []
rows = []
for n, ln in enumerate(open(PATH, encoding='utf-8'), 1):
    try:
        r = json.loads(ln)
    except Exception as e:
        errs.append(f'line {n}: bad JSON {e}'); continue
    rows.append(r)
    if list(r.keys()) != KEYS: errs.append(f'line {n}: keys {list(r.keys())}')
    if r.get('id') != 'b16-%04d' % n: errs.append(f'line {n}: id {r.get("id")}')
    if r.get('lang') not in ('en','es'): errs.append(f'{r["id"]}: lang')
    if r.get('channel') not in ('sms','email'): errs.append(f'{r["id"]}: channel')
    if r['channel'] == 'sms' and r['subject']: errs.append(f'{r["id"]}: sms with subject')
    if r['channel'] == 'email' and not r['subject']: errs.append(f'{r["id"]}: email without subject')
    if not isinstance(r.get('body'), str) or not r['body'].strip(): errs.append(f'{r["id"]}: empty body')
    if r['red_flag'] is not None and r['red_flag'] not in CATS: errs.append(f'{r["id"]}: red_flag')
    if r['trap'] is not None:
        if r['trap'] not in KINDS: errs.append(f'{r["id"]}: trap kind')
        if r['red_flag'] is not None: errs.append(f'{r["id"]}: trap with red_flag')
        if r['trap_category'] not in CATS: errs.append(f'{r["id"]}: trap_category')
        if r['trap'] == 'newsletter' and r['intent'] != 'spam_marketing': errs.append(f'{r["id"]}: newsletter intent')
    elif r['trap_category'] is not None: errs.append(f'{r["id"]}: trap_category without trap')
    if r['intent'] not in INTENTS: errs.append(f'{r["id"]}: intent')
    text = r['subject'] + '\n' + r['body']
    for m in re.finditer(r'\(?\d{3}\)?[-. ]?\d{3}[-. ]\d{4}|\b\d{3}[-.]\d{4}\b', text):
        if not re.search(r'555[-. ]01\d\d$', m.group()): errs.append(f'{r["id"]}: phone {m.group()}')
    for m in re.finditer(r'[\w.+-]+@([\w-]+(\.[\w-]+)+)', text):
        if not m.group(1).lower().startswith('example.'): errs.append(f'{r["id"]}: email {m.group()}')
    for m in re.finditer(r'(?:https?://)?((?:[\w-]+\.)+(?:com|org|net|info|biz|co))\b', text):
        host = m.group(1).lower()
        if 'example.' not in host and '@' not in text[max(0,m.start()-1):m.start()]:
            errs.append(f'{r["id"]}: host {host}')
bodies = collections.Counter(re.sub(r'\s+', ' ', r['body'].strip().lower()) for r in rows)
for b, c in bodies.items():
    if c > 1: errs.append(f'duplicate body x{c}: {b[:60]}')
C = collections.Counter
print(f'{len(rows)} messages')
print(f'{"category":22} {"en":>4} {"es":>4} {"total":>6} {"traps":>6}')
for c in CATS:
    en = sum(1 for r in rows if r['red_flag']==c and r['lang']=='en')
    es = sum(1 for r in rows if r['red_flag']==c and r['lang']=='es')
    tr = sum(1 for r in rows if r['trap_category']==c)
    print(f'{c:22} {en:4} {es:4} {en+es:6} {tr:6}')
rf = [r for r in rows if r['red_flag']]
tr = [r for r in rows if r['trap']]
ordn = [r for r in rows if not r['red_flag'] and not r['trap']]
print(f'{"all red flags":22} {sum(r["lang"]=="en" for r in rf):4} {sum(r["lang"]=="es" for r in rf):4} {len(rf):6} {len(tr):6}')
print(f'\nred flags {len(rf)}, traps {len(tr)}, ordinary {len(ordn)}')
print('\ntrap kinds:'); [print(f'  {k:16} {C(r["trap"] for r in tr)[k]}') for k in KINDS]
print('\nintents (all / red flags / traps / ordinary):')
for i in INTENTS:
    print(f'  {i:26} {sum(r["intent"]==i for r in rows):4} {sum(r["intent"]==i for r in rf):4} {sum(r["intent"]==i for r in tr):4} {sum(r["intent"]==i for r in ordn):4}')
print('\nlanguages:', dict(C(r['lang'] for r in rows)))
print('channels:', dict(C(r['channel'] for r in rows)))
for k in KINDS:
    if not any(r['trap']==k for r in tr): errs.append(f'no trap of kind {k}')
for i in INTENTS:
    if not any(r['intent']==i for r in rows): errs.append(f'no message with intent {i}')
if errs:
    print('\nFAIL'); [print('  ' + e) for e in errs]; sys.exit(1)
print('\nPASS')
