"""`/geofences` takes and gives GeoJSON, refuses bad shapes with their reason; `/events`
lists the fleet's events and leaves out where a lent vehicle was."""

from datetime import UTC, datetime, timedelta

from fleetbase.db import connect

CIRCLE = {
    "type": "Feature",
    "properties": {"name": "Lycée de Dax", "kind": "other", "radius_m": 400},
    "geometry": {"type": "Point", "coordinates": [-1.0536, 43.7102]},
}


def test_a_zone_goes_in_and_comes_back_as_geojson(client, as_role):
    created = client.post("/api/v1/geofences", headers=as_role["fleet_manager"], json=CIRCLE)
    listed = client.get("/api/v1/geofences", headers=as_role["coordinator"])

    assert created.status_code == 201, created.text
    feature = created.json()
    assert feature["geometry"] == CIRCLE["geometry"] and feature["properties"]["radius_m"] == 400
    assert feature["id"] in [zone["id"] for zone in listed.json()["features"]]
    changed = client.patch(f"/api/v1/geofences/{feature['id']}", headers=as_role["admin"], json={"radius_m": 500})
    assert changed.json()["properties"]["radius_m"] == 500
    assert client.delete(f"/api/v1/geofences/{feature['id']}", headers=as_role["admin"]).status_code == 204
    assert client.get(f"/api/v1/geofences/{feature['id']}", headers=as_role["admin"]).status_code == 404


def test_each_kind_of_invalid_geojson_gets_a_422_with_its_reason(client, as_role):
    bowtie = [[-1.06, 43.70], [-1.04, 43.72], [-1.04, 43.70], [-1.06, 43.72], [-1.06, 43.70]]
    cases = {
        "self-crossing ring": {"type": "Polygon", "coordinates": [bowtie]},
        "unclosed ring": {
            "type": "Polygon",
            "coordinates": [[[-1.06, 43.70], [-1.04, 43.70], [-1.04, 43.72], [-1.06, 43.72]]],
        },
        "too few points": {"type": "Polygon", "coordinates": [[[-1.06, 43.70], [-1.04, 43.70], [-1.06, 43.70]]]},
        "out of range": {
            "type": "Polygon",
            "coordinates": [[[-1.06, 43.70], [-1.04, 95.0], [-1.04, 43.72], [-1.06, 43.70]]],
        },
        "unknown type": {"type": "Tetrahedron", "coordinates": []},
    }
    for label, geometry in cases.items():
        response = client.post(
            "/api/v1/geofences",
            headers=as_role["admin"],
            json={"type": "Feature", "properties": {"name": label, "kind": "other"}, "geometry": geometry},
        )
        assert response.status_code == 422, (label, response.text)
        assert response.json()["error"] == "InvalidZone" and response.json()["detail"], label
    circle = client.post(
        "/api/v1/geofences",
        headers=as_role["admin"],
        json=CIRCLE | {"properties": CIRCLE["properties"] | {"radius_m": 0}},
    )
    assert circle.status_code == 422 and "radius" in circle.json()["detail"]


