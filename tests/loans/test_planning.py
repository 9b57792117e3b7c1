"""The planning's bars (a loan cut to the period's days, lanes for loans that meet, repair
immobilisations) and the depot's day, on the seeded database."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from fleetbase.errors import InvalidInput
from loans import periods, planning
from loans.overdue import mark_overdue_loans
from maintenance import tickets
from tests.factories import user_id, vehicle_id
from tests.loans.factories import PARIS, active, make_participant, request, validated

NOW = datetime(2026, 12, 9, 9, 0, tzinfo=UTC)  # Wednesday 9 December, 10:00 in Paris
WEEK_50 = periods.parse_period(week="2026-W50", month=None, today=NOW.date())


def paris(day: int, hour: int, month: int = 12) -> datetime:
    return datetime(2026, month, day, hour, tzinfo=PARIS)


def rows_of(depots: list[dict], label: str) -> list[list[planning.Cell]]:
    return next(row["lanes"] for depot in depots for row in depot["vehicles"] if row["vehicle"]["label"] == label)


def bars(lanes) -> list[planning.Bar]:
    return [cell.bar for lane in lanes for cell in lane if cell.bar]


def test_weeks_and_months_are_read_in_french_with_their_neighbours():
    assert (WEEK_50.first_day, WEEK_50.last_day) == (date(2026, 12, 7), date(2026, 12, 13))
    assert WEEK_50.title == "Semaine 50, du 7 décembre au 13 décembre 2026"
    assert (WEEK_50.previous().key, WEEK_50.next().key) == ("2026-W49", "2026-W51")
    january = periods.parse_period(week=None, month="2027-01", today=NOW.date())
    assert (january.title, len(january.days), january.previous().key) == ("Janvier 2027", 31, "2026-12")
    assert periods.parse_period(week=None, month=None, today=NOW.date()) == WEEK_50
    with pytest.raises(InvalidInput):
        periods.parse_period(week="2026-W54", month=None, today=NOW.date())


def test_a_loan_is_a_bar_over_its_days_and_a_request_beside_it_takes_a_second_lane(conn):
    asked = request(
        conn,
        participant=make_participant(conn, first_name="Zoé", last_name="Bert"),
        vehicle="car-01",
        starts_at=paris(11, 9),
        days=5,
        now=NOW,
    )
    loan = validated(
        conn, participant=make_participant(conn), vehicle="car-01", starts_at=paris(9, 14), days=2.1, now=NOW
    )

    depots = planning.planning(
        conn, period=WEEK_50, now=NOW, zone=PARIS, site_id=None, vehicle_id=None, with_names=True
    )

    lanes = rows_of(depots, "car-01")
    assert len(lanes) == 2 and all(sum(cell.bar.span if cell.bar else 1 for cell in lane) == 7 for lane in lanes)
    first, second = bars(lanes)
    assert (first.ref, first.status, first.first, first.span, first.who) == (
        loan["id"],
        "validated",
        2,
        3,
        "I. Lafitte",
    )
    assert (second.ref, second.status, second.first, second.span, second.after) == (
        asked["id"],
        "requested",
        4,
        3,
        True,
    )
    anonymous = planning.planning(
        conn, period=WEEK_50, now=NOW, zone=PARIS, site_id=None, vehicle_id=vehicle_id(conn, "car-01"), with_names=False
    )
    assert [depot["site_name"] for depot in anonymous] == [depots_of_car(depots)]
    assert {bar.who for bar in bars(rows_of(anonymous, "car-01"))} == {None}


def depots_of_car(depots: list[dict]) -> str:
    return next(
        depot["site_name"] for depot in depots for row in depot["vehicles"] if row["vehicle"]["label"] == "car-01"
    )


def test_an_immobilising_repair_shows_until_the_ticket_closes(conn):
    staff = tickets.Actor(user_id(conn, "manager"), "fleet_manager")
    ticket = tickets.create(
        conn,
        actor=staff,
        vehicle_id=vehicle_id(conn, "ebike-01"),
        garage_id=1,
        title="Roue voilée",
        description="",
        immobilised=True,
        tasks=[],
        now=paris(8, 11),
    )

    depots = planning.planning(
        conn, period=WEEK_50, now=NOW, zone=PARIS, site_id=None, vehicle_id=None, with_names=False
    )

    [bar] = bars(rows_of(depots, "ebike-01"))
    assert (bar.kind, bar.ref, bar.status, bar.first, bar.span, bar.ends_at, bar.title) == (
        "repair",
        ticket["id"],
        "immobilised",
        1,
        6,
        None,
        "Roue voilée",
    )


def test_the_depot_day_lists_todays_departures_and_the_returns_due_or_late(conn):
    person = make_participant(conn)
    leaving = validated(conn, participant=person, vehicle="scooter-01", starts_at=paris(9, 14), days=3, now=NOW)
    tomorrow = validated(conn, participant=person, vehicle="scooter-02", starts_at=paris(10, 9), days=3, now=NOW)
    coming_back = active(
        conn, participant=person, vehicle="scooter-03", starts_at=paris(2, 9), days=7.25, now=paris(2, 9)
    )
    late = active(conn, participant=person, vehicle="scooter-04", starts_at=paris(1, 9), days=7, now=paris(1, 9))
    mark_overdue_loans(conn, now=NOW, zone=PARIS)

    days = planning.depot_day(conn, now=NOW, zone=PARIS, site_id=None)

    departures = {loan["id"]: loan for day in days for loan in day["departures"]}
    returns = {loan["id"]: loan for day in days for loan in day["returns"]}
    assert leaving["id"] in departures and tomorrow["id"] not in departures
    assert departures[leaving["id"]]["participant_name"] == "Inès Lafitte"
    assert {coming_back["id"], late["id"]} <= set(returns)
    assert (returns[late["id"]]["late"], returns[coming_back["id"]]["late"]) == (True, False)
    assert len(days) == 5 and all(set(day) == {"site", "departures", "returns"} for day in days)
