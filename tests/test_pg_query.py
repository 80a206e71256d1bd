"""The query language on PostgreSQL (store/pg/query.py) against SQLite's, and `cxinbox store
copy` (store/pg/copy.py), on a real cluster.

One inbox is built in a SQLite cache through real ingest and the service (Spanish and
English patients, SMS, tags, notes with mentions, assignments, SLA clocks), copied to
PostgreSQL with the copy an admin runs, and every query form is then run on both: the two
compilers must select exactly the same conversations. The copy itself must verify, and a
copy changed afterwards (one audit event, one row) must be caught.
"""

from __future__ import annotations

import contextlib
import hashlib
import itertools
import os
import pwd
import secrets
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, cast

import psycopg
import pytest
from tests.support.clirun import cx_here
from tests.support.pgcluster import PgCluster

from cxinbox.config import Config
from cxinbox.contract.errors import StoreError
from cxinbox.domain.models import Address, Attachment, ParsedMessage
from cxinbox.domain.query import QueryContext, parse_query
from cxinbox.service.inbox import InboxService
from cxinbox.store import fts, ingest
from cxinbox.store.conversations import list_page
from cxinbox.store.db import Database
from cxinbox.store.pg import search as pg_search
from cxinbox.store.pg.conn import PgConnection
from cxinbox.store.pg.copy import copy_to_postgres, verify_copy
from cxinbox.store.pg.query import compile_per_row_pg, compile_query_pg, sla_condition_pg
from cxinbox.store.query_sql import compile_query, narrowed_by_subquery, sla_condition
from cxinbox.store.sms import SmsRecord, insert_sms
from teamhelp import DESK, T0, open_service

CLINIC = "+15550100100"
NOW = datetime.fromtimestamp(T0, UTC)
_uids = itertools.count(1)
_databases = itertools.count(1)


def mail(db: Database, *, sender: str, name: str = "", subject: str, body: str, at: int,
         to: tuple[str, ...] = (DESK,), cc: tuple[str, ...] = (), mailbox: str = "desk",
         in_reply_to: str | None = None, message_id: str | None = None,
         attachments: tuple[Attachment, ...] = ()) -> int:
    """One message stored through ingest exactly as sync stores it; its conversation."""
    uid = next(_uids)
    parsed = ParsedMessage(
        message_id=message_id or f"q{uid}@mail.example", in_reply_to=in_reply_to,
        references=[in_reply_to] if in_reply_to else [], subject=subject,
        from_addr=Address(name, sender), to=[Address("", a) for a in to],
        cc=[Address("", a) for a in cc], reply_to=[], date=datetime.fromtimestamp(at, UTC),
        body_text=body, attachments=list(attachments))
    raw = f"From: {sender}\r\nSubject: {subject}\r\n\r\n{body}\r\n".encode() + bytes([uid % 256])
    with db.write() as conn:
        state = ingest.folder_state(conn, mailbox, "INBOX")
        (conv,) = ingest.ingest_batch(
            conn, state, [ingest.FetchedMessage(uid, "", None, None, raw,
                                                hashlib.sha256(raw).digest(), parsed)],
            own_addresses=frozenset({DESK}), watermark=uid, now=at + 60)
    return conv


def sms(db: Database, number: str, at: int, body: str, name: str = "") -> int:
    with db.write() as conn:
        _, conv = insert_sms(conn, SmsRecord(
            provider_id=f"SM{number}{at}", clinic_number=CLINIC, patient_number=number,
            direction="in", body=body, at=at, patient_name=name))
    assert conv is not None
    return conv


@dataclass
class Inbox:
    config: Config
    db: Database
    service: InboxService
    ids: dict[str, int]


