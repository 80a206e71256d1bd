"""Red flags that wait unassigned (service/redflag_routing.py), on SQLite and PostgreSQL:
the first nurse whose shift starts takes up what waited overnight, oldest raise first and
within the team's cap, as the routing rule; a flag held back only by caps is told once
(event and notify hook), not at every round, and is taken up as soon as a place frees; a
clinician coming on shift without a routing rule is offered what waits."""

from __future__ import annotations

import asyncio
import dataclasses
import json
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from tests.support.waiting import wait_until
from tests.test_away_red_flag_team import _arrive_routed, _team_config
from tests.test_redflag_state import arrive
from tests.test_serve_support import ME
from tests.test_tui_escalations import Recorder
from tests.test_tui_support import make_app, make_inbox, wait_for, wait_rows

from cxinbox.api.interface import InProcessAPI
from cxinbox.config import Config, load_config_text
from cxinbox.service import redflags
from cxinbox.service.inbox import InboxService
from cxinbox.service.redflag_routing import OFFERED, SHIFT, WAITING, RedFlagRouter
from cxinbox.service.teams import team_views
from cxinbox.tui.away import banner_clinicians
from cxinbox.wiring import rules_engine

RULE = "red flags to nurses"
CHEST = "I have had crushing chest pain since last night."
DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


def _tomorrow() -> datetime:
    """Midnight UTC of the day after today: shifts are written for that day alone, so the
    real time a test's flags are raised at is off every shift."""
    today = datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    return today + timedelta(days=1)


def _config(team: str, extra: str = "") -> Config:
    return load_config_text(
        '[[staff]]\nos_user = "nora"\nname = "Nurse Nora"\n'
        '[[staff]]\nos_user = "bo"\nname = "Nurse Bo"\n'
        '[[staff]]\nos_user = "ana"\nname = "Ana Desk"\n'
        f'[[teams]]\nname = "nurses"\nmembers = ["nora", "bo"]\n{team}\n'
        f'[[rules]]\nname = "{RULE}"\non = "arrival"\nmatch = "is:red-flag"\n'
        'actions = { assign = "team:nurses" }\n' + extra)


def _route(store: Any, config: Config, conv: int, now: int) -> None:
    engine = rules_engine(store, config)
    assert engine is not None
    with store.writing() as tx:
        engine.fire(tx, "arrival", [conv], now=now)


class _Seen:
    """An event as the test reads it: its actor and its details, decoded."""

    def __init__(self, actor: str, details: Any) -> None:
        self.actor = actor
        self.details: dict[str, Any] = json.loads(details) if isinstance(details, str) \
            else dict(details or {})


def _events(store: Any, conv: int, action: str, target: str = "") -> list[_Seen]:
    with store.reading() as tx:
        return [_Seen(e.actor, e.details) for e in
                tx.find_events(target=target or f"conversation:{conv}") if e.action == action]


def _holder(store: Any, config: Config, conv: int) -> str | None:
    desk = InboxService(store, config, "ana")
    return desk.get_conversation(conv, record_view=False).summary.assignee


