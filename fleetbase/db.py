"""PostgreSQL connections: one pool per process, opened in its lifespan; rows are dicts;
sessions in UTC, so times PostgreSQL writes itself (the JSON of the live fleet, a track)
carry +00:00 whatever the server's own zone. And the one partial UPDATE of a row."""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping
from datetime import datetime
from typing import TYPE_CHECKING, TypeVar

import psycopg
from psycopg import sql
from psycopg.rows import DictRow, dict_row
from psycopg_pool import ConnectionPool

if TYPE_CHECKING:  # fleetbase.settings imports modules that import this one
    from fleetbase.settings import FleetSettings

# Every connection here answers rows as dicts (dict_row): the type the code is written for.
Conn = psycopg.Connection[DictRow]
R = TypeVar("R")  # a cursor's row type


def open_pool(settings: FleetSettings, *, name: str) -> ConnectionPool[Conn]:
    """Open the process's pool; the caller closes it (`with open_pool(...) as pool:`)."""
    pool = ConnectionPool(
        settings.database_url,
        min_size=settings.db_pool_min,
        max_size=settings.db_pool_max,
        connection_class=Conn,
        kwargs={"application_name": name, "row_factory": dict_row, "options": "-c timezone=UTC"},
        name=name,
        open=False,
    )
    pool.open(wait=True, timeout=30)
    return pool


def connect(database_url: str, *, autocommit: bool = False, name: str = "fleet") -> Conn:
    """One connection outside any pool, for workers, command-line tools and tests."""
    return psycopg.connect(
        database_url, autocommit=autocommit, row_factory=dict_row, application_name=name, connect_timeout=10
    )


def update_columns(
    conn: Conn,
    table: str,
    row_id: int,
    changes: Mapping[str, object],
    *,
    allowed: Collection[str],
    now: datetime | None = None,
    returning: str | None = None,
) -> psycopg.Cursor[DictRow]:
    """`UPDATE table SET <changes> WHERE id = row_id`, with `updated_at` set to `now` when given.

    Column names come from the caller's code, never from input: a name outside `allowed`
    raises ValueError (a check `python -O` keeps, unlike an assert). `returning` is the
    SQL list of columns to answer; the cursor's `rowcount` says whether the row exists.
    """
    unknown = set(changes) - set(allowed)
    if unknown:
        raise ValueError(f"{table}: not updatable: {sorted(unknown)}")
    assignments: list[sql.Composable] = [
        sql.SQL("{} = {}").format(sql.Identifier(column), sql.Placeholder(column)) for column in changes
    ]
    params = dict(changes) | {"id": row_id}
    if now is not None:
        assignments.append(sql.SQL("updated_at = %(now)s"))
        params["now"] = now
    if not assignments:
        return conn.execute(
            sql.SQL("SELECT {} FROM {} WHERE id = %(id)s").format(sql.SQL(returning or "id"), sql.Identifier(table)),
            params,
        )
    query = sql.SQL("UPDATE {} SET {} WHERE id = %(id)s").format(sql.Identifier(table), sql.SQL(", ").join(assignments))
    if returning:
        query += sql.SQL(" RETURNING ") + sql.SQL(returning)
    return conn.execute(query, params)


def one(cursor: psycopg.Cursor[R]) -> R:
    """The row a statement always answers (`INSERT … RETURNING`, `SELECT count(*)`), of
    whatever row factory the cursor has (dicts, `class_row`…).

    None there means the statement is not the one the code thinks it runs: an error, raised
    here rather than as a TypeError on the caller's subscript.
    """
    row = cursor.fetchone()
    if row is None:
        raise LookupError("the statement answered no row")
    return row


def id_array(ids: Iterable[int]) -> str:
    """Ids as a PostgreSQL array literal, for `%(ids)s::bigint[]` (always cast it).

    The ingest path passes a few thousand ids per batch, several times: spelling the
    literal costs a third of what psycopg's list adaptation does.
    """
    return "{" + ",".join(map(str, map(int, ids))) + "}"
