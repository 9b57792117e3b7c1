"""Every query of geofence/. Nothing here commits: the caller's transaction decides."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from psycopg.rows import DictRow, class_row, tuple_row
from psycopg.types.json import Jsonb

from fleetbase.db import Conn, id_array, one
from geofence.transitions import VehicleZones, ZoneState


@dataclass(frozen=True)
class ZoneRow:
    id: int
    name: str
    kind: str
    site_id: int | None
    geometry: dict[str, Any]
    radius_m: float | None
    width_m: float | None
    active: bool
    updated_at: datetime


@dataclass(frozen=True)
class Thresholds:
    """One vehicle kind's row of geofence_rule_thresholds."""

    vehicle_kind: str
    confirm_fixes: int
    confirm_seconds: int
    theft_displacement_m: float
    return_window_hours: float
    low_battery_pct: float
    silent_after_minutes: int


@dataclass(frozen=True)
class VehicleContext:
    """What the rules need to know about a vehicle: its kind, depot zone and current loan."""

    vehicle_id: int
    label: str
    kind: str
    status: str
    depot_zone_id: int | None
    depot_name: str | None
    loan_id: int | None
    loan_ends_at: datetime | None
    # Situations already alerted (open or acknowledged): their rules need not look again.
    theft_alerted: bool = False
    low_battery_alerted: bool = False
    tracker_silent_alerted: bool = False


def default_thresholds(vehicle_kind: str) -> Thresholds:
    """The migration's defaults, for a kind whose row was deleted."""
    return Thresholds(
        vehicle_kind,
        confirm_fixes=3,
        confirm_seconds=120,
        theft_displacement_m=200.0,
        return_window_hours=24.0,
        low_battery_pct=20.0,
        silent_after_minutes=360,
    )


_ZONE_COLUMNS = "id, name, kind, site_id, geometry, radius_m, width_m, active, updated_at"


def get_revision(conn: Conn) -> str:
    """The token that changes with every change to geofences (see migration 0008)."""
    return str(one(conn.execute("SELECT token FROM geofence_revision"))["token"])


def get_context_versions(conn: Conn, vehicle_ids: Iterable[int]) -> dict[int, str]:
    """Each vehicle's context version (migration 0016): it changes with every change to what
    `get_vehicle_contexts` reads of that vehicle, depot zones apart (see `get_revision`)."""
    with conn.cursor(row_factory=tuple_row) as cursor:
        cursor.execute(
            "SELECT vehicle_id, xmin::text || ':' || version FROM vehicle_context_versions"
            " WHERE vehicle_id = ANY(%(ids)s::bigint[])",
            {"ids": id_array(vehicle_ids)},
        )
        return dict(cursor.fetchall())


def list_zones(conn: Conn, *, active_only: bool = False) -> list[ZoneRow]:
    with conn.cursor(row_factory=class_row(ZoneRow)) as cursor:
        return cursor.execute(
            f"SELECT {_ZONE_COLUMNS} FROM geofences WHERE active OR NOT %(active_only)s ORDER BY id",
            {"active_only": active_only},
        ).fetchall()


def get_zone(conn: Conn, zone_id: int) -> ZoneRow | None:
    with conn.cursor(row_factory=class_row(ZoneRow)) as cursor:
        return cursor.execute(f"SELECT {_ZONE_COLUMNS} FROM geofences WHERE id = %(id)s", {"id": zone_id}).fetchone()


def insert_zone(
    conn: Conn,
    *,
    name: str,
    kind: str,
    site_id: int | None,
    geometry: dict[str, Any],
    radius_m: float | None,
    width_m: float | None,
    active: bool = True,
) -> ZoneRow:
    with conn.cursor(row_factory=class_row(ZoneRow)) as cursor:
        return one(
            cursor.execute(
                "INSERT INTO geofences (name, kind, site_id, geometry, radius_m, width_m, active)"
                " VALUES (%(name)s, %(kind)s, %(site_id)s, %(geometry)s, %(radius_m)s, %(width_m)s, %(active)s)"
                f" RETURNING {_ZONE_COLUMNS}",
                {
                    "name": name,
                    "kind": kind,
                    "site_id": site_id,
                    "geometry": Jsonb(geometry),
                    "radius_m": radius_m,
                    "width_m": width_m,
                    "active": active,
                },
            )
        )


