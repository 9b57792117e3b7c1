"""Authorization in one place: who is calling, which roles a route admits, which rows they see.

Every route names its roles with `require(...)` (the route × role table is
`fleet_api/ROUTES.md`); `Principal.row_scope(resource)` says which rows of a scoped
resource the caller may see, and repositories apply it in their WHERE clause:

    garage_partner  repair tickets of their garage only          {"garage_id": …}
    prescriber      loan requests and participants of their structure {"prescriber_id": …}
    anyone else     no restriction                               None
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum
from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import OAuth2PasswordBearer

from accounts.errors import Unauthenticated
from accounts.repository import find_token_user, token_digest
from accounts.session_lookup import SESSION_COOKIE, session_user
from fleet_api.deps import DbConn, Now, Settings
from fleetbase.errors import Forbidden

TOKEN_URL = "/api/v1/auth/token"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
_bearer = OAuth2PasswordBearer(tokenUrl=TOKEN_URL, auto_error=False)


class Role(StrEnum):
    ADMIN = "admin"
    FLEET_MANAGER = "fleet_manager"
    COORDINATOR = "coordinator"
    MECHANIC = "mechanic"
    GARAGE_PARTNER = "garage_partner"
    PRESCRIBER = "prescriber"


ALL_ROLES = tuple(Role)
# Rows a role sees only part of, and the user column that bounds them.
SCOPED_RESOURCES = {
    Role.GARAGE_PARTNER: ({"repair_tickets"}, "garage_id"),
    Role.PRESCRIBER: ({"loans", "participants"}, "prescriber_id"),
}


@dataclass(frozen=True)
class Principal:
    """The signed-in user of this request."""

    user_id: int
    username: str
    role: Role
    garage_id: int | None
    prescriber_id: int | None
    token_hash: bytes

    def row_scope(self, resource: str) -> dict[str, int] | None:
        """Column → value the caller's rows of `resource` must match; None: every row."""
        resources, column = SCOPED_RESOURCES.get(self.role, (set(), ""))
        if resource not in resources:
            return None
        return {column: getattr(self, column)}


def current_principal(
    request: Request, conn: DbConn, now: Now, settings: Settings, token: Annotated[str | None, Depends(_bearer)]
) -> Principal:
    """The caller, by bearer token or else by the web application's session cookie.

    With the cookie, a request that changes something must carry the session's CSRF token
    in `X-CSRF-Token` (the pages' scripts send it), so another site cannot act for the user.
    """
    cookie = request.cookies.get(SESSION_COOKIE)
    if not token and cookie:
        row = session_user(conn, cookie=cookie, now=now, settings=settings)
        if row is None:
            raise Unauthenticated("Session terminée : reconnectez-vous.")
        if request.method not in SAFE_METHODS and not secrets.compare_digest(
            request.headers.get("x-csrf-token", ""), row["csrf_token"]
        ):
            raise Forbidden("Jeton anti-falsification (CSRF) absent ou incorrect : rechargez la page.")
        return _principal(row, row["session_hash"])
    if not token:
        raise Unauthenticated("Authentification requise : envoyez un jeton « Authorization: Bearer ».")
    row = find_token_user(conn, token_hash=token_digest(token), now=now)
    if row is None:
        raise Unauthenticated("Jeton inconnu, expiré ou révoqué : reconnectez-vous.")
    return _principal(row, row["token_hash"])


def _principal(row: dict, token_hash: bytes) -> Principal:
    return Principal(
        user_id=row["id"],
        username=row["username"],
        role=Role(row["role"]),
        garage_id=row["garage_id"],
        prescriber_id=row["prescriber_id"],
        token_hash=token_hash,
    )


# The roles each dependency made by `require` (and the pages' `page_user`) admits, for `declared_roles`.
ROLES_BY_DEPENDENCY: dict[Callable[..., object], frozenset[Role]] = {}


def require(*roles: Role):
    """A dependency admitting only `roles` (401 without a valid token, 403 for other roles)."""
    allowed = frozenset(roles)

    async def dependency(principal: Annotated[Principal, Depends(current_principal)]) -> Principal:
        if principal.role not in allowed:
            raise Forbidden(f"Le rôle « {principal.role} » ne permet pas cette action.")
        return principal

    ROLES_BY_DEPENDENCY[dependency] = allowed  # read by the route table's consistency test
    return Depends(dependency)


AnyUser = Annotated[Principal, require(*ALL_ROLES)]


def declared_roles(route) -> frozenset[Role] | None:
    """The roles a route's `require(...)` admits; None for a public route."""
    pending = [route.dependant]
    while pending:
        dependant = pending.pop()
        roles = ROLES_BY_DEPENDENCY.get(dependant.call)
        if roles is not None:
            return roles
        pending.extend(dependant.dependencies)
    return None


def document_roles(router) -> None:
    """Show each route's roles in the OpenAPI description (`/docs`), from its declaration."""
    for route in router.routes:
        roles = declared_roles(route)
        text = ("Rôles : " + ", ".join(sorted(roles))) if roles is not None else "Public : sans jeton."
        route.description = f"{route.description}\n\n{text}".strip()
