"""Red flags waiting go oldest raise first to the millisecond (qa26 F10), and a server
started while a shift runs takes up what waits for those on shift now, once. On SQLite and
PostgreSQL."""

from __future__ import annotations

import itertools
import json
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

from tests.support.waiting import wait_until
from tests.test_red_flag_waiting import (
    CHEST,
    DAYS,
    OFFERED,
    _config,
    _events,
    _holder,
    _route,
    _tomorrow,
)
from tests.test_redflag_state import arrive

from cxinbox.service import redflags
from cxinbox.service.inbox import InboxService
from cxinbox.service.redflag_routing import RedFlagRouter, waiting_flags


def _nurses_from_eight(cap: int) -> Any:
    day = _tomorrow()
    return day, _config(
        f'strategy = "shift-aware"\ncap = {cap}\n'
        f'shifts = {{ nora = {{ hours = {{ {DAYS[day.weekday()]} = ["08:00-16:00"] }},'
        ' timezone = "UTC" }, '
        f'bo = {{ hours = {{ {DAYS[(day.weekday() + 3) % 7]} = ["08:00-16:00"] }},'
        ' timezone = "UTC" } }')


def _capped_desk(store: Any, tmp_path: Path, log: Path) -> tuple[Any, InboxService]:
    """A nurses team of nora and bo, cap 1, each already holding a conversation (a new red
    flag waits at the cap), and a notify hook that appends each page it reads to `log`."""
    hook = tmp_path / "hook.sh"
    hook.write_text(f"#!/bin/sh\ncat >> {log}\necho >> {log}\n")
    hook.chmod(0o755)
    config = _config("cap = 1", f'[triage]\nnotify_command = ["{hook}"]\n')
    desk = InboxService(store, config, "ana")
    for uid, who in ((1, "nora"), (2, "bo")):
        conv, _ = arrive(store, uid, "Please send my lab results.",
                         sender=f"{who}@patient.example")
        desk.assign(conv, who)
    return config, desk


def test_the_older_raise_goes_first_though_its_second_is_later(any_store: Any) -> None:
    """Two flags raised 1 s apart by the clock their writers read, in the other order by
    when their raises were written (a writer reads the time, then waits for the write
    lock): the raise written first is the older, and with one place it is the one given."""
    day, config = _nurses_from_eight(cap=1)
    later_conv, _ = arrive(any_store, 1, "Can I move my appointment?",
                           sender="a@patient.example")
    older_conv, _ = arrive(any_store, 2, "Please send my lab results.",
                           sender="b@patient.example")
    now = int(time.time())
    # #older's raise is written first, though its writer read a later second than
    # #later's, written just after with the earlier second.
    with any_store.writing() as tx:
        assert redflags.tagged(tx, [older_conv], now + 1, "ana") == [older_conv]
    with any_store.writing() as tx:
        assert redflags.tagged(tx, [later_conv], now, "ana") == [later_conv]
    night = int((day + timedelta(hours=3)).timestamp())
    for conv in (older_conv, later_conv):
        _route(any_store, config, conv, night)
    with any_store.reading() as tx:
        order = waiting_flags(tx, tx.red_flags_unheld())
    assert [w.conversation_id for w in order] == [older_conv, later_conv]
    assert order[0].raised_at > order[1].raised_at  # the seconds alone would invert it

    router = RedFlagRouter(any_store, config)
    assert router.round(night).taken == []
    morning = int((day + timedelta(hours=8, minutes=1)).timestamp())
    done = router.round(morning)
    assert [(t.conversation_id, t.member) for t in done.taken] == [(older_conv, "nora")]
    assert _holder(any_store, config, later_conv) is None
    assert [c.conversation_id for c in done.at_cap] == [later_conv]


