"""IMAP sync against a real Dovecot: exactness, idempotence, IDLE, flags, expunges,
UIDVALIDITY resets, dropped connections and mass disappearance."""

from __future__ import annotations

import threading
import time
from pathlib import Path
from typing import Any

import pytest
from tests.audithelp import trail
from tests.support.mailgen import generate_corpus
from tests.support.waiting import wait_until
from tests.synchelp import (
    live_message_count,
    make_sync,
    server_digests,
    store_digests,
    write_config,
)

from cxinbox.channels.imap import ImapError
from cxinbox.service.inbox import InboxService

pytestmark = pytest.mark.dovecot


def _fill(server: Any, n: int, seed: int = 1, folder: str = "INBOX") -> None:
    server.deliver_many(generate_corpus(n, seed=seed), folder)


def test_initial_sync_matches_server_exactly(dovecot: Any, tmp_path: Path) -> None:
    _fill(dovecot, 400)  # above the process-pool threshold: the parallel path runs
    _config, db, engine = make_sync(write_config(tmp_path, dovecot))
    try:
        (result,) = engine.sync_once()
        expected = server_digests(dovecot)
        assert result.new == len(expected) == 400
        assert store_digests(db) == expected
        assert live_message_count(db) == 400
        assert db.integrity_check() == "ok"
        # Threading produced conversations, and every message belongs to one.
        convs = db.conn.execute("SELECT count(*) FROM conversations").fetchone()[0]
        assert 0 < convs < 400
        assert db.conn.execute("SELECT sum(message_count) FROM conversations").fetchone()[0] == 400
        # Full-text index covers bodies.
        hits = db.conn.execute("SELECT count(*) FROM messages_fts WHERE messages_fts MATCH"
                               " 'appointment'").fetchone()[0]
        assert hits > 0
    finally:
        engine.close()
        db.close()


def test_second_sync_changes_nothing(dovecot: Any, tmp_path: Path) -> None:
    _fill(dovecot, 120)
    _config, db, engine = make_sync(write_config(tmp_path, dovecot))
    try:
        engine.sync_once()
        before = db.conn.execute("SELECT max(seq) FROM events").fetchone()[0]
        snapshot = store_digests(db)
        (again,) = engine.sync_once()
        assert (again.new, again.flag_changes, again.removed) == (0, 0, 0)
        assert store_digests(db) == snapshot
        assert db.conn.execute("SELECT max(seq) FROM events").fetchone()[0] == before
    finally:
        engine.close()
        db.close()


def test_flags_and_expunges_are_reflected(dovecot: Any, tmp_path: Path) -> None:
    _fill(dovecot, 60)
    _config, db, engine = make_sync(write_config(tmp_path, dovecot))
    try:
        engine.sync_once()
        client = dovecot.imap_client()
        client.select_folder("INBOX")
        uids = sorted(client.search("ALL"))
        client.add_flags(uids[:10], [b"\\Seen"])
        client.delete_messages(uids[-5:])
        client.expunge()
        client.logout()
        (result,) = engine.sync_once()
        assert result.flag_changes >= 10
        assert result.removed == 5
        assert store_digests(db) == server_digests(dovecot)
        seen = db.conn.execute(
            "SELECT count(*) FROM messages m JOIN locations l ON l.message_pk = m.id"
            " WHERE m.seen = 1").fetchone()[0]
        assert seen == 10
        assert live_message_count(db) == 55
        gone = db.conn.execute("SELECT count(*) FROM messages WHERE gone_at IS NOT NULL")
        assert gone.fetchone()[0] == 5
        total = db.conn.execute("SELECT sum(message_count) FROM conversations").fetchone()[0]
        assert total == 55
    finally:
        engine.close()
        db.close()


def _watch(engine: Any) -> tuple[threading.Event, threading.Thread]:
    stop = threading.Event()
    watcher = threading.Thread(target=engine.watch, args=(stop,), daemon=True)
    watcher.start()
    return stop, watcher


def _wait_count(db: Any, count: int) -> None:
    """Until the store holds `count` live messages (generous: the machine may be busy)."""
    wait_until(lambda: live_message_count(db) >= count, f"{count} messages", timeout=60)
    assert live_message_count(db) == count