def build_inbox(tmp_path: Path) -> Inbox:
    config, db, service, _ = open_service(tmp_path, actor="maria")
    h = 3600
    ids = {
        "medico": mail(db, sender="jose.nunez@correo.example", name="José Núñez",
                       subject="Cita con el médico", at=T0 - 40 * h,
                       body="Necesito cambiar mi cita con el médico de cabecera, por favor."),
        "analisis": mail(db, sender="lucia.pena@correo.example", name="Lucía Peña",
                         subject="Resultados del análisis", at=T0 - 30 * h,
                         body="¿Están listos los resultados del análisis de sangre? Ayuno"
                              " de 12 horas.", cc=("lab@clinic.example",)),
        "fasting": mail(db, sender="ana.garcia@example.org", name="Ana Garcia",
                        subject="Fasting before blood test", at=T0 - 20 * h,
                        body="Do I need to be fasting before my blood test tomorrow?"),
        "refill": mail(db, sender="bob.smith@example.com", name="Bob Smith",
                       subject="Prescription refill", at=T0 - 10 * h, mailbox="pharmacy",
                       body="Please refill my lisinopril prescription. Thanks, Bob"),
        "billing": mail(db, sender="carol@billing-help.example", name="Carol O'Neil",
                        subject="Invoice 2024-118 question", at=T0 - 5 * h, mailbox="billing",
                        body="I was charged twice on invoice 2024-118; 100% sure.",
                        to=("billing@clinic.example",)),
        "results": mail(db, sender="dave@example.net", name="Dave_Underscore",
                        subject="Lab results portal", at=T0 - 3 * h, mailbox="results",
                        body="The results portal says error 500 when I log in."),
        "old": mail(db, sender="eve@example.org", name="Eve", subject="Old question",
                    at=T0 - 20 * 86400, body="A question from last month about parking."),
        "urgent": mail(db, sender="frank@example.org", name="Frank",
                       subject="Chest pain since this morning", at=T0 - 1 * h,
                       body="I have had chest pain since this morning, should I come in?"),
        "sms": sms(db, "+15553504006", T0 - 2 * h, "Can I move my appointment to Friday?",
                   name="Ana Diaz"),
        "sms2": sms(db, "+15557770000", T0 - 4 * h, "call me at 555-350-4999 please"),
        "canon": mail(db, sender="ines@correo.example", name="Inés Ibáñez",
                      subject="Vacunación", at=T0 - 50 * h,
                      body="Quisiera información sobre la vacunación infantil."),
        "attached": mail(db, sender="gina@example.org", name="Gina", subject="Referral letter",
                         at=T0 - 6 * h, body="The referral letter is attached.",
                         attachments=(Attachment("referral.pdf", "application/pdf", 2048, "2"),)),
        # Fresh enough for the first-reply clock (1 h, at risk from 45 min) to run: ok, at risk.
        "fresh": mail(db, sender="hugo@example.org", name="Hugo", subject="Parking",
                      at=T0 - 10 * 60, body="Is there parking near the clinic?"),
        "risk": mail(db, sender="irene@example.org", name="Irene", subject="Opening hours",
                     at=T0 - 50 * 60, body="When do you open on Saturday?"),
    }
    # A reply from the desk in the first thread, so it holds a message of ours.
    mail(db, sender=DESK, subject="Re: Cita con el médico", at=T0 - 39 * h,
         to=("jose.nunez@correo.example",), body="Claro, le damos cita el lunes.",
         in_reply_to="q1@mail.example")
    s = service
    s.tag(ids["analisis"], add=["lab-results"])
    s.tag(ids["fasting"], add=["lab-results", "billing"])
    s.tag(ids["billing"], add=["billing"])
    s.assign(ids["billing"], "jsmith")
    s.assign(ids["fasting"], "maria")
    s.assign(ids["medico"], "maria")
    s.set_status(ids["refill"], "pending")
    s.set_status(ids["old"], "closed")
    s.set_priority(ids["urgent"], "urgent")
    s.set_priority(ids["analisis"], "high")
    s.add_note(ids["refill"], "@jsmith can you call the pharmacy?")
    s.add_note(ids["canon"], "@maria vaccine calendar attached")
    s.refresh_sla()
    with db.write() as conn:
        # What the triage worker writes (store/triage.py) for two of them.
        conn.execute("UPDATE conversations SET intent = 'appointment_book' WHERE id IN (?, ?)",
                     (ids["medico"], ids["sms"]))
        conn.execute("UPDATE conversations SET red_flag = 'chest_pain', red_flag_at = ?"
                     " WHERE id = ?", (T0, ids["urgent"]))
        while fts.index_pending(conn):
            pass
    return Inbox(config, db, service, ids)


@pytest.fixture
def inbox(tmp_path: Path) -> Iterator[Inbox]:
    built = build_inbox(tmp_path)
    try:
        yield built
    finally:
        built.db.close()


