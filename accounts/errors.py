"""Errors of signing in (mapped to 401 and 429 by `fleet_api.errors`)."""

from fleetbase.errors import FleetError


class Unauthenticated(FleetError):
    """No token, or a token that is unknown, expired or revoked, or a wrong password."""

    reason = "unauthenticated"


class TooManyAttempts(FleetError):
    """Too many failed logins for this username from this address: wait `retry_after_s`."""

    reason = "too_many_attempts"

    def __init__(self, detail: str, *, retry_after_s: int) -> None:
        super().__init__(detail)
        self.retry_after_s = retry_after_s
