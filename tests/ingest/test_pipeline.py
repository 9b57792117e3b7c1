"""Readings published with real MQTT clients land in PostgreSQL through the worker."""

import json
from datetime import UTC, datetime, timedelta

from fleetbase.broker import SIMULATOR_LOGIN, simulator_password
from tests.ingest.conftest import publish, query, scalar, wait_until

BASE = datetime.now(UTC).replace(microsecond=0) - timedelta(hours=1)


def reading(seconds: int, *, lat: float = 43.7102, lon: float = -1.0531, **extra) -> dict:
    return {
        "ts": (BASE + timedelta(seconds=seconds)).isoformat().replace("+00:00", "Z"),
        "lat": lat,
        "lon": lon,
        **extra,
    }


def stored(url: str, tracker_id: str) -> list[dict]:
    return query(
        url,
        "SELECT fix_time, lat, lon, odometer_km, effective_odometer_km, attributes"
        " FROM positions WHERE tracker_id = %(t)s ORDER BY fix_time",
        {"t": tracker_id},
    )


def state(url: str, tracker_id: str) -> dict:
    rows = query(
        url,
        "SELECT s.* FROM vehicle_state s JOIN trackers t USING (vehicle_id) WHERE t.tracker_id = %(t)s",
        {"t": tracker_id},
    )
    return rows[0] if rows else {}


def test_a_published_reading_is_stored_once_with_the_latest_state(pipeline_db, broker, worker):
    payload = reading(
        0, speed_kmh=37.5, heading_deg=212, odometer_km=10234.7, fuel_pct=64, ignition=True, seq=18231, firmware="4.2"
    )

    publish(broker.files.port, "car-01", json.dumps(payload))

    rows = wait_until(lambda: stored(pipeline_db, "car-01"))
    latest = wait_until(lambda: state(pipeline_db, "car-01"))
    assert len(rows) == 1
    assert rows[0]["attributes"] == {"firmware": "4.2"}
    assert (latest["lat"], latest["lon"], latest["speed_kmh"]) == (43.7102, -1.0531, 37.5)
    assert latest["effective_odometer_km"] == 10234.7
    assert latest["fuel_pct"] == 64 and latest["ignition"] is True and latest["online"] is True


def test_an_owntracks_location_lands_and_other_types_are_ignored(pipeline_db, broker, worker):
    location = {
        "_type": "location",
        "tst": int(BASE.timestamp()),
        "lat": 43.5453,
        "lon": -1.104,
        "vel": 22,
        "cog": 90,
        "acc": 8,
        "batt": 77,
        "odometer": 5123.4,
        "t": "i",
        "tid": "sc",
    }

    publish(
        broker.files.port,
        "scooter-11",
        json.dumps({"_type": "transition", "event": "enter"}),
        topic="owntracks/phone/scooter-11",
    )
    publish(broker.files.port, "scooter-11", json.dumps(location), topic="owntracks/phone/scooter-11")

    rows = wait_until(lambda: query(pipeline_db, "SELECT * FROM positions WHERE tracker_id = 'scooter-11'"))
    assert len(rows) == 1
    assert rows[0]["speed_kmh"] == 22 and rows[0]["tracker_battery_pct"] == 77
    assert rows[0]["battery_pct"] is None  # a phone's battery is not the traction battery
    assert rows[0]["ignition"] is True and rows[0]["odometer_km"] == 5123.4
    wait_until(lambda: worker.worker.counters.get("ingest_ignored_total", type="transition") == 1)
    assert scalar(pipeline_db, "SELECT count(*) FROM dead_letters") == 0


