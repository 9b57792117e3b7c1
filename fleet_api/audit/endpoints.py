"""Routes: `/audit` — the audit log, read by administrators (docs/PRIVACY.md). Nobody
writes it through the API: each action writes its own entry, and the database refuses any
change or removal (0066_audit_log_append_only.sql)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request, Response

from fleet_api.audit.schemas import AuditEntry
from fleet_api.authz import Principal, Role, require
from fleet_api.deps import MAX_ID, DbConn
from fleet_api.schemas import ServiceTime
from fleetbase import audit_repository as audit
from fleetbase.errors import InvalidInput

router = APIRouter(prefix="/api/v1", tags=["audit"])
Admin = Annotated[Principal, require(Role.ADMIN)]
AnId = Annotated[int | None, Query(ge=1, le=MAX_ID)]


@router.get("/audit", response_model=list[AuditEntry])
def list_audit_entries(
    admin: Admin,
    conn: DbConn,
    request: Request,
    response: Response,
    user_id: AnId = None,
    vehicle_id: AnId = None,
    participant_id: AnId = None,
    action: Annotated[str | None, Query(max_length=64, pattern=r"^[a-z_]+$")] = None,
    from_: Annotated[ServiceTime | None, Query(alias="from")] = None,
    to: ServiceTime | None = None,
    before: Annotated[
        int | None, Query(ge=1, le=MAX_ID, description="id of the last entry of the previous page")
    ] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
):
    """Entries newest first, filtered by who acted (`user_id`), which vehicle, which
    participant (their record, and the looks at positions during their loans), `action` and period
    [`from`, `to`). A full page answers a `Link: <…>; rel="next"` header to the next one."""
    if any(moment is not None and moment.tzinfo is None for moment in (from_, to)):
        raise InvalidInput("from et to doivent porter un fuseau (par exemple 2026-11-25T08:00:00Z).")
    if from_ is not None and to is not None and from_ >= to:
        raise InvalidInput("« from » doit précéder « to ».")
    rows = audit.entries(
        conn,
        user_id=user_id,
        vehicle_id=vehicle_id,
        participant_id=participant_id,
        action=action,
        start=from_,
        end=to,
        before_id=before,
        limit=limit,
    )
    if len(rows) == limit:
        next_page = request.url.include_query_params(before=rows[-1]["id"])
        response.headers["Link"] = f'<{next_page}>; rel="next"'
    return rows
