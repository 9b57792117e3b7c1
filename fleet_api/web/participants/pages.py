"""Participants (/participants): search by name or commune, record a person, the licences
with the day each was checked, their loans; the export (the API's JSON, downloaded) and the
erasure behind a confirmation. Coordinators and the administrator see everyone; a
prescriber sees only their structure's people (the API's row scope) and neither exports
nor erases. Every change goes through the services the API's routes use, and is audited
there as through the API.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Form, Query, Request
from fastapi.responses import RedirectResponse, Response

from fleet_api.authz import Principal, Role
from fleet_api.deps import DbConn, Id, Now, Settings
from fleet_api.web.pages import check_csrf, page_user
from fleet_api.web.participants import forms
from fleet_api.web.templating import render
from fleet_api.web.vehicles.pages import LOAN_STATES
from fleetbase.errors import Conflict, InvalidInput
from fleetbase.local_time import local_today
from loans import participant_repository, participants

router = APIRouter(include_in_schema=False)
REFERRERS = (Role.ADMIN, Role.COORDINATOR, Role.PRESCRIBER)
KEEPERS = (Role.ADMIN, Role.COORDINATOR)
Referrer = Annotated[Principal, page_user(*REFERRERS)]
Keeper = Annotated[Principal, page_user(*KEEPERS)]
Csrf = Annotated[str, Form(max_length=200)]
FormText = Annotated[str, Form(max_length=300)]
KINDS = {"car": "voiture", "ecar": "voiture électrique", "scooter": "scooter", "ebike": "vélo électrique"}


def _common(user: Principal) -> dict:
    return {"purposes": forms.PURPOSES, "licence_names": forms.LICENCES, "keeper": user.role in KEEPERS}


@router.get("/participants")
def participant_list(
    request: Request,
    user: Referrer,
    conn: DbConn,
    nom: Annotated[str, Query(max_length=200)] = "",
    commune: Annotated[str, Query(max_length=200)] = "",
) -> Response:
    """Everyone in the caller's scope, or those whose name or commune begins with what was typed."""
    nom, commune = " ".join(nom.split()), " ".join(commune.split())
    people = participant_repository.list_participants(
        conn,
        scope=user.row_scope("participants"),
        search=nom or None,
        municipality=commune or None,
        include_erased=False,
        limit=200,
    )
    return render(
        request, "participants/liste.html", _common(user) | {"people": people, "nom": nom, "commune": commune}
    )


def _form_page(
    request: Request,
    user: Principal,
    conn,
    *,
    values: dict,
    error: str | None = None,
    person: dict | None = None,
    status_code: int = 200,
) -> Response:
    """The record's form: blank for a new person, filled to correct `person`."""
    return render(
        request,
        "participants/nouveau.html",
        _common(user)
        | {
            "values": values,
            "error": error,
            "choose_prescriber": user.role != Role.PRESCRIBER,
            "person": person,
            "prescribers": participant_repository.list_prescribers(conn),
            "intercommunalities": participant_repository.depot_intercommunalities(conn),
        },
        status_code=status_code,
    )


@router.get("/participants/nouveau")
def new_participant_form(request: Request, user: Referrer, conn: DbConn) -> Response:
    return _form_page(request, user, conn, values={})


class RecordForm:
    """The record form's fields, as a dependency both the new and the corrected record read."""

    def __init__(
        self,
        csrf_token: Csrf = "",
        first_name: FormText = "",
        last_name: FormText = "",
        phone: FormText = "",
        email: FormText = "",
        municipality: FormText = "",
        intercommunality: FormText = "",
        prescriber_id: FormText = "",
        purpose: FormText = "",
        notes: Annotated[str, Form(max_length=2000)] = "",
        permis: Annotated[list[str], Form()] = [],  # noqa: B006 (FastAPI's default)
    ) -> None:
        self.csrf_token = csrf_token
        self.values = {
            "first_name": first_name,
            "last_name": last_name,
            "phone": phone,
            "email": email,
            "municipality": municipality,
            "intercommunality": intercommunality,
            "prescriber_id": prescriber_id,
            "purpose": purpose,
            "notes": notes,
        }
        self.seen = [category for category in forms.LICENCES if category in permis]


Record = Annotated[RecordForm, Depends()]


@router.post("/participants/nouveau")
def record_participant(
    request: Request, user: Referrer, conn: DbConn, now: Now, settings: Settings, form: Record
) -> Response:
    check_csrf(request, form.csrf_token)
    seen = form.seen if user.role in KEEPERS else []
    try:
        data = forms.participant_create(form.values, licences_seen=seen, today=local_today(now, settings.zone))
        created = participants.create_participant(
            conn,
            values=data.model_dump(),
            scope=user.row_scope("participants"),
            user_id=user.user_id,
            prescriber_user=user.role == Role.PRESCRIBER,
            now=now,
        )
    except InvalidInput as refused:
        return _form_page(
            request, user, conn, values=form.values | {"seen": seen}, error=refused.detail, status_code=422
        )
    return RedirectResponse(f"/participants/{created['id']}?enregistre=1", status_code=303)