def test_shift_start_takes_up_the_night_flags_oldest_first_within_the_cap(
        any_store: Any) -> None:
    day = _tomorrow()
    config = _config(
        'strategy = "shift-aware"\ncap = 1\n'
        f'shifts = {{ nora = {{ hours = {{ {DAYS[day.weekday()]} = ["08:00-16:00"] }},'
        ' timezone = "UTC" }, '
        f'bo = {{ hours = {{ {DAYS[day.weekday()]} = ["12:00-20:00"] }},'
        ' timezone = "UTC" } }')
    night = int((day + timedelta(hours=3)).timestamp())
    # Two flags in the night: #second's raised first, #first (the older conversation,
    # flagged later by a colleague's tag) after it: oldest RAISE goes first.
    first, _ = arrive(any_store, 1, "Can I move my appointment to Friday?",
                      sender="a@patient.example")
    second, raised = arrive(any_store, 2, CHEST, sender="b@patient.example")
    assert [r.conversation_id for r in raised] == [second]
    with any_store.writing() as tx:
        assert redflags.tagged(tx, [first], int(time.time()) + 60, "ana") == [first]
    for conv in (second, first):
        _route(any_store, config, conv, night)
        assert _holder(any_store, config, conv) is None  # nobody on shift at 03:00

    router = RedFlagRouter(any_store, config)
    assert router.round(night).taken == []
    assert _events(any_store, second, WAITING) == []  # nobody there: not a cap matter
    assert router.round(night + 60).taken == []
    assert _events(any_store, 0, SHIFT, "staff:shift") == []  # no rota opened or closed
    with any_store.reading() as tx:  # `cxinbox teams` counts what waits for the team
        assert [v.red_flags_waiting for v in team_views(tx, config, night)] == [2]

    morning = int((day + timedelta(hours=8, minutes=1)).timestamp())
    done = router.round(morning)
    assert [(t.conversation_id, t.member) for t in done.taken] == [(second, "nora")]
    assert _holder(any_store, config, second) == "nora"
    [assign] = _events(any_store, second, "conversation.assign")
    assert assign.actor == f"rule:{RULE}"
    assert assign.details["why"].startswith("red flag waited: nora on shift; shift-aware:")
    assert assign.details["waited"] is True  # the feed tells nora it is hers
    # nora now holds one open conversation (the cap), bo is off shift: #first waits, told
    # once as held by the cap (the desk must see it), not at every round.
    assert _holder(any_store, config, first) is None
    assert [(c.conversation_id, c.team, c.cap) for c in done.at_cap] == [
        (first, "nurses", 1)]
    [told] = _events(any_store, first, WAITING)
    assert (told.details["team"], told.details["reason"], told.details["cap"]) == (
        "nurses", "at cap", 1)
    assert "nora at cap 1" in told.details["why"]
    again = router.round(morning + 60)
    assert again.taken == [] and again.at_cap == []
    with any_store.reading() as tx:
        assert [v.red_flags_waiting for v in team_views(tx, config, morning)] == [1]
    assert len(_events(any_store, first, WAITING)) == 1

    noon = int((day + timedelta(hours=12, minutes=1)).timestamp())
    done = router.round(noon)
    assert [(t.conversation_id, t.member) for t in done.taken] == [(first, "bo")]
    [assign] = _events(any_store, first, "conversation.assign")
    assert assign.details["why"].startswith("red flag waited: bo on shift; shift-aware:")
    assert router.round(noon + 60).taken == []  # nothing waits now: nothing written
    # each rota opening was one `staff.shift` event, the cue for every TUI's roster
    assert [e.details for e in _events(any_store, 0, SHIFT, "staff:shift")] == [
        {"on": ["nora"], "off": []}, {"on": ["bo"], "off": []}]


def test_a_flag_held_by_caps_is_told_once_then_taken_when_a_place_frees(
        any_store: Any, tmp_path: Path) -> None:
    log = tmp_path / "hook.jsonl"
    hook = tmp_path / "hook.sh"
    hook.write_text(f'#!/bin/sh\n{{ cat; env | grep ^CXINBOX_ | sort | tr "\\n" " ";'
                    f' echo; }} >> {log}\n')
    hook.chmod(0o755)
    config = _config('cap = 1', f'[triage]\nnotify_command = ["{hook}"]\n')
    desk = InboxService(any_store, config, "ana")
    busy = []
    for uid, who in ((1, "nora"), (2, "bo")):
        conv, _ = arrive(any_store, uid, "Please send my lab results.",
                         sender=f"{who}@patient.example")
        desk.assign(conv, who)
        busy.append(conv)
    flag, _ = arrive(any_store, 3, CHEST, sender="c@patient.example")
    now = int(time.time())
    _route(any_store, config, flag, now)
    assert _holder(any_store, config, flag) is None

    router = RedFlagRouter(any_store, config)
    done = router.round(now)
    assert [c.conversation_id for c in done.at_cap] == [flag]
    wait_until(lambda: log.exists() and len(log.read_text().splitlines()) >= 2,
               "the notify hook ran", timeout=30.0)
    stdin, env = log.read_text().splitlines()[:2]
    told = json.loads(stdin)
    assert (told["event"], told["conversation"], told["team"], told["cap"]) == (
        "red_flag_waiting", flag, "nurses", 1)
    assert "CXINBOX_EVENT=red_flag_waiting" in env and f"CXINBOX_CONVERSATION={flag}" in env
    assert "chest" not in log.read_text().lower()  # never the patient's words
    assert router.round(now + 5).at_cap == []  # once per flag, not every round
    assert len(_events(any_store, flag, WAITING)) == 1

    InboxService(any_store, config, "bo").set_status(busy[1], "closed")
    done = router.round(now + 10)
    assert [(t.conversation_id, t.member) for t in done.taken] == [(flag, "bo")]
    [assign] = _events(any_store, flag, "conversation.assign")
    assert assign.details["why"].startswith("red flag waited: bo under the cap again;")
    assert assign.actor == f"rule:{RULE}"
    assert len(log.read_text().splitlines()) == 2  # the take-up pages nobody again


