"""Check-out, telemetry during the loan, check-in: kilometres from both sources, the vehicle
flagged "back, awaiting check-in" by its depot zone, and a repair ticket draft for a new damage."""

from __future__ import annotations

import json
from datetime import timedelta
from zoneinfo import ZoneInfo

from fleetbase.db import connect
from geofence.evaluation import ZoneCache
from ingest import repository as ingest_repository
from ingest.decoding import Limits
from ingest.service import Envelope, IngestService
from ingest.trackers import TrackerDirectory
from tests.factories import SIGNED
from tests.fleet_api.loan_helpers import listed_vehicle_id, login, make_participant, validated_loan

DAX_DEPOT = (43.7089, -1.0496)
PHOTO = b"\xff\xd8\xff\xe0" + b"\x00" * 32


class Tracker:
    """Feeds readings of one tracker through the ingest service, as the worker would."""

    def __init__(self, database_url: str, tracker_id: str) -> None:
        self.conn = connect(database_url)
        ingest_repository.prepare_session(self.conn)
        self.conn.commit()
        self.service = IngestService(
            limits=Limits(),
            max_accuracy_m=100,
            trackers=TrackerDirectory(),
            zone=ZoneInfo("Europe/Paris"),
            geofences=ZoneCache(),
        )
        self.tracker_id = tracker_id

    def send(self, at, lat: float, lon: float, odometer_km: float) -> None:
        reading = {
            "ts": at.isoformat(),
            "lat": lat,
            "lon": lon,
            "odometer_km": odometer_km,
            "acc_m": 5,
            "ignition": True,
        }
        envelope = Envelope(f"fleet/{self.tracker_id}/telemetry", json.dumps(reading).encode(), at)
        self.service.store_batch(self.conn, [envelope], now=at)
        self.conn.commit()

    def close(self) -> None:
        self.conn.close()


