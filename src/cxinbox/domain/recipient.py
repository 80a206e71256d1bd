"""What a person typed where an e-mail address or a mobile number is asked for.

The new-message dialog, the contact screen and the CLI all take "an address or a number"
in one field; staff type numbers the way they are printed on forms ("(555) 350-4006",
"555 350 4006", "+44 20 7946 0958"). One reading here keeps the three in step, and the
server applies the same reading again, so a client cannot store a number in another form.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from cxinbox.domain.compose import ComposeError, check_address
from cxinbox.domain.sms import PhoneNumberError, normalize_number

EXAMPLES = "e.g. ann@example.com, 555-350-4006 or +44 20 7946 0958"


class RecipientError(ValueError):
    """Neither an address nor a number; str() is one line for the person typing."""


@dataclass(frozen=True, slots=True)
class Recipient:
    """An e-mail address as typed (trimmed), or a phone number in E.164."""

    kind: Literal["email", "phone"]
    value: str


def parse_recipient(typed: str, default_country: str) -> Recipient:
    """Read `typed` as an e-mail address (it has an "@") or a phone number (made E.164 with
    `default_country` for numbers typed without one; see `normalize_number`)."""
    text = typed.strip()
    if not text:
        raise RecipientError(f"Type an e-mail address or a mobile number ({EXAMPLES}).")
    if "@" in text:
        try:
            return Recipient("email", check_address(text))
        except ComposeError:
            raise RecipientError(f"{_shown(text)} is not an e-mail address ({EXAMPLES})."
                                 ) from None
    if any(ch.isalpha() for ch in text.removeprefix("tel:")):
        raise RecipientError(f"{_shown(text)} is neither an e-mail address nor a phone number"
                             f" ({EXAMPLES}).")
    try:
        return Recipient("phone", normalize_number(text, default_country))
    except PhoneNumberError as exc:
        raise RecipientError(f"{_first_upper(str(exc))}.") from None


def _shown(text: str) -> str:
    printable = "".join(ch if ch.isprintable() else "?" for ch in text)
    return repr(printable[:40])


def _first_upper(text: str) -> str:
    return text[:1].upper() + text[1:]