def test_a_waiting_flag_a_clinician_clears_is_hers_to_follow_up(any_store: Any) -> None:
    """qa27 F7: a red flag that waited at the cap, then cleared by a clinician, was left
    unassigned and in no team: nobody owned the call-back. Whoever clears a flag on a
    conversation nobody holds owns its follow-up (a shared inbox's "assign on reply"); a
    conversation someone holds stays theirs."""
    config = _config('cap = 1', '[[staff]]\nos_user = "drlee"\nname = "Dr Lee"\n'
                                'clinical = true\n')
    desk = InboxService(any_store, config, "ana")
    for uid, who in ((1, "nora"), (2, "bo")):
        conv, _ = arrive(any_store, uid, "Please send my lab results.",
                         sender=f"{who}@patient.example")
        desk.assign(conv, who)
    flag, _ = arrive(any_store, 3, CHEST, sender="c@patient.example")
    held, _ = arrive(any_store, 4, CHEST, sender="d@patient.example")
    now = int(time.time())
    _route(any_store, config, flag, now)
    router = RedFlagRouter(any_store, config)
    assert [c.conversation_id for c in router.round(now).at_cap] == [flag]
    assert _holder(any_store, config, flag) is None
    desk.assign(held, "nora")
    lee = InboxService(any_store, config, "drlee")
    lee.clear_red_flag(flag, "called her: reflux, seen tomorrow")
    assert _holder(any_store, config, flag) == "drlee"
    [assign] = _events(any_store, flag, "conversation.assign")
    assert assign.actor == "drlee"
    assert (assign.details["from"], assign.details["to"]) == (None, "drlee")
    assert "cleared the red flag" in assign.details["why"]
    lee.clear_red_flag(held, "spoke to the patient")
    assert _holder(any_store, config, held) == "nora"  # held by someone: stays hers
    assert [e.actor for e in _events(any_store, held, "conversation.assign")] == ["ana"]
    assert lee.list_conversations("assignee:me", 0, 10).total == 1


def test_without_a_routing_rule_a_clinician_coming_on_shift_is_offered_what_waits(
        any_store: Any) -> None:
    day = _tomorrow()
    config = load_config_text(
        '[[staff]]\nos_user = "drlee"\nname = "Dr Lee"\nclinical = true\n'
        '[[staff]]\nos_user = "ana"\nname = "Ana Desk"\n'
        '[[teams]]\nname = "doctors"\nmembers = ["drlee"]\nstrategy = "shift-aware"\n'
        f'shifts = {{ drlee = {{ hours = {{ {DAYS[day.weekday()]} = ["08:00-16:00"] }},'
        ' timezone = "UTC" } }\n')
    flag, _ = arrive(any_store, 1, CHEST)
    router = RedFlagRouter(any_store, config)
    night = int((day + timedelta(hours=3)).timestamp())
    assert router.round(night).offered == {}
    assert router.round(night + 60).offered == {}
    morning = int((day + timedelta(hours=8, minutes=1)).timestamp())
    assert router.round(morning).offered == {"drlee": 1}
    [offer] = _events(any_store, 0, OFFERED, "staff:drlee")
    assert offer.details == {"user": "drlee", "count": 1, "at": morning}
    assert router.round(morning + 60).offered == {}  # on shift already: told once
    assert _holder(any_store, config, flag) is None  # offered, never assigned


# -- the TUI: the status line while caps hold red flags, the toast, the shift's offer -------


