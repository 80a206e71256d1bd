"""The operations the PostgreSQL store runs since issue #16 item 2's port: the knowledge
base, the satisfaction question's bookkeeping, rules (firing at ingest and `rules test`'s
replay), reports and `rebuild_search_index`, each run on both backends through the
service, and compared between them where one history can be made on both: a report's
figures, a replay's plan and a search's articles are the same on SQLite and PostgreSQL.

Real PostgreSQL (the session's `pg_cluster`); triage and the red flag are covered by
tests/test_redflag_state.py, test_redflag_ingest.py and test_reports_redflags.py, which
run on both backends through `any_store`.
"""

from __future__ import annotations

import hashlib
import json
import random
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from unittest import mock

import pytest
from tests.support.pgcluster import PgCluster
from tests.test_reports_exact import CONFIG as REPORT_CONFIG
from tests.test_reports_exact import END, STAFF, START, WINDOWS, Clock, _generate

from cxinbox.config import load_config, load_config_text
from cxinbox.contract.errors import BadRequest
from cxinbox.domain.kb import search_words
from cxinbox.domain.models import Address, ParsedMessage
from cxinbox.service.csat import CsatService
from cxinbox.service.inbox import InboxService
from cxinbox.service.kb import KbService
from cxinbox.service.reports import ReportService
from cxinbox.service.rules_preview import preview
from cxinbox.store import ingest, kb
from cxinbox.store.db import Database
from cxinbox.store.pg.store import PgStore
from cxinbox.wiring import rules_engine
from teamhelp import DESK, T0, deliver, open_service

# The module's `both` fixture replays months of desk work on two stores: on a busy
# machine that alone outlasts the suite's 300 s guard, charged to whichever test is first.
pytestmark = pytest.mark.timeout(900)

_databases = iter(range(1, 1000))


def _pg(pg_cluster: PgCluster, what: str) -> PgStore:
    name = f"ops_{what}_{next(_databases)}"
    pg_cluster.psql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    pg_cluster.create_database(name)
    return PgStore(pg_cluster.url(name), max_size=4)


# -- the knowledge base --------------------------------------------------------------------

_ARTICLES = [
    ("Hours", "We are open 8 to 18. For parking see the parking page; parking parking."),
    ("Parking and directions", "Behind the building on Calle Mayor."),
    ("Análisis de sangre", "Ayuno de 8 horas. Puede tomar café solo."),
    ("Cafe opening", "The café downstairs opens at seven; año nuevo closed."),
]


def test_kb_search_ranks_titles_first_folds_accents_and_cuts_a_snippet(
        tmp_path: Path, any_store: Any) -> None:
    """The ranking test_kb_serve.py asks of SQLite, asked of each backend's search."""
    _, db, lead, _ = open_service(tmp_path, "lead", store=any_store)
    base = KbService(lead)
    for title, body in _ARTICLES:
        base.add(title, body, "patient-facing")

    def found(text: str) -> list[str]:
        return [h.slug for h in base.search(text)]

    assert found("parking") == ["parking-and-directions", "hours"]
    assert found("park") == ["parking-and-directions", "hours"]  # a word is a prefix
    assert found("analisis") == ["analisis-de-sangre"]  # accents fold both ways
    assert found("ANÁLISIS") == ["analisis-de-sangre"]
    assert found("cafe") == ["cafe-opening", "analisis-de-sangre"]
    assert found("ano nuevo") == ["cafe-opening"]
    assert found('"calle mayor"') == ["parking-and-directions"]
    assert found('"mayor calle"') == []
    (hit,) = base.search("calle")
    assert hit.to_dict()["matched"] == ["Calle"] and "Calle Mayor" in hit.snippet_text
    (hit,) = base.search("ano")
    assert hit.to_dict()["matched"] == ["año"]
    for hostile in ('foo"', "NEAR(", "a AND", "-x", "*", "title:x", "^", "\x00", "'"):
        assert isinstance(base.search(hostile), list), hostile
    assert [a.slug for a in base.list()] == [
        "analisis-de-sangre", "cafe-opening", "hours", "parking-and-directions"]
    # a new revision is searched by its new words only; retired articles are not found
    base.edit("hours", body="Open 9 to 17 on weekdays.")
    assert found("parking") == ["parking-and-directions"]
    assert [r.revision for r in base.history("hours")] == [2, 1]
    with db.writing() as tx:
        assert tx.kb_retire("parking-and-directions", author="lead", at=T0)
        assert not tx.kb_retire("parking-and-directions", author="lead", at=T0)
    assert found("parking") == [] and "parking-and-directions" not in {
        a.slug for a in base.list()}


