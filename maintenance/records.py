"""Service records: what was done to a vehicle, when, at which odometer, by whom, for how much.

A record resets the tasks it covers: the next due point counts from its date and
odometer, and the due scan of that vehicle runs in the same transaction, so the
mechanics' alerts for those tasks are resolved at once.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import date, datetime
from zoneinfo import ZoneInfo

from psycopg.rows import DictRow

from fleet import vehicles
from fleetbase.db import Conn
from fleetbase.errors import InvalidInput
from fleetbase.local_time import local_today
from maintenance import repository
from maintenance.service import scan_due

TASK_NAME = re.compile(r"^[a-z][a-z0-9_]{0,39}$")


def record_service(
    conn: Conn,
    *,
    vehicle_id: int,
    performed_on: date,
    odometer_km: float | None,
    tasks: Sequence[str],
    cost_cents: int | None,
    notes: str,
    by_user_id: int | None,
    now: datetime,
    zone: ZoneInfo,
) -> DictRow:
    """Write a service record and refresh the vehicle's due states; the record as stored."""
    vehicle = vehicles.get(conn, vehicle_id)
    tasks = sorted(set(tasks))
    if not tasks or not all(TASK_NAME.match(task) for task in tasks):
        raise InvalidInput("Indiquez au moins une tâche (lettres minuscules, chiffres, « _ »).")
    if performed_on > local_today(now, zone):
        raise InvalidInput("La date d'intervention ne peut pas être dans le futur.")
    if odometer_km is None:
        odometer_km = vehicle["effective_odometer_km"]
        if odometer_km is None:
            raise InvalidInput("Kilométrage inconnu pour ce véhicule : indiquez odometer_km.")
    record_id = repository.insert_service_record(
        conn,
        vehicle_id=vehicle_id,
        performed_on=performed_on,
        odometer_km=odometer_km,
        tasks=tasks,
        cost_cents=cost_cents,
        notes=notes,
        by_user_id=by_user_id,
        now=now,
    )
    scan_due(conn, now=now, zone=zone, vehicle_ids=[vehicle_id])
    record = repository.get_service_record(conn, record_id)
    if record is None:  # inserted above, in this transaction
        raise LookupError(f"service record {record_id} not found after its insert")
    return record


def history(conn: Conn, *, vehicle_id: int) -> list[DictRow]:
    """A vehicle's service records, newest first."""
    vehicles.get(conn, vehicle_id)
    return repository.list_service_records(conn, vehicle_id=vehicle_id)
