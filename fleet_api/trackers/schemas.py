"""Tracker, TrackerCreate, TrackerUpdate, and the credentials shown once."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StringConstraints

from fleet_api.schemas import RefId, Text

TrackerId = Annotated[str, StringConstraints(pattern=r"^[a-z0-9][a-z0-9_-]{1,63}$")]
TraccarUniqueId = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9._:-]{1,64}$")]


def _at_most_32_bytes(value: str) -> str:
    if not 1 <= len(value.encode("utf-8")) <= 32:
        raise ValueError("la clé OwnTracks fait de 1 à 32 octets (comme dans l'application)")
    return value


OwnTracksKey = Annotated[Text, AfterValidator(_at_most_32_bytes)]


class Tracker(BaseModel):
    tracker_id: str
    vehicle_id: int
    enabled: bool
    created_at: datetime
    disabled_at: datetime | None
    owntracks_encrypted: bool = Field(description="an OwnTracks key is set: its encrypted messages are read")
    traccar_unique_id: str | None


class TrackerCredentials(Tracker):
    """The tracker's MQTT login and HTTP secret, shown here once and never again."""

    mqtt_username: str
    mqtt_password: str
    mqtt_host: str
    mqtt_port: int
    http_secret: str = Field(description="the secret of the HTTP ingress URLs below")
    osmand_url: str = Field(description="server URL for Traccar Client, OsmAnd, GPSLogger (device id: tracker_id)")
    owntracks_http_url: str = Field(description="URL for the OwnTracks app in HTTP mode")


class TrackerCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    tracker_id: TrackerId = Field(description="also the tracker's MQTT username")
    vehicle_id: RefId
    owntracks_key: OwnTracksKey | None = Field(
        default=None, description="the encryption secret typed in the OwnTracks app (1 to 32 bytes), if any"
    )
    traccar_unique_id: TraccarUniqueId | None = Field(
        default=None, description="the device's uniqueId in Traccar (a box's IMEI), for forwarded positions"
    )


class TrackerUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    enabled: bool = Field(description="false: the broker refuses the tracker's login")


class TrackerHealth(BaseModel):
    """One tracker as the fleet manager checks it (Santé des balises)."""

    tracker_id: str
    enabled: bool
    vehicle_id: int
    label: str
    kind: str
    last_seen_at: datetime | None = Field(description="last message received")
    last_fix_at: datetime | None = Field(description="time of the last position fix")
    tracker_battery_pct: float | None
    online: bool
    received_24h: int = Field(description="readings stored in the last 24 h")
    refused_24h: int = Field(description="messages refused (dead letters) in the last 24 h")


class DeadLetter(BaseModel):
    """A refused message, with its reason in French; a lent vehicle's coordinates are masked."""

    id: int
    received_at: datetime
    topic: str
    tracker_id: str | None
    reason: str
    reason_text: str
    detail: str
    lent: bool = Field(description="its vehicle was on loan when it arrived: coordinates masked")
    payload_text: str
    payload_bytes: int