def test_a_server_started_mid_shift_takes_up_what_waits_once(any_store: Any) -> None:
    """Flags routed to the team waited through the night; the server was down at 08:00
    and starts at 10:00: its first round gives them to nora (within her cap, oldest raise
    first); the flag no rule routed is offered to her, once: a second restart at 11:00
    neither offers it again nor writes anything."""
    day, config = _nurses_from_eight(cap=2)
    first, _ = arrive(any_store, 1, CHEST, sender="a@patient.example")
    second, _ = arrive(any_store, 2, CHEST, sender="b@patient.example")
    third, _ = arrive(any_store, 3, CHEST, sender="c@patient.example")
    tagged, _ = arrive(any_store, 4, "A question about my bill.", sender="d@patient.example")
    with any_store.writing() as tx:
        assert redflags.tagged(tx, [tagged], int(time.time()), "ana") == [tagged]
    night = int((day + timedelta(hours=3)).timestamp())
    for conv in (first, second, third):
        _route(any_store, config, conv, night)
        assert _holder(any_store, config, conv) is None

    ten = int((day + timedelta(hours=10)).timestamp())
    done = RedFlagRouter(any_store, config).round(ten)
    assert [(t.conversation_id, t.member) for t in done.taken] == [
        (first, "nora"), (second, "nora")]
    assert [c.conversation_id for c in done.at_cap] == [third]
    assert done.offered == {"nora": 1}
    [offer] = _events(any_store, 0, OFFERED, "staff:nora")
    assert offer.details == {"user": "nora", "count": 1, "at": ten}

    with any_store.reading() as tx:
        before = tx.last_event_seq()
    eleven = int((day + timedelta(hours=11)).timestamp())
    again = RedFlagRouter(any_store, config).round(eleven)
    assert again.taken == [] and again.at_cap == [] and again.offered == {}
    with any_store.reading() as tx:
        assert tx.last_event_seq() == before  # nothing written: told and offered once


def test_a_cap_page_that_never_ends_is_given_up_after_three_pagings(
        any_store: Any, tmp_path: Path) -> None:
    """A page whose pagings all died with their server (the hook takes it down, say) is
    not paged for ever: the third that did not end is given up, told `sent: null`, and a
    health alert on everyone's status line says which red flag's page did not go. Its
    first two pagings are written as dead servers leave them: a process of this host
    that is gone."""
    from cxinbox.service.inbox import SYSTEM_ACTOR
    from cxinbox.service.redflag_routing import (
        PAGE_ALERT,
        PAGING,
        TOLD,
        WAITING,
        paging_marks,
    )

    log = tmp_path / "hook.jsonl"
    config, _ = _capped_desk(any_store, tmp_path, log)
    flag, _ = arrive(any_store, 3, CHEST, sender="c@patient.example")
    now = int(time.time())
    _route(any_store, config, flag, now)
    # a pid no process can have (above the kernel's limit): never reused by another
    gone = int(Path("/proc/sys/kernel/pid_max").read_text()) + 1
    dead = {**paging_marks(600, time.time()), "pid": gone}
    target = f"conversation:{flag}"
    with any_store.writing() as tx:
        first = tx.append_event(SYSTEM_ACTOR, WAITING, target, {
            "conversation": flag, "team": "nurses", "reason": "at cap", "cap": 1,
            "why": "test", **dead})
        tx.append_event(SYSTEM_ACTOR, PAGING, target, {
            "conversation": flag, "team": "nurses", "cap": 1, "resumed": first, **dead})

    router = RedFlagRouter(any_store, config)
    router.round(now)  # the second paging's server is gone: paged a third time
    wait_until(lambda: len(_events(any_store, flag, TOLD)) == 1, "the third paging told",
               timeout=30.0)
    assert len(_events(any_store, flag, PAGING)) == 2
    assert [json.loads(x)["conversation"] for x in log.read_text().split("\n\n")
            if x.strip()] == [flag]
    [told] = _events(any_store, flag, TOLD)
    assert told.details["sent"] is True
    with any_store.reading() as tx:
        assert tx.alert(PAGE_ALERT) is None

    # A second raise whose three pagings all died: given up, the desk told instead.
    with any_store.writing() as tx:
        tx.clear_red_flag(flag, now + 1)
        assert redflags.tagged(tx, [flag], now + 2, "ana") == [flag]
    with any_store.writing() as tx:
        first = tx.append_event(SYSTEM_ACTOR, WAITING, target, {
            "conversation": flag, "team": "nurses", "reason": "at cap", "cap": 1,
            "why": "test", **dead})
        for _ in range(2):
            tx.append_event(SYSTEM_ACTOR, PAGING, target, {
                "conversation": flag, "team": "nurses", "cap": 1, "resumed": first, **dead})
    router.round(now + 10)
    told = _events(any_store, flag, TOLD)[-1]
    assert told.details["sent"] is None and told.details["gave_up"] is True
    assert len(log.read_text().split("\n\n")) == 2  # not paged again
    with any_store.reading() as tx:
        alert = tx.alert(PAGE_ALERT)
    assert alert is not None and f"red flag #{flag}" in alert.message
    assert "did not go after 3 tries" in alert.message
    router.round(now + 15)  # given up: nothing more
    assert len(_events(any_store, flag, TOLD)) == 2