def test_new_mail_is_announced_by_idle(dovecot: Any, tmp_path: Path,
                                       monkeypatch: pytest.MonkeyPatch) -> None:
    """Mail delivered while the watcher is in IDLE arrives because the server announced
    it: no IDLE is renewed during this test, so nothing else could fetch it."""
    import cxinbox.service.sync as sync_module

    monkeypatch.setattr(sync_module, "_SETTLE_IDLE_S", 3600.0)  # idle_timeout_s is 1500
    _fill(dovecot, 5)
    _config, db, engine = make_sync(write_config(tmp_path, dovecot))
    opened = engine.open_session
    idling = threading.Event()

    def open_session(account: Any) -> Any:
        session = opened(account)
        start_idle = session._client.idle

        def idle() -> Any:
            answer = start_idle()  # returns once the server said "+ idling"
            idling.set()
            return answer

        session._client.idle = idle
        return session

    engine.open_session = open_session  # type: ignore[method-assign]
    stop, watcher = _watch(engine)
    try:
        _wait_count(db, 5)
        assert idling.wait(60), "the watcher never went into IDLE"
        (extra,) = list(generate_corpus(1, seed=99))
        dovecot.deliver(extra)
        _wait_count(db, 6)
    finally:
        stop.set()
        watcher.join(60)
        engine.close()
        db.close()
    assert not watcher.is_alive()


def test_mail_dropped_between_sync_and_idle_is_fetched_at_once(dovecot: Any,
                                                              tmp_path: Path) -> None:
    """Dovecot's IDLE only does a quick check when it starts, so a Maildir delivery that
    lands after the sync's last command and before IDLE is never announced during that
    IDLE. The watcher must notice it before idling, not at the next IDLE renewal."""
    _fill(dovecot, 3)
    _config, db, engine = make_sync(write_config(tmp_path, dovecot))
    original = engine.sync_folder
    delivered: list[float] = []

    def sync_then_deliver(*args: Any, **kwargs: Any) -> Any:
        result = original(*args, **kwargs)
        if not delivered:  # exactly once, right after the first sync finished
            (extra,) = list(generate_corpus(1, seed=77))
            dovecot.deliver(extra)
            delivered.append(time.monotonic())
        return result

    engine.sync_folder = sync_then_deliver  # type: ignore[method-assign]
    held_at_idle: list[int] = []  # what the store held each time the watcher began an IDLE
    idle = engine._idle

    def counted_idle(*args: Any, **kwargs: Any) -> bool:
        held_at_idle.append(live_message_count(db))
        return idle(*args, **kwargs)

    engine._idle = counted_idle  # type: ignore[method-assign]
    stop, watcher = _watch(engine)
    try:
        _wait_count(db, 4)
        wait_until(lambda: held_at_idle, "the first IDLE", timeout=60)
        assert held_at_idle[0] == 4, held_at_idle  # fetched before idling, not on renewal
    finally:
        stop.set()
        watcher.join(60)
        engine.close()
        db.close()


