"""Ingest on NATS JetStream: trackers publish over MQTT to a three-node NATS cluster started
here (JetStream and an MQTT listener on each node), two real `python -m ingest` workers
consume the replicated stream as one durable pull consumer. A node killed mid-stream and
restarted, a worker killed mid-stream and restarted: 0 lost, 0 stored twice, latest state
right. And a tracker cannot publish under another tracker's topics through NATS's MQTT."""

from __future__ import annotations

import asyncio
import json
import threading
from collections.abc import Iterator
from contextlib import ExitStack
from datetime import UTC, datetime, timedelta

import nats
import paho.mqtt.client as mqtt
import pytest
from nats.js.api import AckPolicy, ConsumerConfig, DiscardPolicy, StorageType, StreamConfig

from fleetbase.broker import service_logins
from fleetbase.db import connect
from fleetbase.nats import MQTT_STREAM, NatsNode, nats_users, write_nats_config
from localbrokers.nats import NatsProcess
from localbrokers.ports import free_port
from tests.conftest import DEMO_PASSWORD, demo_settings
from tests.ingest.conftest import INGEST_PASSWORD, publish, query, scalar, worker_process
from tests.ingest.publisher import StreamPublisher
from tests.processes import wait_until

TRACKERS = ["car-02", "car-05", "scooter-03", "scooter-11", "ebike-02", "ebike-06"]
READINGS = 300  # per tracker, at RATE messages/s in all: 12 s of stream, both kills inside it
RATE = 150


class Cluster:
    def __init__(self, nodes: list[NatsNode]) -> None:
        self.nodes = nodes
        self.processes = [NatsProcess(node) for node in nodes]

    @property
    def urls(self) -> str:
        return ",".join(node.client_url for node in self.nodes)

    def index(self, server_name: str) -> int:
        return next(i for i, node in enumerate(self.nodes) if node.name == server_name)

    def stream_leader(self) -> str | None:
        """The server leading $MQTT_msgs (None while it has none or is not there yet)."""
        info = self.stream_info()
        return info.cluster.leader if info is not None and info.cluster else None

    def stream_info(self):
        async def ask():
            nc = await nats.connect(
                servers=self.urls.split(","),
                user="ingest",
                password=INGEST_PASSWORD,
                connect_timeout=2,
                max_reconnect_attempts=1,
            )
            try:
                return await nc.jetstream(timeout=2).stream_info(MQTT_STREAM)
            except nats.errors.Error:
                return None
            finally:
                await nc.close()

        return run_async(ask())


def run_async(coroutine):
    """Run a nats-py coroutine to its end in a thread of its own: the browser tests' Playwright
    keeps an event loop running in the main thread, where asyncio.run() refuses to start."""
    outcome: dict = {}

    def target() -> None:
        try:
            outcome["value"] = asyncio.run(coroutine)
        except BaseException as error:  # handed to the caller below
            outcome["error"] = error

    thread = threading.Thread(target=target)
    thread.start()
    thread.join()
    if "error" in outcome:
        raise outcome["error"]
    return outcome.get("value")


def write_nodes(base, seeded_url: str, count: int) -> list[NatsNode]:
    with connect(seeded_url) as conn:  # one set of users (bcrypt is slow on purpose), for every node
        users = nats_users(
            conn,
            service_logins=service_logins(demo_settings(seeded_url)),
            ingest_login="ingest",
            demo_password=DEMO_PASSWORD,
            rounds=6,
        )
    cluster_ports = [free_port() for _ in range(count)] if count > 1 else [None]
    nodes = [
        NatsNode(
            f"fleet-nats-{i}",
            base / f"nats-{i}",
            client_port=free_port(),
            mqtt_port=free_port(),
            cluster_port=cluster_ports[i],
            routes=tuple(port for j, port in enumerate(cluster_ports) if j != i and port),
        )
        for i in range(count)
    ]
    for node in nodes:
        write_nats_config(node, users)
    return nodes


@pytest.fixture
def nats_cluster(tmp_path, pipeline_db) -> Iterator[Cluster]:
    cluster = Cluster(write_nodes(tmp_path, pipeline_db, 3))  # the logins of this test's own database
    try:
        for process in cluster.processes:
            process.start()
        yield cluster
    finally:
        for process in cluster.processes:
            process.stop()


