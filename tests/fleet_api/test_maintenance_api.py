"""Maintenance and alerts through the API: the due list, plans, service records, acknowledgement."""

from __future__ import annotations

from datetime import timedelta

from alerts.raising import AlertDraft, open_alerts
from fleetbase.db import connect


def _drive(conn, vehicle: int, *, km: float, at) -> None:
    conn.execute(
        "INSERT INTO positions (vehicle_id, fix_time, tracker_id, lat, lon, effective_odometer_km)"
        " VALUES (%(v)s, %(at)s, 'synthetic', 43.7, -1.05, %(km)s)",
        {"v": vehicle, "at": at, "km": km},
    )
    conn.execute(
        "INSERT INTO vehicle_state (vehicle_id, fix_time, lat, lon, effective_odometer_km, last_seen_at)"
        " VALUES (%(v)s, %(at)s, 43.7, -1.05, %(km)s, %(at)s) ON CONFLICT (vehicle_id) DO UPDATE"
        " SET effective_odometer_km = EXCLUDED.effective_odometer_km",
        {"v": vehicle, "at": at, "km": km},
    )


def test_the_due_list_is_most_urgent_first_and_a_service_record_resets_a_task(client, as_role, api_db, clock):
    mechanic = as_role["mechanic"]
    with connect(api_db, autocommit=True) as conn:
        scooters = [
            conn.execute("SELECT id FROM vehicles WHERE label = %(l)s", {"l": label}).fetchone()["id"]
            for label in ("scooter-10", "scooter-11")
        ]
    for scooter in scooters:  # every task recorded today: nothing due but what the odometer says
        response = client.post(
            f"/api/v1/vehicles/{scooter}/service-records",
            headers=mechanic,
            json={
                "performed_on": clock.now.date().isoformat(),
                "odometer_km": 0,
                "tasks": ["service", "transmission", "tyres", "controle_technique"],
            },
        )
        assert response.status_code == 201, response.text
    with connect(api_db, autocommit=True) as conn:
        conn.execute("UPDATE vehicles SET insurance_expires_on = NULL")
        _drive(conn, scooters[0], km=1_400, at=clock.now - timedelta(days=1))  # tyres due soon (1,500)
        _drive(conn, scooters[1], km=3_400, at=clock.now - timedelta(days=1))  # service overdue (3,000 + 300)

    due = client.get("/api/v1/maintenance/due", headers=as_role["coordinator"]).json()
    ours = [(item["vehicle_id"], item["task"], item["level"]) for item in due if item["vehicle_id"] in scooters]
    # Both overdue: the one furthest past its point first (tyres, 1,900 km past; service, 400).
    assert ours == [
        (scooters[1], "tyres", "overdue"),
        (scooters[1], "service", "overdue"),
        (scooters[0], "tyres", "due_soon"),
    ]
    assert due[0]["level"] == "overdue"

    record = client.post(
        f"/api/v1/vehicles/{scooters[1]}/service-records",
        headers=mechanic,
        json={
            "performed_on": clock.now.date().isoformat(),
            "tasks": ["service", "tyres"],
            "cost_cents": 12000,
            "notes": "Vidange, pneus",
        },
    ).json()
    assert record["odometer_km"] == 3_400 and record["by_name"] == "Mécanicien de la plateforme"
    history = client.get(f"/api/v1/vehicles/{scooters[1]}/service-records", headers=mechanic).json()
    assert [entry["id"] for entry in history][0] == record["id"] and len(history) == 2
    assert not [
        item
        for item in client.get("/api/v1/maintenance/due", headers=mechanic).json()
        if item["vehicle_id"] == scooters[1]
    ]

    # Bad input: 4xx with {"error", "detail"}, never a 500.
    for body in (
        {"performed_on": "2999-01-01", "tasks": ["service"], "odometer_km": 1},
        {"performed_on": "2026-01-01", "tasks": []},
        {"performed_on": "2026-01-01", "tasks": ["Vidange!"]},
        {"performed_on": "2026-01-01", "tasks": ["service"], "odometer_km": -5},
    ):
        response = client.post(f"/api/v1/vehicles/{scooters[1]}/service-records", headers=mechanic, json=body)
        assert response.status_code == 422 and set(response.json()) == {"error", "detail"}, body
    assert (
        client.post(
            "/api/v1/vehicles/999999/service-records",
            headers=mechanic,
            json={"performed_on": "2026-01-01", "tasks": ["service"], "odometer_km": 1},
        ).status_code
        == 404
    )
    assert client.get("/api/v1/maintenance/due?level=sideways", headers=mechanic).status_code == 422


