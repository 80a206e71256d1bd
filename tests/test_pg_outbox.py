"""Three `cxinbox serve` processes on one PostgreSQL database: replies and mail sync.

Real components throughout: the servers are `cxinbox serve` subprocesses (each with its
own config and socket, one `[store] url`), replies are queued with the CLI through
different servers, Dovecot serves the mailbox and the aiosmtpd sink counts what arrives.

- The outbox: every server runs a worker and any may send any reply; the claim (a
  conditional update on a row locked with SKIP LOCKED) makes each send once. A server
  killed with SIGKILL while it is in the middle of a send leaves its item to the others:
  before the message data it is sent again by a survivor, after it is "unconfirmed" and
  never sent again on its own. Every reply reaches the sink exactly once (by Message-ID).
  (Checked by hand that these tests catch a double send: with the claim's
  `AND state = 'queued'` conditions taken out of store/outbox.py `claim`, three servers
  sent the same replies two and three times and the Message-ID count failed.)
- Mail sync: the server holding the folder's lease is killed mid-fetch; another takes the
  lease within 30 s and the cache ends equal to the server, nothing twice.
- The audit chain verifies at the end of each.
"""

from __future__ import annotations

import json
import os
import re
import signal
import time
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from tests.support.clirun import cx_here
from tests.support.mailgen import generate_corpus
from tests.support.smtpsink import SmtpSink, patient_mail, write_reply_config
from tests.support.waiting import wait_until
from tests.synchelp import server_digests, store_digests
from tests.test_serve_support import ME, Server, cx, socket_dir

from cxinbox.store.db import walk_event_chain
from cxinbox.store.pg.store import PgStore

pytestmark = pytest.mark.dovecot



@dataclass
class Site:
    config: Path
    server: Server

    def sender_token(self) -> set[int]:
        return {int(t) for t in re.findall(r"outbox-sender:(\d+)", self.server.log)}

    def alive(self) -> bool:
        return self.server.proc is not None and self.server.proc.poll() is None


def _site_config(directory: Path, dovecot: Any, sink: SmtpSink, sock: Path, url: str, *,
                 undo_seconds: int, batch_size: int = 100) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    path = write_reply_config(directory, dovecot, sink, undo_seconds=undo_seconds,
                              extra=f'\n[server]\nsocket = "{sock}"\n\n[[staff]]\n'
                                    f'os_user = "{ME}"\nname = "Desk Admin"\nrole = "admin"\n')
    text = re.sub(r'(?m)^path = ".*cxinbox\.db"$', f'url = "{url}"', path.read_text())
    text = text.replace("batch_size = 100", f"batch_size = {batch_size}")
    # A session the sink holds must outlive the test's steps, not time out on its own.
    text = text.replace("socket_timeout_s = 10", "socket_timeout_s = 120")
    path.write_text(text)
    return path


@pytest.fixture
def sink(tmp_path: Path, dovecot: Any) -> Iterator[SmtpSink]:
    with SmtpSink(tmp_path, user=dovecot.user, password=dovecot.password,
                  tls_dir=dovecot.root / "tls") as found:
        yield found


def _start_sites(tmp_path: Path, dovecot: Any, sink: SmtpSink, url: str, sockdir: Path,
                 **options: Any) -> list[Site]:
    sites: list[Site] = []
    for label in ("a", "b", "c"):
        cfg = _site_config(tmp_path / label, dovecot, sink, sockdir / f"{label}.sock", url,
                           **options)
        sites.append(Site(cfg, Server(cfg, sockdir / f"{label}.sock").start(timeout=60)))
    return sites


def _wait(what: str, cond: Callable[[], bool], timeout: float) -> None:
    wait_until(cond, what, timeout=timeout)


def _scalar(store: PgStore, sql: str, params: tuple[Any, ...] = ()) -> Any:
    return store.conn.execute(sql, params).fetchone()[0]


