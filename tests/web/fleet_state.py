"""A fleet caught in the middle of a day, written straight into `vehicle_state` and `loans`:
what the map shows without waiting for readings (the live test publishes real ones)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from fleetbase.db import connect


def fill_fleet_state(database_url: str, *, now: datetime | None = None) -> None:
    """Every vehicle at its depot (a few metres apart), energies from full to empty, car-02 lent
    out near Capbreton, scooter-03 silent for two hours, ebike-02 riding near Saubusse."""
    now = now or datetime.now(UTC)
    with connect(database_url) as conn:
        conn.execute(
            """
            INSERT INTO vehicle_state (vehicle_id, fix_time, lat, lon, speed_kmh, battery_pct, fuel_pct,
                                       effective_odometer_km, last_seen_at, online)
            SELECT v.id, %(now)s - interval '3 min', s.lat + (v.id %% 5) * 0.00012, s.lon + (v.id %% 3) * 0.00015, 0,
                   CASE WHEN v.energy = 'electric' THEN (v.id * 37) %% 100 END,
                   CASE WHEN v.energy <> 'electric' THEN (v.id * 53) %% 100 END,
                   1000 + v.id * 321.5, %(now)s - interval '3 min', true
            FROM vehicles v JOIN sites s ON s.id = v.home_site_id
            """,
            {"now": now},
        )
        conn.execute(
            "UPDATE vehicle_state SET lat = 43.6520, lon = -1.4210, fix_time = %(now)s, last_seen_at = %(now)s"
            " WHERE vehicle_id = (SELECT id FROM vehicles WHERE label = 'car-02')",
            {"now": now},
        )
        conn.execute(
            "UPDATE vehicle_state SET online = false, last_seen_at = %(then)s, fix_time = %(then)s"
            " WHERE vehicle_id = (SELECT id FROM vehicles WHERE label = 'scooter-03')",
            {"then": now - timedelta(hours=2)},
        )
        conn.execute(
            "UPDATE vehicle_state SET lat = 43.6697, lon = -1.1822, speed_kmh = 18, last_seen_at = %(now)s"
            " WHERE vehicle_id = (SELECT id FROM vehicles WHERE label = 'ebike-02')",
            {"now": now},
        )
        conn.execute(
            "INSERT INTO loans (vehicle_id, status, starts_at, ends_at, held_until)"
            " SELECT id, 'active', %(start)s, %(end)s, %(end)s FROM vehicles WHERE label = 'car-02'",
            {"start": now - timedelta(days=2), "end": now + timedelta(days=12)},
        )
        conn.execute("UPDATE vehicles SET status = 'maintenance' WHERE label = 'scooter-07'")
