"""Participants: only what a loan needs (docs/PRIVACY.md), their export and their erasure.

`scope` is the caller's row scope on participants (a prescriber sees only the people of
their own structure); `user` is the id of whoever acts, written to the audit log.
"""

from __future__ import annotations

import base64
from datetime import datetime
from typing import Any

from psycopg.rows import DictRow

from fleetbase import audit_repository as audit
from fleetbase.db import Conn
from fleetbase.errors import Conflict, InvalidInput, NotFound
from incidents import repository as incident_repository
from loans import participant_repository as repository
from loans import repository as loan_repository


def participant_or_404(conn: Conn, participant_id: int, *, scope: dict[str, int] | None) -> DictRow:
    participant = repository.get_participant(conn, participant_id, scope=scope)
    if participant is None:
        raise NotFound("Personne accompagnée inconnue.")
    return participant


def create_participant(
    conn: Conn,
    *,
    values: dict[str, Any],
    scope: dict[str, int] | None,
    user_id: int,
    prescriber_user: bool,
    now: datetime,
) -> DictRow:
    """A new participant; a prescriber's are always of their own structure and referred by them."""
    values = dict(values)
    licences = values.pop("licences", None) or []
    if scope is not None:
        values["prescriber_id"] = scope["prescriber_id"]
    if prescriber_user:
        values["referred_by_user_id"] = user_id
    _check_prescriber(conn, values.get("prescriber_id"))
    participant_id = repository.insert_participant(conn, values=values, now=now)
    repository.replace_licences(conn, participant_id, licences=licences)
    return participant_or_404(conn, participant_id, scope=None)


def update_participant(
    conn: Conn, participant_id: int, *, changes: dict[str, Any], scope: dict[str, int] | None, now: datetime
) -> DictRow:
    participant = participant_or_404(conn, participant_id, scope=scope)
    if participant["erased_at"] is not None:
        raise Conflict("Les données de cette personne ont été effacées : sa fiche ne peut plus changer.")
    changes = dict(changes)
    licences = changes.pop("licences", None)
    for required in ("first_name", "last_name"):
        if required in changes and changes[required] is None:
            raise InvalidInput("Le prénom et le nom ne peuvent pas être vides.")
    if scope is not None:
        changes.pop("prescriber_id", None)  # a prescriber cannot hand a person to another structure
    if changes.get("prescriber_id") is not None:
        _check_prescriber(conn, changes["prescriber_id"])
    if "notes" in changes and changes["notes"] is None:
        changes["notes"] = ""
    repository.update_participant(conn, participant_id, changes=changes, now=now)
    if licences is not None:
        repository.replace_licences(conn, participant_id, licences=licences)
    return participant_or_404(conn, participant_id, scope=None)


def export_participant(conn: Conn, participant_id: int, *, user_id: int, now: datetime) -> dict[str, Any]:
    """Everything held about the person (RGPD right of access), the look written to the audit log."""
    participant = participant_or_404(conn, participant_id, scope=None)
    audit.record(
        conn,
        user_id=user_id,
        action="export_participant",
        subject_type="participant",
        subject_id=participant_id,
        now=now,
    )
    loans = repository.participant_loans(conn, participant_id)
    for loan in loans:
        loan["transitions"] = loan_repository.transitions(conn, loan["id"])
        loan["inspections"] = [
            _with_photo_contents(conn, loan["id"], inspection)
            for inspection in loan_repository.inspections(conn, loan["id"]).values()
        ]
        loan["positions"] = repository.positions_during_loan(conn, loan["id"])
        loan["incidents"] = incident_repository.loan_incidents(conn, loan["id"])
    return {
        "participant": participant,
        "loans": loans,
        "signatures": [
            {
                "loan_id": row["loan_id"],
                "inspection_kind": row["inspection_kind"],
                "signed_at": row["signed_at"],
                "png_base64": base64.b64encode(row["content"]).decode(),
            }
            for row in repository.participant_signatures(conn, participant_id)
        ],
        "audit": audit.entries(conn, participant_id=participant_id, limit=None),
        "exported_at": now,
    }


def _with_photo_contents(conn: Conn, loan_id: int, inspection: DictRow) -> DictRow:
    photos = []
    for photo in inspection["photos"]:
        stored = loan_repository.get_photo(conn, loan_id, photo["id"])
        if stored is None:
            raise NotFound(f"Photo n° {photo['id']} inconnue.")
        photos.append(photo | {"content_base64": base64.b64encode(stored["content"]).decode("ascii")})
    return inspection | {"photos": photos}


def erase_participant(conn: Conn, participant_id: int, *, user_id: int, now: datetime) -> DictRow:
    """Blank the person and unlink their loans (kept for the statistics); refused while a loan is pending or running."""
    participant = participant_or_404(conn, participant_id, scope=None)
    if participant["erased_at"] is not None:
        raise Conflict("Les données de cette personne sont déjà effacées.")
    running = [
        loan
        for loan in repository.participant_loans(conn, participant_id)
        if loan["status"] in ("requested", "validated", "active", "overdue")
    ]
    if running:
        raise Conflict(
            f"Le prêt n° {running[0]['id']} n'est pas terminé : annulez-le, ou attendez le retour"
            " du véhicule, avant d'effacer les données."
        )
    unlinked = repository.erase_participant(conn, participant_id, now=now)
    audit.record(
        conn,
        user_id=user_id,
        action="erase_participant",
        subject_type="participant",
        subject_id=participant_id,
        details={"loans_unlinked": unlinked},
        now=now,
    )
    return participant_or_404(conn, participant_id, scope=None)


def _check_prescriber(conn: Conn, prescriber_id: int | None) -> None:
    if prescriber_id is not None and not repository.prescriber_exists(conn, prescriber_id):
        raise InvalidInput("Cette structure prescriptrice n'existe pas.")
