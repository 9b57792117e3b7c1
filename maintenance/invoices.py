"""A service recorded with its invoice photo, and the photo shown back to staff.

The photo gets the checks of an inspection's photos (loans/photos.py: typed by its first
bytes as JPEG, PNG or WebP, bounded in size, its EXIF and XMP removed, where a phone writes
its position) before anything is written, so a refused photo leaves no record behind.
Nothing here commits.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from zoneinfo import ZoneInfo

from psycopg.rows import DictRow

from fleetbase.db import Conn
from fleetbase.errors import InvalidInput, NotFound
from loans.photos import NotAPhoto, PhotoTooLarge, sniff_type, without_metadata
from maintenance import invoice_repository, repository
from maintenance.records import record_service


def checked_photo(content: bytes, *, max_bytes: int) -> tuple[str, bytes]:
    """The photo's type and its bytes without metadata; NotAPhoto or PhotoTooLarge."""
    if len(content) > max_bytes:
        raise PhotoTooLarge(f"Photo de facture trop lourde : {max_bytes:,} octets au plus.".replace(",", " "))
    content_type = sniff_type(content)
    if content_type is None:
        raise NotAPhoto("La facture doit être une photo JPEG, PNG ou WebP.")
    return content_type, without_metadata(content, content_type)


def record_with_invoice(
    conn: Conn,
    *,
    vehicle_id: int,
    performed_on: date,
    odometer_km: float | None,
    tasks: Sequence[str],
    cost_cents: int | None,
    notes: str,
    by_user_id: int | None,
    photo: bytes | None,
    max_bytes: int,
    now: datetime,
    zone: ZoneInfo,
) -> DictRow:
    """Record a service of the vehicle's plan tasks (they show ok again), with its invoice photo."""
    planned = {plan.task for plan in repository.effective_plans(conn, vehicle_ids=[vehicle_id]).get(vehicle_id, [])}
    if not tasks:
        raise InvalidInput("Cochez au moins une tâche faite.")
    if not set(tasks) <= planned:
        raise InvalidInput("Une tâche cochée n'est pas au plan d'entretien de ce véhicule.")
    if odometer_km is not None and not 0 <= odometer_km <= 2_000_000:
        raise InvalidInput("Le kilométrage doit être compris entre 0 et 2 000 000 km.")
    if cost_cents is not None and not 0 <= cost_cents <= 100_000_000:
        raise InvalidInput("Le coût doit être compris entre 0 et 1 000 000 €.")
    checked = checked_photo(photo, max_bytes=max_bytes) if photo else None
    record = record_service(
        conn,
        vehicle_id=vehicle_id,
        performed_on=performed_on,
        odometer_km=odometer_km,
        tasks=tasks,
        cost_cents=cost_cents,
        notes=notes,
        by_user_id=by_user_id,
        now=now,
        zone=zone,
    )
    if checked is not None:
        invoice_repository.insert_photo(
            conn,
            service_record_id=record["id"],
            content_type=checked[0],
            content=checked[1],
            uploaded_by=by_user_id,
            now=now,
        )
    return record


def invoice_photo(conn: Conn, photo_id: int) -> DictRow:
    photo = invoice_repository.get_photo(conn, photo_id)
    if photo is None:
        raise NotFound("Photo de facture inconnue.")
    return photo
