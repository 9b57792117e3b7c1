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

Every wait is on what the load generator reports it published and the broker
acknowledged (on a slow day that is less than `rate × duration`), so the run finishes
whatever the machine's speed; when readings stop arriving for 60 s it ends with a
message saying how many of how many are missing, and exits 1.

Then, in the same run, the same load (`--workers-load`, `--workers-duration`) with 1, 2
and 3 workers (`--workers`) on each engine (`--engines`): Mosquitto, the workers on one
MQTT 5 shared subscription, and a three-node NATS cluster (JetStream, MQTT listener on
each node), the workers on one durable pull consumer. Printed per engine and worker
count: published, acknowledged, stored, lost (must be 0), redeliveries absorbed by the
idempotent storage, stored readings/s and fix-to-commit p50/p99. On a machine of two
cores shared by everything (broker nodes, workers, PostgreSQL, the load), more workers
show the overhead of sharing and that nothing is lost or doubled, not a speed-up.

`--api-loans` (`make bench-ingest-loans`): one load (10,000 trackers at 10,000/s, 60 s),
first alone, then beside the API (`python -m fleet_api`, real uvicorn and HTTP)
validating and checking out loans in a loop (bench/loan_traffic.py); printed: both
phases, their p99 latency and its ratio, the loan loop's figures, and how often the
worker's database session was waiting for a lock in each phase.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import psycopg
from ingest_figures import (  # bench/
    STALLED_S,
    WORKER_ID,
    counter,
    histogram,
    peak_memory_mb,
    quantile,
    wait_for,
    wait_for_progress,
)
from loan_traffic import LoanTraffic, LockWaits  # bench/, beside this script
from psycopg import sql
from psycopg.types.json import Jsonb

from fleetbase import seed_data
from fleetbase.broker import (
    SIMULATOR_LOGIN,
    BrokerFiles,
    service_logins,
    simulator_password,
    write_config,
    write_password_file,
)
from fleetbase.db import connect
from fleetbase.migrate import apply_migrations
from fleetbase.nats import NatsNode, nats_users, write_nats_config
from fleetbase.seed import seed_demo
from fleetbase.settings import FleetSettings
from localbrokers.mosquitto import BrokerProcess
from localbrokers.nats import NatsProcess
from localbrokers.ports import free_port

