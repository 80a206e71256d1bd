"""A statistical judge of each lexicon hit: is this the writer's (or their patient's)
emergency now, or a trap (history, someone else's, hypothetical, a figure of speech, over,
a clinical term)?

Why: the lexicon's hand-written scopes read 0.000 trap false alarms on the sets they were
fitted to and 0.191 on an unseen one (TRIAGE_EVAL.md, blind7): each writer words history,
idioms and "what if" differently. The judge learns those scopes from every labelled hit
instead (bench/train_hit_judge.py): red flags the lexicon found are "current", traps it
flagged are "trap". It only ever removes a lexicon hit, only when it is confident (the
threshold is chosen by leaving each labelled set out), and never one of suicide or
self-harm (a missed one is the worst miss).

Features of one hit: its category, the words of the hit, the words just before and after
it by distance, the words of its sentence and of the sentences either side, the lexicon's
own scope cues (ConText modifiers) in its sentence by side, what the lexicon made of the
message's other hits, and, over the whole message, the nearest time and setting cue of
each kind on each side with its distance (a date, "years ago", "since then", "kept
overnight", "home now": what makes a history or an episode over often lies a paragraph
away) and the tense of the hit's paragraph and of the message. Pure; scoring is a few
hundred hashed lookups.

Input is folded text (redflag.fold) and the lexicon's findings on it.
"""

from __future__ import annotations

import itertools
import threading
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache, lru_cache
from importlib import resources
from typing import Final

from cxinbox.domain import redflag
from cxinbox.domain.regexneed import compiled
from cxinbox.domain.textmodel import LinearModel, hashed, pack, unpack

MODEL_FILE: Final = "hitjudge_model.json.gz"
BITS: Final = 18
_MASK: Final = (1 << BITS) - 1
CLASSES: Final = ("current", "trap")
NEVER_VETOED: Final = frozenset({"suicide_self_harm"})
"""Categories the judge never removes: a missed thought of ending one's life costs more
than any number of false alarms."""
NEAR: Final = 3
"""Words either side of a hit read by their distance; up to WINDOW more as a bag."""
WINDOW: Final = 8
SENTENCE_WORDS: Final = 80
"""Words of a sentence read (a run-on message without stops must not cost seconds)."""
_WORD: Final = compiled(r"[a-z0-9']+|[\u00bf\u00a1?!]")
REACH: Final = 20_000
"""Characters of a message read for its time cues (a pasted record must not cost seconds)."""
_MONTH: Final = (r"(?:jan\w*|feb\w*|march|april|june|july|aug\w*|sept?\w*|oct\w*|nov\w*|dec\w*|enero|febrero|"
                 r"marzo|abril|mayo|junio|julio|agosto|septiembre|octubre|noviembre|diciembre)")
_DAY: Final = (r"(?:monday|tuesday|wednesday|thursday|friday|saturday|sunday|weekend|lunes|martes|"
               r"miercoles|jueves|viernes|sabado|domingo)")
