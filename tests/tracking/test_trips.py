"""Trips and stops from ignition and motion."""

from datetime import UTC, datetime, timedelta

import pytest

from tracking.trips import Fix, find_trips

T0 = datetime(2026, 11, 25, 7, 0, tzinfo=UTC)


def drive(start: datetime, minutes: int, *, lat: float, lon: float, step_deg: float = 0.001) -> list[Fix]:
    """One fix every 10 s, ignition on, moving east."""
    return [Fix(start + timedelta(seconds=10 * i), lat, lon + step_deg * i, 40.0, True) for i in range(minutes * 6)]


def park(start: datetime, minutes: int, *, lat: float, lon: float) -> list[Fix]:
    return [Fix(start + timedelta(seconds=10 * i), lat, lon, 0.0, False) for i in range(minutes * 6)]


def test_two_drives_around_a_long_stop_make_two_trips_and_one_stop():
    fixes = (
        park(T0, 5, lat=43.7, lon=-1.10)
        + drive(T0 + timedelta(minutes=5), 10, lat=43.7, lon=-1.10)
        + park(T0 + timedelta(minutes=15), 30, lat=43.7, lon=-1.04)
        + drive(T0 + timedelta(minutes=45), 5, lat=43.7, lon=-1.04)
    )

    trips, stops = find_trips(fixes)

    assert len(trips) == 2 and len(stops) == 1
    assert trips[0].started_at == T0 + timedelta(minutes=5)
    assert trips[0].duration_s == pytest.approx(10 * 60 - 10)
    # 59 steps of 0.001° of longitude at 43.7° N: about 4.8 km
    assert trips[0].distance_km == pytest.approx(59 * 0.001 * 111.195 * 0.7230, rel=0.01)
    assert stops[0].started_at == trips[0].ended_at and stops[0].ended_at == trips[1].started_at
    assert stops[0].duration_s > 30 * 60


def test_a_short_halt_with_the_engine_off_stays_inside_the_trip():
    fixes = (
        drive(T0, 5, lat=43.7, lon=-1.1)
        + park(T0 + timedelta(minutes=5), 2, lat=43.7, lon=-1.07)
        + drive(T0 + timedelta(minutes=7), 5, lat=43.7, lon=-1.07)
    )

    trips, stops = find_trips(fixes)

    assert len(trips) == 1 and stops == []


def test_a_gap_in_the_data_ends_the_trip_and_speed_alone_counts_as_motion():
    bike = [Fix(T0 + timedelta(seconds=10 * i), 43.7, -1.1 + 0.0005 * i, 15.0, None) for i in range(30)]
    later = [Fix(T0 + timedelta(hours=1, seconds=10 * i), 43.7, -1.0 + 0.0005 * i, 15.0, None) for i in range(30)]

    trips, stops = find_trips(bike + later)

    assert len(trips) == 2 and len(stops) == 1
    assert find_trips([Fix(T0, 43.7, -1.1, 1.0, None)]) == ([], [])