def fresh_database(cluster: PgCluster) -> str:
    # unique even when this module is imported twice in one worker (as itself and as
    # tests.test_pg_query by another file), each import with its own counter
    name = f"copy_{os.getpid()}_{next(_databases)}_{secrets.token_hex(3)}"
    cluster.psql(f'CREATE DATABASE "{name}" TEMPLATE template0 ENCODING \'UTF8\''
                 " LC_COLLATE 'C.UTF-8' LC_CTYPE 'C.UTF-8'")
    return name


@contextlib.contextmanager
def _copy_of(inbox: Inbox, cluster: PgCluster) -> Iterator[tuple[Inbox, psycopg.Connection[Any]]]:
    name = fresh_database(cluster)
    conn = psycopg.connect(cluster.dsn(name), autocommit=True)
    try:
        with inbox.db.read() as lite:
            copy_to_postgres(lite, conn, batch=3)  # small batches: several per table
        yield inbox, conn
    finally:
        conn.close()


@pytest.fixture
def copied(inbox: Inbox, pg_cluster: PgCluster) -> Iterator[tuple[Inbox, psycopg.Connection[Any]]]:
    """A copy of its own, for a test that changes either side."""
    with _copy_of(inbox, pg_cluster) as found:
        yield found


@pytest.fixture(scope="module")
def read_only_copy(tmp_path_factory: pytest.TempPathFactory,
                   pg_cluster: PgCluster) -> Iterator[tuple[Inbox, psycopg.Connection[Any]]]:
    """One inbox and its copy for the module's tests that only read them (built once:
    the queries, accents, per-row and walked-search tests change neither side)."""
    built = build_inbox(tmp_path_factory.mktemp("pgquery"))
    try:
        with _copy_of(built, pg_cluster) as found:
            yield found
    finally:
        built.db.close()


QUERIES = [
    # full text: words as prefixes, phrases, accents folded either way, Spanish and English
    "medico", "médico", "MÉDICO", "cabecera", "analisis", "análisis ayuno", "vacunacion",
    '"blood test"', '"test blood"', "fast", "refill lisinopril", "lisinopril OR parking",
    '"resultados del análisis"', "jose", "nunez", "correo", "ibanez", "2024", "500",
    "!!!", "medico !!!", "-medico", "-(medico OR fasting)",
    # from: (trigram and short), phone numbers, to:
    "from:garcia", "from:núñez", "from:nunez", "from:NÚÑEZ", "from:co", "from:_u",
    "from:o'neil", "from:example.org", "555-350-4006", "from:(555) 350-4006",
    "555-350-4999", "to:billing", "to:lab@", "to:BILLING", "-to:billing",
    # fields
    "tag:lab-results", "tag:billing -assignee:none", "-tag:billing", "status:open",
    "status:pending", "-status:closed", "priority:urgent", "priority:high OR priority:urgent",
    "assignee:maria", "assignee:MARIA", "assignee:me", "is:mine", "-assignee:me",
    "assignee:none", "is:unassigned", "is:unread", "mailbox:billing", "mailbox:RESULTS",
    "-mailbox:desk", "channel:sms", "has:attachment referral", "channel:email", "has:attachment", "-has:attachment",
    "mentions:jsmith", "mentions:me", "mentions:none", "-mentions:jsmith",
    "intent:appointment-book", "-intent:appointment-book", "red-flag:chest-pain", "red-flag:any",
    "red-flag:none", "is:red-flag", "-red-flag:chest-pain", "is:unscreened", "-is:unscreened",
    # dates, SLA, ids, grouping
    "after:2025-03-03", "before:2025-03-03", "after:7d", "-after:2d", "sla:breached",
    "sla:at-risk", "sla:ok", "sla:paused", "-sla:breached", "id:1,3,5", "-id:2",
    "status:open (tag:billing OR from:garcia)", "(medico OR fasting) -tag:billing",
    "status:open medico OR status:pending", "channel:sms appointment",
]


def _ids(rows: Any) -> set[int]:
    return {int(r[0]) for r in rows}


def _sqlite_ids(conn: sqlite3.Connection, query: str) -> set[int]:
    ctx = QueryContext(me="maria", now=NOW, tz=UTC)
    where, params = compile_query(parse_query(query), ctx, sla_condition(NOW))
    return _ids(conn.execute(f"SELECT c.id FROM conversations c WHERE {where}", params))


