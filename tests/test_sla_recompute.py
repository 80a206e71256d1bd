"""A changed SLA calendar moves the stored due times of conversations that are not closed on
the server's next start (issue #13, N11): due times are stored, so before this an edited
calendar reached a conversation only at its next reply or status change. On both stores."""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Any

import pytest

from cxinbox.config import Config, load_config
from cxinbox.service.inbox import InboxService
from cxinbox.service.sla_monitor import SlaMonitor
from teamhelp import T0, Clock, deliver, write_config

# T0 is a Tuesday, 15:00 UTC.
POLICY = '''
[sla.calendars.clinic]
timezone = "UTC"

[sla.calendars.clinic.hours]
{hours}

[[sla.policies]]
name = "desk"
calendar = "clinic"
first_response = "1h"
'''


def _config(tmp_path: Path, hours: str) -> Config:
    path = write_config(tmp_path, sla=False)
    path.write_text(path.read_text() + POLICY.format(hours=hours))
    return load_config(path)


def _due(store: Any, config: Config, conv: int) -> int | None:
    desk = InboxService(store, config, "maria", clock=Clock())
    return desk.get_conversation(conv, record_view=False).summary.sla_due_at


def _recomputed(store: Any) -> list[dict[str, Any]]:
    with store.reading() as tx:
        return [json.loads(e.details) for e in tx.find_events(target="sla:config")
                if e.action == "sla.recomputed"]


def test_a_calendar_change_moves_open_due_times_at_the_next_start(
        tmp_path: Path, any_store: Any, caplog: pytest.LogCaptureFixture) -> None:
    before = _config(tmp_path, 'tue = ["09:00-17:00"]')
    open_one = deliver(any_store, sender="ana@patient.example", at=T0)
    closed = deliver(any_store, sender="bo@patient.example", at=T0 + 60)
    InboxService(any_store, before, "maria", clock=Clock(T0 + 120)).set_status(
        closed, "closed")
    first = SlaMonitor(any_store, before, clock=Clock(T0 + 120))
    caplog.set_level(logging.INFO, logger="cxinbox")
    assert first.recompute_if_changed() == 1  # no key kept yet: computed once, to be sure
    # a first start changed nothing, and says so: no "changed" line
    said = [r.getMessage() for r in caplog.records if "SLA" in r.getMessage()]
    assert len(said) == 1 and "changed" not in said[0] and "first start" in said[0], said
    caplog.clear()
    first.check(T0 + 120)
    assert _due(any_store, before, open_one) == T0 + 3600  # 15:00 + 1 h of opening hours
    assert first.recompute_if_changed() is None  # the same config: nothing to do

    # The clinic now opens at 15:30 on Tuesdays; the server restarts with that.
    after = _config(tmp_path, 'tue = ["15:30-17:00"]')
    assert _due(any_store, after, open_one) == T0 + 3600  # stored: not moved by itself
    restarted = SlaMonitor(any_store, after, clock=Clock(T0 + 180))
    assert restarted.recompute_if_changed() == 1  # the closed one is left as it is
    assert [r.getMessage() for r in caplog.records if "SLA" in r.getMessage()] == [
        ("SLA calendars or policies changed: due times of 1 conversation(s) not closed are"
         " computed again")]
    restarted.check(T0 + 180)
    assert _due(any_store, after, open_one) == T0 + 5400  # 15:30 + 1 h
    assert _due(any_store, after, closed) is None
    audited = _recomputed(any_store)
    assert [a["conversations"] for a in audited] == [1, 1]
    assert audited[1]["previous"] == audited[0]["key"] != audited[1]["key"]
    assert SlaMonitor(any_store, after).recompute_if_changed() is None
