"""Several servers on one PostgreSQL: each clinic number is polled by one of them at a time.

Two SMS pollers (separate processes, as two servers are) run against the local provider
for the same clinic number. Only the one holding the number's lease lists it; when it is
killed with SIGKILL in the middle of a listing (some batches committed, the cursor not
moved yet), the other takes the lease within 30 s and lists again from the committed
cursor: every text is stored once and counted once in the `sms.received` events.
"""

from __future__ import annotations

import io
import json
import logging
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

from tests.support.pglease import lease_pid
from tests.support.scriptproc import ScriptProcess
from tests.support.smsprovider import SmsProvider, write_sms_config
from tests.support.waiting import wait_until

from cxinbox.logsetup import KeyValueFormatter, Withhold
from cxinbox.store.pg.store import PgStore

CLINIC = "+15550100100"

WORKER = """
import sys, threading
from cxinbox.channels.sms import SmsClient
from cxinbox.config import load_config
from cxinbox.service.sms_sync import SmsPoller
from cxinbox.store.pg.store import PgStore

store = PgStore(sys.argv[2], max_size=4)
config = load_config(sys.argv[1])
poller = SmsPoller(store, config, batch_size=40,
                   client_factory=lambda c, t: SmsClient(c, t, page_size=40))

def said(result):
    if result.new or result.duplicates:
        print("polled", result.new, result.duplicates, flush=True)

print("ready", flush=True)
poller.run(threading.Event(), on_result=said)
"""


def _worker(config: Path, url: str) -> ScriptProcess:
    """A poller process on the store at `url`."""
    return ScriptProcess(WORKER, str(config), url)


def _wait(what: str, cond: Callable[[], bool], timeout: float, step: float = 0.05) -> None:
    wait_until(cond, what, timeout=timeout, interval=step)


def test_one_server_polls_a_number_and_another_takes_over(tmp_path: Path, pg_url: str) -> None:
    total = 1000
    start = datetime.now(UTC) - timedelta(hours=2)
    with SmsProvider(numbers=[CLINIC]) as provider:
        provider.inject_many((f"+1555766{i % 500:04d}", CLINIC, f"question number {i}",
                              start + timedelta(seconds=i)) for i in range(total))
        config = write_sms_config(tmp_path, provider, [CLINIC], poll_seconds=60)
        store = PgStore(pg_url, max_size=2)
        workers: list[ScriptProcess] = []
        try:
            def stored() -> int:
                return int(store.conn.execute(
                    "SELECT count(*) FROM sms_messages").fetchone()[0])

            def cursor_moved() -> bool:
                return store.conn.execute("SELECT count(*) FROM sms_cursors"
                                          ).fetchone()[0] > 0

            first = _worker(config, pg_url)
            workers.append(first)
            _wait("the first poller to store texts", lambda: stored() >= 80, 120, 0.01)
            second = _worker(config, pg_url)
            workers.append(second)
            _wait("the second poller to start", lambda: bool(second.said("ready")), 60)
            # The second one tries the lease every few seconds while the first lists.
            _wait("a few more batches", lambda: stored() >= 240, 120, 0.01)
            first.kill()
            killed_at = time.monotonic()
            at_kill = stored()
            assert 0 < at_kill < total, "the first poller must die in the middle of a listing"
            assert not cursor_moved(), "the cursor moves only after a complete listing"
            assert not first.said("polled") and not second.said("polled")

            # Taking over is storing again (the poll's summary line comes once it ends).
            _wait("the second poller to take over", lambda: stored() > at_kill, 60)
            assert time.monotonic() - killed_at < 30
            _wait("the second poller to finish its poll", lambda: bool(second.said("polled")),
                  120)
            line = second.said("polled")[0][1]
            new, duplicates = (int(word) for word in line.split()[1:3])
            assert (new, duplicates) == (total - at_kill, at_kill)  # nothing lost, nothing twice

            assert stored() == total
            assert int(store.conn.execute("SELECT count(DISTINCT sid) FROM sms_messages"
                                          ).fetchone()[0]) == total
            assert int(store.conn.execute("SELECT count(*) FROM messages WHERE channel = 'sms'"
                                          ).fetchone()[0]) == total
            assert sum(_received_counts(store)) == total
            assert cursor_moved()
        finally:
            for w in workers:
                w.kill()
            store.close()


