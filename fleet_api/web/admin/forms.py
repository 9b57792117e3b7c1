"""The administrators' forms read into the API's own schemas (a page accepts exactly what the
API accepts), with a French sentence naming the fields refused, and the French words of
roles, kinds and statuses."""

from __future__ import annotations

import secrets
from typing import TypeVar

from pydantic import BaseModel, ValidationError

from fleet_api.accounts.schemas import UserCreate, UserUpdate
from fleet_api.authz import Role
from fleet_api.trackers.schemas import TrackerCreate
from fleet_api.vehicles.schemas import VehicleCreate
from fleet_api.web.forms import refusal
from fleetbase.errors import InvalidInput

KINDS = {"car": "Voiture", "ecar": "Voiture électrique", "scooter": "Scooter 50 cm³", "ebike": "Vélo électrique"}
ENERGIES = {"petrol": "Essence", "diesel": "Gazole", "electric": "Électrique"}
VEHICLE_STATUSES = {
    "available": "Disponible",
    "on_loan": "En prêt",
    "maintenance": "En entretien",
    "immobilised": "Immobilisé",
    "out_of_service": "Hors service",
}
Schema = TypeVar("Schema", bound=BaseModel)
FIELD_LABELS = {
    "username": "Identifiant",
    "full_name": "Nom complet",
    "email": "Adresse e-mail",
    "role": "Rôle",
    "password": "Mot de passe (10 caractères au moins)",
    "garage_id": "Garage",
    "prescriber_id": "Structure",
    "label": "Nom du véhicule",
    "kind": "Type",
    "energy": "Énergie",
    "plate": "Immatriculation",
    "make": "Marque",
    "model": "Modèle",
    "first_registered_on": "Première immatriculation",
    "home_site_id": "Dépôt",
    "tracker_id": "Identifiant de la balise",
    "vehicle_id": "Véhicule",
    "owntracks_key": "Clé de chiffrement OwnTracks",
    "traccar_unique_id": "Identifiant Traccar",
}


def _parse(schema: type[Schema], values: dict) -> Schema:
    try:
        return schema.model_validate(values)
    except ValidationError as error:
        raise refusal(error, FIELD_LABELS) from None


def _blank_is_none(value: str | None) -> str | None:
    return (value or "").strip() or None


def _binding(form: dict, role: Role | None) -> dict:
    """The garage of a garage partner, the structure of a prescriber, nothing for another role."""
    garage, prescriber = _blank_is_none(form.get("garage_id")), _blank_is_none(form.get("prescriber_id"))
    if role == Role.GARAGE_PARTNER and garage is None:
        raise InvalidInput("Choisissez le garage de ce compte « garage solidaire ».")
    if role == Role.PRESCRIBER and prescriber is None:
        raise InvalidInput("Choisissez la structure de ce compte « prescripteur·rice ».")
    return {
        "garage_id": garage if role == Role.GARAGE_PARTNER else None,
        "prescriber_id": prescriber if role == Role.PRESCRIBER else None,
    }


def _role(form: dict) -> Role:
    try:
        return Role(form.get("role") or "")
    except ValueError:
        raise InvalidInput("Choisissez le rôle du compte.") from None


def new_password() -> str:
    """A temporary password to hand over (12 characters, 72 bits)."""
    return secrets.token_urlsafe(9)


def user_create(form: dict) -> tuple[UserCreate, bool]:
    """The new account, and whether its password was made here (to be shown once)."""
    role = _role(form)
    password = form.get("password") or ""
    generated = not password
    values = {
        "username": (form.get("username") or "").strip().lower(),
        "full_name": (form.get("full_name") or "").strip(),
        "email": _blank_is_none(form.get("email")),
        "role": role,
        "password": password or new_password(),
    } | _binding(form, role)
    return _parse(UserCreate, values), generated


def role_change(form: dict) -> UserUpdate:
    role = _role(form)
    return _parse(UserUpdate, {"role": role} | _binding(form, role))


def vehicle_create(form: dict) -> VehicleCreate:
    values = {key: (form.get(key) or "").strip() for key in ("label", "kind", "energy", "make", "model")}
    values |= {
        "plate": _blank_is_none((form.get("plate") or "").upper()),
        "first_registered_on": _blank_is_none(form.get("first_registered_on")),
        "home_site_id": _blank_is_none(form.get("home_site_id")),
    }
    return _parse(VehicleCreate, values)


def tracker_create(form: dict) -> TrackerCreate:
    return _parse(
        TrackerCreate,
        {
            "tracker_id": (form.get("tracker_id") or "").strip().lower(),
            "vehicle_id": _blank_is_none(form.get("vehicle_id")),
            "owntracks_key": form.get("owntracks_key") or None,  # as typed in the app
            "traccar_unique_id": _blank_is_none(form.get("traccar_unique_id")),
        },
    )
