"""Telemetry ingest worker: MQTT readings in, batched and idempotent writes to PostgreSQL."""
