"""Photos of a repair ticket: the fault (staff add them when opening or completing the ticket)
and the repair (the garage adds them as it works). Each is checked and stripped of its
metadata exactly as an inspection's photo is (loans/photos.py: JPEG, PNG or WebP judged by
its bytes, bounded in size, no EXIF left, so no position), and remembers who added it. A
garage partner reaches only its own garage's tickets (tickets.get with its scope).
Nothing commits."""

from __future__ import annotations

from datetime import datetime

from psycopg.rows import DictRow

from fleetbase.db import Conn
from fleetbase.errors import Conflict, Forbidden, InvalidInput, NotFound
from loans import photos
from maintenance import ticket_photo_repository as repository
from maintenance import ticket_repository, tickets
from maintenance.tickets import GARAGE, Actor

TAGS = {"fault": "la panne", "repair": "la réparation"}
MAX_PER_TICKET = 40


def add(
    conn: Conn, ticket_id: int, *, actor: Actor, tag: str, content: bytes, caption: str, max_bytes: int, now: datetime
) -> DictRow:
    """Keep a photo of the fault or of the repair; the photo without its bytes."""
    ticket = tickets.get(conn, ticket_id, actor=actor, for_update=True)
    if tag not in TAGS:
        raise InvalidInput("Une photo montre la panne (fault) ou la réparation (repair).")
    if actor.role == GARAGE and tag != "repair":
        raise Forbidden("Le garage ajoute les photos de la réparation ; celles de la panne viennent de la plateforme.")
    if ticket["status"] == "cancelled":
        raise Conflict("Fiche annulée : elle ne prend plus de photo.")
    if repository.count_photos(conn, ticket_id) >= MAX_PER_TICKET:
        raise Conflict(f"Cette fiche a déjà {MAX_PER_TICKET} photos : c'est le maximum.")
    content_type, content = photos.checked(content, max_bytes=max_bytes)
    photo_id = repository.insert_photo(
        conn,
        ticket_id,
        tag=tag,
        content_type=content_type,
        content=content,
        caption=caption.strip(),
        user_id=actor.user_id,
        author_role=actor.role,
        now=now,
    )
    ticket_repository.update_ticket(conn, ticket_id, now=now)  # the ticket's latest activity
    return get(conn, ticket_id, photo_id, actor=actor, with_content=False)


def list_photos(conn: Conn, ticket_id: int, *, actor: Actor) -> list[DictRow]:
    tickets.get(conn, ticket_id, actor=actor)
    return repository.list_photos(conn, ticket_id)


def get(conn: Conn, ticket_id: int, photo_id: int, *, actor: Actor, with_content: bool = True) -> DictRow:
    """One photo of a ticket the actor may see (NotFound otherwise, as for an unknown one)."""
    tickets.get(conn, ticket_id, actor=actor)
    photo = repository.get_photo(conn, ticket_id, photo_id)
    if photo is None:
        raise NotFound("Photo inconnue.")
    if not with_content:
        photo.pop("content")
    else:
        photo["content"] = bytes(photo["content"])
    return photo
