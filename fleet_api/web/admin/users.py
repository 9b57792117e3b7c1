"""Utilisateurs (/utilisateurs), for administrators: every account with its role in French,
active or disabled, its garage or structure; create one (a temporary password made here is
shown once, on the page that answers the form), change its role, give it a new temporary
password (shown once too), disable or enable it.

Everything goes through the accounts service the API's `/users` routes call: disabling ends
the person's API tokens and web sessions at once (their open window is sent to sign-in on
its next page), nobody disables themself, and the last active administrator stays one.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response

from accounts import repository, service
from fleet.garage_repository import list_garages
from fleet_api.accounts.schemas import UserUpdate
from fleet_api.authz import Principal, Role
from fleet_api.deps import DbConn, Id, Now
from fleet_api.web.admin import forms
from fleet_api.web.nav import ROLE_TITLES
from fleet_api.web.pages import check_csrf, page_user
from fleet_api.web.templating import render
from fleetbase.errors import Conflict, InvalidInput, NotFound
from loans.participant_repository import list_prescribers

router = APIRouter(include_in_schema=False)
Admin = Annotated[Principal, page_user(Role.ADMIN)]
Csrf = Annotated[str, Form(max_length=200)]
FormText = Annotated[str, Form(max_length=300)]
NOTICES = {
    "role": "Rôle changé.",
    "desactive": "Compte désactivé : ses sessions sont fermées.",
    "reactive": "Compte réactivé.",
}


def _choices(conn) -> dict:
    garages, prescribers = list_garages(conn), list_prescribers(conn)
    return {
        "roles": ROLE_TITLES,
        "garages": garages,
        "prescribers": prescribers,
        "garage_names": {g["id"]: g["name"] for g in garages},
        "prescriber_names": {p["id"]: p["name"] for p in prescribers},
    }


@router.get("/utilisateurs")
def user_list(request: Request, user: Admin, conn: DbConn) -> Response:
    return render(request, "admin/utilisateurs.html", _choices(conn) | {"users": repository.list_users(conn)})


def _new_user_page(
    request: Request, conn, *, values: dict, error: str | None = None, status_code: int = 200
) -> Response:
    return render(
        request,
        "admin/utilisateur_nouveau.html",
        _choices(conn) | {"values": values, "error": error},
        status_code=status_code,
    )


@router.get("/utilisateurs/nouveau")
def new_user_form(request: Request, user: Admin, conn: DbConn) -> Response:
    return _new_user_page(request, conn, values={})


@router.post("/utilisateurs/nouveau")
def create_user(
    request: Request,
    user: Admin,
    conn: DbConn,
    csrf_token: Csrf = "",
    username: FormText = "",
    full_name: FormText = "",
    email: FormText = "",
    role: FormText = "",
    garage_id: FormText = "",
    prescriber_id: FormText = "",
    password: Annotated[str, Form(max_length=200)] = "",
) -> Response:
    """The account made; a password left blank is made here and shown on this answer only."""
    check_csrf(request, csrf_token)
    values = {
        "username": username,
        "full_name": full_name,
        "email": email,
        "role": role,
        "garage_id": garage_id,
        "prescriber_id": prescriber_id,
    }
    try:
        data, generated = forms.user_create(values | {"password": password})
        with conn.transaction():
            created = service.create_user(conn, **data.model_dump())
    except (InvalidInput, Conflict) as refused:
        return _new_user_page(request, conn, values=values, error=refused.detail, status_code=422)
    return render(
        request,
        "admin/utilisateur_cree.html",
        _choices(conn) | {"account": created, "password": data.password if generated else None},
        status_code=201,
    )


def _user_or_404(conn, user_id: int) -> dict:
    account = repository.get_user(conn, user_id)
    if account is None:
        raise NotFound("Utilisateur inconnu.")
    return account


def _user_page(
    request: Request,
    conn,
    account: dict,
    *,
    notice: str | None = None,
    error: str | None = None,
    password: str | None = None,
    status_code: int = 200,
) -> Response:
    return render(
        request,
        "admin/utilisateur.html",
        _choices(conn) | {"account": account, "notice": notice, "error": error, "password": password},
        status_code=status_code,
    )


@router.get("/utilisateurs/{user_id}")
def user_page(user_id: Id, request: Request, user: Admin, conn: DbConn, fait: str | None = None) -> Response:
    return _user_page(request, conn, _user_or_404(conn, user_id), notice=NOTICES.get(fait or ""))


def _change(request: Request, conn, user_id: int, admin: Principal, now, data_of, done: str) -> Response:
    """Apply the change `data_of()` gives; back to the user's page with a notice, or its French refusal."""
    account = _user_or_404(conn, user_id)
    try:
        data: UserUpdate = data_of()
        with conn.transaction():
            service.update_user(
                conn, user_id, given=data.model_dump(exclude_unset=True), by_user_id=admin.user_id, now=now
            )
    except (InvalidInput, Conflict) as refused:
        return _user_page(
            request, conn, account, error=refused.detail, status_code=409 if isinstance(refused, Conflict) else 422
        )
    return RedirectResponse(f"/utilisateurs/{user_id}?fait={done}", status_code=303)


@router.post("/utilisateurs/{user_id}/role")
def change_role(
    user_id: Id,
    request: Request,
    user: Admin,
    conn: DbConn,
    now: Now,
    csrf_token: Csrf = "",
    role: FormText = "",
    garage_id: FormText = "",
    prescriber_id: FormText = "",
) -> Response:
    check_csrf(request, csrf_token)
    return _change(
        request,
        conn,
        user_id,
        user,
        now,
        lambda: forms.role_change({"role": role, "garage_id": garage_id, "prescriber_id": prescriber_id}),
        "role",
    )


@router.post("/utilisateurs/{user_id}/desactiver")
def disable_user(user_id: Id, request: Request, user: Admin, conn: DbConn, now: Now, csrf_token: Csrf = "") -> Response:
    check_csrf(request, csrf_token)
    return _change(request, conn, user_id, user, now, lambda: UserUpdate(disabled=True), "desactive")


@router.post("/utilisateurs/{user_id}/reactiver")
def enable_user(user_id: Id, request: Request, user: Admin, conn: DbConn, now: Now, csrf_token: Csrf = "") -> Response:
    check_csrf(request, csrf_token)
    return _change(request, conn, user_id, user, now, lambda: UserUpdate(disabled=False), "reactive")


@router.post("/utilisateurs/{user_id}/mot-de-passe")
def reset_password(
    user_id: Id, request: Request, user: Admin, conn: DbConn, now: Now, csrf_token: Csrf = ""
) -> Response:
    """A new temporary password, shown on this answer only; the person's sessions end."""
    check_csrf(request, csrf_token)
    _user_or_404(conn, user_id)
    password = forms.new_password()
    account = service.update_user(conn, user_id, given={"password": password}, by_user_id=user.user_id, now=now)
    return _user_page(
        request,
        conn,
        account,
        password=password,
        notice="Nouveau mot de passe provisoire : ses sessions ouvertes sont fermées.",
    )
