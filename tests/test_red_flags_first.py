"""Open red flags first in the lists a receptionist triages from, on both backends.

The at-risk view sorts by SLA due time, and a red flag raised minutes ago is due in
minutes, not hours ago: without red flags first it sat under every breached billing
question. These tests build a real store (SQLite, and PostgreSQL where the server is
installed) with breached, at-risk, fresh and red-flagged conversations and read the
order through the service and `cxinbox list`; the widget's own order is read in
test_tui_red_flags_first.py, the store's paging against a reference in
test_query_plan.py.
"""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from tests.teamhelp import deliver, open_service
from tests.test_bulk_cli import ME, cx

from cxinbox.contract.errors import Forbidden
from cxinbox.service.inbox import InboxService
from cxinbox.store import conversations as convs
from cxinbox.store import triage
from cxinbox.tui.views import standard_view

AT_RISK = standard_view("at-risk").query
ALL_OPEN = standard_view("open").query


def build(tmp_path: Path, store: object = None) -> tuple[InboxService, dict[str, int], object]:
    """Five breached conversations (hours old, the first reply was due within an hour),
    one at risk, two fresh ones, a red flag a person raised (tag) on a fresh one and a
    red flag the detector raised on one ten minutes old, and one flagged then closed."""
    config, db, svc, _ = open_service(tmp_path, store=store)
    now = int(time.time())
    ids: dict[str, int] = {}
    for k in range(5):
        ids[f"breached{k}"] = deliver(db, sender=f"b{k}@patient.example",
                                      at=now - 5 * 3600 + k * 1800, subject=f"Invoice {k}")
    ids["at_risk"] = deliver(db, sender="r@patient.example", at=now - 55 * 60,
                             subject="Refill")
    ids["flag_detected"] = deliver(db, sender="c@patient.example", at=now - 10 * 60,
                                   subject="Question")
    ids["fresh0"] = deliver(db, sender="f0@patient.example", at=now - 5 * 60, subject="Parking")
    ids["flag_tagged"] = deliver(db, sender="t@patient.example", at=now - 4 * 60,
                                 subject="Dizzy")
    ids["fresh1"] = deliver(db, sender="f1@patient.example", at=now - 3 * 60, subject="Hours")
    ids["flag_closed"] = deliver(db, sender="x@patient.example", at=now - 2 * 60,
                                 subject="Old")
    with db.write() as conn:  # as the detector does at ingest (service/redflags.py)
        triage.open_flag(conn, ids["flag_detected"], "chest_pain", "chest pain", 0, now)
    svc.tag(ids["flag_tagged"], add=["red-flag"])  # a person raises one
    svc.tag(ids["flag_closed"], add=["red-flag"])
    # an agent may not put an open red flag away: the supervisor closes it
    InboxService(db, config, "lead").set_status(ids["flag_closed"], "closed")
    return svc, ids, config


def order(svc: InboxService, query: str, limit: int = 50) -> list[int]:
    return [c.id for c in svc.list_conversations(query, 0, limit).items]


def test_the_at_risk_view_puts_open_red_flags_above_every_breach(tmp_path: Path,
                                                                 any_store: object) -> None:
    svc, ids, _ = build(tmp_path, any_store)
    # by due time among the flags; an open flag stays in the view whatever its status
    # (the supervisor closed one: no clinician has cleared it)
    want = [ids["flag_detected"], ids["flag_tagged"], ids["flag_closed"],
            *(ids[f"breached{k}"] for k in range(5)), ids["at_risk"]]
    assert order(svc, AT_RISK) == want
    page = svc.list_conversations(AT_RISK, 0, 50)
    assert [c.red_flag_open for c in page.items] == [True, True, True] + [False] * 6
    # Paged one, two and three at a time across the boundary: nothing lost, nothing twice.
    for size in (1, 2, 3):
        seen = [c.id for offset in range(0, len(want), size)
                for c in svc.list_conversations(AT_RISK, offset, size).items]
        assert seen == want, size
    # The same order with the deepest breach first is what the view showed before:
    assert order(svc, "status:open (sla:at-risk OR sla:breached) sort:due") == want[3:]


