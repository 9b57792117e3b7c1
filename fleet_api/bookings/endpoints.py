"""Routes: `/bookings` (request, list), `/bookings/{id}` and its transitions — validate,
reject, cancel, deposit, checkout, checkin, extend — and an inspection's photos.

Who may do what (docs/ARCHITECTURE.md, roles): prescribers request and cancel loans of their own
structure's participants (and see only those); coordinators and admins do everything;
the fleet manager reads the planning.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Query, Response

from fleet_api.authz import Principal, Role, require
from fleet_api.bookings.schemas import (
    BookingCreate,
    CancelRequest,
    DepositRequest,
    ExtendRequest,
    InspectionCreate,
    Loan,
    LoanDetail,
    LoanStatus,
    RejectRequest,
    ValidateRequest,
)
from fleet_api.deps import MAX_ID, DbConn, Id, Now, Settings
from fleetbase.errors import NotFound
from loans import inspections, repository, service

router = APIRouter(prefix="/api/v1", tags=["bookings"])
Reader = Annotated[Principal, require(Role.ADMIN, Role.FLEET_MANAGER, Role.COORDINATOR, Role.PRESCRIBER)]
Requester = Annotated[Principal, require(Role.ADMIN, Role.COORDINATOR, Role.PRESCRIBER)]
Coordinator = Annotated[Principal, require(Role.ADMIN, Role.COORDINATOR)]
PhotoViewer = Annotated[Principal, require(Role.ADMIN, Role.FLEET_MANAGER, Role.COORDINATOR)]
From = Annotated[datetime | None, Query(alias="from", description="loans ending after this moment")]
To = Annotated[datetime | None, Query(alias="to", description="loans starting before this moment")]


@router.post("/bookings", response_model=Loan, status_code=201)
def request_booking(data: BookingCreate, user: Requester, conn: DbConn, now: Now, settings: Settings):
    """Request a loan for a participant (a prescriber: one of their structure's), on a vehicle or
    on any free vehicle of a kind."""
    return service.request_loan(
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


@router.get("/bookings", response_model=list[Loan])
def list_bookings(
    user: Reader,
    conn: DbConn,
    status: LoanStatus | None = None,
    vehicle_id: Annotated[int | None, Query(ge=1, le=MAX_ID)] = None,
    start: From = None,
    end: To = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 200,
):
    return repository.list_loans(
        conn, scope=user.row_scope("loans"), status=status, vehicle_id=vehicle_id, start=start, end=end, limit=limit
    )


@router.get("/bookings/{loan_id}", response_model=LoanDetail)
def get_booking(loan_id: Id, user: Reader, conn: DbConn):
    return service.loan_detail(conn, loan_id, scope=user.row_scope("loans"))


@router.post("/bookings/{loan_id}/validate", response_model=Loan)
def validate_booking(
    loan_id: Id, user: Coordinator, conn: DbConn, now: Now, settings: Settings, data: ValidateRequest | None = None
):
    return service.validate_loan(
        conn, loan_id, vehicle_id=data.vehicle_id if data else None, user_id=user.user_id, now=now, zone=settings.zone
    )


@router.post("/bookings/{loan_id}/reject", response_model=Loan)
def reject_booking(loan_id: Id, data: RejectRequest, user: Coordinator, conn: DbConn, now: Now):
    return service.reject_loan(conn, loan_id, reason=data.reason, user_id=user.user_id, now=now)


@router.post("/bookings/{loan_id}/cancel", response_model=Loan)
def cancel_booking(loan_id: Id, user: Requester, conn: DbConn, now: Now, data: CancelRequest | None = None):
    """Before check-out only; a prescriber cancels only their structure's loans."""
    return service.cancel_loan(
        conn,
        loan_id,
        reason=data.reason if data else None,
        scope=user.row_scope("loans"),
        user_id=user.user_id,
        now=now,
    )


@router.post("/bookings/{loan_id}/deposit", response_model=Loan)
def record_deposit(loan_id: Id, data: DepositRequest, user: Coordinator, conn: DbConn, now: Now):
    """The deposit received (or waived: 0 and `waived`), needed before check-out."""
    return service.record_deposit(
        conn, loan_id, amount_cents=data.amount_cents, method=data.method, user_id=user.user_id, now=now
    )


@router.post("/bookings/{loan_id}/checkout", response_model=Loan)
def check_out(loan_id: Id, data: InspectionCreate, user: Coordinator, conn: DbConn, now: Now, settings: Settings):
    """The *état des lieux de départ*: the vehicle leaves (validated → active)."""
    return inspections.check_out(
        conn, loan_id, inspection=data.as_domain(), user_id=user.user_id, now=now, zone=settings.zone
    )


@router.post("/bookings/{loan_id}/checkin", response_model=Loan)
def check_in(loan_id: Id, data: InspectionCreate, user: Coordinator, conn: DbConn, now: Now, settings: Settings):
    """The *état des lieux de retour*: kilometres measured, a new damage opens a repair ticket draft."""
    return inspections.check_in(
        conn, loan_id, inspection=data.as_domain(), user_id=user.user_id, now=now, zone=settings.zone
    )


@router.post("/bookings/{loan_id}/extend", response_model=Loan)
def extend_booking(loan_id: Id, data: ExtendRequest, user: Coordinator, conn: DbConn, now: Now, settings: Settings):
    return service.extend_loan(
        conn, loan_id, ends_at=data.ends_at, reason=data.reason, user_id=user.user_id, now=now, zone=settings.zone
    )


@router.get(
    "/bookings/{loan_id}/photos/{photo_id}",
    response_class=Response,
    responses={200: {"content": {"image/jpeg": {}, "image/png": {}, "image/webp": {}}}},
)
def inspection_photo(loan_id: Id, photo_id: Id, user: PhotoViewer, conn: DbConn) -> Response:
    photo = repository.get_photo(conn, loan_id, photo_id)
    if photo is None:
        raise NotFound("Photo inconnue.")
    return Response(bytes(photo["content"]), media_type=photo["content_type"])