@router.get("/participants/{participant_id}/modifier")
def correct_participant_form(participant_id: Id, request: Request, user: Referrer, conn: DbConn) -> Response:
    person = participants.participant_or_404(conn, participant_id, scope=user.row_scope("participants"))
    if person["erased_at"] is not None:
        return RedirectResponse(f"/participants/{participant_id}", status_code=303)
    values = {key: "" if person[key] is None else str(person[key]) for key in forms.FIELDS} | {"notes": person["notes"]}
    return _form_page(request, user, conn, values=values, person=person)


@router.post("/participants/{participant_id}/modifier")
def correct_participant(
    participant_id: Id, request: Request, user: Referrer, conn: DbConn, now: Now, form: Record
) -> Response:
    check_csrf(request, form.csrf_token)
    scope = user.row_scope("participants")
    person = participants.participant_or_404(conn, participant_id, scope=scope)
    try:
        changes = forms.participant_update(form.values, with_prescriber=user.role != Role.PRESCRIBER)
        participants.update_participant(
            conn, participant_id, changes=changes.model_dump(exclude_unset=True), scope=scope, now=now
        )
    except (InvalidInput, Conflict) as refused:
        return _form_page(request, user, conn, values=form.values, person=person, error=refused.detail, status_code=422)
    return RedirectResponse(f"/participants/{participant_id}?modifie=1", status_code=303)


def _record_page(
    request: Request,
    user: Principal,
    conn,
    participant: dict,
    *,
    today,
    notice: str | None = None,
    error: str | None = None,
    status_code: int = 200,
) -> Response:
    return render(
        request,
        "participants/fiche.html",
        _common(user)
        | {
            "person": participant,
            "name": forms.full_name(participant),
            "today": today,
            "loans": participant_repository.participant_loans(conn, participant["id"]),
            "loan_states": LOAN_STATES,
            "kinds": KINDS,
            "notice": notice,
            "error": error,
        },
        status_code=status_code,
    )


@router.get("/participants/{participant_id}")
def participant_record(
    participant_id: Id,
    request: Request,
    user: Referrer,
    conn: DbConn,
    now: Now,
    settings: Settings,
    enregistre: bool = False,
    efface: bool = False,
    permis: bool = False,
    modifie: bool = False,
) -> Response:
    participant = participants.participant_or_404(conn, participant_id, scope=user.row_scope("participants"))
    notice = (
        "Personne enregistrée."
        if enregistre
        else "Données effacées."
        if efface
        else "Vérification du permis enregistrée."
        if permis
        else "Fiche corrigée."
        if modifie
        else None
    )
    return _record_page(request, user, conn, participant, today=local_today(now, settings.zone), notice=notice)


@router.post("/participants/{participant_id}/permis")
def record_licence_check(
    participant_id: Id,
    request: Request,
    user: Keeper,
    conn: DbConn,
    now: Now,
    settings: Settings,
    csrf_token: Csrf = "",
    category: Annotated[str, Form(max_length=10)] = "",
    checked_on: Annotated[str, Form(max_length=20)] = "",
) -> Response:
    """The day a coordinator saw the licence document (it replaces that category's earlier day)."""
    check_csrf(request, csrf_token)
    participant = participants.participant_or_404(conn, participant_id, scope=None)
    today = local_today(now, settings.zone)
    try:
        if category not in forms.LICENCES:
            raise InvalidInput("Choisissez le permis vérifié.")
        changes = forms.licence_checked(participant["licences"], category=category, checked_on=checked_on, today=today)
        participants.update_participant(
            conn, participant_id, changes=changes.model_dump(exclude_unset=True), scope=None, now=now
        )
    except (InvalidInput, Conflict) as refused:
        return _record_page(
            request,
            user,
            conn,
            participant,
            today=today,
            error=refused.detail,
            status_code=409 if isinstance(refused, Conflict) else 422,
        )
    return RedirectResponse(f"/participants/{participant_id}?permis=1", status_code=303)


def _erase_page(
    request: Request, participant: dict, *, error: str | None = None, typed: str = "", status_code: int = 200
) -> Response:
    return render(
        request,
        "participants/effacer.html",
        {"person": participant, "name": forms.full_name(participant), "error": error, "typed": typed},
        status_code=status_code,
    )


@router.get("/participants/{participant_id}/effacer")
def erase_confirmation(participant_id: Id, request: Request, user: Keeper, conn: DbConn) -> Response:
    participant = participants.participant_or_404(conn, participant_id, scope=None)
    if participant["erased_at"] is not None:
        return RedirectResponse(f"/participants/{participant_id}", status_code=303)
    return _erase_page(request, participant)


@router.post("/participants/{participant_id}/effacer")
def erase(
    participant_id: Id,
    request: Request,
    user: Keeper,
    conn: DbConn,
    now: Now,
    csrf_token: Csrf = "",
    confirmation: Annotated[str, Form(max_length=500)] = "",
) -> Response:
    """Erase once the person's name was typed again; the service refuses while a loan runs."""
    check_csrf(request, csrf_token)
    participant = participants.participant_or_404(conn, participant_id, scope=None)
    if not forms.same_name(confirmation, participant):
        return _erase_page(
            request,
            participant,
            typed=confirmation,
            status_code=422,
            error="Le nom saisi ne correspond pas : rien n'a été effacé.",
        )
    try:
        participants.erase_participant(conn, participant_id, user_id=user.user_id, now=now)
    except Conflict as refused:
        return _erase_page(request, participant, typed=confirmation, error=refused.detail, status_code=409)
    return RedirectResponse(f"/participants/{participant_id}?efface=1", status_code=303)