def test_duplicates_and_out_of_order_batches_are_stored_once_with_the_right_latest_state(pipeline_db, broker, worker):
    port = broker.files.port
    first = [reading(i * 10, lat=43.70 + i * 0.001, odometer_km=100 + i * 0.1) for i in range(5)]
    late = [reading(i * 10 + 5, lat=43.70 + i * 0.001, odometer_km=100 + i * 0.1) for i in range(4)]

    publish(port, "ebike-03", json.dumps(first))
    publish(port, "ebike-03", json.dumps(first[::-1]))  # the same batch again, reversed
    wait_until(lambda: worker.worker.counters.get("ingest_duplicates_total") == 5)
    publish(port, "ebike-03", json.dumps(late[::-1]))  # older than the latest state
    wait_until(lambda: len(stored(pipeline_db, "ebike-03")) == 9)

    latest = state(pipeline_db, "ebike-03")
    assert latest["fix_time"] == BASE + timedelta(seconds=40)
    assert latest["lat"] == 43.704 and latest["effective_odometer_km"] == 100.4
    assert worker.worker.counters.get("ingest_out_of_order_total") == 4
    assert worker.worker.counters.get("ingest_stored_total") == 9


def test_every_kind_of_bad_input_is_dead_lettered_with_its_reason_and_the_worker_keeps_going(
    pipeline_db, broker, worker
):
    port = broker.files.port
    future = (datetime.now(UTC) + timedelta(hours=2)).isoformat()
    cases = {
        "bad_json": ("car-02", b'{"ts": "2026-11-25T08:15:02Z", "lat": 43.7,'),
        "missing_field": ("car-02", json.dumps({"ts": reading(0)["ts"], "lat": 43.7})),
        "malformed_field": ("car-02", json.dumps(reading(1, speed_kmh="fast"))),
        "out_of_range": ("car-02", json.dumps(reading(2, lat=123.0))),
        "null_island": ("car-02", json.dumps(reading(3, lat=0.0, lon=0.0))),
        "future_fix": ("car-02", json.dumps({"ts": future, "lat": 43.7, "lon": -1.05})),
        "not_a_reading": ("car-02", b"[1, 2]"),
        "empty_batch": ("car-02", b"[]"),
    }
    for tracker_id, payload in cases.values():
        publish(port, tracker_id, payload)
    publish(
        port, "ghost-01", json.dumps(reading(4)), username=SIMULATOR_LOGIN, password=simulator_password(worker.settings)
    )
    query(pipeline_db, "UPDATE trackers SET enabled = false WHERE tracker_id = 'car-03' RETURNING 1")
    worker.worker.service.trackers.forget()
    publish(port, "car-03", json.dumps(reading(5)))
    publish(port, "car-02", json.dumps(reading(6)))  # a good one after all of that

    expected = {"not_a_reading": 2, "unknown_tracker": 1, "disabled_tracker": 1} | {
        reason: 1 for reason in cases if reason != "not_a_reading"
    }
    letters = wait_until(
        lambda: (
            (rows := query(pipeline_db, "SELECT reason, count(*) AS n FROM dead_letters GROUP BY reason"))
            and {row["reason"]: row["n"] for row in rows} == expected
            and rows
        )
    )
    assert letters
    kept = query(pipeline_db, "SELECT topic, payload FROM dead_letters WHERE reason = 'bad_json'")[0]
    assert kept["topic"] == "fleet/car-02/telemetry" and bytes(kept["payload"]) == cases["bad_json"][1]
    wait_until(lambda: len(stored(pipeline_db, "car-02")) == 1)
    assert worker.thread.is_alive()


def test_a_gps_jump_does_not_move_the_effective_odometer(pipeline_db, broker, worker):
    track = [
        reading(0, lat=43.7000),
        reading(60, lat=43.7050),
        reading(120, lat=48.8566, lon=2.3522),
        reading(180, lat=43.7100),
        reading(240, lat=43.7150),
    ]

    publish(broker.files.port, "scooter-04", json.dumps(track))

    wait_until(lambda: len(stored(pipeline_db, "scooter-04")) == 5)
    latest = state(pipeline_db, "scooter-04")
    assert 1.6 < latest["effective_odometer_km"] < 1.8  # 15 × ~111 m, not 700 km to Paris and back
    assert (latest["lat"], latest["lon"]) == (43.715, -1.0531)
    flags = [row["attributes"] and row["attributes"].get("odometer_flag") for row in stored(pipeline_db, "scooter-04")]
    assert flags == [None, None, "gps_jump", None, None]


