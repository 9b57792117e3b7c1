"""Mes demandes (/demandes), for prescribers: refer a participant, request a loan for them,
follow each request (and the coordinator's reason when rejected), cancel it while pending.

Everything goes through the services the API's routes use, with the prescriber's row scope:
another structure's person or request answers the French 404 page.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import RedirectResponse, Response
from pydantic import ValidationError

from fleet import vehicle_repository as vehicles
from fleet import vehicles as fleet_vehicles
from fleet_api.authz import Principal, Role
from fleet_api.bookings.schemas import BookingCreate
from fleet_api.deps import MAX_ID, DbConn, Id, Now, Settings
from fleet_api.errors import status_for
from fleet_api.participants.schemas import ParticipantCreate
from fleet_api.web.loans import forms
from fleet_api.web.pages import check_csrf, page_user
from fleet_api.web.templating import render
from fleetbase.errors import Conflict, FleetError, InvalidInput
from fleetbase.local_time import local_today
from loans import participant_repository, participants, requests, service

router = APIRouter(include_in_schema=False)
Prescriber = Annotated[Principal, page_user(Role.PRESCRIBER)]
FormText = Annotated[str, Form(max_length=200)]
LABELS = {
    "statuses": forms.STATUS_LABELS,
    "purposes": forms.PURPOSES,
    "kinds": forms.KINDS,
    "licence_names": forms.LICENCES,
}


@router.get("/demandes")
def my_requests(request: Request, user: Prescriber, conn: DbConn) -> Response:
    scope = user.row_scope("loans")
    return render(
        request,
        "loans/demandes.html",
        LABELS
        | {
            "loans": requests.structure_requests(conn, scope=scope),
            "people": participant_repository.list_participants(
                conn, scope=user.row_scope("participants"), search=None, include_erased=False, limit=200
            ),
        },
    )


@router.get("/demandes/personnes/nouvelle")
def referral_form(request: Request, user: Prescriber, conn: DbConn) -> Response:
    return render(
        request,
        "loans/orienter.html",
        LABELS
        | {"values": {}, "error": None, "intercommunalities": participant_repository.depot_intercommunalities(conn)},
    )


@router.post("/demandes/personnes/nouvelle")
def refer_participant(
    request: Request,
    user: Prescriber,
    conn: DbConn,
    now: Now,
    csrf_token: FormText = "",
    first_name: FormText = "",
    last_name: FormText = "",
    phone: FormText = "",
    email: FormText = "",
    municipality: FormText = "",
    intercommunality: FormText = "",
    purpose: FormText = "",
    licence: Annotated[tuple[str, ...], Form(max_length=3)] = (),
    checked_on: FormText = "",
) -> Response:
    check_csrf(request, csrf_token)
    typed = {
        "first_name": first_name,
        "last_name": last_name,
        "phone": phone,
        "email": email,
        "municipality": municipality,
        "intercommunality": intercommunality,
        "purpose": purpose,
    }
    values = {**typed, "licence": list(licence)}
    try:
        data = ParticipantCreate(
            **{key: value.strip() or None for key, value in typed.items()},
            licences=[{"category": category, "checked_on": checked_on or now.date()} for category in licence],
        )
    except ValidationError as error:
        return render(
            request,
            "loans/orienter.html",
            LABELS
            | {
                "values": values,
                "error": _form_error(error),
                "intercommunalities": participant_repository.depot_intercommunalities(conn),
            },
            status_code=422,
        )
    person = participants.create_participant(
        conn,
        values=data.model_dump(),
        scope=user.row_scope("participants"),
        user_id=user.user_id,
        prescriber_user=True,
        now=now,
    )
    return RedirectResponse(f"/demandes/nouvelle?personne={person['id']}", status_code=303)


@router.get("/demandes/nouvelle")
def request_form(
    request: Request, user: Prescriber, conn: DbConn, personne: Annotated[int | None, Query(ge=1, le=MAX_ID)] = None
) -> Response:
    return _request_page(request, user, conn, values={"participant_id": personne}, error=None)


@router.post("/demandes/nouvelle")
def send_request(
    request: Request,
    user: Prescriber,
    conn: DbConn,
    now: Now,
    settings: Settings,
    csrf_token: FormText = "",
    participant_id: FormText = "",
    vehicle_kind: FormText = "",
    vehicle_id: FormText = "",
    first_day: FormText = "",
    last_day: FormText = "",
    purpose: FormText = "",
) -> Response:
    check_csrf(request, csrf_token)
    values = {
        "participant_id": participant_id,
        "vehicle_kind": vehicle_kind,
        "vehicle_id": vehicle_id,
        "first_day": first_day,
        "last_day": last_day,
        "purpose": purpose,
    }
    try:
        if not vehicle_id and vehicle_kind not in forms.KINDS:
            raise InvalidInput("Choisissez un type de véhicule (ou un véhicule précis).")
        starts_at, ends_at = forms.loan_moments(first_day, last_day, settings.zone)
        # A vehicle chosen by name wins over the kind ticked.
        data = BookingCreate(
            participant_id=participant_id or 0,
            vehicle_id=vehicle_id or None,
            vehicle_kind=None if vehicle_id else vehicle_kind,
            starts_at=starts_at,
            ends_at=ends_at,
            purpose=purpose or None,
        )
        with conn.transaction():  # a refusal leaves nothing behind, and the page can still read
            loan = service.request_loan(
                conn,
                participant_id=data.participant_id,
                vehicle_id=data.vehicle_id,
                vehicle_kind=data.vehicle_kind,
                starts_at=data.starts_at,
                ends_at=data.ends_at,
                purpose=data.purpose,
                scope=user.row_scope("participants"),
                user_id=user.user_id,
                now=now,
                zone=settings.zone,
            )
    except ValidationError as error:
        return _request_page(request, user, conn, values=values, error=_form_error(error), status_code=422)
    except FleetError as refusal:
        return _request_page(request, user, conn, values=values, error=refusal.detail, status_code=status_for(refusal))
    return RedirectResponse(f"/demandes/{loan['id']}", status_code=303)


@router.get("/demandes/{loan_id}")
def request_page(loan_id: Id, request: Request, user: Prescriber, conn: DbConn) -> Response:
    loan = service.loan_detail(conn, loan_id, scope=user.row_scope("loans"))
    person = (
        participant_repository.get_participant(conn, loan["participant_id"], scope=user.row_scope("participants"))
        if loan["participant_id"]
        else None
    )
    vehicle = fleet_vehicles.get(conn, loan["vehicle_id"])
    return render(
        request, "loans/demande.html", LABELS | {"loan": loan, "person": person, "depot": vehicle["municipality"]}
    )


@router.post("/demandes/{loan_id}/annuler")
def cancel_request(
    loan_id: Id, request: Request, user: Prescriber, conn: DbConn, now: Now, csrf_token: FormText = ""
) -> Response:
    check_csrf(request, csrf_token)
    if service.loan_or_404(conn, loan_id, scope=user.row_scope("loans"))["status"] != "requested":
        raise Conflict(f"La demande n° {loan_id} n'est plus en attente : appelez la plateforme pour l'annuler.")
    service.cancel_loan(
        conn,
        loan_id,
        reason="annulée par le prescripteur",
        scope=user.row_scope("loans"),
        user_id=user.user_id,
        now=now,
    )
    return RedirectResponse(f"/demandes/{loan_id}", status_code=303)


def _request_page(
    request: Request, user: Principal, conn, *, values: dict, error: str | None, status_code: int = 200
) -> Response:
    people = participant_repository.list_participants(
        conn, scope=user.row_scope("participants"), search=None, include_erased=False, limit=500
    )
    chosen = values.get("participant_id")
    if chosen and not any(str(person["id"]) == str(chosen) for person in people):
        # Typed by hand: another structure's person is not disclosed (nor is a wrong number).
        participants.participant_or_404(conn, int(chosen), scope=user.row_scope("participants"))
    today = local_today(request.app.state.clock(), request.app.state.settings.zone)
    return render(
        request,
        "loans/nouvelle_demande.html",
        LABELS
        | {
            "people": people,
            "values": values,
            "error": error,
            "today": today.isoformat(),
            "vehicles": sorted(vehicles.list_vehicles(conn), key=lambda vehicle: (vehicle["kind"], vehicle["label"])),
        },
        status_code=status_code,
    )


def _form_error(error: ValidationError) -> str:
    fields = {
        "vehicle_id": "le véhicule",
        "first_name": "le prénom",
        "last_name": "le nom",
        "phone": "le téléphone",
        "email": "l'e-mail",
        "participant_id": "la personne",
        "vehicle_kind": "le type de véhicule",
        "purpose": "le motif",
        "licences": "les permis",
        "municipality": "la commune",
        "intercommunality": "l'intercommunalité",
    }
    names = sorted(
        {
            fields.get(str(problem["loc"][0]), "la saisie") if problem["loc"] else "la saisie"
            for problem in error.errors()
        }
    )
    return "Vérifiez " + ", ".join(names) + "."