def test_check_in_compares_with_check_out_and_tickets_a_new_damage(client, as_role, clock, api_db):
    coordinator = as_role["coordinator"]
    car = listed_vehicle_id(client, coordinator, "car-01")  # based at Dax
    tracker = Tracker(api_db, "car-01")
    start = clock.now
    for minute in range(0, 10, 2):  # parked at its depot
        tracker.send(start + timedelta(minutes=minute), *DAX_DEPOT, odometer_km=20000.0)
    loan = validated_loan(
        client,
        coordinator,
        participant=make_participant(client, coordinator),
        vehicle=car,
        starts_at=start + timedelta(minutes=15),
        days=0.25,
    )

    clock.advance(minutes=15)
    out = client.post(
        f"/api/v1/bookings/{loan['id']}/checkout",
        headers=coordinator,
        json={
            "energy_pct": 90,
            "checklist": {"keys": True, "documents": True, "insurance_card": True},
            "damages": [{"location": "portière avant droite", "description": "petite bosse"}],
            **SIGNED,
        },
    )
    assert out.status_code == 200, out.text
    departure = client.get(f"/api/v1/bookings/{loan['id']}", headers=coordinator).json()["inspections"]["checkout"]
    assert departure["odometer_km"] == departure["telemetry_odometer_km"] == 20000.0  # pre-filled

    # Five hours on the road, 40 km an hour, then back to the depot an hour before the end.
    for step in range(1, 6):
        tracker.send(
            start + timedelta(minutes=15 + 60 * step),
            DAX_DEPOT[0] + 0.05 * (step % 2),
            DAX_DEPOT[1] + 0.1,
            odometer_km=20000.0 + 40 * step,
        )
    for minute in range(0, 10, 2):
        tracker.send(start + timedelta(hours=5, minutes=20 + minute), *DAX_DEPOT, odometer_km=20200.0)
    tracker.close()
    clock.advance(hours=5, minutes=30)
    coordinator = login(client, "coordinator")
    photo = client.post("/api/v1/photos", headers=coordinator, files={"file": ("retro.jpg", PHOTO, "image/jpeg")})
    assert photo.status_code == 201, photo.text
    assert client.get(f"/api/v1/bookings/{loan['id']}", headers=coordinator).json()["back_awaiting_checkin"] is True

    back = {
        "odometer_km": 20210,
        "energy_pct": 35,
        "checklist": {"keys": True, "documents": True},
        "damages": [
            {"location": "portière avant droite", "description": "petite bosse"},
            {
                "location": "rétroviseur gauche",
                "description": "coque fendue",
                "photos": [{"upload_id": photo.json()["id"], "caption": "vue de face"}],
            },
        ],
        **SIGNED,
    }
    unexplained = client.post(f"/api/v1/bookings/{loan['id']}/checkin", headers=coordinator, json=back)
    assert unexplained.status_code == 422
    assert "raison de la correction" in unexplained.json()["detail"]
    returned = client.post(
        f"/api/v1/bookings/{loan['id']}/checkin",
        headers=coordinator,
        json=back | {"odometer_correction_reason": "compteur du tableau de bord relevé"},
    )
    assert returned.status_code == 200, returned.text

    loan = returned.json()
    assert (loan["status"], loan["odometer_km_driven"], loan["telemetry_km_driven"]) == ("returned", 210, 200)
    assert loan["back_awaiting_checkin"] is False
    assert client.get(f"/api/v1/vehicles/{car}", headers=coordinator).json()["status"] == "available"
    with connect(api_db) as conn:
        tickets = conn.execute("SELECT * FROM repair_tickets WHERE loan_id = %(id)s", {"id": loan["id"]}).fetchall()
        alerts = conn.execute(
            "SELECT kind, target_role, status, dedup_key FROM alerts WHERE loan_id = %(id)s ORDER BY id",
            {"id": loan["id"]},
        ).fetchall()
    [ticket] = tickets
    assert (ticket["status"], ticket["garage_id"], ticket["vehicle_id"]) == ("draft", None, car)
    assert "rétroviseur gauche : coque fendue" in ticket["description"]
    assert "portière" not in ticket["description"]  # already there at departure
    assert {
        "kind": "repair_draft",
        "target_role": "mechanic",
        "status": "open",
        "dedup_key": f"repair_draft:{ticket['id']}",
    } in alerts
    assert {
        "kind": "back_at_depot",
        "target_role": "coordinator",
        "status": "resolved",
        "dedup_key": f"back_at_depot:loan:{loan['id']}",
    } in alerts

    detail = client.get(f"/api/v1/bookings/{loan['id']}", headers=coordinator).json()
    [photo] = detail["inspections"]["checkin"]["photos"]
    assert photo["damage_index"] == 1
    image = client.get(f"/api/v1/bookings/{loan['id']}/photos/{photo['id']}", headers=coordinator)
    assert image.headers["content-type"] == "image/jpeg" and image.content == PHOTO


def test_an_unsigned_inspection_or_an_odometer_going_back_is_refused(client, as_role, clock):
    coordinator = as_role["coordinator"]
    loan = validated_loan(
        client,
        coordinator,
        participant=make_participant(client, coordinator),
        vehicle=listed_vehicle_id(client, coordinator, "car-05"),
        starts_at=clock.now,
    )

    unsigned = client.post(
        f"/api/v1/bookings/{loan['id']}/checkout",
        headers=coordinator,
        json={"odometer_km": 100, "participant_signed": False, "staff_signed": True},
    )
    no_telemetry = client.post(f"/api/v1/bookings/{loan['id']}/checkout", headers=coordinator, json=SIGNED)
    out = client.post(
        f"/api/v1/bookings/{loan['id']}/checkout", headers=coordinator, json={"odometer_km": 100, **SIGNED}
    )
    backwards = client.post(
        f"/api/v1/bookings/{loan['id']}/checkin", headers=coordinator, json={"odometer_km": 90, **SIGNED}
    )

    assert (unsigned.status_code, no_telemetry.status_code, out.status_code, backwards.status_code) == (
        422,
        422,
        200,
        422,
    )
    assert "signé" in unsigned.json()["detail"] and "relevez-le" in no_telemetry.json()["detail"]
    assert "inférieur à celui du départ" in backwards.json()["detail"]
