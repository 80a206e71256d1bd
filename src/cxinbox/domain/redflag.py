"""Red-flag detection: does the patient describe an emergency *now*, and of which kind?

The algorithm is ConText (Harkema et al., 2009; the one medspaCy implements) over our own
English and Spanish lexicons (redflag_lexicon.py): find target phrases (and concept pairs,
"chest" near "squeezing"), drop those whose anchor words sit inside a pseudo-trigger
(idioms, clinical terms), then look for modifiers in the same clause, before the target
(forward), after it (backward) or either side, within a few words and never past a
sentence end or a terminator ("but", "pero"). Negated, historical (including family
history) and hypothetical targets are set aside unless the clause also says the symptom is
current ("again", "right now", "desde anoche"); a question about a symptom ("how would I
know if I'm having a stroke?") stays hypothetical. A mailing (by its headers or its
unsubscribe lines) raises no flag. Three checks read past the clause: a hedge ("figuratively
speaking", "es un decir") makes its whole sentence a figure of speech (never thoughts of
ending one's life); a symptom asked on
its own after a question about which signs matter ("what should send me in? bleeding?") is
hypothetical; and a later sentence that says the episode is over sets it aside when it was
seen to or is days behind and nothing after it says it is still going or back.

Why our own ConText and not medspaCy or negspacy (measured here, Dec 2026, in a scratch
virtualenv; see the report of the change that added this module):
- medspaCy 1.3.1 with spaCy 3.7 and a blank tokenizer installs 283 MB (numpy, thinc, spaCy,
  PyRuSH, QuickUMLS support); `import spacy, medspacy` takes 0.8-1.2 s and a pipeline with
  the target matcher, three rules and ConText 3 ms p50 / 6 ms p95 per message. Ours needs
  nothing installed, imports in tens of milliseconds, compiles its lexicons once per
  process (about 0.2 s) and then takes about 1 ms per message (p95 about 1 ms of CPU on
  the development set; see tests/test_triage.py for the 20 ms p95 check).
- Spanish: medspaCy ships ConText rules for English only (its resources/es file holds zero
  rules); negspacy's termsets are English only. Every Spanish rule would be ours anyway.
- Its default rules are written for clinical notes ("denies", "r/o", "h/o"), not patient
  mail ("no chest pain anymore", "my dad had a stroke", "what if I get chest pain").
- PyRuSH, medspaCy's sentence splitter, logs every token of the text at DEBUG through
  loguru to stderr by default: patient text in a log line, which this project forbids.
What we keep from it: the algorithm (targets, pseudo-targets, modifier kinds, directions,
scopes ending at sentence boundaries and terminators) and lexicons as reviewable data.

Pure: no I/O. Text is folded (lower case, accents off) with a map back to the patient's
own characters, so `matched` quotes what they wrote.
"""

from __future__ import annotations

import re
import unicodedata
from bisect import bisect_right
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache, lru_cache
from typing import Final, Literal

from cxinbox.domain import redflag_lexicon as lex
from cxinbox.domain.regexneed import NeedIndex, compiled
from cxinbox.domain.wordscan import Family, WordPattern, possible

Status = Literal["current", "negated", "historical", "hypothetical", "pseudo", "bulk"]

FORWARD_WORDS: Final = 6
"""Words a forward modifier reaches ("I don't have any fever, cough or chest pain")."""
BACKWARD_WORDS: Final = 5
SUBJECT_WORDS: Final = 10
"""Words a backward negation reaches when the symptom opens its clause, as the subject of
a verb of ending ("the hives from the bee sting on friday went away")."""
CURRENT_WORDS: Final = 6
"""Words a "now" reaches: "preeclampsia in my first pregnancy, now pregnant *again*" dates
the pregnancy, not the preeclampsia."""
SHORT_LINE: Final = 50
"""A line break ends a clause after a line shorter than this (texts, lists); longer lines
are wrapped prose and a phrase may continue on the next one."""
BULK_CUES_NEEDED: Final = 2
NEGATED_INSIDE: Final = frozenset({"chest_pain", "head_injury"})
"""Categories whose targets never hold a negation of their own, so one between a target's
words denies it ("my chest isn't hurting", "fell but did not hit his head"); others say
theirs ("baby isn't moving")."""


@dataclass(frozen=True, slots=True)
class Finding:
    """One target phrase and what its context made of it."""

    category: str
    matched: str  # the patient's own words
    start: int  # in the text given to `find`
    end: int
    status: Status
    modifier: str = ""  # the modifier's words (or the pseudo phrase) that decided it


@dataclass(frozen=True, slots=True)
class _Compiled:
    targets: tuple[tuple[str, WordPattern], ...]
    cued: tuple[tuple[str, WordPattern, str], ...]
    # which targets (and cued targets) a text's answer from _TARGETS leaves in
    targets_left: Family
    cued_left: Family
    cues: dict[str, WordPattern]
    older_age: WordPattern
    not_pregnant: WordPattern
    pseudo: WordPattern
    modifiers: tuple[tuple[str, str, WordPattern], ...]
    terminators: WordPattern
    breakers: WordPattern
    bulk: tuple[WordPattern, ...]
    strong_bulk: tuple[WordPattern, ...]
    recategorise: tuple[tuple[str, str, WordPattern], ...]
    figurative: WordPattern
    ended: WordPattern
    days_behind: WordPattern
    sign_question: WordPattern


_TARGETS: Final = NeedIndex()
"""The target patterns' own prefilter index (wordscan.py): one answer per text for them."""
_BULK: Final = NeedIndex()
"""The mailing cues' own prefilter index."""


