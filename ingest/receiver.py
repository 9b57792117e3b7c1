"""The worker's MQTT side, in a process of its own: receive, forward, acknowledge when told.

Reading packets, parsing them and sending PUBACKs costs a Python consumer about as much
CPU as decoding and storing the readings; in one process both share one core (the GIL).
So `python -m ingest` runs this receiver as a child process: it forwards every message
to the storing process through a pipe, and acknowledges a message to the broker only
when the storing process says the message's batch is committed.

Pipe protocol (pickled tuples):
    receiver → storer   ("connected", generation, session_present)
                        ("messages", [(topic, payload, received_ts, mid, qos, generation), ...])
    storer → receiver   ("ack", [(mid, qos, generation), ...])
                        ("stop",)

`generation` counts broker connections. After a reconnect the broker resends what was
not acknowledged; an ack sent on the new connection for the old delivery's mid would
acknowledge the wrong message, so acks of an older generation are dropped. The storing
process closing its end (or dying) stops the receiver without acknowledging anything,
so nothing it did not commit is lost: the broker keeps it for the persistent session.
"""

from __future__ import annotations

import logging
import signal
import threading
import time
from multiprocessing.connection import Connection
from typing import Any

import paho.mqtt.client as mqtt
from paho.mqtt.enums import CallbackAPIVersion
from paho.mqtt.packettypes import PacketTypes
from paho.mqtt.properties import Properties
from paho.mqtt.reasoncodes import ReasonCode
from paho.mqtt.subscribeoptions import SubscribeOptions

from fleetbase.broker import use_tls
from fleetbase.logs import setup_logging
from ingest.settings import IngestSettings

log = logging.getLogger("ingest.receiver")

TOPICS = ("fleet/+/telemetry", "fleet/+/status", "owntracks/+/+")
FORWARD_EVERY_S = 0.005  # how long a burst gathers in the receiver before crossing the pipe
FORWARD_AT_MOST = 2000


class Receiver:
    def __init__(
        self, settings: IngestSettings, *, to_storer: Connection, from_storer: Connection, first_generation: int
    ) -> None:
        self.settings = settings
        self.to_storer, self.from_storer = to_storer, from_storer
        self.generation = first_generation - 1
        self.pending: list[tuple[str, bytes | bytearray, float, int, int, int]] = []  # see the pipe protocol
        self.lock = threading.Lock()
        self.stopping = threading.Event()
        self.waiting = threading.Event()  # set when `pending` stops being empty
        self.client = self._mqtt_client()

    def _mqtt_client(self) -> mqtt.Client:
        client = mqtt.Client(
            CallbackAPIVersion.VERSION2, client_id=self.settings.ingest_client_id, protocol=mqtt.MQTTv5, manual_ack=True
        )
        client.username_pw_set(self.settings.mqtt_username, self.settings.mqtt_password.get_secret_value())
        client.reconnect_delay_set(min_delay=1, max_delay=30)
        use_tls(client, self.settings)
        client.on_connect = self._on_connect
        client.on_disconnect = self._on_disconnect
        client.on_message = self._on_message
        return client

    def _on_connect(
        self,
        client: mqtt.Client,
        userdata: Any,
        flags: mqtt.ConnectFlags,
        reason_code: ReasonCode,
        properties: Properties | None,
    ) -> None:
        if reason_code.is_failure:
            log.warning("broker refused the connection: %s", reason_code)
            return
        with self.lock:  # messages of the new connection follow this event through the pipe
            self.generation += 1
            self._forward_locked()
            self.to_storer.send(("connected", self.generation, bool(flags.session_present)))
        group = self.settings.ingest_share_group
        client.subscribe(
            [
                (f"$share/{group}/{topic}" if group else topic, SubscribeOptions(qos=1))
                for topic in (*TOPICS, self.settings.ingest_traccar_topic)
            ]
        )
        log.info("connected to the broker (session present: %s)", flags.session_present)

    def _on_disconnect(
        self,
        client: mqtt.Client,
        userdata: Any,
        flags: mqtt.DisconnectFlags,
        reason_code: ReasonCode,
        properties: Properties | None,
    ) -> None:
        log.warning("disconnected from the broker: %s", reason_code)

    def _on_message(self, client: mqtt.Client, userdata: Any, message: mqtt.MQTTMessage) -> None:
        with self.lock:
            self.pending.append(
                (message.topic, message.payload, time.time(), message.mid, message.qos, self.generation)
            )
            if len(self.pending) == 1:
                self.waiting.set()
            if len(self.pending) >= FORWARD_AT_MOST:
                self._forward_locked()

    def _forward_locked(self) -> None:
        if self.pending:
            self.to_storer.send(("messages", self.pending))
            self.pending = []

    def _forward_loop(self) -> None:
        # Asleep while nothing waits (a 5 ms poll cost an idle worker 1.7 % of a core,
        # docs/PERFORMANCE.md); once a message waits, a burst gathers for FORWARD_EVERY_S.
        while not self.stopping.is_set():
            if not self.waiting.wait(timeout=1.0):
                continue
            time.sleep(FORWARD_EVERY_S)
            with self.lock:
                self.waiting.clear()
                try:
                    self._forward_locked()
                except (BrokenPipeError, OSError):
                    self.stopping.set()

    def run(self) -> None:
        properties = Properties(PacketTypes.CONNECT)  # type: ignore[no-untyped-call]  # paho leaves __init__ unannotated
        properties.SessionExpiryInterval = self.settings.ingest_session_expiry_s
        properties.ReceiveMaximum = self.settings.ingest_receive_maximum
        # A generous keep-alive: under full load the network thread can wait for the GIL
        # long enough to miss a 30 s ping (seen in the benchmark), forcing a redelivery.
        self.client.connect_async(
            self.settings.mqtt_host, self.settings.mqtt_port, keepalive=90, clean_start=False, properties=properties
        )
        self.client.loop_start()
        forwarder = threading.Thread(target=self._forward_loop, name="forward", daemon=True)
        forwarder.start()
        try:
            while not self.stopping.is_set():
                try:
                    command = self.from_storer.recv()
                except (EOFError, OSError):
                    break  # the storing process is gone: leave the rest to the session
                if command[0] == "stop":
                    break
                if command[0] == "ack":
                    for mid, qos, generation in command[1]:
                        if qos > 0 and generation == self.generation:
                            self.client.ack(mid, qos)
        finally:
            self.stopping.set()
            self.client.disconnect()
            self.client.loop_stop()
            forwarder.join(timeout=1)


def run_receiver(
    settings: IngestSettings, to_storer: Connection, from_storer: Connection, first_generation: int
) -> None:
    """Entry point of the receiver process (multiprocessing target)."""
    # Ctrl-C reaches the whole process group: the storing process stops this one (or its
    # pipe closes), after its last batch, instead of a KeyboardInterrupt mid-read.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    setup_logging("ingest-receiver")
    Receiver(settings, to_storer=to_storer, from_storer=from_storer, first_generation=first_generation).run()
