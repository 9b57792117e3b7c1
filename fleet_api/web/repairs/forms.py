"""The repair pages' fields, read into the API's own schemas (so a page accepts what the API
accepts), with a French sentence for what is refused; amounts typed in euros."""

from __future__ import annotations

import re

from pydantic import ValidationError

from fleet_api.repair_tickets.schemas import Part, RepairTicketCreate, RepairTicketUpdate
from fleet_api.web.forms import refusal
from fleetbase.errors import InvalidInput

STATUS_LABELS = {
    "draft": "Brouillon",
    "open": "Ouverte",
    "sent": "Envoyée au garage",
    "accepted": "Acceptée",
    "in_progress": "En cours",
    "done": "Terminée",
    "cancelled": "Annulée",
}
KINDS = {"car": "Voiture", "ecar": "Voiture électrique", "scooter": "Scooter", "ebike": "Vélo électrique"}
ROLE_LABELS = {
    "admin": "plateforme",
    "fleet_manager": "plateforme",
    "mechanic": "plateforme",
    "garage_partner": "garage",
}
FIELD_LABELS = {
    "vehicle_id": "Véhicule",
    "garage_id": "Garage",
    "title": "Objet",
    "description": "Description",
    "tasks": "Entretien couvert",
    "name": "Pièce",
    "quantity": "Quantité",
    "unit_price_cents": "Prix unitaire",
}
AMOUNT = re.compile(r"^(\d{1,7})(?:[.,](\d{1,2}))?$")


def _refusal(error: ValidationError) -> InvalidInput:
    return refusal(error, FIELD_LABELS)


def cents(text: str, *, label: str) -> int | None:
    """Euros as typed ("120", "120,5", "1 250,00 €") in cents; None when left empty."""
    plain = text.replace("€", "").replace("\u202f", "").replace("\xa0", "").replace(" ", "").strip()
    if not plain:
        return None
    match = AMOUNT.match(plain)
    if match is None:
        raise InvalidInput(f"{label} : écrivez un montant en euros, par exemple 120,50.")
    return int(match[1]) * 100 + int((match[2] or "0").ljust(2, "0"))


def _id(text: str) -> int | str:
    return int(text) if text.strip().isdigit() else text


def ticket_create(values: dict, *, tasks: list[str]) -> RepairTicketCreate:
    try:
        return RepairTicketCreate.model_validate(
            {
                "vehicle_id": _id(values["vehicle_id"]),
                "garage_id": _id(values["garage_id"]),
                "title": values["title"].strip(),
                "description": values["description"].strip(),
                "immobilised": values["immobilised"],
                "tasks": tasks,
            }
        )
    except ValidationError as error:
        raise _refusal(error) from None


def ticket_update(values: dict, *, tasks: list[str]) -> dict:
    """The changes of the edit form (a draft's or an open ticket's)."""
    try:
        data = RepairTicketUpdate.model_validate(
            {
                "garage_id": _id(values["garage_id"]) if values["garage_id"] else None,
                "title": values["title"].strip(),
                "description": values["description"].strip(),
                "immobilised": values["immobilised"],
                "tasks": tasks,
            }
        )
    except ValidationError as error:
        raise _refusal(error) from None
    return {name: value for name, value in data.model_dump().items() if value is not None}


def part(name: str, quantity: str, unit_price: str) -> dict:
    try:
        return Part.model_validate(
            {
                "name": name.strip(),
                "quantity": _id(quantity or "1"),
                "unit_price_cents": cents(unit_price, label="Prix unitaire"),
            }
        ).model_dump()
    except ValidationError as error:
        raise _refusal(error) from None
