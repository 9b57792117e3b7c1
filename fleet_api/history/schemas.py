"""Track, TrackPoint, TripsAndStops."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field

from tracking.trips import Stop, Trip


class TrackPoint(BaseModel):
    fix_time: datetime
    lat: float
    lon: float
    speed_kmh: float | None
    heading_deg: float | None
    alt_m: float | None
    effective_odometer_km: float | None
    battery_pct: float | None
    fuel_pct: float | None
    ignition: bool | None


class Track(BaseModel):
    vehicle_id: int
    start: datetime = Field(serialization_alias="from")
    end: datetime = Field(serialization_alias="to")
    total_points: int = Field(description="fixes stored in the window")
    downsampled: bool
    positions: list[TrackPoint]


class TripsAndStops(BaseModel):
    vehicle_id: int
    trips: list[Trip]  # the domain's own dataclasses: pydantic reads them as they are
    stops: list[Stop]
