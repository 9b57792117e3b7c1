"""Participant, ParticipantCreate, ParticipantUpdate, ParticipantExport."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, field_validator

from fleet_api.schemas import Email, Name, Phone, RefId, Text

Purpose = Literal["job", "training", "interview", "daily_life"]
Notes = Annotated[str, StringConstraints(max_length=2000, pattern=r"^[^\x00]*$")]
CheckedOn = Annotated[date, Field(ge=date(1950, 1, 1), le=date(2100, 1, 1))]


class Licence(BaseModel):
    model_config = ConfigDict(extra="forbid")

    category: Literal["B", "AM", "BSR"]
    checked_on: CheckedOn = Field(description="the day a coordinator saw the document")


Licences = Annotated[list[Licence], Field(max_length=3)]


def _distinct(licences: list[Licence] | None) -> list[Licence] | None:
    if licences is not None and len({licence.category for licence in licences}) != len(licences):
        raise ValueError("une catégorie de permis n'apparaît qu'une fois")
    return licences


class ParticipantCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    first_name: Name
    last_name: Name
    phone: Phone | None = None
    email: Email | None = None
    municipality: Text | None = Field(default=None, description="commune of residence")
    intercommunality: Text | None = Field(default=None, description="intercommunalité, for the funders' figures")
    prescriber_id: RefId | None = Field(default=None, description="referring structure (a prescriber's own, always)")
    purpose: Purpose | None = None
    notes: Notes = ""
    licences: Licences = []

    _licences = field_validator("licences")(_distinct)


class ParticipantUpdate(BaseModel):
    """Only the fields sent change; `licences`, when sent, replaces the list."""

    model_config = ConfigDict(extra="forbid")

    first_name: Name | None = None
    last_name: Name | None = None
    phone: Phone | None = None
    email: Email | None = None
    municipality: Text | None = None
    intercommunality: Text | None = None
    prescriber_id: RefId | None = None
    purpose: Purpose | None = None
    notes: Notes | None = None
    licences: Licences | None = None

    _licences = field_validator("licences")(_distinct)


class Participant(BaseModel):
    id: int
    first_name: str | None
    last_name: str | None
    phone: str | None
    email: str | None
    municipality: str | None
    intercommunality: str | None
    prescriber_id: int | None
    prescriber_name: str | None
    referred_by_user_id: int | None
    purpose: Purpose | None
    notes: str
    licences: list[Licence]
    created_at: datetime
    updated_at: datetime
    erased_at: datetime | None = Field(description="set once the person's data was erased on request")


class ParticipantLoan(BaseModel):
    id: int
    vehicle_label: str
    vehicle_kind: str
    status: str
    starts_at: datetime
    ends_at: datetime
    purpose: str | None
    deposit_cents: int | None
    checked_out_at: datetime | None
    checked_in_at: datetime | None
    odometer_km_driven: float | None


class ExportedTransition(BaseModel):
    from_status: str | None
    to_status: str
    by_username: str | None
    at: datetime
    reason: str | None


class ExportedPhoto(BaseModel):
    id: int
    damage_index: int | None
    content_type: str
    caption: str | None
    content_base64: str


class ExportedInspection(BaseModel):
    kind: str
    odometer_km: float
    telemetry_odometer_km: float | None
    odometer_correction_reason: str | None
    energy_pct: float | None
    checklist: dict
    damages: list
    participant_signed_at: datetime | None = Field(description="the participant's signature (a time)")
    staff_signed_at: datetime | None
    created_at: datetime
    photos: list[ExportedPhoto]


class ExportedPosition(BaseModel):
    fix_time: datetime
    lat: float
    lon: float
    speed_kmh: float | None
    effective_odometer_km: float | None


class ExportedRenewal(BaseModel):
    renewed_at: datetime
    reason: str


class ExportedIncident(BaseModel):
    id: int
    kind: str = Field(description="theft_suspected, accident, assistance_requested, not_returned")
    reason: str
    opened_at: datetime
    renewed_at: datetime | None
    closed_at: datetime | None
    outcome: str | None
    renewals: list[ExportedRenewal]


class ExportedLoan(ParticipantLoan):
    transitions: list[ExportedTransition]
    inspections: list[ExportedInspection]
    positions: list[ExportedPosition] = Field(
        description="the vehicle's positions still kept (FLEET_RETENTION_DAYS) from check-out to check-in"
    )
    incidents: list[ExportedIncident] = Field(description="the incidents opened during the loan (theft, accident…)")


class ExportedAuditEntry(BaseModel):
    at: datetime
    username: str | None
    action: str
    subject_type: str
    subject_id: str
    reason: str | None
    details: dict


class DrawnSignature(BaseModel):
    loan_id: int
    inspection_kind: Literal["checkout", "checkin"]
    signed_at: datetime
    png_base64: str = Field(description="the signature as drawn on the tablet, a PNG image")


class ParticipantExport(BaseModel):
    """Everything held about one person (RGPD right of access)."""

    participant: Participant
    loans: list[ExportedLoan]
    audit: list[ExportedAuditEntry] = Field(description="entries about the person or their loans")
    signatures: list[DrawnSignature]
    exported_at: datetime
