"""What staff type where "an e-mail address or a mobile number" is asked (pure)."""

from __future__ import annotations

import pytest

from cxinbox.domain.recipient import Recipient, RecipientError, parse_recipient


@pytest.mark.parametrize("typed", ["555-350-4006", "(555) 350-4006", "555 350 4006",
                                   "5553504006", "+1 555 350 4006", "1-555-350-4006",
                                   "tel:555-350-4006", " 555.350.4006 "])
def test_numbers_in_any_common_form(typed: str) -> None:
    assert parse_recipient(typed, "1") == Recipient("phone", "+15553504006")


def test_other_countries_need_their_code_or_the_clinic_default() -> None:
    assert parse_recipient("+44 20 7946 0958", "1") == Recipient("phone", "+442079460958")
    assert parse_recipient("020 7946 0958", "44") == Recipient("phone", "+442079460958")


def test_addresses_are_kept_as_typed_but_trimmed() -> None:
    assert parse_recipient("  Ann.Lee@Example.com ", "1") == Recipient("email",
                                                                        "Ann.Lee@Example.com")


@pytest.mark.parametrize(("typed", "fragment"), [
    ("", "Type an e-mail address or a mobile number"),
    ("   ", "Type an e-mail address or a mobile number"),
    ("Ann Lee", "neither an e-mail address nor a phone number"),
    ("call me", "neither an e-mail address nor a phone number"),
    ("ann@", "is not an e-mail address"),
    ("a b@example.com", "is not an e-mail address"),
    ("555-350", "10 digits"),
    ("+1 055 350 4006", "area code"),
    ("\x1b[2J555", "neither"),
])
def test_bad_input_is_one_clear_line(typed: str, fragment: str) -> None:
    with pytest.raises(RecipientError) as info:
        parse_recipient(typed, "1")
    message = str(info.value)
    assert fragment in message, message
    assert "\n" not in message and "\x1b" not in message
    assert message[:1].isupper() or message.startswith("'")
    assert len(message) < 120


def test_without_a_default_country_a_national_number_asks_for_one() -> None:
    with pytest.raises(RecipientError, match="no country code"):
        parse_recipient("555 350 4006", "")
    assert parse_recipient("+1 555 350 4006", "").value == "+15553504006"