def _pg_ids(conn: psycopg.Connection[Any], query: str) -> set[int]:
    ctx = QueryContext(me="maria", now=NOW, tz=UTC)
    where, params = compile_query_pg(parse_query(query), ctx, sla_condition_pg(NOW))
    return _ids(PgConnection(conn).execute(
        f"SELECT c.id FROM conversations c WHERE {where}", params))


def test_every_query_selects_the_same_conversations_on_both(
        read_only_copy: tuple[Inbox, psycopg.Connection[Any]]) -> None:
    inbox, pg = read_only_copy
    everyone = set(inbox.ids.values())
    differing: dict[str, tuple[set[int], set[int]]] = {}
    found: dict[str, set[int]] = {}
    with inbox.db.read() as lite:
        for query in QUERIES:
            ours, theirs = _sqlite_ids(lite, query), _pg_ids(pg, query)
            found[query] = ours
            if ours != theirs:
                differing[query] = (ours, theirs)
    assert not differing, differing
    # The table tells the two apart only if its queries select something, and not all.
    selective = [q for q, ids in found.items() if ids and not everyone <= ids]
    assert len(selective) >= 0.75 * len(QUERIES), sorted(set(QUERIES) - set(selective))


def test_accents_and_case_are_folded_in_text_but_from_is_as_sqlite_has_it(
        read_only_copy: tuple[Inbox, psycopg.Connection[Any]]) -> None:
    inbox, pg = read_only_copy
    ids = inbox.ids
    for typed in ("medico", "médico", "MEDICO", '"medico de cabecera"'):
        assert _pg_ids(pg, typed) == {ids["medico"]}, typed
    assert _pg_ids(pg, "analisis ayuno") == {ids["analisis"]}
    assert _pg_ids(pg, "nunez") == {ids["medico"]}  # the address's parts are words
    assert _pg_ids(pg, '"blood test"') == {ids["fasting"]}
    assert _pg_ids(pg, '"test blood"') == set()
    assert _pg_ids(pg, "from:núñez") == {ids["medico"]}
    assert _pg_ids(pg, "from:GARCIA") == {ids["fasting"]}
    assert _pg_ids(pg, "from:_u") == {ids["results"]}  # `_` is a character, not a wildcard
    assert _pg_ids(pg, "555-350-4006") == {ids["sms"]}
    assert ids["medico"] not in _pg_ids(pg, "-medico")


def test_the_copy_is_complete_and_new_rows_follow_the_copied_ids(
        copied: tuple[Inbox, psycopg.Connection[Any]]) -> None:
    inbox, pg = copied
    with inbox.db.read() as lite:
        assert verify_copy(lite, pg) == []
        raw = dict(lite.execute("SELECT id, data FROM raw_messages").fetchall())
        top = int(lite.execute("SELECT max(id) FROM conversations").fetchone()[0])
        notes = lite.execute("SELECT id, body FROM notes ORDER BY id").fetchall()
        chain = lite.execute("SELECT seq, hash FROM events ORDER BY seq").fetchall()
        spans = ("SELECT conversation_id, start_at, end_at, status, live FROM report_spans"
                 " ORDER BY conversation_id, start_at, end_at IS NULL, end_at")
        lite_spans = lite.execute(spans).fetchall()
        holders = ("SELECT conversation_id, start_at, end_at, assignee FROM report_assignees"
                   " ORDER BY conversation_id, start_at, end_at IS NULL, end_at")
        lite_holders = lite.execute(holders).fetchall()
    # the status spans (migration 22) are replayed from the copied trail, not copied
    assert lite_spans and [tuple(r) for r in pg.execute(spans)] == [
        tuple(r) for r in lite_spans]
    # and so are the assignee spans (migration 24)
    assert lite_holders and [tuple(r) for r in pg.execute(holders)] == [
        tuple(r) for r in lite_holders]
    assert {int(k): bytes(v) for k, v in pg.execute(
        "SELECT id, data FROM raw_messages").fetchall()} == raw
    assert [tuple(r) for r in pg.execute("SELECT id, body FROM notes ORDER BY id")] == [
        tuple(r) for r in notes]
    assert [tuple(r) for r in pg.execute("SELECT seq, hash FROM events ORDER BY seq")] == [
        tuple(r) for r in chain]
    new = pg.execute("INSERT INTO conversations (created_at, last_message_at) VALUES (0, 0)"
                     " RETURNING id").fetchone()
    assert new is not None and new[0] == top + 1


