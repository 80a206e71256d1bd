"""Presence shared by the servers on one PostgreSQL database: who is connected where,
which conversation each has open and whether they are writing a reply.

Each server keeps its own connections' entries in memory (api/live.py) and copies them
here, into an UNLOGGED table (nothing in it needs to survive a crash of the database:
servers rewrite their rows every `BEAT_S`, stamped by the database's clock, so hosts'
clocks need not agree). A server reads the others' rows when one of
them notifies `PRESENCE_CHANNEL` and every `BEAT_S`; rows whose server has not written for
`STALE_S` (it was killed, its host went away) are ignored and, later, deleted.

The table is made on first use, by the first server to share presence, not by a
migration: it holds no data of the desk's, only the moment's state.
"""

from __future__ import annotations

import logging
import os
import secrets
import socket
import threading
import time
from collections.abc import Callable, Sequence
from typing import Any, Final

from cxinbox.contract.types import Presence
from cxinbox.store.pg.runtime_tables import ensure_runtime_table

log = logging.getLogger(__name__)

PRESENCE_CHANNEL: Final = "cxinbox_presence"
BEAT_S: Final = 5.0
STALE_S: Final = 15.0
TICK_S: Final = 0.25

class SharedPresence:
    """This server's presence entries copied to the database, and everyone else's read
    back. `entries()` gives this server's current entries (keyed by session); `on_others`
    is called with the other servers' entries whenever they may have changed. Call
    `changed()` after any local change; the copy happens on this object's thread."""

    def __init__(self, url: str, entries: Callable[[], Sequence[tuple[str, Presence]]],
                 on_others: Callable[[list[Presence]], None]) -> None:
        self.url = url
        self.server = f"{socket.gethostname()}:{os.getpid()}:{secrets.token_hex(4)}"
        self._entries = entries
        self._on_others = on_others
        self._dirty = threading.Event()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="pg-presence", daemon=True)
        self._thread.start()

    def changed(self) -> None:
        self._dirty.set()

    def close(self) -> None:
        self._stop.set()
        self._thread.join(TICK_S + 5.0)

    # -- the thread ----------------------------------------------------------------------

    def _run(self) -> None:
        import psycopg

        down = False
        while not self._stop.is_set():
            try:
                with psycopg.connect(self.url, autocommit=True, connect_timeout=5) as conn:
                    ensure_runtime_table(conn, "cxinbox_presence")
                    conn.execute(f"LISTEN {PRESENCE_CHANNEL}")
                    down = False
                    self._serve(conn)
                    self._withdraw(conn)
                    return
            except Exception as exc:  # noqa: BLE001 - presence must outlive outages
                if self._stop.is_set():
                    return
                if not down:
                    log.warning("sharing presence through PostgreSQL stopped (%s); retrying",
                                type(exc).__name__)
                down = True
            self._stop.wait(2.0)

    def _serve(self, conn: Any) -> None:
        beat = read = 0.0
        while not self._stop.is_set():
            heard = False
            for _ in conn.notifies(timeout=TICK_S, stop_after=1):
                heard = True
            if heard:
                for _ in conn.notifies(timeout=0.0):
                    pass
            now = time.monotonic()
            if self._dirty.is_set() or now - beat >= BEAT_S:
                self._dirty.clear()
                self._publish(conn)
                beat = now
            if heard or now - read >= BEAT_S:
                self._on_others(self._others(conn))
                read = now

    def _publish(self, conn: Any) -> None:
        """Replace this server's rows with its current entries, in one transaction that
        tells the others at commit (the NOTIFY; our own is read as well, harmlessly)."""
        rows = [(self.server, session, p.os_user, p.name, p.conv_id, p.composing, p.since)
                for session, p in self._entries()]
        with conn.transaction():
            conn.execute("DELETE FROM cxinbox_presence WHERE server = %s", (self.server,))
            if rows:
                with conn.cursor() as cur:
                    cur.executemany(
                        "INSERT INTO cxinbox_presence (server, session, os_user, name,"
                        " conv_id, composing, since, beat_at)"
                        " VALUES (%s, %s, %s, %s, %s, %s, %s, extract(epoch FROM now()))", rows)
            conn.execute("DELETE FROM cxinbox_presence"
                         " WHERE beat_at < extract(epoch FROM now()) - %s", (4 * STALE_S,))
            conn.execute(f"NOTIFY {PRESENCE_CHANNEL}")

    def _others(self, conn: Any) -> list[Presence]:
        rows = conn.execute(
            "SELECT os_user, name, conv_id, composing, since FROM cxinbox_presence"
            " WHERE server <> %s AND beat_at >= extract(epoch FROM now()) - %s",
            (self.server, STALE_S)).fetchall()
        return [Presence(str(r[0]), str(r[1]), None if r[2] is None else int(r[2]),
                         bool(r[3]), int(r[4])) for r in rows]

    def _withdraw(self, conn: Any) -> None:
        """A server stopping cleanly takes its entries with it at once."""
        with conn.transaction():
            conn.execute("DELETE FROM cxinbox_presence WHERE server = %s", (self.server,))
            conn.execute(f"NOTIFY {PRESENCE_CHANNEL}")
