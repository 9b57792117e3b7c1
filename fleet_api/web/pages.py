"""What a page handler receives: the signed-in user of the session cookie, checked against
the roles the page admits, and the CSRF check of a form it receives.

Without a live session a page redirects to /connexion (and back after signing in); a
role the page does not admit gets the French 403 page, whatever links it was shown.
"""

from __future__ import annotations

import secrets
from typing import TypeGuard
from urllib.parse import quote, urlsplit

from fastapi import Depends, Request

from accounts.session_lookup import SESSION_COOKIE, session_user
from fleet_api.authz import ROLES_BY_DEPENDENCY, Principal, Role, _principal
from fleet_api.deps import DbConn, Now, Settings
from fleet_api.web.nav import ROLE_TITLES
from fleetbase.errors import Forbidden

API_PREFIXES = ("/api/", "/healthz", "/metrics", "/openapi.json", "/docs", "/redoc", "/static/", "/vendor/")


class SignInRequired(Exception):
    """No live session: the page sends the browser to the sign-in page."""

    def __init__(self, back_to: str, *, ended: bool = False) -> None:
        super().__init__(back_to)
        self.back_to = back_to
        self.ended = ended  # the browser held a session that is over (revoked, idle, expired)

    @property
    def sign_in_url(self) -> str:
        return "/connexion?suite=" + quote(self.back_to, safe="/") + ("&expiree=1" if self.ended else "")


def is_page(request: Request) -> bool:
    return not request.url.path.startswith(API_PREFIXES)


def find_web_user(request: Request, conn, now, settings) -> Principal | None:
    """The session's user, remembered on `request.state` for the layout; None when signed out."""
    cookie = request.cookies.get(SESSION_COOKIE)
    row = session_user(conn, cookie=cookie, now=now, settings=settings) if cookie else None
    if row is None:
        return None
    request.state.web_user = _principal(row, row["session_hash"])
    request.state.csrf_token = row["csrf_token"]
    return request.state.web_user


def _back_to(request: Request) -> str:
    """Where sign-in leads back: this page, or for an htmx fragment the page that asked for it."""
    if request.headers.get("HX-Request") == "true":
        current = urlsplit(request.headers.get("HX-Current-URL", ""))
        if current.netloc == request.url.netloc and is_safe_next(current.path):
            return current.path + (f"?{current.query}" if current.query else "")
    return request.url.path + (f"?{request.url.query}" if request.url.query else "")


def page_user(*roles: Role):
    """A dependency admitting the signed-in users of `roles` (others: sign-in or 403 page)."""
    allowed = frozenset(roles)

    def dependency(request: Request, conn: DbConn, now: Now, settings: Settings) -> Principal:
        user = find_web_user(request, conn, now, settings)
        if user is None:
            raise SignInRequired(_back_to(request), ended=SESSION_COOKIE in request.cookies)
        if user.role not in allowed:
            raise Forbidden(f"Cette page n'est pas ouverte aux comptes « {ROLE_TITLES[user.role]} ».")
        return user

    ROLES_BY_DEPENDENCY[dependency] = allowed
    return Depends(dependency)


def check_csrf(request: Request, submitted: str) -> None:
    """The form's `csrf_token` must be the session's (set by `page_user`)."""
    expected = getattr(request.state, "csrf_token", "")
    if not expected or not secrets.compare_digest(submitted, expected):
        raise Forbidden("Jeton anti-falsification (CSRF) absent ou incorrect : rechargez la page.")


def is_safe_next(path: str | None) -> TypeGuard[str]:
    """Only a path of this site may follow sign-in (never another address)."""
    return path is not None and path.startswith("/") and not path.startswith("//") and "\\" not in path
