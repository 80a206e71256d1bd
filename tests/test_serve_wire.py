"""The socket's JSON encoding: values and errors come back as what was sent."""

from __future__ import annotations

import enum
from datetime import UTC, date, datetime

import pytest

from cxinbox.api import wire
from cxinbox.api.interface import InboxAPI, InProcessAPI, api_methods
from cxinbox.contract.errors import ApiError, BadQuery, Forbidden, NotFound, ServerUnavailable
from cxinbox.contract.types import (
    AttachmentView,
    Changes,
    ConversationDetail,
    ConversationSummary,
    Event,
    MessageView,
    NoteView,
    Presence,
)
from cxinbox.service.inbox import BulkChange, BulkResult


def roundtrip(value: object) -> object:
    return wire.loads(wire.dumps({"v": wire.encode(value)}))["v"]


def _summary() -> ConversationSummary:
    return ConversationSummary(
        id=7, subject="Re: [/urgent] results", from_name="Jane", from_addr="j@x.example",
        channel="email", mailbox="results", status="open", assignee=None, priority="high",
        tags=("lab", "billing"), created_at=1, last_message_at=2, last_inbound_at=None,
        first_response_at=None, snoozed_until=None, message_count=1, unread_count=1,
        has_attachment=True)


def test_api_values_roundtrip_exactly() -> None:
    detail = ConversationDetail(
        _summary(),
        (MessageView(1, "email", "in", "s", "Jane", "j@x.example", ("a <a@x>",), (), 5,
                     "body\n", (AttachmentView("r.pdf", "application/pdf", 10, "2"),), "",
                     False),),
        (NoteView(3, "maria", "call back", 9),))
    changes = Changes((Event(1, 2, "sync", "mail.received", "a/INBOX",
                             {"count": 1, "$": "not a tag", "nested": [1, {"$": 2}]}),),
                      head=1, presence_version=4)
    bulk = BulkResult("tag", "tag:x", False, (BulkChange(1, "s", [], ["x"]),), (2, 3))
    values: list[object] = [
        detail, changes, bulk, Presence("root", "Root", None, False, 5),
        ("name.pdf", "application/pdf", b"\x00\xff%PDF"),
        datetime(2025, 3, 4, 15, 0, tzinfo=UTC), date(2025, 3, 4),
        {1: "int key"}, frozenset({"a"}), {"b"}, [None, True, 1.5, "x"],
    ]
    for value in values:
        back = roundtrip(value)
        assert back == value and type(back) is type(value)
    assert roundtrip(bulk).to_dict() == bulk.to_dict()  # type: ignore[attr-defined]


def test_enums_and_unknown_types() -> None:
    class Colour(enum.Enum):
        RED = "red"

    with pytest.raises(wire.WireError):  # a local class is not importable by name
        roundtrip(Colour.RED)
    with pytest.raises(TypeError):
        wire.encode(object())
    for name in ("os:system", "subprocess:Popen", "cxinbox.contract.types:nope", "x"):
        with pytest.raises(wire.WireError):
            wire.loads(b'{"v": {"$": "%s", "f": {}}}' % name.encode())
    with pytest.raises(wire.WireError):  # importable, in an allowed module, not a value type
        wire.loads(b'{"v": {"$": "cxinbox.service.inbox:InboxService", "f": {}}}')
    with pytest.raises(wire.WireError):
        wire.loads(b"[1, 2]")


def test_errors_come_back_as_the_same_class() -> None:
    for exc in (NotFound("no conversation #9"), Forbidden("nope"),
                BadQuery("bad term", "   ^^^"), ServerUnavailable("gone")):
        back = wire.decode_error(wire.loads(wire.dumps({"e": wire.encode_error(exc)}))["e"])
        assert type(back) is type(exc) and str(back) == str(exc)
        assert back.exit_code == exc.exit_code
    back = wire.decode_error(wire.encode_error(BadQuery("bad", "  ^")))
    assert isinstance(back, BadQuery) and back.detail == "  ^"
    unknown = wire.decode_error({"type": "elsewhere:Weird", "message": "m", "exit_code": 9})
    assert type(unknown) is ApiError and unknown.exit_code == 9 and str(unknown) == "m"


def test_the_protocol_names_every_method_the_transports_carry() -> None:
    methods = api_methods()
    assert {"list_conversations", "wait_events", "bulk_tag", "audit", "set_presence",
            "presence", "online"} <= methods
    assert "record_export" not in methods  # no client writes audit events: the server does
    for name in methods:  # the in-process transport implements every one of them
        assert callable(getattr(InProcessAPI, name)), name
    assert "actor" not in methods and not any(m.startswith("_") for m in methods)
    assert set(methods) <= set(dir(InboxAPI))


def test_a_client_reads_a_newer_servers_values_the_server_checks_every_field() -> None:
    """A TUI left running while the package is upgraded and the server restarted gets
    roster and team values with fields its classes do not have yet: it reads them (the
    fields it knows), instead of freezing on the old roster. The server still refuses a
    value with a field its class does not have, from any client."""
    from cxinbox.contract.routing_types import TeamView
    from cxinbox.contract.team_types import StaffView

    staff = StaffView("nora", "Nora", "staff", True, False)
    team = TeamView("nurses", "round-robin", ("nora",), ("nora",), 5, False, (), "nora",
                    "round-robin: nora", 0)
    frame = {"id": 3, "result": wire.encode([staff, team])}
    frame["result"][0]["f"]["red_flag_full_from_the_future"] = ["nurses"]
    frame["result"][1]["f"]["on_call_from_the_future"] = {"$": "t", "v": ["bo"]}
    line = wire.dumps(frame)
    for cls in (StaffView, TeamView):  # as in a client that reads them before it sends any
        wire._FIELDS.pop(cls, None)
        wire._NAMES.pop(cls, None)
    assert wire.loads(line, from_server=True)["result"] == [staff, team]
    assert roundtrip([staff, team]) == [staff, team]  # and it can send them after
    with pytest.raises(wire.WireError, match="unexpected keyword argument"):
        wire.loads(line)
    # a new field whose value is a new value type (decoded before the field is dropped)
    newer = {"id": 5, "result": wire.encode(staff)}
    newer["result"]["f"]["shift_from_the_future"] = {
        "$": "cxinbox.contract.team_types:ShiftViewFromTheFuture", "f": {"start": "07:00"}}
    assert wire.loads(wire.dumps(newer), from_server=True)["result"] == staff
    with pytest.raises(wire.WireError, match="unknown value type"):
        wire.loads(wire.dumps(newer))  # the server still refuses it
    # and what the client cannot do without still fails in one line, not a traceback
    missing = {"id": 4, "result": wire.encode(staff)}
    del missing["result"]["f"]["name"]
    with pytest.raises(wire.WireError, match="StaffView"):
        wire.loads(wire.dumps(missing), from_server=True)