def test_cap_pages_given_up_for_two_flags_are_both_named_by_the_alert(
        any_store: Any, tmp_path: Path) -> None:
    """Two red flags whose three pagings all died: both given up, and the one health alert
    names both (a second given up used to replace the line of the first), in a line the
    status line still shortens to its short form."""
    from cxinbox.contract.types import Alert
    from cxinbox.service.inbox import SYSTEM_ACTOR
    from cxinbox.service.redflag_routing import (
        PAGE_ALERT,
        PAGING,
        TOLD,
        WAITING,
        given_up_ids,
        paging_marks,
    )
    from cxinbox.tui.alertline import SHORT_FORMS, alert_forms

    log = tmp_path / "hook.jsonl"
    config, desk = _capped_desk(any_store, tmp_path, log)
    now = int(time.time())
    # a pid no process can have (above the kernel's limit): never reused by another
    gone = int(Path("/proc/sys/kernel/pid_max").read_text()) + 1
    dead = {**paging_marks(600, time.time()), "pid": gone}
    router = RedFlagRouter(any_store, config)
    flags: list[int] = []
    for uid in (3, 4):
        flag, _ = arrive(any_store, uid, CHEST, sender=f"c{uid}@patient.example")
        _route(any_store, config, flag, now)
        target = f"conversation:{flag}"
        with any_store.writing() as tx:
            first = tx.append_event(SYSTEM_ACTOR, WAITING, target, {
                "conversation": flag, "team": "nurses", "reason": "at cap", "cap": 1,
                "why": "test", **dead})
            for _ in range(2):
                tx.append_event(SYSTEM_ACTOR, PAGING, target, {
                    "conversation": flag, "team": "nurses", "cap": 1, "resumed": first,
                    **dead})
        router.round(now + 10 * uid)
        told = _events(any_store, flag, TOLD)[-1]
        assert told.details["gave_up"] is True
        flags.append(flag)
        with any_store.reading() as tx:
            alert = tx.alert(PAGE_ALERT)
        assert alert is not None
        assert given_up_ids(alert.message) == flags  # the earlier one still named
    assert not log.exists() or log.read_text().strip() == ""  # neither paged again
    assert alert.message == (f"the pages for 2 red flags (#{flags[0]}, #{flags[1]}) did not"
                             " go after 3 tries each: see cxinbox list is:red-flag")
    forms = alert_forms(Alert(PAGE_ALERT, "error", alert.message, 0), more=1)
    assert f"{SHORT_FORMS[PAGE_ALERT]} (cxinbox status) +1" in forms

    # The desk deals with them: the alert stays while one still waits, then ends.
    desk.assign(flags[0], "nora")
    router.round(now + 60)
    with any_store.reading() as tx:
        assert tx.alert(PAGE_ALERT) is not None
    desk.assign(flags[1], "bo")
    router.round(now + 70)
    with any_store.reading() as tx:
        assert tx.alert(PAGE_ALERT) is None


