"""The effective odometer counts real kilometres only."""

from datetime import UTC, datetime, timedelta

from geographiclib.geodesic import Geodesic

from ingest.odometer import Fix, OdometerState, advance


def km_between(lat_a: float, lon_a: float, lat_b: float, lon_b: float) -> float:
    """The WGS 84 geodesic distance, straight from geographiclib (not through the code under test)."""
    return Geodesic.WGS84.Inverse(lat_a, lon_a, lat_b, lon_b, Geodesic.DISTANCE)["s12"] / 1000


T0 = datetime(2026, 11, 25, 8, 0, tzinfo=UTC)


def drive(points, *, kind="scooter", reported=None, acc=None):
    state, steps = OdometerState(), []
    for index, (minutes, lat, lon) in enumerate(points):
        step = advance(
            state,
            fix=Fix(T0 + timedelta(minutes=minutes), lat, lon),
            acc_m=acc[index] if acc else 5.0,
            reported_km=reported[index] if reported else None,
            kind=kind,
            max_accuracy_m=100.0,
        )
        state = step.state
        steps.append(step)
    return steps


def test_a_trip_counts_its_geodesic_distance():
    steps = drive([(0, 43.70, -1.05), (2, 43.71, -1.05), (4, 43.72, -1.05)])
    expected = km_between(43.70, -1.05, 43.72, -1.05)
    assert abs(steps[-1].effective_km - expected) < 0.01


def test_a_gps_jump_adds_nothing_and_the_track_resumes():
    steps = drive([(0, 43.70, -1.05), (1, 43.705, -1.05), (2, 48.85, 2.35), (3, 43.71, -1.05)])

    assert [step.flag for step in steps] == [None, None, "gps_jump", None]
    assert steps[2].effective_km == steps[1].effective_km
    assert steps[-1].effective_km < 1.2


def test_a_vehicle_really_moved_far_is_followed_without_counting_the_move():
    steps = drive([(0, 43.70, -1.05), (1, 43.55, -1.46), (2, 43.551, -1.46), (3, 43.552, -1.46)])

    assert [step.flag for step in steps] == [None, "gps_jump", "relocated", None]
    assert steps[-1].effective_km < 0.2


def test_a_parked_vehicle_gains_nothing_from_gps_jitter():
    points = [(minute * 5, 43.70 + (minute % 2) * 0.0001, -1.05) for minute in range(100)]
    assert drive(points)[-1].effective_km == 0.0


def test_imprecise_fixes_are_not_counted():
    steps = drive([(0, 43.70, -1.05), (1, 43.705, -1.05), (2, 43.71, -1.05)], acc=[5, 500, 5])
    assert steps[1].flag == "poor_accuracy" and steps[1].effective_km == 0.0
    assert abs(steps[2].effective_km - km_between(43.70, -1.05, 43.71, -1.05)) < 0.01


def test_the_vehicles_own_odometer_wins_when_plausible():
    steps = drive(
        [(0, 43.70, -1.05), (10, 43.71, -1.05), (20, 43.72, -1.05)], kind="car", reported=[10_000.0, 10_001.2, 17_001.2]
    )

    assert steps[1].effective_km == 10_001.2
    assert steps[2].flag == "implausible_odometer"  # 7,000 km in ten minutes
    assert 10_002.0 < steps[2].effective_km < 10_002.5
