"""Incidents: the only time staff may follow a lent vehicle (docs/PRIVACY.md). No FastAPI here."""
