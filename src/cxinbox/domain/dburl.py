"""Database URLs: pure text work on a postgresql:// URL (config and store both use it)."""

from __future__ import annotations


def with_connect_timeout(url: str, seconds: int) -> str:
    """A postgresql:// URL with `connect_timeout=seconds` among its parameters, unless it
    has one already (the URL's own value wins)."""
    from urllib.parse import parse_qs, urlsplit

    if "connect_timeout" in parse_qs(urlsplit(url).query):
        return url
    base, _, fragment = url.partition("#")
    joiner = "&" if "?" in base else "?"
    return f"{base}{joiner}connect_timeout={seconds}" + (f"#{fragment}" if fragment else "")
