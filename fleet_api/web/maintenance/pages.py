"""Entretien, for the mechanics (and the fleet manager, the administrator): what is due
(/entretien, filtered by depot and kind), a vehicle's maintenance page with its history
(/entretien/vehicules/{id}), the form that records a service with its invoice photo
(/entretien/vehicules/{id}/enregistrer) and the photo itself (/entretien/factures/{id})."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, File, Form, Query, Request, UploadFile
from fastapi.responses import RedirectResponse, Response

from fleet_api.authz import Principal, Role
from fleet_api.deps import DbConn, Id, Now, Settings
from fleet_api.web.maintenance import forms
from fleet_api.web.pages import check_csrf, page_user
from fleet_api.web.templating import render
from fleetbase.errors import InvalidInput
from fleetbase.local_time import local_today
from maintenance import board, displays, french, invoices, vehicle_maintenance

router = APIRouter(include_in_schema=False)
WORKSHOP = (Role.MECHANIC, Role.FLEET_MANAGER, Role.ADMIN)
Staff = Annotated[Principal, page_user(*WORKSHOP)]
Text = Annotated[str, Form(max_length=40)]


@router.get("/entretien")
def due_page(
    request: Request,
    user: Staff,
    conn: DbConn,
    now: Now,
    settings: Settings,
    depot: Annotated[str | None, Query(max_length=19)] = None,
    genre: Annotated[str | None, Query(max_length=10)] = None,
    revoque: Annotated[str | None, Query(max_length=1)] = None,
) -> Response:
    """Every vehicle × task, most urgent first, with the links of the workshop's wall screens."""
    site_id = forms.parse_id(depot)
    if genre and genre not in french.KINDS:
        raise InvalidInput("Ce genre de véhicule n'existe pas.")
    rows = board.due_board(conn, now=now, zone=settings.zone, site_id=site_id, kind=genre or None)
    return render(
        request,
        "maintenance/entretien.html",
        {
            "rows": rows,
            "counts": board.counts(rows),
            "depots": board.depots(conn),
            "kinds": french.KINDS,
            "site_id": site_id,
            "kind": genre or None,
            "level_words": board.LEVEL_WORDS,
            "displays": displays.live_displays(conn),
            "revoked": bool(revoque),
        },
    )


@router.get("/entretien/vehicules/{vehicle_id}")
def vehicle_page(
    vehicle_id: Id,
    request: Request,
    user: Staff,
    conn: DbConn,
    now: Now,
    settings: Settings,
    enregistre: Annotated[int | None, Query(ge=1)] = None,
) -> Response:
    """A vehicle's tasks with their due state, and its service history."""
    return render(
        request,
        "maintenance/vehicule.html",
        {
            **vehicle_maintenance.overview(conn, vehicle_id, now=now, zone=settings.zone),
            "level_words": board.LEVEL_WORDS,
            "recorded": enregistre,
        },
    )


def _form(request: Request, page: dict, values: dict, *, error: str | None = None, status_code: int = 200):
    return render(
        request,
        "maintenance/enregistrer.html",
        {
            **page,
            "values": values,
            "error": error,
            "level_words": board.LEVEL_WORDS,
            "task_levels": {state.task: state.level for state in page["due"]},
        },
        status_code=status_code,
    )


@router.get("/entretien/vehicules/{vehicle_id}/enregistrer")
def service_form(
    vehicle_id: Id,
    request: Request,
    user: Staff,
    conn: DbConn,
    now: Now,
    settings: Settings,
    tache: Annotated[str | None, Query(max_length=40)] = None,
) -> Response:
    """The form, the task of the due row checked, the odometer and today filled in."""
    page = vehicle_maintenance.overview(conn, vehicle_id, now=now, zone=settings.zone)
    odometer = page["vehicle"]["effective_odometer_km"]
    return _form(
        request,
        page,
        {
            "tasks": [tache] if tache else [],
            "odometer": str(round(odometer)) if odometer is not None else "",
            "day": local_today(now, settings.zone).isoformat(),
            "notes": "",
            "cost": "",
        },
    )


@router.post("/entretien/vehicules/{vehicle_id}/enregistrer")
def record_service(
    vehicle_id: Id,
    request: Request,
    user: Staff,
    conn: DbConn,
    now: Now,
    settings: Settings,
    csrf_token: Annotated[str, Form(max_length=200)] = "",
    taches: Annotated[list[str], Form(max_length=40)] = [],  # noqa: B006 — FastAPI copies it
    kilometrage: Text = "",
    date: Text = "",
    cout: Text = "",
    notes: Annotated[str, Form(max_length=2000)] = "",
    facture: Annotated[UploadFile | None, File()] = None,
) -> Response:
    """Record the service; a mistake shows on the form in French with everything typed kept."""
    check_csrf(request, csrf_token)
    values = {"tasks": taches, "odometer": kilometrage, "day": date, "notes": notes, "cost": cout}
    photo = facture.file.read(settings.photo_max_bytes + 1) if facture is not None else b""
    try:
        record = invoices.record_with_invoice(
            conn,
            vehicle_id=vehicle_id,
            performed_on=forms.parse_day(date),
            odometer_km=forms.parse_km(kilometrage),
            tasks=taches,
            cost_cents=forms.parse_cost_cents(cout),
            notes=notes.strip(),
            by_user_id=user.user_id,
            photo=photo or None,
            max_bytes=settings.photo_max_bytes,
            now=now,
            zone=settings.zone,
        )
    except InvalidInput as error:
        page = vehicle_maintenance.overview(conn, vehicle_id, now=now, zone=settings.zone)
        return _form(
            request,
            page,
            values,
            error=error.detail + (" Choisissez de nouveau la photo de la facture." if photo else ""),
            status_code=422,
        )
    return RedirectResponse(f"/entretien/vehicules/{vehicle_id}?enregistre={record['id']}#historique", status_code=303)


@router.get("/entretien/factures/{photo_id}")
def invoice_photo(photo_id: Id, user: Staff, conn: DbConn) -> Response:
    """An invoice photo, for staff only (stored without its metadata)."""
    photo = invoices.invoice_photo(conn, photo_id)
    return Response(
        bytes(photo["content"]), media_type=photo["content_type"], headers={"Cache-Control": "private, no-store"}
    )
