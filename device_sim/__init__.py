"""Tracker simulator: the demo fleet driving around the south of the Landes, and load mode."""
