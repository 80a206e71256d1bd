"""A message's search vector made by the cxinbox server (domain/searchvector.py) is the
vector PostgreSQL makes for the same text, wherever it claims to be: compared with
`cxinbox_message_search` on a real server, as tsvector and as text, over texts drawn from
ASCII, accented letters, punctuation, symbols, digits and the parser's scientific
notation, long words, many repeats (a lexeme's 255/256 positions), long bodies (positions
past 16383), and characters outside the known set, which must be left to the server.
A bulk batch stores the vectors it is given and marks only the rest; every message keeps
exactly one of vector and mark.
"""

from __future__ import annotations

import hashlib
import os
import pickle
import string
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor
from datetime import UTC, datetime
from typing import Any

import psycopg
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from tests.support.pgcluster import PgCluster

from cxinbox.domain.models import Address, ParsedMessage
from cxinbox.domain.searchvector import WordMap, candidates
from cxinbox.service.parsepool import parse_and_assess, search_vectors
from cxinbox.store import ingest
from cxinbox.store.pg.conn import PgConnection
from cxinbox.store.pg.store import PgStore
from cxinbox.store.pg.vectors import word_map

_ASCII = string.ascii_letters + string.digits + " .,;:!?'\"-_/@#()[]{}<>*&%$+=~^`|\\\n\t"
_ACCENTED = ("àáâãäåæçèéêëìíîïñòóôõöøùúûüýÿÀÉÎÕÜÇÑßŒœŠšŽžŁłĘęĄąŹźŻżĞğİıŞşŐőŰűČčŘřĚěĳŉſ"
             "ǅǈƒȘșȚțẞạảấầẩẫậắằẳẵặẹẻẽếềểễệỉịọỏốồổỗộớờởỡợụủứừửữựỳỵỷỹ")
_SYMBOLS = ("©®™½¼¾°±×÷€£¥¢§¶•…–—‘’“”«»‹›„‰′″№℃℉ℓΩ←→↑↓✓✔★☆♥😀👍🩺\u00a0\u2009\u200b"
            "\u2028\ufeff\ufffd\ufe0f\u3000¹²³ⁿ₂ⅰⅫ")
_OUTSIDE = "αβγΩжЖюЯ王芳日本\u0301\u0308ﬁשלוםمرحبا"
_KNOWN = _ASCII + _ACCENTED + _SYMBOLS
_NUMBERS = "e0123456789"

_word = st.one_of(
    st.text(alphabet=_KNOWN, min_size=1, max_size=12),
    st.text(alphabet=_NUMBERS + "x", min_size=1, max_size=8),  # 1e5x, 12e34e56
    st.builds(lambda c, n: c * n, st.sampled_from("a7é½"), st.integers(2040, 2052)),
    st.text(alphabet=_KNOWN + _OUTSIDE, min_size=1, max_size=6),
)
_text = st.lists(_word, max_size=30).map(" ".join)
_repeated = st.builds(lambda w, n: " ".join([w] * n), _word, st.integers(250, 260))
_long = st.builds(lambda pool, n, tail: " ".join(pool[i % len(pool)] for i in range(n))
                  + " " + tail,
                  st.lists(st.text(alphabet="abcxyz019", min_size=1, max_size=3),
                           min_size=1, max_size=4), st.integers(16300, 16420), _text)
"""Past the 16383rd position: the words after the repeated ones come at or past it."""
_plain = st.text(alphabet=_ASCII, max_size=200)
_any_text = st.one_of(_text, _text, _plain, _repeated, _long)

DESK = "desk@clinic.example"


@pytest.fixture(scope="module")
def server(pg_cluster: PgCluster) -> Iterator[tuple[psycopg.Connection[Any], WordMap]]:
    name = f"searchvector_{os.getpid()}"
    pg_cluster.create_migrated_database(name)
    with psycopg.connect(pg_cluster.dsn(name), autocommit=True) as conn:
        # The map as the server's answers make it, without the check `word_map` adds:
        # the tests below stand on their own.
        words = WordMap.from_probe(conn.execute(
            "SELECT c, cxinbox_words('x' || c || 'x') FROM unnest(%s::text[]) AS c",
            (candidates(),)).fetchall())
        assert words.known() > 5000
        yield conn, words
    pg_cluster.psql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(scope="module")
