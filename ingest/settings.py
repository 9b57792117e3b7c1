"""The ingest worker's settings (`FLEET_INGEST_*` and the shared `FLEET_*`)."""

import socket
from typing import Literal

from pydantic import Field

from fleetbase.settings import FleetSettings


class IngestSettings(FleetSettings):
    # A stable id per worker: the broker keeps its session (and unacknowledged
    # messages) under it across restarts, and its counters are kept under it.
    ingest_client_id: str = Field(default_factory=lambda: f"ingest-{socket.gethostname()}")
    # Several workers share one MQTT 5 shared subscription ($share/<group>/…): the broker
    # hands each message to one of them, acknowledged after its commit. Unset (one
    # worker): a plain persistent subscription. What this means on Mosquitto 2.0 (a worker
    # that is down keeps its queued share; after a broker restart the subscriptions are
    # made again by the workers, not restored): README, "Several ingest workers".
    ingest_share_group: str | None = Field(default=None, pattern=r"^[A-Za-z0-9_-]{1,64}$")
    ingest_session_expiry_s: int = Field(default=7 * 24 * 3600, ge=60)
    ingest_receive_maximum: int = Field(default=20000, ge=1, le=65535)
    ingest_batch_max: int = Field(default=2000, ge=1)
    ingest_batch_wait_ms: int = Field(default=50, ge=1)
    ingest_future_tolerance_s: int = Field(default=300, ge=0)
    ingest_max_accuracy_m: float = Field(default=100.0, gt=0)
    ingest_offline_after_s: int = Field(default=600, ge=10)
    ingest_housekeeping_s: float = Field(default=15.0, gt=0)
    ingest_max_batch_readings: int = Field(default=5000, ge=1)
    # Told to stop, the batch in progress may still commit (and be acknowledged) this long;
    # past it the batch is cancelled, rolled back and left to the broker to deliver again.
    ingest_stop_grace_s: float = Field(default=10.0, gt=0)
    # Where a Traccar server forwards the positions it decodes (forward.topic; under
    # traccar/, which only the `traccar` login may write): ingest/protocols/traccar.py.
    ingest_traccar_topic: str = Field(default="traccar/#", pattern=r"^traccar/[^\s]*$")
    # Where readings come from: "mqtt" (Mosquitto or any MQTT 5 broker: a persistent session,
    # shared with the other workers through ingest_share_group) or "nats" (NATS JetStream: the
    # MQTT listener's stream, read by every worker as one durable pull consumer; README,
    # "Ingest on NATS"). On NATS the worker logs in with FLEET_MQTT_USERNAME/PASSWORD too.
    ingest_source: Literal["mqtt", "nats"] = "mqtt"
    # The cluster's client URLs, comma-separated: the worker reconnects to another on its own.
    nats_urls: str = Field(default="nats://127.0.0.1:4222", pattern=r"^(tls|nats)://[^\s,]+(,(tls|nats)://[^\s,]+)*$")
    nats_consumer: str = Field(default="fleet-ingest", pattern=r"^[A-Za-z0-9_-]{1,64}$")
    # A message not acknowledged this long after its delivery goes to another worker (the
    # receiver extends it for messages still waiting on a commit, while it is alive).
    nats_ack_wait_s: float = Field(default=30.0, ge=1)
    # How many messages may await acknowledgement, across all workers (like receive_maximum).
    nats_max_ack_pending: int = Field(default=20000, ge=1)
    nats_fetch_batch: int = Field(default=500, ge=1, le=10000)
    # Zone transitions, events and alerts for each batch (geofence/); off only to measure.
    ingest_geofences: bool = True
