"""The funders' activity report: per month (Paris) and intercommunality, JSON rows and CSV."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from fleetbase.errors import InvalidInput
from loans import inspections, participants, report
from tests.factories import SIGNED, user_id
from tests.loans.factories import PARIS, active, make_participant

START = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)
SEIGNANX = "Communauté de communes du Seignanx"
DAX = "Communauté d'agglomération du Grand Dax"


def test_loans_count_in_the_months_they_ran(conn):
    # 20 Nov → 10 Dec, back in December with 400 km; Seignanx resident, a Dax car.
    loan = active(
        conn,
        participant=make_participant(conn),
        vehicle="car-01",
        starts_at=START,
        days=20,
        now=START,
        odometer_km=1000,
    )
    inspections.check_in(
        conn,
        loan["id"],
        inspection={"odometer_km": 1400, **SIGNED},
        user_id=user_id(conn),
        now=START + timedelta(days=20),
        zone=PARIS,
    )
    # Still running at the end of the report (1 Dec → now = 16 Dec), a Dax resident.
    active(
        conn,
        participant=make_participant(conn, intercommunality=DAX),
        vehicle="scooter-01",
        starts_at=datetime(2026, 11, 30, 23, 0, tzinfo=UTC),
        days=30,
        now=datetime(2026, 11, 30, 23, 0, tzinfo=UTC),
    )

    rows = report.activity_report(
        conn, first=date(2026, 11, 1), last=date(2026, 12, 1), now=datetime(2026, 12, 16, 23, 0, tzinfo=UTC), zone=PARIS
    )
    by_key = {(row["month"], row["intercommunality"]): row for row in rows}

    november = by_key[("2026-11", SEIGNANX)]
    assert (november["participants"], november["loans_started"], november["loans_ended"], november["km"]) == (
        1,
        1,
        0,
        0,
    )
    assert november["loan_days"] == pytest.approx(10 + 14 / 24, abs=0.01)  # to Paris midnight (23:00 UTC)
    december = by_key[("2026-12", SEIGNANX)]
    assert (december["loans_started"], december["loans_ended"], december["km"]) == (0, 1, 400)
    # 23:00 UTC on 30 November is 1 December in Paris: a December loan.
    dax = by_key[("2026-12", DAX)]
    assert (dax["participants"], dax["loans_started"], dax["loan_days"]) == (1, 1, 16.0)
    assert by_key[("2026-11", DAX)]["loans_started"] == 0  # listed for its depot's utilisation only
    total = by_key[("2026-12", "Total")]
    assert (total["participants"], total["loans_started"], total["loans_ended"]) == (2, 1, 1)
    # 8 cars: one lent ~9.4 days of December's 31.
    assert total["utilisation"]["car"] == pytest.approx((9 + 9 / 24 + 1 / 24) / (8 * 31), abs=0.001)
    assert total["utilisation"]["ecar"] is None  # no electric car in the fleet yet


def test_the_csv_is_french_and_spreadsheet_ready(conn):
    rows = report.activity_report(
        conn, first=date(2026, 12, 1), last=date(2026, 12, 1), now=datetime(2026, 12, 16, tzinfo=UTC), zone=PARIS
    )

    lines = report.report_csv(rows).splitlines()

    assert lines[0].startswith("mois;intercommunalité;personnes suivies;prêts commencés")
    assert lines[-1] == "2026-12;Total;0;0;0;0;0;0;0;0;"  # no electric car: no rate
    assert "2026-12;Communauté de communes du Seignanx;0;0;0;0;0;0;0;0;" in lines


def test_months_must_be_in_order_and_bounded():
    with pytest.raises(InvalidInput):
        report.month_bounds(date(2026, 5, 1), date(2026, 4, 1), zone=PARIS)
    with pytest.raises(InvalidInput):
        report.month_bounds(date(2020, 1, 1), date(2026, 1, 1), zone=PARIS)
    assert [m[0] for m in report.month_bounds(date(2026, 11, 1), date(2027, 1, 1), zone=PARIS)] == [
        "2026-11",
        "2026-12",
        "2027-01",
    ]


def test_an_erasure_leaves_the_people_followed_unchanged(conn):
    person = make_participant(conn, intercommunality=DAX)
    for vehicle, start in (("car-01", START - timedelta(days=15)), ("car-02", START)):
        loan = active(conn, participant=person, vehicle=vehicle, starts_at=start, days=3, now=start, odometer_km=1000)
        inspections.check_in(
            conn,
            loan["id"],
            inspection={"odometer_km": 1100, **SIGNED},
            user_id=user_id(conn),
            now=start + timedelta(days=3),
            zone=PARIS,
        )
    other = make_participant(conn, intercommunality=DAX)
    active(conn, participant=other, vehicle="scooter-01", starts_at=START, days=5, now=START)

    def figures():
        return report.activity_report(
            conn, first=date(2026, 11, 1), last=date(2026, 11, 1), now=datetime(2026, 11, 30, tzinfo=UTC), zone=PARIS
        )

    before = figures()
    participants.erase_participant(conn, person, user_id=user_id(conn), now=datetime(2026, 11, 29, tzinfo=UTC))

    assert figures() == before
    assert next(row for row in before if row["intercommunality"] == DAX)["participants"] == 2
