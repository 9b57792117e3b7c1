"""The workshop's wall screen: a signed-in mechanic makes a display link from /entretien (shown
once) and revokes it there; the screen opened at /ecran/<token> needs no session and redraws
its board from /ecran/<token>/tableau (htmx, every FLEET_WEB_WALL_REFRESH_S seconds). A
revoked link answers the French "lien révoqué" page (410); the screen that still shows the
board says so at its next redraw."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Path, Request
from fastapi.responses import RedirectResponse, Response

from fleet_api.deps import DbConn, Id, Now, Settings
from fleet_api.web.maintenance.pages import Staff
from fleet_api.web.pages import check_csrf
from fleet_api.web.templating import render
from maintenance import displays

router = APIRouter(include_in_schema=False)
Token = Annotated[str, Path(max_length=200)]


@router.post("/entretien/ecrans")
def create_display(
    request: Request,
    user: Staff,
    conn: DbConn,
    now: Now,
    csrf_token: Annotated[str, Form(max_length=200)] = "",
    nom: Annotated[str, Form(max_length=200)] = "",
) -> Response:
    check_csrf(request, csrf_token)
    display, token = displays.create_display(conn, name=nom, user_id=user.user_id, now=now)
    return render(
        request,
        "maintenance/ecran_cree.html",
        {"display": display, "url": str(request.base_url) + f"ecran/{token}"},
        status_code=201,
    )


@router.post("/entretien/ecrans/{display_id}/revoquer")
def revoke_display(
    display_id: Id,
    request: Request,
    user: Staff,
    conn: DbConn,
    now: Now,
    csrf_token: Annotated[str, Form(max_length=200)] = "",
) -> Response:
    check_csrf(request, csrf_token)
    displays.revoke_display(conn, display_id, user_id=user.user_id, now=now)
    return RedirectResponse("/entretien?revoque=1#ecrans", status_code=303)


def _wall(request: Request, conn, token: str, now, settings, *, name: str) -> Response:
    try:
        board = displays.wall_board(conn, token, now=now, zone=settings.zone)
    except displays.DisplayRevoked:
        # The screen's own redraw (htmx) gets the message in place of the board, and stops asking.
        fragment = request.headers.get("HX-Request") == "true"
        return render(
            request,
            "maintenance/ecran_revoque.html" if not fragment else "maintenance/ecran_fin.html",
            status_code=200 if fragment else 410,
        )
    return render(request, name, {**board, "token": token, "refresh_s": settings.web_wall_refresh_s})


@router.get("/ecran/{token}")
def wall_screen(token: Token, request: Request, conn: DbConn, now: Now, settings: Settings) -> Response:
    """The wall screen: no sign-in, the link is the key."""
    return _wall(request, conn, token, now, settings, name="maintenance/ecran.html")


@router.get("/ecran/{token}/tableau")
def wall_board(token: Token, request: Request, conn: DbConn, now: Now, settings: Settings) -> Response:
    """The screen's board alone, which the screen fetches to redraw itself."""
    return _wall(request, conn, token, now, settings, name="maintenance/ecran_tableau.html")