def test_a_changed_copy_is_caught(copied: tuple[Inbox, psycopg.Connection[Any]]) -> None:
    inbox, pg = copied
    # Someone with the database's owner rights edits one audit event behind the trigger.
    pg.execute("ALTER TABLE events DISABLE TRIGGER events_no_update")
    pg.execute("UPDATE events SET actor = 'mallory' WHERE seq = 3")
    pg.execute("ALTER TABLE events ENABLE TRIGGER events_no_update")
    with inbox.db.read() as lite:
        problems = verify_copy(lite, pg)
    changed = ("audit chain on PostgreSQL: event #3 was changed after it was written (its"
               " hash no longer matches its contents)")
    assert problems == [changed]
    pg.execute("DELETE FROM conversation_tags WHERE tag = 'billing'")
    with inbox.db.read() as lite:
        problems = verify_copy(lite, pg)
    assert "conversation_tags has 2 rows on PostgreSQL, 4 in the cache" in problems


def test_a_database_with_data_is_refused_and_left_as_it_was(
        copied: tuple[Inbox, psycopg.Connection[Any]]) -> None:
    inbox, pg = copied
    before = pg.execute("SELECT count(*), max(seq) FROM events").fetchone()
    with inbox.db.read() as lite, pytest.raises(StoreError) as caught:
        copy_to_postgres(lite, pg)
    message = str(caught.value)
    assert message.startswith("the PostgreSQL database already holds data (")
    assert "\n" not in message
    assert pg.execute("SELECT count(*), max(seq) FROM events").fetchone() == before


def _me() -> str:
    return pwd.getpwuid(os.getuid()).pw_name


def _write_config(tmp_path: Path, inbox: Inbox, role: str) -> Path:
    path = tmp_path / f"{role}.toml"
    path.write_text("\n".join([
        "[clinic]", 'timezone = "UTC"', "", "[store]", f'path = "{inbox.config.db_path}"', "",
        "[[staff]]", f'os_user = "{_me()}"', 'name = "Site Admin"',
        f'role = "{role}"', "", "[server]", f'socket = "{tmp_path / "none.sock"}"', ""]))
    return path


def _cx(*args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parent.parent / "src")}
    return subprocess.run([sys.executable, "-m", "cxinbox", *args], capture_output=True,
                          text=True, timeout=300, env=env, check=False)


def test_store_copy_command_is_for_admins_audited_and_verified(
        inbox: Inbox, pg_cluster: PgCluster, tmp_path: Path) -> None:
    url = pg_cluster.url(fresh_database(pg_cluster))
    inbox.db.close()
    agent = _cx("store", "copy", "--to", url, "-c", str(_write_config(tmp_path, inbox, "agent")))
    assert agent.returncode != 0
    assert agent.stderr.strip().count("\n") == 0 and "for admins" in agent.stderr
    assert "Traceback" not in agent.stderr

    # a server that opened the new database first made a key of its own: the cache's wins
    from cxinbox.store.pg.store import PgStore

    early = PgStore(url, max_size=1)
    try:
        early_key = early.text_key()
    finally:
        early.close()
    admin = str(_write_config(tmp_path, inbox, "admin"))
    done = _cx("store", "copy", "--to", url, "-c", admin)
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("copied ")
    assert "verified: every table's row count, and the audit chain of" in done.stdout
    again = cx_here("store", "copy", "--to", url, "-c", admin)
    assert again.returncode != 0
    assert again.stderr.strip().startswith("cxinbox: the PostgreSQL database already holds data")
    assert again.stderr.strip().count("\n") == 0
    check = cx_here("store", "verify", "--to", url, "-c", admin)
    assert check.returncode == 0, check.stderr
    with psycopg.connect(url) as pg:
        last = pg.execute("SELECT actor, action, details FROM events ORDER BY seq DESC"
                          " LIMIT 1").fetchone()
        assert last == (_me(), "store.copy", f'{{"to":"{url}"}}')
    db = Database(inbox.config.db_path)
    try:
        with db.read() as lite:
            head = lite.execute("SELECT action FROM events ORDER BY seq DESC LIMIT 1")
            assert cast(sqlite3.Row, head.fetchone())[0] == "store.copy"
        # the cache's text key goes along: the copied trail's canned-text hashes still match
        with psycopg.connect(url) as pg:
            kept = pg.execute("SELECT value FROM store_secrets WHERE name = 'text_key'"
                              ).fetchone()
            assert pg.execute("SELECT count(*) FROM cxinbox_meta WHERE key = 'text_key'"
                              ).fetchone() == (0,)
        assert kept == (db.text_key().hex(),) and db.text_key() != early_key
        assert db.text_key().hex() not in done.stdout + done.stderr
    finally:
        db.close()
    bad = cx_here("store", "copy", "--to", "mysql://x/y", "-c", admin)
    assert bad.returncode == 2 and "postgresql:// URL" in bad.stderr  # bad usage
    assert bad.stderr.strip().count("\n") == 0


