"""The scheduler's overdue job: active loans past their end, one coordinator alert each."""

from __future__ import annotations

from datetime import timedelta

import pytest

from fleetbase.errors import Conflict
from loans import inspections, service
from loans.overdue import mark_overdue_loans
from tests.factories import SIGNED, user_id
from tests.loans.factories import NOW, PARIS, active, make_participant, validated

DAY = timedelta(days=1)


def alerts(conn, loan_id: int) -> list[dict]:
    return conn.execute(
        "SELECT kind, target_role, status, message FROM alerts WHERE dedup_key = %(k)s",
        {"k": f"loan_overdue:{loan_id}"},
    ).fetchall()


def test_active_loans_past_their_end_become_overdue_once(conn):
    late = active(conn, participant=make_participant(conn), vehicle="scooter-05", starts_at=NOW, days=3)
    on_time = active(conn, participant=make_participant(conn), vehicle="scooter-06", starts_at=NOW, days=10)
    not_left = validated(conn, participant=make_participant(conn), vehicle="scooter-07", starts_at=NOW + DAY, days=1)

    marked = mark_overdue_loans(conn, now=NOW + 4 * DAY, zone=PARIS)
    again = mark_overdue_loans(conn, now=NOW + 4 * DAY + timedelta(hours=1), zone=PARIS)

    assert marked == [late["id"]] and again == []
    assert service.loan_detail(conn, late["id"], scope=None)["status"] == "overdue"
    assert service.loan_detail(conn, on_time["id"], scope=None)["status"] == "active"
    assert service.loan_detail(conn, not_left["id"], scope=None)["status"] == "validated"
    [alert] = alerts(conn, late["id"])
    assert (alert["kind"], alert["target_role"], alert["status"]) == ("loan_overdue", "coordinator", "open")
    assert "scooter-05 devait être rendu le 4 décembre 2026 à 09:00" in alert["message"]  # Paris time
    last = service.loan_detail(conn, late["id"], scope=None)["transitions"][-1]
    assert (last["from_status"], last["to_status"], last["by_user_id"]) == ("active", "overdue", None)


def test_check_in_of_an_overdue_loan_resolves_its_alert(conn):
    loan = active(conn, participant=make_participant(conn), vehicle="scooter-08", starts_at=NOW, days=2)
    mark_overdue_loans(conn, now=NOW + 3 * DAY, zone=PARIS)

    returned = inspections.check_in(
        conn,
        loan["id"],
        inspection={"odometer_km": 5100, **SIGNED},
        user_id=user_id(conn),
        now=NOW + 3 * DAY + timedelta(hours=2),
        zone=PARIS,
    )

    assert returned["status"] == "returned"
    assert [alert["status"] for alert in alerts(conn, loan["id"])] == ["resolved"]


def test_extending_an_overdue_loan_makes_it_active_again(conn):
    loan = active(conn, participant=make_participant(conn), vehicle="scooter-09", starts_at=NOW, days=2)
    mark_overdue_loans(conn, now=NOW + 3 * DAY, zone=PARIS)

    extended = service.extend_loan(
        conn,
        loan["id"],
        ends_at=NOW + 10 * DAY,
        reason="stage prolongé",
        user_id=user_id(conn),
        now=NOW + 3 * DAY,
        zone=PARIS,
    )

    assert extended["status"] == "active"
    assert [alert["status"] for alert in alerts(conn, loan["id"])] == ["resolved"]


def test_the_next_loan_cannot_leave_while_the_vehicle_is_still_out(conn):
    late = active(conn, participant=make_participant(conn), vehicle="scooter-10", starts_at=NOW, days=2)
    following = validated(
        conn, participant=make_participant(conn), vehicle="scooter-10", starts_at=NOW + 3 * DAY, days=5
    )
    mark_overdue_loans(conn, now=NOW + 3 * DAY, zone=PARIS)

    with pytest.raises(Conflict, match="pas encore rentré"):
        inspections.check_out(
            conn,
            following["id"],
            inspection={"odometer_km": 5000, **SIGNED},
            user_id=user_id(conn),
            now=NOW + 3 * DAY,
            zone=PARIS,
        )
    inspections.check_in(
        conn,
        late["id"],
        inspection={"odometer_km": 5200, **SIGNED},
        user_id=user_id(conn),
        now=NOW + 3 * DAY + timedelta(hours=1),
        zone=PARIS,
    )
    assert (
        inspections.check_out(
            conn,
            following["id"],
            inspection={"odometer_km": 5200, **SIGNED},
            user_id=user_id(conn),
            now=NOW + 3 * DAY + timedelta(hours=2),
            zone=PARIS,
        )["status"]
        == "active"
    )
