"""Triage of one inbound patient message: red flag, intent, language. Pure; nothing leaves
the machine, nothing is stored.

The pieces live in their own modules (newtext: what the patient wrote now; redflag: the
ConText detector and its lexicons; intent: the request); this one puts them together in
the shape rules, the CLI and the bench use.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Final

from cxinbox.domain import breathing, headinjury, hitjudge, redflag, selfharm, textmodel
from cxinbox.domain import intent as intent_mod
from cxinbox.domain.assessment import Assessment
from cxinbox.domain.newtext import new_text
from cxinbox.domain.redflag_lexicon import CATEGORIES
from cxinbox.domain.regexneed import compiled
from cxinbox.domain.sanitize import clean_text

__all__ = ["CATEGORIES", "INTENTS", "Assessment", "Detail", "assess", "assess_message",
           "inspect", "inspect_message", "language", "prepare_detectors"]
INTENTS: Final = intent_mod.INTENTS


@dataclass(frozen=True, slots=True)
class Detail:
    """Everything the detectors saw, for `cxinbox triage` and people tuning rules."""

    assessment: Assessment
    new_text: str
    findings: tuple[redflag.Finding, ...]
    bulk: bool
    intent_scores: dict[str, float]
    decided_by: str = ""
    """How the intent was reached: the rules' path (mailing | concrete | fallback | none)
    or "model", where the model overruled the rules (`_blend_intent`)."""
    model_took: float | None = None
    """The model's probability for the intent where it overruled the rules."""


_SPANISH: Final = compiled(
    r"\b(?:el|la|los|las|de|del|que|y|en|por|para|con|mi|me|es|esta|estoy|tengo|una|un|"
    r"se|lo|le|su|pero|muy|gracias|hola|buenos|buenas|dias|tardes|cita|dolor|porque|"
    r"necesito|quiero|puedo|usted|ustedes|favor|tiene|hace|ayer|hoy|desde|como)\b")
_ENGLISH: Final = compiled(
    r"\b(?:the|and|of|to|in|is|it|my|i|you|for|on|have|with|this|that|was|can|be|are|"
    r"at|not|but|please|thanks|hi|hello|need|want|since|from|what|when|will|would|an)\b")


def language(folded: str) -> str:
    """"es" when Spanish function words outnumber English ones, else "en"."""
    spanish = len(_SPANISH.findall(folded))
    english = len(_ENGLISH.findall(folded))
    return "es" if spanish > english else "en"