def test_a_failed_copy_leaves_no_row_behind_and_says_so_in_one_line(
        inbox: Inbox, pg_cluster: PgCluster) -> None:
    with inbox.db.write() as lite:
        # PostgreSQL text cannot hold NUL; SQLite's can. The last notes fail mid-copy.
        lite.execute("UPDATE notes SET body = 'call back' || char(0) || 'today'"
                     " WHERE id = (SELECT max(id) FROM notes)")
    name = fresh_database(pg_cluster)
    with psycopg.connect(pg_cluster.dsn(name), autocommit=True) as pg:
        with inbox.db.read() as lite, pytest.raises(StoreError) as caught:
            copy_to_postgres(lite, pg, batch=1)
        message = str(caught.value)
        assert message.startswith("writing notes to PostgreSQL failed: ")
        assert "\n" not in message and "call back" not in message
        for table in ("raw_messages", "conversations", "messages", "events", "notes"):
            assert pg.execute(f"SELECT count(*) FROM {table}").fetchone() == (0,), table


def _narrowed(query: str) -> tuple[str, list[object], str, list[object], str | None] | None:
    """The query's condition, its per-row form and the status it requires as a whole term,
    when a subquery narrows it."""
    ctx = QueryContext(me="maria", now=NOW, tz=UTC)
    where, params = compile_query_pg(parse_query(query), ctx, sla_condition_pg(NOW))
    if not narrowed_by_subquery(where):
        return None
    per_row, per_row_params = compile_per_row_pg(parse_query(query), ctx,
                                                 sla_condition_pg(NOW))
    return (where, list(params), per_row, list(per_row_params),
            pg_search.status_term(parse_query(query)))


def test_the_per_row_form_selects_the_same_conversations(
        read_only_copy: tuple[Inbox, psycopg.Connection[Any]]) -> None:
    """Issue #16: the form a walked search tests each conversation with (PerRowDialect)
    means what the indexed form means, for every query form, negated ones too."""
    _inbox, pg = read_only_copy
    ctx = QueryContext(me="maria", now=NOW, tz=UTC)
    differing = {}
    for query in QUERIES:
        per_row, params = compile_per_row_pg(parse_query(query), ctx, sla_condition_pg(NOW))
        theirs = _ids(PgConnection(pg).execute(
            f"SELECT c.id FROM conversations c WHERE {per_row}", params))
        if theirs != _pg_ids(pg, query):
            differing[query] = theirs
    assert not differing, differing