@cache
def _compiled() -> _Compiled:
    targets = tuple((c, WordPattern(p, _TARGETS)) for c, p in lex.TARGETS)
    cued = tuple((c, WordPattern(p, _TARGETS), cue) for c, p, cue in lex.CUED_TARGETS)
    return _Compiled(
        targets=targets,
        cued=cued,
        targets_left=Family([p for _c, p in targets], _TARGETS),
        cued_left=Family([p for _c, p, _cue in cued], _TARGETS),
        cues={name: WordPattern(p) for name, p in lex.CUES.items()},
        older_age=WordPattern(lex.OLDER_AGE),
        not_pregnant=WordPattern(lex.NOT_PREGNANT),
        # a few hundred alternatives, read for their spans: each text is scanned with the
        # few it could match (wordscan._Split)
        pseudo=WordPattern("|".join(lex.PSEUDO), split=True),
        modifiers=tuple((k, d, WordPattern(p)) for k, d, p in lex.MODIFIERS),
        terminators=WordPattern(lex.TERMINATORS),
        breakers=WordPattern(lex.NEGATION_BREAKERS),
        # read over a text nothing else reads (subject and body together): an index of
        # their own, asked once per text, so the cues it holds none of are not scanned
        bulk=tuple(WordPattern(p, _BULK) for p in lex.BULK_CUES),
        strong_bulk=tuple(WordPattern(p, _BULK) for p in lex.STRONG_BULK_CUES),
        recategorise=tuple((a, b, WordPattern(p)) for a, b, p in lex.RECATEGORISE),
        figurative=WordPattern(lex.FIGURATIVE),
        # thirty alternatives read for their spans, filed nowhere (a few need nothing the
        # index can hold) and so scanned whole over most messages: split like the pseudo
        # phrases, each text is scanned with the alternatives it could match
        ended=WordPattern(lex.EPISODE_ENDED, split=True),
        days_behind=WordPattern(lex.DAYS_BEHIND),
        sign_question=WordPattern(lex.SIGN_QUESTION),
    )


@lru_cache(maxsize=8)
def fold(text: str) -> tuple[str, list[int] | None]:
    """Lower case without accents, apostrophes made plain, key words spelt as they sound
    put back in their spelling (`respell`), and for each folded character the index of the
    original one (None: the same index). The last few answers are kept (triage folds one
    message's text in several places): callers must not change the list."""
    return respell(*_fold_letters(text))


def _fold_letters(text: str) -> tuple[str, list[int] | None]:
    if text.isascii():
        return text.lower().replace("`", "'"), None
    out: list[str] = []
    where: list[int] = []
    for i, ch in enumerate(text):
        if ch in "\u2018\u2019\u02bc\u00b4`":
            ch = "'"
        elif ch == "\ufffd":
            # a byte lost to decoding ("ni\ufffdo", once "niño") is a letter of its word,
            # never a word break: "ni" + "o" read "ni" as a negation
            out.append("_")
            where.append(i)
            continue
        for part in unicodedata.normalize("NFKD", ch):
            if unicodedata.combining(part):
                continue
            for low in part.lower():
                out.append(low)
                where.append(i)
    return "".join(out), where


@cache
def _respellings() -> tuple[dict[str, str], dict[str, tuple[frozenset[str], str]]]:
    """Sound-alike spelling -> spelling (lex.RESPELL_*), and the words respelt only beside
    others (lex.RESPELL_EN_AFTER)."""
    canon = set(lex.RESPELL_ES_WORDS.split())
    table: dict[str, str] = {}
    for word in sorted(canon):
        frontier = {word}
        for _round in range(2):
            grown = set()
            for w in frontier:
                for pattern, spelt in lex.RESPELL_ES_RULES:
                    for m in re.finditer(pattern, w):
                        grown.add(w[:m.start()] + spelt + w[m.end():])
            for v in sorted(grown):
                if v not in canon and v not in lex.RESPELL_NOT and len(v) > 2:
                    table.setdefault(v, word)
            frontier = grown
    table.update(lex.RESPELL_ES)
    table.update(lex.RESPELL_EN)
    beside = {w: (frozenset(after.split()), spelt) for w, after, spelt in lex.RESPELL_EN_AFTER}
    return table, beside


_SPELT_WORD: Final = compiled(r"[a-z]+(?:'[a-z]+)?")
_ARTICLE_BEFORE: Final = compiled(r"\b(?:my|his|her|their|the|your|our|a|on|in|to) $")


def respell(folded: str, where: list[int] | None) -> tuple[str, list[int] | None]:
    """Folded text with its sound-alike spellings of key words put right ("bleding",
    "chess pain", "se golpio la caveza"), and the map to the original characters kept: a
    respelt word's letters all point into the word the patient wrote."""
    table, beside = _respellings()
    words = list(_SPELT_WORD.finditer(folded))
    changes: list[tuple[int, int, str]] = []
    for i, m in enumerate(words):
        word = m.group()
        spelt = table.get(word)
        if spelt is None and word in beside:
            after, candidate = beside[word]
            if after:
                nxt = words[i + 1] if i + 1 < len(words) else None
                if nxt is not None and nxt.start() == m.end() + 1 and nxt.group() in after:
                    spelt = candidate
            elif _ARTICLE_BEFORE.search(folded, max(0, m.start() - 8), m.start()):
                spelt = candidate
        if spelt is not None:
            changes.append((m.start(), m.end(), spelt))
    if not changes:
        return folded, where
    index = where if where is not None else list(range(len(folded)))
    out: list[str] = []
    mapped: list[int] = []
    last = 0
    for start, end, spelt in changes:
        out.append(folded[last:start])
        mapped.extend(index[last:start])
        out.append(spelt)
        # the last letter points at the written word's last (a shorter spelling, "carita"
        # read as "cara", still quotes the whole word)
        mapped.extend(index[min(start + k, end - 1) if k < len(spelt) - 1 else end - 1]
                      for k in range(len(spelt)))
        last = end
    out.append(folded[last:])
    mapped.extend(index[last:])
    return "".join(out), mapped


def is_bulk(folded: str) -> bool:
    """Reads like a newsletter, an advert or a public-health mailing."""
    c = _compiled()
    if any(pattern.search(folded) for pattern in c.strong_bulk):
        return True
    hits = 0
    for pattern in c.bulk:
        if pattern.search(folded):
            hits += 1
            if hits >= BULK_CUES_NEEDED:
                return True
    return False