ROOT = Path(__file__).resolve().parent.parent
ADMIN_URL = os.environ.get("FLEET_BENCH_ADMIN_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
DATABASE = f"fleet_bench_{os.getpid()}"  # its own: other checkouts may run a bench meanwhile
INGEST_PASSWORD = "bench-ingest-password"
DEMO_PASSWORD = "bench-demo-password"
DRAIN_TRACKERS = 1000
WORKER_LOG = ROOT / "var" / "bench-ingest-worker.log"


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
    def __init__(self, *, max_trackers: int, with_demo: bool = False) -> None:
        self.url = prepare_database(max_trackers, with_demo=with_demo)
        self.settings = FleetSettings(
            database_url=self.url, demo_mode=True, mqtt_password=INGEST_PASSWORD, demo_password=DEMO_PASSWORD
        )
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
        with psycopg.connect(ADMIN_URL, autocommit=True) as admin:
            admin.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(DATABASE)))

    # --- processes -------------------------------------------------------------------
    def worker(self, *, client_id: str = WORKER_ID, extra: dict[str, str] | None = None) -> subprocess.Popen:
        env = (
            os.environ
            | {
                "FLEET_DATABASE_URL": self.url,
                "FLEET_MQTT_URL": f"mqtt://127.0.0.1:{self.port}",
                "FLEET_MQTT_PASSWORD": INGEST_PASSWORD,
                "FLEET_DEMO_MODE": "true",
                "FLEET_INGEST_CLIENT_ID": client_id,
            }
            | (extra or {})
        )
        log = open(WORKER_LOG, "a")
        process = subprocess.Popen([sys.executable, "-m", "ingest"], cwd=ROOT, env=env, stdout=log, stderr=log)
        self.processes.append(process)
        return process

    def start_load(
        self,
        *,
        trackers: int,
        rate: float,
        duration: float,
        port: int | None = None,
        protocol: str = "5",
        connections: int = 1,
    ) -> subprocess.Popen:
        command = [
            sys.executable,
            "-m",
            "device_sim",
            "--mqtt-url",
            f"mqtt://127.0.0.1:{port or self.port}",
            "load",
            "--trackers",
            str(trackers),
            "--rate",
            str(rate),
            "--duration",
            str(duration),
            "--report-every",
            str(max(duration, 1)),
            "--mqtt-protocol",
            protocol,
            "--connections",
            str(connections),
        ]
        env = os.environ | {"FLEET_DEMO_MODE": "true", "FLEET_DEMO_PASSWORD": DEMO_PASSWORD}
        return subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.PIPE, text=True)

    @staticmethod
    def load_report(process: subprocess.Popen) -> dict:
        output, _ = process.communicate()
        if process.returncode:
            raise BenchError(f"the load generator failed (exit {process.returncode})")
        reports = [json.loads(line) for line in output.splitlines() if line.startswith("{")]
        return next(report for report in reversed(reports) if report.get("final"))

    def load(self, *, trackers: int, rate: float, duration: float) -> dict:
        return self.load_report(self.start_load(trackers=trackers, rate=rate, duration=duration))

    def bare(self, expected: int) -> dict:
        output = subprocess.run(
            [
                sys.executable,
                str(ROOT / "bench" / "bare_subscriber.py"),
                str(self.port),
                INGEST_PASSWORD,
                str(expected),
                str(STALLED_S),
            ],
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        return json.loads(output.strip().splitlines()[-1])

    # --- measurements ----------------------------------------------------------------
    def backlog(self, messages: int) -> int:
        """Queue about `messages` for the offline sessions; return how many the broker acknowledged.

        The load publishes at 10,000/s for `messages / 10,000` s: on a slower day it
        publishes fewer, and what it says it had acknowledged is what is waited for."""
        report = self.load(trackers=DRAIN_TRACKERS, rate=10_000, duration=messages / 10_000)
        print(
            f"backlog: the load published {report['published']:,} of {messages:,} messages"
            f" ({report['rate']:,.0f}/s), the broker acknowledged {report['acknowledged']:,}",
            flush=True,
        )
        if not report["acknowledged"]:
            raise BenchError("the broker acknowledged none of the backlog's messages")
        return report["acknowledged"]

    def drain_rates(self, messages: int) -> tuple[float, float]:
        """Backlog drain rate of the bare subscriber and of the worker, on backlogs of the same size."""
        self.bare(0)  # create its persistent session, then go offline
        queued = self.backlog(messages)
        bare = self.bare(queued)
        if bare["received"] < queued:
            raise BenchError(
                f"the bare subscriber received {bare['received']:,} of the {queued:,} messages the"
                f" broker acknowledged, then nothing for {STALLED_S:g} s"
            )

        worker = self.worker()
        self.wait_subscribed(worker)
        stop(worker)  # the worker's session now exists; it is offline
        before = counter(self.url, "ingest_stored_total")
        queued = self.backlog(messages)
        worker = self.worker()
        first = wait_for(
            lambda: self.stored_since(before, worker) > 0, 60, what="the worker's first reading of the backlog stored"
        )
        last, stored = wait_for_progress(lambda: self.stored_since(before, worker), queued)
        stop(worker)
        if stored < queued:
            raise BenchError(
                f"the worker stored {stored:,} of the {queued:,} backlog readings the broker"
                f" acknowledged, then nothing for {STALLED_S:g} s (log: {WORKER_LOG})"
            )
        return bare["rate"], stored / (last - first)

    def sustained(self, *, trackers: int, rate: float, duration: float) -> LoadResult:
        worker = self.worker()
        self.wait_subscribed(worker)
        stored_before = counter(self.url, "ingest_stored_total")
        lag_before = histogram(self.url, "ingest_lag_seconds")
        load = self.start_load(trackers=trackers, rate=rate, duration=duration)
        # From the first reading stored to the last: the load generator's own start-up is
        # not the worker's time.
        started = wait_for(
            lambda: self.stored_since(stored_before, worker) > 0 or load.poll(),
            60,
            what=f"the worker's first reading of the {trackers}-tracker load stored",
        )
        report = self.load_report(load)
        finished, stored = wait_for_progress(lambda: self.stored_since(stored_before, worker), report["acknowledged"])
        peak = peak_memory_mb(worker.pid)
        stop(worker)
        lag = {
            bound: count - lag_before.get(bound, 0)
            for bound, count in histogram(self.url, "ingest_lag_seconds").items()
        }
        return LoadResult(
            trackers=trackers,
            rate=rate,
            published=report["published"],
            acknowledged=report["acknowledged"],
            published_rate=report["rate"],
            stored=int(stored),
            stored_rate=stored / max(finished - started, 1e-9),
            p50_s=quantile(lag, 0.5),
            p99_s=quantile(lag, 0.99),
            peak_memory_mb=peak,
        )

    def with_workers(
        self,
        engine: str,
        count: int,
        *,
        port: int,
        protocol: str,
        extra: dict[str, str],
        trackers: int,
        rate: float,
        duration: float,
        connections: int = 1,
    ) -> WorkersResult:
        """`count` workers on `engine`, the load through `port`; they are stopped at the end."""
        ids = [f"{WORKER_ID}-{engine}-{number}" for number in range(count)]  # the same ids run after run
        workers = [self.worker(client_id=client_id, extra=extra) for client_id in ids]
        try:
            self.wait_all_consuming(workers, ids, port=port, protocol=protocol)
            before = {name: counter(self.url, name, ids) for name in ("ingest_stored_total", "ingest_duplicates_total")}
            lag_before = histogram(self.url, "ingest_lag_seconds", ids)
            started_at = datetime.now(UTC)
            load = self.start_load(
                trackers=trackers, rate=rate, duration=duration, port=port, protocol=protocol, connections=connections
            )

            def stored() -> int:
                for worker in workers:
                    if worker.poll() is not None:
                        raise BenchError(f"an ingest worker exited with code {worker.returncode} (log: {WORKER_LOG})")
                with connect(self.url) as conn:
                    return conn.execute(
                        "SELECT count(*) AS n FROM positions WHERE fix_time >= %(t)s AND tracker_id LIKE 'load-%%'",
                        {"t": started_at},
                    ).fetchone()["n"]

            first = wait_for(
                lambda: stored() > 0 or load.poll() is not None,
                60,
                what=f"the first reading stored by {count} worker(s) on {engine}",
            )
            report = self.load_report(load)
            last, rows = wait_for_progress(stored, report["acknowledged"])
        finally:
            for worker in workers:
                if worker.poll() is None:
                    stop(worker)
        lag = {
            bound: value - lag_before.get(bound, 0)
            for bound, value in histogram(self.url, "ingest_lag_seconds", ids).items()
        }
        return WorkersResult(
            engine=engine,
            workers=count,
            published=report["published"],
            acknowledged=report["acknowledged"],
            published_rate=report["rate"],
            stored=int(rows),
            duplicates=int(counter(self.url, "ingest_duplicates_total", ids) - before["ingest_duplicates_total"]),
            stored_rate=rows / max(last - first, 1e-9),
            p50_s=quantile(lag, 0.5),
            p99_s=quantile(lag, 0.99),
        )

    def wait_all_consuming(self, workers: list[subprocess.Popen], ids: list[str], *, port: int, protocol: str) -> None:
        """Probe readings until every worker has stored one: all of them are consuming."""
        before = {client_id: counter(self.url, "ingest_stored_total", [client_id]) for client_id in ids}
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            for worker in workers:
                if worker.poll() is not None:
                    raise BenchError(f"an ingest worker exited with code {worker.returncode} (log: {WORKER_LOG})")
            try:
                publish_probe(port, self.settings, protocol=protocol)
            except subprocess.CalledProcessError:
                pass  # a NATS cluster still electing its JetStream leaders
            if all(counter(self.url, "ingest_stored_total", [client_id]) > before[client_id] for client_id in ids):
                return
        raise BenchError(f"not every worker stored a probe reading within 120 s (log: {WORKER_LOG})")

    def stored_since(self, before: float, worker: subprocess.Popen) -> float:
        """Readings the worker stored since its counter read `before`; BenchError if it died."""
        if worker.poll() is not None:
            raise BenchError(f"the ingest worker exited with code {worker.returncode} (log: {WORKER_LOG})")
        return counter(self.url, "ingest_stored_total") - before

    def wait_subscribed(self, worker: subprocess.Popen) -> None:
        """Until the worker stores a probe reading: then it is connected and subscribed.

        A reading published before its subscription has nobody to go to, so the probe
        is sent again every 2 s: the same reading each time (one time), so that a probe
        stored late, after the load began, is a duplicate and not one reading more."""
        before = counter(self.url, "ingest_stored_total")
        at = datetime.now(UTC)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            publish_probe(self.port, self.settings, at=at)
            try:
                wait_for(lambda: self.stored_since(before, worker) > 0, 2, poll=0.05, what="the probe stored")
                return
            except TimeoutError:
                continue
        raise BenchError(f"the ingest worker stored no probe reading within 60 s (log: {WORKER_LOG})")


@dataclass
class WorkersResult:
    engine: str
    workers: int
    published: int
    acknowledged: int
    published_rate: float
    stored: int
    duplicates: int  # delivered again (a redelivery) and absorbed by the idempotent storage
    stored_rate: float
    p50_s: float
    p99_s: float

    @property
    def lost(self) -> int:
        return self.acknowledged - self.stored


class BenchCluster:
    """Three NATS nodes on loopback, their stores under var/bench-nats (fleetbase/nats.py)."""

    def __init__(self, url: str, settings: FleetSettings) -> None:
        base = ROOT / "var" / "bench-nats"
        shutil.rmtree(base, ignore_errors=True)
        with connect(url) as conn:  # the load publishes as the simulator: no tracker logins needed
            users = nats_users(
                conn, service_logins=service_logins(settings), ingest_login=settings.mqtt_username, demo_password=None
            )
        routes = [free_port() for _ in range(3)]
        self.nodes = [
            NatsNode(
                f"bench-nats-{i}",
                base / f"node-{i}",
                client_port=free_port(),
                mqtt_port=free_port(),
                cluster_port=routes[i],
                routes=tuple(p for j, p in enumerate(routes) if j != i),
            )
            for i in range(3)
        ]
        self.processes = [NatsProcess(node) for node in self.nodes]
        for node, process in zip(self.nodes, self.processes):
            write_nats_config(node, users)
            process.start()

    @property
    def urls(self) -> str:
        return ",".join(node.client_url for node in self.nodes)

    def close(self) -> None:
        for process in self.processes:
            process.stop()


def compare_workers(
    bench: Bench,
    *,
    engines: list[str],
    counts: list[int],
    trackers: int,
    rate: float,
    duration: float,
    connections: int = 1,
) -> list[WorkersResult]:
    """The same load with 1, 2, 3 workers on Mosquitto (shared subscription) and on NATS."""
    results = []
    for engine in engines:
        if engine == "mosquitto":  # a broker of its own: no offline session of the runs above queues a copy
            directory = ROOT / "var" / "bench-broker-shared"
            shutil.rmtree(directory, ignore_errors=True)
            files = BrokerFiles(directory, port=free_port())
            write_config(files)
            with connect(bench.url) as conn:
                write_password_file(conn, files.password_file, service_logins=service_logins(bench.settings))
            server = BrokerProcess(files)
            server.start()
            close, port, protocol = server.stop, files.port, "5"
            extra = {"FLEET_MQTT_URL": f"mqtt://127.0.0.1:{port}", "FLEET_INGEST_SHARE_GROUP": "bench"}
        else:
            cluster = BenchCluster(bench.url, bench.settings)
            close, port, protocol = cluster.close, cluster.nodes[0].mqtt_port, "3.1.1"
            extra = {
                "FLEET_MQTT_URL": f"mqtt://127.0.0.1:{port}",
                "FLEET_INGEST_SOURCE": "nats",
                "FLEET_NATS_URLS": cluster.urls,
            }
        try:
            for count in counts:
                results.append(
                    bench.with_workers(
                        engine,
                        count,
                        port=port,
                        protocol=protocol,
                        extra=extra,
                        trackers=trackers,
                        rate=rate,
                        duration=duration,
                        connections=connections,
                    )
                )
                print_workers_result(results[-1])
        finally:
            close()
    return results


def print_workers_header() -> None:
    print(
        f"{'engine':>9} {'workers':>7} {'published':>10} {'pub/s':>7} {'acked':>9} {'stored':>9} {'lost':>5}"
        f" {'again':>6} {'stored/s':>9} {'p50 s':>7} {'p99 s':>7}"
    )


def print_workers_result(result: WorkersResult) -> None:
    print(
        f"{result.engine:>9} {result.workers:>7} {result.published:>10} {result.published_rate:>7.0f}"
        f" {result.acknowledged:>9} {result.stored:>9} {result.lost:>5} {result.duplicates:>6}"
        f" {result.stored_rate:>9.0f} {result.p50_s:>7.3f} {result.p99_s:>7.3f}",
        flush=True,
    )


class BenchError(RuntimeError):
    """What the benchmark waits for is really missing: said plainly instead of waiting on."""


def publish_probe(port: int, settings: FleetSettings, *, protocol: str = "5", at: datetime | None = None) -> None:
    """One valid reading of the first load tracker at `at` (now by default), as the simulator's
    service login (`mosquitto_pub`)."""
    payload = json.dumps({"ts": (at or datetime.now(UTC)).isoformat(), "lat": 43.7, "lon": -1.05})
    version = "mqttv5" if protocol == "5" else "mqttv311"
    subprocess.run(
        [
            "mosquitto_pub",
            "-h",
            "127.0.0.1",
            "-p",
            str(port),
            "-V",
            version,
            "-q",
            "1",
            "-u",
            SIMULATOR_LOGIN,
            "-P",
            simulator_password(settings),
            "-t",
            "fleet/load-00001/telemetry",
            "-m",
            payload,
        ],
        check=True,
        timeout=30,
        capture_output=True,
    )


def prepare_database(trackers: int, *, with_demo: bool = False) -> str:
    """A fresh bench database with `trackers` load trackers; `with_demo`: the demo's users and fleet too."""
    with psycopg.connect(ADMIN_URL, autocommit=True) as admin:
        admin.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(DATABASE)))
        admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(DATABASE)))
    url = ADMIN_URL.rsplit("/", 1)[0] + f"/{DATABASE}"
    apply_migrations(url)
    with connect(url) as conn:
        site = conn.execute(
            "INSERT INTO sites (code, name, municipality, intercommunality, lat, lon)"
            " VALUES ('BENCH', 'Banc d''essai', 'Dax', 'Grand Dax', 43.7, -1.05) RETURNING id"
        ).fetchone()["id"]
        conn.execute(
            "INSERT INTO vehicles (label, kind, energy, plate, home_site_id)"
            " SELECT 'load-' || lpad(i::text, 5, '0'), 'car', 'petrol', 'LD-' || i, %(site)s"
            " FROM generate_series(1, %(n)s) AS i",
            {"site": site, "n": trackers},
        )
        conn.execute(
            "INSERT INTO trackers (tracker_id, vehicle_id, mqtt_password_hash)"
            " SELECT label, id, 'no-login' FROM vehicles"
        )
        # Geofences on, as in production: the demo's service area and a depot circle.
        conn.execute(
            "INSERT INTO geofences (name, kind, geometry) VALUES (%(name)s, 'service_area', %(shape)s)",
            {"name": seed_data.SERVICE_AREA_NAME, "shape": Jsonb(seed_data.SERVICE_AREA)},
        )
        conn.execute(
            "INSERT INTO geofences (name, kind, site_id, geometry, radius_m)"
            " VALUES ('Dépôt du banc', 'depot', %(site)s, %(shape)s, 150)",
            {"site": site, "shape": Jsonb({"type": "Point", "coordinates": [-1.05, 43.7]})},
        )
        if with_demo:  # the coordinators, participants' prescribers and vehicles of the loan loop
            seed_demo(conn, settings=FleetSettings(database_url=url, demo_mode=True, demo_password=DEMO_PASSWORD))
        conn.commit()
    return url


