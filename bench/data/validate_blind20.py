#!/usr/bin/env python3
# ruff: noqa  (the set writer's own validator, kept as it was written)
"""Validate triage_blind20.jsonl (blind20) and print count tables."""
import json, re, sys, os, collections

PATH = os.path.join(os.path.dirname(os.path.abspath(__file__)), 'triage_blind20.jsonl')
CATS = ['chest_pain', 'breathing', 'stroke', 'suicide_self_harm', 'severe_bleeding',
        'anaphylaxis', 'pregnancy_emergency', 'overdose_poisoning', 'infant_fever', 'head_injury']
TRAPS = ['negation', 'history', 'family_history', 'hypothetical', 'idiom', 'clinical_term',
         'newsletter', 'quoted', 'signature', 'resolved']
INTENTS = ['clinical_question', 'appointment_book', 'appointment_change_cancel',
           'prescription_refill', 'test_results', 'records_forms', 'billing_insurance',
           'referral', 'other', 'spam_marketing']
KEYS = ['id', 'lang', 'channel', 'subject', 'body', 'red_flag', 'trap', 'trap_category', 'intent']
PHONE = re.compile(r'(?<!\d)(?:\(\d{3}\)\s*|\d{3}[-. ])?(\d{3})[-. ](\d{4})(?!\d)')
EMAIL = re.compile(r'[\w.+-]+@([\w-]+(?:\.[\w-]+)+)')

errors = []
def err(msg):
    errors.append(msg)

recs = []
with open(PATH, encoding='utf-8') as fh:
    for n, line in enumerate(fh, 1):
        if not line.strip():
            err(f'line {n}: blank line'); continue
        try:
            r = json.loads(line)
        except Exception as e:
            err(f'line {n}: bad JSON ({e})'); continue
        recs.append((n, r))

ids, bodies = set(), {}
for n, r in recs:
    if sorted(r) != sorted(KEYS):
        err(f'line {n}: keys {sorted(r)}')
        continue
    i = r['id']
    if not re.fullmatch(r'b20-\d{4}', i): err(f'line {n}: bad id {i}')
    if i in ids: err(f'line {n}: duplicate id {i}')
    ids.add(i)
    if r['lang'] not in ('en', 'es'): err(f'{i}: lang {r["lang"]}')
    if r['channel'] not in ('sms', 'email'): err(f'{i}: channel {r["channel"]}')
    if not isinstance(r['subject'], str) or not isinstance(r['body'], str): err(f'{i}: subject/body not str')
    if r['channel'] == 'sms' and r['subject'] != '': err(f'{i}: sms with subject')
    if r['channel'] == 'email' and not r['subject'].strip(): err(f'{i}: email without subject')
    if not r['body'].strip(): err(f'{i}: empty body')
    if r['intent'] not in INTENTS: err(f'{i}: intent {r["intent"]}')
    rf, tr, tc = r['red_flag'], r['trap'], r['trap_category']
    if rf is not None and rf not in CATS: err(f'{i}: red_flag {rf}')
    if tr is not None and tr not in TRAPS: err(f'{i}: trap {tr}')
    if tr is None and tc is not None: err(f'{i}: trap_category without trap')
    if tr is not None:
        if rf is not None: err(f'{i}: trap with red_flag')
        if tc not in CATS: err(f'{i}: trap_category {tc}')
    if tr == 'newsletter' and r['intent'] != 'spam_marketing': err(f'{i}: newsletter not spam_marketing')
    key = re.sub(r'\s+', ' ', r['body'].strip().lower())
    if key in bodies: err(f'{i}: duplicate body of {bodies[key]}')
    bodies[key] = i
    text = r['subject'] + '\n' + r['body']
    for m in PHONE.finditer(text):
        if m.group(1) != '555' or not m.group(2).startswith('01'):
            err(f'{i}: phone not 555-01xx: {m.group(0)}')
    for m in EMAIL.finditer(text):
        if not m.group(1).lower().startswith('example.'):
            err(f'{i}: e-mail not example.*: {m.group(0)}')
    for m in re.finditer(r'\b(?:https?://)?([\w-]+(?:\.[\w-]+)*\.(?:com|org|net|edu|biz))\b', text):
        dom = m.group(1).lower()
        if 'example.' not in dom: err(f'{i}: domain not example.*: {dom}')

# ids contiguous
nums = sorted(int(i[4:]) for i in ids)
if nums != list(range(1, len(nums) + 1)): err('ids not contiguous from b20-0001')

R = [r for _, r in recs]
N = len(R)
print(f'blind20: {N} messages\n')
print(f'{"category":22} {"en":>4} {"es":>4} {"total":>6} {"traps":>6}')
for c in CATS:
    en = sum(1 for r in R if r['red_flag'] == c and r['lang'] == 'en')
    es = sum(1 for r in R if r['red_flag'] == c and r['lang'] == 'es')
    tp = sum(1 for r in R if r['trap_category'] == c)
    print(f'{c:22} {en:4} {es:4} {en+es:6} {tp:6}')
pos = [r for r in R if r['red_flag']]
trp = [r for r in R if r['trap']]
ordn = [r for r in R if not r['red_flag'] and not r['trap']]
print(f'{"all red flags":22} {sum(r["lang"]=="en" for r in pos):4} {sum(r["lang"]=="es" for r in pos):4} {len(pos):6} {len(trp):6}')
print(f'\nred flags {len(pos)}, traps {len(trp)}, ordinary {len(ordn)}\n')
def table(title, key, rows, order=None):
    cnt = collections.Counter(key(r) for r in rows)
    print(title)
    for k in (order or sorted(cnt)):
        print(f'  {k:28} {cnt.get(k, 0):4}')
    print()
table('trap kinds:', lambda r: r['trap'], trp, TRAPS)
table('intents (all / red flags / traps / ordinary):', lambda r: r['intent'], R, INTENTS)
for name, rows in (('  red flags', pos), ('  traps', trp), ('  ordinary', ordn)):
    c = collections.Counter(r['intent'] for r in rows)
    print(name + ': ' + ', '.join(f'{k}={c[k]}' for k in INTENTS if c[k]))
print()
table('languages:', lambda r: r['lang'], R, ['en', 'es'])
table('channels:', lambda r: r['channel'], R, ['sms', 'email'])

if errors:
    print('FAIL')
    for e in errors: print('  ' + e)
    sys.exit(1)
for c in CATS:
    if not any(r['red_flag'] == c for r in R): print('FAIL: no', c); sys.exit(1)
for t in TRAPS:
    if not any(r['trap'] == t for r in R): print('FAIL: no trap', t); sys.exit(1)
for t in INTENTS:
    if not any(r['intent'] == t for r in R): print('FAIL: no intent', t); sys.exit(1)
print('PASS')
