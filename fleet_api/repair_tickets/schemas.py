"""RepairTicket, RepairTicketCreate, RepairTicketUpdate, StatusChange, CommentCreate, CostsUpdate,
TicketPhoto."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from fleet_api.maintenance.schemas import TaskName
from fleet_api.schemas import Name, RefId

Status = Literal["draft", "open", "sent", "accepted", "in_progress", "done", "cancelled"]
LongText = Annotated[str, StringConstraints(max_length=4000, pattern=r"^[^\x00]*$")]
Comment = Annotated[str, StringConstraints(min_length=1, max_length=4000, pattern=r"^[^\x00]*\S[^\x00]*$")]
Cents = Annotated[int, Field(ge=0, le=100_000_000)]


class Part(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: Name
    quantity: int = Field(default=1, ge=1, le=1000)
    unit_price_cents: Cents | None = None


class TicketUpdate(BaseModel):
    id: int
    kind: Literal["status", "comment", "costs", "edit"]
    status: str
    note: str
    by_user_id: int | None
    by_name: str | None
    author_role: str | None
    at: datetime
    accepted_quote_cents: int | None = Field(default=None, description="the quote this status change accepted")


class RepairTicket(BaseModel):
    id: int
    vehicle_id: int
    vehicle_label: str
    vehicle_kind: str
    vehicle_plate: str | None = Field(default=None, description="registration (none for an e-bike)")
    vehicle_make: str = ""
    vehicle_model: str = ""
    garage_id: int | None
    garage_name: str | None
    loan_id: int | None
    opened_by: int | None
    title: str
    description: str
    status: Status
    immobilised: bool
    immobilised_since: datetime | None
    quote_cents: int | None
    final_cost_cents: int | None
    parts: list[Part]
    tasks: list[str]
    service_record_id: int | None = Field(description="written when the ticket is done")
    created_at: datetime
    updated_at: datetime
    closed_at: datetime | None
    updates: list[TicketUpdate] | None = Field(default=None, description="history, on the single-ticket routes")


class RepairTicketCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    vehicle_id: RefId
    garage_id: RefId
    title: Name
    description: LongText = ""
    immobilised: bool = False
    tasks: list[TaskName] = Field(
        default_factory=list, max_length=30, description="maintenance tasks the repair covers (reset when done)"
    )


class RepairTicketUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    garage_id: RefId | None = None
    title: Name | None = None
    description: LongText | None = None
    immobilised: bool | None = None
    tasks: list[TaskName] | None = Field(default=None, max_length=30)


class StatusChange(BaseModel):
    model_config = ConfigDict(extra="forbid")

    status: Status
    note: LongText = ""
    final_cost_cents: Cents | None = Field(default=None, description="with status done")
    accepted_quote_cents: Cents | None = Field(
        default=None,
        description="staff accepting the garage's quote (with status accepted): the amount they read,"
        " which must still be the ticket's quote (409 otherwise)",
    )


class CommentCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    text: Comment


class CostsUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    quote_cents: Cents | None = None
    final_cost_cents: Cents | None = None
    parts: list[Part] | None = Field(default=None, max_length=200)


class TicketPhoto(BaseModel):
    id: int
    ticket_id: int
    tag: Literal["fault", "repair"] = Field(description="what it shows: the fault, or the repair")
    content_type: Literal["image/jpeg", "image/png", "image/webp"] = Field(description="from the content itself")
    size_bytes: int
    caption: str
    uploaded_by: int | None
    by_name: str | None
    author_role: str
    created_at: datetime
