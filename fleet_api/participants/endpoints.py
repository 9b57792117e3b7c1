"""Routes: `/participants` (list, create), `/participants/{id}` (read, change), and the
person's `/export` and `/erase` (docs/PRIVACY.md). A prescriber sees only their structure's."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from fleet_api.authz import Principal, Role, require
from fleet_api.deps import DbConn, Id, Now
from fleet_api.participants.schemas import Participant, ParticipantCreate, ParticipantExport, ParticipantUpdate
from fleet_api.schemas import Name
from loans import participant_repository, participants

router = APIRouter(prefix="/api/v1", tags=["participants"])
Referrer = Annotated[Principal, require(Role.ADMIN, Role.COORDINATOR, Role.PRESCRIBER)]
Keeper = Annotated[Principal, require(Role.ADMIN, Role.COORDINATOR)]


@router.get("/participants", response_model=list[Participant])
def list_participants(
    user: Referrer,
    conn: DbConn,
    search: Annotated[Name | None, Query(description="start of a first or last name")] = None,
    municipality: Annotated[Name | None, Query(description="start of the commune's name")] = None,
    include_erased: bool = False,
    limit: Annotated[int, Query(ge=1, le=1000)] = 200,
):
    return participant_repository.list_participants(
        conn,
        scope=user.row_scope("participants"),
        search=search,
        municipality=municipality,
        include_erased=include_erased,
        limit=limit,
    )


@router.post("/participants", response_model=Participant, status_code=201)
def create_participant(data: ParticipantCreate, user: Referrer, conn: DbConn, now: Now):
    return participants.create_participant(
        conn,
        values=data.model_dump(),
        scope=user.row_scope("participants"),
        user_id=user.user_id,
        prescriber_user=user.role == Role.PRESCRIBER,
        now=now,
    )


@router.get("/participants/{participant_id}", response_model=Participant)
def get_participant(participant_id: Id, user: Referrer, conn: DbConn):
    return participants.participant_or_404(conn, participant_id, scope=user.row_scope("participants"))


@router.patch("/participants/{participant_id}", response_model=Participant)
def update_participant(participant_id: Id, data: ParticipantUpdate, user: Referrer, conn: DbConn, now: Now):
    return participants.update_participant(
        conn, participant_id, changes=data.model_dump(exclude_unset=True), scope=user.row_scope("participants"), now=now
    )


@router.get("/participants/{participant_id}/export", response_model=ParticipantExport)
def export_participant(participant_id: Id, user: Keeper, conn: DbConn, now: Now):
    """Everything held about the person; the export is written to the audit log."""
    return participants.export_participant(conn, participant_id, user_id=user.user_id, now=now)


@router.post("/participants/{participant_id}/erase", response_model=Participant)
def erase_participant(participant_id: Id, user: Keeper, conn: DbConn, now: Now):
    """Erase the person on request: personal fields blanked, licences dropped, loans kept
    for the statistics but unlinked; refused while a loan is pending or running."""
    return participants.erase_participant(conn, participant_id, user_id=user.user_id, now=now)
