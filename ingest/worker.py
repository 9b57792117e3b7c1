"""The ingest worker: batch what the receiver process forwards, store, then acknowledge.

The MQTT connection lives in a child process (`ingest/receiver.py`; on NATS JetStream,
FLEET_INGEST_SOURCE=nats, `ingest/nats_receiver.py` with the same protocol), so reading from
the broker and storing readings each get a core. This process takes the forwarded
messages in batches (by size and by a short time limit), stores each batch in one
transaction, and only then tells the receiver to acknowledge the batch's messages (MQTT
5 manual ack). While the database is away the batch is held and retried with back-off;
the broker stops sending once `receive_maximum` messages await acknowledgement, so
memory stays bounded. The session is persistent (clean start off, session expiry set),
so what was not acknowledged when the worker, its receiver or the broker went away is
delivered again. A receiver that dies is started again.

Told to stop, the worker ends the batch in progress and stops: should that batch still
be in the database `ingest_stop_grace_s` later (waiting on a lock, a slow disk), its
statement is cancelled, the transaction rolls back and nothing of it is acknowledged.
"""

from __future__ import annotations

import logging
import multiprocessing
import queue
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from multiprocessing.connection import Connection

import psycopg

from fleetbase.db import Conn, connect
from geofence.evaluation import ZoneCache, check_silent_trackers
from ingest import repository
from ingest.decoding import Limits
from ingest.metrics import Counters
from ingest.nats_receiver import run_nats_receiver
from ingest.receiver import run_receiver
from ingest.service import Envelope, IngestService
from ingest.settings import IngestSettings
from ingest.trackers import TrackerDirectory

log = logging.getLogger("ingest")

TRANSIENT_DB_ERRORS = (
    psycopg.OperationalError,
    psycopg.InterfaceError,
    psycopg.errors.DeadlockDetected,
    psycopg.errors.SerializationFailure,
)


RECEIVER_STOP_S = 5.0  # to send its last acknowledgements and disconnect; killed after


def utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass(slots=True)
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
            limits=Limits(
                future_tolerance=timedelta(seconds=settings.ingest_future_tolerance_s),
                max_age=timedelta(days=settings.retention_days),
                max_batch=settings.ingest_max_batch_readings,
            ),
            max_accuracy_m=settings.ingest_max_accuracy_m,
            trackers=TrackerDirectory(),
            geofences=ZoneCache() if settings.ingest_geofences else None,
            zone=settings.zone,
            location_policy=settings.loan_location_policy,
        )
        # Messages in the chunks the receiver forwarded them in (one queue operation per chunk).
        self.inbox: queue.Queue[list[Incoming]] = queue.Queue()
        self._carried: list[Incoming] = []  # what the last batch left of its last chunk
        self.generation = 0  # the receiver's current broker connection; 0 before the first
        self.counters = Counters()
        self.conn: Conn | None = None
        self._last_housekeeping = 0.0
        self._next_expiry = 0.0
        self._receiver: multiprocessing.process.BaseProcess | None = None
        self._to_receiver: Connection | None = None  # set with _receiver

    # --- the receiver process ------------------------------------------------------
    @property
    def receiver_pid(self) -> int | None:
        return self._receiver.pid if self._receiver is not None else None

    def _start_receiver(self) -> None:
        context = multiprocessing.get_context("spawn")  # no inherited threads, locks or sockets
        messages_out, messages_in = context.Pipe(duplex=False)
        commands_out, commands_in = context.Pipe(duplex=False)
        self._receiver = context.Process(
            target=run_nats_receiver if self.settings.ingest_source == "nats" else run_receiver,
            args=(self.settings, messages_in, commands_out, self.generation + 1),
            name="ingest-receiver",
            daemon=True,
        )
        self._receiver.start()
        messages_in.close()
        commands_out.close()
        self._to_receiver = commands_in
        threading.Thread(target=self._read_receiver, args=(messages_out,), name="from-receiver", daemon=True).start()

    def _read_receiver(self, pipe: Connection) -> None:
        """Turn what the receiver forwards into the inbox, until its end of the pipe closes."""
        fromtimestamp = datetime.fromtimestamp
        while True:
            try:
                message = pipe.recv()
            except (EOFError, OSError):
                pipe.close()
                return
            if message[0] == "messages":
                self.inbox.put(
                    [
                        Incoming(Envelope(topic, payload, fromtimestamp(received_ts, UTC)), mid, qos, generation)
                        for topic, payload, received_ts, mid, qos, generation in message[1]
                    ]
                )
            elif message[0] == "connected":
                self.generation = message[1]

    def _send(self, command: tuple[object, ...]) -> None:
        """Only the loop's thread sends (acks, stop): no lock needed on this pipe end."""
        if self._to_receiver is None:
            raise RuntimeError("no receiver process to tell: _start_receiver first")
        try:
            self._to_receiver.send(command)
        except (BrokenPipeError, OSError):
            pass  # the receiver is gone: unacknowledged messages come back with the session

    def _watch_receiver(self, stop: threading.Event) -> None:
        if self._receiver is not None and not self._receiver.is_alive() and not stop.is_set():
            log.error("the receiver process exited (code %s); starting it again", self._receiver.exitcode)
            if self._to_receiver is not None:
                self._to_receiver.close()
            self._start_receiver()

    def _stop_receiver(self) -> None:
        if self._receiver is None:
            return
        self._send(("stop",))
        self._receiver.join(timeout=RECEIVER_STOP_S)
        if self._receiver.is_alive():
            self._receiver.kill()
            self._receiver.join()
        if self._to_receiver is not None:
            self._to_receiver.close()

    def _acknowledge(self, batch: list[Incoming]) -> None:
        acks = [(incoming.mid, incoming.qos, incoming.generation) for incoming in batch if incoming.qos > 0]
        if acks:
            self._send(("ack", acks))

    # --- the loop ----------------------------------------------------------------
    def run(self, stop: threading.Event) -> None:
        self._start_receiver()
        finished = threading.Event()
        threading.Thread(
            target=self._cancel_when_stuck, args=(stop, finished), name="stop-watchdog", daemon=True
        ).start()
        try:
            while not stop.is_set():
                batch = self._collect(stop)
                if batch:
                    self._store(batch, stop)
                self._housekeeping(stop)
                self._watch_receiver(stop)
        finally:
            finished.set()
            self._stop_receiver()
            if self.conn is not None:
                self.conn.close()

    def _cancel_when_stuck(self, stop: threading.Event, finished: threading.Event) -> None:
        """Once told to stop, give the work in progress the grace period, then cancel its query."""
        while not stop.wait(1.0):
            if finished.is_set():
                return
        if finished.wait(self.settings.ingest_stop_grace_s):
            return
        log.warning(
            "still busy in the database %g s after being told to stop: cancelling;"
            " the broker will deliver what was not committed again",
            self.settings.ingest_stop_grace_s,
        )
        while True:  # until the loop is out (a statement may start between two cancels)
            conn = self.conn
            if conn is not None and not conn.closed:
                try:
                    conn.cancel_safe(timeout=2.0)
                except psycopg.Error as error:
                    log.warning("cancelling the batch failed (%s)", error)
            if finished.wait(1.0):
                return

    def _collect(self, stop: threading.Event) -> list[Incoming]:
        """Up to batch_max messages, waiting at most batch_wait after the first one."""
        batch, self._carried = self._carried, []
        if not batch:
            try:
                batch = self.inbox.get(timeout=min(1.0, self.settings.ingest_housekeeping_s))
            except queue.Empty:
                return []
        limit = self.settings.ingest_batch_max
        deadline = time.monotonic() + self.settings.ingest_batch_wait_ms / 1000
        while len(batch) < limit and not stop.is_set():
            try:
                batch += self.inbox.get_nowait()  # what is already there, without waiting
            except queue.Empty:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    break
                try:
                    batch += self.inbox.get(timeout=remaining)
                except queue.Empty:
                    break
        batch, self._carried = batch[:limit], batch[limit:]
        return batch

    def _store(self, batch: list[Incoming], stop: threading.Event) -> None:
        """Commit the batch (retrying while the database is away), then acknowledge it."""
        delay = 0.5
        while not stop.is_set():
            try:
                self._commit(batch)
                break
            except TRANSIENT_DB_ERRORS as error:
                if stop.is_set():
                    log.warning(
                        "batch of %d messages not committed at shutdown (%s): not acknowledged", len(batch), error
                    )
                    self._drop_connection()
                    return
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
                repository.insert_dead_letters(
                    conn,
                    [
                        (
                            envelope.topic,
                            None,
                            envelope.payload,
                            "processing_error",
                            "the worker failed on this message; see its log",
                        )
                    ],
                )
            self.counters.inc("ingest_rejected_total", reason="processing_error")
        except TRANSIENT_DB_ERRORS:
            self._drop_connection()
            return  # not acknowledged: it will come back
        self._acknowledge([incoming])

    def _housekeeping(self, stop: threading.Event) -> None:
        """Trackers silent too long go offline (and, past their kind's limit, raise an alert);
        counters are saved; coming days get their partitions and, hourly, days past
        retention are rolled up and dropped."""
        if stop.is_set() or time.monotonic() - self._last_housekeeping < self.settings.ingest_housekeeping_s:
            return
        self._last_housekeeping = time.monotonic()
        now = self.clock()
        try:
            conn = self._connection()
            with conn.transaction():
                silent = repository.mark_silent_offline(
                    conn, silent_since=now - timedelta(seconds=self.settings.ingest_offline_after_s), now=now
                )
                repository.notify_changed(conn, silent)
                self.counters.inc("ingest_marked_offline_total", len(silent))
                if self.settings.ingest_geofences:  # silence has no reading to react to: checked here
                    opened = check_silent_trackers(conn, now=now, zone=self.settings.zone)
                    self.counters.inc("ingest_alerts_opened_total", len(opened))
                repository.save_counters(conn, self.settings.ingest_client_id, self.counters.values)
        except TRANSIENT_DB_ERRORS as error:
            log.warning("housekeeping skipped: database unavailable (%s)", error)
            self.counters.inc("ingest_housekeeping_total", outcome="skipped")
            self._drop_connection()
            return
        except psycopg.Error:  # housekeeping failing must not stop readings being stored
            log.exception("housekeeping failed; trying again in %.0f s", self.settings.ingest_housekeeping_s)
            self.counters.inc("ingest_housekeeping_total", outcome="failed")
            return
        if not self._replay_letters(conn, now=now):
            self.counters.inc("ingest_housekeeping_total", outcome="skipped")  # the database went away
            return
        outcome = "ok"
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
            outcome = "skipped"
        except TRANSIENT_DB_ERRORS as error:
            log.warning("positions partitions not created: %s", error)
            self._drop_connection()
            outcome = "skipped"
        except psycopg.Error:
            log.exception("positions partitions not maintained; trying again later")
            outcome = "failed"
        # Rounds by outcome: a housekeeping that keeps failing shows in the metrics.
        self.counters.inc("ingest_housekeeping_total", outcome=outcome)
        log.info(
            "stored %d, duplicates %d, out of order %d, rejected %d",
            self.counters.get("ingest_stored_total"),
            self.counters.get("ingest_duplicates_total"),
            self.counters.get("ingest_out_of_order_total"),
            sum(v for k, v in self.counters.values.items() if k.startswith("ingest_rejected_total")),
        )

    def _replay_letters(self, conn: Conn, *, now: datetime) -> bool:
        """Store what was dead-lettered as `unknown_tracker` and whose tracker is registered
        now; False when the database went away."""
        trial = self.counters.copy()
        try:
            with conn.transaction():
                outcome = self.service.replay_unknown_trackers(conn, now=now, limit=self.settings.ingest_batch_max)
                if outcome is None:
                    return True
                trial.record(outcome, lags_s=[])
                trial.inc("ingest_replayed_total", outcome.messages)
                repository.save_counters(conn, self.settings.ingest_client_id, trial.values)
        except TRANSIENT_DB_ERRORS as error:
            log.warning("dead letters not replayed: database unavailable (%s)", error)
            self._drop_connection()
            return False
        except Exception:  # like housekeeping, never a reason to stop storing readings
            log.exception("replaying dead letters of newly registered trackers failed; trying again later")
            return True
        self.counters = trial
        log.info("stored %d message(s) dead-lettered before their tracker was known", outcome.messages)
        return True

    # --- database connection ---------------------------------------------------------
    def _connection(self) -> Conn:
        if self.conn is None or self.conn.closed:
            self.conn = connect(self.settings.database_url, name=f"ingest:{self.settings.ingest_client_id}")
            repository.prepare_session(self.conn)
            self.conn.commit()
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
