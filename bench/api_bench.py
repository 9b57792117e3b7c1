"""`make bench-api`: the Fleet API under load, on the real database, over loopback.

Two databases are built (migrated, seeded): the demo fleet of 42 vehicles with one day
of one-fix-per-second history for car-01 (86,400 fixes), and a fleet of 10,000
vehicles, each with a live state. The API runs as its own uvicorn process (one worker,
no access log); the load generator runs in another process, with keep-alive
connections from several threads, either as fast as answers come (closed loop) or at
a fixed rate (open loop). Printed per scenario: requests/s, p50 and p99 latency, and
their ratio to a baseline measured in the same run on the same machine — a bare ASGI
app answering a fixed JSON body under the same server and load — because these
machines are shared and only ratios carry over.

Targets (issue 4): live fleet of 42 at 200 requests/s p99 < 10 ms; 10,000 vehicles
p99 < 100 ms; one day downsampled to 1,000 points < 200 ms.

Memory (issue 11): car-02 also gets 31 days at 1 Hz (2,678,400 fixes, written with COPY);
a fresh API process serves the whole month downsampled (JSON and CSV), and the run
prints the API process's peak resident memory (VmHWM) before and after, and the peak
private memory of the PostgreSQL backends serving it (RssAnon, sampled every 10 ms).
The machine's load average is printed at the start and the end: other jobs share it.
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import statistics
import subprocess
import sys
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import psycopg
from psycopg import sql

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import history_memory  # noqa: E402  (bench/, beside this script)

from fleetbase.db import connect  # noqa: E402
from fleetbase.migrate import apply_migrations  # noqa: E402
from fleetbase.seed import seed_demo  # noqa: E402
from fleetbase.settings import FleetSettings  # noqa: E402
from localbrokers.ports import free_port  # noqa: E402

ADMIN_URL = os.environ.get("FLEET_BENCH_ADMIN_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
DEMO_PASSWORD = "bench-demo-password"
DAY = (datetime.now(UTC) - timedelta(days=1)).replace(hour=0, minute=0, second=0, microsecond=0)
MONTH_START = DAY - timedelta(days=30)  # 31 days ending with DAY


def database_url(name: str) -> str:
    return ADMIN_URL.rsplit("/", 1)[0] + f"/{name}"


def build_database(name: str, *, vehicles: int) -> str:
    with psycopg.connect(ADMIN_URL, autocommit=True) as admin:
        admin.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
        admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    url = database_url(name)
    apply_migrations(url)
    with connect(url) as conn:
        seed_demo(conn, settings=FleetSettings(database_url=url, demo_mode=True, demo_password=DEMO_PASSWORD))
        conn.execute(
            "INSERT INTO vehicles (label, kind, energy, home_site_id)"
            " SELECT 'bench-' || i, 'ebike', 'electric', (SELECT min(id) FROM sites)"
            " FROM generate_series(1, %(extra)s) AS i",
            {"extra": max(0, vehicles - 42)},
        )
        conn.execute(
            "INSERT INTO vehicle_state (vehicle_id, fix_time, lat, lon, speed_kmh, heading_deg,"
            " effective_odometer_km, battery_pct, last_seen_at)"
            " SELECT id, now(), 43.7 + random() / 10, -1.1 + random() / 10, 20, 90, 1234.5, 80, now()"
            " FROM vehicles"
        )
        conn.execute("SELECT ensure_positions_partition(%(day)s::date)", {"day": DAY})
        conn.execute(
            "INSERT INTO positions (vehicle_id, fix_time, tracker_id, lat, lon, speed_kmh, ignition)"
            " SELECT (SELECT id FROM vehicles WHERE label = 'car-01'), %(day)s + make_interval(secs => s),"
            " 'car-01', 43.7 + 0.03 * sin(s / 3000.0) + 0.002 * sin(s / 97.0), -1.2 + s * 0.000003, 30, true"
            " FROM generate_series(0, 86399) AS s",
            {"day": DAY},
        )
        if vehicles == 42:
            history_memory.write_month(conn, start=MONTH_START)
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("VACUUM ANALYZE")
    return url


def serve(kind: str, port: int, url: str) -> None:
    """Child process: the API (or the bare baseline app) under uvicorn."""
    import uvicorn

    if kind == "bare":

        async def app(scope, receive, send):
            if scope["type"] != "http":
                return
            await send(
                {"type": "http.response.start", "status": 200, "headers": [(b"content-type", b"application/json")]}
            )
            await send({"type": "http.response.body", "body": b'{"status":"ok"}'})
    else:
        from fleet_api.app import create_app
        from fleet_api.settings import ApiSettings

        app = create_app(ApiSettings(database_url=url, demo_mode=True, demo_password=DEMO_PASSWORD))
    uvicorn.run(app, host="127.0.0.1", port=port, log_level="warning", access_log=False)


class Running:
    def __init__(self, kind: str, url: str = "") -> None:
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.process = subprocess.Popen(
            [sys.executable, __file__, "--serve", kind, "--port", str(self.port), "--database-url", url], cwd=ROOT
        )
        deadline = time.monotonic() + 30
        while True:
            try:
                httpx.get(self.base + "/openapi.json" if kind == "api" else self.base, timeout=1)
                return
            except httpx.TransportError:
                if time.monotonic() > deadline or self.process.poll() is not None:
                    raise RuntimeError(f"{kind} server did not start") from None
                time.sleep(0.1)

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(timeout=15)


def _load(
    url: str, method: str, headers: dict, data: dict | None, seconds: float, threads: int, rate: float | None, out
) -> None:
    """Child process: the load generator; sends (latencies, errors, elapsed) back."""
    latencies: list[float] = []
    errors = [0]
    lock = threading.Lock()
    stop_at = time.perf_counter() + seconds

    def worker(index: int) -> None:
        interval = threads / rate if rate else 0.0
        next_at = time.perf_counter() + (index * interval / threads if rate else 0.0)
        with httpx.Client(timeout=30) as client:
            while time.perf_counter() < stop_at:
                if rate:
                    time.sleep(max(0.0, next_at - time.perf_counter()))
                    next_at += interval
                started = time.perf_counter()
                response = client.request(method, url, headers=headers, data=data)
                elapsed = time.perf_counter() - started
                with lock:
                    latencies.append(elapsed)
                    errors[0] += response.status_code >= 400

    started = time.perf_counter()
    pool = [threading.Thread(target=worker, args=(i,)) for i in range(threads)]
    for thread in pool:
        thread.start()
    for thread in pool:
        thread.join()
    out.send((latencies, errors[0], time.perf_counter() - started))


def measure(
    url: str,
    *,
    method: str = "GET",
    headers: dict | None = None,
    data: dict | None = None,
    seconds: float,
    threads: int,
    rate: float | None = None,
) -> dict:
    receiver, sender = multiprocessing.Pipe(duplex=False)
    process = multiprocessing.get_context("spawn").Process(
        target=_load, args=(url, method, headers or {}, data, seconds, threads, rate, sender)
    )
    process.start()
    latencies, errors, elapsed = receiver.recv()
    process.join()
    latencies.sort()
    return {
        "requests": len(latencies),
        "errors": errors,
        "rps": len(latencies) / elapsed,
        "p50_ms": 1000 * statistics.median(latencies),
        "p99_ms": 1000 * latencies[min(len(latencies) - 1, int(0.99 * len(latencies)))],
    }


def token(base: str) -> dict[str, str]:
    answer = httpx.post(f"{base}/api/v1/auth/token", data={"username": "manager", "password": DEMO_PASSWORD})
    return {"Authorization": f"Bearer {answer.json()['access_token']}"}


def month_memory(url: str, *, repeats: int = 5) -> None:
    """A fresh API process serves car-02's month at 1 Hz, downsampled (bench/history_memory.py)."""
    api = Running("api", url)
    try:
        history_memory.measure_month(
            api.base, token(api.base), start=MONTH_START, api_pid=api.process.pid, database_url=url, repeats=repeats
        )
    finally:
        api.stop()


