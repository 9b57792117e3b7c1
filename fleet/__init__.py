"""The fleet itself: vehicles and what their status means (`vehicles`), the trackers they
carry — registration, logins, the broker's password file, the OwnTracks set-up link and
each tracker's health (`trackers`, `broker_sync`, `owntracks_setup`, `tracker_health`) —
and the partner garages (`garage_repository`). SQL only in the `*_repository` modules; the
HTTP side is `fleet_api/vehicles/`, `fleet_api/trackers/` and `fleet_api/garages/`."""
