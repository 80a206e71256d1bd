"""A psycopg connection that speaks to the store's SQL modules the way sqlite3 does, so one
SQL module per area serves both backends (see store/pg/__init__.py for the plan).

The store's statements are written in the subset both engines share (ON CONFLICT,
COALESCE, RETURNING, `?` placeholders). What differs at the driver is bridged here, once:
- placeholders: `?` becomes `%s`, and every literal `%` is doubled (psycopg reads `%` as
  the start of a placeholder, even inside a quoted LIKE pattern); the translation of each
  distinct statement text is cached, since the store uses a few hundred fixed texts;
- named placeholders (`:name`, with a mapping of values) become `%(name)s`; a `::` cast
  is left alone;
- rows: `PgRow` is a tuple that also answers `row["column"]` and `keys()`, as sqlite3.Row
  does, so record-building code reads rows the same way on both backends.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from cxinbox.store.dialect import POSTGRESQL

if TYPE_CHECKING:
    import psycopg
    from psycopg._cursor_base import BaseCursor


class PgRow(tuple[Any, ...]):
    """A row by position or by column name."""

    __slots__ = ()
    _names: tuple[str, ...] = ()

    def __getitem__(self, key: Any) -> Any:
        if isinstance(key, str):
            try:
                return tuple.__getitem__(self, self._names.index(key))
            except ValueError:
                raise IndexError(f"no such column: {key}") from None
        return tuple.__getitem__(self, key)

    def keys(self) -> list[str]:
        return list(self._names)


@lru_cache(maxsize=64)
def _row_class(names: tuple[str, ...]) -> type[PgRow]:
    return type("Row", (PgRow,), {"__slots__": (), "_names": names})


def _row_factory(cursor: BaseCursor[Any, Any]) -> Any:
    description = cursor.description
    if description is None:
        return lambda values: tuple(values)
    row_class = _row_class(tuple(column.name for column in description))
    return lambda values: row_class(values)


@lru_cache(maxsize=2048)
def translate(sql: str, named: bool = False) -> str:
    """`?` placeholders to `%s` (outside quoted literals and identifiers); `%` doubled.
    With `named`, `:name` placeholders become `%(name)s` instead."""
    out: list[str] = []
    quote = ""
    i, n = 0, len(sql)
    while i < n:
        char = sql[i]
        i += 1
        if char == "%":
            out.append("%%")
            continue
        if quote:
            if char == quote:
                quote = ""
        elif char in "'\"":
            quote = char
        elif char == "?" and not named:
            out.append("%s")
            continue
        elif char == ":" and named:
            if i < n and sql[i] == ":":  # a cast
                out.append("::")
                i += 1
                continue
            start = i
            while i < n and (sql[i].isalnum() or sql[i] == "_"):
                i += 1
            if i > start:
                out.append(f"%({sql[start:i]})s")
                continue
        out.append(char)
    return "".join(out)


def _bind(sql: str, params: Sequence[Any] | Mapping[str, Any]) -> tuple[str, Any]:
    if isinstance(params, Mapping):
        return translate(sql, True), dict(params)
    return translate(sql), tuple(params)


class PgCursor:
    """The part of sqlite3.Cursor the store uses."""

    __slots__ = ("_cursor",)

    def __init__(self, cursor: psycopg.Cursor[Any]) -> None:
        self._cursor = cursor

    def fetchone(self) -> Any:
        return self._cursor.fetchone()

    def fetchall(self) -> list[Any]:
        return self._cursor.fetchall()

    def __iter__(self) -> Iterator[Any]:
        return iter(self._cursor)

    @property
    def rowcount(self) -> int:
        """Rows changed (summed over an executemany; 0 when nothing ran)."""
        return max(self._cursor.rowcount, 0)


class PgConnection:
    """The part of sqlite3.Connection the store's SQL modules use, over one psycopg
    connection (whose transaction the caller manages)."""

    __slots__ = ("raw",)
    dialect = POSTGRESQL

    def __init__(self, raw: psycopg.Connection[Any]) -> None:
        self.raw = raw
        raw.row_factory = _row_factory

    def execute(self, sql: str,
                params: Sequence[Any] | Mapping[str, Any] = ()) -> PgCursor:
        cursor = self.raw.cursor()
        cursor.execute(*_bind(sql, params))
        return PgCursor(cursor)

    def executemany(self, sql: str,
                    rows: Iterable[Sequence[Any] | Mapping[str, Any]]) -> PgCursor:
        cursor = self.raw.cursor()
        bound = [_bind(sql, r) for r in rows]
        if bound:
            cursor.executemany(bound[0][0], [values for _, values in bound])
        return PgCursor(cursor)
