"""The planning's own queries: the vehicles it lays out, with their depots. Loans come from
`loans.repository.list_loans`, repair immobilisations from `maintenance.ticket_repository`."""

from __future__ import annotations

from psycopg.rows import DictRow

from fleetbase.db import Conn


def depots(conn: Conn) -> list[DictRow]:
    return conn.execute("SELECT id, name, municipality FROM sites ORDER BY name").fetchall()


def planned_vehicles(conn: Conn, *, site_id: int | None, vehicle_id: int | None) -> list[DictRow]:
    """Vehicles by depot then label, of one depot or one vehicle when asked."""
    return conn.execute(
        "SELECT v.id, v.label, v.kind, v.status, v.home_site_id AS site_id, s.name AS site_name"
        " FROM vehicles v JOIN sites s ON s.id = v.home_site_id"
        " WHERE (%(site)s::bigint IS NULL OR v.home_site_id = %(site)s)"
        " AND (%(vehicle)s::bigint IS NULL OR v.id = %(vehicle)s)"
        " ORDER BY s.name, v.kind, v.label",
        {"site": site_id, "vehicle": vehicle_id},
    ).fetchall()
