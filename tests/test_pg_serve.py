"""Several `cxinbox serve` processes on one PostgreSQL database.

Each server has its own config file and socket and the same `[store] url`; clients are
the real CLI and `SocketAPI`. What one server's staff change must reach the change feed
of every other server (LISTEN/NOTIFY wakes it; the event sequence is the truth), and a
server killed outright must not take the others' feed with it.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import signal
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from tests.support.clirun import cx_here
from tests.support.pgcluster import PgCluster
from tests.support.waiting import wait_until
from tests.test_bulk_cli import fill
from tests.test_serve_support import ME, Server, answering, cx, socket_dir, write_config

from cxinbox.api.socket_client import SocketAPI, probe
from cxinbox.contract.errors import ApiError
from cxinbox.contract.types import Changes
from cxinbox.store.pg.store import PgStore

_names = iter(range(1, 1_000_000))
DEADLINE_S = 10.0


def pg_config(directory: Path, sock: Path, url: str, staff: dict[str, str]) -> Path:
    """A server config on the PostgreSQL store at `url`."""
    directory.mkdir(parents=True, exist_ok=True)
    path = write_config(directory, sock, staff)
    lines = [f'url = "{url}"' if line.startswith("path = ") else line
             for line in path.read_text().splitlines()]
    path.write_text("\n".join(lines) + "\n")
    return path


@dataclass
class Site:
    config: Path
    sock: Path
    server: Server


@contextlib.contextmanager
def _filled_database(cluster: PgCluster) -> Iterator[str]:
    name = f"serve_{next(_names)}"
    cluster.create_database(name)
    url = cluster.url(name)
    store = PgStore(url, max_size=2)
    try:
        fill(store, 12)  # type: ignore[arg-type]  # the ingest module runs on both
    finally:
        store.close()
    try:
        yield url
    finally:
        cluster.psql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
def pg_url(pg_cluster: PgCluster) -> Iterator[str]:
    with _filled_database(pg_cluster) as url:
        yield url


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory,
           pg_cluster: PgCluster) -> Iterator[tuple[str, list[Site]]]:
    """The module's database and its two servers' sites, A and B (started by `sites`).
    Each test's changes touch conversations and tags of their own, so the servers and
    the database are shared: two server starts per module, not per test."""
    tmp = tmp_path_factory.mktemp("pgserve")
    with _filled_database(pg_cluster) as url, socket_dir() as sockdir:
        found: list[Site] = []
        for label in ("a", "b"):
            sock = sockdir / f"{label}.sock"
            cfg = pg_config(tmp / label, sock, url, {ME: "admin"})
            found.append(Site(cfg, sock, Server(cfg, sock)))
        try:
            yield url, found
        finally:
            for site in found:
                site.server.__exit__()


@pytest.fixture
def sites(served: tuple[str, list[Site]]) -> list[Site]:
    """Two servers, A and B, on the one database: the module's, each started (again, with
    a log of its own) where it is not running, as after a test that stopped it."""
    _, found = served
    for site in found:
        if site.server.proc is None or site.server.proc.poll() is not None:
            site.server = Server(site.config, site.sock).start()
    return found


async def _client(sock: Path) -> SocketAPI:
    found = probe(sock)
    assert found is not None, "server not answering"
    return SocketAPI(sock, *found)


async def _arrival(api: SocketAPI, after: int, match: Any) -> Changes:
    """Long-poll `api` until an event satisfying `match` arrives (or fail at the deadline)."""
    deadline = time.monotonic() + DEADLINE_S
    seq = after
    while True:
        left = deadline - time.monotonic()
        assert left > 0, "the change never reached this server's feed"
        changes = await api.wait_events(seq, min(left, 5.0))
        if any(match(e) for e in changes.events):
            return changes
        seq = changes.head


def _tagged(conv_id: int, tag: str) -> Any:
    return lambda e: (e.action, e.target) == ("conversation.tag", f"conversation:{conv_id}") \
        and tag in e.details.get("add", [])


LEADS = "sla monitor: this server runs it"


def _health(site: Site) -> str:
    return cx("status", "-c", str(site.config)).stdout


def _sla_line(site: Site) -> str:
    """The SLA monitor's line of `cxinbox status` at `site`, "" when there is none."""
    return next((line.split(None, 1)[1] for line in _health(site).splitlines()
                 if "SLA monitor:" in line), "")


