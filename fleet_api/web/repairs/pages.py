"""Réparations (/reparations): the repair tickets, for the mechanics' side and for the garage
solidaire's portal. Staff (mechanic, fleet manager, administrator) see every ticket, open one
and send it to the garage, follow it and accept its quote; a garage partner sees only its
garage's tickets (the Actor scope: another garage's ticket answers the same French "not
found" page as an unknown number) and never a participant, a loan or a position — only the
vehicle (name, kind, registration, make). The forms post to `actions.py`.
"""

from __future__ import annotations

import re
from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response

from fleet import garage_repository as garages
from fleet import vehicle_repository as vehicles
from fleet_api.authz import Principal, Role
from fleet_api.deps import MAX_ID, DbConn, Id
from fleet_api.repair_tickets.endpoints import actor
from fleet_api.web.nav import FLEET_WATCHERS
from fleet_api.web.pages import page_user
from fleet_api.web.repairs import forms
from fleet_api.web.templating import render
from maintenance import repository as maintenance
from maintenance import ticket_photos, ticket_repository, tickets
from maintenance.tickets import ACTIVE, FINAL

router = APIRouter(include_in_schema=False)
STAFF = (Role.ADMIN, Role.FLEET_MANAGER, Role.MECHANIC)
Staff = Annotated[Principal, page_user(*STAFF)]
Reader = Annotated[Principal, page_user(*STAFF, Role.GARAGE_PARTNER)]
# The list's filter: every ticket, those still under way, or one status.
FILTERS = {"": "Toutes les fiches", "actives": "En cours de traitement (pas closes)"} | {
    status: label for status, label in forms.STATUS_LABELS.items()
}
# The field names the workflow writes in its history notes, as a person reads them.
NOTE_WORDS = {
    "quote_cents": "devis",
    "final_cost_cents": "coût final",
    "parts": "pièces (nombre)",
    "garage_id": "garage",
    "title": "objet",
    "description": "description",
    "immobilised": "immobilisation",
    "tasks": "entretien couvert",
}


def plain_note(note: str) -> str:
    return re.sub(r"\b[a-z_]+\b", lambda word: NOTE_WORDS.get(word[0], word[0]), note)


LABELS = {
    "statuses": forms.STATUS_LABELS,
    "kinds": forms.KINDS,
    "role_labels": forms.ROLE_LABELS,
    "photo_tags": ticket_photos.TAGS,
    "plain_note": plain_note,
}


def is_garage(user: Principal) -> bool:
    return user.role == Role.GARAGE_PARTNER


@router.get("/reparations")
def ticket_list(
    request: Request, user: Reader, conn: DbConn, statut: Annotated[str, Query(max_length=20)] = ""
) -> Response:
    """Tickets not closed first, then the most recent activity; a garage sees only its own."""
    scope = actor(user).scope
    statut = statut if statut in FILTERS else ""
    statuses = sorted(ACTIVE | {"draft"}) if statut == "actives" else [statut] if statut else None
    return render(
        request,
        "repairs/liste.html",
        LABELS
        | {
            "tickets": ticket_repository.ticket_board(conn, garage_id=scope, statuses=statuses, limit=300),
            "counts": ticket_repository.status_counts(conn, garage_id=scope),
            "filters": FILTERS,
            "statut": statut,
            "garage_view": is_garage(user),
        },
    )


def new_ticket_page(
    request: Request,
    conn,
    *,
    values: dict,
    tasks: list[str] | None = None,
    error: str | None = None,
    status_code: int = 200,
) -> Response:
    return render(
        request,
        "repairs/nouvelle.html",
        LABELS
        | {
            "vehicles": vehicles.list_vehicles(conn),
            "garages": garages.list_garages(conn),
            "task_labels": task_labels(conn),
            "values": values,
            "chosen_tasks": tasks or [],
            "error": error,
        },
        status_code=status_code,
    )


def task_labels(conn) -> dict[str, str]:
    """The maintenance tasks a repair may cover (the plans' tasks, by their French label)."""
    return {plan.task: plan.label for plan in sorted(maintenance.list_plans(conn), key=lambda plan: plan.label)}


@router.get("/reparations/nouvelle")
def new_ticket_form(
    request: Request, user: Staff, conn: DbConn, vehicule: Annotated[int | None, Query(ge=1, le=MAX_ID)] = None
) -> Response:
    first_garage = next(iter(garages.list_garages(conn)), None)
    return new_ticket_page(
        request,
        conn,
        values={
            "vehicle_id": str(vehicule or ""),
            "garage_id": str(first_garage["id"]) if first_garage else "",
            "title": "",
            "description": "",
            "immobilised": False,
        },
    )


def ticket_page(
    request: Request,
    user: Principal,
    conn,
    ticket_id: int,
    *,
    notice: str | None = None,
    error: str | None = None,
    status_code: int = 200,
) -> Response:
    """The ticket as its reader may see it (NotFound outside a garage's scope)."""
    who = actor(user)
    ticket = tickets.with_updates(conn, tickets.get(conn, ticket_id, actor=who))
    photos = ticket_photos.list_photos(conn, ticket_id, actor=who)
    accepted = [update for update in ticket["updates"] if update["accepted_quote_cents"] is not None]
    staff = not is_garage(user)
    return render(
        request,
        "repairs/fiche.html",
        LABELS
        | {
            "ticket": ticket,
            "garage_view": not staff,
            "staff": staff,
            "notice": notice,
            "error": error,
            "fault_photos": [photo for photo in photos if photo["tag"] == "fault"],
            "repair_photos": [photo for photo in photos if photo["tag"] == "repair"],
            "accepted_quote": accepted[-1] if accepted else None,
            "closed": ticket["status"] in FINAL,
            "editable": staff and ticket["status"] in ("draft", "open"),
            "vehicle_link": user.role in FLEET_WATCHERS,
            "garages": garages.list_garages(conn) if staff else [],
            "task_labels": task_labels(conn),
            "parts_total": sum(part["quantity"] * (part["unit_price_cents"] or 0) for part in ticket["parts"]),
        },
        status_code=status_code,
    )


NOTICES = {
    "ouverte": "Fiche ouverte.",
    "envoyee": "Fiche envoyée au garage : il a reçu un e-mail avec son lien.",
    "statut": "Statut changé.",
    "commentaire": "Commentaire ajouté.",
    "couts": "Devis et coût enregistrés.",
    "pieces": "Pièces enregistrées.",
    "photo": "Photo ajoutée.",
    "modifiee": "Fiche modifiée.",
    "devis": "Devis accepté : le garage peut commencer.",
}


@router.get("/reparations/{ticket_id}")
def ticket_detail(
    ticket_id: Id, request: Request, user: Reader, conn: DbConn, fait: Annotated[str, Query(max_length=20)] = ""
) -> Response:
    return ticket_page(request, user, conn, ticket_id, notice=NOTICES.get(fait))


@router.get("/reparations/{ticket_id}/photos/{photo_id}")
def ticket_photo(ticket_id: Id, photo_id: Id, user: Reader, conn: DbConn) -> Response:
    photo = ticket_photos.get(conn, ticket_id, photo_id, actor=actor(user))
    return Response(
        photo["content"],
        media_type=photo["content_type"],
        headers={"Cache-Control": "private, max-age=3600", "X-Content-Type-Options": "nosniff"},
    )
