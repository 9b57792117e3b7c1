"""Zones: GeoJSON in, checked shapes out, with a typed reason for every refusal.

A zone is a Polygon or MultiPolygon, a circle (a Point with `radius_m`, on the
ground) or a corridor (a LineString with `width_m`, the line down its middle).
`Zone.shape` is the area it covers, in lon/lat degrees, circles and corridors drawn
in metres by `geofence.geodesy`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import shapely

from fleetbase.errors import InvalidInput
from geofence import geodesy

KINDS = ("depot", "service_area", "other")
MAX_RADIUS_M = 50_000.0  # beyond this a "circle" is a region: draw it as a polygon
MAX_WIDTH_M = 10_000.0


class InvalidZone(InvalidInput):
    """A zone's GeoJSON or parameters cannot describe an area; `reason` says which rule.

    Reasons: not_geojson, unknown_type, bad_position, out_of_range, too_few_points,
    unclosed_ring, self_crossing, invalid_polygon, bad_radius, bad_width, bad_kind, bad_name,
    not_operational (a depot or service area that does not reach the association's sites).
    """

    def __init__(self, reason: str, detail: str) -> None:
        super().__init__(detail, reason=reason)


@dataclass(frozen=True)
class Zone:
    """A stored zone and the area it covers."""

    id: int
    name: str
    kind: str
    site_id: int | None
    geometry: dict[str, Any]
    radius_m: float | None
    width_m: float | None
    shape: shapely.Polygon | shapely.MultiPolygon


def check_kind(kind: str) -> str:
    """`kind` if it is one of KINDS ('custom', the old name of 'other', is accepted)."""
    if kind == "custom":
        return "other"
    if kind not in KINDS:
        raise InvalidZone("bad_kind", f"kind must be one of {', '.join(KINDS)}, not {kind!r}")
    return kind


def parse_shape(geometry: Any, *, radius_m: float | None = None,
                width_m: float | None = None) -> shapely.Polygon | shapely.MultiPolygon:
    """The lon/lat area described by a GeoJSON geometry (and radius or width), or InvalidZone."""
    if not isinstance(geometry, dict) or not isinstance(geometry.get("type"), str):
        raise InvalidZone("not_geojson", "a zone is a GeoJSON geometry object with a 'type'")
    kind, coordinates = geometry["type"], geometry.get("coordinates")
    if kind != "Point" and radius_m is not None:
        raise InvalidZone("bad_radius", "radius_m applies to a Point (a circle) only")
    if kind != "LineString" and width_m is not None:
        raise InvalidZone("bad_width", "width_m applies to a LineString (a corridor) only")
    if kind == "Point":
        lon, lat = _position(coordinates, "Point")
        return geodesy.geodesic_circle(lon, lat, _positive(radius_m, "radius_m", "bad_radius", MAX_RADIUS_M))
    if kind == "LineString":
        line = _line(coordinates, "LineString")
        return geodesy.corridor(line, _positive(width_m, "width_m", "bad_width", MAX_WIDTH_M))
    if kind == "Polygon":
        return _polygon(coordinates, "Polygon")
    if kind == "MultiPolygon":
        if not isinstance(coordinates, list) or not coordinates:
            raise InvalidZone("too_few_points", "a MultiPolygon needs at least one polygon")
        parts = [_polygon(part, f"MultiPolygon part {number}") for number, part in enumerate(coordinates)]
        shape = shapely.MultiPolygon(parts)
        if not shape.is_valid:
            raise InvalidZone("invalid_polygon", f"MultiPolygon: {shapely.is_valid_reason(shape)}")
        return shape
    raise InvalidZone("unknown_type", f"unsupported geometry type {kind!r}: use Polygon, "
                                      "MultiPolygon, Point with radius_m or LineString with width_m")


def _positive(value: Any, name: str, reason: str, maximum: float) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        raise InvalidZone(reason, f"{name} (metres) is required and must be a number")
    if value <= 0:
        raise InvalidZone(reason, f"{name} must be greater than 0 m, not {value}")
    if value > maximum:
        raise InvalidZone(reason, f"{name} must be at most {maximum:.0f} m, not {value}")
    return float(value)


def _position(value: Any, where: str) -> tuple[float, float]:
    if (not isinstance(value, list) or len(value) not in (2, 3)
            or not all(isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v)
                       for v in value)):
        raise InvalidZone("bad_position", f"{where}: a position is [lon, lat] in degrees, not {value!r}")
    lon, lat = value[0], value[1]
    if not (-180 <= lon <= 180 and -90 <= lat <= 90):
        raise InvalidZone("out_of_range", f"{where}: [{lon}, {lat}] is not a WGS 84 [lon, lat]")
    return float(lon), float(lat)


def _line(value: Any, where: str) -> shapely.LineString:
    if not isinstance(value, list) or len(value) < 2:
        raise InvalidZone("too_few_points", f"{where}: a line needs at least 2 positions")
    points = [_position(position, where) for position in value]
    if len(set(points)) < 2:
        raise InvalidZone("too_few_points", f"{where}: a line needs 2 distinct positions")
    return shapely.LineString(points)


def _ring(value: Any, where: str) -> shapely.LinearRing:
    if not isinstance(value, list) or len(value) < 4:
        raise InvalidZone("too_few_points", f"{where}: a ring needs at least 4 positions, the last equal to the first")
    points = [_position(position, where) for position in value]
    if points[0] != points[-1]:
        raise InvalidZone("unclosed_ring", f"{where}: the ring's last position must repeat its first")
    if len(set(points)) < 3:
        raise InvalidZone("too_few_points", f"{where}: a ring needs at least 3 distinct positions")
    ring = shapely.LinearRing(points)
    if not ring.is_simple:
        raise InvalidZone("self_crossing", f"{where}: the ring crosses itself")
    return ring


def _polygon(value: Any, where: str) -> shapely.Polygon:
    if not isinstance(value, list) or not value:
        raise InvalidZone("too_few_points", f"{where}: a polygon needs an outer ring")
    rings = [_ring(ring, f"{where} ring {number}") for number, ring in enumerate(value)]
    polygon = shapely.Polygon(rings[0], rings[1:])
    if polygon.area == 0:
        raise InvalidZone("invalid_polygon", f"{where}: the ring encloses no area")
    if not polygon.is_valid:
        raise InvalidZone("invalid_polygon", f"{where}: {shapely.is_valid_reason(polygon)}")
    return polygon
