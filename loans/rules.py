"""The loan rules themselves, pure: no database, no clock. Each refusal is a French sentence.

licence      the participant must hold one licence the vehicle kind needs
vehicle      no loan on a vehicle in maintenance, immobilised or out of service
length       a loan (or one extension) lasts at most `max_days` of its kind
turnaround   a vehicle stays held `turnaround_hours` after a loan ends
transitions  which status may follow which
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from fleetbase import formatting
from fleetbase.errors import Conflict, InvalidInput

# Any one of these licences allows driving the kind; an e-bike needs none.
LICENCES_NEEDED: dict[str, frozenset[str]] = {
    "car": frozenset({"B"}),
    "ecar": frozenset({"B"}),
    "scooter": frozenset({"AM", "BSR", "B"}),
    "ebike": frozenset(),
}
KIND_NAMES = {
    "car": "une voiture",
    "ecar": "une voiture électrique",
    "scooter": "un scooter 50 cm³",
    "ebike": "un vélo électrique",
}
BLOCKING_STATUSES = {
    "maintenance": "en maintenance",
    "immobilised": "immobilisé pour réparation",
    "out_of_service": "hors service",
}
# Statuses that hold the vehicle (the database's loans_no_overlap constraint).
HOLDING = ("validated", "active", "overdue")
# Transition name → statuses it may start from, and the status it leads to.
TRANSITIONS: dict[str, tuple[frozenset[str], str]] = {
    "validate": (frozenset({"requested"}), "validated"),
    "reject": (frozenset({"requested"}), "rejected"),
    "cancel": (frozenset({"requested", "validated"}), "cancelled"),
    "checkout": (frozenset({"validated"}), "active"),
    "checkin": (frozenset({"active", "overdue"}), "returned"),
}
STATUS_NAMES = {
    "requested": "demandé",
    "validated": "validé",
    "active": "en cours",
    "returned": "rendu",
    "rejected": "refusé",
    "cancelled": "annulé",
    "overdue": "en retard",
}
ACTION_NAMES = {
    "validate": "valider",
    "reject": "refuser",
    "cancel": "annuler",
    "checkout": "remettre (départ)",
    "checkin": "réceptionner (retour)",
    "extend": "prolonger",
}


@dataclass(frozen=True)
class LoanRules:
    vehicle_kind: str
    turnaround_hours: float
    max_days: int

    @property
    def turnaround(self) -> timedelta:
        return timedelta(hours=self.turnaround_hours)


def when(moment: datetime, zone: ZoneInfo) -> str:
    """A moment as people read it, in the plateforme's zone: « 15 décembre 2026 à 18:00 »."""
    return formatting.moment(moment, zone)


def check_transition(action: str, status: str, loan_id: int) -> str:
    """The status `action` leads to from `status`; Conflict when it cannot start from there."""
    allowed_from, target = TRANSITIONS[action]
    check_allowed(action, status, allowed_from, loan_id)
    return target


def check_allowed(action: str, status: str, allowed_from: Collection[str], loan_id: int) -> None:
    """Conflict, in French, when `action` (a key of ACTION_NAMES) cannot start from `status`."""
    if status not in allowed_from:
        raise Conflict(
            f"Impossible de {ACTION_NAMES[action]} le prêt n° {loan_id} : il est "
            f"« {STATUS_NAMES.get(status, status)} »."
        )


def check_licence(vehicle_kind: str, held: set[str]) -> None:
    needed = LICENCES_NEEDED[vehicle_kind]
    if needed and not (needed & held):
        names = " ou ".join(sorted(needed))
        raise Conflict(
            f"Pour {KIND_NAMES[vehicle_kind]}, la personne doit détenir le permis {names}"
            " (vérifié par un·e conseiller·ère) ; aucun n'est enregistré."
        )


def check_vehicle_status(label: str, status: str) -> None:
    if status in BLOCKING_STATUSES:
        raise Conflict(f"Le véhicule {label} est {BLOCKING_STATUSES[status]} : il ne peut pas être prêté.")


def check_dates(starts_at: datetime, ends_at: datetime) -> None:
    if ends_at <= starts_at:
        raise InvalidInput("La fin du prêt doit suivre son début.")


def check_length(rules: LoanRules, starts_at: datetime, ends_at: datetime, *, extension: bool = False) -> None:
    if ends_at - starts_at > timedelta(days=rules.max_days):
        what = "Une prolongation" if extension else "Un prêt"
        raise Conflict(
            f"{what} de {KIND_NAMES[rules.vehicle_kind]} dure au plus {rules.max_days} jours ;"
            " au-delà, prolongez le prêt ensuite."
        )


def held_until(rules: LoanRules, ends_at: datetime) -> datetime:
    """End of the vehicle's hold: the loan's end plus the turnaround buffer."""
    return ends_at + rules.turnaround


def overlap_message(label: str, rules: LoanRules, other: Mapping[str, Any], *, zone: ZoneInfo) -> str:
    """Why a vehicle is not free: the loan (or request) that holds it, with its buffer."""
    buffer = f", dont {rules.turnaround_hours:g} h de remise en état" if rules.turnaround_hours else ""
    what = "une demande en attente" if other["status"] == "requested" else "le prêt"
    return (
        f"Le véhicule {label} est pris du {when(other['starts_at'], zone)} au {when(other['held_until'], zone)}"
        f" par {what} n° {other['id']}{buffer}."
    )


def new_damages(checkout: list[dict[str, Any]], checkin: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Damages noted at check-in that the check-out did not record (same place, same description)."""

    def key(damage: dict[str, Any]) -> tuple[str, str]:
        return (" ".join(damage["location"].lower().split()), " ".join(damage["description"].lower().split()))

    known = {key(damage) for damage in checkout}
    return [damage for damage in checkin if key(damage) not in known]
