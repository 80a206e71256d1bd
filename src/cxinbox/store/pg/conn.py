"""A psycopg connection that speaks to the store's SQL modules the way sqlite3 does, so one
SQL module per area serves both backends (see store/pg/__init__.py for the plan).

The store's statements are written in the subset both engines share (ON CONFLICT,
COALESCE, RETURNING, `?` placeholders). What differs at the driver is bridged here, once:
- placeholders: `?` becomes `%s`, and every literal `%` is doubled (psycopg reads `%` as
  the start of a placeholder, even inside a quoted LIKE pattern); the translation of each
  distinct statement text is cached, since the store uses a few hundred fixed texts;
- named placeholders (`:name`, with a mapping of values) become `%(name)s`; a `::` cast
  is left alone;
- a list of placeholders, `IN (?, ?, ...)`, becomes `= ANY(%s)` bound to one array
  (`NOT IN` becomes `<> ALL(%s)`) when the list's values are all of one plain type: the
  statement's text then no longer depends on how many values there are, so the server
  plans it once (psycopg prepares a statement it sees again) instead of parsing and
  planning a new text, hundreds of values long, on every call;
- rows: `PgRow` is a tuple that also answers `row["column"]` and `keys()`, as sqlite3.Row
  does, so record-building code reads rows the same way on both backends;
- many rows at once (`executemany`): an `INSERT ... VALUES (?, ...)` or a `DELETE ...
  WHERE a = ? AND b = ?` of several rows becomes one statement over one array per column
  (`unnest`), the arrays sent in PostgreSQL's binary format (`set_based`): a bulk action's
  50,000 events or tag pairs are one statement, not 50,000 under the chain's lock, and
  binary arrays cost the server a fraction of what parsing quoted text arrays does.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import ExitStack, contextmanager
from functools import lru_cache
from typing import TYPE_CHECKING, Any, NamedTuple

from cxinbox.store.dialect import POSTGRESQL

if TYPE_CHECKING:
    import psycopg
    from psycopg._cursor_base import BaseCursor
    from psycopg._pipeline import Pipeline


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
def one_line(exc: BaseException) -> str:
    """A database error as one line (PostgreSQL's messages span several)."""
    return " ".join(str(exc).split()) or type(exc).__name__


@lru_cache(maxsize=1024)
def _row_class(names: tuple[str, ...]) -> type[PgRow]:
    # One class per list of column names, made once: making a class is ~40 us, and a
    # first sync reads ~1.8 results a message (bench_pg_sync.py --profile).
    return type("Row", (PgRow,), {"__slots__": (), "_names": names})


def _row_factory(cursor: BaseCursor[Any, Any]) -> Any:
    result = cursor.pgresult
    if result is not None and result.nfields:
        # The names straight from the result: `description` makes a Column object of
        # each (its type looked up too), for every statement that returns rows.
        encoding = cursor.connection.info.encoding
        row_class = _row_class(tuple(
            (name.decode(encoding) if (name := result.fname(i)) else f"column_{i + 1}")
            for i in range(result.nfields)))
        return lambda values: row_class(values)
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


_IN_LIST = re.compile(r"\b(NOT\s+)?IN\s*\(\s*\?(?:\s*,\s*\?)*\s*\)", re.IGNORECASE)
_ARRAY_TYPES = (int, str, bytes)


def _unquoted(sql: str, end: int) -> tuple[bool, int]:
    """Whether `sql[end]` is outside quotes, and how many `?` placeholders come before it."""
    quote, count = "", 0
    for char in sql[:end]:
        if quote:
            if char == quote:
                quote = ""
        elif char in "'\"":
            quote = char
        elif char == "?":
            count += 1
    return not quote, count


@lru_cache(maxsize=1024)
def in_lists(sql: str) -> tuple[str, tuple[tuple[int, int], ...]] | None:
    """`sql` with each `IN (?, ...)` list as `= ANY(?)` (`NOT IN` as `<> ALL(?)`), and
    each list's (index of its first placeholder, number of placeholders); None when the
    statement has no such list."""
    out: list[str] = []
    lists: list[tuple[int, int]] = []
    last = 0
    for match in _IN_LIST.finditer(sql):
        outside, before = _unquoted(sql, match.start())
        if not outside:
            continue
        lists.append((before, match.group(0).count("?")))
        out += [sql[last:match.start()], "<> ALL(?)" if match.group(1) else "= ANY(?)"]
        last = match.end()
    if not lists:
        return None
    out.append(sql[last:])
    return "".join(out), tuple(lists)


def _one_type(values: Sequence[Any]) -> bool:
    kind = type(values[0])
    return kind in _ARRAY_TYPES and all(type(v) is kind for v in values)


def _bind(sql: str, params: Sequence[Any] | Mapping[str, Any]) -> tuple[str, Any]:
    if isinstance(params, Mapping):
        return translate(sql, True), dict(params)
    arrays = in_lists(sql) if len(params) > 1 else None
    if arrays is not None:
        rewritten, lists = arrays
        values = list(params)
        if all(_one_type(values[first:first + n]) for first, n in lists):
            bound: list[Any] = []
            done = 0
            for first, n in lists:
                bound += values[done:first]
                bound.append(values[first:first + n])
                done = first + n
            bound += values[done:]
            return translate(rewritten), tuple(bound)
    return translate(sql), tuple(params)


_INSERT_VALUES = re.compile(
    r"\s*INSERT\s+INTO\s+(\w+)\s*\(([\w\s,]+)\)\s*VALUES\s*\((\s*\?\s*(?:,\s*\?\s*)*)\)"
    r"(.*)", re.IGNORECASE | re.DOTALL)
_UPDATE_BY_KEY = re.compile(
    r"\s*UPDATE\s+(\w+)\s+SET\s+(\w+\s*=\s*\?(?:\s*,\s*\w+\s*=\s*\?)*)\s+WHERE\s+(\w+)\s*=\s*\?\s*",
    re.IGNORECASE | re.DOTALL)
_DELETE_EQUAL = re.compile(
    r"\s*DELETE\s+FROM\s+(\w+)\s+WHERE\s+(\w+\s*=\s*\?(?:\s+AND\s+\w+\s*=\s*\?)*)\s*$",
    re.IGNORECASE | re.DOTALL)


class SetBased(NamedTuple):
    """A statement run once per row, rewritten to run once over arrays: its text (with a
    `{}` for each array's element type, in column order), its table, its columns; for an
    UPDATE by key, the key's position (the rows' keys must differ: row by row, a repeated
    key takes the last row's values, set-based any one of them)."""

    text: str
    table: str
    columns: tuple[str, ...]
    key: int | None = None

    @property
    def width(self) -> int:
        return len(self.columns)


@lru_cache(maxsize=256)
def set_based(sql: str) -> SetBased | None:
    """`INSERT INTO t (a, b) VALUES (?, ?) [ON CONFLICT ... DO NOTHING]` as
    `INSERT INTO t (a, b) SELECT * FROM unnest(%b::{}[], %b::{}[]) ...`, and
    `DELETE FROM t WHERE a = ? AND b = ?` as a DELETE ... USING unnest(...), and
    `UPDATE t SET a = ?, b = ? WHERE k = ?` as an UPDATE ... FROM unnest(...) (used only
    when the rows' keys differ); None for any other statement, which then runs once per
    row. Row by row and set-based agree for these: an insert's rows go in in order (its
    triggers fire in that order too) and a conflict skips the row either way; a delete
    removes each matching row once; an update by distinct keys sets each row once. An
    upsert (`DO UPDATE`) is left row by row: one statement may not update a row twice."""
    if "'" in sql or '"' in sql:
        return None
    found = _INSERT_VALUES.fullmatch(sql)
    if found is not None:
        table, names, marks, rest = found.groups()
        columns = tuple(n.strip() for n in names.split(","))
        if marks.count("?") != len(columns) or "?" in rest or "UPDATE" in rest.upper():
            return None
        arrays = ", ".join("%b::{}[]" for _ in columns)
        text = (f"INSERT INTO {table} ({', '.join(columns)})"
                f" SELECT * FROM unnest({arrays}){_literal(rest)}")
        return SetBased(text, table, columns)
    found = _UPDATE_BY_KEY.fullmatch(sql)
    if found is not None:
        table, sets, key = found.groups()
        columns = tuple(part.split("=")[0].strip() for part in sets.split(","))
        if key in columns or len(set(columns)) != len(columns):
            return None
        arrays = ", ".join("%b::{}[]" for _ in range(len(columns) + 1))
        assign = ", ".join(f"{c} = p.{c}" for c in columns)
        names = ", ".join((*columns, key))
        text = (f"UPDATE {table} AS t SET {assign} FROM unnest({arrays}) AS p ({names})"
                f" WHERE t.{key} = p.{key}")
        return SetBased(text, table, (*columns, key), len(columns))
    found = _DELETE_EQUAL.fullmatch(sql)
    if found is not None:
        table, condition = found.groups()
        columns = tuple(part.split("=")[0].strip()
                        for part in re.split(r"\s+AND\s+", condition, flags=re.IGNORECASE))
        if len(set(columns)) != len(columns):
            return None
        arrays = ", ".join("%b::{}[]" for _ in columns)
        names = ", ".join(columns)
        match = " AND ".join(f"t.{c} = p.{c}" for c in columns)
        text = f"DELETE FROM {table} AS t USING unnest({arrays}) AS p ({names}) WHERE {match}"
        return SetBased(text, table, columns)
    return None


def _literal(text: str) -> str:
    """SQL text kept as written through psycopg's `%` and str.format's braces."""
    return text.replace("%", "%%").replace("{", "{{").replace("}", "}}")


_TYPES: dict[str, dict[str, str]] = {}
"""Each table's column types, read once per process: the store's tables have the same
columns and types in every database it opens (store/pg/schema.py)."""


def _column_types(raw: psycopg.Connection[Any], table: str) -> dict[str, str]:
    known = _TYPES.get(table)
    if known is None:
        cursor = raw.cursor()
        cursor.execute("SELECT attname, format_type(atttypid, atttypmod) FROM pg_attribute"
                       " WHERE attrelid = to_regclass(%s) AND attnum > 0 AND NOT attisdropped",
                       (table,))
        known = {str(name): str(kind) for name, kind in cursor.fetchall()}
        if known:
            _TYPES[table] = known
    return known


def _one_kind(values: list[Any]) -> bool:
    """Whether a column's values make one binary array: one Python type besides None
    (the driver refuses a list of mixed types), ints within 64 bits."""
    kinds = {type(v) for v in values if v is not None}
    if kinds == {int}:
        return all(-(2**63) <= v < 2**63 for v in values if v is not None)
    return len(kinds) <= 1


_BATCH = 2000
"""Rows a cursor's iteration loads per call (PgCursor.__iter__)."""


class PgCursor:
    """The part of sqlite3.Cursor the store uses."""

    __slots__ = ("_cursor", "_pipe")

    def __init__(self, cursor: psycopg.Cursor[Any], pipe: Pipeline | None = None) -> None:
        self._cursor = cursor
        self._pipe = pipe

    def fetchone(self) -> Any:
        return self._cursor.fetchone()

    def fetchall(self) -> list[Any]:
        return self._cursor.fetchall()

    def __iter__(self) -> Iterator[Any]:
        """The rows loaded a batch per call: psycopg's own iteration checks the result
        and the pipeline again for every row, a third of the server's work to read a bulk
        action's 130,000 tag rows. Batches, not all at once: a chain walk reads every
        event, and the rows made of them take more memory than the result itself."""
        cursor = self._cursor
        while rows := cursor.fetchmany(_BATCH):
            yield from rows

    @property
    def rowcount(self) -> int:
        """Rows changed (summed over an executemany; 0 when nothing ran)."""
        if self._pipe is not None and self._cursor.rowcount < 0:
            self._pipe.sync()  # in a pipeline the count comes with the results
        return max(self._cursor.rowcount, 0)


class PgConnection:
    """The part of sqlite3.Connection the store's SQL modules use, over one psycopg
    connection (whose transaction the caller manages)."""

    __slots__ = ("_pipe", "_to_commit", "after_commit", "raw")
    dialect = POSTGRESQL

    def __init__(self, raw: psycopg.Connection[Any],
                 to_commit: ExitStack | None = None, pipe: Pipeline | None = None) -> None:
        """`to_commit`: closed by the store after its transaction's COMMIT is sent, so a
        pipeline entered on it carries the COMMIT (`pipeline_until_commit`). `pipe`: the
        pipeline the whole transaction already runs in, if the store began it in one."""
        self.raw = raw
        self._pipe: Pipeline | None = pipe
        self._to_commit = to_commit
        self.after_commit: list[tuple[object, ...]] = []
        """Audit events (`cxinbox_record_event`'s arguments) the store appends right after
        this transaction's COMMIT, each in a transaction of its own (PgTx.record_after)."""
        raw.row_factory = _row_factory

    def execute(self, sql: str, params: Sequence[Any] | Mapping[str, Any] = (), *,
                prepare: bool | None = None) -> PgCursor:
        """`prepare`: psycopg's (None: prepared once the text is seen again; False:
        never, for a statement whose plan must be made with its values each time)."""
        cursor = self.raw.cursor()
        cursor.execute(*_bind(sql, params), prepare=prepare)
        return PgCursor(cursor, self._pipe)

    def executemany(self, sql: str,
                    rows: Iterable[Sequence[Any] | Mapping[str, Any]]) -> PgCursor:
        """`sql` once per row, as sqlite3 does; the row counts are summed. Several rows of
        an insert, of a delete by equalities or of an update by key go as one statement
        (`set_based`)."""
        cursor = self.raw.cursor()
        rows = list(rows)
        plain = [r for r in rows if not isinstance(r, Mapping)]
        if len(rows) > 1 and len(plain) == len(rows):
            shape = set_based(sql)
            if shape is not None and all(len(r) == shape.width for r in plain) and (
                    shape.key is None or len({r[shape.key] for r in plain}) == len(plain)):
                text, table = shape.text, shape.table
                types = _column_types(self.raw, table)
                casts = [types.get(name) for name in shape.columns]
                columns = [list(c) for c in zip(*plain, strict=True)]
                if None not in casts and all(_one_kind(c) for c in columns):
                    cursor.execute(text.format(*casts), columns)
                    return PgCursor(cursor, self._pipe)
        bound = [_bind(sql, r) for r in rows]
        if bound:
            cursor.executemany(bound[0][0], [values for _, values in bound])
        return PgCursor(cursor, self._pipe)

    def copy_rows(self, table: str, columns: Sequence[str], types: Sequence[str],
                  rows: Sequence[Sequence[Any]]) -> None:
        """Insert `rows` (values of `columns`, of the PostgreSQL `types`) by one binary
        COPY: the rows stream to the server as it stores them, with no statement of their
        own, and the connection waits once, at the end. A COPY has no ON CONFLICT: the
        caller knows the rows are new. In a pipeline (where COPY is not allowed) they go
        as INSERTs instead, sent without waiting."""
        if not rows:
            return
        names = ", ".join(columns)
        if self._pipe is not None:
            self.raw.cursor().executemany(
                f"INSERT INTO {table} ({names}) VALUES ({', '.join(['%b'] * len(columns))})",
                rows)
            return
        with self.raw.cursor().copy(
                f"COPY {table} ({names}) FROM STDIN (FORMAT BINARY)") as copy:
            copy.set_types(list(types))
            for row in rows:
                copy.write_row(row)

    def settle(self) -> None:
        """Wait for every statement sent so far in a pipeline (its errors come out here);
        nothing outside one, where each statement was waited for already, nor when every
        result sent for has been read (a read's wait took in all before it): no round
        trip for nothing."""
        pipe = self._pipe
        if pipe is not None and (pipe.result_queue or pipe.command_queue):
            pipe.sync()

    def pipeline_until_commit(self) -> None:
        """From here to the end of the transaction, statements go out without waiting
        (as in `pipeline`): the last of them leave with the COMMIT, in one round trip.
        Nothing outside a store transaction (the connection then commits each statement)."""
        if self._pipe is None and self._to_commit is not None:
            self._pipe = self._to_commit.enter_context(self.raw.pipeline())

    @contextmanager
    def pipeline(self) -> Iterator[None]:
        """Statements sent without waiting for each one's answer: the connection waits
        only where a result is read (a fetch, a row count) or the block ends. Errors come
        out there too, and still undo the whole transaction. Nested use joins the outer
        pipeline."""
        if self._pipe is not None:
            yield
            return
        with self.raw.pipeline() as pipe:
            self._pipe = pipe
            try:
                yield
            finally:
                self._pipe = None