_WORDS = ("parking", "park", "blood", "test", "análisis", "sangre", "café", "fasting",
          "hours", "x-ray", "MRI", "año", "nuevo", "vaccine", "flu", "insurance", "copay",
          "referral", "8:00", "e-mail", "portal", "pass", "password", "Ñandú", "niño")


def _article(rng: random.Random, n: int) -> tuple[str, str, list[str], str]:
    title = " ".join(rng.sample(_WORDS, rng.randint(1, 3))).capitalize()
    tags = sorted({rng.choice(("labs", "billing", "front-desk", "es", "imaging"))
                   for _ in range(rng.randint(0, 2))})
    body = ". ".join(" ".join(rng.choice(_WORDS) for _ in range(rng.randint(3, 12)))
                     for _ in range(rng.randint(1, 4))) + "."
    return f"a{n}", f"{title} {n}", tags, body


def test_kb_search_finds_the_same_articles_on_both_backends(
        tmp_path: Path, pg_cluster: PgCluster) -> None:
    """One generated collection on each backend: every search finds the same articles,
    and the ones whose title matches first (the order inside each group is each engine's
    own rank: bm25 on SQLite, ts_rank on PostgreSQL)."""
    rng = random.Random(16)
    articles = [_article(rng, n) for n in range(160)]
    lite = Database(tmp_path / "kb.db", synchronous="OFF")
    pg = _pg(pg_cluster, "kb")
    try:
        for store in (lite, pg):
            _, _, lead, _ = open_service(tmp_path, "lead", store=store)
            base = KbService(lead)
            for slug, title, tags, body in articles:
                base.add(title, body, "staff-only", slug=slug, tags=tags)
        slugs = {int(r[0]): str(r[1]) for r in lite.conn.execute(
            "SELECT id, slug FROM kb_articles")}
        queries = ["park", "parking", "blood test", '"blood test"', "anal", "ñandu",
                   "nino", "x-ray", "x ray", "8", "8:00", "e-mail", "labs", "front-desk",
                   "pass", "password portal", "cafe sangre", "imag", "zzz", "a1"]
        queries += [" ".join(rng.sample(_WORDS, 2)) for _ in range(15)]
        for text in queries:
            words = search_words(text)
            with lite.reading() as tx:
                on_lite = [h.slug for h in tx.kb_search(words, 200)]
            with pg.reading() as tx:
                on_pg = [h.slug for h in tx.kb_search(words, 200)]
            assert set(on_pg) == set(on_lite), text
            expression = kb.fts_expression(words)
            in_title = {slugs[i] for i in (kb._ranked(
                lite.conn, f"{{title}} : ({expression})", 200) if expression else ())}
            assert set(on_pg[:len(in_title)]) == in_title, text
            assert set(on_lite[:len(in_title)]) == in_title, text
    finally:
        lite.close()
        pg.close()


