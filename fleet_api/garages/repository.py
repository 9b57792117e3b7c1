"""Every query of `/garages`. Nothing here commits."""

from __future__ import annotations

from datetime import datetime

import psycopg
from psycopg.types.json import Jsonb

GARAGE_COLUMNS = "id, name, address, email, phone, webhook_url, created_at"


def list_garages(conn: psycopg.Connection) -> list[dict]:
    return conn.execute(f"SELECT {GARAGE_COLUMNS} FROM garages ORDER BY name").fetchall()


def get_garage(conn: psycopg.Connection, garage_id: int) -> dict | None:
    return conn.execute(f"SELECT {GARAGE_COLUMNS} FROM garages WHERE id = %(id)s", {"id": garage_id}).fetchone()


def update_contact(conn: psycopg.Connection, garage_id: int, *, changes: dict) -> bool:
    """Only the columns in `changes` (address, email, phone) change."""
    if not changes:
        return get_garage(conn, garage_id) is not None
    return conn.execute(
        "UPDATE garages SET address = CASE WHEN %(set_address)s THEN %(address)s ELSE address END,"
        " email = CASE WHEN %(set_email)s THEN %(email)s ELSE email END,"
        " phone = CASE WHEN %(set_phone)s THEN %(phone)s ELSE phone END WHERE id = %(id)s",
        {"id": garage_id, **{f"set_{name}": name in changes for name in ("address", "email", "phone")},
         **{name: changes.get(name) for name in ("address", "email", "phone")}}).rowcount == 1


def set_webhook(conn: psycopg.Connection, garage_id: int, *, url: str | None, secret: str | None,
                now: datetime, user_id: int) -> bool:
    """Point the garage's notices at `url`, signed with `secret` (both None: e-mail only); audited."""
    updated = conn.execute("UPDATE garages SET webhook_url = %(url)s, webhook_secret = %(secret)s WHERE id = %(id)s",
                           {"id": garage_id, "url": url, "secret": secret}).rowcount == 1
    if updated:
        conn.execute("INSERT INTO audit_log (at, user_id, action, subject_type, subject_id, details)"
                     " VALUES (%(now)s, %(user)s, %(action)s, 'garage', %(id)s, %(details)s)",
                     {"now": now, "user": user_id, "action": "webhook_set" if url else "webhook_removed",
                      "id": str(garage_id), "details": Jsonb({"url": url})})
    return updated
