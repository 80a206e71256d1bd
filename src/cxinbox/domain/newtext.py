"""The patient's own new words in a message: quoted history, signatures and footers cut off.

Why a module of its own: the red-flag detector must judge what the patient wrote *now*. A
reply that quotes last month's "chest pain" discussion, a clinic footer that lists stroke
signs, or a signature line ("Stroke survivors' choir") must never raise an alarm, and the
intent classifier is misled by the same text. Cutting is line-based and conservative in one
direction only: when unsure whether a line is history, it is kept (a missed emergency is
worse than a false alarm), except for the unambiguous markers below.

Cut at (and after) the first of:
- an attribution line: "On <date>, <someone> wrote:" (also wrapped over two lines), Spanish
  "El <fecha>, <alguien> escribió:";
- "-----Original Message-----", "----- Mensaje original -----", forwarded-message markers;
- an Outlook header block: "From:"/"De:" followed within a few lines by "Sent:"/"Date:"/
  "Enviado:"/"Fecha:" (with or without a "____" rule above it);
- a signature separator ("-- " or "--" alone), "Sent from my iPhone" and the like;
- a confidentiality footer ("CONFIDENTIALITY NOTICE", "This e-mail ... confidential ...
  intended recipient", "AVISO DE CONFIDENCIALIDAD", ...);
- a sign-off line ("Thanks,", "Regards", "Saludos,", "Atentamente", "Atte.") followed by a
  signature block: a few short lines, or any lines under a name line ("Dana Whitfield, LCSW"),
  as long as none of them speaks in the first person; a "P.S." after it is kept;
- in email, a last paragraph that starts with a name line and never speaks in the first
  person (a signature without a sign-off: "Greg Ito\nChest Pain Center\nExample Hospital").
  Taglines and crisis-line footers in such blocks ("If you are thinking about suicide, call
  988") are the sender's organisation talking, not the patient.

Lines starting with ">" are dropped wherever they are. An attribution line followed by a
quoted block (">" lines) and then more text is a reply written below the quote (bottom
posting, or answers between the quoted questions): the text after the quote is new and is
read, each part with its own sign-off and signature cut.

A body longer than MAX_CHARS is read as its head and its tail: the end of a long message
(an emergency added after a pasted bill) is never dropped unread.
"""

from __future__ import annotations

import re
from typing import Final

MAX_CHARS: Final = 20_000
"""Past this, only a body's first HEAD_CHARS and last TAIL_CHARS are read: detection stays
fast on a pathological message (about 8 microseconds a character) and the end of a long
message is still read (triage reads the first 8,000 and last 4,000 characters of the new
text)."""
HEAD_CHARS: Final = 16_000
TAIL_CHARS: Final = 4_000

LONGEST_WORD: Final = 64
"""A run of letters longer than this is no word a patient typed (a base64 blob, a held
key); only its head is kept, so the detectors' word patterns, which try each letter of a
word as a possible start, stay linear on it."""
_LONG_RUN: Final = re.compile(rf"\w{{{LONGEST_WORD},}}")

_ATTRIBUTION: Final = re.compile(
    r"^\s*(?:on\s.{0,200}?\bwrote|el\s.{0,200}?\bescribi[oó]|le\s.{0,200}?\ba\s[ée]crit)"
    r"\s*:\s*$",
    re.IGNORECASE,
)
_ATTRIBUTION_START: Final = re.compile(r"^\s*(?:on|el)\s+\S", re.IGNORECASE)
_SEPARATOR: Final = re.compile(
    r"^\s*(?:-{2,}\s*(?:original message|mensaje original|forwarded message|mensaje reenviado)"
    r"\s*-{2,}|begin forwarded message:|inicio del mensaje reenviado:)\s*$",
    re.IGNORECASE,
)
_RULE: Final = re.compile(r"^\s*_{8,}\s*$")
_FROM_FIELD: Final = re.compile(r"^\s*\*?(?:from|de)\s*:\*?\s+\S", re.IGNORECASE)
_SENT_FIELD: Final = re.compile(
    r"^\s*\*?(?:sent|date|enviado(?: el)?|fecha|to|para|subject|asunto)\s*:", re.IGNORECASE)
