"""Towns, villages and the roads between them in the south of the Landes.

No road network is available offline, so the project keeps a small hand-made graph:
real villages (approximate centres) joined where a departmental road joins them, each
road with a bent, road-like shape (`road_shapes`). The simulator drives on it
(`device_sim.roads`) and the web map draws it as its own base layer, so both show the
same roads. The five depot towns take their coordinates from the seed so that parked
vehicles sit in their depot's geofence.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass
from functools import lru_cache

from fleetbase.seed_data import SITES


@dataclass(frozen=True)
class Place:
    name: str
    lat: float
    lon: float
    town: bool  # has shops, employers and training centres; villages mostly homes
    radius_m: float  # the built-up area, where vehicles drive slower


_DEPOTS = {site.municipality: site for site in SITES}


def _depot(name: str, radius_m: float = 1800.0) -> Place:
    site = _DEPOTS[name]
    return Place(name, site.lat, site.lon, True, radius_m)


PLACES: tuple[Place, ...] = (
    _depot("Dax", 2500.0),
    _depot("Saint-Vincent-de-Tyrosse"),
    _depot("Peyrehorade", 1200.0),
    _depot("Tarnos", 2000.0),
    _depot("Soustons"),
    Place("Saint-Paul-lès-Dax", 43.7258, -1.0519, True, 1500.0),
    Place("Capbreton", 43.6428, -1.4289, True, 1500.0),
    Place("Labenne", 43.5953, -1.4250, True, 1000.0),
    Place("Ondres", 43.5636, -1.4442, True, 1000.0),
    Place("Seignosse", 43.6903, -1.3742, True, 900.0),
    Place("Narrosse", 43.7036, -1.0017, False, 600.0),
    Place("Saint-Vincent-de-Paul", 43.7464, -1.0036, False, 700.0),
    Place("Saint-Pandelon", 43.6719, -1.0433, False, 500.0),
    Place("Oeyreluy", 43.6722, -1.0790, False, 500.0),
    Place("Tercis-les-Bains", 43.6700, -1.1081, False, 600.0),
    Place("Heugas", 43.6456, -1.0786, False, 600.0),
    Place("Pouillon", 43.6047, -1.0017, False, 800.0),
    Place("Cagnotte", 43.6092, -1.0592, False, 500.0),
    Place("Saint-Lon-les-Mines", 43.6147, -1.1136, False, 600.0),
    Place("Labatut", 43.5511, -1.0103, False, 600.0),
    Place("Orthevielle", 43.5611, -1.1236, False, 500.0),
    Place("Hastingues", 43.5336, -1.1500, False, 400.0),
    Place("Port-de-Lanne", 43.5697, -1.1785, False, 500.0),
    Place("Saint-Étienne-d'Orthe", 43.5917, -1.1722, False, 500.0),
    Place("Sainte-Marie-de-Gosse", 43.5530, -1.2372, False, 500.0),
    Place("Saint-Martin-de-Hinx", 43.5839, -1.2678, False, 600.0),
    Place("Saint-Jean-de-Marsacq", 43.6200, -1.2394, False, 600.0),
    Place("Josse", 43.6419, -1.2300, False, 400.0),
    Place("Saubusse", 43.6697, -1.1822, False, 500.0),
    Place("Rivière-Saas-et-Gourby", 43.6806, -1.1511, False, 600.0),
    Place("Angoumé", 43.6906, -1.1367, False, 400.0),
    Place("Mées", 43.7047, -1.1133, False, 600.0),
    Place("Saint-Geours-de-Maremne", 43.6889, -1.2292, False, 700.0),
    Place("Magescq", 43.7822, -1.2197, False, 700.0),
    Place("Bénesse-Maremne", 43.6364, -1.3611, False, 700.0),
    Place("Orx", 43.6083, -1.3725, False, 400.0),
    Place("Saint-Martin-de-Seignanx", 43.5436, -1.3869, False, 800.0),
    Place("Saint-André-de-Seignanx", 43.5581, -1.3486, False, 500.0),
    Place("Biaudos", 43.5517, -1.3017, False, 500.0),
    Place("Angresse", 43.6589, -1.3719, False, 600.0),
    Place("Saubion", 43.6717, -1.3497, False, 500.0),
    Place("Tosse", 43.6908, -1.3344, False, 600.0),
    Place("Azur", 43.7892, -1.3072, False, 500.0),
    Place("Vieux-Boucau-les-Bains", 43.7886, -1.3986, False, 800.0),
)

# Pairs of places joined by a road (each pair once; roads run both ways).
ROADS: tuple[tuple[str, str], ...] = (
    ("Dax", "Saint-Paul-lès-Dax"),
    ("Dax", "Narrosse"),
    ("Dax", "Saint-Pandelon"),
    ("Dax", "Oeyreluy"),
    ("Saint-Paul-lès-Dax", "Saint-Vincent-de-Paul"),
    ("Saint-Paul-lès-Dax", "Mées"),
    ("Saint-Paul-lès-Dax", "Magescq"),
    ("Narrosse", "Saint-Vincent-de-Paul"),
    ("Saint-Pandelon", "Heugas"),
    ("Oeyreluy", "Tercis-les-Bains"),
    ("Tercis-les-Bains", "Rivière-Saas-et-Gourby"),
    ("Mées", "Angoumé"),
    ("Angoumé", "Rivière-Saas-et-Gourby"),
    ("Rivière-Saas-et-Gourby", "Saubusse"),
    ("Saubusse", "Saint-Geours-de-Maremne"),
    ("Saint-Geours-de-Maremne", "Saint-Vincent-de-Tyrosse"),
    ("Saint-Geours-de-Maremne", "Magescq"),
    ("Saint-Geours-de-Maremne", "Josse"),
    ("Josse", "Saint-Jean-de-Marsacq"),
    ("Saint-Jean-de-Marsacq", "Saint-Vincent-de-Tyrosse"),
    ("Saint-Jean-de-Marsacq", "Saint-Martin-de-Hinx"),
    ("Saint-Jean-de-Marsacq", "Saint-Étienne-d'Orthe"),
    ("Saint-Étienne-d'Orthe", "Port-de-Lanne"),
    ("Port-de-Lanne", "Orthevielle"),
    ("Orthevielle", "Peyrehorade"),
    ("Port-de-Lanne", "Sainte-Marie-de-Gosse"),
    ("Sainte-Marie-de-Gosse", "Saint-Martin-de-Hinx"),
    ("Sainte-Marie-de-Gosse", "Biaudos"),
    ("Saint-Martin-de-Hinx", "Biaudos"),
    ("Saint-Martin-de-Hinx", "Orx"),
    ("Biaudos", "Saint-André-de-Seignanx"),
    ("Saint-André-de-Seignanx", "Saint-Martin-de-Seignanx"),
    ("Saint-Martin-de-Seignanx", "Tarnos"),
    ("Saint-Martin-de-Seignanx", "Ondres"),
    ("Ondres", "Tarnos"),
    ("Ondres", "Labenne"),
    ("Labenne", "Capbreton"),
    ("Labenne", "Orx"),
    ("Orx", "Bénesse-Maremne"),
    ("Bénesse-Maremne", "Saint-Vincent-de-Tyrosse"),
    ("Bénesse-Maremne", "Capbreton"),
    ("Capbreton", "Angresse"),
    ("Angresse", "Saint-Vincent-de-Tyrosse"),
    ("Angresse", "Saubion"),
    ("Saubion", "Seignosse"),
    ("Saubion", "Tosse"),
    ("Tosse", "Saint-Vincent-de-Tyrosse"),
    ("Tosse", "Soustons"),
    ("Seignosse", "Soustons"),
    ("Soustons", "Vieux-Boucau-les-Bains"),
    ("Soustons", "Azur"),
    ("Azur", "Magescq"),
    ("Peyrehorade", "Hastingues"),
    ("Peyrehorade", "Labatut"),
    ("Labatut", "Pouillon"),
    ("Pouillon", "Heugas"),
    ("Heugas", "Saint-Lon-les-Mines"),
    ("Saint-Lon-les-Mines", "Cagnotte"),
    ("Cagnotte", "Pouillon"),
    ("Saint-Lon-les-Mines", "Orthevielle"),
)

PLACES_BY_NAME = {place.name: place for place in PLACES}
DEPOT_PLACE = {site.code: site.municipality for site in SITES}  # site code -> place name


LatLon = tuple[float, float]
METRES_PER_DEGREE = 111_320.0


def offset(point: LatLon, *, east_m: float, north_m: float) -> LatLon:
    """The point `east_m`/`north_m` metres away (flat approximation, fine under 50 km)."""
    lat, lon = point
    return (lat + north_m / METRES_PER_DEGREE, lon + east_m / (METRES_PER_DEGREE * math.cos(math.radians(lat))))


def _flat_vector(a: LatLon, b: LatLon) -> tuple[float, float]:
    east = (b[1] - a[1]) * METRES_PER_DEGREE * math.cos(math.radians((a[0] + b[0]) / 2))
    return east, (b[0] - a[0]) * METRES_PER_DEGREE


def bent_line(
    start: LatLon,
    end: LatLon,
    *,
    key: str,
    spacing_m: float = 200.0,
    bend: float = 0.06,
    max_bend_m: float = 900.0,
    curve_m: float = 150.0,
    curve_wavelength_m: tuple[float, float] = (1500.0, 3000.0),
    kink_m: float = 10.0,
) -> list[LatLon]:
    """A road-like polyline from `start` to `end`, the same for the same `key`.

    Three shapes add up: a wide sweep over the whole road (`bend` of its length),
    curves every one or two kilometres (`curve_m` wide), and small kinks at each point.
    """
    rng = random.Random(key)
    east, north = _flat_vector(start, end)
    length = math.hypot(east, north)
    if length < 1.0:
        return [start, end]
    count = max(2, math.ceil(length / spacing_m))
    side_east, side_north = -north / length, east / length
    sweeps = [
        rng.choice((-1, 1)) * rng.uniform(0.4, 1.0) * bend * length,
        rng.uniform(-0.5, 0.5) * bend * length,
        rng.uniform(-0.3, 0.3) * bend * length,
    ]
    scale = min(1.0, max_bend_m / sum(abs(a) for a in sweeps))
    curve = rng.uniform(0.6, 1.0) * min(curve_m, 0.1 * length)
    wavelength, phase = rng.uniform(*curve_wavelength_m), rng.uniform(0, 2 * math.pi)
    points = [start]
    for index in range(1, count):
        t = index / count
        lateral = scale * sum(a * math.sin((k + 1) * math.pi * t) for k, a in enumerate(sweeps))
        # The curves fade out at both ends, where the road enters a village square.
        lateral += curve * math.sin(math.pi * t) * math.sin(2 * math.pi * t * length / wavelength + phase)
        lateral += rng.gauss(0.0, kink_m)
        points.append(offset(start, east_m=east * t + side_east * lateral, north_m=north * t + side_north * lateral))
    points.append(end)
    return points


@lru_cache(maxsize=1)
def road_shapes() -> dict[tuple[str, str], list[LatLon]]:
    """Each road's polyline, keyed by its two place names in alphabetical order."""
    shapes = {}
    for a, b in ROADS:
        key = (a, b) if a < b else (b, a)
        first, second = PLACES_BY_NAME[key[0]], PLACES_BY_NAME[key[1]]
        shapes[key] = bent_line((first.lat, first.lon), (second.lat, second.lon), key="|".join(key))
    return shapes
