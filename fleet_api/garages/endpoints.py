"""Routes: `/garages` (the partner garages), `/garages/{id}` (contact details) and
`/garages/{id}/webhook` (the garage's own system: set, with a new secret shown once, or removed)."""

from __future__ import annotations

import secrets
from typing import Annotated

from fastapi import APIRouter

from fleet import garage_repository as repository
from fleet_api.authz import Principal, Role, require
from fleet_api.deps import DbConn, Id, Now
from fleet_api.garages.schemas import Garage, GarageUpdate, WebhookCredentials, WebhookSet
from fleetbase.errors import NotFound
from notifications.webhooks import SIGNATURE_HEADER

router = APIRouter(prefix="/api/v1", tags=["garages"])
Reader = Annotated[Principal, require(Role.ADMIN, Role.FLEET_MANAGER, Role.COORDINATOR, Role.MECHANIC)]
Admin = Annotated[Principal, require(Role.ADMIN)]


def garage_or_404(conn, garage_id: int) -> dict:
    garage = repository.get_garage(conn, garage_id)
    if garage is None:
        raise NotFound("Garage inconnu.")
    return garage


@router.get("/garages", response_model=list[Garage])
def list_garages(reader: Reader, conn: DbConn):
    return repository.list_garages(conn)


@router.get("/garages/{garage_id}", response_model=Garage)
def get_garage(garage_id: Id, reader: Reader, conn: DbConn):
    return garage_or_404(conn, garage_id)


@router.patch("/garages/{garage_id}", response_model=Garage)
def update_garage(garage_id: Id, data: GarageUpdate, admin: Admin, conn: DbConn):
    if not repository.update_contact(conn, garage_id, changes=data.model_dump(exclude_unset=True)):
        raise NotFound("Garage inconnu.")
    return garage_or_404(conn, garage_id)


@router.put("/garages/{garage_id}/webhook", response_model=WebhookCredentials)
def set_webhook(garage_id: Id, data: WebhookSet, admin: Admin, conn: DbConn, now: Now):
    """Send the garage's ticket notices to its own system too; a new signing secret, shown only this once."""
    secret = secrets.token_urlsafe(32)
    if not repository.set_webhook(conn, garage_id, url=data.url, secret=secret, now=now, user_id=admin.user_id):
        raise NotFound("Garage inconnu.")
    return {"url": data.url, "secret": secret, "signature_header": SIGNATURE_HEADER}


@router.delete("/garages/{garage_id}/webhook", response_model=Garage)
def remove_webhook(garage_id: Id, admin: Admin, conn: DbConn, now: Now):
    """Back to e-mail only."""
    if not repository.set_webhook(conn, garage_id, url=None, secret=None, now=now, user_id=admin.user_id):
        raise NotFound("Garage inconnu.")
    return garage_or_404(conn, garage_id)
