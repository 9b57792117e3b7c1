"""The ingest worker's settings (`FLEET_INGEST_*` and the shared `FLEET_*`)."""

import socket

from pydantic import Field

from fleetbase.settings import FleetSettings


class IngestSettings(FleetSettings):
    # A stable id per worker: the broker keeps its session (and unacknowledged
    # messages) under it across restarts, and its counters are kept under it.
    ingest_client_id: str = Field(default_factory=lambda: f"ingest-{socket.gethostname()}")
    # Several workers split the trackers by hash: worker "k/N" stores the trackers
    # whose crc32(tracker_id) % N == k and acknowledges the rest unread. Every worker
    # holds a plain persistent subscription, which Mosquitto restores after a restart.
    ingest_partition: str = Field(default="0/1", pattern=r"^\d+/[1-9]\d*$")
    # A shared subscription group ($share/<group>/…) splits the load instead; but
    # Mosquitto 2.0 does not restore shared subscriptions from its persistence file,
    # so what trackers publish between a broker restart and the workers' reconnect
    # is lost. Off by default; use with a broker that keeps them.
    ingest_share_group: str | None = None
    ingest_session_expiry_s: int = Field(default=7 * 24 * 3600, ge=60)
    ingest_receive_maximum: int = Field(default=20000, ge=1, le=65535)
    ingest_batch_max: int = Field(default=2000, ge=1)
    ingest_batch_wait_ms: int = Field(default=50, ge=1)
    ingest_future_tolerance_s: int = Field(default=300, ge=0)
    ingest_max_accuracy_m: float = Field(default=100.0, gt=0)
    ingest_offline_after_s: int = Field(default=600, ge=10)
    ingest_housekeeping_s: float = Field(default=15.0, gt=0)
    ingest_max_batch_readings: int = Field(default=5000, ge=1)
    # Where a Traccar server forwards the positions it decodes (forward.topic; under
    # traccar/, which only the `traccar` login may write): ingest/protocols/traccar.py.
    ingest_traccar_topic: str = Field(default="traccar/#", pattern=r"^traccar/[^\s]*$")
    # Zone transitions, events and alerts for each batch (geofence/); off only to measure.
    ingest_geofences: bool = True

    @property
    def partition(self) -> tuple[int, int]:
        index, count = (int(part) for part in self.ingest_partition.split("/"))
        return index % count, count
