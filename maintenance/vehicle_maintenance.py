"""One vehicle's maintenance page: its plan, the due state of each task and its service
history with the tasks' French labels, who did them and the invoice photos."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from fleetbase.db import Conn
from fleetbase.errors import NotFound
from maintenance import board_repository, invoice_repository, records, repository
from maintenance.service import compute_due


def overview(conn: Conn, vehicle_id: int, *, now: datetime, zone: ZoneInfo) -> dict[str, Any]:
    """The vehicle (with its depot and odometer), its plan tasks, their due states, its history."""
    vehicle = board_repository.vehicle_with_depot(conn, vehicle_id)
    if vehicle is None:
        raise NotFound("Véhicule inconnu.")
    plans = repository.effective_plans(conn, vehicle_ids=[vehicle_id])[vehicle_id]
    labels = {plan.task: plan.label for plan in plans}
    history = records.history(conn, vehicle_id=vehicle_id)
    photos = invoice_repository.photo_ids(conn, [record["id"] for record in history])
    for record in history:
        record["task_labels"] = [labels.get(task, task.replace("_", " ")) for task in record["tasks"]]
        record["invoice_photo_id"] = photos.get(record["id"])
    return {
        "vehicle": vehicle,
        "plans": plans,
        "history": history,
        "due": compute_due(conn, now=now, zone=zone, vehicle_ids=[vehicle_id]),
    }
