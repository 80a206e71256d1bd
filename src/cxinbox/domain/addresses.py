"""E-mail addresses and phone numbers in the form contacts are keyed by. Pure.

Lower-case e-mail, E.164 phone numbers: ingest stores patients' addresses this way and staff
look them up this way, whichever store keeps them.
"""

from __future__ import annotations

import re

_PHONE_PUNCT = re.compile(r"[\s().\-/]")
_E164 = re.compile(r"\+[1-9][0-9]{6,14}")
# What `str.isspace` calls white space (the same set as `\s` in a str pattern) and the C0
# controls: no e-mail address holds one.
_SPACE_OR_CONTROL = re.compile(r"[\s\x00-\x1f]")


class AddressError(ValueError):
    """Text that is neither an e-mail address nor an E.164 phone number."""


def normalize_address(address: str) -> tuple[str, str]:
    """(canonical address, kind) for an e-mail address or a phone number.

    E-mail addresses are compared lower-case (the local part is case-insensitive at every
    mail host a clinic's patients use). Phone numbers must be E.164 ("+15551234567");
    spaces, dots, dashes and parentheses people type in between are dropped.
    """
    text = address.strip()
    if "@" in text:
        email = text.lower()
        local, _, domain = email.rpartition("@")
        if not local or not domain or _SPACE_OR_CONTROL.search(email):
            raise AddressError(f"{address!r} is not an e-mail address")
        return email, "email"
    phone = _PHONE_PUNCT.sub("", text)
    if phone.startswith("00"):
        phone = "+" + phone[2:]
    if not _E164.fullmatch(phone):
        raise AddressError(f"{address!r} is neither an e-mail address nor an E.164 phone"
                           " number such as +15551234567")
    return phone, "phone"


def canonical_address(address: str) -> tuple[str, str]:
    """Like normalize_address, but never fails: ingest links whatever the message carried."""
    try:
        return normalize_address(address)
    except AddressError:
        return address.strip().lower(), "phone" if address.strip().startswith("+") else "email"


def stored_address(address: str) -> str:
    """The key an address is (or would be) stored under; never fails, like ingest."""
    return canonical_address(address)[0]
