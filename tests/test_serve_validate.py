"""`api.validate`: every field of every API method parsed at the boundary (pure, no server)."""

from __future__ import annotations

import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from tests.test_serve_support import write_config

from cxinbox.api import validate
from cxinbox.api.interface import api_methods
from cxinbox.api.validate import Validator
from cxinbox.config import load_config
from cxinbox.contract.errors import BadRequest
from cxinbox.service import replies
from cxinbox.service.inbox import InboxService


@pytest.fixture
def check(tmp_path: Path) -> Any:
    cfg = load_config(write_config(tmp_path, tmp_path / "s.sock",
                                   {"maria": "agent", "dev": "supervisor"}))
    return Validator(cfg).check


def refusal(check: Any, method: str, *args: Any, **kwargs: Any) -> str:
    with pytest.raises(BadRequest) as caught:
        check(method, list(args), kwargs)
    message = str(caught.value)
    assert "\n" not in message and "\x1b" not in message
    assert message.startswith((f"{method}: ", "no such method"))
    return message


def test_every_parameter_of_every_method_has_a_rule() -> None:
    """Fail closed: a new method or argument cannot reach the service unchecked."""
    assert {m: validate.unvalidated(m) for m in api_methods() if validate.unvalidated(m)} == {}


def test_enums_match_the_services() -> None:
    assert validate.STATUSES == InboxService.STATUSES
    assert validate.PRIORITIES == InboxService.PRIORITIES
    assert validate.DRAFT_MODES == replies.MODES
    assert validate.OUTBOX_STATES == replies.STATES


def test_types_come_from_the_annotations(check: Any) -> None:
    assert "until: expected an integer or nothing (null), got a string" in refusal(
        check, "set_status", 1, "snoozed", "tomorrow")
    assert "conv_id: expected an integer, got true/false" in refusal(check, "get_conversation",
                                                                       True)
    assert "limit: expected an integer, got a string" in refusal(
        check, "list_conversations", "", 0, "50")
    assert "add: expected a list of strings" in refusal(check, "tag", 1, "urgent", [])
    assert "data: expected bytes" in refusal(check, "attach_file", 1, "a.txt", "not bytes")
    assert "unexpected keyword argument" in refusal(check, "tag", 1, [], [], sneaky=1)
    assert "no such method" in refusal(check, "drop_everything")


def test_ranges_enums_and_times(check: Any) -> None:
    now = int(time.time())
    assert "between 1 and" in refusal(check, "get_conversation", -1)
    assert "must be one of open, pending" in refusal(check, "set_status", 1, "deleted")
    assert "within the next two years" in refusal(check, "set_status", 1, "snoozed", 10**15)
    assert "within the next two years" in refusal(check, "set_status", 1, "snoozed", 5)
    assert check("set_status", [1, "snoozed", now + 86400], {}) == \
        ((1, "snoozed", now + 86400), {})
    assert "between 0 and 3600" in refusal(check, "wait_events", 0, float("nan"))
    assert "time zone-aware" in refusal(check, "audit", "", datetime(2026, 1, 1))
    assert check("audit", ["", datetime(2026, 1, 1, tzinfo=UTC)], {})[0][1].year == 2026
    # audit's `until` is a time (a snooze's `until` is an epoch second): ahead is fine.
    ahead = datetime.fromtimestamp(now + 86400 * 30, UTC)
    assert check("audit", [""], {"until": ahead})[1]["until"] == ahead
    assert "time zone-aware" in refusal(check, "audit", "", until=datetime(2026, 1, 1))
    assert "two years ahead" in refusal(check, "audit", "",
                                        until=datetime(2100, 1, 1, tzinfo=UTC))
    assert "must be one of queued" in refusal(check, "outbox", ["lost"])


def test_assignees_are_roster_logins(check: Any) -> None:
    assert "unknown user 'mallory'; known users: dev, maria" in refusal(
        check, "assign", 1, "mallory")
    assert "is not a user name" in refusal(check, "assign", 1, "maria\x1b]52;c;aGk=\x07")
    assert "is not a user name" in refusal(check, "bulk_assign", "", "a b")
    assert check("assign", [1, " maria "], {}) == ((1, "maria"), {})
    assert check("assign", [1, None], {}) == ((1, None), {})


def test_tags_and_queries_with_escapes_are_refused(check: Any) -> None:
    assert "control or invisible" in refusal(check, "tag", 1, ["\x1b[5mblink"], [])
    assert "control or invisible" in refusal(check, "tag", 1, ["ok\U000e0041"], [])
    assert "at most 64 characters" in refusal(check, "tag", 1, ["x" * 65], [])
    assert "at most 50 items" in refusal(check, "tag", 1, [f"t{i}" for i in range(51)], [])
    assert "control, escape or invisible" in refusal(check, "bulk_tag", "a\x1b]2;x\x07",
                                                     ["t"], [])
    assert check("tag", [1, [" Lab-Results "], []], {})[0][1] == ["lab-results"]


def test_free_text_is_sanitised_before_it_is_stored(check: Any) -> None:
    hostile = ("call back \x1b]52;c;ZXZpbA==\x07\x1b]2;owned\x07\x1b[5mnow\x1b[0m"
               "\u202e\u2028x\U000e0049\u00ad")
    (_, body), _ = check("add_note", [1, hostile], {})
    assert body == "call back now\nx"
    (_, _, subject, to, cc), _ = check("save_draft", [1, "hi", hostile, [hostile], None], {})
    assert subject == "call back now x" and to == ["call back now x"] and cc is None
    (_, _address, name), _ = check("link_address", [1, "+1 555 0100", hostile], {})
    assert name == "call back now x"
    assert "longer than 20000" in refusal(check, "add_note", 1, "x" * 20_001)


def test_the_in_process_transport_refuses_the_same(tmp_path: Path) -> None:
    import asyncio

    from cxinbox.wiring import open_api

    cfg = load_config(write_config(tmp_path, tmp_path / "none.sock", {"maria": "agent"}))
    opened = open_api(cfg, "maria", create=True)  # no server, no cache yet: made here
    try:
        with pytest.raises(BadRequest, match="until: expected an integer"):
            asyncio.run(opened.api.set_status(1, "snoozed", "tomorrow"))  # type: ignore[arg-type]
    finally:
        opened.close()
