"""How each kind of vehicle drives and uses energy.

Speeds: an e-bike's assistance stops at 25 km/h, a 50 cc scooter is limited to
45 km/h, and the plateforme's cars keep to 80–90 km/h on the departmental roads.
Energy figures are typical: a 500 Wh e-bike battery (about 8 Wh/km), a 7 L scooter
tank (2.5 L/100 km), a 45 L car tank (6 L/100 km), a 50 kWh electric car.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class KindProfile:
    max_speed_kmh: float  # never exceeded, whatever the road
    rural_speed_kmh: float  # cruising speed between villages
    urban_speed_kmh: float  # cruising speed in a built-up area
    acceleration_ms2: float
    max_trip_km: float  # how far a participant goes with it, one way
    fuel_pct_per_km: float  # share of the tank per km (petrol)
    battery_pct_per_km: float  # share of the traction battery per km (electric)
    charge_pct_per_h: float  # while plugged in at home or at the depot
    odometer_km_range: tuple[float, float]  # odometer of a vehicle when the run starts


PROFILES: dict[str, KindProfile] = {
    "car": KindProfile(
        max_speed_kmh=90.0,
        rural_speed_kmh=80.0,
        urban_speed_kmh=45.0,
        acceleration_ms2=1.8,
        max_trip_km=45.0,
        fuel_pct_per_km=6.0 / 45,
        battery_pct_per_km=0.34,
        charge_pct_per_h=14.0,
        odometer_km_range=(25_000.0, 140_000.0),
    ),
    "scooter": KindProfile(
        max_speed_kmh=45.0,
        rural_speed_kmh=42.0,
        urban_speed_kmh=32.0,
        acceleration_ms2=1.2,
        max_trip_km=30.0,
        fuel_pct_per_km=2.5 / 7,
        battery_pct_per_km=1.2,
        charge_pct_per_h=25.0,
        odometer_km_range=(2_000.0, 25_000.0),
    ),
    "ebike": KindProfile(
        max_speed_kmh=25.0,
        rural_speed_kmh=22.0,
        urban_speed_kmh=17.0,
        acceleration_ms2=0.6,
        max_trip_km=13.0,
        fuel_pct_per_km=0.0,
        battery_pct_per_km=1.6,
        charge_pct_per_h=22.0,
        odometer_km_range=(300.0, 6_000.0),
    ),
}

BRAKING_MS2 = 2.0
REFUEL_BELOW_PCT = 15.0  # a participant stops at the next station under this level


def profile_for(kind: str) -> KindProfile:
    """The driving profile of a vehicle kind (`car`, `scooter`, `ebike`)."""
    return PROFILES[kind]
