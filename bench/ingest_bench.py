"""`make bench-ingest`: the telemetry pipeline under load, on the real broker and database.

For each load (trackers:rate), the simulator's load mode publishes one reading per
message at `rate` messages/s for `--duration` seconds to the project's Mosquitto while
one ingest worker (`python -m ingest`, geofences on: a service area and a depot zone)
stores them. Printed per load: the rate the load generator achieved, sustained stored
readings/s (from the first reading stored to the last), readings lost (acknowledged
by the broker, not stored: must be 0),
fix-to-commit latency p50/p99 (the load sets each fix time to its publish time), and
the worker's peak memory. In the same run, the baseline: a backlog of messages queued
for an offline session is drained once by a bare paho subscriber that only parses
JSON (the ceiling for a Python consumer here) and once by the worker; their ratio is
the worker's share of that ceiling. A ratio, because these machines are shared.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import platform
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import psycopg
from psycopg import sql
from psycopg.types.json import Jsonb

from fleetbase.broker import (BrokerFiles, BrokerProcess, free_port, service_logins, simulator_password,
                              write_config, write_password_file)
from fleetbase import seed_data
from fleetbase.db import connect
from fleetbase.migrate import apply_migrations
from fleetbase.settings import FleetSettings

ROOT = Path(__file__).resolve().parent.parent
ADMIN_URL = os.environ.get("FLEET_BENCH_ADMIN_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
DATABASE = "fleet_bench"
INGEST_PASSWORD = "bench-ingest-password"
WORKER_ID = f"bench-ingest-{os.getpid()}"
DRAIN_TRACKERS = 1000


@dataclass
class LoadResult:
    trackers: int
    rate: float
    published: int
    acknowledged: int
    published_rate: float  # what the load generator achieved (the most the worker could store)
    stored: int
    stored_rate: float
    p50_s: float
    p99_s: float
    peak_memory_mb: float

    @property
    def lost(self) -> int:
        return self.acknowledged - self.stored


class Bench:
    def __init__(self, *, max_trackers: int) -> None:
        self.url = prepare_database(max_trackers)
        self.settings = FleetSettings(database_url=self.url, demo_mode=True, mqtt_password=INGEST_PASSWORD)
        directory = ROOT / "var" / "bench-broker"
        shutil.rmtree(directory, ignore_errors=True)
        files = BrokerFiles(directory, port=free_port())
        write_config(files)
        with connect(self.url) as conn:
            write_password_file(conn, files.password_file, service_logins=service_logins(self.settings))
        self.broker = BrokerProcess(files)
        self.broker.start()
        self.port = files.port
        self.processes: list[subprocess.Popen] = []

    def close(self) -> None:
        for process in self.processes:
            if process.poll() is None:
                stop(process)
        self.broker.stop()

    # --- processes -------------------------------------------------------------------
    def worker(self) -> subprocess.Popen:
        env = os.environ | {"FLEET_DATABASE_URL": self.url, "FLEET_MQTT_URL": f"mqtt://127.0.0.1:{self.port}",
                            "FLEET_MQTT_PASSWORD": INGEST_PASSWORD, "FLEET_DEMO_MODE": "true",
                            "FLEET_INGEST_CLIENT_ID": WORKER_ID}
        log = open(ROOT / "var" / "bench-ingest-worker.log", "a")
        process = subprocess.Popen([sys.executable, "-m", "ingest"], cwd=ROOT, env=env, stdout=log, stderr=log)
        self.processes.append(process)
        return process

    def start_load(self, *, trackers: int, rate: float, duration: float) -> subprocess.Popen:
        command = [sys.executable, "-m", "device_sim", "--mqtt-url", f"mqtt://127.0.0.1:{self.port}",
                   "load", "--trackers", str(trackers), "--rate", str(rate), "--duration", str(duration),
                   "--report-every", str(max(duration, 1))]
        env = os.environ | {"FLEET_DEMO_MODE": "true"}
        return subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.PIPE, text=True)

    @staticmethod
    def load_report(process: subprocess.Popen) -> dict:
        output, _ = process.communicate()
        if process.returncode:
            raise RuntimeError(f"the load generator failed (exit {process.returncode})")
        reports = [json.loads(line) for line in output.splitlines() if line.startswith("{")]
        return next(report for report in reversed(reports) if report.get("final"))

    def load(self, *, trackers: int, rate: float, duration: float) -> dict:
        return self.load_report(self.start_load(trackers=trackers, rate=rate, duration=duration))

    def bare(self, expected: int) -> dict:
        output = subprocess.run([sys.executable, str(ROOT / "bench" / "bare_subscriber.py"), str(self.port),
                                 INGEST_PASSWORD, str(expected)], capture_output=True, text=True, check=True).stdout
        return json.loads(output.strip().splitlines()[-1])

    # --- measurements ----------------------------------------------------------------
    def drain_rates(self, messages: int) -> tuple[float, float]:
        """Backlog drain rate of the bare subscriber and of the worker, on the same backlog."""
        self.bare(0)  # create its persistent session, then go offline
        self.load(trackers=DRAIN_TRACKERS, rate=10_000, duration=messages / 10_000)
        bare_rate = self.bare(messages)["rate"]

        worker = self.worker()
        time.sleep(3)
        stop(worker)  # the worker's session now exists; it is offline
        before = counter(self.url, "ingest_stored_total")
        self.load(trackers=DRAIN_TRACKERS, rate=10_000, duration=messages / 10_000)
        worker = self.worker()
        first = wait_for(lambda: counter(self.url, "ingest_stored_total") > before, 60, poll=0.02)
        last = wait_for(lambda: counter(self.url, "ingest_stored_total") >= before + messages, 300, poll=0.02)
        stop(worker)
        return bare_rate, messages / (last - first)

    def sustained(self, *, trackers: int, rate: float, duration: float) -> LoadResult:
        worker = self.worker()
        time.sleep(2)  # connected and subscribed
        stored_before = counter(self.url, "ingest_stored_total")
        lag_before = histogram(self.url, "ingest_lag_seconds")
        load = self.start_load(trackers=trackers, rate=rate, duration=duration)
        # From the first reading stored to the last: the load generator's own start-up is
        # not the worker's time.
        started = wait_for(lambda: counter(self.url, "ingest_stored_total") > stored_before, 60, poll=0.02)
        report = self.load_report(load)
        target = stored_before + report["acknowledged"]
        finished = wait_for_progress(lambda: counter(self.url, "ingest_stored_total"), target)
        stored = int(counter(self.url, "ingest_stored_total") - stored_before)
        peak = peak_memory_mb(worker.pid)
        stop(worker)
        lag = {bound: count - lag_before.get(bound, 0) for bound, count in histogram(self.url, "ingest_lag_seconds").items()}
        return LoadResult(trackers=trackers, rate=rate, published=report["published"],
                          acknowledged=report["acknowledged"], published_rate=report["rate"], stored=stored,
                          stored_rate=stored / (finished - started), p50_s=quantile(lag, 0.5),
                          p99_s=quantile(lag, 0.99), peak_memory_mb=peak)


def prepare_database(trackers: int) -> str:
    with psycopg.connect(ADMIN_URL, autocommit=True) as admin:
        admin.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(DATABASE)))
        admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(DATABASE)))
    url = ADMIN_URL.rsplit("/", 1)[0] + f"/{DATABASE}"
    apply_migrations(url)
    with connect(url) as conn:
        site = conn.execute("INSERT INTO sites (code, name, municipality, intercommunality, lat, lon)"
                            " VALUES ('BENCH', 'Banc d''essai', 'Dax', 'Grand Dax', 43.7, -1.05) RETURNING id"
                            ).fetchone()["id"]
        conn.execute("INSERT INTO vehicles (label, kind, energy, plate, home_site_id)"
                     " SELECT 'load-' || lpad(i::text, 5, '0'), 'car', 'petrol', 'LD-' || i, %(site)s"
                     " FROM generate_series(1, %(n)s) AS i", {"site": site, "n": trackers})
        conn.execute("INSERT INTO trackers (tracker_id, vehicle_id, mqtt_password_hash)"
                     " SELECT label, id, 'no-login' FROM vehicles")
        # Geofences on, as in production: the demo's service area and a depot circle.
        conn.execute("INSERT INTO geofences (name, kind, geometry) VALUES (%(name)s, 'service_area', %(shape)s)",
                     {"name": seed_data.SERVICE_AREA_NAME, "shape": Jsonb(seed_data.SERVICE_AREA)})
        conn.execute("INSERT INTO geofences (name, kind, site_id, geometry, radius_m)"
                     " VALUES ('Dépôt du banc', 'depot', %(site)s, %(shape)s, 150)",
                     {"site": site, "shape": Jsonb({"type": "Point", "coordinates": [-1.05, 43.7]})})
        conn.commit()
    return url


def counter(url: str, name: str) -> float:
    with connect(url) as conn:
        row = conn.execute("SELECT coalesce(sum(value), 0) AS v FROM ingest_counters"
                           " WHERE worker_id = %(w)s AND name = %(n)s", {"w": WORKER_ID, "n": name}).fetchone()
    return row["v"]


def histogram(url: str, name: str) -> dict[float, float]:
    with connect(url) as conn:
        rows = conn.execute("SELECT name, value FROM ingest_counters WHERE worker_id = %(w)s AND name LIKE %(p)s",
                            {"w": WORKER_ID, "p": f"{name}_bucket%"}).fetchall()
    buckets = {}
    for row in rows:
        bound = row["name"].split('le="')[1].rstrip('"}')
        buckets[math.inf if bound == "+Inf" else float(bound)] = row["value"]
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


def wait_for(condition, timeout: float, *, poll: float = 0.2) -> float:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return time.monotonic()
        time.sleep(poll)
    raise TimeoutError(f"not reached within {timeout} s")


def wait_for_progress(read, target: float, *, stalled_after: float = 60.0, limit: float = 1200.0) -> float:
    """Wait until `read()` reaches `target`, or stops growing for `stalled_after` seconds
    (what is still missing then is lost); return when the last reading was stored."""
    started = last_change = time.monotonic()
    value = read()
    while value < target and time.monotonic() - last_change < stalled_after and time.monotonic() - started < limit:
        time.sleep(0.1)
        current = read()
        if current > value:
            value, last_change = current, time.monotonic()
    return last_change


def stop(process: subprocess.Popen) -> None:
    process.terminate()
    process.wait(timeout=30)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--loads", default="42:42,1000:5000,10000:10000",
                        help="trackers:messages-per-second, comma-separated")
    parser.add_argument("--duration", type=float, default=120.0, help="seconds per load")
    parser.add_argument("--drain-messages", type=int, default=60_000, help="backlog for the baseline")
    args = parser.parse_args()
    loads = [tuple(float(part) for part in load.split(":")) for load in args.loads.split(",")]

    bench = Bench(max_trackers=int(max([DRAIN_TRACKERS] + [trackers for trackers, _ in loads])))
    try:
        bare_rate, worker_rate = bench.drain_rates(args.drain_messages)
        print(f"machine: {platform.node()} {os.cpu_count()} cores, Python {platform.python_version()}")
        print(f"baseline backlog of {args.drain_messages}: bare paho subscriber {bare_rate:,.0f} msg/s,"
              f" ingest worker {worker_rate:,.0f} readings/s, ratio {worker_rate / bare_rate:.2f}")
        print(f"{'trackers':>8} {'rate/s':>8} {'published':>10} {'pub/s':>7} {'acked':>9} {'stored':>9} {'lost':>5}"
              f" {'stored/s':>9} {'p50 s':>7} {'p99 s':>7} {'peak MB':>8}")
        for trackers, rate in loads:
            result = bench.sustained(trackers=int(trackers), rate=rate, duration=args.duration)
            print(f"{result.trackers:>8} {result.rate:>8.0f} {result.published:>10} {result.published_rate:>7.0f}"
                  f" {result.acknowledged:>9} {result.stored:>9} {result.lost:>5} {result.stored_rate:>9.0f}"
                  f" {result.p50_s:>7.3f} {result.p99_s:>7.3f} {result.peak_memory_mb:>8.0f}", flush=True)
    finally:
        bench.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
