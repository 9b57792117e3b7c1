"""The ceiling for a Python consumer here: a bare paho subscriber that only parses.

`python bench/bare_subscriber.py PORT PASSWORD EXPECTED [STALLED_S]` subscribes like the
ingest worker (MQTT 5, QoS 1, persistent session), parses each payload as JSON and does
nothing else; it prints one JSON line with how many it received and how fast.
EXPECTED 0 only creates the session; otherwise the session ends once EXPECTED messages
are in, or once nothing has come for STALLED_S seconds (default 30): then `received`
says how many are missing, and the caller says so.
"""

from __future__ import annotations

import json
import sys
import threading
import time

import paho.mqtt.client as mqtt
from paho.mqtt.packettypes import PacketTypes
from paho.mqtt.properties import Properties


def main() -> int:
    port, password, expected = int(sys.argv[1]), sys.argv[2], int(sys.argv[3])
    stalled_s = float(sys.argv[4]) if len(sys.argv) > 4 else 30.0
    received = 0
    first = last = 0.0
    done = threading.Event()

    def on_message(client, userdata, message):
        nonlocal received, first, last
        json.loads(message.payload)
        received += 1
        last = time.monotonic()
        if received == 1:
            first = last
        if received >= expected:
            done.set()

    def drained() -> None:
        """Until every expected message is in, or none has come for `stalled_s`."""
        since = time.monotonic()
        while not done.wait(0.5):
            if time.monotonic() - max(since, last) > stalled_s:
                return

    client = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, client_id="bench-bare", protocol=mqtt.MQTTv5)
    client.username_pw_set("ingest", password)
    client.on_message = on_message
    subscribed = threading.Event()
    client.on_subscribe = lambda *_: subscribed.set()
    client.on_connect = lambda c, *_: c.subscribe("fleet/+/telemetry", qos=1)
    properties = Properties(PacketTypes.CONNECT)
    properties.SessionExpiryInterval = 3600
    properties.ReceiveMaximum = 20000  # as the ingest worker (IngestSettings.ingest_receive_maximum)
    client.connect("127.0.0.1", port, clean_start=False, properties=properties)
    client.loop_start()
    goodbye = Properties(PacketTypes.DISCONNECT)
    if expected == 0:  # only create the session, which then queues what is published
        if not subscribed.wait(30):
            print("bare subscriber: no SUBACK from the broker within 30 s", file=sys.stderr)
            return 1
        goodbye.SessionExpiryInterval = 3600
    else:
        drained()
        # End the session: left behind, it would queue every later load's messages, and a
        # broker saving millions of them slows down the loads measured after this one.
        goodbye.SessionExpiryInterval = 0
    client.disconnect(properties=goodbye)
    client.loop_stop()
    elapsed = last - first
    print(
        json.dumps(
            {
                "received": received,
                "seconds": round(elapsed, 3),
                "rate": round(received / elapsed, 1) if elapsed else 0.0,
            }
        )
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
