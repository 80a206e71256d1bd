"""Reading a patient's answer to the satisfaction question ("How did we do? Reply 1-5").

Pure: the ingest path calls `read_rating` on the patient's reply to a conversation whose
question is still open, and the answer decides two things. The rating is stored; and a reply
that says nothing more than a rating (courtesy, smileys, "stars", a signature) leaves the
closed conversation closed, while anything a person should read reopens it.

Why it errs towards "not a rating": a patient's "5 pm works" or "1 more question" read as a
score would hide a real message from the desk. So a bare number must stand as the answer
(no time, count, date, room or phone number around it), a question is never a score, and
two different scores for two things are no score at all. Why it errs towards "more text":
leaving a closed conversation closed over a real comment loses it, while reopening over a
"thanks" costs one keystroke.

The vocabulary is data below, reviewed like code (English and Spanish).
"""

from __future__ import annotations

import re
import unicodedata
from typing import Final

from cxinbox.domain.newtext import new_text

LANGS: Final = ("en", "es")
MAX_CHARS: Final = 4000
"""A survey answer is short; past this the reply is read as text for a person."""

QUESTIONS: Final[dict[str, dict[str, str]]] = {
    "en": {"sms": "How did we do? Reply 1-5 (5 = excellent). Reply STOP to opt out.",
           "email": "How did we do? Reply to this message with a number from 1 to 5"
                    " (5 = excellent)."},
    "es": {"sms": "¿Cómo lo hicimos? Responda del 1 al 5 (5 = excelente). Responda BAJA"
                  " para no recibir mensajes.",
           "email": "¿Cómo lo hicimos? Responda a este mensaje con un número del 1 al 5"
                    " (5 = excelente)."},
}
"""The default question per language and channel; `[csat]` in the config may replace each."""

_WORD_RATINGS: Final[tuple[tuple[str, int], ...]] = (
    # Longest and negated phrases first: they win over the words inside them.
    ("ni bien ni mal", 3), ("mas o menos", 3), ("so so", 3), ("so-so", 3),
    ("not so good", 2), ("not very good", 2), ("not good", 2), ("not great", 2),
    ("not the best", 2), ("no muy bien", 2), ("no muy bueno", 2), ("no muy buena", 2),
    ("no tan bien", 2), ("no tan bueno", 2), ("no fue bueno", 2), ("no fue buena", 2),
    ("not bad", 4), ("nada mal", 4), ("no estuvo mal", 4),
    ("muy buena atencion", 5), ("muy bien", 5), ("muy bueno", 5), ("muy buena", 5),
    ("very good", 5), ("very well", 5), ("loved it", 5), ("love it", 5), ("me encanto", 5),
    ("really good", 5), ("super good", 5), ("todo bien", 4), ("pretty good", 4),
    ("good job", 4), ("buen trabajo", 4), ("it was ok", 3), ("it was okay", 3),
    ("was ok", 3), ("was okay", 3), ("estuvo ok", 3), ("the worst", 1), ("lo peor", 1),
    ("excellent", 5), ("excelente", 5), ("amazing", 5), ("perfect", 5), ("perfecto", 5),
    ("perfecta", 5), ("awesome", 5), ("fantastic", 5), ("outstanding", 5), ("wonderful", 5),
    ("great", 5), ("genial", 5), ("increible", 5), ("maravilloso", 5), ("buenisimo", 5),
    ("buenisima", 5), ("exelente", 5), ("excelent", 5),
    ("good", 4), ("bien", 4), ("bueno", 4), ("buena", 4), ("fine", 4),
    ("meh", 3), ("average", 3), ("regular", 3), ("okayish", 3), ("mediocre", 3),
    ("bad", 2), ("mal", 2), ("mala", 2), ("malo", 2), ("poor", 2),
    ("terrible", 1), ("awful", 1), ("worst", 1), ("horrible", 1), ("pesimo", 1),
    ("pesima", 1), ("malisimo", 1), ("malisima", 1), ("fatal", 1), ("horrendo", 1),
)
_VERY: Final = re.compile(r"\b(?:very|really|super|muy|so)\s+$")

_EMOJI_RATINGS: Final[dict[str, int]] = {
    "😍": 5, "🙌": 5, "❤": 5, "👌": 5, "🥰": 5, "💯": 5, "🤩": 5, "😁": 5, "💖": 5, "💕": 5,
    "👍": 4, "🙂": 4, "😊": 4, "😀": 4, "😃": 4,
    "😐": 3, "😑": 3, "🤷": 3,
    "👎": 2, "🙁": 2, "☹": 2, "😕": 2, "😞": 2,
    "😡": 1, "😠": 1, "🤬": 1, "💩": 1,
}