def test_mail_landing_between_the_last_noop_and_idle_arrives_on_renewal(
        dovecot: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The one window no client command can close: after the pre-IDLE NOOP, before IDLE.
    The first IDLE after a sync is renewed early, so such a message waits seconds (10 in
    production, 1 here), not the full IDLE timeout (1500 s here: waiting 60 s tells them
    apart on any machine)."""
    import cxinbox.service.sync as sync_module

    monkeypatch.setattr(sync_module, "_SETTLE_IDLE_S", 1.0)
    _fill(dovecot, 2)
    config, db, engine = make_sync(write_config(tmp_path, dovecot))
    assert config.sync.idle_timeout_s == 1500
    opened = engine.open_session
    delivered: list[float] = []

    def open_session(account: Any) -> Any:
        session = opened(account)
        checked = session.changed_since_select

        def check_then_deliver() -> bool:
            answer = checked()
            if not delivered:
                (extra,) = list(generate_corpus(1, seed=79))
                dovecot.deliver(extra)
                delivered.append(time.monotonic())
            return answer

        session.changed_since_select = check_then_deliver
        return session

    engine.open_session = open_session  # type: ignore[method-assign]
    stop, watcher = _watch(engine)
    try:
        _wait_count(db, 3)
        assert delivered
    finally:
        stop.set()
        watcher.join(60)
        engine.close()
        db.close()


def test_changes_announced_during_other_commands_are_noticed(dovecot: Any,
                                                            tmp_path: Path) -> None:
    """An EXISTS that rides on the reply to another command is remembered; a quiet
    mailbox reports no change (so the watcher does not spin)."""
    _fill(dovecot, 2)
    config, db, engine = make_sync(write_config(tmp_path, dovecot))
    account = config.accounts[0]
    session = engine.open_session(account)
    other = dovecot.imap_client()
    try:
        engine.sync_folder(session, account, "INBOX")
        assert session.changed_since_select() is False
        assert session.changed_since_select() is False
        # APPEND from another connection updates Dovecot's index, so the next command on
        # our session carries "* 3 EXISTS" with its reply.
        (extra,) = list(generate_corpus(1, seed=78))
        other.append("INBOX", extra)
        session.fetch_flags(2, None)
        assert session.changed_since_select() is True
        assert session.changed_since_select() is False  # reported once
        result = engine.sync_folder(session, account, "INBOX")
        assert result.new == 1
        assert session.changed_since_select() is False
        # An expunge is a change too.
        other.select_folder("INBOX")
        other.delete_messages([1])
        other.expunge()
        assert session.changed_since_select() is True
    finally:
        other.logout()
        session.close()
        engine.close()
        db.close()


def test_uidvalidity_reset_keeps_staff_state_without_duplicates(dovecot: Any,
                                                                  tmp_path: Path) -> None:
    _fill(dovecot, 80)
    config, db, engine = make_sync(write_config(tmp_path, dovecot))
    try:
        engine.sync_once()
        service = InboxService(db, config, "maria")
        conv_id = service.list_conversations("", 0, 1).items[0].id
        service.tag(conv_id, add=["insurance"])
        service.add_note(conv_id, "Called the patient back; waiting on the card photo.")
        # (the corpus's newest is its red-flag message: detection at ingest tags it too)
        tags_before = service.get_conversation(conv_id).summary.tags
        assert "insurance" in tags_before
        messages_before = live_message_count(db)
        convs_before = db.conn.execute("SELECT count(*) FROM conversations").fetchone()[0]
        old_validity = db.conn.execute("SELECT uidvalidity FROM folders").fetchone()[0]

        dovecot.reset_uidvalidity("INBOX")
        (result,) = engine.sync_once()

        assert result.identity_reset
        assert db.conn.execute("SELECT uidvalidity FROM folders").fetchone()[0] != old_validity
        assert live_message_count(db) == messages_before
        assert db.conn.execute("SELECT count(*) FROM messages").fetchone()[0] == messages_before
        assert db.conn.execute("SELECT count(*) FROM conversations").fetchone()[0] == convs_before
        assert store_digests(db) == server_digests(dovecot)
        detail = service.get_conversation(conv_id)
        assert detail.summary.tags == tags_before
        assert [n.body for n in detail.notes] == [
            "Called the patient back; waiting on the card photo."]
    finally:
        engine.close()
        db.close()


def test_connection_cut_mid_fetch_recovers(dovecot: Any, cutting_proxy: Any,
                                           tmp_path: Path) -> None:
    _fill(dovecot, 300)
    proxy = cutting_proxy("127.0.0.1", dovecot.imaps_port)
    _config, db, engine = make_sync(write_config(tmp_path, dovecot, port=proxy.address[1]))
    try:
        proxy.cut_after_bytes(600_000)  # well inside the first UID FETCH
        with pytest.raises(ImapError):
            engine.sync_once()
        partial = live_message_count(db)
        assert partial < 300
        assert db.integrity_check() == "ok"
        (result,) = engine.sync_once()
        assert partial + result.new == 300
        assert store_digests(db) == server_digests(dovecot)
        assert db.conn.execute("SELECT count(*) FROM messages").fetchone()[0] == 300
    finally:
        engine.close()
        db.close()


def test_watch_reconnects_after_cut(dovecot: Any, cutting_proxy: Any, tmp_path: Path) -> None:
    _fill(dovecot, 200)
    proxy = cutting_proxy("127.0.0.1", dovecot.imaps_port)
    _config, db, engine = make_sync(write_config(tmp_path, dovecot, port=proxy.address[1]))
    stop = threading.Event()
    watcher = threading.Thread(target=engine.watch, args=(stop,), daemon=True)
    try:
        proxy.cut_after_bytes(400_000)
        watcher.start()
        deadline = time.monotonic() + 120
        while live_message_count(db) < 200 and time.monotonic() < deadline:
            time.sleep(0.1)
        assert live_message_count(db) == 200
        assert store_digests(db) == server_digests(dovecot)
    finally:
        stop.set()
        watcher.join(60)
        engine.close()
        db.close()


def test_mass_disappearance_quarantines_instead_of_deleting(dovecot: Any,
                                                            tmp_path: Path) -> None:
    _fill(dovecot, 100)
    path = write_config(tmp_path, dovecot, extra_sync="mass_delete_min = 10")
    _config, db, engine = make_sync(path)
    try:
        engine.sync_once()
        client = dovecot.imap_client()
        client.select_folder("INBOX")
        uids = sorted(client.search("ALL"))
        client.delete_messages(uids[:80])
        client.expunge()
        client.logout()
        (result,) = engine.sync_once()
        assert result.quarantine and "80 of 100" in result.quarantine
        assert live_message_count(db) == 100  # nothing deleted locally
        from cxinbox.store import ingest

        with db.write() as conn:
            assert ingest.release_quarantine(conn, "appointments", "INBOX")
        (released,) = engine.sync_once()
        assert released.removed == 80
        assert released.quarantine is None
        assert live_message_count(db) == 20
    finally:
        engine.close()
        db.close()


def test_several_folders_and_a_duplicate_across_them(dovecot: Any, tmp_path: Path) -> None:
    dovecot.create_folder("Results")
    corpus = list(generate_corpus(30, seed=5))
    dovecot.deliver_many(corpus, "INBOX")
    dovecot.deliver_many(corpus[:10], "Results")  # the same bytes filed twice
    _config, db, engine = make_sync(write_config(tmp_path, dovecot, folders=("INBOX", "Results")))
    try:
        results = engine.sync_once()
        assert [r.new for r in results] == [30, 10]
        assert store_digests(db, folder="Results") == server_digests(dovecot, "Results")
        # One message row per distinct message; two locations for the shared ten.
        assert db.conn.execute("SELECT count(*) FROM messages").fetchone()[0] == 30
        assert db.conn.execute("SELECT count(*) FROM locations").fetchone()[0] == 40
    finally:
        engine.close()
        db.close()


def test_renumbered_uids_under_same_uidvalidity_are_detected(dovecot: Any,
                                                             tmp_path: Path) -> None:
    """An index rebuild renumbers UIDs but keeps UIDVALIDITY: only HIGHESTMODSEQ going
    backwards shows it. Flags must stay with their own message, not the one now at the UID."""
    _fill(dovecot, 60)
    _config, db, engine = make_sync(write_config(tmp_path, dovecot))
    try:
        engine.sync_once()
        client = dovecot.imap_client()
        client.select_folder("INBOX")
        uids = sorted(client.search("ALL"))
        client.add_flags(uids[:7], [b"\\Seen"])
        client.logout()
        engine.sync_once()
        dovecot.renumber("INBOX", seed=4)
        client = dovecot.imap_client()  # a flag change that happens while identity is lost
        client.select_folder("INBOX")
        client.add_flags(sorted(client.search("UNSEEN"))[:3], [b"\\Seen"])
        client.logout()
        (result,) = engine.sync_once()
        assert result.identity_reset
        expected = server_digests(dovecot)
        assert store_digests(db) == expected
        assert db.conn.execute("SELECT count(*) FROM messages").fetchone()[0] == 60
        client = dovecot.imap_client()
        client.select_folder("INBOX", readonly=True)
        seen_on_server = {expected[u] for u in client.search(["SEEN"])}
        client.logout()
        seen_here = {bytes(r[0]) for r in db.conn.execute(
            "SELECT r.sha256 FROM messages m JOIN raw_messages r ON r.id = m.raw_id"
            " WHERE m.seen = 1")}
        assert seen_here == seen_on_server and len(seen_here) == 10
    finally:
        engine.close()
        db.close()


def test_attachment_bytes_come_back_exactly_and_are_audited(dovecot: Any,
                                                            tmp_path: Path) -> None:
    import email
    from email import policy

    corpus = list(generate_corpus(120, seed=8))
    dovecot.deliver_many(corpus, "INBOX")
    config, db, engine = make_sync(write_config(tmp_path, dovecot))
    try:
        engine.sync_once()
        service = InboxService(db, config, "maria")
        conv = service.list_conversations("has:attachment", 0, 1).items[0]
        detail = service.get_conversation(conv.id)
        message = next(m for m in detail.messages if m.attachments)
        att = message.attachments[0]
        name, ctype, data = service.attachment(message.id, att.part_path)
        assert len(data) == att.size and name == att.filename and ctype == att.content_type
        originals = [
            part.get_payload(decode=True)
            for raw in corpus
            for part in email.message_from_bytes(raw, policy=policy.default).walk()
            if part.get_filename() == name
        ]
        assert data in originals
        last = trail(service.store)[-1]
        assert (last.actor, last.action) == ("maria", "attachment.export")
    finally:
        engine.close()
        db.close()
