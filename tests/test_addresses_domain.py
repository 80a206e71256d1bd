"""domain/addresses.py: the e-mail check refuses white space and control characters, by
the same rule as `str.isspace()` for every code point."""

from __future__ import annotations

import pytest

from cxinbox.domain.addresses import AddressError, canonical_address, normalize_address


def test_every_space_or_control_character_is_refused() -> None:
    refused = accepted = 0
    for cp in range(0x110000):
        ch = chr(cp)
        bad = ch.isspace() or cp < 32
        address = f"pat{ch}ient@example.org"
        if bad:
            with pytest.raises(AddressError):
                normalize_address(address)
            refused += 1
        else:
            assert normalize_address(address)[1] == "email", hex(cp)
            accepted += 1
    assert refused > 32 and accepted > 1_000_000


def test_canonical_address_keeps_what_normalize_refuses() -> None:
    assert normalize_address(" Pat@Example.ORG ") == ("pat@example.org", "email")
    assert canonical_address("pat ient@example.org") == ("pat ient@example.org", "email")
    assert canonical_address("pat\u2003x@example.org")[1] == "email"
