"""The MQTT side of the ingest worker: subscribe, batch, store, then acknowledge.

paho's network loop runs in its own thread and only queues messages; this worker's
thread takes them in batches (by size and by a short time limit), stores each batch
in one transaction, and acknowledges its messages (MQTT 5 manual ack) only after the
commit. While the database is away the batch is held and retried with back-off; the
broker stops sending once `receive_maximum` messages await acknowledgement, so memory
stays bounded. The session is persistent (clean start off, session expiry set), so
what was not acknowledged when the worker or the broker went away is delivered again.
"""

from __future__ import annotations

import logging
import queue
import threading
import time
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import paho.mqtt.client as mqtt
import psycopg
from paho.mqtt.packettypes import PacketTypes
from paho.mqtt.properties import Properties
from paho.mqtt.subscribeoptions import SubscribeOptions

from fleetbase.db import connect
from geofence.evaluation import ZoneCache, check_silent_trackers
from ingest import repository
from ingest.decoding import Limits
from ingest.metrics import Counters
from ingest.service import Envelope, IngestService
from ingest.settings import IngestSettings
from ingest.trackers import TrackerDirectory

log = logging.getLogger("ingest")

TOPICS = ("fleet/+/telemetry", "fleet/+/status", "owntracks/+/+")
TRANSIENT_DB_ERRORS = (psycopg.OperationalError, psycopg.InterfaceError,
                       psycopg.errors.DeadlockDetected, psycopg.errors.SerializationFailure)


def utc_now() -> datetime:
    return datetime.now(UTC)


def partition_of(topic: str, count: int) -> int:
    """Which of `count` workers stores this topic's tracker (a bad topic goes to worker 0)."""
    parts = topic.split("/")
    if len(parts) != 3:
        return 0
    tracker_id = parts[2] if parts[0] == "owntracks" else parts[1]
    return zlib.crc32(tracker_id.encode()) % count


@dataclass(frozen=True, slots=True)
class Incoming:
    envelope: Envelope
    mid: int
    qos: int
    generation: int  # which broker connection delivered it; acks go back only on that one


