"""Journal d'audit (/journal), for the administrator: who looked at what, when and why —
the entries of `fleetbase.audit_repository` (the API's `GET /api/v1/audit`), newest first, filtered by
who acted, the action, the vehicle or the participant, and a range of days, all in the
address (GET parameters: the filters work without JavaScript); 50 entries a page, the
next page after the last entry shown (`avant`).
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response

from fleet import vehicle_repository as vehicles
from fleet_api.authz import Principal, Role
from fleet_api.deps import MAX_ID, DbConn, Settings
from fleet_api.web.pages import page_user
from fleet_api.web.templating import render
from fleetbase import audit_repository as audit

router = APIRouter(include_in_schema=False)
Admin = Annotated[Principal, page_user(Role.ADMIN)]
PAGE_SIZE = 50
ACTION_NAMES = {
    "view_positions": "Consultation des positions d'un véhicule",
    "export_positions": "Export des positions d'un véhicule",
    "view_trips": "Consultation des trajets d'un véhicule",
    "view_live": "Position en direct d'un véhicule prêté",
    "incident_opened": "Incident ouvert (accès aux positions)",
    "incident_renewed": "Incident prolongé",
    "incident_closed": "Incident clos",
    "export_participant": "Export des données d'une personne",
    "erase_participant": "Effacement des données d'une personne",
    "webhook_set": "Adresse de notification d'un garage définie",
    "webhook_removed": "Adresse de notification d'un garage retirée",
}
SUBJECT_NAMES = {"participant": "Personne", "vehicle": "Véhicule", "garage": "Garage", "loan": "Prêt", "user": "Compte"}
AnId = Annotated[str, Query(max_length=20)]
Day = Annotated[str, Query(max_length=10)]


def _id(text: str) -> int | None:
    """A chosen id, or None for « tous » (or anything that is not an id: the filter is off)."""
    return int(text) if text.isdigit() and 1 <= int(text) <= MAX_ID else None


def _day(text: str) -> date | None:
    try:
        return date.fromisoformat(text) if text else None
    except ValueError:
        return None


def _subject(entry: dict, labels: dict[int, str]) -> dict:
    kind, subject_id = entry["subject_type"], entry["subject_id"]
    name = SUBJECT_NAMES.get(kind, kind)
    if kind == "vehicle" and subject_id.isdigit():
        return {"text": labels.get(int(subject_id), f"{name} n° {subject_id}"), "href": f"/vehicules/{subject_id}"}
    if kind == "participant":
        return {"text": f"{name} n° {subject_id}", "href": f"/participants/{subject_id}"}
    return {"text": f"{name} n° {subject_id}", "href": None}


def _details(details: dict) -> str:
    """The few details people read: which loans, which window."""
    parts = []
    loans = details.get("loan_ids") or ([details["loan_id"]] if details.get("loan_id") else [])
    if loans:
        parts.append("prêt" + ("s" if len(loans) > 1 else "") + " n° " + ", ".join(str(loan) for loan in loans))
    if details.get("incident_id"):
        parts.append(f"incident n° {details['incident_id']}")
    return " ; ".join(parts)


@router.get("/journal")
def audit_journal(
    request: Request,
    user: Admin,
    conn: DbConn,
    settings: Settings,
    utilisateur: AnId = "",
    action: Annotated[str, Query(max_length=64)] = "",
    vehicule: AnId = "",
    participant: AnId = "",
    du: Day = "",
    au: Day = "",
    avant: AnId = "",
) -> Response:
    zone = settings.zone
    first, last = _day(du), _day(au)
    start = datetime.combine(first, time(), tzinfo=zone) if first else None
    end = datetime.combine(last + timedelta(days=1), time(), tzinfo=zone) if last else None
    error = "La date de fin précède la date de début." if start and end and start >= end else None
    known_action = action if action.replace("_", "").isalpha() else None
    rows = (
        []
        if error
        else audit.entries(
            conn,
            user_id=_id(utilisateur),
            action=known_action,
            vehicle_id=_id(vehicule),
            participant_id=_id(participant),
            start=start,
            end=end,
            before_id=_id(avant),
            limit=PAGE_SIZE + 1,
        )
    )
    more = len(rows) > PAGE_SIZE
    rows = rows[:PAGE_SIZE]
    vehicle_rows = vehicles.list_vehicles(conn)
    labels = {row["id"]: row["label"] for row in vehicle_rows}
    kept = {
        "utilisateur": utilisateur,
        "action": action,
        "vehicule": vehicule,
        "participant": participant,
        "du": du,
        "au": au,
    }
    query = {name: value for name, value in kept.items() if value}
    return render(
        request,
        "audit/journal.html",
        {
            "entries": [
                entry
                | {
                    "action_name": ACTION_NAMES.get(entry["action"], entry["action"]),
                    "subject": _subject(entry, labels),
                    "detail_text": _details(entry["details"]),
                }
                for entry in rows
            ],
            "kept": kept,
            "error": error,
            "filtered": bool(query),
            "paged": bool(_id(avant)),
            "next_url": "/journal?" + urlencode(query | {"avant": rows[-1]["id"]}) if more else None,
            "first_url": "/journal" + ("?" + urlencode(query) if query else ""),
            "actors": audit.actors(conn),
            "actions": {name: ACTION_NAMES.get(name, name) for name in audit.actions(conn)},
            "vehicles": vehicle_rows,
        },
    )
