"""SQL of the mechanics' board: the vehicles it shows with their depots, and the depots to
filter by. Nothing here commits."""

from __future__ import annotations

from psycopg.rows import DictRow

from fleetbase.db import Conn


def depots(conn: Conn) -> list[DictRow]:
    return conn.execute("SELECT id, name FROM sites ORDER BY name").fetchall()


def board_vehicles(conn: Conn, *, site_id: int | None, kind: str | None) -> list[DictRow]:
    """Vehicles in service (the due computation leaves out the others) of a depot and a kind."""
    return conn.execute(
        "SELECT v.id, v.label, v.kind, v.home_site_id AS site_id, s.name AS site_name"
        " FROM vehicles v JOIN sites s ON s.id = v.home_site_id"
        " WHERE v.status <> 'out_of_service'"
        "   AND (%(site)s::bigint IS NULL OR v.home_site_id = %(site)s)"
        "   AND (%(kind)s::text IS NULL OR v.kind = %(kind)s)"
        " ORDER BY v.label",
        {"site": site_id, "kind": kind},
    ).fetchall()


def vehicle_with_depot(conn: Conn, vehicle_id: int) -> DictRow | None:
    """A vehicle's label, kind, status, depot and effective odometer (None before any telemetry)."""
    return conn.execute(
        "SELECT v.id, v.label, v.kind, v.status, v.plate, v.home_site_id AS site_id, s.name AS site_name,"
        " st.effective_odometer_km FROM vehicles v JOIN sites s ON s.id = v.home_site_id"
        " LEFT JOIN vehicle_state st ON st.vehicle_id = v.id WHERE v.id = %(id)s",
        {"id": vehicle_id},
    ).fetchone()