def inspect(body: str, *, subject: str = "", channel: str = "email",
            bulk: bool = False, model: textmodel.TriageModel | None = None,
            statistical: bool = True, judge: hitjudge.HitJudge | None = None) -> Detail:
    """Assess one message and keep what led there. `bulk`: the headers mark a mailing.
    `model`: the statistical model (None: the one shipped); `judge`: the judge of each
    lexicon hit (None: the one shipped); `statistical=False` reads with the lexicons and
    rules alone (no model, no judge)."""
    text = _bounded(new_text(clean_text(body), channel))  # escapes out: "\x1b[31mchest"
    folded, _ = redflag.fold(text)
    folded_subject, _ = redflag.fold(subject)
    is_bulk = bulk or redflag.is_bulk(f"{folded_subject}\n{folded}")
    # A subject the patient wrote ("Chest pain", body "please call me") is read as a line
    # of its own; a reply's subject ("Re: your chest x-ray") is the clinic's, not theirs.
    read = f"{subject}\n\n{text}" if subject.strip() and not _REPLY.match(subject) else text
    setting = subject if read is text else ""
    findings = redflag.find(read, bulk=is_bulk, setting=setting)
    chosen = (model or textmodel.shipped()) if statistical else None
    chosen_judge = (judge or hitjudge.shipped()) if statistical else None
    hit = judged(read, findings, chosen_judge)
    if hit is not None and hit.category == selfharm.CATEGORY and statistical \
            and selfharm.quiet_hit(read):
        # the risk denied, someone else's, a form's or long past, an accident or an overdose
        # not meant to kill, and no sign now: another category's hit names the message
        hit = judged(read, [f for f in findings if f.category != selfharm.CATEGORY], chosen_judge)
    if hit is not None and hit.category == headinjury.CATEGORY and statistical \
            and headinjury.quiet_hit(read):  # a head against the wall, a form, a blow years ago
        hit = judged(read, [f for f in findings if f.category != headinjury.CATEGORY], chosen_judge)
    flag = (hit.category, hit.matched) if hit else None
    if flag is None and chosen is not None and not is_bulk:
        flag = _statistical_flag(chosen, read, findings)
        if flag is not None and flag[0] != selfharm.CATEGORY and selfharm.plan_now(read):
            flag = None  # the model's other category over a plan, a method held or researched
    if flag is None and not is_bulk and not _vetoed(findings, selfharm.CATEGORY):
        flag = selfharm.concept_flag(read)
    elif flag is not None and flag[0] in INTENDED and not is_bulk \
            and selfharm.concept_flag(read) is not None:
        flag = (selfharm.CATEGORY, flag[1])  # the harm is intended: the guide's order
    elif flag is not None and flag[0] == "pregnancy_emergency" and not is_bulk \
            and selfharm.after_pregnancy_wish(read):
        flag = (selfharm.CATEGORY, flag[1])  # the pregnancy is over; the wish is now
    if flag is None and not is_bulk and not _vetoed(findings, headinjury.CATEGORY):
        flag = headinjury.concept_flag(read)  # a blow told with a sign, or to a baby, the old, a thinner
    elif flag is not None and not is_bulk and (
            flag[0] in BLOW_EXPLAINS and headinjury.blow_caused(read)
            or hit is None and flag[0] not in BLOW_KEEPS
            and headinjury.blow_caused(read, falls=flag[0] not in BLOW_EXPLAINS)):
        flag = (headinjury.CATEGORY, flag[1])  # the guide: a blow to the head that caused it
    if not is_bulk and (flag is None or flag[0] in breathing.GIVES_WAY):
        flag = breathing.reread(read, flag, findings)  # breathing told by its signs
    # Symptoms set aside still make a message clinical when it asks about them; an update
    # that only says a symptom is gone ("no wheezing now, thank you!") asks nothing.
    asks = "?" in folded
    talk = any(f.status in ("historical", "hypothetical") or (f.status == "negated" and asks)
               for f in findings)
    found = intent_mod.classify(folded, folded_subject, red_flag=flag is not None,
                                symptom_talk=talk, bulk=is_bulk)
    if chosen is not None:
        found = _blend_intent(chosen, found, folded, folded_subject)
    assessment = Assessment(
        red_flag=flag[0] if flag else None,
        matched=flag[1] if flag else "",
        intent=found.name,
        confidence=found.confidence,
        language=language(f"{folded_subject} {folded}"),
    )
    return Detail(assessment, text, tuple(findings), is_bulk, found.evidence, found.path,
                  found.margin if found.path == "model" else None)


READ_HEAD: Final = 8000
READ_TAIL: Final = 4000


def _bounded(text: str) -> str:
    """The patient's new text, or its first 8,000 and last 4,000 characters when longer (a
    pasted log, a document in the body): the detectors' cost grows faster than the length,
    and a message that long is not a patient typing; an emergency told at its start or
    its end is still read."""
    if len(text) <= READ_HEAD + READ_TAIL:
        return text
    return f"{text[:READ_HEAD]}\n\n{text[-READ_TAIL:]}"


def judged(read: str, findings: list[redflag.Finding],
           judge: hitjudge.HitJudge | None) -> redflag.Finding | None:
    """The lexicon's current hit that names the message, after the judge removed the
    ones it is confident are traps (hitjudge.py). A removed hit's category stays set aside
    for the model: it would read the same words without their context. The judge is asked
    about the hits in the order they would name the message, until it keeps one: the hits
    after that one could not name it whatever it said of them."""
    if judge is None:
        return redflag.first_current(findings)
    if not any(f.status == "current" for f in findings):
        return None
    folded, _ = redflag.fold(read)
    return redflag.first_current(findings, lambda f: not judge.vetoes(folded, f, findings))


INTENDED: Final = frozenset({"overdose_poisoning", "severe_bleeding", "head_injury"})
"""Categories that give way to suicide/self-harm when the warning signs of it are read in
the same message (selfharm.concept_flag): the labelling guide puts suicide/self-harm over a
poisoning or a bleeding when the harm is intended, and a head struck on purpose is
self-injury."""


BLOW_EXPLAINS: Final = frozenset({"stroke", "severe_bleeding"})
"""Lexicon categories that give way to head injury when a blow and a sign are read current
(headinjury.blow_caused): the guide puts head injury over stroke and bleeding a blow caused."""
BLOW_KEEPS: Final = frozenset({"pregnancy_emergency", "suicide_self_harm", "anaphylaxis", "head_injury"})
"""The statistical model's categories that a blow does not overrule: a pregnancy comes first,
a head struck on purpose is self-harm, a reaction after a sting is not the knock."""