@pytest.fixture
def nats_node(tmp_path, pipeline_db) -> Iterator[Cluster]:
    single = Cluster(write_nodes(tmp_path, pipeline_db, 1))
    try:
        single.processes[0].start()
        yield single
    finally:
        single.processes[0].stop()


def nats_worker(url: str, cluster: Cluster, client_id: str, **settings: str):
    """A `python -m ingest` process on the cluster's shared durable consumer."""
    return worker_process(
        url,
        cluster.nodes[0].mqtt_port,
        client_id,
        FLEET_INGEST_SOURCE="nats",
        FLEET_NATS_URLS=cluster.urls,
        FLEET_NATS_ACK_WAIT_S="5",
        **settings,
    )


def stored(url: str) -> list[tuple[str, int]]:
    rows = query(url, "SELECT tracker_id, seq FROM positions WHERE tracker_id = ANY(%(t)s)", {"t": TRACKERS})
    return [(row["tracker_id"], row["seq"]) for row in rows]


def shares(url: str, client_ids: list[str]) -> dict[str, float]:
    rows = query(
        url,
        "SELECT worker_id, value FROM ingest_counters WHERE name = 'ingest_stored_total' AND worker_id = ANY(%(ids)s)",
        {"ids": client_ids},
    )
    return {row["worker_id"]: row["value"] for row in rows}


def probe_stored(url: str, port: int, tracker: str) -> bool:
    """Publish one reading as `tracker` over MQTT 3.1.1; true once a worker has stored one of them
    (the first ones may come before the workers made their consumer: the stream keeps
    only what some consumer is interested in)."""
    try:
        publish(
            port,
            tracker,
            json.dumps({"ts": datetime.now(UTC).isoformat(), "lat": 43.7, "lon": -1.05}),
            protocol="mqttv311",
        )
    except Exception:  # the cluster still electing its JetStream leaders refuses the connection
        return False
    return bool(scalar(url, "SELECT count(*) FROM positions WHERE tracker_id = %(t)s", {"t": tracker}))


def test_three_nodes_one_node_and_one_worker_killed_mid_stream_lose_nothing(pipeline_db, nats_cluster):
    cluster = nats_cluster
    client_ids = ["ingest-nats-0", "ingest-nats-1"]
    with ExitStack() as stack:
        workers = [stack.enter_context(nats_worker(pipeline_db, cluster, client_id)) for client_id in client_ids]
        wait_until(
            lambda: probe_stored(pipeline_db, cluster.nodes[0].mqtt_port, "car-08"),
            timeout=90,
            message="no worker consuming",
        )
        # Trackers spread over the three nodes' MQTT listeners, each keeping to its own.
        ports = {tracker: cluster.nodes[i % 3].mqtt_port for i, tracker in enumerate(TRACKERS)}
        publisher = StreamPublisher(ports, TRACKERS, protocol=mqtt.MQTTv311)
        publisher.wait_connected()
        stream = threading.Thread(target=publisher.publish, args=(READINGS,), kwargs={"rate": RATE})
        stream.start()
        try:
            # mid-stream: the node leading the stream is killed outright, then started again
            wait_until(lambda: len(stored(pipeline_db)) >= 200, timeout=60)
            leader = wait_until(cluster.stream_leader, timeout=30, message="no stream leader")
            assert cluster.stream_info().config.num_replicas == 3
            killed = cluster.index(leader)
            assert stream.is_alive()  # mid-stream
            cluster.processes[killed].stop(kill=True)
            progress = len(stored(pipeline_db))
            wait_until(
                lambda: len(stored(pipeline_db)) >= progress + 150,
                timeout=90,
                message="nothing stored once the stream leader was killed",
            )
            cluster.processes[killed].start()
            # then a worker is killed outright and started again under its id (as systemd does)
            progress = len(stored(pipeline_db))
            wait_until(lambda: len(stored(pipeline_db)) >= progress + 150, timeout=90)
            assert stream.is_alive()  # mid-stream
            workers[0].kill()
            workers[0].wait(timeout=30)
            stack.enter_context(nats_worker(pipeline_db, cluster, client_ids[0]))
            stream.join(timeout=180)
            wait_until(
                lambda: not publisher.pending, timeout=90, message=lambda: f"{len(publisher.pending)} PUBACKs missing"
            )
            wait_until(
                lambda: set(stored(pipeline_db)) >= publisher.acked,
                timeout=120,
                message=lambda: f"{len(publisher.acked - set(stored(pipeline_db)))} acknowledged, not stored",
            )
            # both workers took a share (counters are saved at each housekeeping round)
            wait_until(
                lambda: len([v for v in shares(pipeline_db, client_ids).values() if v > 0]) == 2,
                timeout=60,
                message=lambda: f"shares: {shares(pipeline_db, client_ids)}",
            )
        finally:
            stream.join(timeout=180)
            publisher.close()

    keys = stored(pipeline_db)
    assert len(publisher.acked) == len(TRACKERS) * READINGS
    assert len(keys) == len(set(keys)) == len(TRACKERS) * READINGS  # 0 lost, 0 stored twice
    per_fix = query(
        pipeline_db,
        "SELECT tracker_id, fix_time, count(*) AS n FROM positions"
        " WHERE tracker_id = ANY(%(t)s) GROUP BY 1, 2 HAVING count(*) > 1",
        {"t": TRACKERS},
    )
    assert per_fix == []
    latest = query(
        pipeline_db,
        "SELECT t.tracker_id, s.fix_time AS state_time, (SELECT max(p.fix_time) FROM positions p"
        "  WHERE p.vehicle_id = t.vehicle_id) AS newest"
        " FROM trackers t JOIN vehicle_state s ON s.vehicle_id = t.vehicle_id"
        " WHERE t.tracker_id = ANY(%(t)s)",
        {"t": TRACKERS},
    )
    assert len(latest) == len(TRACKERS)
    assert all(row["state_time"] == row["newest"] for row in latest), latest  # latest state right