def test_kb_snippet_marks_the_words_as_fts5_does(tmp_path: Path, pg_cluster: PgCluster) -> None:
    """The snippet PostgreSQL's search cuts itself: same words marked, same cut, where
    FTS5's choice is unambiguous."""
    bodies = [
        "Free **parking** behind the building. Bus 12 stops outside.",
        "Our clinic opens at eight. " + "Lorem ipsum dolor sit amet " * 6
        + "and the parking garage is on Calle Mayor, level two, beside the pharmacy. "
        + "More text follows here for a while until the end.",
        "Análisis de sangre: ayuno de 8 horas.",
    ]
    lite = Database(tmp_path / "snip.db", synchronous="OFF")
    pg = _pg(pg_cluster, "snip")
    try:
        for store in (lite, pg):
            with store.writing() as tx:
                for n, body in enumerate(bodies):
                    tx.kb_save(slug=f"s{n}", title=f"Article {n}", tags="", audience=
                               "staff-only", body=body, link="", source="cli", author="x",
                               at=T0, changed="body", note="")
        for text in ("parking", "calle mayor", "analisis", "sangre ayuno", "bus"):
            words = search_words(text)
            with lite.reading() as tx:
                want = {h.slug: h.snippet for h in tx.kb_search(words, 10)}
            with pg.reading() as tx:
                got = {h.slug: h.snippet for h in tx.kb_search(words, 10)}
            assert got == want, text
    finally:
        lite.close()
        pg.close()


# -- the satisfaction question ------------------------------------------------------------

_CSAT = '\n[csat]\nenabled = true\ndelay_minutes = 10\n'


def _patient_mail(db: Any, *, uid: int, at: int, body: str,
                  reply_to: str | None = None) -> int:
    parsed = ParsedMessage(
        message_id=f"c{uid}@patient.example", in_reply_to=reply_to,
        references=[reply_to] if reply_to else [], subject="Question",
        from_addr=Address("Pat", "pat@patient.example"), to=[Address("", DESK)], cc=[],
        reply_to=[], date=datetime.fromtimestamp(at, UTC), body_text=body)
    raw = f"csat {uid} {at}".encode()
    with db.write() as conn:
        state = ingest.folder_state(conn, "desk", "INBOX")
        (conv,) = ingest.ingest_batch(
            conn, state, [ingest.FetchedMessage(1000 + uid, "", None, None, raw,
                                                hashlib.sha256(raw).digest(), parsed)],
            own_addresses=frozenset({DESK}), watermark=1000 + uid, now=at)
    return conv


def test_csat_schedules_cancels_skips_and_takes_a_rating(tmp_path: Path,
                                                         any_store: Any) -> None:
    config, db, maria, clock = open_service(tmp_path, store=any_store)
    config = load_config_text((tmp_path / "config.toml").read_text() + _CSAT)
    maria = InboxService(db, config, "maria", clock=clock)
    csat = CsatService(db, config, clock=clock)
    asked = _patient_mail(db, uid=1, at=T0, body="Can I come at 3?")
    tagged = _patient_mail(db, uid=2, at=T0 + 5, body="Billing question")
    with mock.patch("cxinbox.store.db.now_ms", lambda: clock.now * 1000):
        # on the test's clock too: the trail's times never go back (PostgreSQL's append
        # takes the later of its time and the head's), so an event at the real time
        # would carry every later one past the test's instants
        clock.now = T0 + 30
        maria.tag(tagged, ["billing-dispute"])
        clock.now = T0 + 60
        maria.set_status(asked, "closed")
        maria.set_status(tagged, "closed")
        csat.follow_closes(clock.now)
        clock.now += 120
        maria.set_status(asked, "open")  # a reopen before the delay cancels
        csat.follow_closes(clock.now)
        clock.now += 60
        maria.set_status(asked, "closed")
        csat.follow_closes(clock.now)
    with db.reading() as tx:
        assert tx.csat_cursor() == tx.last_event_seq()
        assert tx.csat_due(T0 + 600) == []  # not due before the delay
        due = tx.csat_due(T0 + 60 * 60)
    assert [(d.conversation_id, d.staff, d.channel, d.tags) for d in due] == [
        (tagged, "maria", "email", ("billing-dispute",)), (asked, "maria", "email", ())]
    assert csat.ask_due(T0 + 700) == 0  # only the tagged one is due: skipped, never asked
    state = {int(r[0]): (str(r[1]), str(r[2])) for r in db.conn.execute(
        "SELECT conversation_id, state, reason FROM csat_requests")}
    assert state == {tagged: ("skipped", "excluded tag billing-dispute"), asked: ("scheduled", "")}
    # the question goes (what the outbox's send records); the patient answers "5"
    asked_at = T0 + 900
    with db.writing() as tx:
        (request,) = tx.csat_due(asked_at)
        assert tx.finish_csat(request.id, state="sent", patient="PAT@patient.example",
                              channel="email", lang="en", asked_at=asked_at,
                              answer_until=asked_at + 7 * 86400)
        assert not tx.finish_csat(request.id, state="skipped")
        assert tx.csat_patient_asked_since("pat@patient.example", asked_at - 1)
    conv = _patient_mail(db, uid=3, at=asked_at + 300, body="5",
                         reply_to="c1@patient.example")
    assert conv == asked
    assert maria.get_conversation(asked, record_view=False).summary.status == "closed"
    with db.reading() as tx:
        ratings = tx.csat_ratings(asked_at, asked_at + 3600)
        assert tx.csat_asked(asked_at, asked_at + 1) == 1
    assert [(r.conversation_id, r.rating, r.staff) for r in ratings] == [(asked, 5, "maria")]
    assert [int(r[0]) for r in db.conn.execute(
        "SELECT rating_only FROM csat_answers")] == [1]