def _vetoed(findings: list[redflag.Finding], category: str) -> bool:
    """A current lexicon hit of `category` that names no flag: the hit judge set it aside as
    a trap, and a reader of the same words must not bring it back."""
    return any(f.category == category and f.status == "current" for f in findings)


def _statistical_flag(model: textmodel.TriageModel, read: str,
                      findings: list[redflag.Finding]) -> tuple[str, str] | None:
    """The model's red flag when the lexicon found none: its probability of an emergency
    at or over the model's threshold, and at least half the threshold on one category the
    lexicon did not set aside (on text it knows nothing about, what "none" leaves is spread
    thin over all ten), and the three words it leans on hardest for that category each read
    as a target by the ConText checks: the strongest and most of them must read current (not
    negated, past, hypothetical, asked about or inside a pseudo phrase). One is not enough:
    a negation may reach the second and third and not the first ("no se tomó nada del
    frasco"); all three would be too many: "no puede mover el brazo" reads as a negation to a single
    word. A category whose red-flag words the lexicon found and set aside (the only
    findings that reach here) stays set aside: the model would be reading the same words
    without their context; the model's next category is read instead, since words of
    another category set aside say nothing about it ("no chest pain, just can't pull
    enough air"). An infant fever needs an infant (the
    lexicon's age rules)."""
    folded, _ = redflag.fold(read)
    probs = model.redflag_probabilities(folded)
    aside = {f.category for f in findings}
    if 1.0 - probs["none"] >= model.threshold:
        overruled = negation_overruled(model, read, folded, findings, probs)
        if overruled is not None:
            return overruled
    open_ = [c for c in CATEGORIES if c not in aside]
    if not open_:
        return None
    category = max(open_, key=lambda c: (probs[c], -CATEGORIES.index(c)))
    if 1.0 - probs["none"] < model.threshold or probs[category] < model.threshold / 2:
        return None
    if too_short_to_flag(model, folded, category):
        return None
    if category == "infant_fever" and not redflag.has_infant(folded):
        return None
    spans = textmodel.strongest_words(model.redflag, folded, category)
    if not spans:
        return None
    checked = [_checked(read, folded, category, start, end) for start, end in spans]
    current = sum(1 for status, _quote in checked if status == "current")
    if checked[0][0] != "current" or 2 * current <= len(checked):
        return None
    if set_aside(folded, category, spans[0][0]):
        return None
    if category == selfharm.CATEGORY and (selfharm.moving_on(read) or selfharm.quiet_hit(read)):
        return None
    return category, checked[0][1]


FLAG_READ_AS: Final = 10
"""Features (hashed words, pairs and pieces) at whose scale the red-flag model's own hit on a
shorter text is read again (`too_short_to_flag`): one or two short words. The model scales a
text's summed weights by 1/sqrt(its features), learned on messages of a hundred and more,
so on two features ("ya") one word weighs seven times what it weighs in a message, and
"ya", "done", "all done", "ya está" reached the threshold as a thought of self-harm. Not
more: at 11 "i give up" is lost, at 20 "ya no puedo seguir", and at 30 "ya me cansé de
vivir" (short texts whose whole emergency only the model reads), while "ya me voy" and "ya
estoy aquí" weigh as much as they do (TRIAGE_EVAL.md, "Short everyday texts (round 38)")."""


def too_short_to_flag(model: textmodel.TriageModel, folded: str, category: str) -> bool:
    """The model's hit on a text of fewer than FLAG_READ_AS features does not carry itself:
    read at the scale of FLAG_READ_AS features (the rest as if neutral), its probability of
    an emergency falls under the model's threshold or `category`'s under half of it. A short
    emergency only the model reads ("ya no puedo seguir", "ya me corté otra vez") keeps its
    weight; a word the model leans on only when it stands nearly alone does not."""
    probs = model.redflag_probabilities_read_as(folded, FLAG_READ_AS)
    return 1.0 - probs["none"] < model.threshold or probs[category] < model.threshold / 2


def _checked(read: str, folded: str, category: str, start: int, end: int) -> tuple[str, str]:
    """`redflag.context_status` of one of the model's words, but a word inside a negation
    that is the symptom itself ("no se despierta bien", "no encuentra las palabras") reads
    current, not denied (round 28)."""
    status, quote = redflag.context_status(read, category, start, end)
    if status == "negated" and redflag.negation_is_symptom(folded, start, end):
        return "current", quote
    return status, quote


STORED_CATEGORIES: Final = frozenset({"overdose_poisoning", "suicide_self_harm"})
"""Categories whose model-only hit a medicine told stored, not taken, sets aside ("I keep my
pills in the kitchen"). Pills counted or kept ready for a purpose are self-harm's means,
never set aside: redflag.stored_not_taken reads them as taken ("counting the pills ... and
thinking about taking them all", "ya tengo suficientes guardadas para lo que voy a hacer")."""


