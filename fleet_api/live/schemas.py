"""LiveVehicle: one vehicle of the live fleet (the shape of `/fleet/live` and stream events)."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, Field

from fleet_api.vehicles.schemas import VehicleKind, VehicleStatus


class LiveVehicle(BaseModel):
    vehicle_id: int
    label: str
    kind: VehicleKind
    status: VehicleStatus
    tracker_id: str | None
    home_site_id: int
    home_site_name: str = Field(description="the vehicle's depot")
    fix_time: datetime | None = Field(description="time of the last fix (UTC)")
    lat: float | None
    lon: float | None
    position_precision: Literal["precise", "coarse", "hidden"] = Field(
        description="while the vehicle is on loan, as FLEET_LOAN_LOCATION_POLICY says: coarse (about 1 km), "
        "hidden (no lat/lon) or precise; precise during an incident for the fleet manager and "
        "the administrator (docs/PRIVACY.md)"
    )
    speed_kmh: float | None = Field(description="null while the vehicle is on loan")
    heading_deg: float | None
    battery_pct: float | None = Field(description="traction battery")
    fuel_pct: float | None
    tracker_battery_pct: float | None
    ignition: bool | None
    effective_odometer_km: float | None
    odometer_km: float | None = Field(description="the vehicle's own odometer, as its tracker last read it")
    last_seen_at: datetime | None
    online: bool
    loan_id: int | None
    loan_status: Literal["active", "overdue"] | None
    incident_id: int | None = Field(description="the incident in force on the vehicle, if any")
