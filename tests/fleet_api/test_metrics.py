"""`GET /metrics`: request counts and latency by route template, and the ingest counters."""

import re

from prometheus_client.parser import text_string_to_metric_families

from fleetbase.db import connect


def sample(text: str, name_and_labels: str) -> float:
    """The value of `name{labels}` in the exposition, read by Prometheus's own parser
    (label order is not part of the format)."""
    name, _, labels = name_and_labels.partition("{")
    wanted = dict(re.findall(r'(\w+)="([^"]*)"', labels))
    for family in text_string_to_metric_families(text):
        for found in family.samples:
            if found.name == name and found.labels == wanted:
                return found.value
    raise AssertionError(f"{name_and_labels} not in /metrics")


def test_requests_are_counted_by_route_template_and_status(client, as_role):
    for vehicle_id in (1, 2, 99999):
        client.get(f"/api/v1/vehicles/{vehicle_id}", headers=as_role["admin"])
    client.get("/api/v1/no-such-thing")

    text = client.get("/metrics").text

    route = 'method="GET",route="/api/v1/vehicles/{vehicle_id}"'
    assert sample(text, f'fleet_api_requests_total{{{route},status="200"}}') == 2
    assert sample(text, f'fleet_api_requests_total{{{route},status="404"}}') == 1
    assert sample(text, 'fleet_api_requests_total{method="GET",route="unmatched",status="404"}') == 1
    assert sample(text, f"fleet_api_request_duration_seconds_count{{{route}}}") == 3
    assert sample(text, f'fleet_api_request_duration_seconds_bucket{{{route},le="+Inf"}}') == 3
    assert "# TYPE fleet_api_request_duration_seconds histogram" in text


def test_ingest_counters_are_summed_over_workers(client, api_db):
    with connect(api_db) as conn:
        conn.execute(
            "INSERT INTO ingest_counters (worker_id, name, value) VALUES"
            " ('w1', 'ingest_readings_stored_total', 120), ('w2', 'ingest_readings_stored_total', 30),"
            " ('w1', 'ingest_rejected_total{reason=\"bad_json\"}', 2),"
            " ('w2', 'ingest_rejected_total{reason=\"bad_json\"}', 1),"
            " ('w2', 'ingest_rejected_total{reason=\"unknown_tracker\"}', 4),"
            " ('w1', 'ingest_lag_seconds_bucket{le=\"0.5\"}', 3),"
            " ('w1', 'ingest_lag_seconds_bucket{le=\"+Inf\"}', 5),"
            " ('w1', 'ingest_lag_seconds_sum', 1.5), ('w1', 'ingest_lag_seconds_count', 5)"
        )

    response = client.get("/metrics")

    assert response.status_code == 200 and response.headers["content-type"].startswith("text/plain")
    assert sample(response.text, "ingest_readings_stored_total") == 150
    assert sample(response.text, 'ingest_rejected_total{reason="bad_json"}') == 3
    assert sample(response.text, 'ingest_rejected_total{reason="unknown_tracker"}') == 4
    assert response.text.count("# TYPE ingest_rejected_total counter") == 1
    types = {family.name: family.type for family in text_string_to_metric_families(response.text)}
    assert types["ingest_lag_seconds"] == "histogram" and types["ingest_rejected"] == "counter"
    assert sample(response.text, 'ingest_lag_seconds_bucket{le="+Inf"}') == 5
