"""MaintenancePlan, MaintenancePlanUpdate, DueItem, ServiceRecord, ServiceRecordCreate."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, model_validator

from fleet_api.schemas import Name

TaskName = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_]{0,39}$")]
VehicleKind = Literal["car", "scooter", "ebike", "ecar"]
Level = Literal["ok", "due_soon", "due", "overdue"]
Notes = Annotated[str, StringConstraints(max_length=4000, pattern=r"^[^\x00]*$")]


class MaintenancePlan(BaseModel):
    task: str
    label: str
    rule: Literal["interval", "controle_technique", "insurance"]
    every_km: float | None
    every_months: int | None
    soon_km: float
    soon_days: int
    grace_km: float
    grace_days: int
    vehicle_kind: VehicleKind
    vehicle_id: int | None = Field(description="set when this is one vehicle's own override")


class MaintenancePlanUpdate(BaseModel):
    """A whole task (every N km and/or every M months, whichever comes first)."""

    model_config = ConfigDict(extra="forbid")

    label: Name
    rule: Literal["interval", "controle_technique", "insurance"] = "interval"
    every_km: float | None = Field(default=None, gt=0, le=1_000_000)
    every_months: int | None = Field(default=None, ge=1, le=240)
    soon_km: float = Field(default=0, ge=0, le=100_000)
    soon_days: int = Field(default=0, ge=0, le=3650)
    grace_km: float = Field(default=0, ge=0, le=100_000)
    grace_days: int = Field(default=0, ge=0, le=3650)

    @model_validator(mode="after")
    def _some_interval(self):
        if self.every_km is None and self.every_months is None:
            raise ValueError("give every_km, every_months or both")
        if self.rule != "interval" and self.every_months is None:
            raise ValueError("a regulatory task needs every_months (its renewal period)")
        return self


class DueItem(BaseModel):
    vehicle_id: int
    vehicle_label: str
    vehicle_kind: VehicleKind
    task: str
    label: str
    level: Level
    due_at_km: float | None
    due_on: date | None
    remaining_km: float | None
    remaining_days: int | None
    forecast_on: date | None = Field(description="at the recent daily distance, when it comes due")
    last_done_on: date | None
    last_done_km: float | None


class ServiceRecord(BaseModel):
    id: int
    vehicle_id: int
    performed_on: date
    odometer_km: float
    tasks: list[str]
    cost_cents: int | None
    notes: str
    by_user_id: int | None
    by_name: str | None
    created_at: datetime


class ServiceRecordCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    performed_on: date = Field(ge=date(1990, 1, 1), le=date(2100, 1, 1))
    odometer_km: float | None = Field(default=None, ge=0, le=2_000_000,
                                      description="default: the vehicle's effective odometer")
    tasks: list[TaskName] = Field(min_length=1, max_length=30)
    cost_cents: int | None = Field(default=None, ge=0, le=100_000_000)
    notes: Notes = ""
