"""Signing in and out, and the administration of users. No FastAPI here; nothing commits.

A failed login must be remembered even though the caller answers 401, so `log_in`
returns the failure instead of raising it: the request's transaction then commits the
count, and every API process sees the same count for a username and address. The count's
row is locked before the block is checked, so concurrent attempts on one pair are decided
one after the other (a burst of guesses cannot all pass the check before any is counted).
"""

from __future__ import annotations

import math
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from psycopg.rows import DictRow

from accounts import repository
from accounts.errors import TooManyAttempts, Unauthenticated
from fleetbase.db import Conn
from fleetbase.errors import Conflict, NotFound
from fleetbase.integrity import refusals_as_errors
from fleetbase.passwords import hash_user_password, verify_user_password

if TYPE_CHECKING:  # the API's settings, as a parameter type only
    from fleet_api.settings import ApiSettings

# Dead tokens are kept this long (what a support question about a sign-in may need), then
# deleted at the user's next login, so the table does not grow without end.
STALE_TOKEN_KEPT = timedelta(days=7)
# Verified against when the username is unknown, so both cases cost the same time.
_DUMMY_HASH = hash_user_password(secrets.token_urlsafe(16))

# What `update_user` changes: the columns, and `disabled` and `password` that it turns into theirs.
USER_CHANGES = ("full_name", "email", "role", "garage_id", "prescriber_id", "disabled", "password")
USER_CONSTRAINTS = {
    "users_username_key": "Ce nom d'utilisateur existe déjà.",
    "users_check": "Un compte « garage_partner » doit être rattaché à un garage (garage_id), et lui seul.",
    "users_check1": "Un compte « prescriber » doit être rattaché à une structure (prescriber_id), et lui seul.",
    "users_garage_id_fkey": "Ce garage n'existe pas.",
    "users_prescriber_id_fkey": "Cette structure prescriptrice n'existe pas.",
}


@dataclass(frozen=True)
class IssuedToken:
    token: str
    expires_in: int


def log_in(
    conn: Conn, *, username: str, password: str, client_address: str, now: datetime, settings: ApiSettings
) -> IssuedToken | Unauthenticated:
    """A bearer token for these credentials, or the failure to answer (see the module's docstring)."""
    user = authenticate(
        conn, username=username, password=password, client_address=client_address, now=now, settings=settings
    )
    if isinstance(user, Unauthenticated):
        return user
    repository.delete_stale_tokens(conn, user_id=user["id"], before=now - STALE_TOKEN_KEPT)
    token = secrets.token_urlsafe(32)
    repository.insert_token(
        conn,
        token_hash=repository.token_digest(token),
        user_id=user["id"],
        now=now,
        expires_at=now + timedelta(seconds=settings.token_ttl_s),
    )
    return IssuedToken(token=token, expires_in=settings.token_ttl_s)


def authenticate(
    conn: Conn, *, username: str, password: str, client_address: str, now: datetime, settings: ApiSettings
) -> DictRow | Unauthenticated:
    """The user for valid credentials, otherwise the failure to answer, counted.

    Shared by the API's tokens and the web application's sessions: one throttle for both.
    Raises TooManyAttempts while this username and address are blocked.
    """
    attempts = repository.lock_login_attempts(conn, username=username, client_address=client_address, now=now)
    blocked_until = attempts["blocked_until"]
    if blocked_until is not None and blocked_until > now:
        wait = math.ceil((blocked_until - now).total_seconds())
        raise TooManyAttempts(f"Trop d'essais infructueux : réessayez dans {wait} s.", retry_after_s=wait)
    user = repository.get_login_user(conn, username=username)
    valid = verify_user_password(user["password_hash"] if user else _DUMMY_HASH, password)
    if not valid or user is None or user["disabled_at"] is not None:
        repository.record_login_failure(
            conn,
            username=username,
            client_address=client_address,
            failures=attempts["failures"],
            now=now,
            free_failures=settings.login_free_failures,
            block_s=settings.login_block_s,
            block_max_s=settings.login_block_max_s,
        )
        return Unauthenticated("Identifiant ou mot de passe incorrect.")
    repository.clear_login_failures(conn, username=username, client_address=client_address)
    return user


def log_out(conn: Conn, *, token_hash: bytes, now: datetime) -> None:
    repository.revoke_token(conn, token_hash=token_hash, now=now)


def create_user(
    conn: Conn,
    *,
    username: str,
    full_name: str,
    role: str,
    password: str,
    email: str | None = None,
    garage_id: int | None = None,
    prescriber_id: int | None = None,
) -> DictRow:
    values = {
        "username": username,
        "full_name": full_name,
        "email": email,
        "role": role,
        "password_hash": hash_user_password(password),
        "garage_id": garage_id,
        "prescriber_id": prescriber_id,
    }
    with refusals_as_errors(USER_CONSTRAINTS):
        return repository.insert_user(conn, values=values)


def update_user(conn: Conn, user_id: int, *, given: Mapping[str, Any], by_user_id: int, now: datetime) -> DictRow:
    """Change a user by the fields `given` (among USER_CHANGES; a field left out keeps its
    value); disabling revokes every token and web session they hold, at once.

    Nobody disables themself or takes away their own administrator role, and the last
    enabled administrator stays one (Conflict, in French)."""
    unknown = set(given) - set(USER_CHANGES)
    if unknown:
        raise ValueError(f"not a change of a user: {sorted(unknown)}")
    current = repository.get_user(conn, user_id)
    if current is None:
        raise NotFound("Utilisateur inconnu.")
    changes = dict(given)
    password, disabled, role = changes.pop("password", None), changes.pop("disabled", None), changes.get("role")
    if password is not None:
        changes["password_hash"] = hash_user_password(password)
    if disabled is not None:
        if disabled and user_id == by_user_id:
            raise Conflict("Vous ne pouvez pas désactiver votre propre compte.")
        changes["disabled_at"] = now if disabled else None
    if role is not None and role != "admin" and user_id == by_user_id:
        raise Conflict("Vous ne pouvez pas retirer votre propre rôle d'administrateur.")
    stops_being_admin = bool(disabled) or (role is not None and role != "admin")
    if (
        current["role"] == "admin"
        and current["disabled_at"] is None
        and stops_being_admin
        and repository.other_enabled_admins(conn, user_id=user_id) == 0
    ):
        raise Conflict("C'est le dernier compte administrateur actif : nommez d'abord un autre administrateur.")
    if role is not None:
        # A new role leaves no binding of the old one behind.
        changes.setdefault("garage_id", None)
        changes.setdefault("prescriber_id", None)
    with refusals_as_errors(USER_CONSTRAINTS):
        user = repository.update_user(conn, user_id, changes=changes)
    if disabled or password is not None:
        repository.revoke_user_tokens(conn, user_id=user_id, now=now)
        repository.revoke_user_sessions(conn, user_id=user_id, now=now)
    return user
