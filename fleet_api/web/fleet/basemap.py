"""The map's own base layer, for a service with no tile server (and no internet).

Land comes from Natural Earth's 1:10 m land polygons (npm `world-atlas`, TopoJSON),
decoded here and cut to the south of the Landes with shapely; the towns, villages and
roads are the project's own (`fleetbase.landes`, the graph the simulator drives on).
Built once per process and served as one small GeoJSON document.
"""

from __future__ import annotations

import json
import threading
from functools import lru_cache
from pathlib import Path

import numpy as np
from shapely import set_precision
from shapely.geometry import MultiPolygon, Polygon, mapping

from fleetbase.landes import PLACES, road_shapes

# west, south, east, north (degrees): the plateforme's area and a margin around it.
BOUNDS = (-2.2, 43.0, -0.2, 44.3)


def _decoded_arcs(topology: dict) -> list[np.ndarray]:
    """TopoJSON arcs as (lon, lat) arrays: delta-decoded, then unquantized."""
    scale = np.array(topology["transform"]["scale"])
    translate = np.array(topology["transform"]["translate"])
    return [np.cumsum(np.array(arc, dtype=np.float64), axis=0) * scale + translate for arc in topology["arcs"]]


def _ring(arcs: list[np.ndarray], indexes: list[int]) -> np.ndarray:
    parts: list[np.ndarray] = []
    for index in indexes:
        arc = arcs[index] if index >= 0 else arcs[~index][::-1]
        parts.append(arc if not parts else arc[1:])  # each arc starts where the previous ended
    return np.concatenate(parts)


def land_polygons(topology: dict, bounds: tuple[float, float, float, float]) -> list[Polygon]:
    """The land of `topology` (world-atlas's `land` object) inside `bounds`."""
    arcs = _decoded_arcs(topology)
    west, south, east, north = bounds
    near = [
        bool(
            (
                (arc[:, 0] >= west - 1) & (arc[:, 0] <= east + 1) & (arc[:, 1] >= south - 1) & (arc[:, 1] <= north + 1)
            ).any()
        )
        for arc in arcs
    ]
    pieces: list[Polygon] = []
    for geometry in topology["objects"]["land"]["geometries"]:
        polygons = geometry["arcs"] if geometry["type"] == "MultiPolygon" else [geometry["arcs"]]
        for rings in polygons:
            if not any(near[index if index >= 0 else ~index] for ring in rings for index in ring):
                continue
            shell, *holes = (_ring(arcs, ring) for ring in rings)
            clipped = Polygon(shell, holes).buffer(0).intersection(Polygon.from_bounds(*bounds))
            pieces.extend(clipped.geoms if isinstance(clipped, MultiPolygon) else [clipped])
    return [piece for piece in pieces if isinstance(piece, Polygon) and not piece.is_empty]


_warming: set[Path] = set()


def warm_up(land_file: Path) -> None:
    """Build the layer in a background thread, once per process: it takes seconds (a 3 MB
    TopoJSON to decode), which the first map of the day should not wait for."""
    if land_file not in _warming:
        _warming.add(land_file)
        threading.Thread(target=base_layer_json, args=(land_file,), name="base-layer", daemon=True).start()


@lru_cache(maxsize=2)
def base_layer_json(land_file: Path) -> str:
    """Land, roads and places as one GeoJSON FeatureCollection (text, coordinates to ~10 m)."""
    features = []
    if land_file.exists():
        topology = json.loads(land_file.read_text())
        for polygon in land_polygons(topology, BOUNDS):
            features.append(
                {
                    "type": "Feature",
                    "properties": {"layer": "land"},
                    "geometry": mapping(set_precision(polygon.simplify(0.0005), 1e-5)),
                }
            )
    for (a, b), points in road_shapes().items():
        features.append(
            {
                "type": "Feature",
                "properties": {"layer": "road", "name": f"{a} – {b}"},
                "geometry": {
                    "type": "LineString",
                    "coordinates": [[round(lon, 5), round(lat, 5)] for lat, lon in points],
                },
            }
        )
    for place in PLACES:
        features.append(
            {
                "type": "Feature",
                "properties": {"layer": "town" if place.town else "village", "name": place.name},
                "geometry": {"type": "Point", "coordinates": [place.lon, place.lat]},
            }
        )
    return json.dumps({"type": "FeatureCollection", "features": features}, separators=(",", ":"))
