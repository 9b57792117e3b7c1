"""Routes: `/geofence-rules` — the alert thresholds per vehicle kind, which the fleet
manager edits (how many agreeing fixes confirm a crossing, theft distance, low battery,
tracker silence…)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter
from pydantic import BaseModel, ConfigDict, Field

from fleet_api.authz import Principal, Role, require
from fleet_api.deps import DbConn, Now
from fleet_api.schemas import VehicleKind
from fleetbase.errors import NotFound
from geofence import repository
from geofence.repository import Thresholds

router = APIRouter(prefix="/api/v1", tags=["geofences"])
Reader = Annotated[Principal, require(Role.ADMIN, Role.FLEET_MANAGER, Role.COORDINATOR, Role.MECHANIC)]
Editor = Annotated[Principal, require(Role.ADMIN, Role.FLEET_MANAGER)]


class RuleThresholdsUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    confirm_fixes: int | None = Field(default=None, ge=1, le=50)
    confirm_seconds: int | None = Field(default=None, ge=0, le=3600)
    theft_displacement_m: float | None = Field(default=None, ge=20, le=50_000)
    return_window_hours: float | None = Field(default=None, ge=0, le=24 * 14)
    low_battery_pct: float | None = Field(default=None, ge=0, le=100)
    silent_after_minutes: int | None = Field(default=None, ge=5, le=60 * 24 * 30)


@router.get("/geofence-rules", response_model=list[Thresholds])
def list_rules(reader: Reader, conn: DbConn):
    return sorted(repository.get_thresholds(conn).values(), key=lambda row: row.vehicle_kind)


@router.patch("/geofence-rules/{vehicle_kind}", response_model=Thresholds)
def update_rules(vehicle_kind: VehicleKind, data: RuleThresholdsUpdate, editor: Editor, conn: DbConn, now: Now):
    changes = {name: value for name, value in data.model_dump(exclude_unset=True).items() if value is not None}
    if not repository.update_thresholds(conn, vehicle_kind, now=now, **changes):
        raise NotFound("Aucun seuil pour ce type de véhicule.")
    return repository.get_thresholds(conn)[vehicle_kind]
