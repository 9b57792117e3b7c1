"""Demo only: the association's loan desk, so that the simulated fleet's loans are loans.

The simulator decides when a participant picks a vehicle up and brings it back
(`device_sim.agenda`); a real plateforme records those moments at its desk. With
`FLEET_SIM_DESK_URL` set (`make demo` points it at the API), the simulator also plays
the demo coordinator: before a vehicle leaves its depot with a participant it requests
the loan, validates it, records the deposit and checks the vehicle out, all through
the API; once the vehicle is back, it checks it in. Without it the vehicles drive as
before, and the service rightly sees them leave their depots with no loan (a possible
theft).

The desk is asked in the simulation's own loop, before the vehicle drives off, so the
service knows of the loan before the first fix away from the depot; the trackers wait
for those few requests (each times out after 10 s). A refusal (a rule of the service,
a network error) is logged and the simulation goes on.
"""

from __future__ import annotations

import logging
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import httpx

from fleetbase.local_time import local_today

log = logging.getLogger("device_sim.desk")

LICENCE = {"car": "B", "ecar": "B", "scooter": "AM"}  # an e-bike needs none
DEPOSIT_CENTS = {"car": 30000, "ecar": 30000, "scooter": 15000, "ebike": 10000}
CHECKLIST = {
    "car": {"keys": True, "documents": True, "insurance_card": True},
    "ecar": {"keys": True, "charger": True, "documents": True, "insurance_card": True},
    "scooter": {"keys": True, "helmet": True, "lock": True, "documents": True, "insurance_card": True},
    "ebike": {"keys": True, "helmet": True, "lock": True, "charger": True},
}
FIRST_NAMES = ("Camille", "Nadia", "Julien", "Sofiane", "Léa", "Mathis", "Inès", "Thomas", "Aïcha", "Hugo")
LAST_NAMES = ("Duprat", "Lafitte", "Bordes", "Dufau", "Labat", "Lacoste", "Darrigade", "Castets", "Pémartin")
RETURN_HOUR = time(12, 0)  # the simulated participants bring vehicles back in the morning


class DeskError(Exception):
    """The API refused or could not be reached."""