class _HoldAt:
    """Holds writers of `table` in the database once it has `rows` rows: a statement
    trigger waits on an advisory lock (a two-key one, apart from the servers' one-key
    sync leases) that this object's own session holds until `release`."""

    _KEY = (4242, 16)

    def __init__(self, url: str, table: str, rows: int) -> None:
        import psycopg

        self.conn = psycopg.connect(url, autocommit=True)
        self.table = table
        self.conn.execute("SELECT pg_advisory_lock(%s, %s)", self._KEY)
        self.conn.execute(
            "CREATE FUNCTION test_hold_writers() RETURNS trigger LANGUAGE plpgsql AS $$"
            f" BEGIN IF (SELECT count(*) FROM {table}) >= {int(rows)} THEN"
            f" PERFORM pg_advisory_xact_lock_shared({self._KEY[0]}, {self._KEY[1]});"
            " END IF; RETURN NULL; END $$")
        self.conn.execute(f"CREATE TRIGGER test_hold AFTER INSERT ON {table}"
                          " FOR EACH STATEMENT EXECUTE FUNCTION test_hold_writers()")
        self.released = False

    def waiting(self) -> bool:
        """A writer waits on the hold."""
        row = self.conn.execute(
            "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted"
            " AND classid = %s AND objid = %s AND objsubid = 2", self._KEY).fetchone()
        return bool(row and row[0])

    def release(self) -> None:
        if self.released:
            return
        self.released = True
        # The lock first: a held writer's statement ends, so the trigger can be dropped
        # (dropping it first would wait on that writer, which waits on this session).
        self.conn.execute("SELECT pg_advisory_unlock(%s, %s)", self._KEY)
        self.conn.execute(f"DROP TRIGGER test_hold ON {self.table}")
        self.conn.execute("DROP FUNCTION test_hold_writers()")
        self.conn.close()


def _states(store: PgStore) -> dict[int, str]:
    return {int(r[0]): str(r[1]) for r in store.conn.execute("SELECT id, state FROM outbox")}


_children = iter(range(1_000_000))


def _queue_reply(site: Site, conv_id: int, text_file: Path) -> int:
    """`cxinbox reply ... --send` through `site`'s server: the first of the module in a
    child of its own, the rest in this process (tests/support/clirun.py); the server
    queues it either way."""
    run = cx if next(_children) == 0 else cx_here
    done = run("reply", str(conv_id), "--body-file", str(text_file), "--send", "--no-wait",
               "--json", "--config", str(site.config))
    assert done.returncode == 0, done.stderr
    assert "Traceback" not in done.stderr
    out = json.loads(done.stdout)
    item = out.get("outbox", out)
    return int(item["id"])


def _chain_ok(store: PgStore) -> None:
    with store.read() as conn:
        walk = walk_event_chain(conn)  # type: ignore[arg-type]
    assert walk.bad_seq is None, walk.problem
    assert walk.count > 0


def _owner_of_port(sites: list[Site], port: int) -> Site:
    """The server process with a TCP socket bound to local `port` (the sink's peer)."""
    inodes = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        for line in Path(table).read_text().splitlines()[1:]:
            fields = line.split()
            if int(fields[1].rsplit(":", 1)[1], 16) == port:
                inodes.add(f"socket:[{fields[9]}]")
    found = []
    for site in sites:
        assert site.server.proc is not None
        fd_dir = Path(f"/proc/{site.server.proc.pid}/fd")
        try:
            links = {os.readlink(fd) for fd in fd_dir.iterdir()}
        except (FileNotFoundError, ProcessLookupError):
            continue
        if links & inodes:
            found.append(site)
    assert len(found) == 1, (port, inodes)
    return found[0]


def _kill_sender(sites: list[Site], sink: SmtpSink, store: PgStore,
                 phase: str) -> tuple[Site, int]:
    """The server whose SMTP session the sink holds, found by the session's port, and
    its item (the claim row: "sending" at `phase`, owned by that server's sender token);
    killed with SIGKILL."""
    assert sink.held_peer is not None
    site = _owner_of_port(sites, sink.held_peer[1])
    rows = store.conn.execute("SELECT id, owner_pid FROM outbox WHERE state = 'sending'"
                              " AND phase = ?", (phase,)).fetchall()
    (item_id,) = [int(r[0]) for r in rows if int(r[1]) in site.sender_token()]
    site.server.stop(signal.SIGKILL)
    return site, item_id


def _sent_once(store: PgStore, sink: SmtpSink) -> dict[int, str]:
    """Every outbox item sent, each Message-ID exactly once at the sink and nothing else
    there; the items' Message-IDs."""
    ids = {int(r[0]): str(r[1]).strip("<>") for r in store.conn.execute(
        "SELECT id, message_id FROM outbox")}
    assert set(_states(store).values()) == {"sent"}
    counted = Counter(m.strip("<>") for m in sink.message_ids())
    assert {ids[i]: counted[ids[i]] for i in ids} == {ids[i]: 1 for i in ids}
    assert sum(counted.values()) == len(ids)
    sent_events = Counter(json.loads(r[0])["outbox"] for r in store.conn.execute(
        "SELECT details FROM events WHERE action = 'outbox.sent'"))
    assert sent_events == Counter(dict.fromkeys(ids, 1))
    return ids