# -- rules: firing, and `rules test`'s replay ----------------------------------------------

_RULES = '''
[[teams]]
name = "desk"
members = ["maria", "sam"]
strategy = "least-open"

[[rules]]
name = "labs"
on = "arrival"
match = "lab OR results"
actions = { tag = ["labs"], priority = "high", sla_policy = "front desk", assign = "team:desk" }

[[rules]]
name = "reply"
on = "patient-reply"
actions = { tag = ["replied"] }
'''


def _rules_config(tmp_path: Path) -> Path:
    path = tmp_path / "rules.toml"
    path.write_text(f'[clinic]\ntimezone = "UTC"\n\n[store]\npath = "{tmp_path / "r.db"}"\n'
                    '\n[[staff]]\nos_user = "maria"\nname = "Maria"\n\n[[staff]]\n'
                    'os_user = "sam"\nname = "Sam"\n\n[[sla.policies]]\n'
                    'name = "front desk"\nfirst_response = "1h"\n' + _RULES)
    return path


def _rules_history(store: Any, config_path: Path) -> tuple[list[Any], list[Any]]:
    """Mail stored with the engine firing at each ingest, then `rules test` of each rule
    over the history: (what the rules did, the replays' plans)."""
    config = load_config(config_path)
    engine = rules_engine(store, config)
    assert engine is not None
    clock = Clock(T0)
    svc = InboxService(store, config, "maria", clock=clock)
    rng = random.Random(7)
    threads: list[str] = []
    with mock.patch("cxinbox.store.db.now_ms", lambda: clock.now * 1000):
        for n in range(30):
            clock.now += 60 * rng.choice((1, 5, 30))
            reply_to = rng.choice(threads) if threads and rng.random() < 0.4 else None
            subject = rng.choice(("Lab results", "Refill", "Question", "results?"))
            with store.writing() as tx:
                before = tx.max_message_pk()
            conv = deliver(store, sender=f"p{n % 7}@patient.example", at=clock.now,
                           message_id=f"r{n}@patient.example", in_reply_to=reply_to,
                           subject=subject if reply_to is None else "Re: more")
            threads.append(f"r{n}@patient.example")
            with store.writing() as tx:
                engine.fire_arrivals(tx, before, now=clock.now)
            if rng.random() < 0.3:
                svc.set_status(conv, "closed")
        clock.now += 3600
        done = [(r[0], r[1], r[2]) for r in store.conn.execute(
            "SELECT actor, action, target FROM events WHERE actor LIKE 'rule:%' ORDER BY seq")]
        with store.reading() as tx:
            assert tx.sla_pins(list(range(1, 40)))  # the sla_policy action pinned some
        plans = []
        for name in ("labs", "reply"):
            replaying = rules_engine(store, config, replaying=name)
            assert replaying is not None
            shown = preview(svc, replaying, name, T0)
            plans.append(shown.to_dict())
    return done, plans


