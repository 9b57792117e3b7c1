"""Zones: GeoJSON in, checked shapes out, with a typed reason for every refusal (and a French
sentence for the person who drew it: the zones page shows the API's `detail` as it is).

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
        raise InvalidZone(
            "bad_kind",
            f"Le type de zone (kind) est depot (dépôt), service_area (zone de service)"
            f" ou other (autre), et non {kind!r}.",
        )
    return kind


def parse_shape(
    geometry: Any, *, radius_m: float | None = None, width_m: float | None = None
) -> shapely.Polygon | shapely.MultiPolygon:
    """The lon/lat area described by a GeoJSON geometry (and radius or width), or InvalidZone."""
    if not isinstance(geometry, dict) or not isinstance(geometry.get("type"), str):
        raise InvalidZone("not_geojson", "La forme d'une zone est une géométrie GeoJSON avec un « type ».")
    kind, coordinates = geometry["type"], geometry.get("coordinates")
    if kind != "Point" and radius_m is not None:
        raise InvalidZone("bad_radius", "Un rayon (radius_m) ne s'applique qu'à un cercle (un Point).")
    if kind != "LineString" and width_m is not None:
        raise InvalidZone("bad_width", "Une largeur (width_m) ne s'applique qu'à un couloir (une LineString).")
    if kind == "Point":
        lon, lat = _position(coordinates, "Le centre du cercle")
        return geodesy.geodesic_circle(lon, lat, _positive(radius_m, "Le rayon (radius_m)", "bad_radius", MAX_RADIUS_M))
    if kind == "LineString":
        line = _line(coordinates, "Le couloir")
        return geodesy.corridor(line, _positive(width_m, "La largeur (width_m)", "bad_width", MAX_WIDTH_M))
    if kind == "Polygon":
        return _polygon(coordinates, "Le polygone")
    if kind == "MultiPolygon":
        if not isinstance(coordinates, list) or not coordinates:
            raise InvalidZone("too_few_points", "Un MultiPolygon compte au moins un polygone.")
        parts = [_polygon(part, f"Le polygone n° {number + 1}") for number, part in enumerate(coordinates)]
        shape = shapely.MultiPolygon(parts)
        if not shape.is_valid:
            raise InvalidZone("invalid_polygon", f"Les polygones {_invalidity(shape)}.")
        return shape
    raise InvalidZone(
        "unknown_type",
        f"Forme {kind!r} non prise en charge : dessinez un polygone (Polygon,"
        " MultiPolygon), un cercle (Point et radius_m) ou un couloir (LineString"
        " et width_m).",
    )


def _positive(value: Any, name: str, reason: str, maximum: float) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        raise InvalidZone(reason, f"{name} est requis : un nombre de mètres.")
    if value <= 0:
        raise InvalidZone(reason, f"{name} doit dépasser 0 m (et non {value:g}).")
    if value > maximum:
        raise InvalidZone(
            reason, f"{name} vaut au plus {maximum:.0f} m (et non {value:g}) : au-delà, dessinez un polygone."
        )
    return float(value)


def _position(value: Any, where: str) -> tuple[float, float]:
    if (
        not isinstance(value, list)
        or len(value) not in (2, 3)
        or not all(isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v) for v in value)
    ):
        raise InvalidZone("bad_position", f"{where} : une position est [lon, lat] en degrés, et non {value!r}.")
    lon, lat = value[0], value[1]
    if not (-180 <= lon <= 180 and -90 <= lat <= 90):
        raise InvalidZone("out_of_range", f"{where} : [{lon}, {lat}] n'est pas une position [lon, lat] WGS 84.")
    return float(lon), float(lat)


def _line(value: Any, where: str) -> shapely.LineString:
    if not isinstance(value, list) or len(value) < 2:
        raise InvalidZone("too_few_points", f"{where} : une ligne compte au moins 2 points.")
    points = [_position(position, where) for position in value]
    if len(set(points)) < 2:
        raise InvalidZone("too_few_points", f"{where} : une ligne compte au moins 2 points distincts.")
    return shapely.LineString(points)


def _ring(value: Any, where: str) -> shapely.LinearRing:
    if not isinstance(value, list) or len(value) < 4:
        raise InvalidZone(
            "too_few_points", f"{where} : un contour compte au moins 4 positions, la dernière égale à la première."
        )
    points = [_position(position, where) for position in value]
    if points[0] != points[-1]:
        raise InvalidZone("unclosed_ring", f"{where} : la dernière position du contour doit répéter la première.")
    if len(set(points)) < 3:
        raise InvalidZone("too_few_points", f"{where} : un contour compte au moins 3 points distincts.")
    ring = shapely.LinearRing(points)
    if not ring.is_simple:
        raise InvalidZone(
            "self_crossing",
            f"{where} : son contour se croise lui-même (en nœud papillon) ;"
            " redessinez-le sans que ses côtés se coupent.",
        )
    return ring


def _polygon(value: Any, where: str) -> shapely.Polygon:
    if not isinstance(value, list) or not value:
        raise InvalidZone("too_few_points", f"{where} : un polygone a un contour extérieur.")
    rings = [_ring(ring, where if number == 0 else f"{where}, trou n° {number}") for number, ring in enumerate(value)]
    polygon = shapely.Polygon(rings[0], rings[1:])
    if polygon.area == 0:
        raise InvalidZone("invalid_polygon", f"{where} : son contour n'entoure aucune surface.")
    if not polygon.is_valid:
        raise InvalidZone("invalid_polygon", f"{where} : ses contours {_invalidity(polygon)}.")
    return polygon


# GEOS's reasons (shapely.is_valid_reason) as people read them.
_INVALIDITIES = {
    "Self-intersection": "se coupent",
    "Ring Self-intersection": "se touchent en un point",
    "Hole lies outside shell": "ont un trou hors du contour extérieur",
    "Holes are nested": "ont un trou dans un autre trou",
    "Interior is disconnected": "coupent la surface en morceaux",
    "Nested shells": "s'emboîtent (un polygone dans un autre)",
    "Too few points": "comptent trop peu de points",
}


def _invalidity(shape: shapely.Geometry) -> str:
    reason = shapely.is_valid_reason(shape).split("[")[0].strip()
    return _INVALIDITIES.get(reason, "ne forment pas une surface valide")
