"""Vehicle, VehicleCreate, VehicleUpdate."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from fleet_api.schemas import Name, RefId, Text

Plate = Annotated[str, StringConstraints(min_length=2, max_length=20, pattern=r"^[A-Z0-9][A-Z0-9 -]*$")]
# Dates PostgreSQL and Python both hold.
RegisteredOn = Annotated[date, Field(ge=date(1900, 1, 1), le=date(2100, 1, 1))]


class VehicleKind(StrEnum):
    CAR = "car"
    SCOOTER = "scooter"
    EBIKE = "ebike"
    ECAR = "ecar"


class Energy(StrEnum):
    PETROL = "petrol"
    DIESEL = "diesel"
    ELECTRIC = "electric"


class VehicleStatus(StrEnum):
    AVAILABLE = "available"
    ON_LOAN = "on_loan"
    MAINTENANCE = "maintenance"
    IMMOBILISED = "immobilised"
    OUT_OF_SERVICE = "out_of_service"


class SettableStatus(StrEnum):
    """What people set (`fleet.vehicles`); `on_loan` and `immobilised` follow loans and tickets."""

    AVAILABLE = "available"
    MAINTENANCE = "maintenance"
    OUT_OF_SERVICE = "out_of_service"


class Vehicle(BaseModel):
    id: int
    label: str
    kind: VehicleKind
    energy: Energy
    plate: str | None
    make: str
    model: str
    first_registered_on: date | None
    insurance_expires_on: date | None = Field(default=None, description="maintenance alerts before it")
    home_site_id: int
    status: VehicleStatus
    tracker_id: str | None = Field(description="the tracker registered to this vehicle, if any")
    created_at: datetime
    updated_at: datetime


class VehicleCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    label: Name
    kind: VehicleKind
    energy: Energy
    plate: Plate | None = Field(default=None, description="required except for e-bikes")
    make: Text = ""
    model: Text = ""
    first_registered_on: RegisteredOn | None = None
    home_site_id: RefId
    status: SettableStatus = SettableStatus.AVAILABLE


class VehicleUpdate(BaseModel):
    """Only the fields sent change; kind and energy are fixed at creation."""

    model_config = ConfigDict(extra="forbid")

    label: Name | None = None
    plate: Plate | None = None
    make: Text | None = None
    model: Text | None = None
    first_registered_on: RegisteredOn | None = None
    insurance_expires_on: RegisteredOn | None = None
    home_site_id: RefId | None = None
    status: SettableStatus | None = Field(
        default=None,
        description="refused (409) while the vehicle is on loan or immobilised: those follow the loan or the ticket",
    )
