"""What every component of the fleet service stands on.

Settings (`fleetbase.settings`), the PostgreSQL connection pool (`fleetbase.db`), the
schema and its migrations (`fleetbase.migrate`), the demo seed (`fleetbase.seed`), the
root of the error tree (`fleetbase.errors`) and the project's own Mosquitto broker
configuration (`fleetbase.broker`). Run `python -m fleetbase --help` for its commands.
"""
