"""What `bench/ingest_bench.py` reads from the worker: its counters and latency histogram
(the `ingest_counters` rows of the bench's worker), its peak memory, and waits that end
on a condition or on a stall, never on a fixed count of seconds alone.
"""

from __future__ import annotations

import math
import os
import time
from pathlib import Path

from fleetbase.db import connect

STALLED_S = 60.0  # nothing more stored for this long: what is missing is lost
WORKER_ID = f"bench-ingest-{os.getpid()}"  # the worker's FLEET_INGEST_CLIENT_ID, its counters' key


def counter(url: str, name: str, worker_ids: list[str] | None = None) -> float:
    """The counter of the bench's worker, or summed over several workers' ids."""
    with connect(url) as conn:
        row = conn.execute(
            "SELECT coalesce(sum(value), 0) AS v FROM ingest_counters WHERE worker_id = ANY(%(w)s) AND name = %(n)s",
            {"w": worker_ids or [WORKER_ID], "n": name},
        ).fetchone()
    return row["v"]


def histogram(url: str, name: str, worker_ids: list[str] | None = None) -> dict[float, float]:
    with connect(url) as conn:
        rows = conn.execute(
            "SELECT name, value FROM ingest_counters WHERE worker_id = ANY(%(w)s) AND name LIKE %(p)s",
            {"w": worker_ids or [WORKER_ID], "p": f"{name}_bucket%"},
        ).fetchall()
    buckets: dict[float, float] = {}
    for row in rows:
        bound = row["name"].split('le="')[1].rstrip('"}')
        key = math.inf if bound == "+Inf" else float(bound)
        buckets[key] = buckets.get(key, 0) + row["value"]
    return buckets


def quantile(buckets: dict[float, float], q: float) -> float:
    """Linear interpolation inside the bucket, as Prometheus' histogram_quantile does."""
    bounds = sorted(buckets)
    if not bounds or not buckets[bounds[-1]]:
        return math.nan
    rank = q * buckets[bounds[-1]]
    lower_bound, lower_count = 0.0, 0.0
    for bound in bounds:
        if buckets[bound] >= rank:
            if math.isinf(bound):
                return lower_bound
            share = (rank - lower_count) / max(buckets[bound] - lower_count, 1e-9)
            return lower_bound + (bound - lower_bound) * share
        lower_bound, lower_count = bound, buckets[bound]
    return lower_bound


def peak_memory_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return math.nan


def wait_for(condition, timeout: float, *, poll: float = 0.2, what: str = "the condition") -> float:
    """When `condition()` became true; TimeoutError naming `what` after `timeout` s."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return time.monotonic()
        time.sleep(poll)
    raise TimeoutError(f"{what}: not within {timeout:g} s")


def wait_for_progress(read, target: float, *, stalled_after: float = STALLED_S) -> tuple[float, float]:
    """Wait until `read()` reaches `target` or stops growing for `stalled_after` seconds
    (what is still missing then is lost); return when it last grew, and its value then.
    No overall limit: a slow machine is slow, and only a stall ends the wait early."""
    last_change = time.monotonic()
    value = read()
    while value < target and time.monotonic() - last_change < stalled_after:
        time.sleep(0.1)
        current = read()
        if current > value:
            value, last_change = current, time.monotonic()
    return last_change, value
