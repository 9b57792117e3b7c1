"""Every query on web sessions (table `web_sessions`, migration 0030). Nothing here commits."""

from __future__ import annotations

from datetime import datetime

from psycopg.rows import DictRow

from accounts.repository import USER_COLUMNS
from fleetbase.db import Conn


def insert_session(
    conn: Conn, *, session_hash: bytes, user_id: int, csrf_token: str, now: datetime, expires_at: datetime
) -> None:
    conn.execute(
        "INSERT INTO web_sessions (session_hash, user_id, csrf_token, created_at, last_seen_at, expires_at)"
        " VALUES (%(hash)s, %(user_id)s, %(csrf)s, %(now)s, %(now)s, %(expires_at)s)",
        {"hash": session_hash, "user_id": user_id, "csrf": csrf_token, "now": now, "expires_at": expires_at},
    )


def find_session_user(conn: Conn, *, session_hash: bytes, now: datetime, idle_since: datetime) -> DictRow | None:
    """The enabled user of this unrevoked session, used after `idle_since` and not yet expired;
    with the session's csrf_token and last_seen_at."""
    columns = ", ".join("u." + column for column in USER_COLUMNS.split(", "))
    return conn.execute(
        f"SELECT s.session_hash, s.csrf_token, s.last_seen_at, {columns}"
        " FROM web_sessions s JOIN users u ON u.id = s.user_id"
        " WHERE s.session_hash = %(hash)s AND s.revoked_at IS NULL AND s.expires_at > %(now)s"
        " AND s.last_seen_at > %(idle_since)s AND u.disabled_at IS NULL",
        {"hash": session_hash, "now": now, "idle_since": idle_since},
    ).fetchone()


def touch_session(conn: Conn, *, session_hash: bytes, now: datetime) -> None:
    conn.execute(
        "UPDATE web_sessions SET last_seen_at = %(now)s WHERE session_hash = %(hash)s",
        {"hash": session_hash, "now": now},
    )


def revoke_session(conn: Conn, *, session_hash: bytes, now: datetime) -> None:
    conn.execute(
        "UPDATE web_sessions SET revoked_at = %(now)s WHERE session_hash = %(hash)s AND revoked_at IS NULL",
        {"hash": session_hash, "now": now},
    )


def delete_stale_sessions(conn: Conn, *, user_id: int, before: datetime) -> int:
    """Forget the user's sessions that ended (expired, revoked or idle) before `before`."""
    return conn.execute(
        "DELETE FROM web_sessions WHERE user_id = %(user_id)s"
        " AND (expires_at < %(before)s OR revoked_at < %(before)s OR last_seen_at < %(before)s)",
        {"user_id": user_id, "before": before},
    ).rowcount
