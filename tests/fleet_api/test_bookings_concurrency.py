"""Fifty coordinators validate fifty overlapping requests for one vehicle at the same instant,
through the real HTTP server: one wins, the others get 409, nothing is half-written."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

import httpx

from fleet_api.app import create_app
from fleetbase.db import connect
from tests.fleet_api.conftest import Server, api_settings, bearer, token_for
from tests.fleet_api.loan_helpers import listed_vehicle_id, make_participant, request_loan

REQUESTS = 50


def test_fifty_concurrent_validations_of_overlapping_requests_one_succeeds(api_db):
    # The test settings' small pool (4 connections) serves the fifty: see test_deps.py.
    with Server(create_app(api_settings(api_db))) as server, httpx.Client(base_url=server.url, timeout=60) as client:
        coordinator = bearer(token_for(client, "coordinator"))
        scooter = listed_vehicle_id(client, coordinator, "scooter-12")
        start = datetime.now(UTC) + timedelta(days=2)
        loans = [
            request_loan(
                client,
                coordinator,
                participant=make_participant(client, coordinator, licences=("AM",)),
                vehicle=scooter,
                starts_at=start + timedelta(hours=index),
                days=5,
            )["id"]
            for index in range(REQUESTS)
        ]
        barrier = threading.Barrier(REQUESTS)
        answers: dict[int, httpx.Response] = {}

        def validate(loan_id: int) -> None:
            with httpx.Client(base_url=server.url, timeout=60) as own:
                barrier.wait()
                answers[loan_id] = own.post(f"/api/v1/bookings/{loan_id}/validate", headers=coordinator)

        threads = [threading.Thread(target=validate, args=(loan_id,)) for loan_id in loans]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=120)

    statuses = sorted(response.status_code for response in answers.values())
    assert statuses == [200] + [409] * (REQUESTS - 1)
    winner = next(loan_id for loan_id, response in answers.items() if response.status_code == 200)
    for response in answers.values():
        if response.status_code == 409:
            assert set(response.json()) == {"error", "detail"}
            assert "scooter-12" in response.json()["detail"]
    with connect(api_db) as conn:
        rows = conn.execute("SELECT id, status FROM loans WHERE id = ANY(%(ids)s)", {"ids": loans}).fetchall()
        validations = conn.execute(
            "SELECT loan_id FROM loan_transitions WHERE to_status = 'validated' AND loan_id = ANY(%(ids)s)",
            {"ids": loans},
        ).fetchall()
    assert {row["id"]: row["status"] for row in rows} == {
        loan_id: "validated" if loan_id == winner else "requested" for loan_id in loans
    }
    assert [row["loan_id"] for row in validations] == [winner]