TIME_CUES: Final = tuple((name, compiled(pattern)) for name, pattern in (
    ("date", (rf"\b(?:19|20)\d\d\b|\b\d{{1,2}}/\d{{1,2}}(?:/\d{{2,4}})?\b|\b{_MONTH}\.? \d{{1,2}}\b|"
             rf"\b\d{{1,2}} (?:de )?{_MONTH}\b|\b(?:in|en|since|desde|back in) {_MONTH}\b")),
    ("years_ago", (r"\b(?:years?|yrs?|months?|decades?) ago\b|\bhace (?:\w+ ){0,2}(?:anos?|meses|mes|decadas?)\b|"
                  r"\bwhen (?:i|he|she|we|they) (?:was|were)\b|\bcuando (?:era|tenia|eramos)\b|"
                  r"\bas a (?:child|kid|teen\w*|baby)\b|\bde (?:nin[oa]|chic[oa]|joven)\b|\byears back\b|"
                  r"\b(?:winters?|summers?|christmases|birthdays|pregnancies) ago\b|"
                  r"\bwhen (?:\w+ )?(?:was|were) (?:\d{1,2}|one|two|three|four|five|six|seven|eight|nine|ten|a baby|a toddler|little|small|younger|in (?:college|school|high school))\b|"
                  r"\bcuando (?:\w+ )?(?:era|tenia|estaba) (?:\w+ )?(?:chiquit[oa]|pequen[oa]|bebe|nin[oa]|\d{1,2})\b|\bde (?:chiquit[oa]|pequen[oa]|bebe)\b|"
                  r"\ba los (?:\d{1,2}|dos|tres|cuatro|cinco) (?:anos|meses)\b|\bat (?:age )?(?:\d{1,2}|two|three|four|five)(?: years old)?\b(?! (?:am|pm|o'?clock|weeks|wks))(?![:.]\d|am\b|pm\b)")),
    ("days_ago", (rf"\b(?:days?|weeks?|wks?) ago\b|\bhace (?:\w+ ){{0,2}}(?:dias|semanas?)\b|\blast {_DAY}\b|"
                 rf"\b(?:el|este) {_DAY} pasado\b|\bon {_DAY}\b|\bel {_DAY}\b")),
    ("last_period", (r"\blast (?:year|month|week|summer|spring|fall|winter|time|season)\b|"
                    r"\b(?:el ano|el mes|la semana|el verano|el invierno|la vez|la temporada) pasad[oa]\b|"
                    r"\bprevious(?:ly)?\b|\bback then\b|\bused to\b|\bsolia\b|\bonce before\b|\bin the past\b|"
                    r"\bback in\b|\bthat (?:time|day|night|episode)\b|\bat the time\b|\b(?:my|her|his|the) (?:last|previous|first|other) (?:pregnancy|baby|delivery)\b|"
                    r"\b(?:embarazo|parto) (?:anterior|pasado)\b|\b(?:la otra vez|aquella vez|esa vez|en ese entonces|en aquel entonces|aquel dia|esa noche)\b")),
    ("since_then", (r"\bsince then\b|\bever since\b|\bdesde entonces\b|\bnot since\b|\bnunca mas\b|"
                   r"\b(?:haven'?t|hasn'?t|have not|has not|no (?:he|ha|hemos)) (?:had|tenido|vuelto|been back)\b|"
                   r"\bno (?:more|other) (?:episodes?|attacks?|problems?|issues?)\b|\bni una vez mas\b|"
                    r"\b(?:well|fine|good|great|ok|okay|stable|healthy|normal|no problems|nothing) since\b|"
                    r"\bsince (?:that|the) (?:day|time|episode|attack|event|night)\b|\b(?:bien|estable|nada) desde\b|"
                    r"\bno (?:\w+ )?(?:reactions?|flares?|seizures?|episodes?|problems?|issues?|attacks?|symptoms?|recurrences?) since\b|"
                    r"\b(?:haven'?t|hasn'?t|have not|has not) (?:had|been) (?:a single|any|another|one)\b|"
                    r"\bno (?:he|ha|hemos|han) (?:vuelto a|tenido (?:ni|ningun|otr))\w*\b|\bnunca (?:mas|volvio|volvi)\b")),
    ("diagnosed", (r"\bturned out (?:to be)?\b|\bit was (?:a|an|just|only)\b|\bresulto (?:ser)?\b|\bfue (?:un|una|solo)\b|"
                   r"\bdiagnos\w+\b|\b(?:dijeron|said) (?:que )?(?:era|fue|it was)\b|"
                   r"\b(?:the|el|la|los) (?:er|doctors?|hospital|allergist|neurologist|cardiologist|specialist|medicos?|doctora?|alergolog[oa]|neurolog[oa]|cardiolog[oa])\b (?:\w+ )?(?:said|told|thought|called it|confirmed|dijo|dijeron|confirmo|penso)\b")),
    ("grown", (r"\b(?:is|he'?s|she'?s|they'?re) now (?:\d+|a|an|in)\b|\bnow (?:\d+|three|four|five|six|seven|eight|nine|ten)\b|"
               r"\bahora tiene \d+\b|\bya tiene \d+\b|\bthriving\b")),
    ("fyi", (r"\b(?:just )?letting (?:you|dr\.? \w+|the doctor) know\b|\bfor (?:his|her|my|the|their) (?:chart|file|records)\b|"
             r"\bfyi\b|\bheads up\b|\bpara (?:su|el|mi) (?:expediente|historial)\b|\bsolo para (?:avisar|informar)\b")),
    ("request", (r"\b(?:could|can|would|will) (?:you|dr\.? \w+|the doctor|someone|we|i) (?:please )?(?:fill|sign|send|complete|write|renew|book|get|schedule|forward|fax|update|have|see)\b|"
                 r"\bplease (?:send|fill|sign|complete|book|renew|forward|fax|update)\b|\b(?:i|we) need (?:a|an|the|my|her|his) (?:form|letter|note|clearance|referral|certificate|copy|signature|renewal|appointment)\b|"
                 r"\b(?:me|nos|le) (?:pueden|puede|podrian|podria) (?:hacer|dar|mandar|enviar|llenar|firmar|agendar|renovar)\b|\bnecesito (?:que|un|una|el|la|mi)\b|\bquisiera (?:una|un|pedir|saber)\b")),
    ("kept", (r"\bkept (?:\w+ )?(?:overnight|for observation|in)\b|\b(?:was|were|got|been) admitted\b|\bdischarged\b|"
             r"\bstayed (?:in|at) the hospital\b|\binternad[oa]\b|\bdad[oa]s? de alta\b|\ben observacion\b|"
             r"\bkept (?:\w+ )?(?:\w+ )?nights?\b|\bspent (?:the|a|two|three|\d) (?:night|nights|days) (?:in|at)\b|\b(?:icu|uci|rehab|terapia intensiva|rehabilitacion)\b|"
             r"\bstent\b|\bsurgery\b|\bcesarea\b|\bcirugia\b|\bme operaron\b|"
             r"\b(?:me|lo|la|nos) dejaron\b|\bfollow[- ]?up\b|\bseguimiento\b|\bcontrol\b")),
    ("seen", (r"\b(?:er|e\.r\.|hospital|urgencias|emergencias|urgent care|poison control|toxicologia|ambulance|"
             r"ambulancia|paramedics?|paramedicos|the doctor|el doctor|la doctora|nurse line|enfermera)\b")),
    ("home", (r"\b(?:home now|back home|sent (?:us|me|him|her|them) home|came home|got home|at home now|"
             r"ya en casa|en casa ya|de vuelta en casa|regres\w+ a casa|volvimos a casa|nos mandaron a casa)\b")),
    ("fine", (r"\b(?:fine|all good|doing (?:well|great|better|fine)|recovered|better now|back to normal|stable|"
             r"no problems|ya esta bien|esta bien|estoy bien|mejor|estable|recuperad[oa]|normal)\b")),
    ("now", (r"\b(?:right now|now|currently|at the moment|still|again|ahora|ahorita|ahora mismo|en este momento|"
            r"todavia|sigue|aun|otra vez|de nuevo)\b")),
    ("recent", (r"\b(?:tonight|this (?:morning|afternoon|evening)|today|an hour ago|(?:minutes|hours) ago|just now|"
               r"yesterday|last night|since (?:this|last night|yesterday)|hoy|anoche|ayer|esta (?:manana|tarde|noche)|"
               r"hace (?:un rato|una hora|\w+ (?:horas|minutos)))\b")),
    ("ask_now", (r"\b(?:what (?:should|do|can) (?:i|we) do|help|please call|call me|is this an emergency|"
                r"should (?:i|we) (?:go|call)|que hago|que (?:debo|puedo|hacemos) hacer|ayuda|llamen|urgente)\b")),
    ("admin", (r"\b(?:forms?|records?|letter|refill|renew\w*|appointment|referral|insurance|bill\w*|paperwork|"
              r"formulario|expediente|carta|receta|cita|seguro|factura|papeles|constancia)\b")),
    ("family", (r"\b(?:dad|father|mom|mother|mum|grand\w+|brother|sister|uncle|aunt|cousin|papa|mama|padre|"
               r"madre|abuel[oa]|herman[oa]|ti[oa]|prim[oa]|late|difunt[oa])\b")),
))
"""The whole message's time and setting cues, read by their side of the hit and their
distance from it: a date, "years ago", "since then", "was kept overnight", "home now" that
lie sentences away from the words that name the emergency."""
_PAST: Final = compiled(
    r"\b(?:was|were|had|did|went|got|took|came|said|told|gave|felt|seemed|happened|used to|"
    r"[a-z]{3,}ed|fue|fui|fuimos|estuvo|estuve|tuvo|tuve|habia|hizo|dijeron|dijo|paso|"
    r"[a-z]{3,}aron|[a-z]{3,}ieron|era|estaba|tenia)\b")
