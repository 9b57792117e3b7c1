"""The simulator's own vehicles, GPS noise on, parked where a zone's border runs past.

A zone is drawn so that its border passes 1 m from where a vehicle parks at its
participant's home: every parked fix is on the border, give or take the noise. The
naive check flaps all night; the transitions follow only real comings and goings.
"""

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from device_sim.model import FleetModel, demo_vehicles
from geofence.index import ZoneIndex
from geofence.transitions import ENTER, EXIT, VehicleZones, advance
from geofence.zones import Zone, parse_shape
from tests.geofence.tracks import TrackFix, at_distance

START = datetime(2026, 11, 23, 5, 0, tzinfo=UTC)


def simulated(tracker_id: str, days: int) -> tuple[tuple[float, float], list[TrackFix]]:
    model = FleetModel(demo_vehicles([tracker_id]), start=START, seed=1, zone=ZoneInfo("Europe/Paris"))
    home = model.vehicles[tracker_id].position  # where it is parked when the run starts
    readings = [reading for _, reading in model.advance(START + timedelta(days=days))]
    return home, [TrackFix(r.ts, r.lat, r.lon, r.acc_m, ignition=r.ignition) for r in readings]


@pytest.mark.parametrize("tracker_id", ["car-01", "scooter-09", "ebike-01", "scooter-14"])
def test_a_border_past_the_parking_spot_flaps_naively_but_not_in_transitions(tracker_id):
    home, fixes = simulated(tracker_id, days=3)
    centre_lat, centre_lon = at_distance(home, 149.0, bearing_deg=0)
    circle = {"type": "Point", "coordinates": [centre_lon, centre_lat]}
    index = ZoneIndex([Zone(1, "bord", "other", None, circle, 150.0, None, parse_shape(circle, radius_m=150.0))])

    lons, lats = [fix.lon for fix in fixes], [fix.lat for fix in fixes]
    naive = index.placements(lons, lats)
    naive_changes = sum(a.inside != b.inside for a, b in zip(naive, naive[1:]))
    outcome = advance(VehicleZones(1), fixes, index.placements(lons, lats, [f.acc_m for f in fixes]), known_zones={1})
    types = [transition.type for transition in outcome.transitions]

    assert naive_changes >= 100
    assert 1 <= len(types) <= 10
    assert all(a != b for a, b in zip(types, types[1:]))  # enter, exit, enter...: never twice the same
    assert set(types) <= {ENTER, EXIT}