def test_servers_start_on_postgresql_with_their_workers(sites: list[Site]) -> None:
    """Every server runs an outbox worker; one of them the SLA monitor (a leader lease),
    and when that one is killed the other takes the monitor over within 30 s."""
    for site in sites:
        assert site.server.wait_log("outbox sender lease taken")
        assert "Traceback" not in site.server.log
    wait_until(lambda: any(LEADS in s.server.log for s in sites), "a server to lead",
               timeout=60, detail=lambda: "\n".join(s.server.log[-2000:] for s in sites))
    (leader,) = [s for s in sites if LEADS in s.server.log]
    (other,) = [s for s in sites if s is not leader]
    # `status` says where the monitor runs: here on the leader, elsewhere on the other.
    wait_until(lambda: _sla_line(leader).startswith("SLA monitor: last round"),
               "the leader's first SLA round", timeout=60, detail=lambda: _health(leader))
    assert not _sla_line(leader).endswith("(on another server)"), _health(leader)
    wait_until(lambda: _sla_line(other).endswith("(on another server)"),
               "the other server to read the leader's round", timeout=30,
               detail=lambda: _health(other))
    # Nothing of the SQLite file's: no free disk of this host (0 % would page), and the
    # backup is PostgreSQL's own tools', not "no backup on record".
    for site in sites:
        report = _health(site)
        assert " disk_free=" not in report and " db_size=" in report, report
        assert "no backup on record" not in report, report
        assert "backup: not cxinbox's on PostgreSQL" in report and "pg_dump" in report
    leader.server.stop(signal.SIGKILL)
    killed_at = time.monotonic()
    assert other.server.wait_log(LEADS, timeout=30)
    assert time.monotonic() - killed_at < 30
    # The survivor holds the lease now: the rounds are its own.
    wait_until(lambda: not _sla_line(other).endswith("(on another server)"),
               "the survivor to call the monitor's rounds its own", timeout=60,
               detail=lambda: _health(other))
    assert other.server.stop(signal.SIGTERM) == 0  # stops cleanly: listener, workers, all
    assert "cxinbox serve: stopped" in other.server.log
    assert "Traceback" not in other.server.log
    assert not other.sock.exists()


async def test_a_tag_at_one_server_reaches_the_others_feed(sites: list[Site]) -> None:
    a_site, b_site = sites
    a, b = await _client(a_site.sock), await _client(b_site.sock)
    try:
        for round_ in range(5):
            head = await b.last_event_seq()
            waiting = asyncio.create_task(_arrival(b, head, _tagged(3, f"seen-{round_}")))
            await a.tag(3, [f"seen-{round_}"], [])
            changes = await waiting
            assert changes.head > head
        detail = await b.get_conversation(3)
        assert {f"seen-{i}" for i in range(5)} <= set(detail.summary.tags)
    finally:
        await a.aclose()
        await b.aclose()


def test_cli_works_through_each_server(sites: list[Site]) -> None:
    a_site, b_site = sites
    tagged = cx("tag", "id:4", "--add", "front-desk", "--json", "--config", str(a_site.config))
    assert tagged.returncode == 0, tagged.stderr
    assigned = cx_here("assign", "id:5", "--to", "me", "--json", "--config", str(b_site.config))
    assert assigned.returncode == 0, assigned.stderr
    for site in sites:
        listed = cx_here("list", "tag:front-desk", "--json", "--config", str(site.config))
        assert listed.returncode == 0, listed.stderr
        assert [row["id"] for row in json.loads(listed.stdout)["conversations"]] == [4]
        shown = cx_here("show", "5", "--json", "--config", str(site.config))
        assert shown.returncode == 0, shown.stderr
        assert json.loads(shown.stdout)["conversation"]["assignee"] == ME
    assert a_site.server.connections() >= 2 and b_site.server.connections() >= 2
    missing = cx("show", "999", "--config", str(b_site.config))
    assert missing.returncode != 0 and "Traceback" not in missing.stderr