def turkish(pg_cluster: PgCluster) -> Iterator[tuple[psycopg.Connection[Any], WordMap]]:
    """A database whose lower() is ICU's Turkish: "I" is "ı", not ASCII."""
    if not pg_cluster.psql("SELECT count(*) FROM pg_collation WHERE collprovider = 'i'"
                           ).strip().strip("0"):
        pytest.skip("this PostgreSQL was built without ICU")
    name = f"searchvector_tr_{os.getpid()}"
    pg_cluster.psql(f'CREATE DATABASE "{name}" TEMPLATE template0 ENCODING \'UTF8\''
                    " LOCALE_PROVIDER icu ICU_LOCALE 'tr-TR' LOCALE 'C.UTF-8'")
    PgStore(pg_cluster.url(name), max_size=1).close()  # migrated
    with psycopg.connect(pg_cluster.dsn(name), autocommit=True) as conn:
        words = word_map(PgConnection(conn))
        assert words is not None
        yield conn, words
    pg_cluster.psql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _theirs(conn: psycopg.Connection[Any], subject: str, sender: str, body: str,
            mine: str | None) -> tuple[str, bool | None]:
    row = conn.execute("SELECT cxinbox_message_search(%s, %s, %s)::text,"
                       " cxinbox_message_search(%s, %s, %s) = %s::tsvector",
                       (subject, sender, body, subject, sender, body, mine or "")).fetchone()
    assert row is not None
    return str(row[0]), row[1]


@settings(max_examples=400, deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                                 HealthCheck.large_base_example])
@given(subject=_any_text, sender=st.one_of(_text, _plain), body=_any_text)
def test_a_vector_made_here_is_the_servers(
        server: tuple[psycopg.Connection[Any], WordMap], subject: str, sender: str,
        body: str) -> None:
    conn, words = server
    mine = words.vector(subject, sender, body)
    text = subject + sender + body[:500_000]
    if any(c in _OUTSIDE for c in text):
        assert mine is None  # not in the known set: the server's to make
        return
    if text.isascii():
        assert mine is not None  # plain ASCII is always made here
    if mine is None:
        return
    theirs, same = _theirs(conn, subject, sender, body, mine)
    assert mine == theirs
    assert same


@pytest.mark.parametrize(("subject", "sender", "body"), [
    pytest.param("", "", "", id="empty"),
    pytest.param("Re:\tvisit", "Pat", "Line one,\r\nline two.\n\n-- \nDesk", id="lines"),
    pytest.param("Re: ½ © café", "Zoë Ångström zoe@example.org",
                 "Crème brûlée, naïve façade — ĳ ŉ ſ", id="folded"),
    pytest.param("1e5x 12e34e56 x5e5y", "", "3e8fa0 1e 2e5 9e9e9e9 007", id="scientific"),
    pytest.param("", "", f"{'k' * 2046} {'q' * 2047} {'é' * 2046}ü after", id="long words"),
    pytest.param("a " * 255, "a a", "a b", id="256 positions"),
    pytest.param("s " * 16390, "s t", "s t u", id="past 16383"),
    pytest.param("x", "y", "w " * 17000 + "z", id="long body"),
    pytest.param("v " * 16382 + "w w", "w", "w", id="capped then joined"),
])
def test_the_edges_agree(server: tuple[psycopg.Connection[Any], WordMap], subject: str,
                         sender: str, body: str) -> None:
    conn, words = server
    mine = words.vector(subject, sender, body)
    assert mine is not None
    theirs, same = _theirs(conn, subject, sender, body, mine)
    assert mine == theirs
    assert same


