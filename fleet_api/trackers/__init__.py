"""Trackers: registering one to a vehicle with its own MQTT login, and disabling it."""
