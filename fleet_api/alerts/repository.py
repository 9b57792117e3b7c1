"""SQL of the alert list and acknowledgement (alerts are opened through fleetbase.alerts)."""

from __future__ import annotations

from datetime import datetime

import psycopg

ALERT_COLUMNS = ("a.id, a.kind, a.severity, a.target_role, a.vehicle_id, v.label AS vehicle_label, a.loan_id,"
                 " a.message, a.status, a.created_at, a.acknowledged_by, a.acknowledged_at, a.resolved_at,"
                 " a.notified_at, inc.id AS incident_id")
# The incident open on the alert's vehicle, if any (fleet_api.alerts.endpoints offers one otherwise).
OPEN_INCIDENT = " LEFT JOIN incidents inc ON inc.vehicle_id = a.vehicle_id AND inc.closed_at IS NULL"


def list_alerts(conn: psycopg.Connection, *, role: str | None, statuses: list[str], kind: str | None,
                vehicle_id: int | None, limit: int) -> list[dict]:
    """Newest first; `role` None: every role's alerts (admin)."""
    return conn.execute(
        f"SELECT {ALERT_COLUMNS} FROM alerts a LEFT JOIN vehicles v ON v.id = a.vehicle_id{OPEN_INCIDENT}"
        " WHERE (%(role)s::text IS NULL OR a.target_role = %(role)s) AND a.status = ANY(%(statuses)s)"
        "   AND (%(kind)s::text IS NULL OR a.kind = %(kind)s)"
        "   AND (%(vehicle)s::bigint IS NULL OR a.vehicle_id = %(vehicle)s)"
        " ORDER BY a.created_at DESC, a.id DESC LIMIT %(limit)s",
        {"role": role, "statuses": statuses, "kind": kind, "vehicle": vehicle_id, "limit": limit}).fetchall()


def alerts_after(conn: psycopg.Connection, *, role: str | None, after_id: int, limit: int) -> list[dict]:
    """The open alerts raised since alert `after_id` (a page's newest), newest first."""
    return conn.execute(
        f"SELECT {ALERT_COLUMNS} FROM alerts a LEFT JOIN vehicles v ON v.id = a.vehicle_id{OPEN_INCIDENT}"
        " WHERE (%(role)s::text IS NULL OR a.target_role = %(role)s) AND a.status = 'open' AND a.id > %(after)s"
        " ORDER BY a.created_at DESC, a.id DESC LIMIT %(limit)s",
        {"role": role, "after": after_id, "limit": limit}).fetchall()


def count_alerts(conn: psycopg.Connection, *, role: str | None) -> dict:
    """How many alerts are open and acknowledged (not yet resolved)."""
    return conn.execute(
        "SELECT count(*) FILTER (WHERE status = 'open') AS open,"
        " count(*) FILTER (WHERE status = 'acknowledged') AS acknowledged FROM alerts"
        " WHERE (%(role)s::text IS NULL OR target_role = %(role)s) AND status <> 'resolved'",
        {"role": role}).fetchone()


def get_alert(conn: psycopg.Connection, alert_id: int, *, role: str | None) -> dict | None:
    return conn.execute(
        f"SELECT {ALERT_COLUMNS} FROM alerts a LEFT JOIN vehicles v ON v.id = a.vehicle_id{OPEN_INCIDENT}"
        " WHERE a.id = %(id)s AND (%(role)s::text IS NULL OR a.target_role = %(role)s)",
        {"id": alert_id, "role": role}).fetchone()


def acknowledge(conn: psycopg.Connection, alert_id: int, *, user_id: int, now: datetime) -> None:
    conn.execute("UPDATE alerts SET status = 'acknowledged', acknowledged_by = %(user)s, acknowledged_at = %(now)s"
                 " WHERE id = %(id)s AND status = 'open'", {"id": alert_id, "user": user_id, "now": now})
