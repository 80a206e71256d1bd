"""What the detectors found in one patient message (domain/triage.py makes it), in a module
of its own that imports nothing: a parse worker sends its assessments back to the sync
process pickled, and unpickling one imports the module that defines its class. Defined in
triage.py, that import loaded the detectors (lexicons, model, judge) into the sync process,
which never runs them there."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Assessment:
    red_flag: str | None  # one of domain/redflag_lexicon.py's CATEGORIES
    matched: str  # the patient's matched words ("" when none)
    intent: str  # one of INTENTS
    confidence: float  # of the intent, 0.0-1.0
    language: str  # "en" | "es"
