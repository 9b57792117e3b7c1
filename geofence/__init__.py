"""Zones (depots, service area) and the transitions of vehicles across them."""