class IngestWorker:
    def __init__(self, settings: IngestSettings, *, clock: Callable[[], datetime] = utc_now) -> None:
        self.settings = settings
        self.clock = clock
        self.service = IngestService(
            limits=Limits(future_tolerance=timedelta(seconds=settings.ingest_future_tolerance_s),
                          max_age=timedelta(days=settings.retention_days),
                          max_batch=settings.ingest_max_batch_readings),
            max_accuracy_m=settings.ingest_max_accuracy_m, trackers=TrackerDirectory(),
            geofences=ZoneCache() if settings.ingest_geofences else None)
        self.inbox: queue.Queue[Incoming] = queue.Queue()
        self.generation = 0
        self.counters = Counters()
        self.conn: psycopg.Connection | None = None
        self.client = self._mqtt_client()
        self._last_housekeeping = 0.0
        self._next_expiry = 0.0

    # --- MQTT --------------------------------------------------------------------
    def _mqtt_client(self) -> mqtt.Client:
        client = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, client_id=self.settings.ingest_client_id,
                             protocol=mqtt.MQTTv5, manual_ack=True)
        client.username_pw_set(self.settings.mqtt_username, self.settings.mqtt_password.get_secret_value())
        client.reconnect_delay_set(min_delay=1, max_delay=30)
        client.on_connect = self._on_connect
        client.on_disconnect = self._on_disconnect
        client.on_message = self._on_message
        return client

    def _on_connect(self, client, userdata, flags, reason_code, properties) -> None:
        if reason_code.is_failure:
            log.warning("broker refused the connection: %s", reason_code)
            return
        self.generation += 1
        group = self.settings.ingest_share_group
        topics = [(f"$share/{group}/{topic}" if group else topic, SubscribeOptions(qos=1)) for topic in TOPICS]
        client.subscribe(topics)
        log.info("connected to the broker (session present: %s)", flags.session_present)

    def _on_disconnect(self, client, userdata, flags, reason_code, properties) -> None:
        log.warning("disconnected from the broker: %s", reason_code)

    def _on_message(self, client, userdata, message: mqtt.MQTTMessage) -> None:
        if not self._mine(message.topic):
            client.ack(message.mid, message.qos)  # another worker's partition stores it
            return
        envelope = Envelope(message.topic, message.payload, self.clock())
        self.inbox.put(Incoming(envelope, message.mid, message.qos, self.generation))

    def _mine(self, topic: str) -> bool:
        index, count = self.settings.partition
        return count == 1 or partition_of(topic, count) == index

    def _acknowledge(self, batch: list[Incoming]) -> None:
        for incoming in batch:
            # After a reconnect the broker resends what was unacknowledged; an ack sent
            # on the new connection for the old delivery would acknowledge the wrong one.
            if incoming.qos > 0 and incoming.generation == self.generation:
                self.client.ack(incoming.mid, incoming.qos)

    # --- the loop ----------------------------------------------------------------
    def run(self, stop: threading.Event) -> None:
        properties = Properties(PacketTypes.CONNECT)
        properties.SessionExpiryInterval = self.settings.ingest_session_expiry_s
        properties.ReceiveMaximum = self.settings.ingest_receive_maximum
        # A generous keep-alive: under full load the network thread can wait for the GIL
        # long enough to miss a 30 s ping (seen in the benchmark), forcing a redelivery.
        self.client.connect_async(self.settings.mqtt_host, self.settings.mqtt_port, keepalive=90,
                                  clean_start=False, properties=properties)
        self.client.loop_start()
        try:
            while not stop.is_set():
                batch = self._collect(stop)
                if batch:
                    self._store(batch, stop)
                self._housekeeping(stop)
        finally:
            self.client.disconnect()
            self.client.loop_stop()
            if self.conn is not None:
                self.conn.close()

    def _collect(self, stop: threading.Event) -> list[Incoming]:
        """Up to batch_max messages, waiting at most batch_wait after the first one."""
        try:
            first = self.inbox.get(timeout=min(1.0, self.settings.ingest_housekeeping_s))
        except queue.Empty:
            return []
        batch = [first]
        limit = self.settings.ingest_batch_max
        deadline = time.monotonic() + self.settings.ingest_batch_wait_ms / 1000
        while len(batch) < limit and not stop.is_set():
            try:
                while len(batch) < limit:  # what is already there, without waiting
                    batch.append(self.inbox.get_nowait())
            except queue.Empty:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    break
                try:
                    batch.append(self.inbox.get(timeout=remaining))
                except queue.Empty:
                    break
        return batch

    def _store(self, batch: list[Incoming], stop: threading.Event) -> None:
        """Commit the batch (retrying while the database is away), then acknowledge it."""
        delay = 0.5
        while not stop.is_set():
            try:
                self._commit(batch)
                break
            except TRANSIENT_DB_ERRORS as error:
                log.warning("database unavailable (%s); retrying the batch in %.1f s", error, delay)
                self.counters.inc("ingest_db_retries_total")
                self._drop_connection()
                stop.wait(delay)
                delay = min(delay * 2, 30.0)
            except Exception:
                log.exception("a batch of %d messages failed; storing them one by one", len(batch))
                self._drop_connection()
                if len(batch) == 1:
                    self._dead_letter_unprocessable(batch[0])
                    break
                for incoming in batch:
                    self._store([incoming], stop)
                return
        else:
            return  # stopping: unacknowledged messages come back with the session
        self._acknowledge(batch)

    def _commit(self, batch: list[Incoming]) -> None:
        conn = self._connection()
        trial = self.counters.copy()
        with conn.transaction():
            outcome = self.service.store_batch(conn, [incoming.envelope for incoming in batch], now=self.clock())
            now = self.clock()
            trial.record(outcome, lags_s=[(now - fix_time).total_seconds() for fix_time in outcome.stored_fix_times])
            repository.save_counters(conn, self.settings.ingest_client_id, trial.values)
        self.counters = trial

    def _dead_letter_unprocessable(self, incoming: Incoming) -> None:
        """Last resort for a message that breaks processing: keep it with its reason, never loop."""
        envelope = incoming.envelope
        try:
            conn = self._connection()
            with conn.transaction():
                repository.insert_dead_letters(conn, [(envelope.topic, None, envelope.payload, "processing_error",
                                                       "the worker failed on this message; see its log")])
            self.counters.inc("ingest_rejected_total", reason="processing_error")
        except TRANSIENT_DB_ERRORS:
            self._drop_connection()
            return  # not acknowledged: it will come back
        self._acknowledge([incoming])

    def _housekeeping(self, stop: threading.Event) -> None:
        """Trackers silent too long go offline (and, past their kind's limit, raise an alert);
        counters are saved; coming days get their partitions and, hourly, days past
        retention are rolled up and dropped."""
        if time.monotonic() - self._last_housekeeping < self.settings.ingest_housekeeping_s:
            return
        self._last_housekeeping = time.monotonic()
        now = self.clock()
        try:
            conn = self._connection()
            with conn.transaction():
                silent = repository.mark_silent_offline(
                    conn, silent_since=now - timedelta(seconds=self.settings.ingest_offline_after_s), now=now)
                repository.notify_changed(conn, silent)
                self.counters.inc("ingest_marked_offline_total", len(silent))
                if self.settings.ingest_geofences:  # silence has no reading to react to: checked here
                    self.counters.inc("ingest_alerts_opened_total", len(check_silent_trackers(conn, now=now)))
                repository.save_counters(conn, self.settings.ingest_client_id, self.counters.values)
        except TRANSIENT_DB_ERRORS as error:
            log.warning("housekeeping skipped: database unavailable (%s)", error)
            self._drop_connection()
            return
        try:
            with conn.transaction():
                repository.maintain_partitions(conn)
            if time.monotonic() >= self._next_expiry:
                with conn.transaction():
                    dropped = repository.expire_positions(conn, retention_days=self.settings.retention_days)
                self._next_expiry = time.monotonic() + 3600
                if dropped:
                    log.info("expired %d day(s) of raw positions (kept as daily figures)", dropped)
        except psycopg.errors.LockNotAvailable:
            log.warning("positions partitions not maintained: the table is busy; trying again later")
        except TRANSIENT_DB_ERRORS as error:
            log.warning("positions partitions not created: %s", error)
            self._drop_connection()
        log.info("stored %d, duplicates %d, out of order %d, rejected %d",
                 self.counters.get("ingest_stored_total"), self.counters.get("ingest_duplicates_total"),
                 self.counters.get("ingest_out_of_order_total"),
                 sum(v for k, v in self.counters.values.items() if k.startswith("ingest_rejected_total")))

    # --- database connection ---------------------------------------------------------
    def _connection(self) -> psycopg.Connection:
        if self.conn is None or self.conn.closed:
            self.conn = connect(self.settings.database_url, name=f"ingest:{self.settings.ingest_client_id}")
            repository.prepare_session(self.conn)
            self.service.trackers.forget()
            if not self.counters.values:
                self.counters = Counters(repository.load_counters(self.conn, self.settings.ingest_client_id))
                self.conn.commit()
        return self.conn

    def _drop_connection(self) -> None:
        if self.conn is not None:
            try:
                self.conn.close()
            finally:
                self.conn = None
