"""SQL of repair tickets' photos (the fault's and the repair's). Nothing here commits."""

from __future__ import annotations

from datetime import datetime

from psycopg.rows import DictRow

from fleetbase.db import Conn, one

PHOTO_COLUMNS = (
    "p.id, p.ticket_id, p.tag, p.content_type, length(p.content) AS size_bytes, p.caption,"
    " p.uploaded_by, u.full_name AS by_name, p.author_role, p.created_at"
)


def insert_photo(
    conn: Conn,
    ticket_id: int,
    *,
    tag: str,
    content_type: str,
    content: bytes,
    caption: str,
    user_id: int | None,
    author_role: str,
    now: datetime,
) -> int:
    return int(
        one(
            conn.execute(
                "INSERT INTO repair_ticket_photos (ticket_id, tag, content_type, content, caption, uploaded_by,"
                " author_role, created_at) VALUES (%(ticket)s, %(tag)s, %(type)s, %(content)s, %(caption)s, %(by)s,"
                " %(role)s, %(now)s) RETURNING id",
                {
                    "ticket": ticket_id,
                    "tag": tag,
                    "type": content_type,
                    "content": content,
                    "caption": caption,
                    "by": user_id,
                    "role": author_role,
                    "now": now,
                },
            )
        )["id"]
    )


def list_photos(conn: Conn, ticket_id: int) -> list[DictRow]:
    """The ticket's photos without their bytes, oldest first."""
    return conn.execute(
        f"SELECT {PHOTO_COLUMNS} FROM repair_ticket_photos p LEFT JOIN users u ON u.id = p.uploaded_by"
        " WHERE p.ticket_id = %(ticket)s ORDER BY p.created_at, p.id",
        {"ticket": ticket_id},
    ).fetchall()


def get_photo(conn: Conn, ticket_id: int, photo_id: int) -> DictRow | None:
    """One photo with its bytes, when it belongs to the ticket."""
    return conn.execute(
        f"SELECT {PHOTO_COLUMNS}, p.content FROM repair_ticket_photos p LEFT JOIN users u ON u.id = p.uploaded_by"
        " WHERE p.id = %(photo)s AND p.ticket_id = %(ticket)s",
        {"photo": photo_id, "ticket": ticket_id},
    ).fetchone()


def count_photos(conn: Conn, ticket_id: int) -> int:
    return int(
        one(
            conn.execute(
                "SELECT count(*) AS n FROM repair_ticket_photos WHERE ticket_id = %(ticket)s", {"ticket": ticket_id}
            )
        )["n"]
    )
