"""Issue 11, points 1 and 2: the server records every read itself, and the change feed
tells clients what changed, not the audit log.

Every API call that returns patient data leaves exactly one event, written by the server
with the caller as actor; clients cannot write events; the feed carries kinds and ids of
changes (an allowlist), never reads, refusals or recipients; only supervisors and admins
read the trail, and that is recorded too. In process and through a real `cxinbox serve`.
"""

from __future__ import annotations

import asyncio
import hashlib
import re
import time
from collections.abc import Awaitable, Callable, Iterator
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest
from tests.audithelp import trail
from tests.teamhelp import DESK, T0, deliver
from tests.teamhelp import write_config as team_config
from tests.test_bulk_cli import fill
from tests.test_serve_support import ME, Server, socket_dir, write_config

from cxinbox.api.interface import MAX_WAIT_S, InProcessAPI, api_methods
from cxinbox.api.socket_client import SocketAPI, probe
from cxinbox.config import Config, load_config
from cxinbox.contract.errors import Forbidden
from cxinbox.contract.types import Event
from cxinbox.domain.mime import parse_message
from cxinbox.service import feed
from cxinbox.service.inbox import InboxService
from cxinbox.store import ingest
from cxinbox.store.db import Database

# A change ends a wait at once; asked for MAX_WAIT_S, a wait that ends before HEARD_S was
# ended by the change, however busy the machine.
HEARD_S = MAX_WAIT_S * 3 / 4

SRC = Path(__file__).resolve().parent.parent / "src" / "cxinbox"

_CANNED = """
[[compose.canned]]
name = "ready"
subject = "Your results"
body = "Hello {patient_name}, your results are ready."
"""

# Detail keys that are audit detail: they must never reach a client through the feed.
_PRIVATE_KEYS = {"query", "shown", "bulk", "recipients", "address", "number",
                 "subject", "sid", "message_id", "asked", "reason", "error", "policy",
                 "from_until", "messages", "undo", "notes", "tags", "count_shown", "what"}


def _deliver_with_attachment(db: Database) -> int:
    mail = EmailMessage()
    mail["From"] = "Ana Patient <ana@patient.example>"
    mail["To"] = DESK
    mail["Subject"] = "My insurance card"
    mail["Message-ID"] = "<card@patient.example>"
    mail["Date"] = "Tue, 04 Mar 2025 14:00:00 +0000"
    mail.set_content("Card attached.")
    mail.add_attachment(b"%PDF-1.4 card", maintype="application", subtype="pdf",
                        filename="card.pdf")
    raw = mail.as_bytes()
    with db.write() as conn:
        state = ingest.folder_state(conn, "desk", "INBOX")
        (conv,) = ingest.ingest_batch(
            conn, state, [ingest.FetchedMessage(900, "", None, None, raw,
                                                hashlib.sha256(raw).digest(),
                                                parse_message(raw))],
            own_addresses=frozenset({DESK}), watermark=900, now=T0)
    return conv


@pytest.fixture
def desk(tmp_path: Path) -> Iterator[tuple[Config, Database]]:
    path = team_config(tmp_path, sla=False)
    path.write_text(path.read_text() + _CANNED)
    config = load_config(path)
    db = Database(config.db_path, synchronous="OFF")
    yield config, db
    db.close()


def _api(desk: tuple[Config, Database], actor: str) -> InProcessAPI:
    config, db = desk
    return InProcessAPI(InboxService(db, config, actor))


# -- point 1: one server-written event per data-returning call -----------------------------


