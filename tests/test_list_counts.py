"""A list's count that stops at `count_up_to` (issue #16: at a million conversations an
exact count is not quick on PostgreSQL): on both backends the page is the one an exact
count lists, the count is the exact one up to the cap and the cap beyond it, and a page
past the cap is still there."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from cxinbox.contract.errors import BadRequest
from teamhelp import T0, deliver, open_service

QUERIES = ("", "status:open", "status:open sort:oldest", "from:ana", "brace", "-from:ana",
           "status:open sort:priority",
           # Searches: on PostgreSQL a capped one walks the list order and tests each row.
           "question", "question sort:oldest", "question sort:priority", "question sort:due",
           "from:ana sort:oldest", "from:patient status:open", '"knee brace"', "fitting OR 3")


def test_a_capped_count_lists_the_same_page(tmp_path: Path, any_store: Any) -> None:
    _, db, maria, _ = open_service(tmp_path, store=any_store)
    for n in range(7):
        deliver(db, sender=f"ana{n}@patient.example", at=T0 + 60 * n,
                subject=f"Question {n}")
    for n in range(2):
        deliver(db, sender=f"bo{n}@patient.example", at=T0 + 1000 + n,
                subject="Knee brace fitting")
    for query in QUERIES:
        for offset in (0, 2):
            exact = maria.list_conversations(query, offset, 3)
            assert exact.total > 0, query
            for cap in (1, 2, 4, 50):
                capped = maria.list_conversations(query, offset, 3, max(cap, offset + 1))
                assert [c.id for c in capped.items] == [c.id for c in exact.items], (
                    query, offset, cap)
                assert capped.total == min(exact.total, max(cap, offset + 1)), (query, cap)
    # A page beyond the counted matches is still listed (a list asks with the cap
    # past the page it wants, and grows as it is scrolled).
    deeper = maria.list_conversations("", 5, 3, 2)
    assert [c.id for c in deeper.items] == [c.id for c in maria.list_conversations(
        "", 5, 3).items]
    assert len(deeper.items) == 3 and deeper.total == 2
    assert maria.list_conversations("", 20, 3, 2).items == ()


def test_a_cap_below_one_is_refused(tmp_path: Path, any_store: Any) -> None:
    _, _, maria, _ = open_service(tmp_path, store=any_store)
    with pytest.raises(BadRequest, match="count_up_to"):
        maria.list_conversations("", 0, 10, 0)
