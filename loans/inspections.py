"""Check-out and check-in: the *états des lieux* that start and end a loan.

An inspection records the odometer (the telemetry's effective odometer unless corrected,
with a reason), the fuel or battery level, a checklist, damages (with optional photos)
and both parties' signatures. The check-in compares with the check-out: kilometres from
the odometer and from telemetry, and damages not there at departure, which open a repair
ticket draft for the mechanic.

`inspection` is a dict: odometer_km (None: take the telemetry's), odometer_correction_reason,
energy_pct, checklist, damages [{location, description, photos [{upload_id, caption}]}],
participant_signed, staff_signed, and optionally the signatures drawn on the tablet
(participant_signature, staff_signature: base64 PNG, kept for the receipt). A photo is
uploaded first (`loans.photos`) and named here by its upload id.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from psycopg.rows import DictRow

from alerts.raising import AlertDraft, open_alerts, resolve_alerts
from fleetbase.db import Conn
from fleetbase.errors import Conflict, InvalidInput
from fleetbase.local_time import local_today
from loans import participant_repository, photos, repository, rules, signatures
from loans.service import loan_or_404, no_overlap, vehicle_or_error

# What is handed over with each kind of vehicle, in the order the coordinator checks it.
CHECKLIST_BY_KIND = {
    "car": ("keys", "documents", "insurance_card"),
    "ecar": ("keys", "charger", "documents", "insurance_card"),
    "scooter": ("keys", "helmet", "lock", "documents", "insurance_card"),
    "ebike": ("lock", "charger", "helmet"),
}
CHECKLIST_LABELS = {
    "keys": "Clés",
    "helmet": "Casque",
    "lock": "Antivol",
    "charger": "Chargeur",
    "documents": "Papiers du véhicule",
    "insurance_card": "Carte verte (assurance)",
}
KIND_NAMES = {"car": "voiture", "ecar": "voiture électrique", "scooter": "scooter", "ebike": "vélo électrique"}

# A reading closer than this to the telemetry's is the same reading (rounding, display).
ODOMETER_TOLERANCE_KM = 1.0


def check_out(
    conn: Conn, loan_id: int, *, inspection: dict[str, Any], user_id: int, now: datetime, zone: ZoneInfo
) -> DictRow:
    """The vehicle leaves: validated → active, vehicle on loan."""
    loan = loan_or_404(conn, loan_id, scope=None, lock=True)
    target = rules.check_transition("checkout", loan["status"], loan_id)
    if loan["deposit_recorded_at"] is None:
        raise Conflict("La caution n'est pas enregistrée : recevez-la (ou dispensez-en) avant le départ.")
    if now >= loan["ends_at"]:
        raise Conflict(f"Ce prêt devait finir le {rules.when(loan['ends_at'], zone)} : prolongez-le avant le départ.")
    if loan["participant_id"] is None:
        raise Conflict("Les données de cette personne ont été effacées : ce prêt ne peut qu'être annulé.")
    vehicle = vehicle_or_error(conn, loan["vehicle_id"], lock=True)
    rules.check_vehicle_status(vehicle["label"], vehicle["status"])
    if vehicle["status"] == "on_loan":
        raise Conflict(f"Le véhicule {vehicle['label']} n'est pas encore rentré de son prêt précédent.")
    rules.check_licence(
        vehicle["kind"], participant_repository.licences_held(conn, loan["participant_id"], on=local_today(now, zone))
    )
    values = _inspection_values(inspection, vehicle, now=now)
    _insert_inspection(conn, loan_id, kind="checkout", inspection=inspection, values=values, user_id=user_id, now=now)
    with no_overlap(vehicle["label"]):  # leaving early moves the hold's start earlier
        repository.update_loan(
            conn, loan_id, now=now, status=target, checked_out_at=now, starts_at=min(loan["starts_at"], now)
        )
    repository.set_vehicle_status(conn, vehicle["id"], status="on_loan", now=now)
    repository.insert_transition(
        conn, loan_id, from_status=loan["status"], to_status=target, by_user_id=user_id, reason=None, now=now
    )
    return loan_or_404(conn, loan_id, scope=None)


def check_in(
    conn: Conn, loan_id: int, *, inspection: dict[str, Any], user_id: int, now: datetime, zone: ZoneInfo
) -> DictRow:
    """The vehicle is back: active or overdue → returned, kilometres measured, new damages ticketed."""
    loan = loan_or_404(conn, loan_id, scope=None, lock=True)
    target = rules.check_transition("checkin", loan["status"], loan_id)
    vehicle = vehicle_or_error(conn, loan["vehicle_id"], lock=True)
    departure = repository.inspections(conn, loan_id)["checkout"]
    values = _inspection_values(inspection, vehicle, now=now)
    if values["odometer_km"] < departure["odometer_km"]:
        raise InvalidInput(
            f"Le compteur ({values['odometer_km']:g} km) ne peut pas être inférieur à celui du"
            f" départ ({departure['odometer_km']:g} km)."
        )
    _insert_inspection(conn, loan_id, kind="checkin", inspection=inspection, values=values, user_id=user_id, now=now)
    telemetry_km = None
    if values["telemetry_odometer_km"] is not None and departure["telemetry_odometer_km"] is not None:
        telemetry_km = max(0.0, values["telemetry_odometer_km"] - departure["telemetry_odometer_km"])
    repository.update_loan(
        conn,
        loan_id,
        now=now,
        status=target,
        checked_in_at=now,
        odometer_km_driven=values["odometer_km"] - departure["odometer_km"],
        telemetry_km_driven=telemetry_km,
    )
    repository.set_vehicle_status(
        conn, vehicle["id"], status="available", now=now, unless=tuple(rules.BLOCKING_STATUSES)
    )
    repository.insert_transition(
        conn, loan_id, from_status=loan["status"], to_status=target, by_user_id=user_id, reason=None, now=now
    )
    resolve_alerts(
        conn, [f"back_at_depot:loan:{loan_id}", f"loan_overdue:{loan_id}", f"vehicle_not_returned:{loan_id}"], now=now
    )
    damages = rules.new_damages(departure["damages"], values["damages"])
    if damages:
        _open_repair_draft(conn, loan_id, vehicle, damages, user_id=user_id, now=now, zone=zone)
    return loan_or_404(conn, loan_id, scope=None)


def _inspection_values(inspection: dict[str, Any], vehicle: DictRow, *, now: datetime) -> dict[str, Any]:
    if not (inspection["participant_signed"] and inspection["staff_signed"]):
        raise InvalidInput("L'état des lieux doit être signé par la personne et par la plateforme.")
    telemetry_km = vehicle["effective_odometer_km"]
    odometer_km = inspection.get("odometer_km")
    reason = inspection.get("odometer_correction_reason")
    if odometer_km is None:
        if telemetry_km is None:
            raise InvalidInput(f"Aucun compteur connu par la télémétrie pour {vehicle['label']} : relevez-le.")
        odometer_km = telemetry_km
    elif telemetry_km is not None and abs(odometer_km - telemetry_km) > ODOMETER_TOLERANCE_KM and not reason:
        raise InvalidInput(
            f"Le compteur relevé ({odometer_km:g} km) diffère de la télémétrie ({telemetry_km:.1f} km) :"
            " indiquez la raison de la correction."
        )
    return {
        "odometer_km": odometer_km,
        "telemetry_odometer_km": telemetry_km,
        "odometer_correction_reason": reason,
        "energy_pct": inspection.get("energy_pct"),
        "checklist": inspection.get("checklist") or {},
        "damages": [
            {"location": damage["location"], "description": damage["description"]}
            for damage in inspection.get("damages") or []
        ],
        "participant_signed_at": now,
        "staff_signed_at": now,
    }


def _insert_inspection(
    conn: Conn,
    loan_id: int,
    *,
    kind: str,
    inspection: dict[str, Any],
    values: dict[str, Any],
    user_id: int,
    now: datetime,
) -> None:
    drawn = {
        signer: signatures.decode(inspection[f"{signer}_signature"], signer=signer)
        for signer in signatures.SIGNERS
        if inspection.get(f"{signer}_signature")
    }
    inspection_id = repository.insert_inspection(conn, loan_id, kind=kind, values=values, by_user_id=user_id, now=now)
    for signer, content in drawn.items():
        repository.insert_signature(conn, inspection_id, signer=signer, content=content, now=now)
    for index, damage in enumerate(inspection.get("damages") or []):
        for photo in damage.get("photos") or []:
            photos.claim(
                conn,
                photo["upload_id"],
                inspection_id=inspection_id,
                damage_index=index,
                caption=photo.get("caption") or "",
                now=now,
            )


def _open_repair_draft(
    conn: Conn,
    loan_id: int,
    vehicle: DictRow,
    damages: list[dict[str, Any]],
    *,
    user_id: int,
    now: datetime,
    zone: ZoneInfo,
) -> int:
    places = ", ".join(damage["location"] for damage in damages)
    title = f"{vehicle['label']} : dommage constaté au retour du prêt n° {loan_id} ({places})"[:200]
    description = "\n".join(f"- {damage['location']} : {damage['description']}" for damage in damages)
    ticket_id = repository.insert_repair_draft(
        conn,
        vehicle_id=vehicle["id"],
        loan_id=loan_id,
        opened_by=user_id,
        title=title,
        description=f"Nouveaux dommages notés à l'état des lieux de retour le {rules.when(now, zone)} :\n{description}",
        now=now,
    )
    open_alerts(
        conn,
        [
            AlertDraft(
                "repair_draft",
                "warning",
                "mechanic",
                vehicle["id"],
                loan_id,
                f"Brouillon de réparation n° {ticket_id} pour {vehicle['label']} : {len(damages)} dommage(s) noté(s)"
                f" au retour du prêt n° {loan_id} ({places}).",
                f"repair_draft:{ticket_id}",
            )
        ],
        now=now,
    )
    return ticket_id
