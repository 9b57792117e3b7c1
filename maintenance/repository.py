"""SQL of plans, vehicles' maintenance facts, service records and due states."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime, timedelta

from psycopg.rows import DictRow, class_row

from fleetbase.db import Conn, one
from maintenance.due import LastService, VehicleFacts
from maintenance.plans import Plan

PLAN_COLUMNS = (
    "task, label, rule, every_km, every_months, soon_km, soon_days, grace_km, grace_days, vehicle_kind, vehicle_id"
)
PACE_WINDOW = timedelta(days=14)


def effective_plans(conn: Conn, *, vehicle_ids: Sequence[int]) -> dict[int, list[Plan]]:
    """Each vehicle's tasks: its kind's defaults, replaced task by task by its own overrides."""
    rows = conn.execute(
        "SELECT DISTINCT ON (v.id, p.task) v.id AS for_vehicle, p.task, p.label, p.rule, p.every_km,"
        " p.every_months, p.soon_km, p.soon_days, p.grace_km, p.grace_days, p.vehicle_kind, p.vehicle_id"
        " FROM vehicles v JOIN maintenance_plans p"
        "   ON p.vehicle_kind = v.kind AND (p.vehicle_id IS NULL OR p.vehicle_id = v.id)"
        " WHERE v.id = ANY(%(ids)s)"
        " ORDER BY v.id, p.task, p.vehicle_id NULLS LAST",
        {"ids": list(vehicle_ids)},
    ).fetchall()
    plans: dict[int, list[Plan]] = {vehicle_id: [] for vehicle_id in vehicle_ids}
    for row in rows:
        vehicle_id = row.pop("for_vehicle")
        plans[vehicle_id].append(Plan(**row))
    return plans


def vehicle_facts(
    conn: Conn, *, now: datetime, today: date, zone: str, vehicle_ids: Sequence[int] | None = None
) -> list[VehicleFacts]:
    """Vehicles in service (not out_of_service) with their effective odometer and recent pace.

    The pace is the distance since the first fix of the last 14 days, per day; once raw
    positions have expired, the daily figures of vehicle_daily_stats stand in.
    """
    with conn.cursor(row_factory=class_row(VehicleFacts)) as cursor:
        return cursor.execute(
            "SELECT v.id AS vehicle_id, v.label, v.kind, v.first_registered_on, v.insurance_expires_on,"
            " coalesce(v.first_registered_on, (v.created_at AT TIME ZONE %(zone)s)::date) AS in_service_since,"
            " s.effective_odometer_km AS odometer_km,"
            " coalesce((s.effective_odometer_km - first_fix.effective_odometer_km)"
            "          / greatest(extract(epoch FROM %(now)s - first_fix.fix_time) / 86400, 1),"
            "          (SELECT sum(d.distance_km) / 14 FROM vehicle_daily_stats d"
            "            WHERE d.vehicle_id = v.id AND d.day >= %(today)s::date - 14)) AS daily_km"
            " FROM vehicles v"
            " LEFT JOIN vehicle_state s ON s.vehicle_id = v.id"
            " LEFT JOIN LATERAL (SELECT p.fix_time, p.effective_odometer_km FROM positions p"
            "    WHERE p.vehicle_id = v.id AND p.fix_time >= %(since)s AND p.fix_time <= %(now)s"
            "      AND p.effective_odometer_km IS NOT NULL"
            "    ORDER BY p.fix_time LIMIT 1) AS first_fix ON true"
            " WHERE v.status <> 'out_of_service' AND (%(ids)s::bigint[] IS NULL OR v.id = ANY(%(ids)s))"
            " ORDER BY v.id",
            {
                "now": now,
                "today": today,
                "zone": zone,
                "since": now - PACE_WINDOW,
                "ids": list(vehicle_ids) if vehicle_ids is not None else None,
            },
        ).fetchall()


def last_services(conn: Conn, *, vehicle_ids: Sequence[int]) -> dict[tuple[int, str], LastService]:
    """The latest service record covering each (vehicle, task)."""
    rows = conn.execute(
        "SELECT DISTINCT ON (r.vehicle_id, task) r.vehicle_id, task, r.performed_on, r.odometer_km"
        " FROM service_records r, unnest(r.tasks) AS task"
        " WHERE r.vehicle_id = ANY(%(ids)s)"
        " ORDER BY r.vehicle_id, task, r.performed_on DESC, r.id DESC",
        {"ids": list(vehicle_ids)},
    ).fetchall()
    return {(row["vehicle_id"], row["task"]): LastService(row["performed_on"], row["odometer_km"]) for row in rows}


def due_levels(conn: Conn, *, vehicle_ids: Sequence[int]) -> dict[tuple[int, str], str]:
    """The level last acted upon per (vehicle, task), locked until the transaction ends."""
    rows = conn.execute(
        "SELECT vehicle_id, task, level FROM maintenance_due_state WHERE vehicle_id = ANY(%(ids)s) FOR UPDATE",
        {"ids": list(vehicle_ids)},
    ).fetchall()
    return {(row["vehicle_id"], row["task"]): row["level"] for row in rows}


def save_due_levels(conn: Conn, changes: Sequence[tuple[int, str, str]], *, now: datetime) -> None:
    """Rows of (vehicle_id, task, level)."""
    if not changes:
        return
    conn.execute(
        "INSERT INTO maintenance_due_state (vehicle_id, task, level, changed_at)"
        " SELECT vehicle_id, task, level, %(now)s"
        " FROM unnest(%(vehicles)s::bigint[], %(tasks)s::text[], %(levels)s::text[]) AS c(vehicle_id, task, level)"
        " ON CONFLICT (vehicle_id, task) DO UPDATE SET level = EXCLUDED.level, changed_at = EXCLUDED.changed_at",
        {
            "vehicles": [c[0] for c in changes],
            "tasks": [c[1] for c in changes],
            "levels": [c[2] for c in changes],
            "now": now,
        },
    )


def lock_maintenance_scan(conn: Conn) -> None:
    """Serialise scans and service records (both compare and update due levels)."""
    conn.execute("SELECT pg_advisory_xact_lock(hashtext('maintenance_due_scan'))")


# --- plans ------------------------------------------------------------------------------


def list_plans(conn: Conn, *, vehicle_kind: str | None = None, vehicle_id: int | None = None) -> list[Plan]:
    """Kind defaults (vehicle_id None) or one vehicle's overrides."""
    with conn.cursor(row_factory=class_row(Plan)) as cursor:
        return cursor.execute(
            f"SELECT {PLAN_COLUMNS} FROM maintenance_plans"
            " WHERE (%(kind)s::text IS NULL OR vehicle_kind = %(kind)s)"
            "   AND vehicle_id IS NOT DISTINCT FROM %(vehicle)s::bigint"
            " ORDER BY vehicle_kind, task",
            {"kind": vehicle_kind, "vehicle": vehicle_id},
        ).fetchall()


