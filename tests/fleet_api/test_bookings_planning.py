"""Availability, the loan rules and the activity report through the API."""

from __future__ import annotations

from datetime import timedelta

from tests.fleet_api.loan_helpers import listed_vehicle_id, login, make_participant, request_loan, validated_loan


def test_availability_lists_free_vehicles_nearest_first(client, as_role, clock):
    coordinator = as_role["coordinator"]
    starts, ends = clock.now + timedelta(days=1), clock.now + timedelta(days=5)

    free = client.get(
        "/api/v1/availability",
        headers=coordinator,
        params={"kind": "car", "from": starts.isoformat(), "to": ends.isoformat(), "site_id": 4},
    )
    backwards = client.get(
        "/api/v1/availability", headers=coordinator, params={"from": ends.isoformat(), "to": starts.isoformat()}
    )

    assert free.status_code == 200
    assert free.json()[0]["site_name"] == "Dépôt de Tarnos" and len(free.json()) == 8
    assert backwards.status_code == 422 and "fin" in backwards.json()["detail"]


def test_only_the_admin_changes_the_loan_rules(client, as_role, clock):
    assert (
        client.patch("/api/v1/loan-rules/car", headers=as_role["coordinator"], json={"max_days": 30}).status_code == 403
    )
    changed = client.patch("/api/v1/loan-rules/car", headers=as_role["admin"], json={"max_days": 30})
    assert changed.json() == {"vehicle_kind": "car", "turnaround_hours": 24.0, "max_days": 30}

    too_long = client.post(
        "/api/v1/bookings",
        headers=as_role["coordinator"],
        json={
            "participant_id": make_participant(client, as_role["coordinator"]),
            "vehicle_id": listed_vehicle_id(client, as_role["admin"], "car-01"),
            "starts_at": clock.now.isoformat(),
            "ends_at": (clock.now + timedelta(days=31)).isoformat(),
        },
    )
    assert too_long.status_code == 409 and "au plus 30 jours" in too_long.json()["detail"]


def test_the_activity_report_as_json_and_csv(client, as_role, clock):
    coordinator = as_role["coordinator"]
    month = clock.now.strftime("%Y-%m")

    report = client.get("/api/v1/reports/activity", headers=coordinator, params={"from": month, "to": month})
    sheet = client.get("/api/v1/reports/activity.csv", headers=login(client, "fleet_manager"), params={"from": month})
    bad = client.get("/api/v1/reports/activity", headers=coordinator, params={"from": "2026-13"})

    assert report.status_code == 200
    assert report.json()["rows"][-1]["intercommunality"] == "Total"
    assert sheet.status_code == 200 and sheet.headers["content-type"].startswith("text/csv")
    assert sheet.text.splitlines()[0].startswith("mois;intercommunalité;personnes suivies")
    assert bad.status_code == 422


def test_the_bookings_list_filters_by_status_vehicle_and_period(client, as_role, clock):
    coordinator = as_role["coordinator"]
    car = listed_vehicle_id(client, coordinator, "car-02")
    soon = validated_loan(
        client,
        coordinator,
        participant=make_participant(client, coordinator),
        vehicle=car,
        starts_at=clock.now + timedelta(days=1),
        days=5,
    )
    later = request_loan(
        client,
        coordinator,
        participant=make_participant(client, coordinator),
        vehicle=car,
        starts_at=clock.now + timedelta(days=30),
        days=5,
    )

    def ids(**params) -> list[int]:
        response = client.get("/api/v1/bookings", headers=as_role["fleet_manager"], params=params)
        assert response.status_code == 200, response.text
        return [loan["id"] for loan in response.json()]

    assert ids(vehicle_id=car) == [later["id"], soon["id"]]
    assert ids(status="validated") == [soon["id"]]
    assert ids(vehicle_id=car, **{"from": (clock.now + timedelta(days=10)).isoformat()}) == [later["id"]]
    assert ids(vehicle_id=car, to=(clock.now + timedelta(days=10)).isoformat()) == [soon["id"]]