def stop(process: subprocess.Popen) -> None:
    process.terminate()
    process.wait(timeout=30)


def print_results_header() -> None:
    print(
        f"{'trackers':>8} {'rate/s':>8} {'published':>10} {'pub/s':>7} {'acked':>9} {'stored':>9} {'lost':>5}"
        f" {'stored/s':>9} {'p50 s':>7} {'p99 s':>7} {'peak MB':>8}"
    )


def print_result(result: LoadResult, label: str = "") -> None:
    print(
        f"{result.trackers:>8} {result.rate:>8.0f} {result.published:>10} {result.published_rate:>7.0f}"
        f" {result.acknowledged:>9} {result.stored:>9} {result.lost:>5} {result.stored_rate:>9.0f}"
        f" {result.p50_s:>7.3f} {result.p99_s:>7.3f} {result.peak_memory_mb:>8.0f}{label}",
        flush=True,
    )


def run_loads(
    bench: Bench, loads: list[tuple[float, float]], *, duration: float, drain_messages: int
) -> list[LoadResult]:
    """`make bench-ingest`: the backlog baseline, then each load."""
    bare_rate, worker_rate = bench.drain_rates(drain_messages)
    print(
        f"baseline backlog: bare paho subscriber {bare_rate:,.0f} msg/s,"
        f" ingest worker {worker_rate:,.0f} readings/s, ratio {worker_rate / bare_rate:.2f}",
        flush=True,
    )
    print_results_header()
    results = []
    for trackers, rate in loads:
        results.append(bench.sustained(trackers=int(trackers), rate=rate, duration=duration))
        print_result(results[-1])
    return results