def test_a_tracker_cannot_publish_under_another_trackers_topics(pipeline_db, nats_node):
    port = nats_node.nodes[0].mqtt_port
    with nats_worker(pipeline_db, nats_node, "ingest-nats-acl"):
        wait_until(lambda: probe_stored(pipeline_db, port, "car-08"), timeout=60, message="no worker consuming")
        now = datetime.now(UTC).replace(microsecond=0)
        forged = json.dumps({"ts": (now - timedelta(minutes=10)).isoformat(), "lat": 43.9, "lon": -1.2})
        reading = json.dumps({"ts": now.isoformat(), "lat": 43.71, "lon": -1.05})
        # car-02's own login, car-05's topics: NATS refuses the publish (a permissions violation)
        publish(port, "car-02", forged, topic="fleet/car-05/telemetry", protocol="mqttv311")
        publish(port, "car-02", forged, topic="fleet/car-05/status", protocol="mqttv311")
        publish(port, "car-02", forged, topic="owntracks/someone/car-05", protocol="mqttv311")
        # then car-05 itself, and car-02 on its own topic: both stored, after the refused ones
        publish(port, "car-05", reading, protocol="mqttv311")
        publish(port, "car-02", reading, protocol="mqttv311")
        wait_until(
            lambda: scalar(pipeline_db, "SELECT count(*) FROM positions WHERE tracker_id = 'car-02'"), timeout=30
        )
        wait_until(
            lambda: scalar(pipeline_db, "SELECT count(*) FROM positions WHERE tracker_id = 'car-05'"), timeout=30
        )
    rows = query(pipeline_db, "SELECT fix_time FROM positions WHERE tracker_id = 'car-05'")
    assert [row["fix_time"] for row in rows] == [now]  # only its own reading
    assert scalar(pipeline_db, "SELECT count(*) FROM dead_letters WHERE topic LIKE '%%car-05%%'") == 0
    assert "Publish Violation" in nats_node.nodes[0].log_file.read_text()


def test_the_apis_health_check_logs_in_to_natss_mqtt_listener_in_mqtt_3_1_1(seeded_url, nats_node):
    from fleet_api.health import broker_reachable
    from fleet_api.settings import ApiSettings

    settings = ApiSettings(
        database_url=seeded_url,
        mqtt_url=f"mqtt://127.0.0.1:{nats_node.nodes[0].mqtt_port}",
        demo_mode=True,
        demo_password=DEMO_PASSWORD,
        mqtt_password=INGEST_PASSWORD,
        health_timeout_s=5,
        mqtt_protocol="3.1.1",
    )

    assert broker_reachable(settings) == (True, "ok")
    assert broker_reachable(settings.model_copy(update={"mqtt_protocol": "5"}))[0] is False  # NATS 2.9: 3.1.1 only


