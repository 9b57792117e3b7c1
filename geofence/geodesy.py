"""Metres on the ground: geodesic circles, and a local metric frame for everything else.

Zones arrive in WGS 84 degrees, but radii, corridor widths and GPS accuracies are
metres, and a degree of longitude is only 80 km at the latitude of Dax. Circles are
drawn with exact geodesic distances (geographiclib); corridors and
accuracy tests use an azimuthal equidistant frame centred near the zones, whose
distances are exact from its centre and within 0.1 % up to 500 km away from it.
"""

from __future__ import annotations

import math

import numpy as np
import numpy.typing as npt
import shapely
from geographiclib.geodesic import Geodesic

WGS84 = Geodesic.WGS84
_A, _F = 6_378_137.0, 1 / 298.257223563
_E2 = _F * (2 - _F)

CIRCLE_VERTICES = 128  # chord error r·(1 − cos(π/128)) ≈ 0.03 % of the radius


def gaussian_radius_m(lat: float) -> float:
    """Radius of the sphere that best fits the ellipsoid at this latitude."""
    sin2 = math.sin(math.radians(lat)) ** 2
    meridional = _A * (1 - _E2) / (1 - _E2 * sin2) ** 1.5
    normal = _A / math.sqrt(1 - _E2 * sin2)
    return math.sqrt(meridional * normal)


def geodesic_circle(lon: float, lat: float, radius_m: float) -> shapely.Polygon:
    """The circle of `radius_m` around (lon, lat), as a lon/lat polygon.

    Vertices lie exactly `radius_m` away on the ellipsoid; they are pushed out by
    1/cos(π/n) so the chords between them pass through the circle, not inside it.
    """
    reach = radius_m / math.cos(math.pi / CIRCLE_VERTICES)
    ring = []
    for step in range(CIRCLE_VERTICES):
        end = WGS84.Direct(lat, lon, 360.0 * step / CIRCLE_VERTICES, reach)
        ring.append((end["lon2"], end["lat2"]))
    return shapely.Polygon(ring)


class LocalFrame:
    """Azimuthal equidistant projection (spherical, Gaussian radius) around a centre.

    `forward` and `inverse` take and return numpy arrays, so a batch of fixes is
    projected in a few vectorised operations.
    """

    def __init__(self, lon: float, lat: float) -> None:
        self.lon0, self.lat0 = lon, lat
        self.radius = gaussian_radius_m(lat)
        self._sin0, self._cos0 = math.sin(math.radians(lat)), math.cos(math.radians(lat))

    def forward(self, lon: npt.ArrayLike, lat: npt.ArrayLike) -> tuple[np.ndarray, np.ndarray]:
        """Degrees → metres east and north of the centre."""
        phi, dlam = np.radians(lat), np.radians(np.asarray(lon) - self.lon0)
        sin_phi, cos_phi, cos_dlam = np.sin(phi), np.cos(phi), np.cos(dlam)
        cos_c = np.clip(self._sin0 * sin_phi + self._cos0 * cos_phi * cos_dlam, -1.0, 1.0)
        c = np.arccos(cos_c)
        # c/sin(c) → 1 at the centre; the series avoids 0/0 there
        scale = np.where(c < 1e-6, 1.0 + c * c / 6, c / np.where(c < 1e-6, 1.0, np.sin(c)))
        k = self.radius * scale
        x = k * cos_phi * np.sin(dlam)
        y = k * (self._cos0 * sin_phi - self._sin0 * cos_phi * cos_dlam)
        return x, y

    def forward_one(self, lon: float, lat: float) -> tuple[float, float]:
        """`forward` for a single fix, in plain floats (numpy costs more than it saves for one)."""
        phi, dlam = math.radians(lat), math.radians(lon - self.lon0)
        sin_phi, cos_phi, cos_dlam = math.sin(phi), math.cos(phi), math.cos(dlam)
        c = math.acos(max(-1.0, min(1.0, self._sin0 * sin_phi + self._cos0 * cos_phi * cos_dlam)))
        k = self.radius * (1.0 + c * c / 6 if c < 1e-6 else c / math.sin(c))
        return k * cos_phi * math.sin(dlam), k * (self._cos0 * sin_phi - self._sin0 * cos_phi * cos_dlam)

    def inverse(self, x: npt.ArrayLike, y: npt.ArrayLike) -> tuple[np.ndarray, np.ndarray]:
        """Metres east and north of the centre → degrees (lon, lat)."""
        x, y = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
        rho = np.hypot(x, y)
        c = rho / self.radius
        sin_c, cos_c = np.sin(c), np.cos(c)
        safe_rho = np.where(rho == 0, 1.0, rho)
        lat = np.arcsin(np.clip(cos_c * self._sin0 + y * sin_c * self._cos0 / safe_rho, -1.0, 1.0))
        lon = self.lon0 + np.degrees(np.arctan2(x * sin_c, rho * self._cos0 * cos_c - y * self._sin0 * sin_c))
        return np.where(rho == 0, self.lon0, lon), np.where(rho == 0, self.lat0, np.degrees(lat))

    def project(self, geometry: shapely.Geometry) -> shapely.Geometry:
        """A lon/lat shapely geometry in this frame's metres."""
        return shapely.transform(geometry, lambda coords: np.column_stack(self.forward(coords[:, 0], coords[:, 1])))

    def unproject(self, geometry: shapely.Geometry) -> shapely.Geometry:
        """A shapely geometry in this frame's metres back to lon/lat."""
        return shapely.transform(geometry, lambda coords: np.column_stack(self.inverse(coords[:, 0], coords[:, 1])))


def corridor(line: shapely.LineString, width_m: float) -> shapely.Polygon:
    """The band `width_m` wide with `line` down its middle, as a lon/lat polygon."""
    lon, lat = line.centroid.x, line.centroid.y
    frame = LocalFrame(lon, lat)
    return frame.unproject(frame.project(line).buffer(width_m / 2, quad_segs=16))


def geodesic_distance_m(lon_a: float, lat_a: float, lon_b: float, lat_b: float) -> float:
    """Distance on the WGS 84 ellipsoid."""
    return float(WGS84.Inverse(lat_a, lon_a, lat_b, lon_b)["s12"])


def area_m2(shape: shapely.Polygon | shapely.MultiPolygon) -> float:
    """The ground area of a lon/lat shape, in square metres (in a frame centred on it: a zone
    of the service is a few tens of kilometres across at most)."""
    frame = LocalFrame(shape.centroid.x, shape.centroid.y)
    return float(frame.project(shape).area)
