"""Incidents: opened, renewed and closed by staff with a written reason, closed by themselves
when not renewed, audited — and the only way a lent vehicle's history is shown."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from fastapi.testclient import TestClient

from fleet_api.app import create_app
from fleetbase.db import connect
from incidents.service import close_expired_incidents
from tests.fleet_api.conftest import DEMO_LOGINS, Clock, api_settings, bearer, token_for

DAY = datetime(2026, 11, 24, tzinfo=UTC)


@pytest.fixture
def fleet(api_db) -> dict:
    """car-01 lent from DAY 12:00 (active loan), with one fix a minute through DAY."""
    with connect(api_db) as conn:
        car = conn.execute("SELECT id FROM vehicles WHERE label = 'car-01'").fetchone()["id"]
        other = conn.execute("SELECT id FROM vehicles WHERE label = 'car-02'").fetchone()["id"]
        conn.execute(
            "INSERT INTO positions (vehicle_id, fix_time, tracker_id, lat, lon, speed_kmh, ignition)"
            " SELECT %(id)s, %(day)s + make_interval(mins => m), 'car-01', 43.70 + m * 0.0001, -1.05, 40, true"
            " FROM generate_series(0, 1439) AS m",
            {"id": car, "day": DAY},
        )
        loan = conn.execute(
            "INSERT INTO loans (vehicle_id, status, starts_at, ends_at, held_until, checked_out_at)"
            " VALUES (%(id)s, 'active', %(start)s, %(end)s, %(end)s, %(start)s) RETURNING id",
            {"id": car, "start": DAY + timedelta(hours=12), "end": DAY + timedelta(days=7)},
        ).fetchone()["id"]
    return {"car": car, "other": other, "loan": loan}


def make_client(api_db, clock, **overrides) -> TestClient:
    return TestClient(create_app(api_settings(api_db, **overrides), clock=clock))


@pytest.fixture
def clock() -> Clock:
    return Clock(DAY + timedelta(hours=20))


@pytest.fixture
def api(api_db, clock):
    with make_client(api_db, clock, incident_lookback_hours=2, incident_auto_close_days=3) as client:
        sign_in(client)
        yield client


def sign_in(client) -> None:
    """Fresh tokens for every role (a token lasts hours; the tests move days)."""
    client.roles = {role: bearer(token_for(client, username)) for role, username in DEMO_LOGINS.items()}


def at(text: str) -> datetime:
    return datetime.fromisoformat(text)


def audit_actions(api_db) -> list[dict]:
    with connect(api_db) as conn:
        return conn.execute(
            "SELECT user_id, action, subject_type, subject_id, reason, details FROM audit_log ORDER BY id"
        ).fetchall()


def open_incident(api, vehicle: int, *, kind="theft_suspected", role="fleet_manager", expect=201, **extra):
    response = api.post(
        "/api/v1/incidents",
        headers=api.roles[role],
        json={
            "vehicle_id": vehicle,
            "kind": kind,
            "reason": "Le participant signale un vol devant son domicile.",
            **extra,
        },
    )
    assert response.status_code == expect, response.text
    return response.json()


def day_window(**extra) -> dict:
    return {"from": DAY.isoformat(), "to": (DAY + timedelta(days=1)).isoformat()} | extra


def test_a_manager_opens_an_incident_on_the_lent_vehicle_with_a_reason_and_it_is_audited(api, api_db, fleet, clock):
    incident = open_incident(api, fleet["car"])

    assert incident["status"] == "open" and incident["loan_id"] == fleet["loan"]
    assert at(incident["opened_at"]) == clock.now
    assert at(incident["expires_at"]) == clock.now + timedelta(days=3)
    assert at(incident["positions_from"]) == clock.now - timedelta(hours=2)
    (row,) = audit_actions(api_db)
    assert (row["action"], row["subject_type"], row["subject_id"]) == ("incident_opened", "vehicle", str(fleet["car"]))
    assert row["details"]["incident_id"] == incident["id"] and row["details"]["loan_id"] == fleet["loan"]
    assert "vol" in row["reason"]
    listed = api.get("/api/v1/incidents", headers=api.roles["coordinator"], params={"status": "open"}).json()
    assert [item["id"] for item in listed] == [incident["id"]]


def test_an_incident_needs_a_reason_one_at_a_time_and_not_returned_needs_an_overdue_loan(api, fleet):
    blank = api.post(
        "/api/v1/incidents",
        headers=api.roles["admin"],
        json={"vehicle_id": fleet["car"], "kind": "accident", "reason": "   "},
    )
    assert blank.status_code == 422 and blank.json()["error"] == "InvalidInput"
    refused = open_incident(api, fleet["car"], kind="not_returned", expect=409)
    assert "retard" in refused["detail"]
    first = open_incident(api, fleet["car"], kind="accident")
    second = open_incident(api, fleet["car"], kind="assistance_requested", expect=409)
    assert f"n° {first['id']}" in second["detail"]
    assert open_incident(api, 999_999, expect=404)["error"] == "NotFound"
    assert open_incident(api, fleet["car"], role="coordinator", expect=403)["error"] == "Forbidden"


def test_a_lent_vehicle_s_history_is_refused_whatever_reason_is_typed(api, api_db, fleet):
    url = f"/api/v1/vehicles/{fleet['car']}/positions"
    for path in (url, f"{url}.csv", f"{url}.gpx", f"/api/v1/vehicles/{fleet['car']}/trips"):
        refused = api.get(path, headers=api.roles["admin"], params=day_window())
        assert refused.status_code == 403, path
        assert "incident" in refused.json()["detail"]
    typed = api.get(url, headers=api.roles["fleet_manager"], params=day_window(reason="theft"))
    assert typed.status_code == 422 and "incident_id" in typed.json()["detail"]
    assert audit_actions(api_db) == []


def test_during_an_incident_the_history_starts_at_most_the_lookback_before_it_and_each_look_is_audited(
    api, api_db, fleet, clock
):
    incident = open_incident(api, fleet["car"])
    url = f"/api/v1/vehicles/{fleet['car']}/positions"

    seen = api.get(url, headers=api.roles["fleet_manager"], params=day_window(incident_id=incident["id"]))
    assert seen.status_code == 200, seen.text
    body = seen.json()
    assert at(body["from"]) == clock.now - timedelta(hours=2)  # moved up to the incident's reach
    assert body["total_points"] == 6 * 60 and at(body["positions"][0]["fix_time"]) == at(body["from"])
    csv = api.get(f"{url}.csv", headers=api.roles["admin"], params=day_window(incident_id=incident["id"]))
    assert csv.status_code == 200 and len(csv.text.splitlines()) == 1 + 6 * 60
    looks = [row for row in audit_actions(api_db) if row["action"] != "incident_opened"]
    assert [row["action"] for row in looks] == ["view_positions", "export_positions"]
    assert looks[0]["details"]["incident_id"] == incident["id"] and looks[0]["reason"] == "theft_suspected"
    assert looks[0]["details"]["loan_ids"] == [fleet["loan"]]

    coordinator = api.get(url, headers=api.roles["coordinator"], params=day_window(incident_id=incident["id"]))
    assert coordinator.status_code == 403
    elsewhere = api.get(
        f"/api/v1/vehicles/{fleet['other']}/positions",
        headers=api.roles["admin"],
        params=day_window(incident_id=incident["id"]),
    )
    assert elsewhere.status_code == 403 and "pas ouvert sur ce véhicule" in elsewhere.json()["detail"]
    before = api.get(
        url,
        headers=api.roles["admin"],
        params={"from": DAY.isoformat(), "to": (DAY + timedelta(hours=6)).isoformat(), "incident_id": incident["id"]},
    )
    assert before.status_code == 403 and "précède" in before.json()["detail"]

    closed = api.post(
        f"/api/v1/incidents/{incident['id']}/close",
        headers=api.roles["fleet_manager"],
        json={"outcome": "Véhicule retrouvé sur le parking de la gare."},
    )
    assert closed.status_code == 200 and closed.json()["status"] == "closed"
    assert api.get(url, headers=api.roles["admin"], params=day_window(incident_id=incident["id"])).status_code == 403
    assert audit_actions(api_db)[-1]["action"] == "incident_closed"
    assert (
        api.post(
            f"/api/v1/incidents/{incident['id']}/close", headers=api.roles["admin"], json={"outcome": "encore"}
        ).status_code
        == 409
    )


def test_an_incident_not_renewed_closes_by_itself_and_a_renewed_one_stays_open(api, api_db, fleet, clock):
    incident = open_incident(api, fleet["car"])
    clock.advance(days=2)
    sign_in(api)
    renewed = api.post(
        f"/api/v1/incidents/{incident['id']}/renew",
        headers=api.roles["admin"],
        json={"reason": "Le véhicule n'est toujours pas retrouvé."},
    )
    assert renewed.status_code == 200
    assert at(renewed.json()["expires_at"]) == clock.now + timedelta(days=3)
    assert [r["reason"] for r in renewed.json()["renewals"]] == ["Le véhicule n'est toujours pas retrouvé."]

    clock.advance(days=2)
    with connect(api_db) as conn:
        assert close_expired_incidents(conn, now=clock.now, auto_close_after=timedelta(days=3)) == []
    clock.advance(days=1, seconds=1)
    sign_in(api)
    url = f"/api/v1/vehicles/{fleet['car']}/positions"
    # past its expiry it shows nothing, even before the scheduler has closed it
    assert api.get(url, headers=api.roles["admin"], params={"incident_id": incident["id"]}).status_code == 403
    with connect(api_db) as conn:
        assert close_expired_incidents(conn, now=clock.now, auto_close_after=timedelta(days=3)) == [incident["id"]]
    shown = api.get(f"/api/v1/incidents/{incident['id']}", headers=api.roles["coordinator"]).json()
    assert shown["status"] == "closed" and shown["closed_by"] is None
    assert at(shown["closed_at"]) == at(shown["expires_at"])
    last = audit_actions(api_db)[-1]
    assert (last["action"], last["user_id"], last["details"]["automatic"]) == ("incident_closed", None, True)
    assert (
        api.post(
            f"/api/v1/incidents/{incident['id']}/renew", headers=api.roles["admin"], json={"reason": "trop tard"}
        ).status_code
        == 409
    )


def test_under_the_precise_policy_a_lent_vehicle_s_history_is_shown_and_audited(api_db, fleet, clock):
    with make_client(api_db, clock, loan_location_policy="precise") as client:
        headers = bearer(token_for(client, "manager"))
        seen = client.get(f"/api/v1/vehicles/{fleet['car']}/trips", headers=headers, params=day_window())
        assert seen.status_code == 200
    (row,) = audit_actions(api_db)
    assert (row["action"], row["reason"], row["details"]["policy"]) == ("view_trips", "precise_policy", "precise")


def test_a_possible_theft_alert_offers_the_incident_that_answers_it(api, api_db, fleet):
    with connect(api_db) as conn:
        conn.execute(
            "INSERT INTO alerts (kind, severity, target_role, vehicle_id, message, dedup_key, created_at)"
            " VALUES ('possible_theft', 'critical', 'fleet_manager', %(car)s, 'Vol possible : car-02',"
            " 'possible_theft:vehicle:' || %(car)s, now())",
            {"car": fleet["other"]},
        )
    (alert,) = api.get("/api/v1/alerts", headers=api.roles["fleet_manager"], params={"kind": "possible_theft"}).json()
    offer = alert["incident_offer"]
    assert (offer["method"], offer["href"]) == ("POST", "/api/v1/incidents")
    assert offer["body"] | {"reason": ""} == {
        "vehicle_id": fleet["other"],
        "loan_id": None,
        "kind": "theft_suspected",
        "alert_id": alert["id"],
        "reason": "",
    }

    opened = api.post(
        offer["href"],
        headers=api.roles["fleet_manager"],
        json=offer["body"] | {"reason": "Sorti du dépôt de Dax contact mis, sans prêt."},
    )
    assert opened.status_code == 201 and opened.json()["alert_id"] == alert["id"]
    (alert,) = api.get("/api/v1/alerts", headers=api.roles["admin"], params={"kind": "possible_theft"}).json()
    assert alert["incident_id"] == opened.json()["id"] and alert["incident_offer"] is None
