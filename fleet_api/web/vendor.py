"""The front-end packages the pages use, served from `node_modules` (installed by `npm ci`
from package-lock.json in `make venv`), each under /vendor/<name>/ — never a CDN."""

from __future__ import annotations

from pathlib import Path

# URL name → folder inside node_modules.
PACKAGES = {
    "leaflet": "leaflet/dist",
    "markercluster": "leaflet.markercluster/dist",
    "htmx": "htmx.org/dist",
    "alpine": "@alpinejs/csp/dist",
    "pico": "@picocss/pico/css",
    "signature-pad": "signature_pad/dist",
    "chart": "chart.js/dist",
    "geoman": "@geoman-io/leaflet-geoman-free/dist",
}
# The Natural Earth land polygons (1:10 m) the map's own base layer is cut from.
LAND_TOPOJSON = "world-atlas/land-10m.json"


def package_dirs(vendor_dir: Path) -> dict[str, Path]:
    return {name: vendor_dir / folder for name, folder in PACKAGES.items()}


def missing_packages(vendor_dir: Path) -> list[str]:
    return [folder for folder in (*PACKAGES.values(), LAND_TOPOJSON) if not (vendor_dir / folder).exists()]
