"""What `cxinbox rules test` answers: a rule's effect on past conversations, as values that
cross from the service to the command line."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class PreviewRow:
    conversation_id: int
    at: int
    subject: str
    would: tuple[str, ...]

    def to_dict(self) -> dict[str, object]:
        return {"conversation": self.conversation_id, "at": self.at, "subject": self.subject,
                "would": list(self.would)}


@dataclass(frozen=True, slots=True)
class Preview:
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