def run_loans_comparison(
    bench: Bench, trackers: int, rate: float, *, duration: float, clients: int
) -> list[LoadResult]:
    """`make bench-ingest-loans`: the same load alone (baseline), then beside the API's loan loop."""
    print_results_header()
    with LockWaits(bench.url, application_name=f"ingest:{WORKER_ID}") as alone_waits:
        alone = bench.sustained(trackers=trackers, rate=rate, duration=duration)
    print_result(alone, "  ingest alone")
    traffic = LoanTraffic(bench.url, demo_password=DEMO_PASSWORD, clients=clients)
    try:
        traffic.start()
        with LockWaits(bench.url, application_name=f"ingest:{WORKER_ID}") as beside_waits:
            beside = bench.sustained(trackers=trackers, rate=rate, duration=duration)
        figures = traffic.stop()
    finally:
        traffic.close()
    print_result(beside, f"  with the API's loan loop ({clients} coordinators)")
    print(
        f"API loan loop during the second phase: {figures.loans:,} loans requested, validated, checked out and"
        f" in ({figures.loans_per_s:.1f}/s), {figures.requests:,} requests,"
        f" p50 {figures.quantile(0.5) * 1000:.0f} ms,"
        f" p99 {figures.quantile(0.99) * 1000:.0f} ms, {figures.errors} refused"
        + (f" (first: {figures.first_error})" if figures.first_error else "")
    )
    print(
        f"worker's session waiting for a lock: {alone_waits.share:.1%} of samples alone,"
        f" {beside_waits.share:.1%} beside the loans"
    )
    print(
        f"ingest p99: {alone.p99_s:.3f} s alone, {beside.p99_s:.3f} s beside the loans:"
        f" ratio {beside.p99_s / alone.p99_s:.2f}; stored/s {alone.stored_rate:,.0f} alone,"
        f" {beside.stored_rate:,.0f} beside (ratio {beside.stored_rate / alone.stored_rate:.2f})"
    )
    for name, result in (("alone", alone), ("beside the loans", beside)):
        if result.published_rate < 0.95 * rate or result.stored_rate < 0.9 * result.published_rate:
            print(
                f"note: {name}, the load reached {result.published_rate:,.0f}/s and the worker stored"
                f" {result.stored_rate:,.0f}/s of {rate:,.0f}/s offered: this machine was saturated, so the"
                f" latency is that of a growing backlog, not of the loans; compare at a rate it sustains"
                f" (--loads TRACKERS:RATE)"
            )
    return [alone, beside]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument(
        "--loads",
        help="trackers:messages-per-second, comma-separated"
        " (default 42:42,1000:5000,10000:10000; with --api-loans 10000:10000)",
    )
    parser.add_argument("--duration", type=float, help="seconds per load (default 120; with --api-loans 60)")
    parser.add_argument("--drain-messages", type=int, default=60_000, help="backlog for the baseline")
    parser.add_argument(
        "--api-loans",
        action="store_true",
        help="one load, alone then beside the API validating and checking out loans in a loop",
    )
    parser.add_argument("--loans-clients", type=int, default=2, help="coordinators in the loan loop")
    parser.add_argument("--workers", default="1,2,3", help="worker counts compared on each engine ('' to skip)")
    parser.add_argument("--engines", default="mosquitto,nats", help="mosquitto (shared subscription), nats")
    parser.add_argument("--workers-load", default="1000:2000", help="trackers:rate of the workers comparison")
    parser.add_argument("--workers-duration", type=float, default=60.0, help="seconds per worker count")
    parser.add_argument(
        "--workers-connections",
        type=int,
        default=4,
        help="the load's MQTT connections in the workers comparison (NATS 2.9 stores each"
        " QoS 1 message before reading the connection's next one)",
    )
    args = parser.parse_args()
    default_loads = "10000:10000" if args.api_loans else "42:42,1000:5000,10000:10000"
    loads = [tuple(float(part) for part in load.split(":")) for load in (args.loads or default_loads).split(",")]
    duration = args.duration or (60.0 if args.api_loans else 120.0)

    print(
        f"machine: {platform.node()} {os.cpu_count()} cores, Python {platform.python_version()},"
        f" load average {' '.join(f'{value:.1f}' for value in os.getloadavg())}",
        flush=True,
    )
    workers_trackers = float(args.workers_load.split(":")[0]) if args.workers else 0
    bench = Bench(
        max_trackers=int(max([DRAIN_TRACKERS, workers_trackers] + [trackers for trackers, _ in loads])),
        with_demo=args.api_loans,
    )
    try:
        if args.api_loans:
            ((trackers, rate),) = loads
            results = run_loans_comparison(bench, int(trackers), rate, duration=duration, clients=args.loans_clients)
        else:
            results = run_loads(bench, loads, duration=duration, drain_messages=args.drain_messages)
            if args.workers:
                trackers, rate = (float(part) for part in args.workers_load.split(":"))
                print_workers_header()
                results += compare_workers(
                    bench,
                    engines=args.engines.split(","),
                    counts=[int(count) for count in args.workers.split(",")],
                    trackers=int(trackers),
                    rate=rate,
                    duration=args.workers_duration,
                    connections=args.workers_connections,
                )
    except (BenchError, TimeoutError) as error:
        print(f"bench-ingest failed: {error}", file=sys.stderr)
        return 1
    finally:
        bench.close()
    print(f"load average at the end {' '.join(f'{value:.1f}' for value in os.getloadavg())}")
    lost = sum(result.lost for result in results)
    if lost:
        print(
            f"bench-ingest failed: {lost:,} readings acknowledged by the broker were not stored"
            f" ({STALLED_S:g} s without progress; log: {WORKER_LOG})",
            file=sys.stderr,
        )
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
