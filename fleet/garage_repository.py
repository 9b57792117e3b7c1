"""Every query of `/garages`. Nothing here commits."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from psycopg.rows import DictRow

from fleetbase import audit_repository as audit
from fleetbase.db import Conn, update_columns

GARAGE_COLUMNS = "id, name, address, email, phone, webhook_url, created_at"
CONTACT_COLUMNS = ("address", "email", "phone")


def list_garages(conn: Conn) -> list[DictRow]:
    return conn.execute(f"SELECT {GARAGE_COLUMNS} FROM garages ORDER BY name").fetchall()


def get_garage(conn: Conn, garage_id: int) -> DictRow | None:
    return conn.execute(f"SELECT {GARAGE_COLUMNS} FROM garages WHERE id = %(id)s", {"id": garage_id}).fetchone()


def update_contact(conn: Conn, garage_id: int, *, changes: dict[str, Any]) -> bool:
    """Set the given columns (from CONTACT_COLUMNS); False when the garage does not exist."""
    return update_columns(conn, "garages", garage_id, changes, allowed=CONTACT_COLUMNS).rowcount == 1


def set_webhook(
    conn: Conn, garage_id: int, *, url: str | None, secret: str | None, now: datetime, user_id: int
) -> bool:
    """Point the garage's notices at `url`, signed with `secret` (both None: e-mail only); audited."""
    updated = (
        conn.execute(
            "UPDATE garages SET webhook_url = %(url)s, webhook_secret = %(secret)s WHERE id = %(id)s",
            {"id": garage_id, "url": url, "secret": secret},
        ).rowcount
        == 1
    )
    if updated:
        audit.record(
            conn,
            user_id=user_id,
            action="webhook_set" if url else "webhook_removed",
            subject_type="garage",
            subject_id=garage_id,
            details={"url": url},
            now=now,
        )
    return updated
