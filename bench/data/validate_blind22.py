#!/usr/bin/env python3
# ruff: noqa  (the set writer's own validator, kept as it was written)
"""Validate triage_blind22.jsonl and print count tables."""
import json, os, re, sys
from collections import Counter, defaultdict

PATH = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(os.path.abspath(__file__)), 'triage_blind22.jsonl')
CATS = ['chest_pain', 'breathing', 'stroke', 'suicide_self_harm', 'severe_bleeding',
        'anaphylaxis', 'pregnancy_emergency', 'overdose_poisoning', 'infant_fever', 'head_injury']
TRAPS = ['negation', 'history', 'family_history', 'hypothetical', 'idiom', 'clinical_term',
         'newsletter', 'quoted', 'signature', 'resolved']
INTENTS = ['appointment_book', 'appointment_change_cancel', 'prescription_refill', 'test_results',
           'records_forms', 'billing_insurance', 'referral', 'other', 'spam_marketing', 'clinical_question']
KEYS = ['id', 'lang', 'channel', 'subject', 'body', 'red_flag', 'trap', 'trap_category', 'intent']

errors = []
def err(n, msg): errors.append('line %d: %s' % (n, msg))

rows = []
with open(PATH, encoding='utf-8') as f:
    for n, line in enumerate(f, 1):
        if not line.strip():
            err(n, 'blank line'); continue
        try:
            r = json.loads(line)
        except Exception as e:
            err(n, 'bad JSON: %s' % e); continue
        if not isinstance(r, dict):
            err(n, 'not an object'); continue
        if sorted(r) != sorted(KEYS):
            err(n, 'keys %s' % sorted(r))
            continue
        rows.append((n, r))

ids = Counter(); bodies = defaultdict(list)
phone_re = re.compile(r'(?<!\d)(?:\(\d{3}\)\s*|\d{3}[-. ])?(\d{3})[-. ](\d{4})(?!\d)')
email_re = re.compile(r'[\w.+-]+@([\w-]+(?:\.[\w-]+)+)')
url_re = re.compile(r'\b(?:https?://)?([\w-]+\.(?:com|org|net|io|biz|co|mx|es|info))\b', re.I)
for n, r in rows:
    ids[r['id']] += 1
    if not re.fullmatch(r'b22-\d{4}', str(r['id'])): err(n, 'bad id %r' % r['id'])
    if r['lang'] not in ('en', 'es'): err(n, 'lang %r' % r['lang'])
    if r['channel'] not in ('sms', 'email'): err(n, 'channel %r' % r['channel'])
    for k in ('subject', 'body'):
        if not isinstance(r[k], str): err(n, '%s not a string' % k)
    if not r['body'].strip(): err(n, 'empty body')
    if r['channel'] == 'sms' and r['subject'] != '': err(n, 'sms with subject')
    if r['channel'] == 'email' and not r['subject'].strip(): err(n, 'email without subject')
    if r['intent'] not in INTENTS: err(n, 'intent %r' % r['intent'])
    rf, tr, tc = r['red_flag'], r['trap'], r['trap_category']
    if rf is not None and rf not in CATS: err(n, 'red_flag %r' % rf)
    if tr is not None:
        if tr not in TRAPS: err(n, 'trap %r' % tr)
        if rf is not None: err(n, 'trap with red_flag')
        if tc not in CATS: err(n, 'trap_category %r' % tc)
        if tr == 'newsletter' and r['intent'] != 'spam_marketing': err(n, 'newsletter not spam_marketing')
    elif tc is not None:
        err(n, 'trap_category without trap')
    text = r['subject'] + '\n' + r['body']
    bodies[re.sub(r'\s+', ' ', r['body'].strip().lower())].append(r['id'])
    for m in phone_re.finditer(text):
        if not (m.group(1) == '555' and m.group(2).startswith('01')):
            err(n, 'phone not 555-01xx: %r' % m.group(0))
    for m in email_re.finditer(text):
        dom = m.group(1).lower()
        if not dom.startswith('example.'): err(n, 'e-mail not example.*: %r' % m.group(0))
    for m in url_re.finditer(text):
        dom = m.group(1).lower()
        if not dom.startswith('example.'): err(n, 'web address not example.*: %r' % m.group(0))
for i, c in ids.items():
    if c > 1: errors.append('duplicate id %s' % i)
for b, l in bodies.items():
    if len(l) > 1: errors.append('duplicate body: %s' % ', '.join(l))
nums = sorted(int(i[4:]) for i in ids if re.fullmatch(r'b22-\d{4}', i))
if nums != list(range(1, len(nums) + 1)): errors.append('ids are not b22-0001..b22-%04d in sequence' % len(nums))

R = [r for _, r in rows]
print('file: %s' % PATH)
print('messages: %d   red flags: %d   traps: %d   ordinary: %d' % (
    len(R), sum(r['red_flag'] is not None for r in R), sum(r['trap'] is not None for r in R),
    sum(r['red_flag'] is None and r['trap'] is None for r in R)))
print()
print('%-22s %4s %4s %6s %6s' % ('category', 'en', 'es', 'total', 'traps'))
for c in CATS:
    en = sum(r['red_flag'] == c and r['lang'] == 'en' for r in R)
    es = sum(r['red_flag'] == c and r['lang'] == 'es' for r in R)
    tp = sum(r['trap_category'] == c for r in R)
    print('%-22s %4d %4d %6d %6d' % (c, en, es, en + es, tp))
print('%-22s %4d %4d %6d %6d' % ('all', sum(r['red_flag'] is not None and r['lang'] == 'en' for r in R),
      sum(r['red_flag'] is not None and r['lang'] == 'es' for r in R),
      sum(r['red_flag'] is not None for r in R), sum(r['trap'] is not None for r in R)))
print()
print('%-16s %4s %4s %6s' % ('trap kind', 'en', 'es', 'total'))
for t in TRAPS:
    en = sum(r['trap'] == t and r['lang'] == 'en' for r in R)
    es = sum(r['trap'] == t and r['lang'] == 'es' for r in R)
    print('%-16s %4d %4d %6d' % (t, en, es, en + es))
print()
print('%-26s %5s %5s %5s %6s' % ('intent', 'flag', 'trap', 'ord', 'total'))
for i in INTENTS:
    a = sum(r['intent'] == i and r['red_flag'] is not None for r in R)
    b = sum(r['intent'] == i and r['trap'] is not None for r in R)
    c = sum(r['intent'] == i and r['red_flag'] is None and r['trap'] is None for r in R)
    print('%-26s %5d %5d %5d %6d' % (i, a, b, c, a + b + c))
print()
lc = Counter(r['lang'] for r in R); cc = Counter(r['channel'] for r in R)
print('languages: ' + ', '.join('%s %d' % kv for kv in sorted(lc.items())))
print('channels:  ' + ', '.join('%s %d' % kv for kv in sorted(cc.items())))
print()
if errors:
    print('FAIL: %d problem(s)' % len(errors))
    for e in errors: print('  ' + e)
    sys.exit(1)
print('OK: all checks passed')