def find(text: str, *, bulk: bool | None = None, setting: str = "") -> list[Finding]:
    """Every red-flag target in `text` (the patient's new text) with its context status,
    in text order. `bulk` says whether the message is a mailing (None: judge by the text).
    `setting`: words that are not the patient's but say who the message is about (a reply's
    subject, "Re: 4 month checkup"): read for cues (a baby, a pregnancy) only, never for a
    symptom."""
    c = _compiled()
    folded, where = fold(text)
    if bulk is None:
        bulk = is_bulk(folded)
    spans = _capped(_targets(folded, c, fold(setting)[0] if setting else ""))
    if not spans:
        return []
    pseudo, figures, bounds, mods = _scopes(folded)
    findings = []
    for category, start, end in spans:
        matched = _original(text, where, start, end)
        # A pseudo phrase rules a target out when it holds one of the target's ends (its
        # anchor words): "chest x-ray ... pain" is out, "swallowed my blood pressure pills"
        # is not.
        cover = next(((a, b) for a, b in (pseudo if category in NOT_A_FIGURE else pseudo + figures)
                      if a <= start < b or a < end <= b), None)
        if bulk:
            findings.append(Finding(category, matched, start, end, "bulk"))
        elif cover is not None:
            findings.append(Finding(category, matched, start, end, "pseudo",
                                    _original(text, where, *cover)))
        else:
            status, modifier = _context(folded, category, start, end, bounds, mods, c)
            denial = c.not_pregnant.search(folded)
            if category == "pregnancy_emergency" and status == "current" and denial:
                # "not pregnant", "trying to conceive": no pregnancy to be in danger
                status, modifier = "negated", (denial.start(), denial.end())
            for old, new, cue in c.recategorise:
                if category == old and status == "current" and cue.search(folded) \
                        and not (new == "pregnancy_emergency" and denial):
                    category = new
            findings.append(Finding(category, matched, start, end, status,
                                    _original(text, where, *modifier) if modifier else ""))
    return findings


def first_current(findings: list[Finding],
                  kept: Callable[[Finding], bool] | None = None) -> Finding | None:
    """The finding that names the message: current ones only, the most specific category
    first (lex.PRIORITY), then the earliest. `kept`: whether a current finding may name it
    (a judge that sets some aside), asked of them in that order until one is kept: the one
    keeping them all first would name, without asking of the findings after it."""
    current = [f for f in findings if f.status == "current"]
    if not current:
        return None
    if kept is None:
        return min(current, key=_naming_order)
    # sorted() keeps the findings' order among equal keys, as min() picks the first of them
    return next((f for f in sorted(current, key=_naming_order) if kept(f)), None)


def _naming_order(finding: Finding) -> tuple[int, int]:
    return lex.PRIORITY.index(finding.category), finding.start


# -- targets -------------------------------------------------------------------------------


def _targets(folded: str, c: _Compiled, setting: str = "") -> list[tuple[str, int, int]]:
    found: list[tuple[str, int, int]] = []
    answer = possible(folded, _TARGETS)  # the patterns that cannot match are not run
    targets = c.targets
    for i in c.targets_left.left_in(answer):
        category, pattern = targets[i]
        found.extend((category, m.start(), m.end()) for m in pattern.scan(folded))
    cue_text = f"{setting}\n{folded}" if setting else folded
    cued: dict[str, bool] = {}  # each cue read once per text, however many targets share it
    for i in c.cued_left.left_in(answer):
        category, pattern, cue = c.cued[i]
        if cued.get(cue) is False:
            continue
        # the cue is read only once a target needing it is found: it adds no target of
        # its own, and most texts that could hold a cued target hold none (the cue's
        # reading, an infant's age, was most of the cost)
        spans = [(category, m.start(), m.end()) for m in pattern.scan(folded)]
        if not spans:
            continue
        if cue not in cued:
            cued[cue] = _has_cue(cue_text, cue, c)
        if cued[cue]:
            found.extend(spans)
    # two patterns that match the same words make one target, not two
    found = sorted({(category, start, _word_end(folded, end)) for category, start, end in found},
                   key=lambda t: (t[1], -t[2], t[0]))
    return found


TARGETS_PER_CATEGORY: Final = 10
"""At most this many targets of one category are read, the first in the text: every
target's context reads its whole clause and paragraph, so a text repeating one symptom
thousands of times ("chest pain chest pain ...", pasted logs) would cost time growing
with the square of its length and stall ingest; ten mentions of one category tell the
story of any message a patient writes."""


def _capped(spans: list[tuple[str, int, int]]) -> list[tuple[str, int, int]]:
    seen: dict[str, int] = {}
    kept = []
    for span in spans:
        seen[span[0]] = seen.get(span[0], 0) + 1
        if seen[span[0]] <= TARGETS_PER_CATEGORY:
            kept.append(span)
    return kept


def _word_end(folded: str, end: int) -> int:
    """A match that stops inside a word ("hurt" of "hurting") quotes the whole word."""
    while end < len(folded) and folded[end].isalnum() and end > 0 and folded[end - 1].isalnum():
        end += 1
    return end


_NUMBER_WORDS: Final = {"one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6,
                        "seven": 7, "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "un": 1,
                        "una": 1, "dos": 2, "tres": 3, "cuatro": 4, "cinco": 5, "seis": 6}
_STRONG_INFANT: Final = compiled(r"\b(?:newborn|new born|infant|recien nacid|neonat|"
                                   r"\d+ ?-?(?:days?|weeks?|wks?|dias|diitas|semanas|semanitas)\b)")


def _has_cue(folded: str, cue: str, c: _Compiled) -> bool:
    if cue == "pregnancy":
        return bool(c.cues[cue].search(folded)) and not c.not_pregnant.search(folded)
    if cue != "infant":
        return bool(c.cues[cue].search(folded))
    infant = any(_infant_age(m.group()) for m in c.cues[cue].finditer(folded))
    if not infant:
        return False
    return not c.older_age.search(folded) or bool(_STRONG_INFANT.search(folded))


_AGE_NUMBER: Final = compiled(r"(\d+|[a-z]+)[ -]?(?:days?|weeks?|wks?|months?|mos?|dias|"
                                r"diitas|semanas|semanitas|mes|meses|mesecitos|mesesitos)\b")


