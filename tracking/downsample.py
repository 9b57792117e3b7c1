"""Downsampling a track to at most `max_points` while keeping its shape.

Largest-Triangle-Three-Buckets (Steinarsson, 2013) applied in the plane: the track is
cut into equal runs of fixes ("buckets", in time order) and from each the fix kept is
the one making the largest triangle with the fix kept before it and the mean of the
next bucket — the sharpest turn, the farthest excursion. The first and last fixes are
always kept; the result has exactly `max_points` fixes (or all of them when fewer).
Vectorised with numpy: a day at one fix per second takes a few milliseconds.
"""

from __future__ import annotations

import math

import numpy as np


def lttb_indices(lats: np.ndarray, lons: np.ndarray, max_points: int) -> np.ndarray:
    """Indices (increasing) of the fixes to keep."""
    count = len(lats)
    if max_points < 2:
        raise ValueError("max_points must be at least 2")
    if count <= max_points:
        return np.arange(count)
    # Equirectangular projection around the track: metres-like units in both axes.
    x = np.asarray(lons, dtype=float) * math.cos(math.radians(float(np.mean(lats))))
    y = np.asarray(lats, dtype=float)
    edges = np.linspace(1, count - 1, max_points - 1).astype(int)  # buckets of the inner fixes
    kept = np.empty(max_points, dtype=int)
    kept[0], kept[-1] = 0, count - 1
    previous = 0
    for bucket in range(max_points - 2):
        start, stop = edges[bucket], max(edges[bucket + 1], edges[bucket] + 1)
        following_start, following_stop = stop, edges[bucket + 2] if bucket + 2 < len(edges) else count
        mean_x = x[following_start : max(following_stop, following_start + 1)].mean()
        mean_y = y[following_start : max(following_stop, following_start + 1)].mean()
        areas = np.abs(
            (x[previous] - mean_x) * (y[start:stop] - y[previous])
            - (x[previous] - x[start:stop]) * (mean_y - y[previous])
        )
        previous = start + int(np.argmax(areas))
        kept[bucket + 1] = previous
    return kept
