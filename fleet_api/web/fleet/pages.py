"""Carte de la flotte (/carte), its base layer (/carte/fond.geojson) and Santé des balises
(/balises): for the fleet manager and the administrator.

The map page is a frame: its script (`static/js/carte.js`) fills it from the API's live
stream (`/api/v1/fleet/stream`, the same rows and privacy rule as `/fleet/live`) and
the zones from `/api/v1/geofences`, called with the session cookie.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response

from fleet import tracker_health as health
from fleet_api.authz import ALL_ROLES, Principal
from fleet_api.deps import DbConn, Now, Settings
from fleet_api.trackers.schemas import TrackerId
from fleet_api.web import vendor
from fleet_api.web.fleet.basemap import base_layer_json
from fleet_api.web.nav import FLEET_WATCHERS
from fleet_api.web.pages import page_user
from fleet_api.web.templating import render

router = APIRouter(include_in_schema=False)
FleetWatcher = Annotated[Principal, page_user(*FLEET_WATCHERS)]


@router.get("/carte")
def fleet_map(request: Request, user: FleetWatcher) -> Response:
    return render(request, "fleet/carte.html")


@router.get("/carte/fond.geojson")
def base_layer(user: Annotated[Principal, page_user(*ALL_ROLES)], settings: Settings) -> Response:
    """Land, roads and places of the south of the Landes (see fleet_api.web.fleet.basemap)."""
    return Response(
        base_layer_json(settings.web_vendor_dir / vendor.LAND_TOPOJSON),
        media_type="application/geo+json",
        headers={"Cache-Control": "private, max-age=86400"},
    )


@router.get("/balises")
def tracker_health(
    request: Request,
    user: FleetWatcher,
    conn: DbConn,
    now: Now,
    settings: Settings,
    balise: Annotated[TrackerId | None, Query()] = None,
) -> Response:
    """Each tracker's last message, fix, battery and 24-hour counts; the refused messages with
    their reason and raw payload (the page refreshes its table by itself, with htmx)."""
    trackers = health.tracker_health(conn, now=now)
    return render(
        request,
        "fleet/balises.html",
        {
            "trackers": trackers,
            "balise": balise,
            "refresh_s": settings.web_health_refresh_s,
            "letters": health.dead_letters(conn, tracker_id=balise, limit=50),
            "silent": sum(1 for tracker in trackers if not tracker["online"]),
            "refusing": sum(1 for tracker in trackers if tracker["refused_24h"]),
        },
    )
