"""The root of the project's error tree.

    FleetError                     anything the service refuses, with a reason
    ├── NotFound                   the thing asked for does not exist (or is out of scope)
    ├── Conflict                   the request contradicts the current state
    ├── InvalidInput               the request itself is malformed or out of range
    ├── Forbidden                  the caller's role may not do this
    └── ConfigurationError         the process was started with unusable settings

Each domain adds its own subclasses next to its code (for example
`ingest.decoding.RejectedReading`); the API maps classes to HTTP statuses in one table
and the ingest worker dead-letters them with their `reason`.
"""


class FleetError(Exception):
    """Base of every error the service raises on purpose."""

    reason = "error"

    def __init__(self, detail: str, *, reason: str | None = None) -> None:
        super().__init__(detail)
        self.detail = detail
        if reason is not None:
            self.reason = reason


class NotFound(FleetError):
    """The requested object does not exist or lies outside the caller's scope."""

    reason = "not_found"


class Conflict(FleetError):
    """The request is well formed but contradicts the current state."""

    reason = "conflict"


class InvalidInput(FleetError):
    """The request is malformed or a value is out of range."""

    reason = "invalid_input"


class Forbidden(FleetError):
    """The caller is known but their role may not do this."""

    reason = "forbidden"


class ConfigurationError(FleetError):
    """The process cannot run with the settings it was given."""

    reason = "configuration"
