"""A participant's rights: the export holds everything kept on the person, and the erasure
takes their photos and signatures too while the fleet's figures stay as they were."""

from __future__ import annotations

import base64
from datetime import timedelta

from fleetbase import audit_repository as audit
from fleetbase.db import connect
from tests.factories import SIGNED
from tests.fleet_api.loan_helpers import listed_vehicle_id, login, make_participant, validated_loan

PNG = b"\x89PNG\r\n\x1a\n" + b"\x07" * 40


def _returned_loan_with_a_photo(client, coordinator, clock, api_db, manager=None) -> tuple[int, int, dict]:
    person = make_participant(client, coordinator)
    car = listed_vehicle_id(client, coordinator, "car-05")
    loan = validated_loan(client, coordinator, participant=person, vehicle=car, starts_at=clock.now)
    photo = client.post("/api/v1/photos", headers=coordinator, files={"file": ("rayure.png", PNG, "image/png")})
    assert photo.status_code == 201, photo.text
    damages = [{"location": "aile avant", "description": "rayure", "photos": [{"upload_id": photo.json()["id"]}]}]
    out = client.post(
        f"/api/v1/bookings/{loan['id']}/checkout",
        headers=coordinator,
        json={"odometer_km": 100, "damages": damages, **SIGNED},
    )
    assert out.status_code == 200, out.text
    with connect(api_db) as conn:  # what the trackers sent meanwhile, and one audited look at it
        for minute in (10, 20, 30):
            conn.execute(
                "INSERT INTO positions (vehicle_id, fix_time, tracker_id, lat, lon, effective_odometer_km)"
                " VALUES (%(v)s, %(t)s, 'car-05', 43.7, -1.05, %(km)s)",
                {"v": car, "t": clock.now + timedelta(minutes=minute), "km": 100 + minute},
            )
        audit.record(
            conn,
            user_id=None,
            action="view_positions",
            subject_type="vehicle",
            subject_id=car,
            reason="accident",
            now=clock.now + timedelta(hours=1),
            details={"loan_ids": [loan["id"]]},
        )
    if manager is not None:  # an accident during the loan, declared then closed
        incident = client.post(
            "/api/v1/incidents",
            headers=manager,
            json={"vehicle_id": car, "kind": "accident", "reason": "choc signalé par téléphone"},
        )
        assert incident.status_code == 201, incident.text
        closed = client.post(
            f"/api/v1/incidents/{incident.json()['id']}/close", headers=manager, json={"outcome": "véhicule réparé"}
        )
        assert closed.status_code == 200, closed.text
    clock.advance(hours=2)
    coordinator = login(client, "coordinator")
    back = client.post(
        f"/api/v1/bookings/{loan['id']}/checkin", headers=coordinator, json={"odometer_km": 160, **SIGNED}
    )
    assert back.status_code == 200, back.text
    return person, car, coordinator


def test_the_export_holds_loans_transitions_inspections_photos_audit_and_kept_positions(client, as_role, api_db, clock):
    person, car, coordinator = _returned_loan_with_a_photo(
        client, as_role["coordinator"], clock, api_db, manager=as_role["fleet_manager"]
    )

    export = client.get(f"/api/v1/participants/{person}/export", headers=coordinator)

    assert export.status_code == 200, export.text
    body = export.json()
    assert body["participant"]["email"] == "camille.durand@example.org"
    [loan] = body["loans"]
    statuses = [t["to_status"] for t in loan["transitions"]]  # the deposit is a transition too
    assert list(dict.fromkeys(statuses)) == ["requested", "validated", "active", "returned"]
    inspections = {inspection["kind"]: inspection for inspection in loan["inspections"]}
    assert set(inspections) == {"checkout", "checkin"}
    assert all(inspection["participant_signed_at"] for inspection in inspections.values())
    [photo] = inspections["checkout"]["photos"]
    assert base64.b64decode(photo["content_base64"]) == PNG and photo["content_type"] == "image/png"
    assert [p["effective_odometer_km"] for p in loan["positions"]] == [110, 120, 130]
    [incident] = loan["incidents"]
    assert (incident["kind"], incident["reason"], incident["outcome"]) == (
        "accident",
        "choc signalé par téléphone",
        "véhicule réparé",
    )
    actions = [entry["action"] for entry in body["audit"]]
    assert actions[0] == "export_participant" and "view_positions" in actions


def test_erasure_takes_photos_and_signatures_and_leaves_the_fleet_figures(client, as_role, api_db, clock):
    person, car, coordinator = _returned_loan_with_a_photo(client, as_role["coordinator"], clock, api_db)
    with connect(api_db) as conn:
        conn.execute("SELECT expire_positions(0, %(at)s)", {"at": clock.now + timedelta(days=1)})  # a day's figures
        stats_before = conn.execute(
            "SELECT * FROM vehicle_daily_stats WHERE vehicle_id = %(v)s ORDER BY day", {"v": car}
        ).fetchall()
    report_before = client.get("/api/v1/reports/activity", headers=coordinator).json()

    erased = client.post(f"/api/v1/participants/{person}/erase", headers=coordinator)

    assert erased.status_code == 200, erased.text
    with connect(api_db) as conn:
        inspections = conn.execute(
            "SELECT i.participant_signed_at, i.staff_signed_at, (SELECT count(*) FROM inspection_photos p"
            " WHERE p.inspection_id = i.id) AS photos FROM inspections i JOIN loans l ON l.id = i.loan_id"
            " WHERE l.vehicle_id = %(v)s",
            {"v": car},
        ).fetchall()
        stats_after = conn.execute(
            "SELECT * FROM vehicle_daily_stats WHERE vehicle_id = %(v)s ORDER BY day", {"v": car}
        ).fetchall()
    assert len(inspections) == 2
    assert all(row["participant_signed_at"] is None and row["photos"] == 0 for row in inspections)
    assert all(row["staff_signed_at"] is not None for row in inspections)  # the staff's, not the person's
    assert stats_after == stats_before and stats_before
    assert client.get("/api/v1/reports/activity", headers=coordinator).json() == report_before
