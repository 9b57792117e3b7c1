"""A track as CSV (one fix per line, UTC times) or GPX 1.1 (for mapping tools)."""

from __future__ import annotations

import csv
import io
import re
from urllib.parse import quote
from xml.sax.saxutils import escape

from tracking.history_repository import POSITION_COLUMNS

# A CSV line is a fix as the history reads it, column for column.
CSV_COLUMNS = POSITION_COLUMNS


def track_csv(positions: list[dict]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for position in positions:
        writer.writerow(
            [
                "" if position[c] is None else position[c].isoformat() if c == "fix_time" else position[c]
                for c in CSV_COLUMNS
            ]
        )
    return out.getvalue()


def track_gpx(positions: list[dict], *, name: str) -> str:
    points = []
    for position in positions:
        elevation = f"<ele>{position['alt_m']}</ele>" if position["alt_m"] is not None else ""
        time = position["fix_time"].strftime("%Y-%m-%dT%H:%M:%SZ")
        points.append(
            f'<trkpt lat="{position["lat"]:.7f}" lon="{position["lon"]:.7f}">{elevation}<time>{time}</time></trkpt>'
        )
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<gpx version="1.1" creator="fleet-telematics" xmlns="http://www.topografix.com/GPX/1/1">'
        f"<trk><name>{escape(name)}</name><trkseg>{''.join(points)}</trkseg></trk></gpx>\n"
    )


def attachment(filename: str) -> dict[str, str]:
    """A download named `filename` (RFC 6266): an ASCII fallback, and the name itself in UTF-8."""
    fallback = re.sub(r"[^A-Za-z0-9._-]", "_", filename)
    return {"Content-Disposition": f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(filename, safe='')}"}
