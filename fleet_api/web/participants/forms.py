"""The participant forms' fields, read into the API's own schemas (so a page accepts exactly
what the API accepts), with a French sentence for what is refused."""

from __future__ import annotations

import unicodedata
from datetime import date

from pydantic import ValidationError

from fleet_api.participants.schemas import ParticipantCreate, ParticipantUpdate
from fleet_api.web.forms import refusal
from fleetbase.errors import InvalidInput

PURPOSES = {
    "job": "Emploi",
    "training": "Formation",
    "interview": "Entretien d'embauche",
    "daily_life": "Vie quotidienne (santé, démarches…)",
}
LICENCES = {"B": "Permis B (voiture)", "AM": "Permis AM (cyclomoteur 50 cm³)", "BSR": "BSR (ancien brevet cyclo)"}
FIELD_LABELS = {
    "first_name": "Prénom",
    "last_name": "Nom",
    "phone": "Téléphone",
    "email": "Adresse e-mail",
    "municipality": "Commune",
    "intercommunality": "Intercommunalité",
    "prescriber_id": "Structure prescriptrice",
    "purpose": "Motif",
    "notes": "Notes",
    "licences": "Permis",
    "checked_on": "Date de vérification",
    "category": "Permis",
}


def _refusal(error: ValidationError) -> InvalidInput:
    return refusal(error, FIELD_LABELS)


FIELDS = ("first_name", "last_name", "phone", "email", "municipality", "intercommunality", "prescriber_id", "purpose")


def _values(form: dict) -> dict:
    """The form's fields, an empty one as None (a field cleared is cleared)."""
    values = {key: (form.get(key) or "").strip() or None for key in FIELDS}
    values["notes"] = (form.get("notes") or "").strip()
    return values


def participant_update(form: dict, *, with_prescriber: bool) -> ParticipantUpdate:
    """The corrected record (licences aside: they change by a check of their own)."""
    values = _values(form)
    if not with_prescriber:
        values.pop("prescriber_id")
    try:
        return ParticipantUpdate.model_validate(values)
    except ValidationError as error:
        raise _refusal(error) from None


def participant_create(form: dict, *, licences_seen: list[str], today: date) -> ParticipantCreate:
    """The new participant of the form; the licences ticked were seen today."""
    values = _values(form)
    values["licences"] = [{"category": category, "checked_on": today} for category in licences_seen]
    try:
        return ParticipantCreate.model_validate(values)
    except ValidationError as error:
        raise _refusal(error) from None


def licence_checked(current: list[dict], *, category: str, checked_on: str, today: date) -> ParticipantUpdate:
    """The licences once `category` was seen on `checked_on` (replacing that category's earlier day)."""
    try:
        seen = date.fromisoformat(checked_on)
    except ValueError:
        raise InvalidInput("Indiquez la date à laquelle le permis a été vérifié.") from None
    if seen > today:
        raise InvalidInput("La date de vérification ne peut pas être dans le futur.")
    licences = [licence for licence in current if licence["category"] != category]
    licences.append({"category": category, "checked_on": seen})
    try:
        return ParticipantUpdate.model_validate({"licences": licences})
    except ValidationError as error:
        raise _refusal(error) from None


def full_name(participant: dict) -> str:
    return f"{participant['first_name'] or ''} {participant['last_name'] or ''}".strip()


def same_name(typed: str, participant: dict) -> bool:
    """The confirmation of an erasure: the person's name typed again (case, accents and spaces aside)."""

    def plain(text: str) -> str:
        decomposed = unicodedata.normalize("NFKD", text.casefold())
        return " ".join("".join(c for c in decomposed if not unicodedata.combining(c)).split())

    return bool(full_name(participant)) and plain(typed) == plain(full_name(participant))