async def test_reports_run_through_a_server_on_postgresql(sites: list[Site]) -> None:
    a = await _client(sites[0].sock)
    try:
        report = await a.report("volume")  # the last 30 days
        assert report.name == "volume" and report.tables
        assert any(table.rows for table in report.tables)  # the seeded inbox's messages
        with pytest.raises(ApiError) as refused:  # a bad request is one line, the connection goes on
            await a.report("no-such-report")
        assert "\n" not in str(refused.value)
        await a.tag(6, ["still-serving"], [])
        assert "still-serving" in (await a.get_conversation(6)).summary.tags
    finally:
        await a.aclose()
    assert "Traceback" not in sites[0].server.log


async def _presence_until(api: SocketAPI, want: Any, timeout: float = DEADLINE_S) -> list[Any]:
    """Wait on `api`'s presence changes until `want(presence)` holds."""
    deadline = time.monotonic() + timeout
    changes = await api.wait_events(await api.last_event_seq(), 0.0)
    while True:
        present = await api.presence()
        if want(present):
            return present
        left = deadline - time.monotonic()
        assert left > 0, f"presence never became as expected: {present}"
        changes = await api.wait_events(changes.head, min(left, 2.0),
                                        changes.presence_version)


def _at(present: list[Any]) -> set[tuple[int | None, bool]]:
    return {(p.conv_id, p.composing) for p in present}


async def test_presence_and_writing_a_reply_cross_servers(sites: list[Site]) -> None:
    a_site, b_site = sites
    a, b = await _client(a_site.sock), await _client(b_site.sock)
    try:
        await a.set_presence(3, composing=True)
        present = await _presence_until(b, lambda ps: (3, True) in _at(ps))
        assert [(p.os_user, p.name) for p in present if p.conv_id == 3] == \
            [(ME, f"{ME.title()} Desk")]
        await b.set_presence(4)  # and the other way round
        await _presence_until(a, lambda ps: (4, False) in _at(ps))
        await a.set_presence(3, composing=False)
        await _presence_until(b, lambda ps: (3, False) in _at(ps) and (3, True) not in _at(ps))
        await a.aclose()  # leaving one server is seen at the other
        await _presence_until(b, lambda ps: _at(ps) == {(4, False)})
    finally:
        await a.aclose()
        await b.aclose()


async def test_killing_one_server_leaves_the_others_feed_working(
        sites: list[Site], served: tuple[str, list[Site]]) -> None:
    from cxinbox.store.pg.presence import BEAT_S, STALE_S

    a_site, b_site = sites
    a = await _client(a_site.sock)
    await a.set_presence(9)
    watcher = await _client(b_site.sock)
    await _presence_until(watcher, lambda ps: (9, False) in _at(ps))
    assert a_site.server.stop(signal.SIGKILL) == -signal.SIGKILL
    # The killed server's people drop out of the others' presence once its rows go stale.
    await _presence_until(watcher, lambda ps: (9, False) not in _at(ps),
                          timeout=STALE_S + BEAT_S + DEADLINE_S)
    await watcher.aclose()
    with contextlib.suppress(Exception):
        await a.aclose()
    assert answering(b_site.sock)
    b1, b2 = await _client(b_site.sock), await _client(b_site.sock)
    try:
        head = await b2.last_event_seq()
        waiting = asyncio.create_task(_arrival(b2, head, _tagged(7, "after-kill")))
        await b1.tag(7, ["after-kill"], [])
        await waiting
        # A write by another process on the database (a third server, say) still
        # reaches B's feed: its notification, not B's own request, wakes it.
        head = await b2.last_event_seq()
        waiting = asyncio.create_task(_arrival(b2, head, _tagged(8, "from-elsewhere")))
        other = PgStore(served[0], max_size=1)
        try:
            from cxinbox.config import load_config
            from cxinbox.service.inbox import InboxService

            InboxService(other, load_config(b_site.config), ME).tag(8, ["from-elsewhere"], [])
        finally:
            other.close()
        await waiting
    finally:
        await b1.aclose()
        await b2.aclose()
    listed = cx("list", "tag:after-kill", "--json", "--config", str(b_site.config))
    assert [row["id"] for row in json.loads(listed.stdout)["conversations"]] == [7]