def _infant_age(phrase: str) -> bool:
    """An infant cue phrase, unless it gives an age past the first year ("18 months")."""
    head = _AGE_NUMBER.search(phrase)
    word = head.group(1) if head else ""
    number = int(word) if word.isdigit() else _NUMBER_WORDS.get(word)
    if number is None:
        return True
    if re.search(r"month|mos?\b|mes", phrase):
        return number <= 12
    if re.search(r"week|wk|seman", phrase):
        return number <= 52
    return bool(re.search(r"day|dia|diit", phrase))


# -- context -------------------------------------------------------------------------------

_SENTENCE_END: Final = compiled(r"[.!?;]+(?=\s|$)|[¡¿]|\n\s*\n")
_WORD: Final = compiled(r"[\w']+")
_STRONG_NOW: Final = compiled(
    r"\b(?:again|(?:it'?s|its|is|came|come|coming) back(?! (?:all )?(?:clear|normal|negative|fine)\b)|still|right now|worse|ahorita|ahora mismo|"
    r"otra vez|de nuevo|volvio|sigue|todavia|keeps? (?:on )?[a-z]+ing|won'?t stop|no deja de|continua|"
    r"(?:thoughts|urges|ideas|voices|feelings|cravings) (?:are|have come|came) back|(?:los|las) (?:pensamientos|ideas|ganas|voces) (?:volvieron|regresaron))\b")
"""Currency that outweighs "they saw me in the ER" (unlike "last night", which dates it); thoughts
that are back after a stay ("discharged last week ... tonight the thoughts are back")."""
_NOW: Final = compiled(r"\b(?:now|ahora|ahorita|tonight|esta noche)\b")
"""A word that dates what follows it now, over a date before it ("the thoughts we talked about
last spring are very loud tonight")."""
_DANGER_NOW: Final = compiled(
    r"\b(?:floppy|limp|lethargic|listless|unresponsive|(?:not|isn'?t|won'?t|can'?t|cannot|hard to)"
    r" (?:be )?(?:wak(?:e|ing)|feed(?:ing)?|nurs(?:e|ing)|eat(?:ing)?|drink(?:ing)?)|turning blue|"
    r"no (?:quiere )?(?:come|comer|despierta|reacciona|responde)|no se despierta|"
    r"(?:muy|bien) decaid[oa]|sin fuerza|"
    # breath too short to walk a few steps ("I have to stop after a few steps", "no puede dar
    # ni dos pasos")
    r"(?:have|has|having) to stop (?:after|every) (?:a few|a couple(?: of)?|two|2|three|3|few) steps|"
    r"(?:can'?t|cannot|can not) (?:walk|take|go|make it) (?:more than )?(?:a few|two|2|three|3|ten|10) (?:steps|feet)|"
    r"no (?:puedo|puede) (?:caminar|dar) (?:ni )?(?:dos|tres|unos|pocos|cinco|diez) pasos|"
    r"(?:tengo|tiene) que (?:parar|detenerme|detenerse|pararme|pararse) cada (?:dos|tres|pocos|cinco) pasos)\b")
"""A sign of being gravely unwell now (floppy, not feeding, will not wake, too short of breath
to walk a few steps): after "he's ok now" it says the episode is not over, whatever that
sentence said; the hit judge never vetoes a hit it follows."""


def grave_sign_after(folded: str, end: int) -> bool:
    """A sign of being gravely unwell now (`_DANGER_NOW`) after position `end` of `folded`."""
    return _DANGER_NOW.search(folded, end) is not None
_NOW_HAVE: Final = compiled(
    r"\b(?:now|ahora|ahorita) (?:i(?:'?m| am)? (?:have|having|got)|i have|(?:he|she)(?:'s| is)? (?:has|having)|"
    r"tengo|tiene|estoy|esta|me duele|le duele|siento)\b")
_LIST_WORD: Final = compiled(r"\b(?:or|nor|ni|o)\b")
_BARE_NEGATION: Final = compiled(r"(?:no|not|ni|sin|never|nunca)")


Spans = tuple[tuple[int, int], ...]
Modifiers = list[tuple[str, str, int, int]]


@lru_cache(maxsize=8)
def _scopes(folded: str) -> tuple[Spans, Spans, list[int], Modifiers]:
    """What the context checks read of a whole folded text, found once per text (`find`
    and then `context_status` for each word the model leans on read the same one): the
    pseudo phrases' spans, the figures of speech's sentences, the clause bounds and every
    modifier (kind, direction, start, end). Callers must not change the lists."""
    c = _compiled()
    pseudo = tuple((m.start(), m.end()) for m in c.pseudo.finditer(folded))
    figures = tuple(_figure_spans(folded, c))
    mods = [(kind, direction, m.start(), m.end())
            for kind, direction, pattern in c.modifiers for m in pattern.finditer(folded)]
    return pseudo, figures, _clause_bounds(folded, c), mods


def _clause_bounds(folded: str, c: _Compiled) -> list[int]:
    """Sorted positions where a modifier's scope ends."""
    bounds = {m.start() for m in _SENTENCE_END.finditer(folded)}
    bounds.update(m.start() for m in c.terminators.finditer(folded))
    line_start = 0
    i = folded.find("\n")
    while i >= 0:
        if i - line_start < SHORT_LINE:
            bounds.add(i)
        line_start = i + 1
        i = folded.find("\n", line_start)
    return sorted(bounds)


def _clause(bounds: list[int], start: int, end: int, size: int) -> tuple[int, int]:
    before = bisect_right(bounds, start) - 1
    left = bounds[before] if before >= 0 else 0
    after = bisect_right(bounds, end - 1)
    right = bounds[after] if after < len(bounds) else size
    return left, right


def _words(folded: str, a: int, b: int) -> int:
    return len(_WORD.findall(folded, a, b)) if b > a else 0