async def test_the_tui_says_when_caps_hold_a_red_flag(tmp_path: Path) -> None:
    """Everyone on shift in the nurses team (me) is at the cap: the status line says red
    flags wait there, and a flag the server tells as waiting is toasted with the bell."""
    inbox = make_inbox(tmp_path, conversations=60)
    inbox.db.conn.execute("UPDATE triage_cursor SET upto = (SELECT max(id) FROM messages)")
    routed = _team_config(inbox.demo.config)
    [team] = routed.teams
    config = dataclasses.replace(routed, teams=(dataclasses.replace(team, cap=1),))
    service = InboxService(inbox.db, config, ME)
    mine = service.list_conversations("status:open -is:red-flag", 0, 1).items[0].id
    service.assign(mine, ME)  # my one open conversation: the cap
    app = make_app(dataclasses.replace(inbox, service=service, api=InProcessAPI(service)),
                   config=config)
    async with app.run_test(size=(80, 24)) as pilot:
        seen = Recorder(app)
        await wait_rows(pilot, app)
        status = app.status_line
        await wait_for(pilot, lambda: app._roster != [], what="the roster")
        await wait_for(pilot, lambda: "TEAM NURSES ALL AT CAP" in str(
            status.render()), what="the status line")
        assert banner_clinicians(app._roster) == "Nurse Me, all at cap"
        conv = await asyncio.to_thread(_arrive_routed, inbox, config, "capped flag")
        assert service.get_conversation(conv, record_view=False).summary.assignee is None
        bells = seen.bells
        router = RedFlagRouter(inbox.db, config)
        done = await asyncio.to_thread(router.round, int(time.time()))
        assert [c.conversation_id for c in done.at_cap] == [conv]
        line = f"RED FLAG #{conv} UNASSIGNED: team nurses all at cap 1"
        await wait_for(pilot, lambda: line in seen.toasts, what="the toast")
        assert seen.bells > bells
        assert len(line) <= 54
        # a place frees (my other conversation closed): the next round gives it to me
        service.set_status(mine, "closed")
        done = await asyncio.to_thread(router.round, int(time.time()))
        assert [(t.conversation_id, t.member) for t in done.taken] == [(conv, ME)]
        await wait_for(pilot, lambda: f"RED FLAG #{conv} is yours now: it waited unassigned"
                       in seen.toasts, what="told it is mine")
        assert seen.toasts.count(line) == 1



async def test_the_tui_of_a_clinician_whose_shift_starts_offers_what_waits(
        tmp_path: Path) -> None:
    """No rule routes red flags: my shift starting (the server's round) toasts how many
    wait, rings, and puts my list at its top, where they sort."""
    from cxinbox.config import StaffMember

    inbox = make_inbox(tmp_path, conversations=60)
    day = _tomorrow()
    rota = load_config_text(
        f'[[staff]]\nos_user = "{ME}"\nname = "Dr Me"\nclinical = true\n'
        f'[[teams]]\nname = "doctors"\nmembers = ["{ME}"]\nstrategy = "shift-aware"\n'
        f'shifts = {{ {ME} = {{ hours = {{ {DAYS[day.weekday()]} = ["08:00-16:00"] }},'
        ' timezone = "UTC" } }\n')
    base = inbox.demo.config
    config = dataclasses.replace(
        base, staff=(*(s for s in base.staff if s.os_user != ME and not s.clinical),
                     StaffMember(os_user=ME, name="Dr Me", clinical=True)),
        teams=rota.teams, rules=())
    service = InboxService(inbox.db, config, ME)
    calm = service.list_conversations("assignee:none status:open -is:red-flag", 0, 1)
    with inbox.db.writing() as tx:  # a colleague's tag raised it in the night
        assert redflags.tagged(tx, [calm.items[0].id], int(time.time()), "maria")
    waiting = service.list_conversations("is:red-flag assignee:none -status:closed", 0, 50)
    assert waiting.total >= 1
    app = make_app(dataclasses.replace(inbox, service=service, api=InProcessAPI(service)),
                   config=config)
    async with app.run_test(size=(80, 24)) as pilot:
        seen = Recorder(app)
        await wait_rows(pilot, app)
        for _ in range(5):
            await pilot.press("j")
        await wait_for(pilot, lambda: app.conversation_list.cursor > 0, what="scrolled")
        router = RedFlagRouter(inbox.db, config)
        night = int((day + timedelta(hours=3)).timestamp())
        await asyncio.to_thread(router.round, night)
        bells = seen.bells
        done = await asyncio.to_thread(router.round, night + 5 * 3600 + 60)
        assert done.offered == {ME: waiting.total}
        line = (f"{waiting.total} red flag{'' if waiting.total == 1 else 's'} waiting: the"
                " list is back at the top (3 shows only red flags)")
        await wait_for(pilot, lambda: line in seen.toasts, what="the offer")
        await wait_for(pilot, lambda: app.conversation_list.cursor == 0, what="the top")
        assert seen.bells > bells
        # a rota opening (the server's `staff.shift`) has the roster read again at once
        reads: list[int] = []
        fetch = app._fetch_roster

        def counted() -> None:
            reads.append(1)
            fetch()

        app._fetch_roster = counted  # type: ignore[method-assign]
        await asyncio.to_thread(router.round, night + 13 * 3600 + 60)  # 16:01: off shift
        await wait_for(pilot, lambda: bool(reads), what="the roster read again")


