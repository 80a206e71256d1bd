"""The PostgreSQL primary fails over to its standby under two running `cxinbox serve`.

Both servers' `[store] url` is libpq's multi-host form naming the primary and a
streaming-replication standby (`target_session_attrs=read-write`, tests/support/
pgcluster.py `pair_url`). Mid-work (mail arriving from Dovecot, replies coming due) the
primary dies (`pg_ctl stop -m immediate`) and the standby is promoted (`pg_ctl promote`):
- while no host takes writes, staff get the one clear line that a restart gives them;
- after the promotion the first staff command works within `BACK_WITHIN_S`; the pool,
  the change feed's LISTEN session, the sync leases and the outbox's sender lease all
  reconnect to the new primary on their own;
- with a synchronous standby nothing committed is lost: sync resumes from the committed
  watermark (the cache equals Dovecot, nothing stored twice), each reply reaches the SMTP
  sink exactly once, a change made at one server reaches the other's clients and the
  audit chain verifies.

With an asynchronous standby the last commits can be lost, and with them events clients
have already seen: the sequence on the new primary is then behind the servers' feeds and
the clients' cursors. A feed finds that on its next read of the head and starts over from
the database's truth (its timeline, PostgreSQL's count of promotions, tells even once the new
primary's sequence has passed the feed's); a client asking from a cursor beyond it, or with
the timeline it had, is answered at once with the database's head (`wait_events`), and from
there it hears every new event.
"""

from __future__ import annotations

import asyncio
import json
import re
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from tests.support.mailgen import generate_corpus
from tests.support.pgcluster import (
    PgCluster,
    find_bindir,
    in_recovery,
    pair_url,
    pg_cluster,
    pg_standby,
    promote,
    stop_immediately,
)
from tests.support.smtpsink import SmtpSink, patient_mail
from tests.support.waiting import wait_until
from tests.synchelp import server_digests, store_digests
from tests.test_pg_outbox import (
    Site,
    _chain_ok,
    _queue_reply,
    _scalar,
    _sent_once,
    _site_config,
    _states,
    due_together,
    sink,  # noqa: F401 - the fixture
)
from tests.test_pg_serve import _client, pg_config
from tests.test_serve_support import ME, Server, cx, socket_dir

from cxinbox.api.live import ChangeFeed
from cxinbox.store.pg.store import PgStore

pytestmark = pytest.mark.skipif(find_bindir() is None, reason="PostgreSQL not installed")

BACK_WITHIN_S = 20.0
"""From `pg_ctl promote` returning to the first staff command that works."""
_AWAY_LINE = ("the PostgreSQL database is not answering (restarting or unreachable); try"
              " again in a minute - IT: see the server log")


@pytest.fixture
def primary() -> Iterator[PgCluster]:
    with pg_cluster() as cluster:
        yield cluster


def _list(cfg: Path) -> tuple[float, int, str, str]:
    started = time.monotonic()
    done = cx("list", "--json", "--config", str(cfg))
    return time.monotonic() - started, done.returncode, done.stdout, done.stderr


def _first_working_list(cfg: Path, timeout: float) -> float:
    """Seconds until `cxinbox list` through the server at `cfg` works (the commands that
    did not are printed)."""
    started = time.monotonic()
    failed = 0
    while True:
        _, code, out, err = _list(cfg)
        if code == 0:
            json.loads(out)
            print(f"{failed} command(s) told the database was away before one worked")
            return time.monotonic() - started
        failed += 1
        assert code == 5 and err.strip().endswith(_AWAY_LINE), (code, err)
        assert time.monotonic() - started < timeout, f"no working command in {timeout:g} s"