_NUMBER_WORDS: Final[dict[str, int]] = {
    "one": 1, "two": 2, "three": 3, "four": 4, "five": 5,
    "uno": 1, "una": 1, "dos": 2, "tres": 3, "cuatro": 4, "cinco": 5,
    "zero": 0, "cero": 0, "ten": 10, "diez": 10,
}

def _wordset(text: str) -> frozenset[str]:
    return frozenset(text.split())


_OPT_OUT: Final = frozenset({"stop", "unsubscribe", "baja", "cancel", "quit", "end",
                             "alto", "parar", "cancelar", "stopall", "optout"})
"""Opt-out words (domain/sms.py's keywords, in both languages) are no comment."""

_FILLER: Final = _wordset("""
thanks thank thankyou thx ty tks tnx thnx thanx you u so much very really hi hello hey dear ok okay
k kk yes yep yeah si gracias grax grx graciass mil muchas muchisimas hola saludos buenas buenos dias
tardes noches nada star stars estrella estrellas out of outta rating rate rated score
i id i'd ill i'll would give gave you a an the your service services overall experience
everything all todo toda todos total le les doy damos daria un una servicio atencion
calificacion califico calificacion: puntuacion nota from me it its it's was is fue es
and y e or o the de del la el lo los las en for por para to guys team equipo clinic clinica
again otra vez definitely definitivamente def for sure claro would vez ustedes
dr doctor doctora staff personal visit visita cita appointment today hoy
""")
"""Words that say nothing beyond the rating: courtesy and rating vocabulary. Names of
people or things ("Dr. Okafor was so patient") are not here: those are a comment."""

_ACK: Final = _wordset("""
ok okay k kk thanks thank you thankyou thx ty tks gracias grax vale no yes si got it
received recibido perfect listo noted entendido de nada
""")

_SCALE: Final = re.compile(
    r"(?<![\d/.:-])(\d{1,3}(?:[.,]5)?)\s*(?:/|out of|outta|of|de|sobre)\s*(\d{1,3})(?![\d/:-])")
_COUNT_UNIT: Final = re.compile(
    r"^\s*(?:(?:st|nd|rd|th)\b|more|mas|pm|am|p\.m|a\.m|o'clock|oclock|h\b|hr|hrs|hour|hours|"
    r"min|mins|minute|minutes|minutos|horas?|day|days|dias?|week|weeks|semanas?|month|"
    r"months|mes|meses|year|years|anos?|kid|kids|child|children|hijos?|ninos?|people|"
    r"personas?|times|veces|pill|pills|pastillas?|mg|ml|tablets?|refills?|questions?|"
    r"preguntas?|calls?|llamadas?|x\b|th\b|:|%|\$|dollars?|dolares?|floor|piso|"
    r"patients?|pacientes?|appointments?|citas?)")
_BEFORE_NOT_RATING: Final = re.compile(
    r"(?:\bat|\ba las|\ba la|\broom|\bsala|\bcuarto|\bsuite|\b#|\bno\.|\bnumber|\bnumero|"
    r"\bext|\bline|\blinea|\bmy|\bmi|\bmis|\bthe|\bel|\bla|\blos|\blas|\bfor|\bpara|\bin|"
    r"\ben|\bby|\bbefore|\bafter|\bantes de|\bdespues de|\bunder|\bover|\bwithin|\bapt|"
    r"\bunit|\bhace|\bcada|\bevery|\bdose|\bdosis|\btake|\btomar|\btomo|\$|\bpage|"
    r"\bpagina|\bof|\bdia|\bday|\btuesday|\bmonday|\bfriday|\bjuly|\bjune|\bmay|\bdec|"
    r"\bdecember|\bdiciembre|\benero|\bjan)\s*$")
_STAR_WORDS: Final = re.compile(r"^\s*(?:stars?|estrellas?|out of|outta|de 5|de cinco|/5)")
_GIVE_BEFORE: Final = re.compile(
    r"(?:give (?:you |u |it |them |y'all )?(?:a |an )?|gave (?:you |u |it )?(?:a |an )?|"
    r"rate (?:you |u |it )?(?:a |an )?|rating:?|score:?|doy (?:un |una )?|damos (?:un )?|"
    r"daria (?:un )?|calificacion:?|nota:?|puntuacion:?|a solid|un solido|\ba|\bun)\s*$")
