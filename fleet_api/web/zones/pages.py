"""Zones (/zones): draw and edit the depots, the service area, circles and corridors on the
map, for the administrator and the fleet manager (those the API lets change zones).

The page is a frame: its script (`static/js/zones.js`, leaflet-geoman) sends the drawings
to `/api/v1/geofences` with the session cookie and the page's CSRF token, and shows the
API's refusals (French sentences from `geofence.zones` and `geofence.service`) beside the
form. The list of zones (the map's text alternative, `/zones/liste`) is rendered here, and
fetched again by the script after each change.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Request
from fastapi.responses import Response

from fleet_api.authz import Principal, Role
from fleet_api.deps import DbConn
from fleet_api.web.pages import page_user
from fleet_api.web.templating import render
from geofence import geodesy, repository
from geofence.zones import InvalidZone, parse_shape

router = APIRouter(include_in_schema=False)
Editor = Annotated[Principal, page_user(Role.ADMIN, Role.FLEET_MANAGER)]
KIND_NAMES = {"depot": "Dépôt", "service_area": "Zone de service", "other": "Autre"}
SHAPE_NAMES = {"Point": "cercle", "LineString": "couloir", "Polygon": "polygone", "MultiPolygon": "polygones"}


def _row(zone, sites: dict) -> dict:
    try:
        area_km2 = geodesy.area_m2(parse_shape(zone.geometry, radius_m=zone.radius_m, width_m=zone.width_m)) / 1e6
    except InvalidZone:  # a zone stored before today's checks: listed, without an area
        area_km2 = None
    site = sites.get(zone.site_id)
    return {
        "id": zone.id,
        "name": zone.name,
        "kind": KIND_NAMES.get(zone.kind, zone.kind),
        "shape": SHAPE_NAMES.get(zone.geometry.get("type"), zone.geometry.get("type")),
        "radius_m": zone.radius_m,
        "width_m": zone.width_m,
        "area_km2": area_km2,
        "active": zone.active,
        "site": site.name if site else None,
    }


def _listing(conn) -> dict:
    sites = {site.id: site for site in repository.list_sites(conn)}
    zones = repository.list_zones(conn)
    depots = {site_id: [zone.name for zone in zones if zone.site_id == site_id] for site_id in sites}
    return {"zones": [_row(zone, sites) for zone in zones], "sites": list(sites.values()), "depots": depots}


@router.get("/zones")
def zones_page(request: Request, user: Editor, conn: DbConn) -> Response:
    return render(
        request,
        "zones/zones.html",
        _listing(conn)
        | {
            "kinds": KIND_NAMES,
            "site_points": [
                {"id": site.id, "name": site.name, "lon": site.lon, "lat": site.lat}
                for site in repository.list_sites(conn)
            ],
        },
    )


@router.get("/zones/liste")
def zone_list(request: Request, user: Editor, conn: DbConn) -> Response:
    """The list beside the map, alone (the script puts it back after each change)."""
    return render(request, "zones/liste.html", _listing(conn))
