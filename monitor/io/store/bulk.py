"""A batch of rows in one ``executemany`` of plain tuples on the DBAPI cursor.

SQLAlchemy Core's insert processes every parameter of every row in Python (half of the
store's time in the replay profile). Here the statement is built once per table and the
values are converted column by column as SQLAlchemy would (a JSON column as ``json.dumps``,
a SQLite DATETIME as SQLAlchemy's text form, booleans as 0/1 on SQLite), so the rows stored
are the same, byte for byte (``tests/test_store.py`` compares them). Conflicts on the
primary key are skipped (``ON CONFLICT DO NOTHING``) as before.
"""

from __future__ import annotations

import json
import operator
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime
from typing import Any

from psycopg.types.json import Json
from sqlalchemy import JSON, Boolean, Connection, DateTime, Table

Convert = Callable[[Any], Any]


def _sqlite_datetime(value: datetime | None) -> str | None:
    if value is None:
        return None
    return (f"{value.year:04d}-{value.month:02d}-{value.day:02d} {value.hour:02d}:{value.minute:02d}:"
            f"{value.second:02d}.{value.microsecond:06d}")


def _same(value: Any) -> Any:
    return value


def _converter(column_type: Any, dialect: str) -> Convert:
    if isinstance(column_type, JSON):
        if dialect == "postgresql":
            return lambda v: None if v is None else Json(v, dumps=json.dumps)
        return lambda v: None if v is None else json.dumps(v)
    if dialect == "sqlite" and isinstance(column_type, DateTime):
        return _sqlite_datetime
    if dialect == "sqlite" and isinstance(column_type, Boolean):
        return lambda v: None if v is None else int(bool(v))
    return _same


class BulkInsert:
    """``INSERT … ON CONFLICT DO NOTHING`` of dict rows into ``table``, as one executemany."""

    def __init__(self, table: Table, dialect: str) -> None:
        self.columns = [c.name for c in table.columns]
        # Only the columns whose values need converting are touched row by row.
        self.convert = [(i, f) for i, c in enumerate(table.columns)
                        if (f := _converter(c.type, dialect)) is not _same]
        self._get = operator.itemgetter(*self.columns)
        self._all = frozenset(self.columns)
        mark = "?" if dialect == "sqlite" else "%s"
        names = ", ".join(self.columns)
        self.sql = (f"INSERT INTO {table.name} ({names}) VALUES ({', '.join([mark] * len(self.columns))}) "
                    f"ON CONFLICT DO NOTHING")
        # A column with a server default must be given (left out, it would be NULL here).
        self.required = frozenset(c.name for c in table.columns if c.server_default is not None)

    def run(self, conn: Connection, rows: Sequence[Mapping[str, Any]]) -> None:
        """Rows as dicts; a column left out is NULL, as in SQLAlchemy's insert."""
        if rows and not self.required <= rows[0].keys():
            raise ValueError(f"rows lack {sorted(self.required - rows[0].keys())}")
        values = []
        complete = bool(rows) and self._all <= rows[0].keys()
        for row in rows:
            # A row without some nullable columns (a new flag has no verdict yet): NULL.
            got = list(self._get(row)) if complete else [row.get(name) for name in self.columns]
            for i, f in self.convert:
                got[i] = f(got[i])
            values.append(tuple(got))
        cursor = conn.connection.cursor()
        try:
            cursor.executemany(self.sql, values)
        finally:
            cursor.close()