async def test_every_call_that_returns_patient_data_leaves_exactly_one_event(
        desk: tuple[Config, Database]) -> None:
    _, db = desk
    knee = deliver(db, sender="ana@patient.example", at=T0 - 900, subject="Knee pain")
    deliver(db, sender="bo@patient.example", at=T0 - 800, subject="Refill")
    card = _deliver_with_attachment(db)
    maria, jsmith = _api(desk, "maria"), _api(desk, "jsmith")
    draft = await jsmith.start_draft(knee, "reply")
    await jsmith.save_draft(draft.id, "Dear Ana, about your knee")
    await jsmith.add_note(knee, "@maria can you call Ana?")
    contact = (await maria.contact_for(knee)).id
    assert contact is not None
    detail = await maria.get_conversation(card)
    part = detail.messages[0].attachments[0].part_path

    calls: list[tuple[str, Callable[[], Awaitable[Any]], str, str]] = [
        ("list", lambda: maria.list_conversations("knee", 0, 10), "conversation.list", ""),
        ("show", lambda: maria.get_conversation(knee), "conversation.view",
         f"conversation:{knee}"),
        ("dry run", lambda: maria.bulk_tag("", ["x"], [], dry_run=True), "bulk.preview", ""),
        ("colleague's draft", lambda: maria.drafts_for(knee), "drafts.view",
         f"conversation:{knee}"),
        ("my drafts", lambda: jsmith.my_drafts(), "drafts.view", "user:jsmith"),
        ("my draft again", lambda: jsmith.start_draft(knee, "reply"), "drafts.view",
         f"conversation:{knee}"),
        ("outbox", lambda: maria.outbox(), "outbox.view", ""),
        ("canned", lambda: maria.render_canned("ready", knee), "canned.render",
         f"conversation:{knee}"),
        ("contact", lambda: maria.contact_for(knee), "contact.view", f"contact:{contact}"),
        ("contact by id", lambda: maria.contact(contact), "contact.view",
         f"contact:{contact}"),
        ("contact by address", lambda: maria.contact_by_address("ana@patient.example"),
         "contact.view", f"contact:{contact}"),
        ("mentions", lambda: maria.mentions(), "mentions.view", "user:maria"),
        ("attachment", lambda: maria.attachment(detail.messages[0].id, part),
         "attachment.export", f"conversation:{card}"),
    ]
    for what, call, action, target in calls:
        before = db.conn.execute("SELECT max(seq) FROM events").fetchone()[0]
        result = await call()
        assert result is not None, what
        new = trail(db, before)
        assert [(e.action, e.target) for e in new] == [(action, target)], what
        actor = "jsmith" if what.startswith("my") else "maria"
        assert new[0].actor == actor, what

    (listed,) = [e for e in trail(db) if e.action == "conversation.list"]
    assert listed.details == {"query": "knee", "offset": 0, "limit": 10, "count": 1,
                              "shown": [knee]}
    (colleague,) = [e for e in trail(db) if e.action == "drafts.view"
                    and e.actor == "maria"]
    assert colleague.details["drafts"] == [draft.id]
    assert colleague.details["authors"] == ["jsmith"]


def test_no_client_can_write_an_audit_event() -> None:
    """`record_export` is gone: what a list returned is recorded by the server itself, and
    no method a transport carries takes an action name or details to append."""
    methods = api_methods()
    assert "record_export" not in methods
    assert not any(m.startswith(("record", "append")) for m in methods)


# -- point 2: the change feed is not the audit log ------------------------------------------


_EVENT_NAME = r'"((?:conversation|contact|outbox|sms|sla|health|mail|sync|draft|drafts|bulk|' \
    r'canned|mentions|attachment|audit|access|store)\.[a-z_.]+|send|export)"'


def _source_actions() -> set[str]:
    """Every event name in the modules that append events: the literal action arguments
    and every string shaped like one (conditional and table-driven names included)."""
    found: set[str] = set()
    for path in SRC.rglob("*.py"):
        text = path.read_text()
        if "append_event" in text:
            found |= {name for name in re.findall(_EVENT_NAME, text) if "example" not in name}
    return found


def test_every_action_is_either_a_change_or_audit_only() -> None:
    """The feed is an allowlist; this keeps it deliberate: a new event name must be put on
    one side in service/feed.py before it ships."""
    actions = _source_actions()
    assert {"conversation.tag", "sla.breached", "health.alert", "send", "mail.received",
            "contact.link", "attachment.export", "outbox.failed", "sms.opt_in"} <= actions
    shared, private = feed.change_actions(), feed.AUDIT_ONLY_ACTIONS
    assert not shared & private
    unclassified = sorted(a for a in actions
                          if a not in shared | private and not a.startswith("audit."))
    assert unclassified == [], "decide in service/feed.py who may see these"