def upsert_plan(
    conn: Conn,
    *,
    vehicle_kind: str,
    vehicle_id: int | None,
    task: str,
    label: str,
    rule: str,
    every_km: float | None,
    every_months: int | None,
    soon_km: float,
    soon_days: int,
    grace_km: float,
    grace_days: int,
    now: datetime,
) -> Plan:
    """One statement, so that two first saves of a task at once cannot both insert."""
    # The two partial unique indexes of migration 0004: kind defaults, vehicle overrides.
    target = (
        "(vehicle_kind, task) WHERE vehicle_id IS NULL"
        if vehicle_id is None
        else "(vehicle_id, task) WHERE vehicle_id IS NOT NULL"
    )
    with conn.cursor(row_factory=class_row(Plan)) as cursor:
        return one(
            cursor.execute(
                "INSERT INTO maintenance_plans (vehicle_kind, vehicle_id, task, label, rule, every_km, every_months,"
                " soon_km, soon_days, grace_km, grace_days, created_at, updated_at)"
                " VALUES (%(kind)s, %(vehicle)s, %(task)s, %(label)s, %(rule)s, %(every_km)s, %(every_months)s,"
                " %(soon_km)s, %(soon_days)s, %(grace_km)s, %(grace_days)s, %(now)s, %(now)s)"
                f" ON CONFLICT {target} DO UPDATE SET label = excluded.label, rule = excluded.rule,"
                " every_km = excluded.every_km, every_months = excluded.every_months, soon_km = excluded.soon_km,"
                " soon_days = excluded.soon_days, grace_km = excluded.grace_km, grace_days = excluded.grace_days,"
                f" updated_at = excluded.updated_at RETURNING {PLAN_COLUMNS}",
                {
                    "kind": vehicle_kind,
                    "vehicle": vehicle_id,
                    "task": task,
                    "label": label,
                    "rule": rule,
                    "every_km": every_km,
                    "every_months": every_months,
                    "soon_km": soon_km,
                    "soon_days": soon_days,
                    "grace_km": grace_km,
                    "grace_days": grace_days,
                    "now": now,
                },
            )
        )


