"""Routes: `/repair-tickets` — staff open and send tickets to the garage solidaire; a garage
partner sees and updates only its own (others answer 404). The workflow and its effects
(immobilisation, notices to the garage, the closing service record) are maintenance.tickets;
the photos of the fault and of the repair, maintenance.ticket_photos."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, File, Form, Query, Response, UploadFile

from fleet_api.authz import Principal, Role, require
from fleet_api.deps import MAX_ID, DbConn, Id, Now, Settings
from fleet_api.errors import ErrorBody
from fleet_api.repair_tickets.schemas import (
    CommentCreate,
    CostsUpdate,
    RepairTicket,
    RepairTicketCreate,
    RepairTicketUpdate,
    Status,
    StatusChange,
    TicketPhoto,
)
from fleetbase.errors import InvalidInput
from maintenance import ticket_photos, ticket_repository, tickets
from maintenance.tickets import Actor

router = APIRouter(prefix="/api/v1", tags=["repair tickets"])
STAFF = (Role.ADMIN, Role.FLEET_MANAGER, Role.MECHANIC)
Staff = Annotated[Principal, require(*STAFF)]
Reader = Annotated[Principal, require(*STAFF, Role.COORDINATOR, Role.GARAGE_PARTNER)]
Worker = Annotated[Principal, require(*STAFF, Role.GARAGE_PARTNER)]


def actor(principal: Principal) -> Actor:
    scope = principal.row_scope("repair_tickets")  # a garage partner: its garage's tickets only
    return Actor(user_id=principal.user_id, role=principal.role.value, scope=scope["garage_id"] if scope else None)


@router.post("/repair-tickets", response_model=RepairTicket, status_code=201)
def create_ticket(data: RepairTicketCreate, staff: Staff, conn: DbConn, now: Now):
    """Open a ticket for the garage (status open; send it with the status route)."""
    ticket = tickets.create(conn, actor=actor(staff), now=now, **data.model_dump())
    return tickets.with_updates(conn, ticket)


@router.get("/repair-tickets", response_model=list[RepairTicket])
def list_tickets(
    reader: Reader,
    conn: DbConn,
    status: Status | None = None,
    vehicle_id: Annotated[int | None, Query(ge=1, le=MAX_ID)] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 200,
):
    scope = reader.row_scope("repair_tickets")
    return ticket_repository.list_tickets(
        conn, garage_id=scope["garage_id"] if scope else None, status=status, vehicle_id=vehicle_id, limit=limit
    )


@router.get("/repair-tickets/{ticket_id}", response_model=RepairTicket)
def get_ticket(ticket_id: Id, reader: Reader, conn: DbConn):
    return tickets.with_updates(conn, tickets.get(conn, ticket_id, actor=actor(reader)))


@router.patch("/repair-tickets/{ticket_id}", response_model=RepairTicket)
def update_ticket(ticket_id: Id, data: RepairTicketUpdate, staff: Staff, conn: DbConn, now: Now, settings: Settings):
    """Complete a draft or an open ticket; immobilise or release the vehicle until it is closed."""
    changes = data.model_dump(exclude_unset=True)
    if any(value is None for value in changes.values()):
        raise InvalidInput("Une valeur vide (null) ne peut pas remplacer un champ de la fiche.")
    return tickets.with_updates(
        conn, tickets.edit(conn, ticket_id, actor=actor(staff), now=now, public_url=settings.public_url, **changes)
    )


@router.post("/repair-tickets/{ticket_id}/status", response_model=RepairTicket)
def change_status(ticket_id: Id, data: StatusChange, worker: Worker, conn: DbConn, now: Now, settings: Settings):
    """draft → open → sent → accepted → in_progress → done, or cancelled (staff); the garage
    partner accepts, starts and finishes its own tickets. Staff accept the garage's quote with
    sent → accepted and `accepted_quote_cents` (the amount they read)."""
    ticket = tickets.change_status(
        conn,
        ticket_id,
        actor=actor(worker),
        status=data.status,
        note=data.note,
        final_cost_cents=data.final_cost_cents,
        now=now,
        zone=settings.zone,
        public_url=settings.public_url,
        accepted_quote_cents=data.accepted_quote_cents,
    )
    return tickets.with_updates(conn, ticket)


@router.post("/repair-tickets/{ticket_id}/comments", response_model=RepairTicket, status_code=201)
def add_comment(ticket_id: Id, data: CommentCreate, worker: Worker, conn: DbConn, now: Now, settings: Settings):
    return tickets.comment(
        conn, ticket_id, actor=actor(worker), text=data.text, now=now, public_url=settings.public_url
    )


@router.patch("/repair-tickets/{ticket_id}/costs", response_model=RepairTicket)
def update_costs(ticket_id: Id, data: CostsUpdate, worker: Worker, conn: DbConn, now: Now, settings: Settings):
    """The quote, the final cost and the parts used."""
    costs = {name: value for name, value in data.model_dump(exclude_unset=True).items() if value is not None}
    return tickets.with_updates(
        conn, tickets.set_costs(conn, ticket_id, actor=actor(worker), now=now, public_url=settings.public_url, **costs)
    )


@router.post(
    "/repair-tickets/{ticket_id}/photos",
    response_model=TicketPhoto,
    status_code=201,
    responses={415: {"model": ErrorBody, "description": "not a JPEG, PNG or WebP image"}},
)
def add_photo(
    ticket_id: Id,
    file: Annotated[UploadFile, File(description="one JPEG, PNG or WebP image")],
    worker: Worker,
    conn: DbConn,
    now: Now,
    settings: Settings,
    tag: Annotated[Literal["fault", "repair"], Form(description="what it shows")] = "repair",
    caption: Annotated[str, Form(max_length=300, pattern=r"^[^\x00]*$")] = "",
):
    """A photo of the fault (staff) or of the repair (staff or the garage), multipart/form-data:
    `file`, `tag`, `caption`; kept without its metadata (no position left in it)."""
    content = file.file.read(settings.photo_max_bytes + 1)  # the body limit bounds it already
    return ticket_photos.add(
        conn,
        ticket_id,
        actor=actor(worker),
        tag=tag,
        content=content,
        caption=caption,
        max_bytes=settings.photo_max_bytes,
        now=now,
    )


@router.get("/repair-tickets/{ticket_id}/photos", response_model=list[TicketPhoto])
def list_photos(ticket_id: Id, reader: Reader, conn: DbConn):
    return ticket_photos.list_photos(conn, ticket_id, actor=actor(reader))


@router.get(
    "/repair-tickets/{ticket_id}/photos/{photo_id}",
    response_class=Response,
    responses={200: {"content": {"image/jpeg": {}, "image/png": {}, "image/webp": {}}}},
)
def photo_content(ticket_id: Id, photo_id: Id, reader: Reader, conn: DbConn) -> Response:
    photo = ticket_photos.get(conn, ticket_id, photo_id, actor=actor(reader))
    return Response(photo["content"], media_type=photo["content_type"], headers={"Cache-Control": "private"})
