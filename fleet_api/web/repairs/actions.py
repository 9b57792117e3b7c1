"""The repair pages' forms: open a ticket (and send it), complete it, move its status, accept
the garage's quote, comment, price it, list its parts and add photos. Each goes through the
services the API's routes use, in a savepoint: what a rule refuses is rolled back and the
ticket's page says why in French; another garage's ticket answers "not found" as the page does.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated

from fastapi import APIRouter, File, Form, Request, UploadFile
from fastapi.responses import RedirectResponse, Response

from fleet_api.deps import DbConn, Id, Now, Settings
from fleet_api.errors import status_for
from fleet_api.repair_tickets.endpoints import actor
from fleet_api.web.pages import check_csrf
from fleet_api.web.repairs import forms
from fleet_api.web.repairs.pages import Reader, Staff, is_garage, new_ticket_page, ticket_page
from fleetbase.errors import FleetError, InvalidInput, NotFound
from maintenance import ticket_photos, tickets
from maintenance.tickets import Actor

router = APIRouter(include_in_schema=False)
Csrf = Annotated[str, Form(max_length=200)]
Short = Annotated[str, Form(max_length=300)]
Long = Annotated[str, Form(max_length=4000)]
Photo = Annotated[UploadFile | None, File()]


def _act(
    request: Request, user, conn, ticket_id: int, work: Callable[[Actor], object], *, done: str, anchor: str = ""
) -> Response:
    """Do `work` in a savepoint; back to the ticket with `done`'s notice, or with the refusal."""
    try:
        with conn.transaction():
            work(actor(user))
    except NotFound:
        raise
    except FleetError as refusal:
        return ticket_page(request, user, conn, ticket_id, error=refusal.detail, status_code=status_for(refusal))
    return RedirectResponse(f"/reparations/{ticket_id}?fait={done}{anchor}", status_code=303)


def _photo_bytes(photo: UploadFile | None, max_bytes: int) -> bytes | None:
    """The chosen file's bytes, None when no file was chosen."""
    if photo is None or not photo.filename:
        return None
    return photo.file.read(max_bytes + 1)


@router.post("/reparations/nouvelle")
def open_ticket(
    request: Request,
    user: Staff,
    conn: DbConn,
    now: Now,
    settings: Settings,
    csrf_token: Csrf = "",
    vehicle_id: Short = "",
    garage_id: Short = "",
    title: Short = "",
    description: Long = "",
    immobilised: Short = "",
    tasks: Annotated[list[str], Form()] = [],  # noqa: B006 (FastAPI's default)
    photo: Photo = None,
    caption: Short = "",
    action: Short = "open",
) -> Response:
    """Open the ticket (with a photo of the fault, if chosen), and send it at once if asked."""
    check_csrf(request, csrf_token)
    values = {
        "vehicle_id": vehicle_id,
        "garage_id": garage_id,
        "title": title,
        "description": description,
        "immobilised": immobilised == "oui",
    }
    who = actor(user)
    try:
        with conn.transaction():
            data = forms.ticket_create(values, tasks=tasks)
            ticket = tickets.create(conn, actor=who, now=now, **data.model_dump())
            content = _photo_bytes(photo, settings.photo_max_bytes)
            if content is not None:
                ticket_photos.add(
                    conn,
                    ticket["id"],
                    actor=who,
                    tag="fault",
                    content=content,
                    caption=caption,
                    max_bytes=settings.photo_max_bytes,
                    now=now,
                )
            if action == "send":
                tickets.change_status(
                    conn,
                    ticket["id"],
                    actor=who,
                    status="sent",
                    note="",
                    final_cost_cents=None,
                    now=now,
                    zone=settings.zone,
                    public_url=settings.public_url,
                )
    except FleetError as refusal:
        return new_ticket_page(
            request,
            conn,
            values=values,
            tasks=tasks,
            error=refusal.detail,
            status_code=422 if isinstance(refusal, NotFound) else status_for(refusal),
        )
    return RedirectResponse(
        f"/reparations/{ticket['id']}?fait={'envoyee' if action == 'send' else 'ouverte'}", status_code=303
    )


