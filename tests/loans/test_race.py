"""When a hold appears that the friendly check could not see (another transaction, not yet
committed), the database's exclusion constraint refuses the validation: a 409, not a 500."""

from __future__ import annotations

import threading
from datetime import timedelta

from fleetbase.db import connect
from fleetbase.errors import Conflict
from loans import service
from tests.factories import user_id, vehicle_id
from tests.loans.factories import NOW, PARIS, make_participant, request


def test_a_hold_committed_meanwhile_makes_the_validation_a_conflict(new_database):
    url = new_database()
    with connect(url) as conn:
        loan = request(conn, participant=make_participant(conn), vehicle="car-03", starts_at=NOW + timedelta(days=1))
        coordinator = user_id(conn)
        car = vehicle_id(conn, "car-03")
    other = connect(url)
    # Written without the vehicle's lock, as a careless writer would: invisible until committed.
    other.execute(
        "INSERT INTO loans (vehicle_id, status, starts_at, ends_at, held_until)"
        " VALUES (%(car)s, 'validated', %(start)s, %(end)s, %(end)s)",
        {"car": car, "start": NOW + timedelta(days=2), "end": NOW + timedelta(days=4)},
    )
    outcome: list[BaseException | dict] = []

    def validate() -> None:
        with connect(url) as conn:
            try:
                outcome.append(
                    service.validate_loan(conn, loan["id"], vehicle_id=None, user_id=coordinator, now=NOW, zone=PARIS)
                )
            except Conflict as refusal:
                outcome.append(refusal)
                conn.rollback()

    thread = threading.Thread(target=validate)
    thread.start()
    thread.join(timeout=1)
    assert thread.is_alive()  # waiting on the constraint for the other transaction's fate
    other.commit()
    other.close()
    thread.join(timeout=10)

    [refusal] = outcome
    assert isinstance(refusal, Conflict)
    assert "vient d'être réservé" in refusal.detail
    with connect(url) as conn:
        assert conn.execute("SELECT status FROM loans WHERE id = %(id)s", {"id": loan["id"]}).fetchone() == {
            "status": "requested"
        }
        assert (
            conn.execute(
                "SELECT count(*) AS n FROM loan_transitions WHERE loan_id = %(id)s AND to_status = 'validated'",
                {"id": loan["id"]},
            ).fetchone()["n"]
            == 0
        )


def test_without_the_other_hold_the_same_validation_passes(new_database):
    url = new_database()
    with connect(url) as conn:
        loan = request(conn, participant=make_participant(conn), vehicle="car-03", starts_at=NOW + timedelta(days=1))

        assert (
            service.validate_loan(conn, loan["id"], vehicle_id=None, user_id=user_id(conn), now=NOW, zone=PARIS)[
                "status"
            ]
            == "validated"
        )
