"""The audit log: every look at a lent vehicle's positions and every sensitive change
(docs/PRIVACY.md), written in the caller's transaction."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from psycopg.rows import DictRow
from psycopg.types.json import Jsonb

from fleetbase.db import Conn


def record(
    conn: Conn,
    *,
    user_id: int | None,
    action: str,
    subject_type: str,
    subject_id: int | str,
    now: datetime,
    reason: str | None = None,
    details: dict[str, Any] | None = None,
) -> None:
    conn.execute(
        "INSERT INTO audit_log (at, user_id, action, subject_type, subject_id, reason, details)"
        " VALUES (%(at)s, %(user_id)s, %(action)s, %(subject_type)s, %(subject_id)s, %(reason)s, %(details)s)",
        {
            "at": now,
            "user_id": user_id,
            "action": action,
            "subject_type": subject_type,
            "subject_id": str(subject_id),
            "reason": reason,
            "details": Jsonb(details or {}),
        },
    )


def entries(
    conn: Conn,
    *,
    user_id: int | None = None,
    vehicle_id: int | None = None,
    participant_id: int | None = None,
    action: str | None = None,
    start: datetime | None = None,
    end: datetime | None = None,
    before_id: int | None = None,
    limit: int | None = 100,
) -> list[DictRow]:
    """Entries newest first (by id: the order they were written), `limit` at most, older than
    `before_id` when given, of one `action` when given. About a participant: their own
    record's entries, and those naming one of their loans (`loan_ids` of a look at positions,
    `loan_id` of an incident's step)."""
    return conn.execute(
        "SELECT a.id, a.at, a.user_id, u.username, a.action, a.subject_type, a.subject_id, a.reason, a.details"
        " FROM audit_log a LEFT JOIN users u ON u.id = a.user_id"
        " WHERE (%(user_id)s::bigint IS NULL OR a.user_id = %(user_id)s)"
        "   AND (%(vehicle)s::text IS NULL OR (a.subject_type = 'vehicle' AND a.subject_id = %(vehicle)s))"
        "   AND (%(participant)s::text IS NULL"
        "        OR (a.subject_type = 'participant' AND a.subject_id = %(participant)s)"
        "        OR ((a.details ? 'loan_ids' OR a.details ? 'loan_id') AND EXISTS (SELECT 1 FROM loans l"
        "            WHERE l.participant_id = %(participant)s::bigint"
        "              AND (a.details -> 'loan_ids' @> to_jsonb(l.id) OR a.details -> 'loan_id' = to_jsonb(l.id)))))"
        "   AND (%(action)s::text IS NULL OR a.action = %(action)s)"
        "   AND (%(start)s::timestamptz IS NULL OR a.at >= %(start)s)"
        "   AND (%(end)s::timestamptz IS NULL OR a.at < %(end)s)"
        "   AND (%(before)s::bigint IS NULL OR a.id < %(before)s)"
        " ORDER BY a.id DESC LIMIT %(limit)s",
        {
            "user_id": user_id,
            "vehicle": None if vehicle_id is None else str(vehicle_id),
            "participant": None if participant_id is None else str(participant_id),
            "action": action,
            "start": start,
            "end": end,
            "before": before_id,
            "limit": limit,
        },
    ).fetchall()


def actions(conn: Conn) -> list[str]:
    """The actions the log holds, for a filter's choices."""
    return [row["action"] for row in conn.execute("SELECT DISTINCT action FROM audit_log ORDER BY action").fetchall()]


def actors(conn: Conn) -> list[DictRow]:
    """Who acted at least once (id, username), for a filter's choices."""
    return conn.execute(
        "SELECT DISTINCT u.id, u.username FROM audit_log a JOIN users u ON u.id = a.user_id ORDER BY u.username"
    ).fetchall()
