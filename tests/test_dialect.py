"""What the two engines spell differently is asked of the connection's `Dialect`
(store/dialect.py), never decided by comparing the engine's name elsewhere.

- On real connections of both backends, each SQL piece a store module takes from the
  dialect is, byte for byte, the text the module wrote inline before it moved there.
- No module outside dialect.py compares an engine's name (a new check by name fails here).
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from cxinbox.store import outbox, reports, retention
from cxinbox.store.db import append_event
from cxinbox.store.dialect import dialect_of
from cxinbox.store.schema_reports import DETAIL_FROM, DETAIL_FROM_UNTIL, DETAIL_TO

SRC = Path(__file__).resolve().parent.parent / "src" / "cxinbox"

# What each engine got before the pieces moved into the dialect (the old inline texts).
BEFORE: dict[str, dict[str, object]] = {
    "sqlite": {
        "skip_locked": "",
        "in_text": "IN (SELECT value FROM json_each(?))",
        "report_columns": f"{DETAIL_FROM_UNTIL}, {DETAIL_FROM}, {DETAIL_TO}",
        "array_binds": False, "bounded_counts": False, "file_pages": True,
    },
    "postgresql": {
        "skip_locked": " FOR UPDATE SKIP LOCKED",
        "in_text": "IN (SELECT jsonb_array_elements_text(CAST(? AS jsonb)))",
        "report_columns": "((details::jsonb) ->> 'from_until')::bigint,"
                          " ((details::jsonb) ->> 'from'), ((details::jsonb) ->> 'to')",
        "array_binds": True, "bounded_counts": True, "file_pages": False,
    },
}


def test_the_dialects_pieces_are_the_texts_the_modules_wrote_inline(
        store_backend: str, any_store: Any) -> None:
    want = BEFORE[store_backend]
    with any_store.read() as conn:
        dialect = dialect_of(conn)
        assert dialect.name == store_backend
        assert outbox._skip_locked(conn) == want["skip_locked"]
        assert retention._in_text(conn) == want["in_text"]
        assert reports._in_dialect(conn, f"{DETAIL_FROM_UNTIL}, {DETAIL_FROM}, {DETAIL_TO}") \
            == want["report_columns"]
        assert dialect.array_binds is want["array_binds"]
        assert dialect.bounded_counts is want["bounded_counts"]
        assert dialect.file_pages is want["file_pages"]
        size = retention.file_size(conn)
        assert (size.auto_vacuum >= 0) is want["file_pages"]  # -1: no free list of ours
    # The append-only trigger is lifted (dropped or disabled) and put back, in one
    # transaction: the delete goes through, and afterwards the trigger refuses one.
    with any_store.write() as conn:
        append_event(conn, "maria", "conversation.view", "conversation:1", {})
        append_event(conn, "maria", "conversation.view", "conversation:1", {})
    with any_store.write() as conn:
        assert retention.delete_released(conn, retention.TrailStart(2, "", 0), 10) == 1
    with pytest.raises(Exception, match="append-only"), any_store.write() as conn:
        conn.execute("DELETE FROM events")


_BY_NAME = re.compile(r"""\.name\s*[!=]=\s*["'](sqlite|postgresql)["']|"""
                      r"""["'](sqlite|postgresql)["']\s*[!=]=\s*\w+\.name""")


def test_no_module_but_the_dialect_compares_an_engines_name() -> None:
    found = [f"{path.relative_to(SRC)}:{number}: {line.strip()}"
             for path in sorted(SRC.rglob("*.py")) if path.name != "dialect.py"
             for number, line in enumerate(path.read_text().splitlines(), 1)
             if _BY_NAME.search(line)]
    assert found == []
