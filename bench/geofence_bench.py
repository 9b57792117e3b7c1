"""Point-in-zone lookups per second against 500 zones, beside a naive baseline.

    .venv/bin/python bench/geofence_bench.py [--zones 500] [--points 200000] [--seed 7]

Zones are a mix like a national network's: 400 depot circles (150 m to 2 km), 80
polygons (8 to 40 vertices) and 20 corridors, scattered over the south of the Landes
so that many overlap. Fixes are uniform over the same area, each with a GPS accuracy
of 3 to 15 m. One core (the index is single-threaded). The baseline, measured in the
same run, is shapely's own vectorised `contains_xy` against every prepared zone in
turn (no spatial index); the naive per-point Python loop is also shown on a sample.
"""

from __future__ import annotations

import argparse
import math
import random
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import numpy as np
import shapely

from geofence.index import ZoneIndex
from geofence.transitions import Confirmation, VehicleZones, advance
from geofence.zones import Zone, parse_shape

WEST, EAST, SOUTH, NORTH = -1.55, -0.85, 43.45, 43.90


@dataclass(frozen=True)
class TrackFix:
    fix_time: datetime
    lat: float
    lon: float
    acc_m: float


def make_zones(count: int, rng: random.Random) -> list[Zone]:
    """`count` zones: 80 % circles, 16 % polygons, 4 % corridors."""
    zones = []
    for number in range(count):
        lon, lat = rng.uniform(WEST, EAST), rng.uniform(SOUTH, NORTH)
        share = number / count
        if share < 0.80:
            geometry, radius_m, width_m = {"type": "Point", "coordinates": [lon, lat]}, rng.uniform(150, 2000), None
        elif share < 0.96:
            vertices, size = rng.randint(8, 40), rng.uniform(0.005, 0.05)
            reach = [size * rng.uniform(0.6, 1.0) for _ in range(vertices)]  # star-shaped: never crosses
            ring = [
                [
                    lon + reach[k] * math.cos(2 * math.pi * k / vertices),
                    lat + reach[k] * 0.7 * math.sin(2 * math.pi * k / vertices),
                ]
                for k in range(vertices)
            ]
            geometry, radius_m, width_m = {"type": "Polygon", "coordinates": [ring + [ring[0]]]}, None, None
        else:
            line = [[lon + 0.01 * k, lat + rng.uniform(-0.01, 0.01)] for k in range(6)]
            geometry, radius_m, width_m = {"type": "LineString", "coordinates": line}, None, rng.uniform(20, 200)
        zones.append(
            Zone(
                number + 1,
                f"zone-{number}",
                "other",
                None,
                geometry,
                radius_m,
                width_m,
                parse_shape(geometry, radius_m=radius_m, width_m=width_m),
            )
        )
    return zones


def rate(count: int, seconds: float) -> float:
    return count / seconds if seconds else float("inf")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--zones", type=int, default=500)
    parser.add_argument("--points", type=int, default=200_000)
    parser.add_argument("--batch", type=int, default=2_000, help="fixes per call, like an ingest batch")
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    rng = random.Random(args.seed)
    started = time.perf_counter()
    zones = make_zones(args.zones, rng)
    index = ZoneIndex(zones)
    print(f"{args.zones} zones parsed and indexed in {time.perf_counter() - started:.2f} s")

    generator = np.random.default_rng(args.seed)
    lons = generator.uniform(WEST, EAST, args.points)
    lats = generator.uniform(SOUTH, NORTH, args.points)
    acc = generator.uniform(3, 15, args.points)

    started = time.perf_counter()
    hits = 0
    for start in range(0, args.points, args.batch):
        end = start + args.batch
        hits += len(index.locate_many(lons[start:end], lats[start:end], acc[start:end])[0])
    indexed = rate(args.points, time.perf_counter() - started)

    sample = min(args.points, 5_000)
    started = time.perf_counter()
    for k in range(sample):
        index.locate(lons[k], lats[k], acc[k])
    single = rate(sample, time.perf_counter() - started)

    # Baseline: no spatial index, each prepared zone tested against the whole batch.
    areas = list(index.areas)
    x, y = index.frame.forward(lons, lats)
    started = time.perf_counter()
    baseline_hits = 0
    for start in range(0, args.points, args.batch):
        end = start + args.batch
        for area in areas:
            baseline_hits += int(shapely.contains_xy(area, x[start:end], y[start:end]).sum())
    baseline = rate(args.points, time.perf_counter() - started)

    naive_sample = min(args.points, 500)
    started = time.perf_counter()
    for k in range(naive_sample):
        point = shapely.Point(x[k], y[k])
        sum(1 for area in areas if area.contains(point))
    naive = rate(naive_sample, time.perf_counter() - started)

    # Transitions on top of the lookups: 42 vehicles, the fixes shared out between them.
    start_time = datetime(2026, 11, 25, tzinfo=UTC)
    fixes = [TrackFix(start_time + timedelta(seconds=k), lats[k], lons[k], acc[k]) for k in range(args.points)]
    states = {vehicle: VehicleZones(vehicle) for vehicle in range(42)}
    known = set(index.zones)
    started = time.perf_counter()
    for start in range(0, args.points, args.batch):
        batch = fixes[start : start + args.batch]
        placements = index.placements(
            lons[start : start + args.batch], lats[start : start + args.batch], acc[start : start + args.batch]
        )
        for vehicle in states:
            mine = range(vehicle, len(batch), 42)
            states[vehicle] = advance(
                states[vehicle],
                [batch[k] for k in mine],
                [placements[k] for k in mine],
                known_zones=known,
                confirmation=Confirmation(),
            ).state
    with_transitions = rate(args.points, time.perf_counter() - started)

    print(
        f"indexed, batches of {args.batch} (with accuracy straddle test): {indexed:,.0f} lookups/s"
        f"  ({hits:,} fix/zone hits)"
    )
    print(f"indexed, one fix per call:                 {single:,.0f} lookups/s")
    print(
        f"baseline: vectorised contains_xy per prepared zone, no index: {baseline:,.0f} lookups/s"
        f"  ({baseline_hits:,} hits, containment only)"
    )
    print(f"naive per-point loop over prepared zones:  {naive:,.0f} lookups/s")
    print(f"lookups + transition logic (pure, no database): {with_transitions:,.0f} fixes/s")
    print(f"ratio indexed / baseline: {indexed / baseline:.1f}x; indexed / naive loop: {indexed / naive:.0f}x")


if __name__ == "__main__":
    main()