def test_a_pool_worker_makes_the_vector_from_the_map_it_is_sent(
        server: tuple[psycopg.Connection[Any], WordMap]) -> None:
    """The map goes to the parse pool's worker as its spec (pickled with each task)."""
    conn, words = server
    raw = ("From: José Pérez <p1@p.example>\r\nTo: desk@clinic.example\r\n"
           "Subject: Cita ½\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n"
           "Dolor de pecho desde ayer, Dra. Núñez.\r\n").encode()
    with ProcessPoolExecutor(max_workers=1) as pool:
        parsed, _ready, vectors = pool.submit(parse_and_assess, [raw], frozenset(), 0, True,
                                              None, words).result(timeout=120)
    ((sha, p),) = parsed
    assert pickle.loads(pickle.dumps(words)) == words
    made = vectors[sha]
    assert p.from_addr is not None
    assert made == _theirs(conn, p.subject, f"{p.from_addr.name} {p.from_addr.email}",
                           p.body_text, made)[0]


def test_a_turkish_lower_leaves_the_dotless_i_to_the_server(
        turkish: tuple[psycopg.Connection[Any], WordMap]) -> None:
    conn, words = turkish
    assert words.vector("Istanbul", "", "") is None  # "ıstanbul"
    assert words.vector("", "", "İzmir") is None  # unaccent's "I", then "ı"
    mine = words.vector("izmir", "Kayseri", "ankara 1e5x")
    assert mine is not None
    assert mine == _theirs(conn, "izmir", "Kayseri", "ankara 1e5x", mine)[0]


@settings(max_examples=150, deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                                 HealthCheck.large_base_example])
@given(subject=_any_text, sender=st.one_of(_text, _plain), body=_any_text)
def test_a_vector_made_here_is_a_turkish_servers(
        turkish: tuple[psycopg.Connection[Any], WordMap], subject: str, sender: str,
        body: str) -> None:
    conn, words = turkish
    mine = words.vector(subject, sender, body)
    if any(c in "Iİ" for c in subject + sender + body[:500_000]):
        assert mine is None
    if mine is not None:
        theirs, same = _theirs(conn, subject, sender, body, mine)
        assert mine == theirs
        assert same


def test_the_servers_own_check_passes(
        server: tuple[psycopg.Connection[Any], WordMap]) -> None:
    conn, words = server
    assert word_map(PgConnection(conn)) == words


