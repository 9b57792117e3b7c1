"""The audit log: read by administrators through `/api/v1/audit`, append-only in the
database for the service's own connection, and kept FLEET_AUDIT_RETENTION_DAYS."""

from __future__ import annotations

from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

import psycopg
import pytest

from fleetbase import audit_repository as audit
from fleetbase.db import connect
from tests.fleet_api.loan_helpers import listed_vehicle_id, make_participant, validated_loan


def _user(conn, username: str) -> int:
    return conn.execute("SELECT id FROM users WHERE username = %(u)s", {"u": username}).fetchone()["id"]


def test_an_administrator_reads_the_log_by_user_vehicle_participant_and_period(client, as_role, api_db, clock):
    coordinator, admin = as_role["coordinator"], as_role["admin"]
    person = make_participant(client, coordinator)
    car = listed_vehicle_id(client, coordinator, "car-03")
    loan = validated_loan(client, coordinator, participant=person, vehicle=car, starts_at=clock.now)
    export = client.get(f"/api/v1/participants/{person}/export", headers=coordinator)
    assert export.status_code == 200, export.text
    with connect(api_db) as conn:
        manager, coordinator_id = _user(conn, "manager"), _user(conn, "coordinator")
        audit.record(
            conn,
            user_id=manager,
            action="view_positions",
            subject_type="vehicle",
            subject_id=car,
            reason="theft",
            now=clock.now + timedelta(hours=1),
            details={"from": "x", "to": "y", "loan_ids": [loan["id"]], "note": None},
        )
        audit.record(
            conn,
            user_id=manager,
            action="incident_opened",
            subject_type="vehicle",
            subject_id=car,
            reason="Pas de nouvelles",
            now=clock.now + timedelta(hours=2),
            details={"incident_id": 1, "loan_id": loan["id"], "kind": "assistance_requested"},
        )
        audit.record(
            conn,
            user_id=manager,
            action="view_positions",
            subject_type="vehicle",
            subject_id=car + 1,
            reason="accident",
            now=clock.now - timedelta(days=3),
            details={"loan_ids": []},
        )

    def entries(**params):
        answer = client.get("/api/v1/audit", headers=admin, params=params)
        assert answer.status_code == 200, answer.text
        return [(entry["action"], entry["subject_id"], entry["username"]) for entry in answer.json()]

    assert entries(participant_id=person) == [
        ("incident_opened", str(car), "manager"),
        ("view_positions", str(car), "manager"),
        ("export_participant", str(person), "coordinator"),
    ]
    assert entries(vehicle_id=car) == [
        ("incident_opened", str(car), "manager"),
        ("view_positions", str(car), "manager"),
    ]
    assert entries(user_id=coordinator_id) == [("export_participant", str(person), "coordinator")]
    assert entries(action="view_positions", vehicle_id=car) == [("view_positions", str(car), "manager")]
    assert entries(
        user_id=manager,
        **{"from": (clock.now - timedelta(days=4)).isoformat(), "to": (clock.now - timedelta(days=2)).isoformat()},
    ) == [("view_positions", str(car + 1), "manager")]
    [_, look] = client.get("/api/v1/audit", headers=admin, params={"vehicle_id": car}).json()
    assert look["reason"] == "theft" and look["details"]["loan_ids"] == [loan["id"]]
    assert client.get("/api/v1/audit", headers=admin, params={"from": "2026-12-01T00:00:00"}).status_code == 422
    bad = client.get("/api/v1/audit", headers=admin, params={"limit": 0})
    assert bad.status_code == 422 and set(bad.json()) >= {"error", "detail"}
    assert client.get("/api/v1/audit", headers=as_role["fleet_manager"]).status_code == 403


def test_pages_follow_each_other_without_gap_or_repeat(client, as_role, api_db, clock):
    with connect(api_db) as conn:
        admin_id = _user(conn, "admin")
        for n in range(7):
            audit.record(
                conn,
                user_id=admin_id,
                action="webhook_set",
                subject_type="garage",
                subject_id=n,
                now=clock.now + timedelta(minutes=n),
            )
    seen, params = [], {"user_id": admin_id, "limit": 3}
    while True:
        answer = client.get("/api/v1/audit", headers=as_role["admin"], params=params)
        seen += [entry["subject_id"] for entry in answer.json()]
        if "link" not in answer.headers:
            break
        url, rel = answer.headers["link"].split(";")
        assert rel.strip() == 'rel="next"'
        params = {key: values[0] for key, values in parse_qs(urlsplit(url.strip("<> ")).query).items()}
    assert seen == [str(n) for n in reversed(range(7))]


def test_the_services_connection_can_neither_change_nor_remove_an_entry(api_db, clock):
    with connect(api_db) as conn:  # the role and URL the API and the scheduler use
        audit.record(
            conn,
            user_id=None,
            action="erase_participant",
            subject_type="participant",
            subject_id=1,
            now=clock.now - timedelta(days=400),
        )
        audit.record(
            conn,
            user_id=None,
            action="export_participant",
            subject_type="participant",
            subject_id=2,
            now=clock.now - timedelta(days=10),
        )
    statements = (
        "UPDATE audit_log SET reason = 'effacé'",
        "DELETE FROM audit_log",
        "DELETE FROM audit_log WHERE at < now() - interval '1 year'",
        "TRUNCATE audit_log",
    )
    for statement in statements:
        with connect(api_db) as conn, pytest.raises(psycopg.errors.InsufficientPrivilege, match="append-only"):
            conn.execute(statement)
    with connect(api_db) as conn:  # a setting left by some earlier expiry opens nothing
        conn.execute("SELECT expire_audit_log(365, %(now)s)", {"now": clock.now - timedelta(days=1000)})
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            conn.execute("DELETE FROM audit_log")
    with connect(api_db) as conn:
        assert conn.execute("SELECT count(*) AS n FROM audit_log").fetchone()["n"] == 2
        removed = conn.execute("SELECT expire_audit_log(365, %(now)s) AS n", {"now": clock.now}).fetchone()["n"]
        left = [row["action"] for row in conn.execute("SELECT action FROM audit_log")]
    assert removed == 1 and left == ["export_participant"]