def _context(folded: str, category: str, start: int, end: int, bounds: list[int],
             mods: list[tuple[str, str, int, int]],
             c: _Compiled) -> tuple[Status, tuple[int, int] | None]:
    left, right = _clause(bounds, start, end, len(folded))
    found: dict[str, tuple[int, int]] = {}
    answer = _ANSWERED_NO.match(folded, end)
    if answer is not None:  # "bleeding? no", "chest pain - none": asked and denied
        return "negated", (answer.start(1), answer.end(1))
    current = [(a, b) for kind, _d, a, b in mods if kind == "current" and left <= a < right]
    # "ahora tengo dolor de pecho, hace una semana ...": the symptom is dated now by its verb
    now_have = _NOW_HAVE.search(folded, max(left, start - 40), start)
    has_now = now_have is not None and _words(folded, now_have.end(), start) <= 2
    for kind, direction, m_start, m_end in mods:
        if kind == "resolved":  # starts at the "but" that ends the clause
            if end <= m_start <= right and _words(folded, end, m_start) <= BACKWARD_WORDS:
                found.setdefault("negated", (m_start, m_end))
            continue
        if m_start < left or m_end > right:
            continue  # another clause
        within = m_start < end and start < m_end
        if within and kind == "negated" and m_start > start and m_end < end and (
                category in NEGATED_INSIDE or _denies_last_word(folded, start, m_start, m_end, end)) \
                and not any(a <= m_start and m_end <= b for a, b in current):  # "... y no para"
            found.setdefault(kind, (m_start, m_end))  # "chest isn't hurting"
            continue
        if within and m_start < start and kind in ("question", "hypothetical", "historical"):
            within = False  # "si *me* falta el aire": a condition that shares a word
        elif within and (kind in ("negated", "current")
                         or not _inside(folded, start, end, m_start, m_end)):
            continue  # part of the target's own words ("no puedo respirar", "no para")
        if kind != "current" and any(a <= m_start and m_end <= b for a, b in current):
            continue  # part of "won't go away", "no se me quita"
        if kind == "current":
            gap = _words(folded, m_end, start) if m_end <= start else _words(folded, end, m_start)
            if not within and m_end <= start and _dated_between(mods, m_end, start):
                continue  # "again, years ago I tried to ...": the nearer date speaks for it
            if within or gap <= CURRENT_WORDS:
                found.setdefault(kind, (m_start, m_end))
            continue
        if within:
            found.setdefault(kind, (m_start, m_end))
            continue
        if kind in ("historical", "assessed") and (
                (m_end <= start and _now_before(folded, m_end, start)) or has_now
                or _NOW.search(folded, start, end)):
            continue  # "a positive test a week ago, and now bleeding": the "now" re-dates it
            # (also a "now" inside a long target: "after his fall he hit his head and now ...")
        forward = m_start < start and direction in ("forward", "both")
        backward = m_start >= end and direction in ("backward", "both")
        # A date that opens the sentence ("Two years ago, ...", "hace dos anos ...") frames
        # all of it; a symptom that opens its clause is the subject of a verb of ending
        # that may come after a long phrase ("the swelling from the sting on friday went
        # away").
        framed = forward and kind == "historical" and _words(folded, left, m_start) <= 1 \
            and _DATE_FRAME.search(folded, m_start, m_end) is not None
        subject = backward and kind == "negated" and _words(folded, left, start) <= 3
        reaches = framed or (forward and _forward_reaches(folded, kind, m_start, m_end, start, c)) or (
            backward and _words(folded, end, m_start) <= (SUBJECT_WORDS if subject else BACKWARD_WORDS))
        if reaches:
            found.setdefault(kind, (m_start, m_end))
    if "negated" in found and not _recurs_after(folded, end, *found["negated"], c) \
            and not comes_back(folded, start):
        return "negated", found["negated"]
    if "assessed" in found and not _STRONG_NOW.search(folded, left, _sentence_end(folded, end)) \
            and not comes_back(folded, start):
        return "historical", found["assessed"]  # unless the sentence says it is back
    if "question" in found:
        return "hypothetical", found["question"]
    if "current" not in found:
        for kind in ("historical", "hypothetical"):
            if kind in found and not (kind == "historical" and comes_back(folded, start)):
                return kind, found[kind]  # type: ignore[return-value]
        listed = _asked_in_a_list(folded, start, end, c)
        if listed is not None:
            return "hypothetical", listed
        if category not in NEVER_OVER:
            over = _episode_over(folded, start, end, mods, c)
            if over is not None and not comes_back(folded, start):
                return "negated", over
    return "current", None


_COMES_BACK: Final = compiled(
    # (not a paper sent back: "fax it back", "mail them back")
    r"\b(?<!fax )(?<!send )(?<!mail )(?<!email )(?<!e-mail )(?<!give )(?<!sign )(?<!text )(?<!scan )"
    r"(?:(?:it|they|it all|the same(?: thing| pain)?)(?:'s| is| has| have|s)? (?:(?:all |just )?(?:come|came|coming) back|"
    r"back|started (?:up )?again|starting (?:up )?again|happening again)|"
    r"(?:me|le|les|nos) (?:volvio|regreso|volvieron|regresaron|vino otra vez|dio otra vez|esta dando otra vez)|"
    r"volvio (?:a (?:dar|doler|sangrar|pasar|salir|empezar|hinchar|torcer|dormir)\w*|el dolor|la fiebre|el sangrado|la presion|la hinchazon)|"
    r"(?:it|they|he|she)(?:'s| is| are|s) still (?:bleeding|oozing|gushing|pouring)|sigue sangrando|todavia (?:le |me )?sangra)\b"
    r"(?! (?:negative|normal|clear|fine|ok|okay|positive|home|from|to|with|in (?:the|a) (?:mail|letter|portal))\b)")
"""A later clause or sentence that says the episode set aside before came back now ("I had
chest pain last week that went away. It came back tonight", "mi papá tuvo dolor de pecho el
martes, pero ahora le volvió"): the ending or the date was the earlier episode's."""
_OLD_DATE: Final = compiled(
    r"\b(?:(?:days?|weeks?|months?|years?) ago|hace (?:\w+ )?(?:dias|semanas|meses|anos)|years?|anos|last (?:week|month|year|spring|summer|fall|winter)|"
    r"(?:la semana|el mes|el ano) pasad[oa]|(?:in|en) (?:19|20)\d\d)\b")
