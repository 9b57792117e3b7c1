"""Every query on vehicles. Nothing here commits."""

from __future__ import annotations

from datetime import datetime

import psycopg
from psycopg import sql

from fleet_api.integrity import refusals_as_errors

SELECT_VEHICLES = """
    SELECT v.id, v.label, v.kind, v.energy, v.plate, v.make, v.model, v.first_registered_on, v.insurance_expires_on,
           v.home_site_id, v.status, t.tracker_id, v.created_at, v.updated_at
    FROM vehicles v LEFT JOIN trackers t ON t.vehicle_id = v.id
"""
UPDATABLE_COLUMNS = ("label", "plate", "make", "model", "first_registered_on", "insurance_expires_on",
                     "home_site_id", "status")
CONSTRAINT_MESSAGES = {
    "vehicles_label_key": "Un véhicule porte déjà ce nom.",
    "vehicles_plate_key": "Un véhicule porte déjà cette immatriculation.",
    "vehicles_home_site_id_fkey": "Ce site de rattachement n'existe pas.",
    "vehicles_check": "Seuls les vélos électriques peuvent n'avoir pas d'immatriculation.",
    "vehicles_check1": "L'énergie doit être « electric » pour un vélo ou une voiture électrique,"
                       " et seulement pour eux.",
}


def list_vehicles(conn: psycopg.Connection) -> list[dict]:
    return conn.execute(SELECT_VEHICLES + " ORDER BY v.id").fetchall()


def get_vehicle(conn: psycopg.Connection, vehicle_id: int) -> dict | None:
    return conn.execute(SELECT_VEHICLES + " WHERE v.id = %(id)s", {"id": vehicle_id}).fetchone()


def insert_vehicle(conn: psycopg.Connection, *, values: dict, now: datetime) -> int:
    with refusals_as_errors(CONSTRAINT_MESSAGES):
        row = conn.execute(
            "INSERT INTO vehicles (label, kind, energy, plate, make, model, first_registered_on,"
            " home_site_id, status, created_at, updated_at) VALUES (%(label)s, %(kind)s, %(energy)s,"
            " %(plate)s, %(make)s, %(model)s, %(first_registered_on)s, %(home_site_id)s, %(status)s,"
            " %(now)s, %(now)s) RETURNING id",
            values | {"now": now},
        ).fetchone()
    return row["id"]


def update_vehicle(conn: psycopg.Connection, vehicle_id: int, *, changes: dict, now: datetime) -> bool:
    """Set the given columns (from UPDATABLE_COLUMNS); False when the vehicle does not exist."""
    unknown = set(changes) - set(UPDATABLE_COLUMNS)
    if unknown:
        raise ValueError(f"not updatable: {sorted(unknown)}")
    assignments = [sql.SQL("{} = {}").format(sql.Identifier(column), sql.Placeholder(column))
                   for column in changes]
    assignments.append(sql.SQL("updated_at = %(now)s"))
    query = sql.SQL("UPDATE vehicles SET {} WHERE id = %(id)s").format(sql.SQL(", ").join(assignments))
    with refusals_as_errors(CONSTRAINT_MESSAGES):
        return conn.execute(query, changes | {"id": vehicle_id, "now": now}).rowcount == 1
