"""One "today" everywhere: the plateforme's own zone (FLEET_TIMEZONE), whichever it is —
Paris, or Cayenne and Saint-Denis for the overseas plateformes — around local midnight
and a change to summer time, with the clock the test sets."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from fastapi.testclient import TestClient

from fleet_api.app import create_app
from fleetbase.db import connect
from scheduler.runner import Scheduler
from tests.fleet_api.conftest import api_settings
from tests.fleet_api.loan_helpers import active_loan, listed_vehicle_id, login, make_participant, request_loan
from tests.outside import FakeClock, maintenance_settings


def at(moment: str) -> datetime:
    return datetime.fromisoformat(moment.replace("Z", "+00:00"))


@pytest.mark.parametrize(
    "zone, now, checked_on, counts",
    [
        ("Europe/Paris", "2026-03-28T23:30:00Z", "2026-03-29", True),  # 00:30 in Paris, winter time
        ("Europe/Paris", "2026-03-29T22:30:00Z", "2026-03-30", True),  # 00:30 in Paris, summer time since 02:00
        ("Europe/Paris", "2026-03-29T21:59:00Z", "2026-03-30", False),  # 23:59 in Paris: not the 30th yet
        ("America/Cayenne", "2026-03-30T02:30:00Z", "2026-03-30", False),  # 23:30 on the 29th in Cayenne
        ("Indian/Reunion", "2026-03-29T20:30:00Z", "2026-03-30", True),  # 00:30 on the 30th in La Réunion
    ],
)
def test_a_licence_checked_today_counts_from_midnight_where_the_plateforme_is(
    api_db, clock, zone, now, checked_on, counts
):
    clock.now = at(now)
    with TestClient(create_app(api_settings(api_db, timezone=zone), clock=clock)) as client:
        coordinator = login(client, "coordinator")
        participant = make_participant(client, coordinator, licences=())
        assert (
            client.patch(
                f"/api/v1/participants/{participant}",
                headers=coordinator,
                json={"licences": [{"category": "B", "checked_on": checked_on}]},
            ).status_code
            == 200
        )
        response = client.post(
            "/api/v1/bookings",
            headers=coordinator,
            json={
                "participant_id": participant,
                "vehicle_id": listed_vehicle_id(client, coordinator, "car-01"),
                "starts_at": (clock.now + timedelta(days=1)).isoformat(),
                "ends_at": (clock.now + timedelta(days=8)).isoformat(),
            },
        )
    assert response.status_code == (201 if counts else 409), response.text
    if not counts:
        assert "permis B" in response.json()["detail"]


def test_loan_messages_and_the_overdue_alert_read_in_the_plateforme_s_zone(api_db, clock):
    clock.now = at("2026-10-20T08:00:00Z")
    with TestClient(create_app(api_settings(api_db, timezone="Indian/Reunion"), clock=clock)) as client:
        coordinator = login(client, "coordinator")
        car = listed_vehicle_id(client, coordinator, "car-02")
        loan = active_loan(
            client,
            coordinator,
            participant=make_participant(client, coordinator),
            vehicle=car,
            starts_at=at("2026-10-20T08:00:00Z"),
            days=5,
        )  # ends 25/10 at 12:00 in La Réunion
        refused = request_loan(
            client,
            coordinator,
            participant=make_participant(client, coordinator),
            vehicle=car,
            starts_at=at("2026-10-22T08:00:00Z"),
            expect=409,
        )
    assert "pris du 20 octobre 2026 à 12:00 au 26 octobre 2026 à 12:00" in refused["detail"]  # 24 h of turnaround

    clock = FakeClock(at("2026-10-26T06:00:00Z"))
    Scheduler(maintenance_settings(api_db, timezone="Indian/Reunion"), clock=clock).run_job("overdue_loans")
    with connect(api_db) as conn:
        [alert] = conn.execute(
            "SELECT message FROM alerts WHERE dedup_key = %(key)s", {"key": f"loan_overdue:{loan['id']}"}
        ).fetchall()
    assert "car-02 devait être rendu le 25 octobre 2026 à 12:00" in alert["message"]


@pytest.mark.parametrize(
    "zone, now, month",
    [
        (
            "Europe/Paris",
            "2026-10-31T23:30:00Z",
            "2026-11",
        ),  # 00:30 on 1 November in Paris (winter time since the 25th)
        ("America/Cayenne", "2026-11-01T02:30:00Z", "2026-10"),  # still 31 October, 23:30, in Cayenne
    ],
)
def test_the_activity_report_s_current_month_and_its_bounds_are_the_plateforme_s(api_db, clock, zone, now, month):
    clock.now = at(now)
    with TestClient(create_app(api_settings(api_db, timezone=zone), clock=clock)) as client:
        coordinator = login(client, "coordinator")
        # Checked out at 01:00 UTC on 1 November: November in Paris, still October in Cayenne.
        clock.now = at("2026-11-01T01:00:00Z")
        active_loan(
            client,
            coordinator,
            participant=make_participant(client, coordinator),
            vehicle=listed_vehicle_id(client, coordinator, "car-03"),
            starts_at=clock.now,
            days=3,
        )
        clock.now = at(now)
        report = client.get("/api/v1/reports/activity", headers=login(client, "coordinator")).json()
    assert (report["first_month"], report["last_month"]) == (month, month)
    [total] = [row for row in report["rows"] if row["intercommunality"] == "Total"]
    assert total["loans_started"] == 1
