"""The SMTP server and the garage's web hook receiver these tests talk to (tests/outside.py)."""

from tests.outside import garage_system, smtp_server  # noqa: F401  (fixtures)