def test_a_flag_no_rule_routed_is_offered_to_the_team_member_whose_shift_starts(
        any_store: Any) -> None:
    """With a routing rule, a flag raised by a colleague's tag (rules fire on arrivals, so
    none sent it to the team) is not assigned by anyone; the nurse whose shift starts is
    offered it, the routed one is given to her."""
    day = _tomorrow()
    config = _config(
        'strategy = "shift-aware"\n'
        f'shifts = {{ nora = {{ hours = {{ {DAYS[day.weekday()]} = ["08:00-16:00"] }},'
        ' timezone = "UTC" }, '
        f'bo = {{ hours = {{ {DAYS[day.weekday()]} = ["12:00-20:00"] }},'
        ' timezone = "UTC" } }')
    night = int((day + timedelta(hours=3)).timestamp())
    tagged, _ = arrive(any_store, 1, "Can I move my appointment?", sender="a@patient.example")
    routed, _ = arrive(any_store, 2, CHEST, sender="b@patient.example")
    with any_store.writing() as tx:
        assert redflags.tagged(tx, [tagged], int(time.time()), "ana") == [tagged]
    _route(any_store, config, routed, night)
    router = RedFlagRouter(any_store, config)
    assert router.round(night).offered == {}
    eight = int((day + timedelta(hours=8, minutes=1)).timestamp())
    done = router.round(eight)
    assert [(t.conversation_id, t.member) for t in done.taken] == [(routed, "nora")]
    assert done.offered == {"nora": 1}
    assert _holder(any_store, config, tagged) is None
    [offer] = _events(any_store, 0, OFFERED, "staff:nora")
    assert offer.details == {"user": "nora", "count": 1, "at": eight}


def test_the_store_reads_the_open_flags_nobody_holds(any_store: Any) -> None:
    """`red_flags_unheld`: open flags only, nobody's, not closed (both backends)."""
    config = _config("")
    waiting, _ = arrive(any_store, 1, CHEST, sender="a@patient.example")
    held, _ = arrive(any_store, 2, CHEST, sender="b@patient.example")
    closed, _ = arrive(any_store, 3, CHEST, sender="c@patient.example")
    cleared, _ = arrive(any_store, 4, CHEST, sender="d@patient.example")
    arrive(any_store, 5, "Can I move my appointment?", sender="e@patient.example")  # no flag
    lead = load_config_text('[[staff]]\nos_user = "drlee"\nname = "Dr Lee"\nclinical = true\n')
    InboxService(any_store, config, "ana").assign(held, "nora")
    InboxService(any_store, lead, "drlee").set_status(closed, "closed")
    with any_store.writing() as tx:
        redflags.clear(tx, lead, "drlee", "agent", cleared, "called the patient", 0)
    with any_store.reading() as tx:
        assert sorted(tx.red_flags_unheld()) == [waiting]


