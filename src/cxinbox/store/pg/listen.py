"""The wake-up for change feeds when several servers share one PostgreSQL database.

Every transaction that appends events queues a NOTIFY on `CHANGE_CHANNEL` naming the
seq of its last event (`Dialect.announce`, store/dialect.py); PostgreSQL delivers it
when, and only if, that transaction commits. `CommitWatch` holds one connection
LISTENing on the channel, on a thread of its own, and for each batch of notifications
calls `advance` with the highest seq named (`events.seq` grows in commit order, since
appenders hold the chain lock until they commit, so every event up to it is committed),
or `wake` where there is no `advance` or a notification names none: the caller then
re-reads the head. Under load that is one database read fewer per commit on every server,
and a hop fewer between a commit and the other servers' feeds.

A notification may carry its transaction's one event whole (`cxinbox_append_event`, a
staff action's): a JSON array of the event's columns, handed to `heard` as an
EventRecord before `advance`, so the feed can serve it without reading it back.

Notifications can be missed (the connection drops, the database restarts), so the
caller keeps a slow poll of its own (the server's is `FALLBACK_S`); `wake` is also called
at once after reconnecting. A watch whose database is unreachable keeps trying with
backoff and logs one line per outage.
"""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Callable
from typing import Final

from cxinbox.store.dialect import CHANGE_CHANNEL
from cxinbox.store.records import EventRecord

log = logging.getLogger(__name__)

FALLBACK_S: Final = 1.0
"""How often a server re-reads the head without a notification (the fallback poll)."""
STOP_CHECK_S: Final = 0.5
RETRY_MAX_S: Final = 10.0


class CommitWatch:
    """Calls `wake()` soon after any process commits events to the database at `url`
    (or whatever else notifies `channel`: the outbox's own channel, OUTBOX_CHANNEL)."""

    def __init__(self, url: str, wake: Callable[[], object],
                 channel: str = CHANGE_CHANNEL, *,
                 advance: Callable[[int], object] | None = None,
                 heard: Callable[[list[EventRecord]], object] | None = None,
                 reconnected: Callable[[], object] | None = None) -> None:
        self.url = url
        self.reconnected = reconnected
        self.wake = wake
        self.advance = advance
        self.heard = heard
        self.channel = channel
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="pg-commit-watch",
                                        daemon=True)
        self._thread.start()

    def close(self) -> None:
        self._stop.set()
        self._thread.join(STOP_CHECK_S + 5.0)

    def _run(self) -> None:
        import psycopg

        delay = 0.5
        down = False
        while not self._stop.is_set():
            try:
                with psycopg.connect(self.url, autocommit=True, connect_timeout=5) as conn:
                    conn.execute(f"LISTEN {self.channel}")
                    if down:
                        log.info("change notifications from PostgreSQL are back")
                    down = False
                    delay = 0.5
                    if self.reconnected is not None:  # before any notification is passed on
                        self.reconnected()
                    self._call()  # anything committed while we were not listening
                    while not self._stop.is_set():
                        got = [n.payload for n in conn.notifies(timeout=STOP_CHECK_S,
                                                                 stop_after=1)]
                        if got:  # drain what queued meanwhile: one call covers them all
                            got += [n.payload for n in conn.notifies(timeout=0.0)]
                            self._call(got)
            except Exception as exc:  # noqa: BLE001 - the watch must outlive outages
                if self._stop.is_set():
                    break
                if not down:
                    log.warning("change notifications from PostgreSQL stopped (%s); the"
                                " change feed polls every %.0f s until they are back",
                                type(exc).__name__, FALLBACK_S)
                down = True
            self._stop.wait(delay)
            delay = min(RETRY_MAX_S, delay * 2)

    def _call(self, payloads: list[str] | None = None) -> None:
        try:
            seqs, events = _read(payloads or [])
            if self.advance is not None and seqs:
                if events and self.heard is not None:
                    self.heard(events)
                self.advance(max(seqs))
            else:
                self.wake()
        except Exception:  # one bad wake must not stop the watch
            log.exception("a change-feed wake-up failed")


def _read(payloads: list[str]) -> tuple[list[int], list[EventRecord]]:
    """The seqs the notifications name and the events they carry; no seqs at all when
    one of them is neither (the caller then re-reads the head)."""
    seqs: list[int] = []
    events: list[EventRecord] = []
    for payload in payloads:
        if payload.isdigit():
            seqs.append(int(payload))
            continue
        try:
            seq, at, actor, action, target, details = json.loads(payload)
            event = EventRecord(int(seq), int(at), str(actor), str(action), str(target),
                                str(details))
        except (ValueError, TypeError):
            return [], []
        seqs.append(event.seq)
        events.append(event)
    return seqs, events