def test_the_retained_status_topic_marks_a_tracker_offline_and_online(pipeline_db, broker, worker):
    port = broker.files.port
    publish(port, "car-05", json.dumps(reading(0)))
    wait_until(lambda: state(pipeline_db, "car-05").get("online") is True)

    publish(
        port,
        "car-05",
        json.dumps({"online": False, "ts": datetime.now(UTC).isoformat()}),
        topic="fleet/car-05/status",
        retain=True,
    )

    wait_until(lambda: state(pipeline_db, "car-05").get("online") is False)
    publish(
        port,
        "car-05",
        json.dumps({"online": True, "ts": datetime.now(UTC).isoformat()}),
        topic="fleet/car-05/status",
        retain=True,
    )
    wait_until(lambda: state(pipeline_db, "car-05").get("online") is True)


def test_a_tracker_silent_too_long_is_marked_offline(pipeline_db, broker, worker):
    publish(broker.files.port, "car-06", json.dumps(reading(0)))
    wait_until(lambda: state(pipeline_db, "car-06").get("online") is True)

    query(pipeline_db, "UPDATE vehicle_state SET last_seen_at = now() - interval '1 hour' RETURNING 1")

    wait_until(lambda: state(pipeline_db, "car-06").get("online") is False)
    assert not query(pipeline_db, "SELECT 1 FROM alerts WHERE kind = 'tracker_silent'")  # a car may rest 6 h


def test_a_tracker_silent_past_its_kinds_limit_raises_one_alert_for_the_fleet_manager(pipeline_db, broker, worker):
    publish(broker.files.port, "car-06", json.dumps(reading(0)))
    wait_until(lambda: state(pipeline_db, "car-06").get("online") is True)

    query(pipeline_db, "UPDATE vehicle_state SET last_seen_at = now() - interval '7 hours' RETURNING 1")

    alerts = wait_until(
        lambda: query(pipeline_db, "SELECT kind, target_role, message FROM alerts WHERE kind = 'tracker_silent'")
    )
    rounds = worker.worker.counters.get("ingest_housekeeping_total", outcome="ok")
    wait_until(
        lambda: worker.worker.counters.get("ingest_housekeeping_total", outcome="ok") >= rounds + 3,
        timeout=30,
        message="no more housekeeping rounds",
    )  # each checked the silence again
    assert len(query(pipeline_db, "SELECT 1 FROM alerts WHERE kind = 'tracker_silent'")) == 1
    assert alerts[0]["target_role"] == "fleet_manager"
    assert alerts[0]["message"].startswith("Traceur muet : car-06")


def test_a_vehicle_driven_off_its_depot_with_nobody_on_loan_raises_one_theft_alert(pipeline_db, broker, worker):
    depot = query(
        pipeline_db,
        "SELECT s.lat, s.lon FROM vehicles v JOIN sites s ON s.id = v.home_site_id WHERE v.label = 'car-04'",
    )[0]
    # parked at the depot, then driven north-east with the ignition on, fixes every 20 s
    track = [reading(i * 20, lat=depot["lat"], lon=depot["lon"], acc_m=5, ignition=False) for i in range(4)]
    track += [
        reading(
            100 + i * 20,
            lat=depot["lat"] + i * 0.002,
            lon=depot["lon"] + i * 0.002,
            acc_m=5,
            ignition=True,
            speed_kmh=40,
        )
        for i in range(1, 10)
    ]

    publish(broker.files.port, "car-04", json.dumps(track))

    exits = wait_until(
        lambda: query(
            pipeline_db,
            "SELECT e.* FROM events e JOIN vehicles v ON v.id = e.vehicle_id"
            " WHERE v.label = 'car-04' AND e.type = 'geofence_exit'",
        )
    )
    alerts = query(
        pipeline_db,
        "SELECT a.kind, a.target_role, a.message FROM alerts a"
        " JOIN vehicles v ON v.id = a.vehicle_id WHERE v.label = 'car-04'",
    )
    assert len(exits) == 1
    assert [(alert["kind"], alert["target_role"]) for alert in alerts] == [("possible_theft", "fleet_manager")]
    assert alerts[0]["message"].startswith("Vol possible : car-04 n'est pas en prêt")
