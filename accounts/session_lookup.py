"""Finding the user of a session cookie, for every request that carries one (pages, and API
calls made by the pages). Kept apart from signing in, which needs the accounts service."""

from __future__ import annotations

import hashlib
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from psycopg.rows import DictRow

from accounts import session_repository as repository
from fleetbase.db import Conn

if TYPE_CHECKING:  # the API's settings and input schemas, as parameter types only
    from fleet_api.settings import ApiSettings

SESSION_COOKIE = "fleet_session"
# last_seen_at is written at most this often, not on every page and fetch.
TOUCH_EVERY = timedelta(minutes=1)


def session_digest(cookie: str) -> bytes:
    return hashlib.sha256(cookie.encode()).digest()


def session_user(conn: Conn, *, cookie: str, now: datetime, settings: ApiSettings) -> DictRow | None:
    """The user row (with `csrf_token`, `session_hash`) of a live session; None when it ended."""
    row = repository.find_session_user(
        conn,
        session_hash=session_digest(cookie),
        now=now,
        idle_since=now - timedelta(seconds=settings.web_session_idle_s),
    )
    if row is not None and now - row["last_seen_at"] >= TOUCH_EVERY:
        repository.touch_session(conn, session_hash=row["session_hash"], now=now)
    return row
