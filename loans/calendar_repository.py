"""SQL of the calendar feeds (their secret address is kept only as a SHA-256). Nothing here commits."""

from __future__ import annotations

from datetime import datetime

from psycopg.rows import DictRow

from fleetbase.db import Conn, one

SELECT_FEEDS = """
    SELECT f.id, f.site_id, s.name AS site_name, f.vehicle_id, v.label AS vehicle_label, f.created_by,
           u.username AS created_by_username, f.created_at, f.revoked_at
    FROM calendar_feeds f LEFT JOIN sites s ON s.id = f.site_id LEFT JOIN vehicles v ON v.id = f.vehicle_id
    LEFT JOIN users u ON u.id = f.created_by
"""


def insert_feed(
    conn: Conn, *, token_sha256: bytes, site_id: int | None, vehicle_id: int | None, created_by: int, now: datetime
) -> int:
    return int(
        one(
            conn.execute(
                "INSERT INTO calendar_feeds (token_sha256, site_id, vehicle_id, created_by, created_at)"
                " VALUES (%(hash)s, %(site)s, %(vehicle)s, %(by)s, %(now)s) RETURNING id",
                {"hash": token_sha256, "site": site_id, "vehicle": vehicle_id, "by": created_by, "now": now},
            )
        )["id"]
    )


def live_feeds(conn: Conn) -> list[DictRow]:
    return conn.execute(SELECT_FEEDS + " WHERE f.revoked_at IS NULL ORDER BY f.created_at, f.id").fetchall()


def feed_by_token(conn: Conn, token_sha256: bytes) -> DictRow | None:
    """The live feed of this token (None when unknown or revoked)."""
    return conn.execute(
        SELECT_FEEDS + " WHERE f.token_sha256 = %(hash)s AND f.revoked_at IS NULL", {"hash": token_sha256}
    ).fetchone()


def revoke_feed(conn: Conn, feed_id: int, *, by_user_id: int, now: datetime) -> bool:
    return (
        conn.execute(
            "UPDATE calendar_feeds SET revoked_at = %(now)s, revoked_by = %(by)s"
            " WHERE id = %(id)s AND revoked_at IS NULL",
            {"id": feed_id, "by": by_user_id, "now": now},
        ).rowcount
        == 1
    )