def _sent_folder_ids(dovecot: Any) -> list[str]:
    client = dovecot.imap_client()
    try:
        client.select_folder("Sent", readonly=True)
        uids = client.search("ALL")
        fetched = client.fetch(uids, ["BODY.PEEK[HEADER.FIELDS (MESSAGE-ID)]"]) if uids else {}
    finally:
        client.logout()
    out = []
    for data in fetched.values():
        header = data[b"BODY[HEADER.FIELDS (MESSAGE-ID)]"].decode()
        out.append(header.split(":", 1)[1].strip().strip("<>"))
    return out


def due_together(store: PgStore, at_ms: int) -> None:
    """Every queued reply's undo window ends at `at_ms`, and every server hears of it
    (the update itself sends the outbox's notification, which their workers listen for):
    they all wake at that moment to a queue of due replies and race for each one."""
    with store.write() as conn:
        conn.execute("UPDATE outbox SET send_after_ms = ?, next_attempt_ms = ?"
                     " WHERE state = 'queued'", (at_ms, at_ms))


def test_replies_queued_at_three_servers_are_each_sent_once(
        tmp_path: Path, dovecot: Any, sink: SmtpSink, pg_url: str) -> None:
    """Twelve replies, queued through the three servers, come due at one moment; all
    three workers go through the same queue at once. The claim lets one of them send
    each. (With the claim made unconditional the sink counted replies two and three
    times and this test failed: checked by hand.)"""
    patients = 4
    for i in range(patients):
        dovecot.deliver(patient_mail(f"Burst {i}", message_id=f"b{i}@patients.example",
                                     sender=f"Pat {i} <pat{i}@patients.example>"), "INBOX")
    store = PgStore(pg_url, max_size=1)
    body = tmp_path / "reply.txt"
    body.write_text("We have your message.\n")
    with socket_dir() as sockdir:
        sites = _start_sites(tmp_path, dovecot, sink, pg_url, sockdir, undo_seconds=300)
        try:
            _wait("the first sync", lambda: _scalar(
                store, "SELECT count(*) FROM conversations") == patients, 120)
            convs = [int(r[0]) for r in store.conn.execute(
                "SELECT id FROM conversations ORDER BY id")]
            queued = [_queue_reply(sites[i % 3], convs[i % patients], body)
                      for i in range(12)]
            assert set(_states(store).values()) == {"queued"}
            due_together(store, int(time.time() * 1000) + 1500)
            _wait("every reply sent", lambda: all(
                _states(store).get(i) == "sent" for i in queued), 120)
            ids = _sent_once(store, sink)
            assert len(ids) == len(queued)
            # The Sent-folder copies: each try claimed by one server, so one copy each.
            _wait("the Sent copies", lambda: _scalar(
                store, "SELECT count(*) FROM outbox WHERE sent_copy != 'done'") == 0, 120)
            assert Counter(_sent_folder_ids(dovecot)) == Counter(set(ids.values()))
            _chain_ok(store)
        finally:
            for site in sites:
                site.server.__exit__()
            store.close()