BACK_REACH: Final = 300
"""Characters from the start of a symptom within which "it came back" speaks of it."""


def comes_back(folded: str, start: int) -> bool:
    """The episode is said to be back (or still going), in the next clauses, undated and
    not denied ("it hasn't come back", "no le ha vuelto" are not). The hit judge never
    vetoes such a hit either."""
    found = _COMES_BACK.search(folded, start, start + BACK_REACH)
    if found is None or _NOT_BEFORE.search(folded, max(0, found.start() - 30), found.start()) \
            or _IF_BEFORE.search(folded, max(0, found.start() - 30), found.start()):
        return False
    return _OLD_DATE.search(folded, found.end(), _sentence_end(folded, found.end())) is None


_NOT_BEFORE: Final = compiled(r"(?:\bnot|n't|\bno|\bnever|\bnunca)\s+(?:\w+\s+)?$")
_IF_BEFORE: Final = compiled(
    r"(?<!\bsure )(?<!\bknow )(?<!\bwonder )(?<!\bwondering )\b(?:if|in case|en caso de que)"
    r"\s+(?:\w+\s+)?$")
"""A return asked about ("how much would be too much if it came back?") is no return. Not
Spanish "si": folded, the emphatic "sí me volvió" (yes, it came back) reads "si", and before
the past tense that is what it nearly always is; nor a doubt that it is back ("not sure if
it's back"), which a desk must read as a return."""


def _recurs_after(folded: str, end: int, m_start: int, m_end: int, c: _Compiled) -> bool:
    """An ending said after the symptom, then "but" and a word that it is back or still
    going in the same sentence ("the ER said it was fine, but now he is throwing up
    again"): the ending is the earlier episode's."""
    if m_start < end:
        return False
    stop = _sentence_end(folded, m_end)
    turn = c.terminators.search(folded[m_end:stop])
    if turn is None:
        return False
    again = _STRONG_NOW.search(folded, m_end + turn.end(), stop)
    return again is not None and _NOT_BEFORE.search(folded, m_end + turn.end(), again.start()) is None


NOT_A_FIGURE: Final = frozenset({"suicide_self_harm"})
"""Categories a hedge never sets aside: "figuratively speaking my life is over, the pills
are counted out" is read as it is written (the labelling guide: first-person thoughts of
ending one's life are never an idiom)."""


def _figure_spans(folded: str, c: _Compiled) -> list[tuple[int, int]]:
    """Each whole sentence that a hedge calls a figure of speech ("this form is giving me a
    stroke, figuratively speaking")."""
    return [(_sentence_start(folded, m.start()), _sentence_end(folded, m.end()))
            for m in c.figurative.finditer(folded)]


def _sentence_start(folded: str, start: int) -> int:
    """Where the sentence holding `start` begins (after its opening blanks)."""
    last = None
    for last in _SENTENCE_END.finditer(folded, 0, start):
        pass
    begin = last.end() if last is not None else 0
    while begin < start and folded[begin].isspace():
        begin += 1
    return begin


_FRAGMENT_WORDS: Final = 4
"""Words a symptom asked on its own may carry ("heavy bleeding?", "my water breaking?")."""


def _asked_in_a_list(folded: str, start: int, end: int, c: _Compiled) -> tuple[int, int] | None:
    """A symptom asked on its own, one of a list of them after a question about which signs
    call for care ("what should make me turn back? bleeding? fluid?"): the writer asks
    what to watch for and has none of them. The span of that question, or None."""
    s_start = _sentence_start(folded, start)
    mark = _SENTENCE_END.search(folded, end)
    if mark is None or not folded[mark.start():mark.end()].startswith("?"):
        return None
    if _words(folded, s_start, mark.start()) > _FRAGMENT_WORDS:
        return None
    # walk back over the other one-symptom questions to the question that asks
    here = s_start
    for _ in range(6):
        before = folded[:here].rstrip(" \t\n\u00bf\u00a1")
        if not before.endswith("?"):
            return None
        q_start = _sentence_start(folded, len(before) - 1)
        sentence = folded[q_start:len(before)]
        if _words(folded, q_start, len(before)) > _FRAGMENT_WORDS:
            found = c.sign_question.search(sentence)
            return (q_start, len(before)) if found else None
        here = q_start
    return None


NEVER_OVER: Final = frozenset({"suicide_self_harm"})
"""Categories a later "she is fine" never closes: thoughts of ending one's life are not an
episode that passes."""
EPISODE_REACH: Final = 400
"""Characters after a symptom in which a sentence may say the episode is over."""


def _episode_over(folded: str, start: int, end: int, mods: list[tuple[str, str, int, int]],
                  c: _Compiled) -> tuple[int, int] | None:
    """A later sentence says the episode is over ("... and it all went down", "she's been
    fine for three days", "ya esta bien") and it was seen to (an ER, a nurse, poison control)
    or is days behind ("last Friday", "el martes"), with no word after the symptom that it
    is still going or back ("still", "again", "now I have"). The labelling guide's
    `resolved`: over, and assessed or days behind with the writer well. The ending's span,
    or None."""
    ending = None
    for m in c.ended.finditer(folded[:min(len(folded), end + EPISODE_REACH)]):
        if m.start() < end:
            continue
        mark = _SENTENCE_END.search(folded, m.end())
        if mark is not None and folded[mark.start():mark.end()].startswith("?"):
            continue  # "is she ok?" asks
        if c.terminators.search(folded[m.end():_sentence_end(folded, m.end())]):
            continue  # "she's fine but ..."
        ending = m
        break
    if ending is None:
        return None
    rest = folded[end:]
    if _STRONG_NOW.search(rest) or _NOW_HAVE.search(rest) or _DANGER_NOW.search(
            folded, ending.end()) or any(
            kind == "current" and a >= end for kind, _d, a, _b in mods):
        return None
    sentence = _sentence_start(folded, start)
    seen_to = any(kind == "assessed" for kind, _d, _a, _b in mods)
    behind = c.days_behind.search(folded[sentence:ending.end()]) is not None
    if not (seen_to or behind):
        return None
    return ending.start(), ending.end()


