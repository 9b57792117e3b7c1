"""Incident, IncidentDetail, IncidentCreate, IncidentRenew, IncidentClose."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import BaseModel, Field, StringConstraints

from fleet_api.schemas import RefId
from incidents.service import IncidentKind

# A written reason or outcome: a few lines at most, not blank (checked again by the service).
Written = Annotated[str, StringConstraints(min_length=1, max_length=2000, pattern=r"^[^\x00]*\S[^\x00]*$")]


class IncidentCreate(BaseModel):
    vehicle_id: RefId
    kind: IncidentKind = Field(
        description="theft_suspected, accident, assistance_requested, not_returned (the loan is overdue)"
    )
    reason: Written = Field(description="why the vehicle must be located, in a few words (kept in the audit log)")
    loan_id: RefId | None = Field(default=None, description="default: the vehicle's loan out now, if any")
    alert_id: RefId | None = Field(default=None, description="the alert this incident answers, if any")


class IncidentRenew(BaseModel):
    reason: Written = Field(description="why the incident must stay open")


class IncidentClose(BaseModel):
    outcome: Written = Field(description="how it ended (vehicle found, participant reached…)")


class Incident(BaseModel):
    id: int
    vehicle_id: int
    vehicle_label: str
    loan_id: int | None
    kind: IncidentKind
    reason: str
    alert_id: int | None
    status: Literal["open", "closed"]
    opened_by: int
    opened_at: datetime
    renewed_at: datetime | None
    expires_at: datetime = Field(description="when it closes by itself unless renewed (FLEET_INCIDENT_AUTO_CLOSE_DAYS)")
    closed_at: datetime | None
    closed_by: int | None = Field(description="null once closed: it closed by itself")
    outcome: str | None
    positions_from: datetime = Field(
        description="earliest fix its history shows (FLEET_INCIDENT_LOOKBACK_HOURS before it was opened)"
    )


class Renewal(BaseModel):
    renewed_at: datetime
    renewed_by: int
    reason: str


class IncidentDetail(Incident):
    renewals: list[Renewal]
