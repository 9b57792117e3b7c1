"""Calendar feeds: coordinators make and revoke them from the planning page; a phone's
calendar reads one at its secret address (/calendrier/<token>.ics), without a session.
A revoked or unknown address answers 404."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Path, Request
from fastapi.responses import RedirectResponse, Response

from fleet_api.authz import Principal, Role
from fleet_api.deps import DbConn, Id, Now, Settings
from fleet_api.web.pages import check_csrf, page_user
from fleet_api.web.templating import render
from fleetbase.errors import InvalidInput
from loans import calendar_feeds

router = APIRouter(include_in_schema=False)
Keeper = Annotated[Principal, page_user(Role.ADMIN, Role.COORDINATOR)]


def _choice(value: str) -> tuple[int | None, int | None]:
    """`depot:3` or `vehicule:12` → (site_id, vehicle_id)."""
    kind, _, number = value.partition(":")
    if kind not in ("depot", "vehicule") or not number.isdigit() or len(number) > 18:
        raise InvalidInput("Choisissez un dépôt ou un véhicule.")
    return (int(number), None) if kind == "depot" else (None, int(number))


@router.post("/planning/calendriers")
def create_feed(
    request: Request,
    user: Keeper,
    conn: DbConn,
    now: Now,
    csrf_token: Annotated[str, Form(max_length=200)] = "",
    choix: Annotated[str, Form(max_length=40)] = "",
) -> Response:
    check_csrf(request, csrf_token)
    site_id, vehicle_id = _choice(choix)
    feed, token = calendar_feeds.create_feed(
        conn, site_id=site_id, vehicle_id=vehicle_id, user_id=user.user_id, now=now
    )
    return render(
        request,
        "planning/calendrier_cree.html",
        {"feed": feed, "url": str(request.base_url) + f"calendrier/{token}.ics"},
        status_code=201,
    )


@router.post("/planning/calendriers/{feed_id}/revoquer")
def revoke_feed(
    feed_id: Id,
    request: Request,
    user: Keeper,
    conn: DbConn,
    now: Now,
    csrf_token: Annotated[str, Form(max_length=200)] = "",
) -> Response:
    check_csrf(request, csrf_token)
    calendar_feeds.revoke_feed(conn, feed_id, user_id=user.user_id, now=now)
    return RedirectResponse("/planning?revoque=1#calendriers", status_code=303)


@router.get("/calendrier/{token}.ics")
def calendar_feed(token: Annotated[str, Path(max_length=200)], conn: DbConn, now: Now, settings: Settings) -> Response:
    return Response(
        calendar_feeds.feed_calendar(conn, token, now=now, zone=settings.zone),
        media_type="text/calendar; charset=utf-8",
        headers={"Cache-Control": "private, max-age=300", "Content-Disposition": 'inline; filename="prets.ics"'},
    )
