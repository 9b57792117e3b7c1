"""Downsampling keeps both ends, respects max_points, and keeps the track's turns."""

import numpy as np
import pytest

from tracking.downsample import lttb_indices


def l_shaped_track(count: int) -> tuple[np.ndarray, np.ndarray]:
    """North for the first half, then east: one sharp corner at the middle fix."""
    half = count // 2
    lats = np.concatenate([np.linspace(43.70, 43.75, half + 1), np.full(count - half - 1, 43.75)])
    lons = np.concatenate([np.full(half + 1, -1.10), np.linspace(-1.10, -1.00, count - half)[1:]])
    return lats, lons


@pytest.mark.parametrize("max_points", [2, 3, 10, 1000, 86_399])
def test_keeps_first_and_last_and_exactly_max_points(max_points):
    lats, lons = l_shaped_track(86_400)

    kept = lttb_indices(lats, lons, max_points)

    assert len(kept) == max_points
    assert kept[0] == 0 and kept[-1] == 86_399
    assert np.all(np.diff(kept) > 0)


def test_a_short_track_is_returned_whole():
    lats, lons = l_shaped_track(50)

    assert lttb_indices(lats, lons, 1000).tolist() == list(range(50))


def test_the_corner_of_the_track_is_kept():
    lats, lons = l_shaped_track(10_001)

    kept = lttb_indices(lats, lons, 20)

    assert 5000 in kept.tolist()


def test_a_zigzag_keeps_its_peaks():
    count = 20_000
    lons = np.linspace(-1.1, -1.0, count)
    lats = 43.7 + 0.01 * np.abs(((np.arange(count) / 2000) % 2) - 1)  # ten peaks and troughs
    extremes = {index for index in range(0, count, 2000)}

    kept = set(lttb_indices(lats, lons, 100).tolist())

    assert all(min(abs(index - extreme) for index in kept) <= 200 for extreme in extremes)