_PRESENT: Final = compiled(
    r"\b(?:is|are|am|i'm|im|he's|she's|it's|has|have|can't|cant|cannot|won't|keeps?|"
    r"[a-z]{3,}ing|esta|estoy|estan|tiene|tengo|tienen|sigue|puede|puedo|[a-z]{3,}ando|[a-z]{3,}iendo)\b")
_PARAGRAPH: Final = compiled(r"\n[ \t]*\n")
_STOP: Final = compiled(r"[.!?\n;]+")


@dataclass(frozen=True, slots=True)
class HitJudge:
    """The logistic model (classes "current" and "trap") and the veto threshold: the least
    probability of "trap" at which a hit is removed."""

    model: LinearModel
    threshold: float

    def trap_probability(self, folded: str, hit: redflag.Finding,
                         findings: list[redflag.Finding]) -> float:
        return self.model.probabilities(features(folded, hit, findings))["trap"]

    def vetoes(self, folded: str, hit: redflag.Finding,
               findings: list[redflag.Finding]) -> bool:
        """Whether the judge removes this current hit. Never one of NEVER_VETOED, and never
        one followed by a sign of being gravely unwell now (floppy, not feeding, will not
        wake), nor one whose own sentence goes on to say it is back or happening right now
        ("went to the ER Sunday for chest pain, they sent me home, but it's back right now"),
        nor one set against a denial with "but" ("No fever, but my chest hurts really bad"),
        nor one a later clause says came back (`redflag.comes_back`: "... went away. It came
        back tonight"), nor one counted by the clock (`by_the_clock`: "3rd pad this hour"):
        whatever its sentence reads like, the writer says it is not over."""
        if hit.status != "current" or guarded(folded, hit):
            return False
        return self.trap_probability(folded, hit, findings) >= self.threshold

    def as_dict(self) -> dict[str, object]:
        return {"format": 1, "bits": BITS, "threshold": self.threshold,
                "model": self.model.as_dict()}

    @classmethod
    def from_dict(cls, data: dict[str, object]) -> HitJudge:
        if data.get("format") != 1 or data.get("bits") != BITS:
            raise ValueError("hit judge: unknown format or feature size")
        model = LinearModel.from_dict(data["model"])  # type: ignore[arg-type]
        if model.classes != CLASSES:
            raise ValueError("hit judge: classes must be current and trap")
        return cls(model, float(data["threshold"]))  # type: ignore[arg-type]

    def to_bytes(self) -> bytes:
        return pack(self.as_dict())

    @classmethod
    def from_bytes(cls, blob: bytes) -> HitJudge:
        return cls.from_dict(unpack(blob))