_CHOICE: Final = re.compile(r"^\s*(?:or|o|-|to|a|y medio|and a half)\s*$")
_GREETING: Final = re.compile(
    r"\b(?:good (?:morning|afternoon|evening|night|day)|buen(?:os|as) (?:dias|tardes|noches)|"
    r"buen dia|que tengan? (?:un )?buen|have a (?:good|great)|is it (?:ok|okay|fine)|"
    r"esta bien\?)")
_REPEATS: Final = re.compile(r"([a-z])\1{2,}")
_KEYCAP: Final = re.compile("([0-9])\ufe0f?\u20e3")
_STARS: Final = re.compile("[⭐★🌟]")


def fold(text: str) -> str:
    """Lower case, accents off, keycap digits as digits, letter floods shortened
    ("fiveeee" -> "five", "graciasss" -> "gracias")."""
    text = _KEYCAP.sub(r"\1", text)
    decomposed = unicodedata.normalize("NFKD", text.lower())
    plain = "".join(ch for ch in decomposed if not unicodedata.combining(ch) or ord(ch) > 0x2000)
    plain = plain.replace("’", "'").replace("\ufe0f", "")
    return _REPEATS.sub(r"\1", plain)


def guess_language(text: str, default: str = "en") -> str:
    """The language a patient wrote in ("en" or "es"), by common words; `default` if unsure."""
    words = re.findall(r"[a-zñ]+", fold(text))
    es = sum(w in _ES_MARKERS for w in words)
    en = sum(w in _EN_MARKERS for w in words)
    if es > en:
        return "es"
    if en > es:
        return "en"
    return default if default in LANGS else "en"


_ES_MARKERS: Final = _wordset("""
hola gracias por favor para cita necesito quiero tengo puedo mi mis el la los las que de del
una un es esta estoy con su usted buenos buenas dias tardes cuando donde como doctor doctora
mañana manana semana hoy si pero muy bien medico receta resultados
""")
_EN_MARKERS: Final = _wordset("""
hi hello thanks thank please appointment need want have can my the is are with your you when
where how doctor tomorrow week today yes but very well results prescription i i'm would could
""")


def read_rating(text: str, lang: str = "en", channel: str = "email") -> tuple[int | None, bool]:
    """(rating 1-5 or None, more_text) for the reply `text` to the question asked in `lang`.

    `more_text` is True when the reply carries something a person should read besides the
    rating (a comment, a question, a request); for a reply that is no rating it is True
    unless the reply is empty, an acknowledgement ("ok", "gracias") or an opt-out.
    """
    del lang  # both languages are read whatever was asked: patients answer in either
    own = new_text(text[:MAX_CHARS * 4], channel)[:MAX_CHARS]
    if not own.strip():
        own = text[:MAX_CHARS].strip()
    folded = fold(own)
    rating, spans = _find_rating(folded)
    rest = _remove(folded, spans)
    words = [w for w in re.findall(r"[a-zñ']+", rest) if w.strip("'")]
    if rating is None:
        meaningful = [w for w in words if w not in _ACK and w not in _OPT_OUT]
        has_content = bool(meaningful) or bool(re.search(r"\d", rest)) or "?" in rest
        if not words and not has_content:
            has_content = False
        return None, has_content
    extra = [w for w in words if w not in _FILLER and not _is_name_or_noise(w)]
    return rating, bool(extra) or "?" in rest


def _is_name_or_noise(word: str) -> bool:
    return len(word) <= 1


def _remove(folded: str, spans: list[tuple[int, int]]) -> str:
    out = folded
    for start, end in sorted(spans, reverse=True):
        out = out[:start] + " " + out[end:]
    return out


def _find_rating(folded: str) -> tuple[int | None, list[tuple[int, int]]]:
    """The rating and the character spans that gave it; (None, spans of opt-outs) if none."""
    numbers, spans, ambiguous = _numbers(folded)
    if ambiguous:
        return None, []
    if numbers:
        return numbers[0], spans
    stars = [m.span() for m in _STARS.finditer(folded)]
    if stars:
        return min(len(stars), 5), stars
    words = _words(folded)
    if words is not None:
        return words
    return _emoji(folded)


def _question_spans(folded: str) -> list[tuple[int, int]]:
    """Spans of the sentences that end with a question mark (no score hides in a question)."""
    out: list[tuple[int, int]] = []
    start = 0
    for m in re.finditer(r"[.!?\n¿]+", folded):
        if "?" in m.group():
            out.append((start, m.end()))
        start = m.end()
    return out


def _leads_question(folded: str, start: int, after: str) -> bool:
    """A score first, then a question of its own: "5, can you send the receipt?"."""
    return not folded[:start].strip() and bool(_QUESTION_START.match(after))