BARE_DECISION_WORDS: Final = 4
"""A sentence of this many words or fewer around the model's strongest word (a bare "I've
decided.") is read with the one before and the one after it for an ordinary reason
(set_aside)."""


def set_aside(folded: str, category: str, strongest: int) -> bool:
    """The model's own hit (no lexicon hit names the message) is not current: the writer
    says they are well now (redflag.resolved_now), or, for a poisoning or a thought of
    self-harm, the words it leaned on hardest sit beside medicines told stored and nobody
    took them or means to (redflag.stored_not_taken), or, for a thought of self-harm, a decision or an
    apology is told with its ordinary object (redflag.ordinary_reason: "going with the
    other surgeon", "sorry he's late"), or one of round 36's near-miss families is told
    beside it (redflag.near_miss: "cut my jeans, not my leg", pills returned unopened, a
    picture of the pills one takes, a dose for a toothache, brownies "to die for"). Our own
    near misses of round 28's retrained model (TRIAGE_EVAL.md, "Model retrained and
    shipped (round 28)") and of round 36's ("Model retrained (round 36)").

    The words that are well now or the ordinary reason must sit in the sentence of the
    model's strongest word: "All better from my cold. Also she drank some of the stuff under
    the sink" is the writer's cold set aside, not the child's poisoning (review29 #1)."""
    begin = redflag.sentence_start(folded, strongest)
    end = redflag.sentence_end(folded, strongest)

    def here(span: tuple[int, int] | None) -> bool:
        return span is not None and begin <= span[0] and span[1] <= end

    if here(redflag.resolved_now(folded)):
        return True
    if category == "suicide_self_harm":
        reason = redflag.ordinary_reason(folded)
        # a bare decision ("I've decided.", "ya lo decidí.") is told with its object in
        # the sentence before or after it (round 33)
        if len(folded[begin:end].split()) <= BARE_DECISION_WORDS:
            if end < len(folded):
                end = redflag.sentence_end(folded, end + 1)
            before = len(folded[:begin].rstrip()) - 1  # the previous sentence's mark
            if before >= 0:
                begin = redflag.sentence_start(folded, before)
        if here(reason):
            return True
    if redflag.near_miss(folded, category, strongest) is not None:
        return True
    return category in STORED_CATEGORIES and \
        redflag.stored_not_taken(folded, strongest) is not None


NEGATION_OVERRULED: Final = 0.95
"""The model's probability on a category at which it overrules the lexicon's negation of
that category (TRIAGE_EVAL.md, round 18: over the 17 labelled sets the red flags it finds read
0.97-0.997, the nearest negation trap 0.86)."""


def negation_overruled(model: textmodel.TriageModel, read: str, folded: str,
                        findings: list[redflag.Finding],
                        probs: dict[str, float]) -> tuple[str, str] | None:
    """The model's best category when the lexicon found it only negated and the model reads
    it at NEGATION_OVERRULED or more, with one of its three strongest words read current: a
    negation the lexicon misread ("half his smile is gone", "he's not acting like himself",
    "está bien aguadito"). History, hypotheticals, questions and pseudo phrases stay set aside.
    The caller checks the model's threshold first."""
    top = max(CATEGORIES, key=lambda c: (probs[c], -CATEGORIES.index(c)))
    statuses = {f.status for f in findings if f.category == top}
    if statuses != {"negated"} or probs[top] < NEGATION_OVERRULED:
        return None
    if top == "infant_fever" and not redflag.has_infant(folded):
        return None
    spans = textmodel.strongest_words(model.redflag, folded, top)
    if spans and set_aside(folded, top, spans[0][0]):
        return None
    checked = [redflag.context_status(read, top, start, end) for start, end in spans]
    return next(((top, quote) for status, quote in checked if status == "current"), None)


MODEL_TAKES: Final = {"none": 0.4, "fallback": 0.4, "concrete": 0.8}
"""The model's probability at which its intent replaces the rules', per rule path: a rule
that found no request (or nothing at all) gives way easily; a concrete request only to a
model that is sure. A mailing stays spam. Chosen by leave-one-set-out on the six labelled
sets (TRIAGE_EVAL.md, round 6)."""