_BACK_NOW: Final = compiled(
    r"(?<!never )(?<!not )(?<!no )\b(?:right now|ahora mismo|ahorita|en este momento|(?:it'?s|its|is|it has) (?:come )?back|came back|"
    r"coming back|volvio|ha vuelto|otra vez|de nuevo)\b")


_DENIED_THEN_BUT: Final = compiled(
    r"\b(?:no|not|never|nunca|sin)\b[^.!?\n]{0,60}\b(?:but|pero|however|sin embargo)\b[^.!?\n]{0,40}$")


def back_now_after(folded: str, start: int, end: int) -> bool:
    """Whether the hit's sentence says the symptom is back or happening right now after it,
    or sets a denial against it with "but" before it ("No fever, but my chest hurts")."""
    stop = _STOP.search(folded, end)
    if _BACK_NOW.search(folded, end, stop.start() if stop else len(folded)) is not None:
        return True
    return _DENIED_THEN_BUT.search(folded[max(0, start - 100):start]) is not None


_BY_THE_CLOCK: Final = compiled(
    r"\b(?:this|per|every|each) (?:hour|hr)\b|\bevery \d+ ?min\w*|\bcada (?:hora|media hora|\d+ ?min\w*)\b|"
    r"\b(?:pads?|tampons?|toallas?|towels?)\b[^.!?\n]{0,30}\b(?:an?|in (?:an?|the last|one|half an?)|en (?:una|la ultima|media)) "
    r"(?:hour|hr|hora)\b(?! ago)")