@router.post("/reparations/{ticket_id}/modifier")
def edit_ticket(
    ticket_id: Id,
    request: Request,
    user: Staff,
    conn: DbConn,
    now: Now,
    settings: Settings,
    csrf_token: Csrf = "",
    garage_id: Short = "",
    title: Short = "",
    description: Long = "",
    immobilised: Short = "",
    tasks: Annotated[list[str], Form()] = [],  # noqa: B006 (FastAPI's default)
) -> Response:
    """Complete a draft or an open ticket."""
    check_csrf(request, csrf_token)
    values = {"garage_id": garage_id, "title": title, "description": description, "immobilised": immobilised == "oui"}

    def work(who: Actor) -> None:
        current = tickets.get(conn, ticket_id, actor=who)
        changes = {
            name: value
            for name, value in forms.ticket_update(values, tasks=tasks).items()
            if value != (sorted(current[name]) if name == "tasks" else current[name])
        }
        tickets.edit(conn, ticket_id, actor=who, now=now, public_url=settings.public_url, **changes)

    return _act(request, user, conn, ticket_id, work, done="modifiee")


@router.post("/reparations/{ticket_id}/immobilisation")
def set_immobilised(
    ticket_id: Id,
    request: Request,
    user: Staff,
    conn: DbConn,
    now: Now,
    settings: Settings,
    csrf_token: Csrf = "",
    immobilised: Short = "",
) -> Response:
    """Immobilise or release the vehicle while the ticket is not closed."""
    check_csrf(request, csrf_token)
    return _act(
        request,
        user,
        conn,
        ticket_id,
        lambda who: tickets.edit(
            conn, ticket_id, actor=who, now=now, public_url=settings.public_url, immobilised=immobilised == "oui"
        ),
        done="modifiee",
    )


@router.post("/reparations/{ticket_id}/statut")
def change_status(
    ticket_id: Id,
    request: Request,
    user: Reader,
    conn: DbConn,
    now: Now,
    settings: Settings,
    csrf_token: Csrf = "",
    status: Short = "",
    note: Long = "",
    quote: Short = "",
    final_cost: Short = "",
    accepted_quote_cents: Short = "",
) -> Response:
    """A move of the workflow; the garage may give its quote with it, and must give the final
    cost when it finishes; staff accepting the quote send back the amount they were shown."""
    check_csrf(request, csrf_token)

    def work(who: Actor) -> None:
        quote_cents = forms.cents(quote, label="Devis")
        final_cents = forms.cents(final_cost, label="Coût final")
        if status == "done" and final_cents is None:
            raise InvalidInput("Indiquez le coût final des travaux pour terminer la fiche.")
        if quote_cents is not None:
            tickets.set_costs(
                conn, ticket_id, actor=who, now=now, public_url=settings.public_url, quote_cents=quote_cents
            )
        accepted = int(accepted_quote_cents) if accepted_quote_cents.isdigit() else None
        tickets.change_status(
            conn,
            ticket_id,
            actor=who,
            status=status,
            note=note.strip(),
            final_cost_cents=final_cents,
            now=now,
            zone=settings.zone,
            public_url=settings.public_url,
            accepted_quote_cents=accepted,
        )

    done = "devis" if accepted_quote_cents else "envoyee" if status == "sent" else "statut"
    return _act(request, user, conn, ticket_id, work, done=done)


@router.post("/reparations/{ticket_id}/commentaire")
def add_comment(
    ticket_id: Id,
    request: Request,
    user: Reader,
    conn: DbConn,
    now: Now,
    settings: Settings,
    csrf_token: Csrf = "",
    text: Long = "",
) -> Response:
    check_csrf(request, csrf_token)

    def work(who: Actor) -> None:
        if not text.strip():
            raise InvalidInput("Écrivez votre commentaire avant de l'envoyer.")
        tickets.comment(conn, ticket_id, actor=who, text=text.strip(), now=now, public_url=settings.public_url)

    return _act(request, user, conn, ticket_id, work, done="commentaire", anchor="#echanges")


