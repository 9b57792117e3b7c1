"""The API validating and checking out loans in a loop, beside the ingest load (`make bench-ingest-loans`).

`LoanTraffic(url)` runs the real API (`python -m fleet_api`, uvicorn) on the bench
database and `clients` threads, each signed in as the demo coordinator with a
participant of its own and its own share of the demo fleet's e-bikes and scooters,
going round as fast as answers come: request a loan, validate it, record the deposit,
check the vehicle out, check it in. Every one of these writes loans (and vehicles), as a
coordinator's day does. The turnaround of both kinds is set to 0 first, so a vehicle
checked in can be lent again at once.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx

from fleetbase.db import connect
from localbrokers.ports import free_port

ROOT = Path(__file__).resolve().parent.parent
API_LOG = ROOT / "var" / "bench-loans-api.log"
SIGNED = {"participant_signed": True, "staff_signed": True}
KINDS = ("ebike", "scooter")  # no licence or a car's: any participant with a B may take them


@dataclass
class TrafficFigures:
    loans: int  # went round the whole loop (requested … checked in)
    requests: int
    errors: int
    seconds: float
    latencies_s: list[float] = field(repr=False, default_factory=list)
    first_error: str | None = None

    @property
    def loans_per_s(self) -> float:
        return self.loans / self.seconds if self.seconds else 0.0

    def quantile(self, q: float) -> float:
        if len(self.latencies_s) < 2:
            return float("nan")
        return statistics.quantiles(self.latencies_s, n=100, method="inclusive")[round(q * 100) - 1]


class LoanTraffic:
    """The API process and the coordinators' loop; `start()`, then `stop()` for the figures."""

    def __init__(self, database_url: str, *, demo_password: str, clients: int = 2) -> None:
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        env = os.environ | {
            "FLEET_DATABASE_URL": database_url,
            "FLEET_DEMO_MODE": "true",
            "FLEET_DEMO_PASSWORD": demo_password,
            "FLEET_API_HOST": "127.0.0.1",
            "FLEET_API_PORT": str(self.port),
        }
        API_LOG.parent.mkdir(exist_ok=True)
        log = open(API_LOG, "a")
        self.process = subprocess.Popen([sys.executable, "-m", "fleet_api"], cwd=ROOT, env=env, stdout=log, stderr=log)
        self.demo_password, self.clients = demo_password, clients
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []
        self._lock = threading.Lock()
        self._figures = TrafficFigures(loans=0, requests=0, errors=0, seconds=0.0)
        self._started = 0.0

    def start(self) -> None:
        """Wait for the API, set the rules, then start the loops and wait for their first loan."""
        self._wait_api()
        with httpx.Client(base_url=self.base, timeout=30) as http:
            admin = self._headers(http, "admin")
            for kind in KINDS:
                _ok(http.patch(f"/api/v1/loan-rules/{kind}", headers=admin, json={"turnaround_hours": 0}))
            vehicles = [
                vehicle["id"]
                for vehicle in _ok(http.get("/api/v1/vehicles", headers=admin))
                if vehicle["kind"] in KINDS and vehicle["status"] == "available"
            ]
            coordinator = self._headers(http, "coordinator")
            participants = [
                _ok(
                    http.post(
                        "/api/v1/participants",
                        headers=coordinator,
                        json={
                            "first_name": "Banc",
                            "last_name": f"Essai {number}",
                            "prescriber_id": 1,
                            "purpose": "job",
                            "licences": [{"category": "B", "checked_on": datetime.now(UTC).date().isoformat()}],
                        },
                    )
                )["id"]
                for number in range(self.clients)
            ]
        if len(vehicles) < self.clients:
            raise RuntimeError(f"only {len(vehicles)} vehicles to lend for {self.clients} clients")
        self._started = time.perf_counter()
        for number, participant in enumerate(participants):
            thread = threading.Thread(
                target=self._loop,
                args=(participant, vehicles[number :: self.clients]),
                name=f"coordinator-{number}",
                daemon=True,
            )
            thread.start()
            self._threads.append(thread)
        deadline = time.monotonic() + 60
        while self._figures.loans == 0:
            if self._figures.first_error or time.monotonic() > deadline:
                raise RuntimeError(f"no loan went round within 60 s: {self._figures.first_error} (API log: {API_LOG})")
            time.sleep(0.05)

    def stop(self) -> TrafficFigures:
        """Stop the loops and the API; what they did since `start()`."""
        self._stop.set()
        for thread in self._threads:
            thread.join(timeout=60)
        self._figures.seconds = time.perf_counter() - self._started
        self.close()
        return self._figures

    def close(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()

    # --- the coordinators' loop -------------------------------------------------------
    def _loop(self, participant: int, vehicles: list[int]) -> None:
        odometers = dict.fromkeys(vehicles, 100.0)
        with httpx.Client(base_url=self.base, timeout=60) as http:
            headers = self._headers(http, "coordinator")
            turn = 0
            while not self._stop.is_set():
                vehicle = vehicles[turn % len(vehicles)]
                turn += 1
                if self._one_loan(http, headers, participant=participant, vehicle=vehicle, odometers=odometers):
                    with self._lock:
                        self._figures.loans += 1

    def _one_loan(
        self, http: httpx.Client, headers: dict, *, participant: int, vehicle: int, odometers: dict[int, float]
    ) -> bool:
        now = datetime.now(UTC)
        loan = self._call(
            http,
            "POST",
            "/api/v1/bookings",
            headers,
            {
                "participant_id": participant,
                "vehicle_id": vehicle,
                "starts_at": (now + timedelta(minutes=1)).isoformat(),
                "ends_at": (now + timedelta(days=2)).isoformat(),
            },
        )
        if loan is None:
            return False
        path = f"/api/v1/bookings/{loan['id']}"
        odometer = odometers[vehicle]
        steps = [
            ("validate", None),
            ("deposit", {"amount_cents": 0, "method": "waived"}),
            ("checkout", {"odometer_km": odometer, "energy_pct": 80, **SIGNED}),
            ("checkin", {"odometer_km": odometer + 12, "energy_pct": 60, **SIGNED}),
        ]
        for step, body in steps:
            if self._call(http, "POST", f"{path}/{step}", headers, body) is None:
                self._call(http, "POST", f"{path}/cancel", headers, None)  # free the vehicle if it can be
                return False
        odometers[vehicle] = odometer + 12
        return True

    def _call(self, http: httpx.Client, method: str, path: str, headers: dict, body: dict | None) -> dict | None:
        started = time.perf_counter()
        try:
            response = http.request(method, path, headers=headers, json=body)
        except httpx.HTTPError as error:
            response, detail = None, f"{method} {path}: {error!r}"
        elapsed = time.perf_counter() - started
        with self._lock:
            self._figures.requests += 1
            self._figures.latencies_s.append(elapsed)
            if response is not None and response.is_success:
                return response.json()
            self._figures.errors += 1
            if response is not None:
                detail = f"{method} {path}: {response.status_code} {response.text[:200]}"
            self._figures.first_error = self._figures.first_error or detail
        return None

    # --- set-up -----------------------------------------------------------------------
    def _wait_api(self) -> None:
        deadline = time.monotonic() + 60
        while True:
            try:
                httpx.get(f"{self.base}/openapi.json", timeout=2)
                return
            except httpx.TransportError:
                if self.process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"the API did not start (log: {API_LOG})") from None
                time.sleep(0.1)

    def _headers(self, http: httpx.Client, username: str) -> dict:
        token = _ok(http.post("/api/v1/auth/token", data={"username": username, "password": self.demo_password}))
        return {"Authorization": f"Bearer {token['access_token']}"}


class LockWaits:
    """Samples, every 20 ms, whether a database session (by its application name) waits for a lock."""

    def __init__(self, url: str, *, application_name: str) -> None:
        self.url, self.application_name, self.samples, self.waiting = url, application_name, 0, 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)

    def __enter__(self) -> LockWaits:
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join()

    def _sample(self) -> None:
        with connect(self.url, autocommit=True) as conn:
            while not self._stop.wait(0.02):
                row = conn.execute(
                    "SELECT count(*) FILTER (WHERE wait_event_type = 'Lock') AS waiting"
                    " FROM pg_stat_activity WHERE application_name = %(name)s",
                    {"name": self.application_name},
                ).fetchone()
                self.samples += 1
                self.waiting += bool(row["waiting"])

    @property
    def share(self) -> float:
        return self.waiting / self.samples if self.samples else float("nan")


def _ok(response: httpx.Response):
    if not response.is_success:
        raise RuntimeError(
            f"{response.request.method} {response.request.url.path}: {response.status_code} {response.text[:300]}"
        )
    return response.json()