def update_zone(
    conn: Conn,
    zone_id: int,
    *,
    name: str,
    kind: str,
    site_id: int | None,
    geometry: dict[str, Any],
    radius_m: float | None,
    width_m: float | None,
    active: bool,
    now: datetime,
) -> ZoneRow | None:
    """Replace every field of a zone (the service merges a PATCH first)."""
    with conn.cursor(row_factory=class_row(ZoneRow)) as cursor:
        return cursor.execute(
            "UPDATE geofences SET name = %(name)s, kind = %(kind)s, site_id = %(site_id)s,"
            " geometry = %(geometry)s, radius_m = %(radius_m)s, width_m = %(width_m)s,"
            " active = %(active)s, updated_at = %(now)s"
            f" WHERE id = %(id)s RETURNING {_ZONE_COLUMNS}",
            {
                "id": zone_id,
                "name": name,
                "kind": kind,
                "site_id": site_id,
                "geometry": Jsonb(geometry),
                "radius_m": radius_m,
                "width_m": width_m,
                "active": active,
                "now": now,
            },
        ).fetchone()


def delete_zone(conn: Conn, zone_id: int) -> bool:
    return conn.execute("DELETE FROM geofences WHERE id = %(id)s", {"id": zone_id}).rowcount == 1


def get_thresholds(conn: Conn) -> dict[str, Thresholds]:
    with conn.cursor(row_factory=class_row(Thresholds)) as cursor:
        rows = cursor.execute(
            "SELECT vehicle_kind, confirm_fixes, confirm_seconds, theft_displacement_m,"
            " return_window_hours, low_battery_pct, silent_after_minutes FROM geofence_rule_thresholds"
        ).fetchall()
    return {row.vehicle_kind: row for row in rows}


def update_thresholds(conn: Conn, vehicle_kind: str, *, now: datetime, **values: float) -> bool:
    """Set some thresholds of a kind; unknown names are refused by the caller's schema."""
    current = get_thresholds(conn).get(vehicle_kind)
    if current is None:
        return False
    merged = {name: values.get(name, getattr(current, name)) for name in Thresholds.__dataclass_fields__}
    return (
        conn.execute(
            "UPDATE geofence_rule_thresholds SET confirm_fixes = %(confirm_fixes)s,"
            " confirm_seconds = %(confirm_seconds)s, theft_displacement_m = %(theft_displacement_m)s,"
            " return_window_hours = %(return_window_hours)s, low_battery_pct = %(low_battery_pct)s,"
            " silent_after_minutes = %(silent_after_minutes)s, updated_at = %(now)s"
            " WHERE vehicle_kind = %(vehicle_kind)s",
            {**merged, "now": now},
        ).rowcount
        == 1
    )


