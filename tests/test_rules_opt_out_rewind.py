"""`rules test` puts each patient number's STOP / START back as it was at the replayed
moment (store/rules.py `rewind_opt_outs`), also when retention has released the event of
a STOP texted before it: on SQLite and PostgreSQL, with the store's own retention."""

from __future__ import annotations

from typing import Any

from cxinbox.store.replaylog import ReplayLog
from cxinbox.store.retention import TrailStart, delete_released

CLINIC = "+15550001"


def _keyword(store: Any, number: str, state: str, at: int) -> int:
    """A STOP or START as the SMS sync stores it: the state row and its event."""
    with store.writing() as tx:
        assert tx.set_opt_state(number, state, "STOP" if state == "out" else "START",
                                CLINIC, at, None)
        return int(tx.append_event("sync", "sms.opt_out" if state == "out" else "sms.opt_in",
                                   "conversation:1", {"number": number}))


def _moment(store: Any) -> int:
    with store.writing() as tx:
        return int(tx.append_event("sync", "mail.received", "clinic/INBOX", {"count": 1}))


def _release_before(store: Any, seq: int) -> None:
    """Retention releases every event before `seq` (the trail now starts there)."""
    with store.write() as conn:
        prev = conn.execute("SELECT hash FROM events WHERE seq = ?", (seq - 1,)).fetchone()[0]
        assert delete_released(conn, TrailStart(seq, str(prev), 0), 1000) >= 1
        assert conn.execute("SELECT count(*) FROM events WHERE seq < ?",
                            (seq,)).fetchone()[0] == 0


def _states_at(store: Any, seq: int, base: int | None = None) -> dict[str, str]:
    """The states rewound to event `seq`: from the database's events, or (`base`) from a
    replay's log of the events after `base`, as `rules test` reads them."""
    with store.rehearsing() as tx:
        if base is None:
            tx.rewind_opt_outs(seq)
        else:
            log = ReplayLog(base)
            tx.moment_reads(log, [], None, 0)  # the log caught up
            tx.rewind_opt_outs(seq, log)
        return {str(n): str(s) for n, s in tx.conn.execute(
            "SELECT number, state FROM sms_opt_outs")}


def test_a_stop_whose_event_was_released_is_still_an_opt_out_then(any_store: Any) -> None:
    stopped, fresh = "+15550101", "+15550102"
    first = _keyword(any_store, stopped, "out", 1_000)
    _keyword(any_store, "+15550199", "out", 1_001)  # keeps an event before the moment
    moment = _moment(any_store)
    _keyword(any_store, stopped, "in", 3_000)  # START after the moment
    _keyword(any_store, fresh, "out", 3_001)  # a first STOP after the moment
    _release_before(any_store, first + 1)  # the first STOP's event is gone
    assert _states_at(any_store, moment) == {stopped: "out", "+15550199": "out"}
    # The same from a replay's log, whether the moment is its first (nothing in the log
    # before it) or a later one (the STOP of +15550199 read from the log itself).
    assert _states_at(any_store, moment, base=moment) == {stopped: "out", "+15550199": "out"}
    assert _states_at(any_store, moment, base=first + 1) == {stopped: "out",
                                                            "+15550199": "out"}
    # At the START's moment, from a log that began before it, the START is undone no more.
    start = moment + 1
    assert _states_at(any_store, start, base=first + 1) == _states_at(any_store, start) == {
        stopped: "in", "+15550199": "out"}
    # nothing rewound for real
    assert {str(n): str(s) for n, s in any_store.conn.execute(
        "SELECT number, state FROM sms_opt_outs")} == {
        stopped: "in", fresh: "out", "+15550199": "out"}
