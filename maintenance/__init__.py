"""Mileage- and date-based maintenance plans, due states and service records."""