def test_the_given_up_alert_names_a_few_and_counts_the_rest(
        any_store: Any, tmp_path: Path) -> None:
    """Five red flags whose pages were all given up: the alert's line names the first
    three and "and 2 more", bounded however many there are; the two it does not name by
    number still hold it up until the desk has dealt with them too."""
    from cxinbox.service.inbox import SYSTEM_ACTOR
    from cxinbox.service.redflag_routing import PAGE_ALERT, PAGING, WAITING, paging_marks

    config, desk = _capped_desk(any_store, tmp_path, tmp_path / "hook.jsonl")
    now = int(time.time())
    gone = int(Path("/proc/sys/kernel/pid_max").read_text()) + 1
    dead = {**paging_marks(600, time.time()), "pid": gone}
    router = RedFlagRouter(any_store, config)
    flags: list[int] = []
    for uid in range(3, 8):
        flag, _ = arrive(any_store, uid, CHEST, sender=f"c{uid}@patient.example")
        _route(any_store, config, flag, now)
        target = f"conversation:{flag}"
        with any_store.writing() as tx:
            first = tx.append_event(SYSTEM_ACTOR, WAITING, target, {
                "conversation": flag, "team": "nurses", "reason": "at cap", "cap": 1,
                "why": "test", **dead})
            for _ in range(2):
                tx.append_event(SYSTEM_ACTOR, PAGING, target, {
                    "conversation": flag, "team": "nurses", "cap": 1, "resumed": first,
                    **dead})
        flags.append(flag)
    router.round(now + 10)
    flags.sort()
    with any_store.reading() as tx:
        alert = tx.alert(PAGE_ALERT)
    assert alert is not None
    assert alert.message == (
        f"the pages for 5 red flags (#{flags[0]}, #{flags[1]}, #{flags[2]} and 2 more) did"
        " not go after 3 tries each: see cxinbox list is:red-flag")
    for flag, who in zip(flags[:3], ("nora", "bo", "nora"), strict=True):
        desk.assign(flag, who)
    router.round(now + 60)
    with any_store.reading() as tx:
        assert tx.alert(PAGE_ALERT) is not None  # two it counts but does not number wait
    for flag in flags[3:]:
        desk.assign(flag, "bo")
    router.round(now + 70)
    with any_store.reading() as tx:
        assert tx.alert(PAGE_ALERT) is None


def test_cap_pages_of_one_round_each_have_time_for_the_hooks_before_them(
        any_store: Any, tmp_path: Path) -> None:
    """A round's cap pages run one after another on one thread: the n-th page's record
    says its hook ends n hooks later, so a server taking over (PostgreSQL) or a restart
    does not think a page still waiting its turn was lost and page it twice."""
    from cxinbox.service.redflag_routing import TOLD, WAITING

    config, _ = _capped_desk(any_store, tmp_path, Path("/dev/null"))
    flags = [arrive(any_store, uid, CHEST, sender=f"p{uid}@patient.example")[0]
             for uid in (3, 4, 5)]
    now = int(time.time())
    for flag in flags:
        _route(any_store, config, flag, now)
    timeout = 40.0
    done = RedFlagRouter(any_store, config, notify_timeout_s=timeout).round(now)
    assert sorted(c.conversation_id for c in done.at_cap) == sorted(flags)
    for flag in flags:
        wait_until(lambda flag=flag: len(_events(any_store, flag, TOLD)) == 1,
                   "each page told gone", timeout=60.0)
    untils = sorted(int(_events(any_store, f, WAITING)[0].details["until"]) for f in flags)
    gaps = [b - a for a, b in itertools.pairwise(untils)]
    # each a hook's timeout after the one before (the clock read for each: within 5 s)
    assert all(timeout * 1000 - 5000 <= g <= timeout * 1000 + 5000 for g in gaps), gaps