def delete_override(conn: Conn, *, vehicle_id: int, task: str) -> bool:
    return (
        conn.execute(
            "DELETE FROM maintenance_plans WHERE vehicle_id = %(vehicle)s AND task = %(task)s",
            {"vehicle": vehicle_id, "task": task},
        ).rowcount
        > 0
    )


# --- service records ---------------------------------------------------------------------

RECORD_COLUMNS = (
    "r.id, r.vehicle_id, r.performed_on, r.odometer_km, r.tasks, r.cost_cents, r.notes,"
    " r.by_user_id, u.full_name AS by_name, r.created_at"
)


def insert_service_record(
    conn: Conn,
    *,
    vehicle_id: int,
    performed_on: date,
    odometer_km: float,
    tasks: Sequence[str],
    cost_cents: int | None,
    notes: str,
    by_user_id: int | None,
    now: datetime,
) -> int:
    return int(
        one(
            conn.execute(
                "INSERT INTO service_records (vehicle_id, performed_on, odometer_km, tasks, cost_cents, notes,"
                " by_user_id, created_at) VALUES (%(vehicle)s, %(on)s, %(km)s, %(tasks)s, %(cost)s, %(notes)s,"
                " %(by)s, %(now)s) RETURNING id",
                {
                    "vehicle": vehicle_id,
                    "on": performed_on,
                    "km": odometer_km,
                    "tasks": list(tasks),
                    "cost": cost_cents,
                    "notes": notes,
                    "by": by_user_id,
                    "now": now,
                },
            )
        )["id"]
    )


def get_service_record(conn: Conn, record_id: int) -> DictRow | None:
    return conn.execute(
        f"SELECT {RECORD_COLUMNS} FROM service_records r LEFT JOIN users u ON u.id = r.by_user_id WHERE r.id = %(id)s",
        {"id": record_id},
    ).fetchone()


def list_service_records(conn: Conn, *, vehicle_id: int) -> list[DictRow]:
    """A vehicle's whole history, newest first."""
    return conn.execute(
        f"SELECT {RECORD_COLUMNS} FROM service_records r LEFT JOIN users u ON u.id = r.by_user_id"
        " WHERE r.vehicle_id = %(vehicle)s ORDER BY r.performed_on DESC, r.id DESC",
        {"vehicle": vehicle_id},
    ).fetchall()


# --- demo data -------------------------------------------------------------------------------


def vehicles_without_records(conn: Conn) -> list[DictRow]:
    """Vehicles no service was ever recorded for, with their effective odometer."""
    return conn.execute(
        "SELECT v.id, v.label, v.kind, v.first_registered_on, s.effective_odometer_km FROM vehicles v"
        " LEFT JOIN vehicle_state s ON s.vehicle_id = v.id"
        " WHERE NOT EXISTS (SELECT 1 FROM service_records r WHERE r.vehicle_id = v.id) ORDER BY v.label"
    ).fetchall()


def set_insurance_expiry(conn: Conn, vehicle_id: int, *, expires_on: date) -> None:
    conn.execute(
        "UPDATE vehicles SET insurance_expires_on = %(on)s WHERE id = %(id)s", {"on": expires_on, "id": vehicle_id}
    )