_DATE_FRAME: Final = compiled(
    r"\b(?:ago|hace|last|pasad[oa]|(?:19|20)\d\d|jan\w*|feb\w*|march|april|june|july|aug\w*|sept?\w*|"
    r"oct\w*|nov\w*|dec\w*|enero|febrero|marzo|abril|mayo|junio|julio|agosto|septiembre|octubre|"
    r"noviembre|diciembre)\b")
"""A historical modifier that gives a date (not "after his fall", "my dad had")."""
_ANSWERED_NO: Final = compiled(
    r"[ \t]*(?:\?+|:|-+|\u2013|\u2014|=)[ \t]*(no|none|nope|nah|nada|ninguno|ninguna|negative|negativo|neg)\b"
    r"(?=[ \t]*(?:[,.;!\n]|$|\b(?:and|y|just|solo)\b))")
"""A symptom asked about and answered no right after it, as in a checklist."""


def _denies_last_word(folded: str, start: int, m_start: int, m_end: int, end: int) -> bool:
    """A negation right before the last word of a target that reaches back over a comma
    ("se mueve mucho, no sangro"): the target's words were joined across two clauses and
    the one that names the symptom is denied."""
    return "," in folded[start:m_start] and _words(folded, m_end, end) == 1


def _dated_between(mods: list[tuple[str, str, int, int]], a: int, b: int) -> bool:
    """A historical modifier between a "now" word and the target (ConText: the nearest
    modifier wins)."""
    return any(kind == "historical" and a <= m_start and m_end <= b
               for kind, _d, m_start, m_end in mods)


def _now_before(folded: str, a: int, start: int) -> bool:
    """A "now" between a dated modifier and the target, a few words before the target."""
    nows = list(_NOW.finditer(folded, a, start))
    return bool(nows) and _words(folded, nows[-1].end(), start) <= 3


def _sentence_end(folded: str, end: int) -> int:
    found = _SENTENCE_END.search(folded, end)
    return found.start() if found else len(folded)


def sentence_start(folded: str, start: int) -> int:
    """Where the sentence holding `start` begins (after its opening blanks)."""
    return _sentence_start(folded, start)


def sentence_end(folded: str, end: int) -> int:
    """Where the sentence holding `end` ends (at its closing mark, or the text's end)."""
    return _sentence_end(folded, end)


def _inside(folded: str, start: int, end: int, m_start: int, m_end: int) -> bool:
    """A time or a condition well inside a long concept-pair target ("took my pills twice
    *last month* by mistake") still speaks about it; one that shares the target's first or
    last word does not. Negations inside a target are its own words ("la sangre *no* para")
    and are never read this way."""
    first = _WORD.match(folded, start)
    last_words = _WORD.findall(folded, start, end)
    if first is None or not last_words:
        return False
    last_start = folded.rfind(last_words[-1], start, end)
    return first.end() < m_start and m_end <= last_start


def _forward_reaches(folded: str, kind: str, m_start: int, m_end: int, start: int,
                     c: _Compiled) -> bool:
    between = folded[m_end:start]
    if kind != "question" and _words(folded, m_end, start) > FORWARD_WORDS:
        return False  # a conditional question ("what if ... ?") reaches to its end
    if kind != "negated":
        return True
    if c.breakers.search(between):
        return False
    if _BARE_NEGATION.fullmatch(folded[m_start:m_end]) and _words(folded, m_end, start) > 3:
        return False
    # "no fever, chest pain since this morning": the comma ends a bare list's negation
    # unless the list goes on with "or"/"ni" ("no fever, cough or chest pain").
    return "," not in between or bool(_LIST_WORD.search(between))


def _original(text: str, where: list[int] | None, start: int, end: int) -> str:
    if where is None:
        return text[start:end]
    return text[where[start]:where[end - 1] + 1]


def has_infant(folded: str) -> bool:
    """The text names a baby in its first year (the lexicon's infant cue and age rules)."""
    return _has_cue(folded, "infant", _compiled())


def context_status(text: str, category: str, start: int, end: int) -> tuple[Status, str]:
    """What the ConText checks make of folded `text[start:end]` read as a `category`
    target, and the patient's words of its clause: the words a statistical detector leaned
    on hardest get the same negation, history, hypothetical, question and pseudo-phrase
    handling as a lexicon target, and the banner quotes the clause they sit in."""
    c = _compiled()
    folded, where = fold(text)
    pseudo, figures, bounds, mods = _scopes(folded)
    left, right = _clause(bounds, start, end, len(folded))
    while left < right and not folded[left].isalnum():
        left += 1
    while right > left and not folded[right - 1].isalnum():
        right -= 1
    quote = _original(text, where, left, right) if right > left else ""
    spans = pseudo if category in NOT_A_FIGURE else pseudo + figures
    if any(a <= start < b or a < end <= b for a, b in spans):
        return "pseudo", quote
    return _context(folded, category, start, end, bounds, mods, c)[0], quote


def context_modifier(text: str, category: str, start: int, end: int) -> tuple[Status, str]:
    """What the ConText checks make of folded `text[start:end]` read as a `category` target,
    and the folded words of the modifier that decided it ("" when none did): a reader of
    warning signs (selfharm.py) tells "since my wife died" (a time up to now) from a past
    event by them."""
    c = _compiled()
    folded, _ = fold(text)
    pseudo, figures, bounds, mods = _scopes(folded)
    spans = pseudo if category in NOT_A_FIGURE else pseudo + figures
    if any(a <= start < b or a < end <= b for a, b in spans):
        return "pseudo", ""
    status, modifier = _context(folded, category, start, end, bounds, mods, c)
    return status, folded[modifier[0]:modifier[1]] if modifier else ""


