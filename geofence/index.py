"""Which zones hold a fix, and which borders its accuracy circle straddles.

All zones sit in one shapely STRtree, in metres of a local frame centred on them,
with their areas prepared. A batch of fixes is answered in a handful of
vectorised calls: bounding boxes from the tree, then prepared point-in-area tests on
the candidate pairs, and a second tree of border segments for the accuracy test.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import shapely

from geofence.geodesy import LocalFrame
from geofence.zones import Zone

INSIDE, OUTSIDE, UNCERTAIN = "inside", "outside", "uncertain"

# A batch's longitudes or latitudes; its accuracy radii in metres (None or NaN: unknown).
Coordinates = Sequence[float] | np.ndarray
Accuracies = Sequence[float | None] | np.ndarray


@dataclass(frozen=True, slots=True)
class Placement:
    """Where one fix lies: zones it is surely inside, and zones whose border is within its accuracy."""

    inside: frozenset[int]
    straddled: frozenset[int]

    def status(self, zone_id: int) -> str:
        """INSIDE, OUTSIDE or UNCERTAIN (the accuracy circle crosses the border)."""
        if zone_id in self.straddled:
            return UNCERTAIN
        return INSIDE if zone_id in self.inside else OUTSIDE


class ZoneIndex:
    """An immutable spatial index of zones; build a new one when zones change."""

    def __init__(self, zones: Sequence[Zone]) -> None:
        self.zones = {zone.id: zone for zone in zones}
        self.zone_ids = np.array([zone.id for zone in zones], dtype=np.int64)
        self._position = {zone.id: position for position, zone in enumerate(zones)}
        if zones:
            bounds = shapely.total_bounds([zone.shape for zone in zones])
            self.frame = LocalFrame((bounds[0] + bounds[2]) / 2, (bounds[1] + bounds[3]) / 2)
        else:
            self.frame = LocalFrame(0.0, 0.0)
        self.areas = np.array([self.frame.project(zone.shape) for zone in zones], dtype=object)
        shapely.prepare(self.areas)
        self.tree = shapely.STRtree(self.areas)
        self._index_borders()

    def _index_borders(self) -> None:
        """Every border segment of every zone in a tree of its own.

        Most fixes are nowhere near a border: a box query on segments rules them out at
        once, and the few candidates get a point-to-segment distance in numpy, much
        cheaper than a GEOS distance to a whole 128-vertex ring.
        """
        starts, ends, owners = [], [], []
        for position, area in enumerate(self.areas):
            for ring in shapely.get_rings(shapely.get_parts(area)).tolist() if area is not None else []:
                coords = shapely.get_coordinates(ring)
                starts.append(coords[:-1])
                ends.append(coords[1:])
                owners.append(np.full(len(coords) - 1, position))
        self.segment_starts = np.concatenate(starts) if starts else np.empty((0, 2))
        self.segment_ends = np.concatenate(ends) if ends else np.empty((0, 2))
        self.segment_owner = np.concatenate(owners) if owners else np.empty(0, dtype=np.int64)
        self.segment_tree = shapely.STRtree(
            shapely.linestrings(np.stack([self.segment_starts, self.segment_ends], axis=1)) if starts else []
        )

    def __len__(self) -> int:
        return len(self.zones)

    def locate_many(
        self, lons: Coordinates, lats: Coordinates, acc_m: Accuracies | None = None
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """For a batch of fixes: arrays (fix index, zone id, straddles) of every fix/zone pair
        where the fix is inside the zone or its accuracy circle reaches the border.

        `acc_m` is the accuracy radius per fix (None or NaN: a point, never straddling).
        """
        x, y = self.frame.forward(np.asarray(lons, dtype=float), np.asarray(lats, dtype=float))
        reach = np.zeros_like(x) if acc_m is None else np.nan_to_num(np.asarray(acc_m, dtype=float), nan=0.0)
        reach = np.maximum(reach, 0.0)
        empty = np.array([], dtype=np.int64)
        if not len(self.zones):
            return empty, empty, np.array([], dtype=bool)
        boxes = shapely.box(x - reach, y - reach, x + reach, y + reach)
        fix_index, tree_index = self.tree.query(boxes)
        inside = shapely.contains_xy(self.areas[tree_index], x[fix_index], y[fix_index])
        zone_count = len(self.zone_ids)
        inside_keys = fix_index[inside] * zone_count + tree_index[inside]
        near_keys = self._near_border_keys(boxes, x, y, reach)
        keys = np.union1d(inside_keys, near_keys)
        return keys // zone_count, self.zone_ids[keys % zone_count], np.isin(keys, near_keys)

    def _near_border_keys(self, boxes: np.ndarray, x: np.ndarray, y: np.ndarray, reach: np.ndarray) -> np.ndarray:
        """fix × zone keys of the pairs whose border lies within the fix's accuracy."""
        fix_index, segment_index = self.segment_tree.query(boxes[reach > 0])
        fix_index = np.flatnonzero(reach > 0)[fix_index]
        start, end = self.segment_starts[segment_index], self.segment_ends[segment_index]
        along = end - start
        point = np.column_stack([x[fix_index], y[fix_index]]) - start
        length2 = np.einsum("ij,ij->i", along, along)
        share = np.clip(np.einsum("ij,ij->i", point, along) / np.where(length2 == 0, 1.0, length2), 0.0, 1.0)
        gap = point - along * share[:, None]
        near = np.einsum("ij,ij->i", gap, gap) <= reach[fix_index] ** 2
        return np.unique(fix_index[near] * len(self.zone_ids) + self.segment_owner[segment_index[near]])

    def locate(self, lon: float, lat: float, acc_m: float | None = None) -> Placement:
        """Where one fix lies (a batch through `locate_many` is much faster per fix)."""
        _, zone_ids, straddles = self.locate_many([lon], [lat], None if acc_m is None else [acc_m])
        return Placement(
            inside=frozenset(int(z) for z, s in zip(zone_ids, straddles) if not s),
            straddled=frozenset(int(z) for z, s in zip(zone_ids, straddles) if s),
        )

    def placements(self, lons: Coordinates, lats: Coordinates, acc_m: Accuracies | None = None) -> list[Placement]:
        """`locate` for each fix of a batch, in one vectorised pass."""
        fix_index, zone_ids, straddles = self.locate_many(lons, lats, acc_m)
        inside: dict[int, set[int]] = {}
        straddled: dict[int, set[int]] = {}
        for fix, zone, straddle in zip(fix_index.tolist(), zone_ids.tolist(), straddles.tolist()):
            (straddled if straddle else inside).setdefault(fix, set()).add(zone)
        # Most fixes share one of a few placements (inside the service area only, say): one object each.
        shared: dict[tuple[frozenset[int], frozenset[int]], Placement] = {}
        placements = []
        for fix in range(len(lons)):
            key = (frozenset(inside.get(fix, ())), frozenset(straddled.get(fix, ())))
            placement = shared.get(key)
            if placement is None:
                placement = shared[key] = Placement(*key)
            placements.append(placement)
        return placements

    def distance_m(self, zone_id: int, lon: float, lat: float) -> float:
        """Ground distance from a fix to a zone's area (0 inside)."""
        x, y = self.frame.forward_one(lon, lat)
        return float(self.areas[self._position[zone_id]].distance(shapely.Point(x, y)))