def report(name: str, result: dict, baseline: dict, target: str = "") -> None:
    print(
        f"{name:<44} {result['rps']:>8.0f} {result['p50_ms']:>8.2f} {result['p99_ms']:>8.2f}"
        f"   x{result['p50_ms'] / baseline['p50_ms']:>6.1f} p50, {result['rps'] / baseline['rps']:>5.2f} of rps"
        f"  errors={result['errors']}  {target}",
        flush=True,
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=float, default=10.0, help="per scenario")
    parser.add_argument("--threads", type=int, default=8, help="load generator's connections (closed loop)")
    parser.add_argument("--month-only", action="store_true", help="only the month at 1 Hz and its memory")
    parser.add_argument("--serve", choices=("api", "bare"), help=argparse.SUPPRESS)
    parser.add_argument("--port", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--database-url", default="", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve:
        serve(args.serve, args.port, args.database_url)
        return 0

    print(f"start: {datetime.now(UTC):%Y-%m-%d %H:%M} UTC, {history_memory.load_average()}", flush=True)
    if args.month_only:
        print("building the database (42 vehicles + a day and a month at 1 Hz)…", flush=True)
        month_memory(build_database("fleet_bench_api", vehicles=42))
        print(f"end: {datetime.now(UTC):%Y-%m-%d %H:%M} UTC, {history_memory.load_average()}", flush=True)
        drop_databases()
        return 0
    print("building databases (42 vehicles + a day and a month at 1 Hz; 10,000 vehicles)…", flush=True)
    small, large = (
        build_database("fleet_bench_api", vehicles=42),
        build_database("fleet_bench_api_10k", vehicles=10_000),
    )
    seconds, threads = args.seconds, args.threads
    print(f"\n{'scenario':<44} {'req/s':>8} {'p50 ms':>8} {'p99 ms':>8}   vs baseline (bare ASGI app, same server)")
    bare = Running("bare")
    try:
        baseline = measure(bare.base + "/", seconds=seconds, threads=threads)
        baseline_200 = measure(bare.base + "/", seconds=seconds, threads=4, rate=200)
    finally:
        bare.stop()
    report("baseline: bare ASGI, closed loop", baseline, baseline)
    report("baseline: bare ASGI, 200 req/s", baseline_200, baseline_200)
    api = Running("api", small)
    try:
        headers = token(api.base)
        live = api.base + "/api/v1/fleet/live"
        report(
            "GET /fleet/live, 42 vehicles, closed loop",
            measure(live, headers=headers, seconds=seconds, threads=threads),
            baseline,
        )
        report(
            "GET /fleet/live, 42 vehicles, 200 req/s",
            measure(live, headers=headers, seconds=seconds, threads=4, rate=200),
            baseline_200,
            "(target p99 < 10 ms)",
        )
        vehicle_id = httpx.get(api.base + "/api/v1/vehicles", headers=headers).json()[0]["id"]
        day = (
            f"{api.base}/api/v1/vehicles/{vehicle_id}/positions?from={DAY:%Y-%m-%dT%H:%M:%SZ}"
            f"&to={DAY + timedelta(days=1):%Y-%m-%dT%H:%M:%SZ}&max_points=1000"
        )
        check = httpx.get(day, headers=headers, timeout=30).json()
        assert check["total_points"] == 86_400 and len(check["positions"]) == 1000, check.get("total_points")
        report(
            "day at 1 Hz (86,400) → 1,000 points, 1 client",
            measure(day, headers=headers, seconds=seconds, threads=1),
            baseline,
            "(target < 200 ms)",
        )
        form = {"username": "manager", "password": DEMO_PASSWORD}
        report(
            "POST /auth/token (Argon2), 2 clients",
            measure(api.base + "/api/v1/auth/token", method="POST", data=form, seconds=seconds, threads=2),
            baseline,
        )
    finally:
        api.stop()
    month_memory(small)
    api = Running("api", large)
    try:
        headers = token(api.base)
        live = api.base + "/api/v1/fleet/live"
        report(
            "GET /fleet/live, 10,000 vehicles, 1 client",
            measure(live, headers=headers, seconds=seconds, threads=1),
            baseline,
            "(target p99 < 100 ms)",
        )
        report(
            "GET /fleet/live, 10,000 vehicles, 4 clients",
            measure(live, headers=headers, seconds=seconds, threads=4),
            baseline,
        )
    finally:
        api.stop()
    print(f"end: {datetime.now(UTC):%Y-%m-%d %H:%M} UTC, {history_memory.load_average()}", flush=True)
    drop_databases()
    return 0


def drop_databases() -> None:
    with psycopg.connect(ADMIN_URL, autocommit=True) as admin:
        for name in ("fleet_bench_api", "fleet_bench_api_10k"):
            admin.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))


if __name__ == "__main__":
    sys.exit(main())
