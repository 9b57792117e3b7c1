"""Loan, LoanDetail, BookingCreate, the transitions' bodies, Inspection, availability and report rows."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StringConstraints, model_validator

from fleet_api.participants.schemas import Purpose
from fleet_api.schemas import Name, RefId, Text, VehicleKind, within_service_years

LoanStatus = Literal["requested", "validated", "active", "returned", "rejected", "cancelled", "overdue"]
Signature = Annotated[str, StringConstraints(max_length=300_000, pattern=r"^(data:image/png;base64,)?[A-Za-z0-9+/=]+$")]
LongText = Annotated[str, StringConstraints(min_length=1, max_length=1000, pattern=r"^[^\x00]*\S[^\x00]*$")]


def _moment(value: datetime) -> datetime:
    """UTC when no offset is given; years the service can compute with (buffers, months)."""
    return within_service_years(value if value.tzinfo else value.replace(tzinfo=UTC))


Moment = Annotated[datetime, AfterValidator(_moment)]


class BookingCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    participant_id: RefId
    vehicle_id: RefId | None = Field(default=None, description="the vehicle asked for; or give `vehicle_kind`")
    vehicle_kind: VehicleKind | None = Field(
        default=None,
        description="any free vehicle of this kind (the one"
        " the fewest other requests want), when no `vehicle_id` is given",
    )
    starts_at: Moment
    ends_at: Moment
    purpose: Purpose | None = Field(default=None, description="default: the participant's")

    @model_validator(mode="after")
    def _vehicle_or_kind(self) -> BookingCreate:
        if (self.vehicle_id is None) == (self.vehicle_kind is None):
            raise ValueError("give either vehicle_id or vehicle_kind")
        return self


class ValidateRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    vehicle_id: RefId | None = Field(default=None, description="another free vehicle chosen by the coordinator")


class RejectRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    reason: LongText


class CancelRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    reason: Text | None = None


class DepositRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    amount_cents: int = Field(ge=0, le=1_000_000)
    method: Literal["cash", "cheque", "card", "transfer", "waived"]


class ExtendRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    ends_at: Moment
    reason: Text | None = None


class PhotoRef(BaseModel):
    """A photo uploaded beforehand (`POST /api/v1/photos`), named by its upload id."""

    model_config = ConfigDict(extra="forbid")

    upload_id: RefId
    caption: Text = ""


class Damage(BaseModel):
    model_config = ConfigDict(extra="forbid")

    location: Name = Field(description="where on the vehicle (« aile avant gauche »)")
    description: LongText
    photos: Annotated[list[PhotoRef], Field(max_length=5)] = []


class Checklist(BaseModel):
    model_config = ConfigDict(extra="forbid")

    keys: bool = False
    helmet: bool = False
    lock: bool = False
    charger: bool = False
    documents: bool = False
    insurance_card: bool = False


class InspectionCreate(BaseModel):
    """An *état des lieux*. `odometer_km` left out: the telemetry's effective odometer."""

    model_config = ConfigDict(extra="forbid")

    odometer_km: float | None = Field(default=None, ge=0, le=2_000_000)
    odometer_correction_reason: Text | None = Field(
        default=None, description="needed when the odometer read differs from the telemetry's by more than 1 km"
    )
    energy_pct: float | None = Field(default=None, ge=0, le=100, description="fuel or battery level")
    checklist: Checklist = Checklist()
    damages: Annotated[list[Damage], Field(max_length=20)] = []
    participant_signed: bool
    staff_signed: bool
    participant_signature: Signature | None = Field(
        default=None,
        description="the participant's signature drawn on screen: a PNG, base64 or data URL (printed on the receipt)",
    )
    staff_signature: Signature | None = Field(default=None, description="the coordinator's, likewise")

    def as_domain(self) -> dict:
        return self.model_dump()


class Loan(BaseModel):
    id: int
    vehicle_id: int
    vehicle_label: str
    vehicle_kind: VehicleKind
    participant_id: int | None = Field(description="null once the person's data was erased")
    prescriber_id: int | None
    requested_by: int | None
    status: LoanStatus
    starts_at: datetime
    ends_at: datetime
    held_until: datetime = Field(description="end plus the turnaround buffer: the vehicle is held until then")
    purpose: Purpose | None
    intercommunality: str | None = Field(description="where the participant lives (kept for the figures)")
    deposit_cents: int | None
    deposit_method: str | None
    deposit_recorded_at: datetime | None
    rejection_reason: str | None
    checked_out_at: datetime | None
    checked_in_at: datetime | None
    odometer_km_driven: float | None
    telemetry_km_driven: float | None
    back_awaiting_checkin: bool = Field(description="the vehicle is back at its depot, awaiting check-in")
    created_at: datetime
    updated_at: datetime


class Transition(BaseModel):
    from_status: str | None
    to_status: str
    by_user_id: int | None
    by_username: str | None
    at: datetime
    reason: str | None


class InspectionDamage(BaseModel):
    location: str
    description: str


class InspectionPhoto(BaseModel):
    id: int = Field(description="served by GET /bookings/{loan_id}/photos/{id}")
    damage_index: int | None = Field(description="position of the damage it shows in `damages`")
    content_type: str
    caption: str


class Inspection(BaseModel):
    id: int
    kind: Literal["checkout", "checkin"]
    odometer_km: float
    telemetry_odometer_km: float | None
    odometer_correction_reason: str | None
    energy_pct: float | None
    checklist: dict[str, bool]
    damages: list[InspectionDamage]
    participant_signed_at: datetime | None
    staff_signed_at: datetime | None
    by_user_id: int | None
    created_at: datetime
    photos: list[InspectionPhoto]


class LoanDetail(Loan):
    transitions: list[Transition]
    inspections: dict[str, Inspection]


class AvailableVehicle(BaseModel):
    vehicle_id: int
    label: str
    kind: VehicleKind
    status: str
    site_id: int
    site_name: str
    distance_km: float | None = Field(description="from the site asked for, between depots")
    battery_pct: float | None
    fuel_pct: float | None
    odometer_km: float | None
    pending_requests: int = Field(description="requests (not yet validated) on the same dates")


class LoanRules(BaseModel):
    vehicle_kind: VehicleKind
    turnaround_hours: float
    max_days: int


class LoanRulesUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    turnaround_hours: float | None = Field(default=None, ge=0, le=24 * 14)
    max_days: int | None = Field(default=None, ge=1, le=366)


class ActivityRow(BaseModel):
    month: str
    intercommunality: str = Field(description="« Total » for the whole month")
    participants: int
    loans_started: int
    loans_ended: int
    loan_days: float
    km: float
    utilisation: dict[str, float | None] = Field(description="per vehicle kind, 0–1")


class ActivityReport(BaseModel):
    first_month: str
    last_month: str
    rows: list[ActivityRow]
