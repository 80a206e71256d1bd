"""Threading messages into conversations: JWZ-style ids first, a careful subject fallback second.

Pure: the store supplies what it knows (which conversation a Message-ID belongs to, which
recent conversations share a normalised subject) and these functions decide.

Why not full JWZ tree building: conversations carry staff state (status, assignee, notes),
so a message must land in exactly one existing conversation or start a new one, and two
conversations are never merged behind the staff's back. A message whose references point
into several conversations joins the one its direct parent is in.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

# Reply/forward prefixes in the languages clinic patients write in, plus list tags like
# "[Clinic]" and counters like "Re[2]:".
_PREFIX = re.compile(
    r"^\s*(?:(?:re|fw|fwd|aw|wg|sv|vs|tr|rv|antw|ref|odp|res|enc)\s*(?:\[\d+\]|\(\d+\))?\s*[:：]"
    r"|\[[^\]]{0,40}\])\s*",
    re.IGNORECASE,
)
_SPACE = re.compile(r"\s+")

# Subjects too generic to thread on: two patients writing "Question" are not one conversation.
_GENERIC = frozenset({
    "", "hi", "hello", "question", "questions", "help", "info", "information", "inquiry",
    "no subject", "(no subject)", "message", "appointment", "urgent", "thanks", "thank you",
})

SUBJECT_WINDOW_S = 14 * 24 * 3600


def normalize_subject(subject: str) -> str:
    """Subject without reply/forward prefixes and list tags, folded for comparison."""
    s = subject or ""
    for _ in range(10):
        stripped = _PREFIX.sub("", s, count=1)
        if stripped == s:
            break
        s = stripped
    return _SPACE.sub(" ", s).strip().casefold()


def is_reply_subject(subject: str) -> bool:
    return bool(_PREFIX.match(subject or ""))


def reference_chain(message_id: str | None, in_reply_to: str | None,
                    references: Sequence[str]) -> list[str]:
    """Ids that tie a message to earlier ones, nearest ancestor first.

    In-Reply-To is the direct parent when present; References is oldest-first, so it is
    walked backwards. The message's own id is excluded.
    """
    chain: list[str] = []
    seen = {message_id} if message_id else set()
    for mid in ([in_reply_to] if in_reply_to else []) + list(reversed(references)):
        if mid and mid not in seen:
            seen.add(mid)
            chain.append(mid)
    return chain


@dataclass(frozen=True, slots=True)
class SubjectCandidate:
    conversation_id: int
    last_message_at: int
    participants: frozenset[str]


def pick_by_references(chain: Sequence[str], known: dict[str, int]) -> int | None:
    """The conversation of the nearest known ancestor, if any."""
    for mid in chain:
        conv = known.get(mid)
        if conv is not None:
            return conv
    return None


def subject_matchable(norm_subject: str, addresses: Iterable[str]) -> bool:
    """Whether `pick_by_subject` can match at all: a subject that is not generic and
    someone to share. When not, the store need not read the candidates."""
    return (norm_subject not in _GENERIC and len(norm_subject) >= 4
            and any(a for a in addresses))


def pick_by_subject(norm_subject: str, message_time: int, addresses: Iterable[str],
                    candidates: Sequence[SubjectCandidate],
                    window_s: int = SUBJECT_WINDOW_S) -> int | None:
    """Fallback for clients that drop threading headers.

    Same normalised subject, a shared participant, and the conversation active within the
    window around the message. Generic subjects never match. The most recently active
    candidate wins.
    """
    if not subject_matchable(norm_subject, addresses):
        return None
    people = {a.lower() for a in addresses if a}
    best: SubjectCandidate | None = None
    for cand in candidates:
        if abs(message_time - cand.last_message_at) > window_s:
            continue
        if not (people & cand.participants):
            continue
        if best is None or cand.last_message_at > best.last_message_at:
            best = cand
    return best.conversation_id if best else None
