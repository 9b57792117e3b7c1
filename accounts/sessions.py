"""Web sessions: opened by signing in on /connexion, ended by logout, idleness or age.

The browser keeps a random cookie; the server keeps its SHA-256, the user and the
session's CSRF token, so a session can be revoked at once (logout, a disabled user).
Signing in goes through `accounts.service.authenticate`: the same accounts,
roles and failed-login throttle as the API's tokens. No FastAPI here; nothing commits.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from accounts import session_repository as repository
from accounts.errors import Unauthenticated
from accounts.service import STALE_TOKEN_KEPT, authenticate
from accounts.session_lookup import session_digest
from fleetbase.db import Conn

if TYPE_CHECKING:  # the API's settings and input schemas, as parameter types only
    from fleet_api.settings import ApiSettings


@dataclass(frozen=True)
class OpenedSession:
    cookie: str
    role: str


def sign_in(
    conn: Conn, *, username: str, password: str, client_address: str, now: datetime, settings: ApiSettings
) -> OpenedSession | Unauthenticated:
    """A new session for these credentials, or the failure (returned: its count must commit)."""
    user = authenticate(
        conn, username=username, password=password, client_address=client_address, now=now, settings=settings
    )
    if isinstance(user, Unauthenticated):
        return user
    repository.delete_stale_sessions(conn, user_id=user["id"], before=now - STALE_TOKEN_KEPT)
    cookie = secrets.token_urlsafe(32)
    repository.insert_session(
        conn,
        session_hash=session_digest(cookie),
        user_id=user["id"],
        csrf_token=secrets.token_urlsafe(32),
        now=now,
        expires_at=now + timedelta(seconds=settings.web_session_max_s),
    )
    return OpenedSession(cookie=cookie, role=user["role"])


def sign_out(conn: Conn, *, cookie: str, now: datetime) -> None:
    repository.revoke_session(conn, session_hash=session_digest(cookie), now=now)