def test_three_servers_send_each_reply_once_through_kills_mid_send(
        tmp_path: Path, dovecot: Any, sink: SmtpSink, pg_url: str) -> None:
    patients = 12
    for i in range(patients):
        dovecot.deliver(patient_mail(f"Question {i}", message_id=f"q{i}@patients.example",
                                     sender=f"Pat {i} <pat{i}@patients.example>"), "INBOX")
    store = PgStore(pg_url, max_size=1)
    body = tmp_path / "reply.txt"
    body.write_text("Thank you, we will call you back today.\n")
    with socket_dir() as sockdir:
        sites = _start_sites(tmp_path, dovecot, sink, pg_url, sockdir, undo_seconds=1)
        try:
            for site in sites:
                assert "Traceback" not in site.server.log
            _wait("the first sync", lambda: _scalar(
                store, "SELECT count(*) FROM conversations") == patients, 120)
            convs = [int(r[0]) for r in store.conn.execute(
                "SELECT id FROM conversations ORDER BY id")]

            # 1. A server dies after its claim, before the message data: sent by another.
            sink.hold("rcpt")
            first = [_queue_reply(sites[i % 3], conv, body) for i, conv in enumerate(convs[:6])]
            assert sink.holding.wait(60), "no server began a send"
            killed, before_data = _kill_sender(sites, sink, store, "")
            sink.release.set()
            # Mail keeps arriving while the servers work.
            dovecot.deliver(patient_mail("Later", message_id="later@patients.example"), "INBOX")
            _wait("the survivors to send the first replies", lambda: all(
                _states(store)[i] == "sent" for i in first), 90)
            assert _scalar(store, "SELECT attempts FROM outbox WHERE id = ?",
                           (before_data,)) == 2  # claimed twice, sent once

            # 2. A server dies after the data went out (the sink accepted it, the 250
            # never arrived): "unconfirmed", never sent again on its own.
            survivors = [s for s in sites if s is not killed]
            sink.hold("data")
            second = [_queue_reply(survivors[i % 2], conv, body)
                      for i, conv in enumerate(convs[6:])]
            assert sink.holding.wait(60), "no server reached DATA"
            _, after_data = _kill_sender(survivors, sink, store, "data-started")
            sink.release.set()
            last = [s for s in survivors if s.alive()]
            assert len(last) == 1
            _wait("the last server to finish the queue", lambda: all(
                _states(store)[i] in ("sent", "unconfirmed") for i in second), 90)
            assert _states(store)[after_data] == "unconfirmed"
            assert [i for i in second if _states(store)[i] != "sent"] == [after_data]
            # The sink holds it once; a person checks and confirms through the survivor.
            confirmed = cx("outbox", "confirm", str(after_data), "--config",
                           str(last[0].config))
            assert confirmed.returncode == 0, confirmed.stderr

            ids = _sent_once(store, sink)  # the unconfirmed one too: its DATA was accepted
            assert set(ids) == set(first) | set(second)
            # The mail that arrived meanwhile is in the cache (and our replies with it).
            _wait("the later mail", lambda: _scalar(
                store, "SELECT count(*) FROM messages WHERE message_id ="
                " 'later@patients.example'") == 1, 60)
            _chain_ok(store)
            for site in sites:
                assert "Traceback" not in site.server.log, site.server.log[-3000:]
        finally:
            sink.release.set()
            for site in sites:
                site.server.__exit__()
            store.close()


@pytest.mark.timeout(900)  # its own waits add up to more than the suite's 300 s guard
def test_the_syncing_server_killed_mid_fetch_another_takes_over(
        tmp_path: Path, dovecot: Any, sink: SmtpSink, pg_url: str) -> None:
    total = 3000
    dovecot.deliver_many(generate_corpus(total, seed=16), "INBOX")
    store = PgStore(pg_url, max_size=1)

    def committed() -> int:
        return int(_scalar(store, "SELECT count(*) FROM locations"))

    # The fetch is held in the database itself once a tenth is stored: a statement that
    # brings `locations` to 300 rows waits on an advisory lock this test holds. Polling
    # the count from here instead let a starved test see the sync only after it had
    # finished (CI: 3000 of 3000 stored "mid-fetch").
    hold = _HoldAt(pg_url, "locations", total // 10)
    with socket_dir() as sockdir:
        sites = _start_sites(tmp_path, dovecot, sink, pg_url, sockdir, undo_seconds=1,
                             batch_size=50)

        try:
            _wait("a server's fetch to be held a tenth of the way", hold.waiting, 180)
            for site in sites:  # nobody moves while this test looks for the holder
                assert site.server.proc is not None
                site.server.proc.send_signal(signal.SIGSTOP)
            holders = [s for s in sites if "sync lease taken" in s.server.log]
            assert len(holders) == 1, [s.server.log[-2000:] for s in sites]
            holders[0].server.stop(signal.SIGKILL)
            killed_at = time.monotonic()
            at_kill = committed()
            assert 0 < at_kill < total, "the server must die in the middle of the fetch"
            hold.release()
            for site in sites:
                if site is not holders[0]:
                    assert site.server.proc is not None
                    site.server.proc.send_signal(signal.SIGCONT)
            others = [s for s in sites if s is not holders[0]]
            _wait("another server to take the folder over",
                  lambda: any("sync lease taken" in s.server.log for s in others), 60)
            assert time.monotonic() - killed_at < 30
            expected = server_digests(dovecot)
            _wait("the cache to equal the server",
                  lambda: store_digests(store) == expected, 240)  # type: ignore[arg-type]
            assert len(expected) == total
            assert _scalar(store, "SELECT count(*) FROM messages") == total
            received = sum(int(json.loads(r[0])["count"]) for r in store.conn.execute(
                "SELECT details FROM events WHERE action = 'mail.received'"))
            assert received == total
            _chain_ok(store)
            for site in others:
                assert "Traceback" not in site.server.log
        finally:
            hold.release()
            for site in sites:
                if site.server.proc is not None and site.server.proc.poll() is None:
                    site.server.proc.send_signal(signal.SIGCONT)  # a stopped one ends
                site.server.__exit__()
            store.close()