def test_plans_are_editable_per_kind_and_per_vehicle(client, as_role, api_db):
    manager = as_role["fleet_manager"]
    updated = client.put(
        "/api/v1/maintenance/plans/scooter/service",
        headers=as_role["mechanic"],
        json={"label": "Révision", "every_km": 2500, "every_months": 12, "soon_km": 250, "soon_days": 30},
    )
    assert updated.status_code == 200 and updated.json()["every_km"] == 2500
    override = client.put(
        "/api/v1/vehicles/1/maintenance-plans/service",
        headers=manager,
        json={"label": "Révision (usage intensif)", "every_km": 10000, "soon_km": 500},
    )
    assert override.json()["vehicle_id"] == 1
    plan = {row["task"]: row for row in client.get("/api/v1/vehicles/1/maintenance-plans", headers=manager).json()}
    assert plan["service"]["label"] == "Révision (usage intensif)" and "controle_technique" in plan
    assert client.delete("/api/v1/vehicles/1/maintenance-plans/service", headers=manager).status_code == 204
    plan = {row["task"]: row for row in client.get("/api/v1/vehicles/1/maintenance-plans", headers=manager).json()}
    assert plan["service"]["vehicle_id"] is None
    for body in (
        {"label": "x"},
        {"label": "x", "every_km": -1},
        {"label": "x", "every_km": 1, "extra": 1},
        {"label": "CT", "rule": "controle_technique", "every_km": 10},
    ):
        response = client.put("/api/v1/maintenance/plans/car/service", headers=manager, json=body)
        assert response.status_code == 422 and set(response.json()) == {"error", "detail"}, body
    assert (
        client.put(
            "/api/v1/maintenance/plans/bus/service", headers=manager, json={"label": "x", "every_km": 1}
        ).status_code
        == 422
    )


def test_each_role_sees_its_own_alerts_and_acknowledges_them(client, as_role, api_db, clock):
    with connect(api_db, autocommit=True) as conn:
        mechanic_alert, manager_alert = open_alerts(
            conn,
            [
                AlertDraft("maintenance_due", "warning", "mechanic", 1, None, "Révision à faire.", "t:1"),
                AlertDraft("tracker_silent", "warning", "fleet_manager", 2, None, "Traceur muet.", "t:2"),
            ],
            now=clock.now,
        )
    mine = client.get("/api/v1/alerts", headers=as_role["mechanic"]).json()
    assert [alert["id"] for alert in mine] == [mechanic_alert]
    assert {alert["id"] for alert in client.get("/api/v1/alerts", headers=as_role["admin"]).json()} >= {
        mechanic_alert,
        manager_alert,
    }
    assert client.post(f"/api/v1/alerts/{manager_alert}/ack", headers=as_role["mechanic"]).status_code == 404
    acknowledged = client.post(f"/api/v1/alerts/{mechanic_alert}/ack", headers=as_role["mechanic"]).json()
    assert acknowledged["status"] == "acknowledged" and acknowledged["acknowledged_at"] is not None
    assert client.get("/api/v1/alerts?status=open", headers=as_role["mechanic"]).json() == []
    assert (
        client.get("/api/v1/alerts?kind=maintenance_due&vehicle_id=1", headers=as_role["mechanic"]).json()[0]["id"]
        == mechanic_alert
    )
    with connect(api_db, autocommit=True) as conn:
        conn.execute("UPDATE alerts SET status = 'resolved' WHERE id = %(id)s", {"id": manager_alert})
    assert client.post(f"/api/v1/alerts/{manager_alert}/ack", headers=as_role["fleet_manager"]).status_code == 409
    assert client.get("/api/v1/alerts?status=everything", headers=as_role["mechanic"]).status_code == 422


def test_an_insurance_date_set_on_the_vehicle_comes_due(client, as_role, clock):
    expires_on = (clock.now + timedelta(days=10)).date()
    patched = client.patch(
        "/api/v1/vehicles/1", headers=as_role["fleet_manager"], json={"insurance_expires_on": expires_on.isoformat()}
    )
    assert patched.status_code == 200 and patched.json()["insurance_expires_on"] == expires_on.isoformat()
    [insurance] = [
        item
        for item in client.get("/api/v1/maintenance/due?vehicle_id=1", headers=as_role["mechanic"]).json()
        if item["task"] == "insurance"
    ]
    assert insurance["level"] == "due_soon" and insurance["remaining_days"] in (9, 10, 11)
