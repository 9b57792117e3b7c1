"""ZoneFeature, ZoneCreate, ZoneChanges, ZoneCollection, Event: zones as GeoJSON (RFC 7946);
RuleThresholdsUpdate: a change of the alert thresholds of a vehicle kind.

The geometries are described for clients (and the fuzzer); whether they enclose an area
is checked by `geofence.zones.parse_shape`, which refuses a bad shape with its reason
(self_crossing, unclosed_ring…). A geometry of another type is accepted here only to be
refused there with reason `unknown_type`.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StrictBool, StrictFloat, StrictInt

from fleet_api.deps import MAX_ID
from fleet_api.schemas import Name

Position = Annotated[list[float], Field(min_length=2, max_length=3, description="[lon, lat] in WGS 84 degrees")]
Metres = StrictFloat | StrictInt
ZoneKind = Literal["depot", "service_area", "other", "custom"]  # custom: the old name of other
SiteId = Annotated[StrictInt, Field(ge=1, le=MAX_ID)]


class PointGeometry(BaseModel):
    """A circle's centre (with `radius_m`)."""

    type: Literal["Point"]
    coordinates: Position


class LineStringGeometry(BaseModel):
    """A corridor's middle line (with `width_m`)."""

    type: Literal["LineString"]
    coordinates: Annotated[list[Position], Field(min_length=2)]


class PolygonGeometry(BaseModel):
    """An outer ring and its holes, each closed (last position = first)."""

    type: Literal["Polygon"]
    coordinates: Annotated[list[Annotated[list[Position], Field(min_length=4)]], Field(min_length=1)]


class MultiPolygonGeometry(BaseModel):
    type: Literal["MultiPolygon"]
    coordinates: Annotated[list[list[Annotated[list[Position], Field(min_length=4)]]], Field(min_length=1)]


class OtherGeometry(BaseModel):
    """Any other geometry: refused with reason unknown_type (or its own shape's reason)."""

    type: Annotated[str, Field(max_length=64)]
    coordinates: Any = None


Geometry = PointGeometry | LineStringGeometry | PolygonGeometry | MultiPolygonGeometry | OtherGeometry


class ZoneProperties(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: Name
    kind: ZoneKind = "other"
    site_id: SiteId | None = Field(default=None, description="the depot's site; only for kind depot")
    radius_m: Metres | None = Field(default=None, description="a circle's radius (Point geometry)")
    width_m: Metres | None = Field(default=None, description="a corridor's width (LineString geometry)")
    active: StrictBool = True


class ZoneCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    type: Literal["Feature"]
    geometry: Geometry
    properties: ZoneProperties


class ZoneChanges(BaseModel):
    """A PATCH: any property of the Feature, and `geometry`; the result is checked whole."""

    model_config = ConfigDict(extra="forbid")

    name: Name | None = None
    kind: ZoneKind | None = None
    site_id: SiteId | None = None
    radius_m: Metres | None = None
    width_m: Metres | None = None
    active: StrictBool | None = None
    geometry: Geometry | None = None


class StoredZoneProperties(ZoneProperties):
    model_config = ConfigDict(extra="forbid")

    name: str
    updated_at: datetime


class ZoneFeature(BaseModel):
    type: Literal["Feature"]
    id: int
    geometry: Geometry
    properties: StoredZoneProperties


class ZoneCollection(BaseModel):
    type: Literal["FeatureCollection"]
    features: list[ZoneFeature]


class Event(BaseModel):
    id: int
    vehicle_id: int
    vehicle_label: str
    type: str
    occurred_at: datetime
    geofence_id: int | None
    geofence_name: str | None
    lat: float | None
    lon: float | None
    during_loan: bool
    details: dict[str, Any]


class RuleThresholdsUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    confirm_fixes: int | None = Field(default=None, ge=1, le=50)
    confirm_seconds: int | None = Field(default=None, ge=0, le=3600)
    theft_displacement_m: float | None = Field(default=None, ge=20, le=50_000)
    return_window_hours: float | None = Field(default=None, ge=0, le=24 * 14)
    low_battery_pct: float | None = Field(default=None, ge=0, le=100)
    silent_after_minutes: int | None = Field(default=None, ge=5, le=60 * 24 * 30)
