"""How a batch's folded rows reach the tables: statements built once per table
(executemany), and on PostgreSQL through psycopg 3, many rows by ``COPY`` (new rows
straight into the table; changed, deleted and counted ones through a temporary
table and one statement)."""

from __future__ import annotations

import itertools
from collections.abc import Callable, Sequence
from functools import lru_cache
from operator import itemgetter
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection


def quote_name(conn: Connection, name: str) -> str:
    """An identifier quoted by the connection's dialect."""
    return str(conn.dialect.identifier_preparer.quote(name))


@lru_cache(maxsize=1024)
def by_key(kind: str, table: sa.Table) -> Any:
    """The table's insert, or its update or delete by primary key (``k_<column>``
    parameters), built once: building one cost 4x executing it (SQLite, one row:
    60-90 µs against 20 µs), and a command's batch runs dozens."""
    where = [c == sa.bindparam(f"k_{c.name}") for c in table.primary_key.columns]
    if kind == "insert":
        return table.insert()
    if kind == "update":
        return table.update().where(*where)
    return table.delete().where(*where)


@lru_cache(maxsize=1024)
def adding_upsert(dialect: Any, table: sa.Table, keys: tuple[str, ...], column: str) -> Any:
    """INSERT the row, or add its ``column`` to the existing one (SQLite and PostgreSQL).

    Text with typed parameters, built once: SQLAlchemy does not cache the compiled
    form of its dialects' ``on_conflict_do_update`` (each execution compiled it again:
    180-550 µs a statement against 24 µs for this)."""
    quote = dialect.identifier_preparer.quote
    name = dialect.identifier_preparer.format_table(table)
    names = [*keys, column]
    # Identifiers quoted by the dialect; values are bound parameters.
    sql = (
        f"INSERT INTO {name} ({', '.join(quote(n) for n in names)}) "  # noqa: S608
        f"VALUES ({', '.join(f':{n}' for n in names)}) "
        f"ON CONFLICT ({', '.join(quote(k) for k in keys)}) DO UPDATE SET "
        f"{quote(column)} = {name}.{quote(column)} + excluded.{quote(column)}"
    )
    return sa.text(sql).bindparams(*(sa.bindparam(n, type_=table.c[n].type) for n in names))


COPY_MIN_ROWS = 50
"""On PostgreSQL, a batch writes this many rows or more of one table and kind with
COPY (psycopg's executemany sends a statement per row, even pipelined); fewer rows,
and SQLite, go by executemany."""

_stages = itertools.count(1)


def bulk(conn: Connection, rows: Sequence[dict[str, Any]]) -> bool:
    """Whether to write ``rows`` with COPY: many of them, on PostgreSQL through psycopg 3."""
    dialect = conn.dialect
    return (
        len(rows) >= COPY_MIN_ROWS and dialect.name == "postgresql" and dialect.driver == "psycopg"
    )


def copyable(table: sa.Table, rows: Sequence[dict[str, Any]]) -> bool:
    """Whether COPY writes ``rows`` exactly as the executemany would: each row names
    the same columns of the table, and no column left out has a default computed in
    Python (COPY applies only the database's own)."""
    names = rows[0].keys()
    if any(row.keys() != names for row in rows):
        return False
    if any(name not in table.c for name in names):
        return False
    return all(c.name in names or c.default is None for c in table.columns)


def _copy(
    conn: Connection,
    target: str,
    columns: Sequence[sa.Column[Any]],
    keys: Sequence[str],
    rows: Sequence[dict[str, Any]],
) -> None:
    """COPY ``rows`` (``keys``: each column's key in them) into ``target`` (quoted),
    through the connection's transaction. Values pass the columns' bind processors
    first, as an executemany would (JSON, time zones)."""
    dialect = conn.dialect
    processed = [
        (index, process)
        for index, process in enumerate(c.type._cached_bind_processor(dialect) for c in columns)
        if process is not None
    ]
    values: Callable[[dict[str, Any]], Sequence[Any]] = (
        itemgetter(*keys) if len(keys) > 1 else lambda row: (row[keys[0]],)
    )
    names = ", ".join(quote_name(conn, c.name) for c in columns)
    driver: Any = conn.connection.driver_connection
    with driver.cursor() as cursor, cursor.copy(f"COPY {target} ({names}) FROM STDIN") as copy:
        for row in rows:
            out = list(values(row))
            for index, process in processed:
                out[index] = process(out[index])
            copy.write_row(out)


