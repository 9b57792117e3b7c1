"""Traccar Client and other OsmAnd senders through the real HTTP ingress, broker and worker."""

import json
from datetime import UTC, datetime, timedelta

import httpx
import pytest

from tests.ingest.conftest import query, scalar, wait_until

FIX = datetime.now(UTC).replace(microsecond=0) - timedelta(minutes=30)


def positions(url: str, tracker_id: str) -> list[dict]:
    return query(url, "SELECT * FROM positions WHERE tracker_id = %(t)s ORDER BY fix_time", {"t": tracker_id})


def test_the_three_forms_are_each_stored_once_in_our_units(pipeline_db, worker, ingress):
    url = ingress.osmand_url("car-03")
    query_form = {
        "id": "car-03",
        "timestamp": int(FIX.timestamp()),
        "lat": 43.7102,
        "lon": -1.0531,
        "speed": 10,
        "bearing": 212,
        "altitude": 12,
        "accuracy": 5,
        "batt": 81,
        "charge": "true",
        "hdop": 0.9,
        "rpm": 900,
    }
    form = {
        "id": "car-03",
        "timestamp": int(FIX.timestamp() * 1000) + 60_000,
        "lat": 43.7110,
        "lon": -1.0540,
        "speed": 20,
    }
    json_form = {
        "device_id": "car-03",
        "location": {
            "timestamp": (FIX + timedelta(minutes=2)).isoformat(),
            "is_moving": True,
            "odometer": 1200,
            "coords": {
                "latitude": 43.7120,
                "longitude": -1.0550,
                "accuracy": 4,
                "speed": 10,
                "heading": -1,
                "altitude": 14,
            },
            "battery": {"level": 0.79, "is_charging": False},
        },
    }

    for _ in range(2):  # an app that did not see the first answer sends again
        assert httpx.get(url, params=query_form).status_code == 200
        assert httpx.post(url, data=form).status_code == 200
        assert httpx.post(url, json=json_form).status_code == 200

    rows = wait_until(lambda: (rows := positions(pipeline_db, "car-03")) and len(rows) == 3 and rows)
    by_query, by_form, by_json = rows
    assert by_query["speed_kmh"] == pytest.approx(18.52) and by_query["heading_deg"] == 212
    assert (by_query["alt_m"], by_query["acc_m"], by_query["tracker_battery_pct"]) == (12, 5, 81)
    assert by_query["battery_pct"] is None  # the phone's battery is not the vehicle's
    assert by_query["attributes"] == {"charge": True, "hdop": 0.9, "rpm": 900.0}
    assert by_form["fix_time"] == FIX + timedelta(minutes=1) and by_form["speed_kmh"] == pytest.approx(37.04)
    assert by_json["speed_kmh"] == pytest.approx(36.0) and by_json["heading_deg"] is None
    assert by_json["tracker_battery_pct"] == pytest.approx(79)
    assert by_json["attributes"] == {"motion": True, "app_odometer_m": 1200, "charge": False}
    wait_until(lambda: worker.worker.counters.get("ingest_duplicates_total") == 3)
    state = query(
        pipeline_db, "SELECT s.* FROM vehicle_state s JOIN trackers t USING (vehicle_id) WHERE t.tracker_id = 'car-03'"
    )[0]
    assert state["online"] is True and state["lat"] == 43.7120  # on the map like any tracker


def test_a_token_only_post_is_accepted_and_stores_nothing(pipeline_db, worker, ingress):
    answer = httpx.post(ingress.osmand_url("car-04"), data={"id": "car-04", "notificationToken": "abc"})

    assert answer.status_code == 200
    assert scalar(pipeline_db, "SELECT count(*) FROM positions WHERE tracker_id = 'car-04'") == 0
    assert scalar(pipeline_db, "SELECT count(*) FROM dead_letters") == 0


def test_bad_input_is_refused_with_a_reason_and_kept_as_a_dead_letter(pipeline_db, worker, ingress):
    url = ingress.osmand_url("car-04")
    cases = {
        "malformed_field": {"id": "car-04", "lat": "nord", "lon": -1.05},
        "missing_field": {"lat": 43.7, "lon": -1.05},
        "tracker_mismatch": {"id": "car-05", "lat": 43.7, "lon": -1.05},
        "future_fix": {
            "id": "car-04",
            "lat": 43.7,
            "lon": -1.05,
            "timestamp": int((datetime.now(UTC) + timedelta(days=1)).timestamp()),
        },
    }

    for reason, params in cases.items():
        answer = httpx.get(url, params=params)
        assert answer.status_code == 400, reason
        assert answer.json()["error"] == "InvalidInput" and answer.json()["detail"].startswith("Position refusée")
    unknown = httpx.get(f"{ingress.url}/osmand/not-a-secret", params={"id": "car-04", "lat": 43.7, "lon": -1.05})
    bad_json = httpx.post(
        url, content=b'{"device_id": "car-04", "location": ', headers={"content-type": "application/json"}
    )

    assert unknown.status_code == 404 and bad_json.status_code == 400
    letters = query(pipeline_db, "SELECT topic, tracker_id, reason, payload FROM dead_letters ORDER BY id")
    assert [letter["reason"] for letter in letters] == [*cases, "unknown_tracker", "bad_json"]
    assert {letter["topic"] for letter in letters} == {"http/osmand"}
    assert bytes(letters[0]["payload"]) == b"id=car-04&lat=nord&lon=-1.05"
    assert "not-a-secret" not in json.dumps([bytes(letter["payload"]).decode() for letter in letters])
    assert scalar(pipeline_db, "SELECT count(*) FROM positions WHERE tracker_id = 'car-04'") == 0


def test_a_disabled_tracker_is_refused(pipeline_db, worker, ingress):
    query(pipeline_db, "UPDATE trackers SET enabled = false WHERE tracker_id = 'scooter-05' RETURNING tracker_id")

    answer = httpx.get(ingress.osmand_url("scooter-05"), params={"id": "scooter-05", "lat": 43.7, "lon": -1.05})

    assert answer.status_code == 403 and "désactivé" in answer.json()["detail"]
    assert query(pipeline_db, "SELECT reason FROM dead_letters") == [{"reason": "disabled_tracker"}]
