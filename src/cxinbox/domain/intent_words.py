"""The word each intent goes by where a row has no room for its name: the TUI's list, and
`cxinbox list`'s human rows. Kept apart from the detector (domain/intent.py) so a listing
does not compile its patterns; "other" has no word, since it says nothing."""

from __future__ import annotations

import re
from typing import Final

INTENT_CODES: Final[dict[str, str]] = {
    "appointment_book": "Appt", "appointment_change_cancel": "Resched",
    "prescription_refill": "Rx", "test_results": "Results", "billing_insurance": "Billing",
    "records_forms": "Forms", "referral": "Referral", "clinical_question": "Clinical",
    "spam_marketing": "Spam",
}

_FIRST_WORD: Final = re.compile(r"[^\w]*(\w+)")


def intent_word(intent: str | None, subject: str) -> str:
    """The word shown before `subject` for `intent`, or "" when there is none or the
    subject already starts with it ("Billing: my bill" is not shown as "Billing: Billing:
    my bill")."""
    code = INTENT_CODES.get(intent or "", "")
    first = _FIRST_WORD.match(subject)
    if code and first and first.group(1).casefold() == code.casefold():
        return ""
    return code
