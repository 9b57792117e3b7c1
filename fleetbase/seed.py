"""Loads the demo fleet, its zones and one user per role. Running it twice changes nothing.

Every insert is keyed on a natural unique key (`ON CONFLICT DO NOTHING`), so a second
run neither duplicates rows nor re-hashes passwords. Rows come as dicts (see
`fleetbase.db`). The caller commits.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from psycopg.types.json import Jsonb

from fleetbase import seed_data
from fleetbase.db import Conn, one
from fleetbase.errors import ConfigurationError
from fleetbase.passwords import demo_tracker_password, hash_mqtt_password, hash_user_password
from fleetbase.settings import FleetSettings


@dataclass(frozen=True)
class SeedReport:
    vehicles: int
    trackers: int
    geofences: int
    users: int


def seed_demo(conn: Conn, *, settings: FleetSettings) -> SeedReport:
    """Insert what is missing of the demo data; return how many rows each table gained."""
    if not settings.demo_mode:
        raise ConfigurationError("the demo seed runs only with FLEET_DEMO_MODE=true")
    demo_password = settings.demo_password.get_secret_value()
    site_ids = _seed_sites(conn)
    garage_id = _insert_returning_id(
        conn,
        "SELECT id FROM garages WHERE name = %(name)s",
        "INSERT INTO garages (name, address, email, phone)"
        " VALUES (%(name)s, %(address)s, %(email)s, %(phone)s) ON CONFLICT (name) DO NOTHING RETURNING id",
        seed_data.GARAGE,
    )
    prescriber_ids = [
        _insert_returning_id(
            conn,
            "SELECT id FROM prescribers WHERE name = %(name)s",
            "INSERT INTO prescribers (name, kind, email) VALUES (%(name)s, %(kind)s, %(email)s)"
            " ON CONFLICT (name) DO NOTHING RETURNING id",
            {"name": name, "kind": kind, "email": email},
        )
        for name, kind, email in seed_data.PRESCRIBERS
    ]
    vehicles, trackers = _seed_vehicles(conn, site_ids=site_ids, demo_password=demo_password)
    geofences = _seed_geofences(conn, site_ids=site_ids)
    users = _seed_users(conn, demo_password=demo_password, garage_id=garage_id, prescriber_id=prescriber_ids[0])
    return SeedReport(vehicles=vehicles, trackers=trackers, geofences=geofences, users=users)


def _insert_returning_id(conn: Conn, select: str, insert: str, params: dict[str, Any]) -> int:
    row = conn.execute(insert, params).fetchone() or one(conn.execute(select, params))
    return int(row["id"])


def _seed_sites(conn: Conn) -> dict[str, int]:
    ids = {}
    for site in seed_data.SITES:
        ids[site.code] = _insert_returning_id(
            conn,
            "SELECT id FROM sites WHERE code = %(code)s",
            "INSERT INTO sites (code, name, municipality, intercommunality, lat, lon)"
            " VALUES (%(code)s, %(name)s, %(municipality)s, %(intercommunality)s, %(lat)s, %(lon)s)"
            " ON CONFLICT (code) DO NOTHING RETURNING id",
            vars(site),
        )
    return ids


def _seed_vehicles(conn: Conn, *, site_ids: dict[str, int], demo_password: str) -> tuple[int, int]:
    added_vehicles = added_trackers = 0
    for vehicle in seed_data.fleet():
        params = vars(vehicle) | {"label": vehicle.tracker_id, "site_id": site_ids[vehicle.site_code]}
        inserted = conn.execute(
            "INSERT INTO vehicles (label, kind, energy, plate, make, model, first_registered_on,"
            " home_site_id) VALUES (%(label)s, %(kind)s, %(energy)s, %(plate)s, %(make)s,"
            " %(model)s, %(first_registered_on)s, %(site_id)s)"
            " ON CONFLICT (label) DO NOTHING RETURNING id",
            params,
        ).fetchone()
        added_vehicles += inserted is not None
        password = demo_tracker_password(demo_password, vehicle.tracker_id)
        added_trackers += conn.execute(
            "INSERT INTO trackers (tracker_id, vehicle_id, mqtt_password_hash)"
            " SELECT %(tracker_id)s, id, %(hash)s FROM vehicles WHERE label = %(label)s"
            " ON CONFLICT DO NOTHING",
            {"tracker_id": vehicle.tracker_id, "label": vehicle.tracker_id, "hash": hash_mqtt_password(password)},
        ).rowcount
    return added_vehicles, added_trackers


def _seed_geofences(conn: Conn, *, site_ids: dict[str, int]) -> int:
    added = conn.execute(
        "INSERT INTO geofences (name, kind, geometry) VALUES (%(name)s, 'service_area', %(geometry)s)"
        " ON CONFLICT (name) DO NOTHING",
        {"name": seed_data.SERVICE_AREA_NAME, "geometry": Jsonb(seed_data.SERVICE_AREA)},
    ).rowcount
    for site in seed_data.SITES:
        added += conn.execute(
            "INSERT INTO geofences (name, kind, site_id, geometry, radius_m)"
            " VALUES (%(name)s, 'depot', %(site_id)s, %(geometry)s, %(radius_m)s)"
            " ON CONFLICT (name) DO NOTHING",
            {
                "name": site.name,
                "site_id": site_ids[site.code],
                "radius_m": seed_data.DEPOT_RADIUS_M,
                "geometry": Jsonb({"type": "Point", "coordinates": [site.lon, site.lat]}),
            },
        ).rowcount
    return added


def _seed_users(conn: Conn, *, demo_password: str, garage_id: int, prescriber_id: int) -> int:
    existing = {row["username"] for row in conn.execute("SELECT username FROM users")}
    added = 0
    for username, role, full_name in seed_data.DEMO_USERS:
        if username in existing:
            continue
        added += conn.execute(
            "INSERT INTO users (username, full_name, email, role, password_hash, garage_id,"
            " prescriber_id) VALUES (%(username)s, %(full_name)s, %(email)s, %(role)s, %(hash)s,"
            " %(garage_id)s, %(prescriber_id)s) ON CONFLICT (username) DO NOTHING",
            {
                "username": username,
                "full_name": full_name,
                "role": role,
                "email": f"{username}@plateforme-mobilite.example.org",
                "hash": hash_user_password(demo_password),
                "garage_id": garage_id if role == "garage_partner" else None,
                "prescriber_id": prescriber_id if role == "prescriber" else None,
            },
        ).rowcount
    return added