def test_a_feed_ahead_of_the_database_takes_the_database_s_truth() -> None:
    """Events 9 and 10 were heard, then the database says its newest is 7: the feed's head
    goes back to 7 and the heard events beyond it are forgotten (a new event 8 must not be
    answered with the lost one); a head that moved on meanwhile is not a loss."""
    heads = iter([10, 7, 8])
    feed = ChangeFeed(lambda: next(heads))
    feed.heard([_Event(9), _Event(10)])
    assert feed.read_head() == 10
    assert feed.heard_between(8, 10, 10) is not None
    woken = feed.generation
    assert feed.read_head() == 7
    assert feed.rewinds == 1 and feed.generation > woken
    assert feed.heard_between(7, 9, 10) is None
    assert feed.read_head() == 8 and feed.rewinds == 1


def test_two_reads_that_find_the_database_behind_rewind_the_feed_once() -> None:
    """Reads of the head overlap (the fallback poll, the commit watch's wake): one begun
    before another rewound the feed finds the database behind what it knew, but the feed
    has moved since and is not rewound again (nor logged twice)."""
    feed: ChangeFeed
    reads = 0

    def head_of() -> int:
        nonlocal reads
        reads += 1
        if reads == 1:
            return 10
        if reads == 2:
            feed.read_head()  # the other read, done while this one is under way
        return 3

    feed = ChangeFeed(head_of)
    assert feed.read_head() == 10
    assert feed.read_head() == 3
    assert feed.rewinds == 1


def test_a_new_timeline_starts_the_feed_over_though_its_head_is_past_the_feed_s() -> None:
    """Events 9 and 10 were heard on timeline 1; the database then says timeline 2 with
    12 as its newest: a promoted standby that lost them and has committed more since.
    The head alone cannot tell (12 is ahead); the timeline does: every event heard is
    forgotten (9 and 10 now name others) and waiters are woken. The first read only
    learns the timeline; a head without one (the seq alone) keeps the one known."""
    reads = iter([(10, "timeline 1"), (12, "timeline 2"), (13, "timeline 2")])
    feed = ChangeFeed(lambda: next(reads))
    feed.heard([_Event(9), _Event(10)])
    assert feed.read_head() == 10 and feed.epoch == "timeline 1" and feed.rewinds == 0
    woken = feed.generation
    assert feed.read_head() == 12 and feed.epoch == "timeline 2"
    assert feed.rewinds == 1 and feed.generation > woken
    assert feed.heard_between(8, 10, 10) is None
    assert feed.read_head() == 13 and feed.rewinds == 1
    feed.heard([_Event(14)])
    feed.forget_heard()  # the commit signal's session made anew
    assert feed.heard_between(13, 14, 10) is None


class _Event:
    def __init__(self, seq: int) -> None:
        self.seq = seq


