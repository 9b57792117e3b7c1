"""Every query on users, bearer tokens and failed logins. Nothing here commits."""

from __future__ import annotations

import hashlib
from datetime import datetime
from typing import Any

from psycopg.rows import DictRow

from fleetbase.db import Conn, one, update_columns

USER_COLUMNS = "id, username, full_name, email, role, garage_id, prescriber_id, disabled_at, created_at"
UPDATABLE_USER_COLUMNS = ("full_name", "email", "role", "garage_id", "prescriber_id", "disabled_at", "password_hash")


def token_digest(token: str) -> bytes:
    return hashlib.sha256(token.encode()).digest()


def find_token_user(conn: Conn, *, token_hash: bytes, now: datetime) -> DictRow | None:
    """The enabled user holding this unrevoked, unexpired token."""
    return conn.execute(
        f"SELECT t.token_hash, {', '.join('u.' + c for c in USER_COLUMNS.split(', '))}"
        " FROM api_tokens t JOIN users u ON u.id = t.user_id"
        " WHERE t.token_hash = %(token_hash)s AND t.revoked_at IS NULL"
        " AND t.expires_at > %(now)s AND u.disabled_at IS NULL",
        {"token_hash": token_hash, "now": now},
    ).fetchone()


def insert_token(conn: Conn, *, token_hash: bytes, user_id: int, now: datetime, expires_at: datetime) -> None:
    conn.execute(
        "INSERT INTO api_tokens (token_hash, user_id, created_at, expires_at)"
        " VALUES (%(token_hash)s, %(user_id)s, %(now)s, %(expires_at)s)",
        {"token_hash": token_hash, "user_id": user_id, "now": now, "expires_at": expires_at},
    )


def delete_stale_tokens(conn: Conn, *, user_id: int, before: datetime) -> int:
    """Forget a user's tokens that expired or were revoked before `before`."""
    return conn.execute(
        "DELETE FROM api_tokens WHERE user_id = %(user_id)s AND (expires_at < %(before)s OR revoked_at < %(before)s)",
        {"user_id": user_id, "before": before},
    ).rowcount


def revoke_token(conn: Conn, *, token_hash: bytes, now: datetime) -> None:
    conn.execute(
        "UPDATE api_tokens SET revoked_at = %(now)s WHERE token_hash = %(token_hash)s AND revoked_at IS NULL",
        {"token_hash": token_hash, "now": now},
    )


def revoke_user_tokens(conn: Conn, *, user_id: int, now: datetime) -> int:
    return conn.execute(
        "UPDATE api_tokens SET revoked_at = %(now)s WHERE user_id = %(user_id)s AND revoked_at IS NULL",
        {"user_id": user_id, "now": now},
    ).rowcount


def revoke_user_sessions(conn: Conn, *, user_id: int, now: datetime) -> int:
    """End every web session of the user (accounts.sessions), like their tokens."""
    return conn.execute(
        "UPDATE web_sessions SET revoked_at = %(now)s WHERE user_id = %(user_id)s AND revoked_at IS NULL",
        {"user_id": user_id, "now": now},
    ).rowcount


def get_login_user(conn: Conn, *, username: str) -> DictRow | None:
    return conn.execute(
        f"SELECT {USER_COLUMNS}, password_hash FROM users WHERE username = %(username)s", {"username": username}
    ).fetchone()


def lock_login_attempts(conn: Conn, *, username: str, client_address: str, now: datetime) -> DictRow:
    """Lock this username and address's failure count until the transaction ends; its failures
    and blocked_until.

    The row is made (with no failure) when missing, so that even the first attempts of a
    pair wait for each other: concurrent guesses are decided one after the other, each
    seeing what the previous one counted, in every API process alike.
    """
    return one(
        conn.execute(
            """
        INSERT INTO login_failures AS f (username, client_address, failures, last_failed_at)
        VALUES (%(username)s, %(address)s, 0, %(now)s)
        ON CONFLICT (username, client_address) DO UPDATE SET failures = f.failures
        RETURNING failures, blocked_until
        """,
            {"username": username, "address": client_address, "now": now},
        )
    )


def record_login_failure(
    conn: Conn,
    *,
    username: str,
    client_address: str,
    failures: int,
    now: datetime,
    free_failures: int,
    block_s: float,
    block_max_s: float,
) -> int:
    """Count one more failure on the row `lock_login_attempts` locked (`failures` so far); the new count.

    Beyond `free_failures`, the pair is blocked for block_s × 2^(extra − 1), capped.
    """
    failures += 1
    extra = failures - free_failures
    seconds = min(block_s * 2 ** min(extra - 1, 30), block_max_s) if extra > 0 else None
    conn.execute(
        "UPDATE login_failures SET failures = %(failures)s, last_failed_at = %(now)s,"
        " blocked_until = CASE WHEN %(seconds)s::float8 IS NULL THEN blocked_until"
        "                      ELSE %(now)s + make_interval(secs => %(seconds)s::float8) END"
        " WHERE username = %(username)s AND client_address = %(address)s",
        {"username": username, "address": client_address, "now": now, "failures": failures, "seconds": seconds},
    )
    return failures


def clear_login_failures(conn: Conn, *, username: str, client_address: str) -> None:
    conn.execute(
        "DELETE FROM login_failures WHERE username = %(username)s AND client_address = %(address)s",
        {"username": username, "address": client_address},
    )


def list_users(conn: Conn) -> list[DictRow]:
    return conn.execute(f"SELECT {USER_COLUMNS} FROM users ORDER BY id").fetchall()


def other_enabled_admins(conn: Conn, *, user_id: int) -> int:
    """How many enabled administrators there are besides `user_id`; their rows stay locked until
    the transaction ends, so two administrators removed at once cannot both pass the check."""
    return len(
        conn.execute(
            "SELECT id FROM users WHERE role = 'admin' AND disabled_at IS NULL AND id <> %(id)s FOR UPDATE",
            {"id": user_id},
        ).fetchall()
    )


def get_user(conn: Conn, user_id: int) -> DictRow | None:
    return conn.execute(f"SELECT {USER_COLUMNS} FROM users WHERE id = %(id)s", {"id": user_id}).fetchone()


def insert_user(conn: Conn, *, values: dict[str, Any]) -> DictRow:
    return one(
        conn.execute(
            "INSERT INTO users (username, full_name, email, role, password_hash, garage_id, prescriber_id)"
            " VALUES (%(username)s, %(full_name)s, %(email)s, %(role)s, %(password_hash)s,"
            " %(garage_id)s, %(prescriber_id)s)"
            f" RETURNING {USER_COLUMNS}",
            values,
        )
    )


def update_user(conn: Conn, user_id: int, *, changes: dict[str, Any]) -> DictRow:
    """Set the given columns (names from UPDATABLE_USER_COLUMNS only) of a user, who exists:
    users are never deleted."""
    return one(update_columns(conn, "users", user_id, changes, allowed=UPDATABLE_USER_COLUMNS, returning=USER_COLUMNS))


def first_active_user(conn: Conn, role: str) -> DictRow | None:
    """The oldest enabled account of `role` (its id and garage), or None."""
    return conn.execute(
        "SELECT id, garage_id FROM users WHERE role = %(role)s AND disabled_at IS NULL ORDER BY id LIMIT 1",
        {"role": role},
    ).fetchone()
