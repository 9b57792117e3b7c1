"""Every action from every status: the lifecycle `requested → validated → active → returned`
(with rejected, cancelled, overdue) allows exactly these moves; any other is a 409."""

from __future__ import annotations

from datetime import timedelta

import pytest

from fleetbase.errors import Conflict
from loans import inspections, service
from loans.overdue import mark_overdue_loans
from tests.factories import SIGNED, user_id
from tests.loans.factories import NOW, PARIS, make_participant

DAY = timedelta(days=1)
STATUSES = ("requested", "validated", "active", "overdue", "returned", "rejected", "cancelled")
# action → statuses it may start from
ALLOWED = {
    "validate": {"requested"},
    "reject": {"requested"},
    "cancel": {"requested", "validated"},
    "deposit": {"requested", "validated"},
    "checkout": {"validated"},
    "checkin": {"active", "overdue"},
    "extend": {"validated", "active", "overdue"},
}
LATER = NOW + 5 * DAY  # after the loans' end: what is active by then is overdue


def new_ebike(conn, number: int) -> int:
    return conn.execute(
        "INSERT INTO vehicles (label, kind, energy, home_site_id) VALUES (%(l)s, 'ebike', 'electric', 1) RETURNING id",
        {"l": f"test-ebike-{number}"},
    ).fetchone()["id"]


def loan_in(conn, status: str, number: int) -> int:
    coordinator = user_id(conn)
    loan = service.request_loan(
        conn,
        participant_id=make_participant(conn, licences=()),
        vehicle_id=new_ebike(conn, number),
        starts_at=NOW,
        ends_at=NOW + 3 * DAY,
        purpose=None,
        scope=None,
        user_id=coordinator,
        now=NOW,
        zone=PARIS,
    )["id"]
    if status == "rejected":
        service.reject_loan(conn, loan, reason="incomplet", user_id=coordinator, now=NOW)
    if status == "cancelled":
        service.cancel_loan(conn, loan, reason=None, scope=None, user_id=coordinator, now=NOW)
    if status in ("validated", "active", "overdue", "returned"):
        service.validate_loan(conn, loan, vehicle_id=None, user_id=coordinator, now=NOW, zone=PARIS)
        service.record_deposit(conn, loan, amount_cents=0, method="waived", user_id=coordinator, now=NOW)
    if status in ("active", "overdue", "returned"):
        inspections.check_out(
            conn, loan, inspection={"odometer_km": 10, **SIGNED}, user_id=coordinator, now=NOW, zone=PARIS
        )
    if status == "overdue":
        assert loan in mark_overdue_loans(conn, now=NOW + 4 * DAY, zone=PARIS)
    if status == "returned":
        inspections.check_in(
            conn, loan, inspection={"odometer_km": 20, **SIGNED}, user_id=coordinator, now=NOW + DAY, zone=PARIS
        )
    return loan


def act(conn, action: str, loan: int, *, now):
    coordinator = user_id(conn)
    calls = {
        "validate": lambda: service.validate_loan(
            conn, loan, vehicle_id=None, user_id=coordinator, now=now, zone=PARIS
        ),
        "reject": lambda: service.reject_loan(conn, loan, reason="non", user_id=coordinator, now=now),
        "cancel": lambda: service.cancel_loan(conn, loan, reason=None, scope=None, user_id=coordinator, now=now),
        "deposit": lambda: service.record_deposit(
            conn, loan, amount_cents=2000, method="cash", user_id=coordinator, now=now
        ),
        "checkout": lambda: inspections.check_out(
            conn, loan, inspection={"odometer_km": 10, **SIGNED}, user_id=coordinator, now=now, zone=PARIS
        ),
        "checkin": lambda: inspections.check_in(
            conn, loan, inspection={"odometer_km": 30, **SIGNED}, user_id=coordinator, now=now, zone=PARIS
        ),
        "extend": lambda: service.extend_loan(
            conn, loan, ends_at=NOW + 10 * DAY, reason=None, user_id=coordinator, now=now, zone=PARIS
        ),
    }
    return calls[action]()


@pytest.mark.parametrize("action", sorted(ALLOWED))
def test_each_action_from_each_status(conn, action):
    for number, status in enumerate(STATUSES):
        loan = loan_in(conn, status, number)
        now = NOW + 4 * DAY if status == "overdue" else NOW + DAY
        if status in ALLOWED[action]:
            assert act(conn, action, loan, now=now)["id"] == loan
        else:
            with pytest.raises(Conflict):
                with conn.transaction():
                    act(conn, action, loan, now=now)
