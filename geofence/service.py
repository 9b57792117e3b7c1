"""Zones as the API sees them: GeoJSON Features in and out, checked before they are stored.

A zone Feature: {"type": "Feature", "geometry": {...}, "properties": {"name", "kind",
"site_id", "radius_m" (circles), "width_m" (corridors), "active"}}. Nothing here commits.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import psycopg
import shapely

from fleetbase.db import Conn
from fleetbase.errors import Conflict, NotFound
from geofence import repository
from geofence.repository import ZoneRow
from geofence.zones import InvalidZone, check_kind, parse_shape

_EDITABLE = ("name", "kind", "site_id", "geometry", "radius_m", "width_m", "active")


def to_feature(zone: ZoneRow) -> dict[str, Any]:
    """A stored zone as a GeoJSON Feature."""
    return {
        "type": "Feature",
        "id": zone.id,
        "geometry": zone.geometry,
        "properties": {
            "name": zone.name,
            "kind": zone.kind,
            "site_id": zone.site_id,
            "radius_m": zone.radius_m,
            "width_m": zone.width_m,
            "active": zone.active,
            "updated_at": zone.updated_at.isoformat(),
        },
    }


def _fields(feature: Any) -> dict[str, Any]:
    if (
        not isinstance(feature, dict)
        or feature.get("type") != "Feature"
        or not isinstance(feature.get("properties"), dict)
    ):
        raise InvalidZone("not_geojson", "Une zone est une Feature GeoJSON, avec une géométrie et des propriétés.")
    unknown = set(feature["properties"]) - set(_EDITABLE)
    if unknown:
        raise InvalidZone("not_geojson", f"Propriétés de zone inconnues : {', '.join(sorted(unknown))}.")
    return {**feature["properties"], "geometry": feature.get("geometry")}


def _checked(fields: dict[str, Any]) -> dict[str, Any]:
    """Every field valid together, in the form the repository stores."""
    name = fields.get("name")
    if not isinstance(name, str) or not name.strip():
        raise InvalidZone("bad_name", "Donnez un nom à la zone.")
    kind = check_kind(fields.get("kind", "other"))
    site_id = fields.get("site_id")
    if site_id is not None and (isinstance(site_id, bool) or not isinstance(site_id, int) or site_id < 1):
        raise InvalidZone("bad_kind", "Le site (site_id) est le numéro d'un site : un entier positif.")
    if (kind == "depot") != (site_id is not None):
        raise InvalidZone(
            "bad_kind",
            "Une zone de dépôt indique le site dont elle est le dépôt (site_id) ; les autres zones n'en indiquent pas.",
        )
    parse_shape(fields.get("geometry"), radius_m=fields.get("radius_m"), width_m=fields.get("width_m"))
    active = fields.get("active", True)
    if not isinstance(active, bool):
        raise InvalidZone("not_geojson", "« active » vaut true ou false.")
    return {
        "name": name.strip(),
        "kind": kind,
        "site_id": site_id,
        "geometry": fields["geometry"],
        "radius_m": fields.get("radius_m"),
        "width_m": fields.get("width_m"),
        "active": active,
    }


def _check_operational(conn: Conn, fields: dict[str, Any]) -> None:
    """A depot zone holds its site; a service area holds at least one of the association's
    sites. Only these two kinds may place a lent vehicle (docs/PRIVACY.md), so neither may be
    drawn around somewhere else, such as a participant's home."""
    if fields["kind"] not in ("depot", "service_area"):
        return
    shape = parse_shape(fields["geometry"], radius_m=fields["radius_m"], width_m=fields["width_m"])
    sites = repository.site_positions(conn)
    if fields["kind"] == "depot":
        position = sites.get(fields["site_id"])
        if position is None:
            raise InvalidZone("bad_kind", f"Le site n° {fields['site_id']} n'existe pas.")
        if not shape.covers(shapely.Point(position)):
            raise InvalidZone(
                "not_operational", "Une zone de dépôt doit contenir l'adresse de son site : dessinez-la autour du site."
            )
    elif not any(shape.covers(shapely.Point(position)) for position in sites.values()):
        raise InvalidZone(
            "not_operational", "Une zone de service doit contenir au moins un des sites de l'association."
        )


def create_zone(conn: Conn, feature: Any) -> ZoneRow:
    """Store a new zone from a Feature; InvalidZone (422) or Conflict (name taken)."""
    fields = _checked(_fields(feature))
    _check_operational(conn, fields)
    try:
        with conn.transaction():  # a savepoint: a taken name must not spoil the caller's transaction
            return repository.insert_zone(conn, **fields)
    except psycopg.errors.UniqueViolation:
        raise Conflict(f"Une zone s'appelle déjà « {fields['name']} » : choisissez un autre nom.") from None
    except psycopg.errors.ForeignKeyViolation:
        raise InvalidZone("bad_kind", f"Le site n° {fields['site_id']} n'existe pas.") from None


def update_zone(conn: Conn, zone_id: int, changes: dict[str, Any], *, now: datetime) -> ZoneRow:
    """Apply a PATCH (any of the Feature's properties, and `geometry`); the result is checked whole."""
    current = repository.get_zone(conn, zone_id)
    if current is None:
        raise NotFound(f"Zone n° {zone_id} inconnue.")
    unknown = set(changes) - set(_EDITABLE)
    if unknown:
        raise InvalidZone("not_geojson", f"Champs de zone inconnus : {', '.join(sorted(unknown))}.")
    merged = {name: getattr(current, name) for name in _EDITABLE} | changes
    new_geometry = changes.get("geometry")
    if isinstance(new_geometry, dict) and new_geometry.get("type") != current.geometry.get("type"):
        # a circle redrawn as a polygon loses its radius (a corridor its width) unless the PATCH sets one
        for name in ("radius_m", "width_m"):
            if name not in changes:
                merged[name] = None
    fields = _checked(merged)
    _check_operational(conn, fields)
    try:
        with conn.transaction():
            updated = repository.update_zone(conn, zone_id, **fields, now=now)
    except psycopg.errors.UniqueViolation:
        raise Conflict(f"Une zone s'appelle déjà « {fields['name']} » : choisissez un autre nom.") from None
    except psycopg.errors.ForeignKeyViolation:
        raise InvalidZone("bad_kind", f"Le site n° {fields['site_id']} n'existe pas.") from None
    if updated is None:  # deleted since it was read
        raise NotFound(f"Zone n° {zone_id} inconnue.")
    return updated


def delete_zone(conn: Conn, zone_id: int) -> None:
    """Delete a zone; its events keep their history with geofence_id set to NULL."""
    if not repository.delete_zone(conn, zone_id):
        raise NotFound(f"Zone n° {zone_id} inconnue.")
