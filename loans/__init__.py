"""Vehicle loans: participants, requests, validation, check-out and check-in, and their rules.

The domain only (no FastAPI, no MQTT): the API routes in `fleet_api/bookings/` and
`fleet_api/participants/` call it; the scheduler calls its overdue job.
"""
