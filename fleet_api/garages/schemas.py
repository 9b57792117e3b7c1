"""Garage, GarageUpdate, WebhookSet, WebhookCredentials."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, field_validator

from fleet_api.schemas import Email, Phone

WebhookUrl = Annotated[str, StringConstraints(max_length=500, pattern=r"^https?://[^\s\x00]+$")]
Address = Annotated[str, StringConstraints(max_length=200, pattern=r"^[^\x00]*$")]  # may span lines


class Garage(BaseModel):
    id: int
    name: str
    address: str
    email: str | None
    phone: str | None
    webhook_url: str | None = Field(description="the garage's own system, told of its tickets by signed web hook")
    created_at: datetime


class GarageUpdate(BaseModel):
    """Only the fields sent change."""

    model_config = ConfigDict(extra="forbid")

    address: Address | None = Field(default=None, description="null or empty: no address")
    email: Email | None = None
    phone: Phone | None = None

    @field_validator("address")
    @classmethod
    def _blank_address(cls, value: str | None) -> str:
        return "" if value is None else value  # the column holds '' for "no address", never NULL


class WebhookSet(BaseModel):
    model_config = ConfigDict(extra="forbid")

    url: WebhookUrl


class WebhookCredentials(BaseModel):
    url: str
    secret: str = Field(description="signs every delivery (Fleet-Signature, HMAC-SHA256); shown only this once")
    signature_header: str = "Fleet-Signature"