def test_a_flag_a_person_unassigned_on_purpose_is_not_taken_back(any_store: Any) -> None:
    """Only what the rule's pick could not place waits for the team: a nurse who takes a
    routed flag off herself (for the doctor) keeps it off, and a person's assign or
    unassign of a flag that waited ends its wait too."""
    config = _config("cap = 5")
    flag, _ = arrive(any_store, 1, CHEST, sender="c@patient.example")
    now = int(time.time())
    _route(any_store, config, flag, now)
    assert _holder(any_store, config, flag) == "nora"
    router = RedFlagRouter(any_store, config)
    router.round(now)
    InboxService(any_store, config, "nora").assign(flag, None)
    done = router.round(now + 5)
    assert done.taken == [] and done.at_cap == []
    assert _holder(any_store, config, flag) is None
    with any_store.reading() as tx:
        assert [v.red_flags_waiting for v in team_views(tx, config, now + 5)] == [0]

    # A flag nobody could take at the rule's turn waits ...
    day = _tomorrow()
    shifty = _config(
        'strategy = "shift-aware"\n'
        f'shifts = {{ nora = {{ hours = {{ {DAYS[day.weekday()]} = ["08:00-16:00"] }},'
        ' timezone = "UTC" }, '
        f'bo = {{ hours = {{ {DAYS[day.weekday()]} = ["08:00-16:00"] }},'
        ' timezone = "UTC" } }')
    night = int((day + timedelta(hours=3)).timestamp())
    other, _ = arrive(any_store, 2, CHEST, sender="d@patient.example")
    _route(any_store, shifty, other, night)
    assert _holder(any_store, shifty, other) is None
    with any_store.reading() as tx:
        assert [v.red_flags_waiting for v in team_views(tx, shifty, night)] == [1]
    # ... until a person gives it to someone and takes it back: no longer the team's.
    desk = InboxService(any_store, shifty, "ana")
    desk.assign(other, "ana")
    desk.assign(other, None)
    morning = int((day + timedelta(hours=8, minutes=1)).timestamp())
    assert RedFlagRouter(any_store, shifty).round(morning).taken == []
    assert _holder(any_store, shifty, other) is None
    assert _holder(any_store, shifty, flag) is None


def test_the_router_does_not_overwrite_a_staff_assign_on_another_server(pg_url: str) -> None:
    """PostgreSQL, two servers: a staff member on one assigns a waiting red flag while the
    router on the other is between its read and its write. The router's write waits for
    her row lock, then finds the flag held and gives it to nobody (no lost update)."""
    import threading

    from cxinbox.service.redflag_routing import take_up_waiting, waiting_flags
    from cxinbox.store.pg.store import PgStore

    day = _tomorrow()
    config = _config(
        'strategy = "shift-aware"\n'
        f'shifts = {{ nora = {{ hours = {{ {DAYS[day.weekday()]} = ["08:00-16:00"] }},'
        ' timezone = "UTC" }, '
        f'bo = {{ hours = {{ {DAYS[day.weekday()]} = ["08:00-16:00"] }},'
        ' timezone = "UTC" } }')
    router_side, desk_side = PgStore(pg_url, max_size=2), PgStore(pg_url, max_size=2)
    try:
        flag, _ = arrive(router_side, 1, CHEST, sender="c@patient.example")
        _route(router_side, config, flag, int((day + timedelta(hours=3)).timestamp()))
        assert _holder(router_side, config, flag) is None
        morning = int((day + timedelta(hours=8, minutes=1)).timestamp())
        out: dict[str, Any] = {}

        def route() -> None:
            with router_side.writing() as tx:
                flags = waiting_flags(tx, tx.red_flags_unheld())
                out["taken"] = take_up_waiting(tx, config, flags, now=morning).taken

        with desk_side.writing() as tx:  # ana's assign, not committed yet: her row lock
            tx.update_state(flag, assignee="ana")
            tx.append_event("ana", "conversation.assign", f"conversation:{flag}",
                            {"from": None, "to": "ana"})
            router = threading.Thread(target=route)
            router.start()

            def blocked() -> bool:
                row = router_side.conn.execute(
                    "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock'"
                    " AND datname = current_database()").fetchone()
                return int(row[0]) >= 1

            wait_until(blocked, timeout=60, what="the router's write waiting for ana's")
        router.join(60)
        assert not router.is_alive()
        assert out["taken"] == []
        assert _holder(router_side, config, flag) == "ana"
        assert [e.actor for e in _events(router_side, flag, "conversation.assign")] == ["ana"]
    finally:
        router_side.close()
        desk_side.close()


