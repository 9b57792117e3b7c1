"""Routes: `/auth/token`, `/auth/logout`, `/me`, and the administration of `/users`."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request, Response
from fastapi.security import OAuth2PasswordRequestForm

from accounts import repository, service
from accounts.errors import Unauthenticated
from fleet_api.accounts.schemas import Token, User, UserCreate, UserUpdate
from fleet_api.authz import AnyUser, Principal, Role, require
from fleet_api.deps import DbConn, Id, Now, Settings
from fleet_api.errors import error_response
from fleetbase.errors import NotFound

router = APIRouter(prefix="/api/v1", tags=["accounts"])
Admin = Annotated[Principal, require(Role.ADMIN)]


@router.post(
    "/auth/token",
    response_model=Token,
    responses={
        401: {"description": "wrong username or password"},
        429: {"description": "too many failed logins; see Retry-After"},
    },
)
def issue_token(
    form: Annotated[OAuth2PasswordRequestForm, Depends()],
    request: Request,
    response: Response,
    conn: DbConn,
    now: Now,
    settings: Settings,
):
    """OAuth2 password flow: a bearer token valid `expires_in` seconds."""
    result = service.log_in(
        conn,
        username=form.username,
        password=form.password,
        client_address=request.client.host if request.client else "unknown",
        now=now,
        settings=settings,
    )
    if isinstance(result, Unauthenticated):
        return error_response(result)  # not raised: the failure count must commit
    response.headers["Cache-Control"] = "no-store"
    return Token(access_token=result.token, expires_in=result.expires_in)


@router.post("/auth/logout", status_code=204)
def log_out(principal: AnyUser, conn: DbConn, now: Now) -> Response:
    """Revoke the token of this request."""
    service.log_out(conn, token_hash=principal.token_hash, now=now)
    return Response(status_code=204)


@router.get("/me", response_model=User)
def me(principal: AnyUser, conn: DbConn):
    return repository.get_user(conn, principal.user_id)


@router.get("/users", response_model=list[User])
def list_users(admin: Admin, conn: DbConn):
    return repository.list_users(conn)


@router.post("/users", response_model=User, status_code=201)
def create_user(data: UserCreate, admin: Admin, conn: DbConn):
    return service.create_user(conn, **data.model_dump())


@router.get("/users/{user_id}", response_model=User)
def get_user(user_id: Id, admin: Admin, conn: DbConn):
    user = repository.get_user(conn, user_id)
    if user is None:
        raise NotFound("Utilisateur inconnu.")
    return user


@router.patch("/users/{user_id}", response_model=User)
def update_user(user_id: Id, data: UserUpdate, admin: Admin, conn: DbConn, now: Now):
    """Change role, binding, name, password; `disabled: true` also revokes every token."""
    return service.update_user(
        conn, user_id, given=data.model_dump(exclude_unset=True), by_user_id=admin.user_id, now=now
    )
