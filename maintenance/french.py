"""French wording shared by alert texts and e-mails (no locale needed on the server)."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

MONTHS = ("janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août", "septembre", "octobre",
          "novembre", "décembre")
KINDS = {"car": "Voiture", "ecar": "Voiture électrique", "scooter": "Scooter", "ebike": "Vélo électrique"}
LEVELS = {"due_soon": "à prévoir bientôt", "due": "à faire maintenant", "overdue": "en retard"}
TICKET_STATUSES = {"draft": "brouillon", "open": "ouvert", "sent": "envoyé au garage", "accepted": "accepté",
                   "in_progress": "en cours", "done": "terminé", "cancelled": "annulé"}


def day(value: date) -> str:
    """14 mars 2027"""
    return f"{value.day} {MONTHS[value.month - 1]} {value.year}"


def moment(value: datetime, zone: ZoneInfo) -> str:
    """14 mars 2027 à 09:05, in the people's time zone."""
    local = value.astimezone(zone)
    return f"{day(local.date())} à {local:%H:%M}"


def km(value: float) -> str:
    """12 345 km (narrow no-break space between thousands)."""
    return f"{round(value):,} km".replace(",", "\u202f")


def euros(cents: int | None) -> str:
    if cents is None:
        return "—"
    return f"{cents / 100:,.2f} €".replace(",", "\u202f").replace(".", ",")
