"""Every query of incidents/. Nothing here commits: the caller's transaction decides.

An incident's `expires_at` is computed, not stored: FLEET_INCIDENT_AUTO_CLOSE_DAYS after
it was opened or last renewed, so a change of the setting applies to open incidents too.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, timedelta

from psycopg.rows import DictRow, class_row

from fleetbase.db import Conn, one


@dataclass(frozen=True)
class Incident:
    id: int
    vehicle_id: int
    vehicle_label: str
    loan_id: int | None
    kind: str
    reason: str
    alert_id: int | None
    opened_by: int
    opened_at: datetime
    renewed_at: datetime | None
    expires_at: datetime
    closed_at: datetime | None
    closed_by: int | None
    outcome: str | None

    @property
    def status(self) -> str:
        return "open" if self.closed_at is None else "closed"


SELECT_INCIDENTS = """
    SELECT i.id, i.vehicle_id, v.label AS vehicle_label, i.loan_id, i.kind, i.reason, i.alert_id,
           i.opened_by, i.opened_at, i.renewed_at,
           coalesce(i.renewed_at, i.opened_at) + %(auto_close_after)s::interval AS expires_at,
           i.closed_at, i.closed_by, i.outcome
    FROM incidents i JOIN vehicles v ON v.id = i.vehicle_id
"""


def get_incident(conn: Conn, incident_id: int, *, auto_close_after: timedelta, lock: bool = False) -> Incident | None:
    """One incident; `lock`: its row held until commit (renewals and closings one at a time)."""
    with conn.cursor(row_factory=class_row(Incident)) as cursor:
        return cursor.execute(
            SELECT_INCIDENTS + " WHERE i.id = %(id)s" + (" FOR UPDATE OF i" if lock else ""),
            {"id": incident_id, "auto_close_after": auto_close_after},
        ).fetchone()


def list_incidents(
    conn: Conn,
    *,
    status: str | None,
    vehicle_id: int | None,
    loan_id: int | None,
    auto_close_after: timedelta,
    limit: int,
) -> list[Incident]:
    """Newest first."""
    with conn.cursor(row_factory=class_row(Incident)) as cursor:
        return cursor.execute(
            SELECT_INCIDENTS + " WHERE (%(status)s::text IS NULL OR (i.closed_at IS NULL) = (%(status)s = 'open'))"
            " AND (%(vehicle_id)s::bigint IS NULL OR i.vehicle_id = %(vehicle_id)s)"
            " AND (%(loan_id)s::bigint IS NULL OR i.loan_id = %(loan_id)s)"
            " ORDER BY i.opened_at DESC, i.id DESC LIMIT %(limit)s",
            {
                "status": status,
                "vehicle_id": vehicle_id,
                "loan_id": loan_id,
                "auto_close_after": auto_close_after,
                "limit": limit,
            },
        ).fetchall()


def loan_incidents(conn: Conn, loan_id: int) -> list[DictRow]:
    """A loan's incidents with their renewals, oldest first (a participant's export)."""
    return conn.execute(
        "SELECT i.id, i.kind, i.reason, i.opened_at, i.renewed_at, i.closed_at, i.outcome,"
        " coalesce((SELECT json_agg(json_build_object('renewed_at', r.renewed_at, 'reason', r.reason)"
        "  ORDER BY r.renewed_at, r.id) FROM incident_renewals r WHERE r.incident_id = i.id), '[]') AS renewals"
        " FROM incidents i WHERE i.loan_id = %(loan_id)s ORDER BY i.opened_at, i.id",
        {"loan_id": loan_id},
    ).fetchall()


def renewals(conn: Conn, incident_id: int) -> list[DictRow]:
    return conn.execute(
        "SELECT renewed_at, renewed_by, reason FROM incident_renewals"
        " WHERE incident_id = %(id)s ORDER BY renewed_at, id",
        {"id": incident_id},
    ).fetchall()


def insert_incident(
    conn: Conn,
    *,
    vehicle_id: int,
    loan_id: int | None,
    kind: str,
    reason: str,
    alert_id: int | None,
    opened_by: int,
    now: datetime,
) -> int:
    """A new open incident's id; UniqueViolation when the vehicle has one open already."""
    return int(
        one(
            conn.execute(
                "INSERT INTO incidents (vehicle_id, loan_id, kind, reason, alert_id, opened_by, opened_at)"
                " VALUES (%(vehicle_id)s, %(loan_id)s, %(kind)s, %(reason)s, %(alert_id)s, %(opened_by)s, %(now)s)"
                " RETURNING id",
                {
                    "vehicle_id": vehicle_id,
                    "loan_id": loan_id,
                    "kind": kind,
                    "reason": reason,
                    "alert_id": alert_id,
                    "opened_by": opened_by,
                    "now": now,
                },
            )
        )["id"]
    )