@pytest.mark.parametrize("flags_first", [False, True])
def test_a_walked_search_lists_the_page_and_count_the_indexes_list(
        read_only_copy: tuple[Inbox, psycopg.Connection[Any]], flags_first: bool,
        monkeypatch: pytest.MonkeyPatch) -> None:
    """A narrowed search whose count may stop early is walked in list order
    (store/pg/search.py): its page is the same rows, in the same order, as the page of
    every match found and sorted, and its count is the exact one stopped at the cap; a walk
    that finds fewer than the cap leaves the search to the indexes, which count exactly."""
    _inbox, pg = read_only_copy
    conn = PgConnection(pg)
    walked: list[str] = []
    by_status: list[object] = []
    walk = pg_search._walk

    def counting_walk(*args: Any) -> Any:
        found = walk(*args)
        if found is not None:
            walked.append(args[1])
            if len(args) > 8 and args[8] is not None:
                by_status.append(args[8])
        return found

    monkeypatch.setattr(pg_search, "_walk", counting_walk)
    checked = 0
    for query in QUERIES:
        narrowed = _narrowed(query)
        if narrowed is None:
            continue
        where, params, per_row, per_row_params, status = narrowed
        for order in ("newest", "oldest", "due"):
            exact, total = list_page(conn, where, params, 0, 500, order,
                                     red_flags_first=flags_first)
            for cap, offset, limit in ((1, 0, 1), (3, 1, 2), (4, 0, 4), (6, 2, 3),
                                       (10_000, 0, 50)):
                rows, counted = pg_search.list_page(
                    conn, where, params, per_row, per_row_params, offset, limit, order,
                    cap, red_flags_first=flags_first, status=status)
                assert counted == min(total, cap), (query, order, cap)
                assert [r.id for r in rows] == [r.id for r in exact[offset:offset + limit]], \
                    (query, order, cap, offset)
                assert rows == exact[offset:offset + limit]  # whole records, JSON-read
                checked += 1
    assert checked > 100
    assert len(walked) > 50  # the walk answered most of them (the cap reached)
    assert by_status  # `status:X ...` walked the conversations of that status only


@pytest.mark.parametrize(("query", "status"), [
    ("status:open tag:billing", "open"), ("tag:billing status:pending", "pending"),
    ("status:open mailbox:results refill", "open"), ("from:garcia status:snoozed", "snoozed"),
    ("status:open OR tag:billing", None), ("-status:open tag:billing", None),
    ("(status:open OR status:pending) tag:billing", None), ("refill", None),
    ("-(status:open tag:billing)", None), ("(status:open tag:billing) from:garcia", "open"),
    ("STATUS:Pending refill", "pending"), ("is:unscreened status:open tag:billing", "open"),
    ("tag:billing -(-status:open)", None)])
def test_a_walk_by_status_is_taken_only_for_a_status_every_match_has(
        query: str, status: str | None) -> None:
    """Issue #16: the walk reads only one status's conversations when the query requires
    that status as a whole term (joined by AND, in groups of AND too), never under OR or
    NOT; the status is the value the compiled `c.status = ?` is bound to."""
    ctx = QueryContext(me="maria", now=NOW, tz=UTC)
    node = parse_query(query)
    assert pg_search.status_term(node) == status
    if status is not None:
        _, params = compile_per_row_pg(node, ctx, sla_condition_pg(NOW))
        assert status in params




def _vectors_left(conn: PgConnection) -> int:
    return int(conn.execute("SELECT count(*) FROM message_unindexed").fetchone()[0])


