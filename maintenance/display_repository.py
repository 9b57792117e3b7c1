"""SQL of the wall screens' display links (only each token's SHA-256 is stored). Nothing here commits."""

from __future__ import annotations

from datetime import datetime

from psycopg.rows import DictRow

from fleetbase.db import Conn, one

SELECT_DISPLAYS = """
    SELECT d.id, d.name, d.created_by, u.username AS created_by_username, d.created_at, d.revoked_at
    FROM maintenance_displays d LEFT JOIN users u ON u.id = d.created_by
"""


def insert_display(conn: Conn, *, token_sha256: bytes, name: str, created_by: int, now: datetime) -> int:
    return int(
        one(
            conn.execute(
                "INSERT INTO maintenance_displays (token_sha256, name, created_by, created_at)"
                " VALUES (%(hash)s, %(name)s, %(by)s, %(now)s) RETURNING id",
                {"hash": token_sha256, "name": name, "by": created_by, "now": now},
            )
        )["id"]
    )


def live_displays(conn: Conn) -> list[DictRow]:
    return conn.execute(SELECT_DISPLAYS + " WHERE d.revoked_at IS NULL ORDER BY d.created_at, d.id").fetchall()


def display_by_token(conn: Conn, token_sha256: bytes) -> DictRow | None:
    """The display link of this token, live or revoked (None when unknown)."""
    return conn.execute(SELECT_DISPLAYS + " WHERE d.token_sha256 = %(hash)s", {"hash": token_sha256}).fetchone()


def revoke_display(conn: Conn, display_id: int, *, by_user_id: int, now: datetime) -> bool:
    return (
        conn.execute(
            "UPDATE maintenance_displays SET revoked_at = %(now)s, revoked_by = %(by)s"
            " WHERE id = %(id)s AND revoked_at IS NULL",
            {"id": display_id, "by": by_user_id, "now": now},
        ).rowcount
        == 1
    )
