"""État des lieux on a tablet: `/prets/{id}/depart` (check-out) and `/prets/{id}/retour`
(check-in), and their PDF receipts (`…/recu.pdf`).

The page shows the loan, the vehicle's odometer and energy from telemetry, the checklist of
its kind and its outline to tap damages on; `static/js/etat-des-lieux.js` shrinks the photos
(which drops their metadata), sends them to `POST /api/v1/photos`, collects the two drawn
signatures and sends the inspection to the API's `/checkout` or `/checkin`, showing its
French refusal when there is one. Once done, the page shows what was recorded (at check-in,
beside the departure), the repair-ticket draft a new damage opened, and the receipt.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Request
from fastapi.responses import Response

from fleet_api.authz import Principal, Role
from fleet_api.deps import DbConn, Id, Settings
from fleet_api.web.inspections.outlines import OUTLINES
from fleet_api.web.pages import page_user
from fleet_api.web.templating import render
from fleetbase.errors import NotFound
from loans import participant_repository, receipts, repository
from loans.inspections import CHECKLIST_BY_KIND, CHECKLIST_LABELS, KIND_NAMES
from loans.service import loan_or_404, vehicle_or_error
from maintenance import ticket_repository

router = APIRouter(include_in_schema=False)
Inspector = Annotated[Principal, page_user(Role.ADMIN, Role.COORDINATOR)]
KINDS = {"depart": "checkout", "retour": "checkin"}
LOAN_STATES = {
    "requested": "demandé",
    "validated": "validé",
    "active": "en cours",
    "overdue": "en retard",
    "returned": "rendu",
    "rejected": "refusé",
    "cancelled": "annulé",
}


@router.get("/prets/{loan_id}/depart")
def check_out_page(loan_id: Id, request: Request, user: Inspector, conn: DbConn) -> Response:
    return _page(request, conn, loan_id, kind="checkout")


@router.get("/prets/{loan_id}/retour")
def check_in_page(loan_id: Id, request: Request, user: Inspector, conn: DbConn) -> Response:
    return _page(request, conn, loan_id, kind="checkin")


@router.get("/prets/{loan_id}/{moment}/recu.pdf")
def receipt(loan_id: Id, moment: str, user: Inspector, conn: DbConn, settings: Settings) -> Response:
    if moment not in KINDS:
        raise NotFound("Page introuvable.")
    content = receipts.receipt_pdf(conn, loan_id, kind=KINDS[moment], zone=settings.zone)
    filename = f"etat-des-lieux-{moment}-pret-{loan_id}.pdf"
    return Response(
        content,
        media_type="application/pdf",
        headers={"Content-Disposition": f'attachment; filename="{filename}"', "Cache-Control": "no-store"},
    )


def _page(request: Request, conn, loan_id: int, *, kind: str) -> Response:
    loan = loan_or_404(conn, loan_id, scope=None)
    vehicle = vehicle_or_error(conn, loan["vehicle_id"])
    person = (
        participant_repository.get_participant(conn, loan["participant_id"])
        if loan["participant_id"] is not None
        else None
    )
    done = repository.inspections(conn, loan_id)
    tickets = [
        ticket
        for ticket in ticket_repository.list_tickets(
            conn, garage_id=None, status=None, vehicle_id=vehicle["id"], limit=50
        )
        if ticket["loan_id"] == loan_id
    ]
    electric = vehicle["kind"] in receipts.ELECTRIC_KINDS
    telemetry_energy = vehicle["battery_pct"] if electric else vehicle["fuel_pct"]
    return render(
        request,
        "inspections/etat.html",
        {
            "kind": kind,
            "loan": loan,
            "vehicle": vehicle,
            "person": person,
            "done": done,
            "departure": done.get("checkout"),
            "current": done.get(kind),
            "tickets": tickets,
            "can_start": (loan["status"] == "validated")
            if kind == "checkout"
            else (loan["status"] in ("active", "overdue") and "checkout" in done),
            "outline": OUTLINES[vehicle["kind"]],
            "kind_name": KIND_NAMES[vehicle["kind"]],
            "checklist": [(item, CHECKLIST_LABELS[item]) for item in CHECKLIST_BY_KIND[vehicle["kind"]]],
            "energy_name": receipts.energy_name(vehicle["kind"]),
            "telemetry_energy": telemetry_energy,
            "loan_states": LOAN_STATES,
            "moment": "depart" if kind == "checkout" else "retour",
        },
    )
