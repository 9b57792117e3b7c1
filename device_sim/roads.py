"""Road-like routes between spots, over the graph of `fleetbase.landes` (shared with the map).

Each road has the fixed shape `fleetbase.landes.bent_line` gives it: the straight line
between two village centres bent by a few sine waves and small kinks, seeded by the
road's name so that a road has the same shape every time and in every run. A `Route` is
a polyline with cumulative geodesic lengths (geographiclib), so the model can place a
vehicle at any distance along it.
"""

from __future__ import annotations

import bisect
import heapq
import math
from dataclasses import dataclass
from functools import lru_cache

from geographiclib.geodesic import Geodesic

from fleetbase.landes import PLACES, ROADS, LatLon, Place, _flat_vector, bent_line, offset  # noqa: F401


def distance_m(a: LatLon, b: LatLon) -> float:
    """Geodesic distance on the WGS 84 ellipsoid."""
    return Geodesic.WGS84.Inverse(a[0], a[1], b[0], b[1], Geodesic.DISTANCE)["s12"]


@dataclass(frozen=True)
class Spot:
    """Where a vehicle parks: a depot, a participant's home, a workplace, a shop."""

    name: str
    lat: float
    lon: float
    place: str  # the town or village it belongs to: its node in the road graph
    charger: bool = False

    @property
    def point(self) -> LatLon:
        return (self.lat, self.lon)


@dataclass(frozen=True)
class Route:
    """A polyline with cumulative lengths and, per segment, whether it is built-up."""

    points: tuple[LatLon, ...]
    cumulative_m: tuple[float, ...]
    urban: tuple[bool, ...]

    @property
    def length_m(self) -> float:
        return self.cumulative_m[-1]

    def _segment(self, travelled_m: float) -> int:
        index = bisect.bisect_right(self.cumulative_m, travelled_m) - 1
        return min(max(index, 0), len(self.points) - 2)

    def position_at(self, travelled_m: float) -> LatLon:
        """The point `travelled_m` metres from the start (clamped to the route)."""
        if travelled_m >= self.length_m:
            return self.points[-1]
        index = self._segment(travelled_m)
        start, end = self.cumulative_m[index], self.cumulative_m[index + 1]
        share = 0.0 if end == start else (travelled_m - start) / (end - start)
        (lat_a, lon_a), (lat_b, lon_b) = self.points[index], self.points[index + 1]
        return (lat_a + (lat_b - lat_a) * share, lon_a + (lon_b - lon_a) * share)

    def is_urban(self, travelled_m: float) -> bool:
        return self.urban[self._segment(travelled_m)]


class RoadNetwork:
    """The graph of places and roads, with shortest paths and bent road shapes."""

    def __init__(self, places: tuple[Place, ...] = PLACES, roads: tuple[tuple[str, str], ...] = ROADS) -> None:
        self.places = {place.name: place for place in places}
        self._shapes: dict[tuple[str, str], tuple[list[LatLon], list[float]]] = {}
        self._neighbours: dict[str, list[tuple[str, float]]] = {name: [] for name in self.places}
        for a, b in roads:
            length = sum(self._shape(a, b)[1])
            self._neighbours[a].append((b, length))
            self._neighbours[b].append((a, length))
        self._distances: dict[str, tuple[dict[str, float], dict[str, str]]] = {}

    def _shape(self, a: str, b: str) -> tuple[list[LatLon], list[float]]:
        """Points and segment lengths of road a–b, built once in a canonical direction."""
        key = (a, b) if a < b else (b, a)
        if key not in self._shapes:
            first, second = self.places[key[0]], self.places[key[1]]
            points = bent_line((first.lat, first.lon), (second.lat, second.lon), key="|".join(key))
            lengths = [distance_m(p, q) for p, q in zip(points, points[1:])]
            self._shapes[key] = (points, lengths)
        points, lengths = self._shapes[key]
        return (points, lengths) if key == (a, b) else (points[::-1], lengths[::-1])

    def _dijkstra(self, origin: str) -> tuple[dict[str, float], dict[str, str]]:
        if origin not in self._distances:
            distances, previous = {origin: 0.0}, {}
            queue = [(0.0, origin)]
            while queue:
                so_far, name = heapq.heappop(queue)
                if so_far > distances[name]:
                    continue
                for neighbour, length in self._neighbours[name]:
                    if so_far + length < distances.get(neighbour, math.inf):
                        distances[neighbour] = so_far + length
                        previous[neighbour] = name
                        heapq.heappush(queue, (so_far + length, neighbour))
            self._distances[origin] = (distances, previous)
        return self._distances[origin]

    def road_distances_m(self, origin: str) -> dict[str, float]:
        """Driving distance from `origin` to every place, by the shortest path."""
        return dict(self._dijkstra(origin)[0])

    def path(self, origin: str, destination: str) -> list[str]:
        """The places a shortest drive from `origin` to `destination` goes through."""
        _, previous = self._dijkstra(origin)
        names = [destination]
        while names[-1] != origin:
            names.append(previous[names[-1]])
        return names[::-1]

    def route(self, origin: Spot, destination: Spot) -> Route:
        """The drive from one spot to another: street, roads between places, street."""
        return _cached_route(self, origin, destination)

    def _build_route(self, origin: Spot, destination: Spot) -> Route:
        places = self.path(origin.place, destination.place)
        points: list[LatLon] = []
        lengths: list[float] = []
        first = self.places[origin.place]
        for piece, piece_lengths in (
            _street(origin.point, (first.lat, first.lon), key=origin.name),
            *(self._shape(a, b) for a, b in zip(places, places[1:])),
            _street(
                (self.places[places[-1]].lat, self.places[places[-1]].lon), destination.point, key=destination.name
            ),
        ):
            if not piece_lengths:
                continue
            if not points:
                points.append(piece[0])
            points.extend(piece[1:])  # each piece starts where the previous one ended
            lengths.extend(piece_lengths)
        if not lengths:  # origin and destination are the same point
            points, lengths = [origin.point, destination.point], [0.0]
        cumulative = [0.0]
        for length in lengths:
            cumulative.append(cumulative[-1] + length)
        nearby = [self.places[name] for name in places]
        urban = tuple(_built_up(_midpoint(p, q), nearby) for p, q in zip(points, points[1:]))
        return Route(tuple(points), tuple(cumulative), urban)


def _street(start: LatLon, end: LatLon, *, key: str) -> tuple[list[LatLon], list[float]]:
    """The few hundred metres between a spot and its village centre."""
    east, north = _flat_vector(start, end)
    if math.hypot(east, north) < 5.0:
        return [start], []
    points = bent_line(
        start,
        end,
        key=f"street|{key}",
        spacing_m=50.0,
        bend=0.08,
        max_bend_m=120.0,
        curve_m=15.0,
        curve_wavelength_m=(200.0, 400.0),
        kink_m=3.0,
    )
    return points, [distance_m(p, q) for p, q in zip(points, points[1:])]


def _midpoint(a: LatLon, b: LatLon) -> LatLon:
    return ((a[0] + b[0]) / 2, (a[1] + b[1]) / 2)


def _built_up(point: LatLon, places: list[Place]) -> bool:
    return any(math.hypot(*_flat_vector(point, (place.lat, place.lon))) <= place.radius_m for place in places)


@lru_cache(maxsize=4096)
def _cached_route(network: RoadNetwork, origin: Spot, destination: Spot) -> Route:
    return network._build_route(origin, destination)


@lru_cache(maxsize=1)
def default_network() -> RoadNetwork:
    """The south of the Landes graph, built once per process (it never changes)."""
    return RoadNetwork()
