"""A psycopg connection that speaks to the store's SQL modules the way sqlite3 does, so one
SQL module per area serves both backends (see store/pg/__init__.py for the plan).

The store's statements are written in the subset both engines share (ON CONFLICT,
COALESCE, RETURNING, `?` placeholders). What differs at the driver is bridged here, once:
- placeholders: `?` becomes `%s`, and every literal `%` is doubled (psycopg reads `%` as
  the start of a placeholder, even inside a quoted LIKE pattern); the translation of each
  distinct statement text is cached, since the store uses a few hundred fixed texts;
- rows: `PgRow` is a tuple that also answers `row["column"]` and `keys()`, as sqlite3.Row
  does, so record-building code reads rows the same way on both backends.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from functools import lru_cache
from typing import TYPE_CHECKING, Any

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
def translate(sql: str) -> str:
    """`?` placeholders to `%s` (outside quoted literals and identifiers); `%` doubled."""
    out: list[str] = []
    quote = ""
    for char in sql:
        if char == "%":
            out.append("%%")
            continue
        if quote:
            if char == quote:
                quote = ""
        elif char in "'\"":
            quote = char
        elif char == "?":
            out.append("%s")
            continue
        out.append(char)
    return "".join(out)


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
        return self._cursor.rowcount


class PgConnection:
    """The part of sqlite3.Connection the store's SQL modules use, over one psycopg
    connection (whose transaction the caller manages)."""

    __slots__ = ("raw",)

    def __init__(self, raw: psycopg.Connection[Any]) -> None:
        self.raw = raw
        raw.row_factory = _row_factory

    def execute(self, sql: str, params: Sequence[Any] = ()) -> PgCursor:
        cursor = self.raw.cursor()
        cursor.execute(translate(sql), tuple(params))
        return PgCursor(cursor)

    def executemany(self, sql: str, rows: Iterable[Sequence[Any]]) -> PgCursor:
        cursor = self.raw.cursor()
        cursor.executemany(translate(sql), [tuple(r) for r in rows])
        return PgCursor(cursor)
