"""The month-at-1-Hz scenario of `make bench-api`: the fixes, and the memory it costs to serve them.

`write_month` gives car-02 one fix a second for 31 days (2,678,400 fixes) with COPY;
`measure_month` asks a running API for the whole month downsampled and prints the API
process's peak resident memory (VmHWM) after a warm-up and after the month's requests,
and the peak private memory (RssAnon, sampled every 10 ms) of the PostgreSQL backends of
the API's pool. Linux only (/proc).
"""

from __future__ import annotations

import os
import statistics
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import numpy as np
import psycopg

from fleetbase.db import Conn

MONTH_DAYS = 31


def write_month(conn: Conn, *, start: datetime) -> None:
    """car-02: one fix a second for MONTH_DAYS days from `start`, along a winding road, with COPY."""
    vehicle_id = conn.execute("SELECT id FROM vehicles WHERE label = 'car-02'").fetchone()["id"]
    for day in range(MONTH_DAYS):
        conn.execute("SELECT ensure_positions_partition(%(day)s::date)", {"day": start + timedelta(days=day)})
    first = int(start.timestamp())
    with conn.cursor().copy(
        "COPY positions (vehicle_id, fix_time, tracker_id, lat, lon, speed_kmh, ignition) FROM STDIN"
    ) as copy:
        for day in range(MONTH_DAYS):
            seconds = np.arange(day * 86_400, (day + 1) * 86_400)
            lats = 43.6 + 0.05 * np.sin(seconds / 5000.0) + 0.002 * np.sin(seconds / 97.0)
            lons = -1.3 + 0.1 * np.sin(seconds / 21_000.0)
            copy.write(
                "".join(
                    f"{vehicle_id}\t{datetime.fromtimestamp(first + second, UTC).isoformat()}\tcar-02\t{lat:.7f}"
                    f"\t{lon:.7f}\t30\tt\n"
                    for second, lat, lon in zip(seconds.tolist(), lats.tolist(), lons.tolist())
                )
            )


def status_kib(pid: int, field: str) -> int:
    """A memory figure of /proc/<pid>/status (VmHWM, VmRSS, RssAnon…), in KiB; 0 once gone."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(field + ":"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


class BackendPeak:
    """Samples the private memory of the PostgreSQL backends of one database's API pool."""

    def __init__(self, url: str) -> None:
        self.url, self.peak_kib, self._stop = url, 0, threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        with psycopg.connect(self.url, autocommit=True) as conn:
            while not self._stop.is_set():
                pids = [
                    row[0]
                    for row in conn.execute(
                        "SELECT pid FROM pg_stat_activity WHERE datname = current_database()"
                        " AND application_name = 'fleet_api'"
                    )
                ]
                self.peak_kib = max([self.peak_kib, *(status_kib(pid, "RssAnon") for pid in pids)])
                self._stop.wait(0.01)

    def __enter__(self) -> BackendPeak:
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join()


def load_average() -> str:
    one, five, fifteen = os.getloadavg()
    return f"load average {one:.2f} {five:.2f} {fifteen:.2f} (1, 5, 15 min) on {os.cpu_count()} cores"


def measure_month(
    base_url: str, headers: dict, *, start: datetime, api_pid: int, database_url: str, repeats: int
) -> None:
    """Ask for car-02's month (from `start`) `repeats` times per route; print latencies and peak memory."""
    vehicles = httpx.get(base_url + "/api/v1/vehicles", headers=headers).json()
    vehicle_id = next(vehicle["id"] for vehicle in vehicles if vehicle["label"] == "car-02")
    base = f"{base_url}/api/v1/vehicles/{vehicle_id}"
    window = f"from={start:%Y-%m-%dT%H:%M:%SZ}&to={start + timedelta(days=MONTH_DAYS):%Y-%m-%dT%H:%M:%SZ}"
    # Warm up: a short window loads the code paths (numpy, JSON) before the peak is read.
    day = f"from={start:%Y-%m-%dT%H:%M:%SZ}&to={start + timedelta(hours=1):%Y-%m-%dT%H:%M:%SZ}"
    httpx.get(f"{base}/positions?{day}&max_points=100", headers=headers, timeout=60).raise_for_status()
    httpx.get(f"{base}/positions.csv?{day}&max_points=100", headers=headers, timeout=60).raise_for_status()
    before_kib = status_kib(api_pid, "VmHWM")
    scenarios = {
        "month at 1 Hz → 2,000 points (JSON)": f"{base}/positions?{window}&max_points=2000",
        "month at 1 Hz → 2,000 points (CSV)": f"{base}/positions.csv?{window}&max_points=2000",
        "month at 1 Hz, trips (refused: > max fixes)": f"{base}/trips?{window}",
    }
    with BackendPeak(database_url) as backends:
        for name, target in scenarios.items():
            latencies, statuses = [], []
            for _ in range(repeats):
                started = time.perf_counter()
                answer = httpx.get(target, headers=headers, timeout=600)
                latencies.append(time.perf_counter() - started)
                statuses.append(answer.status_code)
            answered = ""
            if "JSON" in name and answer.status_code == 200:
                body = answer.json()
                answered = f", {body['total_points']:,} fixes → {len(body['positions']):,} points"
            latencies.sort()
            print(
                f"{name:<44} {repeats} requests, p50 {1000 * statistics.median(latencies):.0f} ms,"
                f" max {1000 * latencies[-1]:.0f} ms, status {sorted(set(statuses))}{answered}",
                flush=True,
            )
    after_kib = status_kib(api_pid, "VmHWM")
    print(
        f"API process peak RSS (VmHWM): {before_kib / 1024:.0f} MiB after warm-up,"
        f" {after_kib / 1024:.0f} MiB after the month's requests (+{(after_kib - before_kib) / 1024:.0f} MiB);"
        f" PostgreSQL backends' peak private memory (RssAnon): {backends.peak_kib / 1024:.0f} MiB",
        flush=True,
    )