def get_vehicle_contexts(conn: Conn, vehicle_ids: Iterable[int]) -> dict[int, tuple[str | None, VehicleContext]]:
    """Kind, home depot zone, current loan (active or overdue) and open alerts of each vehicle,
    with its context version read in the same statement (None: never changed since 0016)."""
    # Plain tuples: after a change, the ingest worker reads thousands of them at once (see ContextCache).
    with conn.cursor(row_factory=tuple_row) as cursor:
        rows = cursor.execute(
            "SELECT cv.xmin::text || ':' || cv.version,"
            "       v.id, v.label, v.kind, v.status, depot.id, depot.name, loan.id, loan.ends_at,"
            "       EXISTS (SELECT 1 FROM alerts WHERE status <> 'resolved'"
            "               AND dedup_key = 'possible_theft:vehicle:' || v.id),"
            "       EXISTS (SELECT 1 FROM alerts WHERE status <> 'resolved'"
            "               AND dedup_key = 'low_battery:vehicle:' || v.id),"
            "       EXISTS (SELECT 1 FROM alerts WHERE status <> 'resolved'"
            "               AND dedup_key = 'tracker_silent:vehicle:' || v.id)"
            " FROM vehicles v"
            " LEFT JOIN vehicle_context_versions cv ON cv.vehicle_id = v.id"
            " LEFT JOIN LATERAL (SELECT id, name FROM geofences WHERE kind = 'depot' AND active"
            "                    AND site_id = v.home_site_id ORDER BY id LIMIT 1) depot ON true"
            " LEFT JOIN LATERAL (SELECT id, ends_at FROM loans WHERE vehicle_id = v.id"
            "                    AND status IN ('active', 'overdue') ORDER BY starts_at DESC LIMIT 1) loan ON true"
            " WHERE v.id = ANY(%(ids)s::bigint[])",
            {"ids": id_array(vehicle_ids)},
        ).fetchall()
    return {row[1]: (row[0], VehicleContext(*row[1:])) for row in rows}


def load_zone_states(conn: Conn, last_fix_times: Mapping[int, datetime | None]) -> dict[int, VehicleZones]:
    """Each vehicle's zone states, with the latest fix time its caller knows of (for the
    ingest path, vehicle_state.fix_time before the batch); None means no fix yet."""
    states = {vehicle_id: VehicleZones(vehicle_id, last) for vehicle_id, last in last_fix_times.items()}
    with conn.cursor(row_factory=tuple_row) as cursor:
        cursor.execute(
            "SELECT vehicle_id, geofence_id, inside, since, pending_first_time, pending_count"
            " FROM geofence_zone_state WHERE vehicle_id = ANY(%(ids)s::bigint[])",
            {"ids": id_array(states)},
        )
        for vehicle_id, zone_id, inside, since, pending_first_time, pending_count in cursor:
            states[vehicle_id].zones[zone_id] = ZoneState(inside, since, pending_first_time, pending_count)
    return states


def save_zone_states(conn: Conn, states: Iterable[VehicleZones]) -> None:
    """Replace the stored zone states of these vehicles (the caller holds their locks).

    Only vehicles whose zone states changed need passing: most batches move no vehicle
    across a border.
    """
    states = list(states)
    if not states:
        return
    conn.execute(
        "DELETE FROM geofence_zone_state WHERE vehicle_id = ANY(%(ids)s::bigint[])",
        {"ids": id_array(state.vehicle_id for state in states)},
    )
    rows = [
        (state.vehicle_id, zone_id, zone.inside, zone.since, zone.pending_first_time, zone.pending_count)
        for state in states
        for zone_id, zone in state.zones.items()
    ]
    if rows:
        columns = list(zip(*rows))
        conn.execute(
            "INSERT INTO geofence_zone_state (vehicle_id, geofence_id, inside, since, pending_first_time,"
            " pending_count) SELECT * FROM unnest(%(vehicles)s::bigint[], %(zones)s::bigint[],"
            " %(inside)s::boolean[], %(since)s::timestamptz[], %(pending)s::timestamptz[], %(counts)s::int[])",
            {
                "vehicles": list(columns[0]),
                "zones": list(columns[1]),
                "inside": list(columns[2]),
                "since": list(columns[3]),
                "pending": list(columns[4]),
                "counts": list(columns[5]),
            },
        )


@dataclass(frozen=True)
class EventRow:
    vehicle_id: int
    type: str
    occurred_at: datetime
    geofence_id: int | None
    lat: float | None
    lon: float | None
    details: dict[str, Any]


