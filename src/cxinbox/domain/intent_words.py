"""The word each intent goes by where a row has no room for its name: the TUI's list, and
`cxinbox list`'s human rows. Kept apart from the detector (domain/intent.py) so a listing
does not compile its patterns; "other" has no word, since it says nothing."""

from __future__ import annotations

from typing import Final

INTENT_CODES: Final[dict[str, str]] = {
    "appointment_book": "Appt", "appointment_change_cancel": "Resched",
    "prescription_refill": "Rx", "test_results": "Results", "billing_insurance": "Billing",
    "records_forms": "Forms", "referral": "Referral", "clinical_question": "Clinical",
    "spam_marketing": "Spam",
}
