"""Display links of the workshop's wall screen: a secret address (/ecran/<token>) that a
signed-in mechanic makes for a screen without a session, and revokes when it is no longer
needed. Only the token's SHA-256 is stored: it is shown once, when made, and a request is
matched by the hash of the token it brings, never by the token itself.

The screen shows the due board (only what is due soon, due or overdue) and the open repair
tickets — title, vehicle, status in words: never a participant, never a position.
Nothing here commits.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from psycopg.rows import DictRow

from fleetbase.db import Conn
from fleetbase.errors import InvalidInput, NotFound
from maintenance import display_repository, french, ticket_repository
from maintenance.board import due_board
from maintenance.tickets import ACTIVE

# What fits on a screen read from two metres; the rest is counted.
WALL_DUE_ROWS = 12
WALL_TICKETS = 10


class DisplayRevoked(NotFound):
    """The display link was revoked: the screen says so rather than "not found"."""

    reason = "display_revoked"


def token_hash(token: str) -> bytes:
    return hashlib.sha256(token.encode()).digest()


def create_display(conn: Conn, *, name: str, user_id: int, now: datetime) -> tuple[DictRow, str]:
    """A new display link and its token (to be shown once)."""
    name = " ".join(name.split())
    if not 1 <= len(name) <= 80:
        raise InvalidInput("Donnez un nom à l'écran (80 caractères au plus), par exemple « Atelier de Dax ».")
    token = secrets.token_urlsafe(32)
    display_id = display_repository.insert_display(
        conn, token_sha256=token_hash(token), name=name, created_by=user_id, now=now
    )
    return next(display for display in display_repository.live_displays(conn) if display["id"] == display_id), token


def revoke_display(conn: Conn, display_id: int, *, user_id: int, now: datetime) -> None:
    if not display_repository.revoke_display(conn, display_id, by_user_id=user_id, now=now):
        raise NotFound("Ce lien d'écran n'existe pas ou a déjà été révoqué.")


def live_displays(conn: Conn) -> list[DictRow]:
    return display_repository.live_displays(conn)


def display_for(conn: Conn, token: str) -> DictRow:
    """The live display link of the token; NotFound when unknown, DisplayRevoked when revoked."""
    display = display_repository.display_by_token(conn, token_hash(token)) if len(token) <= 200 else None
    if display is None:
        raise NotFound("Ce lien d'écran est inconnu.")
    if display["revoked_at"] is not None:
        raise DisplayRevoked("Ce lien d'écran a été révoqué.")
    return display


def wall_board(conn: Conn, token: str, *, now: datetime, zone: ZoneInfo) -> dict[str, Any]:
    """What the screen of this link shows: the urgent due rows and the open repair tickets."""
    display = display_for(conn, token)
    tickets = [
        {
            "id": ticket["id"],
            "title": ticket["title"],
            "vehicle_label": ticket["vehicle_label"],
            "vehicle_kind": french.KINDS.get(ticket["vehicle_kind"], "Véhicule"),
            "status": ticket["status"],
            "status_words": french.TICKET_STATUSES[ticket["status"]],
            "immobilised": ticket["immobilised"],
            "updated_at": ticket["updated_at"],
        }
        for ticket in ticket_repository.list_tickets(conn, garage_id=None, status=None, vehicle_id=None, limit=500)
        if ticket["status"] in ACTIVE
    ]
    due = due_board(conn, now=now, zone=zone, urgent_only=True)
    return {
        "display": display,
        "due": due[:WALL_DUE_ROWS],
        "due_total": len(due),
        "tickets": tickets[:WALL_TICKETS],
        "tickets_total": len(tickets),
    }