def test_events_are_listed_and_a_lent_vehicle_keeps_its_whereabouts(client, as_role, api_db):
    now = datetime.now(UTC).replace(microsecond=0)
    with connect(api_db) as conn:
        vehicles = {
            row["label"]: row["id"]
            for row in conn.execute("SELECT id, label FROM vehicles WHERE label IN ('car-01', 'scooter-01')")
        }
        conn.execute(
            "INSERT INTO loans (vehicle_id, status, starts_at, ends_at, held_until, checked_out_at)"
            " VALUES (%(v)s, 'active', %(start)s, %(end)s, %(end)s, %(start)s)",
            {"v": vehicles["scooter-01"], "start": now - timedelta(days=2), "end": now + timedelta(days=5)},
        )
        for label in ("car-01", "scooter-01"):
            conn.execute(
                "INSERT INTO events (vehicle_id, type, occurred_at, lat, lon)"
                " VALUES (%(v)s, 'geofence_exit', %(at)s, 43.71, -1.05)",
                {"v": vehicles[label], "at": now - timedelta(hours=1)},
            )
        conn.commit()

    events = client.get("/api/v1/events", headers=as_role["coordinator"], params={"type": "geofence_exit"}).json()
    one = client.get("/api/v1/events", headers=as_role["coordinator"], params={"vehicle_id": vehicles["car-01"]}).json()
    backwards = client.get(
        "/api/v1/events",
        headers=as_role["coordinator"],
        params={"from": now.isoformat(), "to": (now - timedelta(days=1)).isoformat()},
    )

    by_label = {event["vehicle_label"]: event for event in events}
    assert (by_label["car-01"]["lat"], by_label["car-01"]["during_loan"]) == (43.71, False)
    assert (by_label["scooter-01"]["lat"], by_label["scooter-01"]["lon"]) == (None, None)
    assert by_label["scooter-01"]["during_loan"] is True
    assert [event["vehicle_label"] for event in one] == ["car-01"]
    assert backwards.status_code == 422


def test_the_fleet_manager_edits_a_kinds_thresholds_and_bad_values_are_refused(client, as_role):
    changed = client.patch(
        "/api/v1/geofence-rules/scooter",
        headers=as_role["fleet_manager"],
        json={"low_battery_pct": 25, "silent_after_minutes": 240},
    )
    listed = {
        row["vehicle_kind"]: row for row in client.get("/api/v1/geofence-rules", headers=as_role["mechanic"]).json()
    }
    negative = client.patch("/api/v1/geofence-rules/scooter", headers=as_role["admin"], json={"low_battery_pct": -3})
    unknown = client.patch("/api/v1/geofence-rules/scooter", headers=as_role["admin"], json={"speed_limit_kmh": 45})

    assert changed.status_code == 200, changed.text
    assert (listed["scooter"]["low_battery_pct"], listed["scooter"]["silent_after_minutes"]) == (25, 240)
    assert listed["car"]["silent_after_minutes"] == 360  # the other kinds are untouched
    assert negative.status_code == 422 and unknown.status_code == 422


def test_a_depot_or_service_area_must_reach_the_associations_sites(client, as_role):
    """Only depots and the service area place a lent vehicle: neither may be drawn around
    somewhere else, such as the street where a participant lives."""
    with connect(client.app.state.settings.database_url) as conn:
        dax = conn.execute("SELECT id, lon, lat FROM sites WHERE code = 'DAX'").fetchone()

    def zone(name, kind, lon, lat, radius_m, **properties):
        return client.post(
            "/api/v1/geofences",
            headers=as_role["admin"],
            json={
                "type": "Feature",
                "properties": {"name": name, "kind": kind, "radius_m": radius_m, **properties},
                "geometry": {"type": "Point", "coordinates": [lon, lat]},
            },
        )

    around_a_home = zone("Rue des Pins", "service_area", -1.0900, 43.6700, 50)
    depot_elsewhere = zone("Dépôt ailleurs", "depot", -1.0900, 43.6700, 50, site_id=dax["id"])
    depot = zone("Dépôt de Dax bis", "depot", dax["lon"], dax["lat"], 80, site_id=dax["id"])
    area = zone("Grand Dax", "service_area", dax["lon"], dax["lat"], 15_000)

    for refused in (around_a_home, depot_elsewhere):
        assert refused.status_code == 422, refused.text
        assert refused.json()["error"] == "InvalidZone" and "site" in refused.json()["detail"]
    assert (depot.status_code, area.status_code) == (201, 201), (depot.text, area.text)
    moved = client.patch(
        f"/api/v1/geofences/{area.json()['id']}",
        headers=as_role["admin"],
        json={"geometry": {"type": "Point", "coordinates": [-1.09, 43.67]}, "radius_m": 50},
    )
    assert moved.status_code == 422 and "site" in moved.json()["detail"], moved.text
    other = zone("Rue des Pins, autre", "other", -1.0900, 43.6700, 50)
    assert other.status_code == 201  # allowed, and it never records a lent vehicle (tests/geofence)