_QUESTION_START: Final = re.compile(
    r"^\s*(?:[,;:!-]|(?:can|could|would|will|when|what|where|how|why|is|are|do|does|did|"
    r"puede|pueden|podrian|cuando|donde|como|que|por que|necesito|tienen)\b)")


def _inside(pos: int, spans: list[tuple[int, int]]) -> bool:
    return any(a <= pos < b for a, b in spans)


def _scale_value(value: float, top: float) -> int | None:
    if top not in (5, 10, 100) or value > top:
        return None
    if value == top:
        return 5
    scaled = int(value * 5 // top) if top != 5 else int(value)
    return max(1, min(5, scaled))


def _numbers(folded: str) -> tuple[list[int], list[tuple[int, int]], bool]:
    """Ratings given as numbers: (ratings in order, their spans, ambiguous?)."""
    questions = _question_spans(folded)
    found: list[tuple[int, int, int]] = []  # (start, end, rating)
    taken: list[tuple[int, int]] = []
    for m in _SCALE.finditer(folded):
        value = float(m.group(1).replace(",", "."))
        top = float(m.group(2))
        rating = _scale_value(value, top)
        taken.append(m.span())
        if rating is not None and not _inside(m.start(), questions):
            found.append((m.start(), m.end(), rating))
    for m in re.finditer(r"(?<![\d/.:,-])(\d{1,3})(?:[.,](\d))?(?![\d/:-]|[.,]\d)", folded):
        after = folded[m.end():]
        if _inside(m.start(), taken) or (_inside(m.start(), questions)
                                         and not _leads_question(folded, m.start(), after)):
            continue
        value = int(m.group(1))
        before = folded[:m.start()]
        if _COUNT_UNIT.match(after) or _BEFORE_NOT_RATING.search(before):
            continue
        if value > 5 and not (value == 10 and _STAR_WORDS.match(after)):
            continue
        if value == 10:
            value = 5
        found.append((m.start(), m.end(), max(1, value)))
    for m in re.finditer(r"[a-z]+", folded):
        word = m.group()
        if word not in _NUMBER_WORDS or _inside(m.start(), questions):
            continue
        before, after = folded[:m.start()], folded[m.end():]
        standalone = not re.search(r"[a-z\d]", _strip_filler(before + " " + after))
        if not (standalone or _STAR_WORDS.match(after) or _GIVE_BEFORE.search(before)):
            continue
        if word in ("una", "un") or (word == "uno" and not standalone):
            continue
        value = _NUMBER_WORDS[word]
        if value > 5 and not (value == 10 and (_STAR_WORDS.match(after) or standalone)):
            continue
        if value == 10 and standalone and not _STAR_WORDS.match(after):
            continue
        found.append((m.start(), m.end(), 5 if value == 10 else max(1, value)))
    found.sort()
    if not found:
        return [], [], False
    values = [r for _, _, r in found]
    if len(set(values)) > 1:
        if len(found) == 2 and _CHOICE.match(folded[found[0][1]:found[1][0]]):
            return [min(values)], [(s, e) for s, e, _ in found], False
        return [], [], True
    spans = [(s, e) for s, e, _ in found]
    # "4.5" and "4,5" read the lower half; the scale pattern covered "4.5/5".
    return [values[0]], spans, False


def _strip_filler(text: str) -> str:
    return " ".join(w for w in re.findall(r"[a-zñ'\d]+", text) if w not in _FILLER)


def _words(folded: str) -> tuple[int, list[tuple[int, int]]] | None:
    masked = _GREETING.sub(lambda m: " " * len(m.group()), folded)
    questions = _question_spans(masked)
    padded = f" {masked} "
    best: tuple[int, int, int] | None = None  # (start, end, rating)
    used: list[tuple[int, int]] = []
    for phrase, rating in _WORD_RATINGS:
        for m in re.finditer(rf"(?<![a-zñ]){re.escape(phrase)}(?![a-zñ])", padded):
            start, end = m.start() - 1, m.end() - 1
            if _inside(start, used) or _inside(start, questions):
                continue
            used.append((start, end))
            value = rating
            if value == 4 and _VERY.search(masked[:start]):
                value = 5
                start = _VERY.search(masked[:start]).start()  # type: ignore[union-attr]
            if best is None or start < best[0]:
                best = (start, end, value)
    if best is None:
        return None
    return best[2], [(best[0], best[1])]


def _emoji(folded: str) -> tuple[int | None, list[tuple[int, int]]]:
    for i, ch in enumerate(folded):
        if ch in _EMOJI_RATINGS:
            spans = [(j, j + 1) for j, c in enumerate(folded) if c in _EMOJI_RATINGS]
            return _EMOJI_RATINGS[ch], spans
    return None, []