READ_ENOUGH: Final = 30
"""Features of a text the intent model holds weights for (`TriageModel.intent_known`) from
which it overrules the rules' "none" on MODEL_TAKES alone: about six words. Fewer is a name,
a date of birth, "no such user", an out-of-office line, "testing 123"."""
SHORT_LIFT: Final = 4.5
"""On a text of fewer known features than READ_ENOUGH, the log-odds by which the text itself
must favour the model's intent over `other`, the rules' answer where they found nothing
(`LinearModel.lift`: against what the model says of an empty text). Why: that empty-text
prior gives `clinical_question` 0.33 and `other` 0.59, so on a few words the model barely
reads, a clinical question reached MODEL_TAKES' 0.4 on almost no evidence (0.2 log-odds),
while a request, its prior near 0.01, needed 3.6 to 5.3: every intent now passes the
requests' test (TRIAGE_EVAL.md, "Text with nothing to read (round 38)")."""
_LETTER: Final = compiled(r"[^\W\d_]")


def _nothing_read(model: textmodel.TriageModel, probs: dict[str, float], best: str,
                  folded: str, folded_subject: str) -> bool:
    """The model's `best` over the rules' "none" rests on no words it reads: the text has no
    letter at all (marks, digits, emoji: "?", a phone number, a date, whose features stand
    beside words in everything the model learned from), or the model knows fewer than
    READ_ENOUGH of its features and the text lifts `best` over `other` by less than
    SHORT_LIFT. A short reply the model knows well ("C" for cancel, "yes confirm", "do u
    take venmo") lifts its intent by 5 to 9."""
    if _LETTER.search(folded) is None and _LETTER.search(folded_subject) is None:
        return True
    if model.intent_known(folded, folded_subject) >= READ_ENOUGH:
        return False
    return model.intent.lift(probs, best, "other") < SHORT_LIFT


def _blend_intent(model: textmodel.TriageModel, found: intent_mod.Intent, folded: str,
                  folded_subject: str) -> intent_mod.Intent:
    """The rules' intent, unless the model disagrees with at least MODEL_TAKES[path] and,
    where the rules found nothing, has read something (`_nothing_read`)."""
    take = MODEL_TAKES.get(found.path)
    if take is None:
        return found
    probs = model.intent_probabilities(folded, folded_subject)
    best = max(INTENTS, key=lambda name: (probs[name], -INTENTS.index(name)))
    if best == found.name or probs[best] < take:
        return found
    if found.path == "none" and _nothing_read(model, probs, best, folded, folded_subject):
        return found
    confidence = round(min(0.99, max(0.05, 0.5 + intent_mod.SHRINK * (probs[best] - 0.5))), 2)
    return intent_mod.Intent(best, confidence, found.evidence, "model", round(probs[best], 3))


def prepare_detectors() -> None:
    """Compile the lexicons and the sign readers' patterns and load the model and the judge
    now (each is otherwise made on first use, by the first message assessed): for a process
    that knows messages are on their way and has a moment before they come. A parse worker
    readies them with its pattern file kept (service/pattern_cache.py), so what they compile
    here is read from the file at its next sync."""
    redflag._compiled()
    intent_mod.prepare()
    textmodel.shipped()
    hitjudge.shipped()
    selfharm._compiled()
    breathing._compiled()
    headinjury._compiled()


def assess(body: str, *, subject: str = "", channel: str = "email") -> Assessment:
    """The red flag (if any), intent and language of one email or text message."""
    return inspect(body, subject=subject, channel=channel).assessment


def inspect_message(raw: bytes) -> Detail:
    """`inspect` for a raw RFC 5322 message (parsed with domain/mime.py)."""
    from cxinbox.domain.mime import parse_message

    parsed = parse_message(raw)
    return inspect(parsed.body_text, subject=parsed.subject, channel="email",
                   bulk=_mailing(raw))


def assess_message(raw: bytes) -> Assessment:
    """`assess` for a raw RFC 5322 message."""
    return inspect_message(raw).assessment


_REPLY: Final = re.compile(r"\s*(?:re|aw|rv|fw|fwd|tr|r)\s*(?:\[\d+\])?\s*:", re.IGNORECASE)
_HEADER_END: Final = re.compile(rb"\r?\n\r?\n")
_LIST_HEADER: Final = re.compile(
    rb"^(?:list-id|list-unsubscribe|list-post)\s*:|^precedence\s*:\s*(?:bulk|list|junk)",
    re.IGNORECASE | re.MULTILINE)


def _mailing(raw: bytes) -> bool:
    """A mailing list or bulk sender by its headers (RFC 2369, RFC 2919, Precedence)."""
    end = _HEADER_END.search(raw, 0, 256_000)
    return bool(_LIST_HEADER.search(raw, 0, end.start() if end else min(len(raw), 256_000)))