def insert_events(conn: Conn, events: Iterable[EventRow]) -> None:
    rows = [{**event.__dict__, "details": Jsonb(event.details)} for event in events]
    if rows:
        with conn.cursor() as cursor:
            cursor.executemany(
                "INSERT INTO events (vehicle_id, type, occurred_at, geofence_id, lat, lon, details)"
                " VALUES (%(vehicle_id)s, %(type)s, %(occurred_at)s, %(geofence_id)s, %(lat)s, %(lon)s,"
                " %(details)s)",
                rows,
            )


@dataclass(frozen=True)
class SilentTracker:
    vehicle_id: int
    label: str
    last_seen_at: datetime
    silent_after: timedelta


def silent_trackers(conn: Conn, *, now: datetime) -> list[SilentTracker]:
    """Vehicles in service whose enabled tracker has said nothing for longer than its kind allows."""
    with conn.cursor(row_factory=class_row(SilentTracker)) as cursor:
        return cursor.execute(
            "SELECT v.id AS vehicle_id, v.label, s.last_seen_at,"
            "       make_interval(mins => t.silent_after_minutes) AS silent_after"
            " FROM vehicles v"
            " JOIN trackers tr ON tr.vehicle_id = v.id AND tr.enabled"
            " JOIN vehicle_state s ON s.vehicle_id = v.id"
            " JOIN geofence_rule_thresholds t ON t.vehicle_kind = v.kind"
            " WHERE v.status <> 'out_of_service'"
            "   AND s.last_seen_at < %(now)s - make_interval(mins => t.silent_after_minutes)"
            " ORDER BY v.id",
            {"now": now},
        ).fetchall()


def list_events(
    conn: Conn, *, vehicle_id: int | None, event_type: str | None, start: datetime, end: datetime, limit: int
) -> list[DictRow]:
    """Events in [start, end), newest first. The position of an event that happened while
    the vehicle was lent is the participant's (docs/PRIVACY.md): it is left out."""
    return conn.execute(
        "SELECT e.id, e.vehicle_id, v.label AS vehicle_label, e.type, e.occurred_at, e.geofence_id,"
        " g.name AS geofence_name, e.details,"
        " CASE WHEN lent.id IS NULL THEN e.lat END AS lat, CASE WHEN lent.id IS NULL THEN e.lon END AS lon,"
        " lent.id IS NOT NULL AS during_loan"
        " FROM events e JOIN vehicles v ON v.id = e.vehicle_id"
        " LEFT JOIN geofences g ON g.id = e.geofence_id"
        " LEFT JOIN LATERAL (SELECT l.id FROM loans l WHERE l.vehicle_id = e.vehicle_id"
        "   AND l.status IN ('active', 'overdue', 'returned')"
        "   AND e.occurred_at >= coalesce(l.checked_out_at, l.starts_at)"
        "   AND e.occurred_at < coalesce(l.checked_in_at, 'infinity') LIMIT 1) AS lent ON true"
        " WHERE e.occurred_at >= %(start)s AND e.occurred_at < %(end)s"
        " AND (%(vehicle_id)s::bigint IS NULL OR e.vehicle_id = %(vehicle_id)s)"
        " AND (%(type)s::text IS NULL OR e.type = %(type)s)"
        " ORDER BY e.occurred_at DESC, e.id DESC LIMIT %(limit)s",
        {"vehicle_id": vehicle_id, "type": event_type, "start": start, "end": end, "limit": limit},
    ).fetchall()


@dataclass(frozen=True)
class Site:
    """A site of the association (where a depot zone is drawn)."""

    id: int
    name: str
    municipality: str
    lon: float
    lat: float


def list_sites(conn: Conn) -> list[Site]:
    with conn.cursor(row_factory=class_row(Site)) as cursor:
        return cursor.execute("SELECT id, name, municipality, lon, lat FROM sites ORDER BY name").fetchall()


def site_positions(conn: Conn) -> dict[int, tuple[float, float]]:
    """Each site's (lon, lat), by id: where a depot zone and a service area must reach."""
    return {row["id"]: (row["lon"], row["lat"]) for row in conn.execute("SELECT id, lon, lat FROM sites").fetchall()}