def _check_feed_event(event: Event, caller: str) -> None:
    assert event.action in feed.change_actions(), event.action
    leaked = _PRIVATE_KEYS & set(event.details)
    if event.action in ("send", "outbox.queued"):
        leaked |= {"to"} & set(event.details)  # the recipients
    if event.details.get("author") == caller:
        leaked -= {"reason", "error"}
    assert not leaked, (event.action, leaked)


async def test_the_feed_never_carries_reads_refusals_or_recipients(
        desk: tuple[Config, Database]) -> None:
    _, db = desk
    knee = deliver(db, sender="ana@patient.example", at=T0 - 900, subject="Knee pain")
    maria, jsmith, lead = (_api(desk, a) for a in ("maria", "jsmith", "lead"))
    start = await jsmith.last_event_seq()
    await maria.list_conversations("from:ana")
    await maria.get_conversation(knee)
    await maria.bulk_tag("from:ana", ["lab"], [])
    await maria.assign(knee, "jsmith")
    await maria.add_note(knee, "@jsmith please call; @lead fyi")
    draft = await maria.start_draft(knee, "reply")
    await maria.save_draft(draft.id, "Hello Ana")
    with pytest.raises(Forbidden):
        await jsmith.audit()
    await lead.audit()

    seen = await jsmith.events_since(start, 1000)
    assert {e.action for e in seen} == {"conversation.tag", "conversation.assign",
                                        "conversation.note", "draft.started"}
    for event in seen:
        _check_feed_event(event, "jsmith")
    (note,) = [e for e in seen if e.action == "conversation.note"]
    assert note.details["mentions"] == ["jsmith"]  # never who else was mentioned
    (tag,) = [e for e in seen if e.action == "conversation.tag"]
    assert tag.details == {"add": ["lab"], "remove": []}  # not the query that chose it
    # The trail itself has it all, for supervisors.
    everything = {e.action for e in await lead.audit(limit=1000)}
    assert {"conversation.list", "conversation.view", "access.denied",
            "audit.read"} <= everything
    assert [e.actor for e in trail(db) if e.action == "audit.read"] == ["lead", "lead"]
    assert [e.actor for e in trail(db) if e.action == "access.denied"] == ["jsmith"]


async def test_an_agent_reads_no_audit_detail_by_any_call(
        desk: tuple[Config, Database]) -> None:
    _, db = desk
    knee = deliver(db, sender="ana@patient.example", at=T0 - 900, subject="Knee pain")
    lead, jsmith = _api(desk, "lead"), _api(desk, "jsmith")
    await lead.list_conversations("from:ana")  # a supervisor's search: audit detail
    await lead.get_conversation(knee)
    await lead.bulk_assign("from:ana", "jsmith")  # a change everyone hears of
    await lead.audit(actor="jsmith")
    for call in (jsmith.audit(), jsmith.audit("from:ana"), jsmith.audit(actor="lead"),
                 jsmith.audit(conversation=knee)):
        with pytest.raises(Forbidden):
            await call
    events = await jsmith.events_since(0, 10_000)
    changes = await jsmith.wait_events(0, 0.0)
    assert events and changes.events
    for event in [*events, *changes.events]:
        _check_feed_event(event, "jsmith")
    assert changes.head == db.conn.execute("SELECT max(seq) FROM events").fetchone()[0]


async def test_reads_wake_nobody_and_the_cursor_skips_them(
        desk: tuple[Config, Database]) -> None:
    _, db = desk
    knee = deliver(db, sender="ana@patient.example", at=T0 - 900, subject="Knee pain")
    maria, jsmith = _api(desk, "maria"), _api(desk, "jsmith")
    head = await jsmith.last_event_seq()
    for _ in range(5):
        await maria.list_conversations("")
        await maria.get_conversation(knee)
    quiet = await jsmith.wait_events(head, 0.0)
    assert quiet.events == ()
    assert quiet.head == db.conn.execute("SELECT max(seq) FROM events").fetchone()[0]
    # Reads during a wait end nothing: the wait ends with the next change alone (asked for
    # MAX_WAIT_S, so nothing but a change ends it before HEARD_S, however busy the machine).
    waiting = asyncio.create_task(jsmith.wait_events(quiet.head, MAX_WAIT_S))
    await asyncio.sleep(0.05)
    for _ in range(5):
        await maria.list_conversations("")
        await maria.get_conversation(knee)
    await maria.set_priority(knee, "urgent")
    changes = await asyncio.wait_for(waiting, HEARD_S)
    assert [(e.action, e.details) for e in changes.events] == [
        ("conversation.priority", {"from": "normal", "to": "urgent"})]