class LoanDesk:
    """The demo coordinator, at the API of `base_url`."""

    def __init__(self, base_url: str, *, username: str, password: str, zone: ZoneInfo, timeout_s: float = 10.0) -> None:
        self.base_url = base_url.rstrip("/")
        self.username, self.password, self.zone = username, password, zone
        self.timeout_s = timeout_s
        self._token: str | None = None
        self._vehicles: dict[str, dict] = {}
        self._people = 0

    # --- what the simulator tells the desk ---------------------------------------------
    def lend(
        self, tracker_id: str, *, starts_at: datetime, ends_on: date, odometer_km: float, energy_pct: float | None
    ) -> int | None:
        """A participant takes the vehicle: its loan, from request to check-out; the loan id."""
        try:
            vehicle = self._vehicle(tracker_id)
            if self._active_loan(vehicle["id"]) is not None:
                return None  # already lent (a restarted demo): nothing to do
            ends_at = datetime.combine(ends_on, RETURN_HOUR, tzinfo=self.zone)
            participant = self._participant(vehicle["kind"], starts_at)
            loan = self._call(
                "POST",
                "/api/v1/bookings",
                {
                    "participant_id": participant,
                    "vehicle_id": vehicle["id"],
                    "starts_at": starts_at.isoformat(),
                    "ends_at": ends_at.isoformat(),
                },
            )
            self._call("POST", f"/api/v1/bookings/{loan['id']}/validate", {})
            self._call(
                "POST",
                f"/api/v1/bookings/{loan['id']}/deposit",
                {"amount_cents": DEPOSIT_CENTS[vehicle["kind"]], "method": "cheque"},
            )
            self._call(
                "POST",
                f"/api/v1/bookings/{loan['id']}/checkout",
                self._inspection(vehicle["kind"], odometer_km, energy_pct),
            )
        except DeskError as error:
            log.warning("desk: %s not lent: %s", tracker_id, error)
            return None
        log.info("desk: %s lent until %s (loan %d)", tracker_id, ends_on.isoformat(), loan["id"])
        return loan["id"]

    def take_back(self, tracker_id: str, *, odometer_km: float, energy_pct: float | None) -> int | None:
        """The vehicle is back at its depot: check it in; the loan id."""
        try:
            vehicle = self._vehicle(tracker_id)
            loan_id = self._active_loan(vehicle["id"])
            if loan_id is None:
                return None
            self._call(
                "POST",
                f"/api/v1/bookings/{loan_id}/checkin",
                self._inspection(vehicle["kind"], odometer_km, energy_pct),
            )
        except DeskError as error:
            log.warning("desk: %s not checked in: %s", tracker_id, error)
            return None
        log.info("desk: %s checked in (loan %d)", tracker_id, loan_id)
        return loan_id

    # --- the API -----------------------------------------------------------------------
    def _vehicle(self, tracker_id: str) -> dict:
        if not self._vehicles:
            self._vehicles = {
                vehicle["tracker_id"]: vehicle
                for vehicle in self._call("GET", "/api/v1/vehicles")
                if vehicle["tracker_id"]
            }
        if tracker_id not in self._vehicles:
            raise DeskError(f"no vehicle has the tracker {tracker_id}")
        return self._vehicles[tracker_id]

    def _active_loan(self, vehicle_id: int) -> int | None:
        """The vehicle's loan that is out (active or overdue), if any: one call for both."""
        loans = self._call("GET", "/api/v1/bookings", params={"vehicle_id": vehicle_id})
        return next((loan["id"] for loan in loans if loan["status"] in ("active", "overdue")), None)

    def _participant(self, kind: str, on: datetime) -> int:
        self._people += 1
        licences = (
            [{"category": LICENCE[kind], "checked_on": (local_today(on, self.zone) - timedelta(days=30)).isoformat()}]
            if kind in LICENCE
            else []
        )
        return self._call(
            "POST",
            "/api/v1/participants",
            {
                "first_name": FIRST_NAMES[self._people % len(FIRST_NAMES)],
                "last_name": f"{LAST_NAMES[self._people % len(LAST_NAMES)]} (démo {self._people})",
                "purpose": "job",
                "licences": licences,
                "notes": "Personne fictive créée par le simulateur de démonstration.",
            },
        )["id"]

    @staticmethod
    def _inspection(kind: str, odometer_km: float, energy_pct: float | None) -> dict:
        return {
            "odometer_km": round(odometer_km, 1),
            "energy_pct": None if energy_pct is None else round(energy_pct),
            "checklist": CHECKLIST[kind],
            "participant_signed": True,
            "staff_signed": True,
        }

    def _call(
        self, method: str, path: str, body: dict | None = None, *, params: dict | None = None, retry: bool = True
    ):
        if self._token is None:
            self._token = self._sign_in()
        try:
            response = httpx.request(
                method,
                self.base_url + path,
                json=body,
                params=params,
                timeout=self.timeout_s,
                headers={"Authorization": f"Bearer {self._token}"},
            )
        except httpx.HTTPError as error:
            raise DeskError(f"{method} {path}: {error}") from None
        if response.status_code == 401 and retry:  # the token expired: sign in again, once
            self._token = None
            return self._call(method, path, body, params=params, retry=False)
        if not response.is_success:
            raise DeskError(f"{method} {path}: {response.status_code} {_detail(response)}")
        return response.json() if response.content else None

    def _sign_in(self) -> str:
        try:
            response = httpx.post(
                self.base_url + "/api/v1/auth/token",
                timeout=self.timeout_s,
                data={"username": self.username, "password": self.password},
            )
        except httpx.HTTPError as error:
            raise DeskError(f"sign-in as {self.username}: {error}") from None
        if not response.is_success:
            raise DeskError(f"sign-in as {self.username}: {response.status_code} {_detail(response)}")
        return response.json()["access_token"]


def _detail(response: httpx.Response) -> str:
    try:
        return response.json().get("detail", "")
    except (ValueError, AttributeError):
        return ""
