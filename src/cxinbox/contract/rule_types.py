"""What `cxinbox rules test` answers: a rule's effect on past conversations, as values that
cross from the service to the command line."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class PreviewRow:
    """One time the rule would have fired: on which conversation, when (epoch seconds: the
    trigger's moment; an arrival's, the conversation's arrival, as `list` shows it), its
    subject, and what it would have done."""

    conversation_id: int
    at: int
    subject: str
    would: tuple[str, ...]
    live: str = ""
    """Where live did otherwise, in a line ("" = live fired as replayed): the backlog of a
    first sync ran no rules live."""

    def to_dict(self) -> dict[str, object]:
        return {"conversation": self.conversation_id, "at": self.at, "subject": self.subject,
                "would": list(self.would), "live": self.live or None}


@dataclass(frozen=True, slots=True)
class Preview:
    """`triggered`: how often the rule's trigger happened in the window; `matched`: how
    often the rule would have fired (`rows` lists the first of those); `assessed`: how many
    of the triggers' messages the detectors had never assessed (a first sync's backlog:
    received longer than `[triage] backlog_hours` before it was stored) and the replay
    assessed for itself (nothing stored);
    `unassessed`: how many more such messages it left (past its limit), on which intent:
    and red-flag: terms cannot match."""

    rule: str
    trigger: str
    since: int
    triggered: int
    matched: int
    rows: tuple[PreviewRow, ...]
    assessed: int = 0
    unassessed: int = 0
    stored_unassessed: int = 0
    """Triggers whose message live ingest read and stored no finding for (an automatic
    reply, a bounce, a detector failure): replayed as live saw them, without intent and
    red flag."""
    notes: tuple[str, ...] = ()
    """What the replay could not know and judged another way (one line each)."""
    backlog: int = 0
    """Firings on a first sync's backlog, which live ran no rules on (`PreviewRow.live`)."""

    def to_dict(self) -> dict[str, object]:
        return {"rule": self.rule, "trigger": self.trigger, "since": self.since,
                "triggered": self.triggered, "matched": self.matched,
                "assessed": self.assessed, "unassessed": self.unassessed,
                "stored_unassessed": self.stored_unassessed, "notes": list(self.notes),
                "backlog": self.backlog,
                "conversations": [r.to_dict() for r in self.rows]}