# -- through a real `cxinbox serve` ------------------------------------------------------------


@pytest.fixture
def sockdir() -> Iterator[Path]:
    with socket_dir() as path:
        yield path


async def _client(sock: Path) -> SocketAPI:
    found = probe(sock)
    assert found is not None, "server not answering"
    return SocketAPI(sock, *found)


async def test_over_the_socket_each_read_is_one_event_by_the_peer(tmp_path: Path,
                                                                   sockdir: Path) -> None:
    sock = sockdir / "s.sock"
    cfg = write_config(tmp_path, sock, {ME: "agent"})
    db = Database(load_config(cfg).db_path)
    ids = fill(db, 6)
    with Server(cfg, sock):
        api = await _client(sock)
        try:
            await api.start_draft(ids[0], "reply")
            calls: list[tuple[Callable[[], Awaitable[Any]], str]] = [
                (lambda: api.list_conversations("", 0, 3), "conversation.list"),
                (lambda: api.get_conversation(ids[1]), "conversation.view"),
                (lambda: api.bulk_priority("", "low", True), "bulk.preview"),
                (lambda: api.drafts_for(ids[0]), "drafts.view"),
                (lambda: api.my_drafts(), "drafts.view"),
                (lambda: api.outbox(), "outbox.view"),
                (lambda: api.contact_for(ids[2]), "contact.view"),
                (lambda: api.mentions(), "mentions.view"),
            ]
            for call, action in calls:
                before = db.conn.execute("SELECT max(seq) FROM events").fetchone()[0]
                await call()
                new = trail(db, before)
                assert [(e.actor, e.action) for e in new] == [(ME, action)], action
            listed = [e for e in trail(db) if e.action == "conversation.list"][-1]
            assert listed.details["shown"] == sorted(ids, reverse=True)[:3]
            # An agent on the socket: no audit reading, and a feed without audit records.
            with pytest.raises(Forbidden):
                await api.audit()
            for event in await api.events_since(0, 10_000):
                _check_feed_event(event, ME)
            raw = await api.wait_events(0, 0.0)
            assert all(e.action in feed.change_actions() for e in raw.events)
        finally:
            await api.aclose()
    db.close()


async def test_over_the_socket_a_colleagues_reads_do_not_wake_the_feed(
        tmp_path: Path, sockdir: Path) -> None:
    sock = sockdir / "s.sock"
    cfg = write_config(tmp_path, sock, {ME: "agent"})
    db = Database(load_config(cfg).db_path)
    ids = fill(db, 4)
    db.close()
    with Server(cfg, sock):
        a, b = await _client(sock), await _client(sock)
        try:
            head = await b.last_event_seq()
            for _ in range(3):
                await a.list_conversations("")
                await a.get_conversation(ids[0])
            # the server reads the head on its own tick: ask until the reads are behind it
            quiet = await b.wait_events(head, 0.5)
            deadline = time.monotonic() + 60
            while quiet.events == () and quiet.head == head and time.monotonic() < deadline:
                quiet = await b.wait_events(head, 0.5)
            assert quiet.events == () and quiet.head > head
            # Reads during a wait end nothing; the change does, at once (asked for
            # MAX_WAIT_S, nothing but the change ends it before HEARD_S).
            waiting = asyncio.create_task(b.wait_events(quiet.head, MAX_WAIT_S))
            await asyncio.sleep(0.1)
            for _ in range(3):
                await a.list_conversations("")
                await a.get_conversation(ids[0])
            await a.tag(ids[1], ["seen"], [])
            changes = await asyncio.wait_for(waiting, HEARD_S)
            assert [(e.action, e.target, e.details) for e in changes.events] == [
                ("conversation.tag", f"conversation:{ids[1]}", {"add": ["seen"], "remove": []})]
        finally:
            await a.aclose()
            await b.aclose()
