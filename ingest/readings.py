"""What the decoder makes of a message: readings, status changes, and typed rejections."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from fleetbase.errors import InvalidInput


@dataclass(slots=True)  # not frozen: a frozen dataclass's __init__ costs several times more, per reading
class Reading:
    """One fix from one tracker, in the MQTT contract's units (docs/ARCHITECTURE.md); a value, never changed."""

    tracker_id: str
    fix_time: datetime
    lat: float
    lon: float
    speed_kmh: float | None = None
    heading_deg: float | None = None
    alt_m: float | None = None
    acc_m: float | None = None
    odometer_km: float | None = None
    battery_pct: float | None = None
    fuel_pct: float | None = None
    tracker_battery_pct: float | None = None
    ignition: bool | None = None
    seq: int | None = None
    attributes: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class StatusUpdate:
    """A tracker saying it is online or offline (its retained status topic)."""

    tracker_id: str
    online: bool
    at: datetime


class RejectedReading(InvalidInput):
    """A message, or one reading of a batch, that cannot be used; `reason` is its kind.

    Reasons: bad_topic, bad_json, not_a_reading, empty_batch, batch_too_large,
    missing_field, malformed_field, out_of_range, null_island, future_fix, too_old,
    unknown_tracker, disabled_tracker, processing_error; for the protocols of
    ingest/protocols/: no_decryption_key, decryption_failed, invalid_fix, tracker_mismatch.
    """

    def __init__(self, reason: str, detail: str, *, payload: bytes | None = None) -> None:
        super().__init__(detail, reason=reason)
        self.payload = payload


@dataclass(slots=True)
class Decoded:
    """Everything one MQTT message carried: usable items and rejections, never an exception."""

    tracker_id: str | None
    readings: list[Reading] = field(default_factory=list)
    statuses: list[StatusUpdate] = field(default_factory=list)
    rejections: list[RejectedReading] = field(default_factory=list)
    ignored: int = 0
    ignored_types: list[str] = field(default_factory=list)  # what each ignored message was ("empty", "card"…)
