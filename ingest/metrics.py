"""The worker's counters, in Prometheus sample names (`name{label="v"}` → value).

They are saved in `ingest_counters` inside each batch's transaction, so what they
count is exactly what was committed, and they carry on across restarts of a worker.
"""

from __future__ import annotations

import math
from bisect import bisect_left
from collections.abc import Iterable

from ingest.service import BatchOutcome

LAG_BUCKETS = (
    0.005,
    0.01,
    0.025,
    0.05,
    0.075,
    0.1,
    0.15,
    0.2,
    0.3,
    0.5,
    0.75,
    1.0,
    1.5,
    2.0,
    3.0,
    5.0,
    10.0,
    30.0,
    60.0,
    120.0,
    300.0,
    3600.0,
    math.inf,
)
BATCH_BUCKETS = (1, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, math.inf)


def sample_name(name: str, **labels: str) -> str:
    if not labels:
        return name
    return name + "{" + ",".join(f'{key}="{value}"' for key, value in sorted(labels.items())) + "}"


class Counters:
    def __init__(self, values: dict[str, float] | None = None) -> None:
        self.values: dict[str, float] = dict(values or {})

    def copy(self) -> Counters:
        return Counters(self.values)

    def inc(self, name: str, amount: float = 1.0, **labels: str) -> None:
        key = sample_name(name, **labels)
        self.values[key] = self.values.get(key, 0.0) + amount

    def observe(self, name: str, values: Iterable[float], buckets: tuple[float, ...]) -> None:
        """A cumulative histogram, as Prometheus reads one (`le` buckets, `_sum`, `_count`)."""
        per_bucket = [0] * len(buckets)
        total = 0.0
        for value in values:
            per_bucket[bisect_left(buckets, value)] += 1
            total += value
        running = 0
        for bound, count in zip(buckets, per_bucket):
            running += count
            if running:
                self.inc(f"{name}_bucket", running, le="+Inf" if math.isinf(bound) else f"{bound:g}")
        if running:
            self.inc(f"{name}_sum", total)
            self.inc(f"{name}_count", running)

    def record(self, outcome: BatchOutcome, *, lags_s: list[float]) -> None:
        self.inc("ingest_batches_total")
        self.inc("ingest_messages_total", outcome.messages)
        self.inc("ingest_readings_total", outcome.readings)
        self.inc("ingest_stored_total", outcome.stored)
        self.inc("ingest_duplicates_total", outcome.duplicates)
        self.inc("ingest_out_of_order_total", outcome.out_of_order)
        self.inc("ingest_statuses_total", outcome.statuses)
        for kind, count in outcome.ignored_types.items():
            self.inc("ingest_ignored_total", count, type=kind)
        self.inc("ingest_zone_events_total", outcome.zone_events)
        self.inc("ingest_alerts_opened_total", outcome.alerts_opened)
        for reason, count in outcome.rejected.items():
            self.inc("ingest_rejected_total", count, reason=reason)
        for flag, count in outcome.flags.items():
            self.inc("ingest_odometer_flags_total", count, flag=flag)
        self.observe("ingest_batch_messages", [outcome.messages], BATCH_BUCKETS)
        self.observe("ingest_lag_seconds", lags_s, LAG_BUCKETS)

    def get(self, name: str, **labels: str) -> float:
        return self.values.get(sample_name(name, **labels), 0.0)