def test_rules_fire_and_replay_alike_on_both_backends(tmp_path: Path,
                                                      pg_cluster: PgCluster) -> None:
    config_path = _rules_config(tmp_path)
    lite = Database(tmp_path / "r.db", synchronous="OFF")
    pg = _pg(pg_cluster, "rules")
    try:
        on_lite = _rules_history(lite, config_path)
        on_pg = _rules_history(pg, config_path)
    finally:
        lite.close()
        pg.close()
    done, plans = on_lite
    assert {a for _, a, _ in done} >= {"conversation.tag", "conversation.priority",
                                        "conversation.assign"}
    assert plans[0]["matched"] > 0 and plans[1]["matched"] > 0  # each would have fired
    # the least-open team's picks, replayed with each moment's holders put back (one
    # set-based statement per kind of change on PostgreSQL), alike on both
    assert any("least-open" in line for row in plans[0]["conversations"]
               for line in row["would"])
    assert on_pg == on_lite


# -- reports: one generated history on each backend ----------------------------------------


@pytest.fixture(scope="module")
def both(tmp_path_factory: pytest.TempPathFactory,
         pg_cluster: PgCluster) -> Iterator[dict[str, tuple[Any, dict[str, InboxService],
                                                            Clock]]]:
    """test_reports_exact.py's fortnight, made on SQLite and on PostgreSQL."""
    tmp = tmp_path_factory.mktemp("pgreports")
    (tmp / "data").mkdir(mode=0o700)
    cfg = tmp / "config.toml"
    cfg.write_text(REPORT_CONFIG.format(db=tmp / "data" / "cx.db"))
    config = load_config(cfg)
    out = {}
    stores: list[Any] = [Database(config.db_path, synchronous="OFF"), _pg(pg_cluster, "rep")]
    for name, store in zip(("sqlite", "postgresql"), stores, strict=True):
        clock = Clock(START)
        with mock.patch("cxinbox.store.db.now_ms", lambda c=clock: c.now * 1000):
            services = {a: InboxService(store, config, a, clock=clock)
                        for a in (*STAFF, "rule:triage", "triage")}
            _generate(random.Random(14), store, services, clock)
            services["lead"].refresh_sla()
        out[name] = (store, services, clock)
    yield out
    for store in stores:
        store.close()


def test_the_generated_histories_are_the_same(both: dict[str, Any]) -> None:
    def trail(store: Any) -> list[tuple[Any, ...]]:
        out = []
        for *head, details in store.conn.execute(
                "SELECT seq, at, actor, action, target, details FROM events ORDER BY seq"):
            out.append((*head, json.loads(details)))
        return out

    lite, pg = both["sqlite"][0], both["postgresql"][0]
    assert len(trail(lite)) > 200
    assert trail(pg) == trail(lite)


_BY = (None, "day", "week", "mailbox", "tag", "staff", "channel", "intent", "clinician")


@pytest.mark.parametrize("name", ["volume", "response", "sla", "backlog", "workload",
                                  "red-flags", "csat"])
def test_every_report_has_the_same_figures_on_both_backends(both: dict[str, Any],
                                                            name: str) -> None:
    def run(backend: str, scope: str, since: int, until: int, by: str | None) -> Any:
        _, services, clock = both[backend]
        with mock.patch("cxinbox.store.db.now_ms", lambda: clock.now * 1000):
            try:
                report = ReportService(services["lead"]).run(
                    name, scope, since, until, [by] if by else None)
            except BadRequest as refused:
                return ("refused", str(refused))
        return json.loads(json.dumps(report.to_dict()))

    compared = 0
    for scope in ("", "mailbox:billing", "tag:red-flag"):
        for since, until in (*WINDOWS, (START - 86400, END + 86400)):
            for by in _BY:
                want = run("sqlite", scope, since, until, by)
                assert run("postgresql", scope, since, until, by) == want, (scope, by)
                compared += isinstance(want, dict)
    assert compared > 10


def test_rebuild_search_index_keeps_search_working(tmp_path: Path, any_store: Any) -> None:
    _, db, maria, _ = open_service(tmp_path, store=any_store)
    conv = deliver(db, sender="ana@patient.example", at=T0, subject="Knee brace fitting")
    with db.writing() as tx:
        tx.rebuild_search_index()
    assert [c.id for c in maria.list_conversations("brace").items] == [conv]
    assert not maria.list_conversations("elbow").items


