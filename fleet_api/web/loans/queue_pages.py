"""Demandes à traiter (/demandes-a-traiter), for coordinators and admins: the requests, oldest
first, each with the person, the prescriber, the licence state and the free vehicles that
fit (nearest depot first); validate on one of them, or reject with a reason.

The buttons post with htmx and get back the request's card: validated, rejected, or the
French sentence of the rule that refused it (its change rolled back, nothing half-written).
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response
from pydantic import ValidationError

from fleet_api.authz import Principal, Role
from fleet_api.bookings.schemas import RejectRequest
from fleet_api.deps import MAX_ID, DbConn, Id, Now, Settings
from fleet_api.web.loans import forms
from fleet_api.web.pages import check_csrf, page_user
from fleet_api.web.templating import render
from fleetbase.errors import Conflict, FleetError, InvalidInput, NotFound
from loans import requests, service

router = APIRouter(include_in_schema=False)
Coordinator = Annotated[Principal, page_user(Role.COORDINATOR, Role.ADMIN)]
FormText = Annotated[str, Form(max_length=200)]
LABELS = {
    "statuses": forms.STATUS_LABELS,
    "purposes": forms.PURPOSES,
    "kinds": forms.KINDS,
    "licence_names": forms.LICENCES,
}


@router.get("/demandes-a-traiter")
def request_queue(request: Request, user: Coordinator, conn: DbConn, now: Now, settings: Settings) -> Response:
    return render(
        request, "loans/a_traiter.html", LABELS | {"queue": requests.request_queue(conn, now=now, zone=settings.zone)}
    )


@router.post("/demandes-a-traiter/{loan_id}/valider")
def validate(
    loan_id: Id,
    request: Request,
    user: Coordinator,
    conn: DbConn,
    now: Now,
    settings: Settings,
    csrf_token: FormText = "",
    vehicle_id: Annotated[int, Form(ge=1, le=MAX_ID)] = 0,
) -> Response:
    check_csrf(request, csrf_token)
    try:
        with conn.transaction():  # refused: rolled back to here, and the card can still be read
            service.validate_loan(
                conn, loan_id, vehicle_id=vehicle_id or None, user_id=user.user_id, now=now, zone=settings.zone
            )
    except (Conflict, InvalidInput) as refusal:
        return _card(request, conn, loan_id, now=now, settings=settings, refusal=refusal.detail)
    return _card(request, conn, loan_id, now=now, settings=settings)


@router.post("/demandes-a-traiter/{loan_id}/refuser")
def reject(
    loan_id: Id,
    request: Request,
    user: Coordinator,
    conn: DbConn,
    now: Now,
    settings: Settings,
    csrf_token: FormText = "",
    reason: Annotated[str, Form(max_length=1000)] = "",
) -> Response:
    check_csrf(request, csrf_token)
    try:
        data = RejectRequest(reason=reason.strip())
    except ValidationError:
        return _card(
            request,
            conn,
            loan_id,
            now=now,
            settings=settings,
            refusal="Écrivez le motif du refus : le prescripteur le lira.",
        )
    try:
        with conn.transaction():
            service.reject_loan(conn, loan_id, reason=data.reason, user_id=user.user_id, now=now)
    except FleetError as refusal:
        return _card(request, conn, loan_id, now=now, settings=settings, refusal=refusal.detail)
    return _card(request, conn, loan_id, now=now, settings=settings)


def _card(request: Request, conn, loan_id: int, *, now, settings, refusal: str | None = None) -> Response:
    """The request's card for htmx; a plain form post goes back to the whole queue."""
    if request.headers.get("HX-Request") != "true":
        if refusal:
            raise Conflict(refusal)
        return RedirectResponse("/demandes-a-traiter", status_code=303)
    loan = requests.request_card(conn, loan_id, now=now, zone=settings.zone)
    if loan is None:
        raise NotFound("Prêt inconnu.")
    return render(request, "loans/carte_demande.html", LABELS | {"loan": loan, "refusal": refusal})