def test_a_router_run_again_after_a_lease_gap_offers_the_running_shift_once(
        any_store: Any) -> None:
    """The leader runs the same router again after a lease gap: its first round back
    offers the clinician whose shift began during the gap what waits, once (a second
    router, as a restarted server, offers nothing more), and tells no rota change."""
    import threading

    day = _tomorrow()
    config = load_config_text(
        '[[staff]]\nos_user = "drlee"\nname = "Dr Lee"\nclinical = true\n'
        '[[teams]]\nname = "doctors"\nmembers = ["drlee"]\nstrategy = "shift-aware"\n'
        f'shifts = {{ drlee = {{ hours = {{ {DAYS[day.weekday()]} = ["08:00-16:00"] }},'
        ' timezone = "UTC" } }\n')
    arrive(any_store, 1, CHEST)
    afternoon = int((day + timedelta(hours=14)).timestamp())
    stop = threading.Event()
    rounds: list[int] = []

    def clock() -> float:  # one round of the run, at 14:00, then stop
        rounds.append(afternoon)
        stop.set()
        return float(afternoon)

    router = RedFlagRouter(any_store, config, clock=clock)
    assert router.round(int((day + timedelta(hours=3)).timestamp())).offered == {}
    router.run(stop)  # the lease is back at 14:00
    assert rounds == [afternoon]
    [offer] = _events(any_store, 0, OFFERED, "staff:drlee")
    assert offer.details == {"user": "drlee", "count": 1, "at": afternoon}
    assert _events(any_store, 0, SHIFT, "staff:shift") == []
    # and it goes on from there: a round later, nothing new either
    assert router.round(afternoon + 5).offered == {}
    # a server restarted later in the same shift: offered already, nothing again
    assert RedFlagRouter(any_store, config).round(afternoon + 60).offered == {}
    assert len(_events(any_store, 0, OFFERED, "staff:drlee")) == 1


def _refuse_events(store: Any, actions: tuple[str, ...], on: bool) -> None:
    """The database itself refuses (a trigger) inserting events of `actions`: a write the
    round depends on fails, as a busy or fenced store would make it."""
    from cxinbox.store.db import Database

    listed = ", ".join(f"'{a}'" for a in actions)
    with store.write() as conn:
        if isinstance(store, Database):
            conn.execute("CREATE TRIGGER refuse BEFORE INSERT ON events"
                         f" WHEN NEW.action IN ({listed}) BEGIN"
                         " SELECT RAISE(ABORT, 'refused by the test'); END" if on
                         else "DROP TRIGGER refuse")
        elif on:
            conn.execute("CREATE FUNCTION refuse() RETURNS trigger LANGUAGE plpgsql AS"
                         " $$ BEGIN RAISE EXCEPTION 'refused by the test'; END $$")
            conn.execute("CREATE TRIGGER refuse BEFORE INSERT ON events FOR EACH ROW"
                         f" WHEN (NEW.action IN ({listed})) EXECUTE FUNCTION refuse()")
        else:
            conn.execute("DROP TRIGGER refuse ON events")
            conn.execute("DROP FUNCTION refuse()")


def test_a_round_whose_write_fails_offers_and_tells_the_shift_at_the_next(
        any_store: Any) -> None:
    """The router remembers who came on shift only once the events that say so are
    committed: a round whose write fails leaves them to the next round, not lost."""
    import pytest

    day = _tomorrow()
    config = load_config_text(
        '[[staff]]\nos_user = "drlee"\nname = "Dr Lee"\nclinical = true\n'
        '[[teams]]\nname = "doctors"\nmembers = ["drlee"]\nstrategy = "shift-aware"\n'
        f'shifts = {{ drlee = {{ hours = {{ {DAYS[day.weekday()]} = ["08:00-16:00"] }},'
        ' timezone = "UTC" } }\n')
    arrive(any_store, 1, CHEST)
    router = RedFlagRouter(any_store, config)
    assert router.round(int((day + timedelta(hours=3)).timestamp())).offered == {}
    morning = int((day + timedelta(hours=8, minutes=1)).timestamp())
    for refused in ((SHIFT,), (OFFERED,)):
        _refuse_events(any_store, refused, True)
        with pytest.raises(Exception, match="refused by the test"):
            router.round(morning)
        _refuse_events(any_store, refused, False)
        if refused == (SHIFT,):
            assert _events(any_store, 0, SHIFT, "staff:shift") == []
    assert _events(any_store, 0, OFFERED, "staff:drlee") == []
    assert router.round(morning + 5).offered == {"drlee": 1}
    assert [e.details for e in _events(any_store, 0, SHIFT, "staff:shift")] == [
        {"on": ["drlee"], "off": []}]
    assert router.round(morning + 10).offered == {}  # told once, not at every round