def by_the_clock(folded: str, start: int, end: int) -> bool:
    """Whether the hit, or the few words after it, counts by the clock ("3rd pad this hour",
    "a pad every 30 min", "una toalla cada hora"): a rate is happening now."""
    stop = _STOP.search(folded, end)
    return _BY_THE_CLOCK.search(folded, start, min(end + 40, stop.start() if stop else len(folded))) \
        is not None


_ONSET_NOW: Final = compiled(
    r"\b(?:(?:about|approximately|approx|around|roughly|some|nearly|almost|maybe) )?(?:\d{1,2}|ten|fifteen|twenty|thirty|"
    r"forty|forty-five|fifty) (?:minutes|mins) ago\b|\b(?:over|in|within) the (?:last|past) (?:hour|half hour|"
    r"\d{1,2} (?:minutes|mins))\b|\bhace (?:unos |como |aproximadamente )?(?:\d{1,2}|diez|quince|veinte|treinta|"
    r"cuarenta|cincuenta) minutos\b|\ben la ultima (?:hora|media hora)\b")


def onset_now(folded: str) -> bool:
    """Whether the message dates what it tells by minutes or the last hour ("Onset:
    approximately 40 minutes ago", "over the last hour his pulse has fallen"): a report
    written while it happens, however calmly it is worded."""
    return _ONSET_NOW.search(folded, 0, REACH) is not None


def guarded(folded: str, hit: redflag.Finding) -> bool:
    """Whether a current hit is one the judge may never veto (see `HitJudge.vetoes`)."""
    return hit.category in NEVER_VETOED or redflag.grave_sign_after(folded, hit.end) \
        or back_now_after(folded, hit.start, hit.end) or redflag.comes_back(folded, hit.start) \
        or by_the_clock(folded, hit.start, hit.end) or onset_now(folded)


Reader = Callable[[bytes], "HitJudge"]
"""A way to the judge from its file's bytes other than `HitJudge.from_bytes` (one that keeps
what it read elsewhere: service/pattern_cache.py), which must give the same judge."""


@cache
def shipped() -> HitJudge | None:
    """The judge shipped with the package (None when there is none), read once."""
    return read_shipped()


_shipped_lock: Final = threading.Lock()
_read: list[HitJudge | None] = []


def read_shipped(reader: Reader | None = None) -> HitJudge | None:
    """`shipped`: the first call of either reads the file, with `reader` when given (and
    `HitJudge.from_bytes` if it fails); every later call gets the same judge."""
    with _shipped_lock:
        if not _read:
            path = resources.files("cxinbox.domain").joinpath(MODEL_FILE)
            blob = path.read_bytes() if path.is_file() else None
            judge = None
            if blob is not None and reader is not None:
                try:
                    judge = reader(blob)
                except Exception:  # noqa: BLE001 - read the file itself instead
                    judge = None
            if blob is not None and judge is None:
                judge = HitJudge.from_bytes(blob)
            _read.append(judge)
        return _read[0]


def _sentences(folded: str) -> list[tuple[int, int]]:
    """(start, end) of each sentence-like run between stops and line breaks."""
    spans, last = [], 0
    for m in _STOP.finditer(folded):
        if m.start() > last:
            spans.append((last, m.start()))
        last = m.end()
    if last < len(folded):
        spans.append((last, len(folded)))
    return spans or [(0, len(folded))]


def _words(text: str, limit: int = SENTENCE_WORDS) -> list[str]:
    return [m.group() for m in itertools.islice(_WORD.finditer(text), limit)]


