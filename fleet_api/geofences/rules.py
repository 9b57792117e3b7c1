"""Routes: `/geofence-rules` — the alert thresholds per vehicle kind, which the fleet
manager edits (how many agreeing fixes confirm a crossing, theft distance, low battery,
tracker silence…)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter

from fleet_api.authz import Principal, Role, require
from fleet_api.deps import DbConn, Now
from fleet_api.geofences.schemas import RuleThresholdsUpdate
from fleet_api.schemas import VehicleKind
from fleetbase.errors import NotFound
from geofence import repository
from geofence.repository import Thresholds

router = APIRouter(prefix="/api/v1", tags=["geofences"])
Reader = Annotated[Principal, require(Role.ADMIN, Role.FLEET_MANAGER, Role.COORDINATOR, Role.MECHANIC)]
Editor = Annotated[Principal, require(Role.ADMIN, Role.FLEET_MANAGER)]


@router.get("/geofence-rules", response_model=list[Thresholds])
def list_rules(reader: Reader, conn: DbConn):
    return sorted(repository.get_thresholds(conn).values(), key=lambda row: row.vehicle_kind)


@router.patch("/geofence-rules/{vehicle_kind}", response_model=Thresholds)
def update_rules(vehicle_kind: VehicleKind, data: RuleThresholdsUpdate, editor: Editor, conn: DbConn, now: Now):
    changes = {name: value for name, value in data.model_dump(exclude_unset=True).items() if value is not None}
    if not repository.update_thresholds(conn, vehicle_kind, now=now, **changes):
        raise NotFound("Aucun seuil pour ce type de véhicule.")
    return repository.get_thresholds(conn)[vehicle_kind]