def test_report_facts_kept_per_insert_statement_match_sqlite_row_by_row(
        tmp_path: Path, pg_cluster: PgCluster) -> None:
    """PostgreSQL keeps the reports' facts with one trigger per INSERT statement on events
    (PG_TUNING); SQLite's triggers run row by row. The same events, appended as bulk
    actions append them (many in one statement: one conversation once, or several times
    as a merge does) and one at a time, leave the same staff work, spans, assignees,
    reply authors and conversations to recompute on both."""
    from tests.test_bulk_cli import fill

    from cxinbox.store.audit import append_events

    lite = Database(tmp_path / "lite.db", synchronous="OFF")
    pg = _pg(pg_cluster, "facts")
    tables = {
        "report_work": "SELECT at, conversation_id, actor, action, after FROM report_work",
        "report_spans": "SELECT conversation_id, start_at, end_at, status, live"
                        " FROM report_spans",
        "report_assignees": "SELECT conversation_id, start_at, end_at, assignee"
                            " FROM report_assignees",
        "report_authors": "SELECT message_pk, author FROM report_authors",
        "report_dirty": "SELECT conversation_id FROM report_dirty"}
    try:
        found = []
        for store in (lite, pg):
            convs = fill(store, 6)  # type: ignore[arg-type]
            a, b, c, d, e, f = convs
            with store.write() as conn:
                message = int(conn.execute("SELECT min(id) FROM messages WHERE"
                                           " conversation_id = ?", (f,)).fetchone()[0])
                conn.execute("DELETE FROM report_dirty")

            def status(conv: int, old: str, new: str) -> tuple[str, str, dict[str, Any]]:
                return ("conversation.status", f"conversation:{conv}",
                        {"from": old, "to": new, "until": None, "from_until": None})

            def assign(conv: int, old: str | None, new: str | None
                       ) -> tuple[str, str, dict[str, Any]]:
                return ("conversation.assign", f"conversation:{conv}", {"from": old, "to": new})

            batches: list[list[tuple[str, str, dict[str, Any]]]] = [
                # a bulk: each conversation once
                [status(a, "open", "pending"), status(b, "open", "closed"),
                 assign(a, None, "maria"), assign(c, None, "jo"),
                 ("conversation.tag", f"conversation:{a}", {"add": ["x"], "remove": []})],
                # several events of one conversation in one statement, reads among them
                [status(a, "pending", "closed"), ("conversation.merged", f"conversation:{d}",
                                                  {"into": e}),
                 status(a, "closed", "open"), assign(c, "jo", "maria"), assign(c, "maria", None),
                 ("conversation.view", f"conversation:{c}", {}),
                 ("conversation.unmerged", f"conversation:{d}", {"from": e}),
                 ("conversation.note", f"conversation:{b}", {"note": 1}),
                 ("outbox.sent", "outbox:1", {"message": message, "author": "maria"}),
                 ("outbox.sent", "outbox:2", {"message": message, "author": "jo"}),
                 ("send", f"conversation:{f}", {})],
                # one at a time, and a statement with nothing for the reports
                [status(d, "open", "snoozed")], [assign(a, "maria", "jo")],
                [("conversation.view", f"conversation:{a}", {})],
            ]
            at = 1_733_000_000_000
            for events in batches:
                at += 60_000
                with store.write() as conn:
                    append_events(conn, "maria", events,  # type: ignore[arg-type]
                                  at=lambda stamp=at: stamp)
            with store.read() as conn:
                found.append({name: sorted((tuple(r) for r in conn.execute(sql)), key=repr)
                              for name, sql in tables.items()})
        on_lite, on_pg = found
        assert on_lite["report_spans"] and on_lite["report_assignees"]
        assert [author for _, author in on_lite["report_authors"]] == ["jo"]  # the newest
        for name in tables:
            assert on_pg[name] == on_lite[name], name
    finally:
        lite.close()
        pg.close()
