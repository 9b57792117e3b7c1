"""SQL of service records' invoice photos. Nothing here commits."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from psycopg.rows import DictRow

from fleetbase.db import Conn, one


def insert_photo(
    conn: Conn, *, service_record_id: int, content_type: str, content: bytes, uploaded_by: int | None, now: datetime
) -> int:
    return int(
        one(
            conn.execute(
                "INSERT INTO service_record_photos (service_record_id, content_type, content, uploaded_by, created_at)"
                " VALUES (%(record)s, %(type)s, %(content)s, %(by)s, %(now)s) RETURNING id",
                {"record": service_record_id, "type": content_type, "content": content, "by": uploaded_by, "now": now},
            )
        )["id"]
    )


def photo_ids(conn: Conn, record_ids: Sequence[int]) -> dict[int, int]:
    """service record id → the id of its invoice photo, for the records that have one."""
    rows = conn.execute(
        "SELECT id, service_record_id FROM service_record_photos WHERE service_record_id = ANY(%(ids)s)",
        {"ids": list(record_ids)},
    ).fetchall()
    return {row["service_record_id"]: row["id"] for row in rows}


def get_photo(conn: Conn, photo_id: int) -> DictRow | None:
    return conn.execute(
        "SELECT id, service_record_id, content_type, content FROM service_record_photos WHERE id = %(id)s",
        {"id": photo_id},
    ).fetchone()
