"""Which vehicles are free between two dates, nearest a site first: the coordinator's choice."""

from __future__ import annotations

from datetime import datetime

from psycopg.rows import DictRow

from fleetbase.db import Conn
from fleetbase.errors import InvalidInput
from fleetbase.geo import haversine_km
from loans import repository, rules


def available_vehicles(
    conn: Conn,
    *,
    kind: str | None,
    starts_at: datetime,
    ends_at: datetime,
    site_id: int | None,
    max_distance_km: float | None,
) -> list[DictRow]:
    """Free vehicles over [starts_at, ends_at) (turnaround included), each with its depot's
    distance from `site_id` (nearest first), its energy level and pending requests."""
    rules.check_dates(starts_at, ends_at)
    site = None
    if site_id is not None:
        site = repository.get_site(conn, site_id)
        if site is None:
            raise InvalidInput("Ce site n'existe pas.")
    vehicles = repository.free_vehicles(conn, kind=kind, starts_at=starts_at, ends_at=ends_at)
    for vehicle in vehicles:
        lat, lon = vehicle.pop("site_lat"), vehicle.pop("site_lon")
        vehicle["distance_km"] = None if site is None else round(haversine_km(site["lat"], site["lon"], lat, lon), 1)
    if site is not None:
        if max_distance_km is not None:
            vehicles = [vehicle for vehicle in vehicles if vehicle["distance_km"] <= max_distance_km]
        vehicles.sort(key=lambda vehicle: (vehicle["distance_km"], vehicle["label"]))
    return vehicles
