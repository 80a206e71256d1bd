"""A mail server that goes away while we wait in IDLE is noticed at once.

imapclient's `idle_check` treats end-of-file as "no responses", so a connection the server
closed (a restart, a crash, a firewall cutting it) looked like a quiet mailbox until the
IDLE renewal, up to 25 minutes later, while the loop spun on a socket that is always
readable. The desk and `cxinbox status` would have said all was well meanwhile.
"""

from __future__ import annotations

import threading
import time
from pathlib import Path

from tests.support.dovecot import DovecotServer
from tests.synchelp import make_sync, write_config

from cxinbox.channels.imap import ImapError


def test_a_server_that_goes_away_during_idle_is_noticed_within_seconds(
        tmp_path: Path, dovecot: DovecotServer) -> None:
    config, db, engine = make_sync(write_config(tmp_path, dovecot))
    session = engine.open_session(config.accounts[0])
    session.select("INBOX")
    outcome: dict[str, object] = {}
    cpu: list[float] = []

    def idle() -> None:
        t0, c0 = time.monotonic(), time.thread_time()
        try:
            session.idle_wait(120)
            outcome["result"] = "returned"
        except ImapError as exc:
            outcome["result"] = "error"
            outcome["why"] = str(exc)
        outcome["seconds"] = time.monotonic() - t0
        cpu.append(time.thread_time() - c0)

    waiter = threading.Thread(target=idle, daemon=True)
    waiter.start()
    try:
        dovecot.stop()
        waiter.join(90)
        assert outcome.get("result") == "error", outcome
        assert float(outcome["seconds"]) < 60  # type: ignore[arg-type]  # not the 120 s asked
        assert cpu[0] < 5.0  # no busy loop on the dead socket meanwhile
    finally:
        session.close()
        engine.close()
        db.close()
