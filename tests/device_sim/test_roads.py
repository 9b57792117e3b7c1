"""Routes run along bent, road-like lines through real villages, never straight."""

from __future__ import annotations

import math

from shapely.geometry import LineString, Point, shape

from device_sim.roads import RoadNetwork, Spot, default_network, distance_m
from fleetbase.landes import PLACES, ROADS
from fleetbase.seed_data import SERVICE_AREA, SITES

DEPOTS = {site.code: Spot(f"depot-{site.code}", site.lat, site.lon, site.municipality) for site in SITES}


def largest_deviation_m(points) -> float:
    """How far the line strays from the straight line between its ends (flat metres)."""
    scale = 111_320.0 * math.cos(math.radians(points[0][0]))
    chord = LineString(
        [(points[0][1] * scale, points[0][0] * 111_320.0), (points[-1][1] * scale, points[-1][0] * 111_320.0)]
    )
    return max(chord.distance(Point(lon * scale, lat * 111_320.0)) for lat, lon in points)


def test_every_road_bends_like_a_road():
    network = default_network()
    for a, b in ROADS:
        route = network.route(
            Spot(f"centre-{a}", network.places[a].lat, network.places[a].lon, a),
            Spot(f"centre-{b}", network.places[b].lat, network.places[b].lon, b),
        )
        straight_m = distance_m(route.points[0], route.points[-1])

        assert route.length_m > straight_m * 1.01, (a, b)
        assert largest_deviation_m(route.points) > 30, (a, b)
        assert len(route.points) > straight_m / 400


def test_a_drive_between_depots_goes_through_the_villages_between_them():
    network = default_network()
    route = network.route(DEPOTS["DAX"], DEPOTS["TAR"])
    through = network.path("Dax", "Tarnos")

    assert len(through) >= 5
    assert route.length_m > 1.1 * distance_m(DEPOTS["DAX"].point, DEPOTS["TAR"].point)
    assert any(route.urban) and not all(route.urban)


def test_a_road_has_the_same_shape_both_ways_and_in_every_run():
    network, rebuilt = default_network(), RoadNetwork()
    there = network.route(DEPOTS["SVT"], DEPOTS["SOU"])
    back = rebuilt.route(DEPOTS["SOU"], DEPOTS["SVT"])

    assert there.points == back.points[::-1]
    assert math.isclose(there.length_m, back.length_m, rel_tol=1e-9)


def test_every_place_is_in_the_service_area_and_reachable_from_every_depot():
    area = shape(SERVICE_AREA)
    network = default_network()

    assert all(area.contains(Point(place.lon, place.lat)) for place in PLACES)
    for site in SITES:
        assert set(network.road_distances_m(site.municipality)) == {place.name for place in PLACES}


def test_a_position_along_a_route_moves_steadily_from_start_to_end():
    route = default_network().route(DEPOTS["PEY"], DEPOTS["DAX"])
    points = [route.position_at(metres) for metres in range(0, int(route.length_m), 500)]
    steps = [distance_m(a, b) for a, b in zip(points, points[1:])]

    assert route.position_at(0) == route.points[0]
    assert route.position_at(route.length_m + 10) == route.points[-1]
    assert all(400 <= step <= 500.5 for step in steps)
