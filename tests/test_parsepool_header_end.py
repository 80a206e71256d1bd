"""The parse pool's header-block end (`header_end`) is where `\\r?\\n\\r?\\n` first matches."""

from __future__ import annotations

import re

from hypothesis import given, settings
from hypothesis import strategies as st

from cxinbox.service.parsepool import _header_block, header_end

_PLAIN = re.compile(rb"\r?\n\r?\n")


@settings(max_examples=500, deadline=None)
@given(head=st.binary(max_size=80).map(lambda b: bytes(
    b"\r\n:a"[x % 4] for x in b)) | st.binary(max_size=40))
def test_header_end_is_the_plain_patterns_first_match(head: bytes) -> None:
    found = _PLAIN.search(head)
    assert header_end(head) == (found.start() if found else -1)
    assert _header_block(head) == (head[:found.start()] if found else head)


def test_crlf_and_bare_line_breaks() -> None:
    assert header_end(b"A: b\r\n\r\nbody") == 4
    assert header_end(b"A: b\n\nbody") == 4
    assert header_end(b"A: b\r\n\nbody") == 4
    assert header_end(b"A: b\n\r\nbody") == 4
    assert header_end(b"\n\n") == 0
    assert header_end(b"\r\r\n\n") == 1
    assert header_end(b"A: b\r\nC: d\r\n") == -1
