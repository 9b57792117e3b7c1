"""Publishing to the project's broker with QoS 1, and waiting for its PUBACK."""

from __future__ import annotations

import logging
import threading
from typing import Any

import paho.mqtt.client as mqtt
from paho.mqtt.enums import CallbackAPIVersion
from paho.mqtt.properties import Properties
from paho.mqtt.reasoncodes import ReasonCode

from fleetbase.broker import HTTP_INGRESS_LOGIN
from fleetbase.errors import FleetError

log = logging.getLogger("ingest.http_ingress")


class BrokerUnavailable(FleetError):
    """The broker did not take the message in time (or refused it): the app must send it again."""


class Publisher:
    """One MQTT 5 connection, shared by every request; reconnects on its own."""

    def __init__(self, *, host: str, port: int, password: str, client_id: str) -> None:
        self.client = mqtt.Client(CallbackAPIVersion.VERSION2, client_id=client_id, protocol=mqtt.MQTTv5)
        self.client.username_pw_set(HTTP_INGRESS_LOGIN, password)
        # paho annotates the delays int; they are seconds it sleeps and compares, a float works.
        self.client.reconnect_delay_set(min_delay=0.2, max_delay=5)  # type: ignore[arg-type]
        self.client.on_publish = self._on_publish
        self.client.on_connect = lambda c, u, f, reason, p: log.info("connected to the broker: %s", reason)
        self.client.on_disconnect = lambda c, u, f, reason, p: log.warning("disconnected from the broker: %s", reason)
        self._refusals: dict[int, ReasonCode] = {}
        self._lock = threading.Lock()
        self.host, self.port = host, port

    def start(self) -> None:
        self.client.connect_async(self.host, self.port, keepalive=30)
        self.client.loop_start()

    def stop(self) -> None:
        self.client.disconnect()
        self.client.loop_stop()

    @property
    def connected(self) -> bool:
        return self.client.is_connected()

    def publish(self, topic: str, payload: bytes, *, timeout: float) -> None:
        """Return once the broker acknowledged the message; BrokerUnavailable otherwise.

        A message not acknowledged in time may still reach the broker later (paho sends it
        again after a reconnect): the app then sends it twice, and storage keeps it once."""
        if not self.client.is_connected():
            raise BrokerUnavailable("Serveur de messages injoignable : réessayez dans un instant.")
        info = self.client.publish(topic, payload, qos=1)
        try:
            info.wait_for_publish(timeout)
        except (RuntimeError, ValueError):
            raise BrokerUnavailable("Serveur de messages injoignable : réessayez dans un instant.") from None
        if not info.is_published():
            raise BrokerUnavailable("Le serveur de messages n'a pas confirmé à temps : réessayez.")
        with self._lock:
            refusal = self._refusals.pop(info.mid, None)
        if refusal is not None:
            log.error("the broker refused a message on %s: %s", topic, refusal)
            raise BrokerUnavailable("Le serveur de messages a refusé la position : réessayez plus tard.")

    def _on_publish(
        self, client: mqtt.Client, userdata: Any, mid: int, reason_code: ReasonCode, properties: Properties
    ) -> None:
        # Called before the message is marked published, so publish() sees a refusal.
        if reason_code.is_failure:
            with self._lock:
                self._refusals[mid] = reason_code
        else:
            with self._lock:
                self._refusals.pop(mid, None)
