"""Zones through the service: Features in and out, typed refusals, and the index following changes."""

from datetime import UTC, datetime

import pytest

from fleetbase.errors import Conflict, NotFound
from geofence import service
from geofence.evaluation import ZoneCache
from geofence.zones import InvalidZone

NOW = datetime(2026, 11, 25, 9, 0, tzinfo=UTC)
MARKET = {
    "type": "Feature",
    "geometry": {
        "type": "Polygon",
        "coordinates": [[[-1.06, 43.70], [-1.05, 43.70], [-1.05, 43.71], [-1.06, 43.71], [-1.06, 43.70]]],
    },
    "properties": {"name": "Marché de Dax", "kind": "other"},
}


def test_a_zone_goes_in_as_a_feature_and_comes_out_the_same(conn):
    zone = service.create_zone(conn, MARKET)
    feature = service.to_feature(zone)

    assert feature["geometry"] == MARKET["geometry"]
    assert feature["properties"]["name"] == "Marché de Dax" and feature["properties"]["kind"] == "other"


def test_a_corridor_and_a_circle_are_stored_with_their_size(conn):
    road = service.create_zone(
        conn,
        {
            "type": "Feature",
            "geometry": {"type": "LineString", "coordinates": [[-1.05, 43.70], [-1.10, 43.66]]},
            "properties": {"name": "Route de Saint-Pandelon", "kind": "other", "width_m": 60},
        },
    )
    circle = service.create_zone(
        conn,
        {
            "type": "Feature",
            "geometry": {"type": "Point", "coordinates": [-1.05, 43.70]},
            "properties": {"name": "Gare", "radius_m": 80},
        },
    )

    assert road.width_m == 60 and road.radius_m is None
    assert circle.radius_m == 80 and circle.kind == "other"


@pytest.mark.parametrize(
    ("feature", "reason"),
    [
        ({**MARKET, "properties": {"name": "Sans site", "kind": "depot"}}, "bad_kind"),
        ({**MARKET, "properties": {"name": "Zone", "kind": "speed_trap"}}, "bad_kind"),
        ({**MARKET, "properties": {"name": " "}}, "bad_name"),
        ({**MARKET, "properties": {"name": "Zone", "colour": "red"}}, "not_geojson"),
        ({**MARKET, "geometry": {"type": "Point", "coordinates": [-1.05, 43.7]}}, "bad_radius"),
        (MARKET["geometry"], "not_geojson"),
    ],
)
def test_a_bad_feature_is_refused_with_its_reason(conn, feature, reason):
    with pytest.raises(InvalidZone) as refused:
        service.create_zone(conn, feature)
    assert refused.value.reason == reason


def test_a_taken_name_is_a_conflict_and_leaves_the_transaction_usable(conn):
    service.create_zone(conn, MARKET)
    with pytest.raises(Conflict):
        service.create_zone(conn, MARKET)
    assert conn.execute("SELECT count(*) AS n FROM geofences WHERE name = 'Marché de Dax'").fetchone()["n"] == 1


def test_a_circle_redrawn_as_a_polygon_loses_its_radius(conn):
    gare = service.create_zone(
        conn,
        {
            "type": "Feature",
            "geometry": {"type": "Point", "coordinates": [-1.05, 43.70]},
            "properties": {"name": "Gare", "radius_m": 80},
        },
    )
    changed = service.update_zone(conn, gare.id, {"geometry": MARKET["geometry"]}, now=NOW)

    assert changed.radius_m is None and changed.geometry["type"] == "Polygon"
    with pytest.raises(InvalidZone):
        service.update_zone(conn, gare.id, {"radius_m": -3}, now=NOW)


def test_the_zone_index_follows_creations_and_deletions(conn):
    cache = ZoneCache()
    before = len(cache.index(conn))
    assert cache.index(conn) is cache.index(conn)  # unchanged zones: the same index
    market = service.create_zone(conn, MARKET)
    with_market = cache.index(conn)
    service.delete_zone(conn, market.id)

    assert len(with_market) == before + 1 and with_market.locate(-1.055, 43.705).inside >= {market.id}
    assert len(cache.index(conn)) == before
    with pytest.raises(NotFound):
        service.delete_zone(conn, market.id)
