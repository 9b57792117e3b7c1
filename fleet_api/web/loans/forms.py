"""What the request pages show and read in French: statuses, purposes, kinds, and the two
dates of a request (days chosen in the form, hours fixed at the depot's opening)."""

from __future__ import annotations

from datetime import date, datetime, time
from zoneinfo import ZoneInfo

from fleetbase.errors import InvalidInput

STATUS_LABELS = {
    "requested": "En attente",
    "validated": "Validée",
    "active": "En cours",
    "overdue": "En retard",
    "returned": "Rendu",
    "rejected": "Refusée",
    "cancelled": "Annulée",
}
PURPOSES = {
    "job": "Emploi",
    "training": "Formation",
    "interview": "Entretien d'embauche",
    "daily_life": "Vie quotidienne (santé, démarches)",
}
KINDS = {"car": "Voiture", "ecar": "Voiture électrique", "scooter": "Scooter 50 cm³", "ebike": "Vélo électrique"}
LICENCES = {"B": "Permis B", "AM": "Permis AM", "BSR": "BSR"}
# A loan leaves the depot in the morning and comes back in the afternoon of the days chosen.
DEPARTURE, RETURN = time(9, 0), time(17, 0)


def loan_moments(first_day: str, last_day: str, zone: ZoneInfo) -> tuple[datetime, datetime]:
    """The start (9 h) and end (17 h) of a loan from the form's two days, in the plateforme's zone."""
    try:
        start, end = date.fromisoformat(first_day), date.fromisoformat(last_day)
    except ValueError as error:
        raise InvalidInput("Indiquez le premier et le dernier jour du prêt.") from error
    return datetime.combine(start, DEPARTURE, tzinfo=zone), datetime.combine(end, RETURN, tzinfo=zone)