def _stage(
    conn: Connection,
    table: sa.Table,
    columns: Sequence[sa.Column[Any]],
    keys: Sequence[str],
    rows: Sequence[dict[str, Any]],
) -> str:
    """A temporary table with ``columns`` of ``table`` holding ``rows`` (quoted name;
    dropped by the caller, else at commit; a rolled-back savepoint takes it along)."""
    stage = quote_name(conn, f"tsunagu_stage_{next(_stages)}")
    names = ", ".join(quote_name(conn, c.name) for c in columns)
    # Identifiers quoted by the dialect; no value reaches this text.
    conn.exec_driver_sql(
        f"CREATE TEMPORARY TABLE {stage} ON COMMIT DROP AS "  # noqa: S608
        f"SELECT {names} FROM {quote_name(conn, table.name)} WITH NO DATA"
    )
    _copy(conn, stage, columns, keys, rows)
    return stage


def copy_insert(conn: Connection, table: sa.Table, rows: Sequence[dict[str, Any]]) -> None:
    names = list(rows[0])
    _copy(conn, quote_name(conn, table.name), [table.c[n] for n in names], names, rows)


def _key_match(conn: Connection, table: sa.Table) -> str:
    return " AND ".join(
        f"_t.{q} = _s.{q}" for q in (quote_name(conn, c.name) for c in table.primary_key.columns)
    )


def copy_delete(conn: Connection, table: sa.Table, keys: Sequence[dict[str, Any]]) -> None:
    """DELETE the rows whose primary keys are given (as ``k_<column>``)."""
    pk = list(table.primary_key.columns)
    stage = _stage(conn, table, pk, [f"k_{c.name}" for c in pk], keys)
    conn.exec_driver_sql(
        f"DELETE FROM {quote_name(conn, table.name)} AS _t "  # noqa: S608 - quoted identifiers
        f"USING {stage} AS _s WHERE {_key_match(conn, table)}"
    )
    conn.exec_driver_sql(f"DROP TABLE {stage}")


def copy_update(conn: Connection, table: sa.Table, rows: Sequence[dict[str, Any]]) -> None:
    """UPDATE rows by primary key (given as ``k_<column>``) to the other values given."""
    pk = list(table.primary_key.columns)
    keys = [f"k_{c.name}" for c in pk]
    names = [n for n in rows[0] if n not in keys]
    if any(row.keys() != rows[0].keys() for row in rows):
        where = [c == sa.bindparam(f"k_{c.name}") for c in pk]
        conn.execute(table.update().where(*where), rows)
        return
    stage = _stage(conn, table, pk + [table.c[n] for n in names], keys + names, rows)
    sets = ", ".join(f"{q} = _s.{q}" for q in (quote_name(conn, n) for n in names))
    conn.exec_driver_sql(
        f"UPDATE {quote_name(conn, table.name)} AS _t SET {sets} "  # noqa: S608 - quoted identifiers
        f"FROM {stage} AS _s WHERE {_key_match(conn, table)}"
    )
    conn.exec_driver_sql(f"DROP TABLE {stage}")


def copy_upsert(
    conn: Connection,
    table: sa.Table,
    keys: Sequence[str],
    column: str,
    rows: Sequence[dict[str, Any]],
) -> None:
    """:func:`_adding_upsert` for many rows (each key once): staged, then one
    INSERT ... SELECT ... ON CONFLICT."""
    names = list(rows[0])
    stage = _stage(conn, table, [table.c[n] for n in names], names, rows)
    quoted = ", ".join(quote_name(conn, n) for n in names)
    target = ", ".join(quote_name(conn, k) for k in keys)
    q = quote_name(conn, column)
    conn.exec_driver_sql(
        f"INSERT INTO {quote_name(conn, table.name)} AS _t ({quoted}) "  # noqa: S608
        f"SELECT {quoted} FROM {stage} "
        f"ON CONFLICT ({target}) DO UPDATE SET {q} = _t.{q} + EXCLUDED.{q}"
    )
    conn.exec_driver_sql(f"DROP TABLE {stage}")
