"""The zone index agrees with shapely's plain predicates, pair by pair."""

import math
import random

import numpy as np
import shapely

from geofence.index import ZoneIndex
from geofence.zones import Zone, parse_shape


def random_zones(rng: random.Random, count: int) -> list[Zone]:
    zones = []
    for number in range(count):
        lon, lat = rng.uniform(-1.2, -1.0), rng.uniform(43.6, 43.75)
        if number % 3:
            geometry, size = {"type": "Point", "coordinates": [lon, lat]}, {"radius_m": rng.uniform(100, 1500)}
        else:
            reach = [rng.uniform(0.005, 0.02) for _ in range(12)]
            ring = [
                [lon + reach[k] * math.cos(k * math.pi / 6), lat + reach[k] * math.sin(k * math.pi / 6)]
                for k in range(12)
            ]
            geometry, size = {"type": "Polygon", "coordinates": [ring + [ring[0]]]}, {}
        zones.append(
            Zone(
                100 + number,
                f"z{number}",
                "other",
                None,
                geometry,
                size.get("radius_m"),
                None,
                parse_shape(geometry, **size),
            )
        )
    return zones


def test_inside_and_straddling_pairs_match_shapely_contains_and_dwithin():
    rng = random.Random(11)
    index = ZoneIndex(random_zones(rng, 60))
    generator = np.random.default_rng(11)
    lons, lats = generator.uniform(-1.22, -0.98, 3000), generator.uniform(43.58, 43.77, 3000)
    acc = generator.uniform(0, 40, 3000)

    fix_index, zone_ids, straddles = index.locate_many(lons, lats, acc)
    found = {(int(f), int(z)): bool(s) for f, z, s in zip(fix_index, zone_ids, straddles)}

    x, y = index.frame.forward(lons, lats)
    expected = {}
    for position, zone_id in enumerate(index.zone_ids.tolist()):
        area = index.areas[position]
        inside = shapely.contains_xy(area, x, y)
        near = shapely.dwithin(shapely.boundary(area), shapely.points(x, y), acc)
        for fix in np.flatnonzero(inside | near).tolist():
            expected[(fix, zone_id)] = bool(near[fix])
    assert found == expected
    assert sum(found.values()) > 50 and len(found) > 500  # both kinds of pair are exercised


def test_one_fix_distance_matches_the_vectorised_projection():
    rng = random.Random(5)
    index = ZoneIndex(random_zones(rng, 20))
    generator = np.random.default_rng(5)
    lons, lats = generator.uniform(-1.22, -0.98, 200), generator.uniform(43.58, 43.77, 200)
    x, y = index.frame.forward(lons, lats)
    for k in range(200):
        one_x, one_y = index.frame.forward_one(float(lons[k]), float(lats[k]))
        assert math.isclose(one_x, x[k], abs_tol=1e-6) and math.isclose(one_y, y[k], abs_tol=1e-6)
        zone_id = int(index.zone_ids[k % 20])
        expected = shapely.distance(index.areas[k % 20], shapely.Point(x[k], y[k]))
        assert math.isclose(index.distance_m(zone_id, float(lons[k]), float(lats[k])), expected, abs_tol=1e-6)
