"""Every query on alerts: opening and resolving them (for `alerts.raising`), the list a role
sees and its acknowledgement (for `alerts.acknowledgement`). Nothing here commits."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import TYPE_CHECKING

from psycopg.rows import DictRow

from fleetbase.db import Conn, one

if TYPE_CHECKING:
    from alerts.raising import AlertDraft

ALERT_COLUMNS = (
    "a.id, a.kind, a.severity, a.target_role, a.vehicle_id, v.label AS vehicle_label, a.loan_id,"
    " a.message, a.status, a.created_at, a.acknowledged_by, a.acknowledged_at, a.resolved_at,"
    " a.notified_at, inc.id AS incident_id"
)
# The incident open on the alert's vehicle, if any (fleet_api.alerts.endpoints offers one otherwise).
OPEN_INCIDENT = " LEFT JOIN incidents inc ON inc.vehicle_id = a.vehicle_id AND inc.closed_at IS NULL"


def list_alerts(
    conn: Conn, *, role: str | None, statuses: list[str], kind: str | None, vehicle_id: int | None, limit: int
) -> list[DictRow]:
    """Newest first; `role` None: every role's alerts (admin)."""
    return conn.execute(
        f"SELECT {ALERT_COLUMNS} FROM alerts a LEFT JOIN vehicles v ON v.id = a.vehicle_id{OPEN_INCIDENT}"
        " WHERE (%(role)s::text IS NULL OR a.target_role = %(role)s) AND a.status = ANY(%(statuses)s)"
        "   AND (%(kind)s::text IS NULL OR a.kind = %(kind)s)"
        "   AND (%(vehicle)s::bigint IS NULL OR a.vehicle_id = %(vehicle)s)"
        " ORDER BY a.created_at DESC, a.id DESC LIMIT %(limit)s",
        {"role": role, "statuses": statuses, "kind": kind, "vehicle": vehicle_id, "limit": limit},
    ).fetchall()


def alerts_after(conn: Conn, *, role: str | None, after_id: int, limit: int) -> list[DictRow]:
    """The open alerts raised since alert `after_id` (a page's newest), newest first."""
    return conn.execute(
        f"SELECT {ALERT_COLUMNS} FROM alerts a LEFT JOIN vehicles v ON v.id = a.vehicle_id{OPEN_INCIDENT}"
        " WHERE (%(role)s::text IS NULL OR a.target_role = %(role)s) AND a.status = 'open' AND a.id > %(after)s"
        " ORDER BY a.created_at DESC, a.id DESC LIMIT %(limit)s",
        {"role": role, "after": after_id, "limit": limit},
    ).fetchall()


def count_alerts(conn: Conn, *, role: str | None) -> DictRow:
    """How many alerts are open and acknowledged (not yet resolved)."""
    return one(
        conn.execute(
            "SELECT count(*) FILTER (WHERE status = 'open') AS open,"
            " count(*) FILTER (WHERE status = 'acknowledged') AS acknowledged FROM alerts"
            " WHERE (%(role)s::text IS NULL OR target_role = %(role)s) AND status <> 'resolved'",
            {"role": role},
        )
    )


def get_alert(conn: Conn, alert_id: int, *, role: str | None) -> DictRow | None:
    return conn.execute(
        f"SELECT {ALERT_COLUMNS} FROM alerts a LEFT JOIN vehicles v ON v.id = a.vehicle_id{OPEN_INCIDENT}"
        " WHERE a.id = %(id)s AND (%(role)s::text IS NULL OR a.target_role = %(role)s)",
        {"id": alert_id, "role": role},
    ).fetchone()


def acknowledge(conn: Conn, alert_id: int, *, user_id: int, now: datetime) -> None:
    conn.execute(
        "UPDATE alerts SET status = 'acknowledged', acknowledged_by = %(user)s, acknowledged_at = %(now)s"
        " WHERE id = %(id)s AND status = 'open'",
        {"id": alert_id, "user": user_id, "now": now},
    )


def insert_unless_open(conn: Conn, drafts: Sequence[AlertDraft], *, now: datetime) -> list[int]:
    """Insert each draft unless its dedup_key is open or acknowledged, in one statement; the new ids."""
    rows = conn.execute(
        "INSERT INTO alerts (kind, severity, target_role, vehicle_id, loan_id, message, dedup_key, created_at)"
        " SELECT DISTINCT ON (d.dedup_key) d.kind, d.severity, d.target_role, d.vehicle_id, d.loan_id,"
        " d.message, d.dedup_key, %(now)s"
        " FROM unnest(%(kinds)s::text[], %(severities)s::text[], %(roles)s::text[], %(vehicles)s::bigint[],"
        " %(loans)s::bigint[], %(messages)s::text[], %(keys)s::text[])"
        " AS d(kind, severity, target_role, vehicle_id, loan_id, message, dedup_key)"
        " ORDER BY d.dedup_key"
        " ON CONFLICT (dedup_key) WHERE status <> 'resolved' DO NOTHING RETURNING id",
        {
            "kinds": [d.kind for d in drafts],
            "severities": [d.severity for d in drafts],
            "roles": [d.target_role for d in drafts],
            "vehicles": [d.vehicle_id for d in drafts],
            "loans": [d.loan_id for d in drafts],
            "messages": [d.message for d in drafts],
            "keys": [d.dedup_key for d in drafts],
            "now": now,
        },
    ).fetchall()
    return sorted(row["id"] for row in rows)


def resolve(conn: Conn, keys: list[str], *, now: datetime) -> list[str]:
    """Close the alerts of these keys that are not closed yet; the keys closed."""
    rows = conn.execute(
        "UPDATE alerts SET status = 'resolved', resolved_at = %(now)s"
        " WHERE dedup_key = ANY(%(keys)s) AND status <> 'resolved' RETURNING dedup_key",
        {"keys": keys, "now": now},
    ).fetchall()
    return [row["dedup_key"] for row in rows]
