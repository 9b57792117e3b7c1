"""Signing in and out (/connexion, /deconnexion), the site's root and the roles' welcome page.

The sign-in form is protected against cross-site posting before any session exists by a
double-submit token: a random value in a short-lived SameSite=Strict cookie and in the
form, which must match. Failed sign-ins count in the API's throttle (same accounts).
"""

from __future__ import annotations

import secrets
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response

from accounts import sessions as service
from accounts.errors import TooManyAttempts, Unauthenticated
from accounts.session_lookup import SESSION_COOKIE
from fleet_api.authz import ALL_ROLES, Principal, Role
from fleet_api.deps import DbConn, Now, Settings
from fleet_api.web.nav import landing_path
from fleet_api.web.pages import check_csrf, find_web_user, is_safe_next, page_user
from fleet_api.web.templating import render

router = APIRouter(include_in_schema=False)
LOGIN_CSRF_COOKIE = "fleet_login_csrf"


def _secure(request: Request, settings) -> bool:
    return settings.web_cookie_secure or request.url.scheme == "https"


@router.get("/")
def root(request: Request, conn: DbConn, now: Now, settings: Settings) -> Response:
    user = find_web_user(request, conn, now, settings)
    return RedirectResponse(landing_path(user.role) if user else "/connexion", status_code=303)


def _sign_in_page(
    request: Request,
    settings,
    *,
    suite: str | None,
    error: str | None = None,
    notice: str | None = None,
    username: str = "",
    status_code: int = 200,
) -> Response:
    token = secrets.token_urlsafe(24)
    response = render(
        request,
        "auth/connexion.html",
        {
            "login_csrf": token,
            "suite": suite if is_safe_next(suite) else "",
            "error": error,
            "notice": notice,
            "username": username,
        },
        status_code=status_code,
    )
    response.set_cookie(
        LOGIN_CSRF_COOKIE,
        token,
        max_age=3600,
        httponly=True,
        samesite="strict",
        secure=_secure(request, settings),
        path="/connexion",
    )
    return response


@router.get("/connexion")
def sign_in_form(
    request: Request,
    conn: DbConn,
    now: Now,
    settings: Settings,
    suite: str | None = None,
    fin: str | None = None,
    expiree: str | None = None,
) -> Response:
    user = find_web_user(request, conn, now, settings)
    if user is not None:
        return RedirectResponse(suite if is_safe_next(suite) else landing_path(user.role), status_code=303)
    notice = (
        "Vous êtes déconnecté·e."
        if fin
        else "Votre session a pris fin : connectez-vous à nouveau."
        if expiree
        else None
    )
    return _sign_in_page(request, settings, suite=suite, notice=notice)


@router.post("/connexion")
def sign_in(
    request: Request,
    conn: DbConn,
    now: Now,
    settings: Settings,
    username: Annotated[str, Form(max_length=200)] = "",
    password: Annotated[str, Form(max_length=1000)] = "",
    login_csrf: Annotated[str, Form(max_length=200)] = "",
    suite: Annotated[str, Form(max_length=2000)] = "",
) -> Response:
    expected = request.cookies.get(LOGIN_CSRF_COOKIE, "")
    if not expected or not secrets.compare_digest(login_csrf, expected):
        return _sign_in_page(
            request,
            settings,
            suite=suite,
            username=username,
            status_code=403,
            error="Le formulaire a expiré : saisissez à nouveau votre mot de passe.",
        )
    client = request.client.host if request.client else "unknown"
    try:
        opened = service.sign_in(
            conn, username=username, password=password, client_address=client, now=now, settings=settings
        )
    except TooManyAttempts as blocked:
        response = _sign_in_page(
            request, settings, suite=suite, username=username, error=blocked.detail, status_code=429
        )
        response.headers["Retry-After"] = str(blocked.retry_after_s)
        return response
    if isinstance(opened, Unauthenticated):
        return _sign_in_page(request, settings, suite=suite, username=username, error=opened.detail, status_code=401)
    response = RedirectResponse(suite if is_safe_next(suite) else landing_path(Role(opened.role)), status_code=303)
    response.set_cookie(
        SESSION_COOKIE,
        opened.cookie,
        max_age=settings.web_session_max_s,
        httponly=True,
        samesite="lax",
        secure=_secure(request, settings),
        path="/",
    )
    response.delete_cookie(LOGIN_CSRF_COOKIE, path="/connexion")
    return response


@router.post("/deconnexion")
def sign_out(
    request: Request,
    user: Annotated[Principal, page_user(*ALL_ROLES)],
    conn: DbConn,
    now: Now,
    csrf_token: Annotated[str, Form(max_length=200)] = "",
) -> Response:
    check_csrf(request, csrf_token)
    service.sign_out(conn, cookie=request.cookies[SESSION_COOKIE], now=now)
    response = RedirectResponse("/connexion?fin=1", status_code=303)
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response
