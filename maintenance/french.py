"""French words shared by alert texts, e-mails and pages: vehicle kinds, due levels, ticket
statuses (dates, times and amounts are written by `fleetbase.formatting`)."""

from __future__ import annotations

KINDS = {"car": "Voiture", "ecar": "Voiture électrique", "scooter": "Scooter", "ebike": "Vélo électrique"}
LEVELS = {"due_soon": "à prévoir bientôt", "due": "à faire maintenant", "overdue": "en retard"}
TICKET_STATUSES = {
    "draft": "brouillon",
    "open": "ouvert",
    "sent": "envoyé au garage",
    "accepted": "accepté",
    "in_progress": "en cours",
    "done": "terminé",
    "cancelled": "annulé",
}
