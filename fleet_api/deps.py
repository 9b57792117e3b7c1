"""What route handlers receive: one database transaction per request, the clock, settings.

`DbConn` opens a connection from the process's pool and a transaction that commits when
the handler returns and rolls back when it raises (`scope="function"`: before the answer
is sent, so a client that got 201 can read what it created). Work that must follow the
commit (telling the broker about new logins) is queued with `after_commit(request, fn)`.

A request first waits, in the event loop, for one of the pool's `max_size` slots, and
only then takes a worker thread to check a connection out. Waiting in a thread instead
would let a burst of requests hold every worker thread while blocked on the pool, so
that the requests holding connections could not run to give them back (a stall until
the pool's timeout).
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Callable, Iterator
from datetime import UTC, datetime
from typing import Annotated

from fastapi import Depends, Path, Request

from fleet_api.settings import ApiSettings
from fleetbase.db import Conn

log = logging.getLogger(__name__)

MAX_ID = 2**63 - 1


def system_clock() -> datetime:
    return datetime.now(UTC)


async def database_slot(request: Request) -> AsyncIterator[None]:
    async with request.app.state.database_slots:
        yield


def get_conn(request: Request, _slot: Annotated[None, Depends(database_slot, scope="function")]) -> Iterator[Conn]:
    request.state.after_commit = []
    with request.app.state.pool.connection() as conn:
        yield conn  # the pool's context commits on a normal exit, rolls back on an error
    for callback in request.state.after_commit:
        try:
            callback()
        except Exception:  # the change is committed; report, do not fail the request
            log.exception("after-commit task failed")


def after_commit(request: Request, callback: Callable[[], object]) -> None:
    """Run `callback` once the request's transaction has committed (what it returns is ignored)."""
    request.state.after_commit.append(callback)


async def get_settings(request: Request) -> ApiSettings:
    return request.app.state.settings


async def get_now(request: Request) -> datetime:
    return request.app.state.clock()


DbConn = Annotated[Conn, Depends(get_conn, scope="function")]
Settings = Annotated[ApiSettings, Depends(get_settings)]
Now = Annotated[datetime, Depends(get_now)]
# Path ids: anything outside PostgreSQL's bigint is simply not a valid id (422).
Id = Annotated[int, Path(ge=1, le=MAX_ID)]
