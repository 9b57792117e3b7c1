"""Véhicules et balises (/parc): the vehicles (kind, depot, status, tracker) and the trackers
(how they may speak, vehicle, enabled, last message). The administrator adds a vehicle,
registers a tracker and disables or enables one; the fleet manager reads.

Registering answers, on that page only, the tracker's MQTT login and password (the table
keeps their hashes) with a QR code that sets up the OwnTracks app (its `owntracks:///config`
link, `fleet.owntracks_setup`) and the URLs of the HTTP ingress. The broker's
password file is rewritten after the commit, as for the API's `/trackers` routes.
"""

from __future__ import annotations

from functools import partial
from typing import Annotated, Literal

import segno
from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response

from fleet import tracker_repository as trackers
from fleet import trackers as tracker_service
from fleet import vehicle_repository as vehicles
from fleet.broker_sync import sync_broker_logins
from fleet.owntracks_setup import app_configuration, config_url
from fleet_api.authz import Principal, Role
from fleet_api.deps import DbConn, Now, Settings, after_commit
from fleet_api.trackers.schemas import TrackerId
from fleet_api.web.admin import forms
from fleet_api.web.nav import FLEET_WATCHERS
from fleet_api.web.pages import check_csrf, page_user
from fleet_api.web.templating import render
from fleetbase.errors import Conflict, InvalidInput
from loans.planning_repository import depots

router = APIRouter(include_in_schema=False)
Watcher = Annotated[Principal, page_user(*FLEET_WATCHERS)]
Admin = Annotated[Principal, page_user(Role.ADMIN)]
Csrf = Annotated[str, Form(max_length=200)]
FormText = Annotated[str, Form(max_length=300)]
LABELS = {"kinds": forms.KINDS, "energies": forms.ENERGIES, "statuses": forms.VEHICLE_STATUSES}
# What a change answers, and the section it is shown in (the page opens there).
NOTICES = {
    "vehicule": ("vehicules", "Véhicule ajouté."),
    "desactivee": ("balises", "Balise désactivée : le serveur MQTT refuse sa connexion."),
    "reactivee": ("balises", "Balise réactivée."),
}


@router.get("/parc")
def fleet_register(request: Request, user: Watcher, conn: DbConn, fait: str | None = None) -> Response:
    return render(
        request,
        "admin/parc.html",
        LABELS
        | {
            "vehicles": vehicles.list_vehicles(conn),
            "trackers": trackers.list_trackers_with_vehicles(conn),
            "depot_names": {depot["id"]: depot["name"] for depot in depots(conn)},
            "admin": user.role == Role.ADMIN,
            "notice": NOTICES.get(fait or "", (None, None)),
        },
    )


def _vehicle_page(
    request: Request, conn, *, values: dict, error: str | None = None, status_code: int = 200
) -> Response:
    return render(
        request,
        "admin/vehicule_nouveau.html",
        LABELS | {"values": values, "error": error, "depots": depots(conn)},
        status_code=status_code,
    )


@router.get("/parc/vehicules/nouveau")
def new_vehicle_form(request: Request, user: Admin, conn: DbConn) -> Response:
    return _vehicle_page(request, conn, values={})


@router.post("/parc/vehicules/nouveau")
def add_vehicle(
    request: Request,
    user: Admin,
    conn: DbConn,
    now: Now,
    csrf_token: Csrf = "",
    label: FormText = "",
    kind: FormText = "",
    energy: FormText = "",
    plate: FormText = "",
    make: FormText = "",
    model: FormText = "",
    first_registered_on: FormText = "",
    home_site_id: FormText = "",
) -> Response:
    check_csrf(request, csrf_token)
    values = {
        "label": label,
        "kind": kind,
        "energy": energy,
        "plate": plate,
        "make": make,
        "model": model,
        "first_registered_on": first_registered_on,
        "home_site_id": home_site_id,
    }
    try:
        data = forms.vehicle_create(values)
        with conn.transaction():
            vehicle_id = vehicles.insert_vehicle(conn, values=data.model_dump(), now=now)
    except (InvalidInput, Conflict) as refused:
        return _vehicle_page(request, conn, values=values, error=refused.detail, status_code=422)
    return RedirectResponse(f"/parc?fait=vehicule#vehicule-{vehicle_id}", status_code=303)


def _tracker_page(
    request: Request, conn, *, values: dict, error: str | None = None, status_code: int = 200
) -> Response:
    free = [vehicle for vehicle in vehicles.list_vehicles(conn) if vehicle["tracker_id"] is None]
    return render(
        request,
        "admin/balise_nouvelle.html",
        LABELS | {"values": values, "error": error, "free_vehicles": free},
        status_code=status_code,
    )


@router.get("/parc/balises/nouvelle")
def new_tracker_form(request: Request, user: Admin, conn: DbConn) -> Response:
    return _tracker_page(request, conn, values={})


def owntracks_qr(credentials: dict, settings) -> tuple[str, str]:
    """The OwnTracks set-up link of a new tracker and its QR code (an SVG data: URI)."""
    host, port, tls = settings.tracker_broker
    link = config_url(
        app_configuration(
            tracker_id=credentials["mqtt_username"],
            password=credentials["mqtt_password"],
            host=host,
            port=port,
            tls=tls,
            encryption_key=credentials.get("owntracks_key"),
        )
    )
    return link, segno.make(link, error="m").svg_data_uri(scale=4, border=4)


@router.post("/parc/balises/nouvelle")
def register_tracker(
    request: Request,
    user: Admin,
    conn: DbConn,
    now: Now,
    settings: Settings,
    csrf_token: Csrf = "",
    tracker_id: FormText = "",
    vehicle_id: FormText = "",
    owntracks_key: FormText = "",
    traccar_unique_id: FormText = "",
) -> Response:
    """The tracker registered, with its login and the OwnTracks QR code: shown on this answer only."""
    check_csrf(request, csrf_token)
    values = {"tracker_id": tracker_id, "vehicle_id": vehicle_id, "traccar_unique_id": traccar_unique_id}
    try:
        data = forms.tracker_create(values | {"owntracks_key": owntracks_key})
        with conn.transaction():
            credentials = tracker_service.register_tracker(conn, **data.model_dump(), settings=settings, now=now)
    except (InvalidInput, Conflict) as refused:
        return _tracker_page(request, conn, values=values, error=refused.detail, status_code=422)
    after_commit(request, partial(sync_broker_logins, request.app.state.pool, settings))
    link, qr = owntracks_qr(credentials | {"owntracks_key": data.owntracks_key}, settings)
    vehicle = vehicles.get_vehicle(conn, data.vehicle_id)
    return render(
        request,
        "admin/balise_enregistree.html",
        LABELS
        | {"tracker": credentials, "vehicle": vehicle, "qr": qr, "link": link, "tls": settings.tracker_broker[2]},
        status_code=201,
    )


@router.post("/parc/balises/{tracker_id}/{action}")
def switch_tracker(
    tracker_id: TrackerId,
    action: Literal["desactiver", "reactiver"],
    request: Request,
    user: Admin,
    conn: DbConn,
    now: Now,
    settings: Settings,
    csrf_token: Csrf = "",
) -> Response:
    """`desactiver` (the broker refuses its login from now on) or `reactiver`."""
    check_csrf(request, csrf_token)
    tracker_service.set_tracker_enabled(conn, tracker_id, enabled=action == "reactiver", now=now)
    after_commit(request, partial(sync_broker_logins, request.app.state.pool, settings))
    done = "reactivee" if action == "reactiver" else "desactivee"
    return RedirectResponse(f"/parc?fait={done}#balise-{tracker_id}", status_code=303)