_SIG_DASHES: Final = re.compile(r"^--\s?$")
_DEVICE_LINE: Final = re.compile(
    r"^\s*(?:sent from my \w+|sent from (?:yahoo|outlook|mail for)|get outlook for \w+|"
    r"enviado desde mi \w+|sent via \w+|sent with \w+)", re.IGNORECASE)
_FOOTER: Final = re.compile(
    r"confidentiality notice|aviso de confidencialidad|privileged and confidential|"
    r"(?:this|the) (?:e-?mail|message|communication|transmission)\b.{0,160}\b"
    r"(?:confidential|intended (?:solely |only )?for)|"
    r"(?:este|el presente) (?:correo|mensaje)\b.{0,160}\b(?:confidencial|destinatario)",
    re.IGNORECASE | re.DOTALL,
)
_SIGN_OFF: Final = re.compile(
    r"^\s*(?:thanks?(?: you)?(?: so much| again)?|thx|ty|regards|best(?: regards| wishes)?|"
    r"kind regards|warm regards|warmly|warm wishes|sincerely(?: yours)?|cheers|respectfully|take care|"
    r"gracias(?: de antemano)?|muchas gracias|saludos(?: cordiales)?|un saludo|atentamente|"
    r"cordialmente|bendiciones|quedo atent[oa]|atte|att|sinceramente|all the best|"
    r"many thanks|best,? \w+)\s*[,.!]*\s*$",
    re.IGNORECASE,
)
_POSTSCRIPT: Final = re.compile(r"^\s*(?:p\.?\s?s\.?|p\.?\s?d\.?)(?:\s|:|$)", re.IGNORECASE)
_SIGNATURE_LINES: Final = 7
_SIGNATURE_WIDTH: Final = 60
_SIGNATURE_WORDS: Final = 7
_FIRST_PERSON: Final = re.compile(
    r"\b(?:i|i'm|im|i've|ive|i'd|my|me|mine|myself|mi|mis|yo|tengo|estoy|me duele|"
    r"necesito|quiero|puedo|siento)\b", re.IGNORECASE)
# A name line: two to five capitalised words (particles and credentials allowed), an
# optional title or degree after a comma: "Dana Whitfield, LCSW", "Lic. Marta Ruiz",
# "Maria de la Cruz", "Tom Becker".
_NAME_WORD: Final = r"(?:[A-ZÁÉÍÓÚÑ][\w'’.-]*|de|del|la|las|los|van|von|da|di|y)"
_NAME_LINE: Final = re.compile(
    rf"^\s*(?:(?i:dr|dra|lic|ing|mr|mrs|ms|sr|sra|srta)\.?\s+)?[A-ZÁÉÍÓÚÑ][\w'’.-]*"
    rf"(?:\s+{_NAME_WORD}){{1,4}}\s*(?:,\s*[\w. -]{{1,30}})?\s*$")


def new_text(body: str, channel: str = "email") -> str:
    """The part of `body` the sender wrote now. Texts (`channel` "sms") keep their sign-off
    lines: "thanks\nchest hurts rly bad" is one message there, not a signature."""
    if len(body) > MAX_CHARS:
        tail = body[-TAIL_CHARS:]
        cut = tail.find("\n")  # start the tail on a whole line: a "> " must stay with its text
        body = f"{body[:HEAD_CHARS]}\n\n{tail[cut + 1:] if 0 <= cut < len(tail) - 1 else tail}"
    lines = body.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    parts: list[str] = []
    start = 0
    while start < len(lines):
        end = _history_start(lines, start)
        kept = [line for line in lines[start:end] if not line.lstrip().startswith(">")]
        if channel != "sms":
            kept = _cut_trailing_signature(_cut_sign_off(kept))
        part = "\n".join(kept).strip()
        if part:
            parts.append(part)
        start = _after_quote(lines, end)
    text = "\n\n".join(parts)
    return _LONG_RUN.sub(lambda m: m.group()[:LONGEST_WORD], text) if len(text) > LONGEST_WORD else text


def _attribution_lines(lines: list[str], i: int) -> int:
    """How many lines the attribution at `i` spans (1 or 2), or 0 when there is none."""
    if _ATTRIBUTION.match(lines[i]):
        return 1
    if _ATTRIBUTION_START.match(lines[i]) and i + 1 < len(lines) \
            and _ATTRIBUTION.match(f"{lines[i]} {lines[i + 1]}"):
        return 2
    return 0