@pytest.mark.dovecot
@pytest.mark.timeout(900)
def test_two_servers_ride_out_a_failover_to_a_synchronous_standby(
        tmp_path: Path, dovecot: Any, sink: SmtpSink,  # noqa: F811
        primary: PgCluster) -> None:
    patients, corpus = 3, 600
    for i in range(patients):
        dovecot.deliver(patient_mail(f"Failover {i}", message_id=f"f{i}@patients.example",
                                     sender=f"Pat {i} <pat{i}@patients.example>"), "INBOX")
    with pg_standby(primary, synchronous=True) as standby:
        primary.create_migrated_database("failover")
        url = pair_url(primary, standby, "failover")
        body = tmp_path / "reply.txt"
        body.write_text("We have your message.\n")
        with socket_dir() as sockdir:
            sites: list[Site] = []
            for label in ("a", "b"):
                sock = sockdir / f"{label}.sock"
                cfg = _site_config(tmp_path / label, dovecot, sink, sock, url,
                                   undo_seconds=300, batch_size=20)
                sites.append(Site(cfg, Server(cfg, sock).start(timeout=90)))
            try:
                store = PgStore(url, max_size=1)
                try:
                    wait_until(lambda: _scalar(store, "SELECT count(*) FROM conversations")
                               == patients, "the first sync", timeout=120)
                    convs = [int(r[0]) for r in store.conn.execute(
                        "SELECT id FROM conversations ORDER BY id")]
                    queued = [_queue_reply(sites[i % 2], convs[i % patients], body)
                              for i in range(6)]
                    # Mail keeps arriving, and the replies come due, as the primary dies.
                    dovecot.deliver_many(generate_corpus(corpus, seed=32), "INBOX")
                    wait_until(lambda: _scalar(store, "SELECT count(*) FROM locations")
                               > patients + 40, "the sync to be under way", timeout=180)
                    due_together(store, int(time.time() * 1000))
                    wait_until(lambda: "sent" in _states(store).values(),
                               "a first reply sent", timeout=120)
                    at_kill = int(_scalar(store, "SELECT count(*) FROM locations"))
                    states_at_kill = sorted(_states(store).values())
                finally:
                    store.close()
                stop_immediately(primary)
                print(f"the primary died with {at_kill} of {patients + corpus} messages"
                      f" stored and the replies {states_at_kill}")
                died = time.monotonic()
                took, code, out, err = _list(sites[0].config)
                assert code == 5 and out == "", (code, out, err)
                assert err.strip().endswith(_AWAY_LINE) and len(err.splitlines()) == 1, err
                print(f"no primary: the staff line came after {took:.1f} s")

                promote(standby)
                promoted = time.monotonic()
                assert not in_recovery(standby)
                back = _first_working_list(sites[1].config, BACK_WITHIN_S + 60)
                print(f"failover: first working command {back:.1f} s after promote,"
                      f" {promoted - died + back:.1f} s after the primary died")
                assert back < BACK_WITHIN_S
                back_a = _first_working_list(sites[0].config, BACK_WITHIN_S + 60)
                print(f"failover: the other server's first working command after a further"
                      f" {back_a:.1f} s")

                store = PgStore(url, max_size=1)
                try:
                    expected = server_digests(dovecot)
                    wait_until(lambda: store_digests(store) == expected,  # type: ignore[arg-type]
                               "the cache to equal Dovecot", timeout=300)
                    assert len(expected) == patients + corpus
                    # Nothing stored twice: one message per location (the INBOX's, and
                    # the Sent copies of the replies), one mail.received per INBOX message.
                    assert _scalar(store, "SELECT count(*) FROM messages") == _scalar(
                        store, "SELECT count(*) FROM locations")
                    received = sum(int(json.loads(r[0])["count"]) for r in store.conn.execute(
                        "SELECT details FROM events WHERE action = 'mail.received'"))
                    assert received == patients + corpus
                    wait_until(lambda: all(_states(store).get(i) == "sent" for i in queued),
                               "every reply sent", timeout=180,
                               detail=lambda: str(_states(store)))
                    assert len(_sent_once(store, sink)) == len(queued)
                    asyncio.run(_change_crosses(sites, convs[0]))
                    _chain_ok(store)
                finally:
                    store.close()
                for site in sites:
                    log = site.server.log
                    assert "Traceback" not in log, log[-3000:]
                    assert "PostgreSQL database answering again" in log or \
                        "PostgreSQL database not answering" not in log, log[-3000:]
            finally:
                for site in sites:
                    site.server.__exit__()


async def _change_crosses(sites: list[Site], conv_id: int) -> None:
    """A tag made through server A reaches a client of server B's change feed."""
    api = await _client(sites[1].server.sock)
    try:
        head = await api.last_event_seq()
        _tag(sites[0].config, conv_id, "after-failover")
        deadline = time.monotonic() + 60
        seen: list[Any] = []
        while not seen and time.monotonic() < deadline:
            changes = await api.wait_events(head, 10.0)
            seen = [e for e in changes.events if e.action == "conversation.tag"
                    and "after-failover" in e.details.get("add", [])]
            head = changes.head
        assert seen, "the tag never reached the other server's feed"
    finally:
        await api.aclose()


def _tag(cfg: Path, conv_id: int, tag: str) -> None:
    done = cx("tag", f"id:{conv_id}", "--add", tag, "--json", "--config", str(cfg))
    assert done.returncode == 0, done.stderr