def test_one_vehicles_readings_stored_by_two_workers_keep_its_latest_state_right(pipeline_db, nats_node):
    """One tracker only, small fetches: both workers store some of its readings, each
    committing on its own; the vehicle's latest state is still its newest fix."""
    port = nats_node.nodes[0].mqtt_port
    client_ids = ["ingest-nats-a", "ingest-nats-b"]
    with ExitStack() as stack:
        for client_id in client_ids:
            stack.enter_context(nats_worker(pipeline_db, nats_node, client_id, FLEET_NATS_FETCH_BATCH="5"))
        wait_until(lambda: probe_stored(pipeline_db, port, "car-08"), timeout=60, message="no worker consuming")
        before = shares(pipeline_db, client_ids)
        publisher = StreamPublisher(port, ["scooter-03"], protocol=mqtt.MQTTv311)
        try:
            publisher.wait_connected()
            publisher.publish(300, rate=150)
            wait_until(lambda: not publisher.pending, timeout=60, message="PUBACKs missing")
            wait_until(
                lambda: scalar(pipeline_db, "SELECT count(*) FROM positions WHERE tracker_id = 'scooter-03'") == 300,
                timeout=120,
            )
        finally:
            publisher.close()
        after = shares(pipeline_db, client_ids)
    assert all(after.get(i, 0) > before.get(i, 0) for i in client_ids), (before, after)  # both took some
    state = query(
        pipeline_db,
        "SELECT s.fix_time, s.odometer_km, (SELECT max(fix_time) FROM positions"
        "  WHERE tracker_id = 'scooter-03') AS newest"
        " FROM trackers t JOIN vehicle_state s ON s.vehicle_id = t.vehicle_id"
        " WHERE t.tracker_id = 'scooter-03'",
    )
    assert state[0]["fix_time"] == state[0]["newest"] == publisher.start_time + timedelta(seconds=299)
    assert state[0]["odometer_km"] == pytest.approx(1000 + 299 * 0.01)  # the newest reading's, not a later commit's


def test_the_puback_waits_for_the_mqtt_stream_not_for_a_stream_capturing_the_subject(nats_node):
    """Why the workers read $MQTT_msgs: NATS 2.9 acknowledges a QoS 1 PUBLISH once it is stored
    there, whatever a stream of ours capturing `fleet.>` did with it. Here such a stream
    refuses the second reading (full, discard new), and the tracker still gets its PUBACK."""
    port = nats_node.nodes[0].mqtt_port
    wait_until(
        lambda: nats_node.stream_info() is not None or probe_stored_nowhere(port),
        timeout=60,
        message="the MQTT streams were not made",
    )

    async def prepare():
        nc = await nats.connect(servers=[nats_node.nodes[0].client_url], user="ingest", password=INGEST_PASSWORD)
        js = nc.jetstream(timeout=5)
        await js.add_consumer(
            MQTT_STREAM,
            ConsumerConfig(
                durable_name="witness",
                ack_policy=AckPolicy.EXPLICIT,
                filter_subject="$MQTT.msgs.fleet.car-02.telemetry",
            ),
        )
        await js.add_stream(
            StreamConfig(
                name="CAPTURE",
                subjects=["fleet.car-02.telemetry"],
                max_msgs=1,
                discard=DiscardPolicy.NEW,
                storage=StorageType.MEMORY,
            )
        )
        await nc.close()

    async def counts():
        nc = await nats.connect(servers=[nats_node.nodes[0].client_url], user="ingest", password=INGEST_PASSWORD)
        js = nc.jetstream(timeout=5)
        captured = (await js.stream_info("CAPTURE")).state.messages
        kept = (await js.consumer_info(MQTT_STREAM, "witness")).num_pending
        await nc.close()
        return captured, kept

    run_async(prepare())
    for minute in (1, 2):  # mosquitto_pub exits 0 only once its QoS 1 PUBACK came
        publish(
            port,
            "car-02",
            json.dumps({"ts": f"2026-12-02T06:0{minute}:00Z", "lat": 43.7, "lon": -1.05}),
            protocol="mqttv311",
        )

    assert run_async(counts()) == (1, 2)  # both acknowledged and kept by NATS's stream; ours took one


def probe_stored_nowhere(port: int) -> bool:
    """An MQTT client's first connection makes the account's MQTT streams: publish once (no worker)."""
    try:
        publish(port, "car-08", "{}", protocol="mqttv311")
    except Exception:
        pass
    return False
