"""Routes: zones as GeoJSON (`/geofences`) and the fleet's events (`/events`)."""
