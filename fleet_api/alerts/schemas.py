"""Alert, and the incident it offers to open: what `/alerts` answers."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, Field

Status = Literal["open", "acknowledged", "resolved"]


class IncidentOffer(BaseModel):
    method: Literal["POST"]
    href: str
    body: dict


class Alert(BaseModel):
    id: int
    kind: str
    severity: Literal["info", "warning", "critical"]
    target_role: str
    vehicle_id: int | None
    vehicle_label: str | None
    loan_id: int | None
    message: str
    status: Status
    created_at: datetime
    acknowledged_by: int | None
    acknowledged_at: datetime | None
    resolved_at: datetime | None
    notified_at: datetime | None
    incident_id: int | None = Field(description="the incident open on the alert's vehicle, if any")
    incident_offer: IncidentOffer | None = Field(
        description="a possible theft or a vehicle not returned: the call that opens an incident on it "
        "(fleet manager, administrator; write the reason)"
    )