def test_the_map_follows_the_server_and_a_different_vector_leaves_them_all_to_it(
        pg_cluster: PgCluster) -> None:
    """A server that folds no accents: what it maps accented letters to is not ASCII, so
    a text with one is its to index, plain text still is made here. A server whose
    vectors are made otherwise (another text-search configuration) makes them all."""
    name = f"searchvector_other_{os.getpid()}"
    pg_cluster.create_migrated_database(name)
    try:
        with psycopg.connect(pg_cluster.dsn(name), autocommit=True) as conn:
            conn.execute("CREATE OR REPLACE FUNCTION cxinbox_words(text) RETURNS text"
                         " LANGUAGE sql IMMUTABLE AS $$ SELECT btrim(regexp_replace("
                         "lower($1), '[^[:alnum:]]+', ' ', 'g')) $$")
            words = word_map(PgConnection(conn))
            assert words is not None
            assert words.vector("café", "", "") is None
            mine = words.vector("cafe", "Zoe", "plain text 1e5x")
            assert mine is not None
            assert mine == _theirs(conn, "cafe", "Zoe", "plain text 1e5x", mine)[0]
            conn.execute(
                "CREATE OR REPLACE FUNCTION cxinbox_message_search(subject text, sender text,"
                " body text)"
                " RETURNS tsvector LANGUAGE sql IMMUTABLE AS $$"
                " SELECT to_tsvector('english', $1 || ' ' || $2 || ' ' || $3) $$")
            assert word_map(PgConnection(conn)) is None
    finally:
        pg_cluster.psql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def test_a_batch_stores_the_vectors_it_is_given_and_marks_or_makes_the_rest(
        pg_cluster: PgCluster) -> None:
    """Messages whose text is known get the vector their parse made, never a mark (a
    trigger records every mark ever made); the others are marked (a bulk batch) or get
    the server's vector (any other); each message has exactly one of the two, and every
    vector is the server's for its row."""
    name = f"searchvector_ingest_{os.getpid()}"
    pg_cluster.create_migrated_database(name)
    store = PgStore(pg_cluster.url(name), max_size=2)
    try:
        words = store.search_vectors()
        assert words is not None
        with store.write() as conn:
            conn.execute("CREATE TABLE test_marks (message_id bigint)")
            conn.execute("CREATE FUNCTION test_mark() RETURNS trigger LANGUAGE plpgsql AS $$"
                         " BEGIN INSERT INTO test_marks VALUES (NEW.message_id); RETURN NULL;"
                         " END $$")
            conn.execute("CREATE TRIGGER test_mark AFTER INSERT ON message_unindexed"
                         " FOR EACH ROW EXECUTE FUNCTION test_mark()")

        def batch(first: int, index_text: bool) -> None:
            parsed = []
            for uid in range(first, first + 4):
                body = f"Paciente {uid}: dolor de pecho, cita con la Dra. Núñez"
                if uid % 2:
                    body += " — Мария 王芳"  # outside the known set
                p = ParsedMessage(
                    message_id=f"v{uid}@p.example", in_reply_to=None, references=[],
                    subject=f"Cita {uid} ½", from_addr=Address("José Pérez", f"p{uid}@p.example"),
                    to=[Address("", DESK)], cc=[], reply_to=[],
                    date=datetime(2026, 1, 2, tzinfo=UTC), body_text=body)
                raw = f"{uid} {body}".encode()
                parsed.append((hashlib.sha256(raw).digest(), p, raw))
            made = search_vectors([(sha, p) for sha, p, _ in parsed], words)
            assert len(made) == 2
            messages = [ingest.FetchedMessage(uid, "", None, None, raw, sha, p,
                                              search=made.get(sha))
                        for uid, (sha, p, raw) in enumerate(parsed, first)]
            with store.writing() as tx:
                state = ingest.folder_state(tx.conn, "desk", "INBOX")
                ingest.ingest_batch(tx.conn, state, messages, own_addresses=frozenset({DESK}),
                                    watermark=first + 3, now=1_800_000_000,
                                    index_text=index_text)

        batch(1, index_text=False)
        batch(5, index_text=True)
        with store.read() as conn:
            rows = {int(r[0]): (r[1], r[2]) for r in conn.execute(
                "SELECT m.id, s.message_id IS NOT NULL, u.message_id IS NOT NULL"
                " FROM messages m LEFT JOIN message_search s ON s.message_id = m.id"
                " LEFT JOIN message_unindexed u ON u.message_id = m.id")}
            marks_made = {int(r[0]) for r in conn.execute("SELECT message_id FROM test_marks")}
            odd = {int(r[0]) for r in conn.execute(
                "SELECT id FROM messages WHERE body_text LIKE '%Мария%'")}
            different = conn.execute(
                "SELECT count(*) FROM message_search s JOIN messages m ON m.id = s.message_id"
                " WHERE s.search IS DISTINCT FROM"
                " cxinbox_message_search(m.subject, m.sender, m.body_text)"
                " OR s.conversation_id <> m.conversation_id").fetchone()[0]
            first_batch = {int(r[0]) for r in conn.execute(
                "SELECT id FROM messages WHERE message_id IN"
                " ('v1@p.example', 'v2@p.example', 'v3@p.example', 'v4@p.example')")}
        assert len(rows) == 8 and len(odd) == 4
        assert all(vector != mark for vector, mark in rows.values())  # exactly one
        assert marks_made == odd & first_batch  # only the bulk batch's unknown texts
        assert {i for i, (vector, _) in rows.items() if vector} == set(rows) - marks_made
        assert different == 0
    finally:
        store.close()
        pg_cluster.psql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
