"""A vehicle's status: what people set apart from what the system derives.

People set `available`, `maintenance` and `out_of_service`. `on_loan` follows the loans
(set at check-out, back at check-in) and `immobilised` follows the repair tickets that
immobilise it (set when one is active, back when the last one closes): nobody sets those
two by hand, and while a vehicle is in one of them its status is not changed by hand
either, or it would disagree with the loan or the ticket that holds it.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from psycopg.rows import DictRow

from fleet import vehicle_repository as repository
from fleetbase.db import Conn
from fleetbase.errors import Conflict, NotFound

SET_BY_PEOPLE = ("available", "maintenance", "out_of_service")
DERIVED = {
    "on_loan": "en prêt : il redevient disponible au retour du véhicule",
    "immobilised": "immobilisé par une fiche de réparation : il change quand elle est close",
}


def check_status_change(current: str, wanted: str) -> None:
    """Conflict when `current` is derived, or `wanted` is not a status people set."""
    if wanted not in SET_BY_PEOPLE:
        raise Conflict(f"Le statut « {wanted} » ne se choisit pas : il découle des prêts et des fiches de réparation.")
    if current in DERIVED and wanted != current:
        raise Conflict(f"Ce véhicule est {DERIVED[current]}.")


def get(conn: Conn, vehicle_id: int, *, lock: bool = False) -> DictRow:
    """The vehicle, or NotFound (« Véhicule inconnu. »), for every package and route."""
    vehicle = repository.get_vehicle(conn, vehicle_id, lock=lock)
    if vehicle is None:
        raise NotFound("Véhicule inconnu.")
    return vehicle


def update(conn: Conn, vehicle_id: int, *, changes: dict[str, Any], now: datetime) -> DictRow:
    """Change what people change on a vehicle; its status only between the ones people set."""
    if "status" in changes:
        check_status_change(get(conn, vehicle_id, lock=True)["status"], changes["status"])
    if not repository.update_vehicle(conn, vehicle_id, changes=changes, now=now):
        raise NotFound("Véhicule inconnu.")
    return get(conn, vehicle_id)