def feature_names(folded: str, hit: redflag.Finding,
                  findings: list[redflag.Finding]) -> set[str]:
    """The names of a hit's features (hashed by `features`)."""
    cat = hit.category
    names = {f"cat {cat}", "bias"}
    spans = _sentences(folded)
    k = next((i for i, (a, b) in enumerate(spans) if a <= hit.start < b or hit.start < a),
             len(spans) - 1)
    s_start, s_end = spans[k]
    s_start, s_end = min(s_start, hit.start), max(s_end, hit.end)
    for w in _words(folded[hit.start:hit.end], 12):
        names.add(f"h {w}")
    before = _words(folded[s_start:hit.start])[::-1]
    after = _words(folded[hit.end:s_end])
    for side, words in (("l", before), ("r", after)):
        for d, w in enumerate(words[:WINDOW]):
            if d < NEAR:
                names.add(f"{side}{d} {w}")
                names.add(f"{side}{d} {cat} {w}")
            names.add(f"{side} {w}")
            if 1 < len(w) <= 30:
                padded = f" {w} "
                names.update(f"{side}c {padded[j:j + 4]}" for j in range(len(padded) - 3))
        for a, b in itertools.pairwise(words[:WINDOW]):
            names.add(f"{side}b {b} {a}" if side == "l" else f"{side}b {a} {b}")
    sentence = _words(folded[s_start:s_end])
    for w in sentence:
        names.add(f"s {w}")
    for a, b in itertools.pairwise(sentence):
        names.add(f"sb {a} {b}")
    if k > 0:
        names.update(f"p {w}" for w in _words(folded[slice(*spans[k - 1])]))
    if k + 1 < len(spans):
        names.update(f"n {w}" for w in _words(folded[slice(*spans[k + 1])]))
    if k + 2 < len(spans):
        names.add("more sentences")
    for kind, c_start, c_end in redflag.scope_cues(folded, s_start, s_end):
        where = "<" if c_end <= hit.start else ">" if c_start >= hit.end else "="
        names.add(f"m {kind}{where}")
        names.add(f"m {kind}{where} {cat}")
    names |= _reach_names(folded, hit.start, hit.end)
    for f in findings:
        if f is not hit:
            names.add(f"o {f.status}")
            if f.category == cat:
                names.add(f"o same {f.status}")
    return names


def features(folded: str, hit: redflag.Finding, findings: list[redflag.Finding]) -> set[int]:
    return hashed(feature_names(folded, hit, findings), _MASK)


def _distance(chars: int) -> str:
    return "a" if chars < 40 else "b" if chars < 150 else "c" if chars < 400 else "d"


def _tense(text: str) -> str:
    """Past, present or mixed by the share of past-tense verb forms (or "none")."""
    past = sum(1 for _m in _PAST.finditer(text))
    present = sum(1 for _m in _PRESENT.finditer(text))
    if past + present == 0:
        return "none"
    return str(round(4 * past / (past + present)))


@lru_cache(maxsize=16)
def _message_cues(folded: str) -> tuple[tuple[tuple[str, int, int], ...], tuple[int, ...]]:
    """Each time cue of the message (name, start, end) and where its paragraphs begin."""
    text = folded[:REACH]
    cues = tuple(sorted((name, m.start(), m.end()) for name, pattern in TIME_CUES
                        for m in pattern.finditer(text)))
    starts = (0, *(m.end() for m in _PARAGRAPH.finditer(text)))
    return cues, starts


