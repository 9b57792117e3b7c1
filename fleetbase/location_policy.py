"""What staff see of a lent vehicle's position (`FLEET_LOAN_LOCATION_POLICY`, docs/PRIVACY.md).

    coarse         about 1 km on the live map (0.01°), no history: the default
    incident_only  no position at all while lent: battery, fuel, odometer, online state only
    precise        the precise position and history (participants agreed in writing); audited

Whatever the policy, while an incident is open on a vehicle the fleet manager and the
administrator see its precise position and its history from the incident's start
(`incidents/`); no speed or heading of a lent vehicle is ever shown live, and its zone
events keep only the association's own operational zones (`geofence.evaluation`).
"""

from __future__ import annotations

from enum import StrEnum


class LocationPolicy(StrEnum):
    COARSE = "coarse"
    INCIDENT_ONLY = "incident_only"
    PRECISE = "precise"


def lent_zone_kinds(policy: LocationPolicy) -> frozenset[str]:
    """The zone kinds whose crossings are recorded for a lent vehicle.

    Depots (the vehicle coming back) and the service area (a loan is for a territory);
    under `incident_only` only the depots, since leaving the service area is a position.
    A zone of any other kind never follows a lent vehicle.
    """
    if policy is LocationPolicy.INCIDENT_ONLY:
        return frozenset({"depot"})
    return frozenset({"depot", "service_area"})
