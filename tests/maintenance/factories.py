"""Plain factories for the maintenance tests: a synthetic odometer and the alerts raised."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import psycopg

from maintenance import tickets
from tests.factories import vehicle_id

PUBLIC_URL = "https://flotte.example.org"  # FLEET_PUBLIC_URL: where the garage's e-mails link to


def drive_to(conn: psycopg.Connection, vehicle: int, *, odometer_km: float, at: datetime) -> None:
    """What the telemetry pipeline would leave: a position and the vehicle's latest state."""
    conn.execute(
        "INSERT INTO positions (vehicle_id, fix_time, tracker_id, lat, lon, effective_odometer_km, received_at)"
        " VALUES (%(vehicle)s, %(at)s, 'synthetic', 43.7, -1.05, %(km)s, %(at)s)",
        {"vehicle": vehicle, "at": at, "km": odometer_km},
    )
    conn.execute(
        "INSERT INTO vehicle_state (vehicle_id, fix_time, lat, lon, effective_odometer_km, last_seen_at, updated_at)"
        " VALUES (%(vehicle)s, %(at)s, 43.7, -1.05, %(km)s, %(at)s, %(at)s)"
        " ON CONFLICT (vehicle_id) DO UPDATE SET fix_time = EXCLUDED.fix_time,"
        " effective_odometer_km = EXCLUDED.effective_odometer_km, last_seen_at = EXCLUDED.last_seen_at",
        {"vehicle": vehicle, "at": at, "km": odometer_km},
    )


def maintenance_alerts(conn: psycopg.Connection, vehicle: int) -> list[dict]:
    return conn.execute(
        "SELECT id, kind, severity, target_role, status, message, dedup_key, created_at, resolved_at FROM alerts"
        " WHERE vehicle_id = %(vehicle)s AND kind LIKE 'maintenance%%' ORDER BY id",
        {"vehicle": vehicle},
    ).fetchall()


def only_plans(conn: psycopg.Connection, kind: str, tasks: tuple[str, ...]) -> None:
    """Keep only `tasks` among the kind's default plans (inside the test's transaction)."""
    conn.execute(
        "DELETE FROM maintenance_plans WHERE vehicle_kind = %(kind)s AND NOT task = ANY(%(tasks)s)",
        {"kind": kind, "tasks": list(tasks)},
    )


def ticket_sent_to_garage(
    conn: psycopg.Connection, *, label: str, title: str, now: datetime, immobilised: bool = False, note: str = ""
) -> dict:
    """A mechanic's repair ticket for `label`, sent to the first garage (which queues its notices)."""
    mechanic = conn.execute("SELECT id FROM users WHERE username = 'mechanic'").fetchone()["id"]
    garage = conn.execute("SELECT id FROM garages ORDER BY id LIMIT 1").fetchone()["id"]
    actor = tickets.Actor(user_id=mechanic, role="mechanic")
    ticket = tickets.create(
        conn,
        actor=actor,
        vehicle_id=vehicle_id(conn, label),
        garage_id=garage,
        title=title,
        description="",
        immobilised=immobilised,
        tasks=[],
        now=now,
    )
    tickets.change_status(
        conn,
        ticket["id"],
        actor=actor,
        status="sent",
        note=note,
        final_cost_cents=None,
        now=now,
        zone=ZoneInfo("Europe/Paris"),
        public_url=PUBLIC_URL,
    )
    return ticket
