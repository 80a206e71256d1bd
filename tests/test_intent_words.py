"""The words a row shows for an intent and a red-flag category."""

from __future__ import annotations

from cxinbox.domain.intent_words import intent_word
from cxinbox.tui.redflag import category_words


def test_the_intent_word_is_not_repeated_when_the_subject_starts_with_it() -> None:
    assert intent_word("billing_insurance", "my bill") == "Billing"
    assert intent_word("billing_insurance", "Billing: my bill") == ""
    assert intent_word("billing_insurance", "[billing] question") == ""
    assert intent_word("billing_insurance", "Billed twice") == "Billing"
    assert intent_word("prescription_refill", "Billing: my bill") == "Rx"
    assert intent_word("other", "hello") == "" and intent_word(None, "x") == ""


def test_categories_read_as_words() -> None:
    assert category_words("chest_pain") == "chest pain"
    assert category_words("suicide_self_harm") == "suicide / self-harm"
    assert category_words("infant_fever") == "fever in an infant"