def test_each_number_is_polled_by_one_server_at_a_time(tmp_path: Path, pg_url: str) -> None:
    """In one process: a second poller on the same store skips the number the first holds
    and polls it once the first lets go (`close`)."""
    from cxinbox.config import load_config
    from cxinbox.service.sms_sync import SmsPoller

    with SmsProvider(numbers=[CLINIC]) as provider:
        provider.inject_inbound("+15557654321", CLINIC, "Can I move my appointment?",
                                at=datetime.now(UTC) - timedelta(minutes=5))
        config = load_config(write_sms_config(tmp_path, provider, [CLINIC]))
        one, two = PgStore(pg_url, max_size=2), PgStore(pg_url, max_size=2)
        first, second = SmsPoller(one, config), SmsPoller(two, config)
        try:
            assert first.poll_once().new == 1
            assert second.poll_once().new == 0 and second.unleased == [CLINIC]
            lists = len(provider.requests)
            assert second.poll_once().duplicates == 0 and len(provider.requests) == lists
            first.close()  # gives the lease back
            again = second.poll_once()
            assert (again.new, again.duplicates) == (0, 1) and second.unleased == []
        finally:
            first.close()
            second.close()
            one.close()
            two.close()


def test_taking_and_losing_a_number_says_so_in_the_log(tmp_path: Path, pg_url: str) -> None:
    """As the mail sync's `sync lease taken`: the server that takes a clinic number's lease
    logs it, and so does the one that finds it lost, by the number's place among
    [[sms.numbers]], never the number (nor the patient's, nor a word of the text)."""
    from cxinbox.config import load_config
    from cxinbox.service.sms_sync import SmsPoller

    stream = io.StringIO()
    handler = logging.StreamHandler(stream)  # the server's log: logsetup's format and filter
    handler.setFormatter(KeyValueFormatter())
    handler.addFilter(Withhold())
    log = logging.getLogger("cxinbox.sms")
    log.addHandler(handler)
    level = log.level
    log.setLevel(logging.INFO)
    other = "+15550100222"
    with SmsProvider(numbers=[other, CLINIC]) as provider:
        provider.inject_inbound("+15557654321", CLINIC, "Can I move my appointment?",
                                at=datetime.now(UTC) - timedelta(minutes=5))
        config = load_config(write_sms_config(tmp_path, provider, [other, CLINIC]))
        one, two = PgStore(pg_url, max_size=2), PgStore(pg_url, max_size=2)
        first, second = SmsPoller(one, config), SmsPoller(two, config)
        try:
            def lines() -> list[str]:
                return stream.getvalue().splitlines()

            assert first.poll_once().new == 1
            taken = [line for line in lines() if 'msg="sms lease taken"' in line]
            assert [line.split(" ", 1)[1] for line in taken] == [
                'level=info logger=cxinbox.sms msg="sms lease taken" channel=sms line=1',
                'level=info logger=cxinbox.sms msg="sms lease taken" channel=sms line=2']
            assert second.poll_once().new == 0 and second.unleased == [other, CLINIC]
            assert len(lines()) == 2  # the numbers another server polls: nothing to say
            # The first server's lease session ends (as the database ends a silent one):
            # the second takes both numbers, and the first says it lost them.
            two.conn.execute("SELECT pg_terminate_backend(?, 5000)", (lease_pid(one),))
            wait_until(lambda: not second.poll_once().new and second.unleased == [],
                       "the second server to take the numbers", timeout=30, interval=0.2)
            first.poll_once()
            assert first.unleased == [other, CLINIC]
            said = [line.split(" ", 1)[1] for line in lines()[2:]]
            lost = ('level=warning logger=cxinbox.sms msg="sms lease lost; polling that number'
                    ' again once it is ours" channel=sms')
            assert said == [
                'level=info logger=cxinbox.sms msg="sms lease taken" channel=sms line=1',
                'level=info logger=cxinbox.sms msg="sms lease taken" channel=sms line=2',
                f"{lost} line=1", f"{lost} line=2"], said
            text = stream.getvalue()
            for secret in ("0100100", "0100222", "7654321", "appointment"):
                assert secret not in text, text
        finally:
            log.removeHandler(handler)
            log.setLevel(level)
            first.close()
            second.close()
            one.close()
            two.close()


def _received_counts(store: PgStore) -> list[int]:
    rows = store.conn.execute("SELECT details FROM events WHERE action = 'sms.received'"
                              ).fetchall()
    return [int((json.loads(r[0]) if isinstance(r[0], str) else r[0])["count"]) for r in rows]
