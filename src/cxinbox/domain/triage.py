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

from cxinbox.domain import intent as intent_mod
from cxinbox.domain import redflag
from cxinbox.domain.newtext import new_text
from cxinbox.domain.redflag_lexicon import CATEGORIES
from cxinbox.domain.sanitize import clean_text

__all__ = ["CATEGORIES", "INTENTS", "Assessment", "Detail", "assess", "assess_message",
           "inspect", "inspect_message", "language"]
INTENTS: Final = intent_mod.INTENTS


@dataclass(frozen=True, slots=True)
class Assessment:
    red_flag: str | None  # one of CATEGORIES
    matched: str  # the patient's matched words ("" when none)
    intent: str  # one of INTENTS
    confidence: float  # of the intent, 0.0-1.0
    language: str  # "en" | "es"


@dataclass(frozen=True, slots=True)
class Detail:
    """Everything the detectors saw, for `cxinbox triage` and people tuning rules."""

    assessment: Assessment
    new_text: str
    findings: tuple[redflag.Finding, ...]
    bulk: bool
    intent_scores: dict[str, float]


_SPANISH: Final = re.compile(
    r"\b(?:el|la|los|las|de|del|que|y|en|por|para|con|mi|me|es|esta|estoy|tengo|una|un|"
    r"se|lo|le|su|pero|muy|gracias|hola|buenos|buenas|dias|tardes|cita|dolor|porque|"
    r"necesito|quiero|puedo|usted|ustedes|favor|tiene|hace|ayer|hoy|desde|como)\b")
_ENGLISH: Final = re.compile(
    r"\b(?:the|and|of|to|in|is|it|my|i|you|for|on|have|with|this|that|was|can|be|are|"
    r"at|not|but|please|thanks|hi|hello|need|want|since|from|what|when|will|would|an)\b")


def language(folded: str) -> str:
    """"es" when Spanish function words outnumber English ones, else "en"."""
    spanish = len(_SPANISH.findall(folded))
    english = len(_ENGLISH.findall(folded))
    return "es" if spanish > english else "en"


def inspect(body: str, *, subject: str = "", channel: str = "email",
            bulk: bool = False) -> Detail:
    """Assess one message and keep what led there. `bulk`: the headers mark a mailing."""
    text = new_text(clean_text(body), channel)  # escape sequences out: "\x1b[31mchest"
    folded, _ = redflag.fold(text)
    folded_subject, _ = redflag.fold(subject)
    is_bulk = bulk or redflag.is_bulk(f"{folded_subject}\n{folded}")
    # A subject the patient wrote ("Chest pain", body "please call me") is read as a line
    # of its own; a reply's subject ("Re: your chest x-ray") is the clinic's, not theirs.
    read = f"{subject}\n\n{text}" if subject.strip() and not _REPLY.match(subject) else text
    setting = subject if read is text else ""
    findings = redflag.find(read, bulk=is_bulk, setting=setting)
    hit = redflag.first_current(findings)
    # Symptoms set aside still make a message clinical when it asks about them; an update
    # that only says a symptom is gone ("no wheezing now, thank you!") asks nothing.
    asks = "?" in folded
    talk = any(f.status in ("historical", "hypothetical") or (f.status == "negated" and asks)
               for f in findings)
    found = intent_mod.classify(folded, folded_subject, red_flag=hit is not None,
                                symptom_talk=talk, bulk=is_bulk)
    assessment = Assessment(
        red_flag=hit.category if hit else None,
        matched=hit.matched if hit else "",
        intent=found.name,
        confidence=found.confidence,
        language=language(f"{folded_subject} {folded}"),
    )
    return Detail(assessment, text, tuple(findings), is_bulk, found.evidence)


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
