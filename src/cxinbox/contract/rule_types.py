"""What `cxinbox rules test` answers: a rule's effect on past conversations, as values that
cross from the service to the command line."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class PreviewRow:
    """One time the rule would have fired: on which conversation, when (epoch seconds: the
    trigger's moment), its subject, and what it would have done."""

    conversation_id: int
    at: int
    subject: str
    would: tuple[str, ...]

    def to_dict(self) -> dict[str, object]:
        return {"conversation": self.conversation_id, "at": self.at, "subject": self.subject,
                "would": list(self.would)}


@dataclass(frozen=True, slots=True)
class Preview:
    """`triggered`: how often the rule's trigger happened in the window; `matched`: how
    often the rule would have fired (`rows` lists the first of those)."""

    rule: str
    trigger: str
    since: int
    triggered: int
    matched: int
    rows: tuple[PreviewRow, ...]

    def to_dict(self) -> dict[str, object]:
        return {"rule": self.rule, "trigger": self.trigger, "since": self.since,
                "triggered": self.triggered, "matched": self.matched,
                "conversations": [r.to_dict() for r in self.rows]}