def test_a_cap_tell_whose_write_fails_is_told_at_the_next_round(any_store: Any) -> None:
    """The at-cap event (and so its notify hook, run after the commit) is not lost when the
    write that tells it fails: nothing says it was told, so the next round tells it."""
    import pytest

    config = _config("cap = 1")
    desk = InboxService(any_store, config, "ana")
    for uid, who in ((1, "nora"), (2, "bo")):
        conv, _ = arrive(any_store, uid, "Please send my lab results.",
                         sender=f"{who}@patient.example")
        desk.assign(conv, who)
    flag, _ = arrive(any_store, 3, CHEST, sender="c@patient.example")
    now = int(time.time())
    _route(any_store, config, flag, now)
    router = RedFlagRouter(any_store, config)
    _refuse_events(any_store, (WAITING,), True)
    with pytest.raises(Exception, match="refused by the test"):
        router.round(now)
    _refuse_events(any_store, (WAITING,), False)
    assert _events(any_store, flag, WAITING) == []
    assert [c.conversation_id for c in router.round(now + 5).at_cap] == [flag]
    assert len(_events(any_store, flag, WAITING)) == 1


async def test_the_at_cap_alert_ends_while_the_roster_is_unreadable(tmp_path: Path) -> None:
    """qa27 F7: with the roster unreadable (the red-flag round says so: `redflag:roster`),
    `TEAM NURSES ALL AT CAP` stayed on the status line from an old roster. It ends while
    the server cannot read who is at the cap, and comes back once it reads again."""
    from cxinbox.service.health import Health

    inbox = make_inbox(tmp_path, conversations=60)
    inbox.db.conn.execute("UPDATE triage_cursor SET upto = (SELECT max(id) FROM messages)")
    routed = _team_config(inbox.demo.config)
    [team] = routed.teams
    config = dataclasses.replace(routed, teams=(dataclasses.replace(team, cap=1),))
    service = InboxService(inbox.db, config, ME)
    mine = service.list_conversations("status:open -is:red-flag", 0, 1).items[0].id
    service.assign(mine, ME)
    app = make_app(dataclasses.replace(inbox, service=service, api=InProcessAPI(service)),
                   config=config)
    router = RedFlagRouter(inbox.db, config, health=Health(inbox.db, config))

    def rename(old: str, new: str) -> None:
        with inbox.db.writing() as tx:
            tx.conn.execute(f"ALTER TABLE {old} RENAME TO {new}")  # type: ignore[attr-defined]

    async with app.run_test(size=(80, 24)) as pilot:
        await wait_rows(pilot, app)
        status = app.status_line
        await wait_for(pilot, lambda: "TEAM NURSES ALL AT CAP" in str(status.render()),
                       what="the at-cap alert")
        rename("staff_away", "staff_away_gone")
        try:
            try:
                await asyncio.to_thread(router.round, int(time.time()))
            except Exception as exc:  # noqa: BLE001 - the round fails, and says so
                assert "staff_away" in str(exc)
            await wait_for(pilot, lambda: "roster unreadable" in str(status.render()),
                           what="the roster alert")
            line = str(status.render())
            assert "ALL AT CAP" not in line and "+0" not in line, line
        finally:
            rename("staff_away_gone", "staff_away")
        await asyncio.to_thread(router.round, int(time.time()))
        await wait_for(pilot, lambda: "TEAM NURSES ALL AT CAP" in str(status.render())
                       and "roster unreadable" not in str(status.render()),
                       what="the at-cap alert back once the roster reads")