def test_commit_watch_wakes_on_commits_only(pg_url: str) -> None:
    """The wake-up comes with a commit that appended events, from any process, and not
    with a transaction that rolled back."""
    import threading

    from cxinbox.store.pg.listen import CommitWatch

    woken = threading.Semaphore(0)
    store = PgStore(pg_url, max_size=1)
    watch = CommitWatch(pg_url, woken.release)
    try:
        assert woken.acquire(timeout=DEADLINE_S)  # the first call, once listening
        while woken.acquire(timeout=0.2):
            pass
        with pytest.raises(RuntimeError), store.writing() as tx:
            tx.append_event(ME, "test.rolled-back")
            raise RuntimeError("rolled back")
        assert not woken.acquire(timeout=1.0)  # nothing committed, nothing to hear
        with store.writing() as tx:
            for n in range(3):
                tx.append_event(ME, "test.committed", f"n:{n}")
        assert woken.acquire(timeout=DEADLINE_S)
    finally:
        watch.close()
        store.close()


def test_commit_watch_names_the_new_head(pg_url: str) -> None:
    """Each commit's notification names the seq of its last event: a watch with `advance`
    is given the new head (several events, a bulk of them, one at a time), not a bare
    wake-up that would cost it a read of its own."""
    import queue

    from cxinbox.store.pg.listen import CommitWatch

    heads: queue.Queue[int] = queue.Queue()
    woken: queue.Queue[bool] = queue.Queue()
    store = PgStore(pg_url, max_size=1)
    watch = CommitWatch(pg_url, lambda: woken.put(True), advance=heads.put)
    try:
        assert woken.get(timeout=DEADLINE_S)  # the first call, once listening, reads
        with store.writing() as tx:
            tx.append_event(ME, "test.one")
            tx.append_event(ME, "test.two")
        with store.reading() as tx:
            first = tx.last_event_seq()

        def heads_until(seq: int) -> list[int]:
            """Heads given until `seq` (a transaction's notifications may come apart)."""
            got = [heads.get(timeout=DEADLINE_S)]
            while got[-1] < seq:
                got.append(heads.get(timeout=DEADLINE_S))
            return got

        assert heads_until(first) in ([first], [first - 1, first])
        with store.writing() as tx:
            last = tx.append_events(ME, [("test.bulk", f"n:{n}", {}) for n in range(50)])[-1]
        assert heads_until(last) == [last]  # one notification for the whole bulk
        assert woken.empty()
    finally:
        watch.close()
        store.close()


def test_commit_watch_hands_over_a_staff_actions_event(pg_url: str) -> None:
    """A staff action's event (appended with its COMMIT) comes whole with its notification,
    exactly as stored, so other servers' feeds need not read it back; one too long for a
    notification names its seq alone, and the feed then reads it."""
    import queue

    from cxinbox.store.pg.listen import CommitWatch
    from cxinbox.store.records import EventRecord

    heads: queue.Queue[int] = queue.Queue()
    heard: queue.Queue[list[EventRecord]] = queue.Queue()
    woken: queue.Queue[bool] = queue.Queue()
    store = PgStore(pg_url, max_size=1)
    watch = CommitWatch(pg_url, lambda: woken.put(True), advance=heads.put, heard=heard.put)
    try:
        assert woken.get(timeout=DEADLINE_S)  # the first call, once listening
        awkward = 'quote " \\ tab\t é 中文 😀 \u2028 \x01'
        with store.writing() as tx:
            seq = tx.append_event_at_commit(awkward, "conversation.tag", "conversation:3",
                                            {"add": [awkward], "remove": []})
        assert heads.get(timeout=DEADLINE_S) == seq()
        [event] = heard.get(timeout=DEADLINE_S)
        with store.read() as conn:
            row = conn.execute("SELECT seq, at, actor, action, target, details FROM events"
                               " WHERE seq = ?", (seq(),)).fetchone()
        assert event == EventRecord(*row)
        with store.writing() as tx:
            long = tx.append_event_at_commit(ME, "conversation.note", "conversation:3",
                                             {"mentions": ["x" * 40] * 400})
        assert heads.get(timeout=DEADLINE_S) == long()
        assert heard.empty() and woken.empty()
    finally:
        watch.close()
        store.close()
