"""Where the vehicles are and were, as people may see it: the live fleet (`live`), a
vehicle's track, trips and stops (`history`, `trips`, `downsample`), each shown under the
location policy of a lent vehicle (`fleetbase.location_policy`). SQL only in the
`*_repository` modules; the HTTP side is `fleet_api/live/` and `fleet_api/history/`."""
