"""Tracker, TrackerCreate, TrackerUpdate, and the credentials shown once."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from fleet_api.schemas import RefId

TrackerId = Annotated[str, StringConstraints(pattern=r"^[a-z0-9][a-z0-9_-]{1,63}$")]


class Tracker(BaseModel):
    tracker_id: str
    vehicle_id: int
    enabled: bool
    created_at: datetime
    disabled_at: datetime | None


class TrackerCredentials(Tracker):
    """The tracker's MQTT login. The password is shown here once and never again."""

    mqtt_username: str
    mqtt_password: str
    mqtt_host: str
    mqtt_port: int


class TrackerCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    tracker_id: TrackerId = Field(description="also the tracker's MQTT username")
    vehicle_id: RefId


class TrackerUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    enabled: bool = Field(description="false: the broker refuses the tracker's login")
