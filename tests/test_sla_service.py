"""SLA policies from the config applied to stored conversations, end to end."""

from __future__ import annotations

import hashlib
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from cxinbox.config import ConfigError, load_config_text
from cxinbox.domain.models import Address, ParsedMessage
from cxinbox.service.inbox import InboxService
from cxinbox.store import ingest
from cxinbox.store.db import Database

CONFIG = """
[clinic]
timezone = "UTC"

[store]
path = "{db}"

[sla.calendars.always]
timezone = "UTC"

[sla.calendars.always.hours]
mon = ["00:00-24:00"]
tue = ["00:00-24:00"]
wed = ["00:00-24:00"]
thu = ["00:00-24:00"]
fri = ["00:00-24:00"]
sat = ["00:00-24:00"]
sun = ["00:00-24:00"]

[[sla.policies]]
name = "urgent desk"
match = "tag:urgent"
calendar = "always"
first_response = "15m"

[[sla.policies]]
name = "front desk"
calendar = "always"
first_response = "1h"
"""


def _patient_message(db: Database, uid: int, minutes_ago: int, sender: str) -> int:
    at = datetime.now(UTC) - timedelta(minutes=minutes_ago)
    parsed = ParsedMessage(message_id=f"m{uid}@p", in_reply_to=None, references=[],
                           subject=f"Question {uid} about my visit", from_addr=Address("", sender),
                           to=[Address("", "desk@clinic.example")], cc=[], reply_to=[], date=at,
                           body_text="hello")
    raw = f"message {uid}".encode()
    with db.write() as conn:
        state = ingest.folder_state(conn, "desk", "INBOX")
        (conv,) = ingest.ingest_batch(
            conn, state, [ingest.FetchedMessage(uid, "", None, None, raw,
                                                hashlib.sha256(raw).digest(), parsed)],
            own_addresses=frozenset({"desk@clinic.example"}), watermark=uid,
            now=int(time.time()))
    return conv


@pytest.fixture
def service(tmp_path: Path) -> InboxService:
    config = load_config_text(CONFIG.format(db=tmp_path / "cxinbox.db"))
    return InboxService(Database(config.db_path), config, "maria")


def test_states_and_queries_follow_policies(service: InboxService) -> None:
    fresh = _patient_message(service.store, 1, 5, "a@example.org")      # 5 of 60 min used: ok
    risky = _patient_message(service.store, 2, 50, "b@example.org")     # 50 of 60: at risk
    late = _patient_message(service.store, 3, 90, "c@example.org")      # 90 of 60: breached
    tagged = _patient_message(service.store, 4, 20, "d@example.org")    # urgent policy: 20 of 15
    service.tag(tagged, add=["urgent"])
    service.store.conn.execute("UPDATE conversations SET sla_dirty = 1")  # the tag changes the policy

    states = {c.id: c.sla_state for c in service.list_conversations("", 0, 50).items}
    assert states == {fresh: "ok", risky: "at-risk", late: "breached", tagged: "breached"}
    assert {c.id for c in service.list_conversations("sla:breached").items} == {late, tagged}
    assert {c.id for c in service.list_conversations("sla:at-risk").items} == {risky}
    assert {c.id for c in service.list_conversations("-sla:breached").items} == {fresh, risky}

    service.set_status(late, "pending")
    assert {c.id for c in service.list_conversations("sla:paused").items} == {late}
    paused = service.get_conversation(late, record_view=False).summary
    assert paused.sla_state == "paused" and paused.sla_due_at is None

    service.set_status(risky, "closed")
    closed = service.get_conversation(risky, record_view=False).summary
    assert closed.sla_state == "none"


def test_policy_with_unknown_calendar_is_a_config_error(tmp_path: Path) -> None:
    bad = CONFIG.format(db=tmp_path / "x.db").replace('calendar = "always"\nfirst_response = "1h"',
                                                     'calendar = "weekdays"\nfirst_response = "1h"')
    with pytest.raises(ConfigError, match=r"sla\.policies\[1\]\.calendar.*weekdays"):
        load_config_text(bad)


def test_bad_duration_and_bad_match_are_config_errors(tmp_path: Path) -> None:
    base = CONFIG.format(db=tmp_path / "x.db")
    with pytest.raises(ConfigError, match="first_response.*duration"):
        load_config_text(base.replace('first_response = "1h"', 'first_response = "soon"'))
    with pytest.raises(ConfigError, match="match.*stauts"):
        load_config_text(base.replace('match = "tag:urgent"', 'match = "stauts:open"'))


def test_a_tag_or_priority_change_moves_the_conversation_to_the_policy_it_now_matches(
        service: InboxService) -> None:
    """Tagging `urgent` after the SLA was computed switches to the 15-minute policy at once,
    and removing the tag switches back (policies select by tag, priority or assignee)."""
    conv = _patient_message(service.store, 1, 20, "a@example.org")
    before = service.get_conversation(conv, record_view=False).summary
    assert before.sla_state == "ok" and before.sla_due_at is not None

    service.tag(conv, add=["urgent"])
    urgent = service.get_conversation(conv, record_view=False).summary
    assert urgent.sla_state == "breached"
    assert urgent.sla_due_at == before.sla_due_at - 45 * 60

    service.tag(conv, remove=["urgent"])
    again = service.get_conversation(conv, record_view=False).summary
    assert again.sla_due_at == before.sla_due_at and again.sla_state == "ok"


def test_a_priority_policy_applies_when_the_priority_changes(tmp_path: Path) -> None:
    config = load_config_text(CONFIG.format(db=tmp_path / "p.db").replace(
        'match = "tag:urgent"', 'match = "priority:urgent"'))
    service = InboxService(Database(config.db_path), config, "maria")
    one = _patient_message(service.store, 1, 20, "a@example.org")
    two = _patient_message(service.store, 2, 20, "b@example.org")
    assert service.list_conversations("sla:breached").total == 0
    service.set_priority(one, "urgent")
    assert [c.id for c in service.list_conversations("sla:breached").items] == [one]
    service.bulk_priority(f"id:{two}", "urgent")
    assert {c.id for c in service.list_conversations("sla:breached").items} == {one, two}
