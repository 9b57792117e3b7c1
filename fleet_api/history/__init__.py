"""A vehicle's past: its track (downsampled on request), trips and stops, CSV and GPX exports."""
