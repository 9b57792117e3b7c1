"""`GET /metrics`: Prometheus text — this process's requests, and the ingest workers' counters.

Requests are counted by method, route template (never the raw path, so ids do not
explode the series) and status, with a latency histogram; each API process exposes its
own. The ingest counters come from the `ingest_counters` table, summed over workers
(each name already carries its labels, e.g. `ingest_rejected_total{reason="bad_json"}`).
"""

from __future__ import annotations

import threading
import time
from collections import defaultdict

import psycopg
from fastapi import APIRouter, Request
from fastapi.responses import PlainTextResponse

from fleet_api.deps import DbConn

BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)
router = APIRouter(tags=["health"])


class RequestMetrics:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.counts: dict[tuple[str, str, str], int] = defaultdict(int)
        self.buckets: dict[tuple[str, str], list[int]] = defaultdict(lambda: [0] * len(BUCKETS))
        self.sums: dict[tuple[str, str], float] = defaultdict(float)
        self.totals: dict[tuple[str, str], int] = defaultdict(int)

    def record(self, method: str, route: str, status: int, seconds: float) -> None:
        with self.lock:
            self.counts[(method, route, str(status))] += 1
            key = (method, route)
            counts = self.buckets[key]
            for index, bound in enumerate(BUCKETS):
                if seconds <= bound:
                    counts[index] += 1
            self.sums[key] += seconds
            self.totals[key] += 1

    def exposition(self) -> list[str]:
        lines = ["# HELP fleet_api_requests_total HTTP requests answered by this API process.",
                 "# TYPE fleet_api_requests_total counter"]
        with self.lock:
            for (method, route, status), count in sorted(self.counts.items()):
                lines.append(f'fleet_api_requests_total{{method="{method}",route="{route}",status="{status}"}} {count}')
            lines += ["# HELP fleet_api_request_duration_seconds Time to answer, by route.",
                      "# TYPE fleet_api_request_duration_seconds histogram"]
            for (method, route), counts in sorted(self.buckets.items()):
                labels = f'method="{method}",route="{route}"'
                for bound, count in zip(BUCKETS, counts):
                    lines.append(f'fleet_api_request_duration_seconds_bucket{{{labels},le="{bound}"}} {count}')
                lines.append(f'fleet_api_request_duration_seconds_bucket{{{labels},le="+Inf"}} {self.totals[(method, route)]}')
                lines.append(f"fleet_api_request_duration_seconds_sum{{{labels}}} {self.sums[(method, route)]:.6f}")
                lines.append(f"fleet_api_request_duration_seconds_count{{{labels}}} {self.totals[(method, route)]}")
        return lines


class MetricsMiddleware:
    """Pure ASGI, so a streamed answer is timed to its end without buffering it."""

    def __init__(self, app, metrics: RequestMetrics) -> None:
        self.app = app
        self.metrics = metrics

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500

        async def send_and_note(message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, send_and_note)
        finally:
            route = getattr(scope.get("route"), "path", "unmatched")
            self.metrics.record(scope["method"], route, status, time.perf_counter() - started)


def ingest_counters(conn: psycopg.Connection) -> list[dict]:
    """Each counter summed over every ingest worker."""
    return conn.execute("SELECT name, sum(value) AS value FROM ingest_counters GROUP BY name ORDER BY name").fetchall()


@router.get("/metrics", response_class=PlainTextResponse)
def metrics(request: Request, conn: DbConn) -> PlainTextResponse:
    lines = request.app.state.metrics.exposition()
    typed: set[str] = set()
    for row in ingest_counters(conn):
        base = row["name"].split("{", 1)[0]
        if base not in typed:
            typed.add(base)
            lines.append(f"# TYPE {base} {'counter' if base.endswith('_total') else 'gauge'}")
        lines.append(f"{row['name']} {row['value']:g}")
    return PlainTextResponse("\n".join(lines) + "\n", media_type="text/plain; version=0.0.4; charset=utf-8")