def test_a_search_finds_the_same_before_and_after_the_messages_are_indexed(
        copied: tuple[Inbox, psycopg.Connection[Any]]) -> None:
    """Issue #16: a bulk sync stores its messages without their search vectors and makes
    them after it (store/fts.py). Meanwhile every query, in both its forms (the indexes'
    and the walk's), selects what it selects on SQLite; the vectors made later are the
    ones made with the row, and the query's plan reads the indexes, not every message."""
    inbox, pg = copied
    conn = PgConnection(pg)
    total = int(conn.execute("SELECT count(*) FROM messages").fetchone()[0])
    made = {int(r[0]): str(r[1]) for r in conn.execute(
        "SELECT message_id, search FROM message_search")}
    assert total > 10 and len(made) == total and all(made.values())
    # As a bulk sync leaves them: no vector, a mark each.
    conn.execute("DELETE FROM message_search")
    conn.execute("INSERT INTO message_unindexed (message_id) SELECT id FROM messages")
    assert _vectors_left(conn) == total
    ctx = QueryContext(me="maria", now=NOW, tz=UTC)
    with inbox.db.read() as lite:
        expected = {query: _sqlite_ids(lite, query) for query in QUERIES}
    for indexed in (False, True):
        differing = {}
        for query in QUERIES:
            per_row, params = compile_per_row_pg(parse_query(query), ctx,
                                                 sla_condition_pg(NOW))
            walked = _ids(conn.execute(f"SELECT c.id FROM conversations c WHERE {per_row}",
                                       params))
            listed = _pg_ids(pg, query)
            if not expected[query] == listed == walked:
                differing[query] = (expected[query], listed, walked)
        assert not differing, (indexed, differing)
        if not indexed:  # the pass after the sync, in transactions of a few rows
            passes = 0
            while fts.index_pending(conn, 7):
                passes += 1
            assert passes == -(-total // 7) and _vectors_left(conn) == 0
    assert {int(r[0]): str(r[1]) for r in conn.execute(
        "SELECT message_id, search FROM message_search")} == made
    # Both halves can be read from an index (the table is small: the planner is told not
    # to read it whole, which it would otherwise prefer here).
    where, params = compile_query_pg(parse_query("medico"), ctx, sla_condition_pg(NOW))
    conn.execute("ANALYZE message_search")
    conn.execute("SET enable_seqscan = off")
    # Nor a key index read whole with the test as a filter (as cheap, at this size).
    conn.execute("SET enable_indexscan = off")
    plan = "\n".join(str(r[0]) for r in conn.execute(
        f"EXPLAIN SELECT c.id FROM conversations c WHERE {where}", params))
    assert "message_search_words" in plan and "message_unindexed" in plan, plan
    assert "Seq Scan on messages" not in plan, plan


def test_a_bulk_batch_defers_its_vectors_and_a_steady_one_does_not(
        pg_cluster: PgCluster) -> None:
    """`index_text=False` (a bulk sync's batch) stores the rows without their vectors,
    within its own transaction only; any other insert, and a change to a message's text,
    makes the vector with the row."""
    from cxinbox.store.pg.store import PgStore

    name = fresh_database(pg_cluster)
    store = PgStore(pg_cluster.url(name), max_size=2)
    try:
        def batch(first: int, words: str, index_text: bool) -> None:
            messages = []
            for uid in range(first, first + 3):
                parsed = ParsedMessage(
                    message_id=f"d{uid}@p.example", in_reply_to=None, references=[],
                    subject=f"visit {uid}", from_addr=Address("", f"p{uid}@p.example"),
                    to=[Address("", DESK)], cc=[], reply_to=[], date=NOW,
                    body_text=f"{words} {uid}")
                raw = f"{words} {uid}".encode()
                messages.append(ingest.FetchedMessage(uid, "", None, None, raw,
                                                      hashlib.sha256(raw).digest(), parsed))
            with store.writing() as tx:
                state = ingest.folder_state(tx.conn, "desk", "INBOX")
                ingest.ingest_batch(tx.conn, state, messages, own_addresses=frozenset({DESK}),
                                    watermark=first + 2, now=T0, index_text=index_text)
                # the setting ends with the batch: a row written after it is indexed
                tx.conn.execute("UPDATE messages SET body_text = body_text || ' later'"
                                " WHERE id = (SELECT max(id) FROM messages)")

        batch(1, "deferred glucose", index_text=False)
        batch(4, "indexed cholesterol", index_text=True)
        conn = store.conn
        rows = {str(r[0]): r[1] is None for r in conn.execute(
            "SELECT m.body_text, s.search FROM messages m"
            " LEFT JOIN message_search s ON s.message_id = m.id ORDER BY m.id")}
        marked = {str(r[0]) for r in conn.execute(
            "SELECT m.body_text FROM message_unindexed u JOIN messages m ON m.id = u.message_id")}
        assert marked == {"deferred glucose 1", "deferred glucose 2"}
        assert rows == {"deferred glucose 1": True, "deferred glucose 2": True,
                        "deferred glucose 3 later": False, "indexed cholesterol 4": False,
                        "indexed cholesterol 5": False, "indexed cholesterol 6 later": False}
        assert conn.execute("SELECT current_setting('cxinbox.defer_search', true)"
                            ).fetchone()[0] in (None, "", "off")
        with store.reading() as tx:
            assert fts.pending(tx.conn) == 2
        with store.writing() as tx:
            assert tx.index_pending(500) == 2
        wrong = conn.execute(
            "SELECT count(*) FROM messages m LEFT JOIN message_search s ON s.message_id = m.id"
            " WHERE s.search IS DISTINCT FROM"
            " cxinbox_message_search(m.subject, m.sender, m.body_text)").fetchone()[0]
        assert int(wrong) == 0
        assert fts.pending(conn) == 0
    finally:
        store.close()
        pg_cluster.psql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
