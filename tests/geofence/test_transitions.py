"""Transitions across a noisy border: one enter and one exit, however long it hovers."""

from datetime import UTC, datetime, timedelta

import pytest

from geofence.geodesy import geodesic_distance_m
from geofence.index import ZoneIndex
from geofence.transitions import ENTER, EXIT, Confirmation, VehicleZones, advance
from geofence.zones import Zone, parse_shape
from tests.geofence.tracks import DAX, TrackFix, at_distance, hovering_track

START = datetime(2026, 11, 25, 7, 0, tzinfo=UTC)
DEPOT = {"type": "Point", "coordinates": [DAX[1], DAX[0]]}


def depot_index(radius_m: float = 150.0) -> ZoneIndex:
    return ZoneIndex(
        [Zone(1, "Dépôt de Dax", "depot", 1, DEPOT, radius_m, None, parse_shape(DEPOT, radius_m=radius_m))]
    )


def naive_transitions(fixes: list[TrackFix], radius_m: float) -> tuple[int, int]:
    """What a plain point-in-zone check reports: every change of inside/outside."""
    enters = exits = 0
    inside = None
    for fix in fixes:
        now_inside = geodesic_distance_m(fix.lon, fix.lat, DAX[1], DAX[0]) <= radius_m
        if inside is not None and now_inside != inside:
            enters, exits = enters + now_inside, exits + (not now_inside)
        inside = now_inside
    return enters, exits


def run(fixes, index, state=None, confirmation=Confirmation()):
    state = state or VehicleZones(vehicle_id=7)
    placements = index.placements([f.lon for f in fixes], [f.lat for f in fixes], [f.acc_m for f in fixes])
    return advance(state, fixes, placements, known_zones=set(index.zones), confirmation=confirmation)


@pytest.mark.parametrize("seed", range(12))
def test_a_vehicle_hovering_on_the_depot_border_enters_once_and_exits_once(seed):
    fixes = hovering_track(start=START, seed=seed)
    outcome = run(fixes, depot_index())

    naive_enters, naive_exits = naive_transitions(fixes, 150.0)
    types = [transition.type for transition in outcome.transitions]
    assert types == [ENTER, EXIT]
    assert naive_enters >= 5 and naive_exits >= 5, (naive_enters, naive_exits)


def test_the_transition_carries_the_fix_that_decided_it_and_when_the_crossing_began():
    fixes = hovering_track(start=START, seed=3)
    enter, leave = run(fixes, depot_index()).transitions

    assert enter.fixes >= 2 and enter.crossed_at < enter.fix.fix_time
    assert enter.fix in fixes and leave.fix in fixes
    assert geodesic_distance_m(leave.fix.lon, leave.fix.lat, DAX[1], DAX[0]) > 150


def test_the_same_track_cut_into_batches_gives_the_same_transitions():
    fixes = hovering_track(start=START, seed=5)
    index = depot_index()
    whole = run(fixes, index).transitions
    state, sliced = VehicleZones(vehicle_id=7), []
    for start in range(0, len(fixes), 7):
        outcome = run(fixes[start : start + 7], index, state)
        state, sliced = outcome.state, sliced + outcome.transitions

    assert [(t.type, t.fix) for t in sliced] == [(t.type, t.fix) for t in whole]


def fixes_at(distances_m, *, start=START, every=timedelta(seconds=30), acc_m=5.0):
    fixes = []
    for number, distance in enumerate(distances_m):
        lat, lon = at_distance(DAX, distance)
        fixes.append(TrackFix(start + number * every, lat, lon, acc_m))
    return fixes


def test_late_fixes_create_no_transition():
    index = depot_index()
    settled = run(fixes_at([40, 40]), index)  # first sight: inside, silently
    late = fixes_at([500, 500, 500, 500], start=START - timedelta(hours=1))
    outcome = run(late, index, settled.state)

    assert settled.transitions == [] and settled.state.inside(1)
    assert outcome.transitions == [] and outcome.late == 4 and outcome.state.inside(1)


def test_straddling_fixes_neither_flip_the_state_nor_break_a_run():
    index = depot_index()
    state = run(fixes_at([40]), index).state
    straddling = fixes_at([152] * 20, start=START + timedelta(minutes=1), acc_m=10)
    hovering = run(straddling, index, state)
    leaving = run(
        fixes_at([300, 152, 300, 300], start=START + timedelta(hours=1), acc_m=10),
        index,
        hovering.state,
        Confirmation(min_fixes=3, min_duration=timedelta(hours=1)),
    )

    assert hovering.transitions == [] and hovering.state.inside(1)
    assert [t.type for t in leaving.transitions] == [EXIT]


def test_two_agreeing_fixes_spanning_the_confirmation_time_are_enough():
    index = depot_index()
    state = run(fixes_at([40]), index).state
    outcome = run(
        fixes_at([400, 400], start=START + timedelta(minutes=5), every=timedelta(minutes=5)),
        index,
        state,
        Confirmation(min_fixes=3, min_duration=timedelta(minutes=2)),
    )

    assert [t.type for t in outcome.transitions] == [EXIT]


def test_one_stray_fix_outside_is_forgotten_when_the_next_one_is_inside():
    index = depot_index()
    state = run(fixes_at([40]), index).state
    outcome = run(fixes_at([400, 40, 400, 40, 400], start=START + timedelta(minutes=1)), index, state)

    assert outcome.transitions == [] and outcome.state.inside(1)
