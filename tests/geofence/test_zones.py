"""Zones from GeoJSON: circles and corridors measured on the ground, refusals with reasons."""

import pytest

from fleetbase.errors import InvalidInput
from geofence.index import ZoneIndex
from geofence.zones import InvalidZone, Zone, parse_shape
from tests.geofence.tracks import DAX, at_distance

CENTRE = {"type": "Point", "coordinates": [DAX[1], DAX[0]]}


def single_zone_index(geometry, **size) -> ZoneIndex:
    return ZoneIndex(
        [
            Zone(
                1,
                "zone",
                "other",
                None,
                geometry,
                size.get("radius_m"),
                size.get("width_m"),
                parse_shape(geometry, **size),
            )
        ]
    )


@pytest.mark.parametrize("bearing_deg", [0, 37, 90, 161, 180, 270, 318])
def test_at_dax_990_m_from_the_centre_is_inside_a_1_km_circle_and_1010_m_is_outside(bearing_deg):
    index = single_zone_index(CENTRE, radius_m=1000)

    near_lat, near_lon = at_distance(DAX, 990, bearing_deg)
    far_lat, far_lon = at_distance(DAX, 1010, bearing_deg)

    assert index.locate(near_lon, near_lat).inside == {1}
    assert index.locate(far_lon, far_lat).inside == frozenset()


def test_a_degree_based_circle_would_get_dax_wrong():
    """Why metres matter: 1 km taken as degrees of latitude leaves out points due east."""
    lat, lon = at_distance(DAX, 990, 90)
    degrees_radius = 1000 / 111_320
    assert ((lon - DAX[1]) ** 2 + (lat - DAX[0]) ** 2) ** 0.5 > degrees_radius  # "outside", wrongly
    assert single_zone_index(CENTRE, radius_m=1000).locate(lon, lat).inside == {1}


def test_a_corridor_is_as_wide_as_asked_on_the_ground():
    start, end = at_distance(DAX, 2000, 270), at_distance(DAX, 2000, 90)
    road = {"type": "LineString", "coordinates": [[start[1], start[0]], [end[1], end[0]]]}
    index = single_zone_index(road, width_m=100)
    north_45 = at_distance(DAX, 45, 0)
    north_55 = at_distance(DAX, 55, 0)

    assert index.locate(north_45[1], north_45[0]).inside == {1}
    assert index.locate(north_55[1], north_55[0]).inside == frozenset()


def test_an_accuracy_circle_across_the_border_is_uncertain_not_inside():
    index = single_zone_index(CENTRE, radius_m=150)
    lat, lon = at_distance(DAX, 146, 45)

    assert index.locate(lon, lat, acc_m=2).inside == {1}
    assert index.locate(lon, lat, acc_m=10).straddled == {1}
    assert index.locate(lon, lat, acc_m=10).inside == frozenset()


def test_multipolygons_with_holes_are_zones():
    outer = [[-1.1, 43.6], [-1.0, 43.6], [-1.0, 43.7], [-1.1, 43.7], [-1.1, 43.6]]
    hole = [[-1.06, 43.64], [-1.04, 43.64], [-1.04, 43.66], [-1.06, 43.66], [-1.06, 43.64]]
    other = [[-0.9, 43.6], [-0.8, 43.6], [-0.8, 43.7], [-0.9, 43.6]]
    index = single_zone_index({"type": "MultiPolygon", "coordinates": [[outer, hole], [other]]})

    assert index.locate(-1.08, 43.62).inside == {1}
    assert index.locate(-1.05, 43.65).inside == frozenset()
    assert index.locate(-0.82, 43.62).inside == {1}


SQUARE = [[-1.1, 43.6], [-1.0, 43.6], [-1.0, 43.7], [-1.1, 43.7], [-1.1, 43.6]]
BOWTIE = [[-1.1, 43.6], [-1.0, 43.7], [-1.0, 43.6], [-1.1, 43.7], [-1.1, 43.6]]

INVALID = [
    ("self_crossing", {"type": "Polygon", "coordinates": [BOWTIE]}, {}),
    ("unclosed_ring", {"type": "Polygon", "coordinates": [SQUARE[:-1]]}, {}),
    ("too_few_points", {"type": "Polygon", "coordinates": [[[-1.1, 43.6], [-1.0, 43.6], [-1.1, 43.6]]]}, {}),
    ("too_few_points", {"type": "LineString", "coordinates": [[-1.1, 43.6]]}, {"width_m": 50}),
    ("too_few_points", {"type": "MultiPolygon", "coordinates": []}, {}),
    ("bad_radius", CENTRE, {"radius_m": 0}),
    ("bad_radius", CENTRE, {"radius_m": -5}),
    ("bad_radius", CENTRE, {}),
    ("bad_radius", {"type": "Polygon", "coordinates": [SQUARE]}, {"radius_m": 100}),
    ("bad_width", {"type": "LineString", "coordinates": SQUARE[:2]}, {"width_m": 0}),
    ("out_of_range", {"type": "Point", "coordinates": [43.7, -181.0]}, {"radius_m": 100}),
    ("out_of_range", {"type": "Polygon", "coordinates": [[[-1.1, 93.6], *SQUARE[1:]]]}, {}),
    ("bad_position", {"type": "Point", "coordinates": ["-1.05", 43.7]}, {"radius_m": 100}),
    ("bad_position", {"type": "Point", "coordinates": [float("nan"), 43.7]}, {"radius_m": 100}),
    ("unknown_type", {"type": "GeometryCollection", "geometries": []}, {}),
    ("unknown_type", {"type": "Circle", "coordinates": [-1.05, 43.7]}, {}),
    ("not_geojson", {"coordinates": [-1.05, 43.7]}, {}),
    ("not_geojson", "POLYGON((0 0, 1 0, 1 1, 0 0))", {}),
    (
        "invalid_polygon",
        {"type": "Polygon", "coordinates": [SQUARE, [[-1.3, 43.6], [-1.2, 43.6], [-1.2, 43.7], [-1.3, 43.6]]]},
        {},
    ),
    ("invalid_polygon", {"type": "MultiPolygon", "coordinates": [[SQUARE], [SQUARE]]}, {}),
]


@pytest.mark.parametrize(("reason", "geometry", "size"), INVALID, ids=[case[0] for case in INVALID])
def test_each_kind_of_invalid_geojson_gets_its_typed_error_and_reason(reason, geometry, size):
    with pytest.raises(InvalidZone) as refused:
        parse_shape(geometry, **size)

    assert refused.value.reason == reason
    assert isinstance(refused.value, InvalidInput)  # the API maps it to 422
    assert refused.value.detail


def test_a_bow_tie_is_refused_in_words_the_person_who_drew_it_reads():
    bow_tie = [[-1.06, 43.70], [-1.04, 43.72], [-1.04, 43.70], [-1.06, 43.72], [-1.06, 43.70]]
    with pytest.raises(InvalidZone) as refused:
        parse_shape({"type": "Polygon", "coordinates": [bow_tie]})

    assert refused.value.reason == "self_crossing"
    assert refused.value.detail == (
        "Le polygone : son contour se croise lui-même (en nœud papillon) ; redessinez-le sans que ses côtés se coupent."
    )