def insert_renewal(conn: Conn, incident_id: int, *, renewed_by: int, reason: str, now: datetime) -> None:
    conn.execute(
        "INSERT INTO incident_renewals (incident_id, renewed_by, renewed_at, reason)"
        " VALUES (%(id)s, %(by)s, %(now)s, %(reason)s)",
        {"id": incident_id, "by": renewed_by, "now": now, "reason": reason},
    )
    conn.execute("UPDATE incidents SET renewed_at = %(now)s WHERE id = %(id)s", {"id": incident_id, "now": now})


def close_incident(conn: Conn, incident_id: int, *, closed_by: int | None, outcome: str, at: datetime) -> None:
    conn.execute(
        "UPDATE incidents SET closed_at = %(at)s, closed_by = %(by)s, outcome = %(outcome)s"
        " WHERE id = %(id)s AND closed_at IS NULL",
        {"id": incident_id, "by": closed_by, "outcome": outcome, "at": at},
    )


def expired_open(conn: Conn, *, now: datetime, auto_close_after: timedelta) -> list[Incident]:
    """Open incidents past their expiry, locked (another closing waits, then finds them closed)."""
    with conn.cursor(row_factory=class_row(Incident)) as cursor:
        return cursor.execute(
            SELECT_INCIDENTS + " WHERE i.closed_at IS NULL"
            " AND coalesce(i.renewed_at, i.opened_at) + %(auto_close_after)s::interval <= %(now)s"
            " ORDER BY i.id FOR UPDATE OF i",
            {"now": now, "auto_close_after": auto_close_after},
        ).fetchall()


def vehicle_loan(conn: Conn, vehicle_id: int, *, loan_id: int | None) -> DictRow | None:
    """The loan `loan_id` if it holds this vehicle, or (None) the vehicle's loan out now."""
    return conn.execute(
        "SELECT id, status FROM loans WHERE vehicle_id = %(vehicle_id)s"
        " AND (CASE WHEN %(loan_id)s::bigint IS NULL THEN status IN ('active', 'overdue') ELSE id = %(loan_id)s END)"
        " ORDER BY starts_at DESC LIMIT 1",
        {"vehicle_id": vehicle_id, "loan_id": loan_id},
    ).fetchone()


def alert_vehicle(conn: Conn, alert_id: int) -> DictRow | None:
    return conn.execute("SELECT id, vehicle_id, kind FROM alerts WHERE id = %(id)s", {"id": alert_id}).fetchone()


def notify_vehicle_changed(conn: Conn, vehicle_ids: list[int]) -> None:
    """Tell the live stream (`fleet_api.live.hub`, channel vehicle_state) at commit: what it
    shows of these vehicles changes when an incident opens or closes."""
    if vehicle_ids:
        conn.execute(
            "SELECT pg_notify('vehicle_state', %(payload)s)",
            {"payload": json.dumps({"vehicle_ids": sorted(set(vehicle_ids))})},
        )


def loans_not_returned(conn: Conn, *, ended_before: datetime) -> list[DictRow]:
    """Overdue loans that ended before `ended_before`: their vehicle, label and end."""
    return conn.execute(
        "SELECT l.id, l.vehicle_id, v.label AS vehicle_label, l.ends_at FROM loans l"
        " JOIN vehicles v ON v.id = l.vehicle_id WHERE l.status = 'overdue' AND l.ends_at <= %(before)s"
        " ORDER BY l.id",
        {"before": ended_before},
    ).fetchall()
