"""`GET /metrics`: Prometheus text (prometheus_client) — this process's requests, and the
ingest workers' counters.

Requests are counted by method, route template (never the raw path, so ids do not
explode the series) and status, with a latency histogram; each API process exposes its
own, in a registry of its own app. The ingest counters live in the `ingest_counters`
table (each worker saves them inside its batches' transactions, names already carrying
their labels, e.g. `ingest_rejected_total{reason="bad_json"}`); a collector sums them over
workers at each scrape and gives them their Prometheus types.
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterator

import prometheus_client
from fastapi import APIRouter, Request
from fastapi.responses import Response
from prometheus_client import CollectorRegistry, Counter, Histogram
from prometheus_client.core import Metric
from prometheus_client.registry import Collector

from fleet_api.deps import DbConn
from ingest import repository as ingest_repository

BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)
router = APIRouter(tags=["health"])
prometheus_client.disable_created_metrics()  # no `_created` series: counters restart with the process anyway


class RequestMetrics:
    """This API process's request counter and latency histogram, in the app's own registry."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        self.requests = Counter(
            "fleet_api_requests",
            "HTTP requests answered by this API process.",
            ["method", "route", "status"],
            registry=self.registry,
        )
        self.durations = Histogram(
            "fleet_api_request_duration_seconds",
            "Time to answer, by route.",
            ["method", "route"],
            buckets=BUCKETS,
            registry=self.registry,
        )

    def record(self, method: str, route: str, status: int, seconds: float) -> None:
        self.requests.labels(method, route, str(status)).inc()
        self.durations.labels(method, route).observe(seconds)


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


SAMPLE = re.compile(r"^(?P<name>[a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(?P<labels>.*)\})?$")
LABEL = re.compile(r'([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"')
HISTOGRAM_PARTS = ("_bucket", "_sum", "_count")


class IngestCounters(Collector):
    """The `ingest_counters` rows (name with labels → value, summed over workers) as families:
    `*_total` counters, histograms (`_bucket`/`_sum`/`_count`), anything else a gauge."""

    def __init__(self, rows: list[dict]) -> None:
        self.rows = rows

    def collect(self) -> Iterator[Metric]:
        parsed = []
        for row in self.rows:
            match = SAMPLE.match(row["name"])
            if match:
                parsed.append((match["name"], dict(LABEL.findall(match["labels"] or "")), float(row["value"])))
        histograms = {name.removesuffix("_bucket") for name, _, _ in parsed if name.endswith("_bucket")}
        families: dict[str, Metric] = {}
        for name, labels, value in parsed:
            family = next(
                (
                    name.removesuffix(part)
                    for part in HISTOGRAM_PARTS
                    if name.endswith(part) and name.removesuffix(part) in histograms
                ),
                None,
            )
            if family is not None:
                kind = "histogram"
            elif name.endswith("_total"):
                family, kind = name.removesuffix("_total"), "counter"
            else:
                family, kind = name, "gauge"
            metric = families.setdefault(family, Metric(family, "Ingest workers' counter, summed over workers.", kind))
            metric.add_sample(name, labels, value)
        yield from families.values()


@router.get("/metrics", response_class=Response)
def metrics(request: Request, conn: DbConn) -> Response:
    ingest = CollectorRegistry(auto_describe=False)
    ingest.register(IngestCounters(ingest_repository.counters_over_workers(conn)))
    body = prometheus_client.generate_latest(request.app.state.metrics.registry) + prometheus_client.generate_latest(
        ingest
    )
    return Response(body, media_type=prometheus_client.CONTENT_TYPE_LATEST)
