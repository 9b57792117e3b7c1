"""Every query on photo uploads (and their move into an inspection). Nothing here commits."""

from __future__ import annotations

from datetime import datetime

from fleetbase.db import Conn, one


def insert_upload(conn: Conn, *, content_type: str, content: bytes, user_id: int, now: datetime) -> int:
    return int(
        one(
            conn.execute(
                "INSERT INTO photo_uploads (content_type, content, uploaded_by, created_at)"
                " VALUES (%(type)s, %(content)s, %(user)s, %(now)s) RETURNING id",
                {"type": content_type, "content": content, "user": user_id, "now": now},
            )
        )["id"]
    )


def delete_uploads_before(conn: Conn, before: datetime) -> int:
    """Forget the uploads no inspection named in time; how many."""
    return conn.execute("DELETE FROM photo_uploads WHERE created_at < %(before)s", {"before": before}).rowcount


def claim_upload(
    conn: Conn,
    upload_id: int,
    *,
    inspection_id: int,
    damage_index: int,
    caption: str,
    uploaded_after: datetime,
    now: datetime,
) -> int | None:
    """Move an upload (made after `uploaded_after`) into the inspection's photos; the photo's id,
    or None when no such upload waits (unknown, already named, or expired)."""
    row = conn.execute(
        """
        WITH claimed AS (
            DELETE FROM photo_uploads WHERE id = %(upload)s AND created_at >= %(after)s
            RETURNING content_type, content
        )
        INSERT INTO inspection_photos (inspection_id, damage_index, content_type, content, caption, created_at)
        SELECT %(inspection)s, %(index)s, content_type, content, %(caption)s, %(now)s FROM claimed
        RETURNING id
        """,
        {
            "upload": upload_id,
            "after": uploaded_after,
            "inspection": inspection_id,
            "index": damage_index,
            "caption": caption,
            "now": now,
        },
    ).fetchone()
    return row["id"] if row else None
