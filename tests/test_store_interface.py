"""The store's interface holds for the SQLite store, and its records match its columns.

A second backend is written against `store.interface`; these checks are what keeps the
SQLite one honest to the same contract (and would run against the next one too).
"""

from __future__ import annotations

import dataclasses
import inspect
from pathlib import Path
from typing import Protocol

from cxinbox.store import conversations, outbox
from cxinbox.store.db import Database
from cxinbox.store.interface import Store, StoreTx
from cxinbox.store.records import ConversationRecord, DraftRecord, OutboxItem
from cxinbox.store.sqlite_tx import SqliteTx


def _operations(protocol: type) -> dict[str, inspect.Signature]:
    own = {name for name in vars(protocol) if not name.startswith("_")}
    return {name: inspect.signature(getattr(protocol, name)) for name in sorted(own)}


def _same(a: inspect.Signature, b: inspect.Signature) -> bool:
    def shape(sig: inspect.Signature) -> list[tuple[str, object, object]]:
        return [(p.name, p.kind, p.default) for p in sig.parameters.values()]
    return shape(a) == shape(b)


def _implements(impl: type, protocol: type) -> list[str]:
    problems = []
    for name, sig in _operations(protocol).items():
        found = getattr(impl, name, None)
        if found is None:
            problems.append(f"{impl.__name__} lacks {name}")
        elif not _same(inspect.signature(found), sig):
            problems.append(f"{impl.__name__}.{name}{inspect.signature(found)} is not {sig}")
    return problems


def test_the_sqlite_handle_offers_every_operation_of_the_interface() -> None:
    assert issubclass(StoreTx, Protocol)  # type: ignore[arg-type]
    assert len(_operations(StoreTx)) > 60
    assert _implements(SqliteTx, StoreTx) == []


def test_the_sqlite_database_is_a_store() -> None:
    assert _implements(Database, Store) == []


def test_a_missing_or_different_operation_is_caught() -> None:
    class Partial:
        def conversation(self, conv_id: int, extra: int = 0) -> None: ...

    problems = _implements(Partial, StoreTx)
    assert any("lacks list_page" in p for p in problems)
    assert any(p.startswith("Partial.conversation") for p in problems)


def _columns(db: Database, sql: str) -> list[str]:
    return [d[0] for d in db.conn.execute(sql).description]


def test_records_are_built_from_exactly_the_columns_the_store_selects(tmp_path: Path) -> None:
    """Records are made positionally (fast): their fields must follow the SELECT lists."""
    db = Database(tmp_path / "c.db")
    try:
        got = _columns(db, f"SELECT {conversations._LIST_COLUMNS}, c.merged_into"
                           " FROM conversations c LIMIT 0")
        assert got == [f.name for f in dataclasses.fields(ConversationRecord)]
        got = _columns(db, f"SELECT {outbox._OUTBOX_COLUMNS} FROM outbox LIMIT 0")
        assert got == [f.name for f in dataclasses.fields(OutboxItem)]
        got = _columns(db, f"SELECT {outbox._DRAFT_COLUMNS} FROM drafts LIMIT 0")
        assert got == [f.name for f in dataclasses.fields(DraftRecord)]
    finally:
        db.close()


def test_records_are_immutable() -> None:
    for record in (ConversationRecord, OutboxItem, DraftRecord):
        params = dataclasses.fields(record)  # type: ignore[arg-type]
        assert params and record.__dataclass_params__.frozen  # type: ignore[attr-defined]
        assert hasattr(record, "__slots__")