def _after_quote(lines: list[str], at: int) -> int:
    """Where new text resumes after the history that starts at `at`: past an attribution
    and the ">" block under it when something follows; else the end (the rest is history)."""
    if at >= len(lines):
        return len(lines)
    span = _attribution_lines(lines, at)
    if not span:
        return len(lines)
    i = at + span
    while i < len(lines) and not lines[i].strip():
        i += 1
    if i == len(lines) or not lines[i].lstrip().startswith(">"):
        return len(lines)  # history without quote marks: all of the rest is history
    while i < len(lines):
        line = lines[i]
        if line.strip() and not line.lstrip().startswith(">") \
                and not _rewrapped(lines[i - 1], line):
            break
        i += 1
    return i


_SENTENCE_END: Final = re.compile(r"[.?!:;)\]\"'”»]\s*$")


def _rewrapped(before: str, line: str) -> bool:
    """`line` continues the quoted line `before` that a mail program re-wrapped without
    its ">": right under it, `before` stopping mid-sentence, `line` starting in lower case
    ("> If you develop chest pain or" / "shortness of breath, call 911"). Not an answer
    written under a question ("> Which day suits you?" / "Tuesday")."""
    body = line.lstrip()
    return (before.lstrip().startswith(">") and bool(before.strip(" >\t"))
            and not _SENTENCE_END.search(before) and body[:1].islower())


def _history_start(lines: list[str], start: int = 0) -> int:
    """Index of the first line from `start` that belongs to history, a signature or a footer."""
    for i in range(start, len(lines)):
        line = lines[i]
        if not line.strip():
            continue
        if _SEPARATOR.match(line) or _SIG_DASHES.match(line) or _attribution_lines(lines, i):
            return i
        if _DEVICE_LINE.match(line):
            return i
        if _FROM_FIELD.match(line) and any(_SENT_FIELD.match(n) for n in lines[i + 1:i + 5]):
            return i - 1 if i > start and _RULE.match(lines[i - 1]) else i
        if _RULE.match(line) and any(_FROM_FIELD.match(n) for n in lines[i + 1:i + 3]):
            return i
        footer = _FOOTER.search(" ".join(lines[i:i + 3]))  # a notice wraps over lines
        if footer and footer.start() < len(line):
            return i
    return len(lines)


def _cut_sign_off(lines: list[str]) -> list[str]:
    """Drop a sign-off and the short block under it; keep a P.S. that follows.

    The block must look like a signature (a few short lines, none in the first person):
    "Thanks,\nMy chest still hurts" is prose and stays."""
    for i, line in enumerate(lines):
        if not _SIGN_OFF.match(line) or not any(x.strip() for x in lines[:i]):
            continue
        rest = lines[i + 1:]
        postscript = next((j for j, r in enumerate(rest) if _POSTSCRIPT.match(r)), None)
        block = rest if postscript is None else rest[:postscript]
        filled = [r for r in block if r.strip()]
        short = len(filled) <= _SIGNATURE_LINES and all(_signature_like(r) for r in filled)
        if short or _named_block(filled):
            tail = [] if postscript is None else rest[postscript:]
            return lines[:i] + tail
    return lines


def _named_block(filled: list[str]) -> bool:
    """A signature under a name line: the name first, then titles, organisations, taglines
    of any length, none in the first person (that would be the patient writing on)."""
    return (bool(filled) and len(filled) <= _SIGNATURE_LINES
            and bool(_NAME_LINE.match(filled[0]))
            and not any(_FIRST_PERSON.search(r) for r in filled))


def _cut_trailing_signature(lines: list[str]) -> list[str]:
    """Drop a last paragraph that is a signature without a sign-off above it."""
    last_blank = max((i for i, line in enumerate(lines) if not line.strip()), default=None)
    if last_blank is None or not any(line.strip() for line in lines[:last_blank]):
        return lines
    filled = [r for r in lines[last_blank + 1:] if r.strip()]
    return lines[:last_blank] if _named_block(filled) else lines


def _signature_like(line: str) -> bool:
    return (len(line) <= _SIGNATURE_WIDTH and len(line.split()) <= _SIGNATURE_WORDS
            and not _FIRST_PERSON.search(line))
