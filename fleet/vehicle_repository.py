"""Every query on vehicles, and the one way to read a vehicle. Nothing here commits."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from psycopg.rows import DictRow

from fleetbase.db import Conn, one, update_columns
from fleetbase.integrity import refusals_as_errors

# A vehicle as every package reads it: its row, its tracker, its home site's commune, and
# what the telemetry last said of its odometer and energy.
SELECT_VEHICLES = """
    SELECT v.id, v.label, v.kind, v.energy, v.plate, v.make, v.model, v.first_registered_on, v.insurance_expires_on,
           v.home_site_id, v.status, t.tracker_id, v.created_at, v.updated_at,
           s.municipality, s.intercommunality, st.effective_odometer_km, st.battery_pct, st.fuel_pct
    FROM vehicles v JOIN sites s ON s.id = v.home_site_id
    LEFT JOIN trackers t ON t.vehicle_id = v.id LEFT JOIN vehicle_state st ON st.vehicle_id = v.id
"""
UPDATABLE_COLUMNS = (
    "label",
    "plate",
    "make",
    "model",
    "first_registered_on",
    "insurance_expires_on",
    "home_site_id",
    "status",
)
CONSTRAINT_MESSAGES = {
    "vehicles_label_key": "Un véhicule porte déjà ce nom.",
    "vehicles_plate_key": "Un véhicule porte déjà cette immatriculation.",
    "vehicles_home_site_id_fkey": "Ce site de rattachement n'existe pas.",
    "vehicles_check": "Seuls les vélos électriques peuvent n'avoir pas d'immatriculation.",
    "vehicles_check1": "L'énergie doit être « electric » pour un vélo ou une voiture électrique,"
    " et seulement pour eux.",
}


def list_vehicles(conn: Conn) -> list[DictRow]:
    return conn.execute(SELECT_VEHICLES + " ORDER BY v.id").fetchall()


def get_vehicle(conn: Conn, vehicle_id: int, *, lock: bool = False) -> DictRow | None:
    """The vehicle (None: no such vehicle); `lock`: its row held until commit, so the
    validations, extensions, check-outs and status changes of one vehicle run one after the other."""
    # The lock on the vehicle row alone: FOR UPDATE over the joins would lock the site too.
    if (
        lock
        and conn.execute("SELECT id FROM vehicles WHERE id = %(id)s FOR NO KEY UPDATE", {"id": vehicle_id}).fetchone()
        is None
    ):
        return None
    return conn.execute(SELECT_VEHICLES + " WHERE v.id = %(id)s", {"id": vehicle_id}).fetchone()


def insert_vehicle(conn: Conn, *, values: dict[str, Any], now: datetime) -> int:
    with refusals_as_errors(CONSTRAINT_MESSAGES):
        row = one(
            conn.execute(
                "INSERT INTO vehicles (label, kind, energy, plate, make, model, first_registered_on,"
                " home_site_id, status, created_at, updated_at) VALUES (%(label)s, %(kind)s, %(energy)s,"
                " %(plate)s, %(make)s, %(model)s, %(first_registered_on)s, %(home_site_id)s, %(status)s,"
                " %(now)s, %(now)s) RETURNING id",
                values | {"now": now},
            )
        )
    return int(row["id"])


def update_vehicle(conn: Conn, vehicle_id: int, *, changes: dict[str, Any], now: datetime) -> bool:
    """Set the given columns (from UPDATABLE_COLUMNS); False when the vehicle does not exist.
    The caller checks a status change (`fleet.vehicles.update`)."""
    with refusals_as_errors(CONSTRAINT_MESSAGES):
        return update_columns(conn, "vehicles", vehicle_id, changes, allowed=UPDATABLE_COLUMNS, now=now).rowcount == 1


def find_by_label(conn: Conn, label: str) -> DictRow | None:
    return conn.execute(SELECT_VEHICLES + " WHERE v.label = %(label)s", {"label": label}).fetchone()
