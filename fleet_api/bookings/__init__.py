"""Loans (bookings): requests, validation, check-out and check-in, availability, the activity report."""