def scope_cues(folded: str, start: int, end: int) -> list[tuple[str, int, int]]:
    """The lexicon's scope cues inside folded `text[start:end]` (a sentence): each
    ConText modifier by its kind ("negated", "historical", ...), a figure of speech
    ("figurative"), an episode's end ("ended"), days behind ("days_behind") and a
    question about which signs matter ("sign_question"), with their spans. Features for
    the hit judge (hitjudge.py): the cues as evidence, without the scopes' hand-written
    reach."""
    c = _compiled()
    part = folded[start:end]
    found = [(kind, m.start() + start, m.end() + start)
             for kind, _direction, pattern in c.modifiers for m in pattern.finditer(part)]
    for kind, pattern in (("figurative", c.figurative), ("ended", c.ended),
                          ("days_behind", c.days_behind), ("sign_question", c.sign_question),
                          ("pseudo", c.pseudo)):
        found.extend((kind, m.start() + start, m.end() + start) for m in pattern.finditer(part))
    return found


# -- the statistical model's near misses (round 28) ----------------------------------------


@cache
def _near_misses() -> tuple[re.Pattern[str], re.Pattern[str], re.Pattern[str], re.Pattern[str]]:
    return (re.compile(lex.RESOLVED_NOW), re.compile(lex.RESOLVED_NOT),
            re.compile(lex.STORED_MEDICINE), re.compile(lex.INGESTED_NOW))


@cache
def _symptom_negation() -> re.Pattern[str]:
    return re.compile(lex.NEGATION_IS_SYMPTOM)


def negation_is_symptom(folded: str, start: int, end: int) -> bool:
    """The word at folded[start:end] sits inside a negation that is the symptom itself ("no
    se despierta bien", "no encuentra las palabras", "won't wake up"): read as current by the
    statistical model's context check, not as denied."""
    pattern = _symptom_negation()
    sentence = _sentence_start(folded, start)
    return any(m.start() <= start and end <= m.end()
               for m in pattern.finditer(folded, sentence, _sentence_end(folded, end)))


@cache
def _ordinary() -> tuple[re.Pattern[str], re.Pattern[str]]:
    return re.compile(lex.ORDINARY_REASON), re.compile(lex.ORDINARY_NOT)


def ordinary_reason(folded: str) -> tuple[int, int] | None:
    """The span where a decision or an apology is told with its ordinary object ("we're
    going with the other surgeon", "sorry he's late for his appt"), in a message that names
    no goodbye and no means; or None."""
    reason, farewell = _ordinary()
    found = reason.search(folded)
    if found is None or farewell.search(folded):
        return None
    return found.start(), found.end()


def resolved_now(folded: str) -> tuple[int, int] | None:
    """The span where the writer says they (or the one they write for) are well now ("ya me
    siento mejor", "all better, cancel my appointment", "se me pasó"), or None: not when it
    is asked ("am I better?"), a condition ("if I feel better"), denied, followed in its
    sentence by "but", or followed anywhere by a word that it is still going or back
    ("but now I can't breathe", "again", "todavía"), nor in a message that speaks of a
    decision, a plan or a goodbye (calm after a decision is a warning sign) or dates an
    episode to today (an episode of today that eased, not seen to, is still a red flag).
    Read for the statistical model's hits only: a lexicon hit of a current emergency in
    the same message is never set aside by it."""
    resolved, not_resolved, _stored, _taken = _near_misses()
    if not_resolved.search(folded):
        return None
    c = _compiled()
    for m in resolved.finditer(folded):
        mark = _SENTENCE_END.search(folded, m.end())
        if mark is not None and folded[mark.start():mark.end()].startswith("?"):
            continue
        before = folded[max(0, m.start() - 30):m.start()]
        if _IF_BEFORE.search(before) or _NOT_BEFORE.search(before):
            continue
        if c.terminators.search(folded[m.end():_sentence_end(folded, m.end())]):
            continue
        if _STRONG_NOW.search(folded, m.end()) or _NOW_HAVE.search(folded, m.end()) \
                or _DANGER_NOW.search(folded, m.end()) or comes_back(folded, m.end()):
            return None
        return m.start(), m.end()
    return None


STORED_REACH: Final = 160
"""Characters either side of the model's strongest word read for a medicine told stored."""


def stored_not_taken(folded: str, start: int) -> tuple[int, int] | None:
    """The span where a medicine or a chemical is told stored, kept, locked up, put away or
    counted ("las pastillas de hierro de la abuela están guardadas arriba", "I keep my
    pills in the kitchen") in the sentence of the word at `start`, with nothing in the
    message saying that anyone took them, that they are gone or missing, that someone is
    drowsy or sick, or that they are being saved up; or None."""
    _resolved, _not_resolved, stored, taken = _near_misses()
    s_start = _sentence_start(folded, start)
    s_end = _sentence_end(folded, start)
    found = stored.search(folded, max(s_start, start - STORED_REACH), min(s_end, start + STORED_REACH))
    if found is None or taken.search(folded):
        return None
    return found.start(), found.end()


@cache
def _near_miss_families() -> tuple[
        tuple[frozenset[str], re.Pattern[str], re.Pattern[str], bool], ...]:
    return tuple((frozenset(categories), re.compile(pattern), re.compile(undo), anywhere)
                 for categories, pattern, undo, anywhere in lex.NEAR_MISS_FAMILIES)


def near_miss(folded: str, category: str, start: int) -> tuple[int, int] | None:
    """The span where one of round 36's near-miss families (redflag_lexicon.py
    NEAR_MISS_FAMILIES: an injury denied in the same breath, medicines handed back or
    thrown out unopened, a picture or a list of the medicines one takes, a dose asked about
    for a named ordinary ache, an idiom of praise, a time that does not suit, thoughts of
    not wanting to live told as gone) that sets `category` aside is told in the sentence of
    the word at `start` or the one before or after it (anywhere, for a family read in the
    whole message), with nothing in the message undoing it (the emergency told after
    all); or None."""
    begin = _sentence_start(folded, start)
    end = _sentence_end(folded, start)
    if end < len(folded):
        end = _sentence_end(folded, end + 1)
    before = len(folded[:begin].rstrip()) - 1  # the previous sentence's mark
    if before >= 0:
        begin = _sentence_start(folded, before)
    for categories, family, undo, anywhere in _near_miss_families():
        if category not in categories:
            continue
        found = family.search(folded) if anywhere else family.search(folded, begin, end)
        if found is not None and undo.search(folded) is None:
            return found.start(), found.end()
    return None