def _reach_names(folded: str, start: int, end: int) -> set[str]:
    """Features beyond the hit's neighbouring sentences: the nearest of each time cue on
    each side with its distance, the tense of the hit's paragraph and of the message, and
    where in the message the hit sits."""
    cues, starts = _message_cues(folded)
    names: set[str] = set()
    nearest: dict[tuple[str, str], int] = {}
    for name, c_start, c_end in cues:
        if c_end <= start:
            key, gap = (name, "<"), start - c_end
        elif c_start >= end:
            key, gap = (name, ">"), c_start - end
        else:
            continue
        if gap < nearest.get(key, REACH + 1):
            nearest[key] = gap
    for (name, side), gap in nearest.items():
        names.add(f"t {name}{side}")
        names.add(f"t {name}{side}{_distance(gap)}")
        names.add(f"t {name}")
    k = max(i for i, s in enumerate(starts) if s <= start) if start < REACH else len(starts) - 1
    p_end = starts[k + 1] if k + 1 < len(starts) else min(len(folded), REACH)
    names.add(f"tp {_tense(folded[starts[k]:p_end])}")
    names.add(f"tm {_tense(folded[:REACH])}")
    names.add(f"para {min(k, 3)} of {min(len(starts), 4)}")
    share = start / max(1, len(folded))
    names.add(f"pos {min(3, int(4 * share))}")
    names |= _story_names(folded, start, end, cues, starts[k], p_end)
    return names


_PAST_ANCHORS: Final = frozenset({"date", "years_ago", "days_ago", "last_period"})
_PRESENT_ANCHORS: Final = frozenset({"now", "recent", "ask_now"})
_RESOLUTION: Final = frozenset({"since_then", "home", "kept", "diagnosed", "grown", "fine"})
_REQUEST: Final = frozenset({"request", "admin"})
_NEAR_CHARS: Final = 60


def _story_names(folded: str, start: int, end: int, cues: tuple[tuple[str, int, int], ...],
                 p_start: int, p_end: int) -> set[str]:
    """How a story told at length reads around the hit, as conjunctions a linear model
    cannot make of the single cues: the time anchor nearest before the hit in its own
    paragraph (a date, "back in", "years ago" against "tonight", "now"); an ending told
    after it (home, "since then", a diagnosis); a request in a later paragraph (the story
    told as background to a form or a booking); a present-time cue close to the hit; the
    tense of the hit's own sentence and how many kinds of past anchor the message has."""
    names: set[str] = set()
    anchor, anchor_gap = "none", REACH + 1
    resolved = request_later = request_here = present_near = False
    past_before = False
    past_kinds = set()
    for name, c_start, c_end in cues:
        if name in _PAST_ANCHORS:
            past_kinds.add(name)
        if c_end <= start:
            if name in _PAST_ANCHORS:
                past_before = True
            if (name in _PAST_ANCHORS or name in _PRESENT_ANCHORS) and c_start >= p_start \
                    and start - c_end < anchor_gap:
                anchor, anchor_gap = name, start - c_end
        elif c_start >= end:
            if name in _RESOLUTION:
                resolved = True
            if name in _REQUEST:
                if c_start >= p_end:
                    request_later = True
                else:
                    request_here = True
        if name in _PRESENT_ANCHORS and (abs(c_start - end) < _NEAR_CHARS
                                         or abs(start - c_end) < _NEAR_CHARS):
            present_near = True
    kind = "past" if anchor in _PAST_ANCHORS else "present" if anchor != "none" else "none"
    names.add(f"x anchor {anchor}")
    names.add(f"x anchor {kind} {_distance(anchor_gap) if anchor != 'none' else '-'}")
    s_start = max(0, max((m.end() for m in _STOP.finditer(folded, max(0, start - 400), start)),
                         default=max(0, start - 400)))
    stop = _STOP.search(folded, end, end + 400)
    s_end = stop.start() if stop else min(len(folded), end + 400)
    sentence = _tense(folded[s_start:s_end])
    names.add(f"ts {sentence}")
    paragraph = _tense(folded[p_start:p_end])
    names.add(f"x past kinds {min(len(past_kinds), 3)}")
    names.add(f"x present near {present_near}")
    names.add(f"x present near {present_near} anchor {kind}")
    if resolved:
        names.add("x resolved after")
        names.add(f"x resolved after ts {sentence}")
        names.add(f"x resolved after anchor {kind}")
    if request_later:
        names.add("x request later")
        names.add(f"x request later tp {paragraph}")
        names.add(f"x request later past before {past_before}")
    if request_here:
        names.add(f"x request here anchor {kind}")
    if past_before and (resolved or request_later):
        names.add("x story")
        names.add(f"x story present near {present_near}")
    return names
