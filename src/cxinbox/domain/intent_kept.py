"""Which intent a conversation is filed under as its patient messages are assessed one by
one. Kept apart from the detector (domain/intent.py) so the store, which applies it at
ingest and when `rules test` rebuilds a past moment, does not load the detector's rules."""

from __future__ import annotations

from typing import Final

FOLLOW_UP_FLOOR: Final = 0.5
"""A later message's request at least this sure replaces the conversation's own."""


def conversation_intent(current: tuple[str, float] | None,
                        new: tuple[str, float]) -> tuple[str, float]:
    """The conversation's (intent, confidence) once a patient message assessed `new` joins
    it. A conversation is filed under its strongest request, as a shared inbox keeps a
    ticket's type: a follow-up that asks for nothing ("Thank you, I will wait for Monday",
    "ok thx": `other`) leaves it where it was, and so does spam-like text on a patient's
    thread; a new request (concrete, or a clinical question) replaces it when asked at least `FOLLOW_UP_FLOOR` surely
    (a weaker one replaces only an `other`, spam or unknown intent). The same intent asked
    again keeps the surer confidence."""
    name, confidence = new
    if current is None or current[0] == "other":
        return new
    if name == current[0]:
        return name, max(confidence, current[1])
    if name in ("other", "spam_marketing"):
        return current
    if current[0] == "spam_marketing" or confidence >= FOLLOW_UP_FLOOR:
        return new
    return current
