"""`rules test` gives the plan the rules really carried out: rules run live on a sequence
of arrivals (Dovecot mail through the sync the server runs, SQLite on disk), the desk
goes on working, and the replay of the same history must say exactly what each rule did.

What the desk does afterwards is chosen to change everything the replay has to rewind:
the team's round-robin turn moves on and a member goes away, a later reply carries the
words a text rule looks for, and closing the conversation stops its SLA clock."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from tests.test_rules import patient_mail, rig_factory  # noqa: F401 - the fixture

from cxinbox.service.inbox import InboxService
from cxinbox.service.rules_preview import preview
from cxinbox.service.teams import TeamService
from cxinbox.wiring import rules_engine

RULES = '''
[[teams]]
name = "desk"
members = ["mgarcia", "tnguyen"]
strategy = "round-robin"
return_on_away = true

[[rules]]
name = "route"
on = "arrival"
actions = { assign = "team:desk" }

[[rules]]
name = "urgent words"
on = "patient-reply"
match = '"urgent"'
actions = { tag = ["urgent-words"] }

[[rules]]
name = "in time"
on = "patient-reply"
match = "sla:ok"
actions = { tag = ["in-time"] }
'''


def _live(rig: Any, rule: str) -> list[tuple[int, tuple[str, ...]]]:
    """What `rule` did at each firing, from its audit events, in order."""
    return [(int(target.partition(":")[2]), tuple(d["done"]) + tuple(d["skipped"]))
            for actor, target, d in rig.events("rule.applied") if actor == f"rule:{rule}"]


def _replayed(rig: Any, desk: InboxService, rule: str) -> list[tuple[int, tuple[str, ...]]]:
    engine = rules_engine(rig.db, rig.config, replaying=rule)
    assert engine is not None
    since = int(datetime.now(UTC).timestamp()) - 3600
    result = preview(desk, engine, rule, since)
    return [(r.conversation_id, r.would) for r in result.rows if r.would != ("(no change)",)]


def test_the_replay_of_each_rule_is_what_it_did_live(rig_factory: Any) -> None:  # noqa: F811
    rig = rig_factory(RULES, policies=True)
    desk = rig.desk()

    def arrive(subject: str, mid: str, body: str, sender: str, parent: str = "") -> None:
        extra = f"In-Reply-To: <{parent}>\r\nReferences: <{parent}>\r\n" if parent else ""
        rig.dovecot.deliver(patient_mail(subject, message_id=mid, body=body, sender=sender,
                                         extra=extra))
        rig.sync()
        desk.refresh_sla()  # what the server's SLA loop does between ingests

    arrive("Refill", "a1@p.example", "My refill ran out.", "Ann <ann@p.example>")
    # Cy writes twice before the next sync: one ingest, an arrival and no patient-reply.
    rig.dovecot.deliver(patient_mail("Forms", message_id="c1@p.example", body="Which form?",
                                     sender="Cy <cy@p.example>"))
    rig.dovecot.deliver(patient_mail("Re: Forms", message_id="c2@p.example",
                                     body="It is urgent, sorry.", sender="Cy <cy@p.example>",
                                     extra="In-Reply-To: <c1@p.example>\r\n"))
    arrive("Parking", "b1@p.example", "Where do I park?", "Bob <bob@p.example>")
    ann, bob, cy = (rig.conv("a1@p.example"), rig.conv("b1@p.example"),
                    rig.conv("c1@p.example"))
    assert rig.conv("c2@p.example") == cy
    arrive("Re: Refill", "a2@p.example", "Thanks, that helps.", "Ann <ann@p.example>",
           parent="a1@p.example")
    arrive("Re: Refill", "a3@p.example", "Sorry, this is urgent now.", "Ann <ann@p.example>",
           parent="a2@p.example")

    # What each rule did live.
    route = _live(rig, "route")
    assert sorted(c for c, _ in route) == sorted([ann, bob, cy])
    assert [w[0].rsplit(" ", 1)[-1] for _, w in route] == ["mgarcia", "tnguyen", "mgarcia"]
    assert _live(rig, "urgent words") == [(ann, ("tag +urgent-words",))]
    assert _live(rig, "in time") == [(ann, ("tag +in-time",))]

    # The desk goes on: tnguyen goes away (bob's conversation goes back to the team and
    # the turn moves), and ann's conversation is closed (its SLA clock stops).
    TeamService(InboxService(rig.db, rig.config, "tnguyen")).set_away(True)
    desk.set_status(ann, "closed")
    desk.refresh_sla()
    assert rig.db.conn.execute("SELECT sla_due_at FROM conversations WHERE id = ?",
                               (ann,)).fetchone()[0] is None
    seen_before = rig.db.conn.execute("SELECT max(seq) FROM events").fetchone()[0]

    for rule in ("route", "urgent words", "in time"):
        assert _replayed(rig, desk, rule) == _live(rig, rule), rule

    # Nothing but the audited reads was written, and the turn and the away mark are
    # as the desk left them.
    after = [tuple(r) for r in rig.db.conn.execute(
        "SELECT actor, action FROM events WHERE seq > ?", (seen_before,))]
    assert after == [("mgarcia", "rules.test")] * 3
    assert [tuple(r) for r in rig.db.conn.execute("SELECT os_user FROM staff_away")] \
        == [("tnguyen",)]
    assert [rig.db.conn.execute("SELECT message_count FROM conversations WHERE id = ?",
                                (c,)).fetchone()[0] for c in (ann, cy)] == [3, 2]
    ingests = [d for (_, _, d) in rig.events("mail.received")]
    assert all(d["upto"] > d["after"] for d in ingests)


LEAST_OPEN = '''
[[teams]]
name = "desk"
members = ["mgarcia", "tnguyen"]
strategy = "least-open"

[[rules]]
name = "route"
on = "arrival"
actions = { assign = "team:desk" }
'''


def test_a_least_open_team_is_replayed_with_the_counts_of_that_moment(
        rig_factory: Any) -> None:  # noqa: F811
    """The counts a least-open team compares are other conversations' holders and
    statuses: closing and handing over work afterwards must not change the replay."""
    rig = rig_factory(LEAST_OPEN)
    desk = rig.desk()
    for n, sender in enumerate(("Ann <ann@p.example>", "Bob <bob@p.example>",
                                "Cy <cy@p.example>")):
        rig.dovecot.deliver(patient_mail(f"Question {n}", message_id=f"q{n}@p.example",
                                         body="Hello", sender=sender))
        rig.sync()
    live = _live(rig, "route")
    assert [w[0].rsplit(" ", 1)[-1] for _, w in live] == ["mgarcia", "tnguyen", "mgarcia"]
    # Afterwards: mgarcia's first is closed, tnguyen's goes to mgarcia.
    desk.set_status(rig.conv("q0@p.example"), "closed")
    desk.assign(rig.conv("q1@p.example"), "mgarcia")
    assert _replayed(rig, desk, "route") == live


def test_a_rule_not_enabled_yet_sees_only_the_text_that_had_arrived(
        rig_factory: Any) -> None:  # noqa: F811
    """Nothing runs at ingest (the rule is written with `enabled = false` to try it
    first), yet each ingest names the messages it stored, so the replay of a reply does
    not read the words of a later one."""
    rig = rig_factory('''
[[rules]]
name = "urgent words"
on = "patient-reply"
match = '"urgent"'
actions = { tag = ["urgent-words"] }
enabled = false
''')
    assert rig.rules is None
    for mid, body, parent in (("d1@p.example", "My refill ran out.", ""),
                              ("d2@p.example", "Thanks, that helps.", "d1@p.example"),
                              ("d3@p.example", "Sorry, this is urgent now.", "d2@p.example")):
        extra = f"In-Reply-To: <{parent}>\r\n" if parent else ""
        rig.dovecot.deliver(patient_mail("Refill", message_id=mid, body=body,
                                         sender="Dee <dee@p.example>", extra=extra))
        rig.sync()
    conv = rig.conv("d1@p.example")
    engine = rules_engine(rig.db, rig.config, replaying="urgent words")
    assert engine is not None
    result = preview(rig.desk(), engine, "urgent words",
                     int(datetime.now(UTC).timestamp()) - 3600)
    # A row is dated by when the server received its message (INTERNALDATE), not by its
    # ingest's event: the two may straddle a second.
    third = int(rig.db.conn.execute("SELECT received_at FROM messages WHERE message_id = ?",
                                    ("d3@p.example",)).fetchone()[0])
    assert result.triggered == 2
    # Fired at the third ingest only: the second's replay no longer reads the third's words.
    assert [(r.conversation_id, r.at, r.would) for r in result.rows] == [
        (conv, third, ("tag +urgent-words",))]