def test_the_inbox_puts_open_red_flags_first_and_typed_time_orders_stay_plain(
        tmp_path: Path, any_store: object) -> None:
    svc, ids, _ = build(tmp_path, any_store)
    newest_rest = [ids["fresh1"], ids["fresh0"], ids["at_risk"],
                   *(ids[f"breached{k}"] for k in reversed(range(5)))]
    assert order(svc, ALL_OPEN) == [ids["flag_tagged"], ids["flag_detected"], *newest_rest]
    plain = order(svc, f"{ALL_OPEN} sort:newest")
    assert plain == sorted(plain, reverse=True)  # delivered in id order, newest last
    assert order(svc, f"{ALL_OPEN} sort:oldest") == list(reversed(plain))
    # Priority is an urgency order too (a flag is urgent, but a supervisor may lower it;
    # an agent may not).
    with pytest.raises(Forbidden):
        svc.set_priority(ids["flag_tagged"], "low")
    InboxService(svc.store, svc.config, "lead").set_priority(ids["flag_tagged"], "low")
    assert order(svc, f"{ALL_OPEN} sort:priority")[:2] == [ids["flag_detected"],
                                                           ids["flag_tagged"]]
    # Everything: a flag no clinician has cleared stays first, even on a closed conversation.
    assert order(svc, "")[:3] == [ids["flag_closed"], ids["flag_tagged"], ids["flag_detected"]]


@pytest.mark.parametrize("few", [1, 0])
def test_past_a_few_flags_the_rest_is_told_by_the_flags_ids(
        tmp_path: Path, any_store: object, few: int, monkeypatch: pytest.MonkeyPatch) -> None:
    """A desk with more open flags than `FEW_FLAGS` (lowered here) lists the same order and
    pages the same way, on both backends: the rest is the plain page less the flags' ids."""
    svc, _, _ = build(tmp_path, any_store)
    want = order(svc, AT_RISK)
    everything = order(svc, "", limit=100)
    monkeypatch.setattr(convs, "FEW_FLAGS", few)
    assert order(svc, AT_RISK) == want
    assert order(svc, "", limit=100) == everything
    for size in (1, 2, 3):
        seen = [c.id for offset in range(0, len(want), size)
                for c in svc.list_conversations(AT_RISK, offset, size).items]
        assert seen == want, size
    assert svc.list_conversations(AT_RISK, 1, 50).total == len(want)
    # a count stopped at a cap lists the same pages (issue #16's "10,000+")
    for offset in (0, 1, 2, 4):
        exact = svc.list_conversations(AT_RISK, offset, 3)
        for cap in (offset + 1, 5, 50):
            capped = svc.list_conversations(AT_RISK, offset, 3, cap)
            assert [c.id for c in capped.items] == [c.id for c in exact.items], (offset, cap)
            assert capped.total == min(exact.total, cap)


def test_a_cleared_flag_goes_back_to_its_place(tmp_path: Path, any_store: object) -> None:
    svc, ids, _ = build(tmp_path, any_store)
    lead = InboxService(svc.store, svc.config, "lead")  # a supervisor may clear
    lead.clear_red_flag(ids["flag_detected"], "called the patient: heartburn, seen today")
    assert order(svc, AT_RISK) == [ids["flag_tagged"], ids["flag_closed"],
                                   *(ids[f"breached{k}"] for k in range(5)), ids["at_risk"]]
    assert order(svc, ALL_OPEN)[:3] == [ids["flag_tagged"], ids["fresh1"], ids["fresh0"]]


def test_cxinbox_list_shows_the_view_in_the_same_order(tmp_path: Path) -> None:
    svc, _, _ = build(tmp_path)
    config = tmp_path / "config.toml"  # open_service's, with this user on its roster and a
    with config.open("a") as out:      # socket where no server listens (so: in-process)
        out.write(f'\n[server]\nsocket = "{tmp_path / "serve.sock"}"\n\n[[staff]]\n'
                  f'os_user = "{ME}"\nname = "Desk"\nrole = "agent"\n')
    proc = cx("list", AT_RISK, "--config", str(config))
    assert proc.returncode == 0, proc.stderr
    listed = [int(line.split()[0].lstrip("*#")) for line in proc.stdout.splitlines()]
    assert listed == order(svc, AT_RISK)
    assert [line.split()[1] for line in proc.stdout.splitlines()][:4] == ["RED!", "RED!",
                                                                          "RED!", "open"]
    assert "1-9 of 9 conversation(s)" in proc.stderr
    second = cx("list", AT_RISK, "--config", str(config), "--offset", "1", "--limit", "2")
    assert [int(line.split()[0].lstrip("*#")) for line in second.stdout.splitlines()] == \
        listed[1:3]