@pytest.mark.timeout(600)
def test_a_client_ahead_of_a_promoted_asynchronous_standby_starts_over(
        tmp_path: Path, primary: PgCluster) -> None:
    """The standby is away while three tags commit at the primary (asynchronous
    replication: the primary does not wait for it); a client of the server hears them.
    The primary dies and the standby, back, is promoted without them: the client's cursor
    is beyond the database's newest event. Its next ask is answered at once with the
    database's head, below its cursor, and from there it hears the next change."""
    from tests.test_bulk_cli import fill

    with pg_standby(primary) as standby:
        primary.create_migrated_database("behind")
        url = pair_url(primary, standby, "behind")
        store = PgStore(url, max_size=2)
        try:
            fill(store, 4)  # type: ignore[arg-type]  # the ingest module runs on both
        finally:
            store.close()
        with socket_dir() as sockdir:
            sock = sockdir / "a.sock"
            cfg = pg_config(tmp_path / "a", sock, url, {ME: "admin"})
            with Server(cfg, sock) as server:
                _tag(cfg, 1, "replicated")
                wait_until(lambda: primary.psql(
                    "SELECT replay_lsn >= pg_current_wal_lsn() FROM pg_stat_replication",
                ) == "t", "the standby to replay everything", timeout=60)
                standby.stop_server()  # the last commits never reach it
                for n in range(3):
                    _tag(cfg, 2, f"lost-{n}")
                seen = asyncio.run(_cursor_after(sock, "lost-2"))
                stop_immediately(primary)
                standby.start_server()
                promote(standby)
                _first_working_list(cfg, BACK_WITHIN_S + 60)
                truth = int(standby.psql("SELECT max(seq) FROM events", dbname="behind"))
                assert truth < seen, (truth, seen)
                asyncio.run(_starts_over(sock, cfg, seen, truth))
                assert server.wait_log("the database is on another timeline", 10)
                said = re.findall(r"starts over from its newest event #(\d+) \(#(\d+) was"
                                  r" seen here\)", server.log)
                assert len(said) == 1 and int(said[0][0]) <= truth < seen <= int(said[0][1]), \
                    said
                assert "already seen here" not in server.log  # one start-over, not two
                assert "Traceback" not in server.log, server.log[-3000:]


async def _cursor_after(sock: Path, tag: str) -> int:
    """The cursor of a client that has heard the tag `tag` added."""
    return (await _cursor_and_epoch(sock, tag))[0]


async def _cursor_and_epoch(sock: Path, tag: str) -> tuple[int, str]:
    """The cursor of a client that has heard the tag `tag` added, and its timeline."""
    api = await _client(sock)
    try:
        seq = 0
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            changes = await api.wait_events(seq, 5.0)
            seq = changes.head
            if any(tag in e.details.get("add", []) for e in changes.events):
                return seq, changes.epoch
        raise AssertionError(f"the client never heard {tag}")
    finally:
        await api.aclose()


