"""What the garage solidaire is told about its tickets: a French e-mail, and a web hook
event for a garage with a system of its own. Both are queued in the ticket's
transaction (mail_outbox, webhook_deliveries) and sent by the scheduler. Each e-mail links
to the ticket's page, `<public_url>/reparations/<id>` (FLEET_PUBLIC_URL)."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from psycopg.rows import DictRow

from fleetbase import formatting
from fleetbase.db import Conn
from maintenance import french
from maintenance import ticket_repository as repository

SUBJECTS = {
    "ticket.sent": "Nouvelle fiche de réparation",
    "ticket.cancelled": "Fiche de réparation annulée",
    "ticket.comment": "Nouveau commentaire sur une fiche de réparation",
    "ticket.status": "Fiche de réparation mise à jour",
    "ticket.updated": "Fiche de réparation modifiée",
}
# Events the garage also gets by e-mail (the others only by web hook).
EMAILED = {"ticket.sent", "ticket.cancelled", "ticket.comment"}


def tell_garage(conn: Conn, ticket: DictRow, *, event: str, now: datetime, public_url: str, note: str = "") -> None:
    """Queue the e-mail and the web hook delivery of `event` for the ticket's garage."""
    if ticket["garage_id"] is None:
        return
    garage = repository.get_garage(conn, ticket["garage_id"])
    if garage is None:  # the ticket's foreign key keeps its garage
        raise LookupError(f"garage {ticket['garage_id']} of ticket {ticket['id']} not found")
    if garage["webhook_url"]:
        repository.enqueue_webhook(
            conn,
            garage_id=garage["id"],
            ticket_id=ticket["id"],
            event=event,
            body=webhook_body(ticket, event=event, note=note, now=now),
            now=now,
        )
    if garage["email"] and event in EMAILED:
        subject, body = garage_email(
            ticket, event=event, note=note, garage_name=garage["name"], link=ticket_link(public_url, ticket["id"])
        )
        repository.enqueue_mail(conn, recipients=[garage["email"]], subject=subject, body=body, now=now)


def webhook_body(ticket: DictRow, *, event: str, note: str, now: datetime) -> str:
    payload: dict[str, Any] = {
        "event": event,
        "occurred_at": now.isoformat(),
        "ticket": {
            "id": ticket["id"],
            "status": ticket["status"],
            "title": ticket["title"],
            "description": ticket["description"],
            "immobilised": ticket["immobilised"],
            "vehicle": {"id": ticket["vehicle_id"], "label": ticket["vehicle_label"], "kind": ticket["vehicle_kind"]},
            "quote_cents": ticket["quote_cents"],
            "final_cost_cents": ticket["final_cost_cents"],
            "parts": ticket["parts"],
            "tasks": ticket["tasks"],
        },
    }
    if note:
        payload["note"] = note
    return json.dumps(payload, ensure_ascii=False, separators=(",", ":"))


def ticket_link(public_url: str, ticket_id: int) -> str:
    """The ticket's page in the web application (the garage signs in there)."""
    return f"{public_url.rstrip('/')}/reparations/{ticket_id}"


def garage_email(ticket: DictRow, *, event: str, note: str, garage_name: str, link: str) -> tuple[str, str]:
    vehicle = f"{french.KINDS.get(ticket['vehicle_kind'], 'Véhicule')} {ticket['vehicle_label']}"
    subject = f"{SUBJECTS[event]} n° {ticket['id']} — {vehicle} : {ticket['title']}"
    if event == "ticket.sent":
        opening = "La plateforme mobilité vous adresse une nouvelle fiche de réparation."
    elif event == "ticket.cancelled":
        opening = "La fiche de réparation ci-dessous est annulée : merci de ne pas engager de travaux."
    else:
        opening = "Un nouveau commentaire a été ajouté à la fiche de réparation ci-dessous."
    lines = [
        f"Bonjour {garage_name},",
        "",
        opening,
        "",
        f"Fiche n° {ticket['id']} — statut : {french.TICKET_STATUSES[ticket['status']]}",
        f"Véhicule : {vehicle}",
        f"Objet : {ticket['title']}",
    ]
    if ticket["description"]:
        lines.append(f"Description : {ticket['description']}")
    lines.append("Véhicule immobilisé : " + ("oui, il ne peut pas être prêté" if ticket["immobilised"] else "non"))
    if ticket["quote_cents"] is not None:
        lines.append(f"Devis : {formatting.euros(ticket['quote_cents'])}")
    if note:
        lines += ["", f"Commentaire : {note}"]
    lines += [
        "",
        "Suivez la fiche, indiquez votre devis, l'avancement et vos commentaires sur sa page :",
        link,
        "",
        "Cordialement,",
        "La plateforme mobilité",
        "",
        "-- ",
        "Message automatique, merci de ne pas y répondre.",
    ]
    return subject, "\n".join(lines)
