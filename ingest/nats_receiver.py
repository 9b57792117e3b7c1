"""The worker's NATS side, in a process of its own: pull from JetStream, forward, acknowledge when told.

The NATS counterpart of `ingest/receiver.py`, with the same pipe protocol to the storing
process (`ingest/worker.py`), chosen by FLEET_INGEST_SOURCE=nats. Trackers publish over
MQTT to the NATS servers' MQTT listener; NATS stores every QoS 1 message in its stream
`$MQTT_msgs` before the PUBACK (fleetbase/nats.py). Every worker binds to ONE durable pull
consumer on that stream (FLEET_NATS_CONSUMER, explicit acks): each message goes to one
worker, and is acknowledged only once the storing process says its batch is committed.

- What a worker has fetched and not acknowledged goes to another worker (or to the same
  one) `nats_ack_wait_s` after its delivery: a worker killed mid-batch loses nothing.
  While alive, this process tells the server the messages still waiting on a commit
  are in progress, so a slow database does not make them go round the workers.
- A message may thus be delivered twice (an ack lost with a node, a worker killed after
  its commit and before its ack): storage is idempotent, nothing is stored twice.
- The stream is "interest" retention: a message is kept until the consumer has it
  acknowledged, and one published while the consumer did not exist yet (the very first
  start) is not kept. The worker creates the consumer when it is missing.
- The client knows every server (FLEET_NATS_URLS) and reconnects to another when its
  node goes away; fetches fail meanwhile and are simply made again.
"""

from __future__ import annotations

import asyncio
import logging
import signal
import threading
from collections.abc import Iterable
from multiprocessing.connection import Connection

import nats
from nats.aio.client import Client as NatsClient
from nats.aio.msg import Msg
from nats.errors import Error as NatsError
from nats.errors import TimeoutError as NatsTimeout
from nats.js import JetStreamContext
from nats.js.api import AckPolicy, ConsumerConfig, DeliverPolicy
from nats.js.errors import NotFoundError

from fleetbase.logs import setup_logging
from fleetbase.nats import MQTT_STREAM, MQTT_STREAM_PREFIX
from ingest.settings import IngestSettings

log = logging.getLogger("ingest.receiver")

RETRY_S = 1.0


def mqtt_topic(subject: str) -> str:
    """`$MQTT.msgs.fleet.car-02.telemetry` → `fleet/car-02/telemetry` (NATS writes an MQTT '.' as '//')."""
    return subject.removeprefix(MQTT_STREAM_PREFIX).replace("//", "\0").replace(".", "/").replace("\0", ".")


