"""OwnTracks through the real Mosquitto and the ingest worker: the last will, encrypted
messages, cleared retained messages."""

import json
import signal
import subprocess
from datetime import UTC, datetime, timedelta

from fleetbase.passwords import demo_tracker_password
from tests.conftest import DEMO_PASSWORD
from tests.ingest.conftest import publish, query, scalar, wait_until
from tests.ingest.protocols.test_owntracks import app_encrypted
from tests.processes import running, stop_process

TST = int((datetime.now(UTC) - timedelta(minutes=10)).timestamp())


def vehicle_state(url: str, tracker_id: str) -> dict:
    rows = query(
        url,
        "SELECT s.* FROM vehicle_state s JOIN trackers t USING (vehicle_id) WHERE t.tracker_id = %(t)s",
        {"t": tracker_id},
    )
    return rows[0] if rows else {}


def test_the_android_last_will_marks_the_phone_offline_when_its_connection_drops(pipeline_db, broker, worker):
    topic = "owntracks/marie/scooter-11"
    command = [
        "mosquitto_pub",
        "-h",
        "127.0.0.1",
        "-p",
        str(broker.files.port),
        "-V",
        "mqttv311",
        "-q",
        "1",
        "-u",
        "scooter-11",
        "-P",
        demo_tracker_password(DEMO_PASSWORD, "scooter-11"),
        "-t",
        topic,
        "-l",
        "--will-topic",
        topic,
        "--will-qos",
        "1",
        "--will-payload",
        json.dumps({"_type": "lwt", "tst": TST}),
    ]
    location = {"_type": "location", "tst": TST, "lat": 43.5453, "lon": -1.104, "acc": 8, "batt": 77, "tid": "sc"}
    with running(command, stdin=subprocess.PIPE) as phone:
        phone.stdin.write(json.dumps(location).encode() + b"\n")
        phone.stdin.flush()
        wait_until(lambda: vehicle_state(pipeline_db, "scooter-11").get("online") is True)

        stop_process(phone, sig=signal.SIGKILL)  # the phone loses its network: no DISCONNECT, the will goes

    wait_until(lambda: vehicle_state(pipeline_db, "scooter-11").get("online") is False)
    assert scalar(pipeline_db, "SELECT count(*) FROM positions WHERE tracker_id = 'scooter-11'") == 1
    assert scalar(pipeline_db, "SELECT count(*) FROM dead_letters") == 0


def test_an_encrypted_location_is_stored_with_the_key_set_at_registration(pipeline_db, broker, worker):
    query(
        pipeline_db,
        "UPDATE trackers SET owntracks_key = 'Sel de Mimizan' WHERE tracker_id = 'scooter-12' RETURNING tracker_id",
    )
    location = {"_type": "location", "tst": TST, "lat": 43.7102, "lon": -1.0531, "vel": 31, "batt": 40}

    publish(
        broker.files.port,
        "scooter-12",
        app_encrypted("Sel de Mimizan", location, nonce=bytes(range(24))),
        topic="owntracks/marie/scooter-12",
    )
    publish(
        broker.files.port,
        "scooter-13",
        app_encrypted("Sel de Mimizan", location, nonce=bytes(24)),
        topic="owntracks/paul/scooter-13",
    )

    rows = wait_until(lambda: query(pipeline_db, "SELECT * FROM positions WHERE tracker_id = 'scooter-12'"))
    assert (rows[0]["lat"], rows[0]["speed_kmh"], rows[0]["tracker_battery_pct"]) == (43.7102, 31, 40)
    letters = wait_until(lambda: query(pipeline_db, "SELECT * FROM dead_letters"))
    assert [(letter["tracker_id"], letter["reason"]) for letter in letters] == [("scooter-13", "no_decryption_key")]


def test_clearing_a_retained_message_is_ignored_not_dead_lettered(pipeline_db, broker, worker):
    location = {"_type": "location", "tst": TST, "lat": 43.66, "lon": -1.30}
    topic = "owntracks/marie/scooter-14"

    publish(broker.files.port, "scooter-14", json.dumps(location), topic=topic, retain=True)
    subprocess.run(
        [
            "mosquitto_pub",
            "-h",
            "127.0.0.1",
            "-p",
            str(broker.files.port),
            "-V",
            "mqttv5",
            "-q",
            "1",
            "-u",
            "scooter-14",
            "-P",
            demo_tracker_password(DEMO_PASSWORD, "scooter-14"),
            "-t",
            topic,
            "-r",
            "-n",
        ],
        check=True,
        timeout=10,
    )  # -n: a zero-length message clears the retained one
    publish(broker.files.port, "scooter-14", json.dumps({"_type": "card", "name": "Marie"}), topic=topic)

    wait_until(lambda: worker.worker.counters.get("ingest_ignored_total", type="empty") == 1)
    wait_until(lambda: worker.worker.counters.get("ingest_ignored_total", type="card") == 1)
    assert scalar(pipeline_db, "SELECT count(*) FROM positions WHERE tracker_id = 'scooter-14'") == 1
    assert scalar(pipeline_db, "SELECT count(*) FROM dead_letters") == 0