@pytest.mark.timeout(600)
def test_a_client_whose_cursor_the_promoted_standby_has_passed_starts_over(
        tmp_path: Path, primary: PgCluster) -> None:
    """As above, three tags are lost with the primary; but the promoted standby commits
    six more before the client asks again, so the database's head is past the client's
    cursor and the head alone cannot tell. The timeline can: the client, asking with
    the one it had, is answered at once with another and the head, and starts over.
    Reading the feed from before the lost tags then brings the six new ones, never a
    lost one (the server forgot what it had heard of them)."""
    from tests.test_bulk_cli import fill

    with pg_standby(primary) as standby:
        primary.create_migrated_database("passed")
        url = pair_url(primary, standby, "passed")
        store = PgStore(url, max_size=2)
        try:
            fill(store, 4)  # type: ignore[arg-type]  # the ingest module runs on both
        finally:
            store.close()
        with socket_dir() as sockdir:
            sock = sockdir / "a.sock"
            cfg = pg_config(tmp_path / "a", sock, url, {ME: "admin"})
            with Server(cfg, sock) as server:
                _tag(cfg, 1, "replicated")
                kept, _ = asyncio.run(_cursor_and_epoch(sock, "replicated"))
                wait_until(lambda: primary.psql(
                    "SELECT replay_lsn >= pg_current_wal_lsn() FROM pg_stat_replication",
                ) == "t", "the standby to replay everything", timeout=60)
                standby.stop_server()  # the last commits never reach it
                for n in range(3):
                    _tag(cfg, 2, f"lost-{n}")
                seen, epoch = asyncio.run(_cursor_and_epoch(sock, "lost-2"))
                assert epoch.startswith("timeline "), epoch
                stop_immediately(primary)
                standby.start_server()
                promote(standby)
                _first_working_list(cfg, BACK_WITHIN_S + 60)
                for n in range(6):
                    _tag(cfg, 3, f"new-{n}")
                truth = int(standby.psql("SELECT max(seq) FROM events", dbname="passed"))
                assert truth > seen, (truth, seen)
                asyncio.run(_passed(sock, seen, epoch, kept, truth))
                assert "Traceback" not in server.log, server.log[-3000:]


async def _passed(sock: Path, seen: int, epoch: str, kept: int, truth: int) -> None:
    api = await _client(sock)
    try:
        started = time.monotonic()
        changes = await api.wait_events(seen, 20.0, None, epoch=epoch)
        assert time.monotonic() - started < 10, "answered only when the wait ran out"
        assert changes.events == () and changes.epoch not in ("", epoch), changes
        assert changes.head >= truth, (changes, truth)
        tags: list[str] = []
        seq = kept
        while seq < truth:
            more = await api.wait_events(seq, 5.0, None, epoch=changes.epoch)
            assert more.epoch == changes.epoch and more.head > seq, more
            tags += [t for e in more.events for t in e.details.get("add", [])]
            seq = more.head
        assert tags == [f"new-{n}" for n in range(6)], tags
    finally:
        await api.aclose()


async def _starts_over(sock: Path, cfg: Path, seen: int, truth: int) -> None:
    api = await _client(sock)
    try:
        started = time.monotonic()
        changes = await api.wait_events(seen, 20.0)
        assert time.monotonic() - started < 10, "answered only when the wait ran out"
        assert changes.events == () and changes.head < seen, changes
        assert changes.head >= truth
        _tag(cfg, 3, "after")
        head, heard = changes.head, False
        deadline = time.monotonic() + 60
        while not heard and time.monotonic() < deadline:
            changes = await api.wait_events(head, 5.0)
            assert changes.head >= head
            heard = any("after" in e.details.get("add", []) for e in changes.events)
            head = changes.head
        assert heard, "a change after the failover never reached the client"
    finally:
        await api.aclose()


def test_doctor_says_which_host_it_reached_and_follows_the_promotion(
        primary: PgCluster) -> None:
    """The store's own checks (`cxinbox doctor`) name the host the URL led to and whether
    it takes writes; after a failover, the promoted standby. A URL naming both servers
    without asking for the writable one is warned about; the standby alone is a failure."""
    from cxinbox.store.pg.failover import reached

    with pg_standby(primary) as standby:
        primary.create_migrated_database("doctor")
        store = PgStore(pair_url(primary, standby, "doctor"), max_size=1)
        try:
            texts = [(d.level, d.text) for d in store.diagnose()]
            said = (f"PostgreSQL reached at the socket in {primary.socket_dir}, port"
                    f" {primary.port} (of 2 hosts in [store] url): the primary (takes writes)")
            assert ("ok", said) in texts, texts
            assert all(level == "ok" for level, _ in texts), texts
            stop_immediately(primary)
            promote(standby)
            wait_until(lambda: any(f"{standby.socket_dir}, port {standby.port}" in d.text
                                   and d.level == "ok" for d in _diagnosis(store)),
                       "doctor to reach the promoted standby", timeout=BACK_WITHIN_S)
        finally:
            store.close()
    with pg_cluster() as other, pg_standby(other) as standby:
        import psycopg

        loose = pair_url(other, standby, "postgres").replace(
            "&target_session_attrs=read-write", "")
        with psycopg.connect(loose, autocommit=True) as raw:
            found = reached(raw, loose)
        assert [d.level for d in found] == ["ok", "warn"], found
        assert "target_session_attrs=read-write" in found[1].text
        with psycopg.connect(standby.dsn(), autocommit=True) as raw:
            (finding,) = reached(raw, standby.dsn())
        assert finding.level == "fail" and "is a standby (read-only)" in finding.text