class NatsReceiver:
    def __init__(
        self, settings: IngestSettings, *, to_storer: Connection, from_storer: Connection, first_generation: int
    ) -> None:
        self.settings = settings
        self.to_storer, self.from_storer = to_storer, from_storer
        self.generation = first_generation
        self.pending: dict[int, Msg] = {}
        self.next_id = 0

    def run(self) -> None:
        asyncio.run(self._main())

    # --- commands from the storing process (a thread: the pipe blocks) ----------------
    def _read_commands(self, loop: asyncio.AbstractEventLoop, stopping: asyncio.Event) -> None:
        while True:
            try:
                command = self.from_storer.recv()
            except (EOFError, OSError):
                break  # the storing process is gone: what it did not acknowledge is redelivered
            if command[0] == "stop":
                break
            if command[0] == "ack":
                loop.call_soon_threadsafe(self._ack, [mid for mid, _qos, _generation in command[1]])
        loop.call_soon_threadsafe(stopping.set)

    def _ack(self, ids: list[int]) -> None:
        messages = [message for message in (self.pending.pop(mid, None) for mid in ids) if message is not None]
        if messages:
            asyncio.get_running_loop().create_task(self._send_acks(messages))

    async def _send_acks(self, messages: list[Msg]) -> None:
        for message in messages:
            try:
                await message.ack()
            except NatsError as error:  # its connection went away: redelivered, stored once
                log.warning("acknowledgement not sent (%s); the message will be delivered again", error)
                return

    # --- the NATS side ---------------------------------------------------------------
    async def _connect(self, stopping: asyncio.Event) -> NatsClient | None:
        servers = self.settings.nats_urls.split(",")

        async def on_error(error: Exception) -> None:
            log.warning("NATS: %s", error)

        async def on_disconnected() -> None:
            log.warning("disconnected from the NATS server")

        async def on_reconnected() -> None:
            log.info("reconnected to NATS at %s", nc.connected_url.netloc if nc.connected_url else "?")

        while not stopping.is_set():
            try:
                nc = await nats.connect(
                    servers=servers,
                    user=self.settings.mqtt_username,
                    password=self.settings.mqtt_password.get_secret_value(),
                    name=self.settings.ingest_client_id,
                    allow_reconnect=True,
                    max_reconnect_attempts=-1,
                    reconnect_time_wait=RETRY_S,
                    connect_timeout=2,
                    error_cb=on_error,
                    disconnected_cb=on_disconnected,
                    reconnected_cb=on_reconnected,
                )
                return nc
            except (TimeoutError, NatsError, OSError) as error:
                log.warning("no NATS server reachable (%s); trying again", error)
                await self._pause(stopping)
        return None

    async def _bind(self, js: JetStreamContext, stopping: asyncio.Event) -> JetStreamContext.PullSubscription | None:
        """The shared durable consumer, created when missing (every worker asks for the same one)."""
        config = ConsumerConfig(
            durable_name=self.settings.nats_consumer,
            ack_policy=AckPolicy.EXPLICIT,
            deliver_policy=DeliverPolicy.ALL,
            filter_subject=f"{MQTT_STREAM_PREFIX}>",
            ack_wait=self.settings.nats_ack_wait_s,
            max_ack_pending=self.settings.nats_max_ack_pending,
            max_deliver=-1,
            max_waiting=512,
        )
        while not stopping.is_set():
            try:
                try:
                    await js.consumer_info(MQTT_STREAM, self.settings.nats_consumer)
                except NotFoundError:
                    await js.add_consumer(MQTT_STREAM, config)
                    log.info("created the durable consumer %s on %s", self.settings.nats_consumer, MQTT_STREAM)
                return await js.pull_subscribe_bind(durable=self.settings.nats_consumer, stream=MQTT_STREAM)
            except NotFoundError:
                log.warning("no stream %s yet (made when the first MQTT client connects); waiting", MQTT_STREAM)
            except (TimeoutError, NatsError) as error:
                log.warning("consumer %s not reachable (%s); trying again", self.settings.nats_consumer, error)
            await self._pause(stopping)
        return None

    @staticmethod
    async def _pause(stopping: asyncio.Event) -> None:
        try:
            await asyncio.wait_for(stopping.wait(), RETRY_S)
        except TimeoutError:
            pass

    async def _keep_in_progress(self, stopping: asyncio.Event) -> None:
        """Messages still waiting on a commit stay this worker's (a slow database, a long batch)."""
        every = max(0.5, self.settings.nats_ack_wait_s / 3)
        while not stopping.is_set():
            try:
                await asyncio.wait_for(stopping.wait(), every)
                return
            except TimeoutError:
                pass
            for message in list(self.pending.values()):
                try:
                    await message.in_progress()
                except NatsError:
                    break

    def _forward(self, messages: Iterable[Msg]) -> None:
        batch = []
        for message in messages:
            self.next_id += 1
            self.pending[self.next_id] = message
            batch.append(
                (
                    mqtt_topic(message.subject),
                    message.data,
                    message.metadata.timestamp.timestamp(),
                    self.next_id,
                    1,
                    self.generation,
                )
            )
        self.to_storer.send(("messages", batch))

    async def _main(self) -> None:
        loop = asyncio.get_running_loop()
        stopping = asyncio.Event()
        threading.Thread(target=self._read_commands, args=(loop, stopping), name="from-storer", daemon=True).start()
        nc = await self._connect(stopping)
        if nc is None:
            return
        try:
            js = nc.jetstream(timeout=5)
            subscription = await self._bind(js, stopping)
            if subscription is None:
                return
            self.to_storer.send(("connected", self.generation, True))
            log.info("consuming %s as %s", MQTT_STREAM, self.settings.nats_consumer)
            keeper = loop.create_task(self._keep_in_progress(stopping))
            while not stopping.is_set():
                try:
                    messages = await subscription.fetch(self.settings.nats_fetch_batch, timeout=1.0)
                except NatsTimeout:
                    continue  # nothing to read within the second
                except (TimeoutError, NatsError) as error:
                    log.warning("fetch failed (%s); fetching again", error)
                    await self._pause(stopping)
                    continue
                try:
                    self._forward(messages)
                except (BrokenPipeError, OSError):
                    break
            keeper.cancel()
        finally:
            await nc.close()  # unacknowledged messages stay the consumer's, for the next delivery


def run_nats_receiver(
    settings: IngestSettings, to_storer: Connection, from_storer: Connection, first_generation: int
) -> None:
    """Entry point of the receiver process when FLEET_INGEST_SOURCE=nats (multiprocessing target)."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # as ingest/receiver.py: the storer stops this one
    setup_logging("ingest-receiver")
    NatsReceiver(settings, to_storer=to_storer, from_storer=from_storer, first_generation=first_generation).run()
