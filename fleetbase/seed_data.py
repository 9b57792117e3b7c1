"""The demo fleet of docs/ARCHITECTURE.md: the Plate-forme Mobilité of the south of the Landes.

Depot coordinates are in the towns named (not real addresses). Plates are fictional.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date


@dataclass(frozen=True)
class Site:
    code: str
    name: str
    municipality: str
    intercommunality: str
    lat: float
    lon: float


@dataclass(frozen=True)
class VehicleSeed:
    tracker_id: str
    kind: str
    energy: str
    plate: str | None
    make: str
    model: str
    first_registered_on: date | None
    site_code: str


SITES = (
    Site("DAX", "Dépôt de Dax", "Dax", "Communauté d'agglomération du Grand Dax", 43.7089, -1.0496),
    Site(
        "SVT",
        "Dépôt de Saint-Vincent-de-Tyrosse",
        "Saint-Vincent-de-Tyrosse",
        "Communauté de communes Maremne Adour Côte Sud",
        43.6601,
        -1.3047,
    ),
    Site(
        "PEY",
        "Dépôt de Peyrehorade",
        "Peyrehorade",
        "Communauté de communes du Pays d'Orthe et Arrigans",
        43.5453,
        -1.1040,
    ),
    Site("TAR", "Dépôt de Tarnos", "Tarnos", "Communauté de communes du Seignanx", 43.5385, -1.4628),
    Site("SOU", "Dépôt de Soustons", "Soustons", "Communauté de communes Maremne Adour Côte Sud", 43.7510, -1.3262),
)

DEPOT_RADIUS_M = 150.0

# Lon/lat ring around the five towns, from the Seignanx coast to the Pays d'Orthe.
SERVICE_AREA = {
    "type": "Polygon",
    "coordinates": [
        [
            [-1.52, 43.49],
            [-1.05, 43.47],
            [-0.93, 43.55],
            [-0.90, 43.75],
            [-1.00, 43.82],
            [-1.25, 43.86],
            [-1.42, 43.82],
            [-1.48, 43.70],
            [-1.52, 43.49],
        ]
    ],
}
SERVICE_AREA_NAME = "Zone d'intervention Sud Landes"

# (site, cars, scooters, e-bikes): 8 cars, 28 scooters, 6 e-bikes in all.
DISTRIBUTION = (("DAX", 3, 8, 2), ("SVT", 2, 6, 1), ("PEY", 1, 5, 1), ("TAR", 1, 5, 1), ("SOU", 1, 4, 1))

CAR_MODELS = (("Renault", "Clio"), ("Peugeot", "208"), ("Dacia", "Sandero"))
SCOOTER_MODELS = (("Peugeot", "Kisbee 50"), ("Kymco", "Agility 50"), ("Yamaha", "Neo's 50"))
EBIKE_MODEL = ("Moustache", "Samedi 28")


def fleet() -> list[VehicleSeed]:
    """The 42 vehicles, numbered per kind across the depots in DISTRIBUTION's order."""
    vehicles: list[VehicleSeed] = []
    counters = {"car": 0, "scooter": 0, "ebike": 0}
    for site_code, cars, scooters, ebikes in DISTRIBUTION:
        for kind, count in (("car", cars), ("scooter", scooters), ("ebike", ebikes)):
            for _ in range(count):
                counters[kind] += 1
                vehicles.append(_vehicle(kind, counters[kind], site_code))
    return vehicles


def _vehicle(kind: str, number: int, site_code: str) -> VehicleSeed:
    tracker_id = f"{kind}-{number:02d}"
    if kind == "car":
        make, model = CAR_MODELS[number % len(CAR_MODELS)]
        return VehicleSeed(
            tracker_id,
            kind,
            "petrol",
            f"GA-{100 + number:03d}-LD",
            make,
            model,
            date(2016 + number % 6, 1 + number % 12, 15),
            site_code,
        )
    if kind == "scooter":
        make, model = SCOOTER_MODELS[number % len(SCOOTER_MODELS)]
        return VehicleSeed(
            tracker_id,
            kind,
            "petrol",
            f"GB-{200 + number:03d}-LD",
            make,
            model,
            date(2018 + number % 6, 1 + number % 12, 1),
            site_code,
        )
    make, model = EBIKE_MODEL
    return VehicleSeed(tracker_id, kind, "electric", None, make, model, None, site_code)


GARAGE = {
    "name": "Garage solidaire Sud Landes",
    "address": "12 avenue de la Gare, 40100 Dax",
    "email": "atelier@garage-solidaire.example.org",
    "phone": "05 58 00 00 00",
}

PRESCRIBERS = (
    ("France Travail – agence de Dax", "france_travail", "dax@francetravail.example.org"),
    ("Mission locale des Landes – antenne de Tarnos", "mission_locale", "tarnos@missionlocale.example.org"),
    ("PLIE du Grand Dax", "plie", "contact@plie.example.org"),
    ("CCAS de Peyrehorade", "ccas", "ccas@peyrehorade.example.org"),
)

# (username, role, full name); the garage partner and prescriber are bound below.
DEMO_USERS = (
    ("admin", "admin", "Administratrice de la plateforme"),
    ("manager", "fleet_manager", "Responsable de parc"),
    ("coordinator", "coordinator", "Conseillère mobilité"),
    ("mechanic", "mechanic", "Mécanicien de la plateforme"),
    ("garage", "garage_partner", "Atelier du garage solidaire"),
    ("prescriber", "prescriber", "Conseiller France Travail"),
)
