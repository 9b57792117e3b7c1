"""The audit log: every look at a lent vehicle's positions and every sensitive change
(docs/PRIVACY.md), written in the caller's transaction."""

from __future__ import annotations

from datetime import datetime

import psycopg
from psycopg.types.json import Jsonb


def record(conn: psycopg.Connection, *, user_id: int | None, action: str, subject_type: str,
           subject_id: int | str, now: datetime, reason: str | None = None, details: dict | None = None) -> None:
    conn.execute(
        "INSERT INTO audit_log (at, user_id, action, subject_type, subject_id, reason, details)"
        " VALUES (%(at)s, %(user_id)s, %(action)s, %(subject_type)s, %(subject_id)s, %(reason)s, %(details)s)",
        {"at": now, "user_id": user_id, "action": action, "subject_type": subject_type,
         "subject_id": str(subject_id), "reason": reason, "details": Jsonb(details or {})})
