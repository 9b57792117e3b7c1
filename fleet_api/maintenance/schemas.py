"""MaintenancePlanUpdate, ServiceRecord, ServiceRecordCreate (plans and due states are answered as
the domain's own dataclasses, `maintenance.plans.Plan` and `maintenance.due.DueState`)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, model_validator

from fleet_api.schemas import Name
from maintenance.plans import Rule

TaskName = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_]{0,39}$")]
Notes = Annotated[str, StringConstraints(max_length=4000, pattern=r"^[^\x00]*$")]


class MaintenancePlanUpdate(BaseModel):
    """A whole task (every N km and/or every M months, whichever comes first)."""

    model_config = ConfigDict(extra="forbid")

    label: Name
    rule: Rule = "interval"
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
    odometer_km: float | None = Field(
        default=None, ge=0, le=2_000_000, description="default: the vehicle's effective odometer"
    )
    tasks: list[TaskName] = Field(min_length=1, max_length=30)
    cost_cents: int | None = Field(default=None, ge=0, le=100_000_000)
    notes: Notes = ""
