"""Several rules of one trigger read what they match in one statement before the first runs
(`RuleEngine._match_ahead`), live and in `rules test`'s replay, on SQLite and PostgreSQL.

What a rule does must still reach the rules after it: once a rule matched, the rules
after it read their own matches again ("after labs" matches the tag "labs" puts on). On
PostgreSQL the replay of a moment waits for the server a few times, not once per rule
and per step of its rewind (the waits are counted as `bench/bench_rules_test_pg.py`
counts them).
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from unittest import mock

import pytest
from tests.support.pgcluster import PgCluster

from cxinbox.config import load_config
from cxinbox.service.inbox import InboxService
from cxinbox.service.rules_preview import preview
from cxinbox.store.db import Database
from cxinbox.store.pg.store import PgStore
from cxinbox.wiring import rules_engine
from teamhelp import T0, Clock, deliver

RULES = '''
[[rules]]
name = "labs"
on = "arrival"
match = "lab OR results"
actions = { tag = ["labs"] }

[[rules]]
name = "after labs"
on = "arrival"
match = "tag:labs"
actions = { tag = ["labs-seen"] }

[[rules]]
name = "refill"
on = "arrival"
match = "refill"
actions = { tag = ["refill"] }
'''
SUBJECTS = ("Lab results", "Refill please", "Question", "results?")
ARRIVALS = 24


def _config(tmp_path: Path) -> Path:
    path = tmp_path / "rules.toml"
    path.write_text(f'[clinic]\ntimezone = "UTC"\n\n[store]\npath = "{tmp_path / "r.db"}"\n'
                    '\n[[staff]]\nos_user = "maria"\nname = "Maria"\n' + RULES)
    return path


def _history(store: Any, config_path: Path) -> tuple[dict[int, set[str]], dict[str, Any],
                                                      list[int]]:
    """Mail stored with the engine firing at each ingest: the tags the rules put on each
    conversation, each rule's replay, and the driver's waits for each replay (PostgreSQL)."""
    config = load_config(config_path)
    engine = rules_engine(store, config)
    assert engine is not None
    clock = Clock(T0)
    svc = InboxService(store, config, "maria", clock=clock)
    rng = random.Random(11)
    with mock.patch("cxinbox.store.db.now_ms", lambda: clock.now * 1000):
        for n in range(ARRIVALS):
            clock.now += 60 * rng.choice((1, 5, 30))
            with store.writing() as tx:
                before = tx.max_message_pk()
            deliver(store, sender=f"p{n}@patient.example", at=clock.now,
                    message_id=f"a{n}@patient.example", subject=rng.choice(SUBJECTS))
            with store.writing() as tx:
                engine.fire_arrivals(tx, before, now=clock.now)
        clock.now += 3600
        tags: dict[int, set[str]] = {}
        for conv, tag in store.conn.execute("SELECT conversation_id, tag FROM conversation_tags"):
            tags.setdefault(int(conv), set()).add(str(tag))
        plans: dict[str, Any] = {}
        waits: list[int] = []
        for name in ("labs", "after labs", "refill"):
            replaying = rules_engine(store, config, replaying=name)
            assert replaying is not None
            with _counting_waits(store) as counted:
                plans[name] = preview(svc, replaying, name, T0).to_dict()
            waits.append(counted[0])
    return tags, plans, waits


@pytest.fixture
def counted_pg(pg_cluster: PgCluster) -> Iterator[PgStore]:
    name = "match_ahead"
    pg_cluster.psql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    pg_cluster.create_database(name)
    store = PgStore(pg_cluster.url(name), max_size=4)
    try:
        yield store
    finally:
        store.close()
        pg_cluster.psql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


class _counting_waits:
    """The times the PostgreSQL driver waits to read an answer meanwhile (0 on SQLite)."""

    def __init__(self, store: Any) -> None:
        self.pg = isinstance(store, PgStore)
        self.count = [0]

    def __enter__(self) -> list[int]:
        if self.pg:
            from psycopg import waiting

            self._wait = wait = waiting.wait
            count = self.count

            def reading(gen: Any) -> Any:
                try:
                    state = next(gen)
                    while True:
                        count[0] += state == waiting.Wait.R
                        state = gen.send((yield state))
                except StopIteration as done:
                    return done.value

            waiting.wait = lambda gen, *a, **k: wait(reading(gen), *a, **k)
        return self.count

    def __exit__(self, *exc: object) -> None:
        if self.pg:
            from psycopg import waiting

            waiting.wait = self._wait


def test_later_rules_see_what_earlier_ones_did_alike_on_both_backends(
        tmp_path: Path, counted_pg: PgStore) -> None:
    config_path = _config(tmp_path)
    lite = Database(tmp_path / "r.db", synchronous="OFF")
    try:
        tags, plans, _ = _history(lite, config_path)
    finally:
        lite.close()
    labs = {c for c, t in tags.items() if "labs" in t}
    assert labs and {c for c, t in tags.items() if "refill" in t}
    assert {c for c, t in tags.items() if "labs-seen" in t} == labs  # saw labs' tag
    shown = {name: {row["conversation"] for row in plan["conversations"]}
             for name, plan in plans.items()}
    assert shown["labs"] == labs and shown["after labs"] == labs, shown
    assert shown["refill"] == {c for c, t in tags.items() if "refill" in t}

    pg_tags, pg_plans, waits = _history(counted_pg, config_path)
    assert (pg_tags, pg_plans) == (tags, plans)
    # Each arrival is a moment of its own: per moment the rewind's read, the rules'
    # matches (one read for the three, again after a rule that matched), the rollback,
    # and a few waits per rule that did something (its savepoint, its reads, its event);
    # 216 for each replay here, where a read per rule and the arrivals' own read made 241.
    fired = sum(len(t & {"labs", "labs-seen", "refill"}) for t in tags.values())
    print(f"waits per replay {waits}, {ARRIVALS} moments, {fired} rule firings")
    for name, counted in zip(("labs", "after labs", "refill"), waits, strict=True):
        assert counted <= 2 * ARRIVALS + 6 * fired, (name, counted, fired)
