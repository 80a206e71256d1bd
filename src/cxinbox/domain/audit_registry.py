"""What an `audit.key` event says: the one reading of its details that the store (carrying
a registration past retention) and verification (trusting a key) both rely on."""

from __future__ import annotations

import json


def registers(details: str | None, key_id: str, public_key: str) -> bool:
    """Whether an `audit.key` event's details register this key with this public half."""
    if details is None:
        return False
    try:
        data = json.loads(details)
    except ValueError:
        return False
    return isinstance(data, dict) and data.get("key") == key_id and \
        data.get("public_key") == public_key