def _diagnosis(store: PgStore) -> list[Any]:
    try:
        return store.diagnose()
    except Exception:  # noqa: BLE001 - the database is still away: not yet
        return []


@pytest.mark.dovecot
@pytest.mark.timeout(600)
def test_a_reply_sent_while_the_database_fails_over_is_recorded_as_sent(
        tmp_path: Path, dovecot: Any, sink: SmtpSink,  # noqa: F811
        primary: PgCluster) -> None:
    """The mail server has the reply's data when the primary dies; its "250" comes while
    no host takes writes, so the record of the send cannot commit. The sending server
    keeps it, and once the standby is promoted and the send settled "unconfirmed" (its
    sender lease went with the old primary's session), records it as sent: sent once.
    The author's TUI does say "Reply on #N may not have arrived" at the "unconfirmed"
    event, then "Reply #N sent" at the record; nothing is left for a person to check.
    (Without the kept record it stays "unconfirmed".)"""
    dovecot.deliver(patient_mail("Held", message_id="held@patients.example"), "INBOX")
    with pg_standby(primary, synchronous=True) as standby:
        primary.create_migrated_database("held")
        url = pair_url(primary, standby, "held")
        body = tmp_path / "reply.txt"
        body.write_text("We have your message.\n")
        with socket_dir() as sockdir:
            sock = sockdir / "a.sock"
            cfg = _site_config(tmp_path / "a", dovecot, sink, sock, url, undo_seconds=1)
            server = Server(cfg, sock).start(timeout=90)
            try:
                store = PgStore(url, max_size=1)
                try:
                    wait_until(lambda: _scalar(store, "SELECT count(*) FROM conversations")
                               == 1, "the first sync", timeout=120)
                    conv = int(_scalar(store, "SELECT min(id) FROM conversations"))
                    sink.hold("data")
                    item = _queue_reply(Site(cfg, server), conv, body)
                    assert sink.holding.wait(60), "the server never reached DATA"
                finally:
                    store.close()
                stop_immediately(primary)
                sink.release.set()
                assert server.wait_log("database went away before it was recorded", 60), \
                    server.log[-3000:]
                promote(standby)
                store = PgStore(url, max_size=1)
                try:
                    wait_until(lambda: _states(store).get(item) == "sent",
                               "the reply recorded as sent", timeout=60,
                               detail=lambda: str(_states(store)))
                    assert len(_sent_once(store, sink)) == 1
                    said = [str(r[0]) for r in store.conn.execute(
                        "SELECT action FROM events WHERE action LIKE 'outbox.%'"
                        " AND (details::jsonb ->> 'outbox')::bigint = ? ORDER BY seq",
                        (item,))]
                    # The copy to the Sent folder is a later step of its own: its event
                    # may or may not have come by now, and only ever after "sent".
                    status = [a for a in said if a != "outbox.sent_copy"]
                    assert status[-2:] == ["outbox.unconfirmed", "outbox.sent"], said
                    assert all(said.index("outbox.sent") < i for i, a in enumerate(said)
                               if a == "outbox.sent_copy"), said
                    _chain_ok(store)
                finally:
                    store.close()
                assert "Traceback" not in server.log, server.log[-3000:]
            finally:
                sink.release.set()
                server.__exit__()
