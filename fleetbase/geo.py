"""The one cheap distance every component may use where the ellipsoid is not needed."""

from __future__ import annotations

import math

EARTH_RADIUS = 6371.009  # km: the mean radius of the WGS 84 ellipsoid, (2a + b) / 3


def haversine_km(lat_a: float, lon_a: float, lat_b: float, lon_b: float) -> float:
    """Great-circle distance in km: within 0.5 % of the geodesic and tens of times
    cheaper than the geodesic, for gates and sums over many fixes."""
    phi_a, phi_b = math.radians(lat_a), math.radians(lat_b)
    half_dlat, half_dlon = (phi_b - phi_a) / 2, math.radians(lon_b - lon_a) / 2
    h = math.sin(half_dlat) ** 2 + math.cos(phi_a) * math.cos(phi_b) * math.sin(half_dlon) ** 2
    return 2 * EARTH_RADIUS * math.asin(min(1.0, math.sqrt(h)))