@router.post("/reparations/{ticket_id}/couts")
def set_costs(
    ticket_id: Id,
    request: Request,
    user: Reader,
    conn: DbConn,
    now: Now,
    settings: Settings,
    csrf_token: Csrf = "",
    quote: Short = "",
    final_cost: Short = "",
) -> Response:
    """The quote and the final cost (an empty field leaves its amount as it is)."""
    check_csrf(request, csrf_token)

    def work(who: Actor) -> None:
        costs = {
            "quote_cents": forms.cents(quote, label="Devis"),
            "final_cost_cents": forms.cents(final_cost, label="Coût final"),
        }
        tickets.set_costs(
            conn,
            ticket_id,
            actor=who,
            now=now,
            public_url=settings.public_url,
            **{name: value for name, value in costs.items() if value is not None},
        )

    return _act(request, user, conn, ticket_id, work, done="couts", anchor="#couts")


@router.post("/reparations/{ticket_id}/pieces")
def add_part(
    ticket_id: Id,
    request: Request,
    user: Reader,
    conn: DbConn,
    now: Now,
    settings: Settings,
    csrf_token: Csrf = "",
    name: Short = "",
    quantity: Short = "1",
    unit_price: Short = "",
) -> Response:
    check_csrf(request, csrf_token)

    def work(who: Actor) -> None:
        parts = tickets.get(conn, ticket_id, actor=who)["parts"]
        if len(parts) >= 200:
            raise InvalidInput("Une fiche compte 200 pièces au plus.")
        tickets.set_costs(
            conn,
            ticket_id,
            actor=who,
            now=now,
            public_url=settings.public_url,
            parts=[*parts, forms.part(name, quantity, unit_price)],
        )

    return _act(request, user, conn, ticket_id, work, done="pieces", anchor="#pieces")


@router.post("/reparations/{ticket_id}/pieces/{index}/retirer")
def remove_part(
    ticket_id: Id,
    index: int,
    request: Request,
    user: Reader,
    conn: DbConn,
    now: Now,
    settings: Settings,
    csrf_token: Csrf = "",
) -> Response:
    check_csrf(request, csrf_token)

    def work(who: Actor) -> None:
        parts = tickets.get(conn, ticket_id, actor=who)["parts"]
        if not 0 <= index < len(parts):
            raise InvalidInput("Cette pièce n'est plus sur la fiche : rechargez la page.")
        tickets.set_costs(
            conn,
            ticket_id,
            actor=who,
            now=now,
            public_url=settings.public_url,
            parts=parts[:index] + parts[index + 1 :],
        )

    return _act(request, user, conn, ticket_id, work, done="pieces", anchor="#pieces")


@router.post("/reparations/{ticket_id}/photos")
def add_photo(
    ticket_id: Id,
    request: Request,
    user: Reader,
    conn: DbConn,
    now: Now,
    settings: Settings,
    csrf_token: Csrf = "",
    photo: Photo = None,
    caption: Short = "",
    tag: Short = "fault",
) -> Response:
    """A photo of the repair (the garage's), or of the fault or the repair (staff's choice)."""
    check_csrf(request, csrf_token)

    def work(who: Actor) -> None:
        content = _photo_bytes(photo, settings.photo_max_bytes)
        if content is None:
            raise InvalidInput("Choisissez d'abord la photo à ajouter.")
        ticket_photos.add(
            conn,
            ticket_id,
            actor=who,
            tag="repair" if is_garage(user) else tag,
            content=content,
            caption=caption,
            max_bytes=settings.photo_max_bytes,
            now=now,
        )

    return _act(request, user, conn, ticket_id, work, done="photo", anchor="#photos")
